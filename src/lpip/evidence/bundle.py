"""Load the bundled real data (see data/SOURCES.md) into the indicator tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.bundled import (
    ELS_INDICATORS, FUEL_POVERTY, IOD2025_POPULATION, IOD_RANKS, IOD_SCORES, LAD_INDICATORS, bundled_path,
)
from lpip.db import bulk_insert
from lpip.evidence.catalogue import IndicatorSpec, bundled_catalogue
from lpip.evidence.models import Dataset, Indicator, IndicatorValue

VALUE_COLUMNS = ["indicator_id", "area_code", "period", "value", "lower_ci", "upper_ci", "status"]
SERIES_COLUMNS = ["area_code", "period", "value", "lower_ci", "upper_ci", "status"]
# ELS renamed these districts' codes in 2025 without changing their boundaries ("these changes did
# not affect comparability", ELS caveats); lpip's district geography has the earlier codes.
RECODED = {"E08000038": "E08000016", "E08000039": "E08000019"}


@dataclass
class BundleReport:
    """What a bundled load did: values written and rows left out, per indicator."""

    values: dict[str, int]
    skipped_areas: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.values.values())


class BundleFiles:
    """Reads each bundled file once, on first use."""

    def __init__(self) -> None:
        self._cache: dict[str, pd.DataFrame] = {}

    def get(self, key: str) -> pd.DataFrame:
        if key not in self._cache:
            self._cache[key] = READERS[key]()
        return self._cache[key]


def _read_lad_tidy() -> pd.DataFrame:
    # Some counts are published with thousands separators ("1,447"); one value is "na".
    return pd.read_csv(
        bundled_path(LAD_INDICATORS), dtype={"period": str, "area_code": str},
        thousands=",", na_values=["na"],
    )


def _read_iod_scores() -> pd.DataFrame:
    return pd.read_csv(bundled_path(IOD_SCORES))


def _read_iod_ranks() -> pd.DataFrame:
    return pd.read_csv(bundled_path(IOD_RANKS))


def _read_fuel_poverty() -> pd.DataFrame:
    return pd.read_csv(bundled_path(FUEL_POVERTY), dtype={"period": str})


def _read_els() -> pd.DataFrame:
    frame = pd.read_csv(bundled_path(ELS_INDICATORS), dtype=str, keep_default_na=False)
    for column in ("value", "lci", "uci"):
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce")
    return frame


def _read_iod2025_population() -> pd.DataFrame:
    frame = pd.read_csv(bundled_path(IOD2025_POPULATION))
    return frame.drop(columns=["LSOA code (2021)", "LSOA name (2021)", "Local Authority District name (2024)"]).groupby(
        "Local Authority District code (2024)").sum()


READERS: dict[str, Callable[[], pd.DataFrame]] = {
    "lad_tidy": _read_lad_tidy,
    "iod_scores": _read_iod_scores,
    "iod_ranks": _read_iod_ranks,
    "fuel_poverty": _read_fuel_poverty,
    "els": _read_els,
    "iod2025_population": _read_iod2025_population,
}


def series_frame(files: BundleFiles, series: dict) -> pd.DataFrame:
    """One series of a catalogue entry as tidy rows: area_code, period, value, lower_ci,
    upper_ci, status (the interval and status only where the source gives them)."""
    kind = series["file"]
    data = files.get(kind)
    if kind == "lad_tidy":
        rows = data[(data["source"] == series["source"]) & (data["indicator"] == series["name"])]
        frame = rows[["area_code", "period", "value"]]
    elif kind in ("iod_scores", "iod_ranks"):
        frame = pd.DataFrame(
            {"area_code": data["LSOA code (2011)"], "period": series["period"], "value": data[series["column"]]}
        )
    elif kind == "fuel_poverty":
        frame = data.rename(columns={"LSOA11CD": "area_code"})[["area_code", "period", "value"]]
    elif kind == "els":
        return els_frame(data, series["indicator"], series["name"])
    elif kind == "iod2025_population":
        frame = pd.DataFrame({"area_code": data.index, "period": series["period"], "value": data[series["column"]].to_numpy()})
    else:
        raise ValueError(f"unknown bundled file kind {kind!r}")
    return frame.assign(lower_ci=np.nan, upper_ci=np.nan, status=None)[SERIES_COLUMNS]


def els_frame(data: pd.DataFrame, folder: str, name: str) -> pd.DataFrame:
    """One ELS indicator's rows with its published 95% limits and status markers. Rows published
    twice (the same area in two geography lists) are kept once; 2025 recoded districts take
    the code lpip's geography has, unless a row under that code exists for the period."""
    rows = data[(data["indicator"] == folder) & (data["indicator_name"] == name)]
    frame = pd.DataFrame({
        "area_code": rows["areacd"], "period": rows["period"], "value": rows["value"],
        "lower_ci": rows["lci"], "upper_ci": rows["uci"], "status": rows["status"].replace("", None),
    })
    recoded = frame["area_code"].isin(list(RECODED))
    frame.loc[recoded, "area_code"] = frame.loc[recoded, "area_code"].map(RECODED)
    # Published codes first, so that a recoded row never replaces a row published under the old code.
    frame = pd.concat([frame[~recoded], frame[recoded]])
    return frame.drop_duplicates(["area_code", "period"], keep="first")[SERIES_COLUMNS]


