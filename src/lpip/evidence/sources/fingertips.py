"""Fingertips (fingertips.phe.org.uk, OHID): public health indicators read from its CSV API.

``/api/all_data/csv/by_indicator_id?indicator_ids=..&child_area_type_id=..&parent_area_type_id=..``
answers one row per indicator, area, sex, age, category and time period, with the columns
listed in :data:`COLUMNS` (as asserted by the API's own tests in ukhsa-collaboration/
fingertips-open). Rows of a category breakdown (e.g. deprivation deciles) are left out;
sex and age must narrow the rest to one value per area and period.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd

from lpip.errors import InvalidSourceQuery
from lpip.evidence.sources.base import (
    IndicatorMeta, Preset, SourceQuery, check_one_value_each, parse_numbers, read_csv_text,
    require_columns, tidy,
)

HOST = "fingertips.phe.org.uk"
BASE_URL = f"https://{HOST}/api"
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips)"
LICENCE = "OGL-UK-3.0"
# Districts and unitary authorities (April 2023 boundaries; the same codes as 2019 in the
# West Midlands); England (15) as the parent so each area appears once.
DISTRICTS_2023 = 501
ENGLAND = 15
COLUMNS = (
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note",
)
REQUIRED = ("Indicator ID", "Area Code", "Time period", "Value")
OPTIONAL_NUMBERS = {
    "Lower CI 95.0 limit": "lower_ci", "Upper CI 95.0 limit": "upper_ci",
    "Count": "numerator", "Denominator": "denominator",
}

_H = "health & wellbeing"
PRESETS = {p.name: p for p in [
    Preset("life_expectancy_male", IndicatorMeta(
        "Life expectancy at birth, males (Fingertips 90366)", _H, "years", "higher is better",
        "mean", "OHID Fingertips indicator 90366",
    ), {"indicator_id": 90366, "sex": "Male"}),
    Preset("life_expectancy_female", IndicatorMeta(
        "Life expectancy at birth, females (Fingertips 90366)", _H, "years", "higher is better",
        "mean", "OHID Fingertips indicator 90366",
    ), {"indicator_id": 90366, "sex": "Female"}),
    Preset("smoking_prevalence_adults", IndicatorMeta(
        "Smoking prevalence in adults (18+), current smokers, APS (Fingertips 92443)", _H, "%",
        "lower is better", "proportion", "OHID Fingertips indicator 92443",
    ), {"indicator_id": 92443}),
    Preset("obesity_reception", IndicatorMeta(
        "Reception: prevalence of obesity including severe obesity (Fingertips 20601)", _H, "%",
        "lower is better", "proportion", "OHID Fingertips indicator 20601",
    ), {"indicator_id": 20601}),
]}


def fingertips_url(indicator_id: int, area_type: int = DISTRICTS_2023, parent_area_type: int = ENGLAND,
                   parent_area_code: str | None = None) -> str:
    """The Fingertips CSV URL for one indicator at one area type.

    Examples
    --------
    >>> fingertips_url(90366)
    'https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=90366&child_area_type_id=501&parent_area_type_id=15'
    """
    query = {"indicator_ids": int(indicator_id), "child_area_type_id": int(area_type),
             "parent_area_type_id": int(parent_area_type)}
    if parent_area_code:
        query["parent_area_code"] = parent_area_code
    return f"{BASE_URL}/all_data/csv/by_indicator_id?{urlencode(query)}"


def fingertips_query(preset: str | None = None, indicator_id: int | None = None,
                     area_type: int = DISTRICTS_2023, sex: str | None = None, age: str | None = None,
                     indicator: str | None = None) -> SourceQuery:
    """What to ask Fingertips for: a preset, or a Fingertips indicator id stored into an
    existing lpip indicator (``indicator``)."""
    meta = None
    if preset:
        chosen = preset_named(preset)
        meta, indicator_id = chosen.indicator, chosen.params["indicator_id"]
        sex = sex or chosen.params.get("sex")
    if indicator_id is None:
        raise InvalidSourceQuery(
            f"Give a preset ({', '.join(PRESETS)}) or a Fingertips indicator id with --indicator-id."
        )
    lpip_id = indicator or preset
    if not lpip_id:
        raise InvalidSourceQuery(
            "Say which indicator to store these values in with --indicator (an id from "
            "`lpip indicators list`), or use a preset (`lpip sources list`)."
        )
    return SourceQuery(
        source="fingertips", key=preset or f"indicator_{indicator_id}",
        url=fingertips_url(indicator_id, area_type), title=f"Fingertips indicator {indicator_id}",
        publisher=PUBLISHER, licence=LICENCE, indicator_id=lpip_id, indicator=meta,
        parse=lambda body: parse_fingertips_csv(body, lpip_id, sex=sex, age=age),
    )


def preset_named(name: str) -> Preset:
    if name not in PRESETS:
        raise InvalidSourceQuery(
            f"There is no Fingertips preset {name!r}. Presets: {', '.join(PRESETS)}."
        )
    return PRESETS[name]


def parse_fingertips_csv(body: bytes, indicator_id: str, sex: str | None = None,
                         age: str | None = None) -> pd.DataFrame:
    """A Fingertips CSV answer as tidy rows: one value per area and period for one sex and age."""
    raw = read_csv_text(body, HOST)
    require_columns(raw, REQUIRED, HOST)
    raw = choose_breakdown(without_categories(raw), sex, age)
    frame = pd.DataFrame({
        "area_code": raw["Area Code"].str.strip(),
        "period": raw["Time period"].str.strip(),
        "value": parse_numbers(raw["Value"], "Fingertips answer, column Value"),
        "status": raw.get("Value note", pd.Series("", index=raw.index)).map(lambda s: s.strip() or None),
    })
    for column, name in OPTIONAL_NUMBERS.items():
        if column in raw.columns:
            frame[name] = parse_numbers(raw[column], f"Fingertips answer, column {column}")
    frame = frame.drop_duplicates()
    check_one_value_each(frame, HOST, "Narrow the query to one sex and age (--sex, --age).")
    return tidy(frame, indicator_id)


def without_categories(raw: pd.DataFrame) -> pd.DataFrame:
    """Drop the rows of category breakdowns (deprivation deciles, ethnic groups)."""
    if "Category Type" not in raw.columns:
        return raw
    return raw[raw["Category Type"].str.strip() == ""]


def choose_breakdown(raw: pd.DataFrame, sex: str | None, age: str | None) -> pd.DataFrame:
    """Keep one sex and one age; :class:`InvalidSourceQuery` lists the choices if unclear."""
    for column, wanted in (("Sex", sex), ("Age", age)):
        if column not in raw.columns:
            continue
        choices = sorted(set(raw[column].str.strip()))
        if wanted is None:
            if len(choices) > 1:
                raise InvalidSourceQuery(
                    f"This Fingertips indicator has values for several {column.lower()} groups "
                    f"({', '.join(choices)}). Choose one with --{column.lower()}."
                )
            continue
        keep = raw[column].str.strip().str.lower() == wanted.strip().lower()
        if not keep.any() and choices:
            raise InvalidSourceQuery(
                f"Fingertips has no values for {column.lower()} {wanted!r} here; "
                f"it has {', '.join(choices)}. Choose one of those with --{column.lower()}."
            )
        raw = raw[keep]
    return raw
