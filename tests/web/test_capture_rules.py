"""The rules of taking part, on the pages and in the API alike: joining is throttled per workshop
code and never per address (a venue's phones share one router); drafts cannot be joined; nobody
votes on their own statement; a client id belongs to its author."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.workshops.capture import JOIN_BURST, add_note, add_statement, join_workshop, set_walkin
from lpip.workshops.models import Contribution, HostLink, Participant, Vote
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JSON = {"Accept": "application/json"}


def make_workshop(app, opened: bool = True) -> dict:
    with session_scope(app.state.engine) as s:
        workshop = create_workshop(s, "Rules", [RoundSpec("What works?")], tables=2)
        if opened:
            open_round(s, workshop.id, 1)
            set_voting(s, workshop.id, voting_open=True)
        hosts = dict(s.execute(select(HostLink.table_number, HostLink.token).where(HostLink.workshop_id == workshop.id)).all())
        return dict(id=workshop.id, code=workshop.join_code, hosts=hosts)


def participants(app) -> int:
    with session_scope(app.state.engine) as s:
        return s.scalar(select(func.count()).select_from(Participant))


def page_join(app, code: str):
    """A new phone (its own cookies) joining through the page, from the same address as all the others."""
    phone = TestClient(app)
    token = CSRF.search(phone.get("/join").text).group(1)
    return phone, phone.post("/join", data={"code": code, "csrf_token": token}, follow_redirects=False)


# ---- joining ----------------------------------------------------------------------------------------


def test_45_phones_behind_one_router_all_join(app):
    workshop = make_workshop(app)
    statuses = [page_join(app, workshop["code"])[1].status_code for _ in range(25)]
    with TestClient(app) as api:
        statuses += [api.post("/api/v1/join", json={"code": workshop["code"]}).status_code for _ in range(20)]
    assert statuses == [303] * 25 + [201] * 20
    assert participants(app) == 45


def test_a_burst_of_100_joins_with_one_code_is_capped(app):
    workshop = make_workshop(app)
    with TestClient(app) as api:
        answers = [api.post("/api/v1/join", json={"code": workshop["code"]}) for _ in range(100)]
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * JOIN_BURST + [429] * (100 - JOIN_BURST)
    refused = answers[-1]
    assert "wait a few seconds" in refused.json()["error"] and refused.headers["retry-after"] == "10"
    assert participants(app) == JOIN_BURST
    # Another workshop's code is not held back by this one's burst.
    other = make_workshop(app)
    assert page_join(app, other["code"])[1].status_code == 303


def test_the_join_page_says_why_a_burst_is_refused(app, monkeypatch):
    app.state.join_burst = 2
    workshop = make_workshop(app)
    assert [page_join(app, workshop["code"])[1].status_code for _ in range(2)] == [303, 303]
    _, refused = page_join(app, workshop["code"])
    assert refused.status_code == 429 and "wait a few seconds" in refused.text and "lpip_participant" not in refused.headers.get("set-cookie", "")


def test_guessing_codes_is_limited_per_address_but_the_right_code_still_works(app):
    workshop = make_workshop(app)
    with TestClient(app) as api:
        guesses = [api.post("/api/v1/join", json={"code": f"ZZZ{n:03d}"}).status_code for n in range(31)]
        assert guesses == [404] * 30 + [429]
        assert api.post("/api/v1/join", json={"code": workshop["code"]}).status_code == 201


@pytest.mark.parametrize("where", ["page", "api"])
def test_a_draft_workshop_cannot_be_joined(app, where):
    workshop = make_workshop(app, opened=False)
    if where == "page":
        _, response = page_join(app, workshop["code"])
        assert response.status_code == 409 and "has not opened yet" in response.text
    else:
        response = TestClient(app).post("/api/v1/join", json={"code": workshop["code"]})
        assert response.status_code == 409 and "has not opened yet" in response.json()["error"]
    assert participants(app) == 0


# ---- nobody votes on their own statement --------------------------------------------------------


def test_a_participant_cannot_vote_on_their_own_statement(app):
    workshop = make_workshop(app)
    phone, _ = page_join(app, workshop["code"])
    token = CSRF.search(phone.get("/p").text).group(1)
    own = phone.post("/p/statements", json={"text": "My idea", "client_id": "own-statement-1"},
                     headers={**JSON, "X-CSRF-Token": token}).json()["statement"]["id"]
    refused = phone.post("/p/votes", json={"statement_id": own, "vote": "agree"}, headers={**JSON, "X-CSRF-Token": token})
    assert refused.status_code == 403 and "You wrote this statement" in refused.json()["error"]
    with TestClient(app) as api:
        member = {"X-Participant-Token": api.post("/api/v1/join", json={"code": workshop["code"]}).json()["participant_token"]}
        mine = api.post("/api/v1/statements", headers=member, json={"text": "Mine", "client_id": "own-statement-2"}).json()["id"]
        assert api.post("/api/v1/votes", headers=member, json={"statement_id": mine, "vote": "agree"}).status_code == 403
        # Somebody else's is fine.
        assert api.post("/api/v1/votes", headers=member, json={"statement_id": own, "vote": "agree"}).status_code == 200
    with session_scope(app.state.engine) as s:
        assert s.scalars(select(Vote.contribution_id)).all() == [own]


# ---- client ids belong to their author ----------------------------------------------------------


def test_another_tables_client_id_returns_an_error_not_that_tables_note(app):
    workshop = make_workshop(app)
    with session_scope(app.state.engine) as s:
        link = s.scalar(select(HostLink).where(HostLink.token == workshop["hosts"][1]))
        add_note(s, link, "Table one's private thought", "shared-client-id")
    with TestClient(app) as client:
        api = client.post("/api/v1/notes", headers={"X-Host-Token": workshop["hosts"][2]},
                          json={"text": "Table two", "client_id": "shared-client-id"})
        assert api.status_code == 409 and "Table one" not in api.text
        token = CSRF.search(client.get("/join").text).group(1)
        page = client.post(f"/t/{workshop['hosts'][2]}/notes", json={"text": "Table two", "client_id": "shared-client-id"},
                           headers={**JSON, "X-CSRF-Token": token})
        assert page.status_code == 409 and "Table one" not in page.text
    with session_scope(app.state.engine) as s:
        assert s.scalars(select(Contribution.text)).all() == ["Table one's private thought"]


def test_a_participants_client_id_is_theirs_alone(app):
    workshop = make_workshop(app)
    with session_scope(app.state.engine) as s:
        author = join_workshop(s, workshop["code"])
        add_statement(s, author, "The author's statement", "stmt-client-id-1")
    with TestClient(app) as api:
        member = {"X-Participant-Token": api.post("/api/v1/join", json={"code": workshop["code"]}).json()["participant_token"]}
        response = api.post("/api/v1/statements", headers=member, json={"text": "Copy", "client_id": "stmt-client-id-1"})
        assert response.status_code == 409 and "author" not in response.text


# ---- personal codes, the walk-in cap and consent on the join page ---------------------------------


def register(app, workshop: dict, count: int) -> list[str]:
    from lpip.workshops.attendees import register_attendee

    with session_scope(app.state.engine) as s:
        return [register_attendee(s, workshop["id"], f"Made-up Attendee {n:02d}", "public",
                                  email=f"made-up{n:02d}@example.org").join_code for n in range(count)]


def consent_join(app, code: str, consent: str = "yes", sector: str = ""):
    phone = TestClient(app)
    token = CSRF.search(phone.get(f"/join?code={code}").text).group(1)
    data = {"code": code, "consent": consent, "sector": sector, "csrf_token": token}
    return phone, phone.post("/join", data=data, follow_redirects=False)


def test_45_phones_behind_one_router_join_with_personal_codes(app):
    workshop = make_workshop(app)
    codes = register(app, workshop, 45)
    assert [consent_join(app, code)[1].status_code for code in codes] == [303] * 45
    with session_scope(app.state.engine) as s:
        rows = s.execute(select(Participant.attendee_id, Participant.consent_archive, Participant.joined_with)).all()
    assert len(rows) == 45 and all(a is not None and c is True and w == "personal" for a, c, w in rows)


def test_a_walk_in_burst_beyond_the_cap_is_refused_plainly(app):
    workshop = make_workshop(app)
    register(app, workshop, 5)  # cap: 5 + 20 % = 6 in the room
    with session_scope(app.state.engine) as s:
        set_walkin(s, workshop["id"], True)  # registered attendees: walk-ins need the facilitator's switch
    answers = [consent_join(app, workshop["code"], "no", "resident")[1] for _ in range(8)]
    assert [a.status_code for a in answers] == [303] * 6 + [409] * 2
    assert "The room is full: 6 people have joined" in answers[-1].text
    assert "lpip_participant" not in answers[-1].headers.get("set-cookie", "")
    with session_scope(app.state.engine) as s:
        stored = s.execute(select(Participant.sector, Participant.consent_archive, Participant.consent_wording)).all()
    assert len(stored) == 6 and {tuple(row[:2]) for row in stored} == {("resident", False)}
    from lpip.workshops.capture import CONSENT_WORDING

    assert {row[2] for row in stored} == {CONSENT_WORDING}


def test_the_join_page_shows_the_privacy_notice_and_asks_for_consent(app):
    workshop = make_workshop(app)
    code = register(app, workshop, 1)[0]
    personal = TestClient(app).get(f"/join?code={code}").text
    assert "Your privacy" in personal and 'name="consent" value="yes" required' in personal
    assert 'name="sector"' not in personal  # a personal code brings the registration's sector
    walk_in = TestClient(app).get(f"/join?code={workshop['code']}").text
    assert 'name="sector"' in walk_in and 'name="consent" value="no"' in walk_in


def test_one_participant_per_phone_cookie_and_per_card(app):
    workshop = make_workshop(app)
    code = register(app, workshop, 1)[0]
    with session_scope(app.state.engine) as s:
        set_walkin(s, workshop["id"], True)
    phone, first = consent_join(app, workshop["code"])
    token = CSRF.search(phone.get("/join").text).group(1)
    again = phone.post("/join", data={"code": code, "consent": "yes", "csrf_token": token}, follow_redirects=False)
    assert (first.status_code, again.status_code) == (303, 303)
    _, other_phone = consent_join(app, code)
    assert other_phone.status_code == 303 and participants(app) == 1
