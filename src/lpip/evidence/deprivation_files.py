"""Deprivation summaries at the edges: the bundled LSOA tables of each edition (IoD2025 on
LSOA 2021, IoD2019 on LSOA 2011, with their domain numerators), reading LSOA files and area
memberships, writing the summary CSV with its CSVW metadata (method notes and caveats)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.bundled import (
    IOD2019_NUMERATORS, IOD2025_LSOA, IOD2025_NUMERATORS, IOD2025_POPULATION, IOD_RANKS, IOD_SCORES, LSOA21_LOOKUP,
    bundled_path,
)
from lpip.errors import InvalidDeprivationFile, UnknownAreaSet
from lpip.evidence.deprivation import (
    DEFAULT_EDITION, DOMAINS, EMPLOYMENT_NUMERATOR, INCOME_NUMERATOR, IOD2019, LSOA_CODE,
    NUMERATORS, OUTPUT_COLUMNS, Edition, get_edition, method_notes, numeric_columns,
    summarise_deprivation,
)
from lpip.geography.codes import suggestion
from lpip.geography.load import read_lsoa_lookup
from lpip.geography.models import LEVELS, Area, AreaLink
from lpip.spreadsheets import write_csv
from lpip.tabledesc import Column, TableDescription, to_csvw

BUNDLED_INPUTS = {
    "2019": "bundled IoD2019 LSOA 2011 data (File 2 ranks and deciles, File 5 scores, File 6 denominators, "
            "File 8 domain numerators)",
    "2025": "bundled IoD2025 LSOA 2021 data (File 7 ranks, deciles and scores; File 3 IDACI/IDAOPI ranks and "
            "deciles; File 6 denominators; File 8 domain numerators)",
}
BUNDLED_INPUT = BUNDLED_INPUTS["2019"]
RANK_COLUMNS = tuple(domain.rank for domain in DOMAINS)
DECILE_COLUMNS = tuple(domain.decile for domain in DOMAINS)
# Walking down the area links never needs more steps than this (region > county > LAD > MSOA > LSOA).
MAX_LINK_DEPTH = 12


def bundled_lsoa_table(edition: str | Edition = "2019", numerators: bool = True) -> pd.DataFrame:
    """The bundled LSOA table of an IoD edition: ranks, deciles, scores and population
    denominators, and (``numerators``) the Income and Employment domain numerators, suppressed
    ones filled from rate x denominator (``frame.attrs["notes"]`` says how many).

    IoD2019 (default here for backward compatibility; the CLI's default is 2025): LSOA 2011,
    districts of 2019. IoD2025: LSOA 2021, districts of 2024.
    """
    edition = get_edition(edition)
    if edition is IOD2019:
        ranks = pd.read_csv(bundled_path(IOD_RANKS))
        scores = pd.read_csv(bundled_path(IOD_SCORES))
        table = ranks.merge(scores, on=LSOA_CODE, how="left", validate="one_to_one")
        source = IOD2019_NUMERATORS
    else:
        table = pd.read_csv(bundled_path(IOD2025_LSOA))
        population = pd.read_csv(bundled_path(IOD2025_POPULATION))
        keep = [edition.lsoa_code, *edition.populations, "Population aged 16-59: mid 2022"]
        table = table.merge(population[keep], on=edition.lsoa_code, how="left", validate="one_to_one")
        source = IOD2025_NUMERATORS
    if not numerators:
        return table
    return with_numerators(table, pd.read_csv(bundled_path(source)), edition)


def with_numerators(table: pd.DataFrame, counts: pd.DataFrame, edition: Edition) -> pd.DataFrame:
    """``table`` with the Income and Employment numerator columns; a suppressed (empty)
    numerator is filled with the LSOA's published rate x its denominator, rounded."""
    counts = counts[[edition.lsoa_code, INCOME_NUMERATOR, EMPLOYMENT_NUMERATOR]]
    table = table.merge(counts, on=edition.lsoa_code, how="left", validate="one_to_one")
    notes = []
    for domain in edition.domains:
        if domain.numerator not in (INCOME_NUMERATOR, EMPLOYMENT_NUMERATOR):
            continue
        empty = table[domain.numerator].isna()
        estimate = (table[domain.score] * table[domain.weight]).round()
        table[domain.numerator] = table[domain.numerator].where(~empty, estimate)
        notes.append(
            f"{domain.key}: scale sums the published {edition.name} File 8 numerators; {int(empty.sum())} suppressed "
            f"(small) numerator(s) were filled from the LSOA's rate x {domain.weight!r}, rounded."
        )
    table.attrs["notes"] = notes
    return table


def read_lsoa_file(path: Path, edition: str | Edition | None = None) -> pd.DataFrame:
    """An LSOA CSV with File 7 column names of its edition, checked and with numbers parsed.

    Needs the LSOA code (``LSOA code (2011)`` for IoD2019, ``LSOA code (2021)`` for IoD2025),
    the total population and at least one index's rank column; the LAD code and name are
    taken from the bundled lookup when the file lacks them. The edition is the one named, else
    the one whose LSOA code column the file has. Thousands separators ("1,296") are accepted.
    :class:`InvalidDeprivationFile` names the file, row (the header is row 1) and column of
    every problem.
    """
    path = Path(path)
    frame = _read_text_csv(path)
    edition = get_edition(edition, frame)
    _check_columns(frame, path, edition)
    lookup = _lsoa_lookup(edition)
    _check_codes(frame, path, dict(zip(lookup["lsoa_code"], lookup["lsoa_name"])), edition)
    frame = _parse_numbers(frame, path, edition)
    _check_ranges(frame, path, edition)
    return _with_lad_columns(frame, lookup, edition)


def _lsoa_lookup(edition: Edition) -> pd.DataFrame:
    """lsoa_code, lsoa_name, lad_code, lad_name of the edition's LSOAs."""
    if edition is IOD2019:
        lookup = read_lsoa_lookup()
        columns = {"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "LAD19CD": "lad_code", "LAD19NM": "lad_name"}
    else:
        lookup = read_lsoa21_lookup()
        columns = {"LSOA21CD": "lsoa_code", "LSOA21NM": "lsoa_name", "LAD24CD": "lad_code", "LAD24NM": "lad_name"}
    return lookup.rename(columns=columns)


def read_lsoa21_lookup() -> pd.DataFrame:
    """The bundled LSOA 2021 -> district 2024 -> region lookup (MHCLG File 3, ONS)."""
    return pd.read_csv(bundled_path(LSOA21_LOOKUP), dtype=str, keep_default_na=False)


def _read_text_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InvalidDeprivationFile(f"{path}: file not found. Check the path.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidDeprivationFile(f"{path}: cannot read it as a UTF-8 CSV file ({exc}).") from None
    # Spreadsheet exports of the IoD files often carry trailing spaces in headers.
    return frame.rename(columns=str.strip)


def _check_columns(frame: pd.DataFrame, path: Path, edition: Edition = IOD2019) -> None:
    missing = [c for c in (edition.lsoa_code, edition.total) if c not in frame.columns]
    ranks = [domain.rank for domain in edition.domains]
    if not any(c in frame.columns for c in ranks):
        missing.append(f"{ranks[0]} (or another index's rank column)")
    if missing:
        raise InvalidDeprivationFile(
            f"{path}: missing column(s) {', '.join(repr(c) for c in missing)}. Use the column names "
            f"of {edition.name} File 7 ('All ranks, deciles and scores'), which has every column lpip reads."
        )


def _check_codes(frame: pd.DataFrame, path: Path, known: dict[str, str], edition: Edition = IOD2019) -> None:
    codes = frame[edition.lsoa_code].str.strip()
    year = "2011" if edition is IOD2019 else "2021"
    problems = [
        f"row {i + 2}: {code!r} is not an LSOA ({year}) code in the {edition.name} lookup"
        + (suggestion(code, known) if n < 5 else "")
        for n, (i, code) in enumerate(codes[~codes.isin(known)].items())
    ]
    problems += [f"row {i + 2}: LSOA {code} appears again" for i, code in codes[codes.duplicated()].items()]
    if problems:
        raise InvalidDeprivationFile(
            f"{path}: {len(problems)} LSOA code problem(s); use {year} LSOA codes (E01...), one row each:",
            problems,
        )
    frame[edition.lsoa_code] = codes


def _parse_numbers(frame: pd.DataFrame, path: Path, edition: Edition = IOD2019) -> pd.DataFrame:
    problems = []
    for column in [c for c in numeric_columns(edition) if c in frame.columns]:
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
    for column in [c for c in NUMERATORS if c in frame.columns]:
        # Suppressed numerators are empty in File 8; they stay empty (NaN) here.
        frame[column] = pd.to_numeric(frame[column].str.replace(",", "", regex=False), errors="coerce")
    return frame


def _check_ranges(frame: pd.DataFrame, path: Path, edition: Edition = IOD2019) -> None:
    problems = []
    ranks = tuple(domain.rank for domain in edition.domains)
    deciles = tuple(domain.decile for domain in edition.domains)
    n = edition.n_lsoas
    for columns, low, high, what in (
        (ranks, 1, n, f"a whole number from 1 to {n:,}"),
        (deciles, 1, 10, "a whole number from 1 to 10"),
    ):
        for column in [c for c in columns if c in frame.columns]:
            values = frame[column]
            bad = (values < low) | (values > high) | (values % 1 != 0)
            problems += [f"row {i + 2}, column {column!r}: {values[i]:g} is not {what}" for i in values.index[bad]]
    for column in [c for c in edition.populations if c in frame.columns]:
        problems += [f"row {i + 2}, column {column!r}: a population cannot be negative"
                     for i in frame.index[frame[column] < 0]]
    if problems:
        raise InvalidDeprivationFile(f"{path}: {len(problems)} value(s) out of range:", problems)


def _with_lad_columns(frame: pd.DataFrame, lookup: pd.DataFrame, edition: Edition = IOD2019) -> pd.DataFrame:
    if edition.lad_code in frame.columns and edition.lad_name in frame.columns:
        return frame
    lads = lookup.set_index("lsoa_code")
    return frame.assign(**{
        edition.lad_code: frame[edition.lsoa_code].map(lads["lad_code"]),
        edition.lad_name: frame[edition.lsoa_code].map(lads["lad_name"]),
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


def area_membership(session: Session, areas: str, edition: str | Edition = "2019") -> pd.DataFrame:
    """Which LSOAs make up each area of a set or level (area_code, area_name, lsoa_code).

    IoD2019 (LSOA 2011): following hierarchy and membership links down to LSOAs. IoD2025
    (LSOA 2021): following the links down to districts, then the districts' 2021 LSOAs in the
    LSOA 2021 -> district 2024 lookup; a district whose 2019 code is not a 2024 district
    (merged since) contributes none, and ``frame.attrs["notes"]`` names it.
    """
    edition = get_edition(edition)
    chosen = chosen_areas(session, areas)
    if edition is IOD2019:
        lsoas = set(session.scalars(select(Area.code).where(Area.level == "lsoa")))
        return _members_down_to(session, chosen, lsoas).rename(columns={"member": "lsoa_code"})
    districts = set(session.scalars(select(Area.code).where(Area.level == "lad")))
    lads = _members_down_to(session, chosen, districts)
    lookup = read_lsoa21_lookup()[["LSOA21CD", "LAD24CD"]]
    frame = lads.merge(lookup, left_on="member", right_on="LAD24CD", how="left")
    missing = sorted(set(lads["member"].dropna()) - set(lookup["LAD24CD"]))
    frame = frame.rename(columns={"LSOA21CD": "lsoa_code"})[["area_code", "area_name", "lsoa_code"]]
    frame.attrs["notes"] = [
        f"District {code} (a 2019 district) is not a district of 2024 (merged since), so its LSOAs are not in the "
        "IoD2025 summaries of the areas it belongs to." for code in missing
    ]
    return frame


def _members_down_to(session: Session, chosen: pd.DataFrame, targets: set[str]) -> pd.DataFrame:
    """area_code, area_name, member: the areas in ``targets`` reached from each chosen area
    by hierarchy and membership links (the area itself when it is one)."""
    links = pd.DataFrame(session.execute(select(AreaLink.parent_code, AreaLink.child_code)).all(),
                         columns=["parent", "child"])
    lsoas = targets
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
    members = pd.concat(found).drop_duplicates().rename(columns={"node": "member"})
    return chosen.merge(members, on="area_code", how="left")[["area_code", "area_name", "member"]]


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
    edition: str | None = None, ranking: str = "among_lads",
) -> SummaryFiles:
    """Summarise deprivation for LADs (``areas="lad"``) or the areas of a set or level into
    ``out`` (CSV) and ``out``-metadata.json (CSVW: columns, method notes, caveats).

    ``edition`` is "2025" (IoD2025 on LSOA 2021, the default) or "2019"; with an ``input``
    file, the edition whose LSOA code column the file has unless one is named. ``input`` is
    an LSOA CSV with File 7 column names (default: the bundled data of the edition).
    ``ranking`` "among_areas" ranks a set's areas among themselves (MHCLG's File 12 method)
    instead of among the districts. Sets and levels other than ``lad`` need ``session``.
    """
    if input is None:
        chosen = get_edition(edition or DEFAULT_EDITION)
        lsoas = bundled_lsoa_table(chosen)
    else:
        lsoas = read_lsoa_file(input, edition)
        chosen = get_edition(edition, lsoas)
    if areas != "lad" and session is None:
        raise ValueError(f"Areas {areas!r} are read from the database: pass a session.")
    membership = None if areas == "lad" else area_membership(session, areas, chosen)
    frame = summarise_deprivation(lsoas, membership, chosen, ranking=ranking)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    warnings = list(frame.attrs.get("warnings", [])) + list(getattr(membership, "attrs", {}).get("notes", []))
    source = BUNDLED_INPUTS[chosen.year] if input is None else str(input)
    meta = summary_metadata(out.name, source, areas, warnings, edition=chosen.year, ranking=ranking)
    metadata_path(out).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return SummaryFiles(out, metadata_path(out), frame["area_code"].nunique(), len(frame), warnings)


COLUMN_DESCRIPTIONS = {
    "area_code": "GSS code of the LAD, or code of the custom area",
    "area_name": "Area name",
    "domain": "imd, income, employment, education, health, crime, barriers, living_environment, idaci or idaopi",
    "average_rank": "Population-weighted mean LSOA rank, most deprived LSOA = {n} (higher = more deprived)",
    "average_score": "Population-weighted mean LSOA score",
    "proportion_most_deprived_10pc": "Share of the area's LSOAs in the most deprived 10% nationally",
    "extent": "Share of population in the most deprived 30% of LSOAs, sliding weights 1 to 0.05 (IMD only)",
    "local_concentration": (
        "Mean rank (most deprived = {n}) of the most deprived LSOAs holding 10% of the population (IMD only)"
    ),
    "scale": "Number of income / employment deprived people: sum of the published domain numerators (suppressed "
             "ones filled from rate x population; see the notes), or, for an input without numerators, the "
             "APPROXIMATION sum of 3-decimal rate x population",
}


def summary_metadata(csv_name: str, source: str, areas: str, warnings: list[str], edition: str = "2019",
                     ranking: str = "among_lads") -> dict:
    """CSVW metadata for a summary CSV: its columns, method notes and warnings."""
    return to_csvw(summary_description(source, areas, warnings, edition, ranking), csv_name)


def summary_description(source: str, areas: str, warnings: list[str], edition: str = "2019",
                        ranking: str = "among_lads") -> TableDescription:
    """The one description of a deprivation summary table (columns, key, licence, notes)."""
    chosen = get_edition(edition)
    columns = []
    for name in OUTPUT_COLUMNS:
        measure = name.removeprefix("rank_of_")
        ranked = name != measure
        among = "the areas of this file" if ranking == "among_areas" else f"the {chosen.n_lads} English LADs"
        description = COLUMN_DESCRIPTIONS[name].format(n=f"{chosen.n_lsoas:,}") if not ranked else (
            f"Rank of {measure} among {among}, 1 = most deprived, ties share the better rank")
        kind = "string" if name in ("area_code", "area_name", "domain") else ("integer" if ranked else "number")
        columns.append(Column(name, kind, name, description))
    return TableDescription(
        name="deprivation_summary", title=f"{chosen.name} deprivation summaries ({areas})", columns=tuple(columns),
        primary_key=("area_code", "domain"), licence="Open Government Licence v3.0",
        sources=(f"{source}; English Indices of Deprivation {chosen.year}, MHCLG",),
        notes=tuple(method_notes(chosen, ranking) + [f"Warning: {w}" for w in warnings]),
    )
