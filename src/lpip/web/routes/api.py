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

import functools
import hashlib
import hmac
import threading
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lpip.errors import AuthenticationFailed, PermissionDenied
from lpip.web.deps import DbSession, client_key, optional_user, require_facilitator
from lpip.web.schemas import (
    AttendeePublic, ContributionPublic, CountsPublic, DotsPublic, DotsSpend, ErrorBody, HostLinkPublic,
    JoinPublic, JoinRequest, ModerationUpdate, NoteCreate, NotePublic, NoteUpdate, PriorityCreate,
    PriorityPublic, RoundPublic, SessionPublic, StatementCreate, StatementPublic, StatementTally,
    TablePublic, TokenPublic, TokenRequest, UserPublic, VoteCreate, VotePublic, WorkshopCreate,
    WorkshopCreated, WorkshopLinks, WorkshopPublic, WorkshopUpdate,
)
from lpip.web.security import CsrfFailed, check_csrf, csrf_token
from lpip.workshops.accounts import authenticate
from lpip.workshops.capture import (
    add_note, add_priority, add_statement, cast_vote, edit_note, join_workshop, live_counts, moderate,
    participant_by_token, spend_dots, table_notes, withdraw_note,
)
from lpip.workshops.models import (
    VOTE_VALUES, Attendee, Contribution, Dot, HostLink, Participant, UserAccount, Vote, Workshop,
)
from lpip.workshops.workshops import (
    RoundSpec, close_round, create_workshop, current_round, get_workshop, host_link_by_token, open_round,
    rounds_of, set_voting, set_workshop_status,
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
router = APIRouter(prefix="/api/v1", responses=ERRORS)

TOKEN_SALT = "lpip.api.bearer-token"
TOKEN_SECONDS = 12 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
VOTE_NAMES = {value: name for name, value in VOTE_VALUES.items()}
T = TypeVar("T")

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


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt=TOKEN_SALT)


def _fingerprint(user: UserAccount) -> str:
    """Changes with the password, so a new password revokes every token issued before it."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def issue_token(request: Request, user: UserAccount) -> str:
    """A signed, time-limited bearer token for a facilitator (nothing stored server-side)."""
    return _serializer(request).dumps({"user": user.id, "pw": _fingerprint(user)})


def user_from_token(request: Request, db: Session, token: str) -> UserAccount:
    """The facilitator a bearer token was issued to; :class:`AuthenticationFailed` if it is not valid."""
    refused = AuthenticationFailed(
        "The bearer token has expired or is not valid. Get a new one from POST /api/v1/token."
    )
    try:
        data = _serializer(request).loads(token, max_age=TOKEN_SECONDS)
    except BadSignature:  # also SignatureExpired
        raise refused from None
    user = db.get(UserAccount, data.get("user")) if isinstance(data, dict) else None
    if user is None or not hmac.compare_digest(_fingerprint(user), str(data.get("pw"))):
        raise refused
    return user


def _limit(request: Request, key: str) -> None:
    """Count a submission (an unsafe method) against the client's rate limit."""
    if request.method not in SAFE_METHODS:
        request.app.state.rate_limiter.check(client_key(request, key))


def _facilitator(request: Request, db: Session, credentials: HTTPAuthorizationCredentials | None) -> UserAccount:
    """A facilitator by bearer token, or by session cookie plus X-CSRF-Token on unsafe methods."""
    if credentials is not None:
        user = user_from_token(request, db, credentials.credentials)
    else:
        user = require_facilitator(request, db)
        if request.method not in SAFE_METHODS:
            _check_csrf_header(request)
    _limit(request, f"user:{user.id}")
    return user


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
        _facilitator(request, db, credentials)
        return
    if owner != workshop_id:
        raise PermissionDenied(f"Your token is for another workshop, not workshop {workshop_id}.")


def _in_one_thread(route: Callable[..., T]) -> Callable[..., T]:
    """Use the database inside the route's own thread only, and give the connection back there.

    FastAPI runs a sync route, each sync dependency and the session dependency's teardown as
    separate trips to its pool of 40 threads. A connection taken in one trip and given back in
    a later one can deadlock under load: every thread waits for a connection from SQLAlchemy's
    pool (15 at most), and every connection belongs to a request waiting for a thread (seen at
    300 simultaneous joins). So credentials are looked up in the route, not in dependencies,
    and the session is closed before the route returns.
    """

    @functools.wraps(route)
    def run(*args, **kwargs):
        try:
            return route(*args, **kwargs)
        finally:
            kwargs["db"].close()

    return run


