"""A workshop day in real browsers at phone size: create, capture, join, vote, go offline, attack.

Each phone is its own browser context (its own cookies). Every page is also checked for what a
phone user needs: labelled inputs, headings in order, no sideways scrolling at 375 px, buttons
at least 44 px high, a visible focus outline. No console errors are allowed (a CSP violation is
one), and no request may leave 127.0.0.1.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import set_walkin
from lpip.workshops.models import Contribution, HostLink, Participant, UserAccount, Vote, Workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "fac@example.org", "correct horse battery"
PERSON, ORGANISATION = "Gurpreet Kaur-Hollis", "Walsall Carers Network"
XSS = "<script>alert(1)</script>"
QUEUE = "JSON.parse(localStorage.getItem('lpip.queue.v1') || '[]')"

USABILITY = """() => {
  const problems = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
    const label = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (!label && !el.closest('label') && !el.getAttribute('aria-label')) {
      problems.push('no label: ' + el.outerHTML.slice(0, 80));
    }
  }
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) { problems.push('heading h' + level + ' after h' + last + ': ' + h.textContent.trim()); }
    last = level;
  }
  if (document.querySelectorAll('h1').length !== 1) { problems.push('not exactly one h1'); }
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) { problems.push('page is ' + width + 'px wide at ' + window.innerWidth + 'px'); }
  for (const b of document.querySelectorAll('main button')) {
    const box = b.getBoundingClientRect();
    if (box.height > 0 && box.height < 44) { problems.push('button "' + b.textContent.trim() + '" is ' + box.height + 'px high'); }
  }
  const focusable = document.querySelector('main button, main textarea, main input:not([type=hidden])');
  if (focusable) {
    focusable.focus();
    const style = getComputedStyle(focusable);
    if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) { problems.push('focus is not visible'); }
    focusable.blur();
  }
  return problems;
}"""


# ---- helpers ------------------------------------------------------------------------------------


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def check_usable(phone) -> None:
    problems = phone.page.evaluate(USABILITY) + phone.axe_violations()
    assert problems == [], f"{phone.page.url}: {problems}"


def assert_clean(*phones) -> None:
    for phone in phones:
        assert phone.unexpected_errors() == [], f"{phone.name}'s console: {phone.unexpected_errors()}"
        assert phone.foreign_requests() == [], f"{phone.name} left 127.0.0.1: {phone.foreign_requests()}"
        assert phone.dialogs == [], f"{phone.name} saw a dialog (script ran): {phone.dialogs}"


def notes_in_db(server, workshop_id: int) -> list[str]:
    engine = server.engine()
    try:
        with session_scope(engine) as s:
            return list(s.scalars(select(Contribution.text).where(
                Contribution.workshop_id == workshop_id, Contribution.kind == "note").order_by(Contribution.id)))
    finally:
        engine.dispose()


def count_in_db(server, model, *where) -> int:
    engine = server.engine()
    try:
        with session_scope(engine) as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        engine.dispose()


@pytest.fixture
def accounts(live_server):
    """A facilitator account on the server's database."""
    engine = live_server.engine()
    with session_scope(engine) as s:
        create_user(s, EMAIL, "Fran Facilitator", PASSWORD)
    engine.dispose()


