"""Planning a stored workshop's tables: read attendees, run the optimiser, keep the seats."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.errors import InvalidContribution
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.tableplan import TablePlan, plan_tables, random_rotation_mean
from lpip.workshops.workshops import get_workshop, rounds_of


def attendee_frame(session: Session, workshop_id: int) -> pd.DataFrame:
    """Attendees as the optimiser needs them: attendee_id, sector, host_table (no personal data)."""
    rows = session.execute(
        select(Attendee.id, Attendee.sector, Attendee.host_table)
        .where(Attendee.workshop_id == workshop_id).order_by(Attendee.id)
    ).all()
    return pd.DataFrame(rows, columns=["attendee_id", "sector", "host_table"])


def plan_workshop(session: Session, workshop_id: int, seed: int = 0, iterations: int = 20000) -> tuple[TablePlan, dict]:
    """Plan the workshop's tables, store the seats (replacing any earlier plan), and return the
    plan with the mean scores of random rotations for comparison."""
    workshop = get_workshop(session, workshop_id)
    rounds = len(rounds_of(session, workshop_id))
    attendees = attendee_frame(session, workshop_id)
    if attendees.empty:
        raise InvalidContribution(f"Workshop {workshop_id} has no attendees yet: register or import them first.")
    plan = plan_tables(attendees, workshop.tables, rounds, seed=seed, iterations=iterations)
    baseline = random_rotation_mean(attendees, workshop.tables, rounds, seed=seed)
    session.execute(delete(TableSeat).where(TableSeat.workshop_id == workshop_id))
    session.add_all(
        TableSeat(workshop_id=workshop_id, round_number=int(r.round), attendee_id=int(r.attendee_id), table_number=int(r.table))
        for r in plan.seats.itertuples(index=False)
    )
    session.flush()
    return plan, baseline
