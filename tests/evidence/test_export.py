"""Exporting indicator values in the ELS shape, and exports that re-import unchanged."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from lpip.errors import InvalidExport, NoData, UnknownAreaCode, UnknownAreaLevel, UnknownIndicator
from lpip.evidence.export import EXPORT_COLUMNS, export_format, export_indicator, write_export
from lpip.evidence.importer import import_indicator_file, read_csvw_metadata
from lpip.evidence.models import Indicator, IndicatorValue

DATA = Path(__file__).parents[1] / "data" / "import"
DISTRICTS = DATA / "els_level3_worcestershire_2021.csv"
WORCESTERSHIRE = "E10000034"


def published() -> pd.DataFrame:
    """The ONS ELS rows of tests/data/import (read with the csv module, not lpip)."""
    with open(DISTRICTS, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return pd.DataFrame(rows)


def worcestershire(session) -> pd.DataFrame:
    return export_indicator(session, "nvq3_plus", period="2021", within=WORCESTERSHIRE, level="lad")


def test_export_has_the_els_columns_sorted_by_period_and_area(session):
    frame = worcestershire(session)
    expected = published()
    assert list(frame.columns) == EXPORT_COLUMNS  # no numerator/denominator: none stored
    assert list(frame["areacd"]) == sorted(expected["areacd"])
    assert list(frame["areanm"]) == list(expected.sort_values("areacd")["areanm"])
    # The bundled nvq3_plus values are the figures ONS publishes in ELS (tests/data/import/README.md).
    assert list(frame["value"]) == [float(v) for v in expected.sort_values("areacd")["value"]]
    assert frame["lci"].isna().all() and frame["status"].isna().all()


def test_filters_pick_period_area_and_level(session):
    west_midlands = export_indicator(session, "gva_per_hour", period="2021-01-01/P1Y", within="E12000005", level="lad")
    assert len(west_midlands) == 30  # the region's 30 districts (data/SOURCES.md)
    regions = export_indicator(session, "median_weekly_pay", level="region")
    assert "E12000005" in set(regions["areacd"]) and set(regions["areacd"]) <= {f"E1200000{i}" for i in range(1, 10)}
    combined_authority = export_indicator(session, "gva_per_hour", within="E47000007", level="lad")  # WMCA: 7 districts
    # ELS publishes GVA per hour for 2004 to 2023: 20 calendar years, in time order.
    periods = [f"{year}-01-01/P1Y" for year in range(2004, 2024)]
    assert list(combined_authority["period"]) == [p for p in periods for _ in range(7)]


def test_counts_are_exported_when_present(session, tmp_path):
    # A real derived indicator: children aged 0-15 as a share of all residents, mid-2015 (IoD2019 File 6).
    codes = ["E01032138", "E01032139", "E01032140"]
    children = _values(session, "population_0_15_iod", codes)
    people = _values(session, "population_iod", codes)
    path = tmp_path / "children.csv"
    rows = [f"{c},mid-2015,{children[c] / people[c]!r},{children[c]!r},{people[c]!r}" for c in codes]
    path.write_text("\n".join(["areacd,period,value,numerator,denominator", *rows]))
    import_indicator_file(session, path, indicator_id="children_share", metadata=dict(
        title="Children aged 0-15", theme="population", unit="share", polarity="no judgement", value_type="proportion"))

    frame = export_indicator(session, "children_share")

    assert list(frame.columns) == [*EXPORT_COLUMNS, "numerator", "denominator"]
    assert list(frame["numerator"]) == [children[c] for c in codes]
    assert (frame["numerator"] / frame["denominator"]).tolist() == frame["value"].tolist()


def _values(session, indicator_id: str, codes: list[str]) -> dict[str, float]:
    rows = session.execute(select(IndicatorValue.area_code, IndicatorValue.value).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code.in_(codes))).all()
    assert len(rows) == len(codes), f"bundled {indicator_id} lacks some of {codes}"
    return dict(rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"], ids=["csv", "xlsx"])
def test_an_export_reimports_unchanged(session, tmp_path, fmt):
    import_indicator_file(session, DISTRICTS, indicator_id="nvq3_plus")  # add the ELS intervals
    first = worcestershire(session)
    path = write_export(first, fmt, tmp_path / f"first.{fmt}")

    result = import_indicator_file(session, path, indicator_id="nvq3_plus")
    second = worcestershire(session)

    assert (result.new, result.replaced) == (0, len(first))
    pd.testing.assert_frame_equal(second, first)
    assert first["lci"].notna().all()  # the round trip carried the intervals, not only values
    if fmt == "csv":
        assert write_export(second, "csv", tmp_path / "second.csv").read_bytes() == path.read_bytes()


def test_json_export_has_one_record_per_row_with_nulls(session, tmp_path):
    frame = worcestershire(session)
    path = write_export(frame, "json", tmp_path / "out.json")
    records = json.loads(path.read_text(encoding="utf-8"))
    assert [r["areacd"] for r in records] == list(frame["areacd"])
    assert records[0]["lci"] is None and records[0]["value"] == frame["value"][0]


def test_csv_goes_to_stdout_without_a_file(session, capsys):
    frame = worcestershire(session)
    assert write_export(frame, "csv") is None
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ",".join(EXPORT_COLUMNS) and len(printed) == len(frame) + 1


def test_csvw_beside_the_csv_describes_the_indicator(session, tmp_path):
    indicator = session.get(Indicator, "nvq3_plus")
    path = write_export(worcestershire(session), "csv", tmp_path / "level3.csv", csvw=True)
    metadata = read_csvw_metadata(Path(f"{path}-metadata.json"))
    expected = {key: getattr(indicator, key) for key in
                ("title", "theme", "unit", "polarity", "value_type", "source", "publisher", "licence")}
    assert {key: metadata[key] for key in expected} == expected
    assert (metadata["id"], ",".join(metadata["levels"])) == ("nvq3_plus", indicator.levels)


def test_csvw_export_recreates_the_indicator_elsewhere(session, tmp_path):
    path = write_export(worcestershire(session), "csv", tmp_path / "level3.csv", csvw=True)
    import_indicator_file(session, path, indicator_id="nvq3_copy", metadata_file=f"{path}-metadata.json")
    original, copy = session.get(Indicator, "nvq3_plus"), session.get(Indicator, "nvq3_copy")
    fields = ("title", "theme", "unit", "polarity", "value_type", "source", "publisher", "licence", "levels", "description")
    assert {f: getattr(copy, f) for f in fields} == {f: getattr(original, f) for f in fields}
    assert copy.origin == "user"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"indicator_id": "nvq3plus"}, UnknownIndicator, r"Did you mean nvq3_plus\?"),
        ({"indicator_id": "nvq3_plus", "period": "1999"}, NoData, r"no values for period 1999\. It has values for the periods .*2021"),
        ({"indicator_id": "nvq3_plus", "level": "lsoa"}, NoData, r"no values at level lsoa\. It has values for the periods"),
        ({"indicator_id": "nvq3_plus", "level": "district"}, UnknownAreaLevel, r"no area level 'district'"),
        ({"indicator_id": "nvq3_plus", "within": "E10000099"}, UnknownAreaCode, r"E10000099 is not a known area"),
    ],
    ids=["unknown-indicator", "unknown-period", "no-values-at-level", "unknown-level", "unknown-within"],
)
def test_export_errors_say_what_to_do(session, arguments, error, message):
    with pytest.raises(error, match=message):
        export_indicator(session, **arguments)


@pytest.mark.parametrize(
    ("fmt", "out", "expected"),
    [(None, None, "csv"), (None, "a.xlsx", "xlsx"), (None, "a.json", "json"), ("json", "a.txt", "json"), ("CSV", None, "csv")],
    ids=["default", "xlsx-from-suffix", "json-from-suffix", "other-suffix", "upper-case"],
)
def test_export_format_is_chosen_from_option_or_file(fmt, out, expected):
    assert export_format(fmt, out) == expected


@pytest.mark.parametrize(
    ("fmt", "out", "message"),
    [("xlsx", None, r"give --out FILE\.xlsx"), ("csv", "a.xlsx", r"format is csv but the file a\.xlsx ends in \.xlsx"),
     ("parquet", None, r"no export format 'parquet'")],
    ids=["xlsx-to-stdout", "format-suffix-mismatch", "unknown-format"],
)
def test_export_format_errors(fmt, out, message):
    with pytest.raises(InvalidExport, match=message):
        export_format(fmt, out)


def test_csvw_needs_a_csv_file(session):
    with pytest.raises(InvalidExport, match=r"CSVW metadata goes beside a CSV file"):
        write_export(worcestershire(session), "csv", None, csvw=True)
