"""Signing facilitators in and out, the same way for the pages (a cookie) and the API (a
bearer token): throttled guessing, sessions held on the server (:mod:`lpip.workshops.signin`)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from lpip.web.deps import SESSION_KEY, client_address, write
from lpip.workshops.accounts import authenticate, normalise_email
from lpip.workshops.models import UserAccount
from lpip.workshops.signin import begin_sign_in, end_session, sign_in_succeeded, start_session


def sign_in(request: Request, db: Session, email: str, password: str, kind: str) -> tuple[UserAccount, str]:
    """Check the credentials and start a session (``kind="page"``) or bearer token (``"api"``);
    returns the account and the session's secret.

    The attempt is counted before the slow password check (:func:`begin_sign_in`), so that
    guesses sent all at once are throttled too; :class:`~lpip.errors.TooManyAttempts` (429)
    if the account or the address has to wait.
    """
    account = normalise_email(email)
    attempt = write(db, lambda: begin_sign_in(db, account, client_address(request)))
    user = authenticate(db, email, password)  # argon2: slow, so outside the writer queue

    def succeeded() -> str:
        sign_in_succeeded(db, attempt, account)
        return start_session(db, user, kind=kind)

    return user, write(db, succeeded)


def sign_in_page(request: Request, db: Session, email: str, password: str) -> UserAccount:
    """Sign in for the pages: a new session cookie (no fixation) naming a server-side session."""
    user, secret = sign_in(request, db, email, password, kind="page")
    request.session.clear()
    request.session[SESSION_KEY] = secret
    request.state.user = user
    return user


def sign_out_page(request: Request, db: Session) -> None:
    """End the page session on the server (a copy of the cookie no longer works) and clear the cookie."""
    secret = request.session.get(SESSION_KEY)
    write(db, lambda: end_session(db, secret))
    request.session.clear()
    request.state.user = None


def sign_out_token(db: Session, token: str) -> None:
    """Revoke a bearer token."""
    write(db, lambda: end_session(db, token))
