"""Export an indicator's values in the ONS "Explore local statistics" shape (`lpip data export`).

The columns are ``areacd, areanm, period, value, lci, uci, status`` and, when any row has
them, ``numerator, denominator``: the shape :mod:`lpip.evidence.importer` reads, so an
export re-imports unchanged. Rows are sorted by period, then area code. A CSV export can
carry a CSV-on-the-Web metadata file beside it (``FILE.csv-metadata.json``) in the mapping
that :func:`lpip.evidence.importer.read_csvw_metadata` reads back.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, NoData
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.geography.areas import check_level, descendants, get_area
from lpip.geography.models import Area
from lpip.spreadsheets import write_csv, write_xlsx
from lpip.tabledesc import Column, TableDescription, to_csvw

EXPORT_COLUMNS = ["areacd", "areanm", "period", "value", "lci", "uci", "status"]
COUNT_COLUMNS = ["numerator", "denominator"]
EXPORT_FORMATS = ("csv", "xlsx", "json")
COLUMN_TYPES = {"value": "number", "lci": "number", "uci": "number", "numerator": "number", "denominator": "number"}


def export_indicator(
    session: Session,
    indicator_id: str,
    period: str | None = None,
    within: str | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """An indicator's values as an ELS-shaped table, optionally for one period, inside one
    area, of one area level; :class:`NoData` when nothing matches.

    The indicator's metadata travels in ``frame.attrs["indicator"]`` (for the CSVW file).

    Examples
    --------
    >>> frame = export_indicator(session, "nvq3_plus", period="2021", within="E10000034")  # doctest: +SKIP
    >>> list(frame.columns)  # doctest: +SKIP
    ['areacd', 'areanm', 'period', 'value', 'lci', 'uci', 'status']
    """
    indicator = get_indicator(session, indicator_id)
    check_level(level)
    if within:
        get_area(session, within)
    frame = pd.DataFrame(session.execute(_values_query(indicator_id, period, within, level)).all(),
                         columns=EXPORT_COLUMNS + COUNT_COLUMNS)
    if frame.empty:
        raise NoData(_no_data_message(session, indicator_id, period, within, level))
    frame = _tidy(frame)
    frame.attrs["indicator"] = _indicator_fields(indicator)
    return frame


def _values_query(indicator_id: str, period: str | None, within: str | None, level: str | None):
    value = IndicatorValue
    query = (
        select(value.area_code, Area.name, value.period, value.value, value.lower_ci, value.upper_ci,
               value.status, value.numerator, value.denominator)
        .join(Area, Area.code == value.area_code)
        .where(value.indicator_id == indicator_id)
        .order_by(value.period, value.area_code)
    )
    if period is not None:
        query = query.where(value.period == period)
    if within:
        query = query.where(value.area_code.in_(descendants(within)))
    if level:
        query = query.where(Area.level == level)
    return query


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = ["value", "lci", "uci", *COUNT_COLUMNS]
    frame = frame.astype({column: float for column in numbers})
    frame["status"] = frame["status"].astype(object).where(frame["status"].notna(), None)
    counts = [column for column in COUNT_COLUMNS if frame[column].notna().any()]
    return frame[EXPORT_COLUMNS + counts].reset_index(drop=True)


def _no_data_message(session: Session, indicator_id: str, period, within, level) -> str:
    asked = [f"for period {period}" if period is not None else "", f"inside {within}" if within else "",
             f"at level {level}" if level else ""]
    asked = " ".join(part for part in asked if part)
    periods = sorted(set(session.scalars(
        select(IndicatorValue.period).where(IndicatorValue.indicator_id == indicator_id)
    )))
    if not periods:
        return f"Indicator {indicator_id} has no values yet. Import some with `lpip data import FILE --indicator {indicator_id}`."
    return (f"Indicator {indicator_id} has no values {asked}. It has values for the periods "
            f"{', '.join(periods)}; `lpip indicators show {indicator_id}` lists the levels.")


def _indicator_fields(indicator: Indicator) -> dict:
    return {column.name: getattr(indicator, column.name) for column in Indicator.__table__.columns}


def export_format(fmt: str | None, out: str | Path | None) -> str:
    """The format to write: ``fmt`` if given, else from the ``out`` suffix, else csv;
    :class:`InvalidExport` when they disagree or XLSX has nowhere to go."""
    suffix = Path(out).suffix.lower().lstrip(".") if out is not None else ""
    chosen = (fmt or (suffix if suffix in EXPORT_FORMATS else "csv")).lower()
    if chosen not in EXPORT_FORMATS:
        raise InvalidExport(f"There is no export format {fmt!r}. Formats: {', '.join(EXPORT_FORMATS)}.")
    if suffix in EXPORT_FORMATS and suffix != chosen:
        raise InvalidExport(f"The format is {chosen} but the file {out} ends in .{suffix}; "
                            f"name the file .{chosen} or choose --format {suffix}.")
    if chosen == "xlsx" and out is None:
        raise InvalidExport("An XLSX export is a binary file and cannot be printed; give --out FILE.xlsx.")
    return chosen


def write_export(frame: pd.DataFrame, fmt: str | None = "csv", out: str | Path | None = None, csvw: bool = False) -> Path | None:
    """Write an exported table as CSV, XLSX or JSON to ``out``, or CSV/JSON to stdout.

    With ``csvw=True`` (CSV to a file only) also write ``<out>-metadata.json`` describing
    the indicator; returns the path written, or None for stdout.
    """
    fmt = export_format(fmt, out)
    if csvw and (out is None or fmt != "csv"):
        raise InvalidExport("CSVW metadata goes beside a CSV file: use --format csv with --out FILE.csv.")
    if out is None:
        _write_text(frame, fmt, sys.stdout)
        return None
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "xlsx":
            write_xlsx({"data": frame}, out)
        else:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                _write_text(frame, fmt, handle)
        if csvw:
            metadata = csvw_metadata(frame, out.name)
            Path(f"{out}-metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidExport(f"Cannot write {out}: {exc.strerror or exc}. Check the folder exists and you may write there.") from None
    return out


def _write_text(frame: pd.DataFrame, fmt: str, handle: TextIO) -> None:
    if fmt == "csv":
        write_csv(frame, handle)
    else:
        handle.write(frame.to_json(orient="records", force_ascii=False, indent=2) + "\n")


def csvw_metadata(frame: pd.DataFrame, url: str) -> dict:
    """A CSV-on-the-Web description of an exported table (``frame.attrs["indicator"]``).

    The table is described once (:func:`export_description`) and written as CSVW by
    :func:`lpip.tabledesc.to_csvw`: standard keys carry what CSVW readers know
    (``dc:title``, ``dc:license`` ...); the fields only lpip has (unit, polarity, value type,
    levels) use ``lpip:`` keys.
    """
    return to_csvw(export_description(frame), url)


COLUMN_DESCRIPTIONS = {
    "areacd": "GSS code of the area", "areanm": "Area name", "period": "Period the value refers to",
    "value": "The indicator's value", "lci": "Lower limit of the 95% confidence interval",
    "uci": "Upper limit of the 95% confidence interval", "status": "Status of the value as published (e.g. provisional)",
    "numerator": "Numerator the value was computed from", "denominator": "Denominator the value was computed from",
}


def export_description(frame: pd.DataFrame) -> TableDescription:
    """The one description of an exported indicator table (columns, key, licence, source)."""
    meta = frame.attrs.get("indicator") or {}
    levels = [level for level in (meta.get("levels") or "").split(",") if level]
    properties = {"dc:identifier": meta.get("id"), "dcat:theme": meta.get("theme"), "lpip:unit": meta.get("unit"),
                  "lpip:polarity": meta.get("polarity"), "lpip:valueType": meta.get("value_type"),
                  "lpip:levels": levels}
    columns = tuple(Column(name, COLUMN_TYPES.get(name, "string"), name, COLUMN_DESCRIPTIONS.get(name, ""),
                           unit=meta.get("unit") if name in ("value", "lci", "uci") else None)
                    for name in frame.columns)
    return TableDescription(
        name=str(meta.get("id") or "indicator"), title=meta.get("title") or "", description=meta.get("description") or "",
        columns=columns, primary_key=("areacd", "period"), licence=meta.get("licence"),
        sources=(meta["source"],) if meta.get("source") else (), publisher=meta.get("publisher"),
        properties={key: value for key, value in properties.items() if value not in (None, "", [])},
    )
