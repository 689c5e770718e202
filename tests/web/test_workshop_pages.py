"""Facilitators' pages: workshops, rounds, voting, moderation, attendees, the dashboard and its events."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_note, add_statement, join_workshop, live_counts
from lpip.workshops.models import Contribution, HostLink, Round, UserAccount, Workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def db(app):
    return app.state.sessions()


def csrf(client, url: str = "/login") -> str:
    return CSRF.search(client.get(url).text).group(1)


@pytest.fixture
def facilitator(app, client):
    """A signed-in facilitator; returns the account's id."""
    with db(app) as s, s.begin():
        user_id = create_user(s, "fac@example.org", "Fran Facilitator", PASSWORD).id
    response = client.post("/login", data={"email": "fac@example.org", "password": PASSWORD, "csrf_token": csrf(client)},
                           follow_redirects=False)
    assert response.status_code == 303
    return user_id


def make_workshop(app, tables: int = 3, is_demo: bool = False, opened: bool = True) -> Workshop:
    """A workshop owned by the test's facilitator (fac@example.org), when there is one."""
    with db(app) as s, s.begin():
        owner = s.scalar(select(UserAccount.id).where(UserAccount.email == "fac@example.org"))
        workshop = create_workshop(
            s, "Transport in the Black Country", [RoundSpec("What gets in the way of getting to work?", 20),
                                                  RoundSpec("What would help most?", 25)],
            tables=tables, subregion_code="WM-BC", is_demo=is_demo, created_by=owner,
        )
        if opened:
            open_round(s, workshop.id, 1)
    return workshop


def host_link(app, workshop_id: int, table: int) -> HostLink:
    with db(app) as s:
        return s.scalar(select(HostLink).where(HostLink.workshop_id == workshop_id, HostLink.table_number == table))


def post(client, url: str, data: dict, page: str, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf(client, page)}, follow_redirects=False, **kwargs)


# ---- the workshop list and creating a workshop --------------------------------------------


def test_workshop_list_needs_a_facilitator(client):
    response = client.get("/workshops")
    assert response.status_code == 403
    assert "facilitator" in response.text


def test_create_workshop_from_the_form(app, client, facilitator):
    page = client.get("/workshops")
    assert page.status_code == 200
    assert "Birmingham &amp; Solihull" in page.text  # sub-regions offered from the bundled sets
    response = post(client, "/workshops", {
        "title": "Skills in Worcestershire", "on": "2025-03-14", "venue": "The Hive", "tables": "4", "dots": "3",
        "subregion_code": "WM-WORCS", "question": ["Who is missing from training?", "What would you change?", "", ""],
        "minutes": ["20", "30", "25", "25"],
    }, "/workshops")
    assert response.status_code == 303
    workshop_id = int(response.headers["location"].rsplit("/", 1)[1])
    with db(app) as s:
        workshop = s.get(Workshop, workshop_id)
        rounds = s.scalars(select(Round).where(Round.workshop_id == workshop_id).order_by(Round.number)).all()
        links = s.scalars(select(HostLink).where(HostLink.workshop_id == workshop_id)).all()
    assert (workshop.title, workshop.tables, workshop.dots_per_participant) == ("Skills in Worcestershire", 4, 3)
    assert workshop.created_by == facilitator and workshop.subregion_code == "WM-WORCS"
    assert [(r.question, r.minutes) for r in rounds] == [("Who is missing from training?", 20), ("What would you change?", 30)]
    page = client.get(f"/workshops/{workshop_id}")
    assert workshop.join_code in page.text
    assert all(f"/t/{link.token}" in page.text for link in links) and len(links) == 4


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "needs a title"),
        ({"question": ["", "", "", ""]}, "at least one round"),
        ({"tables": "0"}, "from 1 to 50"),
        ({"on": "14/03/2025"}, "YYYY-MM-DD"),
        ({"minutes": ["two", "25", "25", "25"]}, "Round 1: minutes"),
        ({"subregion_code": "WM-NOWHERE"}, "WM-NOWHERE"),
    ],
    ids=["blank-title", "no-question", "no-tables", "bad-date", "bad-minutes", "unknown-subregion"],
)
def test_create_workshop_bad_input_says_why_and_stores_nothing(app, client, facilitator, fields, message):
    data = {"title": "A title", "tables": "3", "dots": "5", "question": ["Q1", "", "", ""], "minutes": ["25"] * 4, **fields}
    response = post(client, "/workshops", data, "/workshops")
    assert response.status_code == 422
    assert message in response.text
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Workshop)) == 0


# ---- running a workshop ----------------------------------------------------------------------


