"""CSRF tokens, security headers, secrets kept out of logs, and per-client rate limits."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import Request

from lpip.errors import LpipError, N_

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# No inline script anywhere: every script is a file under /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# Two years, as browsers' preload lists ask; no includeSubDomains: lpip may live on one host of
# an organisation's domain whose other hosts it knows nothing about.
HSTS = "max-age=63072000"
# Pages and API answers name people, carry tokens, or show what someone typed: no cache keeps
# them (a shared computer's browser, a proxy). Only the static assets may be cached.
NO_STORE = "no-store"
STATIC_PREFIX = "/static/"


class CsrfFailed(LpipError):
    """A form arrived without the session's CSRF token (expired page or forged request)."""


class RateLimited(LpipError):
    """A client sent more submissions than allowed in a short time."""

    def __init__(self, message: str, retry_after: int = 10, **params):
        super().__init__(message, **params)
        self.retry_after = retry_after


class SecurityHeadersMiddleware:
    """The security headers on every response; ``Cache-Control: no-store`` on every one but
    the static assets; ``Strict-Transport-Security`` when the app is served over https."""

    def __init__(self, app, https: bool = False):
        self.app = app
        self.https = https

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(STATIC_PREFIX)

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in self._headers(static).items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)

    def _headers(self, static: bool) -> dict[str, str]:
        headers = dict(HEADERS)
        if not static:
            headers["cache-control"] = NO_STORE
        if self.https:
            headers["strict-transport-security"] = HSTS
        return headers


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
    if not isinstance(given, str) or not given.isascii():
        given = None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise CsrfFailed(N_("This form has expired or did not come from this site. Reload the page and try again."))


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
                wait = max(int(self.window - (now - hits[0])) + 1, 1)
                raise RateLimited(
                    N_("Too many submissions: at most %(limit)s every %(seconds)s seconds. Wait a moment."),
                    retry_after=wait, limit=self.limit, seconds=f"{self.window:.0f}",
                )
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle clients so memory stays bounded
                self._forget(now)

    def _forget(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or now - hits[-1] > self.window]:
            del self._hits[key]


# ---- secrets out of the access log -------------------------------------------------------------

# A table host's link is /t/<token>: whoever reads the log could write that table's notes.
SECRET_IN_PATH = re.compile(r"(/t/)[A-Za-z0-9_-]+")
SECRET_IN_QUERY = re.compile(r"((?:^|[?&])(?:code|token)=)[^&\s]*", re.IGNORECASE)


def redact(path: str) -> str:
    """A request line's path with host-link tokens and join codes replaced by ``…``.

    Examples
    --------
    >>> redact("/t/Ab3_x-9/notes?code=K7Q2ZD")
    '/t/…/notes?code=…'
    """
    return SECRET_IN_QUERY.sub(r"\1…", SECRET_IN_PATH.sub(r"\1…", path))


class RedactSecrets(logging.Filter):
    """Takes host-link tokens and join codes out of uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = redact(str(args[2]))  # uvicorn's access log: (client, method, path, version, status)
            record.args = tuple(args)
        return True


def redact_access_log() -> None:
    """Install :class:`RedactSecrets` on uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
