"""Deprivation summaries (IoD2025 and IoD2019) for local authority districts and any custom area.

The English Indices of Deprivation rank England's LSOAs: IoD2025 the 33,755 LSOAs of 2021 (in
the 296 districts of 2024), IoD2019 the 32,844 LSOAs of 2011 (in the 317 districts of 2019).
The two editions are not directly comparable (different neighbourhoods, indicators and
reference years). MHCLG publishes summaries for larger areas ("File 10: local authority
district summaries"); this module recomputes them from LSOA data, for the districts and for
any other set of LSOAs (sub-regions, LEPs, user sets), by the method of the Technical
Reports' appendix "Summary measures for higher-level geographies" (Appendix N in 2019), whose
definitions File 10 repeats in its notes. Each :class:`Edition` names its files' columns,
its population weights and its counts; ``N`` below is the edition's number of LSOAs:

average rank
    Population-weighted mean of the LSOA ranks, with the LSOAs re-ranked so that the most
    deprived is N (higher = more deprived).
average score
    Population-weighted mean of the LSOA scores.
proportion of LSOAs in the most deprived 10% nationally
    Share of the area's LSOAs in national decile 1 (not population weighted).
extent (IMD only)
    Population in the most deprived 10% of LSOAs counted in full, in the most deprived
    11th to 30th percentiles with a sliding weight from 0.95 (11th) down by 0.9/19 per
    percentile to 0.05 (30th), divided by the area's population.
local concentration (IMD only)
    Population-weighted mean rank (most deprived = N) of the area's most deprived
    LSOAs that hold exactly 10% of its population; the LSOA that crosses the 10% line
    counts with the part of its population needed to reach it.
scale (Income and Employment only)
    Number of income (employment) deprived people: the sum of the LSOAs' published domain
    numerators (File 8). A numerator suppressed for a small count is filled from the LSOA's
    rate x its denominator and the number filled is reported. IoD2019 publishes numerators
    rounded to multiples of 5, so a district's scale can differ from File 10's unrounded sum
    by up to 2.5 x its number of LSOAs (typically by about 1.44 x the square root of that
    number). Without numerators in the input (a user's File 7), scale falls back to
    sum(rate x population), an approximation (each LSOA off by up to 0.0005 x its population).

Population weights (Technical Report Appendix N; Research Report Appendix A): total
population (IoD2019: mid-2015 excluding prisoners; IoD2025: mid-2022) for the IMD and every
domain except Employment, which uses the working-age population (IoD2019: 18-59/64; IoD2025:
18-66); IDACI uses children aged 0-15 and IDAOPI people aged 60 and over. The Employment weights were confirmed against File 10: with total
population 229 of the 317 published Employment average scores are not reproduced, with
working-age population all are (within the rounding of the published LSOA scores).

Which measures exist for which domain follows File 10: extent and local concentration for
the IMD only, scale for Income and Employment only; other cells are empty.

Ranks are among the LADs of the input (317 or 296 for all of England), 1 = most deprived,
ties sharing the better rank (standard competition ranking, as in File 10). A custom area
gets the rank it *would* have among those LADs (1 + the number of LADs more deprived than
it); custom areas never displace LADs or each other. With ``ranking="among_areas"`` the
areas are instead ranked among themselves, as MHCLG's own summaries for other geographies
(e.g. IoD2019 File 12, Local Enterprise Partnerships) do: each area's LSOAs are weighted
within that area, so an LSOA in two overlapping areas counts in both.

IDACI and IDAOPI: IoD2025's bundled files have their ranks and deciles (File 3) but no scores,
so average rank and the share in the most deprived 10% are exact and average score is empty;
IoD2019's bundled files have neither (only numerators, 4,553 and 1,035 of them suppressed),
so IoD2019 IDACI/IDAOPI summaries need a File 7 input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lpip.errors import InvalidDeprivationFile

N_LSOAS = 32_844
N_LADS = 317
N_LSOAS_2025 = 33_755
N_LADS_2025 = 296

LSOA_CODE = "LSOA code (2011)"
LAD_CODE = "Local Authority District code (2019)"
LAD_NAME = "Local Authority District name (2019)"
TOTAL = "Total population: mid 2015 (excluding prisoners)"
CHILDREN = "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"
OLDER = "Older population aged 60 and over: mid 2015 (excluding prisoners)"
WORKING_AGE = "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)"

MEASURES = (
    "average_rank", "average_score", "proportion_most_deprived_10pc",
    "extent", "local_concentration", "scale",
)
OUTPUT_COLUMNS = ["area_code", "area_name", "domain"] + [
    column for measure in MEASURES for column in (measure, f"rank_of_{measure}")
]
COMMON = ("average_rank", "average_score", "proportion_most_deprived_10pc")
INCOME_NUMERATOR = "Income Domain numerator"
EMPLOYMENT_NUMERATOR = "Employment Domain numerator"
IDACI_NUMERATOR = "Income Deprivation Affecting Children Index (IDACI) numerator"
IDAOPI_NUMERATOR = "Income Deprivation Affecting Older People Index (IDAOPI) numerator"
NUMERATORS = (INCOME_NUMERATOR, IDACI_NUMERATOR, IDAOPI_NUMERATOR, EMPLOYMENT_NUMERATOR)
# Values are ranked after rounding to this many decimals, so that floating-point noise in
# sums taken in a different order cannot split a tie.
RANK_DECIMALS = 9


@dataclass(frozen=True)
class Domain:
    """One index summarised in File 10: its key, File 7 column label and population weight."""

    key: str
    label: str
    weight: str
    measures: tuple[str, ...] = COMMON
    rate: bool = False
    numerator: str | None = None

    @property
    def rank(self) -> str:
        return f"{self.label} Rank (where 1 is most deprived)"

    @property
    def decile(self) -> str:
        return f"{self.label} Decile (where 1 is most deprived 10% of LSOAs)"

    @property
    def score(self) -> str:
        return f"{self.label} Score (rate)" if self.rate else f"{self.label} Score"


def edition_domains(total: str, working_age: str, children: str, older: str) -> tuple[Domain, ...]:
    """The IMD, its seven domains and the two supplementary indices, with their weights."""
    return (
        Domain("imd", "Index of Multiple Deprivation (IMD)", total, COMMON + ("extent", "local_concentration")),
        Domain("income", "Income", total, COMMON + ("scale",), rate=True, numerator=INCOME_NUMERATOR),
        Domain("employment", "Employment", working_age, COMMON + ("scale",), rate=True, numerator=EMPLOYMENT_NUMERATOR),
        Domain("education", "Education, Skills and Training", total),
        Domain("health", "Health Deprivation and Disability", total),
        Domain("crime", "Crime", total),
        Domain("barriers", "Barriers to Housing and Services", total),
        Domain("living_environment", "Living Environment", total),
        Domain("idaci", "Income Deprivation Affecting Children Index (IDACI)", children, rate=True),
        Domain("idaopi", "Income Deprivation Affecting Older People (IDAOPI)", older, rate=True),
    )


DOMAINS = edition_domains(TOTAL, WORKING_AGE, CHILDREN, OLDER)
DOMAIN_KEYS = tuple(domain.key for domain in DOMAINS)


@dataclass(frozen=True)
class Edition:
    """One edition of the English Indices of Deprivation: its LSOAs, districts, the column
    names of its files, and its domains with their population weights."""

    year: str
    n_lsoas: int
    n_lads: int
    lsoa_code: str
    lad_code: str
    lad_name: str
    total: str
    children: str
    older: str
    working_age: str
    domains: tuple[Domain, ...]
    population_year: str

    @property
    def name(self) -> str:
        return f"IoD{self.year}"

    @property
    def populations(self) -> tuple[str, ...]:
        return (self.total, self.children, self.older, self.working_age)


IOD2019 = Edition(
    "2019", N_LSOAS, N_LADS, LSOA_CODE, LAD_CODE, LAD_NAME, TOTAL, CHILDREN, OLDER, WORKING_AGE, DOMAINS,
    "mid-2015 (excluding prisoners)",
)
TOTAL_2022 = "Total population: mid 2022"
CHILDREN_2022 = "Dependent Children aged 0-15: mid 2022"
OLDER_2022 = "Older population aged 60 and over: mid 2022"
WORKING_AGE_2022 = "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022"
IOD2025 = Edition(
    "2025", N_LSOAS_2025, N_LADS_2025, "LSOA code (2021)", "Local Authority District code (2024)",
    "Local Authority District name (2024)", TOTAL_2022, CHILDREN_2022, OLDER_2022, WORKING_AGE_2022,
    edition_domains(TOTAL_2022, WORKING_AGE_2022, CHILDREN_2022, OLDER_2022), "mid-2022",
)
EDITIONS = {"2019": IOD2019, "2025": IOD2025}
DEFAULT_EDITION = "2025"


def get_edition(edition: str | Edition | None, lsoas: pd.DataFrame | None = None) -> Edition:
    """The :class:`Edition` named ("2019", "2025"), or the one whose LSOA code column
    ``lsoas`` has when no name is given (2019 when neither tells)."""
    if isinstance(edition, Edition):
        return edition
    if edition is None:
        if lsoas is not None and IOD2025.lsoa_code in lsoas.columns:
            return IOD2025
        return IOD2019
    key = str(edition).removeprefix("IoD").removeprefix("iod")
    if key not in EDITIONS:
        raise InvalidDeprivationFile(f"There is no IoD edition {edition!r}: use 2025 (the default) or 2019.")
    return EDITIONS[key]


def inputs_for(domain: Domain, measure: str, edition: Edition = IOD2019, columns=()) -> tuple[str, ...]:
    """The LSOA columns a measure of a domain is computed from (scale: the numerator when the
    input has it, else the rate and its population)."""
    if measure == "average_rank":
        return (domain.rank, domain.weight)
    if measure == "scale" and domain.numerator and domain.numerator in columns:
        return (domain.numerator,)
    if measure in ("average_score", "scale"):
        return (domain.score, domain.weight)
    if measure == "proportion_most_deprived_10pc":
        return (domain.decile,)
    return (domain.rank, edition.total)


def numeric_columns(edition: Edition = IOD2019) -> list[str]:
    """Every column the summaries may read as numbers."""
    columns = list(edition.populations)
    for domain in edition.domains:
        columns += [domain.rank, domain.decile, domain.score]
    return columns


def plan_measures(columns, edition: Edition = IOD2019) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Which measures each domain can have given the input ``columns``, and a warning per
    domain that lacks some: {domain key: measures}, [warnings]."""
    present = set(columns)
    plan, warnings = {}, []
    for domain in edition.domains:
        possible = [m for m in domain.measures if set(inputs_for(domain, m, edition, present)) <= present]
        plan[domain.key] = tuple(possible)
        missing = {c for m in domain.measures for c in inputs_for(domain, m, edition, present)} - present
        if missing:
            empty = [m for m in domain.measures if m not in possible]
            source = "IoD2019 File 7 has every column" if edition is IOD2019 else (
                "IoD2025 File 7 has the IDACI and IDAOPI scores, which the bundled data lacks")
            warnings.append(
                f"{domain.key}: the input has no {describe_columns(domain, missing)}, so "
                f"{', '.join(empty)} (and their ranks) are empty. {source}."
            )
        if "scale" in possible and domain.numerator and domain.numerator not in present:
            warnings.append(f"{domain.key}: the input has no {domain.numerator!r} column, so scale is the "
                            "APPROXIMATION sum(rate x population), not the sum of the published numerators.")
    return plan, warnings


