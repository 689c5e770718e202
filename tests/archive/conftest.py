"""Fixtures for the deposit tests: the hostile workshop (see hostile.py)."""

from __future__ import annotations

import pytest
from hostile import Hostile, build_hostile


@pytest.fixture
def hostile(session) -> Hostile:
    return build_hostile(session)


@pytest.fixture
def make_hostile(session):
    """Build another hostile workshop: ``make_hostile(notes_consent=False, title=...)``."""
    return lambda **options: build_hostile(session, **options)
