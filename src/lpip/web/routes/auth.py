"""Sign in and out (facilitators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from lpip.errors import AuthenticationFailed
from lpip.web.deps import CurrentUser, DbSession
from lpip.web.security import check_csrf
from lpip.web.templating import render
from lpip.workshops.accounts import authenticate

router = APIRouter()


@router.get("/login", include_in_schema=False)
def login_page(request: Request, user: CurrentUser):
    """The sign-in form."""
    return render(request, "auth/login.html", {"error": None})


@router.post("/login", include_in_schema=False)
def login(
    request: Request, db: DbSession,
    email: Annotated[str, Form()], password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
):
    """Check the credentials and start a session."""
    check_csrf(request, csrf_token)
    try:
        user = authenticate(db, email, password)
    except AuthenticationFailed as exc:
        return render(request, "auth/login.html", {"error": exc.message, "email": email}, status_code=401)
    request.session.clear()  # a new session on sign-in: no fixation
    request.session["user_id"] = user.id
    return RedirectResponse("/workshops", status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, csrf_token: Annotated[str, Form()] = ""):
    """End the session."""
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/", status_code=303)
