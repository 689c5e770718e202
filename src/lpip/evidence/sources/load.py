"""Writing fetched tidy rows into the indicator tables, with a Dataset row for provenance.

Everything happens in the caller's transaction (``session_scope``): either every row, the
indicator and the Dataset row are written, or, on any error, none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.db import bulk_insert
from lpip.errors import NoData, UnknownIndicator
from lpip.evidence.models import Dataset, Indicator, IndicatorValue
from lpip.evidence.sources.base import SourceQuery, describe_periods
from lpip.evidence.sources.client import Response
from lpip.geography.models import Area

CHUNK = 5000


@dataclass
class Stored:
    """What storing did: rows written and replaced, and what was left out and why."""

    dataset: str
    written: int = 0
    replaced: int = 0
    skipped_areas: list[str] = field(default_factory=list)
    without_value: int = 0
    already_loaded: bool = False


def check_indicator(session: Session, query: SourceQuery) -> None:
    """Fail before any download when there is nowhere to store the values."""
    if query.indicator is None and session.get(Indicator, query.indicator_id) is None:
        raise UnknownIndicator(
            f"There is no indicator {query.indicator_id!r} to store these values in. Nothing was "
            "fetched or written. Use an id from `lpip indicators list`, or a preset from "
            "`lpip sources list` (which creates its indicator)."
        )


def store_rows(session: Session, query: SourceQuery, response: Response, frame: pd.DataFrame) -> Stored:
    """Write ``frame`` (tidy rows) for ``query.indicator_id``; values already held for the same
    area and period are replaced. Rows for areas outside lpip's geography are left out."""
    name = dataset_name(query, response)
    if session.scalar(select(Dataset.id).where(Dataset.name == name)) is not None:
        return Stored(name, already_loaded=True)
    known = known_codes(session, frame["area_code"])
    usable = frame[frame["area_code"].isin(known)]
    stored = Stored(name, skipped_areas=sorted(set(frame["area_code"]) - known),
                    without_value=int(usable["value"].isna().sum()))
    usable = usable[usable["value"].notna()]
    if usable.empty:
        raise nothing_to_store(query, response, frame, stored)
    ensure_indicator(session, query, levels_of(session, usable["area_code"]))
    dataset = new_dataset(query, response, name, usable)
    session.add(dataset)
    session.flush()
    stored.replaced = delete_existing(session, query.indicator_id, usable)
    stored.written = bulk_insert(session, IndicatorValue.__table__, records(usable, dataset.id))
    dataset.rows = stored.written
    session.flush()
    return stored


def dataset_name(query: SourceQuery, response: Response) -> str:
    # The checksum makes a re-fetch of an unchanged answer recognisable.
    return f"{query.source}:{query.key}:{query.indicator_id}:{response.sha256[:12]}"[:200]


def nothing_to_store(query, response, frame, stored: Stored) -> NoData:
    if frame.empty:
        why = "the answer has no rows"
    elif stored.skipped_areas and len(stored.skipped_areas) == frame["area_code"].nunique():
        shown = ", ".join(stored.skipped_areas[:5])
        why = f"none of its {len(stored.skipped_areas)} areas are in lpip's geography (e.g. {shown})"
    else:
        why = "none of its rows has a value"
    return NoData(
        f"Nothing to store from {response.host}: {why}. Nothing was written. lpip holds English "
        "areas (`lpip areas list`); check the geography codes and the query."
    )


def known_codes(session: Session, codes: pd.Series) -> set[str]:
    unique = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start:start + CHUNK]
        found.update(session.scalars(select(Area.code).where(Area.code.in_(chunk))))
    return found


def levels_of(session: Session, codes: pd.Series) -> list[str]:
    unique = sorted(set(codes))[:CHUNK]
    return sorted(set(session.scalars(select(Area.level).where(Area.code.in_(unique)).distinct())))


def ensure_indicator(session: Session, query: SourceQuery, levels: list[str]) -> Indicator:
    """The indicator to store into: created from the preset if new; its levels widened."""
    indicator = session.get(Indicator, query.indicator_id)
    if indicator is None:
        meta = query.indicator
        indicator = Indicator(
            id=query.indicator_id, title=meta.title, theme=meta.theme, unit=meta.unit,
            polarity=meta.polarity, value_type=meta.value_type, source=meta.source,
            publisher=query.publisher, licence=query.licence, levels=",".join(levels),
            description=meta.description, origin="user",
        )
        session.add(indicator)
        session.flush()
        return indicator
    missing = [level for level in levels if level not in indicator.level_list]
    if missing:
        indicator.levels = ",".join(indicator.level_list + missing)
    return indicator


def new_dataset(query: SourceQuery, response: Response, name: str, frame: pd.DataFrame) -> Dataset:
    when = response.retrieved_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    release = query.release or describe_periods(frame)
    title = f"{query.title} into {query.indicator_id}; retrieved {when}; release: {release}"
    return Dataset(
        name=name, title=title[:300], publisher=query.publisher, licence=query.licence,
        location=query.url, sha256=response.sha256, rows=0, loaded_at=datetime.now(timezone.utc),
    )


def delete_existing(session: Session, indicator_id: str, frame: pd.DataFrame) -> int:
    """Remove values this load replaces (same indicator, area and period); returns how many."""
    removed = 0
    for period, group in frame.groupby("period"):
        codes = sorted(set(group["area_code"]))
        for start in range(0, len(codes), CHUNK):
            result = session.execute(delete(IndicatorValue).where(
                IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
                IndicatorValue.area_code.in_(codes[start:start + CHUNK]),
            ))
            removed += result.rowcount or 0
    return removed


def records(frame: pd.DataFrame, dataset_id: int) -> list[dict]:
    frame = frame.assign(dataset_id=dataset_id).astype(object)
    # NaN is not NULL to a database driver.
    return frame.where(frame.notna(), None).to_dict("records")