def _once_more_if_raced(db: Session, operation: Callable[[], T]) -> T:
    """Run ``operation``; if a concurrent request of the same client inserted the same row
    first (a unique constraint fails), run it again: it then updates that row."""
    try:
        with db.begin_nested():
            return operation()
    except IntegrityError:
        return operation()


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


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _writer_lock(db: Session):
    """One lock per SQLite database in this process; none for PostgreSQL (it locks rows)."""
    engine = db.get_bind()
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(str(engine.url), threading.Lock())


@contextmanager
def _writing(db: Session):
    """Make the request's changes and commit them, one writer at a time on SQLite.

    SQLite lets one connection write at a time, and a transaction that read before it writes
    (a savepoint, then "is there a vote already?", then the insert) fails at once with
    "database is locked" if another write landed in between: with 100 simulated phones on one
    worker, up to one vote in four failed so, and the median latency doubled while writers polled
    SQLite's lock. Queueing here instead gave no failures (bench/bench_load.py). Committing
    here, in the route's thread, also matters: the session dependency would commit in its
    teardown, which needs a free thread of the pool, and under load every thread can be
    waiting for the lock that this commit releases.
    """
    # Take a connection before queueing: the lock's holder must never wait for the pool while
    # the pool's connections belong to requests queueing for the lock.
    db.connection()
    with _writer_lock(db):
        try:
            yield
            db.commit()
        except BaseException:
            db.rollback()
            raise


def _saved(response: Response, created: bool) -> None:
    """201 for a new item, 200 for one already stored under the same client id."""
    response.status_code = 201 if created else 200


def _repeat(shape: type) -> dict:
    """The 200 answer of a submission whose client id was stored before."""
    return {200: {"model": shape, "description": "Already stored under this client_id: the stored item; nothing new stored."}}


# ---- sign-in ---------------------------------------------------------------------------------


@router.post("/token", tags=["facilitators"])
@_in_one_thread
def token(request: Request, db: DbSession, body: TokenRequest) -> TokenPublic:
    """Sign in with email and password and get a bearer token (for scripts)."""
    request.app.state.rate_limiter.check(client_key(request))
    user = authenticate(db, body.email, body.password)
    with _writing(db):  # the password's hash may have been upgraded (outside the lock: argon2 is slow)
        pass
    return TokenPublic(access_token=issue_token(request, user), expires_in=TOKEN_SECONDS)


@router.get("/session", tags=["facilitators"])
@_in_one_thread
def session(request: Request, db: DbSession, _cookie: SessionCookie) -> SessionPublic:
    """Who the session cookie signs in, and the CSRF token its unsafe requests must send."""
    user = optional_user(request, db)
    shown = UserPublic.model_validate(user) if user else None
    return SessionPublic(authenticated=user is not None, user=shown, csrf_token=csrf_token(request))


# ---- workshops (facilitators; viewing: anyone taking part) -------------------------------------


@router.get("/workshops", tags=["facilitators"])
@_in_one_thread
def workshop_list(request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie) -> list[WorkshopPublic]:
    """Every workshop, newest first."""
    _facilitator(request, db, credentials)
    workshops = db.scalars(select(Workshop).order_by(Workshop.id.desc()))
    return [_workshop(db, w) for w in workshops]


@router.post("/workshops", status_code=201, tags=["facilitators"])
@_in_one_thread
def workshop_create(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, body: WorkshopCreate,
) -> WorkshopCreated:
    """Create a workshop with its rounds and one host link per table."""
    user = _facilitator(request, db, credentials)
    rounds = [RoundSpec(r.question, r.minutes) for r in body.rounds]
    with _writing(db):
        workshop = create_workshop(
            db, body.title, rounds, tables=body.tables, subregion_code=body.subregion_code, on=body.date,
            venue=body.venue, dots_per_participant=body.dots_per_participant, created_by=user.id,
        )
    return _workshop(db, workshop, WorkshopCreated, join_code=workshop.join_code, host_links=_host_links(db, workshop.id))


@router.get("/workshops/{workshop_id}", tags=["participants", "table hosts", "facilitators"])
@_in_one_thread
def workshop_view(
    request: Request, db: DbSession, workshop_id: int,
    credentials: Bearer, host_token: HostToken, participant_token: ParticipantToken,
) -> WorkshopPublic:
    """The workshop's title, status and rounds (no personal data), for anyone taking part."""
    _check_viewer(request, db, workshop_id, credentials, host_token, participant_token)
    return _workshop(db, get_workshop(db, workshop_id))


@router.patch("/workshops/{workshop_id}", tags=["facilitators"])
@_in_one_thread
def workshop_update(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int, body: WorkshopUpdate,
) -> WorkshopPublic:
    """Open or close the workshop, statement voting and the dot-voting harvest."""
    _facilitator(request, db, credentials)
    with _writing(db):
        if body.status is not None:
            set_workshop_status(db, workshop_id, body.status)
        if body.voting_open is not None or body.harvest_open is not None:
            set_voting(db, workshop_id, body.voting_open, body.harvest_open)
    return _workshop(db, get_workshop(db, workshop_id))


