"""Planning a stored workshop's tables: read attendees, run the optimiser, keep the seats."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.errors import InvalidContribution
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.tableplan import Replan, TablePlan, plan_tables, random_rotation_mean, replan_tables
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


def stored_seats(session: Session, workshop_id: int) -> pd.DataFrame:
    """The stored plan: attendee_id, round, table (empty when the tables are not planned)."""
    rows = session.execute(
        select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
        .where(TableSeat.workshop_id == workshop_id).order_by(TableSeat.round_number, TableSeat.attendee_id)
    ).all()
    return pd.DataFrame(rows, columns=["attendee_id", "round", "table"])


def replan_workshop(session: Session, workshop_id: int, absent, from_round: int = 1, seed: int = 0) -> Replan:
    """Re-plan the stored plan from ``from_round`` on without the attendees in ``absent`` (their
    ids), moving as few present people as possible, and store it (rounds before ``from_round``
    are left as they were)."""
    workshop = get_workshop(session, workshop_id)
    seats = stored_seats(session, workshop_id)
    if seats.empty:
        raise InvalidContribution(
            f"Workshop {workshop_id} has no table plan to re-plan: run `lpip workshops plan {workshop_id}` first.")
    result = replan_tables(seats, attendee_frame(session, workshop_id), absent, workshop.tables,
                           seed=seed, from_round=from_round)
    session.execute(delete(TableSeat).where(TableSeat.workshop_id == workshop_id, TableSeat.round_number >= from_round))
    session.add_all(
        TableSeat(workshop_id=workshop_id, round_number=int(r.round), attendee_id=int(r.attendee_id), table_number=int(r.table))
        for r in result.seats.itertuples(index=False) if r.round >= from_round
    )
    session.flush()
    return result