def describe_columns(domain: Domain, columns: set[str]) -> str:
    """Missing columns in words: "IDACI rank, decile and score columns" or their full names."""
    kinds = [kind for kind, column in (("rank", domain.rank), ("decile", domain.decile), ("score", domain.score))
             if column in columns]
    others = sorted(columns - {domain.rank, domain.decile, domain.score})
    parts = [f"{domain.label} {' / '.join(kinds)} column{'s' if len(kinds) > 1 else ''}"] if kinds else []
    return " nor ".join(parts + [f"column {c!r}" for c in others])


@dataclass(frozen=True)
class Members:
    """The member LSOAs of every area as flat arrays: row i is LSOA ``position[i]`` of the
    LSOA table in area ``code[i]`` (an index into ``areas``). Rows are ordered by area, then
    LSOA code, so a sum over the same LSOAs is taken in the same order whatever the area set
    (ties between a custom area and the LAD it equals are then exact)."""

    lsoas: pd.DataFrame
    position: np.ndarray
    code: np.ndarray
    areas: pd.Index

    @classmethod
    def of(cls, lsoas: pd.DataFrame, membership: pd.DataFrame, edition: Edition = IOD2019) -> Members:
        lsoas = lsoas.sort_values(edition.lsoa_code, kind="stable").reset_index(drop=True)
        membership = membership.drop_duplicates(["area_code", "lsoa_code"])
        position = pd.Index(lsoas[edition.lsoa_code]).get_indexer(membership["lsoa_code"])
        found = position >= 0
        code, areas = pd.factorize(membership["area_code"].to_numpy()[found], sort=True)
        order = np.lexsort((position[found], code))
        return cls(lsoas, position[found][order], code[order], pd.Index(areas, name="area_code"))

    def values(self, column: str) -> np.ndarray:
        """A column of the LSOA table, one value per member row."""
        return self.lsoas[column].to_numpy(dtype=float)[self.position]

    def total(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each area's member rows."""
        return np.bincount(self.code, weights=values, minlength=len(self.areas))


def weighted_mean(members: Members, values: np.ndarray, weight: str) -> np.ndarray:
    """Population-weighted mean of ``values`` per area (NaN for an area with no population)."""
    population = members.values(weight)
    total = members.total(population)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, members.total(values * population) / total, np.nan)


