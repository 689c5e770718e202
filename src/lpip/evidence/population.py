"""Population of any area, official or custom, from the bundled population indicators."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.evidence.models import IndicatorValue
from lpip.geography.areas import describe_area, descendants, get_area
from lpip.geography.models import Area

# In order of preference: the newest census, then the IoD2019 mid-2015 denominators.
SOURCES = (("population_census", "lad"), ("population_iod", "lsoa"))


def population_of(session: Session, code: str) -> dict | None:
    """The population of an area: its own value, or the sum over the LADs (census) or LSOAs
    (IoD mid-2015) inside it. None when neither exists. Keys: value, period, indicator, summed."""
    for indicator_id, _level in SOURCES:
        own = _latest(session, indicator_id, [code])
        if own:
            return {**own, "indicator": indicator_id, "summed": False}
    for indicator_id, level in SOURCES:
        codes = select(Area.code).where(Area.code.in_(descendants(code)), Area.level == level)
        total = _latest(session, indicator_id, codes, complete=True)
        if total:
            return {**total, "indicator": indicator_id, "summed": True}
    return None


def _latest(session: Session, indicator_id: str, codes, complete: bool = False) -> dict | None:
    """The sum over ``codes`` in the latest period; with ``complete``, None unless every code
    has a value then (census values are on 2021 districts, so a region holding 2019 districts
    that were merged since would otherwise be silently undercounted)."""
    period = session.scalar(
        select(func.max(IndicatorValue.period))
        .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code.in_(codes))
    )
    if period is None:
        return None
    total, count = session.execute(
        select(func.sum(IndicatorValue.value), func.count(IndicatorValue.value)).where(
            IndicatorValue.indicator_id == indicator_id,
            IndicatorValue.area_code.in_(codes),
            IndicatorValue.period == period,
        )
    ).one()
    if complete and count < session.scalar(select(func.count()).select_from(codes.subquery())):
        return None
    return {"value": total, "period": period}


def show_area(session: Session, code: str) -> dict:
    """What `lpip areas show` prints: the area's details plus its population."""
    get_area(session, code)
    return {**describe_area(session, code), "population": population_of(session, code)}
