"""Aggregation to custom areas, checked against sums and weighted means computed independently
from the bundled files (read with pandas, not through the database), and against invariants:
the six WM sub-regions partition the region, the LEPs overlap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import bindparam

from lpip.bundled import IOD_RANKS, IOD_SCORES, bundled_path, read_toml, AREA_SETS
from lpip.errors import CannotAggregate, IndicatorNotAtLevel, UnknownAreaCode
from lpip.evidence.aggregate import aggregate_indicator, aggregate_values, newest_first
from lpip.evidence.periods import period_sort_key as period_key
from lpip.evidence.bundle import BundleFiles, indicator_frame
from lpip.evidence.catalogue import bundled_catalogue
from lpip.evidence.models import IndicatorValue
from lpip.geography.load import read_lad_lookup

LSOA, LAD = "LSOA code (2011)", "Local Authority District code (2019)"
POPULATION = "Total population: mid 2015 (excluding prisoners)"


def bundled_values(indicator_id: str, period: str) -> pd.Series:
    """An indicator's bundled values for one period, indexed by area code, read from the files."""
    spec = next(s for s in bundled_catalogue() if s.id == indicator_id)
    frame = indicator_frame(BundleFiles(), spec)
    frame = frame[frame["period"] == period]
    return frame.set_index("area_code")["value"].astype(float)


def set_members() -> dict[str, list[str]]:
    """Members of every bundled custom area, read from area_sets.toml."""
    return {area["code"]: area["members"] for s in read_toml(AREA_SETS)["set"] for area in s["area"]}


def wm_lads() -> list[str]:
    lookup = read_lad_lookup()
    return sorted(lookup.loc[lookup["RGN19CD"] == "E12000005", "LAD19CD"])


def income_counts() -> pd.DataFrame:
    """WM LSOAs: income-deprived people derived as IoD2019 income score (rate) x the mid-2015
    population it is a rate of (both MHCLG, bundled), rounded; and that population."""
    ranks = pd.read_csv(bundled_path(IOD_RANKS), usecols=[LSOA, LAD, POPULATION])
    scores = pd.read_csv(bundled_path(IOD_SCORES), usecols=[LSOA, "Income Score (rate)"])
    frame = ranks.merge(scores, on=LSOA)
    frame = frame[frame[LAD].isin(wm_lads())].copy()
    frame["numerator"] = (frame["Income Score (rate)"] * frame[POPULATION]).round()
    frame["denominator"] = frame[POPULATION].astype(float)
    return frame


def store_income_counts(session, frame: pd.DataFrame) -> None:
    table = IndicatorValue.__table__
    statement = table.update().where(
        table.c.indicator_id == "income_score", table.c.area_code == bindparam("code")
    ).values(numerator=bindparam("num"), denominator=bindparam("den"))
    rows = [dict(code=c, num=n, den=d) for c, n, d in zip(frame[LSOA], frame["numerator"], frame["denominator"])]
    session.connection().execute(statement, rows)
    session.flush()


# Pure functions -------------------------------------------------------------------------


@pytest.mark.parametrize("older, newer", [
    ("202021", "2021/22"), ("2021/22", "2022"), ("2022", "10/2022 - 09/2023"), ("2021", "Sep-23"),
    ("202122", "As at 31 January 2024"), ("2018 - 2020", "2021"), ("2019 revised", "2020"),
    ("16/11/2021 - 15/11/2022", "2022/23"), ("04/2022 - 03/2023", "10/2022 - 09/2023"),
    ("2021", "Financial year ending 2023"), ("2011", "2021"), ("mid-2015", "2019"),
], ids=lambda p: p)
def test_period_key_orders_by_end_date(older, newer):
    assert period_key(older) < period_key(newer)
    assert newest_first([older, newer]) == [newer, older]


def test_rates_are_recomputed_not_averaged():
    # 1 of 10 and 90 of 100: the combined rate is 91/110, not the mean of 10% and 90%.
    rows = pd.DataFrame({"value": [10.0, 90.0], "numerator": [1.0, 90.0], "denominator": [10.0, 100.0]})
    result = aggregate_values(rows, "proportion", multiplier=100)
    assert result["value"] == pytest.approx(100 * 91 / 110)
    assert result["value"] != pytest.approx(rows["value"].mean())
    assert (result["numerator"], result["denominator"]) == (91.0, 110.0)


def test_rate_multiplier_is_inferred_when_unit_gives_none():
    rows = pd.DataFrame({"value": [500.0, 2000.0], "numerator": [5.0, 20.0], "denominator": [1000.0, 1000.0]})
    assert aggregate_values(rows, "rate")["value"] == pytest.approx(1250.0)


def test_counts_are_summed_and_means_weighted():
    rows = pd.DataFrame({"value": [7.0, 8.0]})
    assert aggregate_values(rows, "count")["value"] == 15.0
    weighted = aggregate_values(rows, "mean", weights=pd.Series([3.0, 1.0]))
    assert weighted["value"] == pytest.approx((7 * 3 + 8 * 1) / 4)


