"""`lpip priorities`, `lpip partners` and `lpip plan`: from workshops to the Phase 2 programme.

Every command is a thin shell over one library function in :mod:`lpip.synthesis` (or, for
documents and figures, :mod:`lpip.reports.programme`). Quotes are anonymised before they are
printed (:func:`lpip.reports.quotes.anonymise_quotes`).
"""

from __future__ import annotations

import getpass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lpip.cli.common import (
    DatabaseOption,
    FormatOption,
    OutputFormat,
    console,
    database_session,
    iso_date,
    new_app,
    print_frame,
    rich_table,
)
from lpip.errors import InvalidPriority

if TYPE_CHECKING:
    import pandas as pd

priorities_app = new_app("Priorities: draft them from workshops, link evidence, agree, triage, compare sub-regions.")
partners_app = new_app("Partners: the register of organisations, and who could lead each priority.")
plan_app = new_app("The Phase 2 programme plan: draft it from agreed priorities, export, edit, re-import.")

PriorityArgument = Annotated[int, typer.Argument(metavar="ID", help="Priority id (see `lpip priorities list`).")]
WorkshopArgument = Annotated[int, typer.Argument(metavar="WORKSHOP_ID", help="Workshop id (see `lpip workshops list`).")]
RegionOption = Annotated[str, typer.Option("--region", metavar="CODE", help="The region (GSS code).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed for themes and opinion groups (same seed, same result).")]
ByOption = Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who is making the change (default: your user name).")]
DEFAULT_REGION = "E12000005"


class Kind(str, Enum):
    wicked = "wicked"
    quick_win = "quick_win"
    other = "other"


class Horizon(str, Enum):
    short = "short"
    long = "long"
    auto = "auto"


class PlanFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    html = "html"
    pdf = "pdf"


def who(by: str | None) -> str:
    """Who made a change from the command line: --by, else the user name."""
    if by and by.strip():
        return by.strip()[:254]
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def say(text: str) -> None:
    """Print a line as written (markup is off on lpip's console: people's text and anonymised
    quotes such as "[person 3]" keep their brackets)."""
    console.print(text)


# ----------------------------------------------------------------------------- priorities


@priorities_app.command("draft")
def draft(workshop_id: WorkshopArgument, seed: SeedOption = 0, by: ByOption = None, database: DatabaseOption = None) -> None:
    """Draft candidate priorities from a workshop's dots, consensus statements, codes and themes."""
    from lpip.synthesis.drafting import draft_priorities

    with database_session(database) as session:
        result = draft_priorities(session, workshop_id, seed=seed, by=who(by))
    say(result.summary())
    for note in result.notes:
        say(note)
    console.print(rich_table(result.candidates, "Candidates and where they came from"))


@priorities_app.command("add")
def add(
    workshop_id: WorkshopArgument,
    title: Annotated[str, typer.Option("--title", help="A short title.")],
    description: Annotated[str, typer.Option("--description", help="What it is about.")] = "",
    indicator: Annotated[list[str] | None, typer.Option("--indicator", metavar="ID", help="Link an indicator; repeat for more.")] = None,
    area: Annotated[list[str] | None, typer.Option("--area", metavar="CODE", help="An area it concerns (default: the workshop's sub-region); repeat for more.")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
) -> None:
    """Add a candidate priority by hand."""
    from lpip.synthesis.priorities import add_priority

    with database_session(database) as session:
        priority = add_priority(session, workshop_id, title, description, indicator or [], area or [], by=who(by))
        say(f"Added priority {priority.id}: {priority.title}")


@priorities_app.command("edit")
def edit(
    priority_id: PriorityArgument,
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="A new description.")] = None,
    horizon: Annotated[Horizon | None, typer.Option("--horizon", help="How long change takes (auto: judged from its themes).")] = None,
    area: Annotated[list[str] | None, typer.Option("--area", metavar="CODE", help="Replace its areas; repeat for more.")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
) -> None:
    """Change a priority's title, description, horizon or areas."""
    from lpip.synthesis.priorities import edit_priority

    with database_session(database) as session:
        priority = edit_priority(session, priority_id, title, description,
                                 None if horizon is None else ("" if horizon is Horizon.auto else horizon.value),
                                 area or None, by=who(by))
        say(f"Priority {priority.id} is now: {priority.title}")


