"""The participant's follow-up page: only people who agreed to be contacted are listed or can be
chosen, choices are stored once, CSRF is checked. Attendees are made up for the tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import set_walkin
from lpip.workshops.models import FollowUp
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _workshop(app):
    with app.state.sessions() as s, s.begin():
        w = create_workshop(s, "Follow-up test", [RoundSpec("Q1")], tables=2)
        open_round(s, w.id, 1)
        ids = {name: register_attendee(s, w.id, name, "public", email=f"{name.split()[0].lower()}@example.org",
                                       consent_contact=consent).id
               for name, consent in (("Asha Khan", True), ("Ben Osei", True), ("Cara Lewis", False))}
        set_walkin(s, w.id, True)  # the tests' phones join as walk-ins
        return w.id, w.join_code, ids


def _join(client, code):
    token = CSRF.search(client.get("/").text).group(1)
    client.post("/join", data={"code": code, "sector": "public", "csrf_token": token}, follow_redirects=False)


def test_the_page_lists_only_people_who_agreed_to_be_contacted(app, client):
    _, code, _ = _workshop(app)
    _join(client, code)
    page = client.get("/p/follow-ups")
    assert page.status_code == 200
    assert "Asha Khan" in page.text and "Ben Osei" in page.text and "Cara Lewis" not in page.text
    assert 'href="/p/follow-ups"' in client.get("/p").text


def test_choices_are_stored_once_with_who_chose(app, client):
    workshop_id, code, ids = _workshop(app)
    _join(client, code)
    token = CSRF.search(client.get("/p/follow-ups").text).group(1)
    form = {"csrf_token": token, "me": str(ids["Asha Khan"]), "to": [str(ids["Ben Osei"])]}
    first = client.post("/p/follow-ups", data=form, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/p/follow-ups?saved=1"
    again = client.post("/p/follow-ups", data=form, headers={"Accept": "application/json"})
    assert again.json() == {"ok": True, "added": 0, "follow_ups": [ids["Ben Osei"]]}
    with app.state.sessions() as s:
        rows = s.execute(select(FollowUp.from_attendee_id, FollowUp.to_attendee_id, FollowUp.source)
                         .where(FollowUp.workshop_id == workshop_id)).all()
    assert rows == [(ids["Asha Khan"], ids["Ben Osei"], "page")]


def test_someone_who_did_not_agree_cannot_be_chosen(app, client):
    workshop_id, code, ids = _workshop(app)
    _join(client, code)
    token = CSRF.search(client.get("/p/follow-ups").text).group(1)
    response = client.post("/p/follow-ups", data={"csrf_token": token, "to": [str(ids["Cara Lewis"])]},
                           headers={"Accept": "application/json"})
    assert response.status_code in (400, 422) and response.json()["ok"] is False
    assert "agreed to be contacted" in response.json()["error"]
    with app.state.sessions() as s:
        assert s.scalar(select(FollowUp.id).where(FollowUp.workshop_id == workshop_id)) is None


def test_a_forged_request_stores_nothing(app, client):
    workshop_id, code, ids = _workshop(app)
    _join(client, code)
    response = client.post("/p/follow-ups", data={"csrf_token": "forged", "to": [str(ids["Ben Osei"])]})
    assert response.status_code == 403
    with app.state.sessions() as s:
        assert s.scalar(select(FollowUp.id).where(FollowUp.workshop_id == workshop_id)) is None


def test_without_joining_there_is_no_page(client):
    assert client.get("/p/follow-ups", follow_redirects=False).status_code in (401, 403, 404)
