"""Live capture: notes from table hosts, statements, votes and dots from participants.

Every submission carries a client-made id; submitting the same id again returns the
contribution already stored, so a retry after a dropped connection never duplicates.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lpip.errors import ClientIdTaken, InvalidContribution, PermissionDenied, TooManyAttempts, WorkshopClosed
from lpip.text import clean_text
from lpip.workshops.limits import CLIENT_ID, CLIENT_ID_RULE, DOTS, MAX_TEXT, check_item_id
from lpip.workshops.models import (
    SECTORS, VOTE_VALUES, Contribution, Dot, HostLink, Participant, Round, Vote, Workshop, utcnow,
)
from lpip.workshops.workshops import plausible_token, current_round, get_workshop, workshop_by_code

# Joins allowed per workshop code in JOIN_WINDOW. A venue puts every phone behind one router,
# so joins are not limited per address; this stops a script making hundreds of participants
# a second with one code. (Personal and walk-in codes, with their own caps, build on it.)
JOIN_BURST = 60
JOIN_WINDOW = timedelta(seconds=10)


def check_contribution_text(text: str) -> str:
    """The text cleaned (:func:`lpip.text.clean_text`) and of an acceptable length;
    :class:`InvalidContribution` otherwise."""
    text = clean_text(text or "")
    if not text:
        raise InvalidContribution("The note is empty: write one idea, then send it.")
    if len(text) > MAX_TEXT:
        raise InvalidContribution(
            f"The note is {len(text):,} characters long; the limit is {MAX_TEXT:,}. "
            "Split it into separate ideas."
        )
    return text


def check_client_id(client_id: str) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise InvalidContribution(f"Each submission needs a client id of {CLIENT_ID_RULE}.")
    return client_id


def _existing(session: Session, contribution: Contribution) -> Contribution | None:
    """The item stored before under the same client id, if its author is this one.

    A client id is its author's: a table link, a participant, or the facilitators (priorities).
    Another author's item under the same id is never returned (it could be another table's
    note): :class:`~lpip.errors.ClientIdTaken` instead.
    """
    existing = session.scalar(select(Contribution).where(
        Contribution.workshop_id == contribution.workshop_id, Contribution.client_id == contribution.client_id))
    if existing is None:
        return None
    if (existing.kind, existing.host_link_id, existing.participant_id) != (
            contribution.kind, contribution.host_link_id, contribution.participant_id):
        raise ClientIdTaken(
            "This client id is already used for something else in this workshop; send the item again with a new one."
        )
    return existing


def _insert_once(session: Session, contribution: Contribution) -> tuple[Contribution, bool]:
    """Insert, or return the row another request of the same author stored first with the same client id."""
    existing = _existing(session, contribution)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            session.add(contribution)
            session.flush()
    except IntegrityError:
        # Two retries raced; the other one won.
        return _existing(session, contribution), False
    return contribution, True


def add_note(
    session: Session, link: HostLink, text: str, client_id: str, round_number: int | str | None = None,
) -> tuple[Contribution, bool]:
    """A table host's note; returns (note, created).

    The note goes in ``round_number`` when that round has been opened (it may have closed
    while the host's phone was offline), else in the open round.
    """
    workshop = get_workshop(session, link.workshop_id)
    if workshop.status != "open":
        raise WorkshopClosed("The workshop is not open for notes.")
    round_ = _written_in(session, workshop.id, round_number) or current_round(session, workshop.id)
    if round_ is None:
        raise WorkshopClosed("No round is open: wait for the facilitator to open the next round.")
    note = Contribution(
        workshop_id=workshop.id, round_number=round_.number, table_number=link.table_number,
        kind="note", text=check_contribution_text(text), host_link_id=link.id, client_id=check_client_id(client_id),
    )
    return _insert_once(session, note)


def _written_in(session: Session, workshop_id: int, round_number) -> Round | None:
    """The round a note says it was written in, if that round has been opened."""
    try:
        number = int(round_number)
    except (TypeError, ValueError):
        return None
    round_ = session.scalar(select(Round).where(Round.workshop_id == workshop_id, Round.number == number))
    return round_ if round_ is not None and round_.status in ("open", "closed") else None


def _own_note(session: Session, link: HostLink, note_id: int) -> Contribution:
    note = session.get(Contribution, check_item_id(note_id, "note id"))
    if note is None or note.host_link_id != link.id:
        raise PermissionDenied("You can only change notes written with your own table link.")
    return note


def edit_note(session: Session, link: HostLink, note_id: int, text: str) -> Contribution:
    note = _own_note(session, link, note_id)
    note.text = check_contribution_text(text)
    note.updated_at = utcnow()
    return note


def withdraw_note(session: Session, link: HostLink, note_id: int) -> Contribution:
    note = _own_note(session, link, note_id)
    note.status = "withdrawn"
    note.updated_at = utcnow()
    return note


def table_notes(session: Session, workshop_id: int, table_number: int) -> list[Contribution]:
    return list(session.scalars(
        select(Contribution).where(
            Contribution.workshop_id == workshop_id, Contribution.table_number == table_number,
            Contribution.kind == "note", Contribution.status == "visible",
        ).order_by(Contribution.round_number, Contribution.id)
    ))


def join_workshop(
    session: Session, code: str, sector: str | None = None, burst: int = JOIN_BURST, now: datetime | None = None,
) -> Participant:
    """A new anonymous participant in the open workshop with this code.

    At most ``burst`` people join with one code in ten seconds (:data:`JOIN_BURST`): more is
    :class:`~lpip.errors.TooManyAttempts`, whatever address they come from.
    """
    workshop = workshop_by_code(session, code)
    if sector is not None and sector not in SECTORS:
        shown = clean_text(str(sector), single_line=True)[:40]
        raise InvalidContribution(f"Sector {shown!r} is not one of: {', '.join(SECTORS)}.")
    now = now or utcnow()
    recent = session.scalar(select(func.count()).select_from(Participant).where(
        Participant.workshop_id == workshop.id, Participant.created_at > now - JOIN_WINDOW))
    if recent >= burst:
        raise TooManyAttempts(
            f"{recent} people joined with this code in the last {JOIN_WINDOW.seconds} seconds, the most allowed: "
            "wait a few seconds, then join again.", retry_after=JOIN_WINDOW.seconds,
        )
    participant = Participant(workshop_id=workshop.id, token=secrets.token_urlsafe(24), sector=sector, created_at=now)
    session.add(participant)
    session.flush()
    return participant


def participant_by_token(session: Session, token: str | None) -> Participant:
    row = session.execute(
        select(Participant, Workshop).join(Workshop, Workshop.id == Participant.workshop_id).where(Participant.token == token)
    ).first() if plausible_token(token) else None
    if row is None:
        raise PermissionDenied("Join the workshop with its code first.")
    participant, workshop = row
    if workshop.status == "closed":
        raise WorkshopClosed(f"The workshop '{workshop.title}' has closed.")
    return participant


def add_statement(session: Session, participant: Participant, text: str, client_id: str) -> tuple[Contribution, bool]:
    """A participant's statement for others to vote on."""
    statement = Contribution(
        workshop_id=participant.workshop_id, kind="statement", text=check_contribution_text(text),
        participant_id=participant.id, sector=participant.sector, client_id=check_client_id(client_id),
    )
    return _insert_once(session, statement)


def cast_vote(
    session: Session, participant: Participant, statement_id: int, vote: str, allow_own: bool = True,
) -> Vote:
    """Agree, disagree or pass on a statement; a later vote replaces the earlier one.

    The live pages and the API pass ``allow_own=False``: nobody votes on their own statement
    there. Data replayed from elsewhere (pol.is, where authors agree with what they wrote, or
    the demonstration) may hold such votes.

    One statement, ``INSERT ... ON CONFLICT DO UPDATE``, writes the vote: two requests of the
    same phone at once cannot both insert, and no ORM flush is needed (votes are most of what
    a workshop writes).
    """
    workshop = get_workshop(session, participant.workshop_id)
    if not workshop.voting_open:
        raise WorkshopClosed("Voting is not open at the moment.")
    if vote not in VOTE_VALUES:
        raise InvalidContribution(f"A vote is agree, disagree or pass, not {clean_text(str(vote))[:20]!r}.")
    statement = session.get(Contribution, check_item_id(statement_id, "statement id"))
    if statement is None or statement.workshop_id != workshop.id or statement.kind != "statement" or statement.status != "visible":
        raise InvalidContribution(f"There is no statement {statement_id} to vote on in this workshop.")
    if not allow_own and statement.participant_id == participant.id:
        raise PermissionDenied("You wrote this statement: the others vote on it, you do not.")
    now = utcnow()
    insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}[session.get_bind().dialect.name]
    upsert = (insert(Vote).values(contribution_id=statement.id, participant_id=participant.id, value=VOTE_VALUES[vote],
                                  voted_at=now)
              .on_conflict_do_update(index_elements=["contribution_id", "participant_id"],
                                     set_={"value": VOTE_VALUES[vote], "voted_at": now})
              .returning(Vote))
    return session.scalars(upsert, execution_options={"populate_existing": True}).one()


