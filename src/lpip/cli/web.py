"""`lpip serve` (the workshop web app and its JSON API) and `lpip users` (facilitator accounts)."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, FormatOption, OutputFormat, console, database_session, new_app, print_frame

# How `lpip serve` hands its options to the app factory in each worker process.
ENV_HTTPS = "LPIP_HTTPS"
FACTORY = "lpip.cli.web:create_app_from_environment"


class LogLevel(str, Enum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


users_app = new_app("Facilitator accounts: create them and list them.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users", help="Facilitator accounts: create them and list them.")


# ---- lpip serve --------------------------------------------------------------------------------


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 0.0.0.0 for every network the machine is on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes (use several with PostgreSQL).")] = 1,
    database: DatabaseOption = None,
    https: Annotated[bool, typer.Option("--https", help="Served over https (behind a TLS proxy): session cookies become Secure.")] = False,
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="uvicorn's log level (warning hides the access log).")] = LogLevel.info,
) -> None:
    """Serve the workshop web app and its JSON API (/api/v1) with uvicorn."""
    settings = check_server_settings(database)
    if settings.is_sqlite and workers > 1:
        console.print("Note: SQLite lets one process write at a time; with several workers they take turns. "
                      "Use PostgreSQL for several workers.", highlight=False)
    console.print(f"Serving {settings.safe_database_url} on http{'s' if https else ''}://{host}:{port} "
                  f"({workers} worker{'s' if workers > 1 else ''}; API documentation at /api/v1/docs)",
                  highlight=False, soft_wrap=True)
    run_server(settings.database_url, host=host, port=port, workers=workers, https=https, log_level=log_level.value)


def check_server_settings(database: str | None):
    """Settings for the server, checked before any worker starts: the secret key (required in
    production) and a database at the current schema. Also makes the development key file
    once, so that every worker reads the same key."""
    from lpip.config import web_settings
    from lpip.initdb import open_database

    settings = web_settings(database)
    open_database(settings).dispose()
    return settings


def run_server(database_url: str, host: str, port: int, workers: int = 1, https: bool = False, log_level: str = "info") -> None:
    """Run uvicorn with the app factory; the workers read the settings from the environment."""
    import uvicorn

    from lpip.config import ENV_DATABASE_URL

    os.environ[ENV_DATABASE_URL] = database_url
    os.environ[ENV_HTTPS] = "1" if https else "0"
    # proxy_headers: behind a proxy on this machine (uvicorn trusts 127.0.0.1, or the addresses
    # in FORWARDED_ALLOW_IPS), the client's own address and scheme come from X-Forwarded-*.
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                log_level=log_level, server_header=False)


def create_app_from_environment():
    """The app factory each uvicorn worker calls: settings from LPIP_DATABASE_URL, LPIP_SECRET_KEY,
    LPIP_ENV and LPIP_HTTPS."""
    from lpip.config import web_settings
    from lpip.web import create_app

    return create_app(web_settings(), https=os.environ.get(ENV_HTTPS) == "1")


# ---- lpip users --------------------------------------------------------------------------------


@users_app.command("create")
def create_user(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The facilitator's email address (their sign-in name).")],
    name: Annotated[str, typer.Option("--name", help="The name shown on the pages.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input instead of asking.")] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make an admin account instead of a facilitator.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Create a facilitator account (the password is asked for twice, hidden)."""
    from lpip.workshops import accounts

    password = read_password(password_stdin)
    with database_session(database) as session:
        user = accounts.create_user(session, email, name, password, role="admin" if admin else "facilitator")
        console.print(f"Created {user.role} account {user.id} for {user.email}.", highlight=False, soft_wrap=True)


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice without being shown."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("list")
def list_users(fmt: FormatOption = OutputFormat.table, database: DatabaseOption = None) -> None:
    """List the accounts (never their passwords)."""
    with database_session(database) as session:
        frame = users_frame(session)
    print_frame(frame, fmt, title="Accounts")


def users_frame(session):
    """The accounts as a table: id, email, name, role, created_at."""
    import pandas as pd
    from sqlalchemy import select

    from lpip.workshops.models import UserAccount

    rows = session.execute(
        select(UserAccount.id, UserAccount.email, UserAccount.name, UserAccount.role, UserAccount.created_at)
        .order_by(UserAccount.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "email", "name", "role", "created_at"])
