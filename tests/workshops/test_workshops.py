"""Workshops: limits on what is typed, join codes of drafts, new host links, deletion."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, table

from lpip.errors import InvalidContribution, NotConfirmed, UnknownWorkshop, WorkshopClosed
from lpip.workshops.capture import add_note, add_statement, cast_vote, join_workshop
from lpip.workshops.models import HostLink
from lpip.workshops.workshops import (
    RoundSpec, create_workshop, delete_workshop, get_workshop, normalise_code, open_round, rotate_host_links,
    set_voting, workshop_by_code,
)


def test_texts_are_cleaned_and_limited(session):
    made = create_workshop(session, " Buses\u200b\u202e after\x00 10pm ", [RoundSpec("Why\ufeff?")], venue="\u2066Hall\u2069")
    assert (made.title, made.venue) == ("Buses after 10pm", "Hall")
    for title, rounds, message in [("T" * 301, [RoundSpec("Q")], "the limit is 300"),
                                   ("T", [RoundSpec("Q" * 1001)], "the limit is 1,000"),
                                   ("T", [RoundSpec("Q", minutes=241)], "from 1 to 240"),
                                   ("T", [RoundSpec("Q")] * 21, "at most 20 rounds"),
                                   ("\u200b\x00", [RoundSpec("Q")], "needs a title")]:
        with pytest.raises(InvalidContribution, match=message):
            create_workshop(session, title, rounds)


def test_a_drafts_code_does_not_work_yet(session):
    draft = create_workshop(session, "Draft", [RoundSpec("Q")])
    with pytest.raises(WorkshopClosed, match="has not opened yet"):
        workshop_by_code(session, draft.join_code)
    open_round(session, draft.id, 1)
    assert workshop_by_code(session, f" {draft.join_code[:3]}-{draft.join_code[3:].lower()}\u200b") is draft
    assert normalise_code("x" * 100) == "X" * 12


def test_rotating_host_links_changes_only_the_tables_asked_for(session):
    made = create_workshop(session, "Rotate", [RoundSpec("Q")], tables=3)
    before = dict(session.execute(select(HostLink.table_number, HostLink.token).where(HostLink.workshop_id == made.id)).all())
    rotate_host_links(session, made.id, [2])
    after = dict(session.execute(select(HostLink.table_number, HostLink.token).where(HostLink.workshop_id == made.id)).all())
    assert after[1] == before[1] and after[3] == before[3] and after[2] != before[2]
    with pytest.raises(InvalidContribution, match="no table 4"):
        rotate_host_links(session, made.id, [4])


def test_deleting_takes_everything_with_it_and_needs_the_title(session):
    made = create_workshop(session, "Delete me", [RoundSpec("Q")], tables=1)
    kept = create_workshop(session, "Keep me", [RoundSpec("Q")], tables=1)
    for w in (made, kept):
        open_round(session, w.id, 1)
        set_voting(session, w.id, voting_open=True)
        link = session.scalar(select(HostLink).where(HostLink.workshop_id == w.id))
        add_note(session, link, "A note", f"note-{w.id:08d}")
        author, voter = join_workshop(session, w.join_code), join_workshop(session, w.join_code)
        statement, _ = add_statement(session, author, "A statement", f"stmt-{w.id:08d}")
        cast_vote(session, voter, statement.id, "agree")
    with pytest.raises(NotConfirmed):
        delete_workshop(session, made.id, "Delete")
    assert delete_workshop(session, made.id, "delete ME") == {"participants": 2, "contributions": 2}
    with pytest.raises(UnknownWorkshop):
        get_workshop(session, made.id)
    for name, left in [("participant", 2), ("contribution", 2), ("vote", 1), ("host_link", 1), ("workshop_round", 1)]:
        assert session.scalar(select(func.count()).select_from(table(name))) == left, name


def test_a_workshop_id_too_big_for_the_database_is_unknown_not_an_overflow(session):
    with pytest.raises(UnknownWorkshop, match="workshop ids run from 1 to 2,147,483,647"):
        get_workshop(session, 2**63)
