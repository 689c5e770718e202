"""IoD2019 deprivation summaries for local authority districts and any custom area.

The English Indices of Deprivation 2019 (IoD2019) rank the 32,844 LSOAs of England. MHCLG
publishes summaries for larger areas ("File 10: local authority district summaries"); this
module recomputes them from LSOA data, for the 317 LADs and for any other set of LSOAs
(sub-regions, LEPs, user sets), by the method of the IoD2019 Technical Report, Appendix N
("Summary measures for higher-level geographies"), whose definitions File 10 repeats in its
notes:

average rank
    Population-weighted mean of the LSOA ranks, with the LSOAs re-ranked so that the most
    deprived is 32,844 (higher = more deprived).
average score
    Population-weighted mean of the LSOA scores.
proportion of LSOAs in the most deprived 10% nationally
    Share of the area's LSOAs in national decile 1 (not population weighted).
extent (IMD only)
    Population in the most deprived 10% of LSOAs counted in full, in the most deprived
    11th to 30th percentiles with a sliding weight from 0.95 (11th) down by 0.9/19 per
    percentile to 0.05 (30th), divided by the area's population.
local concentration (IMD only)
    Population-weighted mean rank (most deprived = 32,844) of the area's most deprived
    LSOAs that hold exactly 10% of its population; the LSOA that crosses the 10% line
    counts with the part of its population needed to reach it.
scale (Income and Employment only)
    Number of income (employment) deprived people. File 10 sums the unrounded counts; the
    published LSOA rates have three decimals, so here scale = sum(rate x population) is an
    approximation (each LSOA off by at most 0.0005 x its population).

Population weights (Technical Report Appendix N; Research Report Appendix A): total
population (mid-2015, excluding prisoners) for the IMD and every domain except Employment,
which uses the working-age population (18-59/64); IDACI uses children aged 0-15 and IDAOPI
people aged 60 and over. The Employment weights were confirmed against File 10: with total
population 229 of the 317 published Employment average scores are not reproduced, with
working-age population all are (within the rounding of the published LSOA scores).

Which measures exist for which domain follows File 10: extent and local concentration for
the IMD only, scale for Income and Employment only; other cells are empty.

Ranks are among the LADs of the input (317 for all of England), 1 = most deprived, ties
sharing the better rank (standard competition ranking, as in File 10). A custom area gets
the rank it *would* have among those LADs (1 + the number of LADs more deprived than it);
custom areas never displace LADs or each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lpip.errors import InvalidDeprivationFile

N_LSOAS = 32_844
N_LADS = 317

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

    @property
    def rank(self) -> str:
        return f"{self.label} Rank (where 1 is most deprived)"

    @property
    def decile(self) -> str:
        return f"{self.label} Decile (where 1 is most deprived 10% of LSOAs)"

    @property
    def score(self) -> str:
        return f"{self.label} Score (rate)" if self.rate else f"{self.label} Score"


DOMAINS = (
    Domain("imd", "Index of Multiple Deprivation (IMD)", TOTAL, COMMON + ("extent", "local_concentration")),
    Domain("income", "Income", TOTAL, COMMON + ("scale",), rate=True),
    Domain("employment", "Employment", WORKING_AGE, COMMON + ("scale",), rate=True),
    Domain("education", "Education, Skills and Training", TOTAL),
    Domain("health", "Health Deprivation and Disability", TOTAL),
    Domain("crime", "Crime", TOTAL),
    Domain("barriers", "Barriers to Housing and Services", TOTAL),
    Domain("living_environment", "Living Environment", TOTAL),
    Domain("idaci", "Income Deprivation Affecting Children Index (IDACI)", CHILDREN, rate=True),
    Domain("idaopi", "Income Deprivation Affecting Older People (IDAOPI)", OLDER, rate=True),
)
DOMAIN_KEYS = tuple(domain.key for domain in DOMAINS)


def inputs_for(domain: Domain, measure: str) -> tuple[str, ...]:
    """The LSOA columns a measure of a domain is computed from."""
    if measure == "average_rank":
        return (domain.rank, domain.weight)
    if measure in ("average_score", "scale"):
        return (domain.score, domain.weight)
    if measure == "proportion_most_deprived_10pc":
        return (domain.decile,)
    return (domain.rank, TOTAL)


def numeric_columns() -> list[str]:
    """Every column the summaries may read as numbers."""
    columns = [TOTAL, CHILDREN, OLDER, WORKING_AGE]
    for domain in DOMAINS:
        columns += [domain.rank, domain.decile, domain.score]
    return columns


def plan_measures(columns) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Which measures each domain can have given the input ``columns``, and a warning per
    domain that lacks some: {domain key: measures}, [warnings]."""
    present = set(columns)
    plan, warnings = {}, []
    for domain in DOMAINS:
        possible = [m for m in domain.measures if set(inputs_for(domain, m)) <= present]
        plan[domain.key] = tuple(possible)
        missing = {c for m in domain.measures for c in inputs_for(domain, m)} - present
        if missing:
            empty = [m for m in domain.measures if m not in possible]
            warnings.append(
                f"{domain.key}: the input has no {describe_columns(domain, missing)}, so "
                f"{', '.join(empty)} (and their ranks) are empty. IoD2019 File 7 has every column."
            )
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
    def of(cls, lsoas: pd.DataFrame, membership: pd.DataFrame) -> Members:
        lsoas = lsoas.sort_values(LSOA_CODE, kind="stable").reset_index(drop=True)
        membership = membership.drop_duplicates(["area_code", "lsoa_code"])
        position = pd.Index(lsoas[LSOA_CODE]).get_indexer(membership["lsoa_code"])
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


