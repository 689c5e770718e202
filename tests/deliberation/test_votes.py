"""A workshop's votes in the opinion-group method's shape, on the demonstration workshop
(made-up data), on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from lpip.deliberation.opinions import find_opinion_groups
from lpip.deliberation.votes import workshop_votes
from lpip.errors import UnknownWorkshop
from lpip.workshops.capture import cast_vote, moderate
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Contribution, Participant, Vote


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


def test_every_vote_on_a_statement_is_read(session, demo):
    votes, statements, sectors = workshop_votes(session, demo.workshop_id)
    stored = session.scalar(select(func.count()).select_from(Vote).join(Contribution, Contribution.id == Vote.contribution_id)
                            .where(Contribution.workshop_id == demo.workshop_id))
    assert len(votes) == stored > 0
    assert set(votes["vote"]) <= {-1, 0, 1}
    assert votes["timestamp"].is_monotonic_increasing and votes["timestamp"].dtype == "int64"
    assert statements["moderated"].eq(1).all() and statements["text"].str.startswith("(demo)").all()
    joined = dict(session.execute(select(Participant.id, Participant.sector)
                                  .where(Participant.workshop_id == demo.workshop_id)).all())
    assert sectors == joined


def test_a_hidden_statement_is_moderated_out_as_in_pol_is(session, demo):
    votes, statements, _ = workshop_votes(session, demo.workshop_id)
    hidden = int(statements["statement"].iloc[0])
    moderate(session, hidden, "hidden")
    votes_after, statements_after, sectors = workshop_votes(session, demo.workshop_id)
    assert statements_after.set_index("statement").loc[hidden, "moderated"] == -1
    assert len(votes_after) == len(votes)  # its votes still count towards who is grouped
    result = find_opinion_groups(votes_after, statements_after, sectors=sectors, bootstraps=0)
    assert hidden not in set(result.representative["statement"]) | set(result.consensus["statement"])


def test_the_latest_vote_counts(session, demo):
    people = session.scalars(select(Participant).where(Participant.workshop_id == demo.workshop_id)
                             .order_by(Participant.id)).all()
    votes, statements, _ = workshop_votes(session, demo.workshop_id)
    statement = int(statements["statement"].iloc[-1])
    cast_vote(session, people[0], statement, "disagree")
    session.flush()
    cast_vote(session, people[0], statement, "agree")
    session.flush()
    again, _, _ = workshop_votes(session, demo.workshop_id)
    mine = again[(again["participant"] == people[0].id) & (again["statement"] == statement)]
    assert mine["vote"].tolist() == [1]


def test_opinion_groups_of_the_demo_carry_sectors(session, demo):
    votes, statements, sectors = workshop_votes(session, demo.workshop_id)
    result = find_opinion_groups(votes, statements, sectors=sectors, bootstraps=3)
    members = result.participants.dropna(subset=["group"])
    assert result.groups["participants"].sum() == len(members) == len(sectors)
    for row in result.groups.itertuples(index=False):
        expected = pd.Series([sectors[p] for p in members.loc[members["group"] == row.group, "participant"]])
        for sector, n in expected.value_counts().items():
            assert f"{sector} {n}" in row.sector_mix


def test_an_unknown_workshop(session):
    with pytest.raises(UnknownWorkshop):
        workshop_votes(session, 999_999)
