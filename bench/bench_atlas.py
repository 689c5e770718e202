"""How long the West Midlands evidence atlas takes to build, and how it grows with the areas.

Target (issue 4): the whole West Midlands atlas (30 district profiles, 6 sub-region data
packs and profiles, maps of every bundled district indicator and of the IMD and its domains
by LSOA, PDFs included) under 90 s on a 2-core machine.

Prints the wall-clock time of the build (the figure the target is about), the seconds of
work of each stage summed over the worker processes, and the CPU seconds used by this
process and its children: on a machine shared with other work the wall clock rises with the
load, the CPU seconds hardly do. Then it measures how the work grows with the number of
areas, at district level: the 30 West Midlands districts against every English district
with a 2013 boundary, for the indicators-against-England table and for district maps.

Uses the database named by LPIP_DATABASE_URL, else builds a temporary SQLite one first.
Run as: .venv/bin/python bench/bench_atlas.py [--workers N] [--serial-too]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from lpip.db import make_engine, session_scope

from common import database_url, timed  # bench/common.py (bench/ is on sys.path when run)

TARGET = 90.0
MAP_INDICATORS = ("employment_rate", "gdhi_per_head", "smoking_prevalence")


def whole_atlas(url: str, workdir: Path, workers: int | None) -> None:
    from lpip.reports.atlas import build_atlas

    engine = make_engine(url)
    load = os.getloadavg()[0]
    with session_scope(engine) as session:
        result, seconds = timed(lambda: build_atlas(session, out=workdir / "atlas", pdf=True, workers=workers))
    engine.dispose()
    cpu = result.cpu_seconds
    print(f"West Midlands atlas: {result.pages} pages, {result.pdfs} PDFs, {result.indicators} indicator maps, "
          f"{result.areas} profiles, {result.files} files, {result.workers} processes")
    print(f"  wall clock {seconds:6.1f} s (target < {TARGET:.0f} s: {'met' if seconds < TARGET else 'MISSED'}); "
          f"CPU {cpu:6.1f} s; load average before the build {load:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'stage':24s} {'seconds':>8s}   (pages: work summed over the processes)")
    for stage, stage_seconds in result.stages.items():
        print(f"  {stage:24s} {stage_seconds:8.1f}")
    pages = {"profiles": result.areas, "data packs": 6, "indicator pages": result.indicators}
    for stage, count in pages.items():
        if stage in result.stages and count:
            print(f"  {stage:24s} {result.stages[stage] / count:8.2f} s each")


def district_growth(url: str, workdir: Path) -> None:
    """Indicators against England, and district maps, for 30 districts and for England's."""
    from lpip.evidence.catalogue import get_indicator
    from lpip.geography.areas import list_areas
    from lpip.maps import draw_static, map_frame, write_interactive
    from lpip.evidence.benchmarks import benchmark_indicators

    engine = make_engine(url)
    with session_scope(engine) as session:
        sets = {"West Midlands": list_areas(session, level="lad", within="E12000005")["code"].tolist(),
                "England": list_areas(session, level="lad", within="E92000001")["code"].tolist()}
        rows = {}
        for label, codes in sets.items():
            _, table_seconds = timed(lambda: benchmark_indicators(session, codes))
            within = "E12000005" if label == "West Midlands" else "E92000001"
            maps = 0.0
            for indicator_id in MAP_INDICATORS:
                indicator = get_indicator(session, indicator_id)

                def draw():
                    frame = map_frame(session, indicator_id, level="lad", within=within, skip_unmapped=True)
                    write_interactive(frame, indicator, workdir / "growth", name=f"{label[:2]}-{indicator_id}")
                    draw_static(frame, indicator, workdir / "growth" / f"{label[:2]}-{indicator_id}.png")
                    return len(frame)

                mapped, seconds = timed(draw)
                maps += seconds
            rows[label] = (len(codes), mapped, table_seconds, maps / len(MAP_INDICATORS))
    engine.dispose()
    print(f"{'districts':16s} {'areas':>6s} {'mapped':>6s} {'indicators vs England s':>24s} {'one map (HTML+PNG) s':>21s}")
    for label, (count, mapped, table, one_map) in rows.items():
        print(f"{label:16s} {count:6d} {mapped:6d} {table:24.2f} {one_map:21.2f}")
    (small, _, small_table, small_map), (big, _, big_table, big_map) = rows.values()
    print(f"growth: {big / small:.1f}x the districts costs {big_table / small_table:.1f}x for the indicator table "
          f"and {big_map / small_map:.1f}x per map")


def main() -> None:
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else None
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = database_url(workdir)
        whole_atlas(url, workdir, workers)
        if "--serial-too" in sys.argv:
            whole_atlas(url, workdir, 1)
        district_growth(url, workdir)


if __name__ == "__main__":
    main()