def reversed_rank(ranks: np.ndarray, n_lsoas: int = N_LSOAS) -> np.ndarray:
    """LSOA ranks turned round so that the most deprived LSOA is N (Appendix N)."""
    return n_lsoas + 1 - ranks


def extent_weight(ranks, n_lsoas: int = N_LSOAS) -> np.ndarray:
    """The Appendix N extent weight of each LSOA from its national rank: 1 in the most deprived
    10 percentiles, 0.95 in the 11th falling by 0.9/19 per percentile to 0.05 in the 30th, then 0.
    Percentile p holds ranks in (N(p-1)/100, Np/100], so p <= 10 is exactly decile 1."""
    percentile = np.ceil(np.asarray(ranks, dtype=float) * 100 / n_lsoas)
    sliding = 0.95 - (percentile - 11) * (0.95 - 0.05) / 19
    return np.select([percentile <= 10, percentile <= 30], [1.0, sliding], 0.0)


def local_concentration(members: Members, rank: str, edition: Edition = IOD2019) -> np.ndarray:
    """Population-weighted mean reversed rank of each area's most deprived LSOAs holding
    exactly 10% of its population; the LSOA crossing the line counts in part."""
    ranks, population = members.values(rank), members.values(edition.total)
    order = np.lexsort((ranks, members.code))
    code, ranks, population = members.code[order], ranks[order], population[order]
    target = 0.1 * members.total(population)
    # Population of the area's LSOAs more deprived than this one: the running total since
    # the start of the area's rows (rows are grouped by area).
    running = np.cumsum(population) - population
    start = np.searchsorted(code, np.arange(len(members.areas)))
    before = running - running[np.minimum(start, len(code) - 1)][code]
    counted = np.minimum(np.clip(target[code] - before, 0, None), population)
    weighted = np.bincount(code, weights=counted * reversed_rank(ranks, edition.n_lsoas), minlength=len(members.areas))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(target > 0, weighted / target, np.nan)


