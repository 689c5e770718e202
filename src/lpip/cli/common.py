"""What every command shares: the database option, output formats, error printing."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from lpip.config import load_settings
from lpip.errors import LpipError
from lpip.spreadsheets import write_csv

# Long lines (paths, messages) are not hard-wrapped; piped or captured output gets a wide
# console so tables keep one line per row.
_WIDTH = None if sys.stdout.isatty() else 120
console = Console(soft_wrap=True, width=_WIDTH)
err_console = Console(stderr=True, soft_wrap=True, width=_WIDTH)

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
            err_console.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=LpipGroup, help=help_text, no_args_is_help=True,
        rich_markup_mode=None, pretty_exceptions_enable=False,
    )


@contextmanager
def database_session(database: str | None):
    """A session on an initialised database (commit on success, roll back on error)."""
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
    if fmt is OutputFormat.csv:
        write_csv(frame, sys.stdout)
    elif fmt is OutputFormat.json:
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    else:
        console.print(rich_table(frame, title))


def rich_table(frame: pd.DataFrame, title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else str(v) for v in row))
    return table


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
