"""Whose workshop is it: owners, the members they add, admins; everybody else gets 404, on the
pages and in the API alike. Each test reads what was stored back through the database.

Names and emails below are made up for the tests.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, table

from lpip.db import session_scope
from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_statement, join_workshop, set_walkin
from lpip.workshops.models import AuditEvent, HostLink, Workshop, WorkshopMember
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OWNER, OTHER, MEMBER, ADMIN = "ann@example.org", "bob@example.org", "mo@example.org", "root@example.org"
PERSON = "Chidi Okonkwo-Lane"
TITLE_HTML = "Ann&#39;s workshop"  # the title as the pages escape it


@pytest.fixture
def accounts(app) -> dict[str, int]:
    with session_scope(app.state.engine) as s:
        ids = {email: create_user(s, email, email.split("@")[0].title(), PASSWORD).id for email in (OWNER, OTHER, MEMBER)}
        ids[ADMIN] = create_user(s, ADMIN, "Root", PASSWORD, role="admin").id
    return ids


@pytest.fixture
def owned(app, accounts) -> dict:
    """Ann's open workshop with an attendee and a statement."""
    with session_scope(app.state.engine) as s:
        workshop = create_workshop(s, "Ann's workshop", [RoundSpec("What works?")], tables=2, created_by=accounts[OWNER])
        open_round(s, workshop.id, 1)
        register_attendee(s, workshop.id, PERSON, "public", email="chidi@example.org")
        set_walkin(s, workshop.id, True)
        statement, _ = add_statement(s, join_workshop(s, workshop.join_code), "Buses after 10pm", "owned-stmt-001")
        return dict(id=workshop.id, statement=statement.id, title=workshop.title)


