"""Benchmark: opinion groups, representative statements and consensus (pol.is method).

Run: .venv/bin/python bench/bench_opinions.py

1. SYNTHETIC votes (uniformly random agree/disagree/pass, for timing only; they carry no
   opinions): 2,000 participants x 1,000 statements, each participant voting on ~10 % of them.
   Limit: under 5 s for groups + representative statements + consensus.
2. The two real pol.is conversations in ../shared/data/polis, with their sizes beside the time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lpip.deliberation.opinions import find_opinion_groups
from lpip.deliberation.polis import read_polis_export

LIMIT_SECONDS = 5.0
POLIS_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"


def synthetic_votes(participants: int = 2000, statements: int = 1000, share: float = 0.10, seed: int = 0):
    """SYNTHETIC random votes (not real data): each participant votes on `share` of the statements."""
    rng = np.random.default_rng(seed)
    per_person = int(statements * share)
    who = np.repeat(np.arange(participants), per_person)
    what = np.concatenate([rng.choice(statements, per_person, replace=False) for _ in range(participants)])
    return pd.DataFrame({
        "participant": who,
        "statement": what,
        "vote": rng.choice([-1, 0, 1], size=len(who), p=[0.3, 0.2, 0.5]),
        "timestamp": rng.permutation(len(who)),
    })


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def bench_synthetic() -> None:
    votes = synthetic_votes()
    result, seconds = timed(find_opinion_groups, votes, bootstraps=0)
    _, with_boot = timed(find_opinion_groups, votes, bootstraps=5)
    per_replicate = (with_boot - seconds) / 5
    print("SYNTHETIC random votes (timing only): 2,000 participants x 1,000 statements, "
          f"{len(votes):,} votes ({len(votes) / 2e6:.0%} of cells)")
    print(f"  groups + repness + consensus: {seconds:.2f} s  (limit {LIMIT_SECONDS:.0f} s, "
          f"ratio {seconds / LIMIT_SECONDS:.2f}) -> {'OK' if seconds < LIMIT_SECONDS else 'TOO SLOW'}")
    print(f"  {result.n_groups} groups; bootstrap stability adds {per_replicate:.2f} s per resample "
          f"({20 * per_replicate:.1f} s for the CLI default of 20)")


def bench_real() -> None:
    if not POLIS_DATA.exists():
        print(f"(real conversations skipped: {POLIS_DATA} not found)")
        return
    print("Real pol.is conversations (compdemocracy/openData, CC BY 4.0):")
    print(f"  {'conversation':30} {'participants':>12} {'statements':>10} {'votes':>8} "
          f"{'read s':>7} {'groups s':>8} {'+20 boot s':>10}")
    for folder in sorted(p for p in POLIS_DATA.iterdir() if p.is_dir()):
        export, read_s = timed(read_polis_export, folder)
        _, run_s = timed(find_opinion_groups, export.votes, export.statements, bootstraps=0)
        _, boot_s = timed(find_opinion_groups, export.votes, export.statements, bootstraps=20)
        print(f"  {folder.name:30} {export.votes['participant'].nunique():>12,} "
              f"{export.votes['statement'].nunique():>10,} {len(export.votes):>8,} "
              f"{read_s:>7.2f} {run_s:>8.2f} {boot_s:>10.2f}")


if __name__ == "__main__":
    # Wall-clock times: a busy machine makes them longer (compare with the load below).
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    bench_synthetic()
    bench_real()
