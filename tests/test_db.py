"""The store: migrations match the models, SQLite pragmas, schema checks, bulk inserts."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

import lpip
from lpip.db import (
    Base,
    _alembic_config,
    bulk_insert,
    current_revision,
    head_revision,
    make_engine,
    migrate,
    require_current_schema,
    session_scope,
)
from lpip.errors import DatabaseNotReady, InvalidDatabaseURL
from lpip.geography.models import Area

UNREACHABLE = "postgresql+psycopg://lpip:s3cret@127.0.0.1:9/lpip"  # port 9 (discard): nothing listens


def _import_every_model_module() -> None:
    """Register every domain's tables on Base.metadata, including domains added later."""
    root = Path(lpip.__file__).parent
    for path in sorted(root.glob("*/models.py")):
        importlib.import_module(f"lpip.{path.parent.name}.models")


@pytest.fixture
def empty_engine(empty_db_url):
    engine = make_engine(empty_db_url)
    yield engine
    engine.dispose()


def test_migrations_produce_exactly_the_models_schema(engine):
    _import_every_model_module()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrating_an_empty_database_reaches_head_and_the_models_schema(empty_engine):
    assert current_revision(empty_engine) is None
    before, after = migrate(empty_engine)
    assert (before, after) == (None, head_revision())
    assert current_revision(empty_engine) == head_revision()
    _import_every_model_module()
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_twice_changes_nothing(empty_engine):
    migrate(empty_engine)
    assert migrate(empty_engine) == (head_revision(), head_revision())


def test_sqlite_uses_wal_and_enforces_foreign_keys(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_foreign_keys_refuse_a_link_to_a_missing_area(engine):
    from sqlalchemy.exc import IntegrityError

    from lpip.geography.models import AreaLink

    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(AreaLink(child_code="E08000025", parent_code="NO-SUCH-AREA", kind="member"))


def test_make_engine_creates_the_sqlite_folder(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'lpip.sqlite'}")
    try:
        assert (tmp_path / "new" / "folder").is_dir()
    finally:
        engine.dispose()


def test_empty_database_is_not_ready(empty_engine):
    with pytest.raises(DatabaseNotReady, match=r"has no lpip tables\. Run `lpip init` first"):
        require_current_schema(empty_engine)


def test_older_schema_is_not_ready_until_migrated(empty_engine):
    command.upgrade(_alembic_config(empty_engine), "0001")
    assert head_revision() != "0001", "a second migration exists, so 0001 is older than head"
    with pytest.raises(DatabaseNotReady, match=r"older schema \(0001\).*Run `lpip init` first"):
        require_current_schema(empty_engine)
    assert migrate(empty_engine) == ("0001", head_revision())
    require_current_schema(empty_engine)


def test_loaded_database_is_ready(engine):
    require_current_schema(engine)
    assert current_revision(engine) == head_revision()


def test_unreachable_server_is_a_clear_error_without_the_password():
    engine = make_engine(UNREACHABLE)
    try:
        with pytest.raises(InvalidDatabaseURL) as caught:
            current_revision(engine)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert "Cannot open the database" in message and "server is running" in message
    assert "s3cret" not in message


def test_session_scope_commits_on_success(engine):
    with session_scope(engine) as session:
        session.add(Area(code="TEST-COMMIT", name="committed", level="custom", is_custom=True))
    with session_scope(engine) as session:
        assert session.get(Area, "TEST-COMMIT") is not None


def test_session_scope_rolls_back_everything_on_error(engine):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            session.add(Area(code="TEST-ROLLBACK", name="rolled back", level="custom", is_custom=True))
            session.flush()
            raise RuntimeError("fail after the write")
    with session_scope(engine) as session:
        assert session.get(Area, "TEST-ROLLBACK") is None


AWKWARD_ROWS = [
    # Text that a hand-made CSV stream for COPY would get wrong: separators, quotes, newlines.
    dict(code="T-1", name='Comma, "quoted" and\nnew line', level="custom", itl_code=None,
         area_set="t", is_custom=True, source=None),
    dict(code="T-2", name="Tab\there; semicolon; back\\slash", level="custom", itl_code="TLG",
         area_set="t", is_custom=False, source="Ünïcødé – £"),
    dict(code="T-3", name="", level="custom", itl_code=None, area_set=None, is_custom=True, source=""),
]


def test_bulk_insert_round_trips_awkward_values(engine):
    with session_scope(engine) as session:
        assert bulk_insert(session, Area.__table__, AWKWARD_ROWS) == 3
    with session_scope(engine) as session:
        got = session.execute(select(Area.__table__).where(Area.code.in_(["T-1", "T-2", "T-3"])).order_by(Area.code))
        assert [dict(row._mapping) for row in got] == AWKWARD_ROWS


def test_bulk_insert_of_nothing_is_zero(engine):
    with session_scope(engine) as session:
        assert bulk_insert(session, Area.__table__, []) == 0


def test_bulk_insert_is_part_of_the_session_transaction(engine):
    with session_scope(engine) as session:
        before = session.scalar(select(func.count()).select_from(Area))
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            bulk_insert(session, Area.__table__, AWKWARD_ROWS)
            raise RuntimeError("fail after the bulk insert")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Area)) == before


