"""Importing indicator files: real ELS rows in, every kind of bad input reported, all or nothing.

The data files are described in tests/data/import/README.md: ONS "Explore local statistics"
values (with 95% confidence intervals) for Worcestershire and its districts, 2021.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lpip.errors import InvalidIndicatorFile
from lpip.evidence.importer import import_indicator_file, parse_number, read_csvw_metadata, read_table
from lpip.evidence.models import Dataset, Indicator, IndicatorValue

DATA = Path(__file__).parents[1] / "data" / "import"
DISTRICTS = DATA / "els_level3_worcestershire_2021.csv"
WITH_COUNTY = DATA / "els_level3_worcestershire_with_county_2021.csv"
RAW = DATA / "els_level3_worcestershire_raw_2021.csv"
ELS_METADATA = DATA / "els_level3.csv-metadata.json"
NEW_INDICATOR = dict(title="Level 3 qualifications (ELS)", theme="skills", unit="%",
                     polarity="higher is better", value_type="proportion")


def published_rows(path: Path = DISTRICTS) -> list[dict]:
    """The rows of a test file as the ONS published them (read with the csv module, not lpip)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def stored(session, indicator_id: str, codes) -> dict[str, tuple]:
    rows = session.execute(
        select(IndicatorValue.area_code, IndicatorValue.value, IndicatorValue.lower_ci, IndicatorValue.upper_ci)
        .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == "2021",
               IndicatorValue.area_code.in_(list(codes)))
    ).all()
    return {code: (value, low, high) for code, value, low, high in rows}


def database_state(session) -> dict[str, int]:
    """Row counts that any write by an import would change."""
    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "indicators": count(Indicator), "values": count(IndicatorValue), "datasets": count(Dataset),
        "values with intervals": count(IndicatorValue, IndicatorValue.lower_ci.is_not(None)),
    }


# ----------------------------------------------------------------------------- good files


def test_els_rows_replace_the_same_published_values_and_add_intervals(session):
    published = {row["areacd"]: row for row in published_rows()}
    before = stored(session, "nvq3_plus", published)
    # Two ONS releases agree: the bundled subnational indicators and ELS give the same 2021 figures.
    assert {code: value for code, (value, _, _) in before.items()} == {c: float(r["value"]) for c, r in published.items()}
    total = database_state(session)["values"]

    result = import_indicator_file(session, DISTRICTS, indicator_id="nvq3_plus")

    assert (result.rows, result.new, result.replaced, result.created_indicator) == (6, 0, 6, False)
    after = stored(session, "nvq3_plus", published)
    assert after == {c: (float(r["value"]), float(r["lci"]), float(r["uci"])) for c, r in published.items()}
    assert database_state(session)["values"] == total  # replaced, not added


def test_reimporting_updates_rows_without_duplicates(session):
    first = import_indicator_file(session, WITH_COUNTY, indicator_id="level3_els", metadata=NEW_INDICATOR)
    second = import_indicator_file(session, WITH_COUNTY, indicator_id="level3_els")
    count = session.scalar(select(func.count()).where(IndicatorValue.indicator_id == "level3_els"))
    assert (first.new, first.replaced, first.created_indicator) == (7, 0, True)
    assert (second.new, second.replaced, second.created_indicator) == (0, 7, False)
    assert count == 7


def test_import_adds_new_periods_beside_stored_ones(session, tmp_path):
    path = tmp_path / "later.csv"
    path.write_text(DISTRICTS.read_text().replace(",2021,", ",2021 (ELS),"))
    result = import_indicator_file(session, path, indicator_id="nvq3_plus")
    assert (result.new, result.replaced) == (6, 0)
    assert len(stored(session, "nvq3_plus", [r["areacd"] for r in published_rows()])) == 6  # 2021 kept


def test_new_indicator_takes_metadata_from_the_els_csvw_file(session):
    document = json.loads(ELS_METADATA.read_text(encoding="utf-8"))
    els = document["metadata"]["indicators"][0]

    result = import_indicator_file(session, WITH_COUNTY, indicator_id="level3_els",
                                   metadata={"theme": "skills"}, metadata_file=ELS_METADATA)

    indicator = session.get(Indicator, "level3_els")
    assert result.created_indicator and indicator.origin == "user"
    assert indicator.title == document["dc:title"]
    assert indicator.publisher == document["dc:publisher"]
    assert indicator.description == els["longDescription"]
    assert indicator.unit == els["unit"] == "%"
    assert (els["polarity"], indicator.polarity) == (1, "higher is better")
    assert (els["measure"], indicator.value_type) == ("Percentage", "proportion")
    assert indicator.licence == "OGL-UK-3.0"  # the OGL v3 URL in dc:license
    assert indicator.source.startswith(document["metadata"]["source"][0]["name"])
    assert {"lad", "county", "region", "country"} <= set(indicator.level_list)


