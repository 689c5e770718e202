"""What a map says besides its colours: the styled areas, the legend, values in words, the
attribution and the alt text. Static and interactive maps draw from the same ``StyledMap``,
so a PNG and its Leaflet twin always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from lpip.maps.classify import NO_DATA, SCHEME_NAMES, classify, format_number, significant_decimals
from lpip.maps.palettes import NO_DATA_COLOUR, NO_DATA_EDGE, NO_DATA_HATCH, sequential_colours

# Boundary vintages of the bundled files (see data/SOURCES.md): LSOAs of December 2011,
# districts of December 2013.
BOUNDARY_YEARS = {"lsoa": 2011, "lad": 2013}
LEVEL_WORDS = {"lad": ("local authority district", "local authority districts"), "lsoa": ("LSOA", "LSOAs")}
CROWN = "© Crown copyright and database right"


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a colour (and hatch) and what it means."""

    label: str
    colour: str
    count: int
    hatch: str | None = None
    edge: str | None = None


@dataclass(frozen=True)
class StyledMap:
    """Areas ready to draw, with everything the map says about them.

    ``areas`` is a GeoDataFrame (EPSG:4326) with code, name, value, lower_ci, upper_ci,
    value_text, interval, class (-1 for no data), class_label, fill and hatch columns.
    """

    areas: gpd.GeoDataFrame
    legend: list[LegendEntry]
    legend_title: str
    title: str
    subtitle: str
    attribution: str
    alt: str
    level: str
    unit: str = ""
    notes: list[str] = field(default_factory=list)


# --- values in words -----------------------------------------------------------------------


def format_value(value, unit: str = "", decimals: int | None = None) -> str:
    """A value with its unit: "12.3%", "£512", "78.1 years", "rank 1,234"; "no data" when missing.

    Examples
    --------
    >>> format_value(12.345, "%"), format_value(512.4, "£"), format_value(None, "%")
    ('12.3%', '£512', 'no data')
    """
    if value is None or pd.isna(value):
        return "no data"
    number = format_number(value, decimals)
    unit = (unit or "").strip()
    if unit.startswith("%"):
        return f"{number}{unit}"
    if unit == "£":
        return f"£{number}" if not number.startswith("-") else f"-£{number[1:]}"
    if unit in ("rank", "decile", "score"):
        return f"{unit} {number}"
    return f"{number} {unit}".strip()


def format_interval(lower, upper, unit: str = "") -> str | None:
    """"11.0% to 13.6%", or None without both limits."""
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return None
    # Both limits to the same precision, so that "6.57% to 8.03%" never reads "6.57% to 8%".
    decimals = max(significant_decimals(float(lower)), significant_decimals(float(upper)))
    return f"{format_value(lower, unit, decimals)} to {format_value(upper, unit, decimals)}"


# --- the words around a map ------------------------------------------------------------------


def map_period(frame: pd.DataFrame) -> str:
    """The period of the values on a map ("" when the frame has none)."""
    periods = frame["period"].dropna().astype(str).unique() if "period" in frame else []
    return ", ".join(sorted(periods)) if len(periods) else str(frame.attrs.get("period") or "")


def map_level(frame: pd.DataFrame) -> str:
    """lsoa or lad: from the frame's attributes, else from its codes (E01 is an LSOA)."""
    level = frame.attrs.get("level")
    if level in LEVEL_WORDS:
        return level
    return "lsoa" if frame["code"].astype(str).str.startswith("E01").all() else "lad"


def attribution(indicator, level: str) -> str:
    """The source of the values and the licence notices of the boundaries."""
    year = BOUNDARY_YEARS.get(level, 2013)
    source = getattr(indicator, "source", "") or "unknown"
    publisher = getattr(indicator, "publisher", None)
    licence = getattr(indicator, "licence", None)
    made_by = f" ({publisher})" if publisher else ""
    terms = f", {licence}" if licence else ""
    return (
        f"Source: {source}{made_by}{terms}. Contains National Statistics data {CROWN} {year}; "
        f"contains OS data {CROWN} {year}. Boundaries: ONS via the UK-GeoJSON collection (M. Chorley)."
    )


def short_attribution(level: str) -> str:
    """The licence notice in a few words, for the corner of an interactive map."""
    return f"Contains National Statistics and OS data {CROWN} {BOUNDARY_YEARS.get(level, 2013)}"


def subtitle_of(frame: pd.DataFrame, level: str, period: str) -> str:
    where = frame.attrs.get("within_name")
    within = f" in {where}" if where else ""
    return f"{count_areas(len(frame), level)}{within}, {period}".rstrip(", ")


