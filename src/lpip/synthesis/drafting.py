"""Candidate priorities drafted from what a workshop produced.

Four kinds of output become candidates, strongest signal first:

1. **dot-voted priorities**: every harvest priority that received a dot;
2. **consensus statements**: statements with at least 3 votes whose opinion groups all agree
   (per-group agreement 0.6 or more, no two groups 0.3 apart; see :mod:`lpip.synthesis.support`;
   the same thresholds as the quick-win rule's "high consensus");
3. **coded notes**: a code (theme of the codebook) applied to 3 or more of the workshop's
   contributions;
4. **emergent themes**: topics found in the notes and statements (:func:`lpip.deliberation.themes.find_themes`,
   20 or more contributions needed).

A contribution supports one candidate only (the first that claims it), so no dot or vote is
counted twice. A code carried by a candidate already made (its own text has the code) makes no candidate of
its own; each contribution with frequent codes supports the candidate sharing one of its codes
with most content words in common (then most codes in common, then most dots); a theme whose
commonest code a candidate carries supports that candidate in the same way. Every candidate records where
it came from (its sources' ``via``: "dot vote", "consensus statement", "code 'housing'",
"theme 2: buses / evening / shifts"), and a draft key, so drafting again (after more notes or
votes) adds new sources and candidates but never a second copy. Given the same data and seed the
result is the same. Candidates drafted from a demonstration workshop start with "(demo)", like
its made-up contributions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.deliberation.coding import load_contributions, stem, words
from lpip.deliberation.themes import MIN_DOCUMENTS, find_themes
from lpip.errors import TooFewDocuments
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import TITLE_LIMIT, add_priority, add_sources
from lpip.synthesis.support import contribution_codes, workshop_consensus
from lpip.synthesis.triage import GROUPS_APART, HIGH_AGREEMENT_FROM
from lpip.workshops.tallies import priority_dots, statement_tallies
from lpip.workshops.workshops import get_workshop

# Made-up demonstration contributions start with this; candidates drafted from them say so too.
DEMO_MARK = "(demo)"
MIN_DOTS = 1
MIN_STATEMENT_VOTES = 3
MIN_CODED = 3
STOP = {"the", "and", "for", "with", "that", "this", "are", "was", "from", "have", "more", "should", "demo",
        "our", "their", "they", "will", "can", "not", "but", "all", "into", "out", "about"}


@dataclass
class Candidate:
    """A candidate in the making: its key, title, description, own contributions and sources."""

    key: str
    title: str
    description: str
    codes: set[str]
    stems: set[str]
    dots: int = 0
    sources: dict[int, tuple[str, int | None]] = field(default_factory=dict)


@dataclass
class DraftResult:
    """What :func:`draft_priorities` did: candidates made, found again, sources added, and notes."""

    workshop_id: int
    created: list[int]
    existing: list[int]
    sources_added: int
    candidates: pd.DataFrame
    notes: list[str]

    def summary(self) -> str:
        return (f"Workshop {self.workshop_id}: {len(self.created)} new candidate priorities, "
                f"{len(self.existing)} already drafted, {self.sources_added} supporting contributions added.")


def draft_priorities(session: Session, workshop_id: int, seed: int = 0, by: str | None = None) -> DraftResult:
    """Draft candidate priorities from a workshop's dots, statements, codes and themes.

    Examples
    --------
    >>> result = draft_priorities(session, 1)  # doctest: +SKIP
    >>> result.candidates[["priority_id", "title", "from"]]  # doctest: +SKIP
    """
    workshop = get_workshop(session, workshop_id)
    contributions = load_contributions(session, workshop.id)
    codes = contribution_codes(session, contributions) if not contributions.empty else \
        pd.DataFrame(columns=["contribution_id", "code", "code_assignment_id"])
    notes: list[str] = []
    candidates = _from_dots(session, workshop.id, contributions, codes)
    candidates += _from_statements(session, workshop.id, contributions, codes, seed, notes)
    _from_codes(candidates, contributions, codes, workshop.id)
    _from_themes(candidates, contributions, codes, workshop.id, seed, notes)
    return _store(session, workshop, candidates, notes, by)


# ----------------------------------------------------------------------------- the four kinds


def _own(contribution_id: int, text: str, codes: pd.DataFrame) -> tuple[set[str], set[str]]:
    mine = codes[codes["contribution_id"] == contribution_id]
    return set(mine["code"]), content_stems(text)


def content_stems(text: str) -> set[str]:
    """The stems of a text's content words (short and common words left out)."""
    return {stem(w) for w in words(text) if len(w) > 2 and w not in STOP}


