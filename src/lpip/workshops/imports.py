"""Importing workshop files: reading CSV/XLSX sheets, workshop definitions, and paper notes.

Notes written on flipcharts are typed up after the day into a sheet with the columns
``round, table, text`` and optionally ``sector`` and ``workshop`` (the workshop's id or join
code, checked against the workshop imported into). :func:`import_notes` stores them as notes
with ``source = "import"``.

Imports are all or nothing, like indicator imports: the whole file is checked first and every
problem is reported at once, each naming the file, the row as a spreadsheet shows it (the
header is row 1), the column and the fix; nothing is written unless the file is clean.
Importing the same file twice adds nothing the second time: each note's id is made from its
round, table and text, so a note already imported is recognised and skipped.

The sheet reader and the cell parsers here (:func:`read_sheet`, :class:`Problems`,
:func:`parse_sector`, :func:`parse_yes_no`) are shared with the attendee import.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidWorkshopFile
from lpip.spreadsheets import read_records
from lpip.text import clean_text
from lpip.workshops.capture import MAX_TEXT
from lpip.workshops.models import SECTORS, Contribution, Workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, get_workshop, rounds_of

# Words people write for a sector; only ever offered as a suggestion, never applied silently.
SECTOR_HINTS = {
    "voluntary": "voluntary and community", "community": "voluntary and community",
    "vcs": "voluntary and community", "vcse": "voluntary and community",
    "third": "voluntary and community", "charity": "voluntary and community",
    "business": "private", "company": "private", "council": "public", "government": "public",
    "local authority": "public", "nhs": "public", "university": "academic", "research": "academic",
    "citizen": "resident", "public member": "resident", "member of the public": "resident",
    "civil": "civil society",
}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
NOTE_COLUMNS = ("round", "table", "text")
NOTE_OPTIONAL = ("sector", "workshop")
NOTE_ALIASES = {"note": "text", "round_number": "round", "table_number": "table", "workshop_id": "workshop"}


# ----------------------------------------------------------------------------- reading sheets


@dataclass
class Sheet:
    """A CSV or XLSX file's cells as stripped text.

    ``columns`` are the normalised names of row 1 in file order; ``rows`` holds
    (spreadsheet row number, {column: text}) for every non-empty data row.
    """

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    long_rows: list[int] = field(default_factory=list)

    def letter(self, column: str) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.columns.index(column) + 1)


class Problems:
    """Every problem found in one file, in row order, each naming where it is."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self._items: list[tuple[int, str]] = []

    def add(self, text: str, row: int = 0, column: str | None = None) -> None:
        place = [f"row {row}"] if row else []
        if column in self.sheet.columns:
            place.append(f"column {self.sheet.letter(column)} ({column})")
        prefix = f"{self.sheet.path.name} {', '.join(place)}: " if place else f"{self.sheet.path.name}: "
        self._items.append((row, prefix + text))

    def __len__(self) -> int:
        return len(self._items)

    def messages(self) -> list[str]:
        return [text for _row, text in sorted(self._items, key=lambda item: item[0])]

    def raise_if_any(self) -> None:
        if self._items:
            raise InvalidWorkshopFile(
                f"{self.sheet.path}: nothing was imported because of {len(self)} problem(s):", self.messages()
            )


def read_sheet(path: str | Path, aliases: dict[str, str] | None = None) -> Sheet:
    """Read a CSV (UTF-8 or Windows-1252) or XLSX (first sheet) file as text cells.

    Column names are matched loosely: case, spaces and hyphens do not matter
    (``Home area`` is ``home_area``), and ``aliases`` maps other names to the expected ones.

    Raises
    ------
    InvalidWorkshopFile
        When the file is missing, empty, in an encoding or format lpip does not read.
    """
    path = Path(path)
    return _sheet(path, read_records(path, InvalidWorkshopFile), aliases or {})


def column_key(header: str) -> str:
    """A header as a column name: lower case, words joined by underscores."""
    return re.sub(r"[\s\-]+", "_", clean_text(header, single_line=True).lower())


def _sheet(path: Path, records: list[list[str]], aliases: dict[str, str]) -> Sheet:
    if not records or not any(cell.strip() for record in records for cell in record):
        raise InvalidWorkshopFile(f"{path}: the file is empty. Put the column names in row 1 and one row per entry below.")
    columns = [aliases.get(column_key(cell), column_key(cell)) for cell in records[0]]
    rows, long_rows = [], []
    for number, record in enumerate(records[1:], start=2):
        cells = [cell.strip() for cell in record]
        if any(cells[len(columns):]):
            long_rows.append(number)
        if any(cells):
            cells = (cells + [""] * len(columns))[: len(columns)]
            rows.append((number, {name: cell for name, cell in reversed(list(zip(columns, cells))) if name}))
    if not rows:
        raise InvalidWorkshopFile(f"{path}: the file has a header but no data rows. Add one row per entry below row 1.")
    return Sheet(path, columns, rows, long_rows)


