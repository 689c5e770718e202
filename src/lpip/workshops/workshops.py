"""Creating, opening and closing workshops and their rounds."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lpip.errors import N_, InvalidContribution, NotConfirmed, UnknownWorkshop, WorkshopClosed
from lpip.text import MAX_ID, clean_text
from lpip.workshops.limits import (
    DOTS, MAX_CODE, MAX_TEXT, MAX_TITLE, MAX_VENUE, MINUTES, ROUNDS, TABLES, check_item_id, check_text, check_whole,
)
from lpip.workshops.models import Contribution, HostLink, Participant, Round, Workshop, utcnow

# No 0/O or 1/I/L: join codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


@dataclass(frozen=True)
class RoundSpec:
    """A round as asked for: its question and length in minutes."""

    question: str
    minutes: int = 25


def new_join_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is None:
            return code


def create_workshop(
    session: Session,
    title: str,
    rounds: list[RoundSpec],
    tables: int = 6,
    subregion_code: str | None = None,
    on: date | None = None,
    venue: str | None = None,
    dots_per_participant: int = 5,
    created_by: int | None = None,
    is_demo: bool = False,
) -> Workshop:
    """Create a workshop with its rounds and one secret host link per table.

    Texts are cleaned and checked against :mod:`lpip.workshops.limits`, as on every way in.
    """
    if not clean_text(title or ""):
        raise InvalidContribution("A workshop needs a title.")
    title = check_text(title, "The title", MAX_TITLE, single_line=True)
    venue = check_text(venue, "The venue", MAX_VENUE, single_line=True, required=False) or None
    if isinstance(tables, int) and not isinstance(tables, bool) and not TABLES[0] <= tables <= TABLES[1]:
        raise InvalidContribution(f"A workshop has {TABLES[0]} to {TABLES[1]} tables, not {tables}.")
    check_whole(tables, "tables", TABLES)
    check_whole(dots_per_participant, "dots per participant", DOTS)
    if not rounds:
        raise InvalidContribution("A workshop needs at least one round with a question.")
    if len(rounds) > ROUNDS[1]:
        raise InvalidContribution(f"A workshop has at most {ROUNDS[1]} rounds, not {len(rounds)}.")
    questions = [_check_round(number, spec) for number, spec in enumerate(rounds, start=1)]
    if subregion_code is not None:
        from lpip.geography.areas import get_area

        get_area(session, subregion_code)
    workshop = Workshop(
        title=title, tables=tables, subregion_code=subregion_code, date=on, venue=venue,
        join_code=new_join_code(session), dots_per_participant=dots_per_participant,
        created_by=created_by, is_demo=is_demo, status="draft",
    )
    session.add(workshop)
    session.flush()
    for number, (spec, question) in enumerate(zip(rounds, questions), start=1):
        session.add(Round(workshop_id=workshop.id, number=number, question=question, minutes=spec.minutes))
    for table in range(1, tables + 1):
        session.add(HostLink(workshop_id=workshop.id, table_number=table, token=secrets.token_urlsafe(24)))
    session.flush()
    return workshop


def _check_round(number: int, spec: RoundSpec) -> str:
    question = check_text(spec.question, f"Round {number}'s question", MAX_TEXT)
    check_whole(spec.minutes, f"minutes in round {number}", MINUTES)
    return question


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    """The workshop with this id; :class:`UnknownWorkshop` for any other id, including ids no
    database column can hold (they are refused before the query, which they would crash)."""
    try:
        workshop_id = check_item_id(workshop_id, "workshop id")
    except InvalidContribution:
        raise UnknownWorkshop(f"There is no workshop {str(workshop_id)[:40]} (workshop ids run from 1 to "
                              f"{MAX_ID:,}). See `lpip workshops list`.") from None
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise UnknownWorkshop(f"There is no workshop {workshop_id}. See `lpip workshops list`.")
    return workshop


def workshop_by_code(session: Session, code: str) -> Workshop:
    """The open workshop with this join code: a draft's code does not work yet, and a closed
    workshop's code has expired."""
    code = normalise_code(code)
    workshop = session.scalar(select(Workshop).where(Workshop.join_code == code)) if code else None
    if workshop is None:
        raise UnknownWorkshop(N_("No workshop has the code %(code)s. Check the code on the screen."), code=repr(code))
    if workshop.status == "closed":
        raise WorkshopClosed(N_("The workshop '%(title)s' has closed; its code no longer works."), title=workshop.title)
    if workshop.status == "draft":
        raise WorkshopClosed(N_("The workshop '%(title)s' has not opened yet: wait for the facilitator to open it."),
                             title=workshop.title)
    return workshop


