"""Benchmark: the world-café table plan for 40 attendees, 8 tables, 4 rounds.

Run: .venv/bin/python bench/bench_tableplan.py [--seeds 5]

The attendee lists are SYNTHETIC (ids and sector labels only, no people): 40 attendees, the
first 8 hosting tables 1-8, with sectors either spread evenly over the six sectors or skewed
the way workshop lists often are (many public-sector attendees, few academics).

Limits (from issue 5): each plan in under 2 s; distinct pairs met at least 90 % of the upper
bound; more distinct pairs than the mean of random rotations (hosts fixed, others shuffled).
Prints one line per seed and PASS/FAIL per limit; exits 1 if any limit fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import pandas as pd

from lpip.workshops.models import SECTORS
from lpip.workshops.tableplan import plan_tables, random_rotation_mean

PEOPLE, TABLES, ROUNDS, HOSTS = 40, 8, 4, 8
LIMIT_SECONDS = 2.0
LIMIT_SHARE = 0.90
# Skewed mix (synthetic): public 14, voluntary and community 9, private 7, resident 5, civil society 3, academic 2.
SKEWED = (["public"] * 14 + ["voluntary and community"] * 9 + ["private"] * 7 + ["resident"] * 5
          + ["civil society"] * 3 + ["academic"] * 2)


def synthetic_attendees(sectors: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "attendee_id": range(1, PEOPLE + 1),
        "sector": sectors,
        "host_table": [float(i + 1) if i < HOSTS else None for i in range(PEOPLE)],
    })


def run_case(name: str, attendees: pd.DataFrame, seeds: int) -> bool:
    print(f"\n{name}: {PEOPLE} attendees, {TABLES} tables, {ROUNDS} rounds, {HOSTS} hosts")
    print(f"{'seed':>4} {'seconds':>8} {'pairs':>6} {'bound':>6} {'share':>6} {'random':>7} {'ratio':>6} "
          f"{'cross':>6} {'repeats':>7} {'mix':>5}")
    times, ok = [], True
    for seed in range(seeds):
        started = time.perf_counter()
        plan = plan_tables(attendees, TABLES, ROUNDS, seed=seed)
        seconds = time.perf_counter() - started
        baseline = random_rotation_mean(attendees, TABLES, ROUNDS, seed=seed)
        s = plan.scores
        share = s.distinct_pairs / plan.upper_bound_pairs
        ratio = s.distinct_pairs / baseline["distinct_pairs"]
        times.append(seconds)
        print(f"{seed:>4} {seconds:>8.2f} {s.distinct_pairs:>6} {plan.upper_bound_pairs:>6} {share:>6.1%} "
              f"{baseline['distinct_pairs']:>7.1f} {ratio:>6.2f} {s.cross_sector_pairs:>6} {s.repeats:>7} "
              f"{s.worst_table_mix:>5.2f}")
        ok &= verdict(f"seed {seed} time < {LIMIT_SECONDS} s", seconds < LIMIT_SECONDS, quiet=True)
        ok &= verdict(f"seed {seed} share >= {LIMIT_SHARE:.0%}", share >= LIMIT_SHARE, quiet=True)
        ok &= verdict(f"seed {seed} beats random", s.distinct_pairs > baseline["distinct_pairs"], quiet=True)
    print(f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s")
    return ok


def verdict(label: str, passed: bool, quiet: bool = False) -> bool:
    if not passed or not quiet:
        print(f"  {'PASS' if passed else 'FAIL'}: {label}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="plans per attendee list (seeds 0..N-1)")
    args = parser.parse_args(argv)
    even = synthetic_attendees([SECTORS[i % len(SECTORS)] for i in range(PEOPLE)])
    skewed = synthetic_attendees(SKEWED)
    ok = run_case("SYNTHETIC, sectors even", even, args.seeds)
    ok &= run_case("SYNTHETIC, sectors skewed", skewed, args.seeds)
    print(f"\nLimits: each plan < {LIMIT_SECONDS} s, distinct pairs >= {LIMIT_SHARE:.0%} of the bound, "
          f"more than the random rotation's mean: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
