"""Spreadsheets in and out.

In: the files people type by hand, CSV (UTF-8 with or without BOM, or Windows-1252; any line
endings, including the CR-only ones of Excel for Mac) and XLSX (first sheet), as rows of text
cells, with one clear error per way a file can be unreadable. Used by every importer
(indicator values, attendees, paper notes, codebooks, coding sheets); each passes its own
error class so messages carry the importer's name for the problem. :func:`read_rows` adds
what most of them need next: row 1 as column names, the rows below with their numbers.

Out: every CSV and XLSX that lpip writes goes through :func:`write_csv` or :func:`write_xlsx`,
which write participants' text as text and never as a live formula (OWASP "CSV injection"):
in CSV a value that begins with ``= + - @``, a tab or a carriage return gets a leading
apostrophe, which spreadsheet programs show as text; in XLSX such cells are typed as strings
(no apostrophe needed). Reading a CSV back removes that apostrophe again, so lpip's own
exports round-trip.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from lpip.errors import LpipError

if TYPE_CHECKING:
    import pandas as pd

SAVE_AS = "Save it again as 'CSV UTF-8 (Comma delimited)' or as an Excel .xlsx workbook."
DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_records(path: str | Path, error: type[LpipError], empty_hint: str = "") -> list[list[str]]:
    """The cells of a CSV or XLSX file as text, row by row.

    Raises ``error`` for a missing file, an unknown format, an encoding other than UTF-8 or
    Windows-1252, a semicolon- or tab-separated CSV, unpaired quotes, an unreadable workbook,
    and (for CSV) an empty file, whose message ends with ``empty_hint``.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "file not found"
        raise error(f"{path}: {what}. Check the path (relative paths start at {Path.cwd()}).")
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return xlsx_records(path, error)
    if suffix in CSV_SUFFIXES:
        return csv_records(path, error, empty_hint)
    old = " (the pre-2007 Excel format)" if suffix == ".xls" else ""
    raise error(f"{path}: lpip reads .csv and .xlsx files, not {suffix or 'files without an extension'}{old}. {SAVE_AS}")


def decode(path: Path, raw: bytes, error: type[LpipError]) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: what Excel writes as CSV."""
    head = raw[:4096]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") * 4 > len(head):
        raise error(
            f"{path}: the file is UTF-16 (or another two-byte encoding), which lpip does not read; "
            f"it reads UTF-8 (with or without BOM) and Windows-1252. {SAVE_AS}"
        )
    if b"\x00" in raw:
        before = raw[: raw.index(b"\x00")].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        raise error(
            f"{path}: line {line} holds a NUL byte (character 0), which is not text: the file may be damaged. "
            f"{SAVE_AS}"
        )
    if raw.startswith(b"PK\x03\x04"):
        raise error(f"{path}: this is an Excel workbook (zip) named .csv; rename it to .xlsx.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise error(f"{path}: the text is neither UTF-8 nor Windows-1252. {SAVE_AS}")


def csv_records(path: Path, error: type[LpipError], empty_hint: str = "") -> list[list[str]]:
    text = decode(path, path.read_bytes(), error)
    if not text.strip():
        raise error(f"{path}: the file is empty.{' ' + empty_hint if empty_hint else ''}")
    check_delimiter(path, text.lstrip("\r\n").splitlines()[0], error)
    # strict: an unpaired quote would otherwise swallow every later row into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return [[unescape_formula(cell) for cell in row] for row in reader]
    except csv.Error as exc:
        raise error(
            f"{path}: cannot read it as CSV near line {reader.line_num} ({exc}). "
            "Check that quotes are paired, or save the file again from a spreadsheet as CSV UTF-8."
        ) from None


def check_delimiter(path: Path, header: str, error: type[LpipError]) -> None:
    counts = {delimiter: header.count(delimiter) for delimiter in (",", *DELIMITERS)}
    best = max(counts, key=counts.get)
    if best != "," and counts[best] > counts[","]:
        raise error(
            f"{path}: the file looks {DELIMITERS[best]}-separated (row 1 is {header[:60]!r}); "
            "save it as comma-separated CSV (in Excel: Save As > 'CSV UTF-8 (Comma delimited)'), "
            "with '.' as the decimal point."
        )


def xlsx_records(path: Path, error: type[LpipError]) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; they do not affect values.
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
            try:
                return [[cell_text(value) for value in row] for row in book.worksheets[0].iter_rows(values_only=True)]
            finally:
                book.close()
    except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
        raise error(f"{path}: cannot open it as an Excel .xlsx workbook ({exc}). {SAVE_AS}") from None
    except Exception as exc:
        # A damaged workbook fails deep inside openpyxl in many ways (XML, zlib, index, type
        # errors ...); each is the same answer for the person importing it.
        raise error(f"{path}: cannot read it as an Excel .xlsx workbook ({type(exc).__name__}: {exc}). "
                    f"{SAVE_AS}") from None


@dataclass(frozen=True)
class Rows:
    """A spreadsheet read by :func:`read_rows`: ``columns`` are row 1's cells (stripped), and
    ``rows`` hold (row number as a spreadsheet shows it, cells) for every non-empty row below,
    each with exactly one cell per column."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, list[str]]]

    def records(self) -> list[dict[str, str]]:
        """The rows as {column: stripped cell} (unnamed columns, which hold nothing, left out)."""
        return [{name: cell.strip() for name, cell in zip(self.columns, cells) if name} for _, cells in self.rows]


