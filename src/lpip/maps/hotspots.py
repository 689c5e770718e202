"""Maps of hotspots: the local Moran (LISA) clusters from :mod:`lpip.evidence.hotspots`,
coloured by what they mean and explained in plain words in the legend.

Where an indicator judges, a cluster of worse values is vermillion and one of better values
blue, whichever way the numbers run (a cluster of high IMD scores and one of low IMD ranks
are both clusters of high deprivation); outliers take the lighter colour of their side.
Areas that are not significant are pale grey, islands white.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from lpip.errors import NoBoundaries, NoData
from lpip.maps.legend import (
    LegendEntry, StyledMap, attribution, count_areas, format_value, map_level, unmapped_notes,
)
from lpip.maps.palettes import cluster_colour

CLUSTER_ORDER = ("high-high", "low-low", "high-low", "low-high", "not significant", "island")
ISLAND_HATCH = ".."
REQUIRED = ("area_code", "value", "cluster", "label")
LEGEND_TITLE = "Local clusters (local Moran's I)"


def style_hotspots(result_frame, boundaries: gpd.GeoDataFrame, indicator, period: str | None = None) -> StyledMap:
    """Give every area of a hotspot result its cluster colour and words.

    Parameters
    ----------
    result_frame : DataFrame or HotspotResult
        From :func:`lpip.evidence.hotspots.find_hotspots` (its ``to_frame()``): area_code,
        value, local_i, p_value, p_fdr, quadrant, cluster, label (and area_name).
    boundaries : GeoDataFrame
        code, geometry (and name) of at least the areas of the result.
    indicator : Indicator
        The catalogue row (title, unit, polarity, source).
    period : str, optional
        Shown in the legend; taken from a HotspotResult when one is passed.

    Returns
    -------
    StyledMap

    Examples
    --------
    >>> result = find_hotspots(session, "imd_score", within="E08000025")  # doctest: +SKIP
    >>> [entry.label for entry in style_hotspots(result, read_boundaries("lsoa"), indicator).legend]  # doctest: +SKIP
    ['cluster of high deprivation', 'cluster of low deprivation', ..., 'no significant local pattern']
    """
    period = period or getattr(result_frame, "period", None) or ""
    within_name = getattr(result_frame, "within_name", None)
    areas = _styled_areas(_joined(_result_table(result_frame), boundaries), indicator, within_name)
    level = map_level(areas)
    legend = hotspot_legend(areas, indicator.polarity)
    described = count_areas(len(areas), level) + (f" in {within_name}" if within_name else "")
    return StyledMap(
        areas=areas, legend=legend, legend_title=", ".join(p for p in (LEGEND_TITLE, period) if p),
        title=f"Hotspots: {indicator.title}", subtitle=f"{described}, {period}".rstrip(", "),
        attribution=attribution(indicator, level), alt=hotspot_alt(legend, indicator, described),
        level=level, unit=indicator.unit or "", notes=unmapped_notes(boundaries),
    )


def _styled_areas(areas: gpd.GeoDataFrame, indicator, within_name: str | None) -> gpd.GeoDataFrame:
    areas["fill"] = [cluster_colour(c, indicator.polarity) for c in areas["cluster"]]
    areas["hatch"] = [ISLAND_HATCH if c == "island" else None for c in areas["cluster"]]
    areas["class"] = [CLUSTER_ORDER.index(c) for c in areas["cluster"]]
    areas["class_label"] = areas["label"]
    areas["value_text"] = [format_value(v, indicator.unit) for v in areas["value"]]
    areas["interval"] = None
    areas["lower_ci"] = areas["upper_ci"] = float("nan")
    areas.attrs.update(level=map_level(areas), within_name=within_name)
    return areas


def _result_table(result_frame) -> pd.DataFrame:
    is_result = hasattr(result_frame, "to_frame") and hasattr(result_frame, "areas")  # a HotspotResult
    frame = result_frame.to_frame() if is_result else result_frame
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise NoData(
            f"A hotspot table needs the columns {', '.join(REQUIRED)}; it lacks {', '.join(missing)}. "
            "Pass the result of lpip.evidence.hotspots.find_hotspots (or its to_frame())."
        )
    if frame.empty:
        raise NoData("The hotspot table has no areas to map.")
    return frame


def _joined(frame: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    shapes = boundaries[[c for c in ("code", "name", "geometry") if c in boundaries.columns]]
    missing = sorted(set(frame["area_code"]) - set(shapes["code"]))
    if missing:
        raise NoBoundaries(
            f"{len(missing):,} areas of the hotspot table have no boundary (e.g. {', '.join(missing[:3])}); "
            "pass boundaries that cover them (lpip ships LSOA boundaries for the West Midlands only)."
        )
    areas = shapes.merge(frame.rename(columns={"area_code": "code"}), on="code", how="inner")
    if "area_name" in areas:
        areas["name"] = areas["area_name"].fillna(areas.get("name", areas["code"]))
    elif "name" not in areas:
        areas["name"] = areas["code"]
    return gpd.GeoDataFrame(areas, geometry="geometry", crs=boundaries.crs).sort_values("code").reset_index(drop=True)


def hotspot_legend(areas: gpd.GeoDataFrame, polarity: str) -> list[LegendEntry]:
    """One entry per cluster present, in a fixed order, labelled with the result's words."""
    entries = []
    for cluster in CLUSTER_ORDER:
        members = areas[areas["cluster"] == cluster]
        if len(members):
            hatch = ISLAND_HATCH if cluster == "island" else None
            entries.append(LegendEntry(str(members["label"].iloc[0]), cluster_colour(cluster, polarity), len(members),
                                       hatch, "#737373" if hatch else None))
    return entries