@priorities_app.command("merge")
def merge(
    priority_ids: Annotated[list[int], typer.Argument(metavar="ID ID...", help="Two or more priority ids.")],
    title: Annotated[str | None, typer.Option("--title", help="Title of the merged priority (default: the first's).")] = None,
    by: ByOption = None,
    database: DatabaseOption = None,
) -> None:
    """Merge the same priority raised at several workshops into one that keeps all their sources."""
    from lpip.synthesis.priorities import merge_priorities

    with database_session(database) as session:
        merged = merge_priorities(session, priority_ids, title, by=who(by))
        say(f"Merged {', '.join(map(str, priority_ids))} into priority {merged.id}: {merged.title} ({merged.status})")


@priorities_app.command("agree")
def agree(priority_id: PriorityArgument,
          reason: Annotated[str | None, typer.Option("--reason", help="A note on the decision.")] = None,
          by: ByOption = None, database: DatabaseOption = None) -> None:
    """Mark a priority agreed by the partnership (recording who and when)."""
    from lpip.synthesis.priorities import agree_priority

    with database_session(database) as session:
        priority = agree_priority(session, priority_id, who(by), reason)
        say(f"Priority {priority.id} agreed by {priority.status_by}.")


@priorities_app.command("drop")
def drop(priority_id: PriorityArgument,
         reason: Annotated[str, typer.Option("--reason", help="Why it is dropped (kept in the register).")],
         by: ByOption = None, database: DatabaseOption = None) -> None:
    """Drop a priority, with the reason."""
    from lpip.synthesis.priorities import drop_priority

    with database_session(database) as session:
        priority = drop_priority(session, priority_id, reason, who(by))
        say(f"Priority {priority.id} dropped by {priority.status_by}: {priority.status_reason}")


@priorities_app.command("list")
def list_command(
    workshop: Annotated[int | None, typer.Option("--workshop", metavar="ID", help="Only priorities raised at this workshop.")] = None,
    area: Annotated[str | None, typer.Option("--area", metavar="CODE", help="Only priorities about this area (the verdict is then the one there).")] = None,
    include_dropped: Annotated[bool, typer.Option("--include-dropped", help="List dropped priorities too.")] = True,
    seed: SeedOption = 0,
    fmt: FormatOption = OutputFormat.table,
    database: DatabaseOption = None,
) -> None:
    """List the priorities with their support, evidence verdict and kind (csv and json: every column, with the reasons)."""
    from lpip.synthesis.priorities import LISTED_STATUSES, OPEN_STATUSES, list_priorities

    statuses = OPEN_STATUSES if include_dropped else LISTED_STATUSES
    with database_session(database) as session:
        frame = list_priorities(session, workshop, area, statuses, seed=seed)
    if fmt is OutputFormat.table:
        frame = frame[["priority_id", "title", "status", "area_codes", "dots", "votes_agree", "votes_disagree",
                       "consensus", "evidence_verdict", "kind"]]
    print_frame(frame, fmt, title="Priorities")


@priorities_app.command("show")
def show(priority_id: PriorityArgument, seed: SeedOption = 0, database: DatabaseOption = None) -> None:
    """Show everything about a priority: sources (anonymised), support, evidence and its figures, triage reasoning, partners, plan."""
    from lpip.reports.quotes import anonymise_quotes
    from lpip.synthesis.register import describe_priority

    with database_session(database) as session:
        report = describe_priority(session, priority_id, seed=seed)
        quotes = anonymise_quotes(session, report.sources)
    _print_report(report, quotes)


def _print_report(report, quotes: pd.DataFrame) -> None:
    from lpip.synthesis.evidence import describe_judgement
    from lpip.synthesis.triage import KIND_LABELS

    p, s = report.priority, report.support
    say(f"Priority {p.id}: {p.title}")
    say(f"status: {p.status}" + (f" by {p.status_by} on {p.status_at:%Y-%m-%d %H:%M}" if p.status_at else "")
        + (f" ({p.status_reason})" if p.status_reason else ""))
    if p.description:
        say(f"description: {p.description}")
    say(f"workshops: {', '.join(map(str, s.get('workshop_ids') or []))}; areas: {', '.join(s.get('area_codes') or [])}")
    say(f"support: {s.get('dots', 0)} dots; votes {s.get('votes_agree', 0)} agree, {s.get('votes_disagree', 0)} disagree; "
        f"sectors: {', '.join(s.get('sectors') or []) or 'none recorded'}; consensus: {_consensus_text(s)}")
    say(f"themes (codes): {', '.join(s.get('codes') or []) or 'none found'}")
    if len(quotes):
        console.print(rich_table(quotes[["contribution_id", "kind", "via", "text"]], "Sources (quotes anonymised)"))
    say(f"\nEvidence verdict: {report.verdict}")
    for row in report.verdicts.to_dict("records"):
        say(f"  {row['area_code']}: {row['verdict']} ({row['reason']})")
    for row in report.judgements.to_dict("records"):
        say(("    - " if row.get("detail") else "  - ") + describe_judgement(row))
    proposed = report.suggestions[report.suggestions["status"] != "already linked"]
    if len(proposed):
        console.print(rich_table(proposed.drop(columns="priority_id"),
                                 "Suggested indicators (not linked: link with `lpip priorities link`)"))
    if len(report.gaps):
        gap = report.gaps.iloc[0]
        say(f"Data gap: {gap['why']}. Suggestions without data: {gap['suggestions_without_data'] or 'none'}. "
            f"Data needed: {gap['data_needed']}")
    t = report.triage
    say(f"\nKind: {KIND_LABELS[t.kind]}" + (f" (computed: {KIND_LABELS[t.computed]})" if t.override else ""))
    say(f"Why: {t.reasons}")
    for term in t.terms:
        say(f"  {term.code} {'holds' if term.holds else 'does not hold'}: {term.text}")
    _print_partners(report)
    if len(report.plan):
        console.print(rich_table(report.plan[["line_id", "strand", "indicator", "area_code", "baseline", "target",
                                              "start", "end"]], "Plan lines"))


