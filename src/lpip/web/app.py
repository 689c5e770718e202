"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from lpip import __version__
from lpip.config import Settings, web_settings
from lpip.db import session_factory
from lpip.errors import InvalidSettings
from lpip.initdb import open_database
from lpip.deliberation.room import RoomMapCache
from lpip.web.errors import CatchAllMiddleware, install_error_handlers
from lpip.web.i18n import LocaleMiddleware
from lpip.web.security import RateLimiter, SecurityHeadersMiddleware, redact_access_log
from lpip.workshops.capture import JOIN_BURST

STATIC = Path(__file__).parent / "static"
SWAGGER_UI = STATIC / "vendor" / "swagger-ui" / "swagger-ui-bundle.js"
OPENAPI_URL = "/api/v1/openapi.json"
# How many people may join with one code in ten seconds (see lpip.workshops.capture.JOIN_BURST).
ENV_JOIN_BURST = "LPIP_JOIN_BURST"
# How often (seconds) a participant's page asks for the room map; the projector asks at least
# twice as often. A few seconds more or less changes little in a room; tests shorten it.
ENV_ROOM_MAP_SECONDS = "LPIP_ROOM_MAP_SECONDS"
ROOM_MAP_SECONDS = 10
SESSION_COOKIE_SECONDS = 12 * 3600


def create_app(settings: Settings | None = None, https: bool = False) -> FastAPI:
    """Build the web app on an initialised database.

    ``https`` marks session cookies Secure and sends Strict-Transport-Security; set it when
    serving behind TLS.
    """
    settings = settings or web_settings()
    # Settings from the environment are checked before the database is opened: a wrong one stops
    # here, with no connection left open.
    burst, map_seconds = join_burst(), room_map_seconds()
    engine = open_database(settings)
    app = FastAPI(
        title="lpip", version=__version__,
        description="Workshops for Local Policy Innovation Partnerships: plan, capture, vote.",
        docs_url=None, openapi_url=OPENAPI_URL, redoc_url=None,
    )
    app.state.settings = settings
    app.state.https = https
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.rate_limiter = RateLimiter()
    # Joining with a wrong code: counted per address, so that guessing codes is slow while a
    # venue's shared router, whose phones type the right code, is never held up.
    app.state.join_guesses = RateLimiter(limit=30, window=10.0)
    app.state.join_burst = burst
    # A personal code stands for one attendee: a few joins a minute with it are plenty (a second
    # phone, a reload), and more is somebody trying it out.
    app.state.join_codes = RateLimiter(limit=10, window=60.0)
    # The room map (opinion groups) is recomputed only when a workshop's votes change.
    app.state.room_maps = RoomMapCache()
    app.state.room_map_seconds = map_seconds
    # Innermost first: errors become responses that still get the headers and the session cookie.
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, https=https)
    # The locale of the pages phones use (lang query, remembered in a cookie; Accept-Language).
    app.add_middleware(LocaleMiddleware, https=https)
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="lpip_session",
        same_site="lax", https_only=https, max_age=SESSION_COOKIE_SECONDS,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_handlers(app)
    _include_routes(app)
    redact_access_log()
    return app


def join_burst() -> int:
    """Joins allowed per code in ten seconds: ``LPIP_JOIN_BURST`` if set, else the default."""
    value = os.environ.get(ENV_JOIN_BURST, "").strip()
    if not value:
        return JOIN_BURST
    if not value.isdigit() or int(value) < 1:
        raise InvalidSettings(f"{ENV_JOIN_BURST}={value!r} is not a whole number of joins (at least 1).")
    return int(value)


def room_map_seconds() -> int:
    """Seconds between a phone's asks for the room map: ``LPIP_ROOM_MAP_SECONDS`` if set, else 10."""
    value = os.environ.get(ENV_ROOM_MAP_SECONDS, "").strip()
    if not value:
        return ROOM_MAP_SECONDS
    if not value.isdigit() or not 1 <= int(value) <= 3600:
        raise InvalidSettings(f"{ENV_ROOM_MAP_SECONDS}={value!r} is not a whole number of seconds from 1 to 3600.")
    return int(value)


def _include_routes(app: FastAPI) -> None:
    from lpip.web.routes import api, auth, capture, coding, connections, home, plans, synthesis, workshops

    for module in (home, auth, workshops, plans, capture, connections, coding, synthesis, api):
        app.include_router(module.router)

    @app.get("/api/v1/docs", include_in_schema=False)
    def api_docs(request: Request):
        """The API's OpenAPI document, browsable (Swagger UI from the npm package, served locally)."""
        from lpip.web.errors import render_error
        from lpip.web.templating import render

        if not SWAGGER_UI.exists():
            return render_error(request, "The API's documentation page needs Swagger UI: run `make` (npm ci and "
                                "scripts/vendor_assets.py) to install it. The document itself is at " + OPENAPI_URL, 404)
        return render(request, "api/docs.html", {"openapi_url": OPENAPI_URL})
