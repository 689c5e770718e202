"""Benchmark: IoD2019 deprivation summaries (File 10 measures) from the 32,844 LSOAs, and the
IoD2025 ones (the default edition) from the 33,755 LSOAs of 2021.

Run: .venv/bin/python bench/bench_deprivation.py

Prints (median of several runs, seconds):
- the floor: reading the bundled LSOA input alone;
- all 317 English LADs, all domains, reading included (target: under 1 s), beside the floor;
- the same for IoD2025 (296 districts, numerators and File 6 denominators read too);
- how the cost grows with the number of areas: MSOA-based custom areas (10 to 6,791 areas,
  input already read), each run also computing the LAD values that ranks are taken against.
"""

from __future__ import annotations

import statistics
import time

from lpip.evidence.deprivation import lad_membership, summarise_deprivation
from lpip.evidence.deprivation_files import bundled_lsoa_table
from lpip.geography.load import read_lsoa_lookup

REPEATS = 5
TARGET_SECONDS = 1.0


def timed(function, repeats: int = REPEATS) -> tuple[float, object]:
    """Median wall time of ``function()`` over ``repeats`` runs, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def msoa_areas(count: int):
    """The first ``count`` MSOAs as custom areas (area_code, area_name, lsoa_code)."""
    lookup = read_lsoa_lookup()
    chosen = lookup["MSOA11CD"].drop_duplicates().head(count)
    rows = lookup[lookup["MSOA11CD"].isin(chosen)]
    return rows.rename(columns={"MSOA11CD": "area_code", "MSOA11NM": "area_name", "LSOA11CD": "lsoa_code"})[
        ["area_code", "area_name", "lsoa_code"]]


def main() -> None:
    floor, lsoas = timed(bundled_lsoa_table)
    full, summary = timed(lambda: summarise_deprivation(bundled_lsoa_table()))
    print(f"IoD2019 summaries: {len(lsoas):,} LSOAs -> {summary['area_code'].nunique()} LADs x 10 domains "
          f"({len(summary):,} rows), median of {REPEATS} runs")
    print(f"  floor (read input only)        {floor:7.3f} s")
    print(f"  all LADs, reading included     {full:7.3f} s   = {full / floor:4.1f} x floor   "
          f"target < {TARGET_SECONDS:.1f} s: {'PASS' if full < TARGET_SECONDS else 'FAIL'}")
    floor25, _ = timed(lambda: bundled_lsoa_table("2025"))
    full25, summary25 = timed(lambda: summarise_deprivation(bundled_lsoa_table("2025")))
    print(f"IoD2025 summaries: {summary25['area_code'].nunique()} districts x 10 domains")
    print(f"  floor (read input only)        {floor25:7.3f} s")
    print(f"  all districts, reading included {full25:6.3f} s   = {full25 / floor25:4.1f} x floor   "
          f"target < {TARGET_SECONDS:.1f} s: {'PASS' if full25 < TARGET_SECONDS else 'FAIL'}")
    compute_lads, _ = timed(lambda: summarise_deprivation(lsoas))
    print(f"  all LADs, compute only         {compute_lads:7.3f} s")
    print("Cost against the number of areas (input already read; LAD reference included):")
    print(f"  {'areas':>6}  {'LSOA rows':>9}  {'seconds':>8}  {'ms per area':>11}  {'x LADs run':>10}")
    for count in (10, 100, 317, 1_000, 3_000, 6_791):
        membership = msoa_areas(count) if count != 317 else lad_membership(lsoas).assign(
            area_code=lambda f: "C-" + f["area_code"])
        seconds, result = timed(lambda: summarise_deprivation(lsoas, membership), repeats=3)
        areas = result["area_code"].nunique()
        print(f"  {areas:>6,}  {len(membership):>9,}  {seconds:8.3f}  {1000 * seconds / areas:11.3f}  "
              f"{seconds / compute_lads:10.2f}")


if __name__ == "__main__":
    main()
