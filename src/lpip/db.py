"""The store: engine, sessions, the declarative Base and schema migrations.

One database holds everything. SQLite (WAL mode, foreign keys on) is the default;
PostgreSQL is used for a hosted, multi-user install. Migrations live in
``lpip/migrations`` and run with Alembic.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, MetaData, Table, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from lpip.errors import DatabaseNotReady, InvalidDatabaseURL

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base for every lpip table."""

    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers (the web app, the CLI) work while one writer writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the parent folder is created and pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database.

    Read with one query rather than through Alembic, which every command would otherwise
    import (a third of a second) just to open the database.
    """
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except OperationalError as exc:
        raise InvalidDatabaseURL(
            f"Cannot open the database {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}. Check the URL, that the server is running and that you may connect."
        ) from None
    return versions[0] if len(versions) == 1 else None if not versions else ",".join(sorted(versions))


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:['"]([^'"]+)['"]|None)""", re.M)


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision of lpip's migrations: the one no other revision follows.

    Read from the migration files' ``revision``/``down_revision`` lines (tests/test_db.py
    checks it against Alembic's own answer), so that opening a database needs no Alembic.
    """
    revisions, parents = set(), set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        pairs = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if pairs.get("revision"):
            revisions.add(pairs["revision"])
            if pairs.get("down_revision"):
                parents.add(pairs["down_revision"])
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise RuntimeError(f"lpip's migrations must form one chain; heads found: {heads}")
    return heads[0]


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest revision; returns (before, after).

    All or nothing on both databases: PostgreSQL runs DDL inside the migration's transaction,
    and so does SQLite here (see :func:`_transactional_sqlite`), so an interrupted `lpip init`
    never leaves half a schema behind.
    """
    from alembic import command

    before = current_revision(engine)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        migrating = _transactional_sqlite(engine)
        try:
            command.upgrade(_alembic_config(migrating), "head")
        finally:
            migrating.dispose()
    else:
        command.upgrade(_alembic_config(engine), "head")
    return before, head_revision()


def _transactional_sqlite(engine: Engine) -> Engine:
    """A second engine on the same SQLite file whose transactions include DDL.

    Python's sqlite3 module (3.11) opens a transaction only before INSERT/UPDATE/DELETE, so a
    CREATE TABLE would commit at once; here the driver's own handling is switched off and every
    SQLAlchemy transaction starts with BEGIN, as SQLAlchemy's SQLite documentation advises.
    Only migrations use it: the app keeps the driver's default, which suits many readers.
    """
    migrating = create_engine(engine.url)

    @event.listens_for(migrating, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        _sqlite_pragmas(dbapi_connection, record)

    @event.listens_for(migrating, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    return migrating


def require_current_schema(engine: Engine) -> None:
    """Raise :class:`DatabaseNotReady` unless the schema is at the newest revision."""
    revision = current_revision(engine)
    if revision != head_revision():
        where = engine.url.render_as_string(hide_password=True)
        state = "has no lpip tables" if revision is None else f"is at an older schema ({revision})"
        raise DatabaseNotReady(f"The database {where} {state}. Run `lpip init` first.")


def table_exists(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def bulk_insert(session: Session, table: Table, rows: Sequence[dict] | Iterable[dict]) -> int:
    """Insert many rows fast inside the session's transaction; returns the count.

    PostgreSQL gets ``COPY``, which is an order of magnitude quicker than INSERTs for the
    million-row bundled load; other databases get an executemany.
    """
    rows = list(rows)
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, table, rows)
    else:
        connection.execute(table.insert(), rows)
    return len(rows)


def _copy_rows(connection, table: Table, rows: list[dict]) -> None:
    columns = list(rows[0].keys())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["\\N" if row[c] is None else row[c] for c in columns])
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table.name}" ({names}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')'
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())
