"""The deposit's tables, read from the database: only what consenting people wrote, with
pseudonyms for people, anonymised text and participants' quasi-identifiers protected.

Numbering is the deposit's own (workshops 1, 2 ...; P0001 ...; C00001 ...), in database
order, so the same database gives the same files.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.archive.anonymise import (
    Anonymiser,
    coarser_areas,
    district_of,
    organisation_kind,
)
from lpip.archive.consent import Consent, consented_authors, participant_consented
from lpip.archive.disclosure import DisclosureResult, protect
from lpip.archive.tables import (
    CODES,
    CODING,
    CONTRIBUTIONS,
    DOTS,
    PARTICIPANTS,
    ROUNDS,
    THEMES,
    VOTES_TABLE,
    WORKSHOPS,
)
from lpip.workshops.models import (
    Attendee,
    Contribution,
    Dot,
    Participant,
    Round,
    Vote,
    Workshop,
)

LABEL = re.compile(r"\[[^\]]*\]")


@dataclass
class Collected:
    """The deposit's core tables and what was left out."""

    tables: dict[str, pd.DataFrame]
    consent: Consent
    disclosure: DisclosureResult
    withheld: Counter = field(default_factory=Counter)
    sectors: Counter = field(default_factory=Counter)
    themes_note: str = ""


def collect(session: Session, workshops: list[Workshop], anonymiser: Anonymiser, k: int = 3, seed: int = 0) -> Collected:
    """Every core table of the deposit (see :mod:`lpip.archive.tables`) for ``workshops``."""
    ids = [w.id for w in workshops]
    numbers = {w.id: n for n, w in enumerate(workshops, start=1)}
    consent = consented_authors(session, ids)
    withheld: Counter = Counter()
    people, person_ids = _participants(session, ids, numbers, consent, withheld)
    disclosure = protect(people.drop(columns=["db_kind", "db_id"]), coarser_areas(session, people["area_code"].dropna()), k)
    contributions, contribution_ids = _contributions(session, ids, numbers, consent, person_ids, anonymiser, withheld)
    tables = {
        "workshops": _workshops(session, workshops, numbers, disclosure.table, anonymiser),
        "rounds": _rounds(session, ids, numbers, anonymiser),
        "participants": disclosure.table,
        "contributions": contributions,
        "votes": _votes(session, ids, contribution_ids, person_ids, withheld),
        "dots": _dots(session, ids, contribution_ids, person_ids, withheld),
    }
    tables["codes"], code_ids = _codes(session, anonymiser)
    tables["coding"] = _coding(session, contribution_ids, code_ids)
    tables["themes"], note = _themes(contributions, seed)
    sectors = Counter(people["sector"].fillna("not given"))
    collected = Collected(tables, consent, disclosure, withheld, sectors, note)
    for name, table in zip(("workshops", "rounds", "participants", "contributions", "votes", "dots", "codes", "coding",
                            "themes"), (WORKSHOPS, ROUNDS, PARTICIPANTS, CONTRIBUTIONS, VOTES_TABLE, DOTS, CODES, CODING,
                                        THEMES)):
        collected.tables[name] = collected.tables[name].reindex(columns=table.column_names)
    return collected


def _workshops(session: Session, workshops: list[Workshop], numbers: dict, participants: pd.DataFrame,
               anonymiser: Anonymiser) -> pd.DataFrame:
    from lpip.geography.models import Area

    per_workshop = participants["workshop_id"].value_counts() if len(participants) else pd.Series(dtype="int64")
    rows = []
    for w in workshops:
        number = numbers[w.id]
        rows.append({
            "workshop_id": number, "title": anonymiser.scrub(w.title, "data/workshops.csv", number, "title"),
            "date": w.date.isoformat() if w.date else None, "subregion_code": w.subregion_code,
            "subregion_name": session.scalar(select(Area.name).where(Area.code == w.subregion_code)) if w.subregion_code else None,
            "tables": w.tables, "rounds": len(session.scalars(select(Round.id).where(Round.workshop_id == w.id)).all()),
            "notes_consent": "true" if w.notes_consent else "false", "participants": int(per_workshop.get(number, 0)),
        })
    return pd.DataFrame(rows)


def _rounds(session: Session, ids: list[int], numbers: dict, anonymiser: Anonymiser) -> pd.DataFrame:
    rows = session.execute(select(Round.workshop_id, Round.number, Round.question, Round.minutes)
                           .where(Round.workshop_id.in_(ids)).order_by(Round.workshop_id, Round.number)).all()
    records = []
    for row, (workshop, number, question, minutes) in enumerate(rows, start=1):
        records.append({"workshop_id": numbers[workshop], "round": number,
                        "question": anonymiser.scrub(question, "data/rounds.csv", row, "question"), "minutes": minutes})
    return pd.DataFrame(records, columns=ROUNDS.column_names)


