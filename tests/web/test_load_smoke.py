"""The load benchmark's short mode, as a test of correctness under concurrency (never of speed):
every write the server acknowledged is in the database exactly once."""

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
def test_short_load_stores_every_acknowledged_write_once(database, tmp_path):
    if database == "postgresql" and not os.environ.get("LPIP_TEST_POSTGRES_URL"):
        if os.environ.get("LPIP_REQUIRE_POSTGRES"):
            pytest.fail("LPIP_REQUIRE_POSTGRES is set but LPIP_TEST_POSTGRES_URL is not")
        pytest.skip("LPIP_TEST_POSTGRES_URL is not set")
    figures = tmp_path / "load.json"
    command = [sys.executable, str(BENCH), "--scenario", "steady", "--seconds", "5", "--participants", "20", "--database", database,
               "--think-min", "0.1", "--think-max", "0.4", "--json", str(figures)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    result, = json.loads(figures.read_text())
    check = result["check"]
    assert check["passed"], check
    # The check saw real traffic of each kind, including resent submissions.
    assert check["acknowledged_notes"] > 0 and check["acknowledged_statements"] > 0
    assert check["acknowledged_votes"] > 0 and check["acknowledged_dot_spends"] > 0
    assert check["resends_same"] > 0
    assert (check["missing"], check["duplicated"], check["unexpected"], check["vote_problems"], check["dot_problems"]) == (0,) * 5
    assert check["resends_different"] == 0
    assert result["requests"] > 20  # more than the joins alone
    # Phones on the pages and on the API both voted and added statements.
    for way in ("page", "api"):
        assert result["operations"].get(f"{way}: vote", 0) > 0 and result["operations"].get(f"{way}: join", 0) > 0, way


def run_bench(tmp_path, *arguments: str) -> dict:
    figures = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(BENCH), *arguments, "--json", str(figures)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    result, = json.loads(figures.read_text())
    return result


def skip_without_postgres(database: str) -> None:
    if database == "postgresql" and not os.environ.get("LPIP_TEST_POSTGRES_URL"):
        if os.environ.get("LPIP_REQUIRE_POSTGRES"):
            pytest.fail("LPIP_REQUIRE_POSTGRES is set but LPIP_TEST_POSTGRES_URL is not")
        pytest.skip("LPIP_TEST_POSTGRES_URL is not set")


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_100_phones_casting_10_votes_at_once_store_all_1000(database, tmp_path):
    """The burst that lost three votes in four on the pages: half the phones on the pages, half on the API."""
    skip_without_postgres(database)
    result = run_bench(tmp_path, "--scenario", "burst", "--database", database)
    check = result["check"]
    assert result["burst_passed"] and check["passed"], check
    assert (check["acknowledged_votes"], check["stored_votes"], check["vote_problems"]) == (1000, 1000, 0)
    assert result["errors"] == {}
