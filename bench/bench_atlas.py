"""How long the evidence atlas takes to build: the West Midlands, and England as the next scale.

Targets (issue 14): the West Midlands atlas (30 district profiles, 6 sub-region data packs and
profiles, a page per district indicator and per LSOA indicator, PDFs included) under 60 s,
and the England-wide atlas (`lpip atlas build --region E92000001`: every English district,
the nine regions and the sub-regions, all district indicators, PDFs included) under 10 min,
both on a 2-core machine.

For each build it prints the wall-clock time (the figure the targets are about), the CPU
seconds of this process and its workers, and CPU / cores: the wall-clock time the build
would take on an otherwise idle machine with that many cores. On a machine shared with other
work the wall clock rises with the load and the CPU seconds hardly do, so both are printed,
with the load average before the build. Then the seconds of work per stage (summed over the
processes) and per page, and the ratio of each England figure to the West Midlands one.

On a busy machine the whole England build can take far longer than on an idle one;
``--england-sample N`` builds England's atlas with every indicator page, the nine regions and
the sub-regions but only N district profiles, measures the CPU seconds of each kind of page
and of the evidence for all England's areas, and prints the CPU seconds the whole build would
take (an estimate, said as such).

Uses the database named by LPIP_DATABASE_URL, else builds a temporary SQLite one first.
Run as: .venv/bin/python bench/bench_atlas.py [--workers N] [--no-wm] [--no-england] [--no-pdf] [--england-sample N]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from lpip.db import make_engine, session_scope

from common import database_url, timed  # bench/common.py (bench/ is on sys.path when run)

TARGETS = {"E12000005": 60.0, "E92000001": 600.0}
NAMES = {"E12000005": "West Midlands", "E92000001": "England"}


def build(url: str, region: str, out: Path, workers: int | None, pdf: bool, areas: list[str] | None = None) -> dict:
    from lpip.reports.atlas import build_atlas

    engine = make_engine(url)
    load = os.getloadavg()[0]
    with session_scope(engine) as session:
        result, seconds = timed(lambda: build_atlas(session, region=region, out=out, pdf=pdf, workers=workers,
                                                    areas=areas))
        session.rollback()
    engine.dispose()
    cores = min(os.cpu_count() or 1, result.workers)
    figures = dict(region=region, wall=seconds, cpu=result.cpu_seconds, ideal=result.cpu_seconds / cores, load=load,
                   cores=cores, result=result)
    report(figures)
    return figures


def report(f: dict) -> None:
    result, target = f["result"], TARGETS[f["region"]]
    print(f"{NAMES[f['region']]} atlas ({f['region']}): {result.pages} pages, {result.pdfs} PDFs, {result.indicators} "
          f"indicator pages, {result.areas} profiles, {result.files} files, {result.workers} processes")
    print(f"  wall clock {f['wall']:7.1f} s (target < {target:.0f} s: {'met' if f['wall'] < target else 'MISSED'}); "
          f"load average before {f['load']:.1f} on {os.cpu_count()} CPUs")
    print(f"  CPU        {f['cpu']:7.1f} s; CPU / {f['cores']} cores {f['ideal']:7.1f} s (the wall clock on an idle "
          f"machine: {'met' if f['ideal'] < target else 'MISSED'})")
    print(f"  {'stage':24s} {'seconds':>8s}   (pages: work summed over the processes)")
    for stage, seconds in result.stages.items():
        print(f"  {stage:24s} {seconds:8.1f}")
    counts = {"profiles": result.areas, "indicator pages": result.indicators}
    for stage, count in counts.items():
        if stage in result.stages and count:
            print(f"  {stage:24s} {result.stages[stage] / count:8.2f} s each")
    for note in result.notes:
        print(f"  note: {note}")


def ratios(wm: dict, england: dict) -> None:
    print("England / West Midlands:")
    for key, label in (("wall", "wall clock"), ("cpu", "CPU seconds"), ("ideal", "CPU / cores")):
        print(f"  {label:12s} {england[key]:8.1f} / {wm[key]:6.1f} = {england[key] / wm[key]:5.1f}x")
    big, small = england["result"], wm["result"]
    print(f"  profiles     {big.areas:8d} / {small.areas:6d} = {big.areas / small.areas:5.1f}x")
    print(f"  files        {big.files:8d} / {small.files:6d} = {big.files / small.files:5.1f}x")


def england_estimate(url: str, out: Path, workers: int | None, pdf: bool, sample: int) -> None:
    """England's atlas with ``sample`` district profiles, and the CPU seconds of the whole build
    estimated from it: evidence for every area measured, pages at the sample's CPU per page."""
    import time

    from lpip.evidence.profile import gather_context
    from lpip.geography.areas import list_areas
    from lpip.reports import atlas_pages
    from lpip.reports.atlas import context_codes, regions_within, sub_regions

    engine = make_engine(url)
    with session_scope(engine) as session:
        districts = list_areas(session, level="lad", within="E92000001")["code"].tolist()
        regions = regions_within(session, "E92000001")
        subregions = sub_regions(session, "E92000001")
        step = max(1, len(districts) // sample)
        chosen = districts[::step][:sample]
        started = time.process_time()
        gather_context(session, context_codes(session, [*map_areas(session, districts), *regions], subregions),
                       "E92000001")
        evidence_cpu = time.process_time() - started
    engine.dispose()
    per_kind: dict[str, list[float]] = {}
    record = atlas_pages._record

    def counting(outcome, tracker):
        per_kind.setdefault(outcome["job"].kind, []).append(outcome["cpu"])
        return record(outcome, tracker)

    atlas_pages._record = counting
    try:
        figures = build(url, "E92000001", out, workers, pdf, chosen + [a.code for a in regions + subregions])
    finally:
        atlas_pages._record = record
    profiles = per_kind.get("profile", [])
    region_cpu = sorted(profiles, reverse=True)[:len(regions) + len(subregions)]  # regions add up the most
    district_cpu = sum(profiles) - sum(region_cpu)
    per_district = district_cpu / max(1, len(profiles) - len(region_cpu))
    pages = sum(per_kind.get("indicator", [])) + sum(per_kind.get("datapack", [])) + sum(region_cpu)
    estimate = evidence_cpu + pages + per_district * len(districts)
    cores = figures["cores"]
    print(f"England, estimated from {len(chosen)} of {len(districts)} district profiles (an estimate, not a build):")
    print(f"  evidence for all {len(districts) + len(regions) + len(subregions)} areas: {evidence_cpu:6.1f} CPU s (measured)")
    print(f"  indicator pages, data packs, region and sub-region profiles: {pages:6.1f} CPU s (measured)")
    print(f"  district profiles: {per_district:.2f} CPU s each x {len(districts)} = {per_district * len(districts):6.1f} CPU s")
    print(f"  whole build: about {estimate:6.0f} CPU s, {estimate / cores:6.0f} s on {cores} idle cores "
          f"(target < {TARGETS['E92000001']:.0f} s: {'met' if estimate / cores < TARGETS['E92000001'] else 'MISSED'})")


def map_areas(session, codes: list[str]):
    from lpip.geography.areas import get_area

    return [get_area(session, c) for c in codes]


def main() -> None:
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else None
    pdf = "--no-pdf" not in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = database_url(workdir)
        wm = None if "--no-wm" in sys.argv else build(url, "E12000005", workdir / "wm", workers, pdf)
        if "--england-sample" in sys.argv:
            sample = int(sys.argv[sys.argv.index("--england-sample") + 1])
            england_estimate(url, workdir / "england-sample", workers, pdf, sample)
        elif "--no-england" not in sys.argv:
            england = build(url, "E92000001", workdir / "england", workers, pdf)
            if wm:
                ratios(wm, england)


if __name__ == "__main__":
    main()
