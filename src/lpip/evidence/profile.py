"""Area profiles as data: key facts, every indicator against England, deprivation, trends
and similar areas, for any district, sub-region or custom area.

:func:`gather_context` computes what profiles need for many areas at once (the atlas
builds 36 profiles from one context); :func:`build_profile` picks one area out of it.
Drawing and pages are in :mod:`lpip.reports.profile`.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import LpipError, NoData
from lpip.evidence.aggregate import aggregate_indicator, member_names
from lpip.evidence.benchmarks import DEFAULT_REGION, benchmark_indicators, district_indicators
from lpip.evidence.deprivation import DEFAULT_EDITION, DOMAINS, get_edition, lad_membership, summarise_deprivation
from lpip.evidence.deprivation_files import bundled_lsoa_table
from lpip.evidence.formatting import format_number
from lpip.evidence.population import population_of
from lpip.evidence.similar import find_similar_areas
from lpip.evidence.trends import assess_trends, describe_changes, indicator_periods
from lpip.geography.areas import get_area, parents_of
from lpip.geography.models import LEVEL_LABELS, Area

IMD = DOMAINS[0]
DOMAIN_NAMES = {
    "imd": "Index of Multiple Deprivation", "income": "Income", "employment": "Employment",
    "education": "Education, skills and training", "health": "Health deprivation and disability",
    "crime": "Crime", "barriers": "Barriers to housing and services", "living_environment": "Living environment",
    "idaci": "Income deprivation affecting children", "idaopi": "Income deprivation affecting older people",
}
# The Index of Multiple Deprivation that maps, profiles, hotspots and packs show: one place
# to change when the default edition changes (see :func:`imd_indicator_id`).
IMD_INDICATOR = "imd_score"
TREND_SHOWN = ("start_period", "end_period", "start_value", "end_value", "change", "percent_change", "direction")
SIMILAR_AREAS = 5
Progress = Callable[[str], None]


@dataclass
class ProfileContext:
    """What profiles of many areas share, computed once.

    Attributes
    ----------
    region : the region whose districts give the ranges.
    benchmarks : :func:`lpip.evidence.benchmarks.benchmark_indicators` for the areas.
    deprivation : summaries of the IoD edition (:func:`summarise_deprivation`) for the areas.
    membership : area_code, lsoa_code for each area (LSOA 2021 for IoD2025, 2011 for IoD2019).
    lsoas : the bundled LSOA table of the edition.
    trends : one row per area and indicator with two or more district periods.
    similar_indicators : the variables of the similar-areas comparison (None: its default).
    edition : "2025" (IoD2025, the default) or "2019".
    """

    region: Area
    benchmarks: pd.DataFrame
    deprivation: pd.DataFrame
    membership: pd.DataFrame
    lsoas: pd.DataFrame
    trends: pd.DataFrame
    similar_indicators: tuple[str, ...] | None = None
    edition: str = DEFAULT_EDITION


@dataclass
class AreaProfile:
    """One area's profile: everything its page shows, as data."""

    code: str
    name: str
    level: str
    region_code: str
    region_name: str
    facts: list[tuple[str, str]]
    indicators: pd.DataFrame
    deprivation: pd.DataFrame
    deciles: pd.Series
    trends: pd.DataFrame
    similar: pd.DataFrame | None
    members: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    similar_variables: list[str] = field(default_factory=list)  # titles of the similar-areas indicators
    edition: str = DEFAULT_EDITION

    @property
    def charted(self) -> pd.DataFrame:
        """Rows on the spine chart: every indicator that is not a count, with or without a
        value (the chart says "no value" where there is none, so that it lists them all). Each
        label ends with the period as people write it, "estimate" where the value is one, and
        the rule that judged it: [CI] a confidence interval (Fingertips' rule), [0.5 sd] the
        materiality rule."""
        rows = self.indicators[self.indicators["on_chart"].astype(bool)]
        periods = rows["period_label"] if "period_label" in rows else rows["period"]
        estimate = rows["is_estimate"].astype(bool).map({True: ", estimate", False: ""}) if "is_estimate" in rows else ""
        rules = rows["comparison_rule"].map(rule_tag) if "comparison_rule" in rows else ""
        titles = rows["title"].map(lambda t: textwrap.shorten(str(t), CHART_TITLE_WIDTH, placeholder="…"))
        return rows.assign(label=titles + " (" + periods + estimate + ")" + rules)


