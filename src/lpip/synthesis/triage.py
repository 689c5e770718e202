"""Wicked problem or quick win: a stated, explainable rule over a priority's support and evidence.

**Wicked-problem terms** (complex, interconnected, contested, no single owner):

W1 spans several themes: its contributions carry 3 or more codes (the theme co-occurrence
   network of its contributions has 3 or more nodes);
W2 raised by 3 or more sectors;
W3 contested: the opinion groups' agreement with its statements is low (per-group agreement,
   the geometric mean of the groups' (agrees + 1) / (votes + 2), below 0.5) or the groups
   disagree (two groups' agreement differs by 0.3 or more on one of its statements);
W4 evidence mixed or missing: verdict ``mixed`` or ``no_evidence``;
W5 needs several kinds of organisation to act: 3 or more kinds (the evidence map's owners of
   its codes);
W6 long horizon: change takes years (set on the priority, else from the evidence map: long if
   any of its codes is).

**Quick-win terms**:

Q1 high consensus: per-group agreement 0.6 or more and no two groups 0.3 or more apart;
Q2 evidence supports it: verdict ``supported``;
Q3 one owner can act: every one of its codes has the same lead kind of organisation (the first
   owner in the evidence map);
Q4 short horizon: set on the priority, else every one of its codes is "short".

``kind`` is **wicked** when 3 or more W terms hold; **quick_win** when it is not wicked and 3 or
more Q terms hold; **other** otherwise. A term that cannot be judged (no statements voted on,
no codes) does not hold, and the reasons say so. ``complexity`` = W terms held / 6 and
``tractability`` = Q terms held / 4 place the priority on the quadrant figure. Facilitators may
override the kind with a reason; both kinds are kept and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lpip.synthesis.mapping import EvidenceMapping
from lpip.synthesis.models import Priority

SPAN_MIN_THEMES = 3
MIN_SECTORS = 3
CONTESTED_AGREEMENT_BELOW = 0.5
HIGH_AGREEMENT_FROM = 0.6
GROUPS_APART = 0.3
MIN_OWNERS = 3
WICKED_MIN_TERMS = 3
QUICK_MIN_TERMS = 3
WICKED_TERMS = 6
QUICK_TERMS = 4
KIND_LABELS = {"wicked": "wicked problem", "quick_win": "quick win", "other": "other"}


@dataclass
class Term:
    """One term of the rule: its code (W1...), whether it holds, and why, in words."""

    code: str
    holds: bool
    text: str


@dataclass
class Triage:
    """The rule's outcome for one priority."""

    priority_id: int
    computed: str
    kind: str
    reasons: str
    complexity: float
    tractability: float
    terms: list[Term] = field(default_factory=list)
    override: str | None = None
    override_reason: str | None = None

    @property
    def wicked_terms(self) -> list[Term]:
        return [t for t in self.terms if t.code.startswith("W")]

    @property
    def quick_terms(self) -> list[Term]:
        return [t for t in self.terms if t.code.startswith("Q")]


def triage_priority(priority: Priority, support: dict, verdict: str, mapping: EvidenceMapping) -> Triage:
    """Apply the rule (module notes) to one priority.

    Parameters
    ----------
    priority : the priority (its horizon and override are read).
    support : its row of :func:`lpip.synthesis.support.priority_support`, as a dict.
    verdict : its overall evidence verdict.
    mapping : the evidence map (owners and horizons of codes).

    Examples
    --------
    >>> t = triage_priority(priority, support_row, "no_evidence", bundled_evidence_map())  # doctest: +SKIP
    >>> t.kind, t.reasons  # doctest: +SKIP
    """
    codes = list(support.get("codes") or [])
    owners = _owners(codes, mapping)
    horizon, horizon_why = _horizon(priority, codes, mapping)
    wicked = [
        _span(codes, support.get("code_ties", 0)), _sectors(support.get("sectors") or []),
        _contested(support), _evidence_weak(verdict), _many_owners(owners, codes), _long(horizon, horizon_why),
    ]
    quick = [_consensus_high(support), _supported(verdict), _one_owner(codes, mapping), _short(horizon, horizon_why)]
    n_wicked, n_quick = sum(t.holds for t in wicked), sum(t.holds for t in quick)
    computed = "wicked" if n_wicked >= WICKED_MIN_TERMS else "quick_win" if n_quick >= QUICK_MIN_TERMS else "other"
    reasons = _reasons(computed, wicked, quick)
    kind = priority.kind_override or computed
    if priority.kind_override:
        reasons = (f"set to {KIND_LABELS[priority.kind_override]} by facilitators ({priority.kind_override_reason}); "
                   f"the rule says {KIND_LABELS[computed]}: {reasons}")
    return Triage(priority.id, computed, kind, reasons, n_wicked / WICKED_TERMS, n_quick / QUICK_TERMS,
                  wicked + quick, priority.kind_override, priority.kind_override_reason)


