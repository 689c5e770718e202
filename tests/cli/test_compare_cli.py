"""`lpip compare` and `lpip aggregate`: thin shells over compare_to_benchmark and aggregate_indicator."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from lpip.evidence.bundle import BundleFiles, indicator_frame
from lpip.evidence.catalogue import bundled_catalogue


def bundled_value(indicator_id: str, period: str, code: str) -> float:
    spec = next(s for s in bundled_catalogue() if s.id == indicator_id)
    frame = indicator_frame(BundleFiles(), spec)
    return float(frame[(frame["period"] == period) & (frame["area_code"] == code)]["value"].iloc[0])


def test_compare_prints_a_table_with_notes(cli):
    result = cli("compare", "E08000025", "E08000029", "WM-BSOL", "--indicator", "employment_rate",
                 "--period", "2023-01-01/P1Y")
    assert result.exit_code == 0, result.output
    assert "Birmingham" in result.output and "Solihull" in result.output
    assert "England (E92000001)" in result.output and ", 2023, against" in result.output
    # The rule each row used, and the sub-region's estimate with its weighting population.
    assert "Fingertips" in result.output and "(estimate)" in result.output
    assert "Working-age population 18-66" in result.output


def test_compare_csv_has_the_library_columns(cli):
    result = cli("compare", "E08000025", "-i", "employment_rate", "-p", "2023-01-01/P1Y", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame.columns.tolist() == [
        "area_code", "area_name", "period", "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8",
        "upper_ci_99_8", "comparator_code", "comparator_value", "significance", "quintile",
        "comparison_rule", "is_estimate", "weighting_population", "period_label",
    ]
    assert frame.loc[0, "comparator_value"] == bundled_value("employment_rate", "2023-01-01/P1Y", "E92000001")


def test_compare_against_region_at_99_8(cli):
    result = cli("compare", "E08000025", "WM-BSOL", "-i", "life_satisfaction", "--against", "E12000005",
                 "--level", "99.8", "-f", "json")
    assert result.exit_code == 0, result.output
    frame = pd.read_json(io.StringIO(result.stdout))
    assert frame["area_code"].tolist() == ["E08000025", "WM-BSOL"]
    assert (frame["comparator_code"] == "E12000005").all()


@pytest.mark.parametrize("args, message", [
    (["compare", "E08000025", "-i", "employment_rat"], "Did you mean employment_rate"),
    (["compare", "E08000099", "-i", "employment_rate"], "did you mean E08000029 (Solihull)"),
    (["compare", "E01009001", "-i", "employment_rate"], "published for lad, county, cauth, region, country areas only"),
    (["compare", "E08000025", "E12000005", "-i", "schools_good_outstanding"], "--period '202122'"),
    (["compare", "E08000025", "-i", "schools_good_outstanding"], "--period '202122', the latest period"),
    (["aggregate", "WM-BSOL", "-i", "employment_rate"], "numerator and denominator"),
    (["aggregate", "WM-BSOL", "-i", "median_weekly_pay"], "cannot be aggregated honestly"),
    (["aggregate", "nowhere", "-i", "population_census"], "neither an area code nor a set name"),
], ids=["indicator", "area", "level", "mixed-periods", "no-comparator", "no-numerator", "median", "set"])
def test_bad_input_is_a_clear_error(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert "Error:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_unsupported_level_is_rejected(cli):
    result = cli("compare", "E08000025", "-i", "employment_rate", "--level", "90")
    assert result.exit_code == 2
    assert "'95', '99.8'" in result.output


def test_aggregate_set_to_csv(cli):
    result = cli("aggregate", "wm-subregions", "-i", "population_census", "-p", "2021", "-f", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert len(frame) == 6
    bsol = frame.set_index("area_code").loc["WM-BSOL", "value"]
    assert bsol == bundled_value("population_census", "2021", "E08000025") + bundled_value("population_census", "2021", "E08000029")


def test_aggregate_table_says_the_weights(cli):
    result = cli("aggregate", "WM-BSOL", "E37000012", "-i", "life_satisfaction")
    assert result.exit_code == 0, result.output
    assert "population-weighted estimate" in result.output and "Total population, mid-2022" in result.output
    assert "(estimate)" in result.output


@pytest.mark.parametrize("command", ["compare", "aggregate"])
def test_commands_have_help(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "--indicator" in result.output