def measure(members: Members, domain: Domain, name: str, edition: Edition = IOD2019) -> np.ndarray:
    """One summary measure of one domain for every area of ``members``."""
    if name == "average_rank":
        return weighted_mean(members, reversed_rank(members.values(domain.rank), edition.n_lsoas), domain.weight)
    if name == "average_score":
        return weighted_mean(members, members.values(domain.score), domain.weight)
    if name == "proportion_most_deprived_10pc":
        count = np.bincount(members.code, minlength=len(members.areas))
        return members.total(members.values(domain.decile) == 1) / np.where(count > 0, count, np.nan)
    if name == "extent":
        return weighted_mean(members, extent_weight(members.values(domain.rank), edition.n_lsoas), edition.total)
    if name == "local_concentration":
        return local_concentration(members, domain.rank, edition)
    if domain.numerator and domain.numerator in members.lsoas.columns:
        return members.total(members.values(domain.numerator))
    return members.total(members.values(domain.score) * members.values(domain.weight))


def measure_table(members: Members, plan: dict[str, tuple[str, ...]],
                  edition: Edition = IOD2019) -> dict[tuple[str, str], pd.Series]:
    """Every planned (domain, measure) for every area of ``members``."""
    return {
        (domain.key, name): pd.Series(measure(members, domain, name, edition), index=members.areas)
        for domain in edition.domains for name in plan[domain.key]
    }


