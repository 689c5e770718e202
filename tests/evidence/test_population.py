"""Population of any area: own census value, a sum over districts, or IoD mid-2015 LSOA sums.

Expected values are computed independently from the shared source files in ../shared/data
(not from the database), using the area definitions in the bundled area_sets.toml.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from lpip.bundled import bundled_path
from lpip.errors import UnknownAreaCode
from lpip.evidence.population import population_of, show_area
from lpip.geography.sets import define_set

SETS = Path(__file__).resolve().parents[1] / "data" / "sets"
IOD_POPULATION = "Total population: mid 2015 (excluding prisoners)"


@cache
def _census(shared: Path) -> pd.Series:
    """Census usual residents by 2021 district for 2021, from the tidy source file."""
    tidy = pd.read_csv(shared / "indicators_lad_tidy.csv", dtype=str)
    rows = tidy[(tidy["source"] == "ONS_CENSUS_POP") & (tidy["period"] == "2021")]
    return rows.set_index("area_code")["value"].astype(float)


@cache
def _iod(shared: Path) -> pd.DataFrame:
    """IoD2019 mid-2015 population by LSOA joined to the LSOA lookup."""
    iod = pd.read_csv(shared / "iod2019_lsoa_england_ranks_deciles_population.csv")
    lookup = pd.read_csv(shared / "lookup_lsoa11_msoa11_lad19_rgn19_england.csv")
    return lookup.merge(iod, left_on="LSOA11CD", right_on="LSOA code (2011)", validate="1:1")


def _subregions() -> dict[str, list[str]]:
    with open(bundled_path("area_sets.toml"), "rb") as handle:
        sets = tomllib.load(handle)["set"]
    subregions = next(s for s in sets if s["name"] == "wm-subregions")
    return {area["code"]: area["members"] for area in subregions["area"]}


SUBREGIONS = _subregions()


def test_districts_have_their_own_census_value(session, shared_data):
    codes = ["E08000025", "E08000029", "E06000019"]  # Birmingham, Solihull, Herefordshire
    got = {code: population_of(session, code) for code in codes}
    census = _census(shared_data)
    assert got == {
        code: {"value": census[code], "period": "2021", "indicator": "population_census", "summed": False}
        for code in codes
    }


def test_subregions_are_the_sum_of_their_districts(session, shared_data):
    census = _census(shared_data)
    got = {code: population_of(session, code) for code in SUBREGIONS}
    assert got == {
        code: {"value": census[members].sum(), "period": "2021", "indicator": "population_census", "summed": True}
        for code, members in SUBREGIONS.items()
    }


def test_subregions_add_up_to_the_region(session, shared_data):
    lookup = pd.read_csv(shared_data / "lookup_lad19_county_cauth_region_itl_england.csv", dtype=str)
    wm = lookup.loc[lookup["RGN19CD"] == "E12000005", "LAD19CD"]
    assert len(wm) == 30
    region = population_of(session, "E12000005")
    assert region["value"] == pytest.approx(_census(shared_data)[wm].sum(), abs=0.5)
    assert region["summed"] and region["period"] == "2021"
    total = sum(population_of(session, code)["value"] for code in SUBREGIONS)
    assert total == pytest.approx(region["value"], abs=0.5)


def test_lsoa_has_its_iod_mid_2015_value(session, shared_data):
    iod = _iod(shared_data).set_index("LSOA11CD")
    got = population_of(session, "E01021988")  # Tendring 018A (Jaywick)
    assert got == {"value": iod.loc["E01021988", IOD_POPULATION], "period": "mid-2015", "indicator": "population_iod", "summed": False}


def test_msoa_is_the_sum_of_its_lsoas(session, shared_data):
    iod = _iod(shared_data)
    expected = iod.loc[iod["MSOA11CD"] == "E02001873", IOD_POPULATION].sum()
    got = population_of(session, "E02001873")
    assert got == {"value": pytest.approx(expected), "period": "mid-2015", "indicator": "population_iod", "summed": True}


def test_custom_set_of_lsoas_is_summed_from_iod(session, shared_data):
    define_set(session, "neighbourhoods", SETS / "neighbourhoods.csv")
    iod = _iod(shared_data).set_index("LSOA11CD")[IOD_POPULATION]
    got = population_of(session, "BHAM-047-WEST")
    assert got["value"] == pytest.approx(iod[["E01009348", "E01009358", "E01009359"]].sum())
    assert (got["period"], got["indicator"], got["summed"]) == ("mid-2015", "population_iod", True)


@pytest.mark.parametrize(
    ("code", "region"),
    [("E92000001", None), ("E12000008", "E12000008"), ("E12000004", "E12000004")],
    ids=["england", "south-east", "east-midlands"],
)
def test_incomplete_census_coverage_falls_back_to_a_complete_sum(session, shared_data, code, region):
    # Census values are on 2021 districts; Buckinghamshire (2020) and North/West Northamptonshire
    # (2021) replaced 2019 districts that the area tables hold, so a census sum over 2019 districts
    # would leave them out. The IoD2019 LSOA denominators cover every LSOA.
    iod = _iod(shared_data)
    rows = iod if region is None else iod[iod["RGN19CD"] == region]
    got = population_of(session, code)
    assert got == {"value": pytest.approx(rows[IOD_POPULATION].sum()), "period": "mid-2015", "indicator": "population_iod", "summed": True}


def test_unknown_area_has_no_population(session):
    assert population_of(session, "NO-SUCH-AREA") is None


def test_show_area_adds_population_to_the_description(session, shared_data):
    info = show_area(session, "WM-BSOL")
    assert info["name"] == "Birmingham & Solihull"
    assert {c["code"] for c in info["children"]} == {"E08000025", "E08000029"}
    assert info["population"]["value"] == pytest.approx(_census(shared_data)[["E08000025", "E08000029"]].sum())


def test_show_area_refuses_unknown_codes(session):
    with pytest.raises(UnknownAreaCode, match="E08000099 is not a known area; did you mean E08000029"):
        show_area(session, "E08000099")
