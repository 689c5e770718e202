"""Vote and dot tallies: one function each, checked against counts made in the test."""

from __future__ import annotations

import pytest
from lpip.workshops.capture import add_priority, add_statement, cast_vote, join_workshop, moderate, spend_dots
from lpip.workshops.tallies import priority_dots, statement_tallies
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting


@pytest.fixture
def room(session):
    workshop = create_workshop(session, "Test tallies", [RoundSpec("Q1")], tables=2)
    open_round(session, workshop.id, 1)
    people = [join_workshop(session, workshop.join_code, "public") for _ in range(5)]
    statements = [add_statement(session, people[i], f"Statement {i}", f"statement-{i:04d}")[0] for i in range(3)]
    set_voting(session, workshop.id, voting_open=True, harvest_open=True)
    return workshop, people, statements


def test_statement_tallies_count_each_vote_once(session, room):
    workshop, people, statements = room
    votes = {0: ["agree", "agree", "disagree", "pass", "agree"], 1: ["disagree", "disagree"], 2: []}
    for index, values in votes.items():
        for person, value in zip(people, values):
            cast_vote(session, person, statements[index].id, value)
    cast_vote(session, people[0], statements[1].id, "agree")  # changes their earlier disagree
    tallies = statement_tallies(session, [workshop.id]).set_index("text")
    assert tallies.loc["Statement 0", ["agree", "disagree", "pass", "votes"]].tolist() == [3, 1, 1, 5]
    assert tallies.loc["Statement 1", ["agree", "disagree", "pass", "votes"]].tolist() == [1, 1, 0, 2]
    assert tallies.loc["Statement 2", "votes"] == 0
    assert pytest.approx(tallies.loc["Statement 0", "agree_share"]) == 0.6


def test_hidden_statements_only_when_asked(session, room):
    workshop, _, statements = room
    moderate(session, statements[0].id, "hidden")
    assert len(statement_tallies(session, [workshop.id])) == 2
    assert len(statement_tallies(session, [workshop.id], visible_only=False)) == 3


def test_priority_dots_sum_and_order(session, room):
    workshop, people, _ = room
    first = add_priority(session, workshop.id, "Buses")
    second = add_priority(session, workshop.id, "Skills")
    spend_dots(session, people[0], {first.id: 2, second.id: 1})
    spend_dots(session, people[1], {second.id: 3})
    dots = priority_dots(session, [workshop.id])
    assert dots["text"].tolist() == ["Skills", "Buses"]
    assert dots["dots"].tolist() == [4, 2]
    assert dots["people"].tolist() == [2, 1]
