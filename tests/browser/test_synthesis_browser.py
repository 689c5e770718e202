"""The synthesis pages in headless Chromium at phone size: a facilitator drafts priorities from
the demonstration workshop, links a suggested indicator, overrides the triage with a reason,
agrees a priority and merges two; a script in a title stays text; a participant is refused.
No console errors, no request leaving 127.0.0.1, every page usable on a phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from test_workshop_browser import assert_clean, check_usable, expect

from lpip.db import session_scope
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import add_priority, links_of
from lpip.workshops.access import add_member
from lpip.workshops.accounts import create_user
from lpip.workshops.models import UserAccount, Workshop
from lpip.workshops.demo import load_demo

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "synth@example.org", "correct horse battery staple"
XSS = "<script>alert(1)</script>"


@pytest.fixture
def demo(live_server):
    """The made-up demonstration workshop, a priority whose title holds a script, and a facilitator."""
    engine = live_server.engine()
    with session_scope(engine) as s:
        made = load_demo(s, seed=0)
        create_user(s, EMAIL, "Sam Synthesis", PASSWORD)
        # The demonstration's owner lets Sam run it (workshops are their owners' and members').
        add_member(s, made.workshop_id, EMAIL, s.get(UserAccount, s.get(Workshop, made.workshop_id).created_by))
        add_priority(s, made.workshop_id, f"(demo) Buses {XSS}")
        found = dict(workshop_id=made.workshop_id, join_code=made.join_code)
    engine.dispose()
    return found


def _sign_in(phone) -> None:
    page = phone.page
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workshops$"))


def _priority_id(live_server, title: str) -> int:
    engine = live_server.engine()
    with session_scope(engine) as s:
        found = s.scalar(select(Priority.id).where(Priority.title == title, Priority.status != "merged"))
    engine.dispose()
    return found


def test_from_candidates_to_an_agreed_priority_on_a_phone(live_server, demo, phone):
    facilitator = phone("facilitator")
    _sign_in(facilitator)
    page = facilitator.page
    page.goto(f"/workshops/{demo['workshop_id']}")
    page.get_by_role("link", name="Priorities").click()
    expect(page.locator("h1")).to_have_text("Priorities")
    expect(page.locator(".demo-banner")).to_contain_text("DEMONSTRATION (made-up data)")
    check_usable(facilitator)

    page.get_by_role("button", name="Draft candidates").click()
    listed = page.locator("#priorities")
    expect(listed).to_contain_text("(demo) Better evening and weekend buses")
    expect(listed.locator("a", has_text="alert(1)")).to_contain_text(XSS)  # shown as text
    assert listed.locator("script").count() == 0
    check_usable(facilitator)
    facilitator.shot("synthesis-01-candidates")

    page.get_by_role("link", name=re.compile(r"\(demo\) Better evening and weekend buses")).click()
    expect(page.locator("h1")).to_have_text("(demo) Better evening and weekend buses")
    check_usable(facilitator)
    page.locator('#suggestions button[data-indicator="travel_time_public_transport"]').click()
    expect(page.locator("#links")).to_contain_text("travel_time_public_transport")
    expect(page.locator("#judgements")).to_contain_text(re.compile(r"Travel time\b.*\bby public transport"))

    page.get_by_label("Kind").select_option("quick_win")
    page.get_by_label("Reason (recorded with the override)").fill("The bus operator can extend the timetable")
    page.get_by_role("button", name="Save the kind").click()
    expect(page.locator("#kind")).to_have_text("quick win")
    expect(page.locator("#triage")).to_contain_text("The bus operator can extend the timetable")

    page.get_by_role("button", name="Agree").click()
    expect(page.locator("#status")).to_have_text("agreed")
    check_usable(facilitator)
    facilitator.shot("synthesis-02-priority")

    priority_id = _priority_id(live_server, "(demo) Better evening and weekend buses")
    engine = live_server.engine()
    with session_scope(engine) as s:
        assert links_of(s, [priority_id])["indicator_id"].tolist() == ["travel_time_public_transport"]
        stored = s.get(Priority, priority_id)
        assert (stored.status, stored.status_by, stored.kind_override) == ("agreed", EMAIL, "quick_win")
    engine.dispose()

    page.goto("/priorities")
    page.get_by_label(re.compile(r"Select priority \d+ to merge")).first.check()
    page.get_by_label(re.compile(r"Select priority \d+ to merge")).nth(1).check()
    page.get_by_label("Title of the merged priority (optional)").fill("(demo) Getting to work")
    page.get_by_role("button", name="Merge the ticked priorities").click()
    expect(page.locator("h1")).to_have_text("(demo) Getting to work")
    check_usable(facilitator)
    assert_clean(facilitator)


def test_a_participant_cannot_open_the_synthesis_pages(live_server, demo, phone):
    participant = phone("participant")
    page = participant.page
    page.goto("/")
    page.get_by_label("Workshop code").fill(demo["join_code"])
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"/p$"))
    participant.allow_error("403")
    response = page.goto(f"/workshops/{demo['workshop_id']}/priorities")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("for workshop facilitators")
    assert_clean(participant)
