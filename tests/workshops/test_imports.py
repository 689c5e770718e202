"""Paper notes import (all or nothing, idempotent) and workshop definitions from TOML.

Expected notes are read from the fixture with the csv module, not from lpip.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lpip.errors import InvalidWorkshopFile
from lpip.workshops.capture import MAX_TEXT
from lpip.workshops.imports import create_workshop_from_file, import_notes
from lpip.workshops.models import Contribution
from lpip.workshops.workshops import RoundSpec, create_workshop, get_workshop, rounds_of

DATA = Path(__file__).resolve().parents[1] / "data" / "workshops"
NOTES = DATA / "notes_paper.csv"


@pytest.fixture
def workshop_id(session) -> int:
    rounds = [RoundSpec(f"Question {n}", 25) for n in range(1, 4)]
    return create_workshop(session, "Test workshop", rounds, tables=4).id


def stored_notes(session, workshop_id: int) -> list[Contribution]:
    return list(session.scalars(select(Contribution).where(Contribution.workshop_id == workshop_id)
                                .order_by(Contribution.id)))


def note_count(session, workshop_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Contribution).where(Contribution.workshop_id == workshop_id))


def test_paper_notes_are_stored_as_written(session, workshop_id):
    result = import_notes(session, workshop_id, NOTES)
    with open(NOTES, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert (result.added, result.already) == (len(rows), 0)
    notes = stored_notes(session, workshop_id)
    assert [(n.round_number, n.table_number, n.text) for n in notes] == [
        (int(r["round"]), int(r["table"]), r["text"]) for r in rows
    ]
    assert [n.sector for n in notes] == [r["sector"].lower() or None for r in rows]
    assert {(n.kind, n.source, n.status) for n in notes} == {("note", "import", "visible")}
    assert "£200 is too much\nfor most people here" in [n.text for n in notes][4]
    assert len({n.client_id for n in notes}) == len(notes)  # the note written twice is kept twice


def test_importing_the_same_file_again_adds_nothing(session, workshop_id):
    first = import_notes(session, workshop_id, NOTES)
    second = import_notes(session, workshop_id, NOTES)
    assert (second.added, second.already) == (0, first.added)
    assert note_count(session, workshop_id) == first.added
    assert "were already imported" in second.summary()


def test_notes_from_xlsx(session, workshop_id, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Round", "Table", "Note", "Sector"])
    book.active.append([2, 3, "Typed from a flipchart photo", "resident"])
    path = tmp_path / "notes.xlsx"
    book.save(path)
    assert import_notes(session, workshop_id, path).added == 1
    (note,) = stored_notes(session, workshop_id)
    assert (note.round_number, note.table_number, note.sector) == (2, 3, "resident")


def test_a_bad_file_reports_every_problem_and_stores_nothing(session, workshop_id):
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_notes(session, workshop_id, DATA / "notes_bad.csv")
    expected = [
        ("row 3, column A (round)", "'9' is not a round of this workshop; write a round number from 1 to 3"),
        ("row 4, column B (table)", "'0' is not a table of this workshop; write a table number from 1 to 4"),
        ("row 5, column C (text)", "the note is empty"),
        ("row 6, column A (round)", "'two' is not a round of this workshop"),
        ("row 7, column D (sector)", "'privat' is not one of the sectors; did you mean 'private'?"),
    ]
    errors = caught.value.errors
    assert len(errors) == len(expected)
    for message, (where, text) in zip(errors, expected):
        assert message.startswith(f"notes_bad.csv {where}: "), message
        assert text in message, message
    assert note_count(session, workshop_id) == 0


def test_a_ten_thousand_character_note_is_refused(session, workshop_id, tmp_path):
    path = tmp_path / "long.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["round", "table", "text"])
        writer.writerow([1, 1, "a short note"])
        writer.writerow([1, 2, "x" * 10_000])
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_notes(session, workshop_id, path)
    (message,) = caught.value.errors
    assert f"row 3, column C (text): the note is 10,000 characters long; the limit is {MAX_TEXT:,}" in message
    assert note_count(session, workshop_id) == 0


def test_a_note_of_exactly_the_limit_is_accepted(session, workshop_id, tmp_path):
    path = tmp_path / "limit.csv"
    path.write_text(f"round,table,text\n1,1,{'y' * MAX_TEXT}\n", encoding="utf-8")
    assert import_notes(session, workshop_id, path).added == 1


def test_rows_for_another_workshop_are_refused(session, workshop_id, tmp_path):
    code = get_workshop(session, workshop_id).join_code
    path = tmp_path / "mixed.csv"
    path.write_text(f"workshop,round,table,text\n{code.lower()},1,1,ok\n{workshop_id + 1},1,1,elsewhere\n", encoding="utf-8")
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_notes(session, workshop_id, path)
    (message,) = caught.value.errors
    assert f"row 3, column A (workshop): '{workshop_id + 1}' is not this workshop" in message
    assert note_count(session, workshop_id) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.csv", "text,table\nhello,1\n".encode(), "there is no round column"),
        ("notes.csv", "round,table,text\n1,1,é\n".encode("utf-16"), "UTF-16"),
        ("notes.xls", b"not a workbook", "not .xls"),
        ("notes.xlsx", b"not a workbook", "cannot open it as an Excel .xlsx workbook"),
        ("notes.csv", b'round,table,text\n1,1,"unclosed\n2,2,swallowed\n', "cannot read it as CSV near line 3 .*quotes are paired"),
    ],
    ids=["missing-column", "utf-16", "old-excel", "broken-xlsx", "unpaired-quote"],
)
def test_unreadable_files_are_refused(session, workshop_id, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidWorkshopFile, match=message):
        import_notes(session, workshop_id, path)
    assert note_count(session, workshop_id) == 0


def test_a_missing_notes_file_is_named(session, workshop_id, tmp_path):
    with pytest.raises(InvalidWorkshopFile, match="missing.csv: file not found"):
        import_notes(session, workshop_id, tmp_path / "missing.csv")


# ----------------------------------------------------------------------------- workshop files


def test_a_workshop_is_created_from_a_toml_file(session):
    workshop = create_workshop_from_file(session, DATA / "workshop.toml")
    assert (workshop.title, workshop.subregion_code, workshop.tables) == ("Test workshop from a file", "WM-BC", 8)
    assert (workshop.date, workshop.venue, workshop.dots_per_participant) == (date(2023, 6, 14), "Test venue", 4)
    assert [(r.number, r.question, r.minutes) for r in rounds_of(session, workshop.id)] == [
        (1, "What works well here?", 25), (2, "What gets in the way?", 20), (3, "What should happen first?", 25),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('title = "x"\n[[round]]\nminutes = 5\n', "each round needs a \\[\\[round\\]\\] table with a question"),
        ('title = x\n', "not valid TOML"),
        ('title = "x"\ndate = "14/06/2023"\n[[round]]\nquestion = "q"\n', "write it as YYYY-MM-DD"),
    ],
    ids=["round-without-question", "bad-toml", "bad-date"],
)
def test_bad_workshop_files_are_refused(session, tmp_path, content, message):
    path = tmp_path / "workshop.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidWorkshopFile, match=message):
        create_workshop_from_file(session, path)
