"""`lpip networks` (a workshop's networks of people and of themes) and `lpip report` (the workshop report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lpip.cli.common import DatabaseOption, console, database_session, rich_table

SUMMARY_NAMES = {
    "people": "people",
    "prior_ties": "pairs who knew each other before",
    "follow_ups": "pairs with a follow-up wish",
    "unnamed_follow_ups": "follow-up wishes from people who gave no name",
    "new_connections": "new connections (a follow-up wish, not known before)",
    "relationships": "relationships (follow-up wishes and prior ties)",
    "cross_sector_relationships": "relationships across sectors",
    "cross_sector_share": "share of relationships across sectors",
    "sector_assortativity": "sector mixing (1 = within sectors, 0 = as by chance, below 0 = more mixing)",
    "components": "separate groups of connected people",
    "density": "density of relationships",
    "designed_contact_pairs": "designed contact: pairs the table plan seated together",
    "follow_ups_after_designed_contact": "follow-up wishes between people the plan seated together",
}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("networks")(networks_command)
    app.command("report")(report_command)


def networks_command(
    workshop: Annotated[int, typer.Argument(help="Workshop id (see `lpip workshops list`).")],
    graphml: Annotated[Path | None, typer.Option("--graphml", metavar="FILE", help="Write the network as GraphML.")] = None,
    kumu: Annotated[Path | None, typer.Option("--kumu", metavar="FILE", help="Write the network as a Kumu JSON blueprint.")] = None,
    figure: Annotated[Path | None, typer.Option("--figure", metavar="FILE.png", help="Draw the network (.png or .svg).")] = None,
    themes: Annotated[bool, typer.Option("--themes", help="The theme co-occurrence network instead of the people's.")] = False,
    follow_ups: Annotated[Path | None, typer.Option(
        "--follow-ups", metavar="FILE.csv", help="First store \"I'd like to follow up with\" wishes from a file: "
        "columns attendee,follow_up_with (emails or names from the attendee list).")] = None,
    prior_ties: Annotated[Path | None, typer.Option(
        "--prior-ties", metavar="FILE.csv", help="First store who knew whom before from a file: columns "
        "attendee,knew_before (emails or names; several separated by ;).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the theme figure's layout.")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Show a workshop's network (who is connected to whom, or --themes), and export or draw it."""
    from lpip.deliberation.networks import workshop_actor_network
    from lpip.deliberation.theme_network import workshop_theme_network
    from lpip.workshops.relationships import import_follow_ups, import_prior_ties

    with database_session(database) as session:
        for path, store in ((follow_ups, import_follow_ups), (prior_ties, import_prior_ties)):
            if path is not None:
                console.print(store(session, workshop, path).summary(), markup=False)
        if themes:
            graph, measures = workshop_theme_network(session, [workshop])
            _print_themes(measures)
        else:
            result = workshop_actor_network(session, workshop)
            graph = result.graph
            _print_actors(result.measures)
    _export(graph, graphml, kumu, figure, seed)


def _print_actors(measures) -> None:
    import pandas as pd

    summary = dict(measures.summary)
    if summary["new_connections"] is None:
        summary["new_connections"] = summary["new_connections_note"]
    table = pd.DataFrame({"measure": list(SUMMARY_NAMES.values()), "value": [_format(summary[k]) for k in SUMMARY_NAMES]})
    console.print(rich_table(table, "Who is connected to whom"))
    if summary["bridging_note"]:
        console.print(f"Bridging people: not measured: {summary['bridging_note']}.", markup=False)
        return
    console.print(rich_table(measures.people.head(10).round(3), "Bridging people (betweenness on relationships)"))
    console.print(rich_table(measures.organisations.head(10).round(3),
                             "Bridging organisations (betweenness on relationships)"))
    if measures.before_after is not None:
        console.print(rich_table(measures.before_after.round(3), "Before (prior ties) and after (with follow-up wishes)"))


def _format(value) -> str:
    if isinstance(value, float):
        return "not defined" if value != value else f"{value:.3f}"
    return str(value)


def _print_themes(measures) -> None:
    if measures.empty:
        console.print("No contribution has a theme (code) yet, so there is no theme network.")
        return
    console.print(rich_table(measures.round(3), "Themes raised together"))


def _export(graph, graphml: Path | None, kumu: Path | None, figure: Path | None, seed: int) -> None:
    from lpip.deliberation import networks
    from lpip.reports.network_figures import draw_network

    for path, write in ((graphml, networks.write_graphml), (kumu, networks.write_kumu),
                        (figure, lambda g, p: draw_network(g, p, seed=seed))):
        if path is not None:
            console.print(f"Wrote {write(graph, path)}", markup=False)


def report_command(
    target: Annotated[str, typer.Argument(
        metavar="WORKSHOP_SUBREGION_OR_REGION",
        help="A workshop id, a sub-region code for all its workshops, or a region code (E12000005) for the "
             "region-wide synthesis: the programme document.")],
    out: Annotated[Path, typer.Option("--out", metavar="FILE.html|.pdf", help="Where to write the report.")],
    atlas: Annotated[str | None, typer.Option(
        "--atlas", metavar="URL", help="Where the evidence atlas is published, to link the sub-region's data pack "
        "(default: a link relative to the report, datapacks/CODE.html).")] = None,
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
            path = write_report(session, target, out, seed=seed, atlas=atlas)
    console.print(f"Wrote {path}", markup=False)
