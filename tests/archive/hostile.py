"""The hostile workshop: a made-up workshop whose notes name people and organisations in the
ways people really write them, and whose participants did and did not consent.

Everything here is invented for the tests (no real person, organisation or number: phone
numbers are Ofcom's drama ranges, emails use example.org); only the area codes are real GSS
codes (E08000028 Sandwell, E08000030 Walsall, E08000027 Dudley, E08000031 Wolverhampton).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_note, add_priority, add_statement, cast_vote, join_workshop, set_walkin, spend_dots
from lpip.workshops.models import HostLink
from lpip.workshops.workshops import RoundSpec, create_workshop, declare_notes_consent, open_round, set_voting

# (name, organisation, sector, home area, host table, consent to deposit)
PEOPLE = [
    ("Sue Patel", "Walsall Housing Group", "voluntary and community", "E08000030", 1, True),
    ("Harjit Kaur", "Kaur Foods", "private", "E08000028", 2, True),
    ("Imran Younis", "Sandwell Mosque", "civil society", "E08000028", None, False),
    ("Bethany Okafor", "Sandwell Council", "public", "E08000028", None, True),
    ("Tom Whitfield", "Black Country Chamber", "private", "E08000027", None, True),
    ("Grace Mensah", "Dudley College", "academic", "E08000027", None, True),
    ("Owen Price", "Wolverhampton Homes", "public", "E08000031", None, True),
    ("Lucy Davies", "Walsall Council", "public", "E08000030", None, True),
    ("Ravi Sharma", "Sharma Engineering Ltd", "private", "E08000028", None, True),
    ("Nadia Hussain", "Sandwell Community Network", "voluntary and community", "E08000028", None, True),
    ("Peter Jones", None, "resident", "E08000030", None, True),
    ("Aisha Begum", None, "resident", "E08000028", None, True),
]
HOSTILE_NOTES = [
    "Call Sue on 07700 900123 or sue.patel@example.org",
    "Harjit from Kaur Foods said the last bus to Oldbury leaves at 7pm",
    "Mr Younis at Sandwell Mosque offered the hall for evening classes",
    "SUE PATEL's team at WHG wants apprentices; ring 0121 496 0000",
    "harjit kaur thinks Kaur Foods Ltd could host a jobs fair at 12 Church Street, Oldbury B69 4AA",
    "Imran's idea: the Walsall Housing Group and Sandwell Council share a youth worker",
    "See www.example.org/plan or write to Bethany.Okafor@example.org, NI number QQ 12 34 56 C",
    "Dr Whitfield (born on 3 March 1970) leads Black Country Chamber's skills board",
]
# Every string that must not survive anywhere in the package.
FORBIDDEN = [
    "Sue", "Patel", "Harjit", "Kaur", "Younis", "Imran", "Walsall Housing Group", "WHG", "Kaur Foods", "Sandwell Mosque",
    "07700 900123", "sue.patel@example.org", "0121 496 0000", "B69 4AA", "12 Church Street", "www.example.org",
    "Bethany", "Okafor", "QQ 12 34 56 C", "3 March 1970", "Whitfield", "Black Country Chamber", "Sandwell Council",
]
CONSENTED_STATEMENT = "Evening buses would open up the jobs in the enterprise zone"
REFUSED_STATEMENT = "A statement whose author never consented to archiving"


@dataclass
class Hostile:
    workshop_id: int
    consenting: list[int] = field(default_factory=list)
    refusing: list[int] = field(default_factory=list)
    statements: dict[str, int] = field(default_factory=dict)
    # Held so that the stand-in consent attribute stays on the session's objects.
    people: list = field(default_factory=list)


def build_hostile(session, notes_consent: bool = True, title: str = "Black Country workshop") -> Hostile:
    from datetime import date

    workshop = create_workshop(session, title, [RoundSpec("What holds people back from work?"), RoundSpec("What would help?")],
                               tables=4, subregion_code="WM-BC", on=date(2023, 6, 14), venue="Made-up venue")
    from lpip.workshops.models import UserAccount

    if session.scalar(select(UserAccount.id).where(UserAccount.email == "facilitator@example.org")) is None:
        create_user(session, "facilitator@example.org", "Amina Rahman", "a-long-test-password-1")
    for name, organisation, sector, area, host, consent in PEOPLE:
        register_attendee(session, workshop.id, name, sector, email=f"{name.split()[0].lower()}@example.org",
                          organisation=organisation, home_area=area, host_table=host, consent_deposit=consent)
    open_round(session, workshop.id, 1)
    links = {link.table_number: link for link in session.scalars(select(HostLink).where(HostLink.workshop_id == workshop.id))}
    for number, text in enumerate(HOSTILE_NOTES):
        add_note(session, links[number % 4 + 1], text, f"note-{number:03d}")
    if notes_consent:
        declare_notes_consent(session, workshop.id, True, by="Amina Rahman")
    set_walkin(session, workshop.id, True)  # attendees are registered: the facilitator lets walk-ins in too
    people = [
        # Consenting: two walk-ins who said yes on the join page. Refusing: one who said no, and
        # one who gave no answer (which counts as no).
        join_workshop(session, workshop.join_code, "public", consent=True),
        join_workshop(session, workshop.join_code, "private", consent=True),
        join_workshop(session, workshop.join_code, "resident", consent=False),
        join_workshop(session, workshop.join_code, "public"),
    ]
    result = Hostile(workshop.id, [p.id for p in people[:2]], [p.id for p in people[2:]], people=people)
    good, _ = add_statement(session, people[0], CONSENTED_STATEMENT, "stmt-good")
    bad, _ = add_statement(session, people[2], REFUSED_STATEMENT, "stmt-bad")
    result.statements = {"consented": good.id, "refused": bad.id}
    set_voting(session, workshop.id, voting_open=True, harvest_open=True)
    for person in people:
        cast_vote(session, person, good.id, "agree")
        cast_vote(session, person, bad.id, "disagree")
    priority = add_priority(session, workshop.id, "Evening buses for shift workers")
    for person in people:
        spend_dots(session, person, {priority.id: 2})
    session.flush()
    return result
