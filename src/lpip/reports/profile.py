"""Area profiles on the page: the spine chart against England, the decile chart, the map,
the tables, and the stand-alone HTML or PDF document. The profile itself (what the page
shows, as data) is :func:`lpip.evidence.profile.build_profile`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, LpipError
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.profile import DOMAIN_NAMES, AreaProfile, build_profile, imd_indicator_id
from lpip.reports.render import Figure, figure_sources, format_number, pyplot, render_page, savefig_svg, spine_sources
from lpip.reports.spine import draw_spine, draw_spine_legend, spine_parts

MAP_INDICATOR = imd_indicator_id()


# --- figures -----------------------------------------------------------------------------


def spine_figures(profile: AreaProfile) -> list[Figure]:
    """The spine chart of every charted indicator, split into charts that each fit an A4
    page (:func:`lpip.reports.spine.spine_parts`); empty when nothing is charted."""
    rows = profile.charted
    if rows.empty:
        return []
    labels = {"region": f"{profile.region_name} districts", "england": "English districts"}
    range_label = labels[rows["range_of"].mode().iloc[0]]
    parts = spine_parts(rows)
    figures, first = [], 1
    for number, part in enumerate(parts, start=1):
        which = (first, first + len(part) - 1, len(rows)) if len(parts) > 1 else None
        svg, alt = draw_spine(part, profile.name, range_label, part=which, legend=False)
        figures.append(Figure(f"{profile.code}-spine" + (f"-{number}" if number > 1 else ""), svg, alt))
        first += len(part)
    svg, alt = draw_spine_legend(range_label, daggers=not rows["centre_is_england"].astype(bool).all())
    figures.append(Figure(f"{profile.code}-spine-key", svg, alt))
    return figures


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
        ax.set_xlabel(f"IMD {profile.edition} decile (national)", fontsize=8)
        ax.set_ylabel("% of the area's LSOAs", fontsize=8)
        ax.legend(fontsize=7, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        svg = savefig_svg(fig)
    finally:
        plt.close(fig)
    most, least = int(profile.deciles.loc[1]), int(profile.deciles.loc[10])
    alt = (f"Bar chart of {profile.name}'s {total:,} LSOAs by national IMD {profile.edition} decile: {most:,} ({most / total:.0%}) "
           f"in the most deprived decile and {least:,} ({least / total:.0%}) in the least deprived; "
           "England has 10% in each.")
    return Figure(f"{profile.code}-deciles", svg, alt)


def map_figure(session: Session, profile: AreaProfile, notes: list[str]) -> Figure | None:
    """Static map of the area's LSOAs by IMD 2019 score (PNG); a note instead when the area
    has no bundled boundaries."""
    from lpip.maps import draw_static, map_frame
    from lpip.maps.static import PRINT_SIZE

    try:
        frame = map_frame(session, MAP_INDICATOR, level="lsoa", within=profile.code)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "map.png"
            alt = draw_static(frame, get_indicator(session, MAP_INDICATOR), out, size=PRINT_SIZE)
            data = out.read_bytes()
    except LpipError as exc:
        notes.append(f"Map: {exc.message}")
        return None
    return Figure(f"{profile.code}-imd-map", data, alt, suffix=".png")


def profile_figures(session: Session, profile: AreaProfile, maps: bool = True) -> dict[str, Figure | None]:
    spines = spine_figures(profile)
    figures: dict[str, Figure | None] = {("spine" if n == 0 else f"spine-{n + 1}"): f for n, f in enumerate(spines[:-1])}
    figures["spine_key"] = spines[-1] if spines else None
    figures["deciles"] = decile_figure(profile)
    figures["map"] = map_figure(session, profile, profile.notes) if maps else None
    return figures


# --- tables for the page -----------------------------------------------------------------


def indicator_rows(profile: AreaProfile) -> list[dict]:
    """The indicator table under the spine chart, grouped by theme."""
    rows = []
    for row in profile.indicators.itertuples(index=False):
        estimate = bool(getattr(row, "is_estimate", False))
        note = row.note or ("" if row.on_chart else "A count: listed, not charted.")
        rows.append(dict(
            id=row.indicator_id, title=row.title, theme=row.theme, period=getattr(row, "period_label", row.period),
            unit=row.unit, estimate=estimate, rule=getattr(row, "comparison_rule", "") or "",
            value=format_number(row.value, row.unit) + (" (estimate)" if estimate else ""),
            england=format_number(row.england_value, row.unit),
            centre=format_number(row.centre, row.unit), centre_is_england=bool(row.centre_is_england),
            low=format_number(row.range_min, row.unit), high=format_number(row.range_max, row.unit),
            significance=row.significance, quintile="" if pd.isna(row.quintile) else int(row.quintile),
            rank="" if pd.isna(row.region_rank) else f"{int(row.region_rank)} of {int(row.region_count)}",
            note=note,
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
        "profile.html", profile=profile, figures=sources, spines=spine_sources(sources), indicators=indicator_rows(profile),
        deprivation=deprivation_rows(profile), deciles=profile.deciles.to_dict(), trends=trend_rows(profile),
        similar=similar, members=profile.members.to_dict("records"), standalone=standalone, root=root,
        links=links or {}, title=f"{profile.name}: area profile",
    )


def write_profile(session: Session, code: str, out: Path, region: str = DEFAULT_REGION,
                  similar_indicators: list[str] | None = None, edition: str = "2025") -> Path:
    """Write an area's profile to ``out``: a stand-alone .html file or an A4 .pdf;
    ``similar_indicators`` are the variables of its similar areas (default a CIPFA-like set);
    ``edition`` the IoD edition of its deprivation figures ("2025" or "2019").

    Examples
    --------
    >>> write_profile(session, "E08000029", Path("solihull.pdf"))  # doctest: +SKIP
    """
    out = Path(out)
    kind = document_kind(out)
    profile = build_profile(session, code, region, similar_indicators=similar_indicators, edition=edition)
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


__all__ = ["profile_page", "write_profile"]
