"""One error shape for the API and one error page for browsers.

JSON: ``{"ok": false, "error": message, "errors": [details], "status": N}``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lpip.errors import (
    AuthenticationFailed, InvalidContribution, InvalidWorkshopFile, LpipError, PermissionDenied,
    UnknownAreaCode, UnknownWorkshop, WorkshopClosed,
)

STATUS = {
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    UnknownWorkshop: 404,
    WorkshopClosed: 409,
    InvalidContribution: 422,
    InvalidWorkshopFile: 422,
    UnknownAreaCode: 422,
}


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


def error_body(message: str, status: int, errors: list | None = None) -> dict:
    return {"ok": False, "error": message, "errors": list(errors or []), "status": status}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def render_error(request: Request, message: str, status: int, errors: list | None = None):
    if wants_json(request):
        return JSONResponse(error_body(message, status, errors), status_code=status)
    from lpip.web.templating import render

    template = "errors/fragment.html" if request.headers.get("hx-request") else "errors/error.html"
    return render(request, template, {"message": message, "errors": errors or [], "status": status}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LpipError)
    async def lpip_error(request: Request, exc: LpipError):
        return render_error(request, exc.message, status_for(exc), exc.errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return render_error(request, str(exc.detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        details = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return render_error(request, "The request is not valid.", 422, details)
