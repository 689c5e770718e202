"""The seating plan printed as a table: who sits where in each round.

One row per attendee (alphabetical, by the names on their table cards: first name and last
initial), one column per round with their table; hosts marked. For the facilitator and the
registration desk on the day: names only, no emails, organisations or sectors. Attendees the
plan leaves out of a round (marked absent when re-planning) show a dash there.

Written as an HTML table (the web page), a PDF (A4, through :mod:`lpip.reports.pdf`) or a
CSV/XLSX sheet (through :mod:`lpip.spreadsheets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, NoData
from lpip.reports.cards import DEMO_LABEL, _sort_key, _when, card_names
from lpip.reports.pdf import write_pdf
from lpip.spreadsheets import write_csv, write_xlsx
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.workshops import get_workshop, rounds_of

ABSENT = "–"
FORMATS = (".pdf", ".csv", ".xlsx")

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Seating plan: {{ plan.title }}</title>
<style>
@page { size: A4; margin: 12mm; @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #000; font-size: 10pt; }
h1 { font-size: 16pt; margin: 0 0 2mm 0; }
.demo { font-weight: bold; border: 1pt solid #000; padding: 1mm; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td, th { border-bottom: 0.5pt solid #666; padding: 1.2mm 2mm; text-align: left; }
th.round, td.round { text-align: center; }
</style></head><body>
{% if plan.demo %}<p class="demo">{{ plan.demo }}</p>{% endif %}
<h1>Seating plan: {{ plan.title }}</h1>
{% if plan.when %}<p>{{ plan.when }}</p>{% endif %}
<table><thead><tr><th>Name</th>{% for r in plan.rounds %}<th class="round">Round {{ r }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in plan.rows %}<tr><td>{{ row.name }}{% if row.host_table %} (host){% endif %}</td>
{% for t in row.tables %}<td class="round">{{ t or absent }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
</body></html>
"""


@dataclass(frozen=True)
class SeatingPlan:
    """Who sits where: ``rows`` of name, host_table and tables (one per round, None if not seated)."""

    title: str
    when: str | None
    demo: str | None
    rounds: list[int]
    rows: list[dict]


def seating_plan(session: Session, workshop_id: int) -> SeatingPlan:
    """The plan of a workshop whose tables are planned (``lpip workshops plan``)."""
    workshop = get_workshop(session, workshop_id)
    rounds = [r.number for r in rounds_of(session, workshop_id)]
    people = list(session.scalars(select(Attendee).where(Attendee.workshop_id == workshop_id).order_by(Attendee.id)))
    seats = session.execute(
        select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
        .where(TableSeat.workshop_id == workshop_id)
    ).all()
    if not people or not seats:
        raise NoData(f"Workshop {workshop_id} has no table plan yet; run `lpip workshops plan {workshop_id}` first.")
    where = {(a, r): t for a, r, t in seats}
    names = card_names([a.name for a in people])
    rows = sorted(
        (dict(attendee_id=a.id, name=name, host_table=a.host_table, tables=[where.get((a.id, r)) for r in rounds])
         for a, name in zip(people, names)),
        key=lambda row: _sort_key(row["name"]),
    )
    return SeatingPlan(workshop.title, _when(workshop), DEMO_LABEL if workshop.is_demo else None, rounds, rows)


def seating_frame(plan: SeatingPlan) -> pd.DataFrame:
    """The plan as a sheet: name, host of table, then one column per round (empty if not seated)."""
    frame = pd.DataFrame({
        "name": [row["name"] for row in plan.rows],
        "hosts table": [row["host_table"] for row in plan.rows],
        **{f"round {r}": [row["tables"][i] for row in plan.rows] for i, r in enumerate(plan.rounds)},
    })
    return frame.astype(object).where(frame.notna(), None)


def seating_html(plan: SeatingPlan) -> str:
    """The plan as one printable HTML document."""
    return Environment(autoescape=True).from_string(TEMPLATE).render(plan=plan, absent=ABSENT)


def write_seating_plan(session: Session, workshop_id: int, path: str | Path) -> Path:
    """Write the workshop's seating plan as PDF, CSV or XLSX (by the file's suffix).

    Examples
    --------
    >>> write_seating_plan(session, 1, "plan.pdf")  # doctest: +SKIP
    PosixPath('plan.pdf')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidExport(f"{path}: the seating plan is written as .pdf, .csv or .xlsx; name the file e.g. plan.pdf.")
    if not path.parent.is_dir():
        raise InvalidExport(f"{path}: the folder {path.parent} does not exist; create it or choose another path.")
    plan = seating_plan(session, workshop_id)
    if suffix == ".pdf":
        return write_pdf(seating_html(plan), path)
    if suffix == ".csv":
        write_csv(seating_frame(plan), path)
        return path
    return write_xlsx({"seating plan": seating_frame(plan)}, path)
