"""How long `lpip init` takes to create the database and load the bundled data.

Target (issue 2): under 30 s into SQLite on the 2-core machine. Prints the time for a fresh
load, the no-op second run, and the raw cost of reading the bundled files (the floor), on SQLite
and, when LPIP_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lpip.config import load_settings
from lpip.evidence.bundle import iter_indicator_frames
from lpip.evidence.catalogue import bundled_catalogue
from lpip.geography.load import build_geography
from lpip.initdb import init_db


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def read_floor() -> float:
    def read():
        build_geography()
        return sum(len(frame) for _, frame in iter_indicator_frames(bundled_catalogue()))

    rows, seconds = timed(read)
    print(f"read + reshape bundled files (floor): {seconds:6.2f} s for {rows:,} values")
    return seconds


def bench(url: str, label: str, floor: float) -> None:
    first, t1 = timed(lambda: init_db(load_settings(url)))
    second, t2 = timed(lambda: init_db(load_settings(url)))
    values = first.summary["values"]
    print(f"{label:10s} fresh init: {t1:6.2f} s ({values:,} values, {values / t1:,.0f} rows/s, "
          f"{t1 / floor:.1f}x the floor; target < 30 s)")
    print(f"{label:10s} second run: {t2:6.2f} s (changed={second.changed})")


def main() -> None:
    floor = read_floor()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{Path(folder) / 'bench.sqlite'}", "SQLite", floor)
    admin_url = os.environ.get("LPIP_TEST_POSTGRES_URL")
    if not admin_url:
        print("PostgreSQL: skipped (set LPIP_TEST_POSTGRES_URL to include it)")
        return
    name = f"lpip_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        bench(make_url(admin_url).set(database=name).render_as_string(hide_password=False), "PostgreSQL", floor)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
