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
ENV_PARENT = "LPIP_SERVE_PARENT"  # the pid of `lpip serve`, which its workers watch
# How long an idle connection is kept open (uvicorn's default is 5 s). A phone that pauses longer
# than that between taps finds its connection closed, and a request sent on it just as the
# server closes it fails; 75 s, as nginx keeps them, covers a room's pauses at little cost.
KEEP_ALIVE_SECONDS = 75
FACTORY = "lpip.cli.web:create_app_from_environment"


class LogLevel(str, Enum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


USERS_HELP = "Facilitator accounts: create, list, set a new password, disable and enable."
users_app = new_app(USERS_HELP)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users", help=USERS_HELP)


# ---- lpip serve --------------------------------------------------------------------------------


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 0.0.0.0 for every network the machine is on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes (use several with PostgreSQL).")] = 1,
    database: DatabaseOption = None,
    https: Annotated[bool, typer.Option("--https", help="Served over https (behind a TLS proxy): session cookies become Secure and browsers are told to use https only (HSTS).")] = False,
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="uvicorn's log level (warning hides the access log).")] = LogLevel.info,
) -> None:
    """Serve the workshop web app and its JSON API (/api/v1) with uvicorn.

    With --workers above 1 the workers stop by themselves when this process dies, even by
    kill -9, so a restart finds the port free.
    """
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
    os.environ[ENV_PARENT] = str(os.getpid())
    # The facilitator's page lists the machine's network addresses when serving on every network.
    os.environ["LPIP_SERVE_ADDRESS"] = f"{host}:{port}"
    # proxy_headers: behind a proxy on this machine (uvicorn trusts 127.0.0.1, or the addresses
    # in FORWARDED_ALLOW_IPS), the client's own address and scheme come from X-Forwarded-*.
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                log_level=log_level, server_header=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)


def create_app_from_environment():
    """The app factory each uvicorn worker calls: settings from LPIP_DATABASE_URL, LPIP_SECRET_KEY,
    LPIP_ENV and LPIP_HTTPS."""
    from lpip.config import web_settings
    from lpip.web import create_app

    parent = os.environ.get(ENV_PARENT, "")
    if parent.isdigit() and int(parent) != os.getpid():
        watch_parent(int(parent))
    return create_app(web_settings(), https=os.environ.get(ENV_HTTPS) == "1")


def watch_parent(parent: int, every: float = 1.0) -> None:
    """Stop this worker (SIGTERM: it finishes the requests in hand) when `lpip serve`, its
    parent, has gone: uvicorn's workers would otherwise go on serving after a kill -9 of the
    parent, holding the port so that a restart fails with "Address already in use".

    On Linux the kernel sends the signal the moment the parent dies (PR_SET_PDEATHSIG); a
    thread that checks the parent's pid every second covers other systems and the case of a
    parent that died before the signal was set up.
    """
    import signal
    import threading
    import time

    _signal_on_parent_death(signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="lpip-parent-watch", daemon=True).start()


def _signal_on_parent_death(signum: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signum, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # the watching thread still stops the worker


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
    """List the accounts: role, whether disabled, how many sessions are signed in (never passwords)."""
    from lpip.workshops.accounts import list_users as account_list

    with database_session(database) as session:
        frame = account_list(session)
    print_frame(frame, fmt, title="Accounts")


@users_app.command("passwd")
def set_password(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The account's email address.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from the first line of standard input instead of asking.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Give an account a new password (asked twice, hidden); signs it out everywhere."""
    from lpip.workshops import accounts

    password = read_password(password_stdin)
    with database_session(database) as session:
        user = accounts.set_password(session, email, password)
        console.print(f"New password set for {user.email}; every session and bearer token of the account has ended.",
                      highlight=False, soft_wrap=True)


@users_app.command("disable")
def disable_user(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The account's email address.")],
    database: DatabaseOption = None,
) -> None:
    """Stop an account signing in and end its sessions and bearer tokens (its workshops stay)."""
    from lpip.workshops import accounts

    with database_session(database) as session:
        user = accounts.disable_user(session, email)
        console.print(f"Disabled {user.email}: it can no longer sign in, and its sessions have ended.",
                      highlight=False, soft_wrap=True)


@users_app.command("enable")
def enable_user(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The account's email address.")],
    database: DatabaseOption = None,
) -> None:
    """Let a disabled account sign in again, with the password it had."""
    from lpip.workshops import accounts

    with database_session(database) as session:
        user = accounts.enable_user(session, email)
        console.print(f"Enabled {user.email}: it can sign in again.", highlight=False, soft_wrap=True)