@pytest.fixture
def running(live_server, accounts):
    """A workshop made through the library, round 1 and voting open, one registered attendee."""
    engine = live_server.engine()
    with session_scope(engine) as s:
        owner = s.scalar(select(UserAccount.id).where(UserAccount.email == EMAIL))
        workshop = create_workshop(s, "Care in Walsall", [RoundSpec("What would make caring easier?", 20)], tables=2,
                                   created_by=owner)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True)
        register_attendee(s, workshop.id, PERSON, "voluntary and community", organisation=ORGANISATION)
        set_walkin(s, workshop.id, True)  # the phones below join as walk-ins
        token = s.scalar(select(HostLink.token).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        found = dict(id=workshop.id, code=workshop.join_code, host=f"/t/{token}")
    engine.dispose()
    return found


def sign_in(phone) -> None:
    page = phone.page
    page.goto("/login")
    check_usable(phone)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workshops$"))


def join(phone, code: str) -> None:
    page = phone.page
    page.goto("/")
    page.get_by_label("Workshop code").fill(code)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/p$"))
    check_usable(phone)


def add_note(phone, text: str) -> None:
    phone.page.get_by_label("One idea per note").fill(text)
    phone.page.get_by_role("button", name="Add note").click()


# ---- the day ------------------------------------------------------------------------------------


def test_a_workshop_day_on_phones(live_server, accounts, phone):
    # A facilitator signs in and creates a workshop.
    facilitator = phone("facilitator")
    sign_in(facilitator)
    page = facilitator.page
    check_usable(facilitator)
    page.get_by_label("Title").fill("Getting to work in the Black Country")
    page.get_by_label("Number of tables").fill("3")
    page.get_by_label("Sub-region").select_option("WM-BC")
    page.get_by_label("Round 1 question").fill("What gets in the way of getting to work?")
    page.get_by_label("Round 2 question").fill("What would help most?")
    page.get_by_role("button", name="Create workshop").click()
    expect(page.locator("h1")).to_have_text("Getting to work in the Black Country")
    workshop_id = int(page.url.rsplit("/", 1)[1])
    code = page.locator("#join-code").inner_text()
    host_link = page.get_by_label("Table 1 host link").input_value()
    assert host_link.startswith(live_server.url + "/t/")
    page.get_by_role("button", name="Open round 1").click()
    page.get_by_role("button", name="Open statement voting").click()
    expect(page.locator("#round-1")).to_contain_text("open")
    check_usable(facilitator)
    facilitator.shot("01-workshop")

    # The dashboard is open; everything below must reach it without a reload.
    page.get_by_role("link", name="Live dashboard").click()
    expect(page.locator("#live-status")).to_contain_text("Live")
    page.evaluate("window.lpipNotReloaded = true")
    check_usable(facilitator)

    # A table host adds notes in round 1, one of them an attempted script.
    host = phone("host")
    host.page.goto(host_link)
    expect(host.page.locator("#question")).to_have_text("What gets in the way of getting to work?")
    check_usable(host)
    add_note(host, "The last bus leaves before the late shift ends")
    add_note(host, XSS)
    notes = host.page.locator("#notes-round-1 > li:not(.pending) .text")
    expect(notes).to_have_count(2)
    expect(notes.nth(1)).to_have_text(XSS)  # shown as text, not run
    host.shot("02-host-notes")

    feed = page.locator("#feed")
    expect(feed).to_contain_text("The last bus leaves before the late shift ends")
    expect(feed.locator("li .text", has_text="alert(1)")).to_have_text(XSS)
    expect(page.locator("#count-1-1")).to_have_text("2")
    assert page.evaluate("window.lpipNotReloaded") is True
    assert feed.locator("script").count() == 0

    # Two participants join with the code, add statements and vote on each other's.
    alice, bilal = phone("participant-a"), phone("participant-b")
    for person, statement in ((alice, "Employers should pay for late taxis"), (bilal, "Car shares need a safe meeting point")):
        join(person, code)
        person.page.get_by_label("Your statement").fill(statement)
        person.page.get_by_role("button", name="Add statement").click()
        expect(person.page.locator("#my-statements > li:not(.pending)")).to_have_text([statement])
    for person, other, vote in ((alice, "Car shares need a safe meeting point", "Agree"),
                                (bilal, "Employers should pay for late taxis", "Disagree")):
        person.page.goto("/p")
        expect(person.page.locator("#vote-statement")).to_have_text(other)
        person.page.get_by_role("button", name=vote, exact=True).click()
        expect(person.page.locator("#vote-card")).to_contain_text("Vote saved")
        expect(person.page.locator("#vote-done")).to_be_visible()
        person.shot("03-voted")
    assert count_in_db(live_server, Vote) == 2
    assert count_in_db(live_server, Participant, Participant.workshop_id == workshop_id) == 2
    expect(feed).to_contain_text("Employers should pay for late taxis")
    expect(feed).to_contain_text("Car shares need a safe meeting point")
    assert page.evaluate("window.lpipNotReloaded") is True
    facilitator.shot("04-dashboard")

    # The statements list (pol.is style, all at once) is usable too.
    alice.page.get_by_role("link", name="See every statement as a list").click()
    expect(alice.page.locator("#statement-list")).to_contain_text("Your vote: agree")
    check_usable(alice)

    # The harvest: the facilitator lists a priority and opens the dot vote; a participant spends dots.
    page.goto(f"/workshops/{workshop_id}")
    page.get_by_label("A priority for the dot vote").fill("Late-night buses to the industrial estates")
    page.get_by_role("button", name="Add priority").click()
    page.get_by_role("button", name="Open the harvest dot vote").click()
    expect(page.locator("#priorities")).to_contain_text("Late-night buses to the industrial estates")
    alice.page.goto("/p")
    alice.page.get_by_label("Late-night buses to the industrial estates").fill("3")
    alice.page.get_by_role("button", name="Save my dots").click()
    expect(alice.page.locator("#harvest")).to_contain_text("you have spent 3")
    check_usable(alice)
    alice.shot("05-harvest")
    page.reload()
    expect(page.locator("#priorities")).to_contain_text("3 dots")

    assert notes_in_db(live_server, workshop_id) == ["The last bus leaves before the late shift ends", XSS]
    assert_clean(facilitator, host, alice, bilal)


def test_notes_written_offline_arrive_exactly_once(live_server, running, phone):
    host = phone("host-offline")
    page = host.page
    page.goto(running["host"])
    expect(page.locator("#question")).to_be_visible()

    host.context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False
    add_note(host, "Respite care is booked up for months")
    add_note(host, "Carers do not know what they are entitled to")
    pending = page.locator("#notes-round-1 > li.pending")
    expect(pending).to_have_count(2)
    expect(pending.first).to_contain_text("waiting to send")
    expect(page.locator("[data-queue-status]")).to_contain_text("offline")
    assert [item["text"] for item in page.evaluate(QUEUE)] == [
        "Respite care is booked up for months", "Carers do not know what they are entitled to"]
    assert notes_in_db(live_server, running["id"]) == []
    check_usable(host)
    host.shot("06-offline")

    host.context.set_offline(False)
    expect(pending).to_have_count(0)
    expect(page.locator("#notes-round-1 > li .text")).to_have_text(
        ["Respite care is booked up for months", "Carers do not know what they are entitled to"])
    assert page.evaluate(QUEUE) == []
    assert notes_in_db(live_server, running["id"]) == [
        "Respite care is booked up for months", "Carers do not know what they are entitled to"]
    host.shot("07-back-online")

    # The server stores a note but its answer is lost: the page sends it again, and the
    # repeated client id stores nothing new.
    lost = []

    def lose_the_answer(route):
        lost.append(json.loads(route.request.post_data)["client_id"])
        route.fetch()  # the server does receive and store it
        route.abort("connectionreset")

    page.route("**/t/*/notes", lose_the_answer)
    host.allow_error("net::ERR_CONNECTION_RESET")
    with page.expect_event("requestfailed"):
        add_note(host, "Nobody asks carers what they need")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("waiting to send")
    assert notes_in_db(live_server, running["id"]).count("Nobody asks carers what they need") == 1
    page.unroute("**/t/*/notes")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as when the connection returns
    expect(pending).to_have_count(0)
    assert lost and page.evaluate(QUEUE) == []
    assert notes_in_db(live_server, running["id"]).count("Nobody asks carers what they need") == 1
    assert count_in_db(live_server, Contribution, Contribution.workshop_id == running["id"]) == 3
    assert_clean(host)


def test_a_participant_cannot_reach_facilitator_pages_or_names(live_server, running, phone):
    participant = phone("participant-snooping")
    join(participant, running["code"])
    page = participant.page
    for path in ("/workshops", f"/workshops/{running['id']}", f"/workshops/{running['id']}/attendees",
                 f"/workshops/{running['id']}/dashboard"):
        participant.allow_error("status of 403")
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.locator("h1")).to_have_text("Not allowed")
        assert PERSON not in page.content() and ORGANISATION not in page.content()
    participant.shot("08-forbidden")
    # Nor through the JSON API, whatever it offers (the same cookies as the page).
    for path in ("/api/v1/workshops", f"/api/v1/workshops/{running['id']}", f"/api/v1/workshops/{running['id']}/attendees"):
        response = page.request.get(path)
        assert PERSON not in response.text() and ORGANISATION not in response.text(), path
        if path.endswith("/attendees"):
            assert response.status in (401, 403, 404), response.status
    page.goto("/p")
    assert PERSON not in page.content()
    assert_clean(participant)


