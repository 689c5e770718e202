"""`lpip opinions`: groups of a pol.is export, the participant,group file, and clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from lpip.cli import app

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
BG2050 = POLIS_DATA / "bg2050-volunteers"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, ["opinions", *args], catch_exceptions=False)
        # Rich wraps long lines at the terminal width; compare text with whitespace collapsed.
        return result, " ".join(result.output.split())

    return invoke


@pytest.fixture
def bg2050():
    if not BG2050.exists():
        pytest.skip(f"{BG2050} is not beside the repository")
    return BG2050


def test_groups_of_a_pol_is_export_are_written_and_printed(run, bg2050, tmp_path):
    out = tmp_path / "groups.csv"
    result, text = run("--polis-dir", str(bg2050), "--out", str(out), "--bootstraps", "2")
    assert result.exit_code == 0, result.output
    groups = pd.read_csv(out)
    assert groups.columns.tolist() == ["participant", "group"]
    exported = pd.read_csv(bg2050 / "participants-votes.csv")
    assert len(groups) == len(exported) == 126
    # Participants pol.is left out are left out here too, with an empty group.
    merged = groups.merge(exported[["participant", "group-id"]], on="participant")
    assert (merged["group"].isna() == merged["group-id"].isna()).all()
    assert sorted(groups["group"].value_counts()) == sorted(exported["group-id"].value_counts())
    for heading in ("Opinion groups", "Representative statements per group", "Majority consensus",
                    "Group-informed consensus", "Stability over 2 bootstrap resamples"):
        assert heading in text
    assert "Sectors: not known" in text


def test_pol_is_attribution_is_printed(run, bg2050):
    result, text = run("--polis-dir", str(bg2050), "--bootstraps", "0")
    assert result.exit_code == 0
    assert "sub-licensed under CC BY 4.0 with Attribution to The Computational Democracy Project" in text
    assert "https://pol.is/3nemnipcrc" in text


def test_a_workshops_own_votes_are_grouped_with_sectors(cli, db_url, tmp_path):
    from lpip.db import make_engine, session_scope
    from lpip.workshops.demo import load_demo

    engine = make_engine(db_url)
    with session_scope(engine) as session:
        demo = load_demo(session, seed=0)
    engine.dispose()
    out = tmp_path / "groups.csv"
    result = cli("opinions", "--workshop", str(demo.workshop_id), "--bootstraps", "2", "--out", str(out))
    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert f"Workshop {demo.workshop_id}: DEMONSTRATION (made-up data)" in text
    assert "Group members by sector" in text and "sectors" in text
    # The partnership's own data: no pol.is attribution.
    assert "Polis" not in text and "CC BY" not in text and "Attribution" not in text
    groups = pd.read_csv(out)
    assert groups.columns.tolist() == ["participant", "sector", "group"]
    assert groups["sector"].notna().all() and groups["group"].notna().all()


def test_an_unknown_workshop_is_a_clear_error(cli):
    result = cli("opinions", "--workshop", "999999")
    assert result.exit_code == 2
    assert "Error:" in result.output and "999999" in result.output


def test_polis_dir_and_workshop_together_are_refused(run, bg2050):
    result, text = run("--polis-dir", str(bg2050), "--workshop", "1")
    assert result.exit_code == 2
    assert "either --polis-dir DIR" in text


def test_a_source_must_be_given(run):
    result, text = run()
    assert result.exit_code == 2
    assert "--polis-dir" in text


def test_a_broken_export_is_a_clear_error(run, bg2050, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(bg2050, folder)
    (folder / "participants-votes.csv").unlink()
    result, text = run("--polis-dir", str(folder))
    assert result.exit_code == 2
    assert "Error:" in text and "has no participants-votes.csv" in text and "Traceback" not in text


def test_an_export_without_votes_csv_is_analysed_and_says_so(run, tmp_path):
    folder = POLIS_DATA / "american-assembly.bowling-green"
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    out = tmp_path / "groups.csv"
    result, text = run("--polis-dir", str(folder), "--bootstraps", "0", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "has no votes.csv: the latest votes come from participants-votes.csv" in text
    assert "2031 participants voted" in text and "1581 clustered" in text
    assert "https://pol.is/9wtchdmmun" in text


def test_a_conversation_too_small_to_cluster_is_said_plainly(run, bg2050, tmp_path):
    # The real bg2050 export cut down to its first two voters.
    folder = tmp_path / "small"
    shutil.copytree(bg2050, folder)
    for name in ("votes.csv", "participants-votes.csv"):
        path = folder / name
        path.chmod(0o644)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        key = "voter-id" if name == "votes.csv" else "participant"
        frame[frame[key].isin(["0", "1"])].to_csv(path, index=False)
    result, text = run("--polis-dir", str(folder))
    assert result.exit_code == 2
    assert "Error: This conversation is too small to find opinion groups: 2 participant(s)" in text


def test_statement_text_is_printed_as_typed(run, bg2050, tmp_path):
    # A statement that looks like Rich markup is shown as text, not interpreted (or crashing).
    folder = tmp_path / "markup"
    shutil.copytree(bg2050, folder)
    path = folder / "comments.csv"
    path.chmod(0o644)
    comments = pd.read_csv(path, dtype=str, keep_default_na=False)
    comments.loc[comments["comment-id"] == "27", "comment-body"] = "Parks [/bold] and [b]farms[/b]"
    comments.to_csv(path, index=False)
    result, text = run("--polis-dir", str(folder), "--bootstraps", "0")
    assert result.exit_code == 0, result.output
    assert "Parks [/bold] and [b]farms[/b]" in text
