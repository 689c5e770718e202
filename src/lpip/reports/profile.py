"""Area profiles: key facts, the spine chart against England, deprivation, maps, trends and
similar areas, for any district, sub-region or custom area.

:func:`gather_context` computes what profiles need for many areas at once (the atlas
builds 36 profiles from one context); :func:`build_profile` picks one area out of it, and
:func:`write_profile` writes one profile as HTML or PDF.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, LpipError
from lpip.evidence.aggregate import aggregate_indicator, member_names
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.deprivation import DOMAINS, LSOA_CODE, lad_membership, summarise_deprivation
from lpip.evidence.deprivation_files import bundled_lsoa_table
from lpip.evidence.population import population_of
from lpip.evidence.similar import find_similar_areas
from lpip.evidence.trends import assess_trends, describe_changes, indicator_periods
from lpip.geography.areas import get_area, parents_of
from lpip.geography.models import LEVEL_LABELS, Area
from lpip.reports.benchmarks import DEFAULT_REGION, benchmark_indicators, district_indicators, region_codes
from lpip.reports.render import Figure, figure_sources, format_number, pyplot, render_page, savefig_svg
from lpip.reports.spine import draw_spine

IMD = DOMAINS[0]
DOMAIN_NAMES = {
    "imd": "Index of Multiple Deprivation", "income": "Income", "employment": "Employment",
    "education": "Education, skills and training", "health": "Health deprivation and disability",
    "crime": "Crime", "barriers": "Barriers to housing and services", "living_environment": "Living environment",
    "idaci": "Income deprivation affecting children", "idaopi": "Income deprivation affecting older people",
}
TREND_SHOWN = ("start_period", "end_period", "start_value", "end_value", "change", "percent_change", "direction")
SIMILAR_AREAS = 5
MAP_INDICATOR = "imd_score"
Progress = Callable[[str], None]


@dataclass
class ProfileContext:
    """What profiles of many areas share, computed once.

    Attributes
    ----------
    region : the region whose districts give the ranges.
    benchmarks : :func:`lpip.reports.benchmarks.benchmark_indicators` for the areas.
    deprivation : IoD2019 summaries (:func:`summarise_deprivation`) for every district and the areas.
    membership : area_code, lsoa_code for each area.
    lsoas : the bundled IoD2019 LSOA table.
    trends : one row per area and indicator with two or more district periods.
    """

    region: Area
    benchmarks: pd.DataFrame
    deprivation: pd.DataFrame
    membership: pd.DataFrame
    lsoas: pd.DataFrame
    trends: pd.DataFrame


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

    @property
    def charted(self) -> pd.DataFrame:
        """Rows on the spine chart: indicators with a value that are not counts."""
        rows = self.indicators[self.indicators["on_chart"] & self.indicators["value"].notna()]
        return rows.assign(label=rows["title"] + " (" + rows["period"] + ")")


@cache
def lsoa_table() -> pd.DataFrame:
    """The bundled IoD2019 LSOA table (read once per process)."""
    return bundled_lsoa_table()


def area_lsoas(session: Session, area: Area) -> list[str]:
    """The 2011 LSOAs inside an area (an LSOA itself for an LSOA)."""
    if area.level == "lsoa":
        return [area.code]
    return list(member_names(session, area.code, "lsoa"))


def membership_table(session: Session, areas: list[Area], lsoas: pd.DataFrame) -> pd.DataFrame:
    """area_code, area_name, lsoa_code for every area: districts from the LSOA table, other
    areas by following their links down to LSOAs."""
    lads = lad_membership(lsoas)
    parts = [lads]
    for area in areas:
        if area.level != "lad":
            codes = area_lsoas(session, area)
            parts.append(pd.DataFrame({"area_code": area.code, "area_name": area.name, "lsoa_code": codes}))
    return pd.concat(parts, ignore_index=True)


def gather_context(session: Session, area_codes: Iterable[str], region: str = DEFAULT_REGION,
                   progress: Progress | None = None) -> ProfileContext:
    """Compute, once, what the profiles of ``area_codes`` need.

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
    lsoas = lsoa_table()
    membership = membership_table(session, areas, lsoas)
    deprivation = summarise_deprivation(lsoas, membership)
    step("trends")
    trends = area_trends(session, areas)
    wanted = {a.code for a in areas}
    return ProfileContext(
        region=region_area, benchmarks=benchmarks,
        deprivation=deprivation[deprivation["area_code"].isin(wanted)].reset_index(drop=True),
        membership=membership[membership["area_code"].isin(wanted)].reset_index(drop=True),
        lsoas=lsoas, trends=trends,
    )


