"""Aggregation of indicator values to any area made of smaller ones: sub-regions, combined
authorities, LEPs, user-defined sets, or a region or England where no value is published.

Counts are summed; rates and proportions are recomputed from the summed numerators and
denominators (never by averaging rates); means are weighted by population (the latest
census population of the member LADs, or the IoD2019 mid-2015 population of member LSOAs).
Medians, scores, ranks, deciles and indices are refused, with the reason. Every member must
have a value for the period: a partial sum is not the area's value. Sets may overlap: each
area is aggregated from its own members.

Where that exact aggregation is impossible for an area made of districts (rates and
proportions published without counts, medians, indices), :func:`estimate_area` gives a
population-weighted *estimate*: the mean of the districts' values weighted by the population
the catalogue names for the indicator (e.g. the working-age population 18-66 for the
employment rate of people aged 16-64), with a 95% interval combined from the districts'
published intervals where every district has one. Estimates are always marked as such.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import CannotAggregate, IndicatorNotAtLevel, NoData, UnknownAreaCode
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.intervals import (
    INTERVAL_COLUMNS, Z95, add_intervals, infer_multiplier, multiplier_from_unit, standard_error_from_interval,
)
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.evidence.periods import period_sort_key
from lpip.geography.areas import known_areas
from lpip.geography.codes import suggestion
from lpip.geography.models import Area, AreaLink

VALUE_COLUMNS = ["area_code", "period", "value", "lower_ci", "upper_ci", "numerator", "denominator"]
RESULT_COLUMNS = [
    "area_code", "area_name", "period", "value", *INTERVAL_COLUMNS,
    "numerator", "denominator", "method", "members", "weights", "is_estimate", "weighting_population",
]
METHODS = {
    "count": "sum of members",
    "rate": "recomputed from summed numerators and denominators",
    "proportion": "recomputed from summed numerators and denominators",
    "mean": "population-weighted mean of members",
}
REFUSALS = {
    "median": "the median of a combined area cannot be worked out from the medians of its parts; "
    "it needs the individual values, so use a figure published for the combined area",
    "score": "a score is modelled for each area from many inputs; averaging the scores of the parts "
    "does not give the score of the whole (see `lpip deprivation` for IoD2019 summaries of custom areas)",
    "rank": "a rank is a position among all areas; the ranks of the parts say nothing about the rank of the whole",
    "decile": "a decile is a position among all areas; the deciles of the parts say nothing about the decile of the whole",
    "index": "an index is relative to a base particular to each area; combining needs the underlying values",
}
# Member levels tried, coarsest first, and how fine each level is.
MEMBER_LEVELS = ("lad", "msoa", "lsoa")
FINENESS = {"lsoa": 0, "msoa": 1, "lad": 2}
# Population used to weight means, by member level.
WEIGHTS = {"lad": "population_census", "msoa": None, "lsoa": "population_iod"}

# SQLite allows 32,766 bound parameters per statement; England has 32,844 LSOAs.
CHUNK = 10_000
def latest_period(periods: Iterable[str]) -> str | None:
    """The latest of ``periods`` (see :func:`lpip.evidence.periods.period_sort_key`), or None."""
    periods = list(periods)
    return max(periods, key=period_sort_key) if periods else None


def newest_first(periods: Iterable[str]) -> list[str]:
    """Periods newest first."""
    return sorted(set(periods), key=period_sort_key, reverse=True)


def chunked(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_values(session: Session, indicator_id: str, codes: Iterable[str], period: str | None = None) -> pd.DataFrame:
    """Stored values of one indicator for the areas ``codes`` (all periods, or one)."""
    rows = []
    for chunk in chunked(list(codes)):
        query = select(
            IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.value, IndicatorValue.lower_ci,
            IndicatorValue.upper_ci, IndicatorValue.numerator, IndicatorValue.denominator,
        ).where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code.in_(chunk))
        if period is not None:
            query = query.where(IndicatorValue.period == period)
        # Plain tuples: building a frame from Row objects is several times slower.
        rows += [tuple(row) for row in session.execute(query)]
    frame = pd.DataFrame.from_records(rows, columns=VALUE_COLUMNS)
    numeric = VALUE_COLUMNS[2:]
    frame[numeric] = frame[numeric].astype(float)
    return frame


def aggregation_method(indicator: Indicator) -> str:
    """How ``indicator`` is aggregated; :class:`CannotAggregate` with the reason if it cannot be."""
    if indicator.value_type in METHODS:
        return METHODS[indicator.value_type]
    why = REFUSALS.get(indicator.value_type, f"its values are of type {indicator.value_type!r}")
    raise CannotAggregate(
        f"{indicator.id} ({indicator.title}) is a {indicator.value_type} and cannot be aggregated honestly: {why}."
    )


def member_level(indicator: Indicator, area: Area) -> str | None:
    """The level to aggregate ``area`` from: the coarsest indicator level finer than the area."""
    own = FINENESS.get(area.level, 99)
    for level in MEMBER_LEVELS:
        if level in indicator.level_list and FINENESS[level] < own:
            return level
    return None


def member_names(session: Session, code: str, level: str) -> dict[str, str]:
    """Code and name of every area of ``level`` inside ``code``, following hierarchy and
    membership links down, one level of links per query (a recursive query over the whole
    LSOA hierarchy is far slower on SQLite)."""
    found: dict[str, str] = {}
    seen, frontier = {code}, [code]
    while frontier:
        children = []
        for chunk in chunked(frontier):
            children += session.execute(
                select(Area.code, Area.name, Area.level)
                .join(AreaLink, AreaLink.child_code == Area.code).where(AreaLink.parent_code.in_(chunk))
            ).all()
        frontier = []
        for child, name, child_level in children:
            if child in seen:
                continue
            seen.add(child)
            if child_level == level:
                found[child] = name
            elif FINENESS.get(child_level, 99) > FINENESS[level]:
                frontier.append(child)
    return dict(sorted(found.items()))


def require_members(session: Session, indicator: Indicator, area: Area) -> tuple[str, dict[str, str]]:
    """The member level and members of ``area``; :class:`IndicatorNotAtLevel` if there are none."""
    level = member_level(indicator, area)
    members = member_names(session, area.code, level) if level else {}
    if not members:
        raise IndicatorNotAtLevel(
            f"{indicator.id} is published for {_levels_text(indicator)} areas only; {area.code} "
            f"({area.name}) is a {area.level} area with no such areas inside it to aggregate from. "
            f"Use an area of one of those levels (see `lpip areas list --level LEVEL`)."
        )
    return level, members


def _levels_text(indicator: Indicator) -> str:
    return ", ".join(indicator.level_list)


def complete_periods(session: Session, indicator: Indicator, area: Area, members: dict[str, str] | None = None,
                     any_type: bool = False) -> list[str]:
    """Periods, newest first, in which every member of ``area`` has a value (empty if none);
    with ``any_type`` also for value types that can only be estimated."""
    level = member_level(indicator, area)
    if level is None or (indicator.value_type not in METHODS and not any_type):
        return []
    members = member_names(session, area.code, level) if members is None else members
    if not members:
        return []
    counts = read_values(session, indicator.id, members)["period"].value_counts()
    return newest_first(counts.index[counts == len(members)])


def population_weights(session: Session, codes: list[str], level: str) -> tuple[pd.Series, str]:
    """Latest population of each member (indexed by code) and a label saying which was used."""
    indicator_id = WEIGHTS.get(level)
    if indicator_id is None:
        raise CannotAggregate(f"lpip has no population for {level} areas to weight a mean with.")
    frame = read_values(session, indicator_id, codes)
    period = latest_period(frame["period"])
    frame = frame[frame["period"] == period]
    weights = frame.set_index("area_code")["value"].reindex(codes)
    return weights, f"{indicator_id} {period}"


def aggregate_values(values: pd.DataFrame, value_type: str, multiplier: float | None = None,
                     weights: pd.Series | None = None) -> dict:
    """One aggregated value from member rows (a pure function).

    ``values`` has value, numerator, denominator and optionally lower_ci/upper_ci; ``weights``
    (for means) is indexed like ``values``. Returns a dict with value, numerator,
    denominator and standard_error (a mean's, from members' 95% intervals when all have one).
    Raises :class:`CannotAggregate` when counts or weights are missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"value": [50.0, 25.0], "numerator": [5, 1], "denominator": [10, 4]})
    >>> aggregate_values(rows, "proportion", multiplier=100)["value"]
    42.857142857142854
    """
    if value_type == "count":
        return _sum_counts(values)
    if value_type in ("rate", "proportion"):
        return _ratio_of_sums(values, value_type, multiplier)
    if value_type == "mean":
        return _weighted_mean(values, weights)
    raise CannotAggregate(f"A {value_type} cannot be aggregated honestly: {REFUSALS.get(value_type, '')}.")


def _sum_counts(values: pd.DataFrame) -> dict:
    numerators = values.get("numerator", pd.Series(np.nan, index=values.index))
    numerator = float(numerators.sum()) if numerators.notna().all() else np.nan
    return dict(value=float(values["value"].sum()), numerator=numerator, denominator=np.nan, standard_error=np.nan)


def _ratio_of_sums(values: pd.DataFrame, value_type: str, multiplier: float | None) -> dict:
    missing = values["numerator"].isna() | values["denominator"].isna()
    if missing.any():
        raise CannotAggregate(
            f"A {value_type} is recomputed from numerators and denominators, but "
            f"{int(missing.sum())} of {len(values)} members have none.",
            errors=_missing_list(values, missing),
        )
    numerator, denominator = float(values["numerator"].sum()), float(values["denominator"].sum())
    if multiplier is None:
        multiplier = infer_multiplier(values["value"], values["numerator"], values["denominator"]) or 1.0
    return dict(value=numerator / denominator * multiplier, numerator=numerator,
                denominator=denominator, standard_error=np.nan)


def _weighted_mean(values: pd.DataFrame, weights: pd.Series | None) -> dict:
    if weights is None or weights.isna().any():
        missing = pd.Series(True, index=values.index) if weights is None else weights.isna()
        raise CannotAggregate(
            f"A mean is weighted by population, but {int(missing.sum())} of {len(values)} members have no population.",
            errors=_missing_list(values, missing),
        )
    w = weights.to_numpy(dtype=float)
    value = float(np.sum(w * values["value"].to_numpy(dtype=float)) / w.sum())
    return dict(value=value, numerator=np.nan, denominator=np.nan, standard_error=_weighted_se(values, w))


def _weighted_se(values: pd.DataFrame, w: np.ndarray) -> float:
    # Members' 95% intervals imply their standard errors; independent estimates combine in
    # quadrature. Without an interval for every member the mean's error is unknown.
    if "lower_ci" not in values or values[["lower_ci", "upper_ci"]].isna().any().any():
        return np.nan
    se = standard_error_from_interval(values["lower_ci"], values["upper_ci"], 95)
    return float(np.sqrt(np.sum((w * se) ** 2)) / w.sum())


def _missing_list(values: pd.DataFrame, missing: pd.Series) -> list[str]:
    codes = values["area_code"] if "area_code" in values else pd.Series(values.index, index=values.index)
    return [str(code) for code in codes[missing]]


def aggregate_area(session: Session, indicator: Indicator, area: Area, period: str | None = None) -> dict:
    """The value of ``indicator`` for ``area`` aggregated from its members, as one result row."""
    method = aggregation_method(indicator)
    level, members = require_members(session, indicator, area)
    if indicator.value_type == "mean" and level == "lad":
        # A mean of districts weighted by population is an estimate of the area's mean (the
        # districts' own means are themselves estimates from different samples): say so.
        return estimate_area(session, indicator, area, period)
    period = period or _default_period(session, indicator, area, members)
    values = read_values(session, indicator.id, members, period)
    _require_complete(indicator, area, period, members, values, session)
    values = values.set_index("area_code", drop=False).reindex(list(members))
    weights, label = (None, "")
    if indicator.value_type == "mean":
        weights, label = population_weights(session, list(members), level)
    try:
        row = aggregate_values(values, indicator.value_type, multiplier_from_unit(indicator.unit), weights)
    except CannotAggregate as exc:
        raise _explained(exc, indicator, area, period, members) from None
    return dict(area_code=area.code, area_name=area.name, period=period, **row, lower_ci=np.nan,
                upper_ci=np.nan, method=method, members=len(members), weights=label, member_level=level,
                is_estimate=False, weighting_population="")


ESTIMATE_METHOD = "population-weighted estimate from its districts"


def _aggregate_or_estimate(session: Session, indicator: Indicator, area: Area, period: str | None, estimate: bool) -> dict:
    try:
        return aggregate_area(session, indicator, area, period)
    except CannotAggregate:
        if not estimate or member_level(indicator, area) != "lad":
            raise
    return estimate_area(session, indicator, area, period)


def estimate_area(session: Session, indicator: Indicator, area: Area, period: str | None = None) -> dict:
    """A population-weighted estimate of ``indicator`` for an area made of districts, as one
    result row (``is_estimate`` True, ``weighting_population`` naming the weights).

    The value is sum(w x value) / sum(w) over the area's districts, w the population the
    catalogue names for the indicator (:func:`lpip.evidence.catalogue.weighting_population`).
    Its 95% interval, where every district publishes one, treats the districts' estimates as
    independent: se = sqrt(sum((w x se_i)^2)) / sum(w), se_i from each 95% interval.
    Counts are never estimated (they are summed by :func:`aggregate_area`). Raises
    :class:`CannotAggregate` when a district has no value for the period or no population.

    Examples
    --------
    >>> estimate_area(session, get_indicator(session, "employment_rate"), get_area(session, "WM-BC"))  # doctest: +SKIP
    """
    from lpip.evidence.catalogue import weighting_population

    if member_level(indicator, area) != "lad":
        raise CannotAggregate(f"{area.code} ({area.name}) is not made of districts, so {indicator.id} cannot be "
                              "estimated from district values.")
    members = member_names(session, area.code, "lad")
    if not members:
        raise CannotAggregate(f"{area.code} ({area.name}) has no districts to estimate {indicator.id} from.")
    period = period or _default_period(session, indicator, area, members, any_type=True)
    values = read_values(session, indicator.id, members, period)
    _require_complete(indicator, area, period, members, values, session, any_type=True)
    values = values.set_index("area_code", drop=False).reindex(list(members))
    weights, label = weighting(session, weighting_population(indicator.id), list(members))
    row = _weighted_mean(values, weights)
    half = Z95 * row["standard_error"]
    return dict(area_code=area.code, area_name=area.name, period=period, value=row["value"], numerator=np.nan,
                denominator=np.nan, standard_error=row["standard_error"], lower_ci=row["value"] - half,
                upper_ci=row["value"] + half, method=ESTIMATE_METHOD, members=len(members), weights=label,
                member_level="lad", is_estimate=True, weighting_population=label)


def weighting(session: Session, indicator_id: str, codes: list[str]) -> tuple[pd.Series, str]:
    """The weighting population of each district (indexed by code) and its name with period."""
    from lpip.evidence.models import Indicator as IndicatorRow

    frame = read_values(session, indicator_id, codes)
    period = latest_period(frame["period"])
    weights = frame[frame["period"] == period].set_index("area_code")["value"].reindex(codes)
    row = session.get(IndicatorRow, indicator_id)
    title = row.title if row is not None else indicator_id
    return weights, title if period in title else f"{title}, {period}"


def _default_period(session: Session, indicator: Indicator, area: Area, members: dict[str, str],
                    any_type: bool = False) -> str:
    periods = complete_periods(session, indicator, area, members, any_type=any_type)
    if periods:
        return periods[0]
    raise CannotAggregate(
        f"Cannot aggregate {indicator.id} to {area.code} ({area.name}): no period has a value for "
        f"all {len(members)} of its members, and a partial sum or average would not be the area's value."
    )


def _require_complete(indicator, area, period, members: dict[str, str], values: pd.DataFrame, session,
                      any_type: bool = False) -> None:
    present = set(values.loc[values["value"].notna(), "area_code"])
    missing = [code for code in members if code not in present]
    if not missing:
        return
    complete = complete_periods(session, indicator, area, members, any_type=any_type)
    hint = f" Periods every member has: {', '.join(complete)}." if complete else ""
    raise CannotAggregate(
        f"Cannot aggregate {indicator.id} to {area.code} ({area.name}) for {period}: "
        f"{len(missing)} of its {len(members)} members have no value for that period.{hint}",
        errors=[f"{code} {members[code]}" for code in missing],
    )


def _explained(exc: CannotAggregate, indicator, area, period, members: dict[str, str]) -> CannotAggregate:
    fix = ("Import values with numerator and denominator columns (e.g. counts of people and the "
           "population) to aggregate it." if indicator.value_type in ("rate", "proportion") else "")
    listed = [f"{code} {members.get(code, '')}".strip() for code in exc.errors]
    return CannotAggregate(
        f"Cannot aggregate {indicator.id} ({indicator.unit}) to {area.code} ({area.name}) for {period}: "
        f"{exc.message} {fix}".strip(), errors=listed,
    )


def resolve_targets(session: Session, area_codes_or_set: str | Iterable[str]) -> list[Area]:
    """Areas named by codes or set names ("wm-subregions", "lep"), in order, without repeats."""
    names = [area_codes_or_set] if isinstance(area_codes_or_set, str) else list(area_codes_or_set)
    targets: dict[str, Area] = {}
    for name in names:
        for area in _areas_named(session, name.strip()):
            targets.setdefault(area.code, area)
    return list(targets.values())


def _areas_named(session: Session, name: str) -> list[Area]:
    in_set = list(session.scalars(select(Area).where(Area.area_set == name).order_by(Area.code)))
    if in_set:
        return in_set
    area = session.get(Area, name)
    if area is not None:
        return [area]
    sets = sorted(s for s in session.scalars(select(Area.area_set).distinct()) if s)
    raise UnknownAreaCode(
        f"{name} is neither an area code nor a set name{suggestion(name, known_areas(session))} "
        f"Sets: {', '.join(sets)} (see `lpip areas sets`)."
    )


def aggregate_indicator(session: Session, indicator_id: str, area_codes_or_set, period: str | None = None,
                        estimate: bool = False) -> pd.DataFrame:
    """Values of an indicator for areas made of smaller ones, aggregated from their members.

    Parameters
    ----------
    session : an open database session.
    indicator_id : the indicator, e.g. "population_census".
    area_codes_or_set : an area code ("WM-BSOL", "E47000007"), a set name ("wm-subregions",
        "lep") or a list of either. Sets may overlap; each area uses its own members.
    period : the period to aggregate; default, for each area, the latest period in which
        every member has a value.
    estimate : where exact aggregation is impossible (rates without counts, medians), give a
        population-weighted estimate from the districts (:func:`estimate_area`) instead of
        refusing; such rows have ``is_estimate`` True and name the ``weighting_population``.

    Returns
    -------
    DataFrame with area_code, area_name, period, value, lower_ci_95, upper_ci_95,
    lower_ci_99_8, upper_ci_99_8, numerator, denominator, method (how it was aggregated),
    members (how many) and weights (for means: the population indicator and period used).
    Intervals are computed from the summed counts (Wilson, Byar's) or, for means, from the
    members' intervals; they are empty when the members have neither.

    Raises :class:`CannotAggregate` for medians, scores, ranks, deciles and indices, for
    rates and proportions without numerators and denominators, and when a member has no
    value for the period.

    Examples
    --------
    >>> aggregate_indicator(session, "population_census", "wm-subregions")  # doctest: +SKIP
    """
    indicator = get_indicator(session, indicator_id)
    if not estimate:
        aggregation_method(indicator)
    targets = resolve_targets(session, area_codes_or_set)
    if not targets:
        raise NoData("No areas were given to aggregate to. Name area codes or a set (see `lpip areas sets`).")
    rows = pd.DataFrame([_aggregate_or_estimate(session, indicator, area, period, estimate) for area in targets])
    rows = add_intervals(rows, indicator.value_type, multiplier_from_unit(indicator.unit))
    return rows[RESULT_COLUMNS].reset_index(drop=True)
