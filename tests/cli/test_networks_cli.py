"""`lpip networks` and `lpip report`, on a small Typer app that registers them."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from lpip.cli import networks
from lpip.cli.common import new_app
from lpip.db import make_engine, session_scope
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Attendee


@pytest.fixture
def app():
    app = new_app("test app")
    networks.register(app)
    return app


@pytest.fixture
def run(app, db_url, monkeypatch):
    monkeypatch.setenv("LPIP_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return result, " ".join(result.output.split())

    return invoke


@pytest.fixture
def demo(db_url):
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            demo = load_demo(session, seed=0)
            people = session.query(Attendee.email, Attendee.name).filter(
                Attendee.workshop_id == demo.workshop_id).order_by(Attendee.id).all()
        return demo.workshop_id, people
    finally:
        engine.dispose()


def test_networks_prints_measures_and_writes_every_export(run, demo, tmp_path):
    workshop, _ = demo
    files = {"--graphml": tmp_path / "n.graphml", "--kumu": tmp_path / "n.json", "--figure": tmp_path / "n.png"}
    result, text = run("networks", str(workshop), *[x for k, v in files.items() for x in (k, str(v))])
    assert result.exit_code == 0, result.output
    assert "designed contact" in text and "Bridging people" in text
    assert nx.read_graphml(files["--graphml"]).number_of_nodes() == 30
    assert set(json.loads(files["--kumu"].read_text(encoding="utf-8"))) == {"elements", "connections"}
    assert files["--figure"].read_bytes().startswith(b"\x89PNG")


def test_networks_with_prior_ties_and_follow_ups_by_email_and_name(run, demo, tmp_path):
    workshop, people = demo
    prior = tmp_path / "prior.csv"
    prior.write_text(f"attendee,knew_before\n{people[0][0]},{people[25][1]}\n", encoding="utf-8")
    follow = tmp_path / "follow.csv"
    follow.write_text(f"attendee,follow_up_with\n{people[0][1]},{people[29][0]}\n", encoding="utf-8")
    result, text = run("networks", str(workshop), "--prior-ties", str(prior), "--follow-ups", str(follow))
    assert result.exit_code == 0, result.output
    assert "Stored 1 prior ties" in text and "Stored 1 follow-up wishes" in text
    assert "Before (prior ties) and after (with follow-up wishes)" in text
    again, text = run("networks", str(workshop), "--follow-ups", str(follow))
    assert "Stored 0 follow-up wishes for workshop" in text and "(1 were stored already)" in text


def test_networks_themes(run, demo, tmp_path):
    workshop, _ = demo
    result, text = run("networks", str(workshop), "--themes", "--kumu", str(tmp_path / "t.json"))
    assert result.exit_code == 0, result.output
    assert "Themes raised together" in text
    assert all(e["type"] == "theme" for e in json.loads((tmp_path / "t.json").read_text())["elements"])


def test_report_html(run, demo, tmp_path):
    workshop, _ = demo
    result, text = run("report", str(workshop), "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    assert "Opinion groups and consensus" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, fragment", [
    (("networks", "987654"), "There is no workshop 987654"),
    (("report", "NOWHERE", "--out", "r.html"), "neither a workshop id nor a sub-region"),
    (("report", "1", "--out", "r.docx"), ".html or .pdf"),
], ids=["unknown-workshop", "unknown-subregion", "bad-suffix"])
def test_bad_input_is_an_error_message(run, args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result, text = run(*args)
    assert result.exit_code == 2
    assert "Error: " in text and fragment in text and "Traceback" not in text


def test_bad_follow_up_file_is_an_error_message(run, demo, tmp_path):
    workshop, _ = demo
    bad = tmp_path / "follow.csv"
    bad.write_text("attendee,follow_up_with\n1,2\n", encoding="utf-8")
    result, text = run("networks", str(workshop), "--follow-ups", str(bad))
    assert result.exit_code == 2 and "Error:" in text and "no attendee is called '1'" in text


def test_commands_have_help(run):
    for command in ("networks", "report"):
        result, text = run(command, "--help")
        assert result.exit_code == 0 and len(text) > 50