def area_trends(session: Session, areas: list[Area]) -> pd.DataFrame:
    """Change between the oldest and latest district period of every indicator with two or
    more, for districts (:func:`lpip.evidence.trends.assess_trends`) and, aggregated from
    their districts, for other areas; areas that cannot be aggregated are left out."""
    districts = [a.code for a in areas if a.level == "lad"]
    others = [a for a in areas if a.level != "lad"]
    parts = []
    for indicator in district_indicators(session):
        periods = indicator_periods(session, indicator.id, "lad")
        if len(periods) < 2:
            continue
        if districts:
            table = assess_trends(session, indicator.id, areas=districts, level="lad").table
            parts.append(table.assign(indicator_id=indicator.id, title=indicator.title, unit=indicator.unit))
        for area in others:
            table = _aggregated_trend(session, indicator, area, periods[0], periods[-1])
            if table is not None:
                parts.append(table.assign(indicator_id=indicator.id, title=indicator.title, unit=indicator.unit))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _aggregated_trend(session: Session, indicator, area: Area, start: str, end: str) -> pd.DataFrame | None:
    try:
        rows = [aggregate_indicator(session, indicator.id, [area.code], period=p) for p in (start, end)]
    except LpipError:
        return None
    values = pd.concat(rows)[["area_code", "area_name", "period", "value"]].assign(lower_ci=np.nan, upper_ci=np.nan)
    table = describe_changes(values, indicator.polarity, start, end)
    table.insert(1, "area_name", area.name)
    return table


def build_profile(session: Session, code: str, region: str = DEFAULT_REGION,
                  context: ProfileContext | None = None) -> AreaProfile:
    """The profile of one area (a district, sub-region, custom area or region).

    Parameters
    ----------
    session : an open database session.
    code : the area, e.g. "E08000029" (Solihull) or "WM-BSOL".
    region : the region whose districts give the ranges on the spine chart.
    context : from :func:`gather_context` when profiling many areas; computed if omitted.

    Examples
    --------
    >>> profile = build_profile(session, "E08000029")  # doctest: +SKIP
    >>> profile.facts[0]  # doctest: +SKIP
    ('Type', 'Local authority district (2019)')
    """
    area = get_area(session, code)
    context = context or gather_context(session, [area.code], region)
    indicators = context.benchmarks[context.benchmarks["area_code"] == area.code].reset_index(drop=True)
    deprivation = context.deprivation[context.deprivation["area_code"] == area.code].reset_index(drop=True)
    lsoas = context.membership.loc[context.membership["area_code"] == area.code, "lsoa_code"].dropna()
    deciles = decile_counts(context.lsoas, lsoas)
    notes: list[str] = []
    similar = similar_areas(session, area, notes)
    members = district_members(session, area)
    trends = context.trends[context.trends["area_code"] == area.code] if not context.trends.empty else pd.DataFrame()
    facts = key_facts(session, area, context.region, deprivation, deciles, members)
    return AreaProfile(
        code=area.code, name=area.name, level=area.level, region_code=context.region.code,
        region_name=context.region.name, facts=facts, indicators=indicators, deprivation=deprivation,
        deciles=deciles, trends=trends.reset_index(drop=True), similar=similar, members=members, notes=notes,
    )


def decile_counts(lsoas: pd.DataFrame, codes: Iterable[str]) -> pd.Series:
    """How many of ``codes`` fall in each national IMD decile (1 = most deprived 10%)."""
    chosen = lsoas[lsoas[LSOA_CODE].isin(set(codes))]
    return chosen[IMD.decile].astype(int).value_counts().reindex(range(1, 11), fill_value=0).rename("lsoas")


def similar_areas(session: Session, area: Area, notes: list[str]) -> pd.DataFrame | None:
    """The districts most like a district (None for other areas, with a note)."""
    if area.level != "lad":
        notes.append("Similar areas are found for districts only (they compare districts with districts).")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = find_similar_areas(session, area.code, n=SIMILAR_AREAS)
        except LpipError as exc:
            notes.append(f"Similar areas: {exc.message}")
            return None
    notes += [f"Similar areas: {w.message}" for w in caught]
    return result.neighbours