def hotspot_alt(legend: list[LegendEntry], indicator, areas_words: str) -> str:
    counts = "; ".join(f"{e.label}: {e.count:,}" for e in legend)
    return f"Map of local clusters (local Moran's I) of {indicator.title} for {areas_words}. {counts}."


def draw_hotspots(result_frame, boundaries: gpd.GeoDataFrame, indicator, out: Path, *,
                  period: str | None = None, outlines: gpd.GeoDataFrame | None = None,
                  size: tuple[float, float] | None = None) -> str:
    """Draw a hotspot map to ``out`` (.png, .svg or .html) and return its alt text; ``size``
    (inches) as in :func:`lpip.maps.draw_static`.

    Examples
    --------
    >>> result = find_hotspots(session, "imd_score")  # doctest: +SKIP
    >>> draw_hotspots(result, read_boundaries("lsoa"), indicator, Path("hotspots.png"))  # doctest: +SKIP
    """
    from lpip.maps.choropleth import check_suffix
    from lpip.maps.interactive import write_page
    from lpip.maps.static import render

    out = check_suffix(Path(out))
    styled = style_hotspots(result_frame, boundaries, indicator, period)
    if out.suffix.lower() == ".html":
        write_page(styled, out)
    else:
        render(styled, out, outlines, *([size] if size else []))
    return styled.alt


def map_hotspots(
    session: Session,
    indicator_id: str,
    out: Path,
    within: str = "E12000005",
    period: str | None = None,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
) -> str:
    """Find the hotspots of an LSOA indicator inside an area and draw them to ``out``; the
    alt text is returned. Sub-region outlines are drawn over static maps.

    Examples
    --------
    >>> map_hotspots(session, "imd_score", Path("imd-hotspots.png"), within="E08000025")  # doctest: +SKIP
    """
    from lpip.evidence.catalogue import get_indicator
    from lpip.evidence.hotspots import find_hotspots
    from lpip.maps.choropleth import boundaries_for, check_suffix, subregion_outlines

    out = check_suffix(Path(out))
    result = find_hotspots(session, indicator_id, within=within, period=period,
                           permutations=permutations, seed=seed, alpha=alpha)
    boundaries, _missing = boundaries_for("lsoa", result.areas["area_code"])
    indicator = get_indicator(session, indicator_id)
    outlines = None if out.suffix.lower() == ".html" else subregion_outlines(session, boundaries)
    return draw_hotspots(result, boundaries, indicator, out, outlines=outlines)
