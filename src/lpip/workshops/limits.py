"""The one set of limits on what people type into a workshop, for every way in.

The library functions check them (so the command line, the pages and the JSON API refuse the
same things with the same message), and the API's schemas (:mod:`lpip.web.schemas`) state
them in its OpenAPI document. Text is cleaned with :func:`lpip.text.clean_text` first (NUL,
control, zero-width and bidi-control characters removed), then measured.
"""

from __future__ import annotations

import re

from lpip.errors import N_, InvalidContribution
from lpip.text import MAX_ID, check_id, clean_text

MAX_TEXT = 1000  # a note, statement, priority or round question: one idea
MAX_TITLE = 300
MAX_VENUE = 300
MAX_CODE = 12  # a join code as typed (codes are 6 characters; spaces and dashes are forgiven)
TABLES = (1, 50)
MINUTES = (1, 240)
DOTS = (1, 20)
ROUNDS = (1, 20)
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CLIENT_ID_RULE = "8-64 letters, digits, '-' or '_'"



def check_text(value: str | None, what: str, limit: int, single_line: bool = False, required: bool = True) -> str:
    """``value`` cleaned, or :class:`InvalidContribution` if it is empty (when ``required``)
    or longer than ``limit`` characters once cleaned.

    Examples
    --------
    >>> check_text(" Buses\\u200b after 10pm ", "The note", 1000)
    'Buses after 10pm'
    """
    text = clean_text(value or "", single_line=single_line)
    if required and not text:
        raise InvalidContribution(f"{what} is empty: write something, then send it.")
    if len(text) > limit:
        raise InvalidContribution(f"{what} is {len(text):,} characters long; the limit is {limit:,}. Shorten it.")
    return text


def check_whole(value: int, what: str, bounds: tuple[int, int]) -> int:
    """``value`` if it is a whole number within ``bounds``; :class:`InvalidContribution` otherwise."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidContribution(f"The number of {what} must be a whole number from {low} to {high}, not {value!r}.")
    return value


def check_item_id(value, what: str = "id") -> int:
    """An id from outside (a form field, a JSON number) as an int that fits lpip's tables;
    :class:`InvalidContribution` otherwise, so a 20-digit id is a clear refusal, not an overflow."""
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else value
    if not check_id(value):
        raise InvalidContribution(N_("The %(what)s must be a whole number from 1 to %(most)s, not %(value)s."),
                                  what=what, most=f"{MAX_ID:,}", value=repr(str(value)[:20]))
    return value
