"""The JSON API, ``/api/v1``: the operations of the pages, for scripts and apps.

Who may do what, and how they say who they are:

- facilitators: ``Authorization: Bearer <token>`` from ``POST /api/v1/token`` (best for
  scripts), or the pages' session cookie, in which case unsafe methods also need the
  ``X-CSRF-Token`` header (``GET /api/v1/session`` gives it);
- table hosts: ``X-Host-Token: <the table link's token>``;
- participants: ``X-Participant-Token: <token>``, given once by ``POST /api/v1/join``.

A browser never adds these headers by itself, so requests carrying them need no CSRF token.
Every submission counts against the client's rate limit; every error has the one JSON shape of
:mod:`lpip.web.errors`, documented here as :class:`~lpip.web.schemas.ErrorBody`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import AuthenticationFailed, PermissionDenied, UnknownWorkshop
from lpip.text import MAX_ID
from lpip.web.deps import (
    DbSession, IdPath, Route, client_address, client_key, facilitator_workshop, require_facilitator, signed_in_user,
    write,
)
from lpip.web.schemas import (
    AttendeePublic, ContributionPublic, CountsPublic, DotsPublic, DotsSpend, ErrorBody, HostLinkPublic,
    JoinPublic, JoinRequest, MemberCreate, MemberPublic, ModerationUpdate, NoteCreate, NotePublic, NoteUpdate,
    PriorityCreate, PriorityPublic, RotateLinks, RoundPublic, SessionPublic, StatementCreate, StatementPublic,
    StatementTally, TablePublic, TokenPublic, TokenRequest, UserPublic, VoteCreate, VotePublic, WorkshopCreate,
    WorkshopCreated, WorkshopDelete, WorkshopDeleted, WorkshopLinks, WorkshopPublic, WorkshopUpdate,
)
from lpip.web.security import CsrfFailed, check_csrf, csrf_token
from lpip.web.signin import sign_in, sign_out_token
from lpip.workshops.access import add_member, members_of, owner_of, remove_member, visible_workshops
from lpip.workshops.audit import record_event
from lpip.workshops.capture import (
    add_note, add_priority, add_statement, cast_vote, edit_note, join_workshop, live_counts, moderate,
    participant_by_token, spend_dots, table_notes, withdraw_note,
)
from lpip.workshops.models import (
    VOTE_VALUES, Attendee, Contribution, Dot, HostLink, Participant, UserAccount, Workshop,
)
from lpip.workshops.signin import SESSION_HOURS, session_user
from lpip.workshops.tallies import statement_tallies as tally_statements
from lpip.workshops.workshops import (
    RoundSpec, close_round, create_workshop, current_round, delete_workshop, get_workshop, host_link_by_token,
    open_round, rotate_host_links, rounds_of, set_voting, set_workshop_status,
)

ERRORS = {
    status: {"model": ErrorBody, "description": description}
    for status, description in [
        (400, "Not acceptable as asked."),
        (401, "Wrong email or password, or an expired or forged bearer token."),
        (403, "Not allowed for this credential (or a missing CSRF token)."),
        (404, "No such workshop, table link or item."),
        (409, "The workshop, round or vote is closed."),
        (422, "Invalid input: the errors list names each field."),
        (429, "Too many submissions from this client: wait a moment."),
    ]
}
router = APIRouter(prefix="/api/v1", responses=ERRORS, route_class=Route)

TOKEN_SECONDS = SESSION_HOURS * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
VOTE_NAMES = {value: name for name, value in VOTE_VALUES.items()}

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="FacilitatorToken", description="A facilitator's token from POST /api/v1/token.",
)
cookie_scheme = APIKeyCookie(
    name="lpip_session", auto_error=False, scheme_name="SessionCookie",
    description="The pages' session cookie; unsafe methods then need the X-CSRF-Token header too.",
)
host_scheme = APIKeyHeader(
    name="X-Host-Token", auto_error=False, scheme_name="HostToken", description="A table host's link token.",
)
participant_scheme = APIKeyHeader(
    name="X-Participant-Token", auto_error=False, scheme_name="ParticipantToken",
    description="The token POST /api/v1/join returned.",
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
SessionCookie = Annotated[str | None, Depends(cookie_scheme)]
HostToken = Annotated[str | None, Depends(host_scheme)]
ParticipantToken = Annotated[str | None, Depends(participant_scheme)]


# ---- credentials -------------------------------------------------------------------------------


def user_from_token(db: Session, token: str) -> UserAccount:
    """The facilitator a bearer token was issued to; :class:`AuthenticationFailed` if it has
    expired, was revoked (DELETE /api/v1/token, a new password, a disabled account) or is forged."""
    user = session_user(db, token, kind="api")
    if user is None:
        raise AuthenticationFailed("The bearer token has expired or is not valid. Get a new one from POST /api/v1/token.")
    return user


def _limit(request: Request, key: str) -> None:
    """Count a submission (an unsafe method) against the client's rate limit."""
    if request.method not in SAFE_METHODS:
        request.app.state.rate_limiter.check(client_key(request, key))