def test_a_demonstration_workshop_says_so_on_every_page(live_server, accounts, phone):
    engine = live_server.engine()
    with session_scope(engine) as s:
        owner = s.scalar(select(UserAccount.id).where(UserAccount.email == EMAIL))
        demo = create_workshop(s, "Demo: green spaces", [RoundSpec("Which parks need care?")], tables=2, is_demo=True,
                               created_by=owner)
        open_round(s, demo.id, 1)
        set_voting(s, demo.id, voting_open=True)
        token = s.scalar(select(HostLink.token).where(HostLink.workshop_id == demo.id, HostLink.table_number == 1))
        demo_id, code = demo.id, demo.join_code
    engine.dispose()
    facilitator, participant = phone("facilitator-demo"), phone("participant-demo")
    sign_in(facilitator)
    join(participant, code)
    for who, path in ((facilitator, f"/workshops/{demo_id}"), (facilitator, f"/workshops/{demo_id}/dashboard"),
                      (facilitator, f"/workshops/{demo_id}/attendees"), (facilitator, f"/t/{token}"),
                      (participant, "/p"), (participant, "/p/statements")):
        who.page.goto(path)
        expect(who.page.locator(".demo-banner")).to_contain_text("DEMONSTRATION: made-up data")
        check_usable(who)
    facilitator.page.goto(f"/workshops/{demo_id}")
    facilitator.shot("09-demo")
    assert count_in_db(live_server, Workshop, Workshop.is_demo.is_(True)) == 1
    assert_clean(facilitator, participant)


