"""Bundled boundaries (generalised, WGS84) as GeoDataFrames with a common shape."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from lpip.bundled import ENGLAND_LAD_BOUNDARIES, WM_LAD_BOUNDARIES, WM_LSOA_BOUNDARIES, bundled_path
from lpip.errors import UnknownAreaLevel

FILES = {
    "lad": (WM_LAD_BOUNDARIES, "LAD13CD", "LAD13NM"),
    "lsoa": (WM_LSOA_BOUNDARIES, "LSOA11CD", "LSOA11NM"),
    "england-lad": (ENGLAND_LAD_BOUNDARIES, "LAD13CD", "LAD13NM"),
}


def read_boundaries(level: str = "lad") -> gpd.GeoDataFrame:
    """Boundaries with columns ``code``, ``name``, ``geometry`` in EPSG:4326.

    ``level`` is "lad" (the 30 West Midlands districts), "lsoa" (the 3,487 West Midlands
    LSOAs, 2011) or "england-lad" (all 326 English districts of December 2013).

    Examples
    --------
    >>> read_boundaries("lad").shape
    (30, 3)
    """
    if level not in FILES:
        raise UnknownAreaLevel(f"No bundled boundaries for level {level!r}; use one of {', '.join(FILES)}.")
    name, code_col, name_col = FILES[level]
    frame = gpd.read_file(bundled_path(name))
    frame = frame.rename(columns={code_col: "code", name_col: "name"})[["code", "name", "geometry"]]
    return frame.set_crs("EPSG:4326", allow_override=True)


def write_boundaries(frame: gpd.GeoDataFrame, out: Path) -> None:
    """Write GeoJSON, or GeoPackage when the file name ends in .gpkg."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    driver = "GPKG" if out.suffix.lower() == ".gpkg" else "GeoJSON"
    frame.to_file(out, driver=driver)
