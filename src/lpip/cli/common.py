"""What every command shares: the database option, output formats, error printing.

Start-up time: `lpip --version` and the help pages load only this package, Typer and Rich.
Every command imports the libraries it needs (pandas, SQLAlchemy, geopandas, scikit-learn,
WeasyPrint ...) and lpip's domain modules inside its function, never at the top of a
``cli`` module; tests/cli/test_startup.py checks that importing ``lpip.cli`` loads none of
them, and bench/bench_startup.py measures the CPU time of the commands.

Rich markup is off on both consoles: paths, statements and names people type are printed as
they are (a file called ``[red]wm.geojson`` is shown with its brackets). Styling is asked
for with ``style=``, never with ``[bold]`` tags inside a message.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

from lpip.errors import LpipError

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

# Long lines (paths, messages) are not hard-wrapped; piped or captured output gets a wide
# console so tables keep one line per row.
_WIDTH = None if sys.stdout.isatty() else 120
console = Console(soft_wrap=True, width=_WIDTH, markup=False, highlight=False)
err_console = Console(stderr=True, soft_wrap=True, width=_WIDTH, markup=False, highlight=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database", "-d", metavar="URL",
        help="Database URL (sqlite:///PATH or postgresql+psycopg://...). "
        "Default: $LPIP_DATABASE_URL, else a SQLite file in your user data folder.",
        show_default=False,
    ),
]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


class EditionChoice(str, Enum):
    """An edition of the English Indices of Deprivation."""

    iod2025 = "2025"
    iod2019 = "2019"


EditionOption = Annotated[EditionChoice, typer.Option(
    "--edition", "-e",
    help="English Indices of Deprivation edition: 2025 (LSOA 2021, districts 2024; the default) or 2019 "
    "(LSOA 2011, districts 2019). The two are not directly comparable.",
)]


class LpipGroup(TyperGroup):
    """A command group that turns user errors into ``Error: ...`` and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LpipError as exc:
            fail(str(exc))
        except BrokenPipeError:
            # The reader went away (`lpip areas list | head`): stop quietly, as Python's docs advise.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except OSError as exc:
            # A file that cannot be written or read (no such folder, no permission, disk full,
            # a folder where a file should be): one answer for every command.
            fail(describe_os_error(exc))


def fail(message: str):
    """Print ``Error: message`` on standard error and exit with status 2."""
    err_console.print(f"Error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None


def iso_date(text: str | None, option: str, example: str, error: type[LpipError] = LpipError) -> date | None:
    """An option's date written as YYYY-MM-DD (None when not given); ``error`` (the command's own
    error class) says how to write it otherwise."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise error(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, e.g. {example}.") from None


def describe_os_error(exc: OSError) -> str:
    """What went wrong with a file, where, and what to do, from an :class:`OSError`.

    Examples
    --------
    >>> describe_os_error(NotADirectoryError(20, "Not a directory", "notes.txt/map.png"))
    'notes.txt/map.png: Not a directory. A file stands where the path needs a folder; choose another path.'
    """
    import errno

    what = exc.strerror or str(exc) or type(exc).__name__
    hint = {
        errno.ENOENT: "Check the path and that its folder exists.",
        errno.EACCES: "Choose a place you may write to, or ask for permission.",
        errno.EPERM: "Choose a place you may write to, or ask for permission.",
        errno.ENOTDIR: "A file stands where the path needs a folder; choose another path.",
        errno.EEXIST: "A file stands where the path needs a folder; choose another path.",
        errno.EISDIR: "That is a folder; give a file name.",
        errno.ENOSPC: "The disk is full; free some space or write elsewhere.",
        errno.EROFS: "That place is read-only; write elsewhere.",
    }.get(exc.errno, "Check the path and that you may read and write there.")
    where = exc.filename2 or exc.filename
    return f"{where}: {what}. {hint}" if where is not None else f"a file could not be read or written ({what}). {hint}"


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=LpipGroup, help=help_text, no_args_is_help=True,
        rich_markup_mode=None, pretty_exceptions_enable=False,
    )


@contextmanager
def database_session(database: str | None):
    """A session on an initialised database (commit on success, roll back on error)."""
    from lpip.config import load_settings
    from lpip.db import session_scope
    from lpip.initdb import open_database

    engine = open_database(load_settings(database))
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def print_frame(frame: pd.DataFrame, fmt: OutputFormat, title: str | None = None) -> None:
    """Print a table as a Rich table, CSV or JSON records."""
    from lpip.spreadsheets import write_csv

    if fmt is OutputFormat.csv:
        write_csv(frame, sys.stdout)
    elif fmt is OutputFormat.json:
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    else:
        console.print(rich_table(frame, title))


def print_rows(columns: list[str], rows: list[tuple], fmt: OutputFormat, title: str | None = None) -> None:
    """:func:`print_frame` for plain rows of text and numbers, without loading pandas
    (for the quick read commands such as `lpip areas list`)."""
    import csv

    from lpip.spreadsheets import escape_formula

    if fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([escape_formula(value) for value in row] for row in rows)
    elif fmt is OutputFormat.json:
        print_json([dict(zip(columns, row)) for row in rows])
    else:
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for column in columns:
            table.add_column(str(column), overflow="fold")
        for row in rows:
            table.add_row(*("" if value is None else str(value) for value in row))
        console.print(table)


def rich_table(frame: pd.DataFrame, title: str | None = None) -> Table:
    """A Rich table of a frame's cells as plain text (missing values empty)."""
    import pandas as pd
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else str(v) for v in row))
    return table


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
