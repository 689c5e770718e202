"""From the database to a map: an indicator's values joined to the bundled boundaries, the
sub-region outlines drawn over LSOA maps, and the one call behind `lpip maps draw`.

Boundaries ship for the West Midlands districts and LSOAs and for England's districts of
December 2013 only, so a map of an area outside them stops with a message that says so
rather than drawing an empty or partial map.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import IndicatorNotAtLevel, InvalidExport, NoBoundaries, NoData, UnknownAreaLevel
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.evidence.trends import choose_period
from lpip.geography.areas import descendants, get_area
from lpip.geography.models import Area
from lpip.maps.legend import BOUNDARY_YEARS, LEVEL_WORDS

MAP_LEVELS = ("lad", "lsoa")
DEFAULT_WITHIN = "E12000005"
COLUMNS = ["code", "name", "value", "lower_ci", "upper_ci", "period", "geometry"]
SUFFIXES = (".png", ".svg", ".html")
# Boundary files to try for each level, smallest first: the West Midlands districts read
# ten times faster than England's, and most maps are of the West Midlands.
BOUNDARY_FILES = {"lad": ("lad", "england-lad"), "lsoa": ("lsoa",)}
SLIVER_M2 = 10_000


@lru_cache(maxsize=None)
def _read_boundaries(name: str) -> gpd.GeoDataFrame:
    from lpip.geography.boundaries import read_boundaries

    return read_boundaries(name)


def lsoa_boundaries() -> gpd.GeoDataFrame:
    """The bundled LSOA boundaries (code, name, geometry; EPSG:4326), read once per process:
    the one place that says which LSOA boundaries the maps draw."""
    return _read_boundaries(BOUNDARY_FILES["lsoa"][0])


def boundaries_for(level: str, codes) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Boundaries (code, geometry; EPSG:4326) of the given areas and the codes that have none.

    The files are read once per process and kept (an atlas draws dozens of maps from them).
    """
    wanted = set(codes)
    for name in BOUNDARY_FILES[level]:
        frame = _read_boundaries(name)
        found = frame[frame["code"].isin(wanted)]
        if len(found) == len(wanted):
            break
    missing = sorted(wanted - set(found["code"]))
    return found[["code", "geometry"]].copy(), missing


def check_map_level(level: str) -> str:
    if level not in MAP_LEVELS:
        raise UnknownAreaLevel(
            f"Maps are drawn at level lad or lsoa, not {level!r}: lpip ships boundaries for districts "
            "(England, December 2013) and LSOAs (West Midlands, 2011) only. Use --level lad or --level lsoa."
        )
    return level


def map_frame(
    session: Session,
    indicator_id: str,
    level: str = "lad",
    within: str = DEFAULT_WITHIN,
    period: str | None = None,
    *,
    skip_unmapped: bool = False,
) -> gpd.GeoDataFrame:
    """Every area of a level inside an area, with an indicator's values and its boundary.

    Parameters
    ----------
    session : Session
    indicator_id : str
        An indicator with values at ``level``.
    level : str
        "lad" (districts) or "lsoa".
    within : str
        The area whose districts or LSOAs are mapped (default E12000005, the West Midlands);
        a region, county, district, sub-region or any custom area.
    period : str, optional
        Default: the indicator's latest period at that level.
    skip_unmapped : bool
        Leave out areas without a bundled boundary (listed in ``attrs["without_boundary"]``)
        instead of stopping; for England's districts, five of 2019 have no 2013 boundary.

    Returns
    -------
    GeoDataFrame
        code, name, value, lower_ci, upper_ci, period, geometry (EPSG:4326), one row per
        area sorted by code, value NaN where the area has none. ``attrs`` holds indicator_id,
        level, within, within_name, period, boundary_year and without_boundary.

    Raises
    ------
    NoData
        The indicator has no values for these areas in that period.
    NoBoundaries
        Areas have no bundled boundary (e.g. the LSOAs of London, E12000007).

    Examples
    --------
    >>> frame = map_frame(session, "unemployment_rate")  # doctest: +SKIP
    >>> len(frame), int(frame["value"].isna().sum())  # doctest: +SKIP
    (30, 1)
    """
    check_map_level(level)
    indicator = get_indicator(session, indicator_id)
    _require_level(indicator, level)
    area = get_area(session, within)
    areas = _areas_within(session, area, level)
    period = choose_period(session, indicator.id, period, level)
    values = _values(session, indicator.id, period, _codes_query(area, level))
    if values["value"].notna().sum() == 0:
        raise NoData(_no_values_message(indicator, period, area, level, len(areas)))
    boundaries, missing = boundaries_for(level, areas["code"])
    if missing and (not skip_unmapped or len(missing) == len(areas)):
        raise NoBoundaries(_no_boundaries_message(area, level, missing, len(areas)))
    frame = areas.merge(values, on="code", how="left").merge(boundaries, on="code", how="inner")
    frame["period"] = period
    frame = gpd.GeoDataFrame(frame[COLUMNS], geometry="geometry", crs="EPSG:4326")
    frame.attrs.update(
        indicator_id=indicator.id, level=level, within=area.code, within_name=area.name, period=period,
        boundary_year=BOUNDARY_YEARS[level], without_boundary=missing,
    )
    return frame.sort_values("code").reset_index(drop=True)


