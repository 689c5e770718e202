"""Facilitator accounts: creation, password hashing (argon2id) and sign-in."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lpip.errors import AuthenticationFailed, LpipError
from lpip.workshops.models import ROLES, UserAccount

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class InvalidAccount(LpipError):
    """An account cannot be created as asked."""


def create_user(session: Session, email: str, name: str, password: str, role: str = "facilitator") -> UserAccount:
    """Create an account with an argon2id password hash; the password itself is never stored."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidAccount(f"{email!r} is not an email address.")
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(f"The password must be at least {MIN_PASSWORD} characters long.")
    if role not in ROLES:
        raise InvalidAccount(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    if session.scalar(select(func.count()).select_from(UserAccount).where(UserAccount.email == email)):
        raise InvalidAccount(f"There is already an account for {email}.")
    user = UserAccount(email=email, name=name.strip() or email, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> UserAccount:
    """The account for these credentials; :class:`AuthenticationFailed` otherwise.

    The message is the same for an unknown email and a wrong password, so it does not tell
    an attacker which accounts exist.
    """
    user = session.scalar(select(UserAccount).where(UserAccount.email == email.strip().lower()))
    failure = AuthenticationFailed("Wrong email or password.")
    if user is None:
        _hasher.hash(password)  # spend the same time as a real check
        raise failure
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user