def test_options_win_over_the_metadata_file(session):
    import_indicator_file(session, DISTRICTS, indicator_id="level3_els",
                          metadata={"theme": "skills", "title": "My title"}, metadata_file=ELS_METADATA)
    assert session.get(Indicator, "level3_els").title == "My title"


def test_levels_of_a_new_indicator_default_to_those_in_the_file(session):
    import_indicator_file(session, WITH_COUNTY, indicator_id="level3_els", metadata=NEW_INDICATOR)
    indicator = session.get(Indicator, "level3_els")
    assert indicator.level_list == ["lad", "county"]
    assert indicator.source == f"imported from {WITH_COUNTY.name}"


def test_metadata_for_an_existing_indicator_is_not_used(session):
    result = import_indicator_file(session, DISTRICTS, indicator_id="nvq3_plus", metadata={"title": "Changed"})
    assert result.metadata_ignored
    assert session.get(Indicator, "nvq3_plus").title != "Changed"


def test_indicator_id_can_come_from_the_file(session, tmp_path):
    path = tmp_path / "with_id.csv"
    lines = DISTRICTS.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",indicator", *(line + ",nvq3_plus" for line in lines[1:])]))
    assert import_indicator_file(session, path).indicator_id == "nvq3_plus"


def test_els_download_layout_is_understood(session):
    # The ELS data repository's own column titles; its Indicator column holds a title, not an id.
    result = import_indicator_file(session, RAW, indicator_id="nvq3_plus")
    assert (result.new, result.replaced) == (0, 6)
    assert "variable name" in result.ignored_columns and "areanm" not in result.ignored_columns
    low_high = {code: (low, high) for code, (_, low, high) in stored(session, "nvq3_plus", ["E07000239"]).items()}
    assert low_high == {"E07000239": (47.8, 75.0)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"], ids=["utf-8", "utf-8-bom", "windows-1252"])
def test_utf8_with_or_without_bom_and_windows_1252_are_read(session, tmp_path, encoding):
    path = tmp_path / "raw.csv"
    path.write_bytes(RAW.read_text(encoding="utf-8").encode(encoding))
    table = read_table(path)
    assert table.columns[0] == "areacd"  # no BOM left on the first name
    # The en dash (0x96 in Windows-1252) comes back as the same character.
    assert set(table.frame["variable name"]) == {"Proportion of the population aged 16 \u2013 64 with level 3+ qualifications"}
    assert import_indicator_file(session, path, indicator_id="nvq3_plus").replaced == 6


def test_xlsx_import_reads_numbers_typed_as_numbers(session, tmp_path):
    path = write_xlsx(tmp_path / "level3.xlsx", published_rows())
    result = import_indicator_file(session, path, indicator_id="nvq3_plus")
    assert (result.new, result.replaced) == (0, 6)
    assert stored(session, "nvq3_plus", ["E07000236"]) == {"E07000236": (46.0, 31.1, 60.9)}


def test_an_import_records_its_provenance(session):
    import_indicator_file(session, DISTRICTS, indicator_id="nvq3_plus")
    dataset = session.scalars(select(Dataset).where(Dataset.name.like("import nvq3_plus%"))).one()
    assert dataset.sha256 == hashlib.sha256(DISTRICTS.read_bytes()).hexdigest()
    assert dataset.rows == 6
    linked = session.scalar(select(func.count()).where(IndicatorValue.dataset_id == dataset.id))
    assert linked == 6


def test_values_can_be_empty_when_the_status_says_why(session, tmp_path):
    path = tmp_path / "suppressed.csv"
    path.write_text(DISTRICTS.read_text().replace("46.0,31.1,60.9,", ",,,suppressed"))
    import_indicator_file(session, path, indicator_id="nvq3_plus")
    row = session.execute(select(IndicatorValue.value, IndicatorValue.status).where(
        IndicatorValue.indicator_id == "nvq3_plus", IndicatorValue.area_code == "E07000236",
        IndicatorValue.period == "2021")).one()
    assert tuple(row) == (None, "suppressed")


@pytest.mark.parametrize(
    ("text", "number"),
    [("46.0", 46.0), ("1,447", 1447.0), ("-0.5", -0.5), ("1e3", 1000.0), ("", None)],
    ids=["decimal", "thousands", "negative", "exponent", "empty"],
)
def test_parse_number(text, number):
    assert parse_number(text) == number


# ----------------------------------------------------------------------------- CSVW mapping


def test_csvw_mapping_reads_dublin_core_variants_and_lpip_keys(tmp_path):
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({
        "@context": "http://www.w3.org/ns/csvw",
        "dct:title": {"@value": "Gross value added per hour worked"},
        "dcterms:publisher": {"schema:name": "Office for National Statistics"},
        "dc:license": {"@id": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"},
        "tables": [{"url": "gva.csv", "dc:description": "Nominal (smoothed) GVA per hour", "dcat:theme": "economy & productivity",
                    "lpip:unit": "£", "lpip:polarity": "higher is better", "lpip:valueType": "rate", "lpip:levels": "lad, region"}],
    }))
    assert read_csvw_metadata(path) == {
        "title": "Gross value added per hour worked", "description": "Nominal (smoothed) GVA per hour",
        "theme": "economy & productivity", "unit": "£", "polarity": "higher is better", "value_type": "rate",
        "publisher": "Office for National Statistics", "licence": "OGL-UK-3.0", "levels": ["lad", "region"],
    }


@pytest.mark.parametrize(("els", "polarity"), [(1, "higher is better"), (-1, "lower is better"), (0, "no judgement")],
                         ids=["plus-one", "minus-one", "zero"])
def test_csvw_mapping_reads_els_polarity(tmp_path, els, polarity):
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"metadata": {"indicators": [{"polarity": els}]}}))
    assert read_csvw_metadata(path)["polarity"] == polarity


