"""Workshop exports for the facilitator: every format and the pol.is open-data shape (the
anonymised deposit is lpip.archive's: tests/archive/test_collect.py).

The pol.is column layout is checked against the real open-data export in
../shared/data/polis/scoop-hivemind.biodiversity (compdemocracy/openData, CC BY 4.0), and
the files are read back with lpip's pol.is reader. Counts are recomputed from the database
and the written files with the csv module, independently of the exporter.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lpip.errors import InvalidExport
from lpip.workshops.attendees import import_attendees
from lpip.workshops.capture import (
    add_note, add_priority, add_statement, cast_vote, join_workshop, moderate, set_walkin, spend_dots, withdraw_note,
)
from lpip.workshops.exports import describe_workshop, export_workshop, list_workshops, workshop_tables
from lpip.workshops.models import HostLink, Vote
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

DATA = Path(__file__).resolve().parents[1] / "data" / "workshops"
SHARED_POLIS = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
SCRUB_NOTE = "Write to test.attendee01@example.org or ring 0121 496 0000; Test Attendee 02 agreed"


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


@pytest.fixture
def workshop(session):
    """A workshop that has everything: attendees, a plan, notes, statements, votes, dots."""
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
    set_walkin(session, w.id, True)
    people = [join_workshop(session, w.join_code, sector) for sector in ("public", "private", "resident", None, "academic")]
    statements = [add_statement(session, p, f"Statement by participant {i}", f"stmt-{i:04d}")[0] for i, p in enumerate(people[:4])]
    set_voting(session, w.id, voting_open=True, harvest_open=True)
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if (i + j) % 3:
                cast_vote(session, person, statement.id, ("agree", "disagree", "pass")[(i * j) % 3])
    cast_vote(session, people[1], statements[0].id, "agree")  # replaces the earlier disagree
    moderate(session, statements[3].id, "hidden")
    priority = add_priority(session, w.id, "A priority")
    spend_dots(session, people[0], {priority.id: 3})
    session.flush()
    return w


def db_votes(session, workshop_id: int) -> int:
    from lpip.workshops.models import Contribution

    return session.scalar(select(func.count()).select_from(Vote).join(Contribution, Contribution.id == Vote.contribution_id)
                          .where(Contribution.workshop_id == workshop_id))


# ----------------------------------------------------------------------------- pol.is


def test_polis_files_have_the_columns_of_the_real_open_data_export(session, workshop, tmp_path):
    real = SHARED_POLIS / "scoop-hivemind.biodiversity"
    if not real.exists():
        pytest.skip(f"{real} is not beside the repository")
    export_workshop(session, workshop.id, "polis", tmp_path / "polis")
    out = tmp_path / "polis"
    assert header(out / "comments.csv") == header(real / "comments.csv")
    assert header(out / "votes.csv") == header(real / "votes.csv")
    ours, theirs = header(out / "participants-votes.csv"), header(real / "participants-votes.csv")
    assert ours[:6] == theirs[:6] == ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
    comment_columns = [int(c) for c in ours[6:]]
    assert comment_columns == sorted(comment_columns)
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        keys = [row[0] for row in csv.reader(handle)]
    with open(real / "summary.csv", newline="", encoding="utf-8") as handle:
        assert keys == [row[0] for row in csv.reader(handle)]


def test_polis_files_are_consistent_and_read_back(session, workshop, tmp_path):
    from lpip.deliberation.polis import read_polis_export

    out = tmp_path / "polis"
    export_workshop(session, workshop.id, "polis", out)
    comments, votes = read_csv(out / "comments.csv"), read_csv(out / "votes.csv")
    assert len(votes) == db_votes(session, workshop.id)
    for comment in comments:
        mine = [v["vote"] for v in votes if v["comment-id"] == comment["comment-id"]]
        assert int(comment["agrees"]) == mine.count("1")
        assert int(comment["disagrees"]) == mine.count("-1")
    assert sorted(c["moderated"] for c in comments) == ["-1", "1", "1", "1"]
    cells = {(row["participant"], column): value for row in read_csv(out / "participants-votes.csv")
             for column, value in row.items() if column.isdigit() and value != ""}
    assert cells == {(v["voter-id"], v["comment-id"]): v["vote"] for v in votes}
    # The re-vote replaced the first one: participant 1 agrees with statement 0.
    assert cells[("1", "0")] == "1"
    export = read_polis_export(out)
    assert len(export.statements) == 4 and len(export.votes) == len(votes)
    assert set(export.statements["text"]) == {f"Statement by participant {i}" for i in range(4)}


def test_the_facilitator_export_keeps_everything(session, workshop, tmp_path):
    out = tmp_path / "full"
    result = export_workshop(session, workshop.id, "csv", out)
    attendees = read_csv(out / "attendees.csv")
    assert len(attendees) == 40 and attendees[0]["name"] == "Test Attendee 01"
    notes = read_csv(out / "notes.csv")
    assert SCRUB_NOTE in [n["text"] for n in notes]
    assert [n["status"] for n in notes].count("withdrawn") == 1
    assert result.rows["votes"] == db_votes(session, workshop.id)
    about = {row["key"]: row["value"] for row in read_csv(out / "about.csv")}
    assert "personal data" in about["kind"]


def test_xlsx_and_json_hold_the_same_tables(session, workshop, tmp_path):
    from openpyxl import load_workbook

    export_workshop(session, workshop.id, "xlsx", tmp_path / "w.xlsx")
    export_workshop(session, workshop.id, "json", tmp_path / "w.json")
    tables = workshop_tables(session, workshop.id)
    book = load_workbook(tmp_path / "w.xlsx", read_only=True)
    assert book.sheetnames == list(tables)
    assert book["votes"].max_row == len(tables["votes"]) + 1
    book.close()
    document = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert list(document) == list(tables)
    assert len(document["attendees"]) == 40 and "db_id" not in document["attendees"][0]


def test_a_demonstration_workshop_exports_with_its_label(session, tmp_path):
    demo = create_workshop(session, "DEMONSTRATION (made-up data): test", [RoundSpec("Q")], tables=2, is_demo=True)
    result = export_workshop(session, demo.id, "csv", tmp_path / "out")
    about = {row["key"]: row["value"] for row in read_csv(tmp_path / "out" / "about.csv")}
    assert about["demonstration"].startswith("DEMONSTRATION (made-up data)")
    assert result.rows["votes"] == 0


def test_an_empty_workshop_exports_empty_polis_files(session, tmp_path):
    empty = create_workshop(session, "Empty", [RoundSpec("Q")], tables=2)
    export_workshop(session, empty.id, "polis", tmp_path / "polis")
    assert read_csv(tmp_path / "polis" / "votes.csv") == []
    assert header(tmp_path / "polis" / "participants-votes.csv")[:2] == ["participant", "group-id"]


@pytest.mark.parametrize(
    ("fmt", "name", "message"),
    [
        ("pdf", "out", "not one of csv, xlsx, json, polis"),
        ("xlsx", "out.csv", "name it with .xlsx"),
        ("json", "missing/out.json", "does not exist"),
        ("csv", "a-file.txt", "is a file"),
    ],
    ids=["unknown-format", "wrong-suffix", "missing-folder", "file-for-folder"],
)
def test_bad_destinations_are_refused(session, tmp_path, fmt, name, message):
    w = create_workshop(session, "Dest", [RoundSpec("Q")], tables=2)
    (tmp_path / "a-file.txt").write_text("x")
    with pytest.raises(InvalidExport, match=message):
        export_workshop(session, w.id, fmt, tmp_path / name)


# ----------------------------------------------------------------------------- overviews


def test_list_and_describe(session, workshop):
    listed = list_workshops(session).set_index("id").loc[workshop.id]
    assert (listed["title"], listed["rounds"], listed["attendees"], listed["tables"]) == ("Test export workshop", 2, 40, 8)
    info = describe_workshop(session, workshop.id)
    assert info["rounds"]["question"].tolist() == ["Q1", "Q2"]
    assert info["counts"]["attendees"] == 40 and info["counts"]["hosts"] == 8
    assert info["counts"]["seats planned"] == 80
    assert info["counts"]["notes"] == 2  # the withdrawn note is not counted
    assert info["counts"]["votes"] == db_votes(session, workshop.id)
