"""Trends: change between two periods, direction of travel, and the 'red-red' flag.

Periods are strings as published ("2005", "2021/22", "202021", "10/2022 - 09/2023",
"Financial year ending 2023", "Sep-23" ...). :func:`period_span` reads each one as the span of
days it covers, and :func:`period_sort_key` orders periods by the day they end (then the day
they start), so "2022" (calendar year) comes before "10/2022 - 09/2023" (a survey year ending
in September 2023), and "2021/22" (ending March 2022) before "2022".

The change between two periods is judged with the indicator's polarity: "improving" or
"worsening" where higher (or lower) is better, "increasing" or "decreasing" where the catalogue
makes no judgement. Whether a change is significant is only said where both values have
confidence intervals (a z-test of the difference, standard errors from the 95% intervals).
A change is only called "improving" or "worsening" (or "increasing"/"decreasing") when it
exceeds the intervals (the test above) or, without intervals, the materiality rule of
:mod:`lpip.evidence.compare` (half a standard deviation of English districts' values in the
end period); otherwise it is "no significant change", "no material change" or, with neither,
"not assessed". A series break (a change of source or method, from the catalogue's
``breaks``, or a change in the form of the period, e.g. single years to three-year pools)
between the two periods is flagged ("series break") and the change is not judged.
The red-red flag of Fingertips, "significantly worse than England and getting worse", needs
both halves tested: the area's latest interval wholly on the worse side of England's value
(the rule of ``lpip compare``) and a significant worsening between the two periods. Without
intervals it is "not assessed" (None), never False.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import NoData, TooFewPeriods, UnknownPeriod
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import IndicatorValue
from lpip.evidence.periods import period_sort_key, sort_periods
from lpip.geography.areas import descendants, get_area
from lpip.geography.models import Area

ENGLAND = "E92000001"
DEFAULT_WITHIN = "E12000005"
# Intervals in the store are 95% intervals (the Fingertips default); their half-width over
# this quantile is the standard error used to test a change.
Z95 = float(stats.norm.ppf(0.975))
ALPHA = 0.05

def indicator_periods(session: Session, indicator_id: str, level: str | None = None) -> list[str]:
    """The periods an indicator has values for (at one area level), oldest first."""
    query = select(IndicatorValue.period).where(IndicatorValue.indicator_id == indicator_id).distinct()
    if level:
        query = query.join(Area, Area.code == IndicatorValue.area_code).where(Area.level == level)
    return sort_periods(session.scalars(query))


def choose_period(session: Session, indicator_id: str, period: str | None, level: str | None = None) -> str:
    """``period`` if the indicator has values for it (at ``level``), else the latest one."""
    periods = indicator_periods(session, indicator_id, level)
    where = f" at {level} level" if level else ""
    if not periods:
        raise NoData(f"Indicator {indicator_id} has no values{where}. Load them with `lpip init` or `lpip data`.")
    if period is None:
        return periods[-1]
    if period not in periods:
        raise UnknownPeriod(
            f"Indicator {indicator_id} has no values for period {period!r}{where}. "
            f"Its periods: {', '.join(periods)}."
        )
    return period


# --- the change between two periods (pure) -------------------------------------------------


def direction_of(change: float, polarity: str) -> str:
    """Words for a change: improving / worsening where the polarity judges, else increasing /
    decreasing; "no change" for zero and "no data" when either value is missing."""
    if pd.isna(change):
        return "no data"
    if change == 0:
        return "no change"
    if polarity == "higher is better":
        return "improving" if change > 0 else "worsening"
    if polarity == "lower is better":
        return "improving" if change < 0 else "worsening"
    return "increasing" if change > 0 else "decreasing"


def change_p_value(first, last) -> float:
    """Two-sided p-value of the difference between two values with 95% intervals.

    ``first`` and ``last`` are rows (value, lower_ci, upper_ci). The standard error of each is
    the interval's width over 2 x 1.96; the two estimates are taken as independent, and the
    difference is tested against a normal distribution (Altman and Bland, BMJ 2003;326:219).
    NaN when either value lacks an interval.
    """
    first, last = (_numbers(row) for row in (first, last))
    se = [(row["upper_ci"] - row["lower_ci"]) / (2 * Z95) for row in (first, last)]
    change = last["value"] - first["value"]
    if np.isnan(se).any() or np.isnan(change):
        return float("nan")
    spread = float(np.hypot(*se))
    if spread == 0:
        return 0.0 if change != 0 else 1.0
    return float(2 * stats.norm.sf(abs(change) / spread))


def _numbers(row) -> dict[str, float]:
    """value, lower_ci and upper_ci as floats, NaN for anything missing (None, NA)."""
    return {key: float("nan") if pd.isna(row.get(key)) else float(row.get(key)) for key in ("value", "lower_ci", "upper_ci")}


def compare_with_benchmark(row, benchmark, polarity: str) -> str:
    """How a value stands against the benchmark's (England's) value in the same period.

    Where the area has an interval, the rule is Fingertips' one, shared with ``lpip compare``
    (:func:`lpip.evidence.compare.significance`): "significantly better" / "significantly
    worse" when the interval lies wholly on one side of the benchmark's value, else "not
    significantly different" ("significantly higher" / "lower" without polarity). Where the
    area has no interval only the direction is said, marked "(not tested)".
    """
    # Imported here so that hotspots and similar areas, which only need the period helpers of
    # this module, do not load the comparison and aggregation machinery.
    from lpip.evidence.compare import NOT_COMPARED, SIMILAR, significance

    if benchmark is None or pd.isna(benchmark["value"]):
        return "no benchmark value"
    if pd.isna(row["value"]):
        return "no data"
    word = significance([row["lower_ci"]], [row["upper_ci"]], benchmark["value"], polarity)[0]
    if word == SIMILAR:
        return "not significantly different"
    if word != NOT_COMPARED:
        return f"significantly {word}"
    if row["value"] == benchmark["value"]:
        return "same (not tested)"
    return f"{_side(1 if row['value'] > benchmark['value'] else -1, polarity)} (not tested)"


def _side(sign: int, polarity: str) -> str:
    """The word for being above (+1) or below (-1) the benchmark."""
    if polarity == "higher is better":
        return "better" if sign > 0 else "worse"
    if polarity == "lower is better":
        return "worse" if sign > 0 else "better"
    return "higher" if sign > 0 else "lower"


def red_red(direction: str, significance: str, versus: str, polarity: str):
    """True for "significantly worse than the benchmark and significantly getting worse";
    False when both halves could be tested and one fails; None (not assessed) otherwise."""
    if polarity == "no judgement" or significance == "no intervals" or "not tested" in versus:
        return None
    if versus in ("no benchmark value", "no data") or direction == "no data":
        return None
    return versus == "significantly worse" and direction == "worsening" and significance == "significant"


TREND_COLUMNS = [
    "area_code", "start_period", "end_period", "start_value", "end_value", "change", "percent_change",
    "direction", "change_p_value", "change_significance", "vs_benchmark", "red_red", "flag",
    "series_break", "break_note", "change_rule",
]
SERIES_BREAK = "series break"


def breaks_between(indicator_id: str, start: str, end: str) -> list[str]:
    """Why values at ``start`` and ``end`` are not comparable: the catalogue's series breaks
    after ``start`` up to ``end``, and a change in the form of the period (e.g. "2019" against
    "2020-01-01/P1Y", or one-year against three-year periods)."""
    from lpip.evidence.catalogue import series_breaks

    reasons = [f"{item['reason']} (from {item['period']})" for item in series_breaks(indicator_id)
               if period_sort_key(start) < period_sort_key(item["period"]) <= period_sort_key(end)]
    if _period_form(start) != _period_form(end):
        reasons.append(f"the periods are of different kinds ({start} and {end}), so the series changed between them")
    return reasons


def _period_form(period: str) -> str:
    """The form of a period: ISO interval with its duration, ISO day, or the published pattern."""
    import re

    text = str(period)
    iso = re.match(r"^\d{4}-\d{2}-\d{2}(/P\d+[YM])?$", text)
    if iso:
        return f"iso{iso[1] or '-day'}"
    return re.sub(r"\d", "9", text)
RED_RED = "significantly worse and getting worse"


def describe_changes(values: pd.DataFrame, polarity: str, start: str, end: str,
                     benchmark: pd.Series | dict | None = None, alpha: float = ALPHA,
                     spread: float = float("nan"), breaks: list[str] | None = None) -> pd.DataFrame:
    """One row per area: the change from ``start`` to ``end`` and what it means.

    Parameters
    ----------
    values : DataFrame
        Tidy values with columns area_code, period, value, lower_ci, upper_ci (95%).
    polarity : str
        "higher is better", "lower is better" or "no judgement".
    start, end : str
        The two periods compared.
    benchmark : mapping, optional
        The benchmark's (England's) value, lower_ci and upper_ci in the ``end`` period.
    alpha : float
        Significance level of the test of change.
    spread : float
        Standard deviation of English districts' values in ``end``, for the materiality rule
        where there are no intervals (NaN: changes without intervals are "not assessed").
    breaks : list of str
        Reasons the two periods are not comparable (:func:`breaks_between`); any makes the
        direction "series break".

    Returns
    -------
    DataFrame
        Columns area_code, start_period, end_period, start_value, end_value, change,
        percent_change, direction, change_p_value, change_significance ("significant",
        "not significant" or "no intervals"), vs_benchmark, red_red (True, False, or None
        when it cannot be assessed), flag ("significantly worse and getting worse" or ""),
        series_break (bool), break_note and change_rule (how the direction was judged).

    Examples
    --------
    >>> values = pd.DataFrame({"area_code": ["A", "A"], "period": ["2020", "2021"],
    ...                        "value": [10.0, 12.0], "lower_ci": None, "upper_ci": None})
    >>> describe_changes(values, "higher is better", "2020", "2021", spread=2.0)["direction"].tolist()
    ['improving']
    """
    columns = ["value", "lower_ci", "upper_ci"]
    # Intervals are optional: a frame of values alone gives changes without significance.
    frame = values.assign(**{c: pd.to_numeric(values[c], errors="coerce") if c in values else np.nan for c in columns})
    first = frame[frame["period"] == start].set_index("area_code")[columns]
    last = frame[frame["period"] == end].set_index("area_code")[columns]
    codes = sorted(set(first.index) | set(last.index))
    first, last = first.reindex(codes), last.reindex(codes)
    context = dict(polarity=polarity, start=start, end=end, benchmark=benchmark, alpha=alpha, spread=spread,
                   breaks=list(breaks or []))
    rows = [_change_row(code, first.loc[code], last.loc[code], **context) for code in codes]
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def judged_direction(change: float, polarity: str, significance: str, spread: float, breaks: list[str]) -> tuple[str, str]:
    """(direction, rule): the direction only where the change passes the test of the intervals
    or, without intervals, the materiality rule; "series break" across a break."""
    from lpip.evidence.compare import MATERIAL_SD

    if breaks:
        return SERIES_BREAK, "not judged: " + "; ".join(breaks)
    direction = direction_of(change, polarity)
    if direction in ("no data", "no change"):
        return direction, ""
    if significance == "significant":
        return direction, "test of the two 95% intervals"
    if significance == "not significant":
        return "no significant change", "test of the two 95% intervals"
    if np.isfinite(spread) and spread > 0:
        rule = f"materiality: at least {MATERIAL_SD:g} sd of English districts ({MATERIAL_SD * spread:.3g})"
        return (direction if abs(change) >= MATERIAL_SD * spread else "no material change"), rule
    return "not assessed", "no intervals and no spread of English districts to judge by"


def _change_row(code, first, last, polarity, start, end, benchmark, alpha, spread, breaks) -> dict:
    change = last["value"] - first["value"]
    p_value = change_p_value(first, last)
    significance = "no intervals" if pd.isna(p_value) else ("significant" if p_value < alpha else "not significant")
    direction, rule = judged_direction(change, polarity, significance, spread, breaks)
    versus = compare_with_benchmark(last, benchmark, polarity)
    flag = red_red(direction, significance, versus, polarity)
    base = first["value"]
    percent = change / abs(base) * 100 if pd.notna(base) and base != 0 else np.nan
    return dict(
        area_code=code, start_period=start, end_period=end, start_value=first["value"], end_value=last["value"],
        change=change, percent_change=percent, direction=direction, change_p_value=p_value,
        change_significance=significance, vs_benchmark=versus, red_red=flag, flag=RED_RED if flag else "",
        series_break=bool(breaks), break_note="; ".join(breaks), change_rule=rule,
    )


# --- trends from the database --------------------------------------------------------------


@dataclass(frozen=True)
class TrendResult:
    """The change of one indicator between two periods for a set of areas.

    Attributes
    ----------
    indicator_id, title, unit, polarity : str
        The indicator and how its direction is judged.
    periods : tuple of str
        Every period the indicator has at ``level``, oldest first.
    start, end : str
        The two periods compared.
    level : str
        The area level of the rows.
    benchmark_code : str
        The area compared with (England, E92000001).
    benchmark : dict or None
        The benchmark's value, lower_ci and upper_ci in ``end`` (None when it has no value).
    table : DataFrame
        One row per area, see :func:`describe_changes`, with ``area_name`` added.
    """

    indicator_id: str
    title: str
    unit: str
    polarity: str
    periods: tuple[str, ...]
    start: str
    end: str
    level: str
    benchmark_code: str
    benchmark: dict | None
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-area table (a copy)."""
        return self.table.copy()

    @property
    def flagged(self) -> pd.DataFrame:
        """Areas flagged significantly worse than the benchmark and getting worse."""
        return self.table[self.table["red_red"].eq(True)]

    @property
    def has_intervals(self) -> bool:
        return bool((self.table["change_significance"] != "no intervals").any())


