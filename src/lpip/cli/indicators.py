"""`lpip indicators`: the catalogue."""

from __future__ import annotations

from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, FormatOption, OutputFormat, console, database_session, new_app, print_frame, print_json

app = new_app("The indicator catalogue.")


@app.command("list")
def list_indicators(
    theme: Annotated[str | None, typer.Option("--theme", "-t", help="Only this theme, e.g. 'skills'.")] = None,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """List indicators, optionally of one theme."""
    from lpip.evidence.catalogue import list_indicators as list_indicators_

    with database_session(database) as session:
        frame = list_indicators_(session, theme)
    if fmt is OutputFormat.table:
        frame = frame[["id", "title", "theme", "unit", "levels", "periods"]]
    print_frame(frame, fmt, title=f"{len(frame)} indicators")


@app.command()
def show(
    indicator_id: Annotated[str, typer.Argument(metavar="ID", help="Indicator id, e.g. gva_per_hour.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Show an indicator's metadata, periods and value counts."""
    from rich.text import Text

    from lpip.evidence.catalogue import describe_indicator
    from lpip.evidence.periods import period_label

    with database_session(database) as session:
        info = describe_indicator(session, indicator_id)
    if json_output:
        print_json(info)
        return
    for key in ("id", "title", "theme", "unit", "polarity", "value_type", "levels", "source", "publisher", "licence", "description", "origin"):
        if info.get(key):
            console.print(Text.assemble((key, "bold"), f": {info[key]}"))
    for row in info["values"]:
        label = period_label(row["period"])
        shown = row["period"] if label == row["period"] else f"{label} ({row['period']})"
        console.print(f"  {shown}: {row['count']} values at {row['level']} level", highlight=False)
