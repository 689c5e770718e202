"""`lpip networks` (actor and theme networks of a workshop) and `lpip report` (the workshop report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from lpip.cli.common import DatabaseOption, console, database_session, rich_table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("networks")(networks_command)
    app.command("report")(report_command)


def networks_command(
    workshop: Annotated[int, typer.Argument(help="Workshop id (see `lpip workshops list`).")],
    graphml: Annotated[Path | None, typer.Option("--graphml", metavar="FILE", help="Write the network as GraphML.")] = None,
    kumu: Annotated[Path | None, typer.Option("--kumu", metavar="FILE", help="Write the network as a Kumu JSON blueprint.")] = None,
    figure: Annotated[Path | None, typer.Option("--figure", metavar="FILE.png", help="Draw the network (.png or .svg).")] = None,
    themes: Annotated[bool, typer.Option("--themes", help="The theme co-occurrence network instead of who met whom.")] = False,
    follow_ups: Annotated[Path | None, typer.Option(
        "--follow-ups", metavar="FILE.csv", help="\"I'd like to follow up with\" links: columns from_attendee,to_attendee.")] = None,
    prior_ties: Annotated[Path | None, typer.Option(
        "--prior-ties", metavar="FILE.csv", help="Pairs who knew each other before: columns attendee_a,attendee_b.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the figure's layout.")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Show a workshop's network (who met whom, or --themes), and export or draw it."""
    from lpip.deliberation import networks

    with database_session(database) as session:
        if themes:
            graph, measures = networks.workshop_theme_network(session, [workshop])
            _print_themes(measures)
        else:
            result = networks.workshop_actor_network(session, workshop, _read_links(follow_ups), _read_links(prior_ties))
            graph = result.graph
            _print_actors(result.measures)
    _export(graph, graphml, kumu, figure, seed)


def _read_links(path: Path | None) -> pd.DataFrame | None:
    from lpip.errors import InvalidWorkshopFile

    if path is None:
        return None
    try:
        return pd.read_csv(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidWorkshopFile(f"{path}: cannot read it as a UTF-8 CSV file ({exc}).") from None


def _print_actors(measures) -> None:
    summary = dict(measures.summary)
    if summary["new_connections"] is None:
        summary["new_connections"] = summary.pop("new_connections_note")
    else:
        summary.pop("new_connections_note")
    table = pd.DataFrame({"measure": list(summary), "value": [_format(v) for v in summary.values()]})
    console.print(rich_table(table, "Who met whom"))
    console.print(rich_table(measures.people.head(10).round(3), "Bridging people (betweenness)"))
    console.print(rich_table(measures.organisations.head(10).round(3), "Bridging organisations (betweenness)"))
    if measures.before_after is not None:
        console.print(rich_table(measures.before_after.round(3), "Before and after the workshop"))


def _format(value) -> str:
    if isinstance(value, float):
        return "not defined" if value != value else f"{value:.3f}"
    return str(value)


def _print_themes(measures: pd.DataFrame) -> None:
    if measures.empty:
        console.print("No contribution has a theme (code) yet, so there is no theme network.")
        return
    console.print(rich_table(measures.round(3), "Themes raised together"))


def _export(graph, graphml: Path | None, kumu: Path | None, figure: Path | None, seed: int) -> None:
    from lpip.deliberation import networks

    for path, write in ((graphml, networks.write_graphml), (kumu, networks.write_kumu),
                        (figure, lambda g, p: networks.draw_network(g, p, seed=seed))):
        if path is not None:
            console.print(f"Wrote {write(graph, path)}")


def report_command(
    target: Annotated[str, typer.Argument(
        metavar="WORKSHOP_SUBREGION_OR_REGION",
        help="A workshop id, a sub-region code for all its workshops, or a region code (E12000005) for the "
             "region-wide synthesis: the programme document.")],
    out: Annotated[Path, typer.Option("--out", metavar="FILE.html|.pdf", help="Where to write the report.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed for themes, opinion groups and figures.")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Write the workshop report (HTML or PDF) for a workshop or a sub-region, or the region's programme document."""
    from lpip.reports.programme import is_region, write_programme
    from lpip.reports.workshop import write_report

    with database_session(database) as session:
        if is_region(session, target):
            path = write_programme(session, target, out, seed=seed)
        else:
            path = write_report(session, target, out, seed=seed)
    console.print(f"Wrote {path}")
