"""Published periods: ISO 8601 periods of ONS Explore Local Statistics read, ordered and labelled."""

from __future__ import annotations

from datetime import date

import pytest

from lpip.evidence.periods import period_label, period_span, sort_periods


@pytest.mark.parametrize(("period", "label"), [
    ("2023-01-01/P1Y", "2023"),
    ("2020-04-01/P1Y", "2020/21"),
    ("2024-09-01/P1Y", "2024/25"),
    ("2024-08-01/P1Y", "2024/25"),
    ("2022-10-01/P1Y", "Oct 2022 - Sep 2023"),
    ("2022-01-01/P3Y", "2022 - 2024"),
    ("2025-12-01/P1M", "Dec 2025"),
    ("2025-04-30", "30 Apr 2025"),
    ("2024-11-16/P1Y", "16 Nov 2024 - 15 Nov 2025"),
    ("202021", "2020/21"),
    ("201820", "2018 - 2020"),
    ("As at 31 January 2024", "As at 31 January 2024"),
], ids=lambda value: value)
def test_periods_are_shown_as_people_write_them(period, label):
    assert period_label(period) == label


def test_iso_periods_span_the_days_they_cover():
    assert period_span("2024-04-01/P1Y") == period_span("2024/25")
    assert period_span("2022-01-01/P3Y").end == date(2024, 12, 31)
    assert period_span("2025-12-01/P1M").end == date(2025, 12, 31)


def test_iso_and_published_periods_sort_by_the_day_they_end():
    periods = ["2023-01-01/P1Y", "2022-10-01/P1Y", "2021", "2022-04-01/P1Y", "2025-04-30", "2022-01-01/P3Y"]
    assert sort_periods(periods) == ["2021", "2022-04-01/P1Y", "2022-10-01/P1Y", "2023-01-01/P1Y",
                                     "2022-01-01/P3Y", "2025-04-30"]
