"""Request dependencies and the web app's one write path.

Every route, page or API, reads and writes the database the same way:

- :data:`DbSession`: a session per request. It takes a database connection only when it is
  first used, and gives it back before the route's thread is done (:class:`Route`).
- :func:`write`: every change goes through it. It queues the writers of one SQLite database
  in this process, runs the change, commits before the route answers (an acknowledged write
  is stored), and runs the change again when the database says a concurrent request got in
  the way (a lock, a serialization failure, the same row inserted first).
- :data:`Facilitator`, :data:`CurrentUser`: the signed-in account, from the server-side
  session the cookie names; :func:`facilitator_workshop`: a workshop its owner, members and
  admins may run (404 for everybody else).
"""

from __future__ import annotations

import functools
import inspect
import logging
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import nullcontext
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lpip.errors import N_, PermissionDenied
from lpip.text import MAX_ID
from lpip.workshops.access import workshop_for
from lpip.workshops.models import UserAccount, Workshop
from lpip.workshops.signin import session_user

T = TypeVar("T")
log = logging.getLogger("lpip.web")

SESSION_KEY = "sid"  # the server-side session's secret, inside the signed session cookie
ATTEMPTS = 4

# An id in a URL: bounded, so that /workshops/99999999999999999999 is a 422 and not an overflow.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (1 to 2,147,483,647).")]


# ---- sessions and connections ------------------------------------------------------------


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session for the request. Changes are committed by :func:`write`; whatever else is
    left at the end (only reads) is rolled back, and the connection goes back to the pool.

    Async, although the session is not: making one and closing one that holds no connection
    (:class:`Route` closed it already) touch no database, and an async dependency costs no trip
    to the thread pool (a sync one costs two, there and for its teardown).
    """
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():  # an async route, or a route that kept its connection
            await run_in_threadpool(session.close)
        else:
            session.close()


# scope="function": closed before the response is sent.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def release(db: Session) -> None:
    """Give the session's connection back to the pool; what it loaded stays readable.

    FastAPI runs each sync dependency, the route and the session's teardown as separate trips
    to its pool of 40 threads. A connection held from one trip to the next can deadlock under
    load: every thread waits for a connection from SQLAlchemy's pool (15 at most), and every
    connection belongs to a request waiting for a thread (seen with 300 phones on the pages).
    So no trip ends holding a connection: dependencies release theirs, and :class:`Route`
    closes the session when the route returns.
    """
    if db.new or db.dirty or db.deleted:
        return  # changes made outside write() (a password's upgraded hash) wait for it, to be committed in turn
    db.commit()  # nothing is pending: this only ends the read transaction


def _in_one_trip(route: Callable[..., T]) -> Callable[..., T]:
    """The sync route as a coroutine that runs it in one trip to the thread pool and closes its
    session there. FastAPI would otherwise make two trips: one for the route, one more to
    validate what it returned (it does that inline for a coroutine)."""

    @functools.wraps(route)
    async def run(*args, **kwargs):
        return await run_in_threadpool(_run_and_close, route, args, kwargs)

    return run


def _run_and_close(route: Callable[..., T], args: tuple, kwargs: dict) -> T:
    try:
        return route(*args, **kwargs)
    finally:
        kwargs["db"].close()


class Route(APIRoute):
    """Every lpip route: a sync route that takes ``db`` runs in one trip to the thread pool and
    gives its connection back there when it returns (see :func:`release`)."""

    def __init__(self, path: str, endpoint: Callable, **kwargs):
        if not inspect.iscoroutinefunction(endpoint) and "db" in inspect.signature(endpoint).parameters:
            endpoint = _in_one_trip(endpoint)
        super().__init__(path, endpoint, **kwargs)


# ---- the one write path ----------------------------------------------------------------------

_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _writer_lock(db: Session):
    """One lock per SQLite database in this process; none for PostgreSQL (it locks rows)."""
    engine = db.get_bind()
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(str(engine.url), threading.Lock())


def write(db: Session, operation: Callable[[], T]) -> T:
    """Run ``operation`` (which changes the database through ``db``) and commit, one writer at
    a time on SQLite; run it again (up to four times in all) if a concurrent request got in the
    way. Any other error rolls everything back and is raised: nothing half-done is stored.

    SQLite lets one connection write at a time, and a transaction that read before it writes
    fails at once with "database is locked" if another write landed in between: with 100
    simulated phones on one worker, up to one vote in four failed so, and the median latency
    doubled while writers polled SQLite's lock. Queueing here gives no failures
    (bench/bench_load.py). The lock is taken *before* the connection: its holder then waits
    for the pool only as long as a reader's query takes, and no request holds a connection
    while it queues. Committing here, in the route's thread, also means the answer is sent
    only once the change is stored.
    """
    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:
        release(db)
    for attempt in range(1, ATTEMPTS + 1):
        with _writer_lock(db):
            try:
                result = operation()
                db.commit()
                return result
            except Exception as exc:
                db.rollback()
                if attempt == ATTEMPTS or not transient(exc):
                    raise
                log.info("write retried after %s (attempt %d)", type(exc).__name__, attempt)
        time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 (jitter, not a secret)
    raise AssertionError("unreachable")


def transient(exc: BaseException) -> bool:
    """Whether running the same change again may succeed: the same row inserted first by a
    concurrent request (the change then updates it), a lock or serialization failure, a
    deadlock, or a connection the server dropped."""
    if isinstance(exc, IntegrityError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01", "55P03"):
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message


# ---- who is asking -----------------------------------------------------------------------------


def signed_in_user(request: Request, db: Session) -> UserAccount | None:
    """The account whose server-side session the cookie names (None if signed out, expired,
    revoked, or the account was disabled or has a new password since)."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = session_user(db, request.session.get(SESSION_KEY), kind="page")
    if user is not None:
        # Detached: a rollback after a failed action must not expire what the page shows.
        db.expunge(user)
    request.state.user = user
    return user


def optional_user(request: Request, db: DbSession) -> UserAccount | None:
    try:
        return signed_in_user(request, db)
    finally:
        release(db)


def require_facilitator(request: Request, db: Session) -> UserAccount:
    """The signed-in facilitator; participants and anonymous visitors get 403."""
    user = signed_in_user(request, db)
    if user is None or user.role not in ("facilitator", "admin"):
        raise PermissionDenied(N_("This page is for workshop facilitators. Sign in with a facilitator account."))
    return user


def _facilitator_dependency(request: Request, db: DbSession) -> UserAccount:
    try:
        return require_facilitator(request, db)
    finally:
        release(db)


CurrentUser = Annotated[UserAccount | None, Depends(optional_user)]
Facilitator = Annotated[UserAccount, Depends(_facilitator_dependency)]


def facilitator_workshop(db: Session, user: UserAccount, workshop_id: int, manage: bool = False) -> Workshop:
    """The workshop if ``user`` owns it, is a member or is an admin; 404 for anyone else
    (``manage``: owners and admins only, 403 for members)."""
    return workshop_for(db, user, workshop_id, manage=manage)


def client_key(request: Request, token: str | None = None) -> str:
    """Who a rate limit applies to: the participant or table token, else the address."""
    return token or client_address(request)


def client_address(request: Request) -> str:
    """The client's address (behind a trusted proxy, the one it forwarded)."""
    return request.client.host if request.client else "unknown"