def assess_trends(
    session: Session,
    indicator_id: str,
    *,
    within: str = DEFAULT_WITHIN,
    areas: Iterable[str] | None = None,
    level: str | None = None,
    start: str | None = None,
    end: str | None = None,
    benchmark: str = ENGLAND,
) -> TrendResult:
    """Change of an indicator between two periods for the areas inside ``within`` (or ``areas``).

    Parameters
    ----------
    session : Session
    indicator_id : str
        An indicator with values for two or more periods, e.g. "co2_domestic".
    within : str
        Area whose areas at ``level`` are shown (default E12000005, the West Midlands).
    areas : list of str, optional
        Area codes to show instead of the areas inside ``within``.
    level : str, optional
        Area level of the rows; default the indicator's first level (districts when it has them).
    start, end : str, optional
        Periods compared; default the oldest and the latest at ``level``.
    benchmark : str
        The area compared with for the red-red flag (England).

    Examples
    --------
    >>> result = assess_trends(session, "co2_domestic")  # doctest: +SKIP
    >>> result.start, result.end  # doctest: +SKIP
    ('2005', '2017')
    """
    indicator = get_indicator(session, indicator_id)
    level = level or ("lad" if "lad" in indicator.level_list else indicator.level_list[0])
    periods = indicator_periods(session, indicator_id, level)
    _require_two_periods(session, indicator_id, periods, level)
    start = _check_period(start, periods, indicator_id, default=periods[0])
    end = _check_period(end, periods, indicator_id, default=periods[-1])
    if period_sort_key(start) >= period_sort_key(end):
        raise UnknownPeriod(f"The start period {start!r} must come before the end period {end!r}; periods in order: {', '.join(periods)}.")
    codes = _area_codes(session, within, areas, level)
    values = _values(session, indicator_id, codes, (start, end))
    if values.empty:
        raise NoData(f"No values of {indicator_id} for {start} or {end} in the areas asked for.")
    reference = _benchmark_row(session, indicator_id, benchmark, end)
    from lpip.evidence.compare import english_spread

    table = describe_changes(values, indicator.polarity, start, end, reference,
                             spread=english_spread(session, indicator_id, end),
                             breaks=breaks_between(indicator_id, start, end))
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())
    table.insert(1, "area_name", table["area_code"].map(names))
    return TrendResult(
        indicator_id=indicator.id, title=indicator.title, unit=indicator.unit, polarity=indicator.polarity,
        periods=tuple(periods), start=start, end=end, level=level, benchmark_code=benchmark,
        benchmark=reference, table=table,
    )


