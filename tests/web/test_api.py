"""The JSON API, /api/v1: who may do what, idempotent submissions, and bad input.

Each test reads what was stored back through the database, not only what the API answered.
Names and emails below are made up for the tests.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.web.security import RateLimiter
from lpip.workshops.accounts import create_user
from lpip.workshops.models import Attendee, Contribution, Dot, Participant, UserAccount, Vote, Workshop

EMAIL, PASSWORD = "fiona@example.org", "correct horse battery"
ERROR_KEYS = {"ok", "error", "errors", "status"}
PERSONAL = {"name", "email", "organisation"}


def assert_error(response, status: int) -> dict:
    """The one JSON error shape, with the HTTP status repeated in the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)
    return body


def count(app, model, *where) -> int:
    with session_scope(app.state.engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def bearer(app, client) -> dict:
    with session_scope(app.state.engine) as session:
        create_user(session, EMAIL, "Fiona Facilitator", PASSWORD)
    response = client.post("/api/v1/token", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def new_workshop(client, bearer, tables: int = 3, **extra) -> dict:
    body = {"title": "Test workshop", "tables": tables, "dots_per_participant": 3,
            "rounds": [{"question": "What works?", "minutes": 20}, {"question": "What next?"}], **extra}
    response = client.post("/api/v1/workshops", headers=bearer, json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def workshop(client, bearer) -> dict:
    """An open workshop: round 1 open, voting and harvest open."""
    made = new_workshop(client, bearer)
    assert client.post(f"/api/v1/workshops/{made['id']}/rounds/1/open", headers=bearer).status_code == 200
    opened = client.patch(f"/api/v1/workshops/{made['id']}", headers=bearer, json={"voting_open": True, "harvest_open": True})
    assert opened.status_code == 200
    return made


def join(client, workshop) -> dict:
    response = client.post("/api/v1/join", json={"code": workshop["join_code"]})
    assert response.status_code == 201, response.text
    return {"X-Participant-Token": response.json()["participant_token"]}


def host(workshop, table: int = 1) -> dict:
    return {"X-Host-Token": workshop["host_links"][table - 1]["token"]}


def statement(client, member, text="More buses after 10pm", client_id="statement-0001") -> dict:
    response = client.post("/api/v1/statements", headers=member, json={"text": text, "client_id": client_id})
    assert response.status_code in (200, 201), response.text
    return response.json()


# ---- facilitators: bearer token and session cookie ---------------------------------------------


def test_wrong_password_is_refused(client, bearer):
    body = assert_error(client.post("/api/v1/token", json={"email": EMAIL, "password": "wrong password!"}), 401)
    assert "Wrong email or password" in body["error"]


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer eyJ1c2VyIjoxfQ.forged.signature"], ids=["garbage", "forged"])
def test_forged_bearer_token_is_refused(client, bearer, header):
    assert_error(client.get("/api/v1/workshops", headers={"Authorization": header}), 401)


def test_new_password_revokes_earlier_tokens(app, client, bearer):
    assert client.get("/api/v1/workshops", headers=bearer).status_code == 200
    from argon2 import PasswordHasher

    with session_scope(app.state.engine) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.email == EMAIL))
        user.password_hash = PasswordHasher().hash("a brand new password")
    assert_error(client.get("/api/v1/workshops", headers=bearer), 401)


def test_create_workshop_returns_its_secrets_to_the_facilitator(app, client, bearer):
    made = new_workshop(client, bearer, tables=4)
    assert len(made["join_code"]) == 6
    assert [link["table"] for link in made["host_links"]] == [1, 2, 3, 4]
    assert [r["number"] for r in made["rounds"]] == [1, 2] and made["rounds"][1]["minutes"] == 25
    assert count(app, Workshop, Workshop.id == made["id"]) == 1
    links = client.get(f"/api/v1/workshops/{made['id']}/links", headers=bearer).json()
    assert links["join_code"] == made["join_code"] and links["host_links"] == made["host_links"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": "No rounds", "rounds": []},
        {"title": "", "rounds": [{"question": "Q"}]},
        {"title": "Too many tables", "tables": 0, "rounds": [{"question": "Q"}]},
        {"title": "Misspelt field", "rounds": [{"question": "Q"}], "tabels": 4},
    ],
    ids=["no-rounds", "no-title", "no-tables", "unknown-field"],
)
def test_invalid_workshop_is_refused_and_nothing_stored(app, client, bearer, body):
    before = count(app, Workshop)
    body = assert_error(client.post("/api/v1/workshops", headers=bearer, json=body), 422)
    assert body["errors"], "a validation error names the field"
    assert count(app, Workshop) == before


