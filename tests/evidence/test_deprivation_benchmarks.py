"""IoD2019 indicators for any area against England, checked against MHCLG's published File 10."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lpip.evidence.deprivation_benchmarks import benchmark_deprivation, deprivation_measure
from lpip.evidence.benchmarks import BENCHMARK_COLUMNS
FILE10 = Path(__file__).parents[1] / "data" / "deprivation" / "file10_lad_scores_proportions_extent.csv"
WEST_MIDLANDS_SAMPLE = ["E08000025", "E08000029", "E07000234", "E06000019"]


@pytest.fixture(scope="module")
def file10() -> pd.DataFrame:
    return pd.read_csv(FILE10).set_index("lad_code")


def test_measures_for_each_kind_of_iod_indicator():
    assert deprivation_measure("imd_score")[:2] == ("imd", "average_score")
    assert deprivation_measure("barriers_rank")[:2] == ("barriers", "average_rank")
    assert deprivation_measure("crime_decile")[:2] == ("crime", "proportion_most_deprived_10pc")
    assert deprivation_measure("employment_rate") is None and deprivation_measure("imd_other") is None


@pytest.mark.parametrize("indicator, column, scale", [
    ("imd_score", "Score", 1), ("income_score", "Income_Score", 1), ("crime_score", "Crime_Score", 1),
    ("imd_decile", "Proportion", 100), ("health_decile", "Health_Proportion", 100),
])
def test_district_values_are_file10_s(session, file10, indicator, column, scale):
    rows = benchmark_deprivation(session, WEST_MIDLANDS_SAMPLE, [indicator]).set_index("area_code")
    assert rows.columns.tolist() == [c for c in BENCHMARK_COLUMNS if c != "area_code"]
    for code in WEST_MIDLANDS_SAMPLE:
        assert rows.at[code, "value"] == pytest.approx(file10.at[code, column] * scale, abs=0.0015 * scale)
    assert (rows["polarity"] == "lower is better").all() and (rows["significance"] == "not compared").all()


def test_the_spread_and_quintiles_are_among_all_english_districts(session, file10):
    rows = benchmark_deprivation(session, ["E08000025", "WM-BC"], ["imd_score"]).set_index("area_code")
    assert rows.at["E08000025", "english_sd"] == pytest.approx(file10["Score"].std(ddof=0), abs=0.001)
    assert rows.at["E08000025", "quintile"] == 1  # Birmingham is among the most deprived fifth
    assert pd.isna(rows.at["WM-BC", "quintile"])  # quintiles are for districts only
    assert rows.at["WM-BC", "region_count"] == 30


def test_other_indicators_are_ignored(session):
    assert benchmark_deprivation(session, ["WM-BC"], ["employment_rate"]).empty