def spend_dots(session: Session, participant: Participant, allocation: dict[int, int]) -> dict[int, int]:
    """Replace a participant's dots on the harvest priorities; the total may not exceed the allowance."""
    workshop = get_workshop(session, participant.workshop_id)
    if not workshop.harvest_open:
        raise WorkshopClosed("The harvest vote is not open at the moment.")
    allocation = {check_item_id(k, "priority id"): _dots(v) for k, v in allocation.items()}
    allocation = {k: v for k, v in allocation.items() if v != 0}
    total = sum(allocation.values())
    if total > workshop.dots_per_participant:
        raise InvalidContribution(
            f"You have {workshop.dots_per_participant} dots and tried to spend {total}. Take some off and try again."
        )
    priorities = set(session.scalars(select(Contribution.id).where(
        Contribution.workshop_id == workshop.id, Contribution.kind == "priority", Contribution.status == "visible",
    )))
    unknown = sorted(set(allocation) - priorities)
    if unknown:
        raise InvalidContribution(f"There is no priority {unknown[0]} in this workshop's harvest.")
    for dot in session.scalars(select(Dot).where(Dot.participant_id == participant.id)):
        session.delete(dot)
    session.flush()
    for priority_id, dots in allocation.items():
        session.add(Dot(participant_id=participant.id, contribution_id=priority_id, dots=dots))
    session.flush()
    return allocation