@router.get("/workshops/{workshop_id}/links", tags=["facilitators"])
@_in_one_thread
def workshop_links(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int,
) -> WorkshopLinks:
    """The join code and the secret host link of every table."""
    _facilitator(request, db, credentials)
    workshop = get_workshop(db, workshop_id)
    return WorkshopLinks(join_code=workshop.join_code, host_links=_host_links(db, workshop_id))


@router.post("/workshops/{workshop_id}/rounds/{number}/open", tags=["facilitators"])
@_in_one_thread
def round_open(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int, number: int,
) -> RoundPublic:
    """Open a round (closing any other); the workshop opens with it."""
    _facilitator(request, db, credentials)
    with _writing(db):
        opened = open_round(db, workshop_id, number)
    return RoundPublic.model_validate(opened)


@router.post("/workshops/{workshop_id}/rounds/{number}/close", tags=["facilitators"])
@_in_one_thread
def round_close(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int, number: int,
) -> RoundPublic:
    """Close a round."""
    _facilitator(request, db, credentials)
    get_workshop(db, workshop_id)
    with _writing(db):
        closed = close_round(db, workshop_id, number)
    return RoundPublic.model_validate(closed)


def _count(db: Session, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


@router.get("/workshops/{workshop_id}/counts", tags=["facilitators"])
@_in_one_thread
def workshop_counts(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int,
) -> CountsPublic:
    """Live counts: participants, visible notes and statements, votes, notes per round and table."""
    _facilitator(request, db, credentials)
    get_workshop(db, workshop_id)
    visible = (Contribution.workshop_id == workshop_id, Contribution.status == "visible")
    votes = db.scalar(select(func.count()).select_from(Vote).join(Contribution, Vote.contribution_id == Contribution.id)
                      .where(Contribution.workshop_id == workshop_id))
    return CountsPublic(
        workshop_id=workshop_id, participants=_count(db, Participant, Participant.workshop_id == workshop_id),
        notes=_count(db, Contribution, *visible, Contribution.kind == "note"),
        statements=_count(db, Contribution, *visible, Contribution.kind == "statement"),
        votes=votes, by_table=live_counts(db, workshop_id),
    )


@router.get("/workshops/{workshop_id}/attendees", tags=["facilitators"])
@_in_one_thread
def attendee_list(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int,
) -> list[AttendeePublic]:
    """Attendees with their names, emails and organisations: facilitators only."""
    _facilitator(request, db, credentials)
    get_workshop(db, workshop_id)
    attendees = db.scalars(select(Attendee).where(Attendee.workshop_id == workshop_id).order_by(Attendee.name, Attendee.id))
    return [AttendeePublic.model_validate(a) for a in attendees]


@router.get("/workshops/{workshop_id}/statements", tags=["facilitators"])
@_in_one_thread
def statement_tallies(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int,
) -> list[StatementTally]:
    """Every statement (hidden ones too) with its votes, for moderation."""
    _facilitator(request, db, credentials)
    get_workshop(db, workshop_id)
    counted = {name: func.count().filter(Vote.value == value) for name, value in VOTE_VALUES.items()}
    rows = db.execute(
        select(Contribution, counted["agree"], counted["disagree"], counted["pass"])
        .outerjoin(Vote, Vote.contribution_id == Contribution.id)
        .where(Contribution.workshop_id == workshop_id, Contribution.kind == "statement")
        .group_by(Contribution.id).order_by(Contribution.id)
    ).all()
    return [StatementTally(id=c.id, text=c.text, status=c.status, agree=a, disagree=d, passed=p) for c, a, d, p in rows]


@router.post("/workshops/{workshop_id}/priorities", status_code=201, tags=["facilitators"])
@_in_one_thread
def priority_add(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, workshop_id: int, body: PriorityCreate,
) -> PriorityPublic:
    """Add a priority for the harvest's dot vote."""
    _facilitator(request, db, credentials)
    get_workshop(db, workshop_id)
    with _writing(db):
        priority = add_priority(db, workshop_id, body.text, body.client_id)
    return PriorityPublic(id=priority.id, text=priority.text)


@router.patch("/contributions/{contribution_id}", tags=["facilitators"])
@_in_one_thread
def contribution_moderate(
    request: Request, db: DbSession, credentials: Bearer, _cookie: SessionCookie, contribution_id: int, body: ModerationUpdate,
) -> ContributionPublic:
    """Hide or show a note, statement or priority."""
    _facilitator(request, db, credentials)
    with _writing(db):
        contribution = moderate(db, contribution_id, body.status)
    return ContributionPublic.model_validate(contribution)


# ---- joining ---------------------------------------------------------------------------------


@router.post("/join", status_code=201, tags=["participants"])
@_in_one_thread
def join(request: Request, db: DbSession, body: JoinRequest) -> JoinPublic:
    """Join an open workshop with its code; the participant token is returned this once."""
    request.app.state.rate_limiter.check(client_key(request))
    with _writing(db):
        participant = join_workshop(db, body.code, body.sector)
    return JoinPublic(participant_token=participant.token, workshop=_workshop(db, get_workshop(db, participant.workshop_id)))


# ---- table hosts -----------------------------------------------------------------------------


@router.get("/table", tags=["table hosts"])
@_in_one_thread
def table(request: Request, db: DbSession, host_token: HostToken) -> TablePublic:
    """Which workshop and table the host token is for, and the open round's question."""
    link = _host(request, db, host_token)
    round_ = current_round(db, link.workshop_id)
    return TablePublic(workshop_id=link.workshop_id, table=link.table_number,
                       round=RoundPublic.model_validate(round_) if round_ else None)


@router.get("/tables/{table_number}/notes", tags=["table hosts"])
@_in_one_thread
def note_list(request: Request, db: DbSession, host_token: HostToken, table_number: int) -> list[NotePublic]:
    """The table's visible notes, oldest round first."""
    link = _host(request, db, host_token)
    if table_number != link.table_number:
        raise PermissionDenied(f"Your link is for table {link.table_number}, not table {table_number}.")
    return [_note(n) for n in table_notes(db, link.workshop_id, link.table_number)]


@router.post("/notes", status_code=201, responses=_repeat(NotePublic), tags=["table hosts"])
@_in_one_thread
def note_add(request: Request, db: DbSession, host_token: HostToken, body: NoteCreate, response: Response) -> NotePublic:
    """Add a note in the open round; a repeated client_id returns the note already stored."""
    link = _host(request, db, host_token)
    with _writing(db):
        note, created = add_note(db, link, body.text, body.client_id)
    _saved(response, created)
    return _note(note)


@router.patch("/notes/{note_id}", tags=["table hosts"])
@_in_one_thread
def note_edit(request: Request, db: DbSession, host_token: HostToken, note_id: int, body: NoteUpdate) -> NotePublic:
    """Change the text of one of your table's notes."""
    link = _host(request, db, host_token)
    with _writing(db):
        note = edit_note(db, link, note_id, body.text)
    return _note(note)


@router.delete("/notes/{note_id}", tags=["table hosts"])
@_in_one_thread
def note_withdraw(request: Request, db: DbSession, host_token: HostToken, note_id: int) -> NotePublic:
    """Withdraw one of your table's notes (it is kept, marked withdrawn)."""
    link = _host(request, db, host_token)
    with _writing(db):
        note = withdraw_note(db, link, note_id)
    return _note(note)


# ---- participants: statements, votes, dots -----------------------------------------------------


@router.get("/statements", tags=["participants"])
@_in_one_thread
def statement_list(
    request: Request, db: DbSession, participant_token: ParticipantToken,
    after: Annotated[int, Query(ge=0, description="Only statements with a larger id: the new ones since your last look.")] = 0,
) -> list[StatementPublic]:
    """The workshop's visible statements with your vote on each; never who wrote them."""
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
@_in_one_thread
def statement_add(request: Request, db: DbSession, participant_token: ParticipantToken, body: StatementCreate, response: Response) -> StatementPublic:
    """Add a statement for the room to vote on; a repeated client_id returns the one stored."""
    participant = _participant(request, db, participant_token)
    with _writing(db):
        statement, created = add_statement(db, participant, body.text, body.client_id)
    _saved(response, created)
    return _statement(statement, participant)


@router.post("/votes", tags=["participants"])
@_in_one_thread
def vote(request: Request, db: DbSession, participant_token: ParticipantToken, body: VoteCreate) -> VotePublic:
    """Agree, disagree or pass on a statement; voting again replaces your earlier vote."""
    participant = _participant(request, db, participant_token)
    with _writing(db):
        stored = _once_more_if_raced(db, lambda: cast_vote(db, participant, body.statement_id, body.vote))
    return VotePublic(statement_id=body.statement_id, vote=VOTE_NAMES[stored.value])


@router.get("/priorities", tags=["participants"])
@_in_one_thread
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
@_in_one_thread
def dots_spend(request: Request, db: DbSession, participant_token: ParticipantToken, body: DotsSpend) -> DotsPublic:
    """Spend your dots on the priorities (replaces your earlier spend); no more than your allowance."""
    participant = _participant(request, db, participant_token)
    with _writing(db):
        spent = _once_more_if_raced(db, lambda: spend_dots(db, participant, body.dots))
    allowance = get_workshop(db, participant.workshop_id).dots_per_participant
    return DotsPublic(dots=spent, spent=sum(spent.values()), allowance=allowance)
