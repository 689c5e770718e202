"""Faults under load: every process of `lpip serve` killed with kill -9 while phones (on the
pages and the API) write; the server is started again on the same port, the phones send again
what was never acknowledged (as their offline queues do), and every acknowledged write is
stored exactly once. Runs the load benchmark's fault scenario (bench/bench_load.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_load.py"


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_kill_9_of_every_server_process_under_load_loses_and_duplicates_nothing(database, tmp_path):
    if database == "postgresql" and not os.environ.get("LPIP_TEST_POSTGRES_URL"):
        if os.environ.get("LPIP_REQUIRE_POSTGRES"):
            pytest.fail("LPIP_REQUIRE_POSTGRES is set but LPIP_TEST_POSTGRES_URL is not")
        pytest.skip("LPIP_TEST_POSTGRES_URL is not set")
    figures = tmp_path / "faults.json"
    command = [sys.executable, str(BENCH), "--scenario", "faults", "--seconds", "12", "--participants", "30",
               "--database", database, "--think-min", "0.1", "--think-max", "0.4", "--json", str(figures)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    result, = json.loads(figures.read_text())
    check, crash = result["check"], result["crash"]
    assert check["passed"], check
    assert (check["missing"], check["duplicated"], check["unexpected"], check["vote_problems"], check["dot_problems"]) == (0,) * 5
    # Every process went (SQLite: the one process; PostgreSQL: the parent and its two workers,
    # and any helper process of theirs) ...
    assert crash["processes_killed"] == 1 if database == "sqlite" else crash["processes_killed"] >= 3
    # ... writes were cut off, and sending them again stored each once.
    assert any(not status.isdigit() for status in (key.rsplit(": ", 1)[1] for key in result["errors"]))
    assert crash["resent"] > 0 and crash["still_unacknowledged"] == 0
    assert check["acknowledged_notes"] > 0 and check["acknowledged_statements"] > 0 and check["resends_different"] == 0
