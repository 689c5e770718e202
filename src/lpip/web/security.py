"""CSRF tokens, security headers and per-client rate limits."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware

from lpip.errors import LpipError

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# No inline script anywhere: every script is a file under /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class CsrfFailed(LpipError):
    """A form arrived without the session's CSRF token (expired page or forged request)."""


class RateLimited(LpipError):
    """A client sent more submissions than allowed in a short time."""


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise :class:`CsrfFailed` unless ``submitted`` (form field or header) matches the session."""
    expected = request.session.get(CSRF_FIELD)
    given = submitted or request.headers.get(CSRF_HEADER)
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise CsrfFailed("This form has expired or did not come from this site. Reload the page and try again.")


class RateLimiter:
    """A sliding-window limit per client key (a participant, a table link, or an address).

    Kept in memory, so with several workers each enforces its own window: the effective
    limit is per worker, which is enough to stop a runaway client.
    """

    def __init__(self, limit: int = 30, window: float = 10.0):
        self.limit, self.window = limit, window
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise RateLimited(
                    f"Too many submissions: at most {self.limit} every {self.window:.0f} seconds. Wait a moment."
                )
            hits.append(now)