CHART_TITLE_WIDTH = 44


def rule_tag(rule) -> str:
    """The spine chart's short mark for a comparison rule."""
    text = str(rule or "")
    if text.startswith("Fingertips"):
        return " [CI]"
    if text.startswith("materiality"):
        return " [0.5 sd]"
    return ""


def imd_indicator_id() -> str:
    """The id of the IMD indicator (LSOA level) that the profile map, the data pack's hotspots
    and the atlas's first LSOA page show."""
    return IMD_INDICATOR


@cache
def lsoa_table(edition: str = "2019") -> pd.DataFrame:
    """The bundled LSOA table of an IoD edition (read once per process and edition)."""
    return bundled_lsoa_table(edition)


def area_lsoas(session: Session, area: Area, edition: str = "2019", lsoas: pd.DataFrame | None = None) -> list[str]:
    """The LSOAs inside an area (an LSOA itself for an LSOA): 2011 LSOAs by the area links for
    IoD2019; for IoD2025 the 2021 LSOAs of the districts inside it (by district code)."""
    if area.level == "lsoa":
        return [area.code]
    if get_edition(edition).year == "2019":
        return list(member_names(session, area.code, "lsoa"))
    chosen = get_edition(edition)
    table = lsoa_table(edition) if lsoas is None else lsoas
    districts = [area.code] if area.level == "lad" else list(member_names(session, area.code, "lad"))
    return table.loc[table[chosen.lad_code].isin(districts), chosen.lsoa_code].tolist()


def membership_table(session: Session, areas: list[Area], lsoas: pd.DataFrame, edition: str = "2019") -> pd.DataFrame:
    """area_code, area_name, lsoa_code for every area: districts from the LSOA table, other
    areas by following their links down to LSOAs (IoD2019) or districts (IoD2025)."""
    lads = lad_membership(lsoas, get_edition(edition))
    parts = [lads]
    for area in areas:
        if area.level != "lad":
            codes = area_lsoas(session, area, edition, lsoas)
            parts.append(pd.DataFrame({"area_code": area.code, "area_name": area.name, "lsoa_code": codes}))
    return pd.concat(parts, ignore_index=True)


def gather_context(session: Session, area_codes: Iterable[str], region: str = DEFAULT_REGION,
                   progress: Progress | None = None, similar_indicators: Iterable[str] | None = None,
                   edition: str = DEFAULT_EDITION) -> ProfileContext:
    """Compute, once, what the profiles of ``area_codes`` need; ``similar_indicators`` are the
    variables of the similar-areas comparison (default :func:`lpip.evidence.similar.default_indicators`);
    ``edition`` the IoD edition of the deprivation figures ("2025" or "2019").

    Examples
    --------
    >>> context = gather_context(session, ["E08000029", "WM-BSOL"])  # doctest: +SKIP
    """
    step = progress or (lambda _label: None)
    areas = [get_area(session, code) for code in dict.fromkeys(area_codes)]
    region_area = get_area(session, region)
    step("indicators against England")
    benchmarks = benchmark_indicators(session, [a.code for a in areas], region)
    step("deprivation summaries")
    edition = get_edition(edition).year
    lsoas = lsoa_table(edition)
    membership = membership_table(session, areas, lsoas, edition)
    deprivation = summarise_deprivation(lsoas, membership, edition)
    step("trends")
    trends = area_trends(session, areas)
    wanted = {a.code for a in areas}
    return ProfileContext(
        region=region_area, benchmarks=benchmarks,
        deprivation=deprivation[deprivation["area_code"].isin(wanted)].reset_index(drop=True),
        membership=membership[membership["area_code"].isin(wanted)].reset_index(drop=True),
        lsoas=lsoas, trends=trends,
        similar_indicators=tuple(similar_indicators) if similar_indicators else None, edition=edition,
    )


