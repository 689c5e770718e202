"""The room map: opinion groups and what the whole room agrees on, without who is who."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lpip.deliberation.room import MIN_GROUP_SHOWN, REASONS, RoomMapCache, room_map
from lpip.workshops.capture import add_statement, cast_vote, join_workshop
from lpip.workshops.models import Contribution
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting


def _workshop(session):
    workshop = create_workshop(session, "MADE-UP room map workshop", [RoundSpec("What would help?", 20)], tables=2)
    open_round(session, workshop.id, 1)
    set_voting(session, workshop.id, voting_open=True)
    return workshop


def test_a_room_with_few_votes_is_not_ready(session):
    workshop = _workshop(session)
    people = [join_workshop(session, workshop.join_code, burst=100) for _ in range(2)]
    statement, _ = add_statement(session, people[0], "MADE-UP: more benches", "made-up-bench-1")
    cast_vote(session, people[1], statement.id, "agree")
    made = room_map(session, workshop.id)
    assert not made.ready and made.groups == [] and made.reason == "few_voters"


def test_three_voters_on_one_statement_are_not_enough_votes(session):
    workshop = _workshop(session)
    people = [join_workshop(session, workshop.join_code, burst=100) for _ in range(4)]
    statement, _ = add_statement(session, people[0], "MADE-UP: more benches", "made-up-bench-1")
    for person in people[1:]:
        cast_vote(session, person, statement.id, "agree")
    made = room_map(session, workshop.id)
    assert (made.ready, made.reason, made.voters) == (False, "few_votes", 3)
    assert set(REASONS) == {"few_voters", "few_votes"}  # the codes the pages word


def test_two_camps_make_two_groups_and_the_shared_statements_are_agreed(session, made_up_room):
    workshop = _workshop(session)
    ids = made_up_room(session, workshop.id, people=14)
    made = room_map(session, workshop.id)
    assert made.ready and made.voters == 14
    assert len(made.groups) >= 2
    assert sum(g["size"] for g in made.groups) == 14
    agreed = {s["text"] for s in made.agreed}
    assert agreed == {"MADE-UP: step-free stations", "MADE-UP: bus times on paper at stops"}
    # Each group is set apart by the camp statements, never by the shared ones.
    for group in made.groups:
        assert group["unites"] and not {s["text"] for s in group["unites"]} & agreed
    # Members of one camp share a group; the other camp is elsewhere.
    assert made.group_of(ids[0]) == made.group_of(ids[2]) != made.group_of(ids[1])
    # What is shown carries no participant: only group names, sizes, anonymous places and statement texts.
    assert {key for g in made.groups for key in g} == {"name", "size", "share", "positions", "withheld", "unites"}
    assert {key for g in made.groups for s in g["unites"] for key in s} == {"text", "direction", "share"}
    assert {key for s in made.agreed for key in s} == {"text", "share"}


def test_the_cache_recomputes_only_when_votes_change(session, made_up_room):
    workshop = _workshop(session)
    ids = made_up_room(session, workshop.id, people=12)
    cache = RoomMapCache()
    first = cache.get(session, workshop.id)
    assert cache.get(session, workshop.id) is first and cache.computed == 1
    newcomer = join_workshop(session, workshop.join_code, burst=100)
    statement, _ = add_statement(session, newcomer, "MADE-UP: a bench at every stop", "made-up-bench-2")
    cast_vote(session, newcomer, statement.id, "agree")
    session.flush()
    assert cache.get(session, workshop.id) is not first and cache.computed == 2
    assert len(ids) == 12


def test_each_group_has_one_anonymous_place_per_member_and_a_participant_finds_their_own(session, made_up_room):
    workshop = _workshop(session)
    ids = made_up_room(session, workshop.id, people=14)
    made = room_map(session, workshop.id)
    places = [p for g in made.groups for p in g["positions"]]
    assert [len(g["positions"]) for g in made.groups] == [g["size"] for g in made.groups]
    assert all(len(p) == 2 and all(isinstance(v, float) and -1 <= v <= 1 for v in p) for p in places)
    assert max(abs(v) for p in places for v in p) == pytest.approx(1.0)  # the longer side spans -1..1
    for g in made.groups:
        assert g["positions"] == sorted(g["positions"])  # the order says nothing about who is who
    by_name = {g["name"]: g for g in made.groups}
    for pid in ids:
        assert made.position_of(pid) in by_name[made.group_of(pid)]["positions"]
    assert made.position_of(-1) is None
    # The two camps sit on opposite sides of the map's first axis.
    camp_x = [sum(made.position_of(pid)[0] for pid in ids[camp::2]) / 7 for camp in (0, 1)]
    assert camp_x[0] * camp_x[1] < 0
    assert "places" not in repr(made) and "membership" not in repr(made)


def _contrarians(session, workshop, people: int) -> list[int]:
    """Made-up people who agree with both camps' statements and disagree with the shared two."""
    statements = list(session.scalars(select(Contribution.id).where(
        Contribution.workshop_id == workshop.id, Contribution.kind == "statement").order_by(Contribution.id)))
    joined = [join_workshop(session, workshop.join_code, burst=100) for _ in range(people)]
    for person in joined:
        for i, statement in enumerate(statements):
            cast_vote(session, person, statement, "agree" if i < 8 else "disagree")
    session.flush()
    return [p.id for p in joined]


@pytest.mark.parametrize("people", [MIN_GROUP_SHOWN - 1, MIN_GROUP_SHOWN], ids=["below", "at"])
def test_a_group_smaller_than_the_minimum_is_drawn_and_counted_but_its_statements_withheld(session, made_up_room, people):
    workshop = _workshop(session)
    made_up_room(session, workshop.id, people=14)
    few = _contrarians(session, workshop, people)
    made = room_map(session, workshop.id)
    small = next(g for g in made.groups if g["name"] == made.group_of(few[0]))
    assert {made.group_of(p) for p in few} == {small["name"]} and small["size"] == people
    assert len(small["positions"]) == people
    assert small["withheld"] is (people < MIN_GROUP_SHOWN)
    assert (small["unites"] == []) is (people < MIN_GROUP_SHOWN)
    assert all(not g["withheld"] and g["unites"] for g in made.groups if g is not small)
