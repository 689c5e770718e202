"""The one anonymiser: every piece of text that leaves lpip for an archive or a printed report
goes through it.

What it replaces, in the text people wrote (notes, statements, priorities, codebook text):

- **people the system knows** (attendees, facilitators' accounts, partners' contacts) in all
  the forms people write them: full name, first name alone, surname alone, with a title
  (Mr, Mrs, Ms, Dr, Cllr ...), with a possessive ("Sue's"), in any case. A first name or
  surname that is also an everyday word ("Will", "Hope", "May") is replaced only when
  written with a capital. Each person gets one label everywhere: ``[person 3]``; a word
  shared by two people's names becomes ``[person]``;
- **an unknown name after a title** ("Mr Younis") becomes a person label too;
- **organisations the system knows** (attendees' and partners' organisations), with and
  without "Ltd"/"Limited"/"PLC", with or without "The", and their initials ("WHG") where
  people abbreviate them: ``[organisation: faith group]``, typed by what the organisation is;
- **patterns**: emails ``[email]``, UK phone numbers in every common format ``[phone]``,
  postcodes ``[postcode]`` (full ones always; outward codes such as "B66" when asked, as they
  also match road and product names), URLs ``[url]``, National Insurance numbers
  ``[NI number]``, dates of birth ``[date of birth]`` and street addresses with a number
  ``[address]``.

An optional named-entity backend (Microsoft Presidio with an installed spaCy English
model, the ``lpip[ner]`` extra) finds names the system does not know; lpip never downloads a
model. Without it, unknown names can remain, and the deposit's health check says so.

Every replacement is logged (original, replacement, file, row, column, rule, context) for the
depositor's review; the log is personal data and never goes into a deposit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

PERSON_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Cllr", "Councillor", "Prof", "Professor", "Sir",
                 "Dame", "Lady", "Lord", "Rev", "Revd", "Reverend", "Father", "Imam", "Rabbi", "Sister")
# Names that are also everyday words: replaced alone only when written with a capital letter.
COMMON_WORDS = frozenset(["will", "may", "hope", "mark", "bill", "grace", "joy", "rose", "faith", "june", "april", "summer", "dawn", "guy", "jack", "frank", "rich", "sue", "rob", "pat", "carol", "ray", "sunny", "dean", "ash", "amber", "ruby", "pearl", "holly", "iris", "heather", "ivy", "jade", "lily", "daisy", "violet", "robin", "jay", "max", "sky", "storm", "river", "brook", "chase", "chance", "hunter", "mason", "miles", "young", "green", "brown", "white", "black", "wood", "hill", "bell", "king", "cook", "baker", "turner", "walker", "wright", "hall", "long", "lee", "west", "north", "south", "may", "rich", "sharp", "strong", "good"])
LEGAL_SUFFIXES = re.compile(r"\s*,?\s*\b(?:ltd\.?|limited|plc|llp|cic|inc\.?|llc|co\.)\s*$", re.IGNORECASE)
ACRONYM_SKIP = {"of", "and", "the", "&", "for", "in", "on", "at", "to", "a"}
MIN_TOKEN = 3

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Any two letters (HMRC's own examples use the unissued prefix QQ), six digits, A to D.
NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
# No "." inside: a decimal such as 0.12345678901 is not a phone number.
PHONE = re.compile(r"(?<![\w+.])(?:\+\s?44|0044|\(?0)[\d\s\-()]{7,18}\d")
POSTCODE = re.compile(r"\b(?:GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b", re.IGNORECASE)
OUTWARD_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\b")
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = (rf"\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\s+\d{{4}}"
        rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}")
BIRTH_DATE = re.compile(rf"\b(?:born(?:\s+on)?|d\.?o\.?b\.?|date\s+of\s+birth)\s*[:\-]?\s*(?P<date>{DATE})", re.IGNORECASE)
STREETS = ("Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Way|Crescent|Place|Grove|Terrace|Court|Gardens|"
           "Hill|Park|Row|Walk|Square|Parade|Mews|View|Rise|Green")
ADDRESS = re.compile(rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]+\s+){{1,3}}(?:{STREETS})\b\.?")
TITLED = re.compile(rf"\b(?:{'|'.join(PERSON_TITLES)})\.?\s+(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)")

# An organisation's kind from words in its name, first match wins; else from its sector.
ORGANISATION_KINDS = (
    ("faith group", ("mosque", "church", "gurdwara", "temple", "synagogue", "mandir", "chapel", "parish",
                     "diocese", "masjid", "faith", "cathedral", "vihara")),
    ("local authority", ("council", "borough", "combined authority", "county", "city of")),
    ("health body", ("nhs", "hospital", "clinical", "icb", "surgery", "medical", "health")),
    ("university", ("university", "college", "school", "academy", "institute")),
    ("housing association", ("housing", "homes")),
    ("charity", ("charity", "foundation", "trust", "association", "society", "community", "voluntary",
                 "centre", "center", "network", "alliance", "cic")),
    ("business", ("ltd", "limited", "plc", "llp", "foods", "solutions", "services", "consulting", "bank",
                  "shop", "cafe", "café", "restaurant", "garage", "manufacturing", "engineering", "company")),
)
SECTOR_KINDS = {
    "public": "public body", "private": "business", "voluntary and community": "voluntary group",
    "civil society": "civil society group", "academic": "university", "resident": "organisation",
}


def organisation_kind(name: str, sector: str | None = None) -> str:
    """What an organisation is, from words in its name (else its sector).

    Examples
    --------
    >>> organisation_kind("Sandwell Mosque"), organisation_kind("Kaur Foods"), organisation_kind("Acme", "public")
    ('faith group', 'business', 'public body')
    """
    lowered = name.casefold()
    for kind, words in ORGANISATION_KINDS:
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            return kind
    return SECTOR_KINDS.get((sector or "").lower(), "organisation")


# ----------------------------------------------------------------------------- the log


@dataclass(frozen=True)
class Redaction:
    """One replacement: what was there, what replaced it, where, by which rule."""

    original: str
    replacement: str
    rule: str
    file: str = ""
    row: int = 0
    column: str = ""
    context: str = ""
    decision: str = "proposed"


LOG_COLUMNS = ["file", "row", "column", "rule", "original", "replacement", "decision", "context"]


def redaction_records(log: Iterable[Redaction]) -> list[dict]:
    """The log as rows with :data:`LOG_COLUMNS`."""
    return [{name: getattr(item, name) for name in LOG_COLUMNS} for item in log]


@dataclass(frozen=True)
class Decision:
    """A reviewer's word on one proposed replacement: accept, reject (keep the text) or change."""

    action: str
    replacement: str = ""


