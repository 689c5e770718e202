"""Live capture in the library: rounds of late notes, idempotent retries, vote replacement, dots."""

from __future__ import annotations

import pytest

from lpip.errors import InvalidContribution, WorkshopClosed
from lpip.workshops.capture import add_note, add_priority, cast_vote, join_workshop, add_statement, spend_dots
from lpip.workshops.models import HostLink, Vote
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting


@pytest.fixture
def workshop(session):
    made = create_workshop(session, "Capture test", [RoundSpec("First?"), RoundSpec("Second?"), RoundSpec("Third?")], tables=2)
    open_round(session, made.id, 1)
    return made


def link_of(session, workshop, table=1):
    return session.query(HostLink).filter_by(workshop_id=workshop.id, table_number=table).one()


def test_a_note_sent_late_is_filed_in_the_round_it_was_written_in(session, workshop):
    link = link_of(session, workshop)
    open_round(session, workshop.id, 2)  # round 1 closed while the host's phone was offline
    late, _ = add_note(session, link, "Written in round one", "late-note-0001", round_number=1)
    now, _ = add_note(session, link, "Written in round two", "now-note-0001")
    assert (late.round_number, now.round_number) == (1, 2)


def test_a_round_not_yet_opened_is_not_trusted(session, workshop):
    note, _ = add_note(session, link_of(session, workshop), "Claims round three", "claim-note-001", round_number=3)
    assert note.round_number == 1


def test_a_retry_with_the_same_client_id_stores_nothing_new(session, workshop):
    link = link_of(session, workshop)
    first, created = add_note(session, link, "Once only", "retry-note-0001")
    again, created_again = add_note(session, link, "Once only", "retry-note-0001")
    assert created and not created_again and first.id == again.id


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000], ids=["empty", "blank", "ten-thousand"])
def test_empty_or_overlong_notes_are_refused(session, workshop, text):
    with pytest.raises(InvalidContribution):
        add_note(session, link_of(session, workshop), text, "bad-note-00001")


def test_a_later_vote_replaces_the_earlier_one(session, workshop):
    voter, author = join_workshop(session, workshop.join_code), join_workshop(session, workshop.join_code)
    statement, _ = add_statement(session, author, "Buses should run later", "stmt-00000001")
    set_voting(session, workshop.id, voting_open=True)
    cast_vote(session, voter, statement.id, "agree")
    cast_vote(session, voter, statement.id, "disagree")
    votes = session.query(Vote).filter_by(contribution_id=statement.id).all()
    assert [v.value for v in votes] == [-1]


def test_more_dots_than_allowed_are_refused_and_nothing_is_stored(session, workshop):
    participant = join_workshop(session, workshop.join_code)
    priority = add_priority(session, workshop.id, "Transport to jobs")
    set_voting(session, workshop.id, harvest_open=True)
    with pytest.raises(InvalidContribution, match="You have 5 dots and tried to spend 6"):
        spend_dots(session, participant, {priority.id: 6})
    assert spend_dots(session, participant, {priority.id: 5}) == {priority.id: 5}


def test_voting_closed_is_refused(session, workshop):
    voter = join_workshop(session, workshop.join_code)
    statement, _ = add_statement(session, voter, "A statement", "stmt-00000002")
    with pytest.raises(WorkshopClosed, match="Voting is not open"):
        cast_vote(session, voter, statement.id, "agree")


def test_a_vote_on_ones_own_statement_is_refused_when_live(session, workshop):
    from lpip.errors import PermissionDenied

    set_voting(session, workshop.id, voting_open=True)
    author = join_workshop(session, workshop.join_code)
    statement, _ = add_statement(session, author, "Mine", "own-stmt-0001")
    with pytest.raises(PermissionDenied, match="You wrote this statement"):
        cast_vote(session, author, statement.id, "agree", allow_own=False)
    # Replayed data (pol.is records the author agreeing) may hold it.
    assert cast_vote(session, author, statement.id, "agree").value == 1


