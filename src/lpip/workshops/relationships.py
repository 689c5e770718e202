"""Real relationships between attendees: who wants to follow up with whom, and who knew whom before.

The networks of a workshop (:mod:`lpip.deliberation.networks`) are built from these, not from the
seating plan, which the facilitator designed:

- **follow-up wishes** ("who I'd like to follow up with"): chosen by a participant on their phone
  (``/p/follow-ups``), or imported from a CSV file with the columns ``attendee`` and
  ``follow_up_with``, each an attendee's email or name;
- **prior ties** (who knew whom before the workshop): from the registration form (the attendee
  list's optional ``knew_before`` column: the emails or names of other attendees, separated by
  ``;``), or imported from a CSV file with the columns ``attendee`` and ``knew_before``.

People are named as the facilitator's attendee list names them: by email (any case) or by name
(case and spacing ignored; a name two attendees share must be given as an email). Imports are
all or nothing and report every unknown or ambiguous person with their row and column; importing
the same file twice adds nothing the second time.

Consent: a phone lists only attendees who agreed to be contacted (``consent_contact``); these
tables hold personal data (they link attendees) and, like the attendee list, are shown to
facilitators only and never exported for deposit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import N_, InvalidContribution
from lpip.workshops.imports import Problems, check_columns, read_sheet
from lpip.workshops.models import Attendee, FollowUp, Participant, PriorTie
from lpip.workshops.workshops import get_workshop

FOLLOW_UP_COLUMNS = ("attendee", "follow_up_with")
PRIOR_TIE_COLUMNS = ("attendee", "knew_before")
ALIASES = {"from": "attendee", "to": "follow_up_with", "follow_up": "follow_up_with", "knew": "knew_before",
           "person": "attendee", "email": "attendee", "name": "attendee"}


@dataclass(frozen=True)
class RelationshipImport:
    """What an import of follow-up wishes or prior ties stored.

    Attributes
    ----------
    workshop_id, kind ("follow-up wishes" or "prior ties"), added, already (in the database before)
    """

    workshop_id: int
    kind: str
    added: int
    already: int

    def summary(self) -> str:
        return (f"Stored {self.added} {self.kind} for workshop {self.workshop_id}"
                f"{f' ({self.already} were stored already)' if self.already else ''}.")


class AttendeeDirectory:
    """Finds a workshop's attendees by email or name, as people write them in a sheet."""

    def __init__(self, rows: list[tuple[int, str | None, str]]):
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for attendee_id, email, name in rows:
            self.add(attendee_id, email, name)

    @classmethod
    def of_workshop(cls, session: Session, workshop_id: int) -> AttendeeDirectory:
        return cls(session.execute(select(Attendee.id, Attendee.email, Attendee.name)
                                   .where(Attendee.workshop_id == workshop_id)).all())

    def add(self, attendee_id: int, email: str | None, name: str) -> None:
        if email:
            self.by_email[email.strip().lower()] = attendee_id
        self.by_name.setdefault(_name_key(name), []).append(attendee_id)

    def find(self, text: str) -> tuple[int | None, str]:
        """(attendee id, "") or (None, what is wrong and how to fix it)."""
        key = text.strip()
        if "@" in key:
            found = self.by_email.get(key.lower())
            return (found, "") if found else (None, f"no attendee has the email {key}; use an email from the attendee list")
        matches = self.by_name.get(_name_key(key), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"{len(matches)} attendees are called {key!r}; write their email instead"
        return None, f"no attendee is called {key!r}; use a name or email from the attendee list"


def _name_key(name: str) -> str:
    return " ".join(str(name).casefold().split())


def split_people(cell: str) -> list[str]:
    """The people named in one cell: ``;``-separated (a comma may be inside a name)."""
    return [part.strip() for part in cell.split(";") if part.strip()]


# ----------------------------------------------------------------------------- imports


def import_follow_ups(session: Session, workshop_id: int, path: str | Path) -> RelationshipImport:
    """Store follow-up wishes from a CSV or XLSX file: ``attendee, follow_up_with`` (emails or names).

    Examples
    --------
    >>> import_follow_ups(session, 1, "follow-ups.csv").summary()  # doctest: +SKIP
    'Stored 23 follow-up wishes for workshop 1.'
    """
    pairs = _read_pairs(session, workshop_id, path, FOLLOW_UP_COLUMNS)
    existing = set(session.execute(select(FollowUp.from_attendee_id, FollowUp.to_attendee_id)
                                   .where(FollowUp.workshop_id == workshop_id)).all())
    new = [p for p in dict.fromkeys(pairs) if p not in existing]
    session.add_all(FollowUp(workshop_id=workshop_id, from_attendee_id=a, to_attendee_id=b, source="import")
                    for a, b in new)
    session.flush()
    return RelationshipImport(workshop_id, "follow-up wishes", len(new), len(set(pairs)) - len(new))


def import_prior_ties(session: Session, workshop_id: int, path: str | Path) -> RelationshipImport:
    """Store who knew whom before the workshop from a CSV or XLSX file: ``attendee, knew_before``.

    ``knew_before`` may name several people separated by ``;``. A tie is one pair, whichever way
    round it is written.
    """
    pairs = _read_pairs(session, workshop_id, path, PRIOR_TIE_COLUMNS)
    added, already = store_prior_ties(session, workshop_id, pairs, source="import")
    return RelationshipImport(workshop_id, "prior ties", added, already)


def store_prior_ties(session: Session, workshop_id: int, pairs, source: str) -> tuple[int, int]:
    """Store pairs of attendee ids who knew each other (each pair once); returns (added, already)."""
    wanted = {tuple(sorted(p)) for p in pairs if p[0] != p[1]}
    existing = set(session.execute(select(PriorTie.attendee_a, PriorTie.attendee_b)
                                   .where(PriorTie.workshop_id == workshop_id)).all())
    new = sorted(wanted - existing)
    session.add_all(PriorTie(workshop_id=workshop_id, attendee_a=a, attendee_b=b, source=source) for a, b in new)
    session.flush()
    return len(new), len(wanted) - len(new)


def _read_pairs(session: Session, workshop_id: int, path: str | Path, columns: tuple[str, str]) -> list[tuple[int, int]]:
    get_workshop(session, workshop_id)
    sheet = read_sheet(path, ALIASES)
    problems = Problems(sheet)
    check_columns(sheet, problems, columns, ())
    problems.raise_if_any()
    directory = AttendeeDirectory.of_workshop(session, workshop_id)
    pairs = []
    for number, cells in sheet.rows:
        who, problem = directory.find(cells.get(columns[0], ""))
        if problem:
            problems.add(problem, number, columns[0])
        for other in split_people(cells.get(columns[1], "")):
            whom, problem = directory.find(other)
            if problem:
                problems.add(problem, number, columns[1])
            elif who is not None and whom == who:
                problems.add(f"{other} is the same attendee as in {columns[0]}; leave them out", number, columns[1])
            elif who is not None:
                pairs.append((who, whom))
    problems.raise_if_any()
    return pairs


# ----------------------------------------------------------------------------- the participant page


def contactable_attendees(session: Session, workshop_id: int) -> list[Attendee]:
    """Attendees who agreed to be contacted: the only ones a phone may list, by name."""
    return list(session.scalars(select(Attendee).where(
        Attendee.workshop_id == workshop_id, Attendee.consent_contact.is_(True)).order_by(Attendee.name, Attendee.id)))


def record_follow_ups(session: Session, participant: Participant, targets: list[int],
                      me: int | None = None) -> int:
    """Store a participant's follow-up wishes (attendee ids chosen on their phone); returns how many are new.

    ``me`` is the attendee the participant says they are (optional, among those who agreed to be
    contacted). Choosing the same person again stores nothing new.

    Raises
    ------
    InvalidContribution
        When an id is not an attendee of this workshop who agreed to be contacted, or is ``me``.
    """
    allowed = {a.id for a in contactable_attendees(session, participant.workshop_id)}
    chosen = list(dict.fromkeys(targets))
    wrong = [t for t in chosen if t not in allowed] + ([me] if me is not None and me not in allowed else [])
    if wrong:
        raise InvalidContribution(N_("Choose people from the list on this page: only attendees who agreed to be "
                                     "contacted can be chosen."))
    if me is not None and me in chosen:
        raise InvalidContribution(N_("You chose yourself to follow up with; choose other people."))
    stored = set(session.scalars(select(FollowUp.to_attendee_id).where(
        FollowUp.workshop_id == participant.workshop_id, FollowUp.from_participant_id == participant.id)))
    new = [t for t in chosen if t not in stored]
    session.add_all(FollowUp(workshop_id=participant.workshop_id, from_attendee_id=me, from_participant_id=participant.id,
                             to_attendee_id=t, source="page") for t in new)
    session.flush()
    return len(new)


def chosen_follow_ups(session: Session, participant: Participant) -> set[int]:
    """The attendees this participant has already chosen to follow up with."""
    return set(session.scalars(select(FollowUp.to_attendee_id).where(FollowUp.from_participant_id == participant.id)))


# ----------------------------------------------------------------------------- reading


def follow_up_links(session: Session, workshop_id: int) -> pd.DataFrame:
    """``from_attendee, to_attendee, source`` of every follow-up wish (``from_attendee`` missing
    when the participant did not say who they are)."""
    rows = session.execute(select(FollowUp.from_attendee_id, FollowUp.to_attendee_id, FollowUp.source)
                           .where(FollowUp.workshop_id == workshop_id).order_by(FollowUp.id)).all()
    frame = pd.DataFrame(rows, columns=["from_attendee", "to_attendee", "source"])
    return frame.astype({"from_attendee": "Int64", "to_attendee": "int64"})


def prior_tie_links(session: Session, workshop_id: int) -> pd.DataFrame:
    """``attendee_a, attendee_b, source`` of every pair who knew each other before."""
    rows = session.execute(select(PriorTie.attendee_a, PriorTie.attendee_b, PriorTie.source)
                           .where(PriorTie.workshop_id == workshop_id).order_by(PriorTie.id)).all()
    return pd.DataFrame(rows, columns=["attendee_a", "attendee_b", "source"]).astype(
        {"attendee_a": "int64", "attendee_b": "int64"})