def _require_level(indicator: Indicator, level: str) -> None:
    if level in indicator.level_list:
        return
    levels = [lvl for lvl in indicator.level_list if lvl in MAP_LEVELS]
    hint = f" Use --level {levels[0]}." if levels else " It cannot be mapped with the bundled boundaries."
    raise IndicatorNotAtLevel(
        f"Indicator {indicator.id} has values at {', '.join(indicator.level_list) or 'no'} level, "
        f"not {level}.{hint}"
    )


def _codes_query(area: Area, level: str):
    query = select(Area.code).where(Area.level == level)
    if area.level == level:
        return query.where(Area.code == area.code)
    return query.where(Area.code.in_(descendants(area.code)))


def _areas_within(session: Session, area: Area, level: str) -> pd.DataFrame:
    query = select(Area.code, Area.name).where(Area.code.in_(_codes_query(area, level))).order_by(Area.code)
    frame = pd.DataFrame(session.execute(query).all(), columns=["code", "name"])
    if frame.empty:
        raise NoData(
            f"There are no {LEVEL_WORDS[level][1]} inside {area.name} ({area.code}, a {area.level}). "
            "Use --within with a region, county, district or sub-region that contains some."
        )
    return frame


def _values(session: Session, indicator_id: str, period: str, codes) -> pd.DataFrame:
    query = select(
        IndicatorValue.area_code, IndicatorValue.value, IndicatorValue.lower_ci, IndicatorValue.upper_ci
    ).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
        IndicatorValue.area_code.in_(codes),
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=["code", "value", "lower_ci", "upper_ci"])
    return frame.astype({"value": float, "lower_ci": float, "upper_ci": float})


def _no_values_message(indicator: Indicator, period: str, area: Area, level: str, count: int) -> str:
    return (
        f"Indicator {indicator.id} ({indicator.title}) has no values for {period} in the {count:,} "
        f"{LEVEL_WORDS[level][1]} of {area.name} ({area.code}). Choose another --period "
        f"(`lpip indicators show {indicator.id}` lists its periods) or another --within area."
    )


def _no_boundaries_message(area: Area, level: str, missing: list[str], count: int) -> str:
    plural = LEVEL_WORDS[level][1]
    have = "none has a bundled boundary" if len(missing) == count else f"{len(missing):,} have no bundled boundary"
    advice = (
        "LSOA boundaries ship for the West Midlands (E12000005) only: use --within E12000005 or an area "
        "inside it, or --level lad."
        if level == "lsoa" else
        "District boundaries ship as of December 2013, before the mergers of 2019 onwards; draw the "
        "others with skip_unmapped=True (--skip-unmapped)."
    )
    return f"Of the {count:,} {plural} in {area.name} ({area.code}), {have} (e.g. {', '.join(missing[:3])}). {advice}"


