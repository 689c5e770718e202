"""Facilitators' sign-ins: sessions held on the server, and throttled password guessing.

A session (the pages' cookie) or a bearer token (the API) carries only a random secret; the
server keeps its SHA-256 in ``signin_session`` with the account and an expiry. So signing out
ends a session everywhere at once, and a new password or a disabled account ends every
session and token of the account.

Wrong passwords are counted per account and per address for ten minutes, in the database (so
every worker process sees the same count). Each attempt is counted *before* the slow password
check, so a burst of simultaneous guesses is throttled as surely as guesses one after another:
after a few free tries each further wrong password doubles the wait before the next, and past
the limit every try is refused (even the right password) until the window has passed.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from lpip.errors import TooManyAttempts
from lpip.workshops.models import SignInFailure, SignInSession, UserAccount, utcnow

SESSION_HOURS = 12
WINDOW = timedelta(minutes=10)
MAX_WAIT_SECONDS = 300
MAX_ADDRESS = 64


@dataclass(frozen=True)
class Throttle:
    """How many wrong passwords one key (an account or an address) may have in :data:`WINDOW`:
    ``free`` without waiting, then waits of 1, 2, 4 ... seconds, and none past ``limit``."""

    free: int
    limit: int


# The 11th wrong password for an account within ten minutes is refused. An address may be a
# venue's shared router with several facilitators behind it, so it gets more.
ACCOUNT = Throttle(free=5, limit=10)
ADDRESS = Throttle(free=10, limit=30)


# ---- sessions ------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def fingerprint(user: UserAccount) -> str:
    """Changes with the password: a session made before a new password is no longer valid."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(session: Session, user: UserAccount, kind: str = "page", hours: float = SESSION_HOURS) -> str:
    """A new session (``kind="page"``) or bearer token (``kind="api"``) for the account; returns
    its secret, which is shown this once and stored only as a hash."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(SignInSession(token_hash=_hash(token), user_id=user.id, kind=kind, password_fingerprint=fingerprint(user),
                              created_at=now, expires_at=now + timedelta(hours=hours)))
    session.flush()
    return token


def session_user(session: Session, token: str | None, kind: str | None = None) -> UserAccount | None:
    """The account a session secret signs in, or None if the session has ended, expired, is of
    another kind, or the account has a new password or was disabled since."""
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(SignInSession, UserAccount).join(UserAccount, UserAccount.id == SignInSession.user_id)
        .where(SignInSession.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    stored, user = row
    if (kind is not None and stored.kind != kind) or _aware(stored.expires_at) <= utcnow():
        return None
    if user.disabled_at is not None or stored.password_fingerprint != fingerprint(user):
        return None
    return user


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; lpip stores UTC."""
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def end_session(session: Session, token: str | None) -> None:
    """End one session or bearer token (signing out); nothing happens for an unknown one."""
    if token:
        session.execute(delete(SignInSession).where(SignInSession.token_hash == _hash(token)))


def end_sessions(session: Session, user_id: int) -> int:
    """End every session and bearer token of an account; returns how many there were."""
    result = session.execute(delete(SignInSession).where(SignInSession.user_id == user_id))
    session.execute(delete(SignInSession).where(SignInSession.expires_at <= utcnow()))
    return result.rowcount or 0


# ---- throttling password guesses -------------------------------------------------------------


def begin_sign_in(session: Session, account: str, address: str, now: datetime | None = None) -> int:
    """Count a sign-in attempt before its password is checked; returns the attempt's id for
    :func:`sign_in_succeeded`. Raises :class:`TooManyAttempts` (and counts nothing) if the
    account or the address must wait first.

    On PostgreSQL, concurrent attempts on the same account or address queue for an advisory
    lock, so twenty simultaneous guesses cannot all pass the check before any is counted
    (SQLite writers already take turns).
    """
    now = now or utcnow()
    account, address = account[:254], (address or "unknown")[:MAX_ADDRESS]
    _lock(session, f"account:{account}")
    _lock(session, f"address:{address}")
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - WINDOW))
    _check(session, SignInFailure.account == account, ACCOUNT, now, "this account")
    _check(session, SignInFailure.address == address, ADDRESS, now, "your network address")
    attempt = SignInFailure(account=account, address=address, failed_at=now)
    session.add(attempt)
    session.flush()
    return attempt.id


def sign_in_succeeded(session: Session, attempt_id: int, account: str) -> None:
    """The password was right: forget the account's wrong passwords (the address keeps its count)."""
    session.execute(delete(SignInFailure).where(SignInFailure.account == account[:254]))
    session.execute(delete(SignInFailure).where(SignInFailure.id == attempt_id))


def _check(session: Session, which, throttle: Throttle, now: datetime, whose: str) -> None:
    recent = [_aware(t) for t in session.scalars(
        select(SignInFailure.failed_at).where(which, SignInFailure.failed_at >= now - WINDOW).order_by(SignInFailure.failed_at)
    )]
    wait = seconds_to_wait(recent, throttle, now)
    if wait > 0:
        minutes = "" if wait < 90 else f" ({math.ceil(wait / 60)} minutes)"
        raise TooManyAttempts(
            f"Too many wrong passwords for {whose}: wait {wait} seconds{minutes}, then try again. "
            "If you have forgotten the password, ask an lpip admin to set a new one (lpip users passwd).",
            retry_after=wait,
        )


def seconds_to_wait(failures: list[datetime], throttle: Throttle, now: datetime) -> int:
    """Whole seconds before the next attempt may be made, given the failures in the window
    (oldest first): 0 within the free tries, then 1, 2, 4 ... after the latest failure, and
    past the limit until the oldest failure leaves the window.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 3, 14, 10, tzinfo=timezone.utc)
    >>> seconds_to_wait([t] * 5, Throttle(free=5, limit=10), t), seconds_to_wait([t] * 6, Throttle(free=5, limit=10), t)
    (1, 2)
    """
    count = len(failures)
    if count >= throttle.limit:
        until = failures[count - throttle.limit] + WINDOW
    elif count >= throttle.free:
        until = failures[-1] + timedelta(seconds=min(2 ** (count - throttle.free), MAX_WAIT_SECONDS))
    else:
        return 0
    return max(math.ceil((until - now).total_seconds()), 0)


def _lock(session: Session, key: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode("utf-8", "replace")).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


def live_sessions(session: Session, user_id: int) -> int:
    """How many sessions and bearer tokens of an account are still valid."""
    return session.scalar(select(func.count()).select_from(SignInSession).where(
        SignInSession.user_id == user_id, SignInSession.expires_at > utcnow()))
