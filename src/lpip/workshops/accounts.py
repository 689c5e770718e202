"""Facilitator accounts: creation, password hashing (argon2id), sign-in, new passwords and
disabled accounts.

Changing a password or disabling an account ends the account's sessions and bearer tokens
(:mod:`lpip.workshops.signin`).
"""

from __future__ import annotations

import re

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import AuthenticationFailed, LpipError, UnknownAccount
from lpip.text import clean_text, has_unsafe_characters
from lpip.workshops.models import ROLES, SignInSession, UserAccount, utcnow
from lpip.workshops.signin import end_sessions

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
MAX_EMAIL = 254
MAX_NAME = 200
# argon2 hashes any length, but a megabyte-long "password" is only a way to make the server work.
MAX_PASSWORD = 1000


class InvalidAccount(LpipError):
    """An account cannot be created as asked."""


def normalise_email(email: str) -> str:
    """The email as accounts store it: without control or invisible characters, trimmed, lower case."""
    return clean_text(email or "", single_line=True).lower()


def check_password(password: str) -> str:
    """The password if it is acceptable as a new password; :class:`InvalidAccount` otherwise."""
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(f"The password must be at least {MIN_PASSWORD} characters long.")
    if len(password) > MAX_PASSWORD:
        raise InvalidAccount(f"The password must be at most {MAX_PASSWORD} characters long.")
    if has_unsafe_characters(password):
        raise InvalidAccount("The password contains control or invisible characters; type it again without them.")
    return password


def create_user(session: Session, email: str, name: str, password: str, role: str = "facilitator") -> UserAccount:
    """Create an account with an argon2id password hash; the password itself is never stored."""
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > MAX_EMAIL:
        raise InvalidAccount(f"{email!r} is not an email address.")
    check_password(password)
    if role not in ROLES:
        raise InvalidAccount(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    if session.scalar(select(func.count()).select_from(UserAccount).where(UserAccount.email == email)):
        raise InvalidAccount(f"There is already an account for {email}.")
    shown = clean_text(name, single_line=True)[:MAX_NAME] or email
    user = UserAccount(email=email, name=shown, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, email: str) -> UserAccount:
    """The account with this email; :class:`UnknownAccount` if there is none."""
    user = session.scalar(select(UserAccount).where(UserAccount.email == normalise_email(email)))
    if user is None:
        raise UnknownAccount(f"There is no account for {normalise_email(email)!r}. See `lpip users list`.")
    return user


def authenticate(session: Session, email: str, password: str) -> UserAccount:
    """The account for these credentials; :class:`AuthenticationFailed` otherwise.

    The message is the same for an unknown email and a wrong password, so it does not tell
    an attacker which accounts exist. A disabled account is named as such only to someone who
    knows its password.
    """
    account = normalise_email(email)
    user = session.scalar(select(UserAccount).where(UserAccount.email == account)) if len(account) <= MAX_EMAIL else None
    failure = AuthenticationFailed("Wrong email or password.")
    if user is None or len(password) > MAX_PASSWORD:
        _hasher.hash(password[:MAX_PASSWORD])  # spend the same time as a real check
        raise failure
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    if user.disabled_at is not None:
        raise AuthenticationFailed("This account has been disabled. Ask an lpip admin to enable it again.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def set_password(session: Session, email: str, password: str) -> UserAccount:
    """Give the account a new password and end all of its sessions and bearer tokens."""
    user = user_by_email(session, email)
    user.password_hash = _hasher.hash(check_password(password))
    end_sessions(session, user.id)
    return user


def disable_user(session: Session, email: str) -> UserAccount:
    """Stop the account signing in and end all of its sessions and bearer tokens (its workshops stay)."""
    user = user_by_email(session, email)
    user.disabled_at = user.disabled_at or utcnow()
    end_sessions(session, user.id)
    return user


def enable_user(session: Session, email: str) -> UserAccount:
    """Let a disabled account sign in again (with the password it had)."""
    user = user_by_email(session, email)
    user.disabled_at = None
    return user


def list_users(session: Session) -> pd.DataFrame:
    """The accounts (never their password hashes): id, email, name, role, created_at, disabled_at
    and the number of sessions and bearer tokens still valid."""
    live = (select(SignInSession.user_id, func.count().label("n")).where(SignInSession.expires_at > utcnow())
            .group_by(SignInSession.user_id).subquery())
    rows = session.execute(
        select(UserAccount.id, UserAccount.email, UserAccount.name, UserAccount.role, UserAccount.created_at,
               UserAccount.disabled_at, func.coalesce(live.c.n, 0))
        .outerjoin(live, live.c.user_id == UserAccount.id).order_by(UserAccount.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "email", "name", "role", "created_at", "disabled_at", "sessions"])

