"""Pages at phone size in Debian's Chromium: the coding page one contribution at a time with tick
boxes beside their labels, the seating plan, a captive portal's HTML answer keeping a note queued,
and axe-core (vendored from npm, injected by the tests) finding no serious or critical problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import import_attendees
from lpip.workshops.capture import add_note, join_workshop, set_walkin
from lpip.workshops.models import Contribution, HostLink
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "fac@example.org", "correct horse battery"
QUEUE = "JSON.parse(localStorage.getItem('lpip.queue.v1') || '[]')"
ATTENDEES = Path(__file__).resolve().parents[1] / "data" / "workshops" / "attendees_40.csv"
NOTES = ["Buses stop at 7pm so evening shifts are out of reach", "Childcare closes before shifts end",
         "Nobody tells you which training is funded"]


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def workshop(live_server):
    """A planned workshop with three host notes, owned by the facilitator."""
    engine = live_server.engine()
    with session_scope(engine) as s:
        owner = create_user(s, EMAIL, "Fran Facilitator", PASSWORD).id
        made = create_workshop(s, "Getting to work", [RoundSpec("What gets in the way?"), RoundSpec("What helps?")],
                               tables=8, created_by=owner)
        open_round(s, made.id, 1)
        link = s.scalar(select(HostLink).where(HostLink.workshop_id == made.id, HostLink.table_number == 1))
        for i, text in enumerate(NOTES):
            add_note(s, link, text, f"browser-note-{i:03d}")
        import_attendees(s, made.id, ATTENDEES)
        plan_workshop(s, made.id, seed=0, iterations=200)
        set_walkin(s, made.id, True)  # attendees are registered: the phones below join as walk-ins
        join_workshop(s, made.join_code)
        found = dict(id=made.id, code=made.join_code, host=f"/t/{link.token}")
    engine.dispose()
    return found


def sign_in(phone) -> None:
    page = phone.page
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workshops$"))


def no_axe_problems(phone) -> None:
    problems = phone.axe_violations()
    assert problems == [], f"{phone.page.url}: {problems}"


def notes_in_db(server, workshop_id: int) -> int:
    engine = server.engine()
    try:
        with session_scope(engine) as s:
            return s.scalar(select(func.count()).select_from(Contribution).where(Contribution.workshop_id == workshop_id))
    finally:
        engine.dispose()


def test_axe_finds_a_planted_problem(live_server, workshop, phone):
    # The check can fail: an image without alternative text is a critical violation.
    reader = phone("axe-check")
    reader.page.goto("/login")
    no_axe_problems(reader)
    reader.page.evaluate("() => { const i = document.createElement('img'); i.src = 'data:,'; document.querySelector('main').append(i); }")
    assert any(problem.startswith("image-alt (critical)") for problem in reader.axe_violations())


def test_the_coding_page_shows_one_contribution_at_a_time_with_boxes_beside_labels(live_server, workshop, phone):
    analyst = phone("coder")
    sign_in(analyst)
    page = analyst.page
    page.goto(f"/workshops/{workshop['id']}/coding")
    items = page.locator("#coding-list > li")
    expect(items).to_have_count(3)
    expect(page.locator("#coding-list > li:visible")).to_have_count(1)
    expect(page.locator("#coding-position")).to_have_text("Contribution 1 of 3")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    expect(page.locator("#coding-list > li:visible .text")).to_have_text(NOTES[0])
    # Each tick box sits to the left of its label's text, on the same line.
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('#coding-list > li:not([hidden]) label.check')).map(l => {
        const box = l.querySelector('input').getBoundingClientRect(), text = l.querySelector('span').getBoundingClientRect();
        return [box.right <= text.left, box.top < text.bottom && box.bottom > text.top, box.width >= 20];
    })""")
    assert boxes and all(all(checks) for checks in boxes), boxes
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 8000, f"the coding page is {height}px tall on a phone"
    no_axe_problems(analyst)
    analyst.shot("20-coding-phone")

    page.get_by_role("button", name="Next").click()
    expect(page.locator("#coding-position")).to_have_text("Contribution 2 of 3")
    expect(page.locator("#coding-list > li:visible .text")).to_have_text(NOTES[1])
    # Saving goes on to the next contribution.
    visible = page.locator("#coding-list > li:visible")
    visible.locator("label.check").first.click()
    visible.get_by_role("button", name="Save codes").click()
    expect(page.locator("#coding-position")).to_have_text("Contribution 3 of 3")
    expect(page.locator("#progress")).to_have_text("1 of 3 coded")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("#coding-list > li:visible")).to_contain_text("coded")
    assert analyst.unexpected_errors() == []


def test_the_seating_plan_and_other_facilitator_pages_pass_axe(live_server, workshop, phone):
    facilitator = phone("plan")
    sign_in(facilitator)
    page = facilitator.page
    for path in (f"/workshops/{workshop['id']}/plan", f"/workshops/{workshop['id']}/attendees",
                 f"/workshops/{workshop['id']}/delete", f"/workshops/{workshop['id']}/dashboard"):
        page.goto(path)
        no_axe_problems(facilitator)
    page.goto(f"/workshops/{workshop['id']}/plan")
    expect(page.locator("#seating tbody tr")).to_have_count(40)
    page.get_by_label("Test Attendee 12 is not here").check()
    page.get_by_label("Test Attendee 13 is not here").check()
    page.get_by_role("button", name="Re-plan").click()
    expect(page.locator("#replanned")).to_contain_text("everyone else keeps their table")
    no_axe_problems(facilitator)
    facilitator.shot("21-plan-phone")
    assert facilitator.unexpected_errors() == []


def test_participant_pages_pass_axe(live_server, workshop, phone):
    person = phone("participant-axe")
    person.page.goto("/")
    no_axe_problems(person)
    person.page.get_by_label("Workshop code").fill(workshop["code"])
    person.page.get_by_role("button", name="Join").click()
    person.page.wait_for_url(re.compile(r"/p$"))
    for path in ("/p", "/p/statements", "/p/follow-ups"):
        person.page.goto(path)
        no_axe_problems(person)


def test_a_captive_portal_answer_keeps_the_note_queued(live_server, workshop, phone):
    host = phone("host-portal")
    page = host.page
    page.goto(workshop["host"])
    expect(page.locator("#question")).to_be_visible()
    no_axe_problems(host)
    before = notes_in_db(live_server, workshop["id"])
    portal = []

    def sign_in_page(route):
        portal.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8",
                      body="<!doctype html><title>Venue wifi</title><p>Accept the terms to continue</p>")

    page.route("**/t/*/notes", sign_in_page)
    page.get_by_label("One idea per note").fill("Respite care is booked up for months")
    page.get_by_role("button", name="Add note").click()
    pending = page.locator("#notes-round-1 > li.pending")
    expect(pending).to_have_count(1)
    page.wait_for_function("() => document.querySelector('[data-queue-status]').textContent.includes('web page')")
    assert portal, "the note was never sent to the portal"
    expect(pending).to_contain_text("waiting to send")
    assert [item["text"] for item in page.evaluate(QUEUE)] == ["Respite care is booked up for months"]
    assert notes_in_db(live_server, workshop["id"]) == before
    host.shot("22-captive-portal")

    page.unroute("**/t/*/notes")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as when the wifi lets the phone through
    expect(pending).to_have_count(0)
    expect(page.locator("#notes-round-1 > li .text").last).to_have_text("Respite care is booked up for months")
    assert page.evaluate(QUEUE) == []
    assert notes_in_db(live_server, workshop["id"]) == before + 1
    assert host.unexpected_errors() == []