def normalise_code(code: str) -> str:
    """A join code as typed, in the form codes are stored: upper case, without spaces, dashes or
    invisible characters; anything longer than a code could be is cut (it cannot match)."""
    typed = clean_text(code or "", single_line=True).upper().replace(" ", "").replace("-", "")
    return typed[:MAX_CODE]


def rounds_of(session: Session, workshop_id: int) -> list[Round]:
    return list(session.scalars(select(Round).where(Round.workshop_id == workshop_id).order_by(Round.number)))


def current_round(session: Session, workshop_id: int) -> Round | None:
    """The open round, if any."""
    return session.scalar(select(Round).where(Round.workshop_id == workshop_id, Round.status == "open"))


def set_workshop_status(session: Session, workshop_id: int, status: str) -> Workshop:
    """Open or close a workshop (closing also closes its rounds and voting)."""
    workshop = get_workshop(session, workshop_id)
    if status not in ("draft", "open", "closed"):
        raise InvalidContribution(f"Status {status!r} is not draft, open or closed.")
    workshop.status = status
    if status == "closed":
        workshop.voting_open = workshop.harvest_open = False
        for round_ in rounds_of(session, workshop_id):
            if round_.status == "open":
                round_.status = "closed"
    return workshop


def open_round(session: Session, workshop_id: int, number: int) -> Round:
    """Open one round (closing any other open round); the workshop opens with it."""
    workshop = get_workshop(session, workshop_id)
    if workshop.status == "closed":
        raise WorkshopClosed("The workshop has closed; reopen it before opening a round.")
    target = None
    for round_ in rounds_of(session, workshop_id):
        if round_.number == number:
            target = round_
        elif round_.status == "open":
            round_.status = "closed"
    if target is None:
        raise UnknownWorkshop(f"Workshop {workshop_id} has no round {number}.")
    if target.status != "open":
        target.opened_at = utcnow()
    target.status = "open"
    workshop.status = "open"
    return target


def close_round(session: Session, workshop_id: int, number: int) -> Round:
    for round_ in rounds_of(session, workshop_id):
        if round_.number == number:
            round_.status = "closed"
            return round_
    raise UnknownWorkshop(f"Workshop {workshop_id} has no round {number}.")


def set_voting(session: Session, workshop_id: int, voting_open: bool | None = None, harvest_open: bool | None = None) -> Workshop:
    """Open or close statement voting and the dot-voting harvest."""
    workshop = get_workshop(session, workshop_id)
    if workshop.status == "closed" and (voting_open or harvest_open):
        raise WorkshopClosed("The workshop has closed; voting cannot open.")
    if voting_open is not None:
        workshop.voting_open = voting_open
    if harvest_open is not None:
        workshop.harvest_open = harvest_open
    return workshop


def declare_notes_consent(session: Session, workshop_id: int, consent: bool, by: str) -> Workshop:
    """Record whether the workshop's notes (table hosts' and paper notes) were collected under
    consent to archiving, by whom the declaration is made and when (now).

    Only then do those notes go into a deposit; ``consent=False`` withdraws the declaration.

    Examples
    --------
    >>> declare_notes_consent(session, 1, True, by="A. Facilitator").notes_consent  # doctest: +SKIP
    True
    """
    from lpip.text import clean_text
    from lpip.workshops.models import utcnow

    workshop = get_workshop(session, workshop_id)
    name = clean_text(by or "", single_line=True)
    if not name:
        raise InvalidContribution("Say who declares the notes' consent: give your name (--by NAME).")
    if len(name) > 200:
        raise InvalidContribution("The name given with --by is longer than 200 characters; shorten it.")
    workshop.notes_consent = bool(consent)
    workshop.notes_consent_by = name
    workshop.notes_consent_at = utcnow()
    session.flush()
    return workshop