def _consensus_text(support: dict) -> str:
    import pandas as pd

    value = support.get("consensus")
    if value is None or pd.isna(value):
        return "none (no statements voted on)"
    return (f"{value:.2f} group-informed (per-group agreement {support['agreement']:.2f}, groups up to "
            f"{support['consensus_spread']:.2f} apart; {support['consensus_method']})")


def _print_partners(report) -> None:
    d = report.diversity
    if len(report.partners):
        console.print(rich_table(report.partners[["role", "organisation", "sector", "kind", "reason"]], "Suggested lead and partners"))
    else:
        say("Partners: none suggested (add partners with `lpip partners import` or `lpip partners from-attendees`).")
    say(f"Partnership diversity: {d['sector_count']} of {d['sectors_possible']} sectors among suggested partners"
        + (f" ({', '.join(d['sectors'])})" if d["sectors"] else ""))
    for w in d["workshops"]:
        if "cross_sector_relationships" in w:
            new = w["new_connections"] if w["new_connections"] is not None else w["note"]
            say(f"  workshop {w['workshop_id']}: {w['cross_sector_relationships']} of {w['relationships']} relationships "
                f"(prior ties and follow-up wishes) crossed sectors; new connections: {new}")
        else:
            say(f"  workshop {w['workshop_id']}: {w['note']}")


@priorities_app.command("link")
def link(priority_id: PriorityArgument,
         indicator: Annotated[str, typer.Option("--indicator", metavar="ID", help="The indicator (see `lpip indicators list`).")],
         area: Annotated[str | None, typer.Option("--area", metavar="CODE", help="Only for this area (default: all its areas).")] = None,
         by: ByOption = None, database: DatabaseOption = None) -> None:
    """Link an indicator to a priority as evidence."""
    from lpip.synthesis.priorities import link_indicator

    with database_session(database) as session:
        made = link_indicator(session, priority_id, indicator, area, by=who(by))
        say(f"Priority {priority_id} is linked to {made.indicator_id} for {made.area_code or 'all its areas'}.")


@priorities_app.command("unlink")
def unlink(priority_id: PriorityArgument,
           indicator: Annotated[str, typer.Option("--indicator", metavar="ID", help="The indicator.")],
           area: Annotated[str | None, typer.Option("--area", metavar="CODE", help="The area of the link (default: the link for all areas).")] = None,
           database: DatabaseOption = None) -> None:
    """Remove an indicator link."""
    from lpip.synthesis.priorities import unlink_indicator

    with database_session(database) as session:
        unlink_indicator(session, priority_id, indicator, area)
    say(f"Removed the link from priority {priority_id} to {indicator}.")


@priorities_app.command("suggest")
def suggest(priority_id: PriorityArgument, seed: SeedOption = 0, fmt: FormatOption = OutputFormat.table,
            database: DatabaseOption = None) -> None:
    """Indicators the evidence map proposes for a priority's themes (nothing is linked)."""
    from lpip.synthesis.evidence import suggest_indicators
    from lpip.synthesis.mapping import load_evidence_map
    from lpip.synthesis.priorities import get_priority
    from lpip.synthesis.support import priority_support

    with database_session(database) as session:
        priority = get_priority(session, priority_id)
        codes = priority_support(session, [priority], seed).iloc[0]["codes"]
        frame = suggest_indicators(session, priority.id, codes, load_evidence_map(session))
    print_frame(frame, fmt, title=f"Indicators proposed for priority {priority_id} (link with `lpip priorities link`)")


