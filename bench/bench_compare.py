"""How long benchmark comparison takes: every bundled indicator, all 30 West Midlands LADs,
against England.

Target (issue: benchmarking): the whole pass under 1 s on SQLite. For each indicator the
period is the latest one that England and all 30 LADs have (chosen before timing, as a user
would with --period); indicators without such a period are listed with the reason and also
timed on their default period, where the comparison is refused with a message (that path
looks for other comparators, so it costs more). Then: how the cost of one comparison grows
with the number of areas (1 to all English LADs), and the cost of comparing against an
aggregated comparator (the West Midlands region from its 30 LADs).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from lpip.config import load_settings
from lpip.db import make_engine, session_scope
from lpip.errors import LpipError
from lpip.evidence.aggregate import latest_period
from lpip.evidence.compare import compare_to_benchmark
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.geography.models import Area, AreaLink
from lpip.initdb import init_db

ENGLAND, WEST_MIDLANDS = "E92000001", "E12000005"


def wm_lads(session) -> list[str]:
    inside = select(AreaLink.child_code).where(AreaLink.parent_code.in_(["E11000005", "E10000028", "E10000031", "E10000034", WEST_MIDLANDS]))
    return list(session.scalars(select(Area.code).where(Area.level == "lad", Area.code.in_(inside)).order_by(Area.code)))


def comparable_period(session, indicator_id: str, lads: list[str]) -> str | None:
    """The latest period in which England and every one of ``lads`` have a stored value."""
    counts = session.execute(
        select(IndicatorValue.period, func.count())
        .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code.in_([*lads, ENGLAND]))
        .group_by(IndicatorValue.period)
    ).all()
    return latest_period(p for p, n in counts if n == len(lads) + 1)


def timed(fn):
    started = time.perf_counter()
    try:
        result = fn()
    except LpipError as exc:
        result = exc
    return result, time.perf_counter() - started


def bench_all_indicators(session, lads: list[str]) -> None:
    indicators = list(session.scalars(select(Indicator.id).order_by(Indicator.id)))
    plan = {i: comparable_period(session, i, lads) for i in indicators}
    runnable = {i: p for i, p in plan.items() if p}
    total, values = 0.0, 0
    for indicator_id, period in runnable.items():
        frame, seconds = timed(lambda: compare_to_benchmark(session, lads, indicator_id, period=period))
        total += seconds
        values += len(frame)
    print(f"every indicator with an England value: {len(runnable)} of {len(indicators)} indicators x "
          f"{len(lads)} LADs = {values} comparisons in {total * 1000:.0f} ms "
          f"({total / len(runnable) * 1000:.1f} ms per indicator; target: whole pass < 1000 ms)")
    refused, refused_time = {}, 0.0
    for indicator_id in sorted(set(indicators) - set(runnable)):
        result, seconds = timed(lambda: compare_to_benchmark(session, lads, indicator_id))
        refused_time += seconds
        kind = type(result).__name__ if isinstance(result, LpipError) else "compared (default period)"
        refused[kind] = refused.get(kind, 0) + 1
    print(f"the other {len(indicators) - len(runnable)} indicators on their default period: "
          f"{refused_time * 1000:.0f} ms in all; outcomes: "
          + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())))


def bench_scaling(session) -> None:
    lads = list(session.scalars(
        select(IndicatorValue.area_code).join(Area, Area.code == IndicatorValue.area_code)
        .where(IndicatorValue.indicator_id == "employment_rate", IndicatorValue.period == "2022", Area.level == "lad")
        .order_by(IndicatorValue.area_code)
    ))
    print("cost against the number of areas (employment_rate 2022 against England, median of 5 runs):")
    base = None
    for n in (1, 3, 10, 30, 100, len(lads)):
        runs = [timed(lambda: compare_to_benchmark(session, lads[:n], "employment_rate", period="2022"))[1] for _ in range(5)]
        median = statistics.median(runs)
        base = base or median
        print(f"  {n:4d} areas: {median * 1000:7.1f} ms  ({median / n * 1000:6.2f} ms per area, {median / base:5.1f}x one area)")


def bench_aggregated_comparator(session, lads: list[str]) -> None:
    runs = [timed(lambda: compare_to_benchmark(session, lads, "life_satisfaction", against=WEST_MIDLANDS))[1] for _ in range(5)]
    print(f"life_satisfaction, 30 LADs against the West Midlands aggregated from its 30 LADs "
          f"(population-weighted): {statistics.median(runs) * 1000:.1f} ms (median of 5)")
    runs = [timed(lambda: compare_to_benchmark(session, ["E08000025"], "population_iod"))[1] for _ in range(3)]
    print(f"population_iod, Birmingham from its 639 LSOAs against England summed from 32,844 LSOAs: "
          f"{statistics.median(runs) * 1000:.0f} ms (median of 3)")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        print("building a SQLite database with the bundled data ...", flush=True)
        init_db(load_settings(url))
        engine = make_engine(url)
        with session_scope(engine) as session:
            values = session.scalar(select(func.count()).select_from(IndicatorValue))
            lads = wm_lads(session)
            print(f"input: {values:,} indicator values; {len(lads)} West Midlands LADs")
            compare_to_benchmark(session, lads[:1], "employment_rate", period="2022")  # warm the caches
            bench_all_indicators(session, lads)
            bench_scaling(session)
            bench_aggregated_comparator(session, lads)
        engine.dispose()


if __name__ == "__main__":
    main()
