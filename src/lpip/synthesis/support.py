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
  in the theme co-occurrence network of its contributions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.deliberation.codebook import default_codebook, load_codebook
from lpip.deliberation.coding import code_by_rules
from lpip.deliberation.models import Code, CodeAssignment
from lpip.deliberation.networks import build_theme_network
from lpip.deliberation.opinions import find_opinion_groups
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
    rows = [_row(p.id, context, workshops.get(p.id, []), areas.get(p.id, [])) for p in priorities]
    return pd.DataFrame(rows, columns=SUPPORT_COLUMNS)


def _row(priority_id: int, context: SupportContext, workshops: list[int], areas: list[str]) -> dict:
    mine = context.sources[context.sources["priority_id"] == priority_id]
    kinds = {kind: mine.loc[mine["kind"] == kind, "contribution_id"].tolist() for kind in ("note", "statement", "priority")}
    tallies = context.tallies[context.tallies["contribution_id"].isin(kinds["statement"])]
    consensus, agreement, spread, method = _consensus_of(mine[mine["kind"] == "statement"], context.consensus)
    codes = context.codes[context.codes["contribution_id"].isin(mine["contribution_id"])]
    graph = build_theme_network(codes[["contribution_id", "code"]]) if not codes.empty else None
    return dict(
        priority_id=priority_id, workshop_ids=workshops, area_codes=areas, sources=len(mine),
        notes=kinds["note"], statements=kinds["statement"], dot_priorities=kinds["priority"],
        sectors=sorted(_sectors(mine, context)),
        dots=int(context.dots.loc[context.dots["contribution_id"].isin(kinds["priority"]), "dots"].sum()),
        votes_agree=int(tallies["agree"].sum()), votes_disagree=int(tallies["disagree"].sum()),
        consensus=consensus, agreement=agreement, consensus_spread=spread, consensus_method=method,
        codes=sorted(codes["code"].unique().tolist()),
        code_ties=0 if graph is None else graph.number_of_edges(),
    )


def _sectors(mine: pd.DataFrame, context: SupportContext) -> set[str]:
    found: set[str] = set()
    for row in mine.itertuples(index=False):
        if row.kind == "priority":
            found |= context.dot_sectors.get(row.contribution_id, set())
        if isinstance(row.sector, str) and row.sector:
            found.add(row.sector)
    return found


def _consensus_of(statements: pd.DataFrame, consensus: dict[int, Consensus]) -> tuple[float, float, float, str]:
    values, agreements, spreads, methods = [], [], [], set()
    for row in statements.itertuples(index=False):
        found = consensus.get(row.workshop_id)
        if found is None:
            continue
        match = found.table[found.table["statement"] == row.contribution_id]
        if match.empty:
            continue
        values.append(float(match["consensus"].iloc[0]))
        agreements.append(float(match["agreement"].iloc[0]))
        spreads.append(float(match["spread"].iloc[0]))
        methods.add(found.method)
    if not values:
        return np.nan, np.nan, np.nan, ""
    return float(np.mean(values)), float(np.mean(agreements)), float(np.max(spreads)), "; ".join(sorted(methods))


# ----------------------------------------------------------------------------- consensus


def workshop_consensus(session: Session, workshop_id: int, seed: int = 0) -> Consensus:
    """Group-informed consensus of each of a workshop's statements.

    From the workshop's opinion groups (pol.is method, ``seed``); when there are too few
    participants or votes for groups, from the room as one group: (agrees + 1) / (votes + 2).
    ``agreement`` is the per-group geometric mean (consensus ** (1 / groups)); ``spread`` the largest
    difference between two groups' (A + 1) / (S + 2) (0 for one group).
    """
    votes, statements, sectors = workshop_votes(session, workshop_id)
    try:
        # No sectors known: pass None (an empty mapping trips a pandas warning in count_sectors).
        groups = find_opinion_groups(votes, statements, sectors=sectors or None, bootstraps=0, seed=seed)
    except (ConversationTooSmall, InvalidVotes):
        return _room_consensus(session, workshop_id)
    table = groups.group_consensus
    p_agree = table.filter(like="p_agree_")
    frame = pd.DataFrame({"statement": table["statement"], "consensus": table["group_informed_consensus"],
                          "agreement": table["group_informed_consensus"] ** (1 / groups.n_groups),
                          "spread": p_agree.max(axis=1) - p_agree.min(axis=1)})
    return Consensus(frame, f"opinion groups ({groups.n_groups})", groups.n_groups)


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