@priorities_app.command("triage")
def triage(priority_id: PriorityArgument,
           kind: Annotated[Kind | None, typer.Option("--kind", help="The kind facilitators set.")] = None,
           reason: Annotated[str | None, typer.Option("--reason", help="Why (required with --kind).")] = None,
           clear: Annotated[bool, typer.Option("--clear", help="Remove the override: the rule's kind applies again.")] = False,
           by: ByOption = None, database: DatabaseOption = None) -> None:
    """Override the computed kind (wicked, quick_win, other) with a recorded reason, or --clear it."""
    from lpip.synthesis.priorities import override_kind

    if clear == (kind is not None):
        raise InvalidPriority("Give --kind KIND --reason \"...\" to override, or --clear to remove the override.")
    with database_session(database) as session:
        override_kind(session, priority_id, None if clear else kind.value, reason, by=who(by))
    say(f"Priority {priority_id}: " + ("override removed." if clear else f"kind set to {kind.value} ({reason})."))


@priorities_app.command("gaps")
def gaps(region: RegionOption = DEFAULT_REGION, seed: SeedOption = 0, fmt: FormatOption = OutputFormat.table,
         database: DatabaseOption = None) -> None:
    """The data-gap register: priorities with no evidence, and what data would answer them."""
    from lpip.reports.programme import region_data_gaps

    with database_session(database) as session:
        frame = region_data_gaps(session, region, seed=seed)
    print_frame(frame, fmt, title="Data gaps")


@priorities_app.command("matrix")
def matrix(out: Annotated[Path, typer.Option("--out", metavar="FILE.csv|.xlsx|.png|.html", help="Where to write the matrix.")],
           region: RegionOption = DEFAULT_REGION, seed: SeedOption = 0, database: DatabaseOption = None) -> None:
    """Priorities x sub-regions (raised where, dots, verdict), region-wide priorities first."""
    from lpip.reports.programme import write_matrix

    with database_session(database) as session:
        path = write_matrix(session, out, region, seed=seed)
    say(f"Wrote {path}")


@priorities_app.command("quadrant")
def quadrant(out: Annotated[Path, typer.Option("--out", metavar="FILE.png|.svg", help="Where to draw the figure.")],
             region: RegionOption = DEFAULT_REGION, seed: SeedOption = 0, database: DatabaseOption = None) -> None:
    """Draw the priorities on complexity and consensus/tractability axes, with the quadrants labelled."""
    from lpip.reports.programme import write_quadrant

    with database_session(database) as session:
        path = write_quadrant(session, out, region, seed=seed)
    say(f"Wrote {path}")


@priorities_app.command("mapping")
def mapping(out: Annotated[Path | None, typer.Option("--out", metavar="FILE.toml", help="Write the evidence map in use, to edit.")] = None,
            load: Annotated[Path | None, typer.Option("--load", metavar="FILE.toml", help="Check an edited map and use it from now on.")] = None,
            database: DatabaseOption = None) -> None:
    """Show, write or load the evidence map (codes -> indicators, owners, horizons)."""
    import pandas as pd

    from lpip.synthesis.mapping import load_evidence_map, store_evidence_map

    with database_session(database) as session:
        used = store_evidence_map(session, load) if load else load_evidence_map(session)
    if out is not None:
        out.write_text(used.text, encoding="utf-8")
        say(f"Wrote the evidence map ({used.source}) to {out}")
    rows = [dict(code=e.code, indicators=", ".join(e.indicators), owners=", ".join(e.owners), horizon=e.horizon)
            for e in used.codes.values()]
    console.print(rich_table(pd.DataFrame(rows), f"Evidence map in use: {used.source}"))


# ----------------------------------------------------------------------------- partners


@partners_app.command("import")
def import_partners(file: Annotated[Path, typer.Argument(help="CSV or XLSX: organisation, sector [, kind, areas, expertise, contact].")],
                    database: DatabaseOption = None) -> None:
    """Import partners from CSV or XLSX (all rows or none); organisations already listed are updated."""
    from lpip.synthesis.partners import import_partners as import_file

    with database_session(database) as session:
        result = import_file(session, file)
    say(f"{file.name}: {result.summary()}")


@partners_app.command("from-attendees")
def from_attendees(workshop_id: WorkshopArgument, database: DatabaseOption = None) -> None:
    """Make partners of the organisations of a workshop's attendees who agreed to be contacted."""
    from lpip.synthesis.partners import partners_from_attendees

    with database_session(database) as session:
        result = partners_from_attendees(session, workshop_id)
    say(result.summary())