def rank_among(values: pd.Series, reference: pd.Series) -> pd.Series:
    """The rank each value has among ``reference`` (1 = highest = most deprived), ties sharing
    the better rank: 1 + the number of reference values strictly greater. For the reference
    itself this is standard competition ranking (``method="min"``)."""
    ordered = np.sort(np.round(reference.dropna().to_numpy(dtype=float), RANK_DECIMALS))
    own = np.round(values.to_numpy(dtype=float), RANK_DECIMALS)
    above = len(ordered) - np.searchsorted(ordered, own, side="right")
    ranks = pd.Series(above + 1, index=values.index, dtype="Int64")
    return ranks.mask(values.isna())


def lad_membership(lsoas: pd.DataFrame, edition: Edition | None = None) -> pd.DataFrame:
    """The LSOA -> LAD membership table (area_code, area_name, lsoa_code) of an LSOA table."""
    edition = get_edition(edition, lsoas)
    table = lsoas[[edition.lad_code, edition.lad_name, edition.lsoa_code]]
    return table.set_axis(["area_code", "area_name", "lsoa_code"], axis=1)


def check_tables(lsoas: pd.DataFrame, membership: pd.DataFrame | None, edition: Edition = IOD2019) -> None:
    """:class:`InvalidDeprivationFile` when the tables lack the columns the method needs."""
    tables = [("LSOA table", lsoas, [edition.lsoa_code, edition.lad_code, edition.lad_name, edition.total])]
    if membership is not None:
        tables.append(("membership table", membership, ["area_code", "area_name", "lsoa_code"]))
    for name, frame, needed in tables:
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InvalidDeprivationFile(
                f"The {name} lacks column(s) {', '.join(repr(c) for c in missing)}. "
                f"Use the official {edition.name} File 7 column names (see lpip.evidence.deprivation)."
            )
    if lsoas[edition.lsoa_code].duplicated().any():
        raise InvalidDeprivationFile("The LSOA table has an LSOA more than once; keep one row per LSOA.")
    for column in [c for c in numeric_columns(edition) if c in lsoas.columns]:
        values = lsoas[column]
        if not pd.api.types.is_numeric_dtype(values) or values.isna().any():
            bad = lsoas.loc[pd.to_numeric(values, errors="coerce").isna(), edition.lsoa_code].iloc[0]
            raise InvalidDeprivationFile(
                f"The LSOA table's column {column!r} has a value that is not a number (LSOA {bad}). "
                "Fill it in, or read files with lpip.evidence.deprivation_files.read_lsoa_file, which says where."
            )


def coverage_warnings(lsoas: pd.DataFrame, membership: pd.DataFrame, lads: pd.Index,
                      edition: Edition = IOD2019) -> list[str]:
    """Warnings for areas only partly (or not at all) covered by the LSOA table, and for
    ranks taken among fewer than all the edition's LADs."""
    warnings = []
    covered = membership["lsoa_code"].isin(lsoas[edition.lsoa_code])
    share = covered.groupby(membership["area_code"]).agg(["sum", "size"])
    for code, row in share[share["sum"] < share["size"]].iterrows():
        empty = " (none: its cells are empty)" if row["sum"] == 0 else ""
        warnings.append(
            f"{code}: {row['size'] - row['sum']} of its {row['size']} LSOAs are not in the input, "
            f"so its summaries cover only the LSOAs present{empty}."
        )
    if len(lads) != edition.n_lads:
        warnings.append(
            f"The input covers {len(lads)} local authority districts, not all {edition.n_lads}: "
            "ranks are among those districts only."
        )
    return warnings


