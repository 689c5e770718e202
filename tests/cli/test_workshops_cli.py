"""`lpip workshops ...`: every command end to end, and user errors as `Error:` with exit code 2."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lpip.db import make_engine, session_scope

DATA = Path(__file__).resolve().parents[1] / "data" / "workshops"
ROUNDS = ["--round", "What works well?|25", "--round", "What gets in the way?|20", "--round", "What first?"]


@pytest.fixture
def run(cli, monkeypatch):
    """Run `lpip workshops ...`; Rich tables get a wide terminal so rows stay on one line."""
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str, input: str | None = None):
        return cli("workshops", *args, input=input)

    return invoke


@pytest.fixture
def read_db(db_url):
    """Run a function on a fresh session of the test database (sees what the CLI committed)."""
    def read(function):
        engine = make_engine(db_url)
        try:
            with session_scope(engine) as session:
                return function(session)
        finally:
            engine.dispose()

    return read


def created_id(result) -> int:
    assert result.exit_code == 0, result.output
    return int(re.search(r"Created workshop (\d+)", result.output).group(1))


@pytest.fixture
def workshop(run) -> str:
    """A workshop with 8 tables, 3 rounds and the 40 test attendees."""
    result = run("create", "--title", "Test CLI workshop", "--subregion", "WM-BC", "--date", "2023-06-14",
                 "--venue", "Test venue", "--tables", "8", *ROUNDS)
    workshop_id = str(created_id(result))
    imported = run("attendees", "import", workshop_id, str(DATA / "attendees_40.csv"))
    assert imported.exit_code == 0, imported.output
    return workshop_id


def test_create_list_and_show(run, workshop):
    listed = run("list", "--format", "csv")
    assert listed.exit_code == 0
    rows = list(csv.DictReader(listed.output.splitlines()))
    assert [(r["title"], r["subregion"], r["tables"], r["rounds"], r["attendees"]) for r in rows] == [
        ("Test CLI workshop", "WM-BC", "8", "3", "40")
    ]
    shown = run("show", workshop)
    assert shown.exit_code == 0
    assert "date: 2023-06-14" in shown.output and "venue: Test venue" in shown.output
    assert re.search(r"│ 2\s+│ What gets in the way\?\s+│ 20 ", shown.output)
    assert re.search(r"│ 3\s+│ What first\?\s+│ 25 ", shown.output)  # default minutes
    assert "/t/" not in shown.output  # host links only when asked


def test_show_prints_host_links_when_asked(run, workshop, read_db):
    from lpip.workshops.models import HostLink

    shown = run("show", workshop, "--links", "--base-url", "http://127.0.0.1:9000")
    tokens = read_db(lambda s: s.scalars(select(HostLink.token).where(HostLink.workshop_id == int(workshop))).all())
    assert len(tokens) == 8
    for token in tokens:
        assert f"http://127.0.0.1:9000/t/{token}" in shown.output


def test_create_from_a_toml_file(run):
    result = run("create", "--from", str(DATA / "workshop.toml"))
    workshop_id = created_id(result)
    shown = run("show", str(workshop_id))
    assert "title: Test workshop from a file" in shown.output and "dots_per_participant: 4" in shown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "T", "--round", "Q|soon"], "the minutes after '|' must be a whole number"),
        (["--title", "T", "--round", "|20"], "has no question"),
        (["--title", "T"], "needs at least one round"),
        (["--round", "Q|20"], "Give --title"),
        (["--title", "T", "--round", "Q", "--date", "14/06/2023"], "write it as YYYY-MM-DD"),
        (["--title", "T", "--round", "Q", "--subregion", "WM-XX"], "WM-XX is not a known area"),
        (["--title", "T", "--round", "Q", "--tables", "0"], "1 to 50 tables"),
    ],
    ids=["bad-minutes", "no-question", "no-rounds", "no-title", "bad-date", "unknown-subregion", "no-tables"],
)
def test_create_refuses_bad_options(run, args, message):
    result = run("create", *args)
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def test_attendees_export_and_list(run, workshop, tmp_path):
    out = tmp_path / "attendees.xlsx"
    result = run("attendees", "export", workshop, "--out", str(out))
    assert result.exit_code == 0 and "personal data" in result.output
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    assert book.active.max_row == 41
    book.close()
    listed = run("attendees", "list", workshop, "--format", "csv")
    assert "Test Attendee 40,test.attendee40@example.org" in listed.output


def test_attendees_export_help_says_it_is_for_the_facilitator(run):
    result = run("attendees", "export", "--help")
    assert "facilitator's own machine" in " ".join(result.output.split())


def test_attendees_add_and_a_duplicate(run, workshop):
    added = run("attendees", "add", workshop, "--name", "Test Extra", "--sector", "Academic",
                "--email", "extra@example.org", "--consent-deposit")
    assert added.exit_code == 0, added.output
    again = run("attendees", "add", workshop, "--name", "Test Again", "--sector", "public", "--email", "EXTRA@example.org")
    assert again.exit_code == 2 and "extra@example.org is already registered (Test Extra)" in again.output


def test_a_bad_attendee_file_names_every_problem_and_stores_nothing(run, read_db):
    from lpip.workshops.models import Attendee

    workshop = str(created_id(run("create", "--title", "Empty", "--tables", "8", "--round", "Q")))
    result = run("attendees", "import", workshop, str(DATA / "attendees_bad.csv"))
    assert result.exit_code == 2
    assert "Error: " in result.output and "nothing was imported because of 7 problem(s)" in result.output
    assert "row 3, column D (sector): 'voluntary' is not one of the sectors; did you mean 'voluntary and community'?" in result.output
    assert "Traceback" not in result.output
    count = read_db(lambda s: s.scalar(select(func.count()).select_from(Attendee).where(Attendee.workshop_id == int(workshop))))
    assert count == 0


def test_plan_prints_scores_beside_the_bound_and_the_random_mean(run, workshop, read_db, tmp_path):
    from lpip.workshops.planning import attendee_frame
    from lpip.workshops.tableplan import plan_tables, random_rotation_mean

    cards = tmp_path / "cards.pdf"
    result = run("plan", workshop, "--seed", "5", "--cards", str(cards))
    assert result.exit_code == 0, result.output
    people = read_db(lambda s: attendee_frame(s, int(workshop)))
    expected = plan_tables(people, 8, 3, seed=5)
    baseline = random_rotation_mean(people, 8, 3, seed=5)
    row = re.search(r"│ distinct pairs met\s+│ (\S+)\s+│ (\S+)\s+│ (\S+)\s+│ higher", result.output)
    assert row, result.output
    assert [float(v) for v in row.groups()] == [expected.scores.distinct_pairs, expected.upper_bound_pairs,
                                               baseline["distinct_pairs"]]
    repeats = re.search(r"│ repeat meetings\s+│ (\S+)\s+│ (\S+)\s+│ (\S+)\s+│ lower", result.output)
    assert float(repeats.group(1)) == expected.scores.repeats
    # Shared seats are fixed (40 people at 8 tables of 5, 3 rounds: 3 * 8 * 10 = 240), so the
    # fewest repeats any plan can have is 240 minus the pair bound.
    assert float(repeats.group(2)) == max(240 - expected.upper_bound_pairs, 0)
    assert re.search(r"│ cross-sector pairs met\s+│ \S+\s+│ \S+\s+│ \S+\s+│ higher", result.output)
    assert re.search(r"│ worst table's sector mix\s+│ \S+\s+│ 1\s+│", result.output)
    assert cards.read_bytes().startswith(b"%PDF-")


def test_cards_need_a_plan_first(run, workshop, tmp_path):
    result = run("cards", workshop, "--out", str(tmp_path / "cards.pdf"))
    assert result.exit_code == 2 and f"run `lpip workshops plan {workshop}` first" in result.output
    assert run("plan", workshop).exit_code == 0
    assert run("cards", workshop, "--out", str(tmp_path / "cards.pdf")).exit_code == 0


def test_notes_import_good_and_bad(run, workshop):
    good = run("notes", "import", workshop, str(DATA / "notes_paper.csv"))
    assert good.exit_code == 0 and "Imported 7 notes" in good.output
    bad = run("notes", "import", workshop, str(DATA / "notes_bad.csv"))
    assert bad.exit_code == 2
    assert "notes_bad.csv row 3, column A (round): the round '9' is not a round of this workshop" in bad.output
    missing = run("notes", "import", workshop, "no-such-file.csv")
    assert missing.exit_code == 2 and "no-such-file.csv: file not found" in missing.output


def test_export_in_each_format(run, workshop, tmp_path):
    assert run("notes", "import", workshop, str(DATA / "notes_paper.csv")).exit_code == 0
    for fmt, out in [("csv", "csv"), ("polis", "polis"), ("xlsx", "w.xlsx"), ("json", "w.json")]:
        result = run("export", workshop, "--format", fmt, "--out", str(tmp_path / out))
        assert result.exit_code == 0, result.output
        assert "facilitator export (names included)" in result.output
    assert {p.name for p in (tmp_path / "polis").iterdir()} == {"comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"}
    assert run("notes-consent", workshop, "--yes", "--by", "Test Facilitator").exit_code == 0
    deposit = run("export", workshop, "--format", "csv", "--out", str(tmp_path / "deposit"), "--deposit")
    assert deposit.exit_code == 0 and "Wrote the deposit package" in deposit.output
    assert "lpip deposit build --workshop" in deposit.output
    written = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "deposit").rglob("*.csv"))
    assert "Test Attendee" not in written and "Buses stop at 7pm" in written
    polis = run("export", workshop, "--format", "polis", "--out", str(tmp_path / "p2"), "--deposit")
    assert polis.exit_code == 2 and "lpip deposit build --workshop" in polis.output


def test_notes_consent_is_recorded_with_who_and_when(run, workshop, read_db):
    from lpip.workshops.models import Workshop

    missing = run("notes-consent", workshop, "--by", "A. Facilitator")
    assert missing.exit_code == 2 and "--yes" in missing.output
    anonymous = run("notes-consent", workshop, "--yes", "--by", "  ")
    assert anonymous.exit_code == 2 and "give your name" in anonymous.output
    result = run("notes-consent", workshop, "--yes", "--by", "A. Facilitator")
    assert result.exit_code == 0 and "collected under consent" in result.output
    stored = read_db(lambda s: (lambda w: (w.notes_consent, w.notes_consent_by, w.notes_consent_at))(
        s.get(Workshop, int(workshop))))
    assert stored[:2] == (True, "A. Facilitator") and stored[2] is not None
    assert run("notes-consent", workshop, "--no", "--by", "B. Facilitator").exit_code == 0
    assert read_db(lambda s: s.get(Workshop, int(workshop)).notes_consent) is False


def test_walkin_switches_the_walk_in_code_with_its_cap(run, workshop, read_db):
    from lpip.workshops.models import Workshop

    # 40 attendees are registered, so by default only their personal codes work.
    assert read_db(lambda s: s.get(Workshop, int(workshop)).walkin_open) is None
    missing = run("walkin", workshop)
    assert missing.exit_code == 2 and "--on" in missing.output and "Traceback" not in missing.output
    result = run("walkin", workshop, "--on", "--expected", "30")
    assert result.exit_code == 0, result.output
    assert "is on, admits people until the room holds 36; 0 joined" in " ".join(result.output.split())
    assert read_db(lambda s: (lambda w: (w.walkin_open, w.expected, w.walkin_cap))(s.get(Workshop, int(workshop)))) == (True, 30, None)
    off = run("walkin", workshop, "--off")
    assert off.exit_code == 0 and "walk-in code is off" in off.output
    assert read_db(lambda s: (lambda w: (w.walkin_open, w.expected))(s.get(Workshop, int(workshop)))) == (False, 30)
    assert run("walkin", workshop, "--on", "--cap", "0").exit_code == 2


def test_unknown_workshop_is_an_error(run):
    result = run("show", "999")
    assert result.exit_code == 2 and "There is no workshop 999" in result.output


def test_demo_prints_a_working_login_code_and_links(run, read_db):
    from lpip.workshops.accounts import authenticate
    from lpip.workshops.workshops import workshop_by_code

    result = run("demo", "--base-url", "http://127.0.0.1:8123")
    assert result.exit_code == 0, result.output
    assert "DEMONSTRATION (made-up data)" in result.output
    code = re.search(r"Join code for participants: (\w+)", result.output).group(1)
    password = re.search(r"Password \(shown once, not stored\): (\S+)", result.output).group(1)
    assert len(re.findall(r"Host link, table \d+: http://127\.0\.0\.1:8123/t/\S+", result.output)) == 6
    assert read_db(lambda s: workshop_by_code(s, code).is_demo)
    assert read_db(lambda s: authenticate(s, "demo@example.org", password).email) == "demo@example.org"


def test_every_workshops_command_has_help(run):
    for args in (["create"], ["list"], ["show"], ["attendees", "import"], ["attendees", "export"], ["attendees", "add"],
                 ["attendees", "list"], ["plan"], ["cards"], ["notes", "import"], ["export"], ["notes-consent"], ["demo"]):
        result = run(*args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, args


def test_replan_moves_the_fewest_and_seating_prints_the_plan(run, workshop, read_db, tmp_path):
    from lpip.reports.seating import seating_plan
    from lpip.workshops.planning import attendee_frame, stored_seats

    assert run("plan", workshop, "--seed", "2").exit_code == 0
    seats = read_db(lambda s: stored_seats(s, int(workshop)))
    hosts = set(read_db(lambda s: attendee_frame(s, int(workshop))).dropna(subset=["host_table"])["attendee_id"])
    r1 = seats[seats["round"] == 1]
    absent = [a for a in r1[r1["table"] == 4]["attendee_id"] if a not in hosts][:3]
    result = run("replan", workshop, "--absent", ",".join(map(str, absent)), "--seed", "1")
    assert result.exit_code == 0, result.output
    moves = re.search(r"(\d+) moves \(the fewest possible with tables differing by at most one person: (\d+)\)", result.output)
    assert moves and moves.group(1) == moves.group(2) and int(moves.group(1)) > 0, result.output
    assert re.search(r"│ cross sector pairs\s+│ \d+\s+│ \d+\s+│", result.output), result.output
    after = read_db(lambda s: stored_seats(s, int(workshop)))
    assert not set(after["attendee_id"]) & set(absent) and len(after) == 37 * 3

    out = tmp_path / "plan.csv"
    printed = run("seating", workshop, "--out", str(out))
    assert printed.exit_code == 0, printed.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and list(rows[0]) == ["name", "hosts table", "round 1", "round 2", "round 3"]
    plan = read_db(lambda s: seating_plan(s, int(workshop)))
    assert sum(1 for row in rows if row["round 1"] == "") == 3  # the absent, left out
    assert [row["name"] for row in rows] == [row["name"] for row in plan.rows]
    bad = run("seating", workshop, "--out", str(tmp_path / "plan.txt"))
    assert bad.exit_code == 2 and "written as .pdf, .csv or .xlsx" in bad.output


def test_replan_refuses_ids_that_are_not_numbers(run, workshop):
    assert run("plan", workshop).exit_code == 0
    result = run("replan", workshop, "--absent", "3,x7")
    assert result.exit_code == 2 and "'x7' is not an attendee id" in result.output