def test_a_client_id_belongs_to_its_author(session, workshop):
    from lpip.errors import ClientIdTaken

    add_note(session, link_of(session, workshop, 1), "Table one's", "shared-id-0001")
    with pytest.raises(ClientIdTaken):
        add_note(session, link_of(session, workshop, 2), "Table two's", "shared-id-0001")
    participant = join_workshop(session, workshop.join_code)
    with pytest.raises(ClientIdTaken):
        add_statement(session, participant, "A statement", "shared-id-0001")


def test_joins_per_code_are_capped_in_ten_seconds(session, workshop):
    from datetime import datetime, timedelta, timezone

    from lpip.errors import TooManyAttempts

    now = datetime(2025, 3, 14, 10, tzinfo=timezone.utc)
    for _ in range(3):
        join_workshop(session, workshop.join_code, burst=3, now=now)
    with pytest.raises(TooManyAttempts) as refused:
        join_workshop(session, workshop.join_code, burst=3, now=now + timedelta(seconds=9))
    assert refused.value.retry_after == 10
    assert join_workshop(session, workshop.join_code, burst=3, now=now + timedelta(seconds=11)).id


@pytest.mark.parametrize("statement_id", [2**31, 2**63, "99999999999", -1, 0, "12a"])
def test_ids_that_cannot_be_ids_are_refused_before_the_database(session, workshop, statement_id):
    set_voting(session, workshop.id, voting_open=True)
    voter = join_workshop(session, workshop.join_code)
    with pytest.raises(InvalidContribution, match="must be a whole number from 1 to 2,147,483,647"):
        cast_vote(session, voter, statement_id, "agree")


@pytest.mark.parametrize("dots", [{"1": 2**40}, {"1": "lots"}, {"1": True}, {str(2**40): 1}])
def test_dot_spends_that_are_not_small_whole_numbers_are_refused(session, workshop, dots):
    set_voting(session, workshop.id, harvest_open=True)
    priority = add_priority(session, workshop.id, "A priority")
    voter = join_workshop(session, workshop.join_code)
    dots = {k.replace("1", str(priority.id)) if k == "1" else k: v for k, v in dots.items()}
    with pytest.raises(InvalidContribution):
        spend_dots(session, voter, dots)


# ---- joining: personal codes, the walk-in code and its cap, consent -----------------------------


def _register(session, workshop, count: int, consent: bool = False):
    from lpip.workshops.attendees import register_attendee

    return [register_attendee(session, workshop.id, f"Made-up Attendee {n:02d}", ("public", "private", "resident")[n % 3],
                              email=f"attendee{n:02d}@example.org", consent_deposit=consent) for n in range(count)]


def test_a_personal_code_links_the_phone_to_its_attendee_once(session, workshop):
    from lpip.workshops.capture import CONSENT_WORDING
    from lpip.workshops.models import Attendee, Participant

    _register(session, workshop, 3)
    attendee = session.query(Attendee).filter_by(workshop_id=workshop.id).order_by(Attendee.id).first()
    assert len(attendee.join_code) == 8 and attendee.join_code != workshop.join_code
    typed = attendee.join_code.lower()[:4] + "-" + attendee.join_code.lower()[4:]
    first = join_workshop(session, typed, consent=True)
    assert (first.attendee_id, first.joined_with, first.sector) == (attendee.id, "personal", attendee.sector)
    assert (first.consent_archive, first.consent_wording) == (True, CONSENT_WORDING) and first.consent_at is not None
    # A second phone with the same card is the same participant: its votes and dots count once.
    again = join_workshop(session, attendee.join_code, consent=False)
    assert again.id == first.id and again.consent_archive is False
    assert session.query(Participant).filter_by(workshop_id=workshop.id).count() == 1


def test_a_walk_in_who_then_uses_a_personal_code_stays_one_participant(session, workshop):
    from lpip.workshops.models import Participant

    from lpip.workshops.capture import set_walkin

    attendee = _register(session, workshop, 1)[0]
    set_walkin(session, workshop.id, True)
    walk_in = join_workshop(session, workshop.join_code, "resident")
    linked = join_workshop(session, attendee.join_code, current=walk_in)
    assert linked.id == walk_in.id and linked.attendee_id == attendee.id and linked.sector == attendee.sector
    assert join_workshop(session, workshop.join_code, current=linked).id == walk_in.id
    assert session.query(Participant).filter_by(workshop_id=workshop.id).count() == 1


