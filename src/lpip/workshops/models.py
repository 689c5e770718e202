"""Tables for workshops and everything said in them.

Personal data (attendee names, emails, organisations; facilitator accounts) lives only in
``user_account`` and ``attendee``; nothing else stores a name, and deposit exports never read
those two tables' personal columns.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false,
)
from sqlalchemy.orm import Mapped, mapped_column

from lpip.db import Base

SECTORS = (
    "public",
    "private",
    "voluntary and community",
    "civil society",
    "academic",
    "resident",
)
ROLES = ("facilitator", "admin")
WORKSHOP_STATUSES = ("draft", "open", "closed")
ROUND_STATUSES = ("pending", "open", "closed")
CONTRIBUTION_KINDS = ("note", "statement", "priority")
CONTRIBUTION_STATUSES = ("visible", "withdrawn", "hidden")
# pol.is convention, as in its open-data exports: agree = 1, disagree = -1, pass = 0.
VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}
# How a participant joined: with an attendee's personal code (printed on their card) or the
# workshop's walk-in code.
JOIN_KINDS = ("personal", "walk-in")
# Personal join codes: no 0/O or 1/I/L (read off a card, typed on a phone); 8 characters, so
# that they never look like a workshop's 6-character walk-in code.
PERSONAL_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PERSONAL_CODE_LENGTH = 8


def new_personal_code() -> str:
    """A random personal join code (one per attendee; the column is unique)."""
    import secrets

    return "".join(secrets.choice(PERSONAL_CODE_ALPHABET) for _ in range(PERSONAL_CODE_LENGTH))


def utcnow() -> datetime:
    from datetime import timezone

    return datetime.now(timezone.utc)


class UserAccount(Base):
    """A facilitator (or admin) who logs in with a password."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="facilitator")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set by `lpip users disable`: the account can no longer sign in and its sessions end.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Workshop(Base):
    """One world-café workshop."""

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    subregion_code: Mapped[str | None] = mapped_column(ForeignKey("area.code"))
    date: Mapped[date | None] = mapped_column(Date)
    venue: Mapped[str | None] = mapped_column(String(300))
    tables: Mapped[int] = mapped_column(Integer, default=6)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    dots_per_participant: Mapped[int] = mapped_column(Integer, default=5)
    voting_open: Mapped[bool] = mapped_column(Boolean, default=False)
    harvest_open: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Hosts' and paper notes go into an archive deposit only when the facilitator has declared
    # that the workshop's notes were collected under consent (who declared it, and when).
    notes_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notes_consent_by: Mapped[str | None] = mapped_column(String(200))
    notes_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The walk-in code (``join_code``) lets people without a personal code join. None: the
    # default, on only while no attendee is registered (then nobody has a personal code); once
    # attendees with personal codes are registered it is off until the facilitator switches it
    # on (True) -- or off again (False). See ``lpip.workshops.capture.walkin_on``. While on, it
    # admits nobody once the room holds ``walkin_cap`` participants (default: expected + 20 %).
    walkin_open: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    walkin_cap: Mapped[int | None] = mapped_column(Integer)
    # How many people are expected, when more come than are registered (default: the attendees).
    expected: Mapped[int | None] = mapped_column(Integer)


class Round(Base):
    """A world-café round: a question discussed at every table for some minutes."""

    __tablename__ = "workshop_round"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer, default=25)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # When the round was last opened: the round timer counts its minutes down from here.
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("workshop_id", "number", name="uq_round_number"),)


class Attendee(Base):
    """A registered attendee. Personal data: shown to facilitators only."""

    __tablename__ = "attendee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    organisation: Mapped[str | None] = mapped_column(String(300))
    sector: Mapped[str] = mapped_column(String(40))
    home_area_code: Mapped[str | None] = mapped_column(ForeignKey("area.code"))
    host_table: Mapped[int | None] = mapped_column(Integer)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_deposit: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_deposit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Printed (with a QR code) on the attendee's table card: joining with it links the phone
    # to this record (sector, table, consent).
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True, default=new_personal_code)

    __table_args__ = (UniqueConstraint("workshop_id", "email", name="uq_attendee_email"),)


