"""Import indicator values from tidy CSV or XLSX files (`lpip data import`).

The file has the shape of ONS "Explore local statistics" (ELS) data: one row per area and
period with the columns ``areacd, period, value`` and optionally ``lci, uci, status,
numerator, denominator``, plus an ``indicator`` (or ``indicator_id``) column unless the
indicator is named by the caller. ``areanm`` and any other column are read and ignored; the
column names of ELS downloads (``lci_95``, ``Lower Confidence Interval (95%)`` ...) are
understood too.

The import is all or nothing. The whole file is checked first and every problem is
reported at once, each naming the file, the row as a spreadsheet shows it (the header is
row 1), the column and the fix; nothing is written unless the file is clean. Then all rows
are written in the caller's transaction. A row whose (indicator, area, period) is already
stored replaces the stored value (counted as ``replaced``, even when identical), so
importing a file twice never creates duplicates; stored values that the file does not
mention are kept.

A new indicator (origin "user") takes its metadata from a dict (the command-line options)
and/or a CSV-on-the-Web metadata file; see :func:`read_csvw_metadata` for the mapping.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lpip.db import bulk_insert
from lpip.errors import InvalidIndicatorFile
from lpip.evidence.models import POLARITIES, THEMES, VALUE_TYPES, Dataset, Indicator, IndicatorValue
from lpip.geography.codes import is_gss_code, level_of_code, suggestion
from lpip.geography.models import LEVELS, Area
from lpip.spreadsheets import CSV_SUFFIXES, read_records
from lpip.text import clean_text

REQUIRED_COLUMNS = ("areacd", "period", "value")
NUMBER_COLUMNS = ("value", "lci", "uci", "numerator", "denominator")
INDICATOR_COLUMNS = ("indicator", "indicator_id")
READ_COLUMNS = (*REQUIRED_COLUMNS, *NUMBER_COLUMNS[1:], "status", *INDICATOR_COLUMNS)
# ELS API downloads say lci_95/uci_95; files in the ELS data repository use the CSVW titles.
COLUMN_ALIASES = {
    "lci_95": "lci", "uci_95": "uci", "area code": "areacd", "area name": "areanm",
    "lower confidence interval (95%)": "lci", "upper confidence interval (95%)": "uci",
    "observation status": "status", "time period": "period", "observation value": "value",
}
REQUIRED_METADATA = ("title", "theme", "unit", "polarity", "value_type")
METADATA_FIELDS = (*REQUIRED_METADATA, "source", "publisher", "licence", "levels", "description")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
LEVEL_NOUNS = {
    "lsoa": "LSOA", "msoa": "MSOA", "lad": "local authority", "county": "county",
    "cauth": "combined authority", "region": "region", "country": "country", "itl3": "ITL3 area",
    "itl2": "ITL2 area", "itl1": "ITL1 area", "subregion": "sub-region", "lep": "LEP area",
    "custom": "custom area",
}
MAX_SUGGESTIONS = 10  # a full nearest-code search over 33,000 LSOAs takes a second; later rows get none
OGL = re.compile(r"^https?://www\.nationalarchives\.gov\.uk/doc/open-government-licence/version/3/?$")


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_indicator_file` stored.

    Attributes
    ----------
    indicator_id : the indicator the values went to.
    rows : data rows imported (``new + replaced``).
    new : rows for an (area, period) the indicator had no value for.
    replaced : rows that overwrote a stored value (identical or not).
    created_indicator : True when the import created the indicator.
    ignored_columns : columns of the file that lpip does not store (e.g. ``areanm``).
    metadata_ignored : True when metadata was given for an indicator that already existed.
    """

    indicator_id: str
    rows: int
    new: int
    replaced: int
    created_indicator: bool
    ignored_columns: tuple[str, ...] = ()
    metadata_ignored: bool = False

    def summary(self) -> str:
        """One line for people: what went where."""
        created = " (new indicator)" if self.created_indicator else ""
        text = f"Imported {self.rows} rows into {self.indicator_id}{created}: {self.new} new, {self.replaced} replaced."
        if self.metadata_ignored:
            text += f" Metadata options were not used: {self.indicator_id} already exists."
        return text