def test_the_walk_in_code_is_capped_at_expected_people_plus_a_fifth(session, workshop):
    from lpip.errors import WorkshopFull
    from lpip.workshops.capture import joined_counts, set_walkin, walkin_cap

    attendees = _register(session, workshop, 10)
    set_walkin(session, workshop.id, True)
    assert walkin_cap(session, workshop) == 12  # 10 expected + 20 %
    for attendee in attendees[:4]:
        join_workshop(session, attendee.join_code)
    for _ in range(8):
        join_workshop(session, workshop.join_code)
    with pytest.raises(WorkshopFull, match="12 people have joined and the walk-in code admits at most 12"):
        join_workshop(session, workshop.join_code)
    # Personal codes still work once the walk-in code is full.
    assert join_workshop(session, attendees[4].join_code).attendee_id == attendees[4].id
    counts = joined_counts(session, workshop.id)
    assert (counts["joined"], counts["personal"], counts["walk_in"], counts["expected"], counts["cap"]) == (13, 5, 8, 10, 12)


def test_the_walk_in_code_is_on_by_default_only_until_attendees_are_registered(session, workshop):
    from lpip.errors import WorkshopFull
    from lpip.workshops.capture import joined_counts, set_walkin

    # No attendee list: nobody has a personal code, so the walk-in code is the way in.
    first = join_workshop(session, workshop.join_code, "resident")
    assert first.joined_with == "walk-in" and joined_counts(session, workshop.id)["walkin_open"]
    attendee = _register(session, workshop, 1)[0]
    counts = joined_counts(session, workshop.id)
    assert (counts["walkin_open"], counts["walkin_default"]) == (False, True)
    with pytest.raises(WorkshopFull, match="walk-in code is switched off.*ask the facilitator to switch walk-ins on"):
        join_workshop(session, workshop.join_code, "resident")
    assert join_workshop(session, attendee.join_code).attendee_id == attendee.id
    # The facilitator's switch overrides the default either way.
    set_walkin(session, workshop.id, True, cap=10)
    assert join_workshop(session, workshop.join_code, "private").joined_with == "walk-in"
    assert joined_counts(session, workshop.id)["walkin_default"] is False


def test_the_walk_in_code_switched_off_admits_nobody_even_without_attendees(session, workshop):
    from lpip.errors import WorkshopFull
    from lpip.workshops.capture import set_walkin

    set_walkin(session, workshop.id, False)
    with pytest.raises(WorkshopFull, match="switched off"):
        join_workshop(session, workshop.join_code)


def test_the_walk_in_code_can_be_switched_off_and_its_cap_set(session, workshop):
    from lpip.errors import WorkshopFull
    from lpip.workshops.capture import set_walkin, walkin_cap

    attendee = _register(session, workshop, 2)[0]
    set_walkin(session, workshop.id, False)
    with pytest.raises(WorkshopFull, match="walk-in code is switched off"):
        join_workshop(session, workshop.join_code)
    assert join_workshop(session, attendee.join_code).attendee_id == attendee.id
    set_walkin(session, workshop.id, True, cap=40, expected=30)
    assert walkin_cap(session, workshop) == 40
    set_walkin(session, workshop.id, True, expected=30)
    assert walkin_cap(session, workshop) == 36
    with pytest.raises(InvalidContribution):
        set_walkin(session, workshop.id, True, cap=0)


def test_a_personal_code_of_a_closed_workshop_is_refused(session, workshop):
    from lpip.workshops.workshops import set_workshop_status

    attendee = _register(session, workshop, 1)[0]
    set_workshop_status(session, workshop.id, "closed")
    with pytest.raises(WorkshopClosed):
        join_workshop(session, attendee.join_code)
