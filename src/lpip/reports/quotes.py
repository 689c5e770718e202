"""Quotes as they may be printed: the one place the CLI, the pages and the programme document
anonymise what people wrote before showing it.

The library keeps contribution ids and raw text; everything that prints a quote passes it
through :func:`anonymise_quotes`, which removes attendee names, email addresses and phone
numbers written into the text (``[name removed]``...), as the workshop deposit export does.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session


def anonymise_quotes(session: Session, quotes: pd.DataFrame, text: str = "text") -> pd.DataFrame:
    """A copy of ``quotes`` (with ``workshop_id`` and a text column) with the text anonymised.

    Examples
    --------
    >>> anonymise_quotes(session, pd.DataFrame({"workshop_id": [1], "text": ["Call Sam on 07700 900123"]}))  # doctest: +SKIP
    """
    # The anonymiser of the workshop deposit export; one call site, so it can move to lpip.archive.
    from lpip.workshops.exports import _scrubber

    out = quotes.copy()
    if out.empty:
        return out
    scrubbers = {w: _scrubber(session, int(w)) for w in out["workshop_id"].dropna().unique()}
    out[text] = [scrubbers[w](t) if w in scrubbers and isinstance(t, str) else t
                 for w, t in zip(out["workshop_id"], out[text], strict=True)]
    return out