def test_weighted_mean_standard_error_from_member_intervals():
    z = stats.norm.ppf(0.975)
    rows = pd.DataFrame({"value": [7.0, 8.0], "lower_ci": [7 - 0.2 * z, 8 - 0.4 * z], "upper_ci": [7 + 0.2 * z, 8 + 0.4 * z]})
    result = aggregate_values(rows, "mean", weights=pd.Series([1.0, 1.0]))
    assert result["standard_error"] == pytest.approx(np.sqrt(0.2**2 + 0.4**2) / 2)


@pytest.mark.parametrize("value_type", ["median", "score", "rank", "decile", "index"])
def test_unaggregatable_types_are_refused(value_type):
    with pytest.raises(CannotAggregate, match="cannot be aggregated honestly"):
        aggregate_values(pd.DataFrame({"value": [1.0, 2.0]}), value_type)


def test_missing_numerators_are_named():
    rows = pd.DataFrame({"area_code": ["A", "B"], "value": [1.0, 2.0], "numerator": [1.0, np.nan], "denominator": [5.0, 5.0]})
    with pytest.raises(CannotAggregate, match="1 of 2 members have none") as info:
        aggregate_values(rows, "proportion", 100)
    assert info.value.errors == ["B"]


# Against the database ------------------------------------------------------------------


def test_counts_sum_to_each_subregion_and_partition_the_region(session):
    census = bundled_values("population_census", "2021")
    frame = aggregate_indicator(session, "population_census", "wm-subregions", period="2021").set_index("area_code")
    members = set_members()
    assert len(frame) == 6
    for code, row in frame.iterrows():
        assert row["value"] == pytest.approx(census[members[code]].sum())
        assert row["members"] == len(members[code]) and row["method"] == "sum of members"
    # The sub-regions partition the 30 West Midlands LADs: their totals add up to the region's.
    assert frame["value"].sum() == pytest.approx(census[wm_lads()].sum())


def test_overlapping_sets_each_use_their_own_members(session):
    census = bundled_values("population_census", "2021")
    frame = aggregate_indicator(session, "population_census", ["lep", "WM-BSOL"], period="2021").set_index("area_code")
    members = set_members()
    for code in ["E37000012", "E37000032", "WM-BSOL"]:
        assert frame.loc[code, "value"] == pytest.approx(census[members[code]].sum())
    # Lichfield, Tamworth, Cannock Chase, East Staffordshire are in two LEPs: the LEP totals
    # exceed the region's by exactly the population counted twice.
    lep_codes = [c for c in frame.index if c.startswith("E37")]
    counted = pd.Series([m for c in lep_codes for m in members[c]]).value_counts()
    twice = counted[counted == 2].index
    assert len(twice) > 0
    assert frame.loc[lep_codes, "value"].sum() == pytest.approx(census[wm_lads()].sum() + census[twice].sum())


def els_rows(name: str, period: str) -> pd.DataFrame:
    """One ELS indicator's published rows for a period, read straight from the bundled ELS file."""
    frame = pd.read_csv(bundled_path("els_indicators_england.csv.gz"), dtype=str, keep_default_na=False)
    rows = frame[(frame["indicator_name"] == name) & (frame["period"] == period)]
    return rows.set_index("areacd")[["value", "lci", "uci"]].replace("", np.nan).astype(float)


def district_population_2022(column: str = "Total population: mid 2022") -> pd.Series:
    """IoD2025 File 6 LSOA populations summed by 2024 district, read straight from the file."""
    frame = pd.read_csv(bundled_path("iod2025_lsoa21_england_population_denominators.csv.gz"))
    return frame.groupby("Local Authority District code (2024)")[column].sum().astype(float)


def test_means_of_districts_are_population_weighted_estimates(session):
    period = "2022-04-01/P1Y"
    satisfaction = els_rows("Satisfaction", period)
    weights = district_population_2022()
    members = set_members()["WM-BSOL"]
    expected = np.average(satisfaction.loc[members, "value"], weights=weights[members])
    # Independent districts' standard errors from their 95% limits, combined in quadrature.
    se = (satisfaction.loc[members, "uci"] - satisfaction.loc[members, "lci"]) / (2 * stats.norm.ppf(0.975))
    expected_se = np.sqrt(np.sum((weights[members] * se) ** 2)) / weights[members].sum()
    frame = aggregate_indicator(session, "life_satisfaction", "WM-BSOL")
    row = frame.iloc[0]
    assert row["period"] == period
    assert row["value"] == pytest.approx(expected)
    assert bool(row["is_estimate"]) is True
    assert "Total population, mid-2022" in row["weighting_population"] == row["weights"]
    assert row["method"] == "population-weighted estimate from its districts"
    assert row["lower_ci_95"] == pytest.approx(expected - stats.norm.ppf(0.975) * expected_se)
    assert row["upper_ci_95"] == pytest.approx(expected + stats.norm.ppf(0.975) * expected_se)


