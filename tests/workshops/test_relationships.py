"""Follow-up wishes and prior ties between attendees: imported by email or name, from the
registration form, and from a participant's phone, consent-aware; on SQLite and PostgreSQL.
Attendees here are made up for the tests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lpip.errors import InvalidContribution, InvalidWorkshopFile
from lpip.workshops.attendees import import_attendees, register_attendee
from lpip.workshops.capture import join_workshop, set_walkin
from lpip.workshops.models import FollowUp, PriorTie
from lpip.workshops.relationships import (
    contactable_attendees, follow_up_links, import_follow_ups, import_prior_ties, prior_tie_links, record_follow_ups,
)
from lpip.workshops.workshops import RoundSpec, create_workshop, set_workshop_status

PEOPLE = [  # made-up attendees
    ("Asha Khan", "asha@example.org", "public", True), ("Ben Osei", "ben@example.org", "private", True),
    ("Cara Lewis", "cara@example.org", "resident", False), ("Dev Patel", "dev@example.org", "academic", True),
    ("Dev Patel", "dev.p@example.org", "public", False),
]


@pytest.fixture
def workshop(session):
    workshop = create_workshop(session, "Relationships test", [RoundSpec("Q1")], tables=2)
    ids = {}
    for name, email, sector, consent in PEOPLE:
        ids[email] = register_attendee(session, workshop.id, name, sector, email=email, consent_contact=consent).id
    return workshop, ids


def _csv(tmp_path, text, name="links.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_follow_ups_are_imported_by_email_or_name(session, workshop, tmp_path):
    w, ids = workshop
    path = _csv(tmp_path, "attendee,follow_up_with\nasha@example.org,Ben Osei\n  ben OSEI ,CARA@example.org\n")
    result = import_follow_ups(session, w.id, path)
    assert result.added == 2 and "Stored 2 follow-up wishes" in result.summary()
    links = follow_up_links(session, w.id)
    assert set(zip(links["from_attendee"], links["to_attendee"])) == {
        (ids["asha@example.org"], ids["ben@example.org"]), (ids["ben@example.org"], ids["cara@example.org"])}
    again = import_follow_ups(session, w.id, path)
    assert again.added == 0 and again.already == 2


def test_a_shared_name_must_be_given_as_an_email_and_unknown_people_are_named(session, workshop, tmp_path):
    w, _ = workshop
    path = _csv(tmp_path, "attendee,follow_up_with\nDev Patel,asha@example.org\nasha@example.org,Zed Nobody\n"
                          "ben@example.org,ben@example.org\n")
    with pytest.raises(InvalidWorkshopFile) as caught:
        import_follow_ups(session, w.id, path)
    text = str(caught.value)
    assert "row 2, column A (attendee): 2 attendees are called 'Dev Patel'; write their email instead" in text
    assert "row 3, column B (follow_up_with): no attendee is called 'Zed Nobody'" in text
    assert "row 4, column B (follow_up_with): ben@example.org is the same attendee" in text
    assert session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_prior_ties_are_pairs_whichever_way_round(session, workshop, tmp_path):
    w, ids = workshop
    path = _csv(tmp_path, "attendee,knew_before\nasha@example.org,ben@example.org; cara@example.org\n"
                          "Ben Osei,Asha Khan\n")
    result = import_prior_ties(session, w.id, path)
    assert result.added == 2 and result.already == 0
    pairs = set(zip(prior_tie_links(session, w.id)["attendee_a"], prior_tie_links(session, w.id)["attendee_b"]))
    a, b, c = ids["asha@example.org"], ids["ben@example.org"], ids["cara@example.org"]
    assert pairs == {tuple(sorted((a, b))), tuple(sorted((a, c)))}


def test_the_registration_form_brings_prior_ties(session, tmp_path):
    w = create_workshop(session, "Registration test", [RoundSpec("Q1")], tables=2)
    register_attendee(session, w.id, "Early Bird", "public", email="early@example.org")
    path = _csv(tmp_path, "name,sector,email,knew_before\n"
                          "Fay Green,public,fay@example.org,gus@example.org; Early Bird\n"
                          "Gus Brown,private,gus@example.org,\n", "attendees.csv")
    import_attendees(session, w.id, path)
    links = prior_tie_links(session, w.id)
    assert len(links) == 2 and set(links["source"]) == {"registration"}


def test_a_registration_form_naming_a_stranger_imports_nothing(session, tmp_path):
    w = create_workshop(session, "Registration test", [RoundSpec("Q1")], tables=2)
    path = _csv(tmp_path, "name,sector,knew_before\nFay Green,public,Nobody Known\n", "attendees.csv")
    with pytest.raises(InvalidWorkshopFile, match="row 2, column C \\(knew_before\\): no attendee is called 'Nobody Known'"):
        import_attendees(session, w.id, path)
    assert session.scalar(select(func.count()).select_from(PriorTie)) == 0


def test_a_phone_lists_and_accepts_only_people_who_agreed_to_be_contacted(session, workshop):
    w, ids = workshop
    set_workshop_status(session, w.id, "open")
    listed = {a.id for a in contactable_attendees(session, w.id)}
    assert listed == {ids["asha@example.org"], ids["ben@example.org"], ids["dev@example.org"]}
    set_walkin(session, w.id, True)
    participant = join_workshop(session, w.join_code, "public")
    with pytest.raises(InvalidContribution, match="only attendees who agreed to be contacted"):
        record_follow_ups(session, participant, [ids["cara@example.org"]])
    assert record_follow_ups(session, participant, [ids["ben@example.org"], ids["dev@example.org"]],
                             me=ids["asha@example.org"]) == 2
    assert record_follow_ups(session, participant, [ids["ben@example.org"]]) == 0  # chosen already
    with pytest.raises(InvalidContribution, match="chose yourself"):
        record_follow_ups(session, participant, [ids["asha@example.org"]], me=ids["asha@example.org"])
    links = follow_up_links(session, w.id)
    assert set(links["source"]) == {"page"} and links["from_attendee"].eq(ids["asha@example.org"]).all()
