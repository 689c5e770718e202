"""`lpip areas`: list, show, sets, define-set and boundaries, end to end.

Expected values come from the bundled ONS lookups and area_sets.toml, read here with pandas.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from lpip.bundled import bundled_path
from lpip.cli import app

SETS = Path(__file__).resolve().parents[1] / "data" / "sets"
LADS = pd.read_csv(bundled_path("lookup_lad19_county_cauth_region_itl_england.csv"), dtype=str)
WM_LADS = dict(LADS.loc[LADS["RGN19CD"] == "E12000005", ["LAD19CD", "LAD19NM"]].itertuples(index=False))
with open(bundled_path("area_sets.toml"), "rb") as _handle:
    AREA_SETS = {s["name"]: s for s in tomllib.load(_handle)["set"]}


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _show(cli, code: str) -> dict:
    result = cli("areas", "show", code, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _assert_user_error(result, *phrases: str) -> None:
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output


# ---------------------------------------------------------------- list


def test_list_wm_districts_as_csv(cli):
    result = cli("areas", "list", "--level", "lad", "--within", "E12000005", "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "code,name,level"
    assert len(lines) == 31
    rows = _csv(result.stdout)
    assert {row["code"]: row["name"] for row in rows} == WM_LADS
    assert {row["level"] for row in rows} == {"lad"}


def test_list_as_json_parses(cli):
    result = cli("areas", "list", "-l", "lad", "-w", "E11000005", "-f", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    # The West Midlands metropolitan county holds the seven met districts E08000025-31.
    assert [r["code"] for r in records] == [f"E0800002{n}" for n in range(5, 10)] + ["E08000030", "E08000031"]
    assert set(records[0]) == {"code", "name", "level"}


def test_list_as_table_has_a_count_title(cli):
    result = cli("areas", "list", "--level", "region")
    assert result.exit_code == 0
    assert "9 areas" in result.stdout
    assert "West Midlands" in result.stdout


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (("--level", "ward"), ["There is no area level 'ward'", "lsoa, msoa, lad"]),
        (("--within", "E12000099"), ["E12000099 is not a known area; did you mean E12000009"]),
    ],
    ids=["unknown-level", "unknown-within"],
)
def test_list_refuses_unknown_levels_and_areas(cli, args, phrases):
    _assert_user_error(cli("areas", "list", *args), *phrases)


# ---------------------------------------------------------------- show


def test_show_an_lsoa(cli, shared_data):
    iod = pd.read_csv(shared_data / "iod2019_lsoa_england_ranks_deciles_population.csv", index_col="LSOA code (2011)")
    info = _show(cli, "E01021988")
    assert (info["name"], info["level"]) == ("Tendring 018A", "lsoa")
    assert info["parents"] == [{"code": "E02004590", "name": "Tendring 018", "level": "msoa"}]
    assert info["children"] == [] and info["member_of"] == []
    assert info["population"]["value"] == iod.loc["E01021988", "Total population: mid 2015 (excluding prisoners)"]
    text = cli("areas", "show", "E01021988").stdout
    assert "Tendring 018A (E01021988), level lsoa" in text
    assert "(mid-2015, population_iod, own value)" in text


def test_show_a_district(cli, shared_data):
    lsoas = pd.read_csv(shared_data / "lookup_lsoa11_msoa11_lad19_rgn19_england.csv")
    info = _show(cli, "E08000025")
    assert (info["name"], info["level"], info["itl_code"]) == ("Birmingham", "lad", "TLG31")
    assert {p["code"] for p in info["parents"]} == {"E11000005", "E47000007", "TLG31"}
    assert {m["code"] for m in info["member_of"]} == {"WM-BSOL", "E37000012"}
    assert len(info["children"]) == lsoas.loc[lsoas["LAD19CD"] == "E08000025", "MSOA11CD"].nunique()
    assert info["population"]["summed"] is False
    assert "Birmingham (E08000025), level lad" in cli("areas", "show", "E08000025").stdout


def test_show_the_subregions(cli):
    for area in AREA_SETS["wm-subregions"]["area"]:
        info = _show(cli, area["code"])
        assert (info["name"], info["level"], info["area_set"]) == (area["name"], "subregion", "wm-subregions")
        assert {c["code"] for c in info["children"]} == set(area["members"]), area["code"]
        assert info["parents"] == [{"code": "E12000005", "name": "West Midlands", "level": "region"}]
        assert info["population"]["summed"] is True and info["population"]["period"] == "2021"


def test_show_unknown_code_suggests_the_nearest(cli):
    result = cli("areas", "show", "E08000099")
    _assert_user_error(result, "Area code E08000099 is not a known area; did you mean E08000029 (Solihull)?")
    assert result.stdout == ""


# ---------------------------------------------------------------- sets


def test_sets_lists_the_shipped_sets(cli):
    result = cli("areas", "sets", "--format", "csv")
    assert result.exit_code == 0
    rows = _csv(result.stdout)
    expected = {(s["name"], a["code"]) for s in AREA_SETS.values() for a in s["area"]}
    assert {(r["set"], r["code"]) for r in rows} == expected


def test_define_set_end_to_end(cli):
    result = cli("areas", "define-set", "corridors", str(SETS / "corridors.csv"))
    assert result.exit_code == 0, result.output
    assert "Defined set corridors: 2 areas with 9 memberships." in result.stdout
    listed = _csv(cli("areas", "list", "--level", "lad", "--within", "A38-CORRIDOR", "--format", "csv").stdout)
    assert {row["code"] for row in listed} == {"E08000025", "E07000234", "E07000194", "E07000193"}
    assert "M42-CORRIDOR" in {m["code"] for m in _show(cli, "E08000029")["member_of"]}
    sets = _csv(cli("areas", "sets", "--format", "csv").stdout)
    assert {(r["set"], r["level"]) for r in sets if r["code"] == "M42-CORRIDOR"} == {("corridors", "custom")}

    again = cli("areas", "define-set", "corridors", str(SETS / "corridors.csv"))
    _assert_user_error(again, "row 2: set corridors already has area M42-CORRIDOR; use --replace to redefine the set")
    new_codes = cli("areas", "define-set", "corridors", str(SETS / "neighbourhoods.csv"))
    _assert_user_error(new_codes, "row 2: set corridors already exists; use --replace to redefine the set")

    replaced = cli("areas", "define-set", "corridors", str(SETS / "bom_spaces.csv"), "--replace")
    assert replaced.exit_code == 0
    assert "Defined set corridors: 1 areas with 1 memberships." in replaced.stdout
    _assert_user_error(cli("areas", "show", "A38-CORRIDOR"), "A38-CORRIDOR is not a known area")


def test_define_set_with_a_bad_file_lists_every_problem_and_stores_nothing(cli):
    before = cli("areas", "list", "--format", "csv").stdout.count("\n")
    result = cli("areas", "define-set", "clashing", str(SETS / "clash.csv"))
    _assert_user_error(
        result,
        "nothing was stored because of 3 problem(s):",
        "  - clash.csv row 2: code WM-BSOL is already used by another area; choose a new code",
        "  - clash.csv row 4: code TLG is already used by another area; choose a new code",
    )
    assert cli("areas", "list", "--format", "csv").stdout.count("\n") == before


def test_define_set_with_a_missing_file(cli, tmp_path):
    _assert_user_error(cli("areas", "define-set", "x", str(tmp_path / "nope.csv")), "nope.csv: file not found")


# ---------------------------------------------------------------- boundaries (no database needed)


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("level", "name", "count"),
    [("lad", "x.gpkg", 30), ("lsoa", "sub/x.geojson", 3_487)],
    ids=["lad-gpkg", "lsoa-geojson"],
)
def test_boundaries_out(tmp_path, level, name, count):
    out = tmp_path / name
    result = _run("areas", "boundaries", "--level", level, "--out", str(out))
    assert result.exit_code == 0
    assert f"Wrote {count} boundaries to {out}" in " ".join(result.stdout.split())
    frame = gpd.read_file(out)
    assert len(frame) == count and frame.crs.to_epsg() == 4326
    assert set(frame.columns) == {"code", "name", "geometry"}


def test_boundaries_without_out_describes_them():
    result = _run("areas", "boundaries", "--level", "england-lad")
    assert result.exit_code == 0
    assert "326 england-lad boundaries, CRS EPSG:4326" in result.stdout


def test_boundaries_unknown_level_is_an_error():
    _assert_user_error(_run("areas", "boundaries", "--level", "ward"), "No bundled boundaries for level 'ward'")
