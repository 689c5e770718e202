"""The `lpip` command: one group per domain, each command a thin shell over one library function.

`lpip` runs :func:`main`, which answers ``lpip --version`` before Typer builds the tree of
every command, and builds only one group's commands for ``lpip GROUP ...`` (Typer checks the
parameters of every command it builds: a tenth of a second for all of lpip's). The result is
the same as running :data:`app`, which tests and the CLI reference use.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
import typer.main

from lpip.cli.areas import app as areas_app
from lpip.cli.atlas import app as atlas_app
from lpip.cli.common import DatabaseOption, console, new_app, rich_table
from lpip.cli import compare, networks, opinions, spatial, web
from lpip.cli.coding import app as coding_app
from lpip.cli.data import app as data_app
from lpip.cli.deposit import app as deposit_app
from lpip.cli.deprivation import app as deprivation_app
from lpip.cli.indicators import app as indicators_app
from lpip.cli.maps import app as maps_app
from lpip.cli.sources import app as sources_app
from lpip.cli.synthesis import partners_app, plan_app, priorities_app
from lpip.cli.workshops import app as workshops_app
from lpip.cli.workshops import demo_command

app = new_app("lpip: evidence and workshops for Local Policy Innovation Partnerships.")
app.add_typer(areas_app, name="areas", help="Areas: local authorities, LSOAs, regions and custom sets.")
app.add_typer(indicators_app, name="indicators", help="The indicator catalogue.")
app.add_typer(data_app, name="data", help="Import and export indicator values.")
app.add_typer(deprivation_app, name="deprivation", help="Deprivation summaries (IoD2025, or IoD2019) for districts and custom areas.")
app.add_typer(sources_app, name="sources", help="Fetch indicators from live sources (Nomis, Fingertips, ONS).")
compare.register(app)
spatial.register(app)
opinions.register(app)
networks.register(app)
web.register(app)
app.add_typer(maps_app, name="maps", help="Choropleth and hotspot maps, static (PNG/SVG) and interactive (offline Leaflet).")
app.add_typer(atlas_app, name="atlas", help="The evidence atlas: area profiles, sub-regional data packs, a static site.")
app.add_typer(coding_app, name="coding", help="Qualitative coding: codebooks, rule and hand coding, agreement, themes.")
app.add_typer(workshops_app, name="workshops", help="Workshops: create, register attendees, plan tables, import and export.")
app.add_typer(priorities_app, name="priorities", help="Priorities: draft them from workshops, link evidence, agree, triage, compare sub-regions.")
app.add_typer(partners_app, name="partners", help="Partners: the register of organisations, and who could lead each priority.")
app.add_typer(plan_app, name="plan", help="The Phase 2 programme plan: draft it from agreed priorities, export, edit, re-import.")
app.add_typer(deposit_app, name="deposit", help="Deposit: an anonymised, documented package for the UK Data Service.")
app.command("demo")(demo_command)


def _version(value: bool) -> None:
    if value:
        from lpip import __version__

        console.print(f"lpip {__version__}")
        raise typer.Exit()


def main() -> None:
    """The `lpip` program: :data:`app`, with ``lpip --version`` answered first and ``lpip GROUP ...``
    given to that group alone."""
    args = sys.argv[1:]
    if args == ["--version"]:
        from lpip import __version__

        print(f"lpip {__version__}")
        return
    group = groups().get(args[0]) if args else None
    if group is None:
        app()
        return
    typer.main.get_group(group).main(args[1:], prog_name=f"lpip {args[0]}")


def groups() -> dict[str, typer.Typer]:
    """The command groups by name (``areas``, ``data`` ...)."""
    return {info.name: info.typer_instance for info in app.registered_groups}


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """lpip: evidence and workshops for Local Policy Innovation Partnerships."""


@app.command()
def init(database: DatabaseOption = None) -> None:
    """Create or upgrade the database and load the bundled West Midlands data."""
    from rich.progress import Progress

    from lpip.config import load_settings
    from lpip.evidence.catalogue import bundled_catalogue
    from lpip.initdb import init_db

    settings = load_settings(database)
    steps = len(bundled_catalogue()) + 1
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Loading bundled data", total=steps)
        result = init_db(settings, progress=lambda _step: progress.advance(task))
    if result.loaded:
        console.print(f"Database ready at {result.database} (schema {result.schema_after}), "
                      f"bundled data loaded in {result.seconds:.1f} s.")
    elif result.changed:
        console.print(f"Database at {result.database} upgraded from schema {result.schema_before} to "
                      f"{result.schema_after}; the bundled data was already loaded.")
    else:
        console.print(f"Nothing to do: {result.database} is up to date (schema {result.schema_after}).")
    print_summary(result.summary)


def print_summary(summary: dict) -> None:
    import pandas as pd

    areas = pd.DataFrame(sorted(summary["areas"].items()), columns=["level", "areas"])
    themes = pd.DataFrame(sorted(summary["indicators"].items()), columns=["theme", "indicators"])
    console.print(rich_table(areas, "Areas by level"))
    console.print(rich_table(themes, "Indicators by theme"))
    console.print(f"Indicator values: {summary['values']:,}")
