"""The application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from lpip import __version__
from lpip.config import Settings, web_settings
from lpip.db import session_factory
from lpip.initdb import open_database
from lpip.web.errors import install_error_handlers
from lpip.web.security import RateLimiter, SecurityHeadersMiddleware

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, https: bool = False) -> FastAPI:
    """Build the web app on an initialised database.

    ``https`` marks session cookies Secure; set it when serving behind TLS.
    """
    settings = settings or web_settings()
    engine = open_database(settings)
    app = FastAPI(
        title="lpip", version=__version__,
        description="Workshops for Local Policy Innovation Partnerships: plan, capture, vote.",
        docs_url="/api/v1/docs", openapi_url="/api/v1/openapi.json", redoc_url=None,
    )
    app.state.settings = settings
    app.state.https = https
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.rate_limiter = RateLimiter()
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="lpip_session",
        same_site="lax", https_only=https, max_age=12 * 3600,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_handlers(app)
    _include_routes(app)
    return app


def _include_routes(app: FastAPI) -> None:
    from lpip.web.routes import api, auth, capture, coding, connections, home, synthesis, workshops

    for module in (home, auth, workshops, capture, connections, coding, synthesis, api):
        app.include_router(module.router)