def long_table(areas: pd.DataFrame, values: dict, ranks: dict, edition: Edition = IOD2019) -> pd.DataFrame:
    """The output: one row per area and domain, in OUTPUT_COLUMNS order."""
    parts = []
    for order, domain in enumerate(edition.domains):
        part = areas.assign(domain=domain.key, _order=order)
        for name in MEASURES:
            key = (domain.key, name)
            found = key in values
            part[name] = part["area_code"].map(values[key]).astype(float) if found else np.nan
            rank = part["area_code"].map(ranks[key]) if found else pd.NA
            part[f"rank_of_{name}"] = pd.array(rank if found else [pd.NA] * len(part), dtype="Int64")
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True).sort_values(["area_code", "_order"], kind="stable")
    return frame[OUTPUT_COLUMNS].reset_index(drop=True)


def summarise_deprivation(lsoas: pd.DataFrame, membership: pd.DataFrame | None = None,
                          edition: str | Edition | None = None, ranking: str = "among_lads") -> pd.DataFrame:
    """IoD summary measures (File 10) for LADs or any areas built from LSOAs.

    Parameters
    ----------
    lsoas : DataFrame
        One row per LSOA with the official File 7 column names of its edition; for IoD2019:
        ``LSOA code (2011)``,
        ``Local Authority District code (2019)`` and ``... name (2019)``, the population
        denominators (``Total population: mid 2015 (excluding prisoners)`` ...), and for each
        index its ``... Rank (where 1 is most deprived)``, ``... Decile (...)`` and
        ``... Score`` / ``... Score (rate)``. Absent index columns leave cells empty.
        Values must already be numeric (see ``read_lsoa_file`` for checked reading).
        IoD2025 has ``LSOA code (2021)``, ``Local Authority District code (2024)`` and the
        mid-2022 denominators. Domain numerator columns (File 8, e.g. ``Income Domain
        numerator``) make scale the sum of the numerators.
    membership : DataFrame, optional
        Which LSOAs make up each area: columns ``area_code``, ``area_name``, ``lsoa_code``;
        areas may overlap. Default: the LADs of ``lsoas``.
    edition : "2019", "2025" or an :class:`Edition`; default: the edition whose LSOA code
        column ``lsoas`` has.
    ranking : "among_lads" (default: each area gets the rank it would have among the
        districts) or "among_areas" (MHCLG's method for other geographies, e.g. File 12:
        the areas of ``membership`` ranked among themselves).

    Returns
    -------
    DataFrame
        One row per area and domain (imd, income, employment, education, health, crime,
        barriers, living_environment, idaci, idaopi) with each measure and its rank among the
        LADs (1 = most deprived; for custom areas the rank they would have among the LADs).
        Empty (NaN) where a measure does not exist for a domain or the input lacks what it
        needs. ``frame.attrs["warnings"]`` lists why cells are empty and coverage problems.

    Examples
    --------
    >>> from lpip.evidence.deprivation_files import bundled_lsoa_table
    >>> summary = summarise_deprivation(bundled_lsoa_table())
    >>> summary.query("area_code == 'E08000025' and domain == 'imd'")[
    ...     ["average_score", "rank_of_average_score"]]  # doctest: +SKIP
    """
    edition = get_edition(edition, lsoas)
    if ranking not in RANKINGS:
        raise InvalidDeprivationFile(f"Ranking {ranking!r} is not one of {', '.join(RANKINGS)}.")
    check_tables(lsoas, membership, edition)
    lads = lad_membership(lsoas, edition)
    membership = lads if membership is None else membership
    plan, warnings = plan_measures(lsoas.columns, edition)
    lad_values = measure_table(Members.of(lsoas, lads, edition), plan, edition)
    same = membership is lads or membership.equals(lads)
    values = lad_values if same else measure_table(Members.of(lsoas, membership, edition), plan, edition)
    reference = values if ranking == "among_areas" else lad_values
    ranks = {key: rank_among(series, reference[key]) for key, series in values.items()}
    areas = membership[["area_code", "area_name"]].drop_duplicates("area_code").sort_values("area_code")
    frame = long_table(areas.reset_index(drop=True), values, ranks, edition)
    frame.attrs["warnings"] = warnings + list(lsoas.attrs.get("notes", [])) + coverage_warnings(
        lsoas, membership, pd.Index(lads["area_code"].unique()), edition)
    frame.attrs["edition"] = edition.year
    frame.attrs["ranking"] = ranking
    return frame


