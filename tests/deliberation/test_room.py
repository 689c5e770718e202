"""The room map: opinion groups and what the whole room agrees on, without who is who."""

from __future__ import annotations

from lpip.deliberation.room import RoomMapCache, room_map
from lpip.workshops.capture import add_statement, cast_vote, join_workshop
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
    assert not made.ready and made.groups == [] and "Not enough votes yet" in made.reason


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
    # What is shown carries no participant: only group names, sizes and statement texts.
    assert {key for g in made.groups for key in g} == {"name", "size", "share", "unites"}
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
