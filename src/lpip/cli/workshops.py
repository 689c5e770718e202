"""`lpip workshops`: create workshops, register attendees, plan tables, import and export.

These commands are for the facilitator, run on their own machine: attendee lists, exports
without --deposit and table cards hold names, emails and organisations.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lpip.cli.common import DatabaseOption, FormatOption, OutputFormat, console, database_session, iso_date, new_app, print_frame, rich_table
from lpip.errors import InvalidContribution

if TYPE_CHECKING:
    import pandas as pd

    from lpip.workshops.workshops import RoundSpec

app = new_app("Workshops: create, register attendees, plan tables, import and export.")
attendees_app = new_app("Attendees (personal data: for the facilitator's own machine).")
notes_app = new_app("Notes typed up from paper flipcharts.")
app.add_typer(attendees_app, name="attendees", help="Attendees (personal data: for the facilitator's own machine).")
app.add_typer(notes_app, name="notes", help="Notes typed up from paper flipcharts.")

WorkshopArgument = Annotated[int, typer.Argument(metavar="WORKSHOP", help="Workshop id (see `lpip workshops list`).")]
BaseUrlOption = Annotated[str, typer.Option("--base-url", metavar="URL", help="Address of `lpip serve`, for the links printed.")]
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    polis = "polis"


def parse_round(text: str) -> RoundSpec:
    """A --round value "question|minutes" (minutes optional, default 25) as a RoundSpec."""
    from lpip.workshops.workshops import RoundSpec

    question, _, minutes = text.rpartition("|") if "|" in text else (text, "", "25")
    if not minutes.strip().isdigit() or not 1 <= int(minutes) <= 240:
        raise InvalidContribution(
            f"--round {text!r}: the minutes after '|' must be a whole number from 1 to 240, e.g. --round \"What matters most?|25\"."
        )
    if not question.strip():
        raise InvalidContribution(f"--round {text!r} has no question; write it before the '|'.")
    return RoundSpec(question.strip(), int(minutes))


@app.command("create")
def create_workshop(
    title: Annotated[str | None, typer.Option("--title", help="The workshop's title.")] = None,
    subregion: Annotated[str | None, typer.Option("--subregion", metavar="CODE", help="Area code of the sub-region, e.g. WM-BC.")] = None,
    on: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="The day of the workshop.")] = None,
    venue: Annotated[str | None, typer.Option("--venue", help="Where it takes place.")] = None,
    tables: Annotated[int, typer.Option("--tables", help="Number of tables.")] = 6,
    rounds: Annotated[list[str] | None, typer.Option("--round", metavar="'QUESTION|MINUTES'", help="A round: its question and minutes; repeat for each round.")] = None,
    dots: Annotated[int, typer.Option("--dots", help="Dots each participant spends in the harvest vote.")] = 5,
    from_file: Annotated[Path | None, typer.Option("--from", metavar="FILE.toml", help="Read everything from a TOML file instead (title, tables, [[round]] ...).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="EMAIL", help="The facilitator account that owns it: sees it on the web pages and adds other facilitators. Without it only admins see it there.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a workshop with its rounds and one host link per table."""
    from lpip.workshops import workshops
    from lpip.workshops.accounts import user_by_email
    from lpip.workshops.imports import create_workshop_from_file

    with database_session(database) as session:
        created_by = user_by_email(session, owner).id if owner else None
        if from_file is not None:
            workshop = create_workshop_from_file(session, from_file, created_by=created_by)
        else:
            if not title:
                raise InvalidContribution("Give --title (and --round for each round), or --from FILE.toml.")
            workshop = workshops.create_workshop(
                session, title, [parse_round(r) for r in rounds or []], tables=tables, subregion_code=subregion,
                on=iso_date(on, "--date", "2023-06-14", InvalidContribution), venue=venue, dots_per_participant=dots, created_by=created_by,
            )
        console.print(f"Created workshop {workshop.id}: {workshop.title} (join code {workshop.join_code}).",
                      highlight=False, soft_wrap=True)


@app.command("list")
def list_workshops(fmt: FormatOption = OutputFormat.table, database: DatabaseOption = None) -> None:
    """List the workshops."""
    from lpip.workshops.exports import list_workshops as workshop_list

    with database_session(database) as session:
        frame = workshop_list(session)
    print_frame(frame, fmt, title="Workshops")


