"""Bundled boundaries: counts, CRS, validity, codes that match the area tables, and export."""

from __future__ import annotations

import geopandas as gpd
import pytest

from lpip.errors import UnknownAreaLevel
from lpip.geography.areas import list_areas
from lpip.geography.boundaries import read_boundaries, write_boundaries

LEVELS = {"lad": 30, "lsoa": 3_487, "england-lad": 326}


@pytest.fixture(scope="module")
def frames() -> dict[str, gpd.GeoDataFrame]:
    return {level: read_boundaries(level) for level in LEVELS}


@pytest.mark.parametrize(("level", "count"), LEVELS.items(), ids=list(LEVELS))
def test_each_level_reads_with_its_count_and_shape(frames, level, count):
    frame = frames[level]
    assert len(frame) == count
    assert list(frame.columns) == ["code", "name", "geometry"]
    assert frame["code"].is_unique
    assert frame.crs.to_epsg() == 4326


@pytest.mark.parametrize("level", list(LEVELS), ids=list(LEVELS))
def test_geometries_are_valid_polygons_in_england(frames, level):
    frame = frames[level]
    assert frame.is_valid.all()
    assert not frame.is_empty.any()
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    west, south, east, north = frame.total_bounds
    # England lies within about 6.5 W to 1.8 E and 49.8 N to 55.9 N (lon/lat order).
    assert -6.5 < west < east < 1.8 and 49.8 < south < north < 55.9


def test_west_midlands_areas_match_published_extents(frames):
    # ONS Standard Area Measurements: West Midlands region 13,004 km2 (total extent; landlocked,
    # so clipping changes nothing), West Midlands metropolitan county 902 km2. Generalised
    # boundaries are allowed 1 %.
    lads = frames["lad"].to_crs(27700)
    assert lads.area.sum() / 1e6 == pytest.approx(13_004, rel=0.01)
    assert lads[lads["code"].str.startswith("E08")].area.sum() / 1e6 == pytest.approx(902, rel=0.01)
    assert frames["lsoa"].to_crs(27700).area.sum() / 1e6 == pytest.approx(13_004, rel=0.01)


def test_district_codes_and_names_match_the_database(session, frames):
    wm = list_areas(session, level="lad", within="E12000005")
    assert dict(zip(frames["lad"]["code"], frames["lad"]["name"])) == dict(zip(wm["code"], wm["name"]))


def test_lsoa_codes_match_the_database(session, frames):
    wm = list_areas(session, level="lsoa", within="E12000005")
    assert set(frames["lsoa"]["code"]) == set(wm["code"])


def test_england_2013_districts_include_the_west_midlands(session, frames):
    england = set(frames["england-lad"]["code"])
    assert set(list_areas(session, level="lad", within="E12000005")["code"]) <= england
    assert all(code[:3] in {"E06", "E07", "E08", "E09"} for code in england)


def test_lsoas_lie_in_their_districts(session, frames):
    # Each LSOA's representative point falls inside the district the lookup puts it in.
    lsoas = frames["lsoa"].set_geometry(frames["lsoa"].representative_point())
    lads = frames["lad"].rename(columns={"code": "lad_code"})[["lad_code", "geometry"]]
    joined = gpd.sjoin(lsoas, lads, predicate="within", how="left")
    for lad_code, group in joined.groupby("lad_code"):
        expected = set(list_areas(session, level="lsoa", within=lad_code)["code"])
        assert set(group["code"]) == expected, lad_code
    assert joined["lad_code"].notna().all()


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".GPKG"], ids=["geojson", "gpkg", "gpkg-upper"])
def test_written_boundaries_round_trip(frames, tmp_path, suffix):
    out = tmp_path / "new folder" / f"wm_lads{suffix}"
    write_boundaries(frames["lad"], out)
    back = gpd.read_file(out)
    original = frames["lad"]
    assert back.crs.to_epsg() == 4326
    assert back[["code", "name"]].equals(original[["code", "name"]])
    # GeoPackage stores a layer of mixed polygons as multipolygons; the shapes are the same.
    assert back.geometry.geom_equals(original.geometry).all()


def test_gpkg_is_a_geopackage_and_geojson_is_json(frames, tmp_path):
    import json

    write_boundaries(frames["lad"], tmp_path / "x.gpkg")
    assert (tmp_path / "x.gpkg").read_bytes()[:16] == b"SQLite format 3\x00"
    write_boundaries(frames["lad"], tmp_path / "x.geojson")
    data = json.loads((tmp_path / "x.geojson").read_text())
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 30


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"], ids=["geojson", "gpkg"])
def test_writing_again_replaces_the_file(frames, tmp_path, suffix):
    out = tmp_path / f"boundaries{suffix}"
    write_boundaries(frames["lsoa"], out)
    write_boundaries(frames["lad"], out)
    assert len(gpd.read_file(out)) == 30


def test_unknown_level_lists_the_levels():
    with pytest.raises(UnknownAreaLevel, match="No bundled boundaries for level 'ward'; use one of lad, lsoa, england-lad"):
        read_boundaries("ward")