def test_rates_without_counts_are_refused_unless_an_estimate_is_asked_for(session):
    with pytest.raises(CannotAggregate, match="numerators and denominators"):
        aggregate_indicator(session, "employment_rate", "WM-BC")
    period = "2023-01-01/P1Y"
    rate = els_rows("Employment rate", period)
    weights = district_population_2022("Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022")
    members = set_members()["WM-BC"]
    row = aggregate_indicator(session, "employment_rate", "WM-BC", estimate=True).iloc[0]
    assert row["period"] == period
    assert row["value"] == pytest.approx(np.average(rate.loc[members, "value"], weights=weights[members]))
    assert bool(row["is_estimate"]) and "Working-age population 18-66" in row["weighting_population"]


def test_medians_are_estimated_only_when_asked(session):
    with pytest.raises(CannotAggregate, match="median"):
        aggregate_indicator(session, "median_weekly_pay", "WM-BC")
    pay = els_rows("Gross median weekly pay", "2025-04-30")
    weights = district_population_2022("Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022")
    members = set_members()["WM-BC"]
    row = aggregate_indicator(session, "median_weekly_pay", "WM-BC", estimate=True).iloc[0]
    assert row["value"] == pytest.approx(np.average(pay.loc[members, "value"], weights=weights[members]))
    # A weighted mean of medians lies between the smallest and largest district median.
    assert pay.loc[members, "value"].min() <= row["value"] <= pay.loc[members, "value"].max()


def test_lsoa_counts_sum_to_their_district(session):
    ranks = pd.read_csv(bundled_path(IOD_RANKS), usecols=[LAD, POPULATION])
    expected = ranks.loc[ranks[LAD] == "E08000025", POPULATION].sum()
    frame = aggregate_indicator(session, "population_iod", "E08000025")
    assert frame.loc[0, "value"] == pytest.approx(expected)
    assert frame.loc[0, "members"] == 639  # Birmingham's 2011 LSOAs in the IoD2019 lookup


def test_proportion_from_numerators_with_wilson_interval(session):
    counts = income_counts()
    store_income_counts(session, counts)
    bsol = counts[counts[LAD].isin(set_members()["WM-BSOL"])]
    k, n = int(bsol["numerator"].sum()), int(bsol["denominator"].sum())
    frame = aggregate_indicator(session, "income_score", "WM-BSOL")
    row = frame.iloc[0]
    assert row["value"] == pytest.approx(k / n)  # unit "proportion of the population": multiplier 1
    assert (row["numerator"], row["denominator"]) == (k, n)
    for level, suffix in [(0.95, "95"), (0.998, "99_8")]:
        expected = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
        assert row[f"lower_ci_{suffix}"] == pytest.approx(expected.low, abs=1e-12)
        assert row[f"upper_ci_{suffix}"] == pytest.approx(expected.high, abs=1e-12)


def test_missing_numerator_is_refused_with_the_fix(session):
    with pytest.raises(CannotAggregate, match="numerator and denominator columns") as info:
        aggregate_indicator(session, "employment_rate", "WM-BSOL")
    assert "2 of 2 members have none" in str(info.value)
    assert info.value.errors == ["E08000025 Birmingham", "E08000029 Solihull"]


def test_median_is_refused_with_why(session):
    with pytest.raises(CannotAggregate, match="median.*cannot be worked out from the medians"):
        aggregate_indicator(session, "median_weekly_pay", "WM-BSOL")


def test_score_is_refused_with_why(session):
    with pytest.raises(CannotAggregate, match="score.*cannot be aggregated honestly"):
        aggregate_indicator(session, "imd_score", "E08000025")


def test_member_without_value_for_the_period_is_named(session):
    # hle_male is published for 123 upper-tier areas: Staffordshire's districts have none.
    with pytest.raises(CannotAggregate, match="no period has a value for all 9"):
        aggregate_indicator(session, "hle_male", "WM-SSOT")
    with pytest.raises(CannotAggregate, match="members have no value for that period") as info:
        aggregate_indicator(session, "hle_male", "WM-SSOT", period="2018-01-01/P3Y")
    assert "E06000021 Stoke-on-Trent" not in info.value.errors
    assert "E07000192 Cannock Chase" in info.value.errors


def test_area_without_members_at_the_indicator_level(session):
    with pytest.raises(IndicatorNotAtLevel, match="E01009001 .* lsoa area with no such areas"):
        aggregate_indicator(session, "population_census", "E01009001")


def test_unknown_set_or_area_suggests(session):
    with pytest.raises(UnknownAreaCode, match="neither an area code nor a set name.*Sets: .*wm-subregions"):
        aggregate_indicator(session, "population_census", "wm-subregion")
