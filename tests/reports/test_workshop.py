"""The workshop report: what it says, that it names nobody, and what it says when data is missing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lpip.deliberation.report import build_report
from lpip.reports.workshop import render_report, report_html, write_report
from lpip.errors import InvalidExport, MissingSystemLibrary, NoData, UnknownWorkshop
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_note, add_statement, cast_vote, join_workshop
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Attendee, HostLink
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, set_voting

# Made-up notes for tests (not presented as real): enough text for themes to be found.
NOTES = [
    "Evening buses stop too early for shift workers", "Bus fares are too high for young people",
    "The train station needs step free access", "More buses to the hospital in the evening",
    "Cycle lanes stop and start and feel unsafe", "Bus routes do not reach the industrial estate",
    "Rents are rising faster than wages", "Too few social homes for local families",
    "Damp private rented homes make children ill", "Young people cannot afford a first home",
    "Housing associations should build more homes", "Empty shops could become homes",
    "Apprenticeships with local employers are hard to find", "Colleges and employers should design courses together",
    "Adults need training in digital skills", "Careers advice in schools is weak",
    "Small firms cannot spare staff for training", "Green jobs need new skills and courses",
    "Parks are not safe after dark", "The library is the only warm space for some",
    "Community centres are trusted places to meet", "Youth clubs have closed across the borough",
]


def _strip_images(html: str) -> str:
    return re.sub(r"data:image/[^\"]+", "", html)


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


def test_the_demo_report_covers_every_part_and_names_nobody(session, demo):
    html = _strip_images(render_report(session, demo.workshop_id))
    for heading in ("Who came", "What was said", "What people voted for", "Opinion groups and consensus",
                    "Networks", "Method"):
        assert f">{heading}<" in html
    assert "DEMONSTRATION (made-up data)" in html
    people = session.execute(select(Attendee.name, Attendee.email, Attendee.organisation)
                             .where(Attendee.workshop_id == demo.workshop_id)).all()
    assert not any(value in html for row in people for value in row if value)
    assert "Demo Attendee" not in html and "@example.org" not in html and "Demo Organisation" not in html


def test_who_came_counts_match_the_attendee_table(session, demo):
    report = build_report(session, demo.workshop_id)
    table = report.who_came.tables["By sector"].set_index("sector")
    counts = dict(session.execute(select(Attendee.sector, func.count()).where(Attendee.workshop_id == demo.workshop_id)
                                  .group_by(Attendee.sector)).all())
    for sector, n in counts.items():
        assert table.loc[sector, "registered attendees"] == n
    assert table.loc["all", "registered attendees"] == sum(counts.values())


def test_dots_and_statement_votes_are_reported(session, demo):
    votes = build_report(session, demo.workshop_id).votes
    dots = votes.tables["Dots per priority"]
    # The demo gives 4 participants 3 + 2 dots each.
    assert dots["dots"].sum() == 4 * 5
    statements = votes.tables["Votes on statements"]
    assert (statements["votes"] == statements[["agree", "disagree", "pass"]].sum(axis=1)).all()


def test_themes_with_quotes_and_scrubbed_names(session, demo):
    link = session.scalar(select(HostLink).where(HostLink.workshop_id == demo.workshop_id, HostLink.table_number == 1))
    for i, text in enumerate(NOTES):
        add_note(session, link, text, client_id=f"test-note-{i}")
    add_note(session, link, "Ask Demo Attendee 03 about the bus depot plans", client_id="test-note-name")
    report = build_report(session, demo.workshop_id)
    said = report.what_was_said
    assert "Themes" in said.tables and len(said.tables["Quotes"]) > 0
    # Quotes are contributions' own words (the analysis keeps them as written) ...
    assert set(said.tables["Quotes"]["quote"]) <= set(_all_texts(session, demo.workshop_id))
    # ... and the page prints them, and everything else, with names taken out.
    html = render_report(session, demo.workshop_id)
    assert "Demo Attendee 03" not in html


def test_the_report_prints_every_text_through_the_anonymiser(session, demo):
    from lpip.reports.workshop import anonymise_report

    link = session.scalar(select(HostLink).where(HostLink.workshop_id == demo.workshop_id, HostLink.table_number == 1))
    add_note(session, link, "Ask Demo Attendee 03 on 07700 900123 about the depot", client_id="test-note-phone")
    report = build_report(session, demo.workshop_id)
    report.votes.notes.append("Demo Attendee 03 counted the dots")
    scrubbed = anonymise_report(report, lambda text: text.replace("Demo Attendee 03", "[person]"))
    texts = [str(v) for section in (scrubbed.what_was_said, scrubbed.votes) for frame in section.tables.values()
             for column in frame.columns for v in frame[column]] + scrubbed.votes.notes
    assert not any("Demo Attendee 03" in t for t in texts) and "[person] counted the dots" in texts
    html = render_report(session, demo.workshop_id)
    assert "07700 900123" not in html


def _all_texts(session, workshop_id):
    from lpip.deliberation.coding import load_contributions

    return list(load_contributions(session, workshop_id)["text"])


@pytest.fixture
def bare_workshop(session):
    """A planned workshop where nothing was said or voted on."""
    workshop = create_workshop(session, "Quiet workshop", [RoundSpec("Q1"), RoundSpec("Q2")], tables=2,
                               subregion_code="WM-BC")
    for i, sector in enumerate(["public", "private", "resident", "academic"]):
        register_attendee(session, workshop.id, f"Person Number{i}", sector)
    return workshop


def test_a_workshop_with_no_contributions_says_so(session, bare_workshop):
    plan_workshop(session, bare_workshop.id, seed=0, iterations=200)
    report = build_report(session, bare_workshop.id)
    assert any("No contributions" in n for n in report.what_was_said.notes)
    assert any("No votes on statements" in n for section in report.opinions.values() for n in section.notes)
    assert any("No priorities" in n for n in report.votes.notes)
    html = render_report(session, bare_workshop.id)
    assert "No contributions" in html and "Person Number" not in html


def test_a_workshop_without_a_table_plan_says_so_in_the_network_section(session, bare_workshop):
    report = build_report(session, bare_workshop.id)
    notes = [n for section in report.networks.values() for n in section.notes]
    assert any("no table plan" in n for n in notes)


def test_a_conversation_too_small_to_cluster_is_reported_not_raised(session, bare_workshop):
    from lpip.workshops.workshops import set_workshop_status

    set_workshop_status(session, bare_workshop.id, "open")
    set_voting(session, bare_workshop.id, voting_open=True)
    people = [join_workshop(session, bare_workshop.join_code, "public") for _ in range(2)]
    statement, _ = add_statement(session, people[0], "Buses should run later", client_id="statement-01")
    for person in people:
        cast_vote(session, person, statement.id, "agree")
    section = next(iter(build_report(session, bare_workshop.id).opinions.values()))
    assert section.notes and section.notes[0].startswith("Opinion groups could not be found")
    assert not section.tables


def test_a_sub_region_report_covers_its_workshops(session, demo, bare_workshop):
    report = build_report(session, "WM-BC")
    assert report.scope == "sub-region"
    assert set(report.workshops["workshop"]) >= {demo.workshop_id, bare_workshop.id}
    assert len(report.networks) == len(report.workshops)


def test_unknown_targets_are_refused(session):
    with pytest.raises(UnknownWorkshop):
        build_report(session, "987654")
    with pytest.raises(NoData, match="neither a workshop id nor a sub-region"):
        build_report(session, "NOWHERE")


def test_html_and_pdf_are_written(session, demo, tmp_path):
    html = write_report(session, demo.workshop_id, tmp_path / "report.html")
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    try:
        pdf = write_report(session, demo.workshop_id, tmp_path / "report.pdf")
    except MissingSystemLibrary as exc:
        pytest.skip(f"WeasyPrint cannot run here: {exc}")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_other_file_types_are_refused(session, demo, tmp_path):
    with pytest.raises(InvalidExport, match=r"\.html or \.pdf"):
        write_report(session, demo.workshop_id, tmp_path / "report.docx")