def _title(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1].rstrip() + "…"


def _from_dots(session: Session, workshop_id: int, contributions: pd.DataFrame, codes: pd.DataFrame) -> list[Candidate]:
    made = []
    for row in priority_dots(session, [workshop_id]).itertuples(index=False):
        if row.dots < MIN_DOTS:
            continue
        own_codes, stems = _own(row.contribution_id, row.text, codes)
        candidate = Candidate(f"w{workshop_id}:dots:{row.contribution_id}", _title(row.text),
                              f"Drafted from workshop {workshop_id}: a priority the room put to the dot vote.",
                              own_codes, stems, int(row.dots))
        candidate.sources[int(row.contribution_id)] = (f"dot vote: {row.dots} dots from {row.people} people", None)
        made.append(candidate)
    return made


def _from_statements(session: Session, workshop_id: int, contributions: pd.DataFrame, codes: pd.DataFrame,
                     seed: int, notes: list[str]) -> list[Candidate]:
    tallies = statement_tallies(session, [workshop_id])
    if tallies.empty:
        return []
    consensus = workshop_consensus(session, workshop_id, seed)
    notes.append(f"Consensus from {consensus.method}.")
    table = consensus.table.merge(tallies[["contribution_id", "text", "votes"]], left_on="statement",
                                  right_on="contribution_id")
    chosen = table[(table["votes"] >= MIN_STATEMENT_VOTES) & (table["agreement"] >= HIGH_AGREEMENT_FROM)
                   & (table["spread"] < GROUPS_APART)].sort_values("statement")
    made = []
    for row in chosen.itertuples(index=False):
        own_codes, stems = _own(row.statement, row.text, codes)
        candidate = Candidate(f"w{workshop_id}:statement:{row.statement}", _title(row.text),
                              f"Drafted from workshop {workshop_id}: a statement the opinion groups agreed on.",
                              own_codes, stems)
        candidate.sources[int(row.statement)] = (
            f"consensus statement: group-informed consensus {row.consensus:.2f}, per-group agreement "
            f"{row.agreement:.2f} ({consensus.method})", None)
        made.append(candidate)
    return made


def _from_codes(candidates: list[Candidate], contributions: pd.DataFrame, codes: pd.DataFrame, workshop_id: int) -> None:
    counts = codes.groupby("code")["contribution_id"].nunique()
    frequent = set(counts[counts >= MIN_CODED].index)
    for code in sorted(frequent):
        if not any(code in c.codes for c in candidates):
            candidates.append(Candidate(
                f"w{workshop_id}:code:{code}", code[:1].upper() + code[1:],
                f"Drafted from workshop {workshop_id}: {counts[code]} contributions were coded '{code}'.",
                {code}, content_stems(code)))
    owned = {cid for c in candidates for cid in c.sources}
    text = dict(zip(contributions["contribution_id"], contributions["text"]))
    for cid, rows in codes[codes["code"].isin(frequent) & ~codes["contribution_id"].isin(owned)].groupby(
            "contribution_id", sort=True):
        mine = dict(zip(rows["code"], rows["code_assignment_id"]))
        carriers = [c for c in candidates if c.codes & set(mine)]
        stems = content_stems(text.get(cid, ""))
        best = max(carriers, key=lambda c: (len(stems & c.stems), len(c.codes & set(mine)), c.dots, -candidates.index(c)))
        code = sorted(best.codes & set(mine))[0]
        best.sources[int(cid)] = (f"code '{code}'", _assignment(mine[code]))


