"""`lpip deposit build | review | check` end to end, from files a facilitator would import."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "deposit"
FORBIDDEN = ["Sue", "Patel", "Harjit", "Kaur", "Younis", "Walsall Housing Group", "WHG", "Sandwell Mosque",
             "07700 900123", "sue.patel@example.org", "0121 496 0000", "B69 4AA", "12 Church Street", "Whitfield"]


@pytest.fixture
def workshop(cli) -> str:
    created = cli("workshops", "create", "--title", "Test deposit workshop", "--subregion", "WM-BC", "--date",
                  "2023-06-14", "--tables", "4", "--round", "Q1|20", "--round", "Q2|20")
    assert created.exit_code == 0, created.output
    workshop_id = re.search(r"Created workshop (\d+)", created.output).group(1)
    assert cli("workshops", "attendees", "import", workshop_id, str(DATA / "hostile_attendees.csv")).exit_code == 0
    notes = cli("workshops", "notes", "import", workshop_id, str(DATA / "hostile_notes.csv"))
    assert notes.exit_code == 0, notes.output
    return workshop_id


def test_build_check_and_review(cli, workshop, tmp_path):
    out = tmp_path / "deposit"
    before = cli("deposit", "build", "--workshop", workshop, "--out", str(out))
    assert before.exit_code == 0, before.output
    assert "6 notes" in before.output and "6 notes" in (out / "docs" / "README.txt").read_text(encoding="utf-8")
    assert cli("workshops", "notes-consent", workshop, "--yes", "--by", "Test Facilitator").exit_code == 0
    built = cli("deposit", "build", "--workshop", workshop, "--out", str(out), "--zip", "--study", str(DATA / "study.toml"))
    assert built.exit_code == 0, built.output
    assert "Health check: passed." in built.output and f"{out}.private" in built.output
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert [w for w in FORBIDDEN if re.search(rf"(?<![\w@.]){re.escape(w)}(?![\w@])", text, re.I)] == []
    assert "Test partnership workshops, Black Country, 2023" in text and "Tester, A" in text
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["contributors"] == [{"title": "Tester, A", "role": "author", "organization": "A test university"}]
    for target in (out, Path(f"{out}.zip")):
        checked = cli("deposit", "check", str(target))
        assert checked.exit_code == 0, checked.output
        assert "every check passed" in checked.output and "k-anonymity of participants: asked 3" in checked.output
    reviewed = cli("deposit", "review", str(out))
    assert reviewed.exit_code == 0 and "redactions_review.csv" in reviewed.output
    assert (Path(f"{out}.private") / "redactions_review.csv").is_file()


def test_check_exits_1_with_named_problems(cli, workshop, tmp_path):
    out = tmp_path / "deposit"
    assert cli("workshops", "notes-consent", workshop, "--yes", "--by", "Test Facilitator").exit_code == 0
    assert cli("deposit", "build", "--workshop", workshop, "--out", str(out)).exit_code == 0
    path = out / "data" / "contributions.csv"
    path.write_text(path.read_text(encoding="utf-8") + "C09999,1,note,import,1,1,,table,Ring Sue on 07700 900999\n",
                    encoding="utf-8")
    result = cli("deposit", "check", str(out))
    assert result.exit_code == 1
    assert "Problem: direct identifiers: data/contributions.csv, row" in result.output
    assert "Problem: manifest: data/contributions.csv: checksum differs" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--out", "OUT"], "--workshop ID"),
        (["build", "--all", "--out", "OUT", "--k", "1"], "k must be a whole number"),
        (["build", "--workshop", "999", "--out", "OUT"], "999"),
        (["review", "OUT"], "Build it first"),
        (["check", "OUT"], "not found"),
    ],
    ids=["no-workshop", "bad-k", "unknown-workshop", "review-unbuilt", "check-missing"],
)
def test_errors_are_named_without_a_traceback(cli, tmp_path, args, message):
    result = cli("deposit", *[str(tmp_path / "out") if a == "OUT" else a for a in args])
    assert result.exit_code == 2 and result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def test_with_programme_needs_synthesis(cli, workshop, tmp_path):
    if importlib.util.find_spec("lpip.synthesis") is not None:
        pytest.skip("lpip.synthesis is installed")
    result = cli("deposit", "build", "--workshop", workshop, "--out", str(tmp_path / "d"), "--with-programme")
    assert result.exit_code == 2 and "Error: --with-programme" in result.output and "lpip.synthesis" in result.output


def test_with_programme_holds_the_register_and_the_plan_anonymised(cli, workshop, tmp_path):
    from frictionless import Package

    from lpip.archive.tables import PLAN_COLUMNS, PRIORITY_COLUMNS

    assert cli("workshops", "notes-consent", workshop, "--yes", "--by", "Test Facilitator").exit_code == 0
    drafted = cli("priorities", "draft", workshop)
    assert drafted.exit_code == 0, drafted.output
    added = cli("priorities", "add", workshop, "--title", "Evening buses to Oldbury, as Sue Patel of Walsall Housing "
                "Group asked", "--indicator", "imd_score")
    assert added.exit_code == 0, added.output
    named = re.search(r"Added priority (\d+)", added.output).group(1)
    assert cli("priorities", "agree", named).exit_code == 0
    planned = cli("plan", "draft", "--start", "2026-04-01")
    assert planned.exit_code == 0 and "1 new line" in planned.output, planned.output
    listed = cli("priorities", "list", "--format", "csv")
    assert listed.exit_code == 0, listed.output
    listed_ids = [row["priority_id"] for row in csv.DictReader(io.StringIO(listed.output))]
    assert named in listed_ids

    out = tmp_path / "deposit"
    built = cli("deposit", "build", "--workshop", workshop, "--out", str(out), "--with-programme")
    assert built.exit_code == 0, built.output
    assert "Health check: passed." in built.output
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with open(out / "data" / "priorities.csv", newline="", encoding="utf-8") as handle:
        priorities = list(csv.DictReader(handle))
    with open(out / "data" / "plan.csv", newline="", encoding="utf-8") as handle:
        plan = list(csv.DictReader(handle))
    assert list(priorities[0]) == list(PRIORITY_COLUMNS) and list(plan[0]) == list(PLAN_COLUMNS)
    assert [row["priority_id"] for row in priorities] == listed_ids
    assert [row["priority_id"] for row in plan] == [named]
    title = next(row["title"] for row in priorities if row["priority_id"] == named)
    assert re.fullmatch(r"Evening buses to Oldbury, as \[person \d+\] of \[organisation: [^\]]+\] asked", title), title
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert [w for w in FORBIDDEN if re.search(rf"(?<![\w@.]){re.escape(w)}(?![\w@])", text, re.I)] == []


def test_every_deposit_command_has_help(cli):
    for command in ("build", "review", "check"):
        result = cli("deposit", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