def test_cookie_session_needs_the_csrf_header_for_unsafe_requests(app, client):
    with session_scope(app.state.engine) as session:
        create_user(session, EMAIL, "Fiona Facilitator", PASSWORD)
    anonymous = client.get("/api/v1/session").json()
    assert anonymous["authenticated"] is False
    signed_in = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": anonymous["csrf_token"]},
                            follow_redirects=False)
    assert signed_in.status_code == 303
    session = client.get("/api/v1/session").json()
    assert session["authenticated"] and session["user"]["email"] == EMAIL
    assert client.get("/api/v1/workshops").status_code == 200  # reading needs no CSRF token
    body = {"title": "Cookie workshop", "rounds": [{"question": "Q"}]}
    refused = assert_error(client.post("/api/v1/workshops", json=body), 403)
    assert "X-CSRF-Token" in refused["error"]
    assert_error(client.post("/api/v1/workshops", json=body, headers={"X-CSRF-Token": "forged"}), 403)
    assert count(app, Workshop) == 0
    made = client.post("/api/v1/workshops", json=body, headers={"X-CSRF-Token": session["csrf_token"]})
    assert made.status_code == 201 and count(app, Workshop) == 1


def test_facilitator_routes_refuse_participants_and_hosts(client, workshop):
    member = join(client, workshop)
    for headers in (member, host(workshop), {}):
        assert_error(client.get(f"/api/v1/workshops/{workshop['id']}/counts", headers=headers), 403)
        assert_error(client.post(f"/api/v1/workshops/{workshop['id']}/rounds/2/open", headers=headers), 403)


# ---- attendee names: facilitators only ------------------------------------------------------------


def test_only_facilitators_read_attendee_names(app, client, bearer, workshop):
    member = join(client, workshop)  # a walk-in, before the attendee list closes the walk-in code by default
    with session_scope(app.state.engine) as session:
        session.add(Attendee(workshop_id=workshop["id"], name="Asha Test", email="asha@example.org",
                             organisation="Test Council", sector="public"))
    url = f"/api/v1/workshops/{workshop['id']}/attendees"
    for headers in (member, host(workshop), {}):
        body = assert_error(client.get(url, headers=headers), 403)
        assert "Asha" not in str(body)
    attendees = client.get(url, headers=bearer).json()
    assert [(a["name"], a["organisation"]) for a in attendees] == [("Asha Test", "Test Council")]


def test_workshop_view_shows_no_secrets_or_personal_data(client, workshop):
    member = join(client, workshop)
    view = client.get(f"/api/v1/workshops/{workshop['id']}", headers=member)
    assert view.status_code == 200
    shown = view.json()
    assert shown["title"] == "Test workshop" and shown["rounds"][0]["status"] == "open"
    assert not ({"join_code", "host_links", "created_by"} | PERSONAL) & set(shown)
    assert workshop["join_code"] not in view.text and workshop["host_links"][0]["token"] not in view.text


def test_workshop_view_needs_a_credential_for_that_workshop(client, bearer, workshop):
    other = new_workshop(client, bearer)
    client.post(f"/api/v1/workshops/{other['id']}/rounds/1/open", headers=bearer)
    outsider = join(client, other)
    assert_error(client.get(f"/api/v1/workshops/{workshop['id']}", headers=outsider), 403)
    assert_error(client.get(f"/api/v1/workshops/{workshop['id']}"), 403)
    assert client.get(f"/api/v1/workshops/{workshop['id']}", headers=host(workshop)).status_code == 200


# ---- joining ----------------------------------------------------------------------------------------


