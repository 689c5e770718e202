"""`lpip data`: import and export indicator values."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, console, database_session, new_app

app = new_app("Import and export indicator values.")


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


IndicatorOption = Annotated[str | None, typer.Option("--indicator", "-i", metavar="ID", help="Indicator id the values belong to (else the file's indicator column).")]


def _text_option(name: str, text: str):
    return Annotated[str | None, typer.Option(name, help=text, show_default=False)]


@app.command("import")
def import_indicator_file(
    file: Annotated[Path, typer.Argument(help="Tidy CSV or XLSX: areacd, period, value [, lci, uci, status, numerator, denominator].")],
    indicator: IndicatorOption = None,
    metadata: Annotated[Path | None, typer.Option("--metadata", "-m", metavar="FILE.json", help="CSV-on-the-Web metadata for a new indicator (title, unit ...).")] = None,
    title: _text_option("--title", "Title of a new indicator.") = None,
    theme: _text_option("--theme", "Theme of a new indicator, e.g. 'skills' (see `lpip indicators list`).") = None,
    unit: _text_option("--unit", "Unit of a new indicator, e.g. '%' or 'persons'.") = None,
    polarity: _text_option("--polarity", "'higher is better', 'lower is better' or 'no judgement'.") = None,
    value_type: _text_option("--value-type", "count, rate, proportion, mean, median, score, rank, decile or index.") = None,
    source: _text_option("--source", "Where the values come from (default: the file name).") = None,
    publisher: _text_option("--publisher", "Who published the values.") = None,
    licence: _text_option("--licence", "Licence of the values, e.g. OGL-UK-3.0.") = None,
    levels: _text_option("--levels", "Area levels the new indicator takes, e.g. 'lad,region' (default: those in the file).") = None,
    database: DatabaseOption = None,
) -> None:
    """Import indicator values from a CSV or XLSX file: all rows or none."""
    from lpip.evidence.importer import import_indicator_file as import_file

    options = dict(title=title, theme=theme, unit=unit, polarity=polarity, value_type=value_type,
                   source=source, publisher=publisher, licence=licence, levels=levels)
    options = {key: value for key, value in options.items() if value is not None}
    with database_session(database) as session:
        result = import_file(session, file, indicator_id=indicator, metadata=options, metadata_file=metadata)
    console.print(f"{file.name}: {result.summary()}", highlight=False, soft_wrap=True)


@app.command("export")
def export_indicator(
    indicator: Annotated[str, typer.Option("--indicator", "-i", metavar="ID", help="Indicator id, e.g. nvq3_plus.")],
    fmt: Annotated[ExportFormat | None, typer.Option("--format", "-f", help="csv, xlsx or json (default: from --out, else csv).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: print CSV/JSON).")] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="Only this period, e.g. 2021.")] = None,
    within: Annotated[str | None, typer.Option("--within", "-w", help="Only areas inside this area code.")] = None,
    level: Annotated[str | None, typer.Option("--level", "-l", help="Only areas of this level, e.g. lad.")] = None,
    csvw: Annotated[bool, typer.Option("--csvw", help="Also write OUT-metadata.json (CSV on the Web) beside a CSV file.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Export an indicator's values as CSV, XLSX or JSON in the ELS shape."""
    from lpip.evidence.export import export_format, write_export
    from lpip.evidence.export import export_indicator as export_values

    chosen = export_format(fmt.value if fmt else None, out)  # fail before querying
    with database_session(database) as session:
        frame = export_values(session, indicator, period=period, within=within, level=level)
    write_export(frame, chosen, out, csvw=csvw)
    if out is not None:
        console.print(f"Wrote {len(frame)} rows of {indicator} to {out}", highlight=False, soft_wrap=True)
