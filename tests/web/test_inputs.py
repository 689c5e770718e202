"""Hostile input on every text field and id, through the pages and the JSON API alike: one set
of limits, control and invisible characters stripped before storing, huge ids and overlong
texts refused in the error shape (never a 500), on SQLite and PostgreSQL (which refuses NUL
bytes outright, so a NUL that reached it would be a 500).
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.workshops.accounts import create_user
from lpip.workshops.capture import add_priority, add_statement, join_workshop
from lpip.workshops.models import Contribution, HostLink, Participant, Round, Workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

PASSWORD = "correct horse battery"
EMAIL = "fran@example.org"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JSON = {"Accept": "application/json"}
# NUL, zero-width space, right-to-left override, byte-order mark, a lone surrogate: all removed.
# (A form cannot carry a lone surrogate, UTF-8 has none; JSON can, as the escape \ud800.)
DIRTY, CLEAN = "Bus\x00es\u200b after\u202e 10\ufeffpm\ud800", "Buses after 10pm"
FORM_DIRTY = DIRTY.replace("\ud800", "")
HUGE_IDS = ["9223372036854775808", "99999999999999999999999", "2147483648"]


@pytest.fixture
def world(app) -> dict:
    with session_scope(app.state.engine) as s:
        owner = create_user(s, EMAIL, "Fran", PASSWORD)
        workshop = create_workshop(s, "Inputs", [RoundSpec("What works?")], tables=2, created_by=owner.id)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True, harvest_open=True)
        author = join_workshop(s, workshop.join_code)
        statement, _ = add_statement(s, author, "Someone else's statement", "inputs-stmt-001")
        priority = add_priority(s, workshop.id, "A priority")
        host = s.scalar(select(HostLink.token).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        return dict(id=workshop.id, code=workshop.join_code, host=host, statement=statement.id, priority=priority.id)


def token(client: TestClient, page: str = "/login") -> str:
    return CSRF.search(client.get(page).text).group(1)


def signed_in(app) -> TestClient:
    client = TestClient(app)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token(client)})
    return client


def bearer(client: TestClient) -> dict:
    return {"Authorization": "Bearer " + client.post("/api/v1/token", json={"email": EMAIL, "password": PASSWORD}).json()["access_token"]}


def participant_client(app, world) -> TestClient:
    client = TestClient(app)
    client.post("/join", data={"code": world["code"], "csrf_token": token(client, "/join")})
    return client


def stored_texts(app, kind: str) -> list[str]:
    with session_scope(app.state.engine) as s:
        return list(s.scalars(select(Contribution.text).where(Contribution.kind == kind).order_by(Contribution.id)))


def post_json(client: TestClient, url: str, body: dict, headers: dict | None = None, method: str = "POST"):
    """Send ``body`` as JSON with every non-ASCII character escaped (as a lone surrogate must be)."""
    headers = {"content-type": "application/json", **(headers or {})}
    return client.request(method, url, content=json.dumps(body).encode("ascii"), headers=headers)


def assert_json_error(response, status: int | tuple) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["ok"] is False
    return body


# ---- control and invisible characters are stripped, on every text field ------------------------


def test_note_text_is_cleaned_on_the_page_and_in_the_api(app, world):
    page = participant_client(app, world)
    sent = post_json(page, f"/t/{world['host']}/notes", {"text": DIRTY, "client_id": "dirty-note-0001"},
                     {**JSON, "X-CSRF-Token": token(page, "/join")})
    assert sent.status_code == 201, sent.text
    api = post_json(TestClient(app), "/api/v1/notes", {"text": DIRTY, "client_id": "dirty-note-0002"},
                    {"X-Host-Token": world["host"]})
    assert api.status_code == 201, api.text
    edited = post_json(TestClient(app), f"/api/v1/notes/{api.json()['id']}", {"text": DIRTY + "!"},
                       {"X-Host-Token": world["host"]}, method="PATCH")
    assert edited.status_code == 200
    assert stored_texts(app, "note") == [CLEAN, CLEAN + "!"]


def test_statement_text_is_cleaned_on_the_page_and_in_the_api(app, world):
    page = participant_client(app, world)
    assert page.post("/p/statements", data={"text": FORM_DIRTY, "client_id": "dirty-stmt-0001",
                                            "csrf_token": token(page, "/p")}, follow_redirects=False).status_code == 303
    joined = TestClient(app).post("/api/v1/join", json={"code": world["code"]}).json()["participant_token"]
    api = post_json(TestClient(app), "/api/v1/statements", {"text": DIRTY, "client_id": "dirty-stmt-0002"},
                    {"X-Participant-Token": joined})
    assert api.status_code == 201
    assert stored_texts(app, "statement")[1:] == [CLEAN, CLEAN]


def test_workshop_fields_and_priorities_are_cleaned_on_the_page_and_in_the_api(app, world):
    page = signed_in(app)
    response = page.post("/workshops", data={
        "title": FORM_DIRTY, "venue": FORM_DIRTY, "question": [FORM_DIRTY], "minutes": ["25"], "tables": "2", "dots": "3",
        "csrf_token": token(page, "/workshops")}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page.post(f"/workshops/{world['id']}/priorities", data={"text": FORM_DIRTY, "csrf_token": token(page, "/workshops")})
    client = TestClient(app)
    auth = bearer(client)
    made = post_json(client, "/api/v1/workshops", {"title": DIRTY, "venue": DIRTY, "rounds": [{"question": DIRTY}]}, auth)
    assert made.status_code == 201, made.text
    post_json(client, f"/api/v1/workshops/{world['id']}/priorities", {"text": DIRTY}, auth)
    with session_scope(app.state.engine) as s:
        made_here = s.scalars(select(Workshop).where(Workshop.id != world["id"]).order_by(Workshop.id)).all()
        assert [(w.title, w.venue) for w in made_here] == [(CLEAN, CLEAN)] * 2
        questions = s.scalars(select(Round.question).where(Round.workshop_id.in_([w.id for w in made_here]))).all()
        assert questions == [CLEAN, CLEAN]
    assert stored_texts(app, "priority")[1:] == [CLEAN, CLEAN]


@pytest.mark.parametrize("where", ["page", "api"])
def test_dirty_join_codes_emails_and_passwords_are_refused_cleanly(app, world, where):
    """Lookups with NUL and friends: the code still works once cleaned, a dirty email is a
    wrong email, never a 500 (PostgreSQL would refuse the NUL in the query)."""
    client = TestClient(app)
    dirty_code = "\x00" + world["code"][:3] + "\u200b" + world["code"][3:] + "\ufeff"
    if where == "page":
        joined = client.post("/join", data={"code": dirty_code, "csrf_token": token(client, "/join")}, follow_redirects=False)
        assert joined.status_code == 303
        signed = client.post("/login", data={"email": "fran\x00@example.org", "password": "x\x00y", "csrf_token": token(client)})
        assert signed.status_code == 401 and "Wrong email or password" in signed.text
        # Bytes that are not UTF-8 (a lone surrogate's encoding, 0xFF) in a form.
        raw = f"email=fran%ED%A0%80%FF%40example.org&password=x&csrf_token={token(client)}".encode()
        mangled = client.post("/login", content=raw, headers={"content-type": "application/x-www-form-urlencoded"})
        assert mangled.status_code == 401
        refused = client.post("/join", data={"code": "\x00ZZ", "csrf_token": token(client, "/join")})
        assert refused.status_code == 404
    else:
        assert post_json(client, "/api/v1/join", {"code": dirty_code}).status_code == 201
        assert_json_error(post_json(client, "/api/v1/token", {"email": "fran\x00@example.org\ud800", "password": "x\x00y"}), 401)
        assert_json_error(post_json(client, "/api/v1/join", {"code": "\x00\ud800ZZ"}), 404)
        assert_json_error(post_json(client, "/api/v1/join", {"code": world["code"], "sector": "\x00\ud800"}), 422)
    with session_scope(app.state.engine) as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 2  # the author and the one clean join


def test_tokens_with_nul_or_surrogates_are_not_found_rather_than_errors(app, world):
    client = TestClient(app)
    for bad in ("abc%00def", "%ED%A0%80", "x" * 5000):
        assert client.get("/t/" + bad).status_code == 404
    assert_json_error(client.get("/api/v1/table", headers={"X-Host-Token": "abc%def"}), 404)
    assert_json_error(client.get("/api/v1/statements", headers={"X-Participant-Token": "\u00e9t\u00e9".encode()}), 403)
    client.cookies.set("lpip_participant", "forged%00token")
    assert client.get("/p").status_code == 403


# ---- lengths: one set of limits for pages and API ---------------------------------------------


def test_a_200000_character_title_is_refused_on_the_page_and_in_the_api(app, world):
    huge = "T" * 200_000
    page = signed_in(app)
    response = page.post("/workshops", data={"title": huge, "question": ["Q"], "minutes": ["25"], "tables": "2",
                                              "dots": "3", "csrf_token": token(page, "/workshops")})
    assert response.status_code == 422 and "the limit is 300" in response.text
    assert len(response.text) < 100_000  # the form is not echoed back whole
    client = TestClient(app)
    body = assert_json_error(client.post("/api/v1/workshops", headers=bearer(client),
                                         json={"title": huge, "rounds": [{"question": "Q"}]}), 422)
    assert any("title" in e for e in body["errors"])
    with session_scope(app.state.engine) as s:
        assert s.scalar(select(func.count()).select_from(Workshop)) == 1


@pytest.mark.parametrize("field, value", [("venue", "V" * 301), ("question", "Q" * 1001), ("minutes", "241"), ("tables", "51"),
                                          ("dots", "21")])
def test_the_page_and_the_api_share_the_limits(app, world, field, value):
    page = signed_in(app)
    form = {"title": "T", "question": ["Q"], "minutes": ["25"], "tables": "2", "dots": "3", "venue": ""}
    form[field] = [value] if field in ("question", "minutes") else value
    assert page.post("/workshops", data={**form, "csrf_token": token(page, "/workshops")}).status_code == 422
    body = {"title": "T", "rounds": [{"question": "Q", "minutes": 25}]}
    if field in ("question", "minutes"):
        body["rounds"][0][field] = int(value) if field == "minutes" else value
    else:
        body[{"dots": "dots_per_participant"}.get(field, field)] = int(value) if value.isdigit() else value
    client = TestClient(app)
    assert_json_error(client.post("/api/v1/workshops", headers=bearer(client), json=body), 422)
    with session_scope(app.state.engine) as s:
        assert s.scalar(select(func.count()).select_from(Workshop)) == 1


# ---- ids that do not fit an integer column -----------------------------------------------------


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_huge_ids_in_the_api_are_422_in_the_error_shape(app, world, huge):
    client = TestClient(app)
    auth = bearer(client)
    joined = {"X-Participant-Token": client.post("/api/v1/join", json={"code": world["code"]}).json()["participant_token"]}
    host = {"X-Host-Token": world["host"]}
    for method, url, headers, body in [
        ("GET", f"/api/v1/workshops/{huge}", auth, None), ("GET", f"/api/v1/workshops/{huge}/counts", auth, None),
        ("PATCH", f"/api/v1/contributions/{huge}", auth, {"status": "hidden"}),
        ("PATCH", f"/api/v1/notes/{huge}", host, {"text": "x"}), ("GET", f"/api/v1/tables/{huge}/notes", host, None),
        ("GET", f"/api/v1/statements?after={huge}", joined, None),
    ]:
        assert_json_error(client.request(method, url, headers=headers, json=body), 422)
    raw = '{"statement_id": %s, "vote": "agree"}' % huge
    assert_json_error(client.post("/api/v1/votes", headers={**joined, "content-type": "application/json"}, content=raw), 422)
    dots = '{"dots": {"%s": 1}}' % huge
    assert_json_error(client.post("/api/v1/dots", headers={**joined, "content-type": "application/json"}, content=dots), 422)


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_huge_ids_on_the_pages_are_refused_not_500(app, world, huge):
    page = signed_in(app)
    for url in (f"/workshops/{huge}", f"/workshops/{huge}/attendees", f"/workshops/{huge}/events?once=true",
                f"/workshops/{world['id']}/events?once=true&after={huge}"):
        assert page.get(url).status_code == 422, url
    moderated = page.post(f"/workshops/{world['id']}/contributions/{huge}/status",
                          data={"status": "hidden", "csrf_token": token(page, "/workshops")})
    assert moderated.status_code == 422
    phone = participant_client(app, world)
    csrf = token(phone, "/p")
    vote = phone.post("/p/votes", json={"statement_id": int(huge), "vote": "agree"}, headers={**JSON, "X-CSRF-Token": csrf})
    assert assert_json_error(vote, 422)["error"].startswith("The statement_id must be a whole number")
    dots = phone.post("/p/dots", json={f"dots-{huge}": 1}, headers={**JSON, "X-CSRF-Token": csrf})
    assert_json_error(dots, 422)
    too_many = phone.post("/p/dots", json={f"dots-{world['priority']}": huge}, headers={**JSON, "X-CSRF-Token": csrf})
    assert_json_error(too_many, 422)
    host = phone.post(f"/t/{world['host']}/notes/{huge}", json={"text": "x"}, headers={**JSON, "X-CSRF-Token": csrf})
    assert_json_error(host, 422)