def signed_in(app, email: str) -> TestClient:
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def bearer(client: TestClient, email: str) -> dict:
    response = client.post("/api/v1/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def token_of(client: TestClient, page: str) -> str:
    return CSRF.search(client.get(page).text).group(1)


PAGES = ["/workshops/{w}", "/workshops/{w}/attendees", "/workshops/{w}/dashboard", "/workshops/{w}/coding",
         "/workshops/{w}/events?once=true", "/workshops/{w}/delete"]
API_READS = ["/api/v1/workshops/{w}", "/api/v1/workshops/{w}/links", "/api/v1/workshops/{w}/counts",
             "/api/v1/workshops/{w}/attendees", "/api/v1/workshops/{w}/statements", "/api/v1/workshops/{w}/members"]


def test_another_facilitator_gets_404_on_every_page_and_sees_no_names(app, owned):
    other = signed_in(app, OTHER)
    for url in PAGES:
        response = other.get(url.format(w=owned["id"]))
        assert response.status_code == 404, url
        assert PERSON not in response.text and TITLE_HTML not in response.text, url
    listing = other.get("/workshops").text
    assert TITLE_HTML not in listing and f'href="/workshops/{owned["id"]}"' not in listing


def test_another_facilitator_gets_404_in_the_api(app, owned):
    with TestClient(app) as client:
        auth = bearer(client, OTHER)
        for url in API_READS:
            response = client.get(url.format(w=owned["id"]), headers=auth)
            assert response.status_code == 404, (url, response.text)
            assert response.json()["ok"] is False and PERSON not in response.text
        assert client.get("/api/v1/workshops", headers=auth).json() == []
        unchanged = client.patch(f"/api/v1/workshops/{owned['id']}", headers=auth, json={"status": "closed"})
        assert unchanged.status_code == 404
        hidden = client.patch(f"/api/v1/contributions/{owned['statement']}", headers=auth, json={"status": "hidden"})
        assert hidden.status_code == 404
        assert client.post(f"/api/v1/workshops/{owned['id']}/links/rotate", headers=auth, json={}).status_code == 404
    with session_scope(app.state.engine) as s:
        assert s.get(Workshop, owned["id"]).status == "open"


def test_another_facilitators_forms_change_nothing(app, owned):
    other = signed_in(app, OTHER)
    token = token_of(other, "/workshops")
    w = owned["id"]
    for url, data in [(f"/workshops/{w}/status", {"status": "closed"}), (f"/workshops/{w}/rounds/1", {"action": "close"}),
                      (f"/workshops/{w}/voting", {"what": "voting", "action": "open"}),
                      (f"/workshops/{w}/contributions/{owned['statement']}/status", {"status": "hidden"}),
                      (f"/workshops/{w}/priorities", {"text": "Sneaked in"}), (f"/workshops/{w}/links", {}),
                      (f"/workshops/{w}/members", {"email": OTHER}), (f"/workshops/{w}/delete", {"confirm_title": owned["title"]})]:
        assert other.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    with session_scope(app.state.engine) as s:
        workshop = s.get(Workshop, w)
        assert (workshop.status, workshop.voting_open) == ("open", False)
        assert s.scalar(select(func.count()).select_from(WorkshopMember)) == 0


def test_the_owner_adds_a_member_who_then_runs_the_workshop_but_cannot_manage_it(app, owned, accounts):
    owner = signed_in(app, OWNER)
    own_page = owner.get(f"/workshops/{owned['id']}").text
    assert "Delete this workshop" in own_page and 'action="/workshops/%d/members"' % owned["id"] in own_page
    assert re.search(r'<h2 id="members-heading">.*?Ann.*?owner', own_page, re.S)
    response = owner.post(f"/workshops/{owned['id']}/members",
                          data={"email": MEMBER.upper(), "csrf_token": token_of(owner, f"/workshops/{owned['id']}")},
                          follow_redirects=False)
    assert response.status_code == 303
    member = signed_in(app, MEMBER)
    page = member.get(f"/workshops/{owned['id']}")
    assert page.status_code == 200 and TITLE_HTML in page.text
    assert "Delete this workshop" not in page.text and 'action="/workshops/%d/members"' % owned["id"] not in page.text
    assert PERSON in member.get(f"/workshops/{owned['id']}/attendees").text
    token = token_of(member, f"/workshops/{owned['id']}")
    closed = member.post(f"/workshops/{owned['id']}/voting", data={"what": "voting", "action": "open", "csrf_token": token},
                         follow_redirects=False)
    assert closed.status_code == 303
    # Members run the workshop; only the owner (or an admin) adds people or deletes it.
    assert member.post(f"/workshops/{owned['id']}/members", data={"email": OTHER, "csrf_token": token}).status_code == 403
    assert member.get(f"/workshops/{owned['id']}/delete").status_code == 403
    with session_scope(app.state.engine) as s:
        assert s.get(Workshop, owned["id"]).voting_open is True
        assert s.scalars(select(WorkshopMember.user_id).where(WorkshopMember.workshop_id == owned["id"])).all() == [accounts[MEMBER]]
        assert s.scalars(select(AuditEvent.action)).all() == ["member added"]


def test_members_through_the_api(app, owned, accounts):
    with TestClient(app) as client:
        owner = bearer(client, OWNER)
        added = client.post(f"/api/v1/workshops/{owned['id']}/members", headers=owner, json={"email": MEMBER})
        assert added.status_code == 201 and added.json()["email"] == MEMBER
        people = client.get(f"/api/v1/workshops/{owned['id']}/members", headers=owner).json()
        assert [(p["email"], p["owner"]) for p in people] == [(OWNER, True), (MEMBER, False)]
        member = bearer(client, MEMBER)
        assert client.get(f"/api/v1/workshops/{owned['id']}/attendees", headers=member).status_code == 200
        assert client.post(f"/api/v1/workshops/{owned['id']}/members", headers=member, json={"email": OTHER}).status_code == 403
        unknown = client.post(f"/api/v1/workshops/{owned['id']}/members", headers=owner, json={"email": "nobody@example.org"})
        assert unknown.status_code == 404 and "no account" in unknown.json()["error"]
        removed = client.delete(f"/api/v1/workshops/{owned['id']}/members/{accounts[MEMBER]}", headers=owner)
        assert [p["email"] for p in removed.json()] == [OWNER]
        assert client.get(f"/api/v1/workshops/{owned['id']}/attendees", headers=member).status_code == 404


def test_an_admin_sees_every_workshop(app, owned):
    admin = signed_in(app, ADMIN)
    assert TITLE_HTML in admin.get("/workshops").text
    assert PERSON in admin.get(f"/workshops/{owned['id']}/attendees").text
    with TestClient(app) as client:
        assert [w["id"] for w in client.get("/api/v1/workshops", headers=bearer(client, ADMIN)).json()] == [owned["id"]]


def test_a_workshop_made_in_the_api_belongs_to_its_maker(app, accounts):
    with TestClient(app) as client:
        made = client.post("/api/v1/workshops", headers=bearer(client, OTHER),
                           json={"title": "Bob's", "rounds": [{"question": "Q"}]}).json()
        assert client.get(f"/api/v1/workshops/{made['id']}", headers=bearer(client, OWNER)).status_code == 404
    with session_scope(app.state.engine) as s:
        assert s.get(Workshop, made["id"]).created_by == accounts[OTHER]


# ---- host links and deletion ------------------------------------------------------------------


def test_a_rotated_host_link_stops_working_and_the_table_keeps_its_notes(app, owned):
    with session_scope(app.state.engine) as s:
        old = s.scalar(select(HostLink.token).where(HostLink.workshop_id == owned["id"], HostLink.table_number == 1))
    with TestClient(app) as client:
        note = client.post("/api/v1/notes", headers={"X-Host-Token": old}, json={"text": "Before", "client_id": "rotate-note-01"})
        assert note.status_code == 201
    owner = signed_in(app, OWNER)
    response = owner.post(f"/workshops/{owned['id']}/links", follow_redirects=False,
                          data={"table": "1", "csrf_token": token_of(owner, f"/workshops/{owned['id']}")})
    assert response.status_code == 303
    with session_scope(app.state.engine) as s:
        new = s.scalar(select(HostLink.token).where(HostLink.workshop_id == owned["id"], HostLink.table_number == 1))
        other_table = s.scalar(select(HostLink.token).where(HostLink.workshop_id == owned["id"], HostLink.table_number == 2))
        event = s.scalar(select(AuditEvent))
        assert (event.action, event.actor, event.workshop_id) == ("host links replaced", OWNER, owned["id"])
    assert new != old
    assert owner.get(f"/t/{old}").status_code == 404
    assert "Before" in owner.get(f"/t/{new}").text
    assert owner.get(f"/t/{other_table}").status_code == 200  # only table 1's link changed


def test_deleting_needs_the_title_then_removes_everything_and_records_who(app, owned, accounts):
    owner = signed_in(app, OWNER)
    page = owner.get(f"/workshops/{owned['id']}/delete")
    assert page.status_code == 200 and "cannot be undone" in page.text
    token = token_of(owner, f"/workshops/{owned['id']}/delete")
    wrong = owner.post(f"/workshops/{owned['id']}/delete", data={"confirm_title": "Ann", "csrf_token": token})
    assert wrong.status_code == 422 and "type its title exactly" in wrong.text
    with session_scope(app.state.engine) as s:
        assert s.get(Workshop, owned["id"]) is not None
    done = owner.post(f"/workshops/{owned['id']}/delete", data={"confirm_title": " ann's WORKSHOP ", "csrf_token": token},
                      follow_redirects=False)
    assert done.status_code == 303
    with session_scope(app.state.engine) as s:
        assert s.get(Workshop, owned["id"]) is None
        for name in ("attendee", "participant", "contribution", "host_link", "workshop_round"):
            assert s.scalar(select(func.count()).select_from(table(name))) == 0, name
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "workshop deleted"))
        assert (event.actor_id, event.actor, event.workshop_id) == (accounts[OWNER], OWNER, owned["id"])
        assert '"title": "Ann\'s workshop"' in event.detail and '"participants": 1' in event.detail
    assert owner.get(f"/workshops/{owned['id']}").status_code == 404


def test_deleting_through_the_api_needs_the_title_and_the_owner(app, owned, accounts):
    with TestClient(app) as client:
        owner = bearer(client, OWNER)
        client.post(f"/api/v1/workshops/{owned['id']}/members", headers=owner, json={"email": MEMBER})
        member = bearer(client, MEMBER)
        url = f"/api/v1/workshops/{owned['id']}"
        assert client.request("DELETE", url, headers=member, json={"confirm_title": owned["title"]}).status_code == 403
        assert client.request("DELETE", url, headers=owner, json={"confirm_title": "wrong"}).status_code == 422
        assert client.request("DELETE", url, headers=owner, json={}).status_code == 422
        gone = client.request("DELETE", url, headers=owner, json={"confirm_title": owned["title"]})
        assert gone.status_code == 200 and gone.json()["contributions"] == 1
        assert client.get(url, headers=owner).status_code == 404
