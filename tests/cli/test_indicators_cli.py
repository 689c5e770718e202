"""`lpip indicators`: list (by theme, as table, CSV or JSON) and show."""

from __future__ import annotations

import csv
import io
import json
import tomllib

import pytest

from lpip.bundled import bundled_path

with open(bundled_path("indicators.toml"), "rb") as _handle:
    ENTRIES = {entry["id"]: entry for entry in tomllib.load(_handle)["indicator"]}
SKILLS = {i for i, entry in ENTRIES.items() if entry["theme"] == "skills"}


def test_list_skills_as_a_table(cli):
    result = cli("indicators", "list", "--theme", "skills")
    assert result.exit_code == 0
    assert f"{len(SKILLS)} indicators" in result.stdout
    assert "nvq3_plus" in result.stdout
    assert "gva_per_hour" not in result.stdout


def test_list_skills_as_csv(cli):
    result = cli("indicators", "list", "--theme", "skills", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["id"] for row in rows} == SKILLS
    assert {row["theme"] for row in rows} == {"skills"}
    assert list(rows[0]) == ["id", "title", "theme", "unit", "polarity", "levels", "periods", "source"]
    for row in rows:
        entry = ENTRIES[row["id"]]
        assert (row["title"], row["unit"], row["levels"]) == (entry["title"], entry["unit"], ",".join(entry["levels"]))


def test_list_all_as_json(cli):
    result = cli("indicators", "list", "-f", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert {r["id"] for r in records} == set(ENTRIES)
    assert next(r for r in records if r["id"] == "population_census")["periods"] == "2011, 2021"


def test_list_unknown_theme_is_an_error(cli):
    result = cli("indicators", "list", "--theme", "weather")
    assert result.exit_code == 2
    assert result.output.startswith("Error: There is no theme 'weather'. Themes: population,")
    assert "Traceback" not in result.output


def test_show_an_indicator(cli):
    result = cli("indicators", "show", "imd_rank")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # the console wraps long lines
    entry = ENTRIES["imd_rank"]
    assert f"title: {entry['title']}" in text
    assert f"publisher: {entry['publisher']}" in text
    # IoD2019 ranks all 32,844 LSOAs in England.
    assert "2019: 32844 values at lsoa level" in text


def test_show_as_json(cli):
    result = cli("indicators", "show", "median_weekly_pay", "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["id"] == "median_weekly_pay" and info["origin"] == "bundled"
    assert {row["level"] for row in info["values"]} == set(ENTRIES["median_weekly_pay"]["levels"])


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("gva_per_hr", "gva_per_hour"), ("fuel_povety", "fuel_poverty")],
    ids=["abbreviated", "typo"],
)
def test_show_unknown_id_suggests(cli, typed, suggested):
    result = cli("indicators", "show", typed)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: There is no indicator '{typed}'. Did you mean {suggested}")
    assert "lpip indicators list" in result.output
    assert "Traceback" not in result.output
