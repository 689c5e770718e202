"""The workshop day at phone size: a personal QR join through to the dashboard, round changes
reaching the host without a reload, closing needing confirmation, and the room map after voting,
changing on the phone without a reload when others vote.

The room around the phone is made up (test data: :data:`MADE_UP_ROOM_STATEMENTS` in conftest).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from test_workshop_browser import EMAIL, PASSWORD, assert_clean, check_usable, expect, sign_in

from lpip.db import session_scope
from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.models import Attendee, HostLink, Workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

pytestmark = pytest.mark.slow

WAIT = 10_000  # ms a live update may take on a loaded test machine (the stream polls every second)
# The marks drawn on the opinion map (one closed sub-path each in a group's path).
MARKS = """() => [...document.querySelectorAll('#room-picture path.marks')]
  .reduce((n, p) => n + (p.getAttribute('d').match(/M/g) || []).length, 0)"""


@pytest.fixture
def day(live_server, made_up_room):
    """A MADE-UP workshop with two rounds, round 1 and voting open, one registered attendee with a
    personal code, and 14 made-up participants who have voted on 10 made-up statements."""
    engine = live_server.engine()
    with session_scope(engine) as s:
        owner = create_user(s, EMAIL, "Fran Facilitator", PASSWORD)
        workshop = create_workshop(s, "MADE-UP day in Dudley", [RoundSpec("What gets in the way?", 20),
                                   RoundSpec("What would help most?", 20)], tables=2, created_by=owner.id)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True)
        made_up_room(s, workshop.id, people=14)  # walk-ins, before the registration sets a cap
        register_attendee(s, workshop.id, "Made-Up Attendee", "public", organisation="MADE-UP Council")
        code = s.scalar(select(Attendee.join_code).where(Attendee.workshop_id == workshop.id))
        token = s.scalar(select(HostLink.token).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        found = dict(id=workshop.id, personal=code, host=f"/t/{token}")
    engine.dispose()
    return found


@pytest.fixture
def quick_room_map(monkeypatch):
    """Phones ask for the room map every second (LPIP_ROOM_MAP_SECONDS), not every ten: ask for this
    before ``live_server``, which passes the environment to the server."""
    monkeypatch.setenv("LPIP_ROOM_MAP_SECONDS", "1")


def _more_attendees(server, workshop_id: int, people: int) -> list[str]:
    """Register made-up attendees; their personal join codes."""
    engine = server.engine()
    try:
        with session_scope(engine) as s:
            made = [register_attendee(s, workshop_id, f"Made-Up Latecomer {i}", "resident") for i in range(people)]
            s.flush()
            return [a.join_code for a in made]
    finally:
        engine.dispose()


def _join_and_vote_through_the_api(phone, code: str) -> None:
    """Another participant joins with their personal code and votes on every statement through the
    JSON API, as the first camp of the made-up room: agree with the first four, disagree with the
    next four, agree with the two everyone agrees with."""
    api = phone.context.request
    joined = api.post("/api/v1/join", data={"code": code, "consent_archive": False})
    assert joined.status == 201, joined.text()
    token = {"X-Participant-Token": joined.json()["participant_token"]}
    statements = sorted(s["id"] for s in api.get("/api/v1/statements", headers=token).json())
    assert len(statements) == 10
    for i, statement in enumerate(statements):
        vote = "disagree" if 4 <= i < 8 else "agree"
        answer = api.post("/api/v1/votes", data={"statement_id": statement, "vote": vote}, headers=token)
        assert answer.ok, answer.text()


def _status(server, workshop_id: int) -> str:
    engine = server.engine()
    try:
        with session_scope(engine) as s:
            return s.get(Workshop, workshop_id).status
    finally:
        engine.dispose()


def test_personal_qr_join_consent_vote_reaches_the_dashboard_and_the_map_appears(live_server, day, phone):
    facilitator = phone("facilitator")
    sign_in(facilitator)
    dash = facilitator.page
    dash.goto(f"/workshops/{day['id']}/dashboard")
    expect(dash.locator("#live-status")).to_contain_text("Live", timeout=WAIT)
    dash.evaluate("window.lpipNotReloaded = true")

    person = phone("person")
    page = person.page
    page.goto(f"/join?code={day['personal']}")  # what the table card's QR code opens
    check_usable(person)
    expect(page.get_by_label(re.compile("personal code"))).to_have_value(day["personal"])
    page.get_by_label("Yes, they may be archived").check()
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/p$"))
    check_usable(person)
    expect(page.locator("#room-map")).to_contain_text("Not enough votes yet", timeout=WAIT)

    statement_id = page.locator('#vote-card input[name="statement_id"]').input_value()
    row = dash.locator(f'#tallies tr[data-statement="{statement_id}"] .agree')
    before = int(row.inner_text())
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("#vote-card")).to_contain_text("Vote saved")
    expect(row).to_have_text(str(before + 1), timeout=WAIT)
    assert dash.evaluate("window.lpipNotReloaded") is True

    for _ in range(2):
        card = page.locator('#vote-card input[name="statement_id"]')
        shown = card.input_value()
        page.get_by_role("button", name="Disagree", exact=True).click()
        expect(card).not_to_have_value(shown)  # the next statement: this vote was saved
    groups = page.locator("#room-groups > li")
    expect(groups.first).to_be_visible(timeout=WAIT)
    assert groups.count() >= 2
    expect(page.locator("#room-map")).to_contain_text("MADE-UP: step-free stations")
    check_usable(person)
    person.shot("day-room-map")

    projector = phone("projector")
    projector.context.add_cookies(facilitator.context.cookies())
    projector.page.goto(f"/workshops/{day['id']}/projector")
    expect(projector.page.locator("#room-groups > li").first).to_be_visible(timeout=WAIT)
    assert_clean(person, facilitator, projector)


def test_round_two_reaches_the_host_page_without_a_reload(live_server, day, phone):
    host = phone("host")
    host.page.goto(day["host"])
    expect(host.page.locator("#question")).to_have_text("What gets in the way?")
    host.page.evaluate("window.lpipNotReloaded = true")
    notice = host.page.locator("#round-changed")
    expect(notice).to_be_hidden()

    facilitator = phone("facilitator")
    sign_in(facilitator)
    facilitator.page.goto(f"/workshops/{day['id']}")
    facilitator.page.get_by_role("button", name="Open round 2").click()
    expect(facilitator.page.locator("#round-2")).to_contain_text("open")

    expect(notice).to_be_visible(timeout=WAIT)
    expect(notice).to_contain_text("Round 2 is open now: What would help most?")
    assert host.page.evaluate("window.lpipNotReloaded") is True
    check_usable(host)
    assert_clean(host, facilitator)


def test_closing_the_workshop_needs_a_second_step(live_server, day, phone):
    facilitator = phone("facilitator")
    sign_in(facilitator)
    page = facilitator.page
    page.goto(f"/workshops/{day['id']}")
    page.get_by_role("button", name="Close the workshop…").click()
    expect(page.locator("#confirm-close")).to_be_visible()
    assert _status(live_server, day["id"]) == "open"  # one click closes nothing
    check_usable(facilitator)
    page.get_by_role("button", name="Yes, close the workshop").click()
    expect(page.locator("#confirm-close")).to_have_count(0)
    assert _status(live_server, day["id"]) == "closed"
    assert_clean(facilitator)


def test_the_opinion_map_changes_on_the_phone_when_others_vote(quick_room_map, live_server, day, phone):
    person = phone("person")
    page = person.page
    page.goto(f"/join?code={day['personal']}")
    page.get_by_label("No, keep them out of the archive").check()
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/p$"))
    for _ in range(3):
        card = page.locator('#vote-card input[name="statement_id"]')
        shown = card.input_value()
        page.get_by_role("button", name="Agree", exact=True).click()
        expect(card).not_to_have_value(shown)
    # The 14 made-up people and this phone have voted; the map shows them, and this phone as "You".
    summary = page.locator("#room-map-body > p").first
    expect(summary).to_contain_text("15 people have cast", timeout=WAIT)
    picture = page.locator("#room-picture svg")
    expect(picture).to_be_visible()
    expect(page.locator("#room-picture-you")).to_contain_text("You")
    before = page.evaluate(MARKS)
    assert before >= 14
    check_usable(person)  # axe-core on the page with the map drawn
    person.shot("day-room-map-before")
    page.evaluate("window.lpipNotReloaded = true")

    # Three latecomers join and vote from their own phones, through the API.
    others = phone("others")
    for code in _more_attendees(live_server, day["id"], 3):
        _join_and_vote_through_the_api(others, code)

    expect(summary).to_contain_text("18 people have cast", timeout=WAIT)
    page.wait_for_function(f"() => ({MARKS})() === {before + 3}", timeout=WAIT)
    expect(page.locator("#room-picture-you")).to_contain_text("You")
    assert page.evaluate("window.lpipNotReloaded") is True
    check_usable(person)
    person.shot("day-room-map-after")

    facilitator = phone("facilitator")
    sign_in(facilitator)
    facilitator.page.goto(f"/workshops/{day['id']}/projector")
    expect(facilitator.page.locator("#room-picture svg")).to_be_visible(timeout=WAIT)
    assert facilitator.page.evaluate(MARKS) == before + 3
    expect(facilitator.page.locator("#room-picture-you")).to_have_count(0)
    check_usable(facilitator)
    assert_clean(person, others, facilitator)
