"""Benchmark: the synthesis for a whole region.

Run: .venv/bin/python bench/bench_synthesis.py

MADE-UP workshops (for timing only; every text says "(made-up)" and every title "MADE-UP"):
six workshops, one per West Midlands sub-region, each with 40 participants, 4 rounds of notes
at 6 tables, 24 statements voted on by everyone (most votes cast) and 8 harvest priorities with
dots. Real evidence: the bundled West Midlands data.

Limits (issue 12): draft + verdicts + triage for the six workshops under 5 s; the programme PDF
under 30 s. Ratios are given to the time of reading the inputs (each workshop's contributions,
statement votes and tallies) and to the limits.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import database_url  # noqa: E402

from lpip.db import make_engine, session_scope  # noqa: E402

SUBREGIONS = ["WM-BC", "WM-BSOL", "WM-CW", "WM-MARCHES", "WM-SSOT", "WM-WORCS"]
PARTICIPANTS, ROUNDS, TABLES, NOTES_PER_TABLE, STATEMENTS, PRIORITIES = 40, 4, 6, 3, 24, 8
SYNTHESIS_LIMIT, PDF_LIMIT = 5.0, 30.0
SECTORS = ("public", "private", "voluntary and community", "civil society", "academic", "resident")
# Made-up phrases on the themes workshops raise; combined at random (seeded) into notes.
TOPICS = [
    "the last bus leaves before the late shift ends", "train fares are too high to commute",
    "apprenticeships should be designed with local employers", "college courses are hard to reach",
    "rents are rising faster than wages", "damp social housing is making children ill",
    "GP appointments are hard to get", "loneliness among older people is growing",
    "parks need more trees and safe paths", "insulation grants would cut fuel bills",
    "broadband is patchy in the villages", "young people want a say in what gets funded",
    "small charities need simpler funding forms", "street lighting is poor near the station",
    "the high street needs more independent shops", "community centres are closing in the evenings",
    "employers and schools should work together on skills", "mental health support for students is stretched",
]
PLACES = ["the town centre", "the estate", "the villages", "the ring road", "the station", "the new development"]


def timed(fn):
    """(result, wall seconds), remembering the CPU seconds of the call in ``timed.cpu``: on a
    shared machine the wall time grows with the load, the CPU time much less."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    timed.cpu = time.process_time() - cpu
    return result, time.perf_counter() - wall


def build_workshops(session, seed: int = 0) -> list[int]:
    """Six MADE-UP workshops (see the module notes); their ids."""
    from lpip.workshops.capture import add_note, add_priority, add_statement, cast_vote, join_workshop, spend_dots
    from lpip.workshops.models import HostLink
    from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting
    from sqlalchemy import select

    rng = np.random.default_rng(seed)
    ids = []
    for code in SUBREGIONS:
        workshop = create_workshop(
            session, f"MADE-UP benchmark workshop ({code})", [RoundSpec(f"(made-up) Question {r}") for r in range(1, ROUNDS + 1)],
            tables=TABLES, subregion_code=code, is_demo=True)
        links = {l.table_number: l for l in session.scalars(select(HostLink).where(HostLink.workshop_id == workshop.id))}
        for number in range(1, ROUNDS + 1):
            open_round(session, workshop.id, number)
            for table in range(1, TABLES + 1):
                for n in range(NOTES_PER_TABLE):
                    text = f"(made-up) {TOPICS[rng.integers(len(TOPICS))]} in {PLACES[rng.integers(len(PLACES))]}"
                    add_note(session, links[table], text, f"bench-{workshop.id}-{number}-{table}-{n}")
        set_voting(session, workshop.id, voting_open=True, harvest_open=True)
        people = [join_workshop(session, workshop.join_code, SECTORS[i % len(SECTORS)]) for i in range(PARTICIPANTS)]
        statements = [add_statement(session, people[i % PARTICIPANTS], f"(made-up) We should act: {TOPICS[i % len(TOPICS)]}",
                                    f"bench-s-{workshop.id}-{i}")[0] for i in range(STATEMENTS)]
        leaning = rng.uniform(-1, 1, size=PARTICIPANTS)
        for p, person in enumerate(people):
            for s, statement in enumerate(statements):
                if rng.random() < 0.85:
                    agree = 0.55 + 0.35 * leaning[p] * (1 if s % 3 else -1)
                    cast_vote(session, person, statement.id, str(rng.choice(["agree", "disagree", "pass"],
                                                                             p=[agree * 0.9, (1 - agree) * 0.9, 0.1])))
        harvest = [add_priority(session, workshop.id, f"(made-up) Priority: {TOPICS[(i * 5 + len(ids)) % len(TOPICS)]}")
                   for i in range(PRIORITIES)]
        for person in people:
            chosen = rng.choice(len(harvest), size=2, replace=False)
            spend_dots(session, person, {harvest[int(chosen[0])].id: 3, harvest[int(chosen[1])].id: 2})
        ids.append(workshop.id)
    session.flush()
    return ids