def indicator_frame(files: BundleFiles, spec: IndicatorSpec) -> pd.DataFrame:
    """All series of one indicator, the first series winning where two give the same key: the
    same area and period, or the same area and the same span of days written differently
    ("2021" and "2021-01-01/P1Y")."""
    frames = [series_frame(files, series) for series in spec.series]
    frame = pd.concat(frames, ignore_index=True).drop_duplicates(["area_code", "period"], keep="first")
    if len(frames) > 1:
        spans = frame["period"].map(_span_key)
        frame = frame[~pd.DataFrame({"a": frame["area_code"], "s": spans}).duplicated(keep="first")]
    frame = frame.assign(indicator_id=spec.id)
    return frame[VALUE_COLUMNS]


def _span_key(period: str) -> str:
    from lpip.evidence.periods import period_span
    from lpip.errors import UnknownPeriod

    try:
        span = period_span(period)
    except UnknownPeriod:
        return f"text:{period}"
    return f"{span.start}/{span.end}"


def iter_indicator_frames(specs: list[IndicatorSpec]) -> Iterator[tuple[IndicatorSpec, pd.DataFrame]]:
    files = BundleFiles()
    for spec in specs:
        yield spec, indicator_frame(files, spec)


def load_bundled_indicators(
    session: Session,
    known_areas: set[str],
    fingerprint: str,
    progress: Callable[[str], None] | None = None,
) -> BundleReport:
    """Write the catalogue and every bundled value; rows for areas outside lpip's geography
    (Wales, Scotland, areas created after 2019) are left out and counted."""
    specs = bundled_catalogue()
    dataset = Dataset(
        name="bundled", title="Data bundled with lpip (see data/SOURCES.md)", publisher="various (OGL v3.0)",
        licence="OGL-UK-3.0", location="lpip/data", sha256=fingerprint, rows=0,
        loaded_at=datetime.now(timezone.utc),
    )
    session.add(dataset)
    for spec in specs:
        # merge, not insert: a shipped indicator kept on a reload for users' values is updated.
        session.merge(Indicator(**spec.row()))
    session.flush()
    report = BundleReport(values={}, skipped_areas={})
    for spec, frame in iter_indicator_frames(specs):
        keep = frame["area_code"].isin(known_areas) & frame["value"].notna() & ~_stored_by_users(session, spec.id, frame)
        frame = frame[keep].assign(dataset_id=dataset.id)
        report.skipped_areas[spec.id] = int((~keep).sum())
        report.values[spec.id] = bulk_insert(session, IndicatorValue.__table__, _records(frame))
        if progress:
            progress(spec.id)
    dataset.rows = report.total
    return report


def _stored_by_users(session: Session, indicator_id: str, frame: pd.DataFrame) -> pd.Series:
    """Rows whose (area, period) a user already imported; the user's value is kept."""
    query = select(IndicatorValue.area_code, IndicatorValue.period).where(IndicatorValue.indicator_id == indicator_id)
    stored = [tuple(row) for row in session.execute(query)]
    keys = pd.MultiIndex.from_frame(frame[["area_code", "period"]])
    return pd.Series(keys.isin(stored), index=frame.index)


def _records(frame: pd.DataFrame) -> list[dict]:
    frame = frame.astype({"value": float, "lower_ci": float, "upper_ci": float})
    records = frame.to_dict("records")
    for record in records:
        for key in ("lower_ci", "upper_ci"):
            if record[key] != record[key]:  # NaN: no interval published
                record[key] = None
        if not isinstance(record["status"], str):
            record["status"] = None
    return records