def district_members(session: Session, area: Area) -> pd.DataFrame:
    """code, name of the districts inside an area that is not a district (else empty)."""
    if area.level in ("lad", "lsoa", "msoa"):
        return pd.DataFrame(columns=["code", "name"])
    members = member_names(session, area.code, "lad")
    return pd.DataFrame(list(members.items()), columns=["code", "name"])


def key_facts(session: Session, area: Area, region: Area, deprivation: pd.DataFrame, deciles: pd.Series,
              members: pd.DataFrame) -> list[tuple[str, str]]:
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
    total = int(deciles.sum())
    if total:
        most = int(deciles.loc[1])
        facts.append(("Neighbourhoods (LSOAs)", f"{total:,}; {most:,} ({most / total:.0%}) among England's most deprived 10%"))
    imd = deprivation[deprivation["domain"] == "imd"]
    if not imd.empty and pd.notna(imd["rank_of_average_score"].iloc[0]):
        rank = int(imd["rank_of_average_score"].iloc[0])
        facts.append(("IMD 2019 average score", f"{imd['average_score'].iloc[0]:.1f}; rank {rank} of 317 districts "
                      "(1 = most deprived)" + ("" if area.level == "lad" else ", the rank it would have as a district")))
    facts.append(("Ranges compared with", f"districts of {region.name}"))
    return facts


# --- figures -----------------------------------------------------------------------------


def spine_figure(profile: AreaProfile) -> Figure | None:
    rows = profile.charted
    if rows.empty:
        return None
    labels = {"region": f"{profile.region_name} districts", "england": "English districts"}
    range_label = labels[rows["range_of"].mode().iloc[0]]
    svg, alt = draw_spine(rows, profile.name, range_label)
    return Figure(f"{profile.code}-spine", svg, alt)