@app.command("show")
def show_workshop(
    workshop_id: WorkshopArgument,
    links: Annotated[bool, typer.Option("--links", help="Also print the secret host link of each table.")] = False,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    database: DatabaseOption = None,
) -> None:
    """Show a workshop: details, rounds, counts, and optionally the host links."""
    import pandas as pd

    from lpip.workshops.exports import describe_workshop

    with database_session(database) as session:
        info = describe_workshop(session, workshop_id)
        tokens = _host_tokens(session, workshop_id) if links else {}
    if info["is_demo"]:
        console.print("DEMONSTRATION (made-up data)", style="bold", highlight=False)
    for key in ("id", "title", "subregion", "date", "venue", "tables", "status", "join_code", "dots_per_participant",
                "voting_open", "harvest_open"):
        console.print(f"{key}: {'' if info[key] is None else info[key]}", highlight=False, soft_wrap=True)
    console.print(rich_table(info["rounds"], "Rounds"))
    console.print(rich_table(pd.DataFrame(list(info["counts"].items()), columns=["what", "count"]), "Counts"))
    for table, token in tokens.items():
        console.print(f"table {table}: {base_url.rstrip('/')}/t/{token}", highlight=False, soft_wrap=True)


def _host_tokens(session, workshop_id: int) -> dict[int, str]:
    from sqlalchemy import select

    from lpip.workshops.models import HostLink

    return dict(session.execute(select(HostLink.table_number, HostLink.token)
                                .where(HostLink.workshop_id == workshop_id).order_by(HostLink.table_number)).all())


# ----------------------------------------------------------------------------- attendees


