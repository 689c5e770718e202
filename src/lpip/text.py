"""Text that people type, made safe to store and show, the same way on every path.

Pages, the JSON API and every importer clean text with :func:`clean_text` before it is
stored, so that SQLite and PostgreSQL hold the same thing: PostgreSQL refuses NUL bytes
(SQLite would store them), lone surrogates cannot be encoded as UTF-8 at all, and
zero-width and bidirectional control characters let a statement look like another one or
reorder the text around it on the page. Ids from outside are checked with
:func:`check_id` against what an ``INTEGER`` column holds on both databases.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab, newline and carriage return; DEL; C1 controls; lone surrogates;
# zero-width characters, bidi embeddings/overrides/isolates and marks; word joiner; BOM.
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
SINGLE_LINE_BREAKS = re.compile(r"[\t\r\n]+")
DIGITS = re.compile(r"[0-9]{1,12}")
# The largest value an INTEGER column holds in PostgreSQL (and well inside SQLite's range).
MAX_ID = 2_147_483_647


def clean_text(value: str, *, single_line: bool = False) -> str:
    """``value`` in Unicode NFC form without control, zero-width or bidi-control characters,
    trimmed; tabs and line breaks become single spaces when ``single_line``.

    Examples
    --------
    >>> clean_text(" More\\u200b buses\\x00 ")
    'More buses'
    >>> clean_text("a\\u202eb\\r\\nc", single_line=True)
    'ab c'
    """
    text = UNSAFE.sub("", value)
    text = unicodedata.normalize("NFC", text)
    if single_line:
        text = SINGLE_LINE_BREAKS.sub(" ", text)
    return text.strip()


def has_unsafe_characters(value: str) -> bool:
    """True if :func:`clean_text` would remove something other than surrounding spaces."""
    return bool(UNSAFE.search(value))


def check_id(value: int) -> bool:
    """True if ``value`` can be an id in lpip's tables (1 to :data:`MAX_ID`).

    Examples
    --------
    >>> check_id(42), check_id(0), check_id(2**63)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(text: str, *, lowest: int = 1) -> int | None:
    """An id typed in a file (``"42"``, or ``"42.0"`` as spreadsheets write whole numbers), or
    None when it is not a whole number from ``lowest`` to :data:`MAX_ID`: no signs, exponents,
    ``inf``/``nan``, or numbers beyond what the databases hold. ``lowest=0`` admits pol.is
    comment ids, which start at 0.

    Examples
    --------
    >>> parse_id(" 42 "), parse_id("42.0"), parse_id("1e3"), parse_id("inf"), parse_id(str(2**64))
    (42, 42, None, None, None)
    >>> parse_id("0"), parse_id("0", lowest=0)
    (None, 0)
    """
    text = text.strip().removesuffix(".0")
    if not DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if lowest <= value <= MAX_ID else None
