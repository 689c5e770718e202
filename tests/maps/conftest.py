"""Fixtures for map tests: a read-only session on the bundled database, shared by a module.

Most map tests only read, so they share one session on the session-wide SQLite file instead
of copying the database per test; tests that exercise both backends use ``session``.
"""

from __future__ import annotations

import pytest

from lpip.db import make_engine, session_scope


@pytest.fixture(scope="module")
def read_session(bundled_sqlite):
    """A session on the bundled SQLite database; tests must not write through it."""
    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Hotspot weights are cached in the test's own folder, never the user's."""
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LPIP_MAP_TILE_URL", raising=False)