def _facilitator(request: Request, db: Session, credentials: HTTPAuthorizationCredentials | None) -> UserAccount:
    """A facilitator by bearer token, or by session cookie plus X-CSRF-Token on unsafe methods."""
    if credentials is not None:
        user = user_from_token(db, credentials.credentials)
    else:
        user = require_facilitator(request, db)
        if request.method not in SAFE_METHODS:
            _check_csrf_header(request)
    _limit(request, f"user:{user.id}")
    return user


def _facilitators_workshop(
    request: Request, db: Session, credentials: HTTPAuthorizationCredentials | None, workshop_id: int, manage: bool = False,
) -> tuple[UserAccount, Workshop]:
    """The facilitator and the workshop, if they own it, are a member or are an admin (404 otherwise)."""
    user = _facilitator(request, db, credentials)
    return user, facilitator_workshop(db, user, workshop_id, manage=manage)


def _check_csrf_header(request: Request) -> None:
    try:
        check_csrf(request, None)
    except CsrfFailed:
        raise CsrfFailed(
            "Requests signed in with the session cookie need the X-CSRF-Token header "
            "(GET /api/v1/session gives it); scripts can use a bearer token from POST /api/v1/token instead."
        ) from None


def _host(request: Request, db: Session, token: str | None) -> HostLink:
    """The table link named by the X-Host-Token header."""
    if not token:
        raise PermissionDenied("This is for table hosts: send your table link's token in the X-Host-Token header.")
    link = host_link_by_token(db, token)
    _limit(request, token)
    return link


def _participant(request: Request, db: Session, token: str | None) -> Participant:
    """The participant named by the X-Participant-Token header."""
    if not token:
        raise PermissionDenied(
            "This is for participants: join with POST /api/v1/join, then send the token in the X-Participant-Token header."
        )
    participant = participant_by_token(db, token)
    _limit(request, token)
    return participant


def _check_viewer(
    request: Request, db: Session, workshop_id: int, credentials, host_token: str | None, participant_token: str | None,
) -> None:
    """Anyone taking part in the workshop, with any of the three credentials, may view it."""
    if participant_token:
        owner = participant_by_token(db, participant_token).workshop_id
    elif host_token:
        owner = host_link_by_token(db, host_token).workshop_id
    else:
        _facilitators_workshop(request, db, credentials, workshop_id)
        return
    if owner != workshop_id:
        raise PermissionDenied(f"Your token is for another workshop, not workshop {workshop_id}.")


# ---- shapes ----------------------------------------------------------------------------------


def _workshop(db: Session, workshop: Workshop, shape: type[WorkshopPublic] = WorkshopPublic, **extra) -> WorkshopPublic:
    fields = {name: getattr(workshop, name) for name in WorkshopPublic.model_fields if name != "rounds"}
    rounds = [RoundPublic.model_validate(r) for r in rounds_of(db, workshop.id)]
    return shape(**fields, rounds=rounds, **extra)


def _host_links(db: Session, workshop_id: int) -> list[HostLinkPublic]:
    links = db.scalars(select(HostLink).where(HostLink.workshop_id == workshop_id).order_by(HostLink.table_number))
    return [HostLinkPublic(table=link.table_number, token=link.token, url=f"/t/{link.token}") for link in links]


def _note(note: Contribution) -> NotePublic:
    return NotePublic(id=note.id, client_id=note.client_id, text=note.text, round=note.round_number,
                      table=note.table_number, status=note.status)


def _statement(statement: Contribution, participant: Participant, vote: int | None = None) -> StatementPublic:
    mine = statement.participant_id == participant.id
    return StatementPublic(id=statement.id, client_id=statement.client_id if mine else None, text=statement.text,
                           mine=mine, my_vote=VOTE_NAMES.get(vote))


