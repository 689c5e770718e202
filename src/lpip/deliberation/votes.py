"""A workshop's statement votes in the shape the opinion-group method reads.

:func:`workshop_votes` is to a workshop what :func:`lpip.deliberation.polis.read_polis_export`
is to a pol.is export: votes, statements and each participant's sector, ready for
:func:`lpip.deliberation.opinions.find_opinion_groups`.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.workshops.models import Contribution, Participant, Vote


def workshop_votes(session: Session, workshop_id: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A workshop's visible statements' votes (participant, statement, vote, timestamp in
    order of voting), the statements (statement, text) and each participant's sector.

    Examples
    --------
    >>> votes, statements, sectors = workshop_votes(session, 1)  # doctest: +SKIP
    """
    visible_statements = (Contribution.workshop_id == workshop_id, Contribution.kind == "statement",
                          Contribution.status == "visible")
    votes = pd.DataFrame(session.execute(
        select(Vote.participant_id, Vote.contribution_id, Vote.value, Vote.voted_at)
        .join(Contribution, Contribution.id == Vote.contribution_id)
        .where(*visible_statements).order_by(Vote.voted_at, Vote.id)).all(),
        columns=["participant", "statement", "vote", "timestamp"])
    statements = pd.DataFrame(session.execute(
        select(Contribution.id, Contribution.text).where(*visible_statements).order_by(Contribution.id)).all(),
        columns=["statement", "text"])
    sectors = dict(session.execute(select(Participant.id, Participant.sector)
                                   .where(Participant.workshop_id == workshop_id)).all())
    return votes, statements, {k: v for k, v in sectors.items() if v}
