"""Nomis (www.nomisweb.co.uk): claimant count, Annual Population Survey, ASHE earnings,
UK Business Counts, or any Nomis dataset, read from its CSV API into tidy rows.

The API answers ``/api/v01/dataset/{id}.data.csv?geography=...&date=...&{dimension}=...``
with one row per observation; the columns used here are ``DATE_NAME`` (or ``DATE_CODE``),
``GEOGRAPHY_CODE``, ``MEASURES_NAME``, ``OBS_VALUE`` and ``OBS_STATUS_NAME`` (or the code
``OBS_STATUS``). A ``select=`` parameter may trim the columns; these must stay.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pandas as pd

from lpip.errors import InvalidSourceQuery, InvalidSourceResponse
from lpip.evidence.sources.base import (
    IndicatorMeta, Preset, SourceQuery, check_one_value_each, month_label, parse_numbers,
    read_csv_text, require_columns, tidy,
)

HOST = "www.nomisweb.co.uk"
BASE_URL = f"https://{HOST}/api/v01/dataset"
PUBLISHER = "Office for National Statistics (Nomis)"
LICENCE = "OGL-UK-3.0"
# Nomis sends at most this many rows a request to callers without a registered key.
ROW_LIMIT = 25_000
# What each APS-style measure is in the tidy table; "Confidence" is a 95% half-width.
MEASURE_ROLES = {
    "Value": "value", "Variable": "value", "Numerator": "numerator",
    "Denominator": "denominator", "Confidence": "confidence",
}
NORMAL_STATUS = {"", "A", "Normal Value"}
MONTH_RANGE = re.compile(r"([A-Za-z]{3}) (\d{4}) ?- ?([A-Za-z]{3}) (\d{4})")

_LM = "labour market"
PRESETS = {p.name: p for p in [
    Preset("claimant_count", IndicatorMeta(
        "Claimant count (people claiming unemployment-related benefits)", _LM, "persons",
        "lower is better", "count", "DWP/ONS claimant count, Nomis NM_162_1",
    ), {"dataset": "NM_162_1", "gender": "0", "age": "0", "measure": "1", "measures": "20100"}),
    Preset("claimant_rate", IndicatorMeta(
        "Claimants as a proportion of residents aged 16-64", _LM, "%",
        "lower is better", "proportion", "DWP/ONS claimant count, Nomis NM_162_1",
    ), {"dataset": "NM_162_1", "gender": "0", "age": "0", "measure": "2", "measures": "20100"}),
    Preset("aps_employment_rate", IndicatorMeta(
        "Employment rate, aged 16-64 (Annual Population Survey)", _LM, "%",
        "higher is better", "proportion", "ONS Annual Population Survey, Nomis NM_17_5 variable 45",
    ), {"dataset": "NM_17_5", "variable": "45", "measures": "20599,21001,21002,21003"}),
    Preset("ashe_median_weekly_pay", IndicatorMeta(
        "Median gross weekly pay, full-time workers, by residence (ASHE)", "economy & productivity",
        "£", "higher is better", "median", "ONS Annual Survey of Hours and Earnings, Nomis NM_30_1",
    ), {"dataset": "NM_30_1", "sex": "8", "item": "2", "pay": "1", "measures": "20100"}),
    Preset("business_counts", IndicatorMeta(
        "Enterprises, all industries (UK Business Counts)", "economy & productivity", "enterprises",
        "higher is better", "count", "ONS UK Business Counts (IDBR), Nomis NM_142_1",
    ), {"dataset": "NM_142_1", "industry": "37748736", "employment_sizeband": "0",
        "legal_status": "0", "measures": "20100"}),
]}


def nomis_url(dataset: str, geography: list[str], date: str = "latest",
              params: dict[str, str] | None = None) -> str:
    """The Nomis CSV API URL for a dataset, areas, dates and dimension filters.

    Examples
    --------
    >>> nomis_url("NM_162_1", ["E08000025"], params={"measures": "20100"})
    'https://www.nomisweb.co.uk/api/v01/dataset/NM_162_1.data.csv?geography=E08000025&date=latest&measures=20100'
    """
    if not re.fullmatch(r"NM_\d+_\d+", dataset, flags=re.IGNORECASE):
        raise InvalidSourceQuery(
            f"{dataset!r} is not a Nomis dataset id: ids look like NM_162_1. "
            f"See https://{HOST}/api/v01/dataset/def.htm for the list."
        )
    if not geography:
        raise InvalidSourceQuery(
            "Say which areas to fetch: give GSS codes (e.g. E08000025,E08000026) or a Nomis "
            "geography type (e.g. TYPE432) with --geography."
        )
    query = {"geography": ",".join(geography), "date": date, **(params or {})}
    # Nomis reads commas as lists and '...' as ranges; leave both as they are.
    return f"{BASE_URL}/{dataset.upper()}.data.csv?{urlencode(query, safe=',.*')}"


def nomis_query(geography: list[str], preset: str | None = None, dataset: str | None = None,
                date: str = "latest", params: dict[str, str] | None = None,
                indicator: str | None = None) -> SourceQuery:
    """What to ask Nomis for: a preset (see :data:`PRESETS`) or a dataset with dimension filters.

    A query without a preset must name an indicator already in the catalogue to store into.
    """
    meta, query_params = None, dict(params or {})
    if preset:
        chosen = preset_named(preset)
        meta, dataset = chosen.indicator, chosen.params["dataset"]
        query_params = {**{k: v for k, v in chosen.params.items() if k != "dataset"}, **query_params}
    if not dataset:
        raise InvalidSourceQuery(
            f"Give a preset ({', '.join(PRESETS)}) or a dataset id such as NM_162_1 with --dataset."
        )
    indicator_id = indicator or preset
    if not indicator_id:
        raise InvalidSourceQuery(
            "Say which indicator to store these values in with --indicator (an id from "
            "`lpip indicators list`), or use a preset (`lpip sources list`)."
        )
    url = nomis_url(dataset, geography, date, query_params)
    return SourceQuery(
        source="nomis", key=preset or dataset.upper(), url=url,
        title=f"Nomis {dataset.upper()}" + (f" ({preset})" if preset else ""),
        publisher=PUBLISHER, licence=LICENCE, indicator_id=indicator_id,
        parse=lambda body: parse_nomis_csv(body, indicator_id), indicator=meta,
    )


def preset_named(name: str) -> Preset:
    if name not in PRESETS:
        raise InvalidSourceQuery(f"There is no Nomis preset {name!r}. Presets: {', '.join(PRESETS)}.")
    return PRESETS[name]


def parse_nomis_csv(body: bytes, indicator_id: str) -> pd.DataFrame:
    """A Nomis CSV answer as tidy rows (area_code, indicator_id, period, value, ... status).

    Measures named Numerator, Denominator and Confidence (as in the Annual Population
    Survey) become the numerator, denominator and a 95% interval around the value.
    """
    raw = read_csv_text(body, HOST)
    date_column = "DATE_NAME" if "DATE_NAME" in raw.columns else "DATE_CODE"
    require_columns(raw, ("GEOGRAPHY_CODE", date_column, "OBS_VALUE"), HOST)
    check_complete(raw)
    long = pd.DataFrame({
        "area_code": raw["GEOGRAPHY_CODE"].str.strip(),
        "period": raw[date_column].map(nomis_period),
        "number": parse_numbers(raw["OBS_VALUE"], "Nomis answer, column OBS_VALUE"),
        "status": observation_status(raw),
        "role": measure_roles(raw),
    })
    return tidy(widen_measures(long), indicator_id)


def check_complete(raw: pd.DataFrame) -> None:
    """Raise if Nomis cut the answer short (it reports the full count in RECORD_COUNT)."""
    if "RECORD_COUNT" not in raw.columns or raw.empty:
        return
    total = int(float(raw["RECORD_COUNT"].iloc[0] or 0))
    if total > len(raw):
        raise InvalidSourceResponse(
            f"The answer from {HOST} was cut at {len(raw):,} of {total:,} rows (Nomis sends at most "
            f"{ROW_LIMIT:,} a request). Nothing was written. Ask for fewer areas or dates."
        )


def nomis_period(label: str) -> str:
    """Nomis date names in the catalogue's style: 'January 2018' -> '2018-01',
    'Oct 2016-Sep 2017' -> '10/2016 - 09/2017'; anything else as given."""
    label = label.strip()
    month = month_label(label)
    if month:
        return month
    span = MONTH_RANGE.fullmatch(label)
    if span:
        start, end = month_label(f"{span[1]} {span[2]}"), month_label(f"{span[3]} {span[4]}")
        if start and end:
            return f"{start[5:]}/{start[:4]} - {end[5:]}/{end[:4]}"
    return label


def observation_status(raw: pd.DataFrame) -> pd.Series:
    column = "OBS_STATUS_NAME" if "OBS_STATUS_NAME" in raw.columns else "OBS_STATUS"
    if column not in raw.columns:
        return pd.Series([None] * len(raw), index=raw.index, dtype=object)
    return raw[column].map(lambda s: None if s.strip() in NORMAL_STATUS else s.strip())


def measure_roles(raw: pd.DataFrame) -> pd.Series:
    """Which tidy column each row's number belongs in; one measure always means 'value'."""
    if "MEASURES_NAME" not in raw.columns or raw["MEASURES_NAME"].nunique() <= 1:
        return pd.Series(["value"] * len(raw), index=raw.index, dtype=object)
    unknown = sorted(set(raw["MEASURES_NAME"]) - set(MEASURE_ROLES))
    if unknown:
        raise InvalidSourceResponse(
            f"The answer from {HOST} mixes measures ({', '.join(sorted(set(raw['MEASURES_NAME'])))}) "
            f"and lpip does not know what {', '.join(unknown)} is. Nothing was written. "
            "Ask for one measure (measures=20100), or the APS set 20599,21001,21002,21003."
        )
    return raw["MEASURES_NAME"].map(MEASURE_ROLES)


def widen_measures(long: pd.DataFrame) -> pd.DataFrame:
    """One row per area and period, with value, numerator, denominator and interval."""
    check_one_value_each(long, HOST, "Ask for a single value of each dimension (e.g. one sex, "
                         "one age band).", keys=("area_code", "period", "role"))
    keys = ["area_code", "period"]
    wide = long.pivot(index=keys, columns="role", values="number").reset_index()
    wide.columns.name = None
    status = long[long["role"] == "value"].set_index(keys)["status"]
    wide = wide.join(status, on=keys)
    if "confidence" in wide and "value" in wide:
        wide["lower_ci"] = wide["value"] - wide["confidence"]
        wide["upper_ci"] = wide["value"] + wide["confidence"]
    order = long[keys].drop_duplicates()
    return order.merge(wide, on=keys, how="left")
