"""Sign in and out (facilitators): sessions held on the server, wrong passwords throttled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from lpip.errors import AuthenticationFailed, TooManyAttempts
from lpip.web.deps import CurrentUser, DbSession, Route
from lpip.web.errors import retry_headers
from lpip.web.security import check_csrf
from lpip.web.signin import sign_in_page, sign_out_page
from lpip.web.templating import render

router = APIRouter(route_class=Route)


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
        sign_in_page(request, db, email, password)
    except (AuthenticationFailed, TooManyAttempts) as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 401
        response = render(request, "auth/login.html", {"error": exc.message, "email": email[:254]}, status_code=status)
        response.headers.update(retry_headers(exc))
        return response
    return RedirectResponse("/workshops", status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, db: DbSession, csrf_token: Annotated[str, Form()] = ""):
    """End the session, on the server too: a copy of the cookie no longer signs anyone in."""
    check_csrf(request, csrf_token)
    sign_out_page(request, db)
    return RedirectResponse("/", status_code=303)