# ----------------------------------------------------------------------------- bad input


def edited(tmp_path, old: str, new: str, source: Path = DISTRICTS, name: str = "edited.csv") -> Path:
    """A copy of a real file with one visible edit (the edit must apply)."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def written(tmp_path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, rows: list[dict]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([_typed(key, value) for key, value in row.items()])
    book.save(path)
    return path


def _typed(key: str, value: str):
    """Numbers typed into Excel are numbers, as in a hand-made workbook."""
    if key in ("value", "lci", "uci") and value:
        return float(value)
    return int(value) if key == "period" else value


def _duplicate_row(tmp_path):
    lines = DISTRICTS.read_text().splitlines()
    return written(tmp_path, "dup.csv", "\n".join([*lines, lines[1]]).encode())


def _two_indicators(tmp_path):
    lines = DISTRICTS.read_text().splitlines()
    rows = [lines[0] + ",indicator"] + [line + (",nvq3_plus" if i % 2 else ",gva_per_hour") for i, line in enumerate(lines[1:])]
    return written(tmp_path, "two.csv", "\n".join(rows).encode())


def _conflicting_indicator(tmp_path):
    lines = DISTRICTS.read_text().splitlines()
    rows = [lines[0] + ",indicator"] + [line + ",gva_per_hour" for line in lines[1:]]
    return written(tmp_path, "conflict.csv", "\n".join(rows).encode())


def _xlsx_with_bad_code(tmp_path):
    rows = published_rows()
    rows[2]["areacd"] = "E08000099"
    return write_xlsx(tmp_path / "bad.xlsx", rows)


def _bad_polarity_csvw(tmp_path):
    written(tmp_path, "meta.json", json.dumps({"dc:title": "Level 3", "lpip:polarity": "good"}).encode())
    return DISTRICTS


BAD_INPUTS = [
    # (make the file, import arguments, what the message must say)
    (lambda t: edited(t, "E07000236", "E08000099"), {},
     r"row 4, column A \(areacd\): area code E08000099 is not a known local authority; did you mean E08000029 \(Solihull\)\?"),
    (lambda t: edited(t, "E07000237", "E0700237"), {},
     r"row 5, column A \(areacd\): area code 'E0700237' is not a GSS code \(a letter and eight digits"),
    (lambda t: edited(t, "E07000234,", "Bromsgrove,"), {},
     r"row 2, column A \(areacd\): .*codes, not names: did you mean E07000234 \(Bromsgrove\)\?"),
    (lambda t: edited(t, "E07000234", "W06000001"), {}, r"row 2, .*area code W06000001 is not English"),
    # unemployment_rate (ELS modelled unemployment) is published for no county.
    (lambda t: WITH_COUNTY, {"indicator_id": "unemployment_rate"},
     r"row 2, column A \(areacd\): area E10000034 \(Worcestershire\) is a county, but indicator unemployment_rate takes "
     r"local authority, combined authority, region, country values only; remove the row"),
    (lambda t: WITH_COUNTY, {"indicator_id": "level3_els", "metadata": {**NEW_INDICATOR, "levels": "lad"}},
     r"row 2, column A \(areacd\): .*is a county, but the levels given for the new indicator are lad; add county"),
    (lambda t: edited(t, "46.0,", "46%,"), {}, r"row 4, column D \(value\): value '46%' is not a number; write a plain number"),
    (lambda t: edited(t, "56.3,", "n/a,"), {}, r"row 2, column E \(lci\): lci 'n/a' is not a number"),
    (lambda t: edited(t, "46.0,", ","), {}, r"row 4, column D \(value\): the value is empty; give a number, or say in the status"),
    (lambda t: edited(t, "47.8,75.0", "75.0,47.8"), {},
     r"row 7, column E \(lci\): the lower bound \(lci\) 75 is above the upper bound \(uci\) 47.8; swap them"),
    (lambda t: edited(t, "81.5,", ","), {}, r"row 2, column F \(uci\): uci is empty but lci is given; give both bounds"),
    (_duplicate_row, {}, r"row 8: area E07000234 and period 2021 are already in row 2; keep one of the two rows"),
    (lambda t: edited(t, "period,value", "period,values"), {},
     r"there is no value column \(is 'values' meant to be value\? rename it\)"),
    (lambda t: written(t, "novalue.csv", b"areacd,period\nE07000234,2021\n"), {}, r"novalue.csv: there is no value column"),
    (lambda t: written(t, "semi.csv", DISTRICTS.read_bytes().replace(b",", b";")), {},
     r"semi.csv: the file looks semicolon-separated .*; save it as comma-separated CSV"),
    (lambda t: written(t, "tab.csv", DISTRICTS.read_bytes().replace(b",", b"\t")), {}, r"looks tab-separated"),
    (lambda t: written(t, "u16.csv", DISTRICTS.read_text().encode("utf-16")), {},
     r"u16.csv: the file is UTF-16 .*reads UTF-8 \(with or without BOM\) and Windows-1252"),
    (lambda t: written(t, "odd.csv", DISTRICTS.read_bytes().replace(b"Redditch", b"Redd\x81tch")), {},
     r"odd.csv: the text is neither UTF-8 nor Windows-1252"),
    (lambda t: written(t, "empty.csv", b""), {}, r"empty.csv: the file is empty"),
    (lambda t: written(t, "blank.csv", b"\r\n\r\n"), {}, r"blank.csv: the file is empty"),
    (lambda t: written(t, "header.csv", b"areacd,period,value\n"), {}, r"header.csv: the file has a header but no data rows"),
    (lambda t: t / "missing.csv", {}, r"missing.csv: file not found"),
    (lambda t: written(t, "data.json", b"[]"), {}, r"lpip reads \.csv and \.xlsx files, not \.json"),
    (lambda t: written(t, "old.xls", b"\xd0\xcf\x11\xe0"), {}, r"not \.xls \(the pre-2007 Excel format\)"),
    (lambda t: written(t, "fake.xlsx", b"areacd,period,value\n"), {}, r"fake.xlsx: cannot open it as an Excel .xlsx workbook"),
    (lambda t: edited(t, "Bromsgrove,2021,68.9,56.3,81.5,", "Bromsgrove,2021,68.9,56.3,81.5,,note"), {},
     r"row 2: the row has 8 cells but row 1 names 7 columns; a comma inside a value"),
    # An unquoted decimal comma shifts the row right; the spilled cell is the empty status.
    (lambda t: edited(t, "Bromsgrove,2021,68.9,56.3,81.5,", "Bromsgrove,2021,68,9,56.3,81.5,"), {},
     r"row 2: the row has 8 cells but row 1 names 7 columns; a comma inside a value"),
    (lambda t: DISTRICTS, {"indicator_id": None}, r"no indicator is named: add an indicator column or give --indicator ID"),
    (_two_indicators, {"indicator_id": None}, r"column H \(indicator\): the file holds 2 indicators \(gva_per_hour, nvq3_plus\)"),
    (_conflicting_indicator, {}, r"column H \(indicator\): the file says the values are gva_per_hour, another indicator"),
    (lambda t: DISTRICTS, {"indicator_id": "level3_els", "metadata": {**NEW_INDICATOR, "theme": "Skils"}},
     r"metadata: theme 'Skils' is not one of: population, .*; did you mean 'skills'\?"),
    (lambda t: DISTRICTS, {"indicator_id": "level3_els", "metadata": {**NEW_INDICATOR, "polarity": "good"}},
     r"metadata: polarity 'good' is not one of: higher is better, lower is better, no judgement"),
    (_bad_polarity_csvw, {"indicator_id": "level3_els", "metadata": {"theme": "skills", "unit": "%", "value_type": "proportion"},
                          "metadata_file": "meta.json"},
     r"meta.json: polarity 'good' is not one of"),
    (lambda t: DISTRICTS, {"indicator_id": "nvq3plus"},
     r"there is no indicator nvq3plus yet \(did you mean nvq3_plus\?\); to create it give --title, --theme, --unit, --polarity, --value-type"),
    (lambda t: DISTRICTS, {"indicator_id": "Level 3!", "metadata": NEW_INDICATOR}, r"'Level 3!' cannot be an indicator id"),
    (lambda t: DISTRICTS, {"indicator_id": "level3_els", "metadata": {**NEW_INDICATOR, "colour": "red"}},
     r"metadata: unknown field\(s\) colour"),
    (lambda t: written(t, "broken.json", b"{not json") and DISTRICTS, {"indicator_id": "level3_els", "metadata_file": "broken.json"},
     r"broken.json: cannot read it as UTF-8 JSON"),
    (_xlsx_with_bad_code, {}, r"bad.xlsx row 4, column A \(areacd\): area code E08000099 is not a known local authority"),
]
BAD_IDS = [
    "unknown-area", "malformed-area", "area-name-not-code", "area-outside-england", "level-not-allowed",
    "level-not-declared", "non-numeric-value", "non-numeric-lci", "empty-value", "lci-above-uci", "one-bound-only",
    "duplicate-area-period", "misnamed-column", "missing-column", "semicolon-separated", "tab-separated", "utf-16",
    "not-utf8-or-1252", "empty-file", "blank-lines-only", "header-only", "file-not-found", "wrong-extension",
    "old-excel", "not-really-xlsx", "extra-cells", "shifted-row-empty-spill", "no-indicator", "several-indicators", "conflicting-indicator",
    "unknown-theme", "unknown-polarity", "unknown-polarity-in-csvw", "new-indicator-without-metadata",
    "bad-indicator-id", "unknown-metadata-field", "metadata-not-json", "xlsx-row-numbers",
]


@pytest.mark.parametrize(("make", "arguments", "message"), BAD_INPUTS, ids=BAD_IDS)
def test_bad_input_is_reported_and_nothing_is_written(session, tmp_path, make, arguments, message):
    path = make(tmp_path)
    arguments = {"indicator_id": "nvq3_plus", **arguments}
    if "metadata_file" in arguments:
        arguments["metadata_file"] = tmp_path / arguments["metadata_file"]
    before = database_state(session)

    with pytest.raises(InvalidIndicatorFile) as caught:
        import_indicator_file(session, path, **arguments)

    assert caught.match(message)
    assert database_state(session) == before


def test_every_problem_is_reported_at_once_in_row_order(session, tmp_path):
    text = DISTRICTS.read_text().replace("E07000239", "E08000099").replace("46.0,", "46%,").replace("56.3,81.5", "81.5,56.3")
    path = written(tmp_path, "three.csv", text.encode())
    before = database_state(session)
    with pytest.raises(InvalidIndicatorFile) as caught:
        import_indicator_file(session, path, indicator_id="nvq3_plus")
    assert [error.split(",")[0] for error in caught.value.errors] == ["three.csv row 2", "three.csv row 4", "three.csv row 7"]
    assert str(caught.value).startswith(f"{path}: nothing was imported because of 3 problem(s):")
    assert database_state(session) == before