def _saved(response: Response, created: bool) -> None:
    """201 for a new item, 200 for one already stored under the same client id."""
    response.status_code = 201 if created else 200


def _repeat(shape: type) -> dict:
    """The 200 answer of a submission whose client id was stored before."""
    return {200: {"model": shape, "description": "Already stored under this client_id: the stored item; nothing new stored."}}



# ---- sign-in ---------------------------------------------------------------------------------


@router.post("/token", tags=["facilitators"])
def token(request: Request, db: DbSession, body: TokenRequest) -> TokenPublic:
    """Sign in with email and password and get a bearer token (for scripts).

    Wrong passwords are throttled per account and per address: after five, each further try
    waits longer; the eleventh within ten minutes is refused (429, with Retry-After)."""
    _, secret = sign_in(request, db, body.email, body.password, kind="api")
    return TokenPublic(access_token=secret, expires_in=TOKEN_SECONDS)


@router.delete("/token", tags=["facilitators"])
def token_revoke(request: Request, db: DbSession, credentials: Bearer) -> SessionPublic:
    """Revoke the bearer token sent with this request (sign a script out)."""
    if credentials is None:
        raise AuthenticationFailed("Send the token to revoke as `Authorization: Bearer <token>`.")
    user_from_token(db, credentials.credentials)
    sign_out_token(db, credentials.credentials)
    return SessionPublic(authenticated=False, user=None, csrf_token=csrf_token(request))


@router.get("/session", tags=["facilitators"])
def session(request: Request, db: DbSession, _cookie: SessionCookie) -> SessionPublic:
    """Who the session cookie signs in, and the CSRF token its unsafe requests must send."""
    user = signed_in_user(request, db)
    shown = UserPublic.model_validate(user) if user else None
    return SessionPublic(authenticated=user is not None, user=shown, csrf_token=csrf_token(request))


# ---- workshops (facilitators; viewing: anyone taking part) -------------------------------------


@router.get("/workshops", tags=["facilitators"])
def workshop_list(request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie) -> list[WorkshopPublic]:
    """Your workshops (those you own or are a member of; every workshop for admins), newest first."""
    user = _facilitator(request, db, credentials)
    workshops = db.scalars(select(Workshop).where(visible_workshops(user)).order_by(Workshop.id.desc()))
    return [_workshop(db, w) for w in workshops]


@router.post("/workshops", status_code=201, tags=["facilitators"])
def workshop_create(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, body: WorkshopCreate,
) -> WorkshopCreated:
    """Create a workshop with its rounds and one host link per table; you are its owner."""
    user = _facilitator(request, db, credentials)
    rounds = [RoundSpec(r.question, r.minutes) for r in body.rounds]
    workshop = write(db, lambda: create_workshop(
        db, body.title, rounds, tables=body.tables, subregion_code=body.subregion_code, on=body.date,
        venue=body.venue, dots_per_participant=body.dots_per_participant, created_by=user.id,
    ))
    return _workshop(db, workshop, WorkshopCreated, join_code=workshop.join_code, host_links=_host_links(db, workshop.id))


@router.get("/workshops/{workshop_id}", tags=["participants", "table hosts", "facilitators"])
def workshop_view(
    request: Request, db: DbSession, workshop_id: IdPath,
    credentials: Bearer, host_token: HostToken, participant_token: ParticipantToken,
) -> WorkshopPublic:
    """The workshop's title, status and rounds (no personal data), for anyone taking part."""
    _check_viewer(request, db, workshop_id, credentials, host_token, participant_token)
    return _workshop(db, get_workshop(db, workshop_id))


@router.patch("/workshops/{workshop_id}", tags=["facilitators"])
def workshop_update(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, body: WorkshopUpdate,
) -> WorkshopPublic:
    """Open or close the workshop, statement voting and the dot-voting harvest."""
    _facilitators_workshop(request, db, credentials, workshop_id)

    def change() -> None:
        if body.status is not None:
            set_workshop_status(db, workshop_id, body.status)
        if body.voting_open is not None or body.harvest_open is not None:
            set_voting(db, workshop_id, body.voting_open, body.harvest_open)

    write(db, change)
    return _workshop(db, get_workshop(db, workshop_id))


