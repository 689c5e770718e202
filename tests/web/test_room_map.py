"""The room map fragment on the participant page and the projector: groups, where they sit, what
all agree on, no ids; in the reader's language."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_i18n import test_locales, untranslated  # noqa: F401  (test_locales is a fixture)

from lpip.deliberation.room import MIN_GROUP_SHOWN
from lpip.errors import InvalidSettings
from lpip.workshops.accounts import create_user
from lpip.workshops.capture import add_statement, cast_vote, join_workshop
from lpip.workshops.models import Contribution, Participant
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a long made-up password 42"


def _workshop(app, owner: int | None = None):
    with app.state.sessions() as s, s.begin():
        workshop = create_workshop(s, "MADE-UP room map workshop", [RoundSpec("What would help?", 20)], tables=2,
                                   created_by=owner)
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


def _vote_three(client) -> None:
    """This phone votes on three statements through the page's own form."""
    for _ in range(3):
        page = client.get("/p").text
        card = re.search(r'name="statement_id" value="(\d+)"', page).group(1)
        client.post("/p/votes", data={"statement_id": card, "vote": "agree", "csrf_token": CSRF.search(page).group(1)},
                    headers={"HX-Request": "true"})


def _facilitator(app) -> tuple[int, TestClient]:
    """A facilitator signed in on a client of their own (the projector's screen)."""
    with app.state.sessions() as s, s.begin():
        user_id = create_user(s, "fac@example.org", "Fran Facilitator", PASSWORD).id
    screen = TestClient(app)
    token = CSRF.search(screen.get("/login").text).group(1)
    response = screen.post("/login", data={"email": "fac@example.org", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    return user_id, screen


def _marks(fragment: str) -> dict[str, int]:
    """Marks drawn per group letter: one closed sub-path per mark in the group's path."""
    groups = re.findall(r'<g class="room-picture-group group-\d" data-group="(\w)">\s*<path class="marks" d="([^"]+)"/>'
                        r'\s*<text[^>]*>(\w) · (\d+)</text>', fragment)
    assert groups, "no group drawn"
    for name, path, letter, size in groups:
        assert letter == name and path.count("M") == int(size), name
    return {name: path.count("M") for name, path, _, _ in groups}


def test_the_map_draws_every_grouped_person_as_an_anonymous_mark_and_this_phone_as_you(app, client, made_up_room):
    owner, screen = _facilitator(app)
    workshop_id, code = _workshop(app, owner)
    with app.state.sessions() as s, s.begin():
        made_up_room(s, workshop_id, people=14)
    _join(client, code)
    _vote_three(client)
    fragment = client.get("/p/room-map").text
    with app.state.sessions() as s:
        room = app.state.room_maps.get(s, workshop_id)
    svg = re.search(r"<svg.*?</svg>", fragment, flags=re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="room-picture-title room-picture-desc"' in svg
    assert "<title id=\"room-picture-title\">Where the opinion groups sit</title>" in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, flags=re.S).group(1)
    for group in room.groups:
        assert f"Group {group['name']}: {group['size']} people." in desc
    assert _marks(fragment) == {g["name"]: g["size"] for g in room.groups}
    # "You" once, at this phone's place; nothing else that could single anyone out.
    assert fragment.count(">You</text>") == 1 and "Your own place is ringed" in desc
    assert re.search(r"<title>", svg.split("</title>", 1)[1]) is None  # no per-mark tooltip
    assert "<circle" in svg and svg.count("<circle") == 1  # the ring around "You"; the marks are paths
    assert not re.search(r"\b(id|data-participant|data-id)=\"(?!room-picture)", svg)
    # The projector draws the same groups and marks, with no "You".
    projector = screen.get(f"/workshops/{workshop_id}/room-map").text
    assert _marks(projector) == _marks(fragment)
    assert "You" not in projector and "room-picture-you" not in projector
    screen.close()


def test_a_room_not_ready_is_worded_by_the_page_from_its_reason_code(app, client):
    workshop_id, code = _workshop(app)
    with app.state.sessions() as s, s.begin():
        statement, _ = add_statement(s, join_workshop(s, code), "MADE-UP: more benches", "made-up-bench-1")
        others = [join_workshop(s, code) for _ in range(2)]
        for other in others:
            cast_vote(s, other, statement.id, "agree")
        for i in range(2):
            add_statement(s, others[0], f"MADE-UP: a statement to vote on {i}", f"made-up-more-{i}")
    _join(client, code)
    _vote_three(client)  # four people, three statements, too few votes in common to form groups
    fragment = client.get("/p/room-map").text
    assert "Not enough votes yet: the map appears once people have voted on more statements." in fragment
    assert "few_votes" not in fragment and "<svg" not in fragment


def test_a_small_group_is_drawn_but_its_statements_are_withheld_with_the_reason(app, client, made_up_room):
    workshop_id, code = _workshop(app)
    with app.state.sessions() as s, s.begin():
        made_up_room(s, workshop_id, people=14)
        statements = list(s.scalars(select(Contribution.id).where(Contribution.workshop_id == workshop_id)
                                    .order_by(Contribution.id)))
        for _ in range(MIN_GROUP_SHOWN - 1):  # made-up contrarians: a group of their own, too small to show
            person = join_workshop(s, code, burst=100)
            for i, statement in enumerate(statements):
                cast_vote(s, person, statement, "agree" if i < 8 else "disagree")
    _join(client, code)
    _vote_three(client)
    fragment = client.get("/p/room-map").text
    small = [name for name, n in _marks(fragment).items() if n < MIN_GROUP_SHOWN]
    assert len(small) == 1
    card = re.search(rf"<h3>Group {small[0]}: .*?</li>", fragment, flags=re.S).group(0)
    assert f"it has fewer than {MIN_GROUP_SHOWN} people, and its votes could tell who they are" in card
    assert "What sets them apart" not in card and "MADE-UP" not in card
    assert fragment.count("What sets them apart") == len(_marks(fragment)) - 1


def test_the_map_is_in_the_readers_language_on_the_phone_and_the_projector(app, client, made_up_room, test_locales):  # noqa: F811
    owner, screen = _facilitator(app)
    workshop_id, code = _workshop(app, owner)
    with app.state.sessions() as s, s.begin():
        made_up_room(s, workshop_id, people=14)
    client.get("/join?lang=en_XA")
    _join(client, code)
    _vote_three(client)
    screen.get("/login?lang=en_XA")
    for fragment in (client.get("/p/room-map").text, screen.get(f"/workshops/{workshop_id}/room-map").text):
        assert "<svg" in fragment and "<desc" in fragment and "⟦" in fragment
        # Left aside: the statements people typed, and the groups' letters with their sizes.
        shown = re.sub(r'<span dir="auto">MADE-UP:[^<]*</span>', " ", fragment)
        assert untranslated(re.sub(r">[A-H] · \d+<", "><", shown)) == []
    screen.close()


def test_the_poll_interval_comes_from_the_environment(app, db_url, tmp_path, monkeypatch):
    from lpip.config import Settings
    from lpip.web import create_app

    assert app.state.room_map_seconds == 10
    monkeypatch.setenv("LPIP_ROOM_MAP_SECONDS", "2")
    quick = create_app(Settings(database_url=db_url, secret_key="test-secret-" + "x" * 40))
    try:
        assert quick.state.room_map_seconds == 2
        workshop_id, code = _workshop(quick)
        with TestClient(quick) as phone:
            _join(phone, code)
            assert 'hx-trigger="load, every 2s, lpip-voted from:body"' in phone.get("/p").text
    finally:
        quick.state.engine.dispose()
    for wrong in ("0", "soon", "-5"):
        monkeypatch.setenv("LPIP_ROOM_MAP_SECONDS", wrong)
        with pytest.raises(InvalidSettings, match="LPIP_ROOM_MAP_SECONDS"):
            create_app(Settings(database_url=db_url, secret_key="test-secret-" + "x" * 40))
