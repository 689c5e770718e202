"""A demonstration workshop with made-up data, so a new user can click through every page.

Everything here is invented and says so: the workshop's title starts with
"DEMONSTRATION (made-up data)" and it is marked ``is_demo`` (the web pages show a banner;
deposit exports refuse it); attendees are "Demo Attendee 01" ... with @example.org
addresses and no consents; notes, statements and priorities start with "(demo)"; who knew whom
before and who wants to follow up with whom are drawn at random. The
facilitator login ``demo@example.org`` gets a new random password each time, shown once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.workshops.accounts import _hasher, create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_note, add_priority, add_statement, cast_vote, join_workshop, spend_dots
from lpip.workshops.models import SECTORS, HostLink, UserAccount, Workshop
from lpip.workshops.planning import plan_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

DEMO_LABEL = "DEMONSTRATION (made-up data)"
DEMO_EMAIL = "demo@example.org"
DEMO_TITLE = f"{DEMO_LABEL}: Black Country world café"
DEMO_TABLES = 6
DEMO_ATTENDEES = 30
DEMO_ROUNDS = [
    RoundSpec("(demo) What would make it easier to get to work, training or services here?", 25),
    RoundSpec("(demo) Which local strengths should the partnership build on?", 25),
    RoundSpec("(demo) What should the partnership do first, and who needs to be involved?", 20),
]
DEMO_NOTES = [
    (1, "(demo) Evening buses stop too early for shift workers."),
    (1, "(demo) Training courses are hard to reach without a car."),
    (2, "(demo) Community centres are trusted places to meet people."),
    (3, "(demo) Bring employers and colleges to the same table."),
    (4, "(demo) A single place to find local support would help."),
    (5, "(demo) Young people want a say in what gets funded."),
    (6, "(demo) Small charities need simpler funding forms."),
]
DEMO_STATEMENTS = [
    "(demo) Public transport should be the first priority.",
    "(demo) Local employers should co-design training courses.",
    "(demo) Residents should sit on the partnership board.",
    "(demo) Funding should go to a few large projects rather than many small ones.",
    "(demo) Community centres should be kept open in the evenings.",
    "(demo) Data about the area should be published openly.",
]
DEMO_PRIORITIES = [
    "(demo) Better evening and weekend buses",
    "(demo) Training designed with local employers",
    "(demo) A residents' panel for the partnership",
]
DEMO_PARTICIPANTS = 8
DEMO_FOLLOW_UPS = 24  # made-up "I'd like to follow up with" wishes between attendees


@dataclass(frozen=True)
class DemoWorkshop:
    """What :func:`load_demo` made: the workshop, its join code, one host token per table,
    and the facilitator login (the password is shown once and not stored)."""

    workshop_id: int
    title: str
    join_code: str
    host_tokens: dict[int, str]
    login_email: str
    login_password: str

    def host_links(self, base_url: str) -> dict[int, str]:
        return {table: f"{base_url.rstrip('/')}/t/{token}" for table, token in self.host_tokens.items()}


def load_demo(session: Session, seed: int = 0) -> DemoWorkshop:
    """Create a demonstration workshop with made-up attendees, plan, notes, statements and votes.

    The workshop is open with round 1 running, statement voting and the dot-vote harvest
    open, so every page has something on it. Running it again makes another demonstration
    workshop and gives the demo login a new password.

    Examples
    --------
    >>> demo = load_demo(session)  # doctest: +SKIP
    >>> demo.title.startswith("DEMONSTRATION (made-up data)")  # doctest: +SKIP
    True
    """
    rng = np.random.default_rng(seed)
    user, password = _demo_login(session)
    workshop = create_workshop(
        session, DEMO_TITLE, DEMO_ROUNDS, tables=DEMO_TABLES, subregion_code="WM-BC", on=date.today(),
        venue="Demo venue (made-up)", dots_per_participant=5, created_by=user.id, is_demo=True,
    )
    _register_attendees(session, workshop)
    workshop.walkin_open = True  # the demonstration's made-up participants, and whoever tries it, join as walk-ins
    plan_workshop(session, workshop.id, seed=seed)
    open_round(session, workshop.id, 1)
    _add_notes(session, workshop)
    set_voting(session, workshop.id, voting_open=True, harvest_open=True)
    _add_statements_and_votes(session, workshop, rng)
    _add_relationships(session, workshop, rng)
    session.flush()
    links = session.execute(select(HostLink.table_number, HostLink.token)
                            .where(HostLink.workshop_id == workshop.id).order_by(HostLink.table_number)).all()
    return DemoWorkshop(workshop.id, workshop.title, workshop.join_code, dict(links), user.email, password)


def _demo_login(session: Session) -> tuple[UserAccount, str]:
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(UserAccount).where(UserAccount.email == DEMO_EMAIL))
    if user is None:
        return create_user(session, DEMO_EMAIL, f"Demo Facilitator ({DEMO_LABEL})", password), password
    user.password_hash = _hasher.hash(password)
    return user, password


def _register_attendees(session: Session, workshop: Workshop) -> None:
    for number in range(1, DEMO_ATTENDEES + 1):
        register_attendee(
            session, workshop.id, name=f"Demo Attendee {number:02d}", sector=SECTORS[(number - 1) % len(SECTORS)],
            email=f"demo.attendee{number:02d}@example.org",
            organisation=f"Demo Organisation {chr(ord('A') + (number - 1) % 10)} (made-up)",
            host_table=number if number <= DEMO_TABLES else None,
        )


def _add_notes(session: Session, workshop: Workshop) -> None:
    links = {link.table_number: link for link in session.scalars(select(HostLink).where(HostLink.workshop_id == workshop.id))}
    for index, (table, text) in enumerate(DEMO_NOTES):
        add_note(session, links[table], text, client_id=f"demo-note-{workshop.id}-{index:02d}")


def _add_relationships(session: Session, workshop: Workshop, rng: np.random.Generator) -> None:
    """Made-up prior ties (a few pairs in the same sector knew each other) and follow-up wishes."""
    from lpip.workshops.models import Attendee, FollowUp
    from lpip.workshops.relationships import store_prior_ties

    ids = list(session.scalars(select(Attendee.id).where(Attendee.workshop_id == workshop.id).order_by(Attendee.id)))
    sectors = len(SECTORS)
    store_prior_ties(session, workshop.id, [(ids[i], ids[i + sectors]) for i in range(0, len(ids) - sectors, 2)],
                     source="registration")
    wishes = {(int(a), int(b)) for a, b in rng.choice(len(ids), size=(DEMO_FOLLOW_UPS, 2)) if a != b}
    session.add_all(FollowUp(workshop_id=workshop.id, from_attendee_id=ids[a], to_attendee_id=ids[b], source="import")
                    for a, b in sorted(wishes))


def _add_statements_and_votes(session: Session, workshop: Workshop, rng: np.random.Generator) -> None:
    people = [join_workshop(session, workshop.join_code, SECTORS[i % len(SECTORS)]) for i in range(DEMO_PARTICIPANTS)]
    statements = [
        add_statement(session, people[i % len(people)], text, client_id=f"demo-statement-{workshop.id}-{i:02d}")[0]
        for i, text in enumerate(DEMO_STATEMENTS)
    ]
    for person in people:
        for statement in statements:
            if rng.random() < 0.8:
                cast_vote(session, person, statement.id, str(rng.choice(["agree", "agree", "disagree", "pass"])))
    priorities = [add_priority(session, workshop.id, text) for text in DEMO_PRIORITIES]
    for person in people[: DEMO_PARTICIPANTS // 2]:
        chosen = rng.choice(len(priorities), size=2, replace=False)
        spend_dots(session, person, {priorities[int(chosen[0])].id: 3, priorities[int(chosen[1])].id: 2})