def decile_figure(profile: AreaProfile) -> Figure | None:
    """Bar chart of the area's LSOAs by national IMD decile, with England's 10% per decile."""
    total = int(profile.deciles.sum())
    if not total:
        return None
    plt = pyplot()
    shares = profile.deciles / total * 100
    fig, ax = plt.subplots(figsize=(6.2, 2.6))
    try:
        ax.bar(shares.index, shares.values, color="#5E3C99", edgecolor="#000000", linewidth=0.6)
        ax.axhline(10, color="#000000", linestyle="--", linewidth=1, label="England: 10% in each decile")
        ax.set_xticks(range(1, 11), labels=["1\nmost", *map(str, range(2, 10)), "10\nleast"], fontsize=8)
        ax.set_xlabel("IMD 2019 decile (national)", fontsize=8)
        ax.set_ylabel("% of the area's LSOAs", fontsize=8)
        ax.legend(fontsize=7, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        svg = savefig_svg(fig)
    finally:
        plt.close(fig)
    most, least = int(profile.deciles.loc[1]), int(profile.deciles.loc[10])
    alt = (f"Bar chart of {profile.name}'s {total:,} LSOAs by national IMD 2019 decile: {most:,} ({most / total:.0%}) "
           f"in the most deprived decile and {least:,} ({least / total:.0%}) in the least deprived; "
           "England has 10% in each.")
    return Figure(f"{profile.code}-deciles", svg, alt)


def map_figure(session: Session, profile: AreaProfile, notes: list[str]) -> Figure | None:
    """Static map of the area's LSOAs by IMD 2019 score (PNG); a note instead when the area
    has no bundled boundaries."""
    from lpip.maps import draw_static, map_frame

    try:
        frame = map_frame(session, MAP_INDICATOR, level="lsoa", within=profile.code)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "map.png"
            alt = draw_static(frame, get_indicator(session, MAP_INDICATOR), out)
            data = out.read_bytes()
    except LpipError as exc:
        notes.append(f"Map: {exc.message}")
        return None
    return Figure(f"{profile.code}-imd-map", data, alt, suffix=".png")


def profile_figures(session: Session, profile: AreaProfile, maps: bool = True) -> dict[str, Figure | None]:
    figures = {"spine": spine_figure(profile), "deciles": decile_figure(profile)}
    figures["map"] = map_figure(session, profile, profile.notes) if maps else None
    return figures


# --- tables for the page -----------------------------------------------------------------


def indicator_rows(profile: AreaProfile) -> list[dict]:
    """The indicator table under the spine chart, grouped by theme."""
    rows = []
    for row in profile.indicators.itertuples(index=False):
        rows.append(dict(
            id=row.indicator_id, title=row.title, theme=row.theme, period=row.period, unit=row.unit,
            value=format_number(row.value, row.unit), england=format_number(row.england_value, row.unit),
            centre=format_number(row.centre, row.unit), centre_is_england=bool(row.centre_is_england),
            low=format_number(row.range_min, row.unit), high=format_number(row.range_max, row.unit),
            significance=row.significance, quintile="" if pd.isna(row.quintile) else int(row.quintile),
            rank="" if pd.isna(row.region_rank) else f"{int(row.region_rank)} of {int(row.region_count)}",
            note=row.note or ("" if row.on_chart else "A count: listed, not charted."),
        ))
    return rows


def deprivation_rows(profile: AreaProfile) -> list[dict]:
    rows = []
    for row in profile.deprivation.itertuples(index=False):
        if pd.isna(row.average_score):
            continue
        rows.append(dict(
            domain=DOMAIN_NAMES.get(row.domain, row.domain), score=f"{row.average_score:.3f}",
            score_rank="" if pd.isna(row.rank_of_average_score) else int(row.rank_of_average_score),
            rank_rank="" if pd.isna(row.rank_of_average_rank) else int(row.rank_of_average_rank),
            share=f"{row.proportion_most_deprived_10pc:.1%}",
        ))
    return rows


def trend_rows(profile: AreaProfile) -> list[dict]:
    if profile.trends.empty:
        return []
    rows = []
    for row in profile.trends.itertuples(index=False):
        if pd.isna(row.start_value) or pd.isna(row.end_value):
            continue
        rows.append(dict(
            title=row.title, start=row.start_period, end=row.end_period,
            start_value=format_number(row.start_value, row.unit), end_value=format_number(row.end_value, row.unit),
            change=format_number(row.change), percent="–" if pd.isna(row.percent_change) else f"{row.percent_change:+.1f}%",
            direction=row.direction,
        ))
    return rows


def profile_page(profile: AreaProfile, sources: dict[str, dict], standalone: bool = True, root: str = "",
                 links: dict | None = None) -> str:
    """The profile as an HTML page (stand-alone with inline CSS, or an atlas page)."""
    similar = [] if profile.similar is None else profile.similar.to_dict("records")
    return render_page(
        "profile.html", profile=profile, figures=sources, indicators=indicator_rows(profile),
        deprivation=deprivation_rows(profile), deciles=profile.deciles.to_dict(), trends=trend_rows(profile),
        similar=similar, members=profile.members.to_dict("records"), standalone=standalone, root=root,
        links=links or {}, title=f"{profile.name}: area profile",
    )


def write_profile(session: Session, code: str, out: Path, region: str = DEFAULT_REGION) -> Path:
    """Write an area's profile to ``out``: a stand-alone .html file or an A4 .pdf.

    Examples
    --------
    >>> write_profile(session, "E08000029", Path("solihull.pdf"))  # doctest: +SKIP
    """
    out = Path(out)
    kind = document_kind(out)
    profile = build_profile(session, code, region)
    html = profile_page(profile, figure_sources(profile_figures(session, profile), None))
    return write_document(html, out, kind)


def document_kind(out: Path) -> str:
    """"html" or "pdf" from the file name; :class:`InvalidExport` otherwise or if the folder is missing."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise InvalidExport(f"{out}: write a profile or data pack to a .html or .pdf file, e.g. solihull.pdf.")
    if not Path(out).parent.is_dir():
        raise InvalidExport(f"{out}: the folder {Path(out).parent} does not exist; create it or choose another path.")
    return suffix[1:]


def write_document(html: str, out: Path, kind: str) -> Path:
    if kind == "pdf":
        from lpip.reports.pdf import write_pdf

        return write_pdf(html, out)
    out.write_text(html, encoding="utf-8")
    return out


__all__ = [
    "AreaProfile", "ProfileContext", "build_profile", "gather_context", "profile_page", "write_profile",
    "region_codes",
]
