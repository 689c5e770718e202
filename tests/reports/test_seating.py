"""The printed seating plan: every attendee once per round with their table, in the PDF as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from lpip.errors import InvalidExport, NoData
from lpip.reports.seating import seating_frame, seating_plan, write_seating_plan
from lpip.spreadsheets import read_records
from lpip.workshops.attendees import import_attendees
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.planning import plan_workshop, replan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop

ATTENDEES = Path(__file__).resolve().parents[1] / "data" / "workshops" / "attendees_40.csv"


@pytest.fixture
def workshop_id(session) -> int:
    rounds = [RoundSpec("What works?", 25), RoundSpec("What gets in the way?", 20), RoundSpec("What first?", 15)]
    workshop_id = create_workshop(session, "Test seating", rounds, tables=8, venue="Test venue").id
    import_attendees(session, workshop_id, ATTENDEES)
    plan_workshop(session, workshop_id, seed=0, iterations=300)
    return workshop_id


def stored(session, workshop_id: int) -> dict[str, list[int | None]]:
    """Name -> table per round, straight from the database."""
    names = dict(session.execute(select(Attendee.id, Attendee.name).where(Attendee.workshop_id == workshop_id)).all())
    seats = session.execute(select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
                            .where(TableSeat.workshop_id == workshop_id)).all()
    tables = {name: [None, None, None] for name in names.values()}
    for attendee_id, round_number, table in seats:
        tables[names[attendee_id]][round_number - 1] = table
    return tables


def pdf_rows(path: Path) -> list[list[str]]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return [line.split() for line in text.splitlines() if line.startswith("Test Attendee")]


def test_the_pdf_lists_every_attendee_once_per_round_with_their_table(session, workshop_id, tmp_path):
    # Two no-shows, re-planned: they are printed with a dash, and everyone else where they sit.
    absent = list(session.scalars(select(Attendee.id).where(Attendee.workshop_id == workshop_id,
                                                            Attendee.host_table.is_(None)).order_by(Attendee.id)))[:2]
    replan_workshop(session, workshop_id, absent, seed=1)
    out = write_seating_plan(session, workshop_id, tmp_path / "plan.pdf")
    assert out.read_bytes().startswith(b"%PDF-")
    rows = pdf_rows(out)
    expected = stored(session, workshop_id)
    assert len(rows) == 40
    printed = {}
    for words in rows:
        # "Test Attendee 07 (host) 7 7 7" or "Test Attendee 12 3 5 1"
        name = " ".join(words[:3])
        cells = [w for w in words[3:] if w != "(host)"]
        assert len(cells) == 3, words
        assert name not in printed, f"{name} printed twice"
        printed[name] = [None if c == "–" else int(c) for c in cells]
    assert printed == expected
    assert sum(1 for tables in printed.values() if tables == [None, None, None]) == 2
    hosts = [" ".join(w[:3]) for w in rows if "(host)" in w]
    assert hosts == [f"Test Attendee {i:02d}" for i in range(1, 9)]


def test_csv_and_xlsx_hold_the_same_table(session, workshop_id, tmp_path):
    frame = seating_frame(seating_plan(session, workshop_id))
    assert list(frame.columns) == ["name", "hosts table", "round 1", "round 2", "round 3"]
    for suffix in ("csv", "xlsx"):
        out = write_seating_plan(session, workshop_id, tmp_path / f"plan.{suffix}")
        records = read_records(out, InvalidExport)
        assert records[0] == list(frame.columns)
        body = pd.DataFrame(records[1:], columns=records[0])
        expected = stored(session, workshop_id)
        assert {row["name"]: [int(row[f"round {r}"]) for r in (1, 2, 3)] for row in body.to_dict("records")} == expected


def test_the_plan_needs_planned_tables_and_a_known_format(session, tmp_path):
    workshop_id = create_workshop(session, "Not planned", [RoundSpec("Q")], tables=2).id
    with pytest.raises(NoData, match=re.escape(f"run `lpip workshops plan {workshop_id}` first")):
        seating_plan(session, workshop_id)
    with pytest.raises(InvalidExport, match="written as .pdf, .csv or .xlsx"):
        write_seating_plan(session, workshop_id, tmp_path / "plan.docx")
