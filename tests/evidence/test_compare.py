"""Benchmark comparison: the one-interval rule and quintiles as pure functions, then the whole
comparison against the bundled data, checked against values read independently from the
bundled files and against intervals computed by scipy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import bindparam

from lpip.bundled import IOD_RANKS, IOD_SCORES, bundled_path
from lpip.errors import (
    IndicatorNotAtLevel, MixedPeriods, NoComparatorValue, NoData, UnknownAreaCode, UnknownIndicator,
    UnsupportedConfidenceLevel,
)
from lpip.evidence.bundle import BundleFiles, indicator_frame
from lpip.evidence.catalogue import bundled_catalogue
from lpip.evidence.compare import RESULT_COLUMNS, compare_to_benchmark, quintiles, significance
from lpip.evidence.models import IndicatorValue
from lpip.geography.load import read_lad_lookup

LSOA, LAD = "LSOA code (2011)", "Local Authority District code (2019)"
POPULATION = "Total population: mid 2015 (excluding prisoners)"


def bundled_frame(indicator_id: str) -> pd.DataFrame:
    spec = next(s for s in bundled_catalogue() if s.id == indicator_id)
    return indicator_frame(BundleFiles(), spec)


def bundled_values(indicator_id: str, period: str) -> pd.Series:
    frame = bundled_frame(indicator_id)
    return frame[frame["period"] == period].set_index("area_code")["value"].astype(float)


def english_lads() -> list[str]:
    return sorted(read_lad_lookup()["LAD19CD"])


def wm_lads() -> list[str]:
    lookup = read_lad_lookup()
    return sorted(lookup.loc[lookup["RGN19CD"] == "E12000005", "LAD19CD"])


def store_income_counts(session) -> pd.DataFrame:
    """Give WM LSOAs' income_score rows a numerator (income score x mid-2015 population,
    rounded: the income-deprived people, as derived from MHCLG's bundled files) and that
    population as denominator. Returns the counts per LSOA."""
    ranks = pd.read_csv(bundled_path(IOD_RANKS), usecols=[LSOA, LAD, POPULATION])
    scores = pd.read_csv(bundled_path(IOD_SCORES), usecols=[LSOA, "Income Score (rate)"])
    frame = ranks.merge(scores, on=LSOA)
    frame = frame[frame[LAD].isin(wm_lads())].copy()
    frame["numerator"] = (frame["Income Score (rate)"] * frame[POPULATION]).round()
    table = IndicatorValue.__table__
    statement = table.update().where(
        table.c.indicator_id == "income_score", table.c.area_code == bindparam("code")
    ).values(numerator=bindparam("num"), denominator=bindparam("den"))
    rows = [dict(code=c, num=n, den=float(d)) for c, n, d in zip(frame[LSOA], frame["numerator"], frame[POPULATION])]
    session.connection().execute(statement, rows)
    return frame


# Pure functions -------------------------------------------------------------------------

LOWER = [1.0, 4.0, 6.0, 5.0, 2.0, np.nan]
UPPER = [3.0, 6.0, 8.0, 7.0, 5.0, np.nan]


@pytest.mark.parametrize("polarity, expected", [
    ("higher is better", ["worse", "similar", "better", "similar", "similar", "not compared"]),
    ("lower is better", ["better", "similar", "worse", "similar", "similar", "not compared"]),
    ("no judgement", ["lower", "similar", "higher", "similar", "similar", "not compared"]),
], ids=["higher", "lower", "none"])
def test_one_interval_rule(polarity, expected):
    # Intervals touching the comparator's value (5.0) at either end count as similar.
    assert significance(LOWER, UPPER, 5.0, polarity).tolist() == expected


def test_no_comparator_value_means_not_compared():
    assert set(significance([1.0], [2.0], np.nan, "higher is better")) == {"not compared"}


def test_quintiles_are_fifths_in_order():
    values = pd.Series(np.arange(1.0, 308.0))  # 307 values, as many LADs as some periods have
    ranked = quintiles(values, "higher is better")
    counts = ranked.value_counts().sort_index()
    assert counts.index.tolist() == [1, 2, 3, 4, 5]
    assert (counts - len(values) / 5).abs().max() <= 1
    assert ranked.is_monotonic_increasing
    # Independently: the same fifths as pandas' quantile bins of the ranks.
    assert (ranked.to_numpy() == pd.qcut(values.rank(), 5, labels=False).to_numpy() + 1).mean() > 0.99


def test_quintile_one_is_worst_with_polarity():
    values = pd.Series([10.0, 20.0, 30.0, 40.0, 50.0, np.nan])
    assert quintiles(values, "higher is better").tolist()[:5] == [1, 2, 3, 4, 5]
    assert quintiles(values, "lower is better").tolist()[:5] == [5, 4, 3, 2, 1]
    assert quintiles(values, "no judgement").tolist()[:5] == [1, 2, 3, 4, 5]
    assert quintiles(values, "higher is better").isna().tolist()[-1]


def test_tied_values_share_a_quintile():
    ranked = quintiles(pd.Series([1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), "higher is better")
    assert ranked[1:5].nunique() == 1


# Against the database ------------------------------------------------------------------


def els_published(name: str, period: str) -> pd.DataFrame:
    """ONS Explore Local Statistics rows (value, lci, uci) of one indicator and period, read
    straight from the bundled ELS file with pandas (not through lpip)."""
    frame = pd.read_csv(bundled_path("els_indicators_england.csv.gz"), dtype=str, keep_default_na=False)
    rows = frame[(frame["indicator_name"] == name) & (frame["period"] == period)]
    return rows.set_index("areacd")[["value", "lci", "uci"]].replace("", np.nan).astype(float)


def fingertips(lower: float, upper: float, comparator: float, polarity: str) -> str:
    """Fingertips' one-interval rule, written out again for the test."""
    if lower > comparator:
        return "better" if polarity == "higher is better" else "worse"
    if upper < comparator:
        return "worse" if polarity == "higher is better" else "better"
    return "similar"


