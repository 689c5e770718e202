"""The deposit's tables from a full workshop (40 registered attendees, a table plan, notes,
statements, votes, dots): what the old `workshops export --deposit` promised, kept in the
package that replaced it. Counts are recomputed from the source files with the csv module."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from lpip.archive.anonymise import anonymiser_for
from lpip.archive.collect import collect
from lpip.archive.package import build_deposit
from lpip.workshops.attendees import import_attendees
from lpip.workshops.capture import (
    add_note, add_priority, add_statement, cast_vote, join_workshop, moderate, set_walkin, spend_dots, withdraw_note,
)
from lpip.workshops.models import Attendee, HostLink
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, declare_notes_consent, open_round, set_voting

DATA = Path(__file__).resolve().parents[1] / "data" / "workshops"
SCRUB_NOTE = "Write to test.attendee01@example.org or ring 0121 496 0000; Test Attendee 02 agreed"


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def workshop(session):
    w = create_workshop(session, "Test export workshop", [RoundSpec("Q1"), RoundSpec("Q2")], tables=8,
                        subregion_code="WM-BC")
    import_attendees(session, w.id, DATA / "attendees_40.csv")
    plan_workshop(session, w.id, seed=1, iterations=500)
    open_round(session, w.id, 1)
    links = {link.table_number: link for link in session.scalars(select(HostLink).where(HostLink.workshop_id == w.id))}
    add_note(session, links[1], SCRUB_NOTE, "note-0001")
    add_note(session, links[2], "A plain note", "note-0002")
    withdrawn, _ = add_note(session, links[2], "A note its host took back", "note-0003")
    withdraw_note(session, links[2], withdrawn.id)
    declare_notes_consent(session, w.id, True, by="Test Facilitator")
    set_walkin(session, w.id, True)  # attendees are registered: walk-ins need the facilitator's switch
    people = [join_workshop(session, w.join_code, sector, consent=True)
              for sector in ("public", "private", "resident", None, "academic")]
    statements = [add_statement(session, p, f"Statement by participant {i}", f"stmt-{i:04d}")[0] for i, p in enumerate(people[:4])]
    set_voting(session, w.id, voting_open=True, harvest_open=True)
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if (i + j) % 3:
                cast_vote(session, person, statement.id, ("agree", "disagree", "pass")[(i * j) % 3])
    moderate(session, statements[3].id, "hidden")
    priority = add_priority(session, w.id, "A priority")
    spend_dots(session, people[0], {priority.id: 3})
    session.flush()
    w.people = people  # keep the loaded participants (and their consent) alive
    return w


def test_the_package_holds_no_names_emails_organisations_or_codes(session, workshop, tmp_path):
    result = build_deposit(session, tmp_path / "deposit", [workshop.id])
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(result.folder.rglob("*")) if p.is_file())
    people = session.execute(select(Attendee.name, Attendee.email, Attendee.organisation)
                             .where(Attendee.workshop_id == workshop.id)).all()
    for name, email, organisation in people:
        assert name not in text and email not in text
        assert organisation not in text
    assert workshop.join_code not in text
    for path in (result.folder / "data").glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            assert not {"name", "email", "organisation", "join_code", "client_id", "token"} & set(next(csv.reader(handle)))


def test_only_consenting_attendees_and_no_small_areas(session, workshop, tmp_path):
    result = build_deposit(session, tmp_path / "deposit", [workshop.id])
    source = read_csv(DATA / "attendees_40.csv")
    consenting = [r for r in source if r["Consent deposit"] in {"yes", "Yes", "TRUE", "1"}]
    rows = read_csv(result.folder / "data" / "participants.csv")
    assert len([r for r in rows if r["kind"] == "attendee"]) == len(consenting)
    assert len([r for r in rows if r["kind"] == "walk-in"]) == 5
    # E01009746 ("Dudley 022C") is never written: small areas become their district or wider.
    assert not any(r["area_code"].startswith(("E01", "E02")) for r in rows)


def test_the_sectors_before_disclosure_control_are_the_attendees(session, workshop):
    collected = collect(session, [workshop], anonymiser_for(session, use_ner=False), k=2)
    source = read_csv(DATA / "attendees_40.csv")
    consenting = [r["Sector"].lower() for r in source if r["Consent deposit"] in {"yes", "Yes", "TRUE", "1"}]
    walk_ins = ["public", "private", "resident", "not given", "academic"]  # the five who joined on phones
    assert collected.sectors == Counter(consenting + walk_ins)


def test_text_is_scrubbed_and_withdrawn_and_hidden_contributions_left_out(session, workshop, tmp_path):
    result = build_deposit(session, tmp_path / "deposit", [workshop.id])
    rows = read_csv(result.folder / "data" / "contributions.csv")
    notes = [r["text"] for r in rows if r["kind"] == "note"]
    assert notes == ["Write to [email] or ring [phone]; [person 1] agreed", "A plain note"]
    statements = [r["text"] for r in rows if r["kind"] == "statement"]
    assert statements == [f"Statement by participant {i}" for i in range(3)]
    votes = read_csv(result.folder / "data" / "votes.csv")
    kept = {r["contribution_id"] for r in rows if r["kind"] == "statement"}
    assert votes and {v["contribution_id"] for v in votes} <= kept


def test_home_areas_are_written_at_district_level_or_wider(session):
    from lpip.archive.collect import _home_areas

    # E01009746 is an LSOA in Dudley; E11000005 is the West Midlands metropolitan county, inside the region.
    assert _home_areas(session, {"E01009746", "E08000028", "WM-BC", "E11000005", "E12000005"}) == {
        "E01009746": ("E08000027", "district"), "E08000028": ("E08000028", "district"),
        "WM-BC": ("WM-BC", "subregion"), "E11000005": ("E12000005", "region"), "E12000005": ("E12000005", "region")}
