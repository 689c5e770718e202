"""Workshops to synthesise: the made-up demonstration workshop, and real pol.is conversations
(CC BY 4.0, ../shared/data/polis) loaded as workshops: their statements, their participants and
every vote, through the same capture functions the web pages use."""

from __future__ import annotations

import pandas as pd
import pytest

from lpip.deliberation.polis import read_polis_export
from lpip.workshops.capture import add_statement, cast_vote, join_workshop
from lpip.workshops.demo import load_demo
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

POLICING = "london.youth.policing"  # 36 statements, 26 voters, 3 opinion groups
VOTE_WORDS = {1: "agree", -1: "disagree", 0: "pass"}


def polis_workshop(session, folder, subregion: str, title: str | None = None) -> int:
    """A workshop holding a real pol.is conversation: one participant per voter or author, the
    conversation's unmoderated statements, and its votes in time order."""
    export = read_polis_export(folder)
    workshop = create_workshop(session, title or f"pol.is {folder.name} (CC BY 4.0) as a workshop",
                               [RoundSpec("What matters here?", 25)], tables=4, subregion_code=subregion)
    open_round(session, workshop.id, 1)
    set_voting(session, workshop.id, voting_open=True, harvest_open=True)
    statements = export.statements[export.statements["moderated"] != -1]
    people = {}
    def person(pid):
        if pid not in people:
            people[pid] = join_workshop(session, workshop.join_code)
        return people[pid]
    made = {}
    for row in statements.sort_values("statement").itertuples(index=False):
        author = row.author if "author" in statements.columns and pd.notna(row.author) else -1
        made[row.statement], _ = add_statement(session, person(author), str(row.text),
                                               client_id=f"polis-{workshop.id}-{row.statement}")
    votes = export.votes[export.votes["statement"].isin(made)].sort_values(["timestamp", "participant", "statement"])
    for row in votes.itertuples(index=False):
        cast_vote(session, person(row.participant), made[row.statement].id, VOTE_WORDS[int(row.vote)])
    session.flush()
    return workshop.id


@pytest.fixture
def demo(session):
    """The demonstration workshop (made-up data, labelled so)."""
    return load_demo(session, seed=0)


@pytest.fixture
def policing(session, shared_data):
    """The pol.is "london.youth.policing" conversation as a Birmingham & Solihull workshop."""
    return polis_workshop(session, shared_data / "polis" / POLICING, "WM-BSOL")
