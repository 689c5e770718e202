"""Text from people: the characters that break a database or fool a reader are removed."""

from __future__ import annotations

import pytest

from lpip.text import MAX_ID, check_id, clean_text, has_unsafe_characters


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("More buses\x00", "More buses"),
        ("zero\u200bwidth", "zerowidth"),
        ("\ufeffbom", "bom"),
        ("bidi \u202eoverride\u202c", "bidi override"),
        ("isolate \u2066x\u2069", "isolate x"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("e\u0301", "\u00e9"),
        ("  trimmed  ", "trimmed"),
        ("two\nlines", "two\nlines"),
        ("العربية", "العربية"),
    ],
    ids=["nul", "zero-width", "bom", "override", "isolate", "surrogate", "nfc", "trim", "newline", "arabic"],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_single_line_folds_breaks():
    assert clean_text("a\r\n\tb\nc", single_line=True) == "a b c"


def test_unsafe_characters_are_detected():
    assert has_unsafe_characters("a\x00")
    assert not has_unsafe_characters("plain, with\nlines")


@pytest.mark.parametrize(("value", "ok"), [(1, True), (MAX_ID, True), (0, False), (-1, False), (MAX_ID + 1, False),
                                           (2**64, False), (True, False), ("1", False)])
def test_check_id(value, ok):
    assert check_id(value) is ok


@pytest.mark.parametrize(
    ("text", "lowest", "expected"),
    [
        ("42", 1, 42), (" 7 ", 1, 7), ("12.0", 1, 12), (str(MAX_ID), 1, MAX_ID),
        ("0", 1, None), ("0", 0, 0), (str(MAX_ID + 1), 1, None), (str(2**64), 1, None),
        ("99999999999999999999", 0, None), ("-1", 0, None), ("+1", 1, None), ("1e3", 1, None),
        ("1.5", 1, None), ("inf", 1, None), ("nan", 1, None), ("0x10", 1, None), ("", 1, None),
        ("٣", 1, None),  # an Arabic-Indic digit: int() would read it, a file's id is ASCII
    ],
)
def test_parse_id(text, lowest, expected):
    from lpip.text import parse_id

    assert parse_id(text, lowest=lowest) == expected
