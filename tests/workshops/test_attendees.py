"""Attendees: registration, all-or-nothing import from CSV/XLSX, export and round trips.

The attendee files in tests/data/workshops are invented (see its README); expected values
are read from the files with the csv module, not from lpip.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from lpip.errors import InvalidContribution, InvalidExport, InvalidWorkshopFile
from lpip.workshops.attendees import export_attendees, import_attendees, list_attendees, register_attendee
from lpip.workshops.imports import parse_sector, parse_yes_no
from lpip.workshops.models import Attendee
from lpip.workshops.workshops import RoundSpec, create_workshop

DATA = Path(__file__).resolve().parents[1] / "data" / "workshops"
GOOD = DATA / "attendees_40.csv"
BAD = DATA / "attendees_bad.csv"
TRUE_WORDS = {"yes", "Yes", "TRUE", "1"}


def new_workshop(session, tables: int = 8) -> int:
    rounds = [RoundSpec(f"Question {n}", 25) for n in range(1, 5)]
    return create_workshop(session, "Test workshop", rounds, tables=tables, subregion_code="WM-BC").id


def attendee_count(session, workshop_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Attendee).where(Attendee.workshop_id == workshop_id))


def file_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def workshop_id(session) -> int:
    return new_workshop(session)


def test_import_registers_every_row_as_written(session, workshop_id):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = import_attendees(session, workshop_id, GOOD)
    rows = file_rows(GOOD)
    assert result.added == len(rows) == 40
    assert result.hosts == sum(1 for r in rows if r["Host table"]) == 8
    assert result.consent_deposit == sum(1 for r in rows if r["Consent deposit"] in TRUE_WORDS)
    assert result.ignored_columns == ()
    stored = {a.email: a for a in session.scalars(select(Attendee).where(Attendee.workshop_id == workshop_id))}
    for row in rows:
        attendee = stored[row["Email"]]
        assert attendee.name == row["Name"]
        assert attendee.sector == row["Sector"].lower()
        assert attendee.home_area_code == (row["Home area"] or None)
        assert attendee.host_table == (int(row["Host table"]) if row["Host table"] else None)
        assert attendee.consent_contact is (row["Consent contact"] in TRUE_WORDS)
        assert attendee.consent_deposit is (row["Consent deposit"] in TRUE_WORDS)
        # Consent is timed at the import; no consent, no time.
        assert (attendee.consent_deposit_at is not None) is attendee.consent_deposit
        if attendee.consent_deposit_at is not None:
            at = attendee.consent_deposit_at
            at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at
            assert before <= at <= datetime.now(timezone.utc)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"], ids=["csv", "xlsx"])
def test_export_then_import_gives_the_same_attendees(session, workshop_id, tmp_path, suffix):
    import_attendees(session, workshop_id, GOOD)
    out = tmp_path / f"attendees{suffix}"
    exported = export_attendees(session, workshop_id, out)
    assert len(exported) == 40
    second = new_workshop(session)
    result = import_attendees(session, second, out)
    assert result.ignored_columns == ()  # the export's id and consent-time columns are known
    columns = ["name", "email", "organisation", "sector", "home_area", "host_table", "consent_contact", "consent_deposit"]
    first_list = list_attendees(session, workshop_id)[columns].reset_index(drop=True)
    second_list = list_attendees(session, second)[columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(first_list, second_list)


def test_the_export_holds_names_and_emails_for_the_facilitator(session, workshop_id, tmp_path):
    import_attendees(session, workshop_id, GOOD)
    out = tmp_path / "list.csv"
    export_attendees(session, workshop_id, out)
    text = out.read_text(encoding="utf-8")
    assert "Test Attendee 17" in text and "test.attendee17@example.org" in text


def test_an_xlsx_file_with_typed_cells_is_read(session, workshop_id, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "sector", "host_table", "consent_deposit"])
    sheet.append(["Test Attendee X", "Academic", 3, True])  # a number and a boolean cell
    sheet.append(["Test Attendee Y", "resident", None, False])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    result = import_attendees(session, workshop_id, path)
    assert (result.added, result.hosts, result.consent_deposit) == (2, 1, 1)


def test_a_windows_1252_csv_is_read(session, workshop_id, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("name,sector\nZoë Test,public\n".encode("cp1252"))
    import_attendees(session, workshop_id, path)
    assert list_attendees(session, workshop_id)["name"].tolist() == ["Zoë Test"]


# ----------------------------------------------------------------------------- bad input


def test_a_bad_file_reports_every_problem_and_stores_nothing(session, workshop_id):
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_attendees(session, workshop_id, BAD)
    errors = caught.value.errors
    assert "nothing was imported because of 7 problem(s)" in str(caught.value)
    expected = [
        ("row 3", "column D (sector)", "did you mean 'voluntary and community'?"),
        ("row 4", "column B (email)", "test.a@example.org is also in row 2"),
        ("row 5", "column E (home_area)", "E08000099 is not a known area code; did you mean E08000"),
        ("row 6", "column F (host_table)", "'12' is not a table of this workshop; write a number from 1 to 8"),
        ("row 7", "column H (consent_deposit)", "'maybe' is not yes or no"),
        ("row 8", "column A (name)", "the name is empty"),
        ("row 9", "column F (host_table)", "table 1 is also hosted in row 2"),
    ]
    assert len(errors) == len(expected)
    for message, (row, column, text) in zip(errors, expected):
        assert message.startswith(f"attendees_bad.csv {row}, {column}: "), message
        assert text in message, message
    assert attendee_count(session, workshop_id) == 0


def test_an_unknown_sector_is_named_with_its_fix(session, workshop_id, tmp_path):
    path = tmp_path / "sector.csv"
    path.write_text("name,sector\nTest Attendee,Business\n", encoding="utf-8")
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_attendees(session, workshop_id, path)
    (message,) = caught.value.errors
    assert "row 2, column B (sector): 'Business' is not one of the sectors; did you mean 'private'?" in message
    assert attendee_count(session, workshop_id) == 0


def test_an_email_already_registered_is_refused(session, workshop_id, tmp_path):
    register_attendee(session, workshop_id, "Test Earlier", "public", email="test.attendee05@example.org")
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_attendees(session, workshop_id, GOOD)
    (message,) = caught.value.errors
    assert "row 6, column B (email): test.attendee05@example.org is already registered (Test Earlier)" in message
    assert attendee_count(session, workshop_id) == 1


def test_registering_the_same_email_twice_is_refused(session, workshop_id):
    register_attendee(session, workshop_id, "Test One", "public", email="same@example.org")
    with pytest.raises(InvalidContribution, match="same@example.org is already registered"):
        register_attendee(session, workshop_id, "Test Two", "private", email="SAME@example.org")
    assert attendee_count(session, workshop_id) == 1


def test_a_host_table_already_taken_is_refused(session, workshop_id):
    register_attendee(session, workshop_id, "Test Host", "public", host_table=2)
    with pytest.raises(InvalidContribution, match="table 2 is already hosted by Test Host"):
        register_attendee(session, workshop_id, "Test Other", "private", host_table=2)


def test_a_missing_file_is_named(session, workshop_id, tmp_path):
    with pytest.raises(InvalidWorkshopFile, match="nowhere.csv: file not found"):
        import_attendees(session, workshop_id, tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,sector\nTest,public\n".encode("utf-16"), "UTF-16"),
        (b"name,sector\nTest \x81\x8d,public\n", "neither UTF-8 nor Windows-1252"),
        (b"name;sector\nTest;public\n", "looks semicolon-separated"),
        (b"", "the file is empty"),
        (b"name,sector\n", "no data rows"),
    ],
    ids=["utf-16", "undecodable-bytes", "semicolons", "empty", "header-only"],
)
def test_files_in_the_wrong_encoding_or_shape_are_refused(session, workshop_id, tmp_path, content, message):
    path = tmp_path / "attendees.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidWorkshopFile, match=message):
        import_attendees(session, workshop_id, path)
    assert attendee_count(session, workshop_id) == 0


def test_a_missing_column_is_named_with_a_near_match(session, workshop_id, tmp_path):
    path = tmp_path / "attendees.csv"
    path.write_text("name,sectors\nTest,public\n", encoding="utf-8")
    with pytest.raises(InvalidWorkshopFile, match="there is no sector column \\(is 'sectors' meant to be sector"):
        import_attendees(session, workshop_id, path)


def test_an_unknown_workshop_is_refused(session, tmp_path):
    from lpip.errors import UnknownWorkshop

    with pytest.raises(UnknownWorkshop, match="There is no workshop 999"):
        import_attendees(session, 999, GOOD)


def test_the_export_needs_a_csv_or_xlsx_name(session, workshop_id, tmp_path):
    with pytest.raises(InvalidExport, match="written as .csv or .xlsx"):
        export_attendees(session, workshop_id, tmp_path / "list.pdf")


# ----------------------------------------------------------------------------- cell parsers


@pytest.mark.parametrize(
    ("text", "sector", "hint"),
    [
        ("Public", "public", None),
        ("VOLUNTARY AND COMMUNITY", "voluntary and community", None),
        ("Voluntary & Community", "voluntary and community", None),
        ("private sector", "private", None),
        ("voluntary", None, "voluntary and community"),
        ("Privat", None, "private"),
        ("university", None, "academic"),
        ("civil", None, "civil society"),
        ("xyz", None, None),
    ],
    ids=lambda value: str(value),
)
def test_sectors_are_matched_in_any_case_and_near_misses_suggested(text, sector, hint):
    found, message = parse_sector(text)
    assert found == sector
    if sector is None:
        assert (f"did you mean '{hint}'?" in message) if hint else ("did you mean" not in message)
        assert "public, private, voluntary and community, civil society, academic, resident" in message


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("TRUE", True), ("1", True), ("Y", True), ("no", False), ("False", False), ("0", False),
     ("", False), ("maybe", None), ("2", None)],
    ids=lambda value: repr(value),
)
def test_yes_no_cells(text, value):
    assert parse_yes_no(text) is value
