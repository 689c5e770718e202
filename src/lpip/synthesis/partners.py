"""The partner register, and suggested leads and partners for each priority.

A partner is an organisation: ``sector`` (public, private, voluntary, civil society, community,
research), ``kind`` (university team, council, business, charity ...), the ``areas`` it works
in (sub-regions; none = the whole region), ``expertise`` tags, and a ``contact`` that is
**private**: shown to facilitators (``lpip partners list --contacts``), never written to reports,
plan exports or deposits.

The register is filled from a file (:func:`import_partners`: CSV or XLSX with the columns
``organisation, sector`` and optionally ``kind, areas, expertise, contact``; all rows or none,
every problem named by row and column) or from a workshop's attendees
(:func:`partners_from_attendees`: the organisations of attendees who agreed to be contacted;
their email is the private contact).

**Suggestions** (:func:`suggest_partners`) score each partner for each priority:

- 3 points for each of the priority's codes that the partner's expertise carries (the tags are
  coded with the codebook's keyword rules, so "bus services" carries "public transport");
- 2 points when the partner's kind matches a kind of organisation the evidence map says would
  act on the priority's codes (a word in common, e.g. "transport operators" / "bus operator");
- 1 point for each word of the priority's title in the partner's tags.

A partner is suggested only with some expertise match and when it works in one of the
priority's areas (or region-wide, or the priority is region-wide). The best is the suggested
lead, the next five its partners; each comes with the reason. **Partnership diversity** is the
mix of sectors among them, beside the ties made across sectors at the priority's workshops
(from :mod:`lpip.deliberation.networks`).
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.deliberation.codebook import default_codebook, load_codebook
from lpip.deliberation.coding import code_by_rules
from lpip.errors import InvalidPartnersFile, LpipError, UnknownPartner
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.geography.areas import descendant_codes, known_areas
from lpip.geography.codes import suggestion
from lpip.synthesis.drafting import content_stems
from lpip.synthesis.mapping import EvidenceMapping, load_evidence_map
from lpip.synthesis.models import PARTNER_SECTORS, Partner, PartnerArea, Priority
from lpip.synthesis.sheets import read_sheet, split_list
from lpip.text import check_id, clean_text
from lpip.workshops.models import Attendee
from lpip.workshops.workshops import get_workshop

REQUIRED_COLUMNS = ("organisation", "sector")
OPTIONAL_COLUMNS = ("kind", "areas", "expertise", "contact")
ALIASES = {"organization": "organisation", "name": "organisation", "sub_regions": "areas", "subregions": "areas",
           "area_codes": "areas", "tags": "expertise", "expertise_tags": "expertise", "type": "kind"}
LIMITS = {"organisation": 300, "kind": 100, "contact": 300}
TAG_LIMIT, MAX_TAGS = 100, 30
MAX_PARTNERS = 5
# Words people write for a sector; offered as the fix, never applied silently.
SECTOR_WORDS = {
    "voluntary and community": "voluntary", "vcs": "voluntary", "vcse": "voluntary", "charity": "voluntary",
    "third sector": "voluntary", "business": "private", "company": "private", "council": "public",
    "government": "public", "local authority": "public", "nhs": "public", "university": "research",
    "academic": "research", "research": "research", "resident": "community", "residents": "community",
    "civil": "civil society",
}
# Attendees' sectors (lpip.workshops.models.SECTORS) as partner sectors.
ATTENDEE_SECTORS = {"public": "public", "private": "private", "voluntary and community": "voluntary",
                    "civil society": "civil society", "academic": "research", "resident": "community"}
SUGGESTION_COLUMNS = ["priority_id", "role", "partner_id", "organisation", "sector", "kind", "score", "reason"]


def name_key(name: str) -> str:
    """An organisation's name as compared: NFKD without accents, case folded, spaces collapsed."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def parse_sector(text: str) -> tuple[str | None, str]:
    """(sector, "") for a known sector, else (None, the problem with the nearest sector)."""
    value = " ".join(text.strip().lower().split())
    if value in PARTNER_SECTORS:
        return value, ""
    hint = SECTOR_WORDS.get(value) or next(iter(difflib.get_close_matches(value, PARTNER_SECTORS, n=1, cutoff=0.6)), None)
    fix = f"did you mean {hint!r}? " if hint else ""
    return None, f"{text!r} is not a sector; {fix}write one of: {', '.join(PARTNER_SECTORS)}"


# ----------------------------------------------------------------------------- the register