def reversed_rank(ranks: np.ndarray) -> np.ndarray:
    """LSOA ranks turned round so that the most deprived LSOA is 32,844 (Appendix N)."""
    return N_LSOAS + 1 - ranks


def extent_weight(ranks) -> np.ndarray:
    """The Appendix N extent weight of each LSOA from its national rank: 1 in the most deprived
    10 percentiles, 0.95 in the 11th falling by 0.9/19 per percentile to 0.05 in the 30th, then 0.
    Percentile p holds ranks in (N(p-1)/100, Np/100], so p <= 10 is exactly decile 1."""
    percentile = np.ceil(np.asarray(ranks, dtype=float) * 100 / N_LSOAS)
    sliding = 0.95 - (percentile - 11) * (0.95 - 0.05) / 19
    return np.select([percentile <= 10, percentile <= 30], [1.0, sliding], 0.0)


def local_concentration(members: Members, rank: str) -> np.ndarray:
    """Population-weighted mean reversed rank of each area's most deprived LSOAs holding
    exactly 10% of its population; the LSOA crossing the line counts in part."""
    ranks, population = members.values(rank), members.values(TOTAL)
    order = np.lexsort((ranks, members.code))
    code, ranks, population = members.code[order], ranks[order], population[order]
    target = 0.1 * members.total(population)
    # Population of the area's LSOAs more deprived than this one: the running total since
    # the start of the area's rows (rows are grouped by area).
    running = np.cumsum(population) - population
    start = np.searchsorted(code, np.arange(len(members.areas)))
    before = running - running[np.minimum(start, len(code) - 1)][code]
    counted = np.minimum(np.clip(target[code] - before, 0, None), population)
    weighted = np.bincount(code, weights=counted * reversed_rank(ranks), minlength=len(members.areas))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(target > 0, weighted / target, np.nan)