def test_published_comparator_and_quintiles(session):
    period = "2023-01-01/P1Y"
    frame = compare_to_benchmark(session, wm_lads(), "employment_rate", period=period)
    assert frame.columns.tolist() == RESULT_COLUMNS
    assert len(frame) == 30
    published = els_published("Employment rate", period)
    england = published.loc["E92000001", "value"]
    assert (frame["comparator_value"] == england).all() and (frame["comparator_code"] == "E92000001").all()
    lads = published["value"].reindex(english_lads()).dropna()
    expected = np.ceil(5 * lads.rank() / len(lads)).astype(int)
    assert frame.set_index("area_code")["quintile"].astype(int).to_dict() == expected[wm_lads()].to_dict()
    assert frame.attrs["comparator_method"] == "published"
    assert set(frame["period_label"]) == {"2023"}


def test_published_intervals_are_judged_by_the_fingertips_rule_at_95_and_99_8(session):
    period = "2023-01-01/P1Y"
    published = els_published("Employment rate", period)
    england = published.loc["E92000001", "value"]
    at95 = compare_to_benchmark(session, wm_lads(), "employment_rate", period=period).set_index("area_code")
    at998 = compare_to_benchmark(session, wm_lads(), "employment_rate", period=period, level=99.8).set_index("area_code")
    z95, z998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)
    for code in wm_lads():
        row = published.loc[code]
        assert (at95.at[code, "lower_ci_95"], at95.at[code, "upper_ci_95"]) == (row["lci"], row["uci"])
        assert at95.at[code, "significance"] == fingertips(row["lci"], row["uci"], england, "higher is better")
        # 99.8% limits from the standard error the published 95% limits imply.
        half = (row["uci"] - row["lci"]) / (2 * z95) * z998
        assert at998.at[code, "lower_ci_99_8"] == pytest.approx(row["value"] - half)
        assert at998.at[code, "significance"] == fingertips(row["value"] - half, row["value"] + half, england,
                                                              "higher is better")
    assert set(at95["comparison_rule"]) == {"Fingertips rule, 95% interval published by the source"}
    assert set(at998["comparison_rule"]) == {"Fingertips rule, 99.8% interval published by the source"}
    # Real data: Birmingham's interval lies wholly below England's 76.0%; some districts are similar.
    assert at95.at["E08000025", "significance"] == "worse"
    assert "similar" in set(at95["significance"])


