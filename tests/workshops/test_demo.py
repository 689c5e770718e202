"""The demonstration workshop: everything it makes says it is made up, and it can be used."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lpip.errors import AuthenticationFailed
from lpip.workshops.accounts import authenticate
from lpip.workshops.demo import DEMO_LABEL, load_demo
from lpip.workshops.models import Attendee, Contribution, Participant, Round, TableSeat, Vote, Workshop
from lpip.workshops.workshops import workshop_by_code


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


def test_the_demo_workshop_is_labelled_as_made_up(session, demo):
    workshop = session.get(Workshop, demo.workshop_id)
    assert workshop.title.startswith("DEMONSTRATION (made-up data)")
    assert workshop.is_demo is True
    assert "made-up" in workshop.venue


def test_demo_attendees_are_obviously_fictional(session, demo):
    people = session.scalars(select(Attendee).where(Attendee.workshop_id == demo.workshop_id)).all()
    assert len(people) >= 25
    assert all(re.fullmatch(r"Demo Attendee \d\d", a.name) for a in people)
    assert all(a.email.endswith("@example.org") for a in people)
    assert all("(made-up)" in a.organisation for a in people)
    # Made-up people cannot consent to anything.
    assert not any(a.consent_contact or a.consent_deposit for a in people)


def test_every_text_it_writes_says_demo(session, demo):
    texts = session.scalars(select(Contribution.text).where(Contribution.workshop_id == demo.workshop_id)).all()
    questions = session.scalars(select(Round.question).where(Round.workshop_id == demo.workshop_id)).all()
    kinds = set(session.scalars(select(Contribution.kind).where(Contribution.workshop_id == demo.workshop_id)))
    assert kinds == {"note", "statement", "priority"}
    assert all(text.startswith("(demo)") for text in [*texts, *questions])


def test_the_demo_has_something_on_every_page(session, demo):
    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where))

    assert count(TableSeat, TableSeat.workshop_id == demo.workshop_id) > 0
    assert count(Participant, Participant.workshop_id == demo.workshop_id) > 0
    assert count(Vote, Vote.contribution_id.in_(
        select(Contribution.id).where(Contribution.workshop_id == demo.workshop_id))) > 0
    workshop = session.get(Workshop, demo.workshop_id)
    assert (workshop.status, workshop.voting_open, workshop.harvest_open) == ("open", True, True)
    assert workshop_by_code(session, demo.join_code).id == demo.workshop_id
    assert len(demo.host_tokens) == workshop.tables


def test_the_printed_login_works_and_a_second_run_replaces_the_password(session, demo):
    assert demo.login_email == "demo@example.org"
    assert authenticate(session, demo.login_email, demo.login_password).email == demo.login_email
    again = load_demo(session, seed=0)
    assert again.workshop_id != demo.workshop_id
    assert authenticate(session, again.login_email, again.login_password)
    with pytest.raises(AuthenticationFailed):
        authenticate(session, demo.login_email, demo.login_password)


def test_host_links_use_the_host_page_path(demo):
    links = demo.host_links("http://127.0.0.1:8000/")
    assert all(link == f"http://127.0.0.1:8000/t/{demo.host_tokens[t]}" for t, link in links.items())


def test_the_demo_cannot_be_exported_for_deposit(session, demo, tmp_path):
    from lpip.archive.package import build_deposit
    from lpip.errors import InvalidDeposit

    with pytest.raises(InvalidDeposit, match="made-up data"):
        build_deposit(session, tmp_path / "deposit", [demo.workshop_id])
    assert not (tmp_path / "deposit").exists()


def test_the_demo_label_is_the_one_the_issue_asks_for():
    assert DEMO_LABEL == "DEMONSTRATION (made-up data)"
