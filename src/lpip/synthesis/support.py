"""What supports each priority, from its sources: dots, votes, the sectors that raised it, the
opinion groups' consensus on its statements, and the codes (themes) its contributions carry.

Counted at the time of asking, from the same functions every page uses (:mod:`lpip.workshops.tallies`,
:func:`lpip.deliberation.votes.workshop_votes`), so a priority never shows other figures than
its workshop's pages:

- **dots**: dots spent on its dot-voted priorities; **votes**: agree and disagree votes on its
  statements;
- **sectors**: a statement's author's sector; for a dot-voted priority, the sectors of the people
  who spent dots on it; a table note's sector when one was recorded with it (paper notes can
  carry one). A note written for a whole table is not counted for everyone seated there: that
  would make every note "raised by" the mix the table plan made;
- **consensus**: the mean group-informed consensus (pol.is) of its statements, from the opinion
  groups of their workshop; **spread**: the largest gap between two groups' agreement with one
  of its statements. A workshop too small for opinion groups is treated as one group (the
  room), and the method column says so. **agreement** is the same per group (the geometric mean
  of the groups' (agrees + 1) / (votes + 2), so that it does not fall with the number of groups);
- **codes**: codes applied to its contributions (stored assignments by any coder; the
  codebook's keyword rules for contributions nobody has coded), and the ties between those codes
  in the theme co-occurrence network of its contributions (two codes are tied when one
  contribution carries both, as in :func:`lpip.deliberation.networks.build_theme_network`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.deliberation.codebook import default_codebook, load_codebook
from lpip.deliberation.coding import code_by_rules
from lpip.deliberation.models import Code, CodeAssignment
from lpip.deliberation.consensus import group_informed_consensus
from lpip.deliberation.clusters import cluster_participants
from lpip.deliberation.opinions import (
    build_vote_matrix, check_size, check_votes, moderated_out_statements, project_participants,
    select_participants,
)
from lpip.deliberation.votes import workshop_votes
from lpip.errors import ConversationTooSmall, InvalidVotes
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import areas_of, source_contributions, workshops_of
from lpip.workshops.models import Dot, Participant
from lpip.workshops.tallies import priority_dots, statement_tallies

SUPPORT_COLUMNS = [
    "priority_id", "workshop_ids", "area_codes", "sources", "notes", "statements", "dot_priorities",
    "sectors", "dots", "votes_agree", "votes_disagree", "consensus", "agreement", "consensus_spread", "consensus_method",
    "codes", "code_ties",
]


@dataclass
class Consensus:
    """Group-informed consensus of a workshop's statements (``statement, consensus, spread``)
    and how it was found ("opinion groups" or "the room as one group")."""

    table: pd.DataFrame
    method: str
    groups: int


@dataclass
class SupportContext:
    """What is read once for many priorities: sources, tallies, consensus per workshop, codes."""

    sources: pd.DataFrame
    dots: pd.DataFrame
    tallies: pd.DataFrame
    dot_sectors: dict[int, set[str]]
    codes: pd.DataFrame
    consensus: dict[int, Consensus] = field(default_factory=dict)


def gather_support(session: Session, priorities: list[Priority], seed: int = 0) -> SupportContext:
    """Read everything the support of ``priorities`` is counted from."""
    ids = [p.id for p in priorities]
    sources = source_contributions(session, ids)
    workshop_ids = sorted(set(sources["workshop_id"]))
    context = SupportContext(
        sources=sources, dots=priority_dots(session, workshop_ids, visible_only=False),
        tallies=statement_tallies(session, workshop_ids, visible_only=False),
        dot_sectors=_dot_sectors(session, sources),
        codes=contribution_codes(session, sources.drop_duplicates("contribution_id")),
    )
    for workshop_id in sorted(set(sources.loc[sources["kind"] == "statement", "workshop_id"])):
        context.consensus[workshop_id] = workshop_consensus(session, workshop_id, seed)
    return context


def priority_support(session: Session, priorities: list[Priority], seed: int = 0,
                     context: SupportContext | None = None) -> pd.DataFrame:
    """One row per priority with :data:`SUPPORT_COLUMNS` (lists for ids, sectors and codes).

    Examples
    --------
    >>> priority_support(session, [get_priority(session, 1)])[["dots", "sectors"]]  # doctest: +SKIP
    """
    context = context or gather_support(session, priorities, seed)
    ids = [p.id for p in priorities]
    workshops, areas = workshops_of(session, ids), areas_of(session, ids)
    lookup = _Lookup.of(context)
    rows = [_row(p.id, lookup, workshops.get(p.id, []), areas.get(p.id, [])) for p in priorities]
    return pd.DataFrame(rows, columns=SUPPORT_COLUMNS)


@dataclass
class _Lookup:
    """The context as plain dictionaries: many priorities are counted without DataFrame filters."""

    sources: dict[int, list]
    dots: dict[int, int]
    votes: dict[int, tuple[int, int]]
    codes: dict[int, list[str]]
    consensus: dict[int, dict[int, tuple[float, float, float]]]
    methods: dict[int, str]
    dot_sectors: dict[int, set[str]]

    @classmethod
    def of(cls, context: SupportContext) -> _Lookup:
        sources: dict[int, list] = {}
        for row in context.sources.itertuples(index=False):
            sources.setdefault(row.priority_id, []).append(row)
        codes: dict[int, list[str]] = {}
        for cid, code in zip(context.codes["contribution_id"], context.codes["code"], strict=True):
            codes.setdefault(int(cid), []).append(code)
        consensus = {w: {int(r.statement): (float(r.consensus), float(r.agreement), float(r.spread))
                         for r in c.table.itertuples(index=False)} for w, c in context.consensus.items()}
        t = context.tallies
        return cls(
            sources=sources, dots=dict(zip(context.dots["contribution_id"], context.dots["dots"], strict=True)),
            votes={int(c): (int(a), int(d)) for c, a, d in zip(t["contribution_id"], t["agree"], t["disagree"], strict=True)},
            codes=codes, consensus=consensus, methods={w: c.method for w, c in context.consensus.items()},
            dot_sectors=context.dot_sectors,
        )


def _row(priority_id: int, lookup: _Lookup, workshops: list[int], areas: list[str]) -> dict:
    mine = lookup.sources.get(priority_id, [])
    kinds = {kind: [r.contribution_id for r in mine if r.kind == kind] for kind in ("note", "statement", "priority")}
    votes = [lookup.votes.get(c, (0, 0)) for c in kinds["statement"]]
    consensus, agreement, spread, method = _consensus_of([r for r in mine if r.kind == "statement"], lookup)
    per_contribution = [sorted(set(lookup.codes.get(r.contribution_id, []))) for r in mine]
    codes = sorted({c for found in per_contribution for c in found})
    # The theme co-occurrence network of its contributions: codes tied when applied to one contribution.
    ties = {pair for found in per_contribution for pair in combinations(found, 2)}
    return dict(
        priority_id=priority_id, workshop_ids=workshops, area_codes=areas, sources=len(mine),
        notes=kinds["note"], statements=kinds["statement"], dot_priorities=kinds["priority"],
        sectors=sorted(_sectors(mine, lookup)), dots=int(sum(lookup.dots.get(c, 0) for c in kinds["priority"])),
        votes_agree=sum(a for a, _d in votes), votes_disagree=sum(d for _a, d in votes),
        consensus=consensus, agreement=agreement, consensus_spread=spread, consensus_method=method,
        codes=codes, code_ties=len(ties),
    )


def _sectors(mine: list, lookup: _Lookup) -> set[str]:
    found: set[str] = set()
    for row in mine:
        if row.kind == "priority":
            found |= lookup.dot_sectors.get(row.contribution_id, set())
        if isinstance(row.sector, str) and row.sector:
            found.add(row.sector)
    return found


def _consensus_of(statements: list, lookup: _Lookup) -> tuple[float, float, float, str]:
    found = [(lookup.consensus.get(r.workshop_id, {}).get(r.contribution_id), lookup.methods.get(r.workshop_id))
             for r in statements]
    found = [(values, method) for values, method in found if values is not None]
    if not found:
        return np.nan, np.nan, np.nan, ""
    values = np.array([v for v, _m in found])
    return (float(values[:, 0].mean()), float(values[:, 1].mean()), float(values[:, 2].max()),
            "; ".join(sorted({m for _v, m in found})))


# ----------------------------------------------------------------------------- consensus


def workshop_consensus(session: Session, workshop_id: int, seed: int = 0) -> Consensus:
    """Group-informed consensus of each of a workshop's statements.

    From the workshop's opinion groups (pol.is method, ``seed``); when there are too few
    participants or votes for groups, from the room as one group: (agrees + 1) / (votes + 2).
    ``agreement`` is the per-group geometric mean (consensus ** (1 / groups)); ``spread`` the largest
    difference between two groups' (A + 1) / (S + 2) (0 for one group).
    """
    votes, statements, _sectors = workshop_votes(session, workshop_id)
    try:
        table, n_groups = group_consensus(votes, statements, seed)
    except (ConversationTooSmall, InvalidVotes):
        return _room_consensus(session, workshop_id)
    p_agree = table.filter(like="p_agree_")
    frame = pd.DataFrame({"statement": table["statement"], "consensus": table["group_informed_consensus"],
                          "agreement": table["group_informed_consensus"] ** (1 / n_groups),
                          "spread": p_agree.max(axis=1) - p_agree.min(axis=1)})
    return Consensus(frame, f"opinion groups ({n_groups})", n_groups)


def group_consensus(votes: pd.DataFrame, statements: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, int]:
    """Group-informed consensus of every statement and the number of groups: the steps of
    :func:`lpip.deliberation.opinions.find_opinion_groups` up to the groups, then
    :func:`~lpip.deliberation.consensus.group_informed_consensus` (representative statements,
    majority consensus and bootstrap stability are not needed here, and took most of the time).
    The groups involve no random draw; ``seed`` is kept for the callers."""
    votes = check_votes(votes, statements)
    matrix = build_vote_matrix(votes)
    excluded = moderated_out_statements(statements, matrix.columns)
    included = select_participants(votes, matrix)
    check_size(matrix, included, excluded)
    projection = project_participants(matrix, excluded)
    groups, _silhouettes = cluster_participants(projection[included])
    return group_informed_consensus(matrix.loc[groups.index], groups), int(groups.nunique())


def _room_consensus(session: Session, workshop_id: int) -> Consensus:
    tallies = statement_tallies(session, [workshop_id])
    share = (tallies["agree"] + 1) / (tallies["votes"] + 2)
    frame = pd.DataFrame({"statement": tallies["contribution_id"], "consensus": share, "agreement": share, "spread": 0.0})
    return Consensus(frame, "the room as one group (too few votes for opinion groups)", 1)


# ----------------------------------------------------------------------------- sectors


def _dot_sectors(session: Session, sources: pd.DataFrame) -> dict[int, set[str]]:
    ids = sources.loc[sources["kind"] == "priority", "contribution_id"].unique().tolist()
    rows = session.execute(select(Dot.contribution_id, Participant.sector)
                           .join(Participant, Participant.id == Dot.participant_id)
                           .where(Dot.contribution_id.in_(ids), Dot.dots > 0)).all() if ids else []
    found: dict[int, set[str]] = {}
    for contribution_id, sector in rows:
        if sector:
            found.setdefault(contribution_id, set()).add(sector)
    return found


# ----------------------------------------------------------------------------- codes


def contribution_codes(session: Session, contributions: pd.DataFrame) -> pd.DataFrame:
    """The codes of contributions (``contribution_id``, ``text``): ``contribution_id, code,
    code_assignment_id`` (the assignment for stored codes; empty for rule-coded ones).

    Stored assignments by any coder count; contributions nobody has coded are coded by the
    codebook's keyword rules (the stored codebook, else the default), without storing anything.
    """
    ids = [int(i) for i in contributions["contribution_id"].unique()]
    stored = pd.DataFrame(session.execute(
        select(CodeAssignment.contribution_id, Code.name, CodeAssignment.id, CodeAssignment.code_id)
        .outerjoin(Code, Code.id == CodeAssignment.code_id)
        .where(CodeAssignment.contribution_id.in_(ids)).order_by(CodeAssignment.id)).all() if ids else [],
        columns=["contribution_id", "code", "code_assignment_id", "code_id"])
    read = set(stored["contribution_id"])
    found = stored.dropna(subset=["code"]).drop_duplicates(["contribution_id", "code"])[
        ["contribution_id", "code", "code_assignment_id"]]
    uncoded = contributions[~contributions["contribution_id"].isin(read)]
    if not uncoded.empty:
        book = load_codebook(session, install_default=False)
        ruled = code_by_rules(uncoded[["contribution_id", "text"]], default_codebook() if book.empty else book)
        ruled = ruled.dropna(subset=["code"])[["contribution_id", "code"]].assign(code_assignment_id=pd.NA)
        found = pd.concat([found, ruled], ignore_index=True) if not found.empty else ruled
    found = found.astype({"code_assignment_id": "Int64"})
    return found.sort_values(["contribution_id", "code"], kind="stable").reset_index(drop=True)
