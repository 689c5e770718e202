"""Printable table cards (PDF) for the day of a workshop, made with WeasyPrint.

Two kinds of page, printed once for the day and never deposited:

- one **A6 card per attendee**, in alphabetical order for the registration desk: their
  name as people call them (first name and last initial, e.g. "Sam P."; the full name only
  where two attendees would otherwise share a card name), and their table in each round
  (hosts: "you host table N: stay there in every round");
- one **A5 sheet per table**, to stand on it: the table number, its host (same short name),
  and each round's number, length and question.

Each attendee's card also carries their **personal join code** and, given the address phones
reach the server on (``join_url``), a QR code of ``<join_url>/join?code=<code>``: scanning it
opens the join page with the code filled in, which links the phone to the attendee's record.

Nothing else is printed: no emails, organisations or sectors (a card left on a table should
say no more than a name badge). Demonstration workshops carry "DEMONSTRATION (made-up data)"
on every page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, NoData
from lpip.reports.pdf import load_weasyprint
from lpip.reports.render import long_date
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.workshops import get_workshop, rounds_of

DEMO_LABEL = "DEMONSTRATION (made-up data)"

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Table cards: {{ title }}</title>
<style>
@page card { size: A6; margin: 8mm; }
@page sheet { size: A5; margin: 12mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #000; }
.card { page: card; break-after: page; font-size: 11pt; }
.sheet { page: sheet; break-after: page; font-size: 12pt; }
.card:last-child, .sheet:last-child { break-after: auto; }
.event { font-size: 8pt; margin: 0 0 3mm 0; }
.demo { font-weight: bold; border: 1pt solid #000; padding: 1mm; margin: 0 0 2mm 0; font-size: 8pt; }
h1 { font-size: 20pt; margin: 0 0 3mm 0; }
.sheet h1 { font-size: 40pt; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 0.5pt solid #666; padding: 1.5mm 1mm; text-align: left; vertical-align: top; }
.host { font-weight: bold; margin: 2mm 0; }
.join { margin: 2mm 0 0 0; font-size: 9pt; }
.join img { width: 26mm; height: 26mm; float: right; margin-left: 2mm; }
.code { font-family: "DejaVu Sans Mono", monospace; font-size: 14pt; font-weight: bold; letter-spacing: 1pt; }
</style></head><body>
{% for card in cards %}<section class="card">
{% if demo %}<p class="demo">{{ demo }}</p>{% endif %}
<p class="event">{{ title }}{% if when %} · {{ when }}{% endif %}</p>
<h1>{{ card.name }}</h1>
{% if card.host_table %}<p class="host">You host table {{ card.host_table }}: stay there in every round.</p>{% endif %}
<table><tr><th>Round</th><th>Table</th></tr>
{% for seat in card.seats %}<tr><td>{{ seat.round }} ({{ seat.minutes }} min)</td><td>{{ seat.table }}</td></tr>{% endfor %}
</table>
{% if card.join_code %}<div class="join">{% if card.qr %}<img src="{{ card.qr }}" alt="QR code that opens the join page with your code">{% endif %}
<p>Your personal join code: <span class="code">{{ card.join_code[:4] }}-{{ card.join_code[4:] }}</span></p>
<p>{% if card.qr %}Scan the QR code with your phone's camera{% else %}Open the join page shown on the screen{% endif %}
to vote and add statements. Keep the code to yourself: it is your place in the room.</p></div>{% endif %}
</section>
{% endfor %}{% for sheet in sheets %}<section class="sheet">
{% if demo %}<p class="demo">{{ demo }}</p>{% endif %}
<p class="event">{{ title }}{% if when %} · {{ when }}{% endif %}</p>
<h1>Table {{ sheet.table }}</h1>
<p class="host">Host: {{ sheet.host or "none named" }}</p>
<table><tr><th>Round</th><th>Question</th></tr>
{% for r in rounds %}<tr><td>{{ r.number }} ({{ r.minutes }} min)</td><td>{{ r.question }}</td></tr>{% endfor %}
</table></section>
{% endfor %}</body></html>
"""


@dataclass(frozen=True)
class CardSet:
    """What the cards say: one card per attendee and one sheet per table."""

    title: str
    when: str | None
    demo: str | None
    rounds: list[dict]
    cards: list[dict] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)


