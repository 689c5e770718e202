"""Published period strings ("2021", "2021/22", "202021", "10/2022 - 09/2023", "Sep-23",
"Financial year ending 2023" ...): the days each covers, and their order in time.

:func:`period_sort_key` orders periods by the day they end, then the day they start, so
"2022" (calendar year) comes before "10/2022 - 09/2023" (a survey year ending in September
2023), and "2021/22" (ending March 2022) before "2022". Every module that needs "the latest
period" uses it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lpip.errors import UnknownPeriod

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_name) if name})


@dataclass(frozen=True)
class PeriodSpan:
    """The first and last day a published period covers (the same day for a snapshot)."""

    start: date
    end: date


def _year_span(first: int, last: int) -> PeriodSpan:
    return PeriodSpan(date(first, 1, 1), date(last, 12, 31))


def _month_span(year: int, month: int, end_year: int | None = None, end_month: int | None = None) -> PeriodSpan:
    end_year, end_month = end_year or year, end_month or month
    last_day = calendar.monthrange(end_year, end_month)[1]
    return PeriodSpan(date(year, month, 1), date(end_year, end_month, last_day))


def _split_year(first: int, last: int) -> PeriodSpan:
    """A two-year label such as 2021/22: a financial (April to March) year when the years follow
    each other, else the calendar years from the first to the last (201820 = 2018 to 2020)."""
    if last == first + 1:
        return PeriodSpan(date(first, 4, 1), date(last, 3, 31))
    return _year_span(first, last)


def _full_year(short: int, century_of: int) -> int:
    return century_of // 100 * 100 + short


def _day(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


# Each pattern and how to read its match; tried in order, the first that matches wins.
ISO_INTERVAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P(\d+)([YM])$")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _iso_interval(match: re.Match) -> PeriodSpan:
    """An ISO 8601 interval "start/PnY" or "start/PnM": from the start day to the day before
    the start plus the duration."""
    start = date(int(match[1]), int(match[2]), int(match[3]))
    months = int(match[4]) * (12 if match[5] == "Y" else 1)
    return PeriodSpan(start, _add_months(start, months) - timedelta(days=1))


PATTERNS: list[tuple[re.Pattern, callable]] = [
    (ISO_INTERVAL, _iso_interval),
    (re.compile(r"^(\d{4})(?:\s+(?:revised|provisional|final|\(r\)|\(p\)))?$", re.I),
     lambda m: _year_span(int(m[1]), int(m[1]))),
    (re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$"), lambda m: _year_span(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})\s*[/-]\s*(\d{2})$"),
     lambda m: _split_year(int(m[1]), _full_year(int(m[2]), int(m[1])))),
    (re.compile(r"^(\d{4})(\d{2})$"), lambda m: _split_year(int(m[1]), _full_year(int(m[2]), int(m[1])))),
    (re.compile(r"^(\d{1,2})/(\d{4})\s*[-–]\s*(\d{1,2})/(\d{4})$"),
     lambda m: _month_span(int(m[2]), int(m[1]), int(m[4]), int(m[3]))),
    (re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})\s*[-–]\s*(\d{1,2}/\d{1,2}/\d{4})$"),
     lambda m: PeriodSpan(_day(m[1]), _day(m[2]))),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), lambda m: _instant(date(int(m[1]), int(m[2]), int(m[3])))),
    (re.compile(r"^as at (\d{1,2}) ([a-z]+) (\d{4})$", re.I),
     lambda m: _instant(date(int(m[3]), MONTHS[m[2].lower()], int(m[1])))),
    (re.compile(r"^financial year ending (?:march )?(\d{4})$", re.I),
     lambda m: PeriodSpan(date(int(m[1]) - 1, 4, 1), date(int(m[1]), 3, 31))),
    (re.compile(r"^([a-z]+)[- ](\d{2})$", re.I), lambda m: _month_span(2000 + int(m[2]), MONTHS[m[1].lower()])),
    (re.compile(r"^([a-z]+)[- ](\d{4})$", re.I), lambda m: _month_span(int(m[2]), MONTHS[m[1].lower()])),
    (re.compile(r"^mid[- ](\d{4})$", re.I), lambda m: _instant(date(int(m[1]), 6, 30))),
    (re.compile(r"^(\d{4})\s*q([1-4])$|^q([1-4])\s*(\d{4})$", re.I), lambda m: _quarter(m)),
]


def _instant(day: date) -> PeriodSpan:
    return PeriodSpan(day, day)


def _quarter(match: re.Match) -> PeriodSpan:
    year, quarter = (int(match[1]), int(match[2])) if match[1] else (int(match[4]), int(match[3]))
    return _month_span(year, 3 * quarter - 2, year, 3 * quarter)


def period_span(period: str) -> PeriodSpan:
    """The days a published period string covers.

    Raises :class:`UnknownPeriod` for a string lpip cannot read as a period.

    Examples
    --------
    >>> period_span("2021/22")
    PeriodSpan(start=datetime.date(2021, 4, 1), end=datetime.date(2022, 3, 31))
    >>> period_span("10/2022 - 09/2023").end
    datetime.date(2023, 9, 30)
    """
    text = " ".join(str(period).split())
    for pattern, read in PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return read(match)
            except (KeyError, ValueError):
                continue  # not a month name or not a real day: try the next pattern
    raise UnknownPeriod(
        f"Cannot read {period!r} as a period. Use a year (2021), a range (2018 - 2020), a "
        "financial or academic year (2021/22), or months (04/2022 - 03/2023)."
    )


def period_sort_key(period: str) -> tuple[date, date, str]:
    """A key that puts periods in time order: by the day they end, then the day they start.

    A string that cannot be read as a period falls back to the years written in it, and
    without any year it sorts after every readable period; the text breaks ties (so "2019"
    comes before "2019 revised").

    Examples
    --------
    >>> sorted(["2022/23", "2019", "202021"], key=period_sort_key)
    ['2019', '202021', '2022/23']
    """
    try:
        span = period_span(period)
    except UnknownPeriod:
        years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", str(period))]
        span = _year_span(min(years), max(years)) if years else PeriodSpan(date.max, date.max)
    return (span.end, span.start, str(period))


def sort_periods(periods: Iterable[str]) -> list[str]:
    """Distinct periods in time order (see :func:`period_sort_key`)."""
    return sorted(set(periods), key=period_sort_key)


def period_label(period: str) -> str:
    """A published period as people write it: ISO 8601 periods (ONS Explore Local Statistics)
    become "2023" (a calendar year), "2024/25" (a year from April, August or September: a
    financial or academic year), "2022 - 2024" (whole calendar years), "Oct 2022 - Sep 2023"
    (other spans of whole months), "Dec 2025" (a month) or "30 Apr 2025" (a day); anything
    else is shown as published.

    Examples
    --------
    >>> period_label("2020-04-01/P1Y"), period_label("2022-10-01/P1Y"), period_label("2025-04-30")
    ('2020/21', 'Oct 2022 - Sep 2023', '30 Apr 2025')
    >>> period_label("202021"), period_label("201820")
    ('2020/21', '2018 - 2020')
    """
    text = str(period).strip()
    match = ISO_INTERVAL.match(text)
    if match:
        return _interval_label(_iso_interval(match))
    packed = re.match(r"^(\d{4})(\d{2})$", text)
    if packed:  # "202021" is 2020/21, "201820" is 2018 to 2020 (ONS subnational explorer codes)
        first, last = int(packed[1]), _full_year(int(packed[2]), int(packed[1]))
        return f"{first}/{packed[2]}" if last == first + 1 else f"{first} - {last}"
    day = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text)
    if day:
        return f"{int(day[3])} {calendar.month_abbr[int(day[2])]} {day[1]}"
    return text


def _interval_label(span: PeriodSpan) -> str:
    start, end = span.start, span.end
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if not whole_months:
        return f"{start.day} {calendar.month_abbr[start.month]} {start.year} - {end.day} {calendar.month_abbr[end.month]} {end.year}"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 1:
        return f"{calendar.month_abbr[start.month]} {start.year}"
    if start.month == 1 and months % 12 == 0:
        return str(start.year) if months == 12 else f"{start.year} - {end.year}"
    if months == 12 and start.month in (4, 8, 9):
        return f"{start.year}/{str(end.year)[2:]}"
    return f"{calendar.month_abbr[start.month]} {start.year} - {calendar.month_abbr[end.month]} {end.year}"


def period_labels(periods: Iterable[str]) -> dict[str, str]:
    """{period: label} for many periods."""
    return {period: period_label(period) for period in set(periods)}
