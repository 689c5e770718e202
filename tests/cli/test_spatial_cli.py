"""`lpip hotspots`, `lpip similar`, `lpip trends`: output, formats and errors without tracebacks."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from lpip.evidence.hotspots import COLUMNS


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))


def read_csv(output: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(output), dtype={"area_code": str})


def titles(ids) -> set[str]:
    """The catalogue titles of ``ids``, read from the database the ``cli`` fixture uses."""
    import os

    from lpip.db import make_engine, session_scope
    from lpip.evidence.catalogue import get_indicator

    engine = make_engine(os.environ["LPIP_DATABASE_URL"])
    with session_scope(engine) as session:
        names = {get_indicator(session, i).title for i in ids}
    engine.dispose()
    return names


def assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


# ------------------------------------------------------------------- hotspots


def test_hotspots_summary(cli):
    result = cli("hotspots", "--indicator", "imd_score", "--within", "WM-BC")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "712 LSOAs in Black Country (WM-BC)" in out
    assert "Global Moran's I" in out and "999 permutations, seed 12345" in out
    assert "Islands (no neighbours, not tested): none." in out
    assert "cluster of high deprivation" in out


def test_hotspots_csv_has_every_area(cli):
    result = cli("hotspots", "-i", "income_score", "-w", "E08000029", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = read_csv(result.stdout)
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 134  # Solihull's LSOAs (2011)
    assert frame["area_code"].str.startswith("E01").all()


def test_hotspots_reports_islands(cli, tmp_path):
    # A custom area: all Birmingham plus one Herefordshire LSOA, which has no neighbour in it.
    sets = tmp_path / "island.csv"
    sets.write_text("code,name,member\nISLE,Birmingham and one Herefordshire LSOA,E08000025\n"
                    "ISLE,Birmingham and one Herefordshire LSOA,E01013986\n")
    assert cli("areas", "define-set", "island-test", str(sets)).exit_code == 0
    result = cli("hotspots", "-i", "imd_score", "-w", "ISLE", "--permutations", "99")
    assert result.exit_code == 0, result.output
    assert "Islands (no neighbours, not tested): E01013986." in result.output
    frame = read_csv(cli("hotspots", "-i", "imd_score", "-w", "ISLE", "--permutations", "99", "-f", "csv").stdout)
    island = frame.set_index("area_code").loc["E01013986"]
    assert island["cluster"] == "island" and island["label"] == "no neighbours (island): not tested"


@pytest.mark.parametrize(("args", "fragments"), [
    (["-i", "gva_per_hour"], ["gva_per_hour exists at lad, cauth, itl1 level", "imd_score, income_score, fuel_poverty"]),
    (["-i", "imd_score", "--within", "E12000007"], ["London (E12000007)", "West Midlands (E12000005) only"]),
    (["-i", "imd_scor"], ["Did you mean imd_score"]),
    (["-i", "imd_score", "--within", "E08000099"], ["did you mean E08000029 (Solihull)"]),
    (["-i", "imd_score", "--permutations", "5"], ["permutations must be between 99"]),
], ids=["not-lsoa", "london", "unknown-indicator", "unknown-area", "permutations"])
def test_hotspots_bad_input(cli, args, fragments):
    assert_user_error(cli("hotspots", *args), *fragments)


# ------------------------------------------------------------------- similar


def test_similar_table(cli):
    result = cli("similar", "E08000029", "--n", "5")
    assert result.exit_code == 0, result.output
    assert "Districts most similar to Solihull (E08000029) on 7 indicators" in result.output
    assert "5 similar districts" in result.output


def test_similar_csv_with_chosen_indicators(cli):
    result = cli("similar", "E08000029", "-n", "3", "--indicators", "gva_per_hour,gdhi_per_head",
                 "--indicators", "nvq3_plus", "-f", "csv")
    assert result.exit_code == 0, result.output
    frame = read_csv(result.stdout)
    assert list(frame.columns) == ["rank", "area_code", "area_name", "distance", "most_different", "most_alike"]
    assert frame["rank"].tolist() == [1, 2, 3]
    named = {part.rsplit(": ", 1)[0] for cell in frame["most_different"] for part in cell.split("; ")}
    assert named and named <= titles(("gva_per_hour", "gdhi_per_head", "nvq3_plus"))


def test_similar_warns_about_dropped_indicators(cli):
    result = cli("similar", "E06000053", "-n", "2", "-f", "json")
    assert result.exit_code == 0, result.output
    assert "Warning: E06000053 has no value for employment_rate, nvq3_plus, smoking_prevalence" in result.stderr
    assert len(json.loads(result.stdout)) == 2


@pytest.mark.parametrize(("args", "fragments"), [
    (["E12000005"], ["is a region", "--level lad --within E12000005"]),
    (["E0800029"], ["did you mean E08000029 (Solihull)"]),
    (["E08000029", "-i", "imd_score"], ["imd_score exists at lsoa level, not for districts"]),
    (["E08000029", "-i", "gva_per_hou"], ["Did you mean gva_per_hour"]),
], ids=["region", "unknown-area", "lsoa-indicator", "unknown-indicator"])
def test_similar_bad_input(cli, args, fragments):
    assert_user_error(cli("similar", *args), *fragments)


# ------------------------------------------------------------------- trends


def test_trends_table(cli):
    result = cli("trends", "--indicator", "co2_domestic")
    assert result.exit_code == 0, result.output
    assert "2005 to 2017, 30 areas" in result.output
    assert "No confidence intervals" in result.output


def test_trends_json(cli):
    result = cli("trends", "-i", "gva_per_hour", "--area", "E08000029", "--area", "E08000025",
                 "--from", "2020-01-01/P1Y", "--to", "2021-01-01/P1Y", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["area_code"] for r in rows] == ["E08000025", "E08000029"]
    assert {r["start_period"] for r in rows} == {"2020-01-01/P1Y"} and {r["end_period"] for r in rows} == {"2021-01-01/P1Y"}
    assert {r["direction"] for r in rows} <= {"improving", "worsening", "no material change"}
    assert all(r["red_red"] is None for r in rows)


@pytest.mark.parametrize(("args", "fragments"), [
    (["-i", "imd_score"], ["one period only (2019)", "co2_domestic"]),
    (["-i", "gva_per_hour", "--from", "2019"], ["no period '2019'", "2004-01-01/P1Y, 2005-01-01/P1Y"]),
    (["-i", "co2_domestc"], ["Did you mean co2_domestic"]),
], ids=["single-period", "unknown-period", "unknown-indicator"])
def test_trends_bad_input(cli, args, fragments):
    assert_user_error(cli("trends", *args), *fragments)


@pytest.mark.parametrize("command", ["hotspots", "similar", "trends"])
def test_commands_have_help(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "--format" in result.output
