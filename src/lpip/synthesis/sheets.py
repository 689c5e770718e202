"""Reading the spreadsheets people edit by hand (the partner register, the programme plan): cells
as clean text, and every problem collected with its file, row, column and fix.

Imports built on this are all or nothing: the whole file is checked, every problem reported at
once (``error.errors``), and nothing is written unless there are none.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from lpip.errors import LpipError
from lpip.spreadsheets import read_records
from lpip.text import clean_text


def column_key(header: str) -> str:
    """A header as a column name: lower case, words joined by underscores ("Research question")."""
    return re.sub(r"[\s\-]+", "_", clean_text(header).lower())


@dataclass
class Sheet:
    """A file's header (normalised names) and its non-empty rows as {column: cleaned text}."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    error: type[LpipError]
    problems: list[tuple[int, str]] = field(default_factory=list)

    def letter(self, column: str) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.columns.index(column) + 1)

    def problem(self, text: str, row: int = 0, column: str | None = None) -> None:
        """Record a problem at a row (spreadsheet numbering, header = 1) and column."""
        place = [f"row {row}"] if row else []
        if column in self.columns:
            place.append(f"column {self.letter(column)} ({column})")
        prefix = f"{self.path.name} {', '.join(place)}: " if place else f"{self.path.name}: "
        self.problems.append((row, prefix + text))

    def raise_if_any(self) -> None:
        if self.problems:
            messages = [text for _row, text in sorted(self.problems, key=lambda item: item[0])]
            raise self.error(f"{self.path}: nothing was imported because of {len(messages)} problem(s):", messages)

    def check_columns(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        """Report missing required columns and repeated ones (unknown columns are ignored)."""
        for column in required:
            if column not in self.columns:
                self.problem(f"there is no column {column!r}; row 1 must name the columns "
                             f"{', '.join(required)} (and optionally {', '.join(optional)})")
        seen: set[str] = set()
        for column in self.columns:
            if column and column in seen:
                self.problem(f"the column {column!r} appears twice in row 1; keep one")
            seen.add(column)


def read_sheet(path: str | Path, error: type[LpipError], aliases: dict[str, str] | None = None) -> Sheet:
    """Read a CSV or XLSX file (first sheet) through :func:`lpip.spreadsheets.read_records`;
    text is cleaned with :func:`lpip.text.clean_text`."""
    path = Path(path)
    records = read_records(path, error, "Put the column names in row 1 and one row per entry below.")
    if not records or not any(cell.strip() for record in records for cell in record):
        raise error(f"{path}: the file is empty. Put the column names in row 1 and one row per entry below.")
    aliases = aliases or {}
    columns = [aliases.get(column_key(cell), column_key(cell)) for cell in records[0]]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells = [clean_text(cell) for cell in record]
        if any(cells):
            cells = (cells + [""] * len(columns))[: len(columns)]
            rows.append((number, {name: cell for name, cell in reversed(list(zip(columns, cells))) if name}))
    sheet = Sheet(path, columns, rows, error)
    if not rows:
        raise error(f"{path}: the file has a header but no data rows. Add one row per entry below row 1.")
    return sheet


def parse_number(text: str) -> float | None:
    """A finite number written in a cell ("1,234.5" allowed), else None (also for inf and NaN)."""
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def looks_numeric(text: str) -> bool:
    """True for anything float() accepts, including "inf" and "nan" (which are then refused)."""
    try:
        float(text.replace(",", "").strip())
    except ValueError:
        return False
    return True


def split_list(text: str) -> list[str]:
    """Items of a cell separated by ";" (or "," when there is no ";"), stripped, without repeats."""
    separator = ";" if ";" in text else ","
    return list(dict.fromkeys(item.strip() for item in text.split(separator) if item.strip()))
