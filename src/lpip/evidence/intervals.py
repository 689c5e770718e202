"""Confidence intervals for indicator values, as Fingertips (PHE/OHID) computes them.

* proportions: Wilson score interval (no continuity correction);
* counts and rates: Byar's approximation to the Poisson interval, and the exact Poisson
  interval (chi-squared) for counts under 10, where Byar's is poor; a rate's interval is
  the count's interval divided by the denominator and scaled by the multiplier;
* means: the normal approximation ``mean +/- z * standard error`` (Student's t when the
  degrees of freedom are given, as PHEindicatormethods' ``phe_mean`` does);
* an interval given by the source is used as given.

These are the methods of the R package PHEindicatormethods and of the APHO "Technical
Guide: Confidence intervals"; ``tests/evidence/test_intervals.py`` checks them against the
package's published worked examples. Functions here are pure: arrays in, arrays out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lpip.errors import UnsupportedConfidenceLevel

# The two levels Fingertips shows; their column suffixes in result tables.
CONFIDENCE_LEVELS = {95.0: "95", 99.8: "99_8"}
# Below this many events Byar's approximation is replaced by the exact Poisson interval.
EXACT_BELOW = 10
INTERVAL_COLUMNS = ["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]
Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Interval:
    """Lower and upper confidence limits (arrays of the same shape as the input)."""

    lower: np.ndarray
    upper: np.ndarray


def check_level(level: float | str) -> float:
    """The confidence level as a float, 95 or 99.8; :class:`UnsupportedConfidenceLevel` otherwise."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = math.nan
    if value not in CONFIDENCE_LEVELS:
        raise UnsupportedConfidenceLevel(
            f"Confidence level {level!r} is not supported: use 95 or 99.8 (the levels Fingertips uses)."
        )
    return value


def z_value(level: float) -> float:
    """The two-sided standard normal quantile for a level in percent (1.95996... for 95)."""
    return float(stats.norm.ppf(0.5 + check_level(level) / 200))


def _tail(level: float) -> float:
    return (1 - check_level(level) / 100) / 2


