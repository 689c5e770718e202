"""Live capture in the library: rounds of late notes, idempotent retries, vote replacement, dots."""

from __future__ import annotations

import pytest

from lpip.errors import InvalidContribution, WorkshopClosed
from lpip.workshops.capture import add_note, add_priority, cast_vote, join_workshop, add_statement, spend_dots
from lpip.workshops.models import HostLink, Vote
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting


@pytest.fixture
def workshop(session):
    made = create_workshop(session, "Capture test", [RoundSpec("First?"), RoundSpec("Second?"), RoundSpec("Third?")], tables=2)
    open_round(session, made.id, 1)
    return made


def link_of(session, workshop, table=1):
    return session.query(HostLink).filter_by(workshop_id=workshop.id, table_number=table).one()


def test_a_note_sent_late_is_filed_in_the_round_it_was_written_in(session, workshop):
    link = link_of(session, workshop)
    open_round(session, workshop.id, 2)  # round 1 closed while the host's phone was offline
    late, _ = add_note(session, link, "Written in round one", "late-note-0001", round_number=1)
    now, _ = add_note(session, link, "Written in round two", "now-note-0001")
    assert (late.round_number, now.round_number) == (1, 2)


def test_a_round_not_yet_opened_is_not_trusted(session, workshop):
    note, _ = add_note(session, link_of(session, workshop), "Claims round three", "claim-note-001", round_number=3)
    assert note.round_number == 1


def test_a_retry_with_the_same_client_id_stores_nothing_new(session, workshop):
    link = link_of(session, workshop)
    first, created = add_note(session, link, "Once only", "retry-note-0001")
    again, created_again = add_note(session, link, "Once only", "retry-note-0001")
    assert created and not created_again and first.id == again.id


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000], ids=["empty", "blank", "ten-thousand"])
def test_empty_or_overlong_notes_are_refused(session, workshop, text):
    with pytest.raises(InvalidContribution):
        add_note(session, link_of(session, workshop), text, "bad-note-00001")


def test_a_later_vote_replaces_the_earlier_one(session, workshop):
    voter, author = join_workshop(session, workshop.join_code), join_workshop(session, workshop.join_code)
    statement, _ = add_statement(session, author, "Buses should run later", "stmt-00000001")
    set_voting(session, workshop.id, voting_open=True)
    cast_vote(session, voter, statement.id, "agree")
    cast_vote(session, voter, statement.id, "disagree")
    votes = session.query(Vote).filter_by(contribution_id=statement.id).all()
    assert [v.value for v in votes] == [-1]


def test_more_dots_than_allowed_are_refused_and_nothing_is_stored(session, workshop):
    participant = join_workshop(session, workshop.join_code)
    priority = add_priority(session, workshop.id, "Transport to jobs")
    set_voting(session, workshop.id, harvest_open=True)
    with pytest.raises(InvalidContribution, match="You have 5 dots and tried to spend 6"):
        spend_dots(session, participant, {priority.id: 6})
    assert spend_dots(session, participant, {priority.id: 5}) == {priority.id: 5}


def test_voting_closed_is_refused(session, workshop):
    voter = join_workshop(session, workshop.join_code)
    statement, _ = add_statement(session, voter, "A statement", "stmt-00000002")
    with pytest.raises(WorkshopClosed, match="Voting is not open"):
        cast_vote(session, voter, statement.id, "agree")
