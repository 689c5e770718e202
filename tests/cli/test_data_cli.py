"""`lpip data import` and `lpip data export`: thin shells with one-line summaries and clean errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

DATA = Path(__file__).parents[1] / "data" / "import"
DISTRICTS = DATA / "els_level3_worcestershire_2021.csv"
WITH_COUNTY = DATA / "els_level3_worcestershire_with_county_2021.csv"
ELS_METADATA = DATA / "els_level3.csv-metadata.json"
WORCESTERSHIRE = ["--indicator", "nvq3_plus", "--period", "2021", "--within", "E10000034", "--level", "lad"]


def database_state(engine) -> tuple[int, ...]:
    """Row counts any write would change, read on a fresh connection after the command ended."""
    with engine.connect() as connection:
        return tuple(connection.scalar(select(func.count()).select_from(text(table)))
                     for table in ("indicator", "indicator_value", "dataset"))


def published() -> list[dict]:
    with open(DISTRICTS, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_import_prints_a_one_line_summary(cli):
    result = cli("data", "import", str(DISTRICTS), "--indicator", "nvq3_plus")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{DISTRICTS.name}: Imported 6 rows into nvq3_plus: 0 new, 6 replaced."


def test_import_creates_an_indicator_from_options(cli):
    result = cli("data", "import", str(WITH_COUNTY), "--indicator", "level3_els", "--title", "Level 3 qualifications",
                 "--theme", "skills", "--unit", "%", "--polarity", "higher is better", "--value-type", "proportion",
                 "--publisher", "Office for National Statistics", "--licence", "OGL-UK-3.0", "--levels", "lad,county")
    assert result.exit_code == 0, result.output
    assert "into level3_els (new indicator): 7 new, 0 replaced" in result.stdout
    shown = json.loads(cli("indicators", "show", "level3_els", "--json").stdout)
    assert (shown["levels"], shown["origin"], shown["licence"]) == ("lad,county", "user", "OGL-UK-3.0")


def test_import_creates_an_indicator_from_csvw(cli):
    result = cli("data", "import", str(DISTRICTS), "-i", "level3_els", "--metadata", str(ELS_METADATA), "--theme", "skills")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("indicators", "show", "level3_els", "--json").stdout)
    assert shown["title"] == json.loads(ELS_METADATA.read_text(encoding="utf-8"))["dc:title"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((str(WITH_COUNTY), "--indicator", "unemployment_rate"),
         "row 2, column A (areacd): area E10000034 (Worcestershire) is a county, but indicator unemployment_rate takes"),
        ((str(DISTRICTS), "--indicator", "level3_els", "--theme", "Skils", "--title", "T", "--unit", "%",
          "--polarity", "higher is better", "--value-type", "proportion"),
         "metadata: theme 'Skils' is not one of"),
        ((str(DISTRICTS),), "no indicator is named: add an indicator column or give --indicator ID"),
        (("nowhere.csv", "--indicator", "nvq3_plus"), "nowhere.csv: file not found"),
    ],
    ids=["level-not-allowed", "unknown-theme", "no-indicator", "file-not-found"],
)
def test_failed_import_says_why_exits_2_and_writes_nothing(cli, engine, arguments, message):
    before = database_state(engine)
    result = cli("data", "import", *arguments)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output
    assert database_state(engine) == before


def test_failed_import_of_a_bad_row_changes_no_stored_value(cli, engine, tmp_path):
    # The first five rows are good; the sixth is not: none of the six may land.
    path = tmp_path / "last_row_bad.csv"
    path.write_text(DISTRICTS.read_text().replace("61.4,47.8,75.0", "61.4,75.0,47.8"))
    with engine.connect() as connection:
        intervals = connection.scalar(text("select count(*) from indicator_value where lower_ci is not null"))
    result = cli("data", "import", str(path), "--indicator", "nvq3_plus")
    assert result.exit_code == 2 and "row 7, column E (lci)" in result.stderr
    with engine.connect() as connection:
        assert connection.scalar(text("select count(*) from indicator_value where lower_ci is not null")) == intervals


def test_export_prints_csv_in_the_els_shape(cli):
    result = cli("data", "export", *WORCESTERSHIRE)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["areacd", "areanm", "period", "value", "lci", "uci", "status"]
    assert {r["areacd"]: float(r["value"]) for r in rows} == {r["areacd"]: float(r["value"]) for r in published()}


def test_export_prints_json(cli):
    result = cli("data", "export", *WORCESTERSHIRE, "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 6


@pytest.mark.parametrize("suffix", ["csv", "xlsx"], ids=["csv", "xlsx"])
def test_export_then_import_round_trip(cli, tmp_path, suffix):
    cli("data", "import", str(DISTRICTS), "--indicator", "nvq3_plus")
    out = tmp_path / f"level3.{suffix}"
    exported = cli("data", "export", *WORCESTERSHIRE, "--out", str(out))
    assert exported.exit_code == 0 and f"Wrote 6 rows of nvq3_plus to {out}" in exported.stdout
    imported = cli("data", "import", str(out), "--indicator", "nvq3_plus")
    assert imported.exit_code == 0, imported.output
    assert "0 new, 6 replaced" in imported.stdout
    again = cli("data", "export", *WORCESTERSHIRE)
    assert list(csv.DictReader(io.StringIO(again.stdout))) == published()  # intervals and all, as ONS wrote them


def test_export_writes_csvw_beside_the_csv(cli, tmp_path):
    out = tmp_path / "level3.csv"
    result = cli("data", "export", *WORCESTERSHIRE, "--out", str(out), "--csvw")
    assert result.exit_code == 0, result.output
    metadata = json.loads(Path(f"{out}-metadata.json").read_text(encoding="utf-8"))
    assert metadata["dc:identifier"] == "nvq3_plus" and metadata["url"] == "level3.csv"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--format", "xlsx"), "give --out FILE.xlsx"),
        (("--period", "1999"), "has no values for period 1999"),
        (("--indicator", "nope"), "There is no indicator 'nope'"),
    ],
    ids=["xlsx-without-out", "unknown-period", "unknown-indicator"],
)
def test_export_errors_exit_2(cli, arguments, message):
    result = cli("data", "export", *WORCESTERSHIRE, *arguments)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr


@pytest.mark.parametrize("command", ["import", "export"], ids=["import", "export"])
def test_commands_have_help(cli, command):
    result = cli("data", command, "--help")
    assert result.exit_code == 0
    assert "--indicator" in result.stdout