@router.delete("/workshops/{workshop_id}", tags=["facilitators"])
def workshop_delete(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, body: WorkshopDelete,
) -> WorkshopDeleted:
    """Delete the workshop and everything in it, for good (its owner or an admin; the body repeats
    the title to confirm). Who did it is recorded."""
    user, workshop = _facilitators_workshop(request, db, credentials, workshop_id, manage=True)
    title = workshop.title

    def remove() -> dict:
        counts = delete_workshop(db, workshop_id, body.confirm_title)
        record_event(db, user, "workshop deleted", workshop_id, title=title, **counts)
        return counts

    counts = write(db, remove)
    return WorkshopDeleted(id=workshop_id, title=title, **counts)


@router.get("/workshops/{workshop_id}/links", tags=["facilitators"])
def workshop_links(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath,
) -> WorkshopLinks:
    """The join code and the secret host link of every table."""
    _, workshop = _facilitators_workshop(request, db, credentials, workshop_id)
    return WorkshopLinks(join_code=workshop.join_code, host_links=_host_links(db, workshop_id))


@router.post("/workshops/{workshop_id}/links/rotate", tags=["facilitators"])
def workshop_links_rotate(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, body: RotateLinks,
) -> WorkshopLinks:
    """New secret host links for some tables (all if none are named): the old ones stop working."""
    user, workshop = _facilitators_workshop(request, db, credentials, workshop_id)

    def rotate() -> None:
        links = rotate_host_links(db, workshop_id, body.tables)
        record_event(db, user, "host links replaced", workshop_id, tables=[link.table_number for link in links])

    write(db, rotate)
    return WorkshopLinks(join_code=workshop.join_code, host_links=_host_links(db, workshop_id))


@router.get("/workshops/{workshop_id}/members", tags=["facilitators"])
def member_list(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath,
) -> list[MemberPublic]:
    """Who runs the workshop: its owner and the facilitators the owner added."""
    _, workshop = _facilitators_workshop(request, db, credentials, workshop_id)
    owner = owner_of(db, workshop)
    people = ([MemberPublic(id=owner.id, email=owner.email, name=owner.name, owner=True)] if owner else [])
    return people + [MemberPublic(id=m.id, email=m.email, name=m.name, owner=False) for m in members_of(db, workshop_id)]


@router.post("/workshops/{workshop_id}/members", status_code=201, tags=["facilitators"])
def member_add(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, body: MemberCreate,
) -> MemberPublic:
    """Let another facilitator run the workshop (its owner or an admin only)."""
    user, _ = _facilitators_workshop(request, db, credentials, workshop_id, manage=True)
    member = write(db, lambda: add_member(db, workshop_id, body.email, user))
    return MemberPublic(id=member.id, email=member.email, name=member.name, owner=False)


@router.delete("/workshops/{workshop_id}/members/{user_id}", tags=["facilitators"])
def member_remove(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, user_id: IdPath,
) -> list[MemberPublic]:
    """Stop a facilitator running the workshop (its owner or an admin only)."""
    user, _ = _facilitators_workshop(request, db, credentials, workshop_id, manage=True)
    write(db, lambda: remove_member(db, workshop_id, user_id, user))
    return member_list(request, db, credentials, None, workshop_id)


@router.post("/workshops/{workshop_id}/rounds/{number}/open", tags=["facilitators"])
def round_open(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, number: IdPath,
) -> RoundPublic:
    """Open a round (closing any other); the workshop opens with it."""
    _facilitators_workshop(request, db, credentials, workshop_id)
    opened = write(db, lambda: open_round(db, workshop_id, number))
    return RoundPublic.model_validate(opened)


@router.post("/workshops/{workshop_id}/rounds/{number}/close", tags=["facilitators"])
def round_close(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, number: IdPath,
) -> RoundPublic:
    """Close a round."""
    _facilitators_workshop(request, db, credentials, workshop_id)
    closed = write(db, lambda: close_round(db, workshop_id, number))
    return RoundPublic.model_validate(closed)