def check_columns(sheet: Sheet, problems: Problems, required: tuple[str, ...], optional: tuple[str, ...]) -> list[str]:
    """Report missing and repeated columns; return the columns that will be ignored."""
    names = [n for n in sheet.columns if n]
    expected = ", ".join(required) + (f" (and optionally {', '.join(optional)})" if optional else "")
    for name in required:
        if name not in names:
            near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f" (is {near[0]!r} meant to be {name}? rename it)" if near else ""
            problems.add(f"there is no {name} column{hint}; row 1 must name the columns {expected}. "
                         f"Found: {', '.join(names) or 'nothing'}.")
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(f"the column {name} appears {names.count(name)} times in row 1; keep one of them")
    for row in sheet.long_rows:
        problems.add("the row has more cells than row 1 has column names; a comma inside a value needs the "
                     "cell in quotes, or remove the extra cells", row)
    return [n for n in dict.fromkeys(names) if n not in required and n not in optional]


# ----------------------------------------------------------------------------- cell parsers


def _sector_key(text: str) -> str:
    key = " ".join(text.lower().replace("&", " and ").split())
    return key.removesuffix(" sector").removesuffix(" organisation").strip()


def parse_sector(text: str) -> tuple[str | None, str | None]:
    """(sector, None) for a sector written in any case; (None, message) otherwise.

    The message suggests the nearest sector for a near miss ("voluntary" ->
    "voluntary and community") and lists them all.

    Examples
    --------
    >>> parse_sector("Voluntary and Community")
    ('voluntary and community', None)
    >>> parse_sector("voluntary")[1].split(";")[0]
    "'voluntary' is not one of the sectors"
    """
    key = _sector_key(text)
    if key in SECTORS:
        return key, None
    near = _near_sector(key)
    hint = f"; did you mean '{near}'?" if near else ""
    return None, f"{text!r} is not one of the sectors{hint} Use one of: {', '.join(SECTORS)}."


def _near_sector(key: str) -> str | None:
    if not key:
        return None
    starting = [s for s in SECTORS if s.startswith(key) or key in s.split()]
    if len(starting) == 1:
        return starting[0]
    for word, sector in SECTOR_HINTS.items():
        if word in key:
            return sector
    near = difflib.get_close_matches(key, SECTORS, n=1, cutoff=0.6)
    return near[0] if near else None


def parse_yes_no(text: str) -> bool | None:
    """True/False for yes/no/true/false/1/0 (any case; blank is no); None when unreadable."""
    key = text.strip().lower()
    if key in YES:
        return True
    if key in NO:
        return False
    return None


def parse_whole_number(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,6}", text.strip()) else None


# ----------------------------------------------------------------------------- workshop files


