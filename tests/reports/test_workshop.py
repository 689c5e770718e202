"""The workshop report on the page: HTML and PDF, the summary first, no code names, quotes
anonymised, tables within the page, fonts of 7 pt and up (PDF text extracted with pdfplumber).
Workshops and notes are made up (the demo is labelled so)."""

from __future__ import annotations

import re
import sys
import types

import pytest
from sqlalchemy import select

from lpip.deliberation.report import build_report
from lpip.errors import InvalidExport, MissingSystemLibrary
from lpip.reports.workshop import (
    SYNTHESIS_HOOK, SYNTHESIS_MODULE, anonymise_quote, datapack_links, report_html, synthesis_summary, write_report,
)
from lpip.workshops.capture import add_note, add_statement, join_workshop
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Attendee, HostLink

# Made-up notes (not presented as real): enough text for themes.
NOTES = [
    "Evening buses stop too early for shift workers", "Bus fares are too high for young people",
    "The train station needs step free access", "More buses to the hospital in the evening",
    "Cycle lanes stop and start and feel unsafe", "Bus routes do not reach the industrial estate",
    "Rents are rising faster than wages", "Too few social homes for local families",
    "Damp private rented homes make children ill", "Young people cannot afford a first home",
    "Housing associations should build more homes", "Empty shops could become homes",
    "Apprenticeships with local employers are hard to find", "Colleges and employers should design courses together",
    "Adults need training in digital skills", "Careers advice in schools is weak",
    "Small firms cannot spare staff for training", "Green jobs need new skills and courses",
    "Parks are not safe after dark", "The library is the only warm space for some",
    "Community centres are trusted places to meet", "Youth clubs have closed across the borough",
]
CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")
MIN_POINTS = 7


@pytest.fixture
def demo(session):
    demo = load_demo(session, seed=0)
    link = session.scalar(select(HostLink).where(HostLink.workshop_id == demo.workshop_id, HostLink.table_number == 1))
    for i, text in enumerate(NOTES):
        add_note(session, link, text, client_id=f"test-note-{i:03d}")
    someone = join_workshop(session, demo.join_code, "public")
    add_statement(session, someone, "Demo Attendee 03 should lead the bus depot work: demo.attendee03@example.org",
                  "test-statement-name")
    return demo


def _strip_images(html: str) -> str:
    return re.sub(r"data:image/[^\"]+", "", html)


def _html(session, workshop_id, **kwargs) -> str:
    report = build_report(session, workshop_id)
    return report_html(report, anonymise_quote(session, report.workshop_ids), **kwargs)


def test_the_summary_comes_first(session, demo):
    html = _strip_images(_html(session, demo.workshop_id))
    summary = html[html.index('<section class="summary"'):html.index("</section>")]
    for heading in ("Who came.", "Top priorities.", "Opinion groups.", "Points of consensus.", "Themes."):
        assert heading in summary
    assert html.index('id="summary"') < html.index('id="who-came"') < html.index('id="method"')
    assert "Wicked problems" not in html  # no synthesis module: the line is left out


def test_quotes_are_anonymised_and_nobody_is_named(session, demo):
    html = _strip_images(_html(session, demo.workshop_id))
    people = session.execute(select(Attendee.name, Attendee.email, Attendee.organisation)
                             .where(Attendee.workshop_id == demo.workshop_id)).all()
    assert not any(value in html for row in people for value in row if value)
    assert "Demo Attendee 03" not in html and "@example.org" not in html
    # Every statement is listed with its votes: this one with the name and email replaced by the
    # deposit's typed labels (one anonymiser for reports and deposits).
    assert re.search(r"\[person \d+\] should lead the bus depot work: \[email\]", html)