# ----------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class Entity:
    key: str
    kind: str  # "person" or "organisation"
    detail: str = ""  # the organisation's kind


@dataclass
class _Match:
    start: int
    end: int
    rule: str
    entity: Entity | None = None
    label: str = ""


@dataclass
class Anonymiser:
    """Replaces known people, organisations and identifying patterns in text (see the module).

    Parameters
    ----------
    people : full names of people the system knows.
    organisations : (name, sector or None) of organisations the system knows.
    outward_postcodes : also replace outward codes alone ("B66", "WS1").
    decisions : a reviewer's decisions, keyed by (file, row, column, original).
    ner : a callable giving (start, end) spans of names in a text, or None.

    Examples
    --------
    >>> anonymiser = Anonymiser(["Sue Patel"], [("Walsall Housing Group", "public")])
    >>> anonymiser.scrub("Call Sue on 07700 900123 at WHG")
    'Call [person 1] on [phone] at [organisation: housing association]'
    """

    people: Iterable[str] = ()
    organisations: Iterable[tuple[str, str | None]] = ()
    outward_postcodes: bool = False
    decisions: dict = field(default_factory=dict)
    ner: Callable[[str], list[tuple[int, int]]] | None = None
    log: list[Redaction] = field(default_factory=list)

    def __post_init__(self):
        self._terms: dict[str, Entity | None] = {}
        self._acronyms: dict[str, Entity] = {}
        self._numbers: dict[str, int] = {}
        for name, sector in sorted({(clean_name(n), s) for n, s in self.organisations if clean_name(n)}):
            self._add_organisation(name, sector)
        for name in sorted({clean_name(n) for n in self.people if clean_name(n)}):
            self._add_person(name)
        # Known names are found word by word: each term is a key of its words and the
        # punctuation between them, so a text is looked up once per word, whatever the number of terms.
        self._index = {_key(TOKEN.findall(term), _gaps(term)): entity for term, entity in self._terms.items()
                       if TOKEN.search(term)}
        self._longest = max((len(TOKEN.findall(term)) for term in self._terms), default=0)
        self._first_words = {TOKEN.findall(term)[0] for term in self._terms if TOKEN.search(term)}

    # -- building the vocabulary

    def _add_term(self, term: str, entity: Entity) -> None:
        key = term.casefold()
        if len(key) < MIN_TOKEN:
            return
        known = self._terms.get(key, entity)
        if known is not None and known != entity:
            # A word shared by two entities: an organisation's full name beats a person's word;
            # two people sharing it get the unnumbered label.
            if known.kind == "organisation" and " " in key:
                return
            entity = Entity("ambiguous", "person") if entity.kind == known.kind == "person" else known
        self._terms[key] = entity

    def _add_person(self, name: str) -> None:
        entity = Entity(f"person:{name.casefold()}", "person")
        self._add_term(name, entity)
        tokens = [t for t in re.split(r"\s+", name) if t]
        if len(tokens) >= 2:
            self._add_term(tokens[0], entity)
            self._add_term(tokens[-1], entity)
            self._add_term(f"{tokens[0]} {tokens[-1]}", entity)

    def _add_organisation(self, name: str, sector: str | None) -> None:
        entity = Entity(f"organisation:{name.casefold()}", "organisation", organisation_kind(name, sector))
        core = LEGAL_SUFFIXES.sub("", name)
        variants = {name, core}
        variants |= {f"{core} {suffix}" for suffix in ("Ltd", "Ltd.", "Limited", "PLC", "CIC", "LLP")}
        variants |= {re.sub(r"^the\s+", "", v, flags=re.IGNORECASE) for v in variants}
        for variant in variants:
            if variant.strip():
                self._add_term(variant.strip(), entity)
        words = [w for w in re.split(r"[\s\-]+", LEGAL_SUFFIXES.sub("", name)) if w and w.casefold() not in ACRONYM_SKIP]
        initials = "".join(w[0] for w in words if w[0].isalpha()).upper()
        if len(words) >= 2 and len(initials) >= MIN_TOKEN:
            self._acronyms.setdefault(initials, entity)

    # -- scrubbing

    def scrub(self, text: str | None, file: str = "", row: int = 0, column: str = "") -> str | None:
        """``text`` with every identifying span replaced by its bracketed label (logged)."""
        if text is None or not isinstance(text, str) or not text:
            return text
        chosen = _non_overlapping(self._candidates(text))
        if not chosen:
            return text
        parts, last = [], 0
        for match in chosen:
            original = text[match.start:match.end]
            replacement = self._decide(match, original, file, row, column, text)
            parts += [text[last:match.start], replacement]
            last = match.end
        parts.append(text[last:])
        return "".join(parts)

    def __call__(self, text: str | None) -> str | None:
        return self.scrub(text)

    def _decide(self, match: _Match, original: str, file: str, row: int, column: str, text: str) -> str:
        proposed = match.label or self._label(match.entity)
        decision = self.decisions.get((file, row, column, original))
        outcome, action = proposed, "proposed"
        if decision is not None and decision.action == "reject":
            outcome, action = original, "rejected"
        elif decision is not None and decision.action == "change":
            outcome, action = decision.replacement, "changed"
        elif decision is not None:
            action = "accepted"
        self.log.append(Redaction(original, outcome, match.rule, file, row, column,
                                  _context(text, match.start, match.end), action))
        return outcome

    def _label(self, entity: Entity | None) -> str:
        if entity is None or entity.key == "ambiguous":
            return "[person]"
        if entity.kind == "organisation":
            return f"[organisation: {entity.detail}]"
        number = self._numbers.setdefault(entity.key, len(self._numbers) + 1)
        return f"[person {number}]"

    def _candidates(self, text: str) -> list[_Match]:
        found = [_Match(m.start(), m.end(), "email", label="[email]") for m in EMAIL.finditer(text)]
        found += [_Match(m.start(), m.start() + len(m.group().rstrip(".,;:!?)]}")), "url", label="[url]")
                  for m in URL.finditer(text)]
        found += [_Match(m.start(), m.end(), "NI number", label="[NI number]") for m in NI_NUMBER.finditer(text)]
        found += [_Match(start, end, "phone", label="[phone]") for start, end in _phones(text)]
        found += [_Match(m.start(), m.end(), "postcode", label="[postcode]") for m in POSTCODE.finditer(text)]
        if self.outward_postcodes:
            found += [_Match(m.start(), m.end(), "outward postcode", label="[postcode]")
                      for m in OUTWARD_POSTCODE.finditer(text)]
        found += [_Match(m.start("date"), m.end("date"), "date of birth", label="[date of birth]")
                  for m in BIRTH_DATE.finditer(text)]
        found += [_Match(m.start(), m.end(), "address", label="[address]") for m in ADDRESS.finditer(text)]
        found += self._known(text)
        found += self._titled(text)
        if self.ner is not None:
            found += [_Match(start, end, "named entity (NER)", Entity(f"person:{text[start:end].casefold()}", "person"))
                      for start, end in self.ner(text)]
        return found

    def _known(self, text: str) -> list[_Match]:
        found = []
        tokens = list(TOKEN.finditer(text))
        folded = [t.group().casefold() for t in tokens]
        i = 0
        while i < len(tokens):
            match = self._known_at(text, tokens, folded, i)
            if match is None:
                i += 1
                continue
            found.append(match[0])
            i += match[1]
        return found

    def _known_at(self, text: str, tokens: list, folded: list[str], i: int) -> tuple[_Match, int] | None:
        """The longest known term starting at word ``i`` (with a title before it), and its length in words."""
        word = tokens[i].group()
        if word in self._acronyms:
            return _Match(tokens[i].start(), tokens[i].end(), "organisation initials", self._acronyms[word]), 1
        if folded[i] not in self._first_words:
            return None
        for n in range(min(self._longest, len(tokens) - i), 0, -1):
            gaps = [text[tokens[j].end():tokens[j + 1].start()] for j in range(i, i + n - 1)]
            entity = self._index.get(_key(folded[i:i + n], [_gap(g) for g in gaps]))
            if entity is None:
                continue
            start = _title_start(text, tokens, folded, i)
            if start is None and n == 1 and _everyday(word):
                continue
            rule = "known organisation" if entity.kind == "organisation" else "known name"
            # A possessive ("Sue's") stays in the text after the label.
            return _Match(tokens[i].start() if start is None else start, tokens[i + n - 1].end(), rule, entity), n
        return None

    def _titled(self, text: str) -> list[_Match]:
        found = []
        for m in TITLED.finditer(text):
            surname = m.group("name").split()[-1]
            key = surname.casefold()
            entity = self._terms.get(key)
            if entity is None or entity.kind != "person":
                entity = Entity(f"person:titled:{key}", "person")
            found.append(_Match(m.start(), m.end(), "title and name", entity))
        return found


