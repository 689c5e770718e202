"""Confidence intervals against PHEindicatormethods' published worked examples and scipy.

Reference values: tests/data/compare/pheindicatormethods_vignette.csv, copied from the
output printed in the PHEindicatormethods vignette (ukhsa-collaboration/PHEindicatormethods,
inst/doc/PHEindicatormethodsIntroVignette.html @ b0fa919dc65e4ae212253b0566095b158f55bcd1);
see tests/data/compare/SOURCES.md. The vignette prints 7 to 10 significant figures, so the
tolerance is a relative 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lpip.errors import UnsupportedConfidenceLevel
from lpip.evidence.intervals import (
    add_intervals, byars_interval, check_level, infer_multiplier, mean_interval, multiplier_from_unit,
    rate_interval, standard_error_from_interval, wilson_interval, z_value,
)

VIGNETTE = pd.read_csv(Path(__file__).parents[1] / "data" / "compare" / "pheindicatormethods_vignette.csv")
RTOL = 1e-6


@pytest.mark.parametrize("level, suffix", [(95, "95"), (99.8, "99_8")], ids=["95", "99.8"])
def test_wilson_matches_phe_proportion(level, suffix):
    ci = wilson_interval(VIGNETTE["obs"], VIGNETTE["pop"], level)
    np.testing.assert_allclose(ci.lower, VIGNETTE[f"prop_lower_{suffix}"], rtol=RTOL)
    np.testing.assert_allclose(ci.upper, VIGNETTE[f"prop_upper_{suffix}"], rtol=RTOL)


def test_wilson_as_percentage_scales_by_multiplier():
    # phe_proportion(df, obs, pop, percentage=TRUE) prints 57.9592491 .. 73.930053 for Area1 2015.
    ci = wilson_interval(87, 131, 95, multiplier=100)
    assert float(ci.lower) == pytest.approx(57.9592491, rel=RTOL)
    assert float(ci.upper) == pytest.approx(73.930053, rel=RTOL)


@pytest.mark.parametrize("x, n", [(0, 10), (1, 164), (65, 100), (1045, 5000), (4999, 5000)], ids=str)
@pytest.mark.parametrize("level", [95, 99.8], ids=["95", "99.8"])
def test_wilson_matches_scipy_binomtest(x, n, level):
    # An independent implementation: scipy's BinomTestResult.proportion_ci(method="wilson").
    expected = stats.binomtest(x, n).proportion_ci(confidence_level=level / 100, method="wilson")
    ci = wilson_interval(x, n, level)
    assert float(ci.lower) == pytest.approx(expected.low, abs=1e-12)
    assert float(ci.upper) == pytest.approx(expected.high, abs=1e-12)


def test_rate_95_matches_phe_rate_byars_and_exact():
    ci = rate_interval(VIGNETTE["obs"], VIGNETTE["pop"], 95, multiplier=100_000)
    np.testing.assert_allclose(ci.lower, VIGNETTE["rate_lower_95_per_100000"], rtol=RTOL)
    np.testing.assert_allclose(ci.upper, VIGNETTE["rate_upper_95_per_100000"], rtol=RTOL)


def test_rate_99_8_per_100_matches_phe_rate():
    ci = rate_interval(VIGNETTE["obs"], VIGNETTE["pop"], 99.8, multiplier=100)
    np.testing.assert_allclose(ci.lower, VIGNETTE["rate_lower_99_8_per_100"], rtol=RTOL)
    np.testing.assert_allclose(ci.upper, VIGNETTE["rate_upper_99_8_per_100"], rtol=RTOL)


def test_exact_poisson_below_ten_is_the_chi_squared_interval():
    # The vignette's "Exact" rows are those with counts under 10; the exact interval is
    # chi2(alpha/2, 2x)/2 to chi2(1 - alpha/2, 2x + 2)/2 (Armitage & Berry).
    small = VIGNETTE[VIGNETTE["rate_method"] == "Exact"]
    assert (small["obs"] < 10).all() and (VIGNETTE.loc[VIGNETTE["rate_method"] == "Byars", "obs"] >= 10).all()
    ci = byars_interval(small["obs"], 95)
    np.testing.assert_allclose(ci.lower, stats.chi2.ppf(0.025, 2 * small["obs"]) / 2)
    np.testing.assert_allclose(ci.upper, stats.chi2.ppf(0.975, 2 * small["obs"] + 2) / 2)


def test_zero_count_has_lower_limit_zero():
    ci = byars_interval(0)
    assert float(ci.lower) == 0
    assert float(ci.upper) == pytest.approx(stats.chi2.ppf(0.975, 2) / 2)


@pytest.mark.parametrize("count", [10, 50, 500, 5000], ids=str)
def test_byars_approaches_the_exact_interval(count):
    # Byar's is an approximation to the exact Poisson interval, good to well under 1% from 10 up.
    exact_lower = stats.chi2.ppf(0.025, 2 * count) / 2
    exact_upper = stats.chi2.ppf(0.975, 2 * count + 2) / 2
    ci = byars_interval(count)
    assert float(ci.lower) == pytest.approx(exact_lower, rel=5e-3)
    assert float(ci.upper) == pytest.approx(exact_upper, rel=5e-3)


def test_mean_with_students_t_matches_phe_mean():
    # phe_mean(df, obs) in the same vignette: value 35.375, lowercl 6.283883, uppercl 64.46612.
    obs = VIGNETTE["obs"].to_numpy(dtype=float)
    se = obs.std(ddof=1) / np.sqrt(obs.size)
    ci = mean_interval(obs.mean(), se, 95, dof=obs.size - 1)
    assert obs.mean() == 35.375
    assert float(ci.lower) == pytest.approx(6.283883, rel=RTOL)
    assert float(ci.upper) == pytest.approx(64.46612, rel=RTOL)


@pytest.mark.parametrize("year, lower, upper", [(2015, -160, 232), (2016, -153, 222)], ids=["2015", "2016"])
def test_mean_99_8_matches_phe_mean_by_year(year, lower, upper):
    # phe_mean(..., confidence=0.998) grouped by year, printed to 3 significant figures.
    obs = VIGNETTE.loc[VIGNETTE["year"] == year, "obs"].to_numpy(dtype=float)
    ci = mean_interval(obs.mean(), obs.std(ddof=1) / np.sqrt(obs.size), 99.8, dof=obs.size - 1)
    assert float(ci.lower) == pytest.approx(lower, abs=0.5)
    assert float(ci.upper) == pytest.approx(upper, abs=0.5)


def test_normal_mean_interval_uses_z():
    ci = mean_interval(10.0, 2.0, 99.8)
    assert float(ci.upper) - 10.0 == pytest.approx(2.0 * stats.norm.ppf(0.999))
    assert standard_error_from_interval(ci.lower, ci.upper, 99.8) == pytest.approx(2.0)


@pytest.mark.parametrize("level", [90, "99", "ninety-five", None], ids=str)
def test_unsupported_levels_are_refused(level):
    with pytest.raises(UnsupportedConfidenceLevel, match="use 95 or 99.8"):
        check_level(level)


def test_levels_accept_numbers_and_strings():
    assert check_level("99.8") == 99.8 and check_level(95) == 95.0
    assert z_value(95) == pytest.approx(1.959963985)


@pytest.mark.parametrize("unit, expected", [
    ("%", 100.0), ("% of households", 100.0), ("per 100,000 population", 100_000.0),
    ("per 1,000 dwellings", 1000.0), ("proportion of the population", 1.0), ("£", None), ("years", None),
], ids=str)
def test_multiplier_from_unit(unit, expected):
    assert multiplier_from_unit(unit) == expected


def test_infer_multiplier_from_values():
    assert infer_multiplier([66.4, 0.61], [87, 1], [131, 164]) == 100.0
    assert infer_multiplier([np.nan], [1], [2]) is None


def _rows(**columns) -> pd.DataFrame:
    base = dict(value=np.nan, lower_ci=np.nan, upper_ci=np.nan, numerator=np.nan, denominator=np.nan)
    base.update(columns)
    return pd.DataFrame({k: [v] if np.isscalar(v) else v for k, v in base.items()})


def test_given_interval_is_used_as_given_and_computed_99_8_from_counts():
    frame = add_intervals(_rows(value=66.4, lower_ci=60.0, upper_ci=70.0, numerator=87, denominator=131), "proportion", 100)
    assert frame.loc[0, "lower_ci_95"] == 60.0 and frame.loc[0, "upper_ci_95"] == 70.0
    expected = wilson_interval(87, 131, 99.8, 100)
    assert frame.loc[0, "lower_ci_99_8"] == pytest.approx(float(expected.lower))
    assert frame.loc[0, "ci_method"] == "given by the source"


def test_given_interval_without_counts_gives_99_8_from_its_standard_error():
    # Published survey estimates (APS, ASHE) come with 95% limits only: the 99.8% limits use the
    # standard error those limits imply, for any value type.
    proportion = add_intervals(_rows(value=50.0, lower_ci=45.0, upper_ci=55.0), "proportion", 100)
    z = stats.norm.ppf(0.999) / stats.norm.ppf(0.975)
    assert proportion.loc[0, "lower_ci_99_8"] == pytest.approx(50.0 - 5.0 * z)
    no_value = add_intervals(_rows(lower_ci=45.0, upper_ci=55.0), "proportion", 100)
    assert np.isnan(no_value.loc[0, "lower_ci_99_8"])
    mean = add_intervals(_rows(value=50.0, lower_ci=45.0, upper_ci=55.0), "mean")
    se = 5.0 / stats.norm.ppf(0.975)
    assert mean.loc[0, "upper_ci_99_8"] == pytest.approx(50.0 + se * stats.norm.ppf(0.999))


@pytest.mark.parametrize("value_type, method", [("proportion", "Wilson"), ("rate", "Byar's"), ("count", "Byar's")])
def test_counts_give_intervals_by_type(value_type, method):
    frame = add_intervals(_rows(value=66.4, numerator=87, denominator=131), value_type, 100)
    assert frame.loc[0, "ci_method"] == method
    assert frame.loc[0, "lower_ci_99_8"] < frame.loc[0, "lower_ci_95"] < frame.loc[0, "upper_ci_95"] < frame.loc[0, "upper_ci_99_8"]


@pytest.mark.parametrize("value_type", ["median", "score", "rank", "mean"])
def test_no_interval_without_a_method_or_data(value_type):
    frame = add_intervals(_rows(value=5.0, numerator=87, denominator=131), value_type)
    assert frame[["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]].isna().all().all()
    assert frame.loc[0, "ci_method"] == "none"


def test_proportion_numerator_above_denominator_gets_no_interval():
    frame = add_intervals(_rows(value=150.0, numerator=150, denominator=100), "proportion", 100)
    assert np.isnan(frame.loc[0, "lower_ci_95"])
