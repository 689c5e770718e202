"""One atlas page per indicator: its map, the areas ranked, a chart and the downloads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from lpip.evidence.export import export_indicator, write_export
from lpip.evidence.models import Indicator
from lpip.geography.models import Area
from lpip.reports.render import Figure, figure_sources, format_number, pyplot, render_page, savefig_svg

RANKED_LSOAS = 20  # most and least: LSOA tables list this many of each
BAR_LIMIT = 60  # districts: up to this many get a bar each; more (England's) a histogram


def ranked_table(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The mapped areas with a value, best first (highest first without a judgement)."""
    rows = frame.loc[frame["value"].notna(), ["code", "name", "value", "lower_ci", "upper_ci", "period"]]
    ascending = indicator.polarity == "lower is better"
    rows = rows.sort_values(["value", "code"], ascending=[ascending, True]).reset_index(drop=True)
    rows.insert(0, "rank", np.arange(1, len(rows) + 1))
    return rows


def bar_chart(table: pd.DataFrame, indicator: Indicator, england: float | None) -> Figure:
    """Horizontal bars of each district's value, best at the top, with England's value."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.2 * len(table)))
    try:
        y = np.arange(len(table))[::-1]
        ax.barh(y, table["value"], color="#4B6C8F", edgecolor="#000000", linewidth=0.4)
        ax.set_yticks(y, labels=table["name"], fontsize=7)
        if england is not None and not np.isnan(england):
            ax.axvline(england, color="#000000", linestyle="--", linewidth=1.2, label=f"England {format_number(england)}")
            ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.set_xlabel(f"{indicator.unit} ({table['period'].iloc[0]})", fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        svg = savefig_svg(fig)
    finally:
        plt.close(fig)
    best, worst = table.iloc[0], table.iloc[-1]
    alt = (f"Bar chart of {indicator.title} for {len(table)} districts, {table['period'].iloc[0]}: from "
           f"{format_number(best['value'], indicator.unit)} ({best['name']}) to {format_number(worst['value'], indicator.unit)} "
           f"({worst['name']})" + (f"; England {format_number(england, indicator.unit)}." if england is not None and not np.isnan(england) else "."))
    return Figure(f"{indicator.id}-chart", svg, alt)


def histogram(table: pd.DataFrame, indicator: Indicator, where: str, areas: str = "LSOAs",
              england: float | None = None) -> Figure:
    """The distribution of the values (of LSOAs, or of districts when there are too many for
    a bar each), with England's value where there is one."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    try:
        ax.hist(table["value"], bins=30, color="#4B6C8F", edgecolor="#000000", linewidth=0.3)
        if england is not None and not np.isnan(england):
            ax.axvline(england, color="#000000", linestyle="--", linewidth=1.2, label=f"England {format_number(england)}")
            ax.legend(fontsize=7, frameon=False)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(f"{indicator.unit} ({table['period'].iloc[0]})", fontsize=8)
        ax.set_ylabel(areas, fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        svg = savefig_svg(fig)
    finally:
        plt.close(fig)
    values = table["value"]
    alt = (f"Histogram of {indicator.title} for the {len(table):,} {areas} of {where}: median "
           f"{format_number(values.median())}, from {format_number(values.min())} to {format_number(values.max())}.")
    return Figure(f"{indicator.id}-chart", svg, alt)


def england_value(session: Session, indicator: Indicator, period: str) -> float | None:
    from lpip.evidence.benchmarks import _england_value

    value = _england_value(session, indicator, period)
    return None if np.isnan(value) else value


def write_downloads(session: Session, indicator: Indicator, level: str, region: str, folder: Path) -> dict[str, str]:
    """CSV and XLSX of the indicator's values for the region's areas of ``level`` (all periods)."""
    frame = export_indicator(session, indicator.id, within=region, level=level)
    files = {}
    for fmt in ("csv", "xlsx"):
        path = folder / f"{indicator.id}-{level}.{fmt}"
        write_export(frame, fmt, path, csvw=fmt == "csv")
        files[fmt] = path.name
    return files


def indicator_page(session: Session, site: Path, indicator: Indicator, level: str, region: Area,
                   profiled: frozenset[str] = frozenset()) -> dict:
    """Write one indicator's page; return its entry for the index and downloads."""
    from lpip.maps import map_frame, style_choropleth
    from lpip.maps.interactive import write_data_script, write_fragment
    from lpip.reports.homemap import home_layer

    frame = map_frame(session, indicator.id, level=level, within=region.code, skip_unmapped=level == "lad")
    styled = style_choropleth(frame, indicator)
    fragment = write_fragment(styled, site / "indicators", name=indicator.id, asset_prefix="../assets")
    data_script = write_data_script(site / "indicators" / f"{indicator.id}.geojson")
    table = ranked_table(frame, indicator)
    period = str(frame.attrs.get("period", table["period"].iloc[0]))
    england = england_value(session, indicator, period) if level == "lad" else None
    chart = chart_of(table, indicator, level, region.name, england)
    downloads = write_downloads(session, indicator, level, region.code, site / "downloads")
    shown = table if level == "lad" else pd.concat([table.head(RANKED_LSOAS), table.tail(RANKED_LSOAS)])
    html = render_page(
        "indicator.html", root="../", title=f"{indicator.title}: {region.name}", indicator=indicator, level=level,
        period=period, england=england, map_html=fragment.read_text(encoding="utf-8"),
        figures=figure_sources({"chart": chart}, site / "indicators" / "img", "img/"),
        rows=_table_rows(shown, indicator), total=len(table), missing=int(frame["value"].isna().sum()),
        downloads=downloads, geojson=f"{indicator.id}.geojson", region=region, lsoa_limit=RANKED_LSOAS,
        map_assets=map_assets("../assets", [data_script.name]), profiled=profiled,
    )
    (site / "indicators" / f"{indicator.id}.html").write_text(html, encoding="utf-8")
    layer = home_layer(styled, indicator.id, indicator.theme, period) if level == "lad" else None
    return dict(id=indicator.id, title=indicator.title, theme=indicator.theme, level=level, period=period,
                csv=downloads["csv"], xlsx=downloads["xlsx"], geojson=f"indicators/{indicator.id}.geojson", layer=layer)


def chart_of(table: pd.DataFrame, indicator: Indicator, level: str, where: str, england: float | None) -> Figure:
    """A bar per district (up to :data:`BAR_LIMIT`), else the distribution of the values."""
    if level == "lad" and len(table) <= BAR_LIMIT:
        return bar_chart(table, indicator, england)
    return histogram(table, indicator, where, "districts" if level == "lad" else "LSOAs", england)


def _table_rows(table: pd.DataFrame, indicator: Indicator) -> list[dict]:
    return [dict(rank=int(r.rank), code=r.code, name=r.name, value=format_number(r.value, indicator.unit),
                 interval="" if pd.isna(r.lower_ci) else f"{format_number(r.lower_ci)} to {format_number(r.upper_ci)}")
            for r in table.itertuples(index=False)]


def map_assets(prefix: str, data_scripts: list[str] = ()) -> dict[str, str]:
    from lpip.maps.interactive import asset_tags

    head, body = asset_tags(prefix, list(data_scripts))
    return {"head": head, "body": body}