def wilson_interval(numerator, denominator, level: float = 95, multiplier: float = 1) -> Interval:
    """Wilson score interval for the proportion ``numerator / denominator``, times ``multiplier``.

    Examples
    --------
    >>> ci = wilson_interval(87, 131)
    >>> round(float(ci.lower), 6), round(float(ci.upper), 6)
    (0.579592, 0.739301)
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    z = z_value(level)
    p = x / n
    centre = 2 * x + z**2
    spread = z * np.sqrt(z**2 + 4 * x * (1 - p))
    scale = multiplier / (2 * (n + z**2))
    return Interval(lower=(centre - spread) * scale, upper=(centre + spread) * scale)


def byars_interval(count, level: float = 95) -> Interval:
    """Interval for a Poisson count: Byar's method, exact (chi-squared) for counts under 10.

    Examples
    --------
    >>> ci = byars_interval(87)
    >>> round(float(ci.lower), 3), round(float(ci.upper), 3)
    (69.681, 107.315)
    """
    x = np.asarray(count, dtype=float)
    z = z_value(level)
    alpha = _tail(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        byars_lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        byars_upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    # chi2.ppf with 0 degrees of freedom is nan; the exact lower limit of a zero count is 0.
    exact_lower = np.where(x > 0, stats.chi2.ppf(alpha, 2 * np.maximum(x, 1e-300)) / 2, 0.0)
    exact_upper = stats.chi2.ppf(1 - alpha, 2 * x + 2) / 2
    small = x < EXACT_BELOW
    return Interval(lower=np.where(small, exact_lower, byars_lower), upper=np.where(small, exact_upper, byars_upper))


def rate_interval(count, denominator, level: float = 95, multiplier: float = 100_000) -> Interval:
    """Interval for the rate ``count / denominator * multiplier`` (Byar's / exact on the count).

    Examples
    --------
    >>> ci = rate_interval(87, 131)
    >>> round(float(ci.lower), 2), round(float(ci.upper), 2)
    (53191.9, 81920.13)
    """
    counts = byars_interval(count, level)
    scale = multiplier / np.asarray(denominator, dtype=float)
    return Interval(lower=counts.lower * scale, upper=counts.upper * scale)


def mean_interval(mean, standard_error, level: float = 95, dof=None) -> Interval:
    """``mean +/- q * standard_error`` with q normal, or Student's t with ``dof`` degrees of freedom.

    Examples
    --------
    >>> ci = mean_interval(10.0, 1.0)
    >>> round(float(ci.lower), 4), round(float(ci.upper), 4)
    (8.04, 11.96)
    """
    m = np.asarray(mean, dtype=float)
    se = np.asarray(standard_error, dtype=float)
    if dof is None:
        q = z_value(level)
    else:
        q = stats.t.ppf(1 - _tail(level), np.asarray(dof, dtype=float))
    return Interval(lower=m - q * se, upper=m + q * se)


def standard_error_from_interval(lower, upper, level: float = 95) -> np.ndarray:
    """The standard error implied by a symmetric normal interval: width / (2 z)."""
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * z_value(level))


_PER = re.compile(r"per\s+([\d,]+)")


def multiplier_from_unit(unit: str | None) -> float | None:
    """The scale a unit implies: "%" is 100, "per 100,000 population" is 100000; else None.

    Examples
    --------
    >>> multiplier_from_unit("per 1,000 dwellings"), multiplier_from_unit("%")
    (1000.0, 100.0)
    """
    if not unit:
        return None
    text = unit.lower()
    match = _PER.search(text)
    if match:
        return float(match.group(1).replace(",", ""))
    if "%" in text or "per cent" in text or "percent" in text:
        return 100.0
    if text.startswith("proportion"):
        return 1.0
    return None


def infer_multiplier(value, numerator, denominator) -> float | None:
    """The power of ten that turns ``numerator / denominator`` into ``value`` (median over rows)."""
    v = np.asarray(value, dtype=float)
    ratio = np.asarray(numerator, dtype=float) / np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = v / ratio
    scale = scale[np.isfinite(scale) & (scale > 0)]
    if scale.size == 0:
        return None
    return float(10 ** round(math.log10(float(np.median(scale)))))


def counts_interval(value_type: str, numerator, denominator, level: float, multiplier: float) -> Interval | None:
    """The interval computed from counts for one value type, or None when it has no such method."""
    if value_type == "proportion":
        return wilson_interval(numerator, denominator, level, multiplier)
    if value_type == "rate":
        return rate_interval(numerator, denominator, level, multiplier)
    if value_type == "count":
        return byars_interval(numerator, level)
    return None


def add_intervals(frame: pd.DataFrame, value_type: str, multiplier: float | None = None) -> pd.DataFrame:
    """``frame`` with the columns lower/upper_ci_95 and lower/upper_ci_99_8 and ``ci_method``.

    ``frame`` has value, lower_ci, upper_ci, numerator, denominator and optionally
    standard_error. Per row, in order of preference:

    1. an interval given by the source (lower_ci, upper_ci) is the 95% interval; its 99.8%
       interval comes from the counts if present, or for a mean from the standard error
       the 95% interval implies; otherwise it stays empty;
    2. numerator (and denominator, except for counts): Wilson for a proportion, Byar's for a
       count or rate (on the numerator; a count's numerator is the count itself);
    3. a mean with a standard error: the normal approximation;
    4. otherwise no interval (the comparison will be "not compared").
    """
    out = frame.copy()
    for column in ("lower_ci", "upper_ci", "numerator", "denominator", "standard_error"):
        if column not in out:
            out[column] = np.nan
    out[INTERVAL_COLUMNS] = np.nan
    out["ci_method"] = "none"
    if out[["lower_ci", "numerator", "standard_error"]].isna().all().all():
        return out  # nothing to compute from: the usual case for published values without counts
    for level, suffix in CONFIDENCE_LEVELS.items():
        _fill_from_counts(out, value_type, multiplier, level, suffix)
        _fill_from_standard_error(out, value_type, level, suffix)
    _use_given(out, value_type)
    return out


def _fill_from_counts(out: pd.DataFrame, value_type: str, multiplier, level: float, suffix: str) -> None:
    needs_denominator = value_type in ("proportion", "rate")
    rows = out["numerator"].notna() & out["numerator"].ge(0)
    if needs_denominator:
        rows &= out["denominator"].notna() & out["denominator"].gt(0)
        if value_type == "proportion":
            rows &= out["numerator"].le(out["denominator"])
    if not rows.any() or value_type not in ("proportion", "rate", "count"):
        return
    scale = multiplier
    if scale is None and needs_denominator:
        scale = infer_multiplier(out.loc[rows, "value"], out.loc[rows, "numerator"], out.loc[rows, "denominator"])
    if scale is None:
        scale = 1.0
    ci = counts_interval(value_type, out.loc[rows, "numerator"], out.loc[rows, "denominator"], level, scale)
    out.loc[rows, f"lower_ci_{suffix}"] = ci.lower
    out.loc[rows, f"upper_ci_{suffix}"] = ci.upper
    out.loc[rows, "ci_method"] = {"proportion": "Wilson", "rate": "Byar's", "count": "Byar's"}[value_type]


def _fill_from_standard_error(out: pd.DataFrame, value_type: str, level: float, suffix: str) -> None:
    rows = out["standard_error"].notna() & out[f"lower_ci_{suffix}"].isna() & out["value"].notna()
    if value_type != "mean" or not rows.any():
        return
    ci = mean_interval(out.loc[rows, "value"], out.loc[rows, "standard_error"], level)
    out.loc[rows, f"lower_ci_{suffix}"] = ci.lower
    out.loc[rows, f"upper_ci_{suffix}"] = ci.upper
    out.loc[rows, "ci_method"] = "normal"


def _use_given(out: pd.DataFrame, value_type: str) -> None:
    given = out["lower_ci"].notna() & out["upper_ci"].notna()
    if not given.any():
        return
    out.loc[given, "lower_ci_95"] = out.loc[given, "lower_ci"]
    out.loc[given, "upper_ci_95"] = out.loc[given, "upper_ci"]
    out.loc[given, "ci_method"] = "given by the source"
    # Published survey and modelled estimates (APS, ASHE, ELS) come with 95% limits only; the
    # 99.8% limits are derived from the standard error those limits imply (a normal sampling
    # distribution, as the sources' own intervals assume). Counts, where present, win.
    derive = given & out["lower_ci_99_8"].isna() & out["value"].notna()
    if derive.any():
        se = standard_error_from_interval(out.loc[derive, "lower_ci"], out.loc[derive, "upper_ci"], 95)
        ci = mean_interval(out.loc[derive, "value"], se, 99.8)
        out.loc[derive, "lower_ci_99_8"] = ci.lower
        out.loc[derive, "upper_ci_99_8"] = ci.upper