def clean_name(name) -> str:
    """A name with its spaces tidied (``None`` and blanks become "")."""
    return re.sub(r"\s+", " ", str(name or "")).strip()


def _everyday(word: str) -> bool:
    return word.casefold() in COMMON_WORDS and not word[:1].isupper()


TOKEN = re.compile(r"\w+")
TITLES = frozenset(t.casefold() for t in PERSON_TITLES)


def _gap(text: str) -> str:
    """What separates two words, normalised: any run of spaces is one space; curly apostrophes are straight."""
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip() or " "


def _gaps(term: str) -> list[str]:
    spans = [m.span() for m in TOKEN.finditer(term)]
    return [_gap(term[a[1]:b[0]]) for a, b in zip(spans, spans[1:])]


def _key(words: list[str], gaps: list[str]) -> str:
    words = [w.casefold() for w in words]
    return words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:]))


def _title_start(text: str, tokens: list, folded: list[str], i: int) -> int | None:
    """Where a title right before word ``i`` ("Mr ", "Cllr. ") starts, or None."""
    if i == 0 or folded[i - 1] not in TITLES:
        return None
    between = text[tokens[i - 1].end():tokens[i].start()]
    return tokens[i - 1].start() if re.fullmatch(r"\.?\s+", between) else None


def _non_overlapping(matches: list[_Match]) -> list[_Match]:
    """Longest first among overlapping spans, then leftmost."""
    chosen: list[_Match] = []
    for match in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _phones(text: str) -> list[tuple[int, int]]:
    """Spans of UK phone numbers: +44 or 0 and then 9 or 10 more digits, in any grouping."""
    spans = []
    for m in PHONE.finditer(text):
        candidate = m.group()
        # Try the whole run, then shorter ones ending at a digit (a number followed by "2 people").
        for end in range(len(candidate), 0, -1):
            if candidate[end - 1].isdigit() and _uk_number(candidate[:end]):
                spans.append((m.start(), m.start() + end))
                break
    return spans


