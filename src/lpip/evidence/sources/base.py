"""What every connector shares: the tidy table, the query it builds, presets, and the
small parsing steps (numbers, periods, one value per area and period)."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from lpip.errors import InvalidSourceResponse

TIDY_COLUMNS = [
    "area_code", "indicator_id", "period", "value", "lower_ci", "upper_ci",
    "numerator", "denominator", "status",
]
NUMBER_COLUMNS = ["value", "lower_ci", "upper_ci", "numerator", "denominator"]
MONTHS = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


@dataclass(frozen=True)
class IndicatorMeta:
    """Catalogue metadata for an indicator a preset creates when it is not there yet."""

    title: str
    theme: str
    unit: str
    polarity: str
    value_type: str
    source: str
    description: str | None = None


@dataclass(frozen=True)
class Preset:
    """A named, ready-made query: which data to ask for and the indicator it fills."""

    name: str
    indicator: IndicatorMeta
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceQuery:
    """One request to a live source and how to read its answer into tidy rows."""

    source: str
    key: str
    url: str
    title: str
    publisher: str
    licence: str
    indicator_id: str
    parse: Callable[[bytes], pd.DataFrame]
    indicator: IndicatorMeta | None = None
    release: str | None = None


def tidy(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """``frame`` with exactly the tidy columns, in order, numbers as floats."""
    frame = frame.assign(indicator_id=indicator_id)
    for column in TIDY_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame = frame[TIDY_COLUMNS].reset_index(drop=True)
    return frame.astype({column: float for column in NUMBER_COLUMNS})


def read_csv_text(body: bytes, host: str) -> pd.DataFrame:
    """A CSV answer as a table of strings; :class:`InvalidSourceResponse` if it is not CSV."""
    text = decode(body)
    if text.lstrip().startswith(("<", "{", "[")):
        raise InvalidSourceResponse(
            f"The answer from {host} is not CSV (it starts {text.lstrip()[:60]!r}). "
            "Nothing was written. The service may be down or the query malformed; "
            "check the request and try again."
        )
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise InvalidSourceResponse(
            f"The answer from {host} cannot be read as CSV: {exc}. Nothing was written. "
            "Try again; if it persists the service's format may have changed."
        ) from None


def decode(body: bytes) -> str:
    # utf-8-sig drops the byte-order mark spreadsheet programs add to saved CSVs.
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def require_columns(frame: pd.DataFrame, required: tuple[str, ...], host: str) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        have = ", ".join(list(frame.columns)[:10]) or "none"
        raise InvalidSourceResponse(
            f"The answer from {host} lacks the column(s) {', '.join(missing)} (it has: {have}). "
            "Nothing was written. The service's format may have changed, or the query asked "
            "for too few columns."
        )


def parse_number(text, where: str) -> float:
    """A number from a source cell: blank, '..' and similar markers become NaN."""
    if text is None:
        return math.nan
    text = str(text).strip().replace(",", "")
    if text in ("", "..", ".", "-", ":", "x", "c", "*", "NA", "N/A", "null"):
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise InvalidSourceResponse(
            f"{where}: {text!r} is not a number. Nothing was written. "
            "The service's format may have changed; report the query that produced it."
        ) from None


def parse_numbers(values: pd.Series, where: str) -> pd.Series:
    return pd.Series([parse_number(v, f"{where}, row {i + 2}") for i, v in enumerate(values)],
                     index=values.index, dtype=float)


def month_label(label: str) -> str | None:
    """'January 2018', 'Jan 2018' or 'Mar-18' as '2018-01'; None for anything else."""
    match = re.fullmatch(r"([A-Za-z]{3,9})[ -](\d{4}|\d{2})", label.strip())
    if not match or match[1][:3].lower() not in MONTHS:
        return None
    if len(match[1]) > 3 and match[1].lower() not in _FULL_MONTHS:
        return None
    year = int(match[2]) if len(match[2]) == 4 else 2000 + int(match[2])
    return f"{year:04d}-{MONTHS[match[1][:3].lower()]:02d}"


_FULL_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december", "sept",
}


def check_one_value_each(frame: pd.DataFrame, host: str, hint: str,
                         keys: tuple[str, ...] = ("area_code", "period")) -> None:
    """Raise when an area and period have more than one row: storing would be ambiguous."""
    repeated = frame[frame.duplicated(list(keys), keep=False)]
    if repeated.empty:
        return
    pairs = repeated[["area_code", "period"]].drop_duplicates().head(5)
    shown = "; ".join(f"{a} {p}" for a, p in pairs.itertuples(index=False))
    raise InvalidSourceResponse(
        f"The answer from {host} has more than one value for some areas and periods "
        f"({shown}). Nothing was written. {hint}"
    )


def describe_periods(frame: pd.DataFrame) -> str:
    periods = sorted(set(frame["period"]))
    if not periods:
        return "no periods"
    if len(periods) == 1:
        return f"period {periods[0]}"
    return f"periods {periods[0]} to {periods[-1]} ({len(periods)})"
