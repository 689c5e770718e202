"""Request dependencies: a database session per request, the signed-in user, roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lpip.errors import PermissionDenied
from lpip.workshops.models import UserAccount


def get_db(request: Request) -> Iterator[Session]:
    """A session that commits when the request succeeds and rolls back otherwise."""
    session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so an acknowledged write is stored.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def optional_user(request: Request, db: DbSession) -> UserAccount | None:
    user_id = request.session.get("user_id")
    user = db.get(UserAccount, user_id) if user_id else None
    if user is not None:
        # Detached: a rollback after a failed action must not expire what the page shows.
        db.expunge(user)
    request.state.user = user
    return user


def require_facilitator(request: Request, db: DbSession) -> UserAccount:
    """The signed-in facilitator; participants and anonymous visitors get 403."""
    user = optional_user(request, db)
    if user is None or user.role not in ("facilitator", "admin"):
        raise PermissionDenied("This page is for workshop facilitators. Sign in with a facilitator account.")
    return user


CurrentUser = Annotated[UserAccount | None, Depends(optional_user)]
Facilitator = Annotated[UserAccount, Depends(require_facilitator)]


def client_key(request: Request, token: str | None = None) -> str:
    """Who a rate limit applies to: the participant or table token, else the address."""
    return token or (request.client.host if request.client else "unknown")
