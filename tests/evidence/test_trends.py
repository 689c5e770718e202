"""Trends: period order on every bundled period string, change and direction, significance and
the red-red flag, and bad input.

The bundled data has no confidence intervals, so the interval logic is checked on small
constructed inputs (marked as such: they are not data) with results worked out by hand.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text

from lpip.bundled import LAD_INDICATORS, bundled_path
from lpip.errors import NoData, TooFewPeriods, UnknownAreaCode, UnknownIndicator, UnknownPeriod
from lpip.evidence.periods import period_sort_key, period_span, sort_periods
from lpip.evidence.trends import (
    RED_RED, assess_trends, change_p_value, compare_with_benchmark, describe_changes, direction_of,
)

# ------------------------------------------------------------------- periods


def bundled_period_strings(session) -> set[str]:
    stored = set(session.scalars(text("SELECT DISTINCT period FROM indicator_value")))
    published = set(pd.read_csv(bundled_path(LAD_INDICATORS), dtype=str)["period"])
    return stored | published


def test_every_bundled_period_string_is_understood(session):
    periods = bundled_period_strings(session)
    assert len(periods) >= 35
    for period in periods:
        span = period_span(period)  # raises UnknownPeriod for a string it cannot read
        assert span.start <= span.end, period
        # ELS series start in the 1990s (e.g. 1995); its latest snapshots are of 2026.
        assert date(1990, 1, 1) < span.end < date(2027, 1, 1), period


@pytest.mark.parametrize(("period", "start", "end"), [
    ("2021", date(2021, 1, 1), date(2021, 12, 31)),
    ("2019 revised", date(2019, 1, 1), date(2019, 12, 31)),
    ("2018 - 2020", date(2018, 1, 1), date(2020, 12, 31)),
    ("2021/22", date(2021, 4, 1), date(2022, 3, 31)),
    ("202021", date(2020, 4, 1), date(2021, 3, 31)),
    ("201820", date(2018, 1, 1), date(2020, 12, 31)),  # SOURCES.md: "201820" = 2018-2020
    ("04/2022 - 03/2023", date(2022, 4, 1), date(2023, 3, 31)),
    ("16/11/2021 - 15/11/2022", date(2021, 11, 16), date(2022, 11, 15)),
    ("Financial year ending 2023", date(2022, 4, 1), date(2023, 3, 31)),
    ("Sep-23", date(2023, 9, 1), date(2023, 9, 30)),
    ("As at 31 January 2024", date(2024, 1, 31), date(2024, 1, 31)),
    ("mid-2015", date(2015, 6, 30), date(2015, 6, 30)),
    ("2023 Q2", date(2023, 4, 1), date(2023, 6, 30)),
], ids=lambda v: str(v))
def test_period_spans(period, start, end):
    span = period_span(period)
    assert (span.start, span.end) == (start, end)


@pytest.mark.parametrize("ordered", [
    # Each list is in publication-time order, by the meaning of the labels.
    ["2005", "2006", "2010", "2017"],
    ["2022", "10/2022 - 09/2023"],            # calendar 2022 ends before Oct 2022 - Sep 2023
    ["202021", "04/2022 - 03/2023"],          # APS wellbeing years
    ["2021", "Sep-23"],                       # gigabit broadband
    ["202122", "As at 31 January 2024"],      # schools
    ["2019", "2022/23"],                      # KS2
    ["202021", "2021/22", "2022/23"],
    ["2021/22", "2022", "2023"],              # a financial year ends in March
    ["04/2022 - 03/2023", "2023"],
    ["2019", "2019 revised"],
    ["mid-2015", "2015"],
    ["2018 - 2020", "2020 - 2022"],
], ids=lambda v: " < ".join(v))
def test_periods_sort_in_time_order(ordered):
    assert sort_periods(reversed(ordered)) == ordered


def test_each_bundled_indicator_periods_sort_without_error(session):
    rows = session.execute(text("SELECT DISTINCT indicator_id, period FROM indicator_value")).all()
    by_indicator: dict[str, list[str]] = {}
    for indicator_id, period in rows:
        by_indicator.setdefault(indicator_id, []).append(period)
    for periods in by_indicator.values():
        ordered = sort_periods(periods)
        assert [period_sort_key(p) for p in ordered] == sorted(period_sort_key(p) for p in periods)


def test_unreadable_period_is_refused_but_still_sorts():
    with pytest.raises(UnknownPeriod, match="Cannot read 'sometime'"):
        period_span("sometime")
    assert sort_periods(["sometime", "Winter 2019", "2021"]) == ["Winter 2019", "2021", "sometime"]


# ------------------------------------------------------------------- change (pure)


@pytest.mark.parametrize(("change", "polarity", "word"), [
    (2.0, "higher is better", "improving"),
    (-2.0, "higher is better", "worsening"),
    (-2.0, "lower is better", "improving"),
    (2.0, "lower is better", "worsening"),
    (2.0, "no judgement", "increasing"),
    (-2.0, "no judgement", "decreasing"),
    (0.0, "lower is better", "no change"),
    (math.nan, "lower is better", "no data"),
], ids=lambda v: str(v))
def test_direction_uses_polarity(change, polarity, word):
    assert direction_of(change, polarity) == word


def constructed(rows) -> pd.DataFrame:
    """A constructed input (not data): area, period, value, lower_ci, upper_ci."""
    return pd.DataFrame(rows, columns=["area_code", "period", "value", "lower_ci", "upper_ci"])


def test_change_p_value_by_hand():
    # Constructed: 10 (95% CI 8.04 to 11.96, so SE 1) and 13 (11.04 to 14.96, SE 1).
    # z = 3 / sqrt(2) = 2.1213; two-sided p = 2 * (1 - Phi(2.1213)) = 0.0339.
    first = {"value": 10.0, "lower_ci": 10 - 1.959964, "upper_ci": 10 + 1.959964}
    last = {"value": 13.0, "lower_ci": 13 - 1.959964, "upper_ci": 13 + 1.959964}
    assert change_p_value(first, last) == pytest.approx(0.0339, abs=5e-4)
    assert math.isnan(change_p_value(first, {"value": 13.0, "lower_ci": None, "upper_ci": None}))


def test_red_red_needs_both_halves():
    # Constructed values for a lower-is-better indicator; England 20 in the end period.
    values = constructed([
        ("worse-and-worsening", "2020", 22.0, 21.0, 23.0), ("worse-and-worsening", "2021", 26.0, 25.0, 27.0),
        ("worse-but-improving", "2020", 30.0, 29.0, 31.0), ("worse-but-improving", "2021", 26.0, 25.0, 27.0),
        ("worse-no-significant-change", "2020", 25.5, 24.0, 27.0), ("worse-no-significant-change", "2021", 26.0, 25.0, 27.0),
        ("similar-and-worsening", "2020", 14.0, 13.0, 15.0), ("similar-and-worsening", "2021", 20.5, 19.0, 22.0),
        ("no-intervals", "2020", 22.0, None, None), ("no-intervals", "2021", 26.0, None, None),
    ])
    england = {"value": 20.0, "lower_ci": 19.9, "upper_ci": 20.1}
    table = describe_changes(values, "lower is better", "2020", "2021", england).set_index("area_code")
    assert table.loc["worse-and-worsening", "red_red"] is True
    assert table.loc["worse-and-worsening", "flag"] == RED_RED
    assert table.loc["worse-and-worsening", "vs_benchmark"] == "significantly worse"
    assert table.loc["worse-but-improving", "red_red"] is False
    assert table.loc["worse-but-improving", "direction"] == "improving"
    assert table.loc["worse-no-significant-change", "change_significance"] == "not significant"
    assert table.loc["worse-no-significant-change", "red_red"] is False
    assert table.loc["similar-and-worsening", "vs_benchmark"] == "not significantly different"
    assert table.loc["similar-and-worsening", "red_red"] is False
    assert table.loc["no-intervals", "red_red"] is None
    assert table.loc["no-intervals", "change_significance"] == "no intervals"
    assert table.loc["no-intervals", "vs_benchmark"] == "worse (not tested)"
    assert table.loc["no-intervals", "change"] == 4.0
    assert table.loc["no-intervals", "percent_change"] == pytest.approx(100 * 4 / 22)


def test_no_judgement_indicators_are_never_flagged():
    values = constructed([("a", "2020", 10.0, 9.0, 11.0), ("a", "2021", 20.0, 19.0, 21.0)])
    row = describe_changes(values, "no judgement", "2020", "2021", {"value": 5.0}).iloc[0]
    assert row["direction"] == "increasing"
    assert row["vs_benchmark"] == "significantly higher"
    assert row["red_red"] is None


def test_benchmark_comparison_words():
    row = {"value": 30.0, "lower_ci": 28.0, "upper_ci": 32.0}
    assert compare_with_benchmark(row, {"value": 25.0}, "higher is better") == "significantly better"
    assert compare_with_benchmark(row, {"value": 31.0}, "higher is better") == "not significantly different"
    assert compare_with_benchmark(row, None, "higher is better") == "no benchmark value"


# ------------------------------------------------------------------- from the database


def published_values(source: str, name: str) -> pd.DataFrame:
    frame = pd.read_csv(bundled_path(LAD_INDICATORS), dtype={"period": str}, thousands=",", na_values=["na"])
    return frame[(frame["source"] == source) & (frame["indicator"] == name)]


def test_co2_domestic_change_2005_to_2017(session):
    result = assess_trends(session, "co2_domestic")
    assert (result.start, result.end) == ("2005", "2017")
    assert result.periods == tuple(str(y) for y in range(2005, 2018))
    table = result.table.set_index("area_code")
    assert len(table) == 30
    # Independent: the BEIS rows as published in the bundled tidy file.
    published = published_values("BEIS_CO2_2005_2017", "CO2 emissions - Domestic")
    pivot = published.pivot_table(index="area_code", columns="period", values="value")
    expected = (pivot["2017"] - pivot["2005"]).reindex(table.index)
    pd.testing.assert_series_equal(table["change"], expected, check_names=False)
    # No intervals: only changes of at least half a standard deviation of English districts'
    # 2017 values are judged (the materiality rule); smaller ones are "no material change".
    english = [c for c in pivot.index if c.startswith("E0")]
    threshold = 0.5 * pivot.loc[english, "2017"].std(ddof=0)
    words = expected.map(lambda c: "no material change" if abs(c) < threshold else "improving" if c < 0 else "worsening")
    assert (table["direction"] == words).all()
    assert {"improving", "no material change"} <= set(table["direction"])
    assert (table["change_significance"] == "no intervals").all()
    assert table["red_red"].isna().all()
    assert result.benchmark is None  # BEIS gives no England row in the bundle
    assert not result.has_intervals


def test_gva_per_hour_2020_to_2021_for_chosen_areas(session):
    result = assess_trends(session, "gva_per_hour", areas=["E08000029", "E08000025"],
                           start="2020-01-01/P1Y", end="2021-01-01/P1Y")
    assert (result.start, result.end) == ("2020-01-01/P1Y", "2021-01-01/P1Y")
    table = result.table.set_index("area_code")
    assert list(table.index) == ["E08000025", "E08000029"]
    assert table.loc["E08000029", "area_name"] == "Solihull"
    assert (table["end_value"] - table["start_value"]).equals(table["change"])


def test_median_pay_periods_are_april_2008_and_april_2025(session):
    result = assess_trends(session, "median_weekly_pay")
    assert (result.start, result.end) == ("2008-04-16", "2025-04-30")
    # ASHE publishes 95% limits: every change is tested on them.
    assert set(result.table["change_significance"]) <= {"significant", "not significant"}
    assert set(result.table["direction"]) <= {"improving", "worsening", "no significant change"}
    assert (result.table.loc[result.table["change_significance"] == "not significant", "direction"]
            == "no significant change").all()


def test_a_trend_across_a_series_break_is_flagged_not_judged(session):
    # nvq3_plus: NVQ levels to 2021, RQF levels from 2022 (declared in the catalogue).
    result = assess_trends(session, "nvq3_plus", start="2021", end="2023-01-01/P1Y")
    assert result.table["series_break"].all()
    assert set(result.table["direction"]) == {"series break"}
    assert "Regulated Qualifications Framework" in result.table["break_note"].iloc[0]
    assert result.table["red_red"].isna().all()
    within = assess_trends(session, "nvq3_plus", start="2022-01-01/P1Y", end="2023-01-01/P1Y")
    assert not within.table["series_break"].any()


def test_persistent_absence_definition_change_is_a_break(session):
    result = assess_trends(session, "persistent_absence", start="2014-08-01/P1Y", end="2016-08-01/P1Y")
    assert set(result.table["direction"]) == {"series break"}
    assert "15% to 10%" in result.table["break_note"].iloc[0]


# ------------------------------------------------------------------- bad input


def test_single_period_indicator_is_refused(session):
    with pytest.raises(TooFewPeriods, match=r"imd_score has one period only \(2019\).*co2_domestic"):
        assess_trends(session, "imd_score")


def test_unknown_period_lists_periods(session):
    with pytest.raises(UnknownPeriod, match="Its periods: 2004-01-01/P1Y, 2005-01-01/P1Y"):
        assess_trends(session, "gva_per_hour", start="2019")


def test_start_after_end_is_refused(session):
    with pytest.raises(UnknownPeriod, match="must come before"):
        assess_trends(session, "gva_per_hour", start="2021-01-01/P1Y", end="2020-01-01/P1Y")


def test_unknown_indicator_suggests(session):
    with pytest.raises(UnknownIndicator, match="Did you mean co2_domestic"):
        assess_trends(session, "co2_domestc")


def test_unknown_area_suggests(session):
    with pytest.raises(UnknownAreaCode, match="did you mean E08000029"):
        assess_trends(session, "gva_per_hour", areas=["E08000099"])


def test_no_areas_at_the_level(session):
    with pytest.raises(NoData, match="no lad areas inside E01009000"):
        assess_trends(session, "gva_per_hour", within="E01009000")


def test_values_without_interval_columns():
    values = pd.DataFrame({"area_code": ["a", "a"], "period": ["2020", "2021"], "value": [4.0, 5.0]})
    row = describe_changes(values, "lower is better", "2020", "2021").iloc[0]
    assert (row["direction"], row["change_significance"], row["red_red"]) == ("not assessed", "no intervals", None)
    material = describe_changes(values, "lower is better", "2020", "2021", spread=1.0).iloc[0]
    assert material["direction"] == "worsening"  # 1.0 is at least 0.5 sd
    small = describe_changes(values, "lower is better", "2020", "2021", spread=3.0).iloc[0]
    assert small["direction"] == "no material change"  # 1.0 is under 0.5 x 3.0
