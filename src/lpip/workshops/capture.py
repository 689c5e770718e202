"""Live capture: notes from table hosts, statements, votes and dots from participants.

Every submission carries a client-made id; submitting the same id again returns the
contribution already stored, so a retry after a dropped connection never duplicates.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lpip.errors import (
    N_, ClientIdTaken, InvalidContribution, PermissionDenied, TooManyAttempts, WorkshopClosed, WorkshopFull,
)
from lpip.text import clean_text
from lpip.workshops.limits import CLIENT_ID, CLIENT_ID_RULE, DOTS, MAX_TEXT, check_item_id, check_whole
from lpip.workshops.models import (
    PERSONAL_CODE_LENGTH, SECTORS, VOTE_VALUES, Attendee, Contribution, Dot, HostLink, Participant, Round, Vote, Workshop,
    utcnow,
)
from lpip.workshops.workshops import current_round, get_workshop, normalise_code, plausible_token, workshop_by_code

# Joins allowed per workshop code in JOIN_WINDOW. A venue puts every phone behind one router,
# so joins are not limited per address; this stops a script making hundreds of participants
# a second with the walk-in code (personal codes make one participant each).
JOIN_BURST = 60
JOIN_WINDOW = timedelta(seconds=10)
# The walk-in code admits people until the room holds the expected number plus this share.
WALKIN_MARGIN = 0.2
MAX_ROOM = 100_000
# The version of the join page's privacy notice and consent question: stored with each
# answer. Change it whenever the wording in capture/join.html changes.
CONSENT_WORDING = "2026-12-a"


def check_contribution_text(text: str) -> str:
    """The text cleaned (:func:`lpip.text.clean_text`) and of an acceptable length;
    :class:`InvalidContribution` otherwise."""
    text = clean_text(text or "")
    if not text:
        raise InvalidContribution(N_("The note is empty: write one idea, then send it."))
    if len(text) > MAX_TEXT:
        raise InvalidContribution(
            N_("The note is %(length)s characters long; the limit is %(limit)s. Split it into separate ideas."),
            length=f"{len(text):,}", limit=f"{MAX_TEXT:,}",
        )
    return text


def check_client_id(client_id: str) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise InvalidContribution(N_("Each submission needs a client id of %(rule)s."), rule=CLIENT_ID_RULE)
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
        raise ClientIdTaken(N_(
            "This client id is already used for something else in this workshop; send the item again with a new one."
        ))
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
        raise WorkshopClosed(N_("The workshop is not open for notes."))
    round_ = _written_in(session, workshop.id, round_number) or current_round(session, workshop.id)
    if round_ is None:
        raise WorkshopClosed(N_("No round is open: wait for the facilitator to open the next round."))
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
        raise PermissionDenied(N_("You can only change notes written with your own table link."))
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
    consent: bool | None = None, wording: str = CONSENT_WORDING, current: Participant | None = None,
) -> Participant:
    """The participant a phone is after joining with a code.

    - A **personal code** (an attendee's, from their table card) links the phone to that
      attendee: their sector and table come from the registration. The code stands for one
      participant: a second phone with the same code, or the same phone again, is the same
      participant (its votes and dots count once).
    - The workshop's **walk-in code** makes a new anonymous participant while it is on
      (:func:`walkin_on`: switched on by the facilitator, or by default while no attendee is
      registered) and the room is below its cap (:func:`walkin_cap`), with at most
      ``burst`` walk-ins in ten seconds (:data:`JOIN_BURST`), whatever address they come from.
    - ``current`` is the participant this phone already is (its cookie): joining again in the
      same workshop adds nobody; with a personal code it links that participant to the attendee.

    ``consent`` is the answer to the join page's question on archiving (None: not answered,
    which counts as no); it is stored with its time and the wording's version.
    """
    now = now or utcnow()
    attendee = personal_attendee(session, code)
    if attendee is not None:
        workshop = _open_workshop(session, get_workshop(session, attendee.workshop_id))
        participant = session.scalar(select(Participant).where(Participant.attendee_id == attendee.id))
        if participant is None:
            if current is not None and current.workshop_id == workshop.id and current.attendee_id is None:
                participant = current
            else:
                participant = Participant(workshop_id=workshop.id, token=secrets.token_urlsafe(24), created_at=now)
                session.add(participant)
            participant.attendee_id, participant.joined_with, participant.sector = attendee.id, "personal", attendee.sector
    else:
        workshop = workshop_by_code(session, code)
        if current is not None and current.workshop_id == workshop.id:
            participant = current
        else:
            participant = _walk_in(session, workshop, _check_sector(sector), burst, now)
    if consent is not None:
        participant.consent_archive, participant.consent_at, participant.consent_wording = bool(consent), now, wording
    session.flush()
    return participant


def _check_sector(sector: str | None) -> str | None:
    if sector is not None and sector not in SECTORS:
        shown = clean_text(str(sector), single_line=True)[:40]
        raise InvalidContribution(N_("Sector %(sector)s is not one of: %(sectors)s."), sector=repr(shown),
                                  sectors=", ".join(SECTORS))
    return sector


def _open_workshop(session: Session, workshop: Workshop) -> Workshop:
    """The workshop, if its codes work now (the walk-in code's checks: open, not draft or closed)."""
    return workshop_by_code(session, workshop.join_code)


def personal_attendee(session: Session, code: str) -> Attendee | None:
    """The attendee whose personal join code this is, or None (it may be a walk-in code)."""
    code = normalise_code(code)
    if len(code) != PERSONAL_CODE_LENGTH:
        return None
    return session.scalar(select(Attendee).where(Attendee.join_code == code))


def expected_people(session: Session, workshop: Workshop) -> int:
    """How many people are expected: the facilitator's number, else the registered attendees."""
    if workshop.expected:
        return workshop.expected
    return session.scalar(select(func.count()).select_from(Attendee).where(Attendee.workshop_id == workshop.id)) or 0


def walkin_cap(session: Session, workshop: Workshop) -> int | None:
    """How many participants the room may hold before the walk-in code admits nobody more:
    the facilitator's cap, else expected people + 20 % (rounded up); None when nobody is
    expected (no attendee list and no number given; the burst limit still applies).

    Examples
    --------
    >>> math.ceil(32 * (1 + WALKIN_MARGIN))
    39
    """
    if workshop.walkin_cap:
        return workshop.walkin_cap
    expected = expected_people(session, workshop)
    return math.ceil(expected * (1 + WALKIN_MARGIN)) if expected else None


def walkin_on(session: Session, workshop: Workshop) -> bool:
    """Whether the walk-in code admits people: as the facilitator switched it, else (by default)
    only while the workshop has no registered attendees -- once attendees are registered, each
    has a personal code, and walk-ins wait until the facilitator switches them on."""
    if workshop.walkin_open is not None:
        return bool(workshop.walkin_open)
    return not session.scalar(select(Attendee.id).where(Attendee.workshop_id == workshop.id).limit(1))


def _walk_in(session: Session, workshop: Workshop, sector: str | None, burst: int, now: datetime) -> Participant:
    if not walkin_on(session, workshop):
        raise WorkshopFull(N_(
            "This workshop's walk-in code is switched off: join with the personal code on your table card "
            "(or scan its QR code), or ask the facilitator to switch walk-ins on."
        ))
    _lock_joins(session, workshop.id)
    cap = walkin_cap(session, workshop)
    joined = session.scalar(select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop.id))
    if cap is not None and joined >= cap:
        raise WorkshopFull(N_(
            "The room is full: %(joined)s people have joined and the walk-in code admits at most %(cap)s. "
            "If you have a table card, join with its personal code; otherwise ask the facilitator to raise the cap."
        ), joined=joined, cap=cap)
    recent = session.scalar(select(func.count()).select_from(Participant).where(
        Participant.workshop_id == workshop.id, Participant.joined_with == "walk-in",
        Participant.created_at > now - JOIN_WINDOW))
    if recent >= burst:
        raise TooManyAttempts(N_(
            "%(recent)s people joined with this code in the last %(seconds)s seconds, the most allowed: "
            "wait a few seconds, then join again."
        ), retry_after=JOIN_WINDOW.seconds, recent=recent, seconds=JOIN_WINDOW.seconds)
    participant = Participant(workshop_id=workshop.id, token=secrets.token_urlsafe(24), sector=sector, created_at=now,
                              joined_with="walk-in")
    session.add(participant)
    return participant