def _from_themes(candidates: list[Candidate], contributions: pd.DataFrame, codes: pd.DataFrame, workshop_id: int,
                 seed: int, notes: list[str]) -> None:
    texts = contributions[contributions["kind"].isin(["note", "statement"])]
    if len(texts) < MIN_DOCUMENTS:
        notes.append(f"Emergent themes not drafted: {len(texts)} notes and statements ({MIN_DOCUMENTS} needed).")
        return
    try:
        themes = find_themes(texts[["contribution_id", "text"]], seed=seed)
    except TooFewDocuments as exc:
        notes.append(f"Emergent themes not drafted: {exc.message}")
        return
    assigned = themes.assignments.dropna(subset=["topic"])
    for topic in themes.topics.itertuples(index=False):
        owned = {cid for c in candidates for cid in c.sources}
        ids = assigned.loc[(assigned["topic"] == topic.topic) & ~assigned["contribution_id"].isin(owned), "contribution_id"]
        if ids.empty:
            continue
        topic_codes = codes[codes["contribution_id"].isin(ids)]["code"].value_counts()
        via = f"theme {topic.topic}: {topic.label}"
        rows = pd.DataFrame({"contribution_id": ids, "code": None, "code_assignment_id": pd.NA})
        carriers = [c for c in candidates if not topic_codes.empty and topic_codes.index[0] in c.codes]
        if carriers:
            _attach(carriers, rows, contributions, via)
            continue
        candidate = Candidate(f"w{workshop_id}:theme:{topic.terms}", _title(f"Theme: {topic.label}"),
                              f"Drafted from workshop {workshop_id}: an emergent theme of {topic.contributions} "
                              f"contributions (top terms: {topic.terms}).",
                              set(topic_codes.index[:1]), content_stems(topic.terms))
        for cid in ids:
            candidate.sources[int(cid)] = (via, None)
        candidates.append(candidate)


def _attach(carriers: list[Candidate], rows: pd.DataFrame, contributions: pd.DataFrame, via: str) -> None:
    """Give each contribution to the carrier it shares most content words with (then the one with
    most dots, then the first made)."""
    text = dict(zip(contributions["contribution_id"], contributions["text"]))
    for row in rows.itertuples(index=False):
        cid = int(row.contribution_id)
        stems = content_stems(text.get(cid, ""))
        best = max(carriers, key=lambda c: (len(stems & c.stems), c.dots, -carriers.index(c)))
        best.sources[cid] = (via, _assignment(row.code_assignment_id))


def _assignment(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


# ----------------------------------------------------------------------------- storing


def _store(session: Session, workshop, candidates: list[Candidate], notes: list[str], by: str | None) -> DraftResult:
    keys = [c.key for c in candidates]
    found = {p.draft_key: p for p in session.scalars(select(Priority).where(Priority.draft_key.in_(keys)))} if keys else {}
    created, existing, rows, sources = [], [], [], []
    for candidate in candidates:
        priority = found.get(candidate.key)
        if priority is None:
            title = candidate.title if not workshop.is_demo or candidate.title.startswith(DEMO_MARK) \
                else _title(f"{DEMO_MARK} {candidate.title}")
            priority = add_priority(session, workshop.id, title, candidate.description, by=by,
                                    origin="draft", draft_key=candidate.key)
            created.append(priority.id)
        else:
            existing.append(priority.id)
        target = priority.merged_into_id if priority.status == "merged" and priority.merged_into_id else priority.id
        sources += [(target, cid, via, assignment) for cid, (via, assignment) in sorted(candidate.sources.items())]
        rows.append(dict(priority_id=priority.id, title=priority.title, **{"from": _where_from(candidate)},
                         sources=len(candidate.sources), new=priority.id in created))
    added = add_sources(session, sources)
    session.flush()
    frame = pd.DataFrame(rows, columns=["priority_id", "title", "from", "sources", "new"])
    return DraftResult(workshop.id, created, existing, added, frame, notes)


def _where_from(candidate: Candidate) -> str:
    kind = candidate.key.split(":")[1]
    label = {"dots": "dot-voted priority", "statement": "consensus statement", "code": "coded notes",
             "theme": "emergent theme"}[kind]
    attached = {"coded notes" if via.startswith("code") else "emergent theme" if via.startswith("theme") else label
                for via, _ in candidate.sources.values()}
    extra = sorted(attached - {label})
    return label + (f" (+ {', '.join(extra)})" if extra else "")