def _count(db: Session, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


@router.get("/workshops/{workshop_id}/counts", tags=["facilitators"])
def workshop_counts(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath,
) -> CountsPublic:
    """Live counts: participants, visible notes and statements, votes, notes per round and table."""
    _facilitators_workshop(request, db, credentials, workshop_id)
    visible = (Contribution.workshop_id == workshop_id, Contribution.status == "visible")
    votes = int(tally_statements(db, [workshop_id], visible_only=False)["votes"].sum())
    return CountsPublic(
        workshop_id=workshop_id, participants=_count(db, Participant, Participant.workshop_id == workshop_id),
        notes=_count(db, Contribution, *visible, Contribution.kind == "note"),
        statements=_count(db, Contribution, *visible, Contribution.kind == "statement"),
        votes=votes, by_table=live_counts(db, workshop_id),
    )


@router.get("/workshops/{workshop_id}/attendees", tags=["facilitators"])
def attendee_list(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath,
) -> list[AttendeePublic]:
    """Attendees with their names, emails and organisations: the workshop's facilitators only."""
    _facilitators_workshop(request, db, credentials, workshop_id)
    attendees = db.scalars(select(Attendee).where(Attendee.workshop_id == workshop_id).order_by(Attendee.name, Attendee.id))
    return [AttendeePublic.model_validate(a) for a in attendees]


@router.get("/workshops/{workshop_id}/statements", tags=["facilitators"])
def statement_tallies(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath,
) -> list[StatementTally]:
    """Every statement (hidden ones too) with its votes, for moderation."""
    _facilitators_workshop(request, db, credentials, workshop_id)
    frame = tally_statements(db, [workshop_id], visible_only=False)
    return [StatementTally(id=row["contribution_id"], text=row["text"], status=row["status"], agree=row["agree"],
                           disagree=row["disagree"], passed=row["pass"]) for row in frame.to_dict("records")]


@router.post("/workshops/{workshop_id}/priorities", status_code=201, tags=["facilitators"])
def priority_add(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: IdPath, body: PriorityCreate,
) -> PriorityPublic:
    """Add a priority for the harvest's dot vote."""
    _facilitators_workshop(request, db, credentials, workshop_id)
    priority = write(db, lambda: add_priority(db, workshop_id, body.text, body.client_id))
    return PriorityPublic(id=priority.id, text=priority.text)


@router.patch("/contributions/{contribution_id}", tags=["facilitators"])
def contribution_moderate(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, contribution_id: IdPath,
    body: ModerationUpdate,
) -> ContributionPublic:
    """Hide or show a note, statement or priority of one of your workshops."""
    user = _facilitator(request, db, credentials)
    found = db.get(Contribution, contribution_id)
    if found is None:
        raise UnknownWorkshop(f"There is no contribution {contribution_id} in your workshops.")
    facilitator_workshop(db, user, found.workshop_id)
    contribution = write(db, lambda: moderate(db, contribution_id, body.status))
    return ContributionPublic.model_validate(contribution)


# ---- joining ---------------------------------------------------------------------------------


@router.post("/join", status_code=201, tags=["participants"])
def join(request: Request, db: DbSession, body: JoinRequest) -> JoinPublic:
    """Join an open workshop with its code; the participant token is returned this once.

    Not limited per address (a venue's phones share one router); at most a burst of joins per
    code in ten seconds (429 beyond it), and wrong codes are limited per address."""
    try:
        participant = write(db, lambda: join_workshop(db, body.code, body.sector, burst=request.app.state.join_burst,
                                                      consent=body.consent_archive))
    except UnknownWorkshop:
        request.app.state.join_guesses.check(f"join:{client_address(request)}")
        raise
    return JoinPublic(participant_token=participant.token, workshop=_workshop(db, get_workshop(db, participant.workshop_id)))


# ---- table hosts -----------------------------------------------------------------------------


@router.get("/table", tags=["table hosts"])
def table(request: Request, db: DbSession, host_token: HostToken) -> TablePublic:
    """Which workshop and table the host token is for, and the open round's question."""
    link = _host(request, db, host_token)
    round_ = current_round(db, link.workshop_id)
    return TablePublic(workshop_id=link.workshop_id, table=link.table_number,
                       round=RoundPublic.model_validate(round_) if round_ else None)


@router.get("/tables/{table_number}/notes", tags=["table hosts"])
def note_list(request: Request, db: DbSession, host_token: HostToken, table_number: IdPath) -> list[NotePublic]:
    """The table's visible notes, oldest round first."""
    link = _host(request, db, host_token)
    if table_number != link.table_number:
        raise PermissionDenied(f"Your link is for table {link.table_number}, not table {table_number}.")
    return [_note(n) for n in table_notes(db, link.workshop_id, link.table_number)]


@router.post("/notes", status_code=201, responses=_repeat(NotePublic), tags=["table hosts"])
def note_add(request: Request, db: DbSession, host_token: HostToken, body: NoteCreate, response: Response) -> NotePublic:
    """Add a note in the open round; a repeated client_id returns the note already stored."""
    link = _host(request, db, host_token)
    note, created = write(db, lambda: add_note(db, link, body.text, body.client_id))
    _saved(response, created)
    return _note(note)


@router.patch("/notes/{note_id}", tags=["table hosts"])
def note_edit(request: Request, db: DbSession, host_token: HostToken, note_id: IdPath, body: NoteUpdate) -> NotePublic:
    """Change the text of one of your table's notes."""
    link = _host(request, db, host_token)
    return _note(write(db, lambda: edit_note(db, link, note_id, body.text)))


@router.delete("/notes/{note_id}", tags=["table hosts"])
def note_withdraw(request: Request, db: DbSession, host_token: HostToken, note_id: IdPath) -> NotePublic:
    """Withdraw one of your table's notes (it is kept, marked withdrawn)."""
    link = _host(request, db, host_token)
    return _note(write(db, lambda: withdraw_note(db, link, note_id)))


# ---- participants: statements, votes, dots -----------------------------------------------------


@router.get("/statements", tags=["participants"])
def statement_list(
    request: Request, db: DbSession, participant_token: ParticipantToken,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Only statements with a larger id: the new ones since your last look.")] = 0,
) -> list[StatementPublic]:
    """The workshop's visible statements with your vote on each; never who wrote them."""
    from lpip.workshops.models import Vote

    participant = _participant(request, db, participant_token)
    mine = (Vote.contribution_id == Contribution.id) & (Vote.participant_id == participant.id)
    rows = db.execute(
        select(Contribution, Vote.value).outerjoin(Vote, mine).where(
            Contribution.workshop_id == participant.workshop_id, Contribution.kind == "statement",
            Contribution.status == "visible", Contribution.id > after,
        ).order_by(Contribution.id)
    ).all()
    return [_statement(statement, participant, value) for statement, value in rows]


@router.post("/statements", status_code=201, responses=_repeat(StatementPublic), tags=["participants"])
def statement_add(request: Request, db: DbSession, participant_token: ParticipantToken, body: StatementCreate, response: Response) -> StatementPublic:
    """Add a statement for the room to vote on; a repeated client_id returns the one stored."""
    participant = _participant(request, db, participant_token)
    statement, created = write(db, lambda: add_statement(db, participant, body.text, body.client_id))
    _saved(response, created)
    return _statement(statement, participant)


@router.post("/votes", tags=["participants"])
def vote(request: Request, db: DbSession, participant_token: ParticipantToken, body: VoteCreate) -> VotePublic:
    """Agree, disagree or pass on someone else's statement; voting again replaces your earlier vote."""
    participant = _participant(request, db, participant_token)
    stored = write(db, lambda: cast_vote(db, participant, body.statement_id, body.vote, allow_own=False))
    return VotePublic(statement_id=body.statement_id, vote=VOTE_NAMES[stored.value])


@router.get("/priorities", tags=["participants"])
def priority_list(request: Request, db: DbSession, participant_token: ParticipantToken) -> list[PriorityPublic]:
    """The harvest's priorities with the dots you put on each."""
    participant = _participant(request, db, participant_token)
    rows = db.execute(
        select(Contribution, Dot.dots)
        .outerjoin(Dot, (Dot.contribution_id == Contribution.id) & (Dot.participant_id == participant.id))
        .where(Contribution.workshop_id == participant.workshop_id, Contribution.kind == "priority",
               Contribution.status == "visible")
        .order_by(Contribution.id)
    ).all()
    return [PriorityPublic(id=c.id, text=c.text, my_dots=dots or 0) for c, dots in rows]


@router.post("/dots", tags=["participants"])
def dots_spend(request: Request, db: DbSession, participant_token: ParticipantToken, body: DotsSpend) -> DotsPublic:
    """Spend your dots on the priorities (replaces your earlier spend); no more than your allowance."""
    participant = _participant(request, db, participant_token)
    spent = write(db, lambda: spend_dots(db, participant, body.dots))
    allowance = get_workshop(db, participant.workshop_id).dots_per_participant
    return DotsPublic(dots=spent, spent=sum(spent.values()), allowance=allowance)