@dataclass
class Table:
    """A data file's cells as stripped text: ``frame`` is indexed by spreadsheet row number
    and has one column per named column; ``columns`` are all names in file order."""

    path: Path
    columns: list[str]
    frame: pd.DataFrame
    long_rows: dict[int, int] = field(default_factory=dict)
    unnamed_with_data: list[int] = field(default_factory=list)

    def letter(self, column: str) -> str:
        return _letter(self.columns.index(column))


class Problems:
    """Every problem found in one import, sorted and worded the way a spreadsheet user looks."""

    def __init__(self, table: Table):
        self.table = table
        self._items: list[tuple[int, int, str]] = []

    def add(self, text: str, row: int = 0, column: str | None = None, where: str | None = None) -> None:
        position = self.table.columns.index(column) if column in self.table.columns else -1
        self._items.append((row, position, self._place(row, column, where) + text))

    def _place(self, row: int, column: str | None, where: str | None) -> str:
        if where:
            return f"{where}: "
        parts = [f"row {row}"] if row else []
        if column in self.table.columns:
            parts.append(f"column {self.table.letter(column)} ({column})")
        return f"{self.table.path.name} {', '.join(parts)}: " if parts else f"{self.table.path.name}: "

    def __len__(self) -> int:
        return len(self._items)

    def messages(self) -> list[str]:
        return [text for _row, _position, text in sorted(self._items, key=lambda item: item[:2])]


@dataclass
class Target:
    """The indicator the rows go to: an existing one, or the fields of a new one."""

    indicator_id: str | None
    existing: Indicator | None = None
    fields: dict | None = None
    metadata_ignored: bool = False

    @property
    def levels(self) -> list[str] | None:
        if self.existing is not None:
            return self.existing.level_list
        return (self.fields or {}).get("levels") or None


# ----------------------------------------------------------------------------- the import


def import_indicator_file(
    session: Session,
    path: str | Path,
    indicator_id: str | None = None,
    metadata: dict | None = None,
    metadata_file: str | Path | None = None,
) -> ImportResult:
    """Import a tidy CSV or XLSX file of indicator values; all or nothing.

    Parameters
    ----------
    session : an open session; the caller commits (``db.session_scope`` does).
    path : the data file (``.csv`` in UTF-8 or Windows-1252, or ``.xlsx``, first sheet).
    indicator_id : where the values go; else the file's ``indicator`` column, else
        ``dc:identifier`` in the metadata file.
    metadata : fields for a new indicator (``title, theme, unit, polarity, value_type``
        required; ``source, publisher, licence, levels, description`` optional). Used only
        when the indicator does not exist yet; wins over ``metadata_file``.
    metadata_file : a CSVW metadata JSON file, read with :func:`read_csvw_metadata`.

    Raises
    ------
    InvalidIndicatorFile
        Listing every problem (``exc.errors``); nothing has been written.

    Examples
    --------
    >>> result = import_indicator_file(session, "level3.csv", indicator_id="nvq3_plus")  # doctest: +SKIP
    >>> result.new, result.replaced  # doctest: +SKIP
    (0, 6)
    """
    path = Path(path)
    table = read_table(path)
    problems = Problems(table)
    check_columns(table, problems)
    csvw = read_csvw_metadata(metadata_file) if metadata_file is not None else {}
    target = resolve_indicator(session, table, problems, indicator_id, metadata, csvw, metadata_file)
    rows = check_rows(session, table, target, problems)
    if problems:
        raise InvalidIndicatorFile(
            f"{path}: nothing was imported because of {len(problems)} problem(s):", problems.messages()
        )
    return store_rows(session, table, target, rows)


# ----------------------------------------------------------------------------- reading files


def read_table(path: str | Path) -> Table:
    """A CSV or XLSX file's cells as text; :class:`InvalidIndicatorFile` if it cannot be read."""
    path = Path(path)
    records = read_records(
        path, InvalidIndicatorFile, "Put the column names in row 1 and one row per area and period below."
    )
    # In a CSV every delimiter counts: a row with more cells than row 1, even if the extra
    # ones are empty, has a value split by an unquoted comma. Spreadsheets pad rows with empty
    # cells, so there only non-empty extra cells count.
    return _table(path, records, strict_width=path.suffix.lower() in CSV_SUFFIXES)


def _column_name(header: str) -> str:
    name = " ".join(clean_text(header, single_line=True).split()).lower()
    return COLUMN_ALIASES.get(name, name)