@attendees_app.command("add")
def add_attendee(
    workshop_id: WorkshopArgument,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    sector: Annotated[str, typer.Option("--sector", help="public, private, 'voluntary and community', 'civil society', academic or resident.")],
    email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
    organisation: Annotated[str | None, typer.Option("--organisation", help="Organisation.")] = None,
    home_area: Annotated[str | None, typer.Option("--home-area", metavar="CODE", help="GSS code of where they live.")] = None,
    host_table: Annotated[int | None, typer.Option("--host-table", metavar="N", help="The table they host in every round.")] = None,
    consent_contact: Annotated[bool, typer.Option("--consent-contact", help="They agreed to be contacted.")] = False,
    consent_deposit: Annotated[bool, typer.Option("--consent-deposit", help="They agreed to an anonymised deposit.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Register one attendee (consents are recorded with the current time)."""
    from lpip.workshops.attendees import register_attendee

    with database_session(database) as session:
        attendee = register_attendee(
            session, workshop_id, name, sector, email=email, organisation=organisation, home_area=home_area,
            host_table=host_table, consent_contact=consent_contact, consent_deposit=consent_deposit,
        )
        console.print(f"Registered attendee {attendee.id} for workshop {workshop_id}.", highlight=False)


@attendees_app.command("import")
def import_attendees(
    workshop_id: WorkshopArgument,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: name, sector [, email, organisation, home_area, host_table, consent_contact, consent_deposit].")],
    database: DatabaseOption = None,
) -> None:
    """Import an attendee list from CSV or XLSX: all rows or none."""
    from lpip.workshops.attendees import import_attendees as import_file

    with database_session(database) as session:
        result = import_file(session, workshop_id, file)
    console.print(f"{file.name}: {result.summary()}", highlight=False, soft_wrap=True)


@attendees_app.command("export")
def export_attendees(
    workshop_id: WorkshopArgument,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE.csv|FILE.xlsx", help="File to write.")],
    database: DatabaseOption = None,
) -> None:
    """Export the attendee list with names and emails, for the facilitator's own machine only."""
    from lpip.workshops.attendees import export_attendees as export_file

    with database_session(database) as session:
        frame = export_file(session, workshop_id, out)
    console.print(f"Wrote {len(frame)} attendees (names and emails: personal data) to {out}", highlight=False, soft_wrap=True)


@attendees_app.command("list")
def list_attendees(workshop_id: WorkshopArgument, fmt: FormatOption = OutputFormat.table, database: DatabaseOption = None) -> None:
    """List a workshop's attendees, names included (facilitators only)."""
    from lpip.workshops.attendees import list_attendees as attendee_list

    with database_session(database) as session:
        frame = attendee_list(session, workshop_id)
    print_frame(frame.drop(columns=["consent_contact_at", "consent_deposit_at"]), fmt, title="Attendees")


# ----------------------------------------------------------------------------- planning


@app.command("plan")
def plan_workshop(
    workshop_id: WorkshopArgument,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the optimiser: the same seed gives the same plan.")] = 0,
    cards: Annotated[Path | None, typer.Option("--cards", metavar="FILE.pdf", help="Also write the printable table cards.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Plan the tables for every round and show the plan's scores beside the bounds and a random rotation."""
    from lpip.reports.cards import write_table_cards
    from lpip.workshops.planning import attendee_frame
    from lpip.workshops.planning import plan_workshop as plan

    with database_session(database) as session:
        table_plan, baseline = plan(session, workshop_id, seed=seed)
        scores = score_table(table_plan, baseline, attendee_frame(session, workshop_id))
        if cards is not None:
            write_table_cards(session, workshop_id, cards)
    rounds = table_plan.seats["round"].nunique()
    console.print(f"Planned {table_plan.seats['attendee_id'].nunique()} attendees over {rounds} rounds (seed {seed}).",
                  highlight=False)
    console.print(rich_table(scores, "Table plan scores"))
    if cards is not None:
        console.print(f"Wrote table cards to {cards}", highlight=False, soft_wrap=True)


@app.command("replan")
def replan_workshop(
    workshop_id: WorkshopArgument,
    absent: Annotated[str, typer.Option("--absent", metavar="IDS", help="Attendee ids not there, comma-separated (as `lpip workshops attendees list` shows them).")] = "",
    from_round: Annotated[int, typer.Option("--from-round", help="First round to re-plan; earlier rounds stay as they were.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the choice of who moves: the same seed gives the same plan.")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Re-plan the tables without the no-shows, keeping seated people where they are and moving as few as possible."""
    import pandas as pd

    from lpip.workshops.planning import replan_workshop as replan

    ids = [part.strip() for part in absent.split(",") if part.strip()]
    bad = next((part for part in ids if not (part.isascii() and part.isdigit() and len(part) < 10)), None)
    if bad is not None:
        raise InvalidContribution(f"--absent: {bad[:20]!r} is not an attendee id; give whole numbers separated by commas, e.g. --absent 3,17.")
    with database_session(database) as session:
        result = replan(session, workshop_id, [int(part) for part in ids], from_round=from_round, seed=seed)
    console.print(f"Re-planned rounds {from_round} on without {len(ids)} absent: {len(result.moves)} moves "
                  f"(the fewest possible with tables differing by at most one person: {result.fewest_moves}).",
                  highlight=False, soft_wrap=True)
    if len(result.moves):
        console.print(rich_table(result.moves.rename(columns={"attendee_id": "attendee", "from_table": "from table",
                                                              "to_table": "to table"}), "Who moves"))
    before, after = result.before.as_dict(), result.scores.as_dict()
    mix = pd.DataFrame([(name.replace("_", " "), f"{before[name]:g}", f"{after[name]:g}") for name in after],
                       columns=["measure", "without re-planning", "re-planned"])
    console.print(rich_table(mix, "Sector mix and meetings of the people present"))


def score_table(plan, baseline: dict, attendees: pd.DataFrame) -> pd.DataFrame:
    """The plan's scores beside the best any plan could do and the random rotation's mean.

    Every meeting fills one of a fixed number of shared seats, so repeats = shared seats -
    distinct pairs for any plan, and the fewest repeats possible follow from the pair bound.
    """
    import pandas as pd

    s = plan.scores
    shared = s.distinct_pairs + s.repeats
    sectors = attendees["sector"].fillna("unknown")
    hosts = attendees["host_table"].notna()
    counts, host_counts = sectors.value_counts(), sectors[hosts].value_counts()
    cross = (len(sectors) ** 2 - (counts ** 2).sum()) // 2
    host_cross = (int(hosts.sum()) ** 2 - (host_counts ** 2).sum()) // 2
    rows = [
        ("distinct pairs met", s.distinct_pairs, plan.upper_bound_pairs, baseline["distinct_pairs"], "higher"),
        ("cross-sector pairs met", s.cross_sector_pairs, min(plan.upper_bound_pairs, int(cross - host_cross)),
         baseline["cross_sector_pairs"], "higher"),
        ("repeat meetings", s.repeats, max(shared - plan.upper_bound_pairs, 0), baseline["repeats"], "lower"),
        ("worst table's sector mix", s.worst_table_mix, 1.0, baseline["worst_table_mix"], "higher"),
    ]
    frame = pd.DataFrame(rows, columns=["measure", "this plan", "best possible", "random rotation (mean)", "better"])
    # One column holds counts and a ratio: show counts as whole numbers, the mix to 3 places.
    for column in ("this plan", "best possible", "random rotation (mean)"):
        frame[column] = [f"{v:g}" if float(v).is_integer() else f"{v:.3f}".rstrip("0") for v in frame[column]]
    return frame


@app.command("cards")
def table_cards(
    workshop_id: WorkshopArgument,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE.pdf", help="PDF file to write.")],
    url: Annotated[str | None, typer.Option(
        "--url", metavar="URL",
        help="Address phones reach `lpip serve` on, e.g. http://192.168.1.20:8000: each card gets a QR code of its "
             "join link. Without it the cards carry the personal codes only.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Write printable table cards (A6 per attendee, A5 per table) for a planned workshop, each
    attendee's with their personal join code (and, with --url, its QR code)."""
    from lpip.reports.cards import write_table_cards

    with database_session(database) as session:
        write_table_cards(session, workshop_id, out, join_url=url)
    console.print(f"Wrote table cards to {out}", highlight=False, soft_wrap=True)


@app.command("seating")
def seating_plan(
    workshop_id: WorkshopArgument,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="File to write: .pdf to print, .csv or .xlsx.")],
    database: DatabaseOption = None,
) -> None:
    """Write the seating plan as a table (who sits where in each round) to print or share with hosts."""
    from lpip.reports.seating import write_seating_plan

    with database_session(database) as session:
        write_seating_plan(session, workshop_id, out)
    console.print(f"Wrote the seating plan (attendee names: personal data) to {out}", highlight=False, soft_wrap=True)


# ----------------------------------------------------------------------------- notes and exports


@notes_app.command("import")
def import_notes(
    workshop_id: WorkshopArgument,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: round, table, text [, sector, workshop].")],
    database: DatabaseOption = None,
) -> None:
    """Import notes typed up from paper flipcharts: all rows or none."""
    from lpip.workshops.imports import import_notes as import_file

    with database_session(database) as session:
        result = import_file(session, workshop_id, file)
    console.print(f"{file.name}: {result.summary()}", highlight=False, soft_wrap=True)


@app.command("export")
def export_workshop(
    workshop_id: WorkshopArgument,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv (a folder of files), xlsx, json, or polis (pol.is open-data files in a folder).")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR_OR_FILE", help="Folder for csv/polis, file for xlsx/json.")],
    deposit: Annotated[bool, typer.Option("--deposit", help="Build the anonymised deposit package instead: the same as `lpip deposit build --workshop ID --out DIR` (csv only).")] = False,
    database: DatabaseOption = None,
) -> None:
    """Export a workshop's data for the facilitator (names included); --deposit builds the deposit package."""
    if deposit:
        _deposit_alias(workshop_id, fmt, out, database)
        return
    from lpip.workshops.exports import export_workshop as export

    with database_session(database) as session:
        result = export(session, workshop_id, fmt.value, out)
    console.print(result.summary(), highlight=False, soft_wrap=True)


def _deposit_alias(workshop_id: int, fmt: "ExportFormat", out: Path, database: str | None) -> None:
    """`--deposit` is `lpip deposit build --workshop ID --out DIR`, kept for old scripts."""
    from lpip.archive.package import build_deposit
    from lpip.errors import InvalidDeposit

    if fmt is not ExportFormat.csv:
        raise InvalidDeposit(f"--deposit builds the deposit package (CSV files with their documentation), not {fmt.value}: "
                             f"run `lpip deposit build --workshop {workshop_id} --out DIR`.")
    with database_session(database) as session:
        result = build_deposit(session, out, [workshop_id])
    console.print(result.summary(), highlight=False, soft_wrap=True, markup=False)
    console.print(f"(`lpip workshops export --deposit` is `lpip deposit build --workshop {workshop_id} --out {out}`; "
                  "see `lpip deposit --help`.)", highlight=False, soft_wrap=True, markup=False)


@app.command("notes-consent")
def notes_consent(
    workshop_id: WorkshopArgument,
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who makes the declaration (recorded with the time).")],
    yes: Annotated[bool | None, typer.Option("--yes/--no", help="--yes: the workshop's notes were collected under consent to archiving; --no withdraws that.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Declare that a workshop's table and paper notes were collected under consent to archiving."""
    from lpip.workshops.workshops import declare_notes_consent

    if yes is None:
        raise InvalidContribution("Say --yes (the notes were collected under consent to archiving) or --no.")
    with database_session(database) as session:
        workshop = declare_notes_consent(session, workshop_id, yes, by)
        stamp = workshop.notes_consent_at.isoformat(timespec="seconds")
        who = workshop.notes_consent_by
    verdict = "collected under consent: they may go into a deposit" if yes else "not declared as consented: they stay out of deposits"
    console.print(f"Workshop {workshop_id}: notes {verdict} (declared by {who} at {stamp}).", highlight=False,
                  soft_wrap=True, markup=False)


@app.command("walkin")
def walkin(
    workshop_id: WorkshopArgument,
    on: Annotated[bool | None, typer.Option("--on/--off", help="--on: people without a personal code join with the workshop's walk-in code; --off: only personal codes work.")] = None,
    cap: Annotated[int | None, typer.Option("--cap", min=1, max=99_999, help="Most people the room may hold before the walk-in code admits nobody more (default: expected + 20 %; kept when not given).")] = None,
    expected: Annotated[int | None, typer.Option("--expected", min=1, max=99_999, help="How many people are expected (default: the attendees registered; kept when not given).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Switch a workshop's walk-in code on or off, with its cap.

    By default the walk-in code is on only while no attendee is registered; once attendees are
    registered (each with a personal code on their card) it stays off until switched on here or
    on the workshop page.
    """
    from lpip.workshops.capture import joined_counts, set_walkin

    if on is None:
        raise InvalidContribution("Say --on (walk-ins may join, up to the cap) or --off (only personal codes work).")
    from lpip.workshops.workshops import get_workshop

    with database_session(database) as session:
        before = get_workshop(session, workshop_id)  # a cap or number not given stays as it was
        cap, expected = (cap if cap is not None else before.walkin_cap), (expected if expected is not None else before.expected)
        workshop = set_walkin(session, workshop_id, on, cap=cap, expected=expected)
        counts, code = joined_counts(session, workshop_id), workshop.join_code
    if on:
        limit = f"admits people until the room holds {counts['cap']}" if counts["cap"] else "no cap (nobody is expected)"
        console.print(f"Workshop {workshop_id}: walk-in code {code} is on, {limit}; {counts['joined']} joined so far.",
                      highlight=False, soft_wrap=True, markup=False)
    else:
        console.print(f"Workshop {workshop_id}: walk-in code is off; people join with the personal codes on their cards.",
                      highlight=False, soft_wrap=True, markup=False)


# ----------------------------------------------------------------------------- demo


def demo_command(
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the made-up votes and the table plan.")] = 0,
    database: DatabaseOption = None,
) -> None:
    """Load a demonstration workshop with made-up data and print its join code, host links and login."""
    from lpip.workshops.demo import load_demo

    with database_session(database) as session:
        demo = load_demo(session, seed=seed)
    base = base_url.rstrip("/")
    lines = [
        f"Loaded workshop {demo.workshop_id}: {demo.title}",
        "Everything in it is made up, for trying lpip out; it is marked as demonstration data.",
        f"Join code for participants: {demo.join_code} (at {base}/)",
        *(f"Host link, table {table}: {link}" for table, link in demo.host_links(base).items()),
        f"Facilitator login at {base}/login: {demo.login_email}",
        f"Password (shown once, not stored): {demo.login_password}",
        "Start the server with `lpip serve` to open these pages.",
    ]
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True, markup=False)


app.command("demo")(demo_command)
