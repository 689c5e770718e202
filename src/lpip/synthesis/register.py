"""The register as a table, and everything about one priority: support, evidence, triage.

:func:`assess_priorities` reads once what many priorities need (sources, tallies, consensus,
codes, comparison rows) and applies the verdict and triage rules; :func:`list_priorities` turns
that into the rows of ``lpip priorities list`` and :func:`describe_priority` into what
``lpip priorities show`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from lpip.geography.areas import descendant_codes
from lpip.synthesis.evidence import Evidence, assess_evidence, data_gaps, suggest_indicators
from lpip.synthesis.mapping import EvidenceMapping, load_evidence_map
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import (
    LISTED_STATUSES, OPEN_STATUSES, areas_of, get_priority, links_of, select_priorities, source_contributions,
)
from lpip.synthesis.support import SupportContext, gather_support, priority_support
from lpip.synthesis.triage import Triage, triage_priority

LIST_COLUMNS = [
    "priority_id", "workshop_ids", "area_codes", "title", "status", "sectors", "dots", "votes_agree",
    "votes_disagree", "consensus", "evidence_verdict", "evidence_indicators", "kind", "kind_reasons",
]


@dataclass
class Assessment:
    """Support, evidence and triage of a set of priorities, computed together."""

    priorities: list[Priority]
    support: pd.DataFrame
    evidence: Evidence
    triage: dict[int, Triage]
    mapping: EvidenceMapping
    context: SupportContext
    links: pd.DataFrame
    area: str | None = None

    def support_row(self, priority_id: int) -> dict:
        rows = self.support[self.support["priority_id"] == priority_id]
        return rows.iloc[0].to_dict() if len(rows) else {}


def assess_priorities(session: Session, priorities: list[Priority], area: str | None = None, seed: int = 0,
                      extra_areas: Iterable[str] = ()) -> Assessment:
    """Support, verdicts (in ``area``, or each priority's own areas and ``extra_areas``) and triage.

    Triage always uses the overall verdict across a priority's own areas, so that a priority has
    one kind whatever area it is looked at from.
    """
    mapping = load_evidence_map(session)
    context = gather_support(session, priorities, seed)
    support = priority_support(session, priorities, seed, context)
    evidence = assess_evidence(session, priorities, extra_areas=_with_area(session, priorities, area, extra_areas))
    rows = {r["priority_id"]: r for r in support.to_dict("records")}
    triage = {p.id: triage_priority(p, rows[p.id], evidence.verdict(p.id), mapping) for p in priorities}
    links = links_of(session, [p.id for p in priorities])
    return Assessment(priorities, support, evidence, triage, mapping, context, links, area)


def _with_area(session: Session, priorities: list[Priority], area: str | None, extra: Iterable[str]) -> list[str]:
    """The extra areas to judge in: ``extra``, and ``area`` when it is one of a priority's areas or
    inside one (a region contains its sub-regions' priorities, but is not where they are judged)."""
    extra = list(extra)
    if area is None or area in extra:
        return extra
    own = {a for codes in areas_of(session, [p.id for p in priorities]).values() for a in codes}
    inside = own | {d for a in own for d in descendant_codes(session, a)}
    return extra + [area] if area in inside else extra


def priority_verdict(assessment: Assessment, priority_id: int) -> str:
    """The verdict in the assessment's area when the priority is about it (or an area inside it
    was asked for), else across its own areas."""
    verdicts = assessment.evidence.verdicts
    if assessment.area is not None:
        rows = verdicts[(verdicts["priority_id"] == priority_id) & (verdicts["area_code"] == assessment.area)]
        if len(rows):
            return rows["verdict"].iloc[0]
    return assessment.evidence.verdict(priority_id)


def priority_table(assessment: Assessment) -> pd.DataFrame:
    """The rows of ``lpip priorities list`` (:data:`LIST_COLUMNS`), lists joined by ";"."""
    links = linked_indicators(assessment)
    rows = []
    for priority in assessment.priorities:
        support = assessment.support_row(priority.id)
        triage = assessment.triage[priority.id]
        rows.append(dict(
            priority_id=priority.id, workshop_ids=_join(support.get("workshop_ids")),
            area_codes=_join(support.get("area_codes")), title=priority.title, status=priority.status,
            sectors=_join(support.get("sectors")), dots=support.get("dots", 0),
            votes_agree=support.get("votes_agree", 0), votes_disagree=support.get("votes_disagree", 0),
            consensus=None if pd.isna(support.get("consensus")) else round(float(support["consensus"]), 3),
            evidence_verdict=priority_verdict(assessment, priority.id),
            evidence_indicators=_join(links.get(priority.id, [])), kind=triage.kind, kind_reasons=triage.reasons,
        ))
    frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
    return frame.astype({"consensus": "Float64"})


def linked_indicators(assessment: Assessment) -> dict[int, list[str]]:
    """{priority id: linked indicator ids ("ID@AREA" for a link to one area only), in link order}."""
    found: dict[int, list[str]] = {}
    for row in assessment.links.itertuples(index=False):
        name = row.indicator_id if row.area_code is None or pd.isna(row.area_code) else f"{row.indicator_id}@{row.area_code}"
        found.setdefault(row.priority_id, []).append(name)
    return found


def _join(values) -> str:
    if values is None:
        return ""
    return ";".join(str(v) for v in values)


def list_priorities(session: Session, workshop_id: int | None = None, area: str | None = None,
                    statuses: Iterable[str] = OPEN_STATUSES, seed: int = 0) -> pd.DataFrame:
    """The register: one row per priority (:data:`LIST_COLUMNS`), for a workshop and/or area.

    With ``area`` the verdict is the one in that area for priorities about it or about an area
    that contains it; otherwise (e.g. the region's list) across each priority's own areas.

    Examples
    --------
    >>> list_priorities(session, workshop_id=1).columns.tolist()[:4]  # doctest: +SKIP
    ['priority_id', 'workshop_ids', 'area_codes', 'title']
    """
    priorities = select_priorities(session, workshop_id, area, statuses)
    if not priorities:
        return pd.DataFrame(columns=LIST_COLUMNS)
    return priority_table(assess_priorities(session, priorities, area=area, seed=seed))


def workshop_summary(session: Session, workshop_ids: Iterable[int], seed: int = 0) -> dict[str, list[str]]:
    """The wicked problems and quick wins among the priorities raised at these workshops (candidate
    and agreed; agreed first, a candidate marked "(candidate)"), by the triage rule or its
    override: what the workshop report lists (``lpip.reports.workshop``). Titles are as written:
    the report anonymises what it prints.

    Examples
    --------
    >>> workshop_summary(session, [1])  # doctest: +SKIP
    {'wicked problems': ['Transport poverty'], 'quick wins': ['Later buses (candidate)']}
    """
    found: dict[int, Priority] = {}
    for workshop_id in dict.fromkeys(int(w) for w in workshop_ids):
        found.update((p.id, p) for p in select_priorities(session, workshop_id, statuses=LISTED_STATUSES))
    priorities = sorted(found.values(), key=lambda p: (p.status != "agreed", p.id))
    summary: dict[str, list[str]] = {"wicked problems": [], "quick wins": []}
    if not priorities:
        return summary
    triage = assess_priorities(session, priorities, seed=seed).triage
    for priority in priorities:
        key = {"wicked": "wicked problems", "quick_win": "quick wins"}.get(triage[priority.id].kind)
        if key is not None:
            summary[key].append(priority.title if priority.status == "agreed" else f"{priority.title} (candidate)")
    return summary


@dataclass
class PriorityReport:
    """Everything about one priority, for ``lpip priorities show`` and its page.

    ``sources`` holds raw contribution text: whatever prints it anonymises it first
    (``lpip.reports.quotes.anonymise_quotes``).
    """

    priority: Priority
    support: dict
    sources: pd.DataFrame
    judgements: pd.DataFrame
    verdicts: pd.DataFrame
    verdict: str
    triage: Triage
    suggestions: pd.DataFrame
    links: pd.DataFrame
    gaps: pd.DataFrame
    partners: pd.DataFrame
    diversity: dict
    plan: pd.DataFrame


def describe_priority(session: Session, priority_id: int, seed: int = 0) -> PriorityReport:
    """Everything about one priority: sources, support, evidence with its figures, triage and
    its reasoning, indicator suggestions, partners, plan lines.

    Examples
    --------
    >>> report = describe_priority(session, 4)  # doctest: +SKIP
    >>> report.verdict, report.triage.kind  # doctest: +SKIP
    """
    from lpip.synthesis.partners import partnership_diversity, suggest_partners
    from lpip.synthesis.plan import plan_table

    priority = get_priority(session, priority_id, allow_merged=True)
    assessment = assess_priorities(session, [priority], seed=seed)
    support = assessment.support_row(priority.id)
    partners = suggest_partners(session, [priority], assessment.support)
    return PriorityReport(
        priority=priority, support=support, sources=source_contributions(session, [priority.id]),
        judgements=assessment.evidence.judgements, verdicts=assessment.evidence.verdicts,
        verdict=assessment.evidence.verdict(priority.id), triage=assessment.triage[priority.id],
        suggestions=suggest_indicators(session, priority.id, support.get("codes") or [], assessment.mapping),
        links=links_of(session, [priority.id]),
        gaps=data_gaps(session, [priority], assessment.evidence, assessment.support, assessment.mapping),
        partners=partners, diversity=partnership_diversity(session, support, partners),
        plan=plan_table(session, priority_ids=[priority.id]),
    )