def _dots(value) -> int:
    """A number of dots from a form or JSON: a whole number from 0 to the largest allowance."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit() and len(value) < 6:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidContribution(f"Dots are whole numbers, not {clean_text(str(value))[:20]!r}.")
    if value < 0:
        raise InvalidContribution("Dots cannot be negative.")
    if value > DOTS[1]:
        raise InvalidContribution(f"Nobody has more than {DOTS[1]} dots; {value} is too many.")
    return value


def add_priority(session: Session, workshop_id: int, text: str, client_id: str | None = None) -> Contribution:
    """A priority for the harvest, written by the facilitator from what the room said."""
    priority = Contribution(
        workshop_id=workshop_id, kind="priority", text=check_contribution_text(text), source="live",
        client_id=check_client_id(client_id or secrets.token_urlsafe(12)),
    )
    return _insert_once(session, priority)[0]


def moderate(session: Session, contribution_id: int, status: str) -> Contribution:
    """Hide or show a contribution (facilitators only; the route checks the role)."""
    if status not in ("visible", "hidden"):
        raise InvalidContribution(f"Moderation sets visible or hidden, not {status!r}.")
    contribution = session.get(Contribution, check_item_id(contribution_id, "contribution id"))
    if contribution is None:
        raise InvalidContribution(f"There is no contribution {contribution_id}.")
    contribution.status = status
    return contribution


def live_counts(session: Session, workshop_id: int) -> list[dict]:
    """Visible notes per round and table, for the facilitator's dashboard."""
    rows = session.execute(
        select(Contribution.round_number, Contribution.table_number, func.count())
        .where(Contribution.workshop_id == workshop_id, Contribution.kind == "note", Contribution.status == "visible")
        .group_by(Contribution.round_number, Contribution.table_number)
        .order_by(Contribution.round_number, Contribution.table_number)
    ).all()
    return [dict(round=r, table=t, notes=n) for r, t, n in rows]