def _reasons(computed: str, wicked: list[Term], quick: list[Term]) -> str:
    held_w = [t.text for t in wicked if t.holds]
    held_q = [t.text for t in quick if t.holds]
    if computed == "wicked":
        return f"{len(held_w)} of {WICKED_TERMS} wicked-problem terms: " + "; ".join(held_w)
    if computed == "quick_win":
        return f"{len(held_q)} of {QUICK_TERMS} quick-win terms: " + "; ".join(held_q)
    w = "; ".join(held_w) or "none"
    q = "; ".join(held_q) or "none"
    return (f"neither rule met: {len(held_w)} of {WICKED_TERMS} wicked-problem terms ({WICKED_MIN_TERMS} needed): {w}. "
            f"{len(held_q)} of {QUICK_TERMS} quick-win terms ({QUICK_MIN_TERMS} needed): {q}")


# ----------------------------------------------------------------------------- the terms


def _span(codes: list[str], ties: int) -> Term:
    names = ", ".join(codes) if codes else "none found"
    text = (f"spans {len(codes)} themes ({names}), {ties} tie(s) between them in the theme co-occurrence network"
            if codes else "no themes (codes) found in its contributions")
    return Term("W1", len(codes) >= SPAN_MIN_THEMES, text)


def _sectors(sectors: list[str]) -> Term:
    text = f"raised by {len(sectors)} sector(s) ({', '.join(sectors)})" if sectors else "no sector known"
    return Term("W2", len(sectors) >= MIN_SECTORS, text)


def _agreement(support: dict) -> tuple[float | None, float | None]:
    agreement, spread = support.get("agreement"), support.get("consensus_spread")
    if agreement is None or pd.isna(agreement):
        return None, None
    return float(agreement), None if spread is None or pd.isna(spread) else float(spread)


def _contested(support: dict) -> Term:
    agreement, spread = _agreement(support)
    if agreement is None:
        return Term("W3", False, "contest unknown: none of its statements was voted on")
    if spread is not None and spread >= GROUPS_APART:
        return Term("W3", True, f"contested: opinion groups' agreement differs by {spread:.2f} on its statements "
                                f"({GROUPS_APART:g} or more)")
    if agreement < CONTESTED_AGREEMENT_BELOW:
        return Term("W3", True, f"contested: per-group agreement with its statements is {agreement:.2f} "
                                f"(below {CONTESTED_AGREEMENT_BELOW:g})")
    return Term("W3", False, f"not contested: per-group agreement {agreement:.2f}")


def _consensus_high(support: dict) -> Term:
    agreement, spread = _agreement(support)
    if agreement is None:
        return Term("Q1", False, "consensus unknown: none of its statements was voted on")
    apart = spread is not None and spread >= GROUPS_APART
    holds = agreement >= HIGH_AGREEMENT_FROM and not apart
    text = f"high consensus: per-group agreement {agreement:.2f} ({HIGH_AGREEMENT_FROM:g} or more), groups within {GROUPS_APART:g}" \
        if holds else f"consensus not high: per-group agreement {agreement:.2f}" + (", groups apart" if apart else "")
    return Term("Q1", holds, text)


def _evidence_weak(verdict: str) -> Term:
    words = {"mixed": "evidence is mixed (worse than England on some linked indicators, better on others)",
             "no_evidence": "no evidence: nothing linked, or no data for its areas"}
    return Term("W4", verdict in words, words.get(verdict, f"evidence is clear ({verdict.replace('_', ' ')})"))


def _supported(verdict: str) -> Term:
    holds = verdict == "supported"
    return Term("Q2", holds, "evidence supports it (worse than England, better on none)" if holds
                else f"evidence does not support it ({verdict.replace('_', ' ')})")


def _owners(codes: list[str], mapping: EvidenceMapping) -> list[str]:
    return list(dict.fromkeys(o for c in codes for o in mapping.for_code(c).owners))


def _many_owners(owners: list[str], codes: list[str]) -> Term:
    if not codes:
        return Term("W5", False, "who must act is unknown (no themes)")
    return Term("W5", len(owners) >= MIN_OWNERS, f"needs {len(owners)} kind(s) of organisation to act ({', '.join(owners)})")


def _one_owner(codes: list[str], mapping: EvidenceMapping) -> Term:
    if not codes:
        return Term("Q3", False, "who must act is unknown (no themes)")
    leads = list(dict.fromkeys(mapping.for_code(c).owners[0] for c in codes))
    if len(leads) == 1:
        return Term("Q3", True, f"one owner can act: {leads[0]} leads on all its themes")
    return Term("Q3", False, f"no single owner: {len(leads)} kinds of organisation lead on its themes ({', '.join(leads)})")


def _horizon(priority: Priority, codes: list[str], mapping: EvidenceMapping) -> tuple[str | None, str]:
    if priority.horizon:
        return priority.horizon, "set on the priority"
    if not codes:
        return None, "unknown (no themes)"
    horizons = {c: mapping.for_code(c).horizon for c in codes}
    long_codes = [c for c, h in horizons.items() if h == "long"]
    if long_codes:
        return "long", f"the evidence map: change on {', '.join(long_codes)} takes years"
    return "short", "the evidence map: every one of its themes can change within a year"


def _long(horizon: str | None, why: str) -> Term:
    return Term("W6", horizon == "long", f"long horizon ({why})" if horizon == "long" else f"horizon {horizon or 'unknown'} ({why})")


def _short(horizon: str | None, why: str) -> Term:
    return Term("Q4", horizon == "short", f"short horizon ({why})" if horizon == "short" else f"horizon {horizon or 'unknown'} ({why})")