def area_trends(session: Session, areas: list[Area]) -> pd.DataFrame:
    """Change between the oldest and latest district period of every indicator with two or
    more, for districts (:func:`lpip.evidence.trends.assess_trends`) and, aggregated from
    their districts, for other areas; areas that cannot be aggregated, and indicators with no
    values for these districts at either end, are left out."""
    districts = [a.code for a in areas if a.level == "lad"]
    others = [a for a in areas if a.level != "lad"]
    parts = []
    for indicator in district_indicators(session):
        periods = indicator_periods(session, indicator.id, "lad")
        if len(periods) < 2:
            continue
        if districts:
            try:
                table = assess_trends(session, indicator.id, areas=districts, level="lad").table
            except NoData:  # e.g. an indicator published for other districts only (Westminster's cancer data)
                table = None
            if table is not None:
                parts.append(table.assign(indicator_id=indicator.id, title=indicator.title, unit=indicator.unit))
        for area in others:
            table = _aggregated_trend(session, indicator, area, periods[0], periods[-1])
            if table is not None:
                parts.append(table.assign(indicator_id=indicator.id, title=indicator.title, unit=indicator.unit))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _aggregated_trend(session: Session, indicator, area: Area, start: str, end: str) -> pd.DataFrame | None:
    try:
        rows = [aggregate_indicator(session, indicator.id, [area.code], period=p, estimate=True) for p in (start, end)]
    except LpipError:
        return None
    values = pd.concat(rows)[["area_code", "area_name", "period", "value", "lower_ci_95", "upper_ci_95"]]
    values = values.rename(columns={"lower_ci_95": "lower_ci", "upper_ci_95": "upper_ci"})
    from lpip.evidence.compare import english_spread
    from lpip.evidence.trends import breaks_between

    table = describe_changes(values, indicator.polarity, start, end, spread=english_spread(session, indicator.id, end),
                             breaks=breaks_between(indicator.id, start, end))
    table["is_estimate"] = bool(pd.concat(rows)["is_estimate"].astype(bool).any())
    table.insert(1, "area_name", area.name)
    return table


def build_profile(session: Session, code: str, region: str = DEFAULT_REGION,
                  context: ProfileContext | None = None, similar_indicators: Iterable[str] | None = None,
                  edition: str = DEFAULT_EDITION) -> AreaProfile:
    """The profile of one area (a district, sub-region, custom area or region).

    Parameters
    ----------
    session : an open database session.
    code : the area, e.g. "E08000029" (Solihull) or "WM-BSOL".
    region : the region whose districts give the ranges on the spine chart.
    context : from :func:`gather_context` when profiling many areas; computed if omitted.
    similar_indicators : the variables of the similar-areas comparison (district indicator
        ids); default the context's, else :func:`lpip.evidence.similar.default_indicators`.
    edition : the IoD edition of the deprivation figures, "2025" (default) or "2019"
        (ignored when a ``context`` is given: the context's edition is used).

    Examples
    --------
    >>> profile = build_profile(session, "E08000029")  # doctest: +SKIP
    >>> profile.facts[0]  # doctest: +SKIP
    ('Type', 'Local authority district (2019)')
    """
    area = get_area(session, code)
    context = context or gather_context(session, [area.code], region, similar_indicators=similar_indicators,
                                        edition=edition)
    indicators = context.benchmarks[context.benchmarks["area_code"] == area.code].reset_index(drop=True)
    deprivation = context.deprivation[context.deprivation["area_code"] == area.code].reset_index(drop=True)
    lsoas = context.membership.loc[context.membership["area_code"] == area.code, "lsoa_code"].dropna()
    deciles = decile_counts(context.lsoas, lsoas)
    notes: list[str] = []
    variables: list[str] = []
    chosen = tuple(similar_indicators) if similar_indicators else context.similar_indicators
    similar = similar_areas(session, area, notes, chosen, variables)
    members = district_members(session, area)
    trends = context.trends[context.trends["area_code"] == area.code] if not context.trends.empty else pd.DataFrame()
    facts = key_facts(session, area, context.region, deprivation, deciles, members, context.edition)
    return AreaProfile(
        code=area.code, name=area.name, level=area.level, region_code=context.region.code,
        region_name=context.region.name, facts=facts, indicators=indicators, deprivation=deprivation,
        deciles=deciles, trends=trends.reset_index(drop=True), similar=similar, members=members, notes=notes,
        similar_variables=variables, edition=context.edition,
    )