def _lock_joins(session: Session, workshop_id: int) -> None:
    """Walk-ins of one workshop take turns on PostgreSQL, so that a burst cannot all pass the cap
    before any is counted (SQLite's writers already take turns in the web app's write path)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x6A6F696E0000 + workshop_id})


def joined_counts(session: Session, workshop_id: int, now: datetime | None = None) -> dict:
    """For the dashboard: participants joined (personal and walk-in), people expected, the
    walk-in cap, whether the walk-in code admits people (``walkin_default``: by the default rule
    of :func:`walkin_on`, not switched by the facilitator), and walk-ins in the last ten seconds (``burst`` is True when that is more than
    a third of :data:`JOIN_BURST`: a script, or a crowd arriving at once)."""
    now = now or utcnow()
    workshop = get_workshop(session, workshop_id)
    rows = dict(session.execute(select(Participant.joined_with, func.count()).where(
        Participant.workshop_id == workshop_id).group_by(Participant.joined_with)).all())
    recent = session.scalar(select(func.count()).select_from(Participant).where(
        Participant.workshop_id == workshop_id, Participant.created_at > now - JOIN_WINDOW))
    return dict(joined=sum(rows.values()), personal=rows.get("personal", 0), walk_in=rows.get("walk-in", 0),
                expected=expected_people(session, workshop), cap=walkin_cap(session, workshop),
                walkin_open=walkin_on(session, workshop), walkin_default=workshop.walkin_open is None,
                recent=recent, burst=recent > JOIN_BURST // 3)


def set_walkin(session: Session, workshop_id: int, open_: bool, cap: int | None = None, expected: int | None = None) -> Workshop:
    """Switch the walk-in code on or off, and set its cap and the expected number (None: the default)."""
    workshop = get_workshop(session, workshop_id)
    workshop.walkin_open = bool(open_)
    workshop.walkin_cap = check_whole(cap, "people the walk-in code admits", (1, MAX_ROOM)) if cap is not None else None
    workshop.expected = check_whole(expected, "people expected", (1, MAX_ROOM)) if expected is not None else None
    return workshop


def participant_by_token(session: Session, token: str | None) -> Participant:
    row = session.execute(
        select(Participant, Workshop).join(Workshop, Workshop.id == Participant.workshop_id).where(Participant.token == token)
    ).first() if plausible_token(token) else None
    if row is None:
        raise PermissionDenied(N_("Join the workshop with its code first."))
    participant, workshop = row
    if workshop.status == "closed":
        raise WorkshopClosed(N_("The workshop '%(title)s' has closed."), title=workshop.title)
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
        raise WorkshopClosed(N_("Voting is not open at the moment."))
    if vote not in VOTE_VALUES:
        raise InvalidContribution(N_("A vote is agree, disagree or pass, not %(vote)s."),
                                  vote=repr(clean_text(str(vote))[:20]))
    statement = session.get(Contribution, check_item_id(statement_id, "statement id"))
    if statement is None or statement.workshop_id != workshop.id or statement.kind != "statement" or statement.status != "visible":
        raise InvalidContribution(N_("There is no statement %(id)s to vote on in this workshop."), id=statement_id)
    if not allow_own and statement.participant_id == participant.id:
        raise PermissionDenied(N_("You wrote this statement: the others vote on it, you do not."))
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
        raise WorkshopClosed(N_("The harvest vote is not open at the moment."))
    allocation = {check_item_id(k, "priority id"): _dots(v) for k, v in allocation.items()}
    allocation = {k: v for k, v in allocation.items() if v != 0}
    total = sum(allocation.values())
    if total > workshop.dots_per_participant:
        raise InvalidContribution(
            N_("You have %(dots)s dots and tried to spend %(spent)s. Take some off and try again."),
            dots=workshop.dots_per_participant, spent=total,
        )
    priorities = set(session.scalars(select(Contribution.id).where(
        Contribution.workshop_id == workshop.id, Contribution.kind == "priority", Contribution.status == "visible",
    )))
    unknown = sorted(set(allocation) - priorities)
    if unknown:
        raise InvalidContribution(N_("There is no priority %(id)s in this workshop's harvest."), id=unknown[0])
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
        raise InvalidContribution(N_("Dots are whole numbers, not %(value)s."), value=repr(clean_text(str(value))[:20]))
    if value < 0:
        raise InvalidContribution(N_("Dots cannot be negative."))
    if value > DOTS[1]:
        raise InvalidContribution(N_("Nobody has more than %(most)s dots; %(value)s is too many."), most=DOTS[1], value=value)
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
