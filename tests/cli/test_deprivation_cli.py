"""`lpip deprivation summarise`: files written, custom areas from the database, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lpip.evidence import deprivation as dep
from lpip.evidence.deprivation_files import bundled_lsoa_table

HEADER = (
    "area_code,area_name,domain,average_rank,rank_of_average_rank,average_score,rank_of_average_score,"
    "proportion_most_deprived_10pc,rank_of_proportion_most_deprived_10pc,extent,rank_of_extent,"
    "local_concentration,rank_of_local_concentration,scale,rank_of_scale"
)


@pytest.fixture(scope="module")
def lad_summary() -> pd.DataFrame:
    return dep.summarise_deprivation(bundled_lsoa_table())


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run `lpip ...` in-process for commands that need no database (``--areas lad``); the
    database URL points at a file that does not exist, so any use of it would fail."""
    from typer.testing import CliRunner

    from lpip.cli import app

    monkeypatch.setenv("LPIP_DATABASE_URL", f"sqlite:///{tmp_path / 'absent' / 'none.sqlite'}")
    return lambda *args: CliRunner().invoke(app, list(args), catch_exceptions=False)


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={c: "Int64" for c in HEADER.split(",") if c.startswith("rank_of_")})


def test_iod2025_districts_by_default(run, tmp_path):
    out = tmp_path / "lads2025.csv"
    result = run("deprivation", "summarise", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 2,960 rows (296 areas x 10 domains)" in result.stdout
    expected = dep.summarise_deprivation(bundled_lsoa_table("2025"))
    pd.testing.assert_frame_equal(read(out), expected, check_dtype=False)
    meta = json.loads((tmp_path / "lads2025.csv-metadata.json").read_text())
    assert meta["dc:title"].startswith("IoD2025") and "33,755" in " ".join(meta["rdfs:comment"])
    assert "Warning: income: scale sums the published IoD2025 File 8 numerators; 5 suppressed" in result.stderr


def test_lads_of_2019_with_the_edition_option(run, tmp_path, lad_summary):
    out = tmp_path / "lads.csv"
    result = run("deprivation", "summarise", "--edition", "2019", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 3,170 rows (317 areas x 10 domains)" in result.stdout
    assert out.read_text().splitlines()[0] == HEADER
    written = read(out)
    pd.testing.assert_frame_equal(written, lad_summary, check_dtype=False)
    # The bundled data has no IDACI/IDAOPI: their cells are empty and a warning says so.
    assert "Warning: idaci:" in result.stderr and "Warning: idaopi:" in result.stderr
    assert written.loc[written["domain"] == "idaci", "average_score"].isna().all()


def test_metadata_records_method_and_scale_approximation(run, tmp_path):
    out = tmp_path / "lads.csv"
    run("deprivation", "summarise", "-e", "2019", "-o", str(out))
    meta = json.loads((tmp_path / "lads.csv-metadata.json").read_text())
    assert meta["url"] == "lads.csv"
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == HEADER.split(",")
    notes = " ".join(meta["rdfs:comment"])
    # 2019 scale sums the published numerators; how close it is to File 10's unrounded sums is stated.
    assert "Appendix N" in notes and "multiples of 5" in notes and "unrounded" in notes and "2.5 x" in notes
    assert "would have among the LADs" in notes
    assert any(note.startswith("Warning: idaci:") for note in meta["rdfs:comment"])


def test_help_states_the_scale_approximation(run):
    result = run("deprivation", "summarise", "--help")
    assert result.exit_code == 0
    assert "APPROXIMATIONS" in result.output and "unrounded" in result.output


def test_subregions_are_ranked_among_lads(cli, tmp_path, lad_summary):
    out = tmp_path / "subregions.csv"
    result = cli("deprivation", "summarise", "--areas", "wm-subregions", "--edition", "2019", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = read(out)
    codes = ["WM-BC", "WM-BSOL", "WM-CW", "WM-MARCHES", "WM-SSOT", "WM-WORCS"]
    assert sorted(written["area_code"].unique()) == codes
    lads = lad_summary[lad_summary["domain"] == "imd"].set_index("area_code")["average_score"]
    for row in written[written["domain"] == "imd"].itertuples():
        assert row.rank_of_average_score == 1 + (lads > row.average_score).sum()


def test_user_set_of_one_district_reproduces_that_district(cli, tmp_path, lad_summary):
    members = tmp_path / "mine.csv"
    members.write_text("code,name,member\nMY-BHAM,My Birmingham,E08000025\n")
    assert cli("areas", "define-set", "mine", str(members)).exit_code == 0
    out = tmp_path / "mine_summary.csv"
    assert cli("deprivation", "summarise", "--areas", "mine", "-e", "2019", "--out", str(out)).exit_code == 0
    mine = read(out).drop(columns=["area_code", "area_name"]).reset_index(drop=True)
    birmingham = lad_summary[lad_summary["area_code"] == "E08000025"]
    expected = birmingham.drop(columns=["area_code", "area_name"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, expected, check_dtype=False)


def test_subregions_among_themselves_with_the_file_12_method(cli, tmp_path):
    out = tmp_path / "among.csv"
    result = cli("deprivation", "summarise", "--areas", "wm-subregions", "--ranking", "among-areas", "--out", str(out))
    assert result.exit_code == 0, result.output
    imd = read(out).query("domain == 'imd'").set_index("area_code")
    expected = imd["average_score"].rank(ascending=False, method="min").astype(int)
    assert imd["rank_of_average_score"].astype(int).to_dict() == expected.to_dict()
    meta = json.loads((tmp_path / "among.csv-metadata.json").read_text())
    assert "File 12" in " ".join(meta["rdfs:comment"])


def test_unknown_set_name_suggests(cli, tmp_path):
    result = cli("deprivation", "summarise", "--areas", "leps", "--out", str(tmp_path / "x.csv"))
    assert result.exit_code == 2
    assert "Error: There is no area set or level 'leps'; did you mean 'lep'?" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.csv").exists()


@pytest.fixture
def small_input(tmp_path):
    """Forty real LSOA rows of the bundled data as a File 7-style CSV, as text."""
    frame = bundled_lsoa_table().head(40).astype(str)
    return frame, tmp_path / "input.csv"


def test_input_missing_columns_are_named(run, small_input):
    frame, path = small_input
    frame.drop(columns=[dep.LSOA_CODE]).to_csv(path, index=False)
    result = run("deprivation", "summarise", "--input", str(path), "--out", str(path.with_name("o.csv")))
    assert result.exit_code == 2
    assert f"{path}: missing column(s) 'LSOA code (2011)'" in result.output


def test_input_lsoa_codes_not_in_lookup_are_listed(run, small_input):
    frame, path = small_input
    frame.loc[0, dep.LSOA_CODE] = "E01000000"
    frame.to_csv(path, index=False)
    result = run("deprivation", "summarise", "-i", str(path), "-o", str(path.with_name("o.csv")))
    assert result.exit_code == 2
    assert "row 2: 'E01000000' is not an LSOA (2011) code in the IoD2019 lookup; did you mean" in result.output


def test_input_non_numeric_rank_is_reported(run, small_input):
    frame, path = small_input
    rank = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
    frame.loc[10, rank] = "high"
    frame.to_csv(path, index=False)
    result = run("deprivation", "summarise", "-i", str(path), "-o", str(path.with_name("o.csv")))
    assert result.exit_code == 2
    assert f"row 12, column '{rank}': 'high' is not a number" in result.output


def test_input_subset_is_summarised_with_a_warning(run, small_input):
    frame, path = small_input
    frame.to_csv(path, index=False)
    out = path.with_name("o.csv")
    result = run("deprivation", "summarise", "-i", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "ranks are among those districts only" in result.stderr
    assert set(read(out)["area_code"]) == set(frame[dep.LAD_CODE])
