"""The room map fragment on the participant page and the projector: groups, what all agree on, no ids."""

from __future__ import annotations

import re

from sqlalchemy import select

from lpip.workshops.capture import add_statement, join_workshop
from lpip.workshops.models import Participant
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _workshop(app):
    with app.state.sessions() as s, s.begin():
        workshop = create_workshop(s, "MADE-UP room map workshop", [RoundSpec("What would help?", 20)], tables=2)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True)
        return workshop.id, workshop.join_code


def _join(client, code: str) -> None:
    token = CSRF.search(client.get("/").text).group(1)
    assert client.post("/join", data={"code": code, "csrf_token": token}, follow_redirects=False).status_code == 303


def test_with_few_votes_the_fragment_says_not_enough_votes_yet(app, client):
    workshop_id, code = _workshop(app)
    with app.state.sessions() as s, s.begin():
        add_statement(s, join_workshop(s, code), "MADE-UP: more benches", "made-up-bench-1")
    _join(client, code)
    page = client.get("/p")
    assert 'hx-get="/p/room-map"' in page.text
    fragment = client.get("/p/room-map")
    assert fragment.status_code == 200
    assert "Not enough votes yet" in fragment.text and "room-groups" not in fragment.text


def test_with_a_made_up_room_the_fragment_shows_groups_and_no_participant_ids(app, client, made_up_room):
    workshop_id, code = _workshop(app)
    with app.state.sessions() as s, s.begin():
        ids = made_up_room(s, workshop_id, people=14)
    _join(client, code)
    with app.state.sessions() as s, s.begin():
        me = s.scalar(select(Participant).order_by(Participant.id.desc()))
        tokens = {p.token for p in s.scalars(select(Participant))}
    # This phone votes on three statements through the page's own form.
    for _ in range(3):
        page = client.get("/p").text
        card = re.search(r'name="statement_id" value="(\d+)"', page).group(1)
        client.post("/p/votes", data={"statement_id": card, "vote": "agree", "csrf_token": CSRF.search(page).group(1)},
                    headers={"HX-Request": "true"})
    fragment = client.get("/p/room-map").text
    assert "Not enough votes yet" not in fragment
    assert len(re.findall(r'class="card room-group"', fragment)) >= 2
    assert "MADE-UP: step-free stations" in fragment  # agreed by everyone
    for token in tokens:
        assert token not in fragment
    for pid in [*ids, me.id]:
        assert f"participant {pid}" not in fragment and f"#{pid}" not in fragment and f'"{pid}"' not in fragment
    assert app.state.room_maps.computed >= 1
    before = app.state.room_maps.computed
    client.get("/p/room-map")
    assert app.state.room_maps.computed == before  # no vote since: the cached map is served