def _participants(session: Session, ids: list[int], numbers: dict, consent: Consent,
                  withheld: Counter) -> tuple[pd.DataFrame, dict]:
    """Consenting attendees and phone participants, before disclosure control; and the map
    from ("attendee"|"participant", database id) to the deposit's P-number."""
    attendees = list(session.scalars(select(Attendee).where(Attendee.workshop_id.in_(ids))
                                     .order_by(Attendee.workshop_id, Attendee.id)))
    by_id = {a.id: a for a in attendees}
    participants = list(session.scalars(select(Participant).where(Participant.workshop_id.in_(ids))
                                        .order_by(Participant.workshop_id, Participant.id)))
    areas = _home_areas(session, {a.home_area_code for a in attendees if a.home_area_code})
    rows = []
    for a in attendees:
        if a.id not in consent.attendees:
            withheld["attendees"] += 1
            continue
        area, level = areas.get(a.home_area_code, (None, None))
        rows.append({"db_kind": "attendee", "db_id": a.id, "workshop_id": numbers[a.workshop_id], "kind": "attendee",
                     "role": "table host" if a.host_table is not None else "participant", "sector": a.sector,
                     "organisation_kind": organisation_kind(a.organisation, a.sector) if a.organisation else None,
                     "area_code": area, "area_level": level, "consent": "registration"})
    for p in participants:
        if p.id not in consent.participants:
            withheld["phone participants"] += 1
            continue
        linked = by_id.get(getattr(p, "attendee_id", None))
        if linked is not None and linked.id in consent.attendees:
            # The same person as a registered attendee (issue 10's personal codes): one row.
            rows.append({**next(r for r in rows if r["db_kind"] == "attendee" and r["db_id"] == linked.id),
                         "db_kind": "participant", "db_id": p.id, "linked": True})
            continue
        rows.append({"db_kind": "participant", "db_id": p.id, "workshop_id": numbers[p.workshop_id], "kind": "walk-in",
                     "role": "participant", "sector": p.sector, "organisation_kind": None, "area_code": None,
                     "area_level": None, "consent": "join page" if participant_consented(p) else "registration"})
    frame = pd.DataFrame(rows, columns=["db_kind", "db_id", "workshop_id", "kind", "role", "sector", "organisation_kind",
                                        "area_code", "area_level", "consent", "linked"])
    person_ids = {}
    people = frame[frame["linked"].isna()].reset_index(drop=True)
    for number, row in enumerate(people.itertuples(index=False), start=1):
        person_ids[(row.db_kind, row.db_id)] = f"P{number:04d}"
    for row in frame[frame["linked"].notna()].itertuples(index=False):
        attendee = by_id[session.get(Participant, row.db_id).attendee_id]
        person_ids[(row.db_kind, row.db_id)] = person_ids[("attendee", attendee.id)]
    people.insert(0, "participant_id", [person_ids[(k, i)] for k, i in zip(people["db_kind"], people["db_id"])])
    return people.drop(columns=["linked"]), person_ids


AREA_LEVELS = {"lad": "district", "subregion": "subregion", "region": "region"}