def _uk_number(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        national = digits[2:]
        national = national.removeprefix("0")
        return len(national) in (9, 10)
    return digits.startswith("0") and len(digits) in (10, 11)


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    return f"{'...' if start > width else ''}{before}»{text[start:end]}«{after}{'...' if end + width < len(text) else ''}"


# ----------------------------------------------------------------------------- from the database


def known_people(session: Session) -> list[str]:
    """Every person's name the system holds: attendees, user accounts, partners' contacts."""
    from lpip.workshops.models import Attendee, UserAccount

    names = list(session.scalars(select(Attendee.name)))
    names += list(session.scalars(select(UserAccount.name)))
    names += [name for name, _organisation, _sector in _partners(session) if name]
    return sorted({clean_name(n) for n in names if clean_name(n)})


def known_organisations(session: Session) -> list[tuple[str, str | None]]:
    """Every organisation the system holds, with a sector: attendees' and partners'."""
    from lpip.workshops.models import Attendee

    rows = session.execute(select(Attendee.organisation, Attendee.sector).where(Attendee.organisation.is_not(None))).all()
    found = {(clean_name(o), s) for o, s in rows if clean_name(o)}
    found |= {(clean_name(o), s) for _n, o, s in _partners(session) if clean_name(o)}
    first: dict[str, str | None] = {}
    for name, sector in sorted(found, key=lambda item: (item[0], item[1] or "")):
        first.setdefault(name, sector)
    return sorted(first.items())


def _partners(session: Session) -> list[tuple[str | None, str | None, str | None]]:
    """(contact name, organisation, sector) of the synthesis partner register, when it exists.

    The register is built in ``lpip.synthesis`` (issue 12); its column names are read with
    ``getattr`` so that this keeps working while that module settles.
    """
    try:
        from lpip.synthesis import models as synthesis_models
    except ImportError:
        return []
    partner = getattr(synthesis_models, "Partner", None)
    if partner is None:
        return []
    rows = []
    for item in session.scalars(select(partner)):
        contact = next((getattr(item, name) for name in ("contact_name", "contact") if getattr(item, name, None)), None)
        # A contact may be an email address; only a name is a name.
        contact = contact if contact and "@" not in str(contact) else None
        rows.append((contact, getattr(item, "organisation", None) or getattr(item, "name", None), getattr(item, "sector", None)))
    return rows


def ner_backend() -> Callable[[str], list[tuple[int, int]]] | None:
    """A name finder from Presidio with an installed spaCy English model, or None.

    Nothing is downloaded: without ``presidio-analyzer`` and an installed ``en_core_web_*``
    model (``pip install lpip[ner]`` and the model's package) this returns None.
    """
    try:
        import spacy.util
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        return None
    model = next((name for name in ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")
                  if spacy.util.is_package(name)), None)
    if model is None:
        return None
    provider = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
                                                    "models": [{"lang_code": "en", "model_name": model}]})
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def find(text: str) -> list[tuple[int, int]]:
        return [(r.start, r.end) for r in engine.analyze(text=text, entities=["PERSON"], language="en")
                if r.score >= 0.6]

    return find