def host_link_by_token(session: Session, token: str) -> HostLink:
    link = session.scalar(select(HostLink).where(HostLink.token == token)) if plausible_token(token) else None
    if link is None:
        raise UnknownWorkshop(N_("This table link is not valid. Ask the facilitator for your table's link."))
    return link


def plausible_token(token: str | None) -> bool:
    """Tokens are URL-safe base64 (what ``secrets.token_urlsafe`` makes): anything else,
    a NUL byte or a lone surrogate, cannot be one and is not sent to the database."""
    return bool(token) and len(token) <= 64 and token.isascii() and all(c.isalnum() or c in "-_" for c in token)


def rotate_host_links(session: Session, workshop_id: int, tables: list[int] | None = None) -> list[HostLink]:
    """New secret host links for the given tables (all when None): the old links stop working at
    once, and the notes written with them stay with their tables."""
    workshop = get_workshop(session, workshop_id)
    links = list(session.scalars(select(HostLink).where(HostLink.workshop_id == workshop.id).order_by(HostLink.table_number)))
    chosen = set(tables) if tables else {link.table_number for link in links}
    unknown = sorted(chosen - {link.table_number for link in links})
    if unknown:
        raise InvalidContribution(f"Workshop {workshop_id} has no table {unknown[0]}; it has tables 1 to {workshop.tables}.")
    for link in links:
        if link.table_number in chosen:
            link.token = secrets.token_urlsafe(24)
    session.flush()
    return [link for link in links if link.table_number in chosen]


def delete_workshop(session: Session, workshop_id: int, confirm_title: str) -> dict[str, int]:
    """Delete a workshop and everything in it (rounds, attendees, seats, host links, participants,
    notes, statements, votes, dots, codes); returns how many of each went.

    ``confirm_title`` must repeat the workshop's title (spaces at either end and case aside):
    nothing is deleted on a mismatch. The caller records who did it
    (:func:`lpip.workshops.audit.record_event`).
    """
    workshop = get_workshop(session, workshop_id)
    if clean_text(confirm_title or "", single_line=True).casefold() != workshop.title.casefold():
        raise NotConfirmed(
            f"To delete workshop {workshop_id}, type its title exactly: {workshop.title!r}. Nothing was deleted."
        )
    counts = {
        "participants": _count(session, Participant, Participant.workshop_id == workshop_id),
        "contributions": _count(session, Contribution, Contribution.workshop_id == workshop_id),
    }
    # The database removes the rest (ON DELETE CASCADE on every table that names the workshop).
    session.execute(delete(Workshop).where(Workshop.id == workshop_id))
    session.expunge(workshop)
    return counts


def _count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def round_state(session: Session, workshop_id: int) -> dict:
    """What every live page shows of the room's state: the open round (number, question,
    minutes, when it opened, ISO 8601) or None, and whether voting and the harvest are open.

    Examples
    --------
    >>> round_state(session, 1)  # doctest: +SKIP
    {'status': 'open', 'round': {'number': 2, 'question': '...', 'minutes': 20, 'opened_at': '...'}, 'voting_open': True, ...}
    """
    workshop = get_workshop(session, workshop_id)
    round_ = current_round(session, workshop_id)
    opened = round_.opened_at if round_ is not None else None
    if opened is not None and opened.tzinfo is None:  # SQLite gives back naive datetimes; lpip stores UTC
        from datetime import timezone

        opened = opened.replace(tzinfo=timezone.utc)
    return dict(
        status=workshop.status, voting_open=workshop.voting_open, harvest_open=workshop.harvest_open,
        round=None if round_ is None else dict(number=round_.number, question=round_.question, minutes=round_.minutes,
                                               opened_at=opened.isoformat() if opened else None),
    )