def read_rows(path: str | Path, error: type[LpipError], empty_hint: str = "") -> Rows:
    """:func:`read_records`, then row 1 as column names and the non-empty rows below.

    Raises ``error`` (besides :func:`read_records`' reasons) for an empty file or row 1, a
    column name given twice, values in a column without a name, and rows with more cells than
    row 1 names (in CSV, an unquoted comma inside a value), listing the rows.
    """
    path = Path(path)
    records = read_records(path, error, empty_hint)
    if not records or not any(cell.strip() for cell in records[0]):
        raise error(f"{path}: row 1 is empty. Row 1 must hold the column names.{' ' + empty_hint if empty_hint else ''}")
    columns = [cell.strip() for cell in records[0]]
    width = len(columns)
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    problems = [f"the column {name!r} appears {columns.count(name)} times in row 1; keep one of them" for name in repeated]
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        if any(cell.strip() for cell in cells[width:]):
            problems.append(f"row {number} has more cells than row 1 has column names; a comma inside a value "
                            "needs the cell in quotes, or remove the extra cells")
        cells = (cells + [""] * width)[:width]
        if any(cell.strip() for cell in cells):
            rows.append((number, cells))
    unnamed = sorted({i for _, cells in rows for i, cell in enumerate(cells) if cell.strip() and not columns[i]})
    problems += [f"column {i + 1} has values but no name in row 1; name it or delete the column" for i in unnamed]
    if problems:
        raise error(f"{path}: nothing was imported because of {len(problems)} problem(s):", problems)
    return Rows(path, columns, rows)


def cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- writing -----------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """A text value as a CSV cell that no spreadsheet runs as a formula.

    Examples
    --------
    >>> escape_formula("=1+2"), escape_formula("-5"), escape_formula(-5), escape_formula("ok")
    ("'=1+2", "'-5", -5, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(cell: str) -> str:
    """The text :func:`escape_formula` escaped (other cells unchanged)."""
    if cell[:1] == "'" and cell[1:2] and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text value escaped (numbers and dates untouched) and its
    line breaks written as ``\\n``: the csv module quotes a field with a bare ``\\r`` only when
    ``\\r`` is in the line terminator, and a reader would split the row there."""
    import pandas as pd

    escaped = frame.copy()
    for column in escaped.columns:
        if escaped[column].dtype == object or pd.api.types.is_string_dtype(escaped[column]):
            escaped[column] = escaped[column].map(lambda value: escape_formula(_unix_newlines(value)))
    return escaped


def _unix_newlines(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def write_csv(frame: pd.DataFrame, target, *, header: bool = True, encoding: str = "utf-8") -> None:
    """Write ``frame`` as CSV (no index, ``\\n`` line ends) to a path or an open text stream,
    with formula-like text escaped."""
    options = dict(index=False, header=header, lineterminator="\n")
    if isinstance(target, (str, Path)):
        escape_frame(frame).to_csv(target, encoding=encoding, **options)
    else:
        escape_frame(frame).to_csv(target, **options)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one worksheet per frame to an .xlsx workbook, every text cell typed as a string
    (so that ``=...`` is shown, never run), with a bold header row and frozen panes.

    Examples
    --------
    >>> write_xlsx({"statements": frame}, "export.xlsx")  # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for column, title in enumerate(frame.columns, start=1):
            _put(sheet, 1, column, str(title)).font = bold
        for row, values in enumerate(frame.itertuples(index=False, name=None), start=2):
            for column, value in enumerate(values, start=1):
                _put(sheet, row, column, value)
        sheet.freeze_panes = "A2"
    path = Path(path)
    book.save(path)
    return path


def _put(sheet, row: int, column: int, value):
    """Set one cell; text is typed as a string after it is set, because openpyxl would
    otherwise store a value that begins with "=" as a formula."""
    cell = sheet.cell(row=row, column=column, value=_xlsx_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def _xlsx_value(value):
    import pandas as pd

    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; lpip stores UTC
    # Line breaks as "\n", as in CSV: XML parsers differ on a bare "\r" (the standard library's
    # reads it as "\n", lxml keeps it), so the same workbook would read back two ways.
    return _unix_newlines(value)