def test_a_refused_vote_says_why_in_the_page(live_server, running, phone):
    from lpip.workshops.capture import add_statement, join_workshop

    engine = live_server.engine()
    with session_scope(engine) as s:
        add_statement(s, join_workshop(s, running["code"]), "Carers need a break every week", "refused-vote-01")
    participant = phone("participant-late")
    join(participant, running["code"])
    expect(participant.page.locator("#vote-statement")).to_have_text("Carers need a break every week")
    with session_scope(engine) as s:
        set_voting(s, running["id"], voting_open=False)  # the facilitator closes voting meanwhile
    engine.dispose()
    participant.allow_error("status of 409")
    participant.page.get_by_role("button", name="Agree", exact=True).click()
    expect(participant.page.locator("#capture-error")).to_contain_text("Voting is not open")
    expect(participant.page.locator("#vote-statement")).to_be_visible()  # the card is still there
    assert count_in_db(live_server, Vote) == 0
    assert_clean(participant)


def test_the_api_documentation_page_works_offline_within_the_csp(live_server, phone):
    reader = phone("api-docs")
    reader.page.goto("/api/v1/docs")
    expect(reader.page.locator(".swagger-ui .info .title")).to_contain_text("lpip")
    expect(reader.page.locator(".opblock-summary-path", has_text="/api/v1/join").first).to_be_visible()
    reader.shot("api-docs")
    assert_clean(reader)  # no CSP violation, nothing fetched from elsewhere


def test_someone_elses_workshop_is_not_found_and_deleting_asks_for_the_title(live_server, accounts, running, phone):
    engine = live_server.engine()
    with session_scope(engine) as s:
        create_user(s, "other@example.org", "Olu Other", PASSWORD)
    engine.dispose()
    other = phone("other-facilitator")
    page = other.page
    page.goto("/login")
    page.get_by_label("Email").fill("other@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workshops$"))
    assert "Care in Walsall" not in page.content()
    other.allow_error("404")
    response = page.goto(f"/workshops/{running['id']}")
    assert response.status == 404 and PERSON not in page.content()

    owner = phone("owner")
    sign_in(owner)
    owner.page.goto(f"/workshops/{running['id']}")
    owner.page.get_by_role("link", name="Delete this workshop…").click()
    check_usable(owner)
    owner.page.get_by_label(re.compile("Type the workshop's title")).fill("Care in Wolverhampton")
    owner.page.get_by_role("button", name="Delete the workshop and everything in it").click()
    expect(owner.page.locator(".error")).to_contain_text("type its title exactly")
    owner.allow_error("422")
    owner.page.get_by_label(re.compile("Type the workshop's title")).fill("Care in Walsall")
    owner.page.get_by_role("button", name="Delete the workshop and everything in it").click()
    expect(owner.page.locator("[role=status]")).to_contain_text("deleted")
    assert_clean(other, owner)
    engine = live_server.engine()
    with session_scope(engine) as s:
        assert s.get(Workshop, running["id"]) is None
    engine.dispose()
