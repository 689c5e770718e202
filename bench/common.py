"""Helpers the benchmarks share: timing a call, and a database to run against."""

from __future__ import annotations

import os
import time
from pathlib import Path

from lpip.config import load_settings
from lpip.initdb import init_db


def timed(fn):
    """(result, seconds) of calling ``fn()``."""
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def database_url(workdir: Path) -> str:
    """``LPIP_DATABASE_URL`` if set, else a fresh SQLite database in ``workdir`` with the bundled data."""
    url = os.environ.get("LPIP_DATABASE_URL")
    if url:
        return url
    url = f"sqlite:///{workdir / 'lpip.sqlite'}"
    _, seconds = timed(lambda: init_db(load_settings(url)))
    print(f"(built a temporary database in {seconds:.1f} s)")
    return url
