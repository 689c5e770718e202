"""How long hotspots (global and local Moran's I, 999 permutations) take.

Targets (issue 4): on the 3,487 West Midlands LSOAs, under 6 s including building the queen
contiguity weights; a repeat run, which reads the cached weights, under 1 s. Also shows how the
cost grows with the number of areas (a district, a sub-region, the region), in-process and as
a whole `lpip hotspots` command (Python start-up and imports included).

Uses the database named by LPIP_DATABASE_URL, else builds a temporary SQLite one first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from lpip.db import make_engine, session_scope

from common import database_url, timed  # bench/common.py (bench/ is on sys.path when run)

AREAS = [
    ("E08000029", "Solihull (district)"),
    ("E08000025", "Birmingham (district)"),
    ("WM-BC", "Black Country (sub-region)"),
    ("WM-SSOT", "Staffordshire & Stoke (sub-region)"),
    ("E12000005", "West Midlands (region)"),
]
COLD_TARGET, WARM_TARGET = 6.0, 1.0


def best_of(fn, repeats: int) -> tuple[object, float, float]:
    """The result, and the fastest and median of ``repeats`` timings: the fastest is the
    least disturbed by other work on the machine."""
    times, result = [], None
    for _ in range(repeats):
        result, seconds = timed(fn)
        times.append(seconds)
    return result, min(times), statistics.median(times)


def in_process(url: str, workdir: Path) -> None:
    import importlib

    _, seconds = timed(lambda: [importlib.import_module(m) for m in ("esda", "libpysal.graph")])
    print(f"import esda + libpysal (once per process): {seconds:5.2f} s")
    from lpip.evidence.hotspots import find_hotspots

    engine = make_engine(url)
    caches = iter(range(10_000))

    def run(code: str, fresh: bool):
        cache = workdir / (f"cache-{next(caches)}" if fresh else f"cache-{code}")
        with session_scope(engine) as session:
            return find_hotspots(session, "imd_score", within=code, cache_dir=cache)

    print(f"{'area':36s} {'LSOAs':>6s} {'cold s':>7s} {'warm s':>7s} {'cold/warm':>9s} {'warm ms/LSOA':>12s}"
          "   (fastest of 3 cold, 5 warm; median in brackets)")
    rows = []
    for code, label in AREAS:
        result, cold, cold_median = best_of(lambda: run(code, fresh=True), 3)
        run(code, fresh=False)  # fills this area's cache
        again, warm, warm_median = best_of(lambda: run(code, fresh=False), 5)
        assert not result.weights_from_cache and again.weights_from_cache
        rows.append((result.n_areas, cold, warm))
        print(f"{label:36s} {result.n_areas:6,d} {cold:7.2f} {warm:7.2f} {cold / warm:9.1f} "
              f"{1000 * warm / result.n_areas:12.3f}   ({cold_median:.2f} / {warm_median:.2f})")
    engine.dispose()
    n, cold, warm = rows[-1]
    small_n, small_cold, small_warm = rows[0]
    print(f"West Midlands: cold {cold:.2f} s (target < {COLD_TARGET} s: {'met' if cold < COLD_TARGET else 'MISSED'}), "
          f"repeat {warm:.2f} s (target < {WARM_TARGET} s: {'met' if warm < WARM_TARGET else 'MISSED'})")
    print(f"growth: {n / small_n:.0f}x the areas costs {cold / small_cold:.1f}x (cold) and "
          f"{warm / small_warm:.1f}x (repeat) the time")


def whole_command(url: str, workdir: Path) -> None:
    env = {**os.environ, "LPIP_DATABASE_URL": url, "LPIP_CACHE_DIR": str(workdir / "cli-cache")}
    command = [str(Path(sys.executable).with_name("lpip")), "hotspots", "--indicator", "imd_score", "--format", "csv"]
    for label in ("cold (builds weights)", "repeat (cached weights)"):
        completed, seconds = timed(lambda: subprocess.run(command, env=env, capture_output=True, text=True))
        rows = completed.stdout.count("\n") - 1
        status = "ok" if completed.returncode == 0 else f"exit {completed.returncode}: {completed.stderr[:200]}"
        print(f"`lpip hotspots -i imd_score` {label}: {seconds:5.2f} s wall, {rows:,} rows, {status}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = database_url(workdir)
        in_process(url, workdir)
        whole_command(url, workdir)


if __name__ == "__main__":
    main()
