"""Live sources: Nomis, Fingertips and the ONS API, fetched into the tidy indicator table.

Every fetch goes through one client (:mod:`.client`) that caches answers on disk by URL
(``$LPIP_CACHE_DIR`` or the user cache folder) and records when each was retrieved; each
connector (:mod:`.nomis`, :mod:`.fingertips`, :mod:`.ons`) builds URLs and reads its format;
:mod:`.load` writes rows with a ``Dataset`` row saying where they came from.
"""

from __future__ import annotations

import pandas as pd

from lpip.evidence.sources import fingertips, nomis
from lpip.evidence.sources.fetch import FetchReport, fetch_fingertips, fetch_nomis, fetch_ons, fetch_source
from lpip.evidence.sources.client import ResponseCache, SourceClient

__all__ = [
    "FetchReport", "ResponseCache", "SourceClient", "fetch_fingertips", "fetch_nomis",
    "fetch_ons", "fetch_source", "list_sources",
]


def list_sources() -> pd.DataFrame:
    """Every ready-made query (preset): source, preset, indicator title, unit and the query.

    Examples
    --------
    >>> list_sources()[["source", "preset"]].head(2).values.tolist()
    [['nomis', 'claimant_count'], ['nomis', 'claimant_rate']]
    """
    rows = []
    for source, module in (("nomis", nomis), ("fingertips", fingertips)):
        for preset in module.PRESETS.values():
            query = ", ".join(f"{k}={v}" for k, v in preset.params.items())
            rows.append(dict(source=source, preset=preset.name, title=preset.indicator.title,
                             unit=preset.indicator.unit, query=query))
    rows.append(dict(source="ons", preset="", title="any dataset version (--dataset, --edition, "
                     "--version, --dim NAME=OPTION), stored into an existing indicator",
                     unit="", query=""))
    return pd.DataFrame(rows, columns=["source", "preset", "title", "unit", "query"])