def test_the_synthesis_hook_fills_wicked_problems_and_quick_wins(session, demo, monkeypatch):
    fake = types.ModuleType(SYNTHESIS_MODULE)
    setattr(fake, SYNTHESIS_HOOK, lambda session, ids: {"wicked problems": ["Transport poverty (made up)"],
                                                        "quick wins": ["Later buses (made up)"]})
    monkeypatch.setitem(sys.modules, SYNTHESIS_MODULE, fake)
    found = synthesis_summary(session, [demo.workshop_id])
    html = _strip_images(_html(session, demo.workshop_id, synthesis=found))
    assert "Wicked problems and quick wins." in html
    assert "Transport poverty (made up)" in html and "Later buses (made up)" in html


def test_without_the_synthesis_module_there_is_no_synthesis(session, demo, monkeypatch):
    monkeypatch.setitem(sys.modules, SYNTHESIS_MODULE, None)  # import raises ImportError
    assert synthesis_summary(session, [demo.workshop_id]) is None


def test_the_data_pack_of_the_sub_region_is_linked(session, demo):
    report = build_report(session, demo.workshop_id)
    assert datapack_links(report, "https://atlas.example.org/")[0]["url"] == "https://atlas.example.org/datapacks/WM-BC.html"
    html = _html(session, demo.workshop_id)
    assert 'href="datapacks/WM-BC.html"' in html and "lpip atlas datapack WM-BC" in html


@pytest.fixture
def pdf(session, demo, tmp_path):
    try:
        path = write_report(session, demo.workshop_id, tmp_path / "report.pdf")
    except MissingSystemLibrary as exc:
        pytest.skip(f"WeasyPrint cannot run here: {exc}")
    import pdfplumber

    with pdfplumber.open(path) as document:
        yield [(page.width, page.height, page.extract_text() or "", page.chars, page.rects) for page in document.pages]


def test_the_pdf_opens_with_the_one_page_summary(pdf):
    first = " ".join(pdf[0][2].split())
    for phrase in ("DEMONSTRATION (made-up data)", "Summary", "Who came.", "Top priorities.", "Opinion groups.",
                   "Points of consensus.", "Themes.", "The evidence."):
        assert phrase in first
    assert "Who came" in pdf[1][2] or "Workshops covered" in pdf[1][2]  # the sections start on page 2


def test_the_pdf_has_no_code_names(pdf):
    text = "\n".join(page[2] for page in pdf)
    found = {word for word in CODE_NAME.findall(text)}
    assert not found, found


def test_every_table_and_word_is_within_the_page(pdf):
    for width, height, _, chars, rects in pdf:
        assert chars
        assert min(c["x0"] for c in chars) >= 0 and max(c["x1"] for c in chars) <= width
        assert max(c["bottom"] for c in chars) <= height
        for rect in rects:
            assert rect["x0"] >= -0.5 and rect["x1"] <= width + 0.5


def test_fonts_are_at_least_seven_points(pdf):
    sizes = {round(c["size"], 1) for page in pdf for c in page[3]}
    assert min(sizes) >= MIN_POINTS


def test_html_is_written_and_other_file_types_refused(session, demo, tmp_path):
    html = write_report(session, demo.workshop_id, tmp_path / "report.html")
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    with pytest.raises(InvalidExport, match=r"\.html or \.pdf"):
        write_report(session, demo.workshop_id, tmp_path / "report.docx")


def test_the_synthesis_lists_come_from_the_priority_register_anonymised(session, demo, tmp_path):
    from lpip.synthesis.priorities import add_priority, override_kind

    named = add_priority(session, demo.workshop_id, "Demo Attendee 03 wants a depot shuttle")
    override_kind(session, named.id, "quick_win", "One operator can run it")
    html = write_report(session, demo.workshop_id, tmp_path / "report.html").read_text(encoding="utf-8")
    quick = re.search(r"<li>Quick wins: (.*?)</li>", html).group(1)
    assert re.search(r"\[person \d+\] wants a depot shuttle \(candidate\)", quick)
    assert "Demo Attendee 03" not in quick
