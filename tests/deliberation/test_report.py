"""The workshop report as data: the summary, plain column names, every part saying why when it
cannot be computed. Workshops and notes here are made up (the demo is labelled so)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lpip.deliberation.report import WORDS_COLUMNS, build_report
from lpip.deliberation.themes import workshop_themes
from lpip.errors import NoData, UnknownWorkshop
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_note, add_statement, cast_vote, join_workshop, set_walkin
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Attendee, HostLink
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, set_voting

# Made-up notes for tests (not presented as real): enough text for themes to be found; two are
# written twice, as happens when a table's notes are typed up twice.
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
    "Evening buses stop too early for shift workers", "Rents are rising faster than wages.",
]
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


@pytest.fixture
def talkative(session, demo):
    link = session.scalar(select(HostLink).where(HostLink.workshop_id == demo.workshop_id, HostLink.table_number == 1))
    for i, text in enumerate(NOTES):
        add_note(session, link, text, client_id=f"test-note-{i:03d}")
    return demo


def test_the_summary_says_who_came_top_priorities_groups_and_consensus(session, demo):
    summary = build_report(session, demo.workshop_id).summary
    registered = session.scalar(select(func.count()).select_from(Attendee).where(Attendee.workshop_id == demo.workshop_id))
    assert summary.who_came.startswith(f"{registered} registered attendees (")
    assert "8 people joined on a phone" in summary.who_came
    assert summary.priorities["Dots"].is_monotonic_decreasing and summary.priorities["Dots"].sum() == 4 * 5
    assert summary.groups and all(g.people > 0 and g.sectors for g in summary.groups)
    assert sum(g.people for g in summary.groups) == 8
    assert all(g.agreed or g.disagreed for g in summary.groups)
    assert list(summary.consensus.columns) == ["Statement", "Agreed in every group", "Workshop"]


def test_points_of_consensus_have_a_majority_in_every_group(session, demo):
    from lpip.deliberation.opinions import find_opinion_groups
    from lpip.deliberation.votes import workshop_votes

    summary = build_report(session, demo.workshop_id).summary
    votes, statements, sectors = workshop_votes(session, demo.workshop_id)
    result = find_opinion_groups(votes, statements, sectors=sectors, bootstraps=0)
    groups = result.participants.dropna(subset=["group"]).set_index("participant")["group"]
    latest = votes.sort_values("timestamp").drop_duplicates(["participant", "statement"], keep="last")
    text = statements.set_index("statement")["text"]
    for statement in summary.consensus["Statement"]:
        sid = text[text == statement].index[0]
        mine = latest[latest["statement"] == sid].assign(group=lambda f: f["participant"].map(groups)).dropna()
        for _, rows in mine.groupby("group"):
            # (agrees + 1) / (seen + 2) > 1/2, the pol.is prior, in every group.
            assert (rows["vote"].eq(1).sum() + 1) / (len(rows) + 2) > 0.5


def test_every_column_has_a_plain_name(session, talkative):
    report = build_report(session, talkative.workshop_id)
    sections = [report.who_came, report.what_was_said, report.votes, report.theme_network,
                *report.opinions.values(), *report.networks.values()]
    for section in sections:
        for title, table in section.tables.items():
            for column in table.columns:
                assert not SNAKE_CASE.search(str(column)), f"{title}: {column}"
                assert str(column)[:1].isupper(), f"{title}: {column}"
        for name in section.numbers:
            assert not SNAKE_CASE.search(name), name
    for column in ("p_success", "weighted_degree", "betweenness", "repness"):
        assert all(column not in t.columns for s in sections for t in s.tables.values())


def test_themes_are_those_lpip_coding_themes_finds(session, talkative):
    report = build_report(session, talkative.workshop_id)
    themes = workshop_themes(session, [talkative.workshop_id])
    assert report.what_was_said.numbers["Themes"] == themes.n_topics
    assert themes.choice in report.what_was_said.notes
    assert report.summary.themes == themes.choice


def test_quotes_are_not_repeated_and_are_peoples_own_words(session, talkative):
    quotes = build_report(session, talkative.workshop_id).what_was_said.tables["Quotes"]
    key = quotes.assign(text=quotes["Quote"].str.lower().str.strip(" ."))
    assert not key.duplicated(["Theme", "text"]).any()
    from lpip.deliberation.coding import load_contributions

    written = set(load_contributions(session, talkative.workshop_id)["text"])
    assert set(quotes["Quote"]) <= written  # the analysis does not alter what people wrote
    assert set(WORDS_COLUMNS) >= {"Quote", "Statement", "Priority"}


def test_who_came_counts_match_the_attendee_table(session, demo):
    table = build_report(session, demo.workshop_id).who_came.tables["By sector"].set_index("Sector")
    counts = dict(session.execute(select(Attendee.sector, func.count()).where(Attendee.workshop_id == demo.workshop_id)
                                  .group_by(Attendee.sector)).all())
    for sector, n in counts.items():
        assert table.loc[sector, "Registered attendees"] == n
    assert table.loc["all", "Registered attendees"] == sum(counts.values())


def test_dots_and_statement_votes_are_reported(session, demo):
    votes = build_report(session, demo.workshop_id).votes
    assert votes.tables["Dots per priority"]["Dots"].sum() == 4 * 5  # the demo gives 4 people 3 + 2 dots
    statements = votes.tables["Votes on statements"]
    assert (statements["Votes"] == statements[["Agree", "Disagree", "Pass"]].sum(axis=1)).all()


def test_the_network_section_measures_relationships_and_keeps_the_graph(session, demo):
    section = next(iter(build_report(session, demo.workshop_id).networks.values()))
    assert "People who bridge the most" in section.tables
    assert section.numbers["Designed contact: pairs the table plan seated together"] > 0
    assert "Who is connected to whom" in section.graphs


@pytest.fixture
def bare_workshop(session):
    """A planned workshop where nothing was said or voted on."""
    workshop = create_workshop(session, "Quiet workshop", [RoundSpec("Q1"), RoundSpec("Q2")], tables=2,
                               subregion_code="WM-BC")
    for i, sector in enumerate(["public", "private", "resident", "academic"]):
        register_attendee(session, workshop.id, f"Person Number{i}", sector)
    return workshop


def test_a_workshop_with_nothing_said_says_so_everywhere(session, bare_workshop):
    plan_workshop(session, bare_workshop.id, seed=0, iterations=200)
    report = build_report(session, bare_workshop.id)
    assert any("No contributions" in n for n in report.what_was_said.notes)
    assert any("No votes on statements" in n for section in report.opinions.values() for n in section.notes)
    assert any("No priorities" in n for n in report.votes.notes)
    assert any("Bridging people are not measured" in n for s in report.networks.values() for n in s.notes)
    assert not report.summary.groups and report.summary.group_notes


def test_a_conversation_too_small_to_cluster_is_reported_not_raised(session, bare_workshop):
    from lpip.workshops.workshops import set_workshop_status

    set_workshop_status(session, bare_workshop.id, "open")
    set_voting(session, bare_workshop.id, voting_open=True)
    set_walkin(session, bare_workshop.id, True)
    people = [join_workshop(session, bare_workshop.join_code, "public") for _ in range(2)]
    statement, _ = add_statement(session, people[0], "Buses should run later", client_id="statement-01")
    for person in people:
        cast_vote(session, person, statement.id, "agree")
    section = next(iter(build_report(session, bare_workshop.id).opinions.values()))
    assert section.notes and section.notes[0].startswith("Opinion groups could not be found")
    assert not section.tables


def test_a_sub_region_report_covers_its_workshops(session, demo, bare_workshop):
    report = build_report(session, "WM-BC")
    assert report.scope == "sub-region" and "WM-BC" in report.subregions
    assert set(report.workshops["Workshop"]) >= {demo.workshop_id, bare_workshop.id}
    assert len(report.networks) == len(report.workshops)


def test_unknown_targets_are_refused(session):
    with pytest.raises(UnknownWorkshop):
        build_report(session, "987654")
    with pytest.raises(NoData, match="neither a workshop id nor a sub-region"):
        build_report(session, "NOWHERE")
