"""Who consented to archiving: the one rule every deposit follows.

- A registered **attendee** consented when ``consent_deposit`` is true (asked on the
  registration form or attendee list, stored with its time).
- A **participant** who joined on a phone consented when they answered yes to the join page's
  question on archiving (``Participant.consent_archive``, stored with its time and the
  wording's version). A participant who answered no is out, whatever else they said. A
  participant who joined with an attendee's personal code and was not asked (or did not
  answer) consents as that attendee did at registration (``Attendee.consent_deposit``). A
  walk-in who did not answer is *not consented*: their statements, votes and dots stay out.
- **Table hosts' notes, imported paper notes and harvest priorities** are attributed to the
  table (or the room), not to a person; they go in only when the facilitator declared the
  workshop's notes as collected under consent (``lpip workshops notes-consent``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.workshops.models import Attendee, Participant, Workshop

# The join page's answer, on the Participant table.
PARTICIPANT_CONSENT_FIELD = "consent_archive"


@dataclass(frozen=True)
class Consent:
    """Who may go into a deposit of some workshops (database ids)."""

    attendees: frozenset[int]
    participants: frozenset[int]
    notes_workshops: frozenset[int]
    attendees_refused: int
    participants_refused: int

    def contribution_allowed(self, kind: str, participant_id: int | None, workshop_id: int) -> bool:
        """May a contribution go in: a participant's when they consented, a table's or the
        room's (notes, paper notes, priorities) when the workshop's notes were declared."""
        if participant_id is not None:
            return participant_id in self.participants
        return workshop_id in self.notes_workshops


def participant_consented(participant: Participant, attendees: dict[int, Attendee] | None = None) -> bool:
    """The join page's answer when there is one (yes or no); else, for a participant linked to
    an attendee by a personal code, that attendee's registration consent; else no."""
    answer = participant.consent_archive
    if answer is not None:
        return bool(answer)
    attendee_id = participant.attendee_id
    return bool(attendees and attendee_id in attendees and attendees[attendee_id].consent_deposit)


def consented_authors(session: Session, workshop_ids: Iterable[int]) -> Consent:
    """Who consented to archiving in these workshops (see the module for the rule).

    Examples
    --------
    >>> consent = consented_authors(session, [1, 2])  # doctest: +SKIP
    >>> consent.contribution_allowed("statement", participant_id=7, workshop_id=1)  # doctest: +SKIP
    False
    """
    ids = list(workshop_ids)
    attendees = {a.id: a for a in session.scalars(select(Attendee).where(Attendee.workshop_id.in_(ids)))}
    participants = list(session.scalars(select(Participant).where(Participant.workshop_id.in_(ids))))
    agreed = frozenset(a.id for a in attendees.values() if a.consent_deposit)
    joined = frozenset(p.id for p in participants if participant_consented(p, attendees))
    notes = frozenset(session.scalars(select(Workshop.id).where(Workshop.id.in_(ids), Workshop.notes_consent.is_(True))))
    return Consent(agreed, joined, notes, len(attendees) - len(agreed), len(participants) - len(joined))