def card_names(full_names: list[str]) -> list[str]:
    """Short names for cards: first name and last initial; full names where those would
    clash or where a name ends in a number.

    Examples
    --------
    >>> card_names(["Sam Patel", "Sam Price", "Ada Lovelace", "Cher", "Demo Attendee 07"])
    ['Sam Patel', 'Sam Price', 'Ada L.', 'Cher', 'Demo Attendee 07']
    """
    short = [_short_name(name) for name in full_names]
    return [s if short.count(s) == 1 else " ".join(name.split()) for name, s in zip(full_names, short)]


def _short_name(name: str) -> str:
    words = name.split()
    if len(words) < 2 or not words[-1][0].isalpha():
        return " ".join(words)  # "Cher", or a name ending in a number ("Demo Attendee 07")
    return f"{words[0]} {words[-1][0]}."


def join_link(join_url: str, code: str) -> str:
    """The address a card's QR code opens.

    Examples
    --------
    >>> join_link("http://192.168.1.20:8000/", "ABCD2345")
    'http://192.168.1.20:8000/join?code=ABCD2345'
    """
    return f"{join_url.rstrip('/')}/join?code={code}"


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG ``data:`` URI (segno: pure Python, no system libraries)."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def table_cards(session: Session, workshop_id: int, join_url: str | None = None) -> CardSet:
    """The cards' content for a workshop whose tables are planned (``lpip workshops plan``);
    with ``join_url`` (e.g. ``http://192.168.1.20:8000``) each card gets a QR code of its join link."""
    workshop = get_workshop(session, workshop_id)
    rounds = [dict(number=r.number, minutes=r.minutes, question=r.question) for r in rounds_of(session, workshop_id)]
    people = list(session.scalars(select(Attendee).where(Attendee.workshop_id == workshop_id)))
    seats = session.execute(
        select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
        .where(TableSeat.workshop_id == workshop_id)
    ).all()
    if not people or not seats:
        raise NoData(f"Workshop {workshop_id} has no table plan yet; run `lpip workshops plan {workshop_id}` first.")
    names = dict(zip((a.id for a in people), card_names([a.name for a in people])))
    minutes = {r["number"]: r["minutes"] for r in rounds}
    by_person: dict[int, list[dict]] = {}
    for attendee_id, round_number, table in sorted(seats, key=lambda s: s[1]):
        by_person.setdefault(attendee_id, []).append(dict(round=round_number, table=table, minutes=minutes[round_number]))
    cards = sorted(
        (dict(name=names[a.id], host_table=a.host_table, seats=by_person.get(a.id, []), join_code=a.join_code,
              qr=qr_data_uri(join_link(join_url, a.join_code)) if join_url and a.join_code else None) for a in people),
        key=lambda card: _sort_key(card["name"]),
    )
    hosts = {a.host_table: names[a.id] for a in people if a.host_table}
    sheets = [dict(table=t, host=hosts.get(t)) for t in range(1, workshop.tables + 1)]
    return CardSet(workshop.title, _when(workshop), DEMO_LABEL if workshop.is_demo else None, rounds, cards, sheets)


def _sort_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).casefold()


def _when(workshop) -> str | None:
    parts = [long_date(workshop.date) if workshop.date else None, workshop.venue]
    return ", ".join(p for p in parts if p) or None


def cards_html(card_set: CardSet) -> str:
    """The cards as one HTML document (A6 card pages, then A5 table sheets)."""
    template = Environment(autoescape=True).from_string(TEMPLATE)
    return template.render(
        title=card_set.title, when=card_set.when, demo=card_set.demo, rounds=card_set.rounds,
        cards=card_set.cards, sheets=card_set.sheets,
    )



def render_table_cards(session: Session, workshop_id: int, join_url: str | None = None):
    """The cards laid out as a ``weasyprint.Document`` (pages with sizes, ready to write)."""
    weasyprint = load_weasyprint("Printing table cards")
    return weasyprint.HTML(string=cards_html(table_cards(session, workshop_id, join_url))).render()


def write_table_cards(session: Session, workshop_id: int, path: str | Path, join_url: str | None = None) -> Path:
    """Write the workshop's table cards to a PDF file.

    Examples
    --------
    >>> write_table_cards(session, 1, "cards.pdf")  # doctest: +SKIP
    PosixPath('cards.pdf')
    """
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        raise InvalidExport(f"{path}: table cards are a PDF; name the file with .pdf, e.g. cards.pdf.")
    if not path.parent.is_dir():
        raise InvalidExport(f"{path}: the folder {path.parent} does not exist; create it or choose another path.")
    render_table_cards(session, workshop_id, join_url).write_pdf(path)
    return path