def decile_counts(lsoas: pd.DataFrame, codes: Iterable[str]) -> pd.Series:
    """How many of ``codes`` fall in each national IMD decile (1 = most deprived 10%)."""
    chosen = lsoas[lsoas[get_edition(None, lsoas).lsoa_code].isin(set(codes))]
    return chosen[IMD.decile].astype(int).value_counts().reindex(range(1, 11), fill_value=0).rename("lsoas")


def similar_areas(session: Session, area: Area, notes: list[str], indicators: Iterable[str] | None = None,
                  variables: list[str] | None = None) -> pd.DataFrame | None:
    """The districts most like a district (None for other areas, with a note); the titles of
    the indicators compared go into ``variables``."""
    if area.level != "lad":
        notes.append("Similar areas are found for districts only (they compare districts with districts).")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = find_similar_areas(session, area.code, n=SIMILAR_AREAS, indicators=indicators)
        except LpipError as exc:
            notes.append(f"Similar areas: {exc.message}")
            return None
    notes += [f"Similar areas: {w.message}" for w in caught]
    if variables is not None:
        variables += [result.titles[i] for i in result.indicators]
    return result.neighbours


def district_members(session: Session, area: Area) -> pd.DataFrame:
    """code, name of the districts inside an area that is not a district (else empty)."""
    if area.level in ("lad", "lsoa", "msoa"):
        return pd.DataFrame(columns=["code", "name"])
    members = member_names(session, area.code, "lad")
    return pd.DataFrame(list(members.items()), columns=["code", "name"])


def key_facts(session: Session, area: Area, region: Area, deprivation: pd.DataFrame, deciles: pd.Series,
              members: pd.DataFrame, edition: str = DEFAULT_EDITION) -> list[tuple[str, str]]:
    """(label, text) pairs for the top of a profile."""
    facts = [("Type", LEVEL_LABELS.get(area.level, area.level)), ("Code", area.code)]
    population = population_of(session, area.code)
    if population:
        how = " summed over its areas" if population["summed"] else ""
        facts.append(("Population", f"{format_number(population['value'])} ({population['period']}{how})"))
    sets = [p.name for p in parents_of(session, area.code, "member")]
    if sets:
        facts.append(("Part of", "; ".join(sets)))
    if not members.empty:
        facts.append(("Districts", f"{len(members)}: " + ", ".join(members["name"])))
    chosen = get_edition(edition)
    total = int(deciles.sum())
    if total:
        most = int(deciles.loc[1])
        facts.append((f"Neighbourhoods (LSOAs {'2011' if chosen.year == '2019' else '2021'})",
                      f"{total:,}; {most:,} ({most / total:.0%}) among England's most deprived 10% (IMD {chosen.year})"))
    imd = deprivation[deprivation["domain"] == "imd"]
    if not imd.empty and pd.notna(imd["rank_of_average_score"].iloc[0]):
        rank = int(imd["rank_of_average_score"].iloc[0])
        facts.append((f"IMD {chosen.year} average score",
                      f"{imd['average_score'].iloc[0]:.1f}; rank {rank} of {chosen.n_lads} districts "
                      "(1 = most deprived)" + ("" if area.level == "lad" else ", the rank it would have as a district")))
    facts.append(("Ranges compared with", f"districts of {region.name}"))
    return facts


__all__ = ["AreaProfile", "ProfileContext", "build_profile", "gather_context"]