def test_join_returns_a_token_that_identifies_the_participant(app, client, workshop):
    response = client.post("/api/v1/join", json={"code": workshop["join_code"].lower(), "sector": "academic"})
    assert response.status_code == 201
    token = response.json()["participant_token"]
    with session_scope(app.state.engine) as session:
        stored = session.scalar(select(Participant).where(Participant.token == token))
        assert stored.workshop_id == workshop["id"] and stored.sector == "academic"


def test_joining_a_closed_workshop_is_refused(app, client, bearer, workshop):
    closed = client.patch(f"/api/v1/workshops/{workshop['id']}", headers=bearer, json={"status": "closed"})
    assert closed.json()["status"] == "closed" and closed.json()["voting_open"] is False
    body = assert_error(client.post("/api/v1/join", json={"code": workshop["join_code"]}), 409)
    assert "closed" in body["error"]
    assert count(app, Participant, Participant.workshop_id == workshop["id"]) == 0


def test_a_participant_token_stops_working_when_the_workshop_closes(client, bearer, workshop):
    member = join(client, workshop)
    client.patch(f"/api/v1/workshops/{workshop['id']}", headers=bearer, json={"status": "closed"})
    assert_error(client.get("/api/v1/statements", headers=member), 409)


@pytest.mark.parametrize("body, status", [({"code": "NOPE99"}, 404), ({"code": ""}, 422), ({"code": "CODE", "sector": "aliens"}, 422)],
                         ids=["unknown-code", "empty-code", "unknown-sector"])
def test_bad_join_stores_nobody(app, client, workshop, body, status):
    body = {k: workshop["join_code"] if v == "CODE" else v for k, v in body.items()}
    assert_error(client.post("/api/v1/join", json=body), status)
    assert count(app, Participant) == 0


# ---- table hosts: notes -----------------------------------------------------------------------------


def test_a_repeated_client_id_stores_one_note(app, client, workshop):
    body = {"text": "Young people want a say", "client_id": "note-retry-0001"}
    first = client.post("/api/v1/notes", headers=host(workshop), json=body)
    again = client.post("/api/v1/notes", headers=host(workshop), json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["table"] == 1 and first.json()["round"] == 1
    assert count(app, Contribution, Contribution.client_id == "note-retry-0001") == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000], ids=["empty", "blank", "10000-characters"])
def test_empty_or_overlong_note_is_refused_and_not_stored(app, client, workshop, text):
    body = assert_error(client.post("/api/v1/notes", headers=host(workshop), json={"text": text, "client_id": "note-bad-0001"}), 422)
    assert "empty" in body["error"] or "1,000" in body["error"]
    assert count(app, Contribution, Contribution.kind == "note") == 0


def test_forged_or_missing_host_token_stores_nothing(app, client, workshop):
    note = {"text": "A forged note", "client_id": "note-forged-01"}
    assert_error(client.post("/api/v1/notes", headers={"X-Host-Token": "forged-token-1234567890"}, json=note), 404)
    assert_error(client.post("/api/v1/notes", json=note), 403)
    member = join(client, workshop)  # a participant token is not a host token
    assert_error(client.post("/api/v1/notes", headers=member, json=note), 403)
    assert count(app, Contribution) == 0


def test_notes_wait_for_an_open_round(app, client, bearer, workshop):
    client.post(f"/api/v1/workshops/{workshop['id']}/rounds/1/close", headers=bearer)
    assert client.get("/api/v1/table", headers=host(workshop)).json()["round"] is None
    assert_error(client.post("/api/v1/notes", headers=host(workshop), json={"text": "Too late", "client_id": "note-late-001"}), 409)
    assert count(app, Contribution) == 0