def test_open_and_close_rounds_and_voting(app, client, facilitator):
    workshop = make_workshop(app, opened=False)
    page = f"/workshops/{workshop.id}"
    assert post(client, f"{page}/rounds/2", {"action": "open"}, page).status_code == 303
    with db(app) as s:
        assert [r.status for r in s.scalars(select(Round).where(Round.workshop_id == workshop.id).order_by(Round.number))] == ["pending", "open"]
        assert s.get(Workshop, workshop.id).status == "open"
    response = post(client, f"{page}/rounds/2", {"action": "close", "back": "dashboard"}, page)
    assert response.headers["location"] == f"{page}/dashboard"
    post(client, f"{page}/voting", {"what": "voting", "action": "open"}, page)
    post(client, f"{page}/voting", {"what": "harvest", "action": "open"}, page)
    with db(app) as s:
        changed = s.get(Workshop, workshop.id)
        assert changed.voting_open and changed.harvest_open
    assert post(client, f"{page}/status", {"status": "closed", "confirm": "close"}, page).status_code == 303
    with db(app) as s:
        closed = s.get(Workshop, workshop.id)
        assert (closed.status, closed.voting_open, closed.harvest_open) == ("closed", False, False)


def test_round_that_does_not_exist_is_a_clear_404(app, client, facilitator):
    workshop = make_workshop(app)
    response = post(client, f"/workshops/{workshop.id}/rounds/9", {"action": "open"}, f"/workshops/{workshop.id}")
    assert response.status_code == 404
    assert "has no round 9" in response.text


def test_unknown_workshop_is_a_404(client, facilitator):
    response = client.get("/workshops/999999")
    assert response.status_code == 404
    assert "no workshop 999999" in response.text


def test_moderation_hides_a_statement_of_this_workshop_only(app, client, facilitator):
    workshop, other = make_workshop(app), make_workshop(app)
    with db(app) as s, s.begin():
        participant = join_workshop(s, workshop.join_code)
        statement, _ = add_statement(s, participant, "Buses should run after 11pm", "statement-0001")
        stranger = join_workshop(s, other.join_code)
        foreign, _ = add_statement(s, stranger, "Another workshop's statement", "statement-0002")
    page = f"/workshops/{workshop.id}"
    assert post(client, f"{page}/contributions/{statement.id}/status", {"status": "hidden"}, page).status_code == 303
    assert post(client, f"{page}/contributions/{foreign.id}/status", {"status": "hidden"}, page).status_code == 404
    with db(app) as s:
        assert s.get(Contribution, statement.id).status == "hidden"
        assert s.get(Contribution, foreign.id).status == "visible"
    assert "Show again" in client.get(page).text


def test_priorities_are_added_for_the_harvest(app, client, facilitator):
    workshop = make_workshop(app)
    page = f"/workshops/{workshop.id}"
    assert post(client, f"{page}/priorities", {"text": "A night bus network"}, page).status_code == 303
    with db(app) as s:
        kinds = s.execute(select(Contribution.kind, Contribution.text).where(Contribution.workshop_id == workshop.id)).all()
    assert kinds == [("priority", "A night bus network")]
    assert "A night bus network" in client.get(page).text


def test_attendee_names_and_organisations_are_on_the_facilitators_page(app, client, facilitator):
    workshop = make_workshop(app)
    with db(app) as s, s.begin():
        register_attendee(s, workshop.id, "Priya Sharma", "voluntary and community", organisation="Dudley CVS")
    page = client.get(f"/workshops/{workshop.id}/attendees")
    assert page.status_code == 200
    assert "Priya Sharma" in page.text and "Dudley CVS" in page.text


# ---- the dashboard and its event stream ---------------------------------------------------


def test_dashboard_counts_notes_per_table_and_round(app, client, facilitator):
    workshop = make_workshop(app)
    with db(app) as s, s.begin():
        link1 = s.scalar(select(HostLink).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        link3 = s.scalar(select(HostLink).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 3))
        for i in range(3):
            add_note(s, link1, f"Table one, idea {i}", f"note-t1-{i:04d}")
        add_note(s, link3, "Table three's only idea", "note-t3-0000")
    page = client.get(f"/workshops/{workshop.id}/dashboard").text
    cell = lambda t, r: re.search(rf'id="count-{t}-{r}">(\d+)<', page).group(1)  # noqa: E731
    assert (cell(1, 1), cell(2, 1), cell(3, 1), cell(1, 2)) == ("3", "0", "1", "0")
    assert "Table three&#39;s only idea" in page
    assert 'src="/static/js/dashboard.js"' in page


