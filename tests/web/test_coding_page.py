"""The analyst's hand-coding page: codes stored per analyst, CSRF, facilitators only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lpip.deliberation.coding import load_assignments
from lpip.workshops.accounts import create_user
from lpip.workshops.capture import add_note, join_workshop
from lpip.workshops.models import HostLink
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

PASSWORD = "a long test password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sessions(app):
    return app.state.sessions()


@pytest.fixture
def analyst_account(app) -> int:
    """The analyst's account (not signed in); workshops are theirs to code (they own them)."""
    with sessions(app) as s, s.begin():
        return create_user(s, "analyst@example.org", "Ana Lyst", PASSWORD).id


@pytest.fixture
def workshop_with_notes(app, analyst_account):
    with sessions(app) as s, s.begin():
        workshop = create_workshop(s, "Coding test", [RoundSpec("What gets in the way of work?")], tables=2,
                                   created_by=analyst_account)
        open_round(s, workshop.id, 1)
        link = s.scalar(select(HostLink).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        bus, _ = add_note(s, link, "Buses stop at 7pm so evening shifts are out of reach", "coding-note-001")
        xss, _ = add_note(s, link, "<script>alert(1)</script>", "coding-note-002")
        return workshop.id, workshop.join_code, bus.id, xss.id


@pytest.fixture
def analyst(app, client, analyst_account):
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": "analyst@example.org", "password": PASSWORD, "csrf_token": token})
    return "analyst@example.org"


def test_the_page_lists_contributions_escaped_with_the_codebook(client, analyst, workshop_with_notes):
    workshop_id, _, _, _ = workshop_with_notes
    page = client.get(f"/workshops/{workshop_id}/coding")
    assert page.status_code == 200
    assert "Buses stop at 7pm" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'value="partnership working"' in page.text  # a cross-cutting code of the default codebook
    assert "0 of 2 coded" in page.text


def test_ticked_codes_are_stored_for_this_analyst_and_replace_earlier_ones(app, client, analyst, workshop_with_notes):
    workshop_id, _, bus, _ = workshop_with_notes
    url = f"/workshops/{workshop_id}/coding"
    token = CSRF.search(client.get(url).text).group(1)
    client.post(f"{url}/{bus}", data={"csrf_token": token, "code": ["funding", "inequality"]})
    client.post(f"{url}/{bus}", data={"csrf_token": token, "code": ["inequality"]})
    with sessions(app) as s:
        stored = load_assignments(s, workshop_id, coder=analyst)
    assert stored[["contribution_id", "code", "method"]].values.tolist() == [[bus, "inequality", "hand"]]
    assert "1 of 2 coded" in client.get(url).text


def test_nothing_ticked_records_read_with_no_code(app, client, analyst, workshop_with_notes):
    workshop_id, _, bus, _ = workshop_with_notes
    url = f"/workshops/{workshop_id}/coding"
    token = CSRF.search(client.get(url).text).group(1)
    client.post(f"{url}/{bus}", data={"csrf_token": token})
    with sessions(app) as s:
        stored = load_assignments(s, workshop_id, coder=analyst)
    assert len(stored) == 1 and stored["code"].isna().all()


def test_a_forged_token_stores_nothing(app, client, analyst, workshop_with_notes):
    workshop_id, _, bus, _ = workshop_with_notes
    response = client.post(f"/workshops/{workshop_id}/coding/{bus}", data={"csrf_token": "forged", "code": ["funding"]})
    assert response.status_code == 403
    with sessions(app) as s:
        assert load_assignments(s, workshop_id).empty


def test_participants_cannot_open_the_coding_page(app, client, workshop_with_notes):
    workshop_id, code, _, _ = workshop_with_notes
    with sessions(app) as s, s.begin():
        join_workshop(s, code)
    assert client.get(f"/workshops/{workshop_id}/coding").status_code == 403


def test_missing_sector_round_or_table_is_left_out_not_printed_as_nan(app, client, analyst, workshop_with_notes):
    # A participant who gave no sector writes a statement: it has no sector, round or table.
    workshop_id, join_code, _, _ = workshop_with_notes
    from lpip.workshops.capture import add_statement
    from lpip.workshops.workshops import set_voting

    with sessions(app) as s, s.begin():
        set_voting(s, workshop_id, voting_open=True)
        nobody = join_workshop(s, join_code)
        somebody = join_workshop(s, join_code, "academic")
        add_statement(s, nobody, "Evening buses should run until midnight", "coding-statement-01")
        add_statement(s, somebody, "Libraries should open on Sundays", "coding-statement-02")
    page = client.get(f"/workshops/{workshop_id}/coding").text
    assert "Evening buses should run until midnight" in page and "· academic" in page
    assert not re.search(r"\bnan\b|&lt;NA&gt;|<NA>|\bNone\b", page)


def test_saving_goes_on_to_the_next_contribution_and_boxes_sit_in_their_labels(app, client, analyst, workshop_with_notes):
    workshop_id, _, bus, xss = workshop_with_notes
    url = f"/workshops/{workshop_id}/coding"
    page = client.get(url).text
    token = CSRF.search(page).group(1)
    first = client.post(f"{url}/{bus}", data={"csrf_token": token, "code": ["funding"]}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"{url}#c{xss}"
    last = client.post(f"{url}/{xss}", data={"csrf_token": token}, follow_redirects=False)
    assert last.headers["location"] == f"{url}#c{xss}"  # the last one stays put
    # Every tick box is inside its label (so it sits beside the text), and the page steps
    # through contributions one at a time with Previous and Next.
    boxes = re.findall(r'<label class="check"><input type="checkbox" name="code"', page)
    assert boxes and len(boxes) == page.count('type="checkbox" name="code"')
    assert 'id="coding-stepper"' in page and "/static/js/coding.js" in page
