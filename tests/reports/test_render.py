"""What every report page shares (lpip/reports/render.py): portable dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from lpip.reports.render import long_date

SRC = Path(__file__).resolve().parents[2] / "src" / "lpip"


@pytest.mark.parametrize(("day", "text"), [
    (date(2024, 6, 5), "5 June 2024"),
    (date(2023, 12, 31), "31 December 2023"),
    (date(2025, 1, 1), "1 January 2025"),
], ids=["single-digit day", "end of year", "new year"])
def test_long_date(day, text):
    assert long_date(day) == text


def test_no_platform_specific_strftime_flags():
    # "%-d" works with glibc and macOS only, "%#d" with Windows only: use long_date instead.
    flag = re.compile(r"%[-#][a-zA-Z]")
    found = [f"{path.relative_to(SRC)}:{number}" for path in sorted(SRC.rglob("*"))
             if path.suffix in (".py", ".html", ".j2", ".txt") and path.is_file()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if flag.search(line) and "strftime" in line and "render.py" not in path.name]
    assert not found, found