def _home_areas(session: Session, codes: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """Each home area as (code, level): a small area becomes its district; a district, sub-region
    or region stays; any other area (a county, an ITL area) becomes its region."""
    from lpip.geography.models import Area

    districts = district_of(session, codes)
    levels = dict(session.execute(select(Area.code, Area.level).where(Area.code.in_(
        [d for d in districts.values() if d]))).all())
    result = {}
    for code, district in districts.items():
        level = levels.get(district)
        if district is None:
            result[code] = (None, None)
        elif level in AREA_LEVELS:
            result[code] = (district, AREA_LEVELS[level])
        else:
            region = coarser_areas(session, [district])[district]["region"]
            result[code] = (region, "region" if region else None)
    return result


def _contributions(session: Session, ids: list[int], numbers: dict, consent: Consent, person_ids: dict,
                   anonymiser: Anonymiser, withheld: Counter) -> tuple[pd.DataFrame, dict]:
    rows = session.scalars(select(Contribution).where(Contribution.workshop_id.in_(ids), Contribution.status == "visible")
                           .order_by(Contribution.workshop_id, Contribution.id)).all()
    records, contribution_ids = [], {}
    for c in rows:
        if not consent.contribution_allowed(c.kind, c.participant_id, c.workshop_id):
            withheld[f"{c.kind}s"] += 1
            continue
        number = f"C{len(records) + 1:05d}"
        contribution_ids[c.id] = number
        author = person_ids.get(("participant", c.participant_id)) if c.participant_id is not None else None
        records.append({
            "contribution_id": number, "workshop_id": numbers[c.workshop_id], "kind": c.kind, "source": c.source,
            "round": c.round_number, "table": c.table_number, "author": author,
            "attributed_to": "participant" if c.participant_id is not None else ("room" if c.kind == "priority" else "table"),
            "text": anonymiser.scrub(c.text, "data/contributions.csv", len(records) + 1, "text"),
        })
    frame = pd.DataFrame(records, columns=CONTRIBUTIONS.column_names)
    return frame.astype({"round": "Int64", "table": "Int64"}), contribution_ids


def _votes(session: Session, ids: list[int], contributions: dict, people: dict, withheld: Counter) -> pd.DataFrame:
    rows = session.execute(select(Vote.contribution_id, Vote.participant_id, Vote.value)
                           .join(Contribution, Contribution.id == Vote.contribution_id)
                           .where(Contribution.workshop_id.in_(ids)).order_by(Vote.contribution_id, Vote.participant_id)).all()
    kept = []
    for contribution, participant, value in rows:
        person = people.get(("participant", participant))
        if person is None or contribution not in contributions:
            withheld["votes"] += 1
            continue
        kept.append((contributions[contribution], person, value))
    return pd.DataFrame(kept, columns=VOTES_TABLE.column_names)


def _dots(session: Session, ids: list[int], contributions: dict, people: dict, withheld: Counter) -> pd.DataFrame:
    rows = session.execute(select(Dot.contribution_id, Dot.participant_id, Dot.dots)
                           .join(Contribution, Contribution.id == Dot.contribution_id)
                           .where(Contribution.workshop_id.in_(ids)).order_by(Dot.contribution_id, Dot.participant_id)).all()
    kept = []
    for contribution, participant, dots in rows:
        person = people.get(("participant", participant))
        if person is None or contribution not in contributions:
            withheld["dots"] += dots
            continue
        kept.append((contributions[contribution], person, dots))
    return pd.DataFrame(kept, columns=DOTS.column_names)


def _codes(session: Session, anonymiser: Anonymiser) -> tuple[pd.DataFrame, dict]:
    from lpip.deliberation.models import Code

    codes = list(session.scalars(select(Code).order_by(Code.position, Code.id)))
    numbers = {c.id: n for n, c in enumerate(codes, start=1)}
    rows = [{"code_id": numbers[c.id], "code": c.name, "parent_code_id": numbers.get(c.parent_id),
             "description": anonymiser.scrub(c.description or None, "data/codes.csv", numbers[c.id], "description")}
            for c in codes]
    return pd.DataFrame(rows, columns=CODES.column_names).astype({"parent_code_id": "Int64"}), numbers


def _coding(session: Session, contributions: dict, codes: dict) -> pd.DataFrame:
    from lpip.deliberation.models import CodeAssignment

    rows = session.execute(select(CodeAssignment.contribution_id, CodeAssignment.code_id, CodeAssignment.coder,
                                  CodeAssignment.method)
                           .where(CodeAssignment.contribution_id.in_(list(contributions) or [-1]))
                           .order_by(CodeAssignment.contribution_id, CodeAssignment.id)).all()
    # Coders are people (or "rules"): pseudonyms in order of first appearance.
    coders: dict[str, str] = {}
    records = []
    for contribution, code, coder, method in rows:
        if coder != "rules":
            coder = coders.setdefault(coder, f"coder {len(coders) + 1}")
        records.append({"contribution_id": contributions[contribution], "code_id": codes.get(code), "coder": coder,
                        "method": method})
    return pd.DataFrame(records, columns=CODING.column_names).astype({"code_id": "Int64"})


def _themes(contributions: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, str]:
    from lpip.deliberation.themes import find_themes
    from lpip.errors import TooFewDocuments

    text = contributions[contributions["kind"].isin(["note", "statement"])]
    # Themes are found in the anonymised text without its labels, so "person" is no theme.
    frame = pd.DataFrame({"contribution_id": text["contribution_id"], "text": text["text"].map(lambda t: LABEL.sub(" ", t))})
    try:
        themes = find_themes(frame, seed=seed)
    except TooFewDocuments as exc:
        return pd.DataFrame(columns=THEMES.column_names), f"No themes: {exc}"
    topics = themes.topics.rename(columns={"topic": "theme"})
    return topics[THEMES.column_names].reset_index(drop=True), (
        f"{themes.n_topics} themes found in {len(frame)} notes and statements (seed {seed}).")
