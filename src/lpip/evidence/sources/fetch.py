"""Fetching from a live source: download (or read the cache), parse, then store.

The order is what keeps failures clean: nothing touches the database until the answer
has been downloaded and read completely, and the answer is cached only once it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from lpip.evidence.sources import fingertips, nomis, ons
from lpip.evidence.sources.base import SourceQuery, describe_periods
from lpip.evidence.sources.client import Response, SourceClient
from lpip.evidence.sources.load import check_indicator, store_rows


@dataclass
class FetchReport:
    """What a fetch did: where the answer came from, the tidy rows, and what was stored.

    ``stored`` is False for a dry run (no database). ``already_loaded`` is True when this
    exact answer had been stored before, so nothing changed.
    """

    source: str
    url: str
    indicator_id: str
    retrieved_at: datetime
    from_cache: bool
    sha256: str
    release: str
    frame: pd.DataFrame
    stored: bool = False
    dataset: str | None = None
    written: int = 0
    replaced: int = 0
    skipped_areas: list[str] = field(default_factory=list)
    without_value: int = 0
    already_loaded: bool = False


def fetch_source(session: Session | None, query: SourceQuery, client: SourceClient | None = None,
                 refresh: bool = False) -> FetchReport:
    """Fetch ``query`` and, given a session, store its rows; returns a :class:`FetchReport`.

    Parameters
    ----------
    session
        An open session (its transaction makes the store all-or-nothing), or None for a
        dry run that only downloads and parses.
    query
        What to fetch, from :func:`~lpip.evidence.sources.nomis.nomis_query` and friends.
    client
        The HTTP client (cache and session); a default :class:`SourceClient` otherwise.
    refresh
        Download again even when the answer is cached.

    Examples
    --------
    >>> query = nomis.nomis_query(["E08000025"], preset="claimant_count")    # doctest: +SKIP
    >>> fetch_source(session, query).written                                 # doctest: +SKIP
    1
    """
    if session is not None:
        check_indicator(session, query)
    client = client or SourceClient()
    response = client.get(query.url, refresh=refresh)
    frame = query.parse(response.body)
    client.remember(response)
    report = new_report(query, response, frame)
    if session is None:
        return report
    stored = store_rows(session, query, response, frame)
    report.stored, report.dataset = True, stored.dataset
    report.written, report.replaced = stored.written, stored.replaced
    report.skipped_areas, report.without_value = stored.skipped_areas, stored.without_value
    report.already_loaded = stored.already_loaded
    return report


def new_report(query: SourceQuery, response: Response, frame: pd.DataFrame) -> FetchReport:
    return FetchReport(
        source=query.source, url=query.url, indicator_id=query.indicator_id,
        retrieved_at=response.retrieved_at, from_cache=response.from_cache, sha256=response.sha256,
        release=query.release or describe_periods(frame), frame=frame,
    )


def fetch_nomis(session: Session | None, geography: list[str], preset: str | None = None,
                dataset: str | None = None, date: str = "latest", params: dict[str, str] | None = None,
                indicator: str | None = None, client: SourceClient | None = None,
                refresh: bool = False) -> FetchReport:
    """Fetch from Nomis (a preset, or a dataset with dimension filters) into the database.

    Examples
    --------
    >>> fetch_nomis(session, ["E08000025", "E08000026"], preset="claimant_count")  # doctest: +SKIP
    """
    query = nomis.nomis_query(geography, preset, dataset, date, params, indicator)
    return fetch_source(session, query, client, refresh)


def fetch_fingertips(session: Session | None, preset: str | None = None, indicator_id: int | None = None,
                     area_type: int = fingertips.DISTRICTS_2023, sex: str | None = None,
                     age: str | None = None, indicator: str | None = None,
                     client: SourceClient | None = None, refresh: bool = False) -> FetchReport:
    """Fetch a Fingertips indicator (a preset, or an id) for every area of one type.

    Examples
    --------
    >>> fetch_fingertips(session, preset="life_expectancy_female")  # doctest: +SKIP
    """
    query = fingertips.fingertips_query(preset, indicator_id, area_type, sex, age, indicator)
    return fetch_source(session, query, client, refresh)


def fetch_ons(session: Session | None, dataset: str, edition: str, version: str | int,
              dimensions: dict[str, str], indicator: str | None = None,
              client: SourceClient | None = None, refresh: bool = False) -> FetchReport:
    """Fetch observations of an ONS dataset version (one dimension may be '*').

    Examples
    --------
    >>> fetch_ons(None, "cpih01", "time-series", 6,
    ...           {"time": "*", "geography": "K02000001", "aggregate": "cpih1dim1A0"}, "cpih")  # doctest: +SKIP
    """
    query = ons.ons_query(dataset, edition, version, dimensions, indicator)
    return fetch_source(session, query, client, refresh)
