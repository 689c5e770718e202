"""Benchmark: opinion groups, representative statements and consensus (pol.is method).

Run: .venv/bin/python bench/bench_opinions.py

1. SYNTHETIC votes (uniformly random agree/disagree/pass, for timing only; they carry no
   opinions): 2,000 participants x 1,000 statements, each participant voting on ~10 % of them.
   Limit: under 5 s for groups + representative statements + consensus.
2. A live workshop, SYNTHETIC (made-up participants and votes in a temporary SQLite database):
   40 participants, 30 statements, two camps voting opposite ways with 10 % passes. Each new vote
   is stored and committed, then the groups are recomputed from the database
   (:func:`workshop_votes` + :func:`find_opinion_groups`, no bootstrap), as a live dashboard
   would. Limit: under 200 ms per new vote.
3. The seven real pol.is conversations in ../shared/data/polis, with their sizes, the time to read
   and to group them, and agreement with pol.is's own groups (adjusted Rand index).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lpip.deliberation.opinions import find_opinion_groups
from lpip.deliberation.polis import read_polis_export

LIMIT_SECONDS = 5.0
LIVE_LIMIT_SECONDS = 0.2
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


def bench_synthetic() -> bool:
    votes = synthetic_votes()
    result, seconds = timed(find_opinion_groups, votes, bootstraps=0)
    _, with_boot = timed(find_opinion_groups, votes, bootstraps=5)
    per_replicate = (with_boot - seconds) / 5
    ok = seconds < LIMIT_SECONDS
    print("SYNTHETIC random votes (timing only): 2,000 participants x 1,000 statements, "
          f"{len(votes):,} votes ({len(votes) / 2e6:.0%} of cells)")
    print(f"  groups + repness + consensus: {seconds:.2f} s  (limit {LIMIT_SECONDS:.0f} s, "
          f"ratio {seconds / LIMIT_SECONDS:.2f}) -> {'OK' if ok else 'TOO SLOW'}")
    print(f"  {result.n_groups} groups; bootstrap stability adds {per_replicate:.2f} s per resample "
          f"({20 * per_replicate:.1f} s for the CLI default of 20)")
    return ok


def bench_live_workshop(people: int = 40, statements: int = 30, new_votes: int = 25, seed: int = 0) -> bool:
    """SYNTHETIC live workshop: time from a stored vote to recomputed groups."""
    import lpip.geography.models  # noqa: F401  (the area table the workshop table refers to)
    from lpip.db import Base, make_engine, session_scope
    from lpip.deliberation.votes import workshop_votes
    from lpip.workshops.capture import add_statement, cast_vote, join_workshop
    from lpip.workshops.models import SECTORS
    from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'live.sqlite'}")
        Base.metadata.create_all(engine)
        with session_scope(engine) as session:
            workshop = create_workshop(session, "SYNTHETIC live benchmark (made-up)", [RoundSpec("Q?", 20)])
            open_round(session, workshop.id, 1)
            set_voting(session, workshop.id, voting_open=True)
            members = [join_workshop(session, workshop.join_code, SECTORS[i % len(SECTORS)]) for i in range(people)]
            ids = [add_statement(session, members[i % people], f"(synthetic) statement {i}", f"statement-{i:04d}")[0].id
                   for i in range(statements)]
            camp = {m.id: (1 if i < people // 2 else -1) for i, m in enumerate(members)}
            pending = []
            for m in members:
                for s, statement in enumerate(ids):
                    if rng.random() < 0.8:
                        pending.append((m, statement, _vote(camp[m.id] * (1 if s % 2 else -1), rng)))
            rng.shuffle(pending)
            for m, statement, vote in pending[:-new_votes]:
                cast_vote(session, m, statement, vote)
            workshop_id = workshop.id
        times, cpu, groups = [], [], []
        for m, statement, vote in pending[-new_votes:]:
            start, start_cpu = time.perf_counter(), time.process_time()
            with session_scope(engine) as session:
                cast_vote(session, session.merge(m), statement, vote)
            with session_scope(engine) as session:
                votes, table, sectors = workshop_votes(session, workshop_id)
            result = find_opinion_groups(votes, table, sectors=sectors, bootstraps=0)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            groups.append(result.n_groups)
        engine.dispose()
    median, worst = statistics.median(times), max(times)
    # Judged on the median: on a shared machine single updates wait for the CPU (see the CPU time).
    ok = median < LIVE_LIMIT_SECONDS
    print(f"\nSYNTHETIC live workshop: {people} participants, {statements} statements, "
          f"{len(pending):,} votes; {new_votes} new votes, each stored then groups recomputed from the database")
    print(f"  per new vote, wall clock: median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms (limit "
          f"{LIVE_LIMIT_SECONDS * 1000:.0f} ms, ratio of the median {median / LIVE_LIMIT_SECONDS:.2f}) -> "
          f"{'OK' if ok else 'TOO SLOW'}")
    print(f"  per new vote, CPU time of this process: median {statistics.median(cpu) * 1000:.0f} ms, "
          f"worst {max(cpu) * 1000:.0f} ms; groups found: {sorted(set(groups))}")
    return ok


def _vote(direction: int, rng) -> str:
    return "pass" if rng.random() < 0.1 else ("agree" if direction > 0 else "disagree")


def bench_real() -> None:
    from sklearn.metrics import adjusted_rand_score

    if not POLIS_DATA.exists():
        print(f"\n(real conversations skipped: {POLIS_DATA} not found)")
        return
    print("\nReal pol.is conversations (compdemocracy/openData, CC BY 4.0):")
    print(f"  {'conversation':34} {'participants':>12} {'statements':>10} {'votes':>8} "
          f"{'read s':>7} {'groups s':>8} {'+20 boot s':>10} {'ARI':>6}")
    for folder in sorted(p for p in POLIS_DATA.iterdir() if p.is_dir()):
        export, read_s = timed(read_polis_export, folder)
        result, run_s = timed(find_opinion_groups, export.votes, export.statements, bootstraps=0)
        _, boot_s = timed(find_opinion_groups, export.votes, export.statements, bootstraps=20)
        ours = result.participants.set_index("participant")["group"].dropna()
        theirs = export.participants.set_index("participant")["group"].dropna()
        both = ours.index.intersection(theirs.index)
        print(f"  {folder.name:34} {export.votes['participant'].nunique():>12,} "
              f"{export.votes['statement'].nunique():>10,} {len(export.votes):>8,} "
              f"{read_s:>7.2f} {run_s:>8.2f} {boot_s:>10.2f} {adjusted_rand_score(theirs[both], ours[both]):>6.3f}")


if __name__ == "__main__":
    # Wall-clock times: a busy machine makes them longer (compare with the load below).
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    ok = bench_synthetic()
    ok &= bench_live_workshop()
    bench_real()
    sys.exit(0 if ok else 1)
