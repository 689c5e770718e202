"""The indicator catalogue: read from data/indicators.toml, validated, and queried."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.bundled import INDICATOR_CATALOGUE, read_toml
from lpip.errors import InvalidCatalogue, UnknownIndicator
from lpip.evidence.models import POLARITIES, THEMES, VALUE_TYPES, Indicator, IndicatorValue
from lpip.geography.models import LEVELS

# The population that weights an estimate for an area made of districts, unless an entry names another.
DEFAULT_WEIGHTING = "population_total_2022"
REQUIRED = ("id", "title", "theme", "unit", "polarity", "value_type", "levels", "source", "publisher", "licence")


@dataclass(frozen=True)
class IndicatorSpec:
    """One catalogue entry as written in indicators.toml."""

    id: str
    title: str
    theme: str
    unit: str
    polarity: str
    value_type: str
    levels: tuple[str, ...]
    source: str
    publisher: str
    licence: str
    description: str | None = None
    series: tuple[dict, ...] = field(default_factory=tuple)
    weighting_population: str = DEFAULT_WEIGHTING
    breaks: tuple[dict, ...] = field(default_factory=tuple)

    def row(self, origin: str = "bundled") -> dict:
        return dict(
            id=self.id, title=self.title, theme=self.theme, unit=self.unit,
            polarity=self.polarity, value_type=self.value_type, levels=",".join(self.levels),
            source=self.source, publisher=self.publisher, licence=self.licence,
            description=self.description, origin=origin,
        )


def validate_spec(entry: dict, where: str) -> IndicatorSpec:
    """An :class:`IndicatorSpec` from a dict; :class:`InvalidCatalogue` names every problem."""
    problems = [f"{where}: missing '{key}'" for key in REQUIRED if not entry.get(key)]
    checks = (("theme", THEMES), ("polarity", POLARITIES), ("value_type", VALUE_TYPES))
    for key, allowed in checks:
        if entry.get(key) and entry[key] not in allowed:
            problems.append(f"{where}: {key} {entry[key]!r} is not one of {', '.join(allowed)}")
    levels = entry.get("levels") or ()
    if isinstance(levels, str):
        problems.append(f"{where}: levels must be a list, e.g. levels = [{levels!r}]")
        levels = ()
    for level in levels:
        if level not in LEVELS:
            problems.append(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
    for number, item in enumerate(entry.get("breaks", ()), start=1):
        if not (isinstance(item, dict) and item.get("period") and item.get("reason")):
            problems.append(f"{where}: break {number} needs a period and a reason, e.g. "
                            '{ period = "2015-08-01/P1Y", reason = "definition changed" }')
    if problems:
        raise InvalidCatalogue("The indicator catalogue has problems:", problems)
    fields = {key: entry[key] for key in REQUIRED}
    fields["levels"] = tuple(entry["levels"])
    return IndicatorSpec(
        **fields, description=entry.get("description"), series=tuple(entry.get("series", ())),
        weighting_population=entry.get("weighting_population", DEFAULT_WEIGHTING),
        breaks=tuple(entry.get("breaks", ())),
    )


def bundled_catalogue() -> list[IndicatorSpec]:
    """Every indicator lpip ships with, in catalogue order."""
    entries = read_toml(INDICATOR_CATALOGUE)["indicator"]
    specs = [validate_spec(entry, f"indicator {entry.get('id', i + 1)}") for i, entry in enumerate(entries)]
    seen: set[str] = set()
    duplicates = [spec.id for spec in specs if spec.id in seen or seen.add(spec.id)]
    if duplicates:
        raise InvalidCatalogue(f"The indicator catalogue repeats ids: {', '.join(duplicates)}")
    return specs


@cache
def bundled_specs() -> dict[str, IndicatorSpec]:
    """The bundled catalogue by id (read once per process)."""
    return {spec.id: spec for spec in bundled_catalogue()}


def weighting_population(indicator_id: str) -> str:
    """The population indicator that weights estimates of ``indicator_id`` (the default for
    indicators users imported)."""
    spec = bundled_specs().get(indicator_id)
    return spec.weighting_population if spec else DEFAULT_WEIGHTING


def series_breaks(indicator_id: str) -> list[dict]:
    """The catalogue's series breaks of an indicator: [{period, reason}], oldest first."""
    from lpip.evidence.periods import period_sort_key

    spec = bundled_specs().get(indicator_id)
    breaks = list(spec.breaks) if spec else []
    return sorted(breaks, key=lambda item: period_sort_key(item["period"]))


def get_indicator(session: Session, indicator_id: str) -> Indicator:
    """The indicator with this id; :class:`UnknownIndicator` with suggestions otherwise."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        import difflib

        ids = session.scalars(select(Indicator.id)).all()
        near = difflib.get_close_matches(indicator_id, ids, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise UnknownIndicator(
            f"There is no indicator {indicator_id!r}.{hint} See `lpip indicators list` for all ids."
        )
    return indicator


def list_indicators(session: Session, theme: str | None = None) -> pd.DataFrame:
    """The catalogue as a table: id, title, theme, unit, polarity, levels, periods, values."""
    if theme is not None and theme not in THEMES:
        raise UnknownIndicator(f"There is no theme {theme!r}. Themes: {', '.join(THEMES)}.")
    query = select(Indicator).order_by(Indicator.theme, Indicator.id)
    if theme:
        query = query.where(Indicator.theme == theme)
    indicators = session.scalars(query).all()
    periods = _periods_by_indicator(session)
    rows = [
        dict(
            id=i.id, title=i.title, theme=i.theme, unit=i.unit, polarity=i.polarity,
            levels=i.levels, periods=", ".join(periods.get(i.id, [])), source=i.source,
        )
        for i in indicators
    ]
    return pd.DataFrame(rows, columns=["id", "title", "theme", "unit", "polarity", "levels", "periods", "source"])


def _periods_by_indicator(session: Session) -> dict[str, list[str]]:
    """Each indicator's periods as people write them ("2023", "2024/25"), in time order."""
    from lpip.evidence.periods import period_label, sort_periods

    query = select(IndicatorValue.indicator_id, IndicatorValue.period).distinct()
    result: dict[str, list[str]] = {}
    for indicator_id, period in session.execute(query):
        result.setdefault(indicator_id, []).append(period)
    return {key: [period_label(p) for p in sort_periods(value)] for key, value in result.items()}


def describe_indicator(session: Session, indicator_id: str) -> dict:
    """Everything known about one indicator: metadata, periods, value counts per level."""
    from lpip.geography.models import Area

    indicator = get_indicator(session, indicator_id)
    counts = session.execute(
        select(IndicatorValue.period, Area.level, func.count())
        .join(Area, Area.code == IndicatorValue.area_code)
        .where(IndicatorValue.indicator_id == indicator_id)
        .group_by(IndicatorValue.period, Area.level)
        .order_by(IndicatorValue.period, Area.level)
    ).all()
    info = {column.name: getattr(indicator, column.name) for column in Indicator.__table__.columns}
    from lpip.evidence.periods import period_sort_key

    rows = sorted(counts, key=lambda row: (period_sort_key(row[0]), row[1]))
    info["values"] = [dict(period=p, level=lv, count=n) for p, lv, n in rows]
    return info
