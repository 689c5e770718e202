"""Printable table cards: what they say, their page sizes, and a clear missing-library error."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lpip.errors import InvalidExport, MissingSystemLibrary, NoData
from lpip.reports.cards import card_names, cards_html, render_table_cards, table_cards, write_table_cards
from lpip.reports.pdf import load_weasyprint, missing_library_message
from lpip.workshops.attendees import import_attendees, register_attendee
from lpip.workshops.models import TableSeat
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop

ATTENDEES = Path(__file__).resolve().parents[1] / "data" / "workshops" / "attendees_40.csv"
MM = 96 / 25.4  # WeasyPrint page sizes are in CSS pixels (96 per inch)


@pytest.fixture
def workshop_id(session) -> int:
    rounds = [RoundSpec("What works?", 25), RoundSpec("What gets in the way?", 20), RoundSpec("What first?", 15)]
    workshop_id = create_workshop(session, "Test cards", rounds, tables=8, venue="Test venue").id
    import_attendees(session, workshop_id, ATTENDEES)
    plan_workshop(session, workshop_id, seed=0, iterations=300)
    return workshop_id


def test_short_names_fall_back_to_full_names_when_they_clash():
    assert card_names(["Sam Patel", "Sam Price", "Ada  Lovelace", "Cher"]) == ["Sam Patel", "Sam Price", "Ada L.", "Cher"]


def test_one_card_per_attendee_with_their_seat_each_round(session, workshop_id):
    cards = table_cards(session, workshop_id)
    assert len(cards.cards) == 40
    seats = session.execute(select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
                            .where(TableSeat.workshop_id == workshop_id)).all()
    # Names ending in a number are printed in full.
    names = {f"Test Attendee {i:02d}" for i in range(1, 41)}
    assert {card["name"] for card in cards.cards} == names
    assert [card["name"] for card in cards.cards] == sorted(names)
    tables_per_name = {card["name"]: [s["table"] for s in card["seats"]] for card in cards.cards}
    from lpip.workshops.models import Attendee

    ids = dict(session.execute(select(Attendee.id, Attendee.name).where(Attendee.workshop_id == workshop_id)).all())
    for attendee_id, name in ids.items():
        expected = [t for a, r, t in sorted(seats, key=lambda s: s[1]) if a == attendee_id]
        assert tables_per_name[name] == expected
    assert [c["host_table"] for c in cards.cards if c["host_table"]] == list(range(1, 9))


def test_one_sheet_per_table_with_host_and_questions(session, workshop_id):
    cards = table_cards(session, workshop_id)
    assert [s["table"] for s in cards.sheets] == list(range(1, 9))
    assert [s["host"] for s in cards.sheets] == [f"Test Attendee {i:02d}" for i in range(1, 9)]
    html = cards_html(cards)
    assert html.count("What gets in the way?") == 8


def test_cards_print_no_emails_organisations_or_sectors(session, workshop_id):
    html = cards_html(table_cards(session, workshop_id))
    assert "@example.org" not in html
    assert "Test Organisation" not in html
    assert not re.search(r"\b(voluntary and community|civil society|resident)\b", html, re.I)


def test_text_on_cards_is_escaped(session):
    workshop_id = create_workshop(session, "<b>Bold</b> & co", [RoundSpec("<script>x</script>?")], tables=1).id
    register_attendee(session, workshop_id, "Test <i>Italic</i>", "public")
    register_attendee(session, workshop_id, "Test Other", "private")
    plan_workshop(session, workshop_id, iterations=10)
    html = cards_html(table_cards(session, workshop_id))
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;?" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html


def test_pages_are_a6_cards_then_a5_sheets(session, workshop_id):
    document = render_table_cards(session, workshop_id)
    assert len(document.pages) == 40 + 8
    sizes = [(round(p.width / MM), round(p.height / MM)) for p in document.pages]
    assert set(sizes[:40]) == {(105, 148)}  # A6
    assert set(sizes[40:]) == {(148, 210)}  # A5


def test_the_pdf_is_written(session, workshop_id, tmp_path):
    path = write_table_cards(session, workshop_id, tmp_path / "cards.pdf")
    assert path.read_bytes().startswith(b"%PDF-")


def test_a_demonstration_workshop_is_labelled_on_every_page(session):
    workshop_id = create_workshop(session, "DEMONSTRATION (made-up data): x", [RoundSpec("Q")], tables=2, is_demo=True).id
    for i in range(4):
        register_attendee(session, workshop_id, f"Demo Attendee {i:02d}", "public")
    plan_workshop(session, workshop_id, iterations=10)
    html = cards_html(table_cards(session, workshop_id))
    assert html.count('<p class="demo">DEMONSTRATION (made-up data)</p>') == 4 + 2


def test_cards_need_a_plan(session):
    workshop_id = create_workshop(session, "Unplanned", [RoundSpec("Q")], tables=2).id
    with pytest.raises(NoData, match=f"run `lpip workshops plan {workshop_id}` first"):
        table_cards(session, workshop_id)


def test_cards_are_a_pdf(session, workshop_id, tmp_path):
    with pytest.raises(InvalidExport, match="name the file with .pdf"):
        write_table_cards(session, workshop_id, tmp_path / "cards.html")


def test_a_missing_system_library_names_the_debian_package(monkeypatch):
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.raises(MissingSystemLibrary, match="Printing table cards needs.*sudo apt-get install libpango-1.0-0"):
        load_weasyprint("Printing table cards")


@pytest.mark.parametrize(
    ("error", "package"),
    [
        ("cannot load library 'libgobject-2.0-0': error", "libglib2.0-0"),
        ("cannot load library 'libpangoft2-1.0-0': error", "libpangoft2-1.0-0"),
        ("cannot load library 'libfontconfig-1': error", "libfontconfig1"),
        ("something else", "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"),
    ],
    ids=["glib", "pangoft2", "fontconfig", "unknown"],
)
def test_each_library_maps_to_its_package(error, package):
    assert f"apt-get install {package} " in missing_library_message(error)


def test_each_card_carries_its_attendees_personal_code_and_a_qr_code_of_the_join_link(session, workshop_id):
    from lpip.reports.cards import join_link
    from lpip.workshops.models import Attendee

    codes = dict(session.execute(select(Attendee.name, Attendee.join_code).where(Attendee.workshop_id == workshop_id)).all())
    cards = table_cards(session, workshop_id, join_url="http://192.168.1.20:8000/")
    assert {card["name"]: card["join_code"] for card in cards.cards} == codes
    assert len(set(codes.values())) == 40
    assert all(card["qr"].startswith("data:image/svg+xml") for card in cards.cards)
    html = cards_html(cards)
    assert all(f"{code[:4]}-{code[4:]}" in html for code in codes.values())
    assert html.count('alt="QR code that opens the join page with your code"') == 40
    assert join_link("http://192.168.1.20:8000/", "ABCD2345") == "http://192.168.1.20:8000/join?code=ABCD2345"
    # Without the server's address the cards print the codes but no QR codes.
    plain = cards_html(table_cards(session, workshop_id))
    assert "<img" not in plain and all(f"{code[:4]}-{code[4:]}" in plain for code in codes.values())