def read_inputs(session, workshop_ids: list[int]) -> None:
    from lpip.deliberation.coding import load_contributions
    from lpip.deliberation.votes import workshop_votes
    from lpip.workshops.tallies import priority_dots, statement_tallies

    for workshop_id in workshop_ids:
        load_contributions(session, workshop_id)
        workshop_votes(session, workshop_id)
    statement_tallies(session, workshop_ids)
    priority_dots(session, workshop_ids)


def draft_link_and_assess(session, workshop_ids: list[int]):
    """What the limit is about: draft every workshop, then verdicts and triage for the region."""
    from lpip.synthesis.drafting import draft_priorities
    from lpip.synthesis.register import list_priorities

    for workshop_id in workshop_ids:
        draft_priorities(session, workshop_id, seed=0)
    return list_priorities(session, area="E12000005")


def link_suggestions(session, frame) -> int:
    """Link each priority's first suggested indicator (what a facilitator would do by hand)."""
    from lpip.synthesis.evidence import suggest_indicators
    from lpip.synthesis.mapping import load_evidence_map
    from lpip.synthesis.priorities import get_priority, link_indicator
    from lpip.synthesis.support import priority_support

    mapping, linked = load_evidence_map(session), 0
    priorities = [get_priority(session, int(i)) for i in frame["priority_id"]]
    support = priority_support(session, priorities)
    for priority, codes in zip(priorities, support["codes"], strict=True):
        proposed = suggest_indicators(session, priority.id, codes, mapping)
        proposed = proposed[proposed["status"] == "proposed"]
        if len(proposed):
            link_indicator(session, priority.id, proposed["indicator_id"].iloc[0], by="benchmark")
            linked += 1
    return linked


def main() -> int:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        url = database_url(Path(folder))
        engine = make_engine(url)
        with session_scope(engine) as session:
            ids, build_s = timed(lambda: build_workshops(session))
        print(f"MADE-UP data (timing only): {len(ids)} workshops x {PARTICIPANTS} participants x {ROUNDS} rounds, "
              f"{TABLES * ROUNDS * NOTES_PER_TABLE} notes, {STATEMENTS} statements and {PRIORITIES} priorities each "
              f"(built in {build_s:.1f} s)")
        with session_scope(engine) as session:
            _, read_s = timed(lambda: read_inputs(session, ids))
            read_cpu = timed.cpu
        with session_scope(engine) as session:
            frame, first_s = timed(lambda: draft_link_and_assess(session, ids))
            first_cpu = timed.cpu
            linked = link_suggestions(session, frame)
        with session_scope(engine) as session:
            from lpip.synthesis.register import list_priorities

            frame, assess_s = timed(lambda: list_priorities(session, area="E12000005"))
            assess_cpu = timed.cpu
        total = first_s
        print(f"reading the inputs: {read_s:.2f} s wall, {read_cpu:.2f} s CPU")
        print(f"draft + verdicts + triage, {len(frame)} priorities (nothing linked yet): {first_s:.2f} s wall, "
              f"{first_cpu:.2f} s CPU (limit {SYNTHESIS_LIMIT:.0f} s, ratio {total / SYNTHESIS_LIMIT:.2f}; "
              f"{first_s / read_s:.1f}x reading) -> {'OK' if total < SYNTHESIS_LIMIT else 'TOO SLOW'}")
        print(f"verdicts + triage again with {linked} indicators linked: {assess_s:.2f} s wall, {assess_cpu:.2f} s CPU "
              f"(ratio {assess_s / SYNTHESIS_LIMIT:.2f} to the limit; {assess_s / read_s:.1f}x reading) "
              f"-> {'OK' if assess_s < SYNTHESIS_LIMIT else 'TOO SLOW'}")
        print(f"  kinds: {frame['kind'].value_counts().to_dict()}; verdicts: {frame['evidence_verdict'].value_counts().to_dict()}")
        with session_scope(engine) as session:
            from lpip.synthesis.plan import draft_plan
            from lpip.synthesis.priorities import agree_priority

            for priority_id in frame.sort_values("dots", ascending=False)["priority_id"].head(12):
                agree_priority(session, int(priority_id), by="benchmark")
            draft_plan(session, start=date(2026, 4, 1))
        with session_scope(engine) as session:
            from lpip.reports.programme import write_programme

            out = Path(folder) / "programme.pdf"
            _, pdf_s = timed(lambda: write_programme(session, "E12000005", out))
        print(f"programme PDF, 12 agreed priorities ({out.stat().st_size / 1e6:.1f} MB): {pdf_s:.2f} s wall, "
              f"{timed.cpu:.2f} s CPU "
              f"(limit {PDF_LIMIT:.0f} s, ratio {pdf_s / PDF_LIMIT:.2f}; {pdf_s / read_s:.1f}x reading) "
              f"-> {'OK' if pdf_s < PDF_LIMIT else 'TOO SLOW'}")
        engine.dispose()
        return 0 if total < SYNTHESIS_LIMIT and pdf_s < PDF_LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
