"""What every command shares (lpip/cli/common.py): a file that cannot be written is one
`Error:` line and exit 2, never a traceback; text people type is printed as written, never
read as Rich markup."""

from __future__ import annotations

import errno
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from lpip.cli import app
from lpip.cli.common import describe_os_error


@pytest.fixture
def run(sqlite_url, monkeypatch, tmp_path):
    """Run `lpip ...` in-process on a private SQLite copy (these tests are about files, not databases)."""
    monkeypatch.setenv("LPIP_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def blocked(tmp_path):
    """A folder path that cannot be created: a file stands where the folder should be.
    (Permissions would not do: tests may run as root, who may write anywhere.)"""
    wall = tmp_path / "a-file"
    wall.write_text("not a folder")
    return wall / "sub"


# The six commands of issue 11 that crashed with a traceback when their output could not be written.
WRITERS = {
    "areas boundaries": ("areas", "boundaries", "--out", "{out}/wm.geojson"),
    "coding codebook export": ("coding", "codebook", "export", "{out}/codebook.qdc"),
    "coding hand export": ("coding", "hand", "export", "{out}/sheet.csv"),
    "maps draw": ("maps", "draw", "-i", "gva_per_hour", "--out", "{out}/gva.png"),
    "deprivation summarise": ("deprivation", "summarise", "--out", "{out}/imd.csv"),
    "atlas profile": ("atlas", "profile", "E08000025", "--out", "{out}/birmingham.html"),
}


@pytest.mark.parametrize("args", WRITERS.values(), ids=WRITERS.keys())
def test_an_output_that_cannot_be_written_is_an_error_not_a_traceback(run, blocked, args):
    result = run(*(arg.format(out=blocked) for arg in args))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: "), result.output
    assert "Traceback" not in result.output
    assert "a-file" in result.stderr, "the message names the path"
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_path_with_brackets_is_printed_as_written(run, tmp_path):
    out = tmp_path / "[red]wm.geojson"
    result = run("areas", "boundaries", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert f"Wrote 30 boundaries to {out}" in result.output


def test_an_error_message_with_brackets_is_printed_as_written(run, tmp_path):
    result = run("coding", "codebook", "import", str(tmp_path / "[bold]codes[/bold].qdc"))
    assert result.exit_code == 2
    assert "[bold]codes[/bold].qdc" in result.stderr


def test_markup_in_area_names_is_not_read(run, tmp_path):
    members = tmp_path / "members.csv"
    members.write_text("code,name,member\nX-RED,[red]Corridor[/red],E08000025\n")
    assert run("areas", "define-set", "[b]corridors", str(members)).exit_code == 0
    shown = run("areas", "show", "X-RED")
    assert shown.exit_code == 0, shown.output
    assert "[red]Corridor[/red] (X-RED)" in shown.output


@pytest.mark.parametrize(
    ("exc", "fragments"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "out/map.png"), ("out/map.png", "folder exists")),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/map.png"), ("/srv/map.png", "may write")),
        (OSError(errno.ENOSPC, "No space left on device", "big.csv"), ("big.csv", "disk is full")),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "atlas"), ("atlas", "give a file name")),
        (OSError("Cannot save file into a non-existent directory: 'x'"), ("non-existent directory",)),
    ],
    ids=["missing folder", "permission", "disk full", "a folder", "no file name"],
)
def test_os_errors_say_what_where_and_how_to_fix(exc, fragments):
    message = describe_os_error(exc)
    for fragment in fragments:
        assert fragment in message
    assert message.endswith(".")


def test_a_closed_pipe_stops_quietly(sqlite_url, tmp_path):
    # `lpip areas list | head -1`: the reader leaves after one line; no traceback, no "Error:".
    command = [sys.executable, "-c", "from lpip.cli import main; main()", "areas", "list", "--format", "csv",
               "--database", sqlite_url]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        first = process.stdout.readline()
        process.stdout.close()
        error = process.stderr.read().decode()
        process.wait(timeout=120)
    assert first.startswith(b"code,name,level")
    assert "Traceback" not in error and "Error" not in error


def test_no_cli_module_relies_on_rich_markup():
    # Markup is off on lpip's consoles: escape() would print its backslashes, and "[bold]" tags
    # would print as written. Style goes in style=/Text objects.
    from pathlib import Path

    import lpip.cli

    for path in sorted(Path(lpip.cli.__file__).parent.glob("*.py")):
        source = path.read_text()
        assert "rich.markup" not in source, f"{path.name} imports rich.markup"
        assert "markup=True" not in source, f"{path.name} turns markup on"
        printed = [line for line in source.splitlines() if "print(" in line]
        tagged = [line for line in printed if re.search(r"\[/?(bold|red|green|italic|dim|b|i)\]", line)]
        assert not tagged, f"{path.name} prints markup tags: {tagged}"


def test_iso_date_reads_yyyy_mm_dd_and_names_the_option_otherwise():
    from datetime import date

    from lpip.cli.common import iso_date
    from lpip.errors import InvalidContribution

    assert iso_date(None, "--date", "2023-06-14") is None
    assert iso_date("2023-06-14", "--date", "2023-06-14") == date(2023, 6, 14)
    with pytest.raises(InvalidContribution, match=r"--date '14/06/2023' is not a date; write it as YYYY-MM-DD, e.g\. 2023-06-14\."):
        iso_date("14/06/2023", "--date", "2023-06-14", InvalidContribution)
