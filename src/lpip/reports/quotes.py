"""Quotes as they may be printed: the one place the CLI, the pages and the programme document
anonymise what people wrote before showing it.

The library keeps contribution ids and raw text; everything that prints a quote passes it
through :func:`anonymise_quotes`, whose one anonymiser is the deposit's
(:func:`lpip.archive.anonymise.scrubber_for`): names and organisations the system knows, emails,
phone numbers, postcodes and the like written into the text become typed labels ("[person 3]",
"[phone]"), as in the workshop report and the deposit. Documents meant to be shared also pass
priority titles drafted from people's words through :func:`anonymise_titles`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.orm import Session

DEMO_MARK = "(demo)"  # how the demonstration's made-up texts start (lpip.workshops.demo)


def scrubber(session: Session) -> Callable[[str], str]:
    """The anonymiser: a function from text to safe text (it knows every name in the database,
    because a person from one workshop can be named in another's notes)."""
    from lpip.archive.anonymise import scrubber_for

    scrub = scrubber_for(session)

    def anonymise(text) -> str:
        # The demonstration's label stays: its word "Demo" is also in the made-up attendees' names.
        parts = ("" if text is None else str(text)).split(DEMO_MARK)
        return DEMO_MARK.join(scrub(part) if part else part for part in parts)

    return anonymise


def anonymise_quotes(session: Session, quotes: pd.DataFrame, text: str = "text") -> pd.DataFrame:
    """A copy of ``quotes`` with its text column anonymised.

    Examples
    --------
    >>> anonymise_quotes(session, pd.DataFrame({"text": ["Call Sam on 07700 900123"]}))  # doctest: +SKIP
    """
    out = quotes.copy()
    if out.empty:
        return out
    scrub = scrubber(session)
    out[text] = [scrub(t) if isinstance(t, str) else t for t in out[text]]
    return out


def anonymise_titles(session: Session, titles: dict[int, str]) -> dict[int, str]:
    """Priority titles (drafted from people's words) anonymised, by priority id."""
    scrub = scrubber(session)
    return {priority_id: scrub(title) for priority_id, title in titles.items()}