@dataclass(frozen=True)
class PartnerImportResult:
    """What :func:`import_partners` or :func:`partners_from_attendees` did."""

    added: int
    updated: int
    ignored_columns: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"Added {self.added} partner(s) and updated {self.updated} already in the register"
        if self.ignored_columns:
            text += f"; ignored the column(s) {', '.join(self.ignored_columns)}"
        return text + "."


def _save(session: Session, clean: dict, source: str) -> bool:
    """Add or update one partner by organisation; True if it was added."""
    partner = session.scalar(select(Partner).where(Partner.name_key == name_key(clean["organisation"])))
    added = partner is None
    if added:
        partner = Partner(name_key=name_key(clean["organisation"]), source=source)
        session.add(partner)
    partner.organisation, partner.sector = clean["organisation"], clean["sector"]
    partner.kind, partner.expertise = clean.get("kind") or "", "; ".join(clean.get("expertise") or [])
    if clean.get("contact"):
        partner.contact = clean["contact"]
    session.flush()
    if clean.get("areas") is not None:
        session.execute(delete(PartnerArea).where(PartnerArea.partner_id == partner.id))
        session.add_all(PartnerArea(partner_id=partner.id, area_code=code) for code in clean["areas"])
    return added


def check_partner(cells: dict[str, str], areas: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
    """Check one partner's cells; the clean values and (column, problem) pairs."""
    problems: list[tuple[str, str]] = []
    clean: dict = {}
    for column, limit in LIMITS.items():
        value = " ".join(clean_text(cells.get(column, "")).split())
        if len(value) > limit:
            problems.append((column, f"the {column} is {len(value)} characters long; the limit is {limit}"))
        clean[column] = value or None
    if not clean["organisation"]:
        problems.append(("organisation", "the organisation is empty; write its name"))
    clean["sector"], message = parse_sector(cells.get("sector", "")) if cells.get("sector", "").strip() else (
        None, f"the sector is empty; write one of: {', '.join(PARTNER_SECTORS)}")
    if message:
        problems.append(("sector", message))
    clean["areas"] = _areas(cells.get("areas", ""), areas, problems)
    clean["expertise"] = _tags(cells.get("expertise", ""), problems)
    return clean, problems


def _areas(text: str, known: dict[str, str], problems: list) -> list[str]:
    codes = [c.upper() if c.upper() in known else c for c in split_list(text)]
    for code in codes:
        if code not in known:
            problems.append(("areas", f"{code} is not a known area code{suggestion(code, known)} Use codes such as "
                                      "WM-BC, separated by ';', or leave the cell empty for the whole region"))
    return [c for c in codes if c in known]


def _tags(text: str, problems: list) -> list[str]:
    tags = split_list(text)
    if len(tags) > MAX_TAGS:
        problems.append(("expertise", f"{len(tags)} tags; give at most {MAX_TAGS}, separated by ';'"))
    long = [t for t in tags if len(t) > TAG_LIMIT]
    if long:
        problems.append(("expertise", f"the tag {long[0][:40]!r}... is longer than {TAG_LIMIT} characters; "
                                      "separate tags with ';'"))
    return tags[:MAX_TAGS]


def add_partner(session: Session, organisation: str, sector: str, kind: str = "", areas: list[str] | tuple = (),
                expertise: list[str] | tuple = (), contact: str | None = None) -> Partner:
    """Add a partner (or update the one with the same organisation), with the import's checks."""
    cells = dict(organisation=organisation, sector=sector, kind=kind or "", areas="; ".join(areas),
                 expertise="; ".join(expertise), contact=contact or "")
    clean, problems = check_partner(cells, known_areas(session))
    if problems:
        raise InvalidPartnersFile("The partner was not added:", [f"{column}: {text}" for column, text in problems])
    _save(session, clean, "added")
    return session.scalar(select(Partner).where(Partner.name_key == name_key(clean["organisation"])))


def import_partners(session: Session, path: str | Path) -> PartnerImportResult:
    """Add or update the partners listed in a CSV or XLSX file; all rows or none.

    Raises
    ------
    InvalidPartnersFile
        Listing every problem with its row and column (an unknown sector with the nearest one,
        an unknown area code, an organisation listed twice, a cell too long ...); nothing is stored.

    Examples
    --------
    >>> import_partners(session, "partners.xlsx").summary()  # doctest: +SKIP
    'Added 12 partner(s) and updated 0 already in the register.'
    """
    sheet = read_sheet(path, InvalidPartnersFile, ALIASES)
    sheet.check_columns(REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    sheet.raise_if_any()
    known, seen, rows = known_areas(session), {}, []
    for number, cells in sheet.rows:
        clean, problems = check_partner(cells, known)
        for column, text in problems:
            sheet.problem(text, number, column)
        if clean["organisation"]:
            key = name_key(clean["organisation"])
            if key in seen:
                sheet.problem(f"{clean['organisation']!r} is also in row {seen[key]}; list each organisation once",
                              number, "organisation")
            seen.setdefault(key, number)
        if "areas" not in sheet.columns:
            clean["areas"] = None  # keep the areas of partners already in the register
        rows.append(clean)
    sheet.raise_if_any()
    added = sum(_save(session, clean, "import") for clean in rows)
    ignored = tuple(c for c in sheet.columns if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    return PartnerImportResult(added, len(rows) - added, ignored)


def partners_from_attendees(session: Session, workshop_id: int) -> PartnerImportResult:
    """Make partners of the organisations of a workshop's attendees who agreed to be contacted.

    The sector is the commonest sector among the organisation's attendees (academic becomes
    research, resident community); the area is the workshop's sub-region; the private contact
    is their email addresses. Organisations already in the register are updated, keeping their
    kind and expertise.
    """
    workshop = get_workshop(session, workshop_id)
    rows = session.execute(select(Attendee.organisation, Attendee.sector, Attendee.email)
                           .where(Attendee.workshop_id == workshop.id, Attendee.consent_contact.is_(True))
                           .order_by(Attendee.id)).all()
    groups: dict[str, dict] = {}
    for organisation, sector, email in rows:
        name = " ".join(clean_text(organisation or "").split())
        if not name:
            continue
        group = groups.setdefault(name_key(name), {"organisation": name[:300], "sectors": [], "emails": []})
        group["sectors"].append(ATTENDEE_SECTORS.get(sector, "community"))
        if email:
            group["emails"].append(email)
    added = updated = 0
    for group in groups.values():
        existing = session.scalar(select(Partner).where(Partner.name_key == name_key(group["organisation"])))
        sector = max(set(group["sectors"]), key=lambda s: (group["sectors"].count(s), s))
        clean = dict(organisation=group["organisation"], sector=existing.sector if existing else sector,
                     kind=existing.kind if existing else "", contact="; ".join(group["emails"])[:300] or None,
                     expertise=split_list(existing.expertise) if existing else [],
                     areas=None if existing else ([workshop.subregion_code] if workshop.subregion_code else []))
        if _save(session, clean, f"attendees of workshop {workshop.id}"):
            added += 1
        else:
            updated += 1
    return PartnerImportResult(added, updated)


def get_partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id) if check_id(partner_id) else None
    if partner is None:
        raise UnknownPartner(f"There is no partner {partner_id}. See `lpip partners list`.")
    return partner


def list_partners(session: Session, include_contact: bool = False) -> pd.DataFrame:
    """The register: ``partner_id, organisation, sector, kind, areas, expertise, source`` and,
    only when asked (facilitators), ``contact``."""
    partners = list(session.scalars(select(Partner).order_by(Partner.organisation, Partner.id)))
    areas = _partner_areas(session)
    rows = [dict(partner_id=p.id, organisation=p.organisation, sector=p.sector, kind=p.kind,
                 areas="; ".join(areas.get(p.id, [])), expertise=p.expertise, source=p.source,
                 **({"contact": p.contact or ""} if include_contact else {})) for p in partners]
    columns = ["partner_id", "organisation", "sector", "kind", "areas", "expertise", "source"]
    return pd.DataFrame(rows, columns=columns + (["contact"] if include_contact else []))


def _partner_areas(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for partner_id, code in session.execute(select(PartnerArea.partner_id, PartnerArea.area_code)
                                            .order_by(PartnerArea.area_code)).all():
        found.setdefault(partner_id, []).append(code)
    return found


# ----------------------------------------------------------------------------- suggestions


def suggest_partners(session: Session, priorities: list[Priority], support: pd.DataFrame,
                     mapping: EvidenceMapping | None = None) -> pd.DataFrame:
    """Suggested lead and partners for each priority, with the reason (see the module notes).

    Examples
    --------
    >>> suggest_partners(session, [priority], support)[["role", "organisation", "reason"]]  # doctest: +SKIP
    """
    partners = list(session.scalars(select(Partner).order_by(Partner.id)))
    if not partners or support.empty:
        return pd.DataFrame(columns=SUGGESTION_COLUMNS)
    mapping = mapping or load_evidence_map(session)
    profiles = _profiles(session, partners)
    rows = []
    for priority in priorities:
        match = support[support["priority_id"] == priority.id]
        if match.empty:
            continue
        rows += _suggest_for(session, priority, match.iloc[0].to_dict(), profiles, mapping)
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)


@dataclass
class _Profile:
    partner: Partner
    codes: dict[str, str]  # code -> the tag that carries it
    stems: set[str]
    kind_stems: set[str]
    areas: set[str]  # where it works, with everything inside those areas


def _profiles(session: Session, partners: list[Partner]) -> list[_Profile]:
    book = load_codebook(session, install_default=False)
    book = default_codebook() if book.empty else book
    tags = [(p.id, tag) for p in partners for tag in split_list(p.expertise)]
    coded = code_by_rules(pd.DataFrame({"contribution_id": range(len(tags)), "text": [t for _i, t in tags]}), book) \
        if tags else pd.DataFrame(columns=["contribution_id", "code"])
    codes: dict[int, dict[str, str]] = {}
    for row in coded.dropna(subset=["code"]).itertuples(index=False):
        partner_id, tag = tags[int(row.contribution_id)]
        codes.setdefault(partner_id, {}).setdefault(row.code, tag)
    areas = _partner_areas(session)
    inside = {code: descendant_codes(session, code) for codes_ in areas.values() for code in codes_}
    return [_Profile(p, codes.get(p.id, {}), content_stems(" ".join(split_list(p.expertise))), content_stems(p.kind),
                     set(areas.get(p.id, [])).union(*(inside[c] for c in areas.get(p.id, []))))
            for p in partners]


def _suggest_for(session: Session, priority: Priority, support: dict, profiles: list[_Profile],
                 mapping: EvidenceMapping) -> list[dict]:
    codes = set(support.get("codes") or [])
    owners = list(dict.fromkeys(o for c in sorted(codes) for o in mapping.for_code(c).owners))
    title = content_stems(priority.title)
    areas = set(support.get("area_codes") or [])
    scored = []
    for profile in profiles:
        shared = sorted(codes & set(profile.codes))
        owner = next((o for o in owners if content_stems(o) & profile.kind_stems), None)
        words = sorted(title & profile.stems)
        score = 3 * len(shared) + (2 if owner else 0) + len(words)
        where = _works_in(profile, areas)
        if score == 0 or where is None:
            continue
        reason = "; ".join(filter(None, [
            "expertise matches " + ", ".join(f"'{c}' (tag '{profile.codes[c]}')" for c in shared) if shared else "",
            f"its kind ({profile.partner.kind}) is among those who would act: {owner}" if owner else "",
            "tags share words with the title" if words else "", where,
        ]))
        scored.append((score, len(shared), -profile.partner.id, profile.partner, reason))
    scored.sort(key=lambda item: item[:3], reverse=True)
    return [dict(priority_id=priority.id, role="lead" if i == 0 else "partner", partner_id=p.id,
                 organisation=p.organisation, sector=p.sector, kind=p.kind, score=score, reason=reason)
            for i, (score, _n, _id, p, reason) in enumerate(scored[: MAX_PARTNERS + 1])]


def _works_in(profile: _Profile, areas: set[str]) -> str | None:
    if not profile.areas:
        return "works across the region"
    if not areas or DEFAULT_REGION in areas:
        return "the priority is region-wide"
    found = sorted(areas & profile.areas)
    return f"works in {', '.join(found)}" if found else None


def partnership_diversity(session: Session, support: dict, partners: pd.DataFrame,
                          networks: dict[int, dict] | None = None) -> dict:
    """The mix of sectors among a priority's suggested lead and partners, and the relationships
    across sectors at its workshops (prior ties and follow-up wishes, from the actor network). ``networks``
    keeps each workshop's figures between calls (a document asks for many priorities)."""
    mine = partners[partners["priority_id"] == support.get("priority_id")] if not partners.empty else partners
    sectors = sorted(set(mine["sector"])) if not mine.empty else []
    networks = {} if networks is None else networks
    workshops = []
    for workshop_id in support.get("workshop_ids") or []:
        if workshop_id not in networks:
            networks[workshop_id] = _workshop_ties(session, workshop_id)
        workshops.append(networks[workshop_id])
    return dict(sectors=sectors, sector_count=len(sectors), sectors_possible=len(PARTNER_SECTORS),
                partners=len(mine), workshops=workshops)


def _workshop_ties(session: Session, workshop_id: int) -> dict:
    from lpip.deliberation.networks import workshop_actor_network

    try:
        summary = workshop_actor_network(session, workshop_id).measures.summary
    except LpipError as exc:
        return dict(workshop_id=workshop_id, note=exc.message.split(":")[0])
    return dict(workshop_id=workshop_id, people=summary["people"], relationships=summary["relationships"],
                cross_sector_relationships=summary["cross_sector_relationships"],
                new_connections=summary["new_connections"], note=summary["new_connections_note"] or "")
