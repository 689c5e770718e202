"""Input and output shapes of the JSON API (``/api/v1``), one pair per entity.

Inputs (``*Create``, ``*Update``, ``DotsSpend`` ...) refuse unknown fields, so a misspelt
field is a 422 rather than silently ignored. Their limits are the library's
(:mod:`lpip.workshops.limits`), which the pages apply too: text is cleaned of control,
zero-width and bidi-control characters before it is measured, and ids fit the database's
integers. Notes and statements are measured by the library itself, so that the API and the
pages give the same message. Outputs meant for participants and table hosts carry no personal
data and no author identity: names, emails and organisations appear only in
:class:`AttendeePublic` and :class:`MemberPublic`, which facilitators alone can read.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from lpip.text import MAX_ID, clean_text
from lpip.workshops.limits import CLIENT_ID_RULE, DOTS, MAX_CODE, MAX_TEXT, MAX_TITLE, MAX_VENUE, MINUTES, ROUNDS, TABLES
from lpip.workshops.models import SECTORS

VoteName = Literal["agree", "disagree", "pass"]
Sector = Literal[SECTORS]
TEXT = f"One idea, 1 to {MAX_TEXT} characters (spaces at either end are trimmed)."
CLIENT_ID = (
    f"An id the client makes ({CLIENT_ID_RULE}), unique to you within the workshop: "
    "sending the same id again returns the stored item and stores nothing new."
)


def _cleaned(value):
    return clean_text(value) if isinstance(value, str) else value


def _one_line(value):
    return clean_text(value, single_line=True) if isinstance(value, str) else value


ItemId = Annotated[int, Field(ge=1, le=MAX_ID, description="An id (1 to 2,147,483,647).")]
# Measured by the library (for its message); the limit is stated here for the OpenAPI document.
Text = Annotated[str, Field(description=TEXT, json_schema_extra={"maxLength": MAX_TEXT})]
Title = Annotated[str, BeforeValidator(_one_line), Field(min_length=1, max_length=MAX_TITLE)]
Question = Annotated[str, BeforeValidator(_cleaned), Field(min_length=1, max_length=MAX_TEXT)]
ShortText = Annotated[str, BeforeValidator(_one_line), Field(max_length=MAX_VENUE)]
ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description=CLIENT_ID)]
Email = Annotated[str, BeforeValidator(_one_line), Field(min_length=3, max_length=254)]


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
    email: Email
    password: str = Field(min_length=1, max_length=1000)


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
    question: Question
    minutes: int = Field(25, ge=MINUTES[0], le=MINUTES[1])


class RoundPublic(Output):
    number: int
    question: str
    minutes: int
    status: Literal["pending", "open", "closed"]


class WorkshopCreate(Input):
    title: Title
    rounds: list[RoundCreate] = Field(min_length=ROUNDS[0], max_length=ROUNDS[1])
    tables: int = Field(6, ge=TABLES[0], le=TABLES[1])
    subregion_code: Annotated[str, BeforeValidator(_one_line), Field(max_length=64)] | None = Field(
        None, description="GSS code or custom set name of the sub-region.")
    date: dt.date | None = None
    venue: ShortText | None = None
    dots_per_participant: int = Field(5, ge=DOTS[0], le=DOTS[1])


class WorkshopDelete(Input):
    confirm_title: Title = Field(description="The workshop's title, typed again: nothing is deleted unless it matches.")


class WorkshopDeleted(Output):
    id: int
    title: str
    participants: int = Field(description="How many participants were deleted with it.")
    contributions: int = Field(description="How many notes, statements and priorities were deleted with it.")


class RotateLinks(Input):
    tables: list[Annotated[int, Field(ge=TABLES[0], le=TABLES[1])]] | None = Field(
        None, max_length=TABLES[1], description="The tables that get a new link; all of them if left out.")


class MemberCreate(Input):
    email: Email = Field(description="The email of a facilitator account (`lpip users list`).")


class MemberPublic(Output):
    """Someone who runs the workshop: its owner or a member. For its facilitators only."""

    id: int
    email: str
    name: str
    owner: bool


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
    code: Annotated[str, BeforeValidator(_one_line)] = Field(
        min_length=1, max_length=MAX_CODE,
        description="A personal join code (from a table card) or the workshop's walk-in code.")
    sector: Sector | None = Field(None, description="The sector you come from, if you want to say (walk-ins).")
    consent_archive: bool | None = Field(
        None, description="May this participant's statements and votes go into a research archive? "
        "Not answered counts as no.")


class JoinPublic(Output):
    participant_token: str = Field(description="Shown once: send as the X-Participant-Token header.")
    workshop: WorkshopPublic


class TablePublic(Output):
    workshop_id: int
    table: int
    round: RoundPublic | None = Field(description="The open round, if any.")


class NoteCreate(Input):
    text: Text
    client_id: ClientId


class NoteUpdate(Input):
    text: Text


class NotePublic(Output):
    id: int
    client_id: str
    text: str
    round: int | None
    table: int | None
    status: Literal["visible", "withdrawn", "hidden"]


# ---- statements, votes and dots --------------------------------------------------------------


class StatementCreate(Input):
    text: Text
    client_id: ClientId


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
    statement_id: ItemId
    vote: VoteName


class VotePublic(Output):
    statement_id: int
    vote: VoteName


class PriorityCreate(Input):
    text: Text
    client_id: ClientId | None = None


class PriorityPublic(Output):
    id: int
    text: str
    my_dots: int = 0


class DotsSpend(Input):
    dots: dict[ItemId, Annotated[int, Field(ge=0, le=DOTS[1])]] = Field(
        max_length=200, description="Dots per priority id; replaces your earlier spend.")


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