def anonymiser_for(session: Session, outward_postcodes: bool = False, decisions: dict | None = None,
                   use_ner: bool = True) -> Anonymiser:
    """An :class:`Anonymiser` that knows every person and organisation in the database."""
    return Anonymiser(known_people(session), known_organisations(session), outward_postcodes=outward_postcodes,
                      decisions=decisions or {}, ner=ner_backend() if use_ner else None)


def scrubber_for(session: Session) -> Callable[[str], str]:
    """The function that anonymises a quote for printing (reports, pages, the CLI).

    It knows every person and organisation in the database (a person from one workshop may
    be named in another's notes), so it takes no workshop.

    Examples
    --------
    >>> scrub = scrubber_for(session)  # doctest: +SKIP
    >>> scrub("Harjit from Kaur Foods said...")  # doctest: +SKIP
    '[person 1] from [organisation: business] said...'
    """
    return anonymiser_for(session).scrub


# ----------------------------------------------------------------------------- areas


SMALL_AREAS = ("lsoa", "msoa")


def district_of(session: Session, codes: Iterable[str]) -> dict[str, str | None]:
    """Each area code, or for an LSOA/MSOA the local authority district it lies in."""
    return {code: _district(session, code) for code in codes}


def _district(session: Session, code: str, depth: int = 0) -> str | None:
    from lpip.geography.models import Area, AreaLink

    level = session.scalar(select(Area.level).where(Area.code == code))
    if level not in SMALL_AREAS:
        return code
    parents = session.execute(
        select(Area.code, Area.level).join(AreaLink, AreaLink.parent_code == Area.code)
        .where(AreaLink.child_code == code, AreaLink.kind == "hierarchy")
    ).all()
    lad = next((parent for parent, parent_level in parents if parent_level == "lad"), None)
    if lad is not None or depth >= 2:
        return lad
    # An LSOA may be linked to its MSOA only; go one level up.
    small = next((parent for parent, parent_level in parents if parent_level in SMALL_AREAS), None)
    return _district(session, small, depth + 1) if small else None


def coarser_areas(session: Session, districts: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """For each district: its workshop sub-region and its region (``{"subregion": ..., "region": ...}``)."""
    from lpip.geography.models import Area, AreaLink

    result = {}
    for code in sorted({d for d in districts if d}):
        parents = session.execute(
            select(Area.code, Area.level).join(AreaLink, AreaLink.parent_code == Area.code)
            .where(AreaLink.child_code == code)
        ).all()
        levels: dict[str, list[str]] = {}
        for parent, level in parents:
            levels.setdefault(level, []).append(parent)
        region = sorted(levels.get("region", []))
        if not region:
            # A district linked to its county only: one step further up.
            for county in sorted(levels.get("county", [])):
                region = sorted(session.scalars(select(Area.code).join(AreaLink, AreaLink.parent_code == Area.code)
                                                .where(AreaLink.child_code == county, Area.level == "region")))
                if region:
                    break
        result[code] = {"subregion": (sorted(levels.get("subregion", [])) or [None])[0],
                        "region": (region or [None])[0]}
    return result