def _require_two_periods(session: Session, indicator_id: str, periods: list[str], level: str) -> None:
    if len(periods) >= 2:
        return
    several = session.execute(
        select(IndicatorValue.indicator_id).group_by(IndicatorValue.indicator_id)
        .having(func.count(IndicatorValue.period.distinct()) >= 2).order_by(IndicatorValue.indicator_id)
    ).scalars().all()
    had = f"one period only ({periods[0]})" if periods else "no values"
    raise TooFewPeriods(
        f"Indicator {indicator_id} has {had} at {level} level; a trend needs two or more periods. "
        f"Indicators with several periods: {', '.join(several)}."
    )


def _check_period(period: str | None, periods: list[str], indicator_id: str, default: str) -> str:
    if period is None:
        return default
    if period not in periods:
        raise UnknownPeriod(f"Indicator {indicator_id} has no period {period!r}. Its periods: {', '.join(periods)}.")
    return period


def _area_codes(session: Session, within: str, areas: Iterable[str] | None, level: str) -> list[str]:
    if areas:
        return [get_area(session, code).code for code in areas]
    get_area(session, within)
    query = select(Area.code).where(Area.level == level, Area.code.in_(descendants(within))).order_by(Area.code)
    codes = list(session.scalars(query))
    if not codes:
        raise NoData(f"There are no {level} areas inside {within}. Choose another --within area or --level.")
    return codes


def _values(session: Session, indicator_id: str, codes: list[str], periods: tuple[str, str]) -> pd.DataFrame:
    query = select(
        IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.value,
        IndicatorValue.lower_ci, IndicatorValue.upper_ci,
    ).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.period.in_(periods),
        IndicatorValue.area_code.in_(codes),
    )
    rows = session.execute(query).all()
    return pd.DataFrame(rows, columns=["area_code", "period", "value", "lower_ci", "upper_ci"])


def _benchmark_row(session: Session, indicator_id: str, code: str, period: str) -> dict | None:
    frame = _values(session, indicator_id, [code], (period, period))
    if frame.empty:
        return None
    return frame.iloc[0][["value", "lower_ci", "upper_ci"]].to_dict()
