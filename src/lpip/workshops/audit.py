"""The record of who did what cannot be undone or changes who may do what.

Deleting a workshop, new host links, members added or removed: each leaves an
:class:`~lpip.workshops.models.AuditEvent` naming the account (by id and by email, so the
record survives the account) and the workshop (by id and title, so it survives the workshop).
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.workshops.models import AuditEvent, UserAccount


def record_event(session: Session, actor: UserAccount | str, action: str, workshop_id: int | None = None,
                 **detail) -> AuditEvent:
    """Record ``action`` by ``actor`` (an account, or a description such as ``"cli:alice"``)."""
    event = AuditEvent(
        actor_id=actor.id if isinstance(actor, UserAccount) else None,
        actor=actor.email if isinstance(actor, UserAccount) else str(actor)[:254],
        action=action[:40], workshop_id=workshop_id, detail=json.dumps(detail, default=str, sort_keys=True),
    )
    session.add(event)
    session.flush()
    return event


def audit_events(session: Session, workshop_id: int | None = None) -> pd.DataFrame:
    """The recorded events, oldest first (of one workshop, if given): at, actor, action,
    workshop_id and detail (a JSON object)."""
    query = select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.workshop_id, AuditEvent.detail)
    if workshop_id is not None:
        query = query.where(AuditEvent.workshop_id == workshop_id)
    rows = session.execute(query.order_by(AuditEvent.id)).all()
    return pd.DataFrame(rows, columns=["at", "actor", "action", "workshop_id", "detail"])