RANKINGS = ("among_lads", "among_areas")


def method_notes(edition: str | Edition | None = None, ranking: str = "among_lads") -> list[str]:
    """How the summaries were made, for the metadata written beside the CSV."""
    edition = get_edition(edition)
    n, lads = f"{edition.n_lsoas:,}", edition.n_lads
    if edition is IOD2019:
        method = ("Method: English Indices of Deprivation 2019 Technical Report (MHCLG, 2019), Appendix N "
                  "'Summary measures for higher-level geographies', as used for File 10 (local authority "
                  "district summaries); computed from LSOA ranks, deciles, scores and population denominators.")
        weights = ("Population weights: total population mid-2015 excluding prisoners for the IMD and all "
                   "domains except Employment (working-age population 18-59/64); IDACI children aged 0-15; "
                   "IDAOPI people aged 60 and over.")
        scale = ("scale (Income and Employment only): the sum of the published IoD2019 File 8 domain numerators, "
                 "which MHCLG rounds to multiples of 5 and suppresses for small counts; suppressed numerators are "
                 "filled from the LSOA's rate x denominator (the warnings say how many). Rounding makes a district's "
                 "scale differ from File 10's unrounded sum by at most 2.5 x its number of LSOAs (typically about "
                 "1.44 x the square root of that number), so ranks of scale can differ between districts with close values.")
    else:
        method = ("Method: English Indices of Deprivation 2025 (MHCLG, 30 October 2025), the summary measures for "
                  "higher-level geographies of its Technical Report, as used for File 10 (local authority district "
                  "summaries, districts of 2024); computed from the LSOA 2021 ranks, deciles and scores (File 7), "
                  "IDACI/IDAOPI ranks and deciles (File 3), population denominators (File 6) and numerators (File 8).")
        weights = ("Population weights (File 6, mid-2022): total population for the IMD and all domains except "
                   "Employment (working-age population 18-66); IDACI children aged 0-15; IDAOPI people aged 60 and over.")
        scale = ("scale (Income and Employment only): the sum of the IoD2025 File 8 domain numerators; the few "
                 "suppressed numerators are filled from the LSOA's rate x denominator (the warnings say how many).")
    ranks = (f"Ranks: among the local authority districts in the input ({lads} for England), 1 = most deprived, "
             "ties share the better rank (standard competition ranking, as File 10). For areas that are not "
             "LADs, the rank is the one the area would have among the LADs (1 + number of LADs more deprived).")
    if ranking == "among_areas":
        ranks = ("Ranks: among the areas of this file only (MHCLG's method for other geographies, e.g. IoD2019 "
                 "File 12 for Local Enterprise Partnerships), 1 = most deprived, ties share the better rank; each "
                 "area's measures use all its LSOAs, so an LSOA in two overlapping areas counts in both.")
    return [
        method, weights,
        f"average_rank: population-weighted mean LSOA rank with the most deprived LSOA ranked {n} "
        "(higher = more deprived). average_score: population-weighted mean LSOA score, from the "
        "published 3-decimal LSOA scores (within 0.0005 of File 10's unrounded computation).",
        "proportion_most_deprived_10pc: share of the area's LSOAs in national decile 1.",
        "extent (IMD only): population in the most deprived 10% of LSOAs nationally counted in full, "
        "in the 11th-30th percentiles with weights 0.95 down to 0.05 (step 0.9/19), over the area's population.",
        f"local_concentration (IMD only): population-weighted mean rank (most deprived = {n}) of the "
        "area's most deprived LSOAs holding exactly 10% of its population, the boundary LSOA counted in part.",
        scale, ranks,
        "Empty cells: a measure that File 10 does not publish for that domain, or that the input lacks "
        "the columns for (see the warnings).",
    ]
