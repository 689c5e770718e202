"""How the room voted: the tallies of votes on statements and of dots on priorities.

One function for each, used by every page, the API, the reports and the synthesis, so that
the same workshop never shows two different counts.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.workshops.models import Contribution, Dot, Vote

VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}
TALLY_COLUMNS = ["contribution_id", "workshop_id", "text", "status", "agree", "disagree", "pass", "votes", "agree_share"]
DOT_COLUMNS = ["contribution_id", "workshop_id", "text", "status", "dots", "people"]


def statement_tallies(session: Session, workshop_ids: Iterable[int], visible_only: bool = True) -> pd.DataFrame:
    """One row per statement: agree, disagree and pass votes, their total and the share agreeing.

    Hidden statements are left out unless ``visible_only`` is False (moderation pages show
    them). Rows are in the order the statements were made.

    Examples
    --------
    >>> statement_tallies(session, [1]).columns.tolist()  # doctest: +SKIP
    ['contribution_id', 'workshop_id', 'text', 'status', 'agree', 'disagree', 'pass', 'votes', 'agree_share']
    """
    counted = [func.count(Vote.id).filter(Vote.value == value).label(name) for name, value in VOTE_VALUES.items()]
    query = (
        select(Contribution.id, Contribution.workshop_id, Contribution.text, Contribution.status, *counted)
        .outerjoin(Vote, Vote.contribution_id == Contribution.id)
        .where(*_chosen(workshop_ids, "statement", visible_only))
        .group_by(Contribution.id, Contribution.workshop_id, Contribution.text, Contribution.status)
        .order_by(Contribution.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=TALLY_COLUMNS[:7])
    frame[["agree", "disagree", "pass"]] = frame[["agree", "disagree", "pass"]].astype(int)
    frame["votes"] = frame[["agree", "disagree", "pass"]].sum(axis=1).astype(int)
    frame["agree_share"] = frame["agree"] / frame["votes"].where(frame["votes"] > 0)
    return frame


def priority_dots(session: Session, workshop_ids: Iterable[int], visible_only: bool = True) -> pd.DataFrame:
    """One row per priority put to the dot vote: the dots spent on it and by how many people,
    most dots first (ties in the order the priorities were made).

    Examples
    --------
    >>> priority_dots(session, [1]).columns.tolist()  # doctest: +SKIP
    ['contribution_id', 'workshop_id', 'text', 'status', 'dots', 'people']
    """
    dots = func.coalesce(func.sum(Dot.dots), 0)
    query = (
        select(Contribution.id, Contribution.workshop_id, Contribution.text, Contribution.status,
               dots.label("dots"), func.count(Dot.participant_id).label("people"))
        .outerjoin(Dot, Dot.contribution_id == Contribution.id)
        .where(*_chosen(workshop_ids, "priority", visible_only))
        .group_by(Contribution.id, Contribution.workshop_id, Contribution.text, Contribution.status)
        .order_by(dots.desc(), Contribution.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=DOT_COLUMNS)
    frame[["dots", "people"]] = frame[["dots", "people"]].astype(int)
    return frame


def _chosen(workshop_ids: Iterable[int], kind: str, visible_only: bool) -> list:
    conditions = [Contribution.workshop_id.in_(list(workshop_ids)), Contribution.kind == kind]
    if visible_only:
        conditions.append(Contribution.status == "visible")
    return conditions
