"""The `lpip` command itself: help for every command, version, database selection and errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from lpip import __version__
from lpip.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False, prog_name="lpip")


def _commands(group, path=()):
    """Every (path, command) below the top-level group, groups included."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


COMMANDS = list(_commands(get_command(app)))
TOP_LEVEL = [(path, command) for path, command in COMMANDS if len(path) == 1]


def test_help_lists_each_top_level_command_with_one_line_of_help():
    result = _run("--help")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for (name,), _command in TOP_LEVEL:
        listed = [line for line in lines if line.strip().startswith(f"{name} ")]
        assert listed, f"`lpip {name}` is not listed in `lpip --help`"
        assert len(listed[0].split(maxsplit=1)) == 2, f"`lpip {name}` has no help in the listing"


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS]
)
def test_every_command_has_help(path, command):
    assert (command.help or "").strip(), f"`lpip {' '.join(path)}` has no help text"
    assert command.get_short_help_str().strip()
    result = _run(*path, "--help")
    assert result.exit_code == 0
    assert "Usage: lpip " + " ".join(path) in " ".join(result.output.split())


def test_groups_show_help_without_arguments():
    groups = [path for path, command in COMMANDS if hasattr(command, "commands") and command.commands]
    assert ("areas",) in groups and ("indicators",) in groups
    for path in groups:
        result = _run(*path)
        assert "Usage:" in result.output and "Commands" in result.output


def test_version_is_the_package_version():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        declared = tomllib.load(handle)["project"]["version"]
    result = _run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"lpip {declared}" == f"lpip {__version__}"


# ---------------------------------------------------------------- which database


def test_database_option_beats_the_environment(cli, tmp_path):
    # The environment names the loaded test database; the option names an empty one.
    empty = tmp_path / "empty.sqlite"
    result = cli("areas", "list", "--level", "region", "--database", str(empty))
    assert result.exit_code == 2
    assert "Run `lpip init` first" in result.output
    assert cli("areas", "list", "--level", "region", "--format", "csv").output.count("\n") == 10


def test_environment_beats_the_default(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path / "default"))
    result = cli("areas", "list", "--level", "region", "--format", "csv")
    assert result.exit_code == 0
    monkeypatch.delenv("LPIP_DATABASE_URL")
    result = cli("areas", "list", "--level", "region")
    assert result.exit_code == 2
    assert str(tmp_path / "default" / "lpip.sqlite") in result.output


@pytest.mark.parametrize(
    ("url", "phrases"),
    [
        ("mysql://lpip:pw@localhost/lpip", ["lpip supports SQLite and PostgreSQL, not 'mysql'", "postgresql+psycopg://"]),
        ("postgresql://lpip:s3cret@127.0.0.1:9/lpip", ["Cannot open the database", "lpip:***@127.0.0.1:9/lpip"]),
    ],
    ids=["mysql", "unreachable-postgresql"],
)
def test_bad_database_urls_are_errors_without_tracebacks(url, phrases):
    result = _run("areas", "list", "--database", url)
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert "s3cret" not in result.output
    for phrase in phrases:
        assert phrase in result.output


def test_uninitialised_database_says_run_init(tmp_path):
    result = _run("indicators", "list", "--database", str(tmp_path / "new.sqlite"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: The database sqlite:///")
    assert result.stderr.rstrip().endswith("has no lpip tables. Run `lpip init` first.")
    assert result.stdout == ""


@pytest.mark.parametrize(
    "command",
    [("indicators", "list"), ("areas", "list"), ("compare", "E08000025", "--indicator", "employment_rate"),
     ("deprivation", "summarise", "--areas", "wm-subregions", "--out", "{tmp}/out.csv")],
    ids=["indicators-list", "areas-list", "compare", "deprivation-sets"],
)
def test_read_only_commands_create_no_database(tmp_path, command):
    target = tmp_path / "folder" / "new.sqlite"
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = _run(*args, "--database", str(target))
    assert result.exit_code == 2
    assert "Run `lpip init` first" in result.stderr
    assert not target.exists()
    assert not target.parent.exists()
