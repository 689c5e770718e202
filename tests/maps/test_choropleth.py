"""map_frame and subregion_outlines: the right areas, the database's values, honest gaps,
clear errors; outlines that tile the region as the bundled sub-region definitions say."""

from __future__ import annotations


import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from lpip.bundled import AREA_SETS, LSOA_LOOKUP, bundled_path, read_toml
from lpip.errors import (
    IndicatorNotAtLevel, InvalidAnalysisOption, InvalidExport, NoBoundaries, NoData, UnknownAreaCode, UnknownAreaLevel,
    UnknownPeriod,
)
from lpip.evidence.models import IndicatorValue
from lpip.evidence.trends import indicator_periods
from lpip.geography.areas import list_areas
from lpip.geography.boundaries import read_boundaries
from lpip.maps import draw_map, map_frame, subregion_outlines

WM = "E12000005"


def database_values(session, indicator_id: str, period: str) -> pd.Series:
    rows = session.execute(
        select(IndicatorValue.area_code, IndicatorValue.value)
        .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period)
    ).all()
    return pd.Series(dict(rows), dtype=float)


def test_wm_districts_with_the_databases_values(session):
    frame = map_frame(session, "unemployment_rate")
    wm = list_areas(session, level="lad", within=WM)
    assert list(frame.columns) == ["code", "name", "value", "lower_ci", "upper_ci", "period", "geometry"]
    assert frame["code"].tolist() == sorted(wm["code"]) and len(frame) == 30
    assert frame.crs.to_epsg() == 4326
    period = indicator_periods(session, "unemployment_rate", "lad")[-1]
    assert (frame["period"] == period).all() and frame.attrs["period"] == period
    expected = database_values(session, "unemployment_rate", period).reindex(frame["code"])
    np.testing.assert_array_equal(frame["value"].to_numpy(), expected.to_numpy())
    # Districts without a value stay on the map as no data (none in the ELS release bundled now;
    # tests/maps/test_static.py and test_interactive.py draw one with its value blanked).
    assert frame.loc[frame["value"].isna(), "code"].tolist() == expected.index[expected.isna()].tolist()


def test_every_wm_lsoa(read_session):
    frame = map_frame(read_session, "imd_score", level="lsoa")
    assert len(frame) == 3487 and frame["value"].notna().all()
    assert frame.attrs["boundary_year"] == 2011


def test_within_a_district_and_a_subregion(read_session):
    # Birmingham has 639 LSOAs (2011 geography; ONS).
    assert len(map_frame(read_session, "imd_score", level="lsoa", within="E08000025")) == 639
    bsol = map_frame(read_session, "unemployment_rate", within="WM-BSOL")
    assert bsol["code"].tolist() == ["E08000025", "E08000029"]
    assert map_frame(read_session, "unemployment_rate", within="E08000026")["code"].tolist() == ["E08000026"]


def test_a_chosen_period(read_session):
    periods = indicator_periods(read_session, "gdhi_per_head", "lad")
    frame = map_frame(read_session, "gdhi_per_head", period=periods[0])
    expected = database_values(read_session, "gdhi_per_head", periods[0]).reindex(frame["code"])
    np.testing.assert_array_equal(frame["value"].to_numpy(), expected.to_numpy())


def test_england_districts_without_2013_boundaries(read_session):
    england = set(list_areas(read_session, level="lad", within="E92000001")["code"])
    unmapped = sorted(england - set(read_boundaries("england-lad")["code"]))
    assert unmapped  # districts created in 2019 onwards
    with pytest.raises(NoBoundaries, match=unmapped[0]) as caught:
        map_frame(read_session, "unemployment_rate", within="E92000001")
    assert "--skip-unmapped" in str(caught.value)
    frame = map_frame(read_session, "unemployment_rate", within="E92000001", skip_unmapped=True)
    assert len(frame) == len(england) - len(unmapped)
    assert frame.attrs["without_boundary"] == unmapped


# --- bad input -------------------------------------------------------------------------------


