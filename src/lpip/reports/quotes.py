"""Quotes as they may be printed: the one place the CLI, the pages and the programme document
anonymise what people wrote before showing it.

The library keeps contribution ids and raw text; everything that prints a quote passes it
through :func:`anonymise_quotes`, which removes attendee names, email addresses and phone
numbers written into the text (``[name removed]``...), as the workshop deposit export does.
Documents meant to be shared also pass priority titles drafted from people's words through
:func:`anonymise_titles`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
from sqlalchemy.orm import Session


def scrubbers(session: Session, workshop_ids: Iterable[int]) -> dict[int, Callable[[str], str]]:
    """The anonymiser of each workshop (it knows the workshop's attendees' names)."""
    # The anonymiser of the workshop deposit export; this is its one call site outside the
    # workshops domain, so that it can move to lpip.archive.anonymise in one place.
    from lpip.workshops.exports import _scrubber

    return {int(w): _scrubber(session, int(w)) for w in dict.fromkeys(workshop_ids) if w is not None and w == w}


def anonymise_quotes(session: Session, quotes: pd.DataFrame, text: str = "text") -> pd.DataFrame:
    """A copy of ``quotes`` (with ``workshop_id`` and a text column) with the text anonymised.

    Examples
    --------
    >>> anonymise_quotes(session, pd.DataFrame({"workshop_id": [1], "text": ["Call Sam on 07700 900123"]}))  # doctest: +SKIP
    """
    out = quotes.copy()
    if out.empty:
        return out
    found = scrubbers(session, out["workshop_id"].dropna().unique())
    out[text] = [found[int(w)](t) if w == w and int(w) in found and isinstance(t, str) else t
                 for w, t in zip(out["workshop_id"], out[text], strict=True)]
    return out


def anonymise_titles(session: Session, titles: dict[int, str], workshops: dict[int, list[int]]) -> dict[int, str]:
    """Priority titles anonymised with the anonymisers of the workshops each came from."""
    found = scrubbers(session, [w for ids in workshops.values() for w in ids])
    clean = {}
    for priority_id, title in titles.items():
        for workshop_id in workshops.get(priority_id, []):
            title = found[int(workshop_id)](title)
        clean[priority_id] = title
    return clean
