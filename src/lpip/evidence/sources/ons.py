"""The ONS API (api.beta.ons.gov.uk): observations of a dataset version read into tidy rows.

``/v1/datasets/{id}/editions/{edition}/versions/{version}/observations?{dimension}={option}``
takes one option for every dimension, one of which may be ``*``. It answers JSON: the fixed
options under ``dimensions`` (``{"geography": {"option": {"id": "K02000001"}}}``) and a list of
``observations``, each ``{"observation": "105.1", "dimensions": {"time": {"id": "Month",
"label": "Mar-18"}}}`` for the wildcard dimension, optionally with ``metadata``.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode

import pandas as pd

from lpip.errors import InvalidSourceQuery, InvalidSourceResponse
from lpip.evidence.sources.base import (
    SourceQuery, check_one_value_each, month_label, parse_number, tidy,
)

HOST = "api.beta.ons.gov.uk"
BASE_URL = f"https://{HOST}/v1"
PUBLISHER = "Office for National Statistics"
LICENCE = "OGL-UK-3.0"
MARKING_KEYS = ("data marking", "data markings", "observation status")


def ons_url(dataset: str, edition: str, version: str | int, dimensions: dict[str, str]) -> str:
    """The observations URL for one dataset version and one option of each dimension.

    Examples
    --------
    >>> ons_url("cpih01", "time-series", 6, {"time": "*", "geography": "K02000001", "aggregate": "cpih1dim1A0"})
    'https://api.beta.ons.gov.uk/v1/datasets/cpih01/editions/time-series/versions/6/observations?time=*&geography=K02000001&aggregate=cpih1dim1A0'
    """
    if not dimensions:
        raise InvalidSourceQuery(
            "Give one option for every dimension of the dataset, e.g. --dim time=* "
            "--dim geography=K02000001 (see the dataset's dimensions on the ONS developer site)."
        )
    wild = [name for name, option in dimensions.items() if option == "*"]
    if len(wild) > 1:
        raise InvalidSourceQuery(
            f"The ONS API lets only one dimension be '*'; you gave {len(wild)} ({', '.join(wild)}). "
            "Fetch one at a time."
        )
    path = f"datasets/{dataset}/editions/{edition}/versions/{version}/observations"
    return f"{BASE_URL}/{path}?{urlencode(dimensions, safe='*,')}"


def ons_query(dataset: str, edition: str, version: str | int, dimensions: dict[str, str],
              indicator: str | None) -> SourceQuery:
    """What to ask the ONS API for; values are stored into an existing lpip ``indicator``."""
    if not indicator:
        raise InvalidSourceQuery(
            "Say which indicator to store these values in with --indicator "
            "(an id from `lpip indicators list`)."
        )
    return SourceQuery(
        source="ons", key=f"{dataset}:{edition}:v{version}",
        url=ons_url(dataset, edition, version, dimensions),
        title=f"ONS {dataset}", publisher=PUBLISHER, licence=LICENCE, indicator_id=indicator,
        parse=lambda body: parse_ons_observations(body, indicator),
        release=f"{dataset} edition {edition}, version {version}",
    )


def parse_ons_observations(body: bytes, indicator_id: str) -> pd.DataFrame:
    """An ONS observations answer as tidy rows (area from the geography dimension, period
    from the time dimension, status from any 'Data Marking' metadata)."""
    document = load_json(body)
    fixed = fixed_options(document)
    rows = [observation_row(item, fixed, i) for i, item in enumerate(document["observations"])]
    frame = pd.DataFrame(rows, columns=["area_code", "period", "value", "lower_ci", "upper_ci", "status"])
    check_one_value_each(frame, HOST, "Give one option for every dimension but one.")
    return tidy(frame, indicator_id)


def load_json(body: bytes) -> dict:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise malformed(f"it is not JSON (it starts {body[:60]!r})") from None
    if not isinstance(document, dict) or not isinstance(document.get("observations"), list):
        raise malformed("it has no list of 'observations'")
    return document


def malformed(why: str) -> InvalidSourceResponse:
    return InvalidSourceResponse(
        f"The answer from {HOST} cannot be read as observations: {why}. Nothing was written. "
        "Check the dataset, edition, version and dimension options in the request."
    )


def fixed_options(document: dict) -> dict[str, str]:
    """The one option chosen for each non-wildcard dimension, by dimension name."""
    options = {}
    for name, spec in (document.get("dimensions") or {}).items():
        option = spec.get("option") if isinstance(spec, dict) else None
        if isinstance(option, dict) and option.get("id"):
            options[name] = str(option["id"])
    return options


def observation_row(item, fixed: dict[str, str], index: int) -> dict:
    if not isinstance(item, dict) or "observation" not in item:
        raise malformed(f"observation {index + 1} has no 'observation' value")
    varying = item.get("dimensions") or {}
    metadata = {str(k).lower(): v for k, v in (item.get("metadata") or {}).items()}
    value = observation_value(item["observation"], index)
    return {
        "area_code": dimension_value(varying, fixed, "geography", label=False, index=index),
        "period": ons_period(dimension_value(varying, fixed, "time", label=True, index=index)),
        "value": value,
        "lower_ci": _limit(metadata, "lower", index),
        "upper_ci": _limit(metadata, "upper", index),
        "status": next((str(metadata[k]) for k in MARKING_KEYS if metadata.get(k)), None),
    }


def observation_value(raw, index: int) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    if raw is None or isinstance(raw, str):
        return parse_number(raw, f"ONS answer, observation {index + 1}")
    raise malformed(f"observation {index + 1} is {raw!r}, not a number")


def dimension_value(varying: dict, fixed: dict[str, str], kind: str, label: bool, index: int) -> str:
    """The option of the geography or time dimension: per observation if it varies, else fixed.

    Time options share generic ids ('Month'), so their label is the period."""
    for name, spec in varying.items():
        if kind in name.lower() and isinstance(spec, dict):
            return str(spec.get("label") if label and spec.get("label") else spec.get("id"))
    for name, option in fixed.items():
        if kind in name.lower():
            return option
    raise malformed(f"observation {index + 1} has no {kind} dimension")


def ons_period(label: str) -> str:
    """ONS month labels ('Mar-18') as '2018-03'; anything else as given."""
    return month_label(label) or label.strip()


def _limit(metadata: dict, side: str, index: int) -> float:
    for key, value in metadata.items():
        if side in key and "limit" in key:
            return parse_number(value, f"ONS answer, observation {index + 1} {key}")
    return math.nan
