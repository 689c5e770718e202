"""The consent rule: attendees by their registration consent, phone participants only with the
join page's consent (issue 10's column, read with getattr), table notes by the workshop's
declaration."""

from __future__ import annotations

from sqlalchemy import select

from lpip.archive.consent import PARTICIPANT_CONSENT_FIELD, consented_authors
from lpip.workshops.models import Attendee, Participant


def test_who_consented(session, hostile):
    consent = consented_authors(session, [hostile.workshop_id])
    attendees = session.scalars(select(Attendee).where(Attendee.workshop_id == hostile.workshop_id)).all()
    assert consent.attendees == {a.id for a in attendees if a.consent_deposit}
    assert consent.attendees_refused == sum(1 for a in attendees if not a.consent_deposit) == 1
    assert consent.participants == set(hostile.consenting)
    assert consent.participants_refused == len(hostile.refusing) == 2
    assert consent.notes_workshops == {hostile.workshop_id}


def test_phone_participants_without_the_consent_field_are_not_consented(session, hostile):
    assert not hasattr(Participant, PARTICIPANT_CONSENT_FIELD)  # until issue 10 adds the column
    for person in hostile.people:
        person.__dict__.pop(PARTICIPANT_CONSENT_FIELD, None)
    consent = consented_authors(session, [hostile.workshop_id])
    assert consent.participants == frozenset()
    assert not consent.contribution_allowed("statement", hostile.consenting[0], hostile.workshop_id)


def test_table_notes_need_the_workshops_declaration(session, make_hostile):
    undeclared = make_hostile(notes_consent=False, title="Undeclared")
    consent = consented_authors(session, [undeclared.workshop_id])
    assert consent.notes_workshops == frozenset()
    assert not consent.contribution_allowed("note", None, undeclared.workshop_id)
    assert consent.contribution_allowed("statement", undeclared.consenting[0], undeclared.workshop_id)
