"""Creating, opening and closing workshops and their rounds."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidContribution, UnknownWorkshop, WorkshopClosed
from lpip.text import check_id
from lpip.workshops.models import HostLink, Round, Workshop

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
    """Create a workshop with its rounds and one secret host link per table."""
    if not title.strip():
        raise InvalidContribution("A workshop needs a title.")
    if not 1 <= tables <= 50:
        raise InvalidContribution(f"A workshop has 1 to 50 tables, not {tables}.")
    if not rounds:
        raise InvalidContribution("A workshop needs at least one round with a question.")
    if subregion_code is not None:
        from lpip.geography.areas import get_area

        get_area(session, subregion_code)
    workshop = Workshop(
        title=title.strip(), tables=tables, subregion_code=subregion_code, date=on, venue=venue,
        join_code=new_join_code(session), dots_per_participant=dots_per_participant,
        created_by=created_by, is_demo=is_demo, status="draft",
    )
    session.add(workshop)
    session.flush()
    for number, spec in enumerate(rounds, start=1):
        session.add(Round(workshop_id=workshop.id, number=number, question=spec.question.strip(), minutes=spec.minutes))
    for table in range(1, tables + 1):
        session.add(HostLink(workshop_id=workshop.id, table_number=table, token=secrets.token_urlsafe(24)))
    session.flush()
    return workshop


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    """The workshop with this id; :class:`UnknownWorkshop` for any other id, including ids no
    database column can hold (a 64-bit overflow would otherwise crash the query)."""
    workshop = session.get(Workshop, workshop_id) if check_id(workshop_id) else None
    if workshop is None:
        raise UnknownWorkshop(f"There is no workshop {workshop_id}. See `lpip workshops list`.")
    return workshop


def workshop_by_code(session: Session, code: str) -> Workshop:
    """The open workshop with this join code; closed workshops' codes have expired."""
    workshop = session.scalar(select(Workshop).where(Workshop.join_code == code.strip().upper()))
    if workshop is None:
        raise UnknownWorkshop(f"No workshop has the code {code.strip().upper()!r}. Check the code on the screen.")
    if workshop.status == "closed":
        raise WorkshopClosed(f"The workshop '{workshop.title}' has closed; its code no longer works.")
    return workshop


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
    link = session.scalar(select(HostLink).where(HostLink.token == token))
    if link is None:
        raise UnknownWorkshop("This table link is not valid. Ask the facilitator for your table's link.")
    return link