def test_no_values_for_the_areas(session):
    # Healthy life expectancy is published for upper-tier areas: none for Staffordshire's districts.
    with pytest.raises(NoData, match=r"hle_female .* no values for .* in the 8 local authority districts of Staffordshire"):
        map_frame(session, "hle_female", within="E10000028")


def test_areas_without_boundaries(session):
    with pytest.raises(NoBoundaries, match=r"4,835 LSOAs in London \(E12000007\), none has a bundled boundary") as caught:
        map_frame(session, "imd_score", level="lsoa", within="E12000007")
    assert "E12000005" in str(caught.value)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    (dict(indicator_id="unemployment_rate", level="msoa"), UnknownAreaLevel, "lad or lsoa"),
    (dict(indicator_id="imd_score", level="lad"), IndicatorNotAtLevel, "--level lsoa"),
    (dict(indicator_id="unemployment_rate", within="E99999999"), UnknownAreaCode, "E99999999"),
    (dict(indicator_id="unemployment_rate", period="1999"), UnknownPeriod, "Its periods"),
    (dict(indicator_id="imd_score", level="lsoa", within="E01008881"), None, None),
], ids=["level", "indicator-level", "area", "period", "one-lsoa"])
def test_bad_requests(read_session, kwargs, error, words):
    if error is None:  # an LSOA inside itself is a one-area map, not an error
        assert len(map_frame(read_session, **kwargs)) == 1
        return
    with pytest.raises(error, match=words):
        map_frame(read_session, **kwargs)


def test_draw_map_checks_the_file_and_options_first(read_session, tmp_path):
    with pytest.raises(InvalidExport, match=r"\.png, \.svg, \.html"):
        draw_map(read_session, "unemployment_rate", tmp_path / "map.pdf")
    with pytest.raises(InvalidAnalysisOption, match="fisher_jenks"):
        draw_map(read_session, "unemployment_rate", tmp_path / "map.png", scheme="jenks")
    assert not list(tmp_path.iterdir())


# --- outlines --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wm_lsoas(read_session):
    return map_frame(read_session, "imd_score", level="lsoa")


def expected_subregion_of_lsoa() -> pd.Series:
    """Each WM LSOA's sub-region, from area_sets.toml and the ONS LSOA-to-district lookup."""
    subregions = next(s for s in read_toml(AREA_SETS)["set"] if s["name"] == "wm-subregions")
    of_lad = {lad: area["code"] for area in subregions["area"] for lad in area["members"]}
    lookup = pd.read_csv(bundled_path(LSOA_LOOKUP), usecols=["LSOA11CD", "LAD19CD"])
    return lookup.set_index("LSOA11CD")["LAD19CD"].map(of_lad).dropna()


def test_subregion_outlines_tile_the_region(read_session, wm_lsoas):
    outlines = subregion_outlines(read_session, wm_lsoas)
    assert sorted(outlines["code"]) == ["WM-BC", "WM-BSOL", "WM-CW", "WM-MARCHES", "WM-SSOT", "WM-WORCS"]
    area = outlines.to_crs(27700).area
    assert area.sum() == pytest.approx(wm_lsoas.to_crs(27700).area.sum(), rel=1e-3)
    # Each LSOA lies in the outline of the sub-region its district belongs to.
    points = gpd.GeoDataFrame(wm_lsoas[["code"]], geometry=wm_lsoas.representative_point(), crs=4326)
    joined = points.sjoin(outlines.rename(columns={"code": "subregion"}), predicate="within")
    assert joined["code"].is_unique and len(joined) == 3487
    expected = expected_subregion_of_lsoa()
    assert (joined.set_index("code")["subregion"] == expected.reindex(joined["code"])).all()


def test_outlines_only_where_the_map_is(read_session):
    frame = map_frame(read_session, "imd_score", level="lsoa", within="E08000025")
    outlines = subregion_outlines(read_session, frame)
    assert outlines["code"].tolist() == ["WM-BSOL"]
    assert subregion_outlines(read_session, frame, area_set="no-such-set").empty
