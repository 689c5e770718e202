"""The consent rule: attendees by their registration consent, phone participants only with the
join page's answer (or, linked by a personal code, their registration), table notes by the workshop's
declaration."""

from __future__ import annotations

from sqlalchemy import select

from lpip.archive.consent import consented_authors
from lpip.workshops.capture import CONSENT_WORDING, join_workshop
from lpip.workshops.models import Attendee


def test_who_consented(session, hostile):
    consent = consented_authors(session, [hostile.workshop_id])
    attendees = session.scalars(select(Attendee).where(Attendee.workshop_id == hostile.workshop_id)).all()
    assert consent.attendees == {a.id for a in attendees if a.consent_deposit}
    assert consent.attendees_refused == sum(1 for a in attendees if not a.consent_deposit) == 1
    assert consent.participants == set(hostile.consenting)
    assert consent.participants_refused == len(hostile.refusing) == 2
    assert consent.notes_workshops == {hostile.workshop_id}


def test_phone_participants_consent_by_their_join_page_answer_or_their_registration(session, hostile):
    people = {p.id: p for p in hostile.people}
    assert [people[i].consent_archive for i in hostile.consenting + hostile.refusing] == [True, True, False, None]
    assert all(p.consent_wording == CONSENT_WORDING and p.consent_at is not None
               for p in hostile.people if p.consent_archive is not None)
    attendees = {a.name: a for a in session.scalars(select(Attendee).where(Attendee.workshop_id == hostile.workshop_id))}
    assert attendees["Sue Patel"].consent_deposit and attendees["Bethany Okafor"].consent_deposit
    # Linked by a personal code: no answer on the phone counts as the registration said; a no on the phone counts.
    sue = join_workshop(session, attendees["Sue Patel"].join_code)
    bethany = join_workshop(session, attendees["Bethany Okafor"].join_code, consent=False)
    consent = consent_of(session, hostile)
    assert consent.contribution_allowed("statement", sue.id, hostile.workshop_id)
    assert not consent.contribution_allowed("statement", bethany.id, hostile.workshop_id)
    assert consent.participants == set(hostile.consenting) | {sue.id}


def consent_of(session, hostile):
    return consented_authors(session, [hostile.workshop_id])


def test_table_notes_need_the_workshops_declaration(session, make_hostile):
    undeclared = make_hostile(notes_consent=False, title="Undeclared")
    consent = consented_authors(session, [undeclared.workshop_id])
    assert consent.notes_workshops == frozenset()
    assert not consent.contribution_allowed("note", None, undeclared.workshop_id)
    assert consent.contribution_allowed("statement", undeclared.consenting[0], undeclared.workshop_id)