def test_without_an_interval_only_material_differences_are_judged(session):
    period = "2024-09-01/P1Y"
    frame = compare_to_benchmark(session, wm_lads(), "eyfs_maths", period=period).set_index("area_code")
    published = els_published("Mathematics", period)
    england = published.loc["E92000001", "value"]
    lads = published["value"].reindex(english_lads()).dropna()
    threshold = 0.5 * lads.std(ddof=0)
    for code in wm_lads():
        difference = published.loc[code, "value"] - england
        expected = "similar" if abs(difference) < threshold else ("better" if difference > 0 else "worse")
        assert frame.at[code, "significance"] == expected
    assert frame["comparison_rule"].str.startswith("materiality rule").all()
    assert f"({threshold:.3g} %)" in frame["comparison_rule"].iloc[0]
    assert {"similar", "worse"} <= set(frame["significance"])


def test_a_small_difference_in_anxiety_is_never_better(session):
    # 3.22 against 3.31 on a 0-10 scale (the example): judged by the interval, or similar.
    frame = compare_to_benchmark(session, wm_lads(), "anxiety", period="2022-04-01/P1Y")
    england = frame["comparator_value"].iloc[0]
    small = frame[(frame["value"] - england).abs() < 0.1]
    assert not small.empty
    assert set(small["significance"]) <= {"similar"} | set(
        small.loc[(small["upper_ci_95"] < england) | (small["lower_ci_95"] > england), "significance"])
    assert (small.loc[(small["lower_ci_95"] <= england) & (small["upper_ci_95"] >= england), "significance"]
            == "similar").all()


def test_lower_is_better_quintile_is_reversed(session):
    period = "2020-01-01/P5Y"
    frame = compare_to_benchmark(session, ["E08000025"], "smoking_prevalence", period=period, against="E08000029")
    lads = els_published("Cigarette smokers", period)["value"].reindex(english_lads()).dropna()
    # Lower is better: rank 1 is the highest prevalence, the worst.
    expected = int(np.ceil(5 * lads.rank(ascending=False)["E08000025"] / len(lads)))
    assert frame.loc[0, "quintile"] == expected
    assert frame.loc[0, "comparator_value"] == els_published("Cigarette smokers", period).loc["E08000029", "value"]


def test_computed_intervals_and_significance(session):
    counts = store_income_counts(session)
    frame = compare_to_benchmark(session, wm_lads(), "income_score", against="E12000005")
    region = counts["numerator"].sum() / counts[POPULATION].sum()
    assert frame["comparator_value"].iloc[0] == pytest.approx(region)
    by_lad = counts.groupby(LAD)[["numerator", POPULATION]].sum()
    for row in frame.itertuples():
        k, n = int(by_lad.loc[row.area_code, "numerator"]), int(by_lad.loc[row.area_code, POPULATION])
        ci95 = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
        ci998 = stats.binomtest(k, n).proportion_ci(0.998, method="wilson")
        assert (row.lower_ci_95, row.upper_ci_95) == pytest.approx((ci95.low, ci95.high), abs=1e-12)
        assert (row.lower_ci_99_8, row.upper_ci_99_8) == pytest.approx((ci998.low, ci998.high), abs=1e-12)
        expected = "worse" if ci95.low > region else "better" if ci95.high < region else "similar"
        assert row.significance == expected  # polarity: lower is better
    # Real data: Birmingham is more income-deprived than the region, Solihull less.
    judged = frame.set_index("area_code")["significance"]
    assert judged["E08000025"] == "worse" and judged["E08000029"] == "better"
    assert frame["quintile"].isna().all()  # no LAD publishes income_score: no LADs to rank among


def test_level_99_8_is_no_more_significant_than_95(session):
    store_income_counts(session)
    at95 = compare_to_benchmark(session, wm_lads(), "income_score", against="E12000005", level=95)
    at998 = compare_to_benchmark(session, wm_lads(), "income_score", against="E12000005", level=99.8)
    assert (at95["significance"] != "similar").any()
    for wide, narrow in zip(at998["significance"], at95["significance"]):
        assert wide == "similar" or wide == narrow  # a wider interval never flips a judgement


