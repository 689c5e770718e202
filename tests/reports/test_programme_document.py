"""The programme document, the matrix outputs and the quadrant: contents, privacy, print rules."""

from __future__ import annotations

import re

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from lpip.reports.programme import build_programme, is_region, write_matrix, write_programme, write_quadrant
from lpip.synthesis.drafting import draft_priorities
from lpip.synthesis.partners import import_partners
from lpip.synthesis.plan import draft_plan
from lpip.synthesis.priorities import add_source, agree_priority, link_indicator
from lpip.workshops.capture import add_note
from lpip.workshops.demo import load_demo
from lpip.workshops.models import HostLink

PARTNERS = Path(__file__).resolve().parents[1] / "data" / "synthesis" / "partners.csv"
MIN_POINTS = 7.0


@pytest.fixture
def programme_db(session):
    """The demo drafted, two priorities linked and agreed, partners imported, the plan drafted,
    and a note naming an attendee and a phone number among the sources."""
    demo = load_demo(session, seed=0)
    drafted = draft_priorities(session, demo.workshop_id).created
    link_indicator(session, drafted[0], "imd_score")
    link_indicator(session, drafted[1], "travel_time_public_transport")
    for priority_id in drafted[:2]:
        agree_priority(session, priority_id, by="fran")
    import_partners(session, PARTNERS)
    link = session.scalar(select(HostLink).where(HostLink.workshop_id == demo.workshop_id, HostLink.table_number == 3))
    note, _ = add_note(session, link, "(demo) Demo Attendee 12 on 07700 900456 wants later buses", "programme-note")
    add_source(session, drafted[1], note.id, "by hand")
    draft_plan(session, start=date(2026, 4, 1))
    session.flush()
    return drafted


def test_titles_drafted_from_people_s_words_are_anonymised_in_documents(session, programme_db, tmp_path):
    from lpip.synthesis.priorities import add_priority
    from lpip.workshops.models import Workshop

    workshop_id = session.scalar(select(Workshop.id).where(Workshop.is_demo.is_(True)))
    named = add_priority(session, workshop_id, "(demo) Demo Attendee 05 wants buses at 07700 900789")
    agree_priority(session, named.id)
    html = write_programme(session, "E12000005", tmp_path / "p.html").read_text(encoding="utf-8")
    assert re.search(r"\(demo\) \[person \d+\] wants buses at \[phone\]", html)
    assert "Attendee 05" not in html and "900789" not in html
    wide = pd.read_csv(write_matrix(session, tmp_path / "m.csv"))
    assert not wide["title"].str.contains("Attendee 05").any()


def test_is_region_tells_the_region_from_workshops_and_sub_regions(session):
    assert is_region(session, "E12000005") and not is_region(session, "WM-BC") and not is_region(session, "1")


def test_the_document_has_every_part_and_no_personal_data(session, programme_db, tmp_path):
    path = write_programme(session, "E12000005", tmp_path / "programme.html")
    html = path.read_text(encoding="utf-8")
    for part in ("Executive summary", "The region: sub-regions side by side", "The figures behind the verdict",
                 "What people said", "Wicked problem or quick win", "Suggested lead and partners", "Timeline",
                 "Data-gap register", "Sources and attribution", "Contains National Statistics data"):
        assert part in html, part
    assert "DEMONSTRATION (made-up data)" in html
    assert re.search(r"\[person \d+\] on \[phone\] wants later buses", html)
    assert "Demo Attendee 12" not in html and "900456" not in html
    assert "example.org" not in html  # partners' contacts are private
    assert "p_success" not in html and "group_informed_consensus" not in html
    assert html.count('class="priority"') == 2  # the two agreed priorities


def test_without_agreed_priorities_the_candidates_are_shown_and_said_so(session):
    demo = load_demo(session, seed=0)
    draft_priorities(session, demo.workshop_id)
    programme = build_programme(session, "E12000005")
    assert not programme.agreed and programme.sections
    assert "none has been agreed yet" in programme.summary[0]


@pytest.mark.slow
def test_the_pdf_prints_nothing_smaller_than_7pt_and_nothing_off_the_page(session, programme_db, tmp_path):
    pdfplumber = pytest.importorskip("pdfplumber")
    path = write_programme(session, "E12000005", tmp_path / "programme.pdf")
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= 5
        for number, page in enumerate(pdf.pages, start=1):
            for char in page.chars:
                # Upright text: the size; text turned by 90 degrees (axis labels): its width on the page.
                size = char["size"] if char["upright"] else char["x1"] - char["x0"]
                assert size >= MIN_POINTS - 0.05, (number, char["text"], size)
                assert 0 <= char["x0"] and char["x1"] <= page.width, (number, char["text"])
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "Executive summary" in text and "Data-gap register" in text


def test_the_matrix_in_every_format(session, programme_db, tmp_path):
    wide = pd.read_csv(write_matrix(session, tmp_path / "matrix.csv"))
    assert wide.columns[:6].tolist() == ["priority_id", "title", "status", "kind", "scope", "raised_in"]
    assert "Black Country: verdict" in wide.columns and len(wide) == 5
    assert openpyxl.load_workbook(write_matrix(session, tmp_path / "matrix.xlsx")).sheetnames == ["matrix", "by sub-region"]
    assert write_matrix(session, tmp_path / "matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = write_matrix(session, tmp_path / "matrix.html").read_text(encoding="utf-8")
    assert "Black Country" in html and "DEMONSTRATION (made-up data)" in html


def test_the_quadrant_as_png_and_svg(session, programme_db, tmp_path):
    assert write_quadrant(session, tmp_path / "q.png").read_bytes()[:4] == b"\x89PNG"
    svg = write_quadrant(session, tmp_path / "q.svg").read_text(encoding="utf-8")
    for label in ("Quick wins", "Wicked problems", "Complexity", "DEMONSTRATION (made-up data)"):
        assert label in svg


def test_a_region_without_priorities_says_how_to_start(session, tmp_path):
    html = write_programme(session, "E12000005", tmp_path / "empty.html").read_text(encoding="utf-8")
    assert "No priorities have been drafted or added for West Midlands yet" in html
    assert "lpip priorities draft WORKSHOP_ID" in html
