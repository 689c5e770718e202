"""Benchmark: an all-region deposit package.

Run: .venv/bin/python bench/bench_deposit.py

MADE-UP data (generated here, for timing only; no real person, organisation or workshop):
6 workshops x 40 registered attendees (and 40 people on phones) x 500 contributions (350
table notes, 150 statements), votes on the statements and dots on 10 priorities per
workshop. One note in five names a made-up attendee, organisation or phone number, so the
anonymiser has work to do. Limit: `lpip deposit build --all --zip` under 20 s.
"""

from __future__ import annotations

import random
import secrets
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import database_url, timed  # noqa: E402

from lpip.db import make_engine, session_scope  # noqa: E402

LIMIT_SECONDS = 20.0
WORKSHOPS, ATTENDEES, CONTRIBUTIONS, NOTES = 6, 40, 500, 350
SUBREGIONS = ["WM-BC", "WM-BSOL", "WM-CW", "WM-MARCHES", "WM-SSOT", "WM-WORCS"]
DISTRICTS = ["E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"]
SECTORS = ["public", "private", "voluntary and community", "civil society", "academic", "resident"]
FIRST = ["Amara", "Bilal", "Chloe", "Dev", "Elif", "Farah", "Gareth", "Hana", "Ivan", "Jasmin", "Kofi", "Leah"]
LAST = ["Madeup", "Fictional", "Invented", "Notreal", "Synthetic", "Pretend", "Imaginary", "Sample"]
TOPICS = ["evening buses", "apprenticeships", "damp homes", "youth clubs", "digital skills", "the high street",
          "green jobs", "childcare costs", "the hospital car park", "cycle lanes"]


def made_up_workshops(session, seed: int = 0) -> list:
    """MADE-UP workshops, people and text (see the module docstring); returns the phone
    participants, kept alive so their stand-in consent stays on the session's objects."""
    from lpip.workshops.models import Attendee, Contribution, Dot, HostLink, Participant, Round, Vote, Workshop

    rng = random.Random(seed)
    start = datetime(2023, 6, 1, 9, tzinfo=timezone.utc)
    kept = []
    for w in range(WORKSHOPS):
        workshop = Workshop(title=f"MADE-UP benchmark workshop {w + 1}", subregion_code=SUBREGIONS[w],
                            date=date(2023, 6, 1) + timedelta(days=7 * w), tables=8, join_code=f"BENCH{w}",
                            notes_consent=True, notes_consent_by="Benchmark", notes_consent_at=start)
        session.add(workshop)
        session.flush()
        session.add_all([Round(workshop_id=workshop.id, number=n, question=f"Made-up question {n}") for n in (1, 2, 3)])
        links = [HostLink(workshop_id=workshop.id, table_number=t, token=secrets.token_hex(16)) for t in range(1, 9)]
        session.add_all(links)
        people = [Attendee(workshop_id=workshop.id, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}{w}{i:02d}",
                           email=f"bench{w}.{i}@example.org", organisation=f"Made-up Organisation {w}{i % 12} Ltd",
                           sector=rng.choice(SECTORS), home_area_code=rng.choice(DISTRICTS),
                           host_table=(i + 1) if i < 8 else None, consent_deposit=rng.random() < 0.8)
                  for i in range(ATTENDEES)]
        phones = [Participant(workshop_id=workshop.id, token=secrets.token_hex(16), sector=rng.choice(SECTORS))
                  for _ in range(ATTENDEES)]
        session.add_all(people + phones)
        session.flush()
        for phone in phones:
            phone.consent_archive = rng.random() < 0.75  # issue 10's join-page consent, read with getattr
        kept += phones
        contributions = []
        for c in range(CONTRIBUTIONS):
            person = people[rng.randrange(ATTENDEES)]
            text = f"Made-up note {c}: {rng.choice(TOPICS)} came up again at this table"
            if c % 5 == 0:
                text += f"; {person.name.split()[0]} from {person.organisation} said ring 07700 900{c % 1000:03d}"
            is_note = c < NOTES
            contributions.append(Contribution(
                workshop_id=workshop.id, round_number=rng.randint(1, 3) if is_note else None,
                table_number=rng.randint(1, 8) if is_note else None, kind="note" if is_note else "statement",
                text=text, host_link_id=links[rng.randrange(8)].id if is_note else None,
                participant_id=None if is_note else phones[rng.randrange(ATTENDEES)].id,
                client_id=f"bench-{w}-{c}", created_at=start + timedelta(seconds=c)))
        priorities = [Contribution(workshop_id=workshop.id, kind="priority", text=f"Made-up priority {p}",
                                   client_id=f"bench-{w}-p{p}") for p in range(10)]
        session.add_all(contributions + priorities)
        session.flush()
        statements = [c for c in contributions if c.kind == "statement"]
        session.add_all([Vote(contribution_id=s.id, participant_id=p.id, value=rng.choice([-1, 0, 1]))
                         for p in phones for s in rng.sample(statements, 60)])
        session.add_all([Dot(participant_id=p.id, contribution_id=priority.id, dots=rng.randint(1, 3))
                         for p in phones for priority in rng.sample(priorities, 2)])
        session.flush()
    return kept


def main() -> int:
    from lpip.archive.package import build_deposit

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        engine = make_engine(database_url(work))
        try:
            with session_scope(engine) as session:
                kept, make_seconds = timed(lambda: made_up_workshops(session))
                result, seconds = timed(lambda: build_deposit(session, work / "deposit", all_workshops=True,
                                                              zip_package=True))
                session.rollback()  # leave a shared database as it was
        finally:
            engine.dispose()
    rows = result.rows
    print(f"MADE-UP data: {WORKSHOPS} workshops x {ATTENDEES} attendees (+{ATTENDEES} on phones) x {CONTRIBUTIONS} "
          f"contributions, generated in {make_seconds:.1f} s ({len(kept)} phone participants)")
    print(f"  deposit build --all --zip: {seconds:.2f} s (limit {LIMIT_SECONDS:.0f} s, ratio "
          f"{seconds / LIMIT_SECONDS:.2f}) -> {'OK' if seconds < LIMIT_SECONDS else 'TOO SLOW'}")
    print(f"  written: {rows['participants']} participants, {rows['contributions']} contributions, {rows['votes']} votes, "
          f"{rows['dots']} dots; withheld {sum(result.withheld.values())} items; k achieved {result.k_achieved}; "
          f"health check {'passed' if result.check.ok else 'failed: ' + str(result.check.problems[:3])}")
    print(f"  per contribution written: {1000 * seconds / max(rows['contributions'], 1):.2f} ms")
    return 0 if seconds < LIMIT_SECONDS and result.check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