def test_custom_area_is_estimated_from_its_districts_and_marked(session):
    period = "2022-04-01/P1Y"
    frame = compare_to_benchmark(session, ["E08000025", "WM-BSOL"], "life_satisfaction", against="E12000005")
    satisfaction = els_published("Satisfaction", period)["value"]
    population = pd.read_csv(bundled_path("iod2025_lsoa21_england_population_denominators.csv.gz")).groupby(
        "Local Authority District code (2024)")["Total population: mid 2022"].sum()
    bsol = ["E08000025", "E08000029"]
    assert frame["period"].tolist() == [period, period]
    assert frame.loc[1, "value"] == pytest.approx(np.average(satisfaction[bsol], weights=population[bsol]))
    assert frame["comparator_value"].iloc[0] == satisfaction["E12000005"]  # the region's published value
    assert frame["is_estimate"].tolist() == [False, True]
    assert "Total population, mid-2022" in frame.loc[1, "weighting_population"]
    assert frame.attrs["aggregated_areas"] == ["WM-BSOL"] and frame.attrs["estimated_areas"] == ["WM-BSOL"]
    assert frame.loc[1, "comparison_rule"] == "Fingertips rule, 95% interval combined from the districts' published intervals"
    assert pd.isna(frame.loc[1, "quintile"]) and frame.loc[0, "quintile"] >= 1


def test_no_comparator_value_suggests_others(session):
    # Ofsted ratings: Birmingham's latest is "As at 31 January 2024"; England's latest is 2021/22.
    with pytest.raises(NoComparatorValue) as info:
        compare_to_benchmark(session, ["E08000025"], "schools_good_outstanding")
    message = str(info.value)
    assert "England" in message and "no value of schools_good_outstanding for As at 31 January 2024" in message
    assert "--period '202122'" in message  # the latest period Birmingham and England both have


def test_period_that_comparator_has_works(session):
    frame = compare_to_benchmark(session, ["E08000025"], "schools_good_outstanding", period="202122")
    assert frame.loc[0, "comparator_value"] == bundled_values("schools_good_outstanding", "202122")["E92000001"]
    assert frame.loc[0, "period_label"] == "2021/22"


def test_mixed_periods_are_refused_unless_period_given(session):
    # Ofsted ratings: Birmingham's latest is "As at 31 January 2024", the region's is 2021/22.
    with pytest.raises(MixedPeriods, match=r"E08000025 Birmingham: As at 31 January 2024; E12000005 West Midlands: "
                                           r"202122.*--period '202122'"):
        compare_to_benchmark(session, ["E08000025", "E12000005"], "schools_good_outstanding")
    frame = compare_to_benchmark(session, ["E08000025", "E12000005"], "schools_good_outstanding", period="202122")
    assert frame["period"].tolist() == ["202122", "202122"]


def test_period_an_area_lacks_is_named(session):
    with pytest.raises(NoData, match=r"E12000005 \(West Midlands\) has no value of schools_good_outstanding for "
                                     r"As at 31 January 2024"):
        compare_to_benchmark(session, ["E12000005"], "schools_good_outstanding", period="As at 31 January 2024")


@pytest.mark.parametrize("areas, indicator, pattern", [
    (["E01009001"], "employment_rate", r"published for lad, county, cauth, region, country areas only; E01009001"),
    (["E08000025"], "imd_score", r"published for lsoa areas only; E08000025 .* score"),
    (["WM-BSOL"], "median_weekly_pay", r"WM-BSOL .*median"),
], ids=["lsoa-for-lad-indicator", "lad-for-lsoa-score", "subregion-median"])
def test_indicator_at_a_level_it_does_not_exist_at(session, areas, indicator, pattern):
    with pytest.raises(IndicatorNotAtLevel, match=pattern):
        compare_to_benchmark(session, areas, indicator)


def test_unknown_indicator_and_area_suggest(session):
    with pytest.raises(UnknownIndicator, match="Did you mean employment_rate"):
        compare_to_benchmark(session, ["E08000025"], "employment_rat")
    with pytest.raises(UnknownAreaCode, match=r"did you mean E08000029 \(Solihull\)"):
        compare_to_benchmark(session, ["E08000099"], "employment_rate")
    with pytest.raises(UnknownAreaCode, match="E92000002"):
        compare_to_benchmark(session, ["E08000025"], "employment_rate", against="E92000002")


def test_unsupported_level_and_no_areas(session):
    with pytest.raises(UnsupportedConfidenceLevel):
        compare_to_benchmark(session, ["E08000025"], "employment_rate", level=90)
    with pytest.raises(NoData, match="at least one area"):
        compare_to_benchmark(session, [], "employment_rate")


def test_area_with_no_values_at_all(session):
    # hle_male is published for upper-tier areas only: a Staffordshire district has none.
    with pytest.raises(NoData, match="E07000192 .* has no value of hle_male for any period"):
        compare_to_benchmark(session, ["E07000192"], "hle_male")
