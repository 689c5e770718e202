"""Build the area tables from the bundled ONS lookups and the custom area sets."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.orm import Session

from lpip.bundled import AREA_SETS, LAD_LOOKUP, LSOA_LOOKUP, bundled_path, read_toml
from lpip.db import bulk_insert
from lpip.geography.models import Area, AreaLink

ENGLAND = ("E92000001", "England")
LOOKUP_SOURCE = "ONS Open Geography Portal lookups (December 2019; ITL January 2021), OGL v3.0"


@dataclass
class GeographyTables:
    """Rows for the area and area_link tables, keyed to avoid duplicates."""

    areas: dict[str, dict] = field(default_factory=dict)
    links: dict[tuple[str, str], dict] = field(default_factory=dict)

    def area(self, code, name, level, *, itl_code=None, area_set=None, is_custom=False, source=LOOKUP_SOURCE):
        if not isinstance(code, str) or not code or code in self.areas:
            return
        self.areas[code] = dict(
            code=code, name=name, level=level, itl_code=itl_code,
            area_set=area_set, is_custom=is_custom, source=source,
        )

    def link(self, child, parent, kind="hierarchy"):
        if isinstance(child, str) and isinstance(parent, str) and child and parent:
            self.links[(child, parent)] = dict(child_code=child, parent_code=parent, kind=kind)


def read_lad_lookup() -> pd.DataFrame:
    return pd.read_csv(bundled_path(LAD_LOOKUP), dtype=str, keep_default_na=False)


def read_lsoa_lookup() -> pd.DataFrame:
    return pd.read_csv(bundled_path(LSOA_LOOKUP), dtype=str, keep_default_na=False)


def build_official(tables: GeographyTables) -> None:
    """England, regions, ITL, counties, combined authorities, LADs, MSOAs and LSOAs."""
    lads = read_lad_lookup()
    tables.area(*ENGLAND, "country")
    region_itl = _region_itl_codes(lads)
    for row in lads.itertuples(index=False):
        _add_lad_row(tables, row, region_itl)
    lsoas = read_lsoa_lookup()
    for row in lsoas.drop_duplicates("MSOA11CD").itertuples(index=False):
        tables.area(row.MSOA11CD, row.MSOA11NM, "msoa")
        tables.link(row.MSOA11CD, row.LAD19CD)
    for row in lsoas.itertuples(index=False):
        tables.area(row.LSOA11CD, row.LSOA11NM, "lsoa")
        tables.link(row.LSOA11CD, row.MSOA11CD)


def _region_itl_codes(lads: pd.DataFrame) -> dict[str, str]:
    pairs = lads[lads.ITL121CD != ""].drop_duplicates("RGN19CD")
    return dict(zip(pairs.RGN19CD, pairs.ITL121CD))


def _add_lad_row(tables: GeographyTables, row, region_itl: dict[str, str]) -> None:
    tables.area(row.RGN19CD, row.RGN19NM, "region", itl_code=region_itl.get(row.RGN19CD))
    tables.link(row.RGN19CD, ENGLAND[0])
    tables.area(row.LAD19CD, row.LAD19NM, "lad", itl_code=row.ITL321CD or None)
    if row.CTY19CD:
        tables.area(row.CTY19CD, row.CTY19NM, "county")
        tables.link(row.CTY19CD, row.RGN19CD)
        tables.link(row.LAD19CD, row.CTY19CD)
    else:
        tables.link(row.LAD19CD, row.RGN19CD)
    if row.CAUTH19CD:
        tables.area(row.CAUTH19CD, row.CAUTH19NM, "cauth")
        tables.link(row.CAUTH19CD, row.RGN19CD)
        tables.link(row.LAD19CD, row.CAUTH19CD)
    if row.ITL321CD:
        tables.area(row.ITL121CD, row.ITL121NM, "itl1", itl_code=row.ITL121CD)
        tables.area(row.ITL221CD, row.ITL221NM, "itl2", itl_code=row.ITL221CD)
        tables.area(row.ITL321CD, row.ITL321NM, "itl3", itl_code=row.ITL321CD)
        tables.link(row.ITL121CD, ENGLAND[0])
        tables.link(row.ITL221CD, row.ITL121CD)
        tables.link(row.ITL321CD, row.ITL221CD)
        tables.link(row.LAD19CD, row.ITL321CD)


def build_custom_sets(tables: GeographyTables) -> None:
    """The custom area sets defined in data/area_sets.toml."""
    for area_set in read_toml(AREA_SETS)["set"]:
        for area in area_set["area"]:
            tables.area(
                area["code"], area["name"], area_set["level"],
                area_set=area_set["name"], is_custom=True, source=area_set["source"],
            )
            if area_set.get("parent"):
                tables.link(area["code"], area_set["parent"])
            for member in area["members"]:
                tables.link(member, area["code"], kind="member")


def build_geography() -> GeographyTables:
    tables = GeographyTables()
    build_official(tables)
    build_custom_sets(tables)
    return tables


def load_geography(session: Session) -> tuple[int, int]:
    """Insert every bundled area and link; returns (areas, links)."""
    tables = build_geography()
    areas = bulk_insert(session, Area.__table__, tables.areas.values())
    links = bulk_insert(session, AreaLink.__table__, tables.links.values())
    return areas, links
