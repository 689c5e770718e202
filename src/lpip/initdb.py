"""Create or upgrade the database and load the bundled data: what `lpip init` does.

`lpip init` first brings the schema to the newest revision, then loads the bundled data in
one transaction that ends by recording the ``bundled`` row of the ``dataset`` table. That row
is the mark of a finished init: a database at the newest schema without it was left by an
init that was interrupted (Ctrl+C, a closed laptop, a full disk) or failed, and
:func:`open_database`, which every command and the web app use, says so and how to fix it.

Only :func:`init_db` needs the loaders (pandas, the bundled files); they are imported there, so
that opening a database stays quick.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lpip.bundled import bundle_fingerprint
from lpip.config import Settings
from lpip.db import make_engine, migrate, require_current_schema, session_scope, sqlite_path
from lpip.errors import DatabaseNotReady
from lpip.evidence.models import Dataset, Indicator, IndicatorValue
from lpip.geography.models import Area, AreaLink

BUNDLED_DATASET = "bundled"


@dataclass
class InitResult:
    """What `init_db` did."""

    database: str
    schema_before: str | None
    schema_after: str
    loaded: bool
    seconds: float
    summary: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.loaded or self.schema_before != self.schema_after


def init_db(settings: Settings, progress: Callable[[str], None] | None = None) -> InitResult:
    """Create or upgrade the database at ``settings.database_url`` and load the bundled data.

    Running it again on an up-to-date database changes nothing (``result.changed`` is
    False). The whole load is one transaction: it lands completely or not at all.
    """
    started = time.perf_counter()
    engine = make_engine(settings.database_url)
    try:
        before, after = migrate(engine)
        fingerprint = bundle_fingerprint()
        with session_scope(engine) as session:
            loaded = _load_bundle_if_changed(session, fingerprint, progress)
        with session_scope(engine) as session:
            summary = summarise_database(session)
    finally:
        # Also on failure: pooled connections left open are closed only by garbage collection.
        engine.dispose()
    return InitResult(
        database=settings.safe_database_url, schema_before=before, schema_after=after,
        loaded=loaded, seconds=time.perf_counter() - started, summary=summary,
    )


def _load_bundle_if_changed(session: Session, fingerprint: str, progress) -> bool:
    from lpip.evidence.bundle import load_bundled_indicators

    existing = session.scalar(select(Dataset).where(Dataset.name == BUNDLED_DATASET))
    if existing is not None and existing.sha256 == fingerprint:
        return False
    if existing is not None:
        _remove_bundled_values(session, existing)
    known = _insert_missing_geography(session)
    if progress:
        progress("geography")
    load_bundled_indicators(session, known, fingerprint, progress)
    return True


def _remove_bundled_values(session: Session, dataset: Dataset) -> None:
    """Clear what an older bundle loaded, keeping everything users imported."""
    session.execute(delete(IndicatorValue).where(IndicatorValue.dataset_id == dataset.id))
    # A shipped indicator that still holds users' values stays (deleting it would cascade to them).
    in_use = select(IndicatorValue.indicator_id).distinct()
    session.execute(delete(Indicator).where(Indicator.origin == "bundled", Indicator.id.not_in(in_use)))
    session.delete(dataset)
    session.flush()


def _insert_missing_geography(session: Session) -> set[str]:
    from lpip.db import bulk_insert
    from lpip.geography.load import build_geography

    tables = build_geography()
    present = set(session.scalars(select(Area.code)))
    bulk_insert(session, Area.__table__, [a for c, a in tables.areas.items() if c not in present])
    links = {tuple(row) for row in session.execute(select(AreaLink.child_code, AreaLink.parent_code))}
    bulk_insert(session, AreaLink.__table__, [v for k, v in tables.links.items() if k not in links])
    return present | set(tables.areas)


def summarise_database(session: Session) -> dict:
    """Counts of what the database holds: areas by level, indicators by theme, values."""
    areas = dict(session.execute(select(Area.level, func.count()).group_by(Area.level)).all())
    themes = dict(session.execute(select(Indicator.theme, func.count()).group_by(Indicator.theme)).all())
    values = session.scalar(select(func.count()).select_from(IndicatorValue))
    return {"areas": areas, "indicators": themes, "values": values}


def open_database(settings: Settings):
    """An engine for an initialised database; :class:`DatabaseNotReady` if `lpip init` is needed
    (no database file, no schema, an older one, or an init that did not finish).

    Opening never creates anything: a SQLite file that does not exist is reported, not made
    (connecting would leave an empty database, and its folder, behind).
    """
    require_existing_file(settings)
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
        require_finished_init(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def require_existing_file(settings: Settings) -> None:
    """:class:`DatabaseNotReady` for a SQLite database file that does not exist yet."""
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(
            f"The database sqlite:///{path} does not exist yet, so it has no lpip tables. Run `lpip init` first."
        )


def require_finished_init(engine) -> None:
    """Raise :class:`DatabaseNotReady` if the last `lpip init` did not finish loading the bundled data."""
    with engine.connect() as connection:
        finished = connection.scalar(select(Dataset.id).where(Dataset.name == BUNDLED_DATASET).limit(1))
    if finished is None:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseNotReady(
            f"The database {where} was not fully initialised: run lpip init again "
            "(an earlier `lpip init` was interrupted or failed before the bundled data was loaded)."
        )