def create_workshop_from_file(session: Session, path: str | Path, created_by: int | None = None) -> Workshop:
    """Create a workshop from a TOML file.

    The file holds ``title`` and optionally ``subregion``, ``date`` (YYYY-MM-DD), ``venue``,
    ``tables`` (default 6) and ``dots_per_participant`` (default 5), then one ``[[round]]``
    table per round with ``question`` and ``minutes`` (default 25).

    Examples
    --------
    >>> create_workshop_from_file(session, "black-country.toml")  # doctest: +SKIP
    """
    spec = _read_toml(Path(path))
    rounds = spec.get("round") or spec.get("rounds") or []
    if not isinstance(rounds, list) or not all(isinstance(r, dict) and r.get("question") for r in rounds):
        raise InvalidWorkshopFile(f"{path}: each round needs a [[round]] table with a question = \"...\" line.")
    return create_workshop(
        session, title=str(spec.get("title", "")), tables=int(spec.get("tables", 6)),
        rounds=[RoundSpec(str(r["question"]), int(r.get("minutes", 25))) for r in rounds],
        subregion_code=spec.get("subregion"), on=_toml_date(path, spec.get("date")), venue=spec.get("venue"),
        dots_per_participant=int(spec.get("dots_per_participant", 5)), created_by=created_by,
    )


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise InvalidWorkshopFile(f"{path}: file not found. Check the path (relative paths start at {Path.cwd()}).")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidWorkshopFile(f"{path}: a workshop file must be UTF-8 text; save it again as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidWorkshopFile(f"{path}: not valid TOML ({exc}). Put text values in double quotes.") from None


def _toml_date(path, value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidWorkshopFile(f"{path}: date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2023-06-14.") from None


# ----------------------------------------------------------------------------- paper notes


@dataclass(frozen=True)
class NotesImportResult:
    """What :func:`import_notes` stored: ``added`` new notes, ``already`` notes skipped
    because an earlier import of the same rows stored them, ``ignored_columns``."""

    workshop_id: int
    added: int
    already: int
    ignored_columns: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"Imported {self.added} notes into workshop {self.workshop_id}"
        if self.already:
            text += f"; {self.already} were already imported and were skipped"
        if self.ignored_columns:
            text += f"; ignored the column(s) {', '.join(self.ignored_columns)}"
        return text + "."


def import_notes(session: Session, workshop_id: int, path: str | Path) -> NotesImportResult:
    """Import typed-up paper notes (CSV or XLSX) into a workshop; all rows or none.

    Parameters
    ----------
    session : an open session; the caller commits.
    workshop_id : the workshop the notes belong to.
    path : a file with the columns ``round, table, text`` and optionally ``sector``
        and ``workshop`` (the id or join code; every row must name this workshop).

    Raises
    ------
    InvalidWorkshopFile
        Listing every problem (``exc.errors``), each with the row, column and fix; nothing
        has been written.

    Examples
    --------
    >>> result = import_notes(session, 3, "flipcharts.csv")  # doctest: +SKIP
    >>> result.summary()  # doctest: +SKIP
    'Imported 42 notes into workshop 3.'
    """
    workshop = get_workshop(session, workshop_id)
    sheet = read_sheet(path, NOTE_ALIASES)
    problems = Problems(sheet)
    ignored = check_columns(sheet, problems, NOTE_COLUMNS, NOTE_OPTIONAL)
    problems.raise_if_any()
    rounds = {r.number for r in rounds_of(session, workshop.id)}
    notes = [note for number, cells in sheet.rows
             if (note := _check_note(number, cells, workshop, rounds, problems)) is not None]
    problems.raise_if_any()
    added, already = _store_notes(session, workshop.id, notes)
    return NotesImportResult(workshop.id, added, already, tuple(ignored))


def _check_note(row: int, cells: dict, workshop: Workshop, rounds: set[int], problems: Problems) -> dict | None:
    before = len(problems)
    cells = {column: text if column == "text" else clean_text(text, single_line=True) for column, text in cells.items()}
    given = cells.get("workshop", "")
    if given and given.upper() not in (str(workshop.id), workshop.join_code):
        problems.add(f"{given!r} is not this workshop ({workshop.id}, code {workshop.join_code}); import the row "
                     f"into workshop {given} instead, or remove the workshop column", row, "workshop")
    round_ = parse_whole_number(cells.get("round", ""))
    if round_ not in rounds:
        what = "is empty" if not cells.get("round") else f"{cells['round']!r} is not a round of this workshop"
        problems.add(f"the round {what}; write a round number from {min(rounds)} to {max(rounds)}", row, "round")
    table = parse_whole_number(cells.get("table", ""))
    if table is None or not 1 <= table <= workshop.tables:
        what = "is empty" if not cells.get("table") else f"{cells['table']!r} is not a table of this workshop"
        problems.add(f"the table {what}; write a table number from 1 to {workshop.tables}", row, "table")
    text = _note_text(row, cells.get("text", ""), problems)
    sector = None
    if cells.get("sector"):
        sector, message = parse_sector(cells["sector"])
        if message:
            problems.add(message + " Or leave the cell empty.", row, "sector")
    if len(problems) > before:
        return None
    return dict(round_number=round_, table_number=table, text=text, sector=sector)


def _note_text(row: int, text: str, problems: Problems) -> str:
    # One kind of line break whatever the file's (CRLF from Windows, CR from Excel for Mac).
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text:
        problems.add("the note is empty; write the note's text, or delete the row", row, "text")
    elif len(text) > MAX_TEXT:
        problems.add(f"the note is {len(text):,} characters long; the limit is {MAX_TEXT:,}. "
                     "Split it into separate notes, one idea per row", row, "text")
    return text


def _store_notes(session: Session, workshop_id: int, notes: list[dict]) -> tuple[int, int]:
    stored = set(session.scalars(select(Contribution.client_id).where(
        Contribution.workshop_id == workshop_id, Contribution.source == "import")))
    seen: dict[tuple, int] = {}
    added = already = 0
    for note in notes:
        key = (note["round_number"], note["table_number"], note["text"])
        seen[key] = seen.get(key, 0) + 1
        client_id = _note_id(*key, seen[key])
        if client_id in stored:
            already += 1
            continue
        session.add(Contribution(workshop_id=workshop_id, kind="note", source="import", client_id=client_id, **note))
        added += 1
    session.flush()
    return added, already


def _note_id(round_number: int, table_number: int, text: str, occurrence: int) -> str:
    """The same note (round, table, text, and which copy of it) always gets the same id."""
    digest = hashlib.sha256(f"{round_number}\x1f{table_number}\x1f{text}\x1f{occurrence}".encode()).hexdigest()
    return f"import-{digest[:40]}"