def _table(path: Path, records: list[list[str]], strict_width: bool = False) -> Table:
    if not records or not any(cell.strip() for record in records for cell in record):
        raise InvalidIndicatorFile(f"{path}: the file is empty. Put the column names in row 1 and one row per area and period below.")
    columns = [_column_name(cell) for cell in records[0]]
    if not any(columns):
        raise InvalidIndicatorFile(f"{path}: row 1 is empty. Row 1 must hold the column names: areacd, period, value ...")
    width, long_rows, data = len(columns), {}, {}
    for number, record in enumerate(records[1:], start=2):
        # Control, zero-width and bidi characters out, the same way for SQLite and PostgreSQL.
        cells = [clean_text(cell, single_line=True) for cell in record]
        if any(cells[width:]):
            long_rows[number] = len(cells) - next(i for i, c in enumerate(reversed(cells)) if c)
        elif strict_width and len(cells) > width and any(cells):
            long_rows[number] = len(cells)
        cells = (cells + [""] * width)[:width]
        if any(cells):
            data[number] = cells
    if not data:
        raise InvalidIndicatorFile(f"{path}: the file has a header but no data rows. Add one row per area and period.")
    frame = pd.DataFrame.from_dict(data, orient="index", columns=range(width), dtype=object)
    unnamed = [i for i, name in enumerate(columns) if not name and frame[i].astype(bool).any()]
    return Table(path, columns, _named(frame, columns), long_rows, unnamed)


