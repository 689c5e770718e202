"""Settings: where the database URL comes from and how it is normalised."""

from __future__ import annotations

from pathlib import Path

import pytest

from lpip.config import load_settings, normalise_database_url
from lpip.errors import InvalidDatabaseURL


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No database URL in the environment and a private data folder."""
    monkeypatch.delenv("LPIP_DATABASE_URL", raising=False)
    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_default_is_a_sqlite_file_in_the_data_dir(clean_env):
    assert load_settings().database_url == f"sqlite:///{clean_env / 'data' / 'lpip.sqlite'}"


def test_environment_beats_default(clean_env, monkeypatch):
    monkeypatch.setenv("LPIP_DATABASE_URL", "sqlite:////srv/env.sqlite")
    assert load_settings().database_url == "sqlite:////srv/env.sqlite"


def test_option_beats_environment(clean_env, monkeypatch):
    monkeypatch.setenv("LPIP_DATABASE_URL", "sqlite:////srv/env.sqlite")
    assert load_settings("sqlite:////srv/option.sqlite").database_url == "sqlite:////srv/option.sqlite"


def test_empty_environment_variable_falls_back_to_default(clean_env, monkeypatch):
    monkeypatch.setenv("LPIP_DATABASE_URL", "")
    assert load_settings().database_url.endswith("/data/lpip.sqlite")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://lpip:pw@db.example:5432/lpip", "postgresql+psycopg://lpip:pw@db.example:5432/lpip"),
        ("postgres://lpip@db.example/lpip", "postgresql+psycopg://lpip@db.example/lpip"),
        ("postgresql+psycopg://lpip@db.example/lpip", "postgresql+psycopg://lpip@db.example/lpip"),
        ("sqlite:////srv/lpip.sqlite", "sqlite:////srv/lpip.sqlite"),
    ],
    ids=["postgresql", "postgres-alias", "already-psycopg", "sqlite-url"],
)
def test_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_bare_absolute_path_becomes_sqlite_url(tmp_path):
    path = tmp_path / "my.sqlite"
    assert normalise_database_url(str(path)) == f"sqlite:///{path}"


def test_bare_relative_path_is_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalise_database_url("sub/lpip.sqlite") == f"sqlite:///{tmp_path.resolve() / 'sub' / 'lpip.sqlite'}"


def test_home_in_bare_path_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert normalise_database_url("~/lpip.sqlite") == f"sqlite:///{tmp_path / 'lpip.sqlite'}"


@pytest.mark.parametrize(
    "url",
    ["mysql://lpip:pw@db.example/lpip", "mssql+pyodbc://db.example/lpip", "oracle://db.example/lpip"],
    ids=["mysql", "mssql", "oracle"],
)
def test_other_databases_are_refused_with_the_fix(url):
    with pytest.raises(InvalidDatabaseURL) as caught:
        normalise_database_url(url)
    message = str(caught.value)
    assert "supports SQLite and PostgreSQL" in message
    assert "sqlite:///PATH" in message and "postgresql+psycopg://" in message


def test_unreadable_url_is_refused():
    with pytest.raises(InvalidDatabaseURL, match="Cannot read the database URL"):
        normalise_database_url("not a url://x")


def test_safe_database_url_hides_the_password():
    settings = load_settings("postgresql://lpip:s3cret-Pa55@db.example:5432/lpip")
    assert "s3cret-Pa55" not in settings.safe_database_url
    assert settings.safe_database_url == "postgresql+psycopg://lpip:***@db.example:5432/lpip"


def test_safe_database_url_of_sqlite_is_the_url(tmp_path):
    settings = load_settings(str(tmp_path / "x.sqlite"))
    assert settings.safe_database_url == settings.database_url
    assert settings.is_sqlite


def test_postgresql_is_not_sqlite():
    assert not load_settings("postgresql://db.example/lpip").is_sqlite


def test_default_data_dir_without_override_is_per_user(monkeypatch):
    import platformdirs

    from lpip.config import default_data_dir

    monkeypatch.delenv("LPIP_DATA_DIR", raising=False)
    assert default_data_dir() == Path(platformdirs.user_data_dir("lpip", appauthor=False))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+asyncpg://u:secret@localhost/db", "through psycopg 3, not 'asyncpg'"),
        ("postgresql+psycopg://u:secret@localhost:notaport/db", "Cannot read the database URL"),
    ],
    ids=["other-postgres-driver", "bad-port"],
)
def test_unusable_urls_are_refused_without_showing_the_password(url, message):
    with pytest.raises(InvalidDatabaseURL, match=message) as caught:
        normalise_database_url(url)
    assert "secret" not in str(caught.value)
