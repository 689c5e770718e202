"""Facilitators' synthesis pages: role checks, CSRF, escaping, and each action on the real database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import add_priority, add_source, links_of
from lpip.workshops.accounts import create_user
from lpip.workshops.capture import add_note, join_workshop
from lpip.workshops.models import HostLink
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

PASSWORD = "a long test password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
XSS = "<script>alert(1)</script>"


def sessions(app):
    return app.state.sessions()


@pytest.fixture
def owner(app) -> int:
    """Fran, the facilitator who creates the workshop (workshops are their owners' and members')."""
    with sessions(app) as s, s.begin():
        return create_user(s, "fac@example.org", "Fran Facilitator", PASSWORD).id


@pytest.fixture
def workshop(app, owner):
    with sessions(app) as s, s.begin():
        workshop = create_workshop(s, "Synthesis pages", [RoundSpec("What matters?")], tables=2, subregion_code="WM-BC",
                                   created_by=owner)
        open_round(s, workshop.id, 1)
        link = s.scalar(select(HostLink).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        for i, text in enumerate(["Buses stop at 7pm so evening shifts are out of reach",
                                  "Bus timetables do not fit shift patterns", "Evening buses are too few"]):
            add_note(s, link, text, f"synthesis-note-{i}")
        priority = add_priority(s, workshop.id, f"Evening buses {XSS}", "For shift workers")
        note, _ = add_note(s, link, f"Sam Example said {XSS}", "synthesis-note-x")
        add_source(s, priority.id, note.id, "by hand")
        return workshop.id, workshop.join_code, priority.id


@pytest.fixture
def facilitator(app, client, owner):
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": "fac@example.org", "password": PASSWORD, "csrf_token": token})
    return token


def token_of(client, url: str) -> str:
    return CSRF.search(client.get(url).text).group(1)


def priority(app, priority_id: int) -> Priority:
    with sessions(app) as s:
        found = s.get(Priority, priority_id)
        s.expunge(found)
        return found


@pytest.mark.parametrize("url", ["/priorities", "/workshops/{w}/priorities", "/priorities/{p}"])
def test_anonymous_visitors_and_participants_are_refused(app, client, workshop, url):
    workshop_id, code, priority_id = workshop
    url = url.format(w=workshop_id, p=priority_id)
    assert client.get(url).status_code == 403
    with sessions(app) as s, s.begin():
        join_workshop(s, code)
    assert client.get(url).status_code == 403
    assert client.post(f"/priorities/{priority_id}/status", data={"status": "agreed"}).status_code == 403
    assert priority(app, priority_id).status == "candidate"


def test_pages_escape_what_people_wrote(client, facilitator, workshop):
    workshop_id, _, priority_id = workshop
    for url in (f"/workshops/{workshop_id}/priorities", f"/priorities/{priority_id}", "/priorities"):
        page = client.get(url)
        assert page.status_code == 200
        assert XSS not in page.text and "&lt;script&gt;" in page.text


def test_quotes_on_the_page_are_anonymised(app, client, facilitator, workshop):
    _, _, priority_id = workshop
    with sessions(app) as s, s.begin():
        from lpip.workshops.attendees import register_attendee

        register_attendee(s, workshop[0], "Sam Example", "public")
    page = client.get(f"/priorities/{priority_id}").text
    assert re.search(r"\[person \d+\] said", page) and "Sam Example" not in page


def test_a_forged_token_changes_nothing(app, client, facilitator, workshop):
    _, _, priority_id = workshop
    response = client.post(f"/priorities/{priority_id}/status", data={"status": "agreed", "csrf_token": "forged"})
    assert response.status_code == 403
    response = client.post(f"/priorities/{priority_id}/links", data={"indicator": "imd_score", "csrf_token": "forged"})
    assert response.status_code == 403
    assert priority(app, priority_id).status == "candidate"
    with sessions(app) as s:
        assert links_of(s, [priority_id]).empty


def test_agree_drop_link_and_override_through_the_pages(app, client, facilitator, workshop):
    _, _, priority_id = workshop
    url = f"/priorities/{priority_id}"
    token = token_of(client, url)
    assert client.post(f"{url}/status", data={"status": "agreed", "csrf_token": token},
                       follow_redirects=False).status_code == 303
    found = priority(app, priority_id)
    assert (found.status, found.status_by) == ("agreed", "fac@example.org")
    refused = client.post(f"{url}/status", data={"status": "dropped", "reason": "", "csrf_token": token})
    assert refused.status_code == 422 and "Give the reason" in refused.text
    assert priority(app, priority_id).status == "agreed"
    client.post(f"{url}/links", data={"indicator": "imd_score", "csrf_token": token})
    page = client.get(url).text
    assert 'id="verdict">supported' in page
    client.post(f"{url}/triage", data={"kind": "quick_win", "reason": "The operator can act", "csrf_token": token})
    page = client.get(url).text
    assert 'id="kind">quick win' in page and "The operator can act" in page and "the rule says" in page
    client.post(f"{url}/triage", data={"kind": "rule", "csrf_token": token})
    assert priority(app, priority_id).kind_override is None


def test_draft_and_merge_through_the_pages(app, client, facilitator, workshop):
    workshop_id, _, first = workshop
    url = f"/workshops/{workshop_id}/priorities"
    token = token_of(client, url)
    assert client.post(f"{url}/draft", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    page = client.get(url).text
    ids = sorted(int(i) for i in re.findall(r'name="priority_id" value="(\d+)"', page))
    assert len(ids) >= 2 and first in ids  # the coded bus notes make a candidate beside the one added
    response = client.post("/priorities/merge", data={"priority_id": ids[:2], "title": "Buses", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    merged = int(response.headers["location"].rsplit("/", 1)[1])
    assert priority(app, merged).title == "Buses" and priority(app, ids[0]).status == "merged"


def test_a_suggestion_is_offered_not_applied(app, client, facilitator, workshop):
    workshop_id, _, _ = workshop
    token = token_of(client, f"/workshops/{workshop_id}/priorities")
    client.post(f"/workshops/{workshop_id}/priorities/draft", data={"csrf_token": token})
    with sessions(app) as s:
        drafted = s.scalar(select(Priority.id).where(Priority.origin == "draft"))
    page = client.get(f"/priorities/{drafted}").text
    assert 'data-indicator="travel_time_public_transport"' in page
    with sessions(app) as s:
        assert links_of(s, [drafted]).empty


def test_another_facilitator_gets_404_and_changes_nothing(app, client, workshop):
    workshop_id, _, priority_id = workshop
    with sessions(app) as s, s.begin():
        create_user(s, "other@example.org", "Olu Other", PASSWORD)
    token = token_of(client, "/login")
    client.post("/login", data={"email": "other@example.org", "password": PASSWORD, "csrf_token": token})
    token = token_of(client, "/workshops")
    assert "Evening buses" not in client.get("/priorities").text
    assert client.get(f"/workshops/{workshop_id}/priorities").status_code == 404
    assert client.get(f"/priorities/{priority_id}").status_code == 404
    answer = client.post(f"/priorities/{priority_id}/status", data={"status": "agreed", "csrf_token": token})
    assert answer.status_code == 404
    assert client.post(f"/workshops/{workshop_id}/priorities/draft", data={"csrf_token": token}).status_code == 404
    assert priority(app, priority_id).status == "candidate"