def events(text: str) -> list[tuple[str | None, str, object]]:
    """Parse a text/event-stream body into (id, event, data) triples."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            found.append((fields.get("id"), fields["event"], json.loads(fields["data"])))
    return found


def test_event_stream_sends_new_contributions_and_counts(app, client, facilitator):
    workshop = make_workshop(app)
    link = host_link(app, workshop.id, 2)
    with db(app) as s, s.begin():
        first, _ = add_note(s, link, "Already on the page", "note-first-01")
    with db(app) as s, s.begin():
        second, _ = add_note(s, s.merge(link), "Arrived later", "note-second-1")
        hidden, _ = add_note(s, s.merge(link), "Withdrawn at once", "note-hidden-1")
        hidden.status = "withdrawn"
    response = client.get(f"/workshops/{workshop.id}/events?after={first.id}&once=true")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    sent = events(response.text)
    contributions = [data for _, kind, data in sent if kind == "contribution"]
    assert [c["text"] for c in contributions] == ["Arrived later"]
    assert [event_id for event_id, kind, _ in sent if kind == "contribution"] == [str(second.id)]
    with db(app) as s:
        assert [data for _, kind, data in sent if kind == "counts"] == [live_counts(s, workshop.id)]
    # A reconnecting EventSource sends the last id it saw: nothing is repeated.
    again = client.get(f"/workshops/{workshop.id}/events?once=true", headers={"Last-Event-ID": str(second.id)})
    assert "contribution" not in [kind for _, kind, _ in events(again.text)]


def test_event_stream_is_for_facilitators_only(app, client):
    workshop = make_workshop(app)
    response = client.get(f"/workshops/{workshop.id}/events?once=true")
    assert response.status_code == 403


def test_demo_workshop_pages_carry_the_banner(app, client, facilitator):
    workshop = make_workshop(app, is_demo=True)
    ordinary = make_workshop(app)
    for suffix in ("", "/attendees", "/dashboard"):
        assert "DEMONSTRATION: made-up data" in client.get(f"/workshops/{workshop.id}{suffix}").text
        assert "DEMONSTRATION: made-up data" not in client.get(f"/workshops/{ordinary.id}{suffix}").text


# ---- the notes' consent to archiving -------------------------------------------------------


def test_notes_consent_is_declared_with_who_and_when_and_can_be_withdrawn(app, client, facilitator):
    workshop = make_workshop(app)
    page = f"/workshops/{workshop.id}"
    assert "Not declared" in client.get(page).text
    unconfirmed = post(client, f"{page}/notes-consent", {"consent": "yes"}, page)
    assert unconfirmed.status_code in (400, 422) and "Tick the box" in unconfirmed.text
    with db(app) as s:
        assert s.get(Workshop, workshop.id).notes_consent is False
    assert post(client, f"{page}/notes-consent", {"consent": "yes", "confirm": "on"}, page).status_code == 303
    with db(app) as s:
        declared = s.get(Workshop, workshop.id)
        assert declared.notes_consent and declared.notes_consent_by == "Fran Facilitator <fac@example.org>"
        assert declared.notes_consent_at is not None
    assert "Declared: this workshop" in client.get(page).text
    assert post(client, f"{page}/notes-consent", {"consent": "no"}, page).status_code == 303
    with db(app) as s:
        assert s.get(Workshop, workshop.id).notes_consent is False


def test_notes_consent_needs_csrf_and_a_facilitator(app, client):
    workshop = make_workshop(app)
    response = client.post(f"/workshops/{workshop.id}/notes-consent", data={"consent": "yes", "confirm": "on"},
                           follow_redirects=False)
    assert response.status_code in (400, 403)
    with db(app) as s:
        assert s.get(Workshop, workshop.id).notes_consent is False


# ---- the workshop day: closing, undo, walk-ins, the room's live values, the projector --------------


def test_closing_the_workshop_takes_a_confirmation(app, client, facilitator):
    workshop = make_workshop(app)
    page = f"/workshops/{workshop.id}"
    one_tap = post(client, f"{page}/status", {"status": "closed"}, page)
    assert one_tap.status_code == 303 and one_tap.headers["location"].startswith(f"{page}?confirm=close")
    with db(app) as s:
        assert s.get(Workshop, workshop.id).status == "open"
    asked = client.get(one_tap.headers["location"]).text
    assert 'id="confirm-close"' in asked and "Yes, close the workshop" in asked
    post(client, f"{page}/status", {"status": "closed", "confirm": "close"}, page)
    with db(app) as s:
        assert s.get(Workshop, workshop.id).status == "closed"


def test_hiding_from_the_dashboard_can_be_undone(app, client, facilitator):
    workshop = make_workshop(app)
    with db(app) as s, s.begin():
        note, _ = add_note(s, host_link(app, workshop.id, 1), "Hidden by mistake", "note-undo-0001")
    dashboard = f"/workshops/{workshop.id}/dashboard"
    hidden = post(client, f"/workshops/{workshop.id}/contributions/{note.id}/status", {"status": "hidden", "back": "dashboard"},
                  dashboard)
    assert hidden.headers["location"] == f"{dashboard}?hidden={note.id}#undo"
    page = client.get(hidden.headers["location"]).text
    assert 'id="undo"' in page and "Hidden by mistake" in page
    post(client, f"/workshops/{workshop.id}/contributions/{note.id}/status", {"status": "visible", "back": "dashboard"}, dashboard)
    with db(app) as s:
        assert s.get(Contribution, note.id).status == "visible"


def test_the_facilitator_switches_walk_ins_and_sets_the_cap(app, client, facilitator):
    workshop = make_workshop(app)
    page = f"/workshops/{workshop.id}"
    post(client, f"{page}/walkin", {"walkin": "off", "cap": "", "expected": "32"}, page)
    with db(app) as s:
        changed = s.get(Workshop, workshop.id)
        assert (changed.walkin_open, changed.walkin_cap, changed.expected) == (False, None, 32)
    text = client.get(page).text
    assert 'id="walkin-state">off' in text and "of 32 expected" in text
    post(client, f"{page}/walkin", {"walkin": "on", "cap": "40", "expected": ""}, page)
    with db(app) as s:
        changed = s.get(Workshop, workshop.id)
        assert (changed.walkin_open, changed.walkin_cap, changed.expected) == (True, 40, None)


def test_dashboard_streams_the_room_joins_votes_and_dots(app, client, facilitator):
    from lpip.workshops.capture import cast_vote, add_priority, spend_dots
    from lpip.workshops.workshops import set_voting

    workshop = make_workshop(app)
    with db(app) as s, s.begin():
        author, voter = join_workshop(s, workshop.join_code), join_workshop(s, workshop.join_code)
        statement, _ = add_statement(s, author, "Buses after 7pm", "stmt-live-0001")
        set_voting(s, workshop.id, voting_open=True, harvest_open=True)
        cast_vote(s, voter, statement.id, "agree")
        cast_vote(s, voter, statement.id, "agree")  # once per participant
        priority = add_priority(s, workshop.id, "Evening buses")
        spend_dots(s, voter, {priority.id: 3})
    sent = {kind: data for _, kind, data in events(client.get(f"/workshops/{workshop.id}/events?once=true").text)}
    assert sent["joined"]["joined"] == 2 and sent["joined"]["walk_in"] == 2
    assert sent["room"]["round"]["number"] == 1 and sent["room"]["round"]["opened_at"]
    assert [(t["contribution_id"], t["agree"], t["votes"]) for t in sent["tallies"]] == [(statement.id, 1, 1)]
    assert [(d["contribution_id"], d["dots"], d["people"]) for d in sent["dots"]] == [(priority.id, 3, 1)]
    page = client.get(f"/workshops/{workshop.id}/dashboard").text
    assert 'id="joined">2</strong>' in page and f'data-statement="{statement.id}"' in page


def test_round_changes_reach_host_and_participant_streams(app, client, facilitator):
    workshop = make_workshop(app)
    link = host_link(app, workshop.id, 1)
    with db(app) as s, s.begin():
        open_round(s, workshop.id, 2)
    host = [data for _, kind, data in events(client.get(f"/t/{link.token}/room?once=true").text) if kind == "room"]
    assert host[0]["round"]["number"] == 2 and host[0]["round"]["question"] == "What would help most?"
    assert client.get("/t/not-a-real-token/room?once=true").status_code == 404
    page = client.get(f"/t/{link.token}").text
    assert 'data-room-events="/t/' in page and 'id="round-changed"' in page and "/static/js/live.js" in page


def test_the_projector_shows_the_code_qr_and_round_but_no_tokens(app, client, facilitator, monkeypatch):
    workshop = make_workshop(app)
    monkeypatch.setenv("LPIP_SERVE_ADDRESS", "0.0.0.0:8000")
    monkeypatch.setattr("lpip.web.routes.workshops.lan_addresses", lambda: ["192.168.1.20"])
    page = client.get(f"/workshops/{workshop.id}/projector").text
    assert workshop.join_code in page and "data:image/svg+xml" in page and "What gets in the way of getting to work?" in page
    assert "http://192.168.1.20:8000/join" in page
    with db(app) as s:
        tokens = s.scalars(select(HostLink.token).where(HostLink.workshop_id == workshop.id)).all()
    assert tokens and not any(token in page for token in tokens)
    assert "http://192.168.1.20:8000" in client.get(f"/workshops/{workshop.id}").text
