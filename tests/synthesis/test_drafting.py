"""Drafting candidate priorities from a workshop: where each comes from, deterministic, idempotent."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from lpip.deliberation.opinions import find_opinion_groups
from lpip.deliberation.votes import workshop_votes
from lpip.synthesis.drafting import MIN_STATEMENT_VOTES, draft_priorities
from lpip.synthesis.models import Priority, PrioritySource
from lpip.synthesis.priorities import source_contributions
from lpip.synthesis.triage import GROUPS_APART, HIGH_AGREEMENT_FROM
from lpip.workshops.tallies import priority_dots, statement_tallies

from .conftest import POLICING, polis_workshop


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_every_dot_voted_priority_becomes_a_candidate_with_its_dots_as_source(session, demo):
    result = draft_priorities(session, demo.workshop_id)
    dotted = priority_dots(session, [demo.workshop_id])
    dotted = dotted[dotted["dots"] > 0]
    sources = source_contributions(session, result.created)
    for row in dotted.itertuples(index=False):
        mine = sources[sources["contribution_id"] == row.contribution_id]
        assert len(mine) == 1, row.text
        assert mine["via"].iloc[0] == f"dot vote: {row.dots} dots from {row.people} people"
    titles = {session.get(Priority, p).title for p in result.created}
    assert set(dotted["text"]) <= titles


def test_candidates_from_demo_data_say_they_are_made_up(session, demo):
    result = draft_priorities(session, demo.workshop_id)
    assert result.created
    assert all(session.get(Priority, p).title.startswith("(demo)") for p in result.created)


def test_drafting_again_adds_nothing(session, demo):
    first = draft_priorities(session, demo.workshop_id)
    priorities, sources = _count(session, Priority), _count(session, PrioritySource)
    again = draft_priorities(session, demo.workshop_id)
    assert again.created == [] and sorted(again.existing) == sorted(first.created)
    assert again.sources_added == 0
    assert (_count(session, Priority), _count(session, PrioritySource)) == (priorities, sources)


def test_every_candidate_says_where_it_came_from(session, policing):
    result = draft_priorities(session, policing)
    assert len(result.candidates) > 0
    assert result.candidates["from"].str.len().gt(0).all()
    sources = source_contributions(session, result.created)
    assert set(sources["priority_id"]) == set(result.created)  # every candidate has a source
    assert sources["via"].str.match(r"^(dot vote|consensus statement|code '|theme \d+: )").all()


def test_consensus_candidates_are_statements_every_opinion_group_agrees_with(session, policing):
    """Checked against the opinion groups computed here from the workshop's votes."""
    result = draft_priorities(session, policing, seed=0)
    votes, statements, _ = workshop_votes(session, policing)
    groups = find_opinion_groups(votes, statements, bootstraps=0, seed=0)
    table = groups.group_consensus.set_index("statement")
    p_agree = table.filter(like="p_agree_")
    agreement = table["group_informed_consensus"] ** (1 / groups.n_groups)
    counts = statement_tallies(session, [policing]).set_index("contribution_id")["votes"]
    expected = {s for s in table.index if agreement[s] >= HIGH_AGREEMENT_FROM
                and p_agree.loc[s].max() - p_agree.loc[s].min() < GROUPS_APART and counts[s] >= MIN_STATEMENT_VOTES}
    sources = source_contributions(session, result.created)
    chosen = set(sources.loc[sources["via"].str.startswith("consensus statement"), "contribution_id"])
    assert chosen == expected
    assert expected, "the policing conversation has statements all three groups agree with"


def test_drafting_is_deterministic_given_the_seed(session, shared_data):
    """The same conversation loaded twice drafts the same candidates from the same contributions."""
    folder = shared_data / "polis" / POLICING
    first, second = polis_workshop(session, folder, "WM-BSOL"), polis_workshop(session, folder, "WM-BC")

    def drafted(workshop_id):
        result = draft_priorities(session, workshop_id, seed=3)
        sources = source_contributions(session, result.created)
        texts = sources.groupby("priority_id")["text"].apply(lambda t: tuple(sorted(t)))
        return sorted(zip(result.candidates["title"], result.candidates["from"],
                          result.candidates["priority_id"].map(texts), strict=True))

    assert drafted(first) == drafted(second)


def test_themes_are_drafted_when_there_is_enough_text(session, policing):
    result = draft_priorities(session, policing)
    sources = source_contributions(session, result.created)
    assert sources["via"].str.startswith("theme ").any() or result.candidates["from"].str.contains("theme").any()
    assert not any("Emergent themes not drafted" in note for note in result.notes)


def test_a_small_workshop_says_why_themes_were_not_drafted(session, demo):
    result = draft_priorities(session, demo.workshop_id)
    assert any(note.startswith("Emergent themes not drafted") and "(20 needed)" in note for note in result.notes)


def test_a_contribution_supports_at_most_one_candidate_per_draft(session, policing):
    result = draft_priorities(session, policing)
    sources = source_contributions(session, result.created)
    assert not sources["contribution_id"].duplicated().any()
    assert np.isfinite(pd.to_numeric(sources["contribution_id"])).all()