def legend_title_of(indicator, period: str) -> str:
    unit = getattr(indicator, "unit", "") or ""
    return ", ".join(part for part in (unit, period) if part)


# --- choropleths -----------------------------------------------------------------------------


def style_choropleth(frame: gpd.GeoDataFrame, indicator, scheme: str = "quantiles", k: int = 5) -> StyledMap:
    """Classify an indicator's values and give every area its colour and words.

    Parameters
    ----------
    frame : GeoDataFrame
        From :func:`lpip.maps.map_frame` (code, name, value, lower_ci, upper_ci, period,
        geometry).
    indicator : Indicator
        The catalogue row (title, unit, polarity, source).
    scheme, k
        See :func:`lpip.maps.classify`.

    Returns
    -------
    StyledMap

    Examples
    --------
    >>> styled = style_choropleth(map_frame(session, "imd_score", level="lsoa"), indicator)  # doctest: +SKIP
    """
    result = classify(frame["value"].to_numpy(dtype=float), scheme, k)
    # One class (every value the same) says nothing of better or worse: a middle shade.
    colours = sequential_colours(result.k, indicator.polarity) if result.k > 1 else [
        sequential_colours(3, indicator.polarity)[1]]
    areas = _described(frame, indicator.unit)
    areas["class"] = result.classes
    areas["class_label"] = [result.labels[c] if c != NO_DATA else "no data" for c in result.classes]
    areas["fill"] = [colours[c] if c != NO_DATA else NO_DATA_COLOUR for c in result.classes]
    areas["hatch"] = [None if c != NO_DATA else NO_DATA_HATCH for c in result.classes]
    level, period = map_level(frame), map_period(frame)
    legend = [LegendEntry(label, colour, count) for label, colour, count in zip(result.labels, colours, result.counts)]
    if result.no_data:
        legend.append(LegendEntry("No data", NO_DATA_COLOUR, result.no_data, NO_DATA_HATCH, NO_DATA_EDGE))
    return StyledMap(
        areas=areas, legend=legend, legend_title=legend_title_of(indicator, period), title=indicator.title,
        subtitle=subtitle_of(frame, level, period), attribution=attribution(indicator, level),
        alt=choropleth_alt(areas, indicator, result, level, period, frame.attrs.get("within_name")),
        level=level, unit=indicator.unit or "", notes=unmapped_notes(frame),
    )


def _described(frame: gpd.GeoDataFrame, unit: str) -> gpd.GeoDataFrame:
    areas = frame.copy()
    for column in ("lower_ci", "upper_ci", "period"):
        if column not in areas:
            areas[column] = np.nan
    areas["value_text"] = [format_value(v, unit) for v in areas["value"]]
    areas["interval"] = [format_interval(lo, hi, unit) for lo, hi in zip(areas["lower_ci"], areas["upper_ci"])]
    return areas


def unmapped_notes(frame: pd.DataFrame) -> list[str]:
    """A sentence naming the areas left off the map for want of a boundary, if any."""
    missing = frame.attrs.get("without_boundary") or []
    if not missing:
        return []
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    return [f"Not drawn (no bundled boundary): {shown}."]


def choropleth_alt(areas, indicator, result, level: str, period: str, within_name: str | None) -> str:
    """Alt text: what is mapped, where, how it is classed, the extremes and what dark means."""
    where = f" in {within_name}" if within_name else ""
    present = areas[areas["class"] != NO_DATA].sort_values("value")
    low, high = present.iloc[0], present.iloc[-1]
    text = (
        f"Map of {indicator.title} ({legend_title_of(indicator, period)}) for {count_areas(len(areas), level)}{where}, "
        f"in {result.k} {'class' if result.k == 1 else 'classes'} by {SCHEME_NAMES[result.scheme]}. "
        f"Highest: {high['name']} ({high['value_text']}); lowest: {low['name']} ({low['value_text']}). "
        f"{darkness_sentence(indicator.polarity)}"
    )
    if result.no_data:
        text += f" {count_areas(result.no_data, level)} with no data shown hatched grey."
    return text


def count_areas(n: int, level: str) -> str:
    singular, plural = LEVEL_WORDS[level]
    return f"{n:,} {singular if n == 1 else plural}"


def darkness_sentence(polarity: str) -> str:
    if polarity == "lower is better":
        return "Darker red means higher, worse values."
    if polarity == "higher is better":
        return "Darker red means lower, worse values."
    return "Darker blue means higher values; the colours make no judgement."
