"""One error shape for the API and one error page for browsers, whatever went wrong.

JSON (every path under ``/api/``, and requests that ask for JSON):
``{"ok": false, "error": message, "errors": [details], "status": N}``. Browsers get the
message in a page (or, for htmx, in a fragment). The message is in the page's language
(lpip.web.i18n; English when no catalogue has it); the JSON API under ``/api/`` answers in
English, for the programs that read it. That holds for user errors
(:class:`~lpip.errors.LpipError`), HTTP errors (404, 405), invalid requests (malformed JSON,
a lone surrogate, a number too big for an id) and for bugs: :class:`CatchAllMiddleware` turns
any other exception into a 500 in the same shape, logs it with its traceback, and keeps the
connection open.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lpip.errors import (
    N_, AuthenticationFailed, ClientIdTaken, InvalidContribution, InvalidPriority, InvalidWorkshopFile, LpipError,
    NotConfirmed, PermissionDenied, TooManyAttempts, UnknownAccount, UnknownAreaCode, UnknownPriority, UnknownWorkshop,
    WorkshopClosed, WorkshopFull,
)

log = logging.getLogger("lpip.web")

STATUS = {
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    UnknownWorkshop: 404,
    UnknownAccount: 404,
    UnknownPriority: 404,
    WorkshopClosed: 409,
    ClientIdTaken: 409,
    InvalidContribution: 422,
    InvalidWorkshopFile: 422,
    InvalidPriority: 422,
    UnknownAreaCode: 422,
    NotConfirmed: 422,
    TooManyAttempts: 429,
    WorkshopFull: 409,
}
SERVER_ERROR = N_(
    "Something went wrong on the server, and what you sent was not stored. Try again; if it keeps "
    "happening, tell the facilitator."
)
INVALID_REQUEST = N_("The request is not valid.")
# Starlette's words for its own HTTP errors (an address with no page, a wrong method).
HTTP_DETAILS = (N_("Not Found"), N_("Method Not Allowed"))


def status_for(exc: LpipError) -> int:
    from lpip.web.security import CsrfFailed, RateLimited

    if isinstance(exc, CsrfFailed):
        return 403
    if isinstance(exc, RateLimited):
        return 429
    for cls, code in STATUS.items():
        if isinstance(exc, cls):
            return code
    return 400


def printable(text) -> str:
    """``text`` as a string that can be sent as UTF-8 (a lone surrogate typed into a form
    becomes "?" rather than a second error while reporting the first)."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


def error_body(message: str, status: int, errors: list | None = None) -> dict:
    return {"ok": False, "error": printable(message), "errors": [printable(e) for e in errors or []], "status": status}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def user_message(request: Request, message: str, params: dict | None = None) -> str:
    """An English catalogue message (and its placeholder values) as the person who asked reads
    it: in the request's language, except under ``/api/``."""
    from lpip.web import i18n

    locale = i18n.DEFAULT_LOCALE if request.url.path.startswith("/api/") else i18n.request_locale(request)
    return i18n.translate(locale, message, params)


def render_error(request: Request, message: str, status: int, errors: list | None = None, headers: dict | None = None,
                 params: dict | None = None):
    """The error answer: JSON or a page. ``message`` is English (with ``params`` for its
    placeholders); it is shown in the request's language when a catalogue has it."""
    message = user_message(request, message, params)
    if wants_json(request):
        return JSONResponse(error_body(message, status, errors), status_code=status, headers=headers)
    from lpip.web.templating import render

    template = "errors/fragment.html" if request.headers.get("hx-request") else "errors/error.html"
    context = {"message": printable(message), "errors": [printable(e) for e in errors or []], "status": status}
    response = render(request, template, context, status_code=status)
    response.headers.update(headers or {})
    return response


def retry_headers(exc: LpipError) -> dict:
    seconds = getattr(exc, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LpipError)
    async def lpip_error(request: Request, exc: LpipError):
        return render_error(request, exc.msgid, status_for(exc), exc.errors, retry_headers(exc), exc.params)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return render_error(request, str(exc.detail), exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return render_error(request, INVALID_REQUEST, 422, [describe(e) for e in exc.errors()])


def describe(error: dict) -> str:
    """One line per invalid field: where (``body.dots.12``) and what is wrong."""
    where = ".".join(str(part)[:40] for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}"


class CatchAllMiddleware:
    """Any exception no handler took becomes a 500 in the one error shape (JSON under /api,
    a page elsewhere), logged with its traceback; the client never sees the traceback."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log.exception("Unexpected error answering %s %s", scope.get("method"), _path(scope))
            if started:
                raise
            response = render_error(Request(scope, receive), SERVER_ERROR, 500)
            await response(scope, receive, send)


def _path(scope) -> str:
    from lpip.web.security import redact

    return redact(scope.get("path", ""))
