"""`lpip sources`: fetch indicators from live APIs (Nomis, Fingertips, ONS)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated

import typer

from lpip.cli.common import (
    DatabaseOption, FormatOption, OutputFormat, console, database_session, new_app, print_frame,
)
from lpip.errors import InvalidSourceQuery

app = new_app("Fetch indicators from live sources (Nomis, Fingertips, ONS).")
fetch_app = new_app("Fetch one indicator from a live source into the database.")
app.add_typer(fetch_app, name="fetch", help="Fetch one indicator from Nomis, Fingertips or the ONS API.")

IndicatorOption = Annotated[str | None, typer.Option(
    "--indicator", "-i", metavar="ID",
    help="Store into this indicator (default: the preset's own). Required without a preset.")]
RefreshOption = Annotated[bool, typer.Option(
    "--refresh", help="Download again even if the answer is cached.")]
DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="Download and show the rows; write nothing to the database.")]


@app.command("list")
def list_sources(fmt: FormatOption = OutputFormat.table) -> None:
    """List the ready-made queries (presets) of each live source."""
    from lpip.evidence.sources import list_sources as list_sources_

    print_frame(list_sources_(), fmt, title="Live sources and presets")


@fetch_app.command("nomis")
def fetch_nomis(
    geography: Annotated[str, typer.Option(
        "--geography", "-g", help="GSS codes or Nomis geography types, comma-separated (E08000025,E08000026).")],
    preset: Annotated[str | None, typer.Option("--preset", "-p", help="A preset from `lpip sources list`.")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="A Nomis dataset id, e.g. NM_162_1.")] = None,
    date: Annotated[str, typer.Option("--date", help="Nomis date selection, e.g. latest or latestMINUS12-latest.")] = "latest",
    param: Annotated[list[str] | None, typer.Option(
        "--param", metavar="NAME=VALUE", help="A dimension filter, e.g. measures=20100 (repeatable).")] = None,
    indicator: IndicatorOption = None,
    refresh: RefreshOption = False,
    dry_run: DryRunOption = False,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Fetch from Nomis: claimant count, APS, ASHE, business counts or any dataset."""
    from lpip.evidence import sources

    codes = [code.strip() for code in geography.split(",") if code.strip()]
    with _session(database, dry_run) as session:
        report = sources.fetch_nomis(session, codes, preset, dataset, date, pairs(param), indicator, refresh=refresh)
    print_report(report, fmt)


@fetch_app.command("fingertips")
def fetch_fingertips(
    preset: Annotated[str | None, typer.Option("--preset", "-p", help="A preset from `lpip sources list`.")] = None,
    indicator_id: Annotated[int | None, typer.Option("--indicator-id", help="A Fingertips indicator id, e.g. 90366.")] = None,
    area_type: Annotated[int, typer.Option("--area-type", help="Fingertips area type id (501: districts and UAs).")] = 501,
    sex: Annotated[str | None, typer.Option("--sex", help="Male, Female or Persons, when the indicator has several.")] = None,
    age: Annotated[str | None, typer.Option("--age", help="The age group, when the indicator has several.")] = None,
    indicator: IndicatorOption = None,
    refresh: RefreshOption = False,
    dry_run: DryRunOption = False,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Fetch a public health indicator from Fingertips."""
    from lpip.evidence import sources

    with _session(database, dry_run) as session:
        report = sources.fetch_fingertips(session, preset, indicator_id, area_type, sex, age, indicator, refresh=refresh)
    print_report(report, fmt)


@fetch_app.command("ons")
def fetch_ons(
    dataset: Annotated[str, typer.Option("--dataset", help="ONS dataset id, e.g. cpih01.")],
    version: Annotated[str, typer.Option("--version", help="Dataset version number, e.g. 6.")],
    dim: Annotated[list[str], typer.Option(
        "--dim", metavar="NAME=OPTION", help="One option per dimension; one may be * (repeatable).")],
    edition: Annotated[str, typer.Option("--edition", help="Dataset edition.")] = "time-series",
    indicator: IndicatorOption = None,
    refresh: RefreshOption = False,
    dry_run: DryRunOption = False,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """Fetch observations of an ONS dataset version from the ONS API."""
    from lpip.evidence import sources

    with _session(database, dry_run) as session:
        report = sources.fetch_ons(session, dataset, edition, version, pairs(dim), indicator, refresh=refresh)
    print_report(report, fmt)


def _session(database: str | None, dry_run: bool):
    return nullcontext(None) if dry_run else database_session(database)


def pairs(items: list[str] | None) -> dict[str, str]:
    """NAME=VALUE options as a dict, in the order given."""
    result = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidSourceQuery(f"{item!r} is not NAME=VALUE; write e.g. measures=20100.")
        result[name.strip()] = value.strip()
    return result


def print_report(report, fmt: OutputFormat) -> None:
    origin = "cached answer" if report.from_cache else "download"
    when = report.retrieved_at.strftime("%Y-%m-%d %H:%M UTC")
    console.print(f"Read {len(report.frame)} rows for {report.indicator_id} from {report.url} "
                  f"({origin}, retrieved {when}; {report.release}).", highlight=False, markup=False, soft_wrap=True)
    if not report.stored:
        frame = report.frame
        if fmt is OutputFormat.table:
            # Most sources fill few of the tidy columns; empty ones only crowd the terminal.
            frame = frame.dropna(axis=1, how="all")
        print_frame(frame, fmt, title=f"{report.indicator_id} (dry run: nothing written)")
        return
    if report.already_loaded:
        console.print(f"Nothing to do: this answer is already stored (dataset {report.dataset}).", highlight=False, markup=False)
        return
    console.print(f"Wrote {report.written} values to {report.indicator_id} (replaced {report.replaced}); "
                  f"provenance in dataset {report.dataset}.", highlight=False, markup=False, soft_wrap=True)
    if report.skipped_areas:
        shown = ", ".join(report.skipped_areas[:8]) + (" ..." if len(report.skipped_areas) > 8 else "")
        console.print(f"Left out {len(report.skipped_areas)} areas outside lpip's geography: {shown}",
                      highlight=False, markup=False, soft_wrap=True)
    if report.without_value:
        console.print(f"Left out {report.without_value} rows without a value.", highlight=False)
