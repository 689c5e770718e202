"""Every district-level indicator for a set of areas against England, in one table.

Profiles, data packs and the atlas all need the same thing for many areas at once: each
indicator's value for each area, England's value, the range of the region's districts and
the significance of the difference. Computing it once per indicator for all the areas
(rather than once per area) is what makes a whole-region atlas quick to build.

The period of each indicator is the latest one in which England has a value, published or
summed from all its districts (:func:`lpip.evidence.compare.compare_to_benchmark` does the
comparison); where England has none in any period, the latest district period is used, the
centre is the median English district and nothing is judged "better" or "worse".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import LpipError
from lpip.evidence.aggregate import (
    aggregate_indicator, complete_periods, estimate_area, latest_period, member_level, read_values,
)
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.compare import ENGLAND, compare_to_benchmark, quintiles
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.evidence.periods import period_label
from lpip.geography.areas import get_area, list_areas
from lpip.geography.models import Area

DEFAULT_REGION = "E12000005"
# Below this many region districts with a value, the bar shows the range of all English districts.
MIN_REGION_VALUES = 3
BENCHMARK_COLUMNS = [
    "area_code", "indicator_id", "title", "theme", "unit", "polarity", "value_type", "period",
    "value", "lower_ci", "upper_ci", "england_value", "centre", "centre_is_england",
    "range_min", "range_max", "p25", "p75", "range_of", "english_sd", "significance", "quintile",
    "region_rank", "region_count", "on_chart", "note",
    # Added for issue 14 (columns are only ever added, so readers of the older ones keep working):
    "comparison_rule", "is_estimate", "weighting_population", "period_label",
]
# Counts grow with an area's size: listed in the table but not placed on the spine chart.
NOT_CHARTED = ("count",)


def district_indicators(session: Session) -> list[Indicator]:
    """Indicators that have district (LAD) values, in catalogue order (theme, then id)."""
    query = select(Indicator).order_by(Indicator.theme, Indicator.id)
    return [i for i in session.scalars(query) if "lad" in i.level_list]


def english_district_values(session: Session, indicator_id: str) -> pd.DataFrame:
    """Every English district's values of an indicator, all periods (area_code, period,
    value, lower_ci, upper_ci, numerator, denominator)."""
    query = (
        select(IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.value, IndicatorValue.lower_ci,
               IndicatorValue.upper_ci, IndicatorValue.numerator, IndicatorValue.denominator)
        .join(Area, Area.code == IndicatorValue.area_code)
        .where(IndicatorValue.indicator_id == indicator_id, Area.level == "lad", Area.code.like("E%"))
    )
    rows = [tuple(row) for row in session.execute(query)]
    frame = pd.DataFrame.from_records(
        rows, columns=["area_code", "period", "value", "lower_ci", "upper_ci", "numerator", "denominator"])
    return frame.astype({c: float for c in ("value", "lower_ci", "upper_ci", "numerator", "denominator")})


def england_periods(session: Session, indicator: Indicator) -> list[str]:
    """Periods in which England has a value of ``indicator``: published, or summable from
    every one of its districts."""
    published = set(read_values(session, indicator.id, [ENGLAND])["period"])
    england = get_area(session, ENGLAND)
    try:
        summed = set(complete_periods(session, indicator, england))
    except LpipError:
        summed = set()
    return sorted(published | summed)


def choose_benchmark_period(session: Session, indicator: Indicator, districts: pd.DataFrame) -> tuple[str | None, bool]:
    """(period, England has a value then): the latest district period England has, else the
    latest district period (None when there are no district values at all)."""
    periods = set(districts["period"])
    published = periods & set(read_values(session, indicator.id, [ENGLAND])["period"])
    if published and latest_period(published) == latest_period(periods):
        return latest_period(published), True  # nothing later to sum from the districts
    shared = periods & set(england_periods(session, indicator))
    if shared:
        return latest_period(shared), True
    return latest_period(periods), False


def region_codes(session: Session, region: str) -> list[str]:
    """Codes of the districts inside ``region``."""
    return list_areas(session, level="lad", within=region)["code"].tolist()


def benchmark_indicators(session: Session, area_codes: Iterable[str], region: str = DEFAULT_REGION,
                         indicators: Iterable[str] | None = None) -> pd.DataFrame:
    """Each district-level indicator for each area, against England and the region's range.

    Parameters
    ----------
    session : an open database session.
    area_codes : districts, sub-regions, custom areas or regions (values of areas that are
        not districts are aggregated from their districts).
    region : the region whose districts give the range on the spine chart.
    indicators : indicator ids; default every indicator with district values.

    Returns
    -------
    DataFrame with :data:`BENCHMARK_COLUMNS`, one row per area and indicator: value and 95%
    interval, England's value (``england_value``, NaN when it has none), the chart centre,
    range and quartiles of the region's districts (``range_of`` says whether the region's or
    all English districts'), significance against England, quintile among English districts
    (districts only), rank among the region's districts (1 = best, or highest without a
    polarity), ``on_chart`` (False for counts) and a note where there is no value.

    Examples
    --------
    >>> table = benchmark_indicators(session, ["E08000029", "WM-BSOL"])  # doctest: +SKIP
    """
    areas = [get_area(session, code) for code in dict.fromkeys(area_codes)]
    chosen = district_indicators(session) if indicators is None else [get_indicator(session, i) for i in indicators]
    in_region = region_codes(session, region)
    parts = [_indicator_rows(session, indicator, areas, in_region) for indicator in chosen]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    return pd.concat(parts, ignore_index=True)[BENCHMARK_COLUMNS]


def _indicator_rows(session: Session, indicator: Indicator, areas: list[Area], in_region: list[str]) -> pd.DataFrame:
    districts = english_district_values(session, indicator.id)
    period, has_england = choose_benchmark_period(session, indicator, districts)
    if period is None:
        return pd.DataFrame()
    at_period = districts[districts["period"] == period].set_index("area_code")
    english = at_period["value"].dropna()
    regional = english.reindex([c for c in in_region if c in english.index])
    spread = regional if len(regional) >= MIN_REGION_VALUES else english
    values = _area_values(session, indicator, areas, period, at_period, has_england, english)
    frame = pd.DataFrame({"area_code": [a.code for a in areas]}).merge(values, on="area_code", how="left")
    centre = _england_value(session, indicator, period) if has_england else np.nan
    if np.isnan(centre):
        has_england, centre = False, float(english.median())
    return frame.assign(
        indicator_id=indicator.id, title=indicator.title, theme=indicator.theme, unit=indicator.unit,
        polarity=indicator.polarity, value_type=indicator.value_type, period=period,
        england_value=centre if has_england else np.nan, centre=centre, centre_is_england=has_england,
        range_min=spread.min(), range_max=spread.max(), p25=spread.quantile(0.25), p75=spread.quantile(0.75),
        range_of="region" if spread is regional else "england", english_sd=float(english.std(ddof=0)),
        quintile=frame["area_code"].map(quintiles(english, indicator.polarity)).astype("Int64"),
        region_rank=frame["area_code"].map(_region_ranks(regional, indicator.polarity)).astype("Int64"),
        region_count=len(regional), on_chart=indicator.value_type not in NOT_CHARTED,
        period_label=period_label(period),
    )


def _region_ranks(values: pd.Series, polarity: str) -> pd.Series:
    """Rank among the region's districts: 1 = best (lowest where lower is better), or highest
    where there is no judgement; ties share the better rank."""
    return values.rank(method="min", ascending=polarity == "lower is better")


def _area_values(session: Session, indicator: Indicator, areas: list[Area], period: str,
                 at_period: pd.DataFrame, has_england: bool, english: pd.Series) -> pd.DataFrame:
    """value, lower_ci, upper_ci, england_value, significance, comparison_rule, is_estimate,
    weighting_population and note for each area."""
    districts = [a for a in areas if a.level == "lad"]
    others = [a for a in areas if a.level != "lad"]
    rows = [_district_row(a, at_period, period, indicator) for a in districts]
    frame = pd.DataFrame(rows, columns=["area_code", "value", "lower_ci", "upper_ci", "note"])
    with_value = [a.code for a in districts if a.code in at_period.index and pd.notna(at_period.at[a.code, "value"])]
    compared = _compared(session, indicator, with_value, period) if has_england and with_value else None
    others_frame = _aggregated(session, indicator, others, period, has_england)
    unjudged = NO_ENGLAND_RULE if not has_england else ""
    frame = pd.concat([frame.assign(significance="not compared", england_value=np.nan, comparison_rule=unjudged,
                                    is_estimate=False, weighting_population=""), others_frame], ignore_index=True)
    if compared is not None:
        frame = frame.set_index("area_code")
        columns = ["significance", "england_value", "comparison_rule"]
        frame.loc[compared.index, columns] = compared[["significance", "comparator_value", "comparison_rule"]].to_numpy()
        frame = frame.reset_index()
    return frame


NO_ENGLAND_RULE = "not compared: England has no value for this period"


def _district_row(area: Area, at_period: pd.DataFrame, period: str, indicator: Indicator) -> dict:
    if area.code not in at_period.index or pd.isna(at_period.at[area.code, "value"]):
        note = f"No value for {period}."
        return dict(area_code=area.code, value=np.nan, lower_ci=np.nan, upper_ci=np.nan, note=note)
    row = at_period.loc[area.code]
    return dict(area_code=area.code, value=row["value"], lower_ci=row["lower_ci"], upper_ci=row["upper_ci"], note="")


def _compared(session: Session, indicator: Indicator, codes: list[str], period: str) -> pd.DataFrame | None:
    try:
        result = compare_to_benchmark(session, codes, indicator.id, period=period, estimate=True)
    except LpipError:
        return None
    return result.set_index("area_code")


def _aggregated(session: Session, indicator: Indicator, areas: list[Area], period: str, has_england: bool) -> pd.DataFrame:
    """Rows for areas that are not districts: compared with England (aggregating their
    districts) when England has a value, else aggregated only; a note says why not."""
    rows = _compared_together(session, indicator, areas, period) if has_england and len(areas) > 1 else None
    if rows is not None:
        return pd.DataFrame(rows, columns=["area_code", "value", "lower_ci", "upper_ci", "significance", "england_value",
                                           "note", "comparison_rule", "is_estimate", "weighting_population"])
    rows = []
    for area in areas:
        try:
            if has_england:
                result = compare_to_benchmark(session, [area.code], indicator.id, period=period, estimate=True).iloc[0]
                rows.append(dict(area_code=area.code, value=result["value"], lower_ci=result["lower_ci_95"],
                                 upper_ci=result["upper_ci_95"], significance=result["significance"],
                                 england_value=result["comparator_value"], note=_estimate_note(result),
                                 comparison_rule=result["comparison_rule"], is_estimate=bool(result["is_estimate"]),
                                 weighting_population=result["weighting_population"]))
                continue
            result = _aggregated_or_estimated(session, indicator, area, period)
            rows.append(dict(area_code=area.code, value=result["value"], lower_ci=result["lower_ci_95"],
                             upper_ci=result["upper_ci_95"], significance="not compared", england_value=np.nan,
                             note=_estimate_note(result), comparison_rule=NO_ENGLAND_RULE,
                             is_estimate=bool(result["is_estimate"]), weighting_population=result["weighting_population"]))
        except LpipError as exc:
            rows.append(dict(area_code=area.code, value=np.nan, lower_ci=np.nan, upper_ci=np.nan,
                             significance="not compared", england_value=np.nan, note=_first_sentence(exc.message),
                             comparison_rule="", is_estimate=False, weighting_population=""))
    return pd.DataFrame(rows, columns=["area_code", "value", "lower_ci", "upper_ci", "significance", "england_value",
                                       "note", "comparison_rule", "is_estimate", "weighting_population"])


def _compared_together(session: Session, indicator: Indicator, areas: list[Area], period: str) -> list[dict] | None:
    """All the areas compared in one call (much quicker for many sub-regions); None when any
    of them cannot be, so that each is then tried alone and gets its own note."""
    try:
        result = compare_to_benchmark(session, [a.code for a in areas], indicator.id, period=period, estimate=True)
    except LpipError:
        return None
    return [dict(area_code=row["area_code"], value=row["value"], lower_ci=row["lower_ci_95"], upper_ci=row["upper_ci_95"],
                 significance=row["significance"], england_value=row["comparator_value"], note=_estimate_note(row),
                 comparison_rule=row["comparison_rule"], is_estimate=bool(row["is_estimate"]),
                 weighting_population=row["weighting_population"]) for _, row in result.iterrows()]


def _aggregated_or_estimated(session: Session, indicator: Indicator, area: Area, period: str) -> dict:
    """The area's value aggregated exactly, else estimated from its districts."""
    try:
        return aggregate_indicator(session, indicator.id, [area.code], period=period).iloc[0].to_dict()
    except LpipError:
        if member_level(indicator, area) != "lad":
            raise
    row = estimate_area(session, indicator, area, period)
    half95 = row["upper_ci"] - row["value"]
    return dict(row, lower_ci_95=row["value"] - half95, upper_ci_95=row["value"] + half95)


def _estimate_note(result) -> str:
    if not result["is_estimate"]:
        return ""
    return f"Estimate: population-weighted mean of its districts' values, weighted by {result['weighting_population']}."


def _first_sentence(message: str) -> str:
    return message.split(". ")[0].rstrip(".") + "."


def _england_value(session: Session, indicator: Indicator, period: str) -> float:
    own = read_values(session, indicator.id, [ENGLAND], period)
    if not own.empty:
        return float(own["value"].iloc[0])
    try:
        return float(aggregate_indicator(session, indicator.id, [ENGLAND], period=period)["value"].iloc[0])
    except LpipError:
        return np.nan
