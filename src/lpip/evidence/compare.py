"""Benchmark comparison, Fingertips-style: each area's value and confidence intervals against a
comparator's value (England, the region, a sub-region or any named group of areas).

The rule is Fingertips' one-interval rule: an area is significantly above the comparator
when its interval at the chosen level (95% or 99.8%) lies wholly above the comparator's
value, below when wholly below, and similar when the interval contains it. Above and below
read "better"/"worse" for an indicator with a polarity and "higher"/"lower" where the
polarity is "no judgement". The interval is, in order of preference: the one computed from
counts (Wilson for proportions, Byar's for counts and rates), the one the source publishes
(its 99.8% limits derived from the standard error the published 95% limits imply), or, for an
estimate of an area made of districts, one combined from the districts' published intervals.

Where there is no interval the materiality rule applies instead: a difference smaller than
:data:`MATERIAL_SD` standard deviations of English districts' values in the same period is
"similar", and only a larger one is "better"/"worse" (so 3.22 against 3.31 on a 0-10 scale
is never "better"). Without a spread of English districts to measure it by, the result is
"not compared". Each row's ``comparison_rule`` says which rule judged it.

Quintiles place an area among all English areas of its level (LADs, or LSOAs) with a value
for the period. Quintile 1 is the worst fifth for an indicator with a polarity (the lowest
values when higher is better, the highest when lower is better), the same convention as
IoD2019 deciles (1 = most deprived); where there is no polarity quintile 1 is the lowest
fifth. Areas of other levels (regions, custom areas) get no quintile.

Periods: by default each area's latest period is used and they must agree; if they do not,
the comparison is refused (:class:`MixedPeriods`) and the message names the latest period
all the areas have, to pass as ``period``. Silently falling back to an older common period
would hide newer data for most of the areas. The comparator is taken at the same period,
never another: if it has no value then, :class:`NoComparatorValue` suggests comparators
that have one and periods the comparator has.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import CannotAggregate, IndicatorNotAtLevel, LpipError, MixedPeriods, NoComparatorValue, NoData
from lpip.evidence.aggregate import (
    aggregate_area, aggregation_method, complete_periods, estimate_area, latest_period, member_level, read_values,
    require_members, newest_first,
)
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.intervals import CONFIDENCE_LEVELS, INTERVAL_COLUMNS, add_intervals, check_level, multiplier_from_unit
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.evidence.periods import period_label
from lpip.geography.areas import get_area
from lpip.geography.models import Area, AreaLink

ENGLAND = "E92000001"
NOT_COMPARED = "not compared"
SIMILAR = "similar"
# What lying wholly above / wholly below the comparator means, by polarity.
DIRECTIONS = {
    "higher is better": ("better", "worse"),
    "lower is better": ("worse", "better"),
    "no judgement": ("higher", "lower"),
}
QUINTILE_LEVELS = ("lad", "lsoa")
RESULT_COLUMNS = [
    "area_code", "area_name", "period", "value", *INTERVAL_COLUMNS,
    "comparator_code", "comparator_value", "significance", "quintile",
    "comparison_rule", "is_estimate", "weighting_population", "period_label",
]
# Below this many standard deviations of English districts' values a difference without an
# interval is "similar" (half a standard deviation: a "medium" standardised difference).
MATERIAL_SD = 0.5
MIN_DISTRICTS_FOR_SPREAD = 10
COUNT_RULE = "not compared: a count grows with the size of the area (compare a rate or share instead)"
INTERVAL_RULES = {
    "Wilson": "Fingertips rule, {level}% Wilson interval from counts",
    "Byar's": "Fingertips rule, {level}% Byar's interval from counts",
    "normal": "Fingertips rule, {level}% normal interval from the standard error",
    "given by the source": "Fingertips rule, {level}% interval published by the source",
    "combined from districts": "Fingertips rule, {level}% interval combined from the districts' published intervals",
}
# Levels tried, in this order, when suggesting another comparator.
SUGGESTED_LEVELS = ("region", "country", "cauth", "subregion", "county", "lep", "itl1", "itl2")


def significance(lower, upper, comparator_value, polarity: str) -> np.ndarray:
    """The significance category of each interval against the comparator's value.

    Parameters
    ----------
    lower, upper : array-like, the confidence limits (NaN where there is no interval).
    comparator_value : float or array-like.
    polarity : "higher is better", "lower is better" or "no judgement".

    Examples
    --------
    >>> significance([1.0, 4.0, 6.0, np.nan], [3.0, 6.0, 8.0, np.nan], 5.0, "lower is better").tolist()
    ['better', 'similar', 'worse', 'not compared']
    """
    above_word, below_word = DIRECTIONS.get(polarity, DIRECTIONS["no judgement"])
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    comp = np.broadcast_to(np.asarray(comparator_value, dtype=float), lo.shape)
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(comp)
    with np.errstate(invalid="ignore"):
        result = np.where(lo > comp, above_word, np.where(hi < comp, below_word, SIMILAR))
    return np.where(missing, NOT_COMPARED, result).astype(object)


def quintiles(values: pd.Series, polarity: str) -> pd.Series:
    """Quintile (1 to 5) of each value among ``values``; 1 = worst fifth, or lowest fifth without polarity.

    Ties share the average of their ranks. Missing values get no quintile.

    Examples
    --------
    >>> quintiles(pd.Series([10.0, 20, 30, 40, 50]), "lower is better").tolist()
    [5, 4, 3, 2, 1]
    """
    ascending = polarity != "lower is better"
    ranks = values.rank(method="average", ascending=ascending)
    count = values.notna().sum()
    result = np.ceil(ranks * 5 / count).clip(1, 5) if count else ranks
    return result.astype("Int64")


def materiality(values, comparator_value, polarity: str, spread: float) -> np.ndarray:
    """The materiality rule for values without an interval: "similar" below
    :data:`MATERIAL_SD` x ``spread`` (the standard deviation of English districts' values),
    else the direction ("better"/"worse", or "higher"/"lower" without polarity); "not
    compared" without a spread or a value.

    Examples
    --------
    >>> materiality([3.22, 4.5], 3.31, "lower is better", spread=0.3).tolist()
    ['similar', 'worse']
    """
    above_word, below_word = DIRECTIONS.get(polarity, DIRECTIONS["no judgement"])
    v = np.asarray(values, dtype=float)
    comp = np.broadcast_to(np.asarray(comparator_value, dtype=float), v.shape)
    missing = np.isnan(v) | np.isnan(comp) | (not np.isfinite(spread)) | (spread <= 0)
    with np.errstate(invalid="ignore"):
        difference = v - comp
        material = np.abs(difference) >= MATERIAL_SD * spread
        result = np.where(material, np.where(difference > 0, above_word, below_word), SIMILAR)
    return np.where(missing, NOT_COMPARED, result).astype(object)


def materiality_rule(spread: float, unit: str | None) -> str:
    """The words for the materiality rule with its threshold, e.g. "materiality rule: similar
    unless the difference is at least 0.5 sd of English districts (1.2 %)"."""
    if not np.isfinite(spread) or spread <= 0:
        return "not compared: no interval, and no spread of English districts to judge materiality by"
    threshold = MATERIAL_SD * spread
    return (f"materiality rule: no interval, so similar unless the difference is at least {MATERIAL_SD:g} sd of "
            f"English districts ({threshold:.3g}{' ' + unit if unit else ''})")


def compare_to_benchmark(session: Session, areas: Iterable[str] | str, indicator_id: str, against: str = ENGLAND,
                         level: float = 95, period: str | None = None, estimate: bool = False) -> pd.DataFrame:
    """Compare areas' values of an indicator with a comparator's value, as Fingertips does.

    Parameters
    ----------
    session : an open database session.
    areas : area codes (LADs, LSOAs, regions, or custom areas such as "WM-BSOL", whose values
        are aggregated from their members).
    indicator_id : the indicator, e.g. "employment_rate".
    against : the comparator's code: England (default), a region ("E12000005"), a sub-region
        or any area with a value (stored, or aggregated from its members).
    level : 95 or 99.8, the interval the significance is judged on.
    period : the period; default the areas' latest, which must be the same for all of them.
    estimate : where an area made of districts cannot be aggregated exactly (a rate without
        counts, a median), use a population-weighted estimate from its districts
        (:func:`lpip.evidence.aggregate.estimate_area`), marked ``is_estimate``.

    Returns
    -------
    DataFrame with area_code, area_name, period, value, lower_ci_95, upper_ci_95,
    lower_ci_99_8, upper_ci_99_8, comparator_code, comparator_value, significance
    ("better"/"similar"/"worse", "higher"/"similar"/"lower" without polarity, or "not
    compared"), quintile (among all English areas of the same level; 1 = worst, or lowest
    without polarity), comparison_rule (which rule judged the row: an interval and where it
    came from, or the materiality rule with its threshold), is_estimate, weighting_population
    (for estimates) and period_label (the period as people write it). ``frame.attrs`` holds
    the indicator, level, comparator name, how its value was obtained, and notes.

    Examples
    --------
    >>> compare_to_benchmark(session, ["E08000025"], "employment_rate", period="2022")  # doctest: +SKIP
    """
    level = check_level(level)
    indicator = get_indicator(session, indicator_id)
    targets = _areas(session, [areas] if isinstance(areas, str) else list(areas))
    comparator = get_area(session, against)
    stored = _by_area_and_period(read_values(session, indicator.id, [a.code for a in targets]))
    periods = {a.code: _periods(session, indicator, a, stored, estimate) for a in targets}
    chosen = choose_period(indicator, targets, periods, period)
    rows = pd.DataFrame([_row(session, indicator, a, chosen, stored, estimate) for a in targets])
    comparator_row = comparator_value(session, indicator, comparator, chosen, targets, periods)
    frame = finish(_judge(session, indicator, rows, comparator_row, level), comparator)
    frame.attrs.update(_describe(indicator, comparator, comparator_row, chosen, level, rows))
    return frame


def _areas(session: Session, codes: list[str]) -> list[Area]:
    if not codes:
        raise NoData("Name at least one area to compare (an area code such as E08000025).")
    return [get_area(session, code) for code in dict.fromkeys(c.strip() for c in codes)]


def _by_area_and_period(values: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """Stored rows as {area_code: {period: row}}, so that each area is looked up once."""
    result: dict[str, dict[str, dict]] = {}
    for row in values.to_dict("records"):
        result.setdefault(row["area_code"], {})[row["period"]] = row
    return result


def _is_stored_level(indicator: Indicator, area: Area) -> bool:
    return area.level in indicator.level_list


def _periods(session: Session, indicator: Indicator, area: Area, stored: dict, estimate: bool = False) -> list[str]:
    """Periods, newest first, for which ``area`` has a value, stored or aggregated."""
    own = list(stored.get(area.code, {}))
    if _is_stored_level(indicator, area):
        return newest_first(own)
    try:
        if not (estimate and member_level(indicator, area) == "lad"):
            aggregation_method(indicator)
    except CannotAggregate as exc:
        raise IndicatorNotAtLevel(
            f"{indicator.id} is published for {', '.join(indicator.level_list)} areas only; {area.code} "
            f"({area.name}) is a {area.level} area, and {exc.message[0].lower()}{exc.message[1:]}"
        ) from None
    _, members = require_members(session, indicator, area)
    return newest_first([*own, *complete_periods(session, indicator, area, members, any_type=estimate)])


def choose_period(indicator: Indicator, areas: list[Area], periods: dict[str, list[str]], period: str | None) -> str:
    """The period to compare: ``period`` if every area has it, else the areas' common latest one."""
    for area in areas:
        if not periods[area.code]:
            raise NoData(f"{area.code} ({area.name}) has no value of {indicator.id} for any period. "
                         f"See `lpip indicators show {indicator.id}` for the areas and periods it covers.")
    if period is not None:
        for area in areas:
            if period not in periods[area.code]:
                raise NoData(f"{area.code} ({area.name}) has no value of {indicator.id} for {period}. "
                             f"Its periods: {', '.join(periods[area.code])}.")
        return period
    latest = {area.code: periods[area.code][0] for area in areas}
    if len(set(latest.values())) == 1:
        return next(iter(latest.values()))
    raise MixedPeriods(_mixed_message(indicator, areas, periods, latest))


def _mixed_message(indicator, areas, periods, latest) -> str:
    common = set.intersection(*(set(periods[a.code]) for a in areas))
    hint = (f"Pass --period {latest_period(common)!r} (the latest period all of them have), or another period."
            if common else "No period is common to all of them: compare them separately.")
    listing = "; ".join(f"{a.code} {a.name}: {latest[a.code]}" for a in areas)
    return (f"The areas' latest values of {indicator.id} are for different periods ({listing}), "
            f"and values of different periods are not compared. {hint}")


def _row(session: Session, indicator: Indicator, area: Area, period: str, stored: dict, estimate: bool = False) -> dict:
    own = stored.get(area.code, {}).get(period)
    if own is not None:
        return dict(own, area_name=area.name, level=area.level, method="published", is_estimate=False,
                    weighting_population="")
    try:
        row = aggregate_area(session, indicator, area, period)
    except CannotAggregate:
        if not estimate or member_level(indicator, area) != "lad":
            raise
        row = estimate_area(session, indicator, area, period)
    return dict(row, level=area.level)


def comparator_value(session: Session, indicator: Indicator, comparator: Area, period: str,
                     areas: list[Area], periods: dict[str, list[str]]) -> dict:
    """The comparator's value for ``period`` (stored, else aggregated) with how it was obtained.

    :class:`NoComparatorValue` names comparators that have a value, and periods that work.
    """
    own = read_values(session, indicator.id, [comparator.code], period)
    if not own.empty:
        return dict(value=float(own["value"].iloc[0]), method="published")
    try:
        row = aggregate_area(session, indicator, comparator, period)
    except LpipError as exc:
        raise NoComparatorValue(_no_comparator_message(session, indicator, comparator, period, areas, periods, exc)) from None
    return dict(value=row["value"], method=f"{row['method']} ({row['members']} {row['member_level']} areas"
                + (f", weights {row['weights']})" if row["weights"] else ")"))


def _no_comparator_message(session, indicator, comparator: Area, period: str, areas: list[Area],
                           periods: dict[str, list[str]], exc) -> str:
    why = exc.message.split(": ", 1)[-1] if isinstance(exc, CannotAggregate) else exc.message
    text = (f"{comparator.code} ({comparator.name}) has no value of {indicator.id} for {period}, "
            f"and it cannot be aggregated from the areas inside it: {why}")
    alternatives = suggest_comparators(session, indicator, period, areas, exclude={comparator.code})
    if alternatives:
        text += " Compare against an area that has one: " + "; ".join(f"--against {c}" for c in alternatives) + "."
    else:
        text += " No region, combined authority or sub-region of these areas has one either."
    earlier = _shared_period(session, indicator, comparator, periods)
    if earlier:
        text += f" Or pass --period {earlier!r}, the latest period both the areas and {comparator.name} have."
    return text


def _ancestors(session: Session, codes: list[str]) -> list[Area]:
    """Areas containing any of ``codes`` (by hierarchy or membership), a few levels up."""
    found: dict[str, None] = {}
    frontier = list(codes)
    for _ in range(5):
        parents = session.scalars(select(AreaLink.parent_code).where(AreaLink.child_code.in_(frontier))).all()
        frontier = [p for p in parents if p not in found]
        found.update(dict.fromkeys(frontier))
        if not frontier:
            break
    areas = session.scalars(select(Area).where(Area.code.in_(list(found)))).all()
    rank = {level: i for i, level in enumerate(SUGGESTED_LEVELS)}
    return sorted((a for a in areas if a.level in rank), key=lambda a: (rank[a.level], a.code))


def suggest_comparators(session: Session, indicator: Indicator, period: str, areas: list[Area],
                        exclude: set[str], limit: int = 4) -> list[str]:
    """Up to ``limit`` areas containing ``areas`` that have a value for ``period``, described."""
    candidates = [a for a in _ancestors(session, [a.code for a in areas]) if a.code not in exclude]
    stored = set(read_values(session, indicator.id, [a.code for a in candidates], period)["area_code"])
    found = []
    for area in candidates:
        if area.code in stored:
            found.append(f"{area.code} ({area.name})")
        elif member_level(indicator, area) and _aggregates(session, indicator, area, period):
            found.append(f"{area.code} ({area.name}, aggregated from the areas inside it)")
        if len(found) == limit:
            break
    return found


def _aggregates(session: Session, indicator: Indicator, area: Area, period: str) -> bool:
    try:
        aggregate_area(session, indicator, area, period)
    except LpipError:
        return False
    return True


def _shared_period(session: Session, indicator: Indicator, comparator: Area,
                   periods: dict[str, list[str]]) -> str | None:
    """The latest period that the comparator (stored or aggregated) and every area have."""
    mine = set(read_values(session, indicator.id, [comparator.code])["period"])
    mine |= set(complete_periods(session, indicator, comparator))
    for area_periods in periods.values():
        mine &= set(area_periods)
    return latest_period(mine)


def _judge(session: Session, indicator: Indicator, rows: pd.DataFrame, comparator_row: dict, level: float) -> pd.DataFrame:
    rows = rows.assign(**{c: rows[c] if c in rows else d for c, d in (("is_estimate", False), ("weighting_population", ""))})
    frame = add_intervals(rows, indicator.value_type, multiplier_from_unit(indicator.unit))
    frame.loc[frame["is_estimate"].astype(bool) & (frame["ci_method"] == "given by the source"), "ci_method"] = \
        "combined from districts"
    suffix = CONFIDENCE_LEVELS[level]
    frame["comparator_value"] = comparator_row["value"]
    frame["significance"] = significance(
        frame[f"lower_ci_{suffix}"], frame[f"upper_ci_{suffix}"], comparator_row["value"], indicator.polarity
    )
    level_text = f"{level:g}"
    frame["comparison_rule"] = [INTERVAL_RULES.get(m, "").format(level=level_text) for m in frame["ci_method"]]
    no_interval = frame[f"lower_ci_{suffix}"].isna() | frame[f"upper_ci_{suffix}"].isna()
    if no_interval.any() and indicator.value_type == "count":
        frame.loc[no_interval, "significance"] = NOT_COMPARED
        frame.loc[no_interval, "comparison_rule"] = COUNT_RULE
    elif no_interval.any():
        spread = english_spread(session, indicator.id, frame["period"].iloc[0])
        frame.loc[no_interval, "significance"] = materiality(
            frame.loc[no_interval, "value"], comparator_row["value"], indicator.polarity, spread)
        frame.loc[no_interval, "comparison_rule"] = materiality_rule(spread, indicator.unit)
    frame["quintile"] = _quintiles_for(session, indicator, frame)
    frame["period_label"] = frame["period"].map(period_label)
    return frame


def english_spread(session: Session, indicator_id: str, period: str) -> float:
    """Standard deviation (population, ddof=0) of English districts' values at ``period``; NaN
    with fewer than :data:`MIN_DISTRICTS_FOR_SPREAD` districts."""
    values = _english_values(session, indicator_id, "lad", period).dropna()
    return float(values.std(ddof=0)) if len(values) >= MIN_DISTRICTS_FOR_SPREAD else float("nan")


def _quintiles_for(session: Session, indicator: Indicator, frame: pd.DataFrame) -> pd.Series:
    result = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    period = frame["period"].iloc[0]
    for level in QUINTILE_LEVELS:
        rows = frame["level"] == level
        if rows.any():
            ranked = quintiles(_english_values(session, indicator.id, level, period), indicator.polarity)
            result[rows] = frame.loc[rows, "area_code"].map(ranked).astype("Int64")
    return result


def _english_values(session: Session, indicator_id: str, level: str, period: str) -> pd.Series:
    """Values for every English area of ``level`` at ``period``, indexed by area code."""
    query = (
        select(IndicatorValue.area_code, IndicatorValue.value)
        .join(Area, Area.code == IndicatorValue.area_code)
        .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
               Area.level == level, Area.code.like("E%"))
    )
    rows = session.execute(query).all()
    return pd.Series({code: value for code, value in rows}, dtype=float)


def _describe(indicator: Indicator, comparator: Area, comparator_row: dict, period: str, level: float,
              rows: pd.DataFrame) -> dict:
    aggregated = rows.loc[rows["method"] != "published", "area_code"].tolist()
    estimated = rows.loc[rows.get("is_estimate", pd.Series(False, index=rows.index)).astype(bool), "area_code"].tolist()
    return {
        "indicator": indicator.id, "title": indicator.title, "unit": indicator.unit,
        "polarity": indicator.polarity, "value_type": indicator.value_type, "period": period,
        "level": level, "comparator": f"{comparator.name} ({comparator.code})",
        "comparator_method": comparator_row["method"], "aggregated_areas": aggregated,
        "estimated_areas": estimated, "period_label": period_label(period),
    }


def finish(frame: pd.DataFrame, comparator: Area) -> pd.DataFrame:
    """The public column order."""
    out = frame.assign(comparator_code=comparator.code)
    return out[RESULT_COLUMNS].reset_index(drop=True)
