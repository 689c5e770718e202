"""The table host's page and the participant's pages: notes, retries, joining, statements, votes, dots."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lpip.workshops.capture import MAX_TEXT, add_priority, add_statement, join_workshop
from lpip.workshops.models import Contribution, Dot, HostLink, Participant, Vote, Workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting, set_workshop_status

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JSON = {"Accept": "application/json"}


def db(app):
    return app.state.sessions()


def csrf(client, url: str = "/") -> str:
    return CSRF.search(client.get(url).text).group(1)


def make_workshop(app, opened: bool = True, voting: bool = False, harvest: bool = False, is_demo: bool = False):
    with db(app) as s, s.begin():
        workshop = create_workshop(s, "Health on the Marches", [RoundSpec("What keeps people well here?", 20)],
                                   tables=2, subregion_code="WM-MARCHES", dots_per_participant=3, is_demo=is_demo)
        if opened:
            open_round(s, workshop.id, 1)
        if voting or harvest:
            set_voting(s, workshop.id, voting_open=voting, harvest_open=harvest)
        tokens = dict(s.execute(select(HostLink.table_number, HostLink.token).where(HostLink.workshop_id == workshop.id)).all())
    return workshop, tokens


def count(app, *where) -> int:
    with db(app) as s:
        return s.scalar(select(func.count()).select_from(Contribution).where(*where))


def send_note(client, token: str, text: str, client_id: str):
    return client.post(f"/t/{token}/notes", json={"text": text, "client_id": client_id},
                       headers={**JSON, "X-CSRF-Token": csrf(client, "/join")})


def join(client, code: str, sector: str = ""):
    return client.post("/join", data={"code": code, "sector": sector, "csrf_token": csrf(client)}, follow_redirects=False)


# ---- the table host's page -----------------------------------------------------------------


def test_host_page_shows_the_open_rounds_question_and_a_labelled_note_box(app, client):
    workshop, tokens = make_workshop(app)
    page = client.get(f"/t/{tokens[1]}")
    assert page.status_code == 200
    assert "What keeps people well here?" in page.text
    assert '<label for="note-text">' in page.text and 'id="note-text"' in page.text
    assert 'src="/static/js/capture.js"' in page.text


def test_host_page_without_an_open_round_says_so(app, client):
    _, tokens = make_workshop(app, opened=False)
    page = client.get(f"/t/{tokens[1]}")
    assert "No round is open yet" in page.text and 'id="note-form"' not in page.text


def test_unknown_table_link_is_a_404(client):
    response = client.get("/t/not-a-real-token")
    assert response.status_code == 404
    assert "table link is not valid" in response.text


def test_note_from_a_plain_form_is_stored_and_the_page_shows_it(app, client):
    workshop, tokens = make_workshop(app)
    page = client.get(f"/t/{tokens[2]}").text
    client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
    data = {"text": "The GP surgery closes at 4pm", "client_id": client_id, "csrf_token": CSRF.search(page).group(1)}
    response = client.post(f"/t/{tokens[2]}/notes", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/t/{tokens[2]}#notes"
    # Pressing "back" and sending the same form again stores nothing new.
    assert client.post(f"/t/{tokens[2]}/notes", data=data, follow_redirects=False).status_code == 303
    with db(app) as s:
        notes = s.execute(select(Contribution.text, Contribution.table_number, Contribution.round_number)
                          .where(Contribution.workshop_id == workshop.id)).all()
    assert notes == [("The GP surgery closes at 4pm", 2, 1)]
    assert "The GP surgery closes at 4pm" in client.get(f"/t/{tokens[2]}").text


def test_retried_note_with_the_same_client_id_is_stored_once(app, client):
    """What the offline queue relies on: a repeat answers 200 with the note already stored."""
    workshop, tokens = make_workshop(app)
    first = send_note(client, tokens[1], "Bus fares are too high", "3f1c2a9e-5b7d-4e0a-9c61-0d2b8e4f7a15")
    again = send_note(client, tokens[1], "Bus fares are too high", "3f1c2a9e-5b7d-4e0a-9c61-0d2b8e4f7a15")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["note"]["id"] == again.json()["note"]["id"]
    assert 'data-client-id="3f1c2a9e-5b7d-4e0a-9c61-0d2b8e4f7a15"' in again.json()["html"]
    assert count(app, Contribution.workshop_id == workshop.id) == 1


@pytest.mark.parametrize(
    ("text", "client_id", "message"),
    [
        ("   ", "empty-note-0001", "The note is empty"),
        ("x" * 10_000, "long-note-00001", "10,000 characters"),
        ("A fine idea", "bad id!", "client id"),
    ],
    ids=["empty", "10000-characters", "bad-client-id"],
)
def test_bad_note_is_refused_with_the_json_error_shape(app, client, text, client_id, message):
    workshop, tokens = make_workshop(app)
    response = send_note(client, tokens[1], text, client_id)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"} and body["ok"] is False and body["status"] == 422
    assert message in body["error"]
    assert count(app, Contribution.workshop_id == workshop.id) == 0


def test_note_of_the_longest_allowed_length_is_kept_whole(app, client):
    workshop, tokens = make_workshop(app)
    assert send_note(client, tokens[1], "y" * MAX_TEXT, "longest-note-01").status_code == 201
    with db(app) as s:
        assert len(s.scalar(select(Contribution.text).where(Contribution.workshop_id == workshop.id))) == MAX_TEXT


def test_note_when_no_round_is_open_is_refused(app, client):
    workshop, tokens = make_workshop(app, opened=False)
    response = send_note(client, tokens[1], "Too early", "too-early-00001")
    assert response.status_code == 409
    assert "No round is open" in response.json()["error"] or "not open" in response.json()["error"]


def test_host_edits_and_withdraws_own_notes(app, client):
    workshop, tokens = make_workshop(app)
    note_id = send_note(client, tokens[1], "Libary opening hours", "edit-note-00001").json()["note"]["id"]
    token = csrf(client, f"/t/{tokens[1]}")
    edited = client.post(f"/t/{tokens[1]}/notes/{note_id}", data={"text": "Library opening hours", "csrf_token": token},
                         headers={"HX-Request": "true"})
    assert edited.status_code == 200 and "Library opening hours" in edited.text and edited.text.startswith("<li")
    withdrawn = client.post(f"/t/{tokens[1]}/notes/{note_id}/withdraw", data={"csrf_token": token}, follow_redirects=False)
    assert withdrawn.status_code == 303
    with db(app) as s:
        note = s.get(Contribution, note_id)
        assert (note.text, note.status) == ("Library opening hours", "withdrawn")
    assert "Library opening hours" not in client.get(f"/t/{tokens[1]}").text


def test_another_tables_link_cannot_change_a_note(app, client):
    workshop, tokens = make_workshop(app)
    note_id = send_note(client, tokens[1], "Table one's note", "table-one-00001").json()["note"]["id"]
    token = csrf(client, f"/t/{tokens[2]}")
    response = client.post(f"/t/{tokens[2]}/notes/{note_id}", data={"text": "Defaced", "csrf_token": token})
    assert response.status_code == 403
    response = client.post(f"/t/{tokens[2]}/notes/{note_id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 403
    with db(app) as s:
        note = s.get(Contribution, note_id)
        assert (note.text, note.status) == ("Table one's note", "visible")


def test_submissions_are_rate_limited_per_table_link(app, client):
    workshop, tokens = make_workshop(app)
    limit = app.state.rate_limiter.limit
    token = csrf(client, f"/t/{tokens[1]}")
    codes = [
        client.post(f"/t/{tokens[1]}/notes", json={"text": f"Idea {i}", "client_id": f"rate-limit-{i:04d}"},
                    headers={**JSON, "X-CSRF-Token": token}).status_code
        for i in range(limit + 1)
    ]
    assert codes == [201] * limit + [429]
    assert count(app, Contribution.workshop_id == workshop.id) == limit
    # Another table has its own allowance.
    assert send_note(client, tokens[2], "Still fine", "rate-limit-other").status_code == 201


# ---- joining ---------------------------------------------------------------------------------


def test_joining_with_the_code_sets_an_httponly_cookie(app, client):
    workshop, _ = make_workshop(app)
    response = join(client, workshop.join_code.lower(), "resident")
    assert response.status_code == 303 and response.headers["location"] == "/p"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lpip_participant=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    with db(app) as s:
        participant = s.scalar(select(Participant).where(Participant.workshop_id == workshop.id))
    assert participant.sector == "resident"
    assert "Health on the Marches" in client.get("/p").text
    # Joining again from the same phone adds nobody.
    join(client, workshop.join_code)
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 1


@pytest.mark.parametrize(
    ("close", "code", "status", "message"),
    [(True, None, 409, "has closed"), (False, "ZZZZZZ", 404, "No workshop has the code")],
    ids=["closed-workshop", "unknown-code"],
)
def test_joining_a_closed_or_unknown_workshop_is_refused(app, client, close, code, status, message):
    workshop, _ = make_workshop(app)
    if close:
        with db(app) as s, s.begin():
            set_workshop_status(s, workshop.id, "closed")
    response = join(client, code or workshop.join_code)
    assert response.status_code == status and message in response.text
    assert "lpip_participant" not in response.headers.get("set-cookie", "")
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 0


def test_participant_page_without_joining_goes_to_the_join_form(client):
    response = client.get("/p", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/join"
    assert 'for="sector"' in client.get("/join").text


# ---- statements and votes --------------------------------------------------------------------


def test_statements_and_one_at_a_time_voting(app, client):
    workshop, _ = make_workshop(app, voting=True)
    with db(app) as s, s.begin():
        other = join_workshop(s, workshop.join_code)
        first, _ = add_statement(s, other, "Walk-in clinics need evening hours", "walkin-000001")
        second, _ = add_statement(s, other, "Volunteers drive people to appointments", "driving-00001")
    join(client, workshop.join_code)
    token = csrf(client, "/p")
    added = client.post("/p/statements", json={"text": "My own statement", "client_id": "mine-0000001"},
                        headers={**JSON, "X-CSRF-Token": token})
    assert added.status_code == 201
    page = client.get("/p").text
    assert "Walk-in clinics need evening hours" in re.search(r'id="vote-card">.*?</div>', page, re.S).group(0)
    # htmx posts a vote and gets the next statement; never one's own.
    card = client.post("/p/votes", data={"statement_id": first.id, "vote": "agree", "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert card.status_code == 200 and "Volunteers drive people" in card.text and "Vote saved" in card.text
    card = client.post("/p/votes", data={"statement_id": second.id, "vote": "pass", "csrf_token": token},
                       headers={"HX-Request": "true"})
    assert "No statements are waiting" in card.text and "My own statement" not in card.text


def test_voting_twice_keeps_only_the_later_vote(app, client):
    workshop, _ = make_workshop(app, voting=True)
    with db(app) as s, s.begin():
        statement, _ = add_statement(s, join_workshop(s, workshop.join_code), "More bus shelters", "shelters-0001")
    join(client, workshop.join_code)
    token = csrf(client, "/p")
    for vote in ("agree", "disagree"):
        response = client.post("/p/votes", data={"statement_id": statement.id, "vote": vote, "csrf_token": token,
                                                 "back": "list"}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/p/statements#s-{statement.id}"
    with db(app) as s:
        assert s.scalars(select(Vote.value).where(Vote.contribution_id == statement.id)).all() == [-1]
    assert "Your vote: disagree" in client.get("/p/statements").text


@pytest.mark.parametrize(
    ("voting", "vote", "status", "message"),
    [(False, "agree", 409, "Voting is not open"), (True, "maybe", 422, "agree, disagree or pass")],
    ids=["voting-closed", "unknown-vote"],
)
def test_bad_votes_are_refused(app, client, voting, vote, status, message):
    workshop, _ = make_workshop(app, voting=voting)
    with db(app) as s, s.begin():
        statement, _ = add_statement(s, join_workshop(s, workshop.join_code), "Pharmacies open later", "pharmacy-0001")
    join(client, workshop.join_code)
    response = client.post("/p/votes", json={"statement_id": statement.id, "vote": vote},
                           headers={**JSON, "X-CSRF-Token": csrf(client, "/p")})
    assert response.status_code == status and message in response.json()["error"]
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Vote)) == 0


# ---- the harvest -------------------------------------------------------------------------------


def test_dots_within_the_allowance_are_kept_and_too_many_are_refused(app, client):
    workshop, _ = make_workshop(app, harvest=True)
    with db(app) as s, s.begin():
        first = add_priority(s, workshop.id, "Evening GP hours").id
        second = add_priority(s, workshop.id, "Community transport").id
    join(client, workshop.join_code)
    token = csrf(client, "/p")
    page = client.get("/p").text
    assert f'<label for="dots-{first}" dir="auto">Evening GP hours</label>' in page
    ok = client.post("/p/dots", data={f"dots-{first}": "2", f"dots-{second}": "1", "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    too_many = client.post("/p/dots", data={f"dots-{first}": "3", f"dots-{second}": "1", "csrf_token": token})
    assert too_many.status_code == 422 and "You have 3 dots and tried to spend 4" in too_many.text
    with db(app) as s:
        assert dict(s.execute(select(Dot.contribution_id, Dot.dots)).all()) == {first: 2, second: 1}


def test_dots_when_the_harvest_is_closed_are_refused(app, client):
    workshop, _ = make_workshop(app)
    with db(app) as s, s.begin():
        priority = add_priority(s, workshop.id, "Evening GP hours").id
    join(client, workshop.join_code)
    response = client.post("/p/dots", json={f"dots-{priority}": 1}, headers={**JSON, "X-CSRF-Token": csrf(client, "/p")})
    assert response.status_code == 409 and "harvest vote is not open" in response.json()["error"]
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Dot)) == 0


def test_participant_of_a_closed_workshop_can_no_longer_post(app, client):
    workshop, _ = make_workshop(app, voting=True)
    join(client, workshop.join_code)
    token = csrf(client, "/p")
    with db(app) as s, s.begin():
        set_workshop_status(s, workshop.id, "closed")
    response = client.post("/p/statements", json={"text": "Late", "client_id": "late-0000001"},
                           headers={**JSON, "X-CSRF-Token": token})
    assert response.status_code == 409
    assert count(app, Contribution.workshop_id == workshop.id) == 0


# ---- demonstration workshops -------------------------------------------------------------------


def test_demo_banner_on_the_host_and_participant_pages(app, client):
    demo, tokens = make_workshop(app, is_demo=True, voting=True)
    join(client, demo.join_code)
    for url in (f"/t/{tokens[1]}", "/p", "/p/statements"):
        assert "DEMONSTRATION: made-up data" in client.get(url).text, url
    real, real_tokens = make_workshop(app)
    assert "DEMONSTRATION" not in client.get(f"/t/{real_tokens[1]}").text
    with db(app) as s:
        assert s.get(Workshop, demo.id).is_demo is True


def test_a_body_that_is_not_json_is_refused_clearly(app, client):
    workshop, tokens = make_workshop(app)
    response = client.post(f"/t/{tokens[1]}/notes", content=b"{text: unquoted",
                           headers={**JSON, "Content-Type": "application/json", "X-CSRF-Token": csrf(client)})
    assert response.status_code == 422 and "not valid JSON" in response.json()["error"]
    assert count(app, Contribution.workshop_id == workshop.id) == 0