def measure(members: Members, domain: Domain, name: str) -> np.ndarray:
    """One summary measure of one domain for every area of ``members``."""
    if name == "average_rank":
        return weighted_mean(members, reversed_rank(members.values(domain.rank)), domain.weight)
    if name == "average_score":
        return weighted_mean(members, members.values(domain.score), domain.weight)
    if name == "proportion_most_deprived_10pc":
        count = np.bincount(members.code, minlength=len(members.areas))
        return members.total(members.values(domain.decile) == 1) / np.where(count > 0, count, np.nan)
    if name == "extent":
        return weighted_mean(members, extent_weight(members.values(domain.rank)), TOTAL)
    if name == "local_concentration":
        return local_concentration(members, domain.rank)
    return members.total(members.values(domain.score) * members.values(domain.weight))


def measure_table(members: Members, plan: dict[str, tuple[str, ...]]) -> dict[tuple[str, str], pd.Series]:
    """Every planned (domain, measure) for every area of ``members``."""
    return {
        (domain.key, name): pd.Series(measure(members, domain, name), index=members.areas)
        for domain in DOMAINS for name in plan[domain.key]
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


def lad_membership(lsoas: pd.DataFrame) -> pd.DataFrame:
    """The LSOA -> LAD membership table (area_code, area_name, lsoa_code) of an LSOA table."""
    table = lsoas[[LAD_CODE, LAD_NAME, LSOA_CODE]]
    return table.set_axis(["area_code", "area_name", "lsoa_code"], axis=1)


def check_tables(lsoas: pd.DataFrame, membership: pd.DataFrame | None) -> None:
    """:class:`InvalidDeprivationFile` when the tables lack the columns the method needs."""
    tables = [("LSOA table", lsoas, [LSOA_CODE, LAD_CODE, LAD_NAME, TOTAL])]
    if membership is not None:
        tables.append(("membership table", membership, ["area_code", "area_name", "lsoa_code"]))
    for name, frame, needed in tables:
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InvalidDeprivationFile(
                f"The {name} lacks column(s) {', '.join(repr(c) for c in missing)}. "
                "Use the official IoD2019 File 7 column names (see lpip.evidence.deprivation)."
            )
    if lsoas[LSOA_CODE].duplicated().any():
        raise InvalidDeprivationFile("The LSOA table has an LSOA more than once; keep one row per LSOA.")
    for column in [c for c in numeric_columns() if c in lsoas.columns]:
        values = lsoas[column]
        if not pd.api.types.is_numeric_dtype(values) or values.isna().any():
            bad = lsoas.loc[pd.to_numeric(values, errors="coerce").isna(), LSOA_CODE].iloc[0]
            raise InvalidDeprivationFile(
                f"The LSOA table's column {column!r} has a value that is not a number (LSOA {bad}). "
                "Fill it in, or read files with lpip.evidence.deprivation_files.read_lsoa_file, which says where."
            )


def coverage_warnings(lsoas: pd.DataFrame, membership: pd.DataFrame, lads: pd.Index) -> list[str]:
    """Warnings for areas only partly (or not at all) covered by the LSOA table, and for
    ranks taken among fewer than the 317 LADs."""
    warnings = []
    covered = membership["lsoa_code"].isin(lsoas[LSOA_CODE])
    share = covered.groupby(membership["area_code"]).agg(["sum", "size"])
    for code, row in share[share["sum"] < share["size"]].iterrows():
        empty = " (none: its cells are empty)" if row["sum"] == 0 else ""
        warnings.append(
            f"{code}: {row['size'] - row['sum']} of its {row['size']} LSOAs are not in the input, "
            f"so its summaries cover only the LSOAs present{empty}."
        )
    if len(lads) != N_LADS:
        warnings.append(
            f"The input covers {len(lads)} local authority districts, not all {N_LADS}: "
            "ranks are among those districts only."
        )
    return warnings


def long_table(areas: pd.DataFrame, values: dict, ranks: dict) -> pd.DataFrame:
    """The output: one row per area and domain, in OUTPUT_COLUMNS order."""
    parts = []
    for order, domain in enumerate(DOMAINS):
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


def summarise_deprivation(lsoas: pd.DataFrame, membership: pd.DataFrame | None = None) -> pd.DataFrame:
    """IoD2019 summary measures (File 10) for LADs or any areas built from LSOAs.

    Parameters
    ----------
    lsoas : DataFrame
        One row per LSOA with the official IoD2019 File 7 column names: ``LSOA code (2011)``,
        ``Local Authority District code (2019)`` and ``... name (2019)``, the population
        denominators (``Total population: mid 2015 (excluding prisoners)`` ...), and for each
        index its ``... Rank (where 1 is most deprived)``, ``... Decile (...)`` and
        ``... Score`` / ``... Score (rate)``. Absent index columns leave cells empty.
        Values must already be numeric (see ``read_lsoa_file`` for checked reading).
    membership : DataFrame, optional
        Which LSOAs make up each area: columns ``area_code``, ``area_name``, ``lsoa_code``;
        areas may overlap. Default: the LADs of ``lsoas``.

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
    check_tables(lsoas, membership)
    lads = lad_membership(lsoas)
    membership = lads if membership is None else membership
    plan, warnings = plan_measures(lsoas.columns)
    lad_values = measure_table(Members.of(lsoas, lads), plan)
    same = membership is lads or membership.equals(lads)
    values = lad_values if same else measure_table(Members.of(lsoas, membership), plan)
    ranks = {key: rank_among(series, lad_values[key]) for key, series in values.items()}
    areas = membership[["area_code", "area_name"]].drop_duplicates("area_code").sort_values("area_code")
    frame = long_table(areas.reset_index(drop=True), values, ranks)
    frame.attrs["warnings"] = warnings + coverage_warnings(lsoas, membership, pd.Index(lads["area_code"].unique()))
    return frame


def method_notes() -> list[str]:
    """How the summaries were made, for the metadata written beside the CSV."""
    return [
        "Method: English Indices of Deprivation 2019 Technical Report (MHCLG, 2019), Appendix N "
        "'Summary measures for higher-level geographies', as used for File 10 (local authority "
        "district summaries); computed from LSOA ranks, deciles, scores and population denominators.",
        "Population weights: total population mid-2015 excluding prisoners for the IMD and all "
        "domains except Employment (working-age population 18-59/64); IDACI children aged 0-15; "
        "IDAOPI people aged 60 and over.",
        "average_rank: population-weighted mean LSOA rank with the most deprived LSOA ranked 32,844 "
        "(higher = more deprived). average_score: population-weighted mean LSOA score, from the "
        "published 3-decimal LSOA scores (within 0.0005 of File 10's unrounded computation).",
        "proportion_most_deprived_10pc: share of the area's LSOAs in national decile 1.",
        "extent (IMD only): population in the most deprived 10% of LSOAs nationally counted in full, "
        "in the 11th-30th percentiles with weights 0.95 down to 0.05 (step 0.9/19), over the area's population.",
        "local_concentration (IMD only): population-weighted mean rank (most deprived = 32,844) of the "
        "area's most deprived LSOAs holding exactly 10% of its population, the boundary LSOA counted in part.",
        "scale (Income and Employment only) APPROXIMATION: File 10's income and employment scales are "
        "counts of deprived people computed from unrounded numerators; here scale = sum over LSOAs of the "
        "published 3-decimal rate x population (total population for income, working-age population for "
        "employment), so each LSOA may be off by up to 0.0005 x its population and ranks of scale may "
        "differ from File 10 between areas with close values.",
        "Ranks: among the local authority districts in the input (317 for England), 1 = most deprived, "
        "ties share the better rank (standard competition ranking, as File 10). For areas that are not "
        "LADs, the rank is the one the area would have among the LADs (1 + number of LADs more deprived).",
        "Empty cells: a measure that File 10 does not publish for that domain, or that the input lacks "
        "the columns for (see the warnings).",
    ]
