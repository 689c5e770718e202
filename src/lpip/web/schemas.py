"""Input and output shapes of the JSON API (``/api/v1``), one pair per entity.

Inputs (``*Create``, ``*Update``, ``DotsSpend`` ...) refuse unknown fields, so a misspelt
field is a 422 rather than silently ignored. Texts are checked by the library (one idea of 1 to
1000 characters) so that the API and the pages give the same message. Outputs meant for
participants and table hosts carry no personal data and no author identity: names, emails and
organisations appear only in :class:`AttendeePublic`, which facilitators alone can read.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lpip.workshops.capture import MAX_TEXT
from lpip.workshops.models import SECTORS

VoteName = Literal["agree", "disagree", "pass"]
Sector = Literal[SECTORS]
TEXT = f"One idea, 1 to {MAX_TEXT} characters (spaces at either end are trimmed)."
CLIENT_ID = (
    "An id the client makes (8-64 letters, digits, '-' or '_'), unique within the workshop: "
    "sending the same id again returns the stored item and stores nothing new."
)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- errors and sign-in ----------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every error the API returns, whatever its cause."""

    ok: Literal[False] = False
    error: str = Field(description="What went wrong and how to fix it.")
    errors: list[str] = Field(description="Details, e.g. one line per invalid field.")
    status: int = Field(description="The HTTP status code, repeated.")


class TokenRequest(Input):
    email: str
    password: str


class TokenPublic(Output):
    access_token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class UserPublic(Output):
    id: int
    email: str
    name: str
    role: str


class SessionPublic(Output):
    authenticated: bool
    user: UserPublic | None
    csrf_token: str = Field(description="Send as the X-CSRF-Token header with unsafe requests that use the session cookie.")


# ---- workshops and rounds --------------------------------------------------------------------


class RoundCreate(Input):
    question: str = Field(min_length=1, max_length=MAX_TEXT)
    minutes: int = Field(25, ge=1, le=240)


class RoundPublic(Output):
    number: int
    question: str
    minutes: int
    status: Literal["pending", "open", "closed"]


class WorkshopCreate(Input):
    title: str = Field(min_length=1, max_length=300)
    rounds: list[RoundCreate] = Field(min_length=1, max_length=20)
    tables: int = Field(6, ge=1, le=50)
    subregion_code: str | None = Field(None, description="GSS code or custom set name of the sub-region.")
    date: dt.date | None = None
    venue: str | None = Field(None, max_length=300)
    dots_per_participant: int = Field(5, ge=1, le=100)


class WorkshopUpdate(Input):
    status: Literal["draft", "open", "closed"] | None = None
    voting_open: bool | None = None
    harvest_open: bool | None = None


class WorkshopPublic(Output):
    """What anyone taking part may see: no join code, no host links, no names."""

    id: int
    title: str
    date: dt.date | None
    venue: str | None
    subregion_code: str | None
    tables: int
    status: Literal["draft", "open", "closed"]
    voting_open: bool
    harvest_open: bool
    dots_per_participant: int
    is_demo: bool = Field(description="True for made-up demonstration data.")
    rounds: list[RoundPublic]


class HostLinkPublic(Output):
    table: int
    token: str = Field(description="The table host's secret: send as the X-Host-Token header.")
    url: str = Field(description="The host's page, relative to the server.")


class WorkshopLinks(Output):
    """The secrets a facilitator hands out: the join code and one host link per table."""

    join_code: str
    host_links: list[HostLinkPublic]


class WorkshopCreated(WorkshopPublic):
    join_code: str
    host_links: list[HostLinkPublic]


class TableCount(Output):
    round: int | None
    table: int | None
    notes: int


class CountsPublic(Output):
    workshop_id: int
    participants: int
    notes: int
    statements: int
    votes: int
    by_table: list[TableCount]


class AttendeePublic(Output):
    """An attendee's personal data: for facilitators only."""

    id: int
    name: str
    email: str | None
    organisation: str | None
    sector: str
    home_area_code: str | None
    host_table: int | None
    consent_contact: bool
    consent_deposit: bool


# ---- joining and the table host --------------------------------------------------------------


class JoinRequest(Input):
    code: str = Field(min_length=1, max_length=12, description="The workshop's join code, as shown on the screen.")
    sector: Sector | None = Field(None, description="The sector you come from, if you want to say.")


class JoinPublic(Output):
    participant_token: str = Field(description="Shown once: send as the X-Participant-Token header.")
    workshop: WorkshopPublic


class TablePublic(Output):
    workshop_id: int
    table: int
    round: RoundPublic | None = Field(description="The open round, if any.")


class NoteCreate(Input):
    text: str = Field(description=TEXT)
    client_id: str = Field(description=CLIENT_ID)


class NoteUpdate(Input):
    text: str = Field(description=TEXT)


class NotePublic(Output):
    id: int
    client_id: str
    text: str
    round: int | None
    table: int | None
    status: Literal["visible", "withdrawn", "hidden"]


# ---- statements, votes and dots --------------------------------------------------------------


class StatementCreate(Input):
    text: str = Field(description=TEXT)
    client_id: str = Field(description=CLIENT_ID)


class StatementPublic(Output):
    """A statement as participants see it: never who wrote it, only whether you did."""

    id: int
    client_id: str | None = Field(None, description="Your client id, on your own statements only.")
    text: str
    mine: bool
    my_vote: VoteName | None


class StatementTally(Output):
    id: int
    text: str
    status: Literal["visible", "withdrawn", "hidden"]
    agree: int
    disagree: int
    passed: int


class VoteCreate(Input):
    statement_id: int
    vote: VoteName


class VotePublic(Output):
    statement_id: int
    vote: VoteName


class PriorityCreate(Input):
    text: str = Field(description=TEXT)
    client_id: str | None = Field(None, description=CLIENT_ID)


class PriorityPublic(Output):
    id: int
    text: str
    my_dots: int = 0


class DotsSpend(Input):
    dots: dict[int, int] = Field(description="Dots per priority id; replaces your earlier spend.")


class DotsPublic(Output):
    dots: dict[int, int]
    spent: int
    allowance: int


class ModerationUpdate(Input):
    status: Literal["visible", "hidden"]


class ContributionPublic(Output):
    id: int
    kind: Literal["note", "statement", "priority"]
    text: str
    status: Literal["visible", "withdrawn", "hidden"]