class TableSeat(Base):
    """Where an attendee sits in a round (the table plan)."""

    __tablename__ = "table_seat"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    round_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"), primary_key=True)
    table_number: Mapped[int] = mapped_column(Integer)


class HostLink(Base):
    """A secret link for a table's host: whoever holds it can write that table's notes."""

    __tablename__ = "host_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    table_number: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (UniqueConstraint("workshop_id", "table_number", name="uq_host_table"),)


class Participant(Base):
    """Someone who joined with the workshop code: no account, no name."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    sector: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The attendee whose personal code this phone joined with (one phone identity per attendee).
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="SET NULL"), unique=True)
    joined_with: Mapped[str] = mapped_column(String(10), default="walk-in", server_default="walk-in")
    # The join page's question on archiving: yes, no, or not answered (None, which counts as
    # no), when it was answered and which wording of the notice was shown.
    consent_archive: Mapped[bool | None] = mapped_column(Boolean)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_wording: Mapped[str | None] = mapped_column(String(20))


class Contribution(Base):
    """A note written at a table, or a statement put to the room for votes."""

    __tablename__ = "contribution"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    round_number: Mapped[int | None] = mapped_column(Integer)
    table_number: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(String(40))
    # Who wrote it: a host link, a participant, or an import (paper notes).
    host_link_id: Mapped[int | None] = mapped_column(ForeignKey("host_link.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10), default="live")
    # Made by the client; a retried submission with the same id is the same contribution.
    client_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="visible")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("workshop_id", "client_id", name="uq_contribution_client"),)


class Vote(Base):
    """A participant's vote on a statement; a later vote replaces the earlier one."""

    __tablename__ = "vote"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("contribution_id", "participant_id", name="uq_vote_once"),)


class Dot(Base):
    """Dots a participant spends on a priority in the harvest (several on one is allowed)."""

    __tablename__ = "dot"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True)
    dots: Mapped[int] = mapped_column(Integer)




class WorkshopMember(Base):
    """A facilitator the workshop's owner (``Workshop.created_by``) lets run the workshop too."""

    __tablename__ = "workshop_member"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInSession(Base):
    """A facilitator's sign-in, held on the server so that it can be ended: the page session
    cookie and the API's bearer token carry only a random secret, stored here as its SHA-256."""

    __tablename__ = "signin_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="page")  # page (cookie) or api (bearer token)
    # A prefix of the SHA-256 of the password hash: a new password ends the session even if
    # it was set without lpip (straight in the database).
    password_fingerprint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """A wrong password, kept for ten minutes to throttle guessing per account and per address."""

    __tablename__ = "signin_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(254), index=True)  # the email as typed, lower-cased
    address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AuditEvent(Base):
    """Who did something that cannot be undone or that changes who may do what: deleting a
    workshop, new host links, members added or removed, passwords and disabled accounts."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Copied, so that the record still names who did it after the account is gone.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    # No foreign key: the record outlives a deleted workshop.
    workshop_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")

# ---- relationships between attendees (networks built from real ties, not the seating plan) ----

RELATIONSHIP_SOURCES = ("page", "import", "registration")


class FollowUp(Base):
    """ "I'd like to follow up with": one attendee's wish to contact another after the workshop.

    ``from_attendee_id`` is missing when it came from a participant's phone and they did not say
    who they are; ``from_participant_id`` then records which phone, so a second wish is not
    stored twice. Personal data (it links attendees): shown to facilitators only, never exported
    for deposit.
    """

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    from_attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))
    from_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    to_attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PriorTie(Base):
    """Two attendees who knew each other before the workshop (from the registration form or a file).

    Stored once per pair, the lower attendee id first.
    """

    __tablename__ = "prior_tie"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    attendee_a: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))
    attendee_b: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("workshop_id", "attendee_a", "attendee_b", name="uq_prior_tie_pair"),)
