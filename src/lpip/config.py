"""Settings: where the database lives, read once from options and the environment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lpip.errors import InvalidDatabaseURL

ENV_DATABASE_URL = "LPIP_DATABASE_URL"
ENV_DATA_DIR = "LPIP_DATA_DIR"
ENV_SECRET_KEY = "LPIP_SECRET_KEY"
ENV_ENVIRONMENT = "LPIP_ENV"
ENVIRONMENTS = ("development", "production")


def default_data_dir() -> Path:
    """The per-user folder for lpip's database and outputs (``LPIP_DATA_DIR`` overrides it)."""
    import platformdirs

    override = os.environ.get(ENV_DATA_DIR)
    return Path(override) if override else Path(platformdirs.user_data_dir("lpip", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'lpip.sqlite'}"


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with :func:`load_settings`."""

    database_url: str
    secret_key: str | None = None
    environment: str = "development"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def safe_database_url(self) -> str:
        """The URL with any password hidden, for messages."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def load_settings(database: str | None = None) -> Settings:
    """Settings from ``database``, else ``LPIP_DATABASE_URL``, else a SQLite file in the data dir.

    A bare file path is accepted and taken as a SQLite database file.
    """
    url = database or os.environ.get(ENV_DATABASE_URL) or default_database_url()
    return Settings(database_url=normalise_database_url(url))


def normalise_database_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if "://" not in url:
        # A plain path: treat it as a SQLite file.
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The message repeats the URL without its password: it may be shown or logged.
        shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
        raise InvalidDatabaseURL(
            f"Cannot read the database URL {shown!r}. Use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME."
        ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise InvalidDatabaseURL(
            f"lpip supports SQLite and PostgreSQL, not {parsed.get_backend_name()!r}. "
            "Use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME."
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise InvalidDatabaseURL(
            f"lpip talks to PostgreSQL through psycopg 3, not {parsed.get_driver_name()!r}. "
            "Use postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME."
        )
    return url


def web_settings(database: str | None = None) -> Settings:
    """Settings for the web app: a secret key is required outside development.

    In development a random key is made and kept in the data folder, so sessions survive a
    restart; in production ``LPIP_SECRET_KEY`` must be set to a long random value.
    """
    from lpip.errors import InvalidSettings

    environment = os.environ.get(ENV_ENVIRONMENT, "development")
    if environment not in ENVIRONMENTS:
        raise InvalidSettings(f"{ENV_ENVIRONMENT}={environment!r} is not one of {', '.join(ENVIRONMENTS)}.")
    key = os.environ.get(ENV_SECRET_KEY)
    if environment == "production" and (not key or len(key) < 32 or key.lower() in {"changeme", "secret"}):
        raise InvalidSettings(
            f"Set {ENV_SECRET_KEY} to a random value of at least 32 characters before serving in production "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    base = load_settings(database)
    return Settings(database_url=base.database_url, secret_key=key or _development_key(), environment=environment)


def _development_key() -> str:
    import secrets

    path = default_data_dir() / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
