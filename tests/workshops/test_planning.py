"""Planning a stored workshop: seats are stored, replaced on re-planning, and match the plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from lpip.errors import InvalidContribution, UnknownWorkshop
from lpip.workshops.attendees import import_attendees
from lpip.workshops.models import TableSeat
from lpip.workshops.planning import attendee_frame, plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop

ATTENDEES = Path(__file__).resolve().parents[1] / "data" / "workshops" / "attendees_40.csv"


@pytest.fixture
def workshop_id(session) -> int:
    rounds = [RoundSpec(f"Question {n}") for n in range(1, 5)]
    workshop_id = create_workshop(session, "Test planning", rounds, tables=8).id
    import_attendees(session, workshop_id, ATTENDEES)
    return workshop_id


def stored_seats(session, workshop_id: int) -> pd.DataFrame:
    rows = session.execute(select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
                           .where(TableSeat.workshop_id == workshop_id)).all()
    return pd.DataFrame(rows, columns=["attendee_id", "round", "table"]).sort_values(["round", "attendee_id"]).reset_index(drop=True)


def test_the_plan_is_stored_seat_for_seat(session, workshop_id):
    plan, baseline = plan_workshop(session, workshop_id, seed=4, iterations=2000)
    expected = plan.seats.sort_values(["round", "attendee_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored_seats(session, workshop_id), expected, check_dtype=False)
    assert len(expected) == 40 * 4
    assert set(baseline) == {"distinct_pairs", "cross_sector_pairs", "repeats", "worst_table_mix"}
    assert plan.scores.distinct_pairs > baseline["distinct_pairs"]


def test_planning_again_replaces_the_seats(session, workshop_id):
    plan_workshop(session, workshop_id, seed=1, iterations=500)
    second, _ = plan_workshop(session, workshop_id, seed=2, iterations=500)
    seats = stored_seats(session, workshop_id)
    assert len(seats) == 160
    pd.testing.assert_frame_equal(seats, second.seats.sort_values(["round", "attendee_id"]).reset_index(drop=True),
                                  check_dtype=False)


def test_hosts_from_the_attendee_list_stay_at_their_tables(session, workshop_id):
    plan_workshop(session, workshop_id, seed=0, iterations=500)
    people = attendee_frame(session, workshop_id).dropna(subset=["host_table"])
    seats = stored_seats(session, workshop_id).merge(people, on="attendee_id")
    assert len(people) == 8
    assert (seats["table"] == seats["host_table"]).all()


def test_the_optimiser_sees_no_personal_data(session, workshop_id):
    assert attendee_frame(session, workshop_id).columns.tolist() == ["attendee_id", "sector", "host_table"]


def test_a_workshop_without_attendees_cannot_be_planned(session):
    empty = create_workshop(session, "Empty", [RoundSpec("Q")], tables=2).id
    with pytest.raises(InvalidContribution, match="has no attendees yet"):
        plan_workshop(session, empty)


def test_an_unknown_workshop_cannot_be_planned(session):
    with pytest.raises(UnknownWorkshop):
        plan_workshop(session, 4040)


def test_replanning_stores_the_new_seats_and_keeps_earlier_rounds(session, workshop_id):
    from lpip.workshops.planning import replan_workshop

    plan_workshop(session, workshop_id, seed=1, iterations=500)
    before = stored_seats(session, workshop_id)
    hosts = set(attendee_frame(session, workshop_id).dropna(subset=["host_table"])["attendee_id"])
    r2 = before[before["round"] == 2]
    absent = [a for a in r2[r2["table"] == 3]["attendee_id"] if a not in hosts][:2]
    result = replan_workshop(session, workshop_id, absent, from_round=2, seed=3)
    after = stored_seats(session, workshop_id)
    pd.testing.assert_frame_equal(after[after["round"] == 1].reset_index(drop=True),
                                  before[before["round"] == 1].reset_index(drop=True))
    later = after[after["round"] >= 2]
    assert not set(later["attendee_id"]) & set(absent)
    assert len(later) == 38 * 3
    pd.testing.assert_frame_equal(after, result.seats, check_dtype=False)
    assert len(result.moves) == result.fewest_moves


def test_replanning_needs_a_plan(session, workshop_id):
    from lpip.workshops.planning import replan_workshop

    with pytest.raises(InvalidContribution, match="no table plan"):
        replan_workshop(session, workshop_id, [])
