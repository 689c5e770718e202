"""Shared fixtures: a real database loaded with the bundled data, a CLI runner, data paths.

The bundled data is loaded once per test session into a SQLite file (and, when
``LPIP_TEST_POSTGRES_URL`` names a PostgreSQL server, into a template database there);
each test that asks for ``db_url`` gets its own copy, so tests may write freely.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lpip.config import load_settings
from lpip.db import make_engine, session_scope
from lpip.initdb import init_db

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_DATA = Path(__file__).parent / "data"
POSTGRES_URL = os.environ.get("LPIP_TEST_POSTGRES_URL")

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def bundled_sqlite(tmp_path_factory) -> Path:
    """A SQLite file with the bundled data loaded (built once; do not write to it)."""
    path = tmp_path_factory.mktemp("bundled") / "lpip.sqlite"
    init_db(load_settings(f"sqlite:///{path}"))
    # Fold the WAL into the main file so that a plain file copy is a complete database.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _admin_url(url: str, database: str = "postgres") -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> str:
    """The name of a PostgreSQL database with the bundled data loaded (built once)."""
    if not POSTGRES_URL:
        if os.environ.get("LPIP_REQUIRE_POSTGRES"):
            pytest.fail("LPIP_REQUIRE_POSTGRES is set but LPIP_TEST_POSTGRES_URL is not: start PostgreSQL first")
        pytest.skip("LPIP_TEST_POSTGRES_URL is not set: PostgreSQL tests need a server (CI starts one)")
    name = f"lpip_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    init_db(load_settings(_admin_url(POSTGRES_URL, name)))
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_copy(template: str) -> tuple[str, callable]:
    name = f"lpip_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_admin_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return _admin_url(POSTGRES_URL, name), drop


@pytest.fixture(params=BACKENDS)
def db_url(request, bundled_sqlite, tmp_path) -> str:
    """URL of a private, fully loaded database: SQLite, and PostgreSQL when available."""
    if request.param == "sqlite":
        path = tmp_path / "lpip.sqlite"
        shutil.copyfile(bundled_sqlite, path)
        yield f"sqlite:///{path}"
        _remove_sqlite(path)
        return
    template = request.getfixturevalue("postgres_template")
    url, drop = _postgres_copy(template)
    yield url
    drop()


@pytest.fixture
def sqlite_url(bundled_sqlite, tmp_path) -> str:
    """URL of a private, fully loaded SQLite database (for tests that need no PostgreSQL run)."""
    path = tmp_path / "lpip.sqlite"
    shutil.copyfile(bundled_sqlite, path)
    yield f"sqlite:///{path}"
    _remove_sqlite(path)


def _remove_sqlite(path: Path) -> None:
    """Each copy is about 150 MB and pytest keeps the temporary folders of recent runs."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture(params=BACKENDS)
def empty_db_url(request, tmp_path) -> str:
    """URL of a new database with no tables at all: SQLite, and PostgreSQL when available."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    request.getfixturevalue("postgres_template")  # skips (or fails) as the other PostgreSQL tests do
    name = f"lpip_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_admin_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield _admin_url(POSTGRES_URL, name)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def cli(db_url, monkeypatch):
    """Run `lpip ...` in-process against the test's database: ``cli("areas", "list")``."""
    from typer.testing import CliRunner

    from lpip.cli import app

    monkeypatch.setenv("LPIP_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"{SHARED_DATA} is not beside the repository")
    return SHARED_DATA


@pytest.fixture
def app(db_url, tmp_path, monkeypatch):
    """The web app on the test's database (development settings, a fixed test secret)."""
    from lpip.config import Settings
    from lpip.web import create_app

    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path / "data"))
    app = create_app(Settings(database_url=db_url, secret_key="test-secret-" + "x" * 40))
    yield app
    app.state.engine.dispose()  # close pooled connections before the test database is dropped


@pytest.fixture
def client(app):
    """A test client for the web app (cookies kept between requests)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


# Made-up statements for a made-up room (test data, not from any real workshop): two camps that
# disagree on the first eight and agree on the last two.
MADE_UP_ROOM_STATEMENTS = [
    "MADE-UP: more buses after 10pm", "MADE-UP: a night bus to the hospital", "MADE-UP: free parking at the GP",
    "MADE-UP: a car club in every estate", "MADE-UP: close the high street to cars", "MADE-UP: a cycle lane on the ring road",
    "MADE-UP: no new car parks", "MADE-UP: bike racks at every school", "MADE-UP: step-free stations",
    "MADE-UP: bus times on paper at stops",
]


@pytest.fixture
def made_up_room():
    """Seed a workshop with made-up participants (test data) and their votes: ``made_up_room(session,
    workshop_id, people=14)`` joins them with the walk-in code, adds :data:`MADE_UP_ROOM_STATEMENTS`,
    and has half the room agree with the first four and disagree with the next four, the other half
    the opposite, and everyone agree with the last two. Returns the participants' ids."""
    from lpip.workshops.capture import add_statement, cast_vote, join_workshop
    from lpip.workshops.workshops import get_workshop

    def seed(session, workshop_id: int, people: int = 14) -> list[int]:
        code = get_workshop(session, workshop_id).join_code
        members = [join_workshop(session, code, burst=10_000) for _ in range(people)]
        statements = [add_statement(session, members[i % people], text, f"made-up-{i:04d}")[0]
                      for i, text in enumerate(MADE_UP_ROOM_STATEMENTS)]
        for n, member in enumerate(members):
            camp = n % 2
            for i, statement in enumerate(statements):
                if i < 8:
                    agree = (i < 4) == (camp == 0)
                    vote = "agree" if agree else "disagree"
                    if (n + i) % 7 == 0:
                        vote = "pass"  # a little noise, fixed
                else:
                    vote = "agree"
                cast_vote(session, member, statement.id, vote)
        session.flush()
        return [m.id for m in members]

    return seed
