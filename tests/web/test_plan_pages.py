"""The seating-plan page: facilitators of the workshop only, the plan as a table, downloads,
and re-planning without the no-shows through a form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import import_attendees
from lpip.workshops.models import Attendee, TableSeat, UserAccount
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ATTENDEES = Path(__file__).resolve().parents[1] / "data" / "workshops" / "attendees_40.csv"


def csrf(client, url: str = "/login") -> str:
    return CSRF.search(client.get(url).text).group(1)


def sign_in(app, client, email: str) -> None:
    with app.state.sessions() as s, s.begin():
        create_user(s, email, "Fran Facilitator", PASSWORD)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)},
                           follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def planned(app, client) -> int:
    sign_in(app, client, "fac@example.org")
    with app.state.sessions() as s, s.begin():
        owner = s.scalar(select(UserAccount.id).where(UserAccount.email == "fac@example.org"))
        workshop_id = create_workshop(s, "Test plan page", [RoundSpec("Q1"), RoundSpec("Q2")], tables=8,
                                      created_by=owner).id
        import_attendees(s, workshop_id, ATTENDEES)
        plan_workshop(s, workshop_id, seed=0, iterations=200)
    return workshop_id


def seats(app, workshop_id: int) -> dict:
    with app.state.sessions() as s:
        rows = s.execute(select(TableSeat.attendee_id, TableSeat.round_number, TableSeat.table_number)
                         .where(TableSeat.workshop_id == workshop_id)).all()
    return {(a, r): t for a, r, t in rows}


def test_the_plan_page_shows_every_attendee_with_their_tables(app, client, planned):
    page = client.get(f"/workshops/{planned}/plan")
    assert page.status_code == 200
    rows = re.findall(r'<tr><th scope="row" dir="auto">(Test Attendee \d\d)', page.text)
    assert sorted(rows) == [f"Test Attendee {i:02d}" for i in range(1, 41)]
    for fmt, kind in (("pdf", "application/pdf"), ("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        download = client.get(f"/workshops/{planned}/plan.{fmt}")
        assert download.status_code == 200 and kind in download.headers["content-type"]
        assert "attachment" in download.headers["content-disposition"]
    assert client.get(f"/workshops/{planned}/plan.csv").text.count("Test Attendee") == 40
    assert client.get(f"/workshops/{planned}/plan.html").status_code == 404


def test_only_the_workshops_facilitators_see_the_plan(app, client, planned):
    client.post("/logout", data={"csrf_token": csrf(client, "/workshops")})
    assert client.get(f"/workshops/{planned}/plan").status_code == 403
    assert client.get(f"/workshops/{planned}/plan.csv").status_code == 403
    sign_in(app, client, "other@example.org")
    assert client.get(f"/workshops/{planned}/plan").status_code == 404
    assert client.get(f"/workshops/{planned}/plan.pdf").status_code == 404
    before = seats(app, planned)
    response = client.post(f"/workshops/{planned}/plan", data={"absent": ["9"], "csrf_token": csrf(client, "/workshops")})
    assert response.status_code == 404
    assert seats(app, planned) == before


def test_replanning_from_the_page_moves_the_fewest(app, client, planned):
    with app.state.sessions() as s:
        movers = list(s.scalars(select(Attendee.id).where(Attendee.workshop_id == planned, Attendee.host_table.is_(None))))
    before = seats(app, planned)
    at_two = [a for a in movers if before[(a, 1)] == 2][:3]
    page = f"/workshops/{planned}/plan"
    without_token = client.post(page, data={"absent": [str(a) for a in at_two]})
    assert without_token.status_code == 403 and seats(app, planned) == before
    response = client.post(page, data={"absent": [str(a) for a in at_two], "from_round": "1", "seed": "0",
                                       "csrf_token": csrf(client, page)})
    assert response.status_code == 200
    found = re.search(r"(\d+) (?:people move|person moves) \(the fewest possible with tables\s+differing by at most one "
                      r"person: (\d+)\)", response.text)
    assert found and found.group(1) == found.group(2), response.text
    after = seats(app, planned)
    assert not {a for a, _ in after} & set(at_two)
    moved = [key for key, table in after.items() if before[key] != table]
    assert len(moved) == int(found.group(1))
    assert "cross sector pairs" in response.text


def test_a_bad_replan_says_why(app, client, planned):
    page = f"/workshops/{planned}/plan"
    response = client.post(page, data={"absent": ["999999"], "csrf_token": csrf(client, page)})
    assert response.status_code == 422
    assert "Attendee 999999 is not registered for this workshop" in response.text


def test_people_left_out_earlier_stay_ticked_not_here(app, client, planned):
    page = f"/workshops/{planned}/plan"
    with app.state.sessions() as s:
        mover = s.scalar(select(Attendee.id).where(Attendee.workshop_id == planned, Attendee.host_table.is_(None)))
    assert client.post(page, data={"absent": [str(mover)], "csrf_token": csrf(client, page)}).status_code == 200
    ticked = re.findall(r'name="absent" value="(\d+)" checked', client.get(page).text)
    assert ticked == [str(mover)]
