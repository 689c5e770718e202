"""A workshop's statement votes in the shape the opinion-group method reads.

:func:`workshop_votes` is to a workshop what :func:`lpip.deliberation.polis.read_polis_export`
is to a pol.is export: votes, statements and each participant's sector, ready for
:func:`lpip.deliberation.opinions.find_opinion_groups`.

A statement a facilitator hid, or its author withdrew, is kept with ``moderated = -1``, as pol.is
keeps a rejected comment: its votes still count towards who has voted enough to be grouped, but
the statement itself is left out of the maths and of every result that shows text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.workshops.models import Contribution, Participant, Vote
from lpip.workshops.workshops import get_workshop


@dataclass(frozen=True)
class WorkshopVotes:
    """A workshop's votes on statements.

    Attributes
    ----------
    votes : DataFrame
        ``participant, statement, vote, timestamp`` (a number that grows with the time of voting), in order of
        voting; a participant's later vote on a statement replaces the earlier one.
    statements : DataFrame
        ``statement, text, moderated`` (1 visible, -1 hidden or withdrawn).
    sectors : dict
        Participant id -> the sector they gave when joining (participants who gave none are left out).
    """

    votes: pd.DataFrame
    statements: pd.DataFrame
    sectors: dict

    def __iter__(self):
        # Unpacks as (votes, statements, sectors), as the function returned before.
        return iter((self.votes, self.statements, self.sectors))


def workshop_votes(session: Session, workshop_id: int) -> WorkshopVotes:
    """A workshop's statements, the votes on them and each participant's sector.

    Raises :class:`~lpip.errors.UnknownWorkshop` for an unknown workshop.

    Examples
    --------
    >>> votes, statements, sectors = workshop_votes(session, 1)  # doctest: +SKIP
    """
    get_workshop(session, workshop_id)
    statements_of = (Contribution.workshop_id == workshop_id, Contribution.kind == "statement")
    votes = pd.DataFrame(session.execute(
        select(Vote.participant_id, Vote.contribution_id, Vote.value, Vote.voted_at)
        .join(Contribution, Contribution.id == Vote.contribution_id)
        .where(*statements_of).order_by(Vote.voted_at, Vote.id)).all(),
        columns=["participant", "statement", "vote", "timestamp"])
    # SQLite gives naive times and PostgreSQL aware ones: both are UTC.
    votes["timestamp"] = pd.to_datetime(votes["timestamp"], utc=True).astype("int64")
    rows = session.execute(select(Contribution.id, Contribution.text, Contribution.status)
                           .where(*statements_of).order_by(Contribution.id)).all()
    statements = pd.DataFrame({"statement": [r[0] for r in rows], "text": [r[1] for r in rows],
                               "moderated": [1 if r[2] == "visible" else -1 for r in rows]})
    sectors = dict(session.execute(select(Participant.id, Participant.sector)
                                   .where(Participant.workshop_id == workshop_id)).all())
    return WorkshopVotes(votes, statements, {k: v for k, v in sectors.items() if v})
