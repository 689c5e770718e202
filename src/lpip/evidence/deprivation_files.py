"""Deprivation summaries at the edges: reading LSOA files and area memberships, writing the
summary CSV with its CSVW metadata (method notes and the scale approximation caveat)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.bundled import IOD_RANKS, IOD_SCORES, bundled_path
from lpip.errors import InvalidDeprivationFile, UnknownAreaSet
from lpip.evidence.deprivation import (
    DOMAINS, LAD_CODE, LAD_NAME, LSOA_CODE, N_LSOAS, OUTPUT_COLUMNS, TOTAL,
    method_notes, numeric_columns, summarise_deprivation,
)
from lpip.geography.codes import suggestion
from lpip.geography.load import read_lsoa_lookup
from lpip.geography.models import LEVELS, Area, AreaLink
from lpip.spreadsheets import write_csv
from lpip.tabledesc import Column, TableDescription, to_csvw

BUNDLED_INPUT = "bundled IoD2019 LSOA data (File 2 ranks and deciles, File 5 scores, File 6 denominators)"
RANK_COLUMNS = tuple(domain.rank for domain in DOMAINS)
DECILE_COLUMNS = tuple(domain.decile for domain in DOMAINS)
# Walking down the area links never needs more steps than this (region > county > LAD > MSOA > LSOA).
MAX_LINK_DEPTH = 12


def bundled_lsoa_table() -> pd.DataFrame:
    """The bundled IoD2019 LSOA table: ranks, deciles and denominators joined to the scores."""
    ranks = pd.read_csv(bundled_path(IOD_RANKS))
    scores = pd.read_csv(bundled_path(IOD_SCORES))
    return ranks.merge(scores, on=LSOA_CODE, how="left", validate="one_to_one")


def read_lsoa_file(path: Path) -> pd.DataFrame:
    """An LSOA CSV with IoD2019 File 7 column names, checked and with numbers parsed.

    Needs ``LSOA code (2011)``, the total population and at least one index's rank column;
    the LAD code and name are taken from the bundled ONS lookup when the file lacks them.
    Thousands separators ("1,296") are accepted. :class:`InvalidDeprivationFile` names the
    file, row (the header is row 1) and column of every problem.
    """
    path = Path(path)
    frame = _read_text_csv(path)
    _check_columns(frame, path)
    lookup = read_lsoa_lookup()
    _check_codes(frame, path, dict(zip(lookup.LSOA11CD, lookup.LSOA11NM)))
    frame = _parse_numbers(frame, path)
    _check_ranges(frame, path)
    return _with_lad_columns(frame, lookup)


def _read_text_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InvalidDeprivationFile(f"{path}: file not found. Check the path.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidDeprivationFile(f"{path}: cannot read it as a UTF-8 CSV file ({exc}).") from None
    # Spreadsheet exports of the IoD files often carry trailing spaces in headers.
    return frame.rename(columns=str.strip)


def _check_columns(frame: pd.DataFrame, path: Path) -> None:
    missing = [c for c in (LSOA_CODE, TOTAL) if c not in frame.columns]
    if not any(c in frame.columns for c in RANK_COLUMNS):
        missing.append(f"{RANK_COLUMNS[0]} (or another index's rank column)")
    if missing:
        raise InvalidDeprivationFile(
            f"{path}: missing column(s) {', '.join(repr(c) for c in missing)}. Use the column names "
            "of IoD2019 File 7 ('All ranks, deciles and scores'), which has every column lpip reads."
        )


def _check_codes(frame: pd.DataFrame, path: Path, known: dict[str, str]) -> None:
    codes = frame[LSOA_CODE].str.strip()
    problems = [
        f"row {i + 2}: {code!r} is not an LSOA (2011) code in the ONS lookup"
        + (suggestion(code, known) if n < 5 else "")
        for n, (i, code) in enumerate(codes[~codes.isin(known)].items())
    ]
    problems += [f"row {i + 2}: LSOA {code} appears again" for i, code in codes[codes.duplicated()].items()]
    if problems:
        raise InvalidDeprivationFile(
            f"{path}: {len(problems)} LSOA code problem(s); use 2011 LSOA codes (E01...), one row each:",
            problems,
        )
    frame[LSOA_CODE] = codes


def _parse_numbers(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    problems = []
    for column in [c for c in numeric_columns() if c in frame.columns]:
        text = frame[column].str.replace(",", "", regex=False).str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        for i in numbers.index[numbers.isna()]:
            problems.append(f"row {i + 2}, column {column!r}: {frame.at[i, column]!r} is not a number")
        frame[column] = numbers
    if problems:
        raise InvalidDeprivationFile(
            f"{path}: {len(problems)} value(s) are not numbers; fill every rank, decile, score and "
            "population with a number:",
            problems,
        )
    return frame


def _check_ranges(frame: pd.DataFrame, path: Path) -> None:
    problems = []
    for columns, low, high, what in (
        (RANK_COLUMNS, 1, N_LSOAS, f"a whole number from 1 to {N_LSOAS:,}"),
        (DECILE_COLUMNS, 1, 10, "a whole number from 1 to 10"),
    ):
        for column in [c for c in columns if c in frame.columns]:
            values = frame[column]
            bad = (values < low) | (values > high) | (values % 1 != 0)
            problems += [f"row {i + 2}, column {column!r}: {values[i]:g} is not {what}" for i in values.index[bad]]
    populations = [c for c in numeric_columns() if c.endswith("prisoners)") and c in frame.columns]
    for column in populations:
        problems += [f"row {i + 2}, column {column!r}: a population cannot be negative"
                     for i in frame.index[frame[column] < 0]]
    if problems:
        raise InvalidDeprivationFile(f"{path}: {len(problems)} value(s) out of range:", problems)


def _with_lad_columns(frame: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    if LAD_CODE in frame.columns and LAD_NAME in frame.columns:
        return frame
    lads = lookup.set_index("LSOA11CD")
    return frame.assign(**{
        LAD_CODE: frame[LSOA_CODE].map(lads["LAD19CD"]),
        LAD_NAME: frame[LSOA_CODE].map(lads["LAD19NM"]),
    })


def chosen_areas(session: Session, areas: str) -> pd.DataFrame:
    """The areas (code, name) of a custom set, or of an official or custom level;
    :class:`UnknownAreaSet` with the nearest name otherwise."""
    query = select(Area.code, Area.name).order_by(Area.code)
    rows = session.execute(query.where(Area.area_set == areas)).all()
    if not rows and areas in LEVELS and areas != "lsoa":
        rows = session.execute(query.where(Area.level == areas)).all()
    if not rows:
        sets = sorted(s for s in session.scalars(select(Area.area_set).distinct()) if s)
        names = ["lad", *sets, *(level for level in LEVELS if level not in ("lsoa", "lad", *sets))]
        near = difflib.get_close_matches(areas, names, n=1, cutoff=0.5)
        hint = f"; did you mean {near[0]!r}?" if near else "."
        raise UnknownAreaSet(
            f"There is no area set or level {areas!r}{hint} Known: {', '.join(names)}. "
            "Define your own with `lpip areas define-set NAME FILE.csv`."
        )
    return pd.DataFrame(rows, columns=["area_code", "area_name"])


def area_membership(session: Session, areas: str) -> pd.DataFrame:
    """Which LSOAs make up each area of a set or level (area_code, area_name, lsoa_code),
    following hierarchy and membership links down to LSOAs."""
    chosen = chosen_areas(session, areas)
    links = pd.DataFrame(session.execute(select(AreaLink.parent_code, AreaLink.child_code)).all(),
                         columns=["parent", "child"])
    lsoas = set(session.scalars(select(Area.code).where(Area.level == "lsoa")))
    frontier = pd.DataFrame({"area_code": chosen["area_code"], "node": chosen["area_code"]})
    found = [frontier[frontier["node"].isin(lsoas)]]
    for _ in range(MAX_LINK_DEPTH):
        step = frontier.merge(links, left_on="node", right_on="parent")[["area_code", "child"]]
        step = step.rename(columns={"child": "node"}).drop_duplicates()
        is_lsoa = step["node"].isin(lsoas)
        found.append(step[is_lsoa])
        frontier = step[~is_lsoa]
        if frontier.empty:
            break
    members = pd.concat(found).drop_duplicates().rename(columns={"node": "lsoa_code"})
    return chosen.merge(members, on="area_code", how="left")[["area_code", "area_name", "lsoa_code"]]


@dataclass(frozen=True)
class SummaryFiles:
    """What `write_deprivation_summary` wrote."""

    csv: Path
    metadata: Path
    areas: int
    rows: int
    warnings: list[str] = field(default_factory=list)


def metadata_path(out: Path) -> Path:
    """The CSVW sidecar of a CSV file: ``FILE.csv-metadata.json``."""
    return out.with_name(out.name + "-metadata.json")


def write_deprivation_summary(
    out: Path, input: Path | None = None, areas: str = "lad", session: Session | None = None,
) -> SummaryFiles:
    """Summarise IoD2019 deprivation for LADs (``areas="lad"``) or the areas of a set or level
    into ``out`` (CSV) and ``out``-metadata.json (CSVW: columns, method notes, caveats).

    ``input`` is an LSOA CSV with File 7 column names (default: the bundled IoD2019 data,
    which has no IDACI/IDAOPI columns). Sets and levels other than ``lad`` need ``session``.
    """
    lsoas = bundled_lsoa_table() if input is None else read_lsoa_file(input)
    if areas != "lad" and session is None:
        raise ValueError(f"Areas {areas!r} are read from the database: pass a session.")
    membership = None if areas == "lad" else area_membership(session, areas)
    frame = summarise_deprivation(lsoas, membership)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    warnings = list(frame.attrs.get("warnings", []))
    meta = summary_metadata(out.name, BUNDLED_INPUT if input is None else str(input), areas, warnings)
    metadata_path(out).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return SummaryFiles(out, metadata_path(out), frame["area_code"].nunique(), len(frame), warnings)


COLUMN_DESCRIPTIONS = {
    "area_code": "GSS code of the LAD, or code of the custom area",
    "area_name": "Area name",
    "domain": "imd, income, employment, education, health, crime, barriers, living_environment, idaci or idaopi",
    "average_rank": "Population-weighted mean LSOA rank, most deprived LSOA = 32,844 (higher = more deprived)",
    "average_score": "Population-weighted mean LSOA score",
    "proportion_most_deprived_10pc": "Share of the area's LSOAs in the most deprived 10% nationally",
    "extent": "Share of population in the most deprived 30% of LSOAs, sliding weights 1 to 0.05 (IMD only)",
    "local_concentration": (
        "Mean rank (most deprived = 32,844) of the most deprived LSOAs holding 10% of the population (IMD only)"
    ),
    "scale": "APPROXIMATE number of income / employment deprived people: sum of 3-decimal rate x population",
}


def summary_metadata(csv_name: str, source: str, areas: str, warnings: list[str]) -> dict:
    """CSVW metadata for a summary CSV: its columns, method notes and warnings."""
    return to_csvw(summary_description(source, areas, warnings), csv_name)


def summary_description(source: str, areas: str, warnings: list[str]) -> TableDescription:
    """The one description of a deprivation summary table (columns, key, licence, notes)."""
    columns = []
    for name in OUTPUT_COLUMNS:
        measure = name.removeprefix("rank_of_")
        ranked = name != measure
        description = COLUMN_DESCRIPTIONS[name] if not ranked else (
            f"Rank of {measure} among English LADs, 1 = most deprived, ties share the better rank")
        kind = "string" if name in ("area_code", "area_name", "domain") else ("integer" if ranked else "number")
        columns.append(Column(name, kind, name, description))
    return TableDescription(
        name="deprivation_summary", title=f"IoD2019 deprivation summaries ({areas})", columns=tuple(columns),
        primary_key=("area_code", "domain"), licence="Open Government Licence v3.0",
        sources=(f"{source}; English Indices of Deprivation 2019, MHCLG",),
        notes=tuple(method_notes() + [f"Warning: {w}" for w in warnings]),
    )