def _named(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Keep the first column of each name; duplicates and blanks are reported by check_columns."""
    keep = {name: position for position, name in reversed(list(enumerate(columns))) if name}
    keep = dict(sorted(keep.items(), key=lambda item: item[1]))
    return frame[list(keep.values())].set_axis(list(keep), axis=1)


def check_columns(table: Table, problems: Problems) -> None:
    """Missing, repeated and unnamed columns, and rows with more cells than the header."""
    names = table.columns
    for name in REQUIRED_COLUMNS:
        if name not in names:
            near = difflib.get_close_matches(name, [n for n in names if n], n=1, cutoff=0.6)
            hint = f" (is {near[0]!r} meant to be {name}? rename it)" if near else ""
            problems.add(
                f"there is no {name} column{hint}; row 1 must name the columns areacd, period, value "
                f"(and optionally lci, uci, status). Found: {', '.join(n for n in names if n) or 'nothing'}."
            )
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        problems.add(f"the column {name} appears {names.count(name)} times in row 1; keep one of them")
    for position in table.unnamed_with_data:
        problems.add(f"column {_letter(position)} has values but no name in row 1; name it or delete the column")
    for row, count in table.long_rows.items():
        problems.add(
            f"the row has {count} cells but row 1 names {len(names)} columns; a comma inside a value "
            "(such as 1,234 or a name) needs the cell in quotes, or remove the extra cells", row
        )


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


# ----------------------------------------------------------------------------- the indicator


def resolve_indicator(
    session: Session, table: Table, problems: Problems, indicator_id: str | None,
    metadata: dict | None, csvw: dict, metadata_file: str | Path | None,
) -> Target:
    """The indicator named by the caller, the file or the metadata; a new one's checked fields."""
    from_file = _file_indicator(session, table, problems, indicator_id)
    chosen = indicator_id or from_file or _text(csvw.get("id"))
    if not chosen:
        problems.add("no indicator is named: add an indicator column or give --indicator ID")
        return Target(None)
    existing = session.get(Indicator, chosen)
    if existing is not None:
        return Target(chosen, existing=existing, metadata_ignored=bool(metadata or csvw))
    if not ID_PATTERN.match(chosen):
        problems.add(
            f"{chosen!r} cannot be an indicator id; use up to 80 lower-case letters, digits, '_' "
            "and '-', e.g. level3_worcestershire"
        )
        return Target(None)
    fields = new_indicator_fields(session, chosen, table, problems, metadata or {}, csvw, metadata_file)
    return Target(chosen, fields=fields)


def _file_indicator(session: Session, table: Table, problems: Problems, given: str | None) -> str | None:
    present = [name for name in INDICATOR_COLUMNS if name in table.frame]
    if not present:
        return None
    if len(present) > 1:
        problems.add("there are both indicator and indicator_id columns; keep one of them")
    column = present[0]
    ids = sorted(set(table.frame[column]) - {""})
    if len(ids) > 1:
        shown = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
        problems.add(f"the file holds {len(ids)} indicators ({shown}); import one indicator per file", column=column)
        return None
    if not ids:
        if not given:
            problems.add("the column is empty; fill in the indicator id or give --indicator ID", column=column)
        return None
    if given and ids[0] != given and session.get(Indicator, ids[0]) is not None:
        problems.add(
            f"the file says the values are {ids[0]}, another indicator, but --indicator is {given}; "
            "correct one of them", column=column
        )
    # With --indicator the column may hold a label, such as the indicator title in ELS downloads.
    return None if given else ids[0]


def new_indicator_fields(
    session: Session, indicator_id: str, table: Table, problems: Problems,
    metadata: dict, csvw: dict, metadata_file: str | Path | None,
) -> dict:
    """Checked fields of a new indicator: ``metadata`` wins over the CSVW file; defaults for the rest."""
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    if unknown:
        problems.add(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(METADATA_FIELDS)}", where="metadata")
    csvw_origin = Path(metadata_file).name if metadata_file is not None else "metadata file"
    merged = {key: (value, csvw_origin) for key, value in csvw.items() if key in METADATA_FIELDS and value not in (None, "", [])}
    merged |= {key: (value, "metadata") for key, value in metadata.items() if key in METADATA_FIELDS and value not in (None, "", [])}
    missing = [key for key in REQUIRED_METADATA if key not in merged]
    if missing:
        options = ", ".join("--" + key.replace("_", "-") for key in missing)
        known = session.scalars(select(Indicator.id)).all()
        near = difflib.get_close_matches(indicator_id, known, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        problems.add(
            f"there is no indicator {indicator_id} yet{hint}; to create it give {options} "
            "or a CSVW metadata file (--metadata FILE.json) that has them"
        )
    fields = {key: _checked_field(key, value, origin, problems) for key, (value, origin) in merged.items()}
    fields.setdefault("source", f"imported from {table.path.name}")
    fields.setdefault("publisher", "not stated")
    fields.setdefault("licence", "not stated")
    return fields


def _checked_field(key: str, value, origin: str, problems: Problems):
    choices = {"theme": THEMES, "polarity": POLARITIES, "value_type": VALUE_TYPES}
    if key in choices:
        return _choice(key, str(value), choices[key], origin, problems)
    if key == "levels":
        names = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, list) else [value]
        chosen = [_choice("level", str(name), LEVELS, origin, problems) for name in names if str(name).strip()]
        return [level for level in chosen if level in LEVELS]  # the others are reported
    text = str(value).strip()
    length = Indicator.__table__.c[key].type.length
    if length and len(text) > length:
        problems.add(f"{key} is {len(text)} characters long; shorten it to {length}", where=origin)
    return text


def _choice(key: str, value: str, allowed: tuple[str, ...], origin: str, problems: Problems) -> str:
    match = {choice.lower(): choice for choice in allowed}.get(value.strip().lower())
    if match is not None:
        return match
    near = difflib.get_close_matches(value.strip().lower(), allowed, n=1, cutoff=0.4)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    problems.add(f"{key} {value!r} is not one of: {', '.join(allowed)}{hint}", where=origin)
    return value


# ----------------------------------------------------------------------------- CSVW metadata

# Where each indicator field is looked for in a CSVW metadata file, first match wins. Keys are
# looked up on the table description, then on the table group; dct: and dcterms: count as dc:.
CSVW_KEYS = {
    "id": ("lpip:id", "dc:identifier"),
    "title": ("lpip:title", "dc:title", "schema:name"),
    "description": ("lpip:description", "dc:description", "schema:description"),
    "theme": ("lpip:theme", "dcat:theme", "dc:subject"),
    "unit": ("lpip:unit", "schema:unitText"),
    "polarity": ("lpip:polarity",),
    "value_type": ("lpip:valueType",),
    "source": ("lpip:source", "dc:source", "prov:wasDerivedFrom"),
    "publisher": ("lpip:publisher", "dc:publisher", "schema:publisher"),
    "licence": ("lpip:licence", "dc:license", "schema:license"),
    "levels": ("lpip:levels",),
}
ELS_POLARITY = {"1": "higher is better", "-1": "lower is better", "0": "no judgement"}
ELS_MEASURES = {
    "percentage": "proportion", "proportion": "proportion", "rate": "rate", "count": "count",
    "number": "count", "median": "median", "mean": "mean", "average": "mean", "index": "index",
    "score": "score", "rank": "rank", "decile": "decile",
}
ELS_LEVELS = {"ltla": "lad", "utla": "county", "cauth": "cauth", "rgn": "region", "ctry": "country"}


def read_csvw_metadata(path: str | Path) -> dict:
    """Indicator fields from a CSV-on-the-Web metadata file (``*.csv-metadata.json``).

    The mapping (first key found wins; ``dct:``/``dcterms:`` are read as ``dc:``):

    ==============  ===============================================================
    field           CSVW key, then the ONS ELS ``metadata.indicators[0]`` fallback
    ==============  ===============================================================
    id              ``lpip:id``, ``dc:identifier``
    title           ``lpip:title``, ``dc:title``, ``schema:name``; ELS ``label``
    description     ``lpip:description``, ``dc:description``; ELS ``longDescription``
    theme           ``lpip:theme``, ``dcat:theme``, ``dc:subject``
    unit            ``lpip:unit``, ``schema:unitText``; ELS ``unit``
    polarity        ``lpip:polarity``; ELS ``polarity`` (1 higher is better, -1 lower,
                    0 no judgement)
    value_type      ``lpip:valueType``; ELS ``measure`` (Percentage -> proportion ...)
    source          ``lpip:source``, ``dc:source``, ``prov:wasDerivedFrom``; ELS
                    ``metadata.source[0]`` (name and link)
    publisher       ``lpip:publisher``, ``dc:publisher``, ``schema:publisher``
    licence         ``lpip:licence``, ``dc:license``, ``schema:license`` (the OGL v3 URL
                    becomes ``OGL-UK-3.0``)
    levels          ``lpip:levels``; ELS ``metadata.geography.levels`` (ltla -> lad,
                    utla -> county, rgn -> region, ctry -> country)
    ==============  ===============================================================

    Values may be strings, numbers, ``{"@value": ...}``, ``{"@id": ...}``, objects with a
    ``name``, or lists (the first item). Only fields found are returned; they are checked
    when an indicator is created from them.

    Examples
    --------
    >>> read_csvw_metadata("level3.csv-metadata.json")["title"]  # doctest: +SKIP
    'Aged 16 to 64 years level 3 or above qualifications'
    """
    path = Path(path)
    document = _read_json(path)
    tables = document.get("tables")
    table = tables[0] if isinstance(tables, list) and tables and isinstance(tables[0], dict) else {}
    nodes = [_dc_keys(table), _dc_keys(document)]
    fields = {key: _first(nodes, names) for key, names in CSVW_KEYS.items()}
    fields = {key: _plain_list(value) if key == "levels" else _plain(value) for key, value in fields.items()}
    fields = {key: value for key, value in fields.items() if value not in (None, "", [])}
    for key, value in _els_fields(document).items():
        fields.setdefault(key, value)
    if "licence" in fields and OGL.match(str(fields["licence"])):
        fields["licence"] = "OGL-UK-3.0"
    return fields


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise InvalidIndicatorFile(f"{path}: metadata file not found. Check the path given to --metadata.")
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidIndicatorFile(f"{path}: cannot read it as UTF-8 JSON ({exc}). Check it with a JSON validator.") from None
    except RecursionError:
        raise InvalidIndicatorFile(f"{path}: the JSON is nested too deeply to be a CSVW metadata file "
                                   "(lists or objects inside each other hundreds of times).") from None
    if not isinstance(document, dict):
        raise InvalidIndicatorFile(f"{path}: a CSVW metadata file is a JSON object ({{...}}), not a {type(document).__name__}.")
    return document


def _dc_keys(node: dict) -> dict:
    return {re.sub(r"^(dct|dcterms):", "dc:", key): value for key, value in node.items()}


def _first(nodes: list[dict], names: tuple[str, ...]):
    for name in names:
        for node in nodes:
            if name in node:
                return node[name]
    return None


# A metadata file is someone else's JSON: every value below may be of any type, or nested deeply.
MAX_JSON_DEPTH = 10


def _plain(value):
    """A JSON-LD value as plain text (or number): the first of a list, the value of an object;
    None for anything else (nested more than :data:`MAX_JSON_DEPTH` levels, true/false, null)."""
    for _ in range(MAX_JSON_DEPTH):
        if isinstance(value, list):
            value = value[0] if value else None
        elif isinstance(value, dict):
            value = next((value[key] for key in ("@value", "name", "schema:name", "rdfs:label", "@id", "url")
                          if key in value), None)
        else:
            break
    return _text(value)


def _text(value) -> str | None:
    """A JSON scalar as text: strings and finite numbers; None for the rest."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value) if math.isfinite(value) else None
    return clean_text(value, single_line=True) if isinstance(value, str) else None


def _plain_list(value) -> list:
    """A list of texts from a JSON list or a comma-separated text."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list):
        return []
    return [text for text in (_plain(item) for item in value) if text]


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _els_fields(document: dict) -> dict:
    """Fields from the ``metadata`` block ONS ELS adds to its CSVW files."""
    meta = _object(document.get("metadata"))
    indicators = meta.get("indicators")
    first = _object(indicators[0]) if isinstance(indicators, list) and indicators else {}
    polarity, measure = _plain(first.get("polarity")), _plain(first.get("measure"))
    fields = {
        "title": _plain(first.get("label")),
        "description": _plain(first.get("longDescription")) or _plain(first.get("subtitle")),
        "unit": _plain(first.get("unit")),
        "polarity": ELS_POLARITY.get(polarity, polarity),
        "value_type": ELS_MEASURES.get(str(measure or "").lower(), measure),
        "source": _els_source(meta.get("source")),
        "levels": _els_levels(_object(meta.get("geography")).get("levels")),
    }
    return {key: value for key, value in fields.items() if value not in (None, "", [])}


def _els_source(sources) -> str | None:
    if not isinstance(sources, list) or not sources or not isinstance(sources[0], dict):
        return None
    name, link = _plain(sources[0].get("name")), _plain(sources[0].get("href"))
    return f"{name} ({link})" if name and link else name or link


def _els_levels(levels) -> list[str]:
    if not isinstance(levels, list):
        return []
    mapped = [ELS_LEVELS[level] for level in levels if isinstance(level, str) and level in ELS_LEVELS]
    if "county" in mapped:
        mapped.append("lad")  # ELS upper tier includes unitary authorities, stored here as lad
    return [level for level in LEVELS if level in mapped]


# ----------------------------------------------------------------------------- the rows


def check_rows(session: Session, table: Table, target: Target, problems: Problems) -> pd.DataFrame:
    """Check every row; the clean values as a frame named like the indicator_value table."""
    frame = table.frame
    areas = {code: (name, level) for code, name, level in session.execute(select(Area.code, Area.name, Area.level))}
    codes = check_areas(frame, areas, target, problems)
    periods = check_text(frame, "period", problems, required=True)
    status = check_text(frame, "status", problems, required=False)
    numbers = {column: check_numbers(frame, column, problems) for column in NUMBER_COLUMNS if column in frame}
    check_missing_values(numbers.get("value"), status, problems)
    check_intervals(numbers.get("lci"), numbers.get("uci"), problems)
    check_denominators(numbers.get("denominator"), problems)
    check_duplicates(codes, periods, problems)
    empty = dict.fromkeys(frame.index)
    return pd.DataFrame({
        "area_code": codes or empty, "period": periods or empty, "value": numbers.get("value", empty),
        "lower_ci": numbers.get("lci", empty), "upper_ci": numbers.get("uci", empty),
        "numerator": numbers.get("numerator", empty), "denominator": numbers.get("denominator", empty),
        "status": {row: text or None for row, text in (status or empty).items()},
        "level": {row: areas.get(code, (None, None))[1] for row, code in (codes or empty).items()},
    }, index=frame.index, dtype=object)


def check_areas(frame: pd.DataFrame, areas: dict, target: Target, problems: Problems) -> dict[int, str] | None:
    """Area codes, upper-cased; unknown, malformed and wrong-level codes reported per row."""
    if "areacd" not in frame:
        return None
    verdict = AreaVerdict(areas, target)
    codes = {}
    for row, text in frame["areacd"].items():
        code = text.upper() if text.upper() in areas else text
        message = verdict.problem(code)
        if message:
            problems.add(message, row, "areacd")
        codes[row] = code
    return codes


class AreaVerdict:
    """What is wrong with an area code, if anything; remembered per code, since a file
    repeats each code once per period."""

    def __init__(self, areas: dict[str, tuple[str, str]], target: Target):
        self.areas, self.target = areas, target
        self._seen: dict[str, str | None] = {}
        self._names: dict[str, str] | None = None
        self._by_name: dict[str, str] | None = None
        self._suggested = 0

    def problem(self, code: str) -> str | None:
        if code not in self._seen:
            self._seen[code] = self._judge(code)
        return self._seen[code]

    def _judge(self, code: str) -> str | None:
        if not code:
            return "the area code is empty; give a GSS code such as E08000025 (Birmingham)"
        if code in self.areas:
            return self._level_problem(code)
        if is_gss_code(code.upper()) and code[0].upper() != "E":
            return f"area code {code} is not English; lpip holds areas in England only, so remove the row"
        if is_gss_code(code.upper()):
            noun = LEVEL_NOUNS.get(level_of_code(code.upper()) or "", "area")
            return f"area code {code} is not a known {noun}{self._hint(code)}"
        return f"area code {code!r} is not a GSS code (a letter and eight digits, e.g. E08000025){self._name_hint(code)}"

    def _level_problem(self, code: str) -> str | None:
        name, level = self.areas[code]
        allowed = self.target.levels
        if not allowed or level in allowed:
            return None
        kinds = ", ".join(LEVEL_NOUNS[lv] for lv in allowed)
        if self.target.existing is not None:
            return (f"area {code} ({name}) is a {LEVEL_NOUNS[level]}, but indicator {self.target.indicator_id} "
                    f"takes {kinds} values only; remove the row, or import such rows as a separate indicator")
        return (f"area {code} ({name}) is a {LEVEL_NOUNS[level]}, but the levels given for the new indicator "
                f"are {', '.join(allowed)}; add {level} to the levels (--levels) or remove the row")

    def _hint(self, code: str) -> str:
        self._suggested += 1
        if self._suggested > MAX_SUGGESTIONS:
            return "; see `lpip areas list` for known codes"
        # Most typos change a character or two; searching those codes first is a hundred times quicker.
        typos = {known: name for known, name in self.names.items()
                 if len(known) == len(code) and sum(a != b for a, b in zip(known, code.upper())) <= 2}
        return suggestion(code, typos or self.names)

    def _name_hint(self, text: str) -> str:
        if self._by_name is None:
            self._by_name = {name.lower(): code for code, name in sorted(self.names.items(), reverse=True)}
        code = self._by_name.get(text.lower())
        if code:
            return f"; the column needs codes, not names: did you mean {code} ({self.names[code]})?"
        return self._hint(text) if re.match(r"^[A-Za-z]\d+$", text) else ""

    @property
    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = {code: name for code, (name, _level) in self.areas.items()}
        return self._names


def check_text(frame: pd.DataFrame, column: str, problems: Problems, required: bool) -> dict[int, str] | None:
    """A text column's cells; empty (when required) and over-long cells reported."""
    if column not in frame:
        return None
    length = IndicatorValue.__table__.c[column].type.length
    for row, text in frame[column].items():
        if required and not text:
            problems.add(f"the {column} is empty; give the time period, e.g. 2021 or 2021/22", row, column)
        elif len(text) > length:
            problems.add(f"the {column} is {len(text)} characters long; shorten it to {length}", row, column)
    return dict(frame[column].items())


def parse_number(text: str) -> float | None:
    """A cell as a number (``1,234`` allowed); None when empty; ValueError when not a number or
    not finite (``1e999`` overflows to infinity, which no indicator value is)."""
    if not text:
        return None
    if THOUSANDS.match(text):
        text = text.replace(",", "")
    if not NUMBER.match(text):
        raise ValueError(text)
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def check_numbers(frame: pd.DataFrame, column: str, problems: Problems) -> dict[int, float | None]:
    """A number column parsed; cells that are not numbers reported (and kept as NaN)."""
    fix = ("write a plain number such as 46.0 (no % sign or units); if there is no value, leave the "
           "cell empty and say why in status" if column == "value" else
           "write a plain number such as 46.0 (no % sign or units), or leave the cell empty")
    numbers = {}
    for row, text in frame[column].items():
        try:
            numbers[row] = parse_number(text)
        except ValueError:
            what = "is too large to store" if NUMBER.match(text.replace(",", "")) else "is not a number"
            problems.add(f"{column} {text!r} {what}; {fix}", row, column)
            numbers[row] = float("nan")
    return numbers


def check_missing_values(values: dict | None, status: dict | None, problems: Problems) -> None:
    """An empty value needs a status that says why (ELS leaves suppressed values empty)."""
    for row, value in (values or {}).items():
        if value is None and not (status or {}).get(row):
            problems.add("the value is empty; give a number, or say in the status column why it is missing "
                         "(e.g. 'suppressed')", row, "value")


def check_intervals(lower: dict | None, upper: dict | None, problems: Problems) -> None:
    """Both bounds or neither, and the lower not above the upper."""
    if lower is None and upper is None:
        return
    lower, upper = lower or {}, upper or {}
    for row in sorted(set(lower) | set(upper)):
        low, high = lower.get(row), upper.get(row)
        if (low is None) != (high is None):
            given, empty = ("lci", "uci") if high is None else ("uci", "lci")
            problems.add(f"{empty} is empty but {given} is given; give both bounds of the interval or neither", row, empty)
        elif low is not None and low > high:
            problems.add(f"the lower bound (lci) {low:g} is above the upper bound (uci) {high:g}; "
                         "swap them or correct the values", row, "lci")


def check_denominators(denominators: dict | None, problems: Problems) -> None:
    for row, value in (denominators or {}).items():
        if value is not None and value <= 0:
            problems.add(f"denominator {value:g} is not above zero; give the population the value is a share of", row, "denominator")


def check_duplicates(codes: dict | None, periods: dict | None, problems: Problems) -> None:
    """One row per (area, period)."""
    if codes is None or periods is None:
        return
    first: dict[tuple[str, str], int] = {}
    for row, code in codes.items():
        key = (code, periods[row])
        if not all(key):
            continue
        if key in first:
            problems.add(f"area {code} and period {key[1]} are already in row {first[key]}; keep one of the two rows", row)
        else:
            first[key] = row


# ----------------------------------------------------------------------------- writing


def store_rows(session: Session, table: Table, target: Target, rows: pd.DataFrame) -> ImportResult:
    """Write the checked rows in the session's transaction: update stored keys, insert the rest."""
    created = target.existing is None
    levels = set(rows.pop("level"))
    if created:
        fields = dict(target.fields, levels=target.fields.get("levels") or [lv for lv in LEVELS if lv in levels])
        session.add(Indicator(id=target.indicator_id, origin="user", **_indicator_row(fields)))
        session.flush()
    dataset = _record_dataset(session, table.path, target, len(rows))
    stored = dict(
        ((area, period), value_id) for area, period, value_id in session.execute(
            select(IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.id)
            .where(IndicatorValue.indicator_id == target.indicator_id)
        )
    )
    records = [_value_record(record, target.indicator_id, dataset.id) for record in rows.to_dict("records")]
    updates = [dict(record, id=stored[key]) for record in records if (key := (record["area_code"], record["period"])) in stored]
    inserts = [record for record in records if (record["area_code"], record["period"]) not in stored]
    if updates:
        session.execute(update(IndicatorValue), updates)
    bulk_insert(session, IndicatorValue.__table__, inserts)
    session.flush()
    ignored = tuple(name for name in table.columns if name and name not in (*READ_COLUMNS, "areanm"))
    return ImportResult(
        indicator_id=target.indicator_id, rows=len(records), new=len(inserts), replaced=len(updates),
        created_indicator=created, ignored_columns=ignored, metadata_ignored=target.metadata_ignored,
    )


def _indicator_row(fields: dict) -> dict:
    row = {key: fields.get(key) for key in METADATA_FIELDS}
    row["levels"] = ",".join(fields.get("levels") or [])
    return row


def _value_record(record: dict, indicator_id: str, dataset_id: int) -> dict:
    # pandas turns None into NaN; PostgreSQL would store NaN as a number, not as missing.
    clean = {key: None if isinstance(value, float) and value != value else value for key, value in record.items()}
    return dict(clean, indicator_id=indicator_id, dataset_id=dataset_id)


def _record_dataset(session: Session, path: Path, target: Target, rows: int) -> Dataset:
    indicator = target.existing or session.get(Indicator, target.indicator_id)
    now = datetime.now(timezone.utc)
    dataset = Dataset(
        name=f"import {target.indicator_id} {now:%Y-%m-%dT%H:%M:%S} {uuid.uuid4().hex[:8]}",
        title=f"{path.name} imported into {target.indicator_id}"[:300],
        publisher=indicator.publisher, licence=indicator.licence, location=str(path.resolve()),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(), rows=rows, loaded_at=now,
    )
    session.add(dataset)
    session.flush()
    return dataset