# --- outlines --------------------------------------------------------------------------------


def subregion_outlines(session: Session, frame: gpd.GeoDataFrame, area_set: str = "wm-subregions") -> gpd.GeoDataFrame:
    """Outlines of the areas of a custom set (the six West Midlands sub-regions by default),
    made by dissolving the frame's areas that lie in each.

    Returns a GeoDataFrame of code, name, geometry (EPSG:4326) for the sub-regions that
    hold any of the frame's areas; empty when none does.

    Examples
    --------
    >>> outlines = subregion_outlines(session, map_frame(session, "imd_score", "lsoa"))  # doctest: +SKIP
    >>> len(outlines)  # doctest: +SKIP
    6
    """
    sets = session.execute(
        select(Area.code, Area.name).where(Area.area_set == area_set).order_by(Area.code)
    ).all()
    rows = []
    for code, name in sets:
        inside = set(session.scalars(descendants(code))) | {code}
        members = frame[frame["code"].isin(inside)]
        if len(members):
            rows.append({"code": code, "name": name, "geometry": _dissolve(members)})
    return gpd.GeoDataFrame(rows, columns=["code", "name", "geometry"], geometry="geometry", crs="EPSG:4326")


def _dissolve(members: gpd.GeoDataFrame):
    import shapely
    from shapely.geometry import Polygon

    # The LSOAs tile the region (they come from one topology), so a coverage union is exact
    # and twenty times faster than a general union; make_valid mends the few vertices that
    # quantisation moved, and holes under a hectare are such slivers, not real enclaves.
    projected = members.to_crs("EPSG:27700").geometry.to_numpy()
    merged = shapely.make_valid(shapely.coverage_union_all(projected))
    parts = [
        Polygon(part.exterior, [hole for hole in part.interiors if Polygon(hole).area >= SLIVER_M2])
        for part in shapely.get_parts(shapely.get_parts(merged)) if part.geom_type == "Polygon"
    ]
    return gpd.GeoSeries([shapely.union_all(parts)], crs="EPSG:27700").to_crs("EPSG:4326").iloc[0]


# --- the command ---------------------------------------------------------------------------


def draw_map(
    session: Session,
    indicator_id: str,
    out: Path,
    level: str = "lad",
    within: str = DEFAULT_WITHIN,
    period: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    *,
    tile_url: str | None = None,
    skip_unmapped: bool = False,
) -> str:
    """Draw a choropleth to ``out``: PNG or SVG (static) or HTML (an offline Leaflet page with
    its GeoJSON and assets beside it). LSOA maps get sub-region outlines. Returns the alt text.

    Examples
    --------
    >>> draw_map(session, "imd_score", Path("imd.png"), level="lsoa")  # doctest: +SKIP
    """
    from lpip.maps.classify import check_scheme
    from lpip.maps.interactive import write_interactive_page
    from lpip.maps.palettes import check_classes
    from lpip.maps.static import draw_static

    out = check_suffix(out)
    scheme, k = check_scheme(scheme), check_classes(k)
    frame = map_frame(session, indicator_id, level, within, period, skip_unmapped=skip_unmapped)
    indicator = get_indicator(session, indicator_id)
    if out.suffix.lower() == ".html":
        return write_interactive_page(frame, indicator, out, scheme=scheme, k=k, tile_url=tile_url)
    outlines = subregion_outlines(session, frame) if level == "lsoa" else None
    return draw_static(frame, indicator, out, scheme=scheme, k=k, outlines=outlines)


def check_suffix(out: Path, allowed: tuple[str, ...] = SUFFIXES) -> Path:
    out = Path(out)
    if out.suffix.lower() not in allowed:
        raise InvalidExport(
            f"Cannot draw a map to {out}: the file name must end in {', '.join(allowed)} "
            "(.png or .svg for a static map, .html for an interactive one)."
        )
    return out