@partners_app.command("add")
def add_partner(
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation's name.")],
    sector: Annotated[str, typer.Option("--sector", help="public, private, voluntary, civil society, community or research.")],
    kind: Annotated[str, typer.Option("--kind", help="e.g. university team, council, business, charity.")] = "",
    area: Annotated[list[str] | None, typer.Option("--area", metavar="CODE", help="A sub-region it works in; repeat for more.")] = None,
    expertise: Annotated[list[str] | None, typer.Option("--expertise", metavar="TAG", help="An expertise tag; repeat for more.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="A private contact (never exported).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a partner (or update the one with the same name)."""
    from lpip.synthesis.partners import add_partner as add

    with database_session(database) as session:
        partner = add(session, organisation, sector, kind, area or [], expertise or [], contact)
        say(f"Partner {partner.id}: {partner.organisation} ({partner.sector}).")


@partners_app.command("list")
def list_partners(contacts: Annotated[bool, typer.Option("--contacts", help="Include the private contacts (facilitators only).")] = False,
                  fmt: FormatOption = OutputFormat.table, database: DatabaseOption = None) -> None:
    """List the partner register (contacts only with --contacts)."""
    from lpip.synthesis.partners import list_partners as register

    with database_session(database) as session:
        frame = register(session, include_contact=contacts)
    print_frame(frame, fmt, title="Partners")


@partners_app.command("suggest")
def suggest_partners(priority_id: PriorityArgument, seed: SeedOption = 0, fmt: FormatOption = OutputFormat.table,
                     database: DatabaseOption = None) -> None:
    """Suggested lead and partners for a priority, with the reasons."""
    from lpip.synthesis.partners import suggest_partners as suggest_for
    from lpip.synthesis.priorities import get_priority
    from lpip.synthesis.support import priority_support

    with database_session(database) as session:
        priority = get_priority(session, priority_id)
        frame = suggest_for(session, [priority], priority_support(session, [priority], seed))
    print_frame(frame, fmt, title=f"Suggested partners for priority {priority_id}")


# ----------------------------------------------------------------------------- plan


@plan_app.command("draft")
def draft_plan(region: RegionOption = DEFAULT_REGION,
               start: Annotated[str | None, typer.Option("--start", metavar="YYYY-MM-DD", help="When the programme starts (default: the first of next month).")] = None,
               seed: SeedOption = 0, by: ByOption = None, database: DatabaseOption = None) -> None:
    """Draft plan lines from the agreed priorities: wicked ones as research strands, quick wins as actions."""
    from lpip.synthesis.plan import draft_plan as draft_lines

    with database_session(database) as session:
        result = draft_lines(session, region, iso_date(start, "--start", "2026-04-01", InvalidPriority), seed=seed, by=who(by))
    say(result.summary())


@plan_app.command("list")
def list_plan(region: RegionOption = DEFAULT_REGION, fmt: FormatOption = OutputFormat.table, database: DatabaseOption = None) -> None:
    """List the plan lines."""
    from lpip.synthesis.plan import plan_table

    with database_session(database) as session:
        frame = plan_table(session, region=region)
    if fmt is OutputFormat.table:
        frame = frame[["line_id", "priority_id", "strand", "indicator", "area_code", "baseline", "target", "start", "end",
                       "lead"]].assign(baseline=frame["baseline"].round(3))
    print_frame(frame, fmt, title="Programme plan")


@plan_app.command("export")
def export_plan(fmt: Annotated[PlanFormat, typer.Option("--format", "-f", help="csv, xlsx (editable, re-import with `lpip plan import`), json, or the programme document as html or pdf.")],
                out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="File to write.")],
                region: RegionOption = DEFAULT_REGION, seed: SeedOption = 0, database: DatabaseOption = None) -> None:
    """Export the plan (with the data-gap register), or the whole programme document."""
    from lpip.reports.programme import export_plan as export

    with database_session(database) as session:
        path = export(session, fmt.value, out, region, seed=seed)
    say(f"Wrote {path}")


@plan_app.command("import")
def import_plan(file: Annotated[Path, typer.Argument(help="The plan as exported (CSV, or XLSX with the plan on the first sheet), edited.")],
                by: ByOption = None, database: DatabaseOption = None) -> None:
    """Read an edited plan back: all lines or none, with every problem named by row and column."""
    from lpip.synthesis.plan import import_plan as read_plan

    with database_session(database) as session:
        result = read_plan(session, file, by=who(by))
    say(f"{file.name}: {result.summary()}")