def test_hosts_edit_and_withdraw_only_their_own_notes(app, client, workshop):
    note = client.post("/api/v1/notes", headers=host(workshop, 1), json={"text": "First idea", "client_id": "note-own-0001"}).json()
    url = f"/api/v1/notes/{note['id']}"
    assert_error(client.patch(url, headers=host(workshop, 2), json={"text": "Hijacked"}), 403)
    assert_error(client.delete(url, headers=host(workshop, 2)), 403)
    assert_error(client.get("/api/v1/tables/1/notes", headers=host(workshop, 2)), 403)
    assert client.patch(url, headers=host(workshop, 1), json={"text": "First idea, clearer"}).json()["text"] == "First idea, clearer"
    assert [n["text"] for n in client.get("/api/v1/tables/1/notes", headers=host(workshop, 1)).json()] == ["First idea, clearer"]
    assert client.delete(url, headers=host(workshop, 1)).json()["status"] == "withdrawn"
    assert client.get("/api/v1/tables/1/notes", headers=host(workshop, 1)).json() == []
    assert count(app, Contribution, Contribution.status == "withdrawn") == 1


def test_counts_follow_the_notes(client, bearer, workshop):
    for table, n in [(1, 2), (3, 1)]:
        for i in range(n):
            client.post("/api/v1/notes", headers=host(workshop, table), json={"text": f"idea {i}", "client_id": f"count-{table}-{i:04d}"})
    counts = client.get(f"/api/v1/workshops/{workshop['id']}/counts", headers=bearer).json()
    assert counts["notes"] == 3
    assert [(c["table"], c["notes"]) for c in counts["by_table"]] == [(1, 2), (3, 1)]


# ---- participants: statements, votes, dots ----------------------------------------------------------


def test_statements_never_say_who_wrote_them(client, workshop):
    author, reader = join(client, workshop), join(client, workshop)
    statement(client, author)
    mine, = client.get("/api/v1/statements", headers=author).json()
    theirs, = client.get("/api/v1/statements", headers=reader).json()
    assert mine["mine"] is True and mine["client_id"] == "statement-0001"
    assert theirs["mine"] is False and theirs["client_id"] is None
    assert set(theirs) == {"id", "client_id", "text", "mine", "my_vote"}


def test_statements_after_an_id_are_the_new_ones(client, workshop):
    member = join(client, workshop)
    first = statement(client, member, "one", "statement-a001")
    statement(client, member, "two", "statement-a002")
    assert [s["text"] for s in client.get("/api/v1/statements", headers=member, params={"after": first["id"]}).json()] == ["two"]


def test_voting_twice_keeps_one_vote_the_later(app, client, workshop):
    author, voter = join(client, workshop), join(client, workshop)
    sid = statement(client, author)["id"]
    for choice in ("agree", "disagree"):
        response = client.post("/api/v1/votes", headers=voter, json={"statement_id": sid, "vote": choice})
        assert response.json() == {"statement_id": sid, "vote": choice}
    with session_scope(app.state.engine) as session:
        values = session.scalars(select(Vote.value).where(Vote.contribution_id == sid)).all()
    assert values == [-1]  # pol.is convention: disagree = -1
    assert client.get("/api/v1/statements", headers=voter).json()[0]["my_vote"] == "disagree"


def test_simultaneous_votes_of_one_participant_leave_one_row(app, client, workshop):
    """Two requests may both find no vote and both insert one (a phone retrying on flaky wifi);
    the second then updates the first's row instead of failing."""
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    author, voter = join(client, workshop), join(client, workshop)
    sid = statement(client, author)["id"]
    start = threading.Barrier(6)

    def vote(i: int) -> int:
        with TestClient(app) as phone:
            start.wait()
            choice = ("agree", "disagree")[i % 2]
            return phone.post("/api/v1/votes", headers=voter, json={"statement_id": sid, "vote": choice}).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(vote, range(6)))
    assert statuses == [200] * 6
    assert count(app, Vote, Vote.contribution_id == sid) == 1


@pytest.mark.parametrize("body", [{"vote": "maybe"}, {"vote": "agree", "statement_id": 999_999}],
                         ids=["unknown-vote", "unknown-statement"])
def test_bad_vote_is_refused(app, client, workshop, body):
    member = join(client, workshop)
    sid = statement(client, member)["id"]
    assert_error(client.post("/api/v1/votes", headers=member, json={"statement_id": sid, **body}), 422)
    assert count(app, Vote) == 0