def test_postgresql_engine_checks_connections_before_use():
    # A hosted server may drop idle connections; pre-ping replaces them instead of failing.
    engine = make_engine(UNREACHABLE)
    try:
        assert engine.pool._pre_ping
    finally:
        engine.dispose()


# ---------------------------------------------------------------- revisions without Alembic


def test_head_revision_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def test_current_revision_read_directly_is_alembics(empty_engine):
    command.upgrade(_alembic_config(empty_engine), "0001")
    with empty_engine.connect() as connection:
        assert current_revision(empty_engine) == MigrationContext.configure(connection).get_current_revision() == "0001"


def test_a_migration_failing_half_way_leaves_no_tables_behind(empty_db_url, monkeypatch):
    """An interrupted first `lpip init` must not leave half a schema that the next init trips over.
    The last migration fails after the earlier ones ran (in the same transaction)."""
    from sqlalchemy import event, inspect

    import lpip.db as db

    real = db._transactional_sqlite

    def failing_engine(engine):
        migrating = real(engine) if engine.dialect.name == "sqlite" else engine
        failing = migrating if migrating is not engine else make_engine(empty_db_url)

        @event.listens_for(failing, "before_cursor_execute")
        def fail_on_last(conn, cursor, statement, parameters, context, executemany):
            if "codebook_code" in statement and statement.lstrip().upper().startswith("CREATE TABLE"):
                raise RuntimeError("interrupted")

        return failing

    monkeypatch.setattr(db, "_transactional_sqlite", failing_engine)
    engine = make_engine(empty_db_url)
    try:
        if engine.dialect.name != "sqlite":
            # PostgreSQL runs the migration on the caller's engine.
            @event.listens_for(engine, "before_cursor_execute")
            def fail_on_last(conn, cursor, statement, parameters, context, executemany):
                if "codebook_code" in statement and statement.lstrip().upper().startswith("CREATE TABLE"):
                    raise RuntimeError("interrupted")
        with pytest.raises(RuntimeError, match="interrupted"):
            migrate(engine)
        assert inspect(engine).get_table_names() == []
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    monkeypatch.undo()
    engine = make_engine(empty_db_url)
    try:
        assert migrate(engine) == (None, head_revision()), "the next init starts cleanly"
    finally:
        engine.dispose()


def test_0010_keeps_each_workshops_walk_in_switch_and_downgrades_the_default_to_what_it_meant(empty_engine):
    """0010 makes ``walkin_open`` nullable (None: on only while no attendee is registered).
    Upgrading keeps existing values; downgrading writes what the default meant for each workshop."""
    from lpip.workshops.attendees import register_attendee
    from lpip.workshops.models import Workshop
    from lpip.workshops.workshops import RoundSpec, create_workshop

    migrate(empty_engine)
    with session_scope(empty_engine) as session:
        registered = create_workshop(session, "Made-up workshop with attendees", [RoundSpec("Q?")], tables=2)
        register_attendee(session, registered.id, "Made-up Person", "public", email="made.up@example.org")
        anonymous = create_workshop(session, "Made-up workshop without attendees", [RoundSpec("Q?")], tables=2)
        switched = create_workshop(session, "Made-up workshop switched on", [RoundSpec("Q?")], tables=2)
        register_attendee(session, switched.id, "Made-up Other", "private", email="made.other@example.org")
        switched.walkin_open = True
        ids = (registered.id, anonymous.id, switched.id)
        assert (registered.walkin_open, anonymous.walkin_open) == (None, None)

    def stored():
        with session_scope(empty_engine) as session:
            return [session.scalar(select(Workshop.walkin_open).where(Workshop.id == i)) for i in ids]

    command.downgrade(_alembic_config(empty_engine), "0009")
    assert stored() == [False, True, True]
    command.upgrade(_alembic_config(empty_engine), "head")
    assert stored() == [False, True, True]
