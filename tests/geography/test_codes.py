"""GSS codes: shape, level from prefix, nearest known code."""

from __future__ import annotations

import pytest

from lpip.geography.codes import is_gss_code, level_of_code, nearest_codes, suggestion

KNOWN = {
    "E08000025": "Birmingham",
    "E08000029": "Solihull",
    "E06000021": "Stoke-on-Trent",
    "E06000099": "Not a district",
    "E12000005": "West Midlands",
    "WM-BSOL": "Birmingham & Solihull",
}


@pytest.mark.parametrize(
    ("code", "expected"),
    [("E08000025", True), ("W06000015", True), ("S12000036", True), ("N09000003", True), ("K02000001", True),
     ("e08000025", False), ("E0800002", False), ("E080000255", False), ("X08000025", False), ("WM-BSOL", False),
     ("TLG31", False), ("", False)],
    ids=["england", "wales", "scotland", "n-ireland", "uk", "lower-case", "short", "long", "bad-letter",
         "custom", "itl", "empty"],
)
def test_is_gss_code(code, expected):
    assert is_gss_code(code) is expected


@pytest.mark.parametrize(
    ("code", "level"),
    [("E01021988", "lsoa"), ("E02001873", "msoa"), ("E06000019", "lad"), ("E07000192", "lad"),
     ("E08000025", "lad"), ("E09000001", "lad"), ("E10000028", "county"), ("E11000005", "county"),
     ("E47000007", "cauth"), ("E12000005", "region"), ("E92000001", "country"), ("E37000012", "lep"),
     ("W06000015", None), ("E05000001", None), ("TLG", None), ("WM-BSOL", None)],
    ids=["lsoa", "msoa", "unitary", "non-met", "met", "london", "county", "met-county", "cauth",
         "region", "country", "lep", "welsh", "ward-unknown", "itl", "custom"],
)
def test_level_of_code(code, level):
    assert level_of_code(code) == level


def test_nearest_prefers_the_same_entity_type():
    # E08000099 is closer by characters to E06000099, but a met district is meant.
    assert nearest_codes("E08000099", KNOWN) == [("E08000029", "Solihull")]


def test_nearest_ignores_case_and_spaces():
    assert nearest_codes(" e08000025 ", KNOWN) == [("E08000025", "Birmingham")]


def test_nearest_falls_back_to_any_code_for_unknown_prefixes():
    assert nearest_codes("WM-BSO", KNOWN) == [("WM-BSOL", "Birmingham & Solihull")]


def test_nearest_returns_up_to_n_of_the_same_type():
    assert {code for code, _ in nearest_codes("E08000026", KNOWN, n=2)} == {"E08000025", "E08000029"}
    assert len(nearest_codes("E08000026", KNOWN, n=5)) == 2  # only two met districts are known


def test_suggestion_phrase():
    assert suggestion("E08000099", KNOWN) == "; did you mean E08000029 (Solihull)?"


def test_no_suggestion_without_known_codes():
    assert suggestion("E08000099", {}) == ""