def test_votes_wait_for_voting_to_open(app, client, bearer, workshop):
    member = join(client, workshop)
    sid = statement(client, member)["id"]
    client.patch(f"/api/v1/workshops/{workshop['id']}", headers=bearer, json={"voting_open": False})
    assert_error(client.post("/api/v1/votes", headers=member, json={"statement_id": sid, "vote": "agree"}), 409)
    assert count(app, Vote) == 0


def priorities(client, bearer, workshop, n=2) -> list[int]:
    url = f"/api/v1/workshops/{workshop['id']}/priorities"
    return [client.post(url, headers=bearer, json={"text": f"Priority {i}"}).json()["id"] for i in range(n)]


def test_more_dots_than_allowed_are_refused_and_the_earlier_spend_kept(app, client, bearer, workshop):
    first, second = priorities(client, bearer, workshop)
    member = join(client, workshop)
    spent = client.post("/api/v1/dots", headers=member, json={"dots": {str(first): 2, str(second): 1}})
    assert spent.json() == {"dots": {str(first): 2, str(second): 1}, "spent": 3, "allowance": 3}
    body = assert_error(client.post("/api/v1/dots", headers=member, json={"dots": {str(first): 3, str(second): 1}}), 422)
    assert "3 dots" in body["error"] and "4" in body["error"]
    with session_scope(app.state.engine) as session:
        stored = dict(session.execute(select(Dot.contribution_id, Dot.dots)).all())
    assert stored == {first: 2, second: 1}
    assert [p["my_dots"] for p in client.get("/api/v1/priorities", headers=member).json()] == [2, 1]


@pytest.mark.parametrize("dots", [{"999999": 1}, {"PRIORITY": -1}, {"PRIORITY": "lots"}],
                         ids=["unknown-priority", "negative", "not-a-number"])
def test_bad_dot_spends_store_nothing(app, client, bearer, workshop, dots):
    first, = priorities(client, bearer, workshop, n=1)
    member = join(client, workshop)
    dots = {k.replace("PRIORITY", str(first)): v for k, v in dots.items()}
    assert_error(client.post("/api/v1/dots", headers=member, json={"dots": dots}), 422)
    assert count(app, Dot) == 0


def test_moderated_statements_disappear_for_participants(client, bearer, workshop):
    member = join(client, workshop)
    sid = statement(client, member)["id"]
    hidden = client.patch(f"/api/v1/contributions/{sid}", headers=bearer, json={"status": "hidden"})
    assert hidden.json()["status"] == "hidden"
    assert client.get("/api/v1/statements", headers=member).json() == []
    tallies = client.get(f"/api/v1/workshops/{workshop['id']}/statements", headers=bearer).json()
    assert [(t["id"], t["status"]) for t in tallies] == [(sid, "hidden")]


def test_tallies_count_each_kind_of_vote(client, bearer, workshop):
    author = join(client, workshop)
    sid = statement(client, author)["id"]
    for choice in ("agree", "agree", "disagree", "pass"):
        client.post("/api/v1/votes", headers=join(client, workshop), json={"statement_id": sid, "vote": choice})
    tally, = client.get(f"/api/v1/workshops/{workshop['id']}/statements", headers=bearer).json()
    assert (tally["agree"], tally["disagree"], tally["passed"]) == (2, 1, 1)


# ---- rate limits ------------------------------------------------------------------------------------


def test_too_many_submissions_get_429_and_are_not_stored(app, client, workshop):
    app.state.rate_limiter = RateLimiter(limit=2, window=60)
    for i in range(2):
        assert client.post("/api/v1/notes", headers=host(workshop), json={"text": f"idea {i}", "client_id": f"rate-{i:06d}"}).status_code == 201
    body = assert_error(client.post("/api/v1/notes", headers=host(workshop), json={"text": "one more", "client_id": "rate-000009"}), 429)
    assert "Too many" in body["error"]
    assert count(app, Contribution) == 2
    # The limit is per client: another table's host is not held back.
    assert client.post("/api/v1/notes", headers=host(workshop, 2), json={"text": "other table", "client_id": "rate-other-1"}).status_code == 201
