"""From workshops to a programme on the command line: `lpip demo`, then `lpip priorities draft`,
`link`, `agree`, `lpip plan draft` and `plan export`, and `lpip report E12000005`."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from sqlalchemy import select

from lpip.db import make_engine, session_scope
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import add_source
from lpip.workshops.capture import add_note
from lpip.workshops.models import HostLink, Workshop

ISSUE_HEADER = ("priority_id,workshop_ids,area_codes,title,status,sectors,dots,votes_agree,votes_disagree,consensus,"
                "evidence_verdict,evidence_indicators,kind,kind_reasons")


def ok(result):
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.fixture
def drafted(cli, db_url):
    """`lpip demo` then `lpip priorities draft` on it; the ids of the candidates (by title)."""
    ok(cli("demo"))
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        workshop_id = s.scalar(select(Workshop.id).where(Workshop.is_demo.is_(True)))
    engine.dispose()
    out = ok(cli("priorities", "draft", str(workshop_id)))
    assert "new candidate priorities" in out
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        found = {p.title: p.id for p in s.scalars(select(Priority))}
    engine.dispose()
    return workshop_id, found


def test_from_the_demo_to_the_programme(cli, drafted, tmp_path):
    workshop_id, ids = drafted
    buses = ids["(demo) Better evening and weekend buses"]
    training = ids["(demo) Training designed with local employers"]
    ok(cli("priorities", "link", str(training), "--indicator", "imd_score"))
    ok(cli("priorities", "link", str(buses), "--indicator", "travel_time_public_transport"))
    ok(cli("priorities", "agree", str(training), "--by", "Fran"))
    ok(cli("priorities", "agree", str(buses), "--by", "Fran"))
    assert "3 new line(s)" not in ok(cli("plan", "draft", "--start", "2026-04-01"))
    listed = cli("priorities", "list", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(listed)))
    assert listed.splitlines()[0] == ISSUE_HEADER
    by_id = {int(r["priority_id"]): r for r in rows}
    assert by_id[training]["evidence_verdict"] == "supported" and by_id[training]["status"] == "agreed"
    assert by_id[training]["evidence_indicators"] == "imd_score" and by_id[training]["kind_reasons"]
    for fmt in ("csv", "xlsx", "json", "html"):
        ok(cli("plan", "export", "--format", fmt, "--out", str(tmp_path / f"plan.{fmt}")))
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["plan"]
    assert {line["priority_id"] for line in plan} == {training, buses}
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames == ["plan", "data gaps", "notes"]
    assert ok(cli("plan", "import", str(tmp_path / "plan.xlsx"))).endswith("0 changed.")
    ok(cli("report", "E12000005", "--out", str(tmp_path / "programme.html")))
    html = (tmp_path / "programme.html").read_text(encoding="utf-8")
    assert "DEMONSTRATION (made-up data)" in html and "(demo) Training designed with local employers" in html
    for part in ("Executive summary", "sub-regions side by side", "Timeline", "Data-gap register", "Sources and attribution"):
        assert part in html
    for name in ("matrix.csv", "matrix.xlsx", "matrix.png", "matrix.html", "quadrant.svg"):
        command = "quadrant" if name.startswith("quadrant") else "matrix"
        ok(cli("priorities", command, "--out", str(tmp_path / name)))
        assert (tmp_path / name).stat().st_size > 0


def test_the_workshop_report_still_works_for_a_workshop_id(cli, drafted, tmp_path):
    workshop_id, _ = drafted
    assert "Wrote" in ok(cli("report", str(workshop_id), "--out", str(tmp_path / "workshop.html")))
    assert "workshop report" in (tmp_path / "workshop.html").read_text(encoding="utf-8").lower()


def test_show_prints_the_reasoning_and_anonymised_quotes(cli, drafted, db_url):
    workshop_id, ids = drafted
    priority_id = ids["(demo) Better evening and weekend buses"]
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        link = s.scalar(select(HostLink).where(HostLink.workshop_id == workshop_id, HostLink.table_number == 2))
        note, _ = add_note(s, link, "(demo) Demo Attendee 07 says call 07700 900123 about the buses", "cli-show-1")
        add_source(s, priority_id, note.id, "by hand")
    engine.dispose()
    out = ok(cli("priorities", "show", str(priority_id)))
    assert "[person " in out and "[phone]" in out  # the table may wrap the quote
    assert "Attendee 07" not in out and "900123" not in out
    for part in ("Evidence verdict: no_evidence", "Kind:", "W1 ", "Q4 ", "Partnership diversity"):
        assert part in out


def test_user_errors_exit_2_without_a_traceback(cli, drafted):
    _, ids = drafted
    any_id = next(iter(ids.values()))
    for args, words in (
        (("priorities", "drop", str(any_id), "--reason", " "), "Give the reason"),
        (("priorities", "link", str(any_id), "--indicator", "gva_per_hours"), "gva_per_hours"),
        (("priorities", "show", "99999"), "There is no priority 99999"),
        (("priorities", "triage", str(any_id)), "--kind KIND"),
        (("plan", "draft", "--start", "April"), "is not a date"),
        (("priorities", "matrix", "--out", "matrix.pdf"), "matrix.xlsx"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Error:" in result.output and words in result.output and "Traceback" not in result.output


def test_the_triage_override_is_kept_beside_the_computed_kind(cli, drafted):
    _, ids = drafted
    priority_id = ids["(demo) Better evening and weekend buses"]
    ok(cli("priorities", "triage", str(priority_id), "--kind", "quick_win", "--reason", "The operator can act now"))
    out = ok(cli("priorities", "show", str(priority_id)))
    assert "Kind: quick win (computed:" in out and "The operator can act now" in out
    ok(cli("priorities", "triage", str(priority_id), "--clear"))
    assert "(computed:" not in ok(cli("priorities", "show", str(priority_id)))


def test_partners_on_the_command_line(cli, drafted, tmp_path):
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data" / "synthesis" / "partners.csv"
    assert "Added 5 partner(s)" in ok(cli("partners", "import", str(data)))
    listed = cli("partners", "list", "--format", "csv").output
    assert "example.org" not in listed  # contacts are private
    assert "ops@example.org" in cli("partners", "list", "--contacts", "--format", "csv").output
    _, ids = drafted
    out = cli("partners", "suggest", str(ids["(demo) Better evening and weekend buses"]), "--format", "csv").output
    assert out.splitlines()[1].startswith(f"{ids['(demo) Better evening and weekend buses']},lead,")
    assert "Example Bus Operator (made-up)" in out.splitlines()[1]


def test_the_evidence_map_is_written_edited_and_loaded(cli, tmp_path):
    path = tmp_path / "map.toml"
    out = ok(cli("priorities", "mapping", "--out", str(path)))
    assert "the bundled map" in out and path.read_text(encoding="utf-8").startswith("# The evidence map")
    path.write_text(path.read_text(encoding="utf-8").replace('"crime_score"', '"crime_scor"'), encoding="utf-8")
    result = cli("priorities", "mapping", "--load", str(path))
    assert result.exit_code == 2 and "'crime_scor' is not in the indicator catalogue; did you mean 'crime_score'?" in result.output
    path.write_text(path.read_text(encoding="utf-8").replace('"crime_scor"', '"crime_decile"'), encoding="utf-8")
    assert str(path) in ok(cli("priorities", "mapping", "--load", str(path)))
    assert str(path) in ok(cli("priorities", "mapping"))
