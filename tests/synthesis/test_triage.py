"""The wicked-problem / quick-win rule: each term, the thresholds, and reasons that are the rule's."""

from __future__ import annotations

import math

import pytest

from lpip.synthesis.mapping import bundled_evidence_map, parse_evidence_map
from lpip.synthesis.models import Priority
from lpip.synthesis.triage import (
    CONTESTED_AGREEMENT_BELOW, GROUPS_APART, HIGH_AGREEMENT_FROM, MIN_OWNERS, MIN_SECTORS, SPAN_MIN_THEMES,
    triage_priority,
)

MAP = parse_evidence_map("""
[defaults]
owners = ["council"]
horizon = "long"
[code."buses"]
owners = ["transport operators"]
horizon = "short"
[code."timetables"]
owners = ["transport operators"]
horizon = "short"
[code."jobs"]
owners = ["employers", "Jobcentre Plus"]
horizon = "long"
[code."skills"]
owners = ["colleges"]
horizon = "long"
""", "test map")


def support(**values) -> dict:
    base = dict(priority_id=1, codes=["buses"], code_ties=0, sectors=["public"], agreement=math.nan,
                consensus_spread=math.nan)
    return base | values


def priority(**values) -> Priority:
    return Priority(id=1, title="Buses", **values)


def held(triage) -> set[str]:
    return {t.code for t in triage.terms if t.holds}


def test_a_clear_quick_win():
    t = triage_priority(priority(), support(agreement=0.8, consensus_spread=0.1), "supported", MAP)
    assert held(t) == {"Q1", "Q2", "Q3", "Q4"} and t.kind == "quick_win"
    assert t.tractability == 1 and t.complexity == 0


def test_a_clear_wicked_problem():
    t = triage_priority(priority(), support(codes=["buses", "jobs", "skills"], sectors=["public", "private", "resident"],
                                            agreement=0.3, consensus_spread=0.5), "mixed", MAP)
    assert held(t) == {"W1", "W2", "W3", "W4", "W5", "W6"} and t.kind == "wicked"


def test_wicked_wins_over_quick_win_terms():
    t = triage_priority(priority(), support(codes=["buses", "jobs", "skills"], sectors=["a", "b", "c"],
                                            agreement=0.9, consensus_spread=0.0), "supported", MAP)
    assert {"W1", "W2", "W5", "W6"} <= held(t) and t.kind == "wicked"


@pytest.mark.parametrize("agreement, spread, contested, high", [
    (CONTESTED_AGREEMENT_BELOW - 0.01, 0.0, True, False),
    (CONTESTED_AGREEMENT_BELOW, 0.0, False, False),
    (HIGH_AGREEMENT_FROM, 0.0, False, True),
    (HIGH_AGREEMENT_FROM, GROUPS_APART, True, False),
    (0.9, GROUPS_APART - 0.01, False, True),
])
def test_consensus_thresholds(agreement, spread, contested, high):
    t = triage_priority(priority(), support(agreement=agreement, consensus_spread=spread), "supported", MAP)
    assert ("W3" in held(t)) is contested and ("Q1" in held(t)) is high


def test_without_statements_neither_contest_nor_consensus_holds_and_the_reason_says_why():
    t = triage_priority(priority(), support(), "supported", MAP)
    texts = {term.code: term.text for term in t.terms}
    assert "none of its statements was voted on" in texts["W3"] and "none of its statements" in texts["Q1"]


@pytest.mark.parametrize("n, holds", [(SPAN_MIN_THEMES - 1, False), (SPAN_MIN_THEMES, True)])
def test_span_threshold(n, holds):
    codes = ["buses", "jobs", "skills", "timetables"][:n]
    assert ("W1" in held(triage_priority(priority(), support(codes=codes), "supported", MAP))) is holds


@pytest.mark.parametrize("n, holds", [(MIN_SECTORS - 1, False), (MIN_SECTORS, True)])
def test_sector_threshold(n, holds):
    sectors = ["public", "private", "resident", "academic"][:n]
    assert ("W2" in held(triage_priority(priority(), support(sectors=sectors), "supported", MAP))) is holds


def test_owners_come_from_the_evidence_map():
    t = triage_priority(priority(), support(codes=["jobs", "skills"]), "supported", MAP)
    assert MIN_OWNERS == 3 and "W5" in held(t)  # employers, Jobcentre Plus, colleges
    assert "Q3" not in held(t)  # employers and colleges both lead
    t = triage_priority(priority(), support(codes=["buses", "timetables"]), "supported", MAP)
    assert "Q3" in held(t) and "transport operators leads" in {x.code: x.text for x in t.terms}["Q3"]


def test_a_horizon_set_on_the_priority_beats_the_map():
    t = triage_priority(priority(horizon="long"), support(), "supported", MAP)
    assert "W6" in held(t) and "Q4" not in held(t)
    assert "set on the priority" in {x.code: x.text for x in t.terms}["W6"]


@pytest.mark.parametrize("verdict, w4, q2", [("supported", False, True), ("mixed", True, False),
                                             ("no_evidence", True, False), ("not_supported", False, False)])
def test_evidence_terms(verdict, w4, q2):
    t = triage_priority(priority(), support(), verdict, MAP)
    assert ("W4" in held(t)) is w4 and ("Q2" in held(t)) is q2


def test_reasons_are_the_texts_of_the_terms_that_hold():
    t = triage_priority(priority(), support(codes=["buses", "jobs", "skills"], sectors=["a", "b", "c"]), "mixed", MAP)
    assert t.kind == "wicked"
    expected = [term.text for term in t.wicked_terms if term.holds]
    assert t.reasons == f"{len(expected)} of 6 wicked-problem terms: " + "; ".join(expected)
    other = triage_priority(priority(), support(codes=["jobs"]), "not_supported", MAP)
    assert other.kind == "other" and other.reasons.startswith("neither rule met: ")
    assert all(term.text in other.reasons for term in other.terms if term.holds)


def test_an_override_is_shown_beside_the_computed_kind():
    p = priority(kind_override="quick_win", kind_override_reason="the operator agreed to act")
    t = triage_priority(p, support(codes=["buses", "jobs", "skills"], sectors=["a", "b", "c"]), "mixed", MAP)
    assert (t.kind, t.computed) == ("quick_win", "wicked")
    assert t.reasons.startswith("set to quick win by facilitators (the operator agreed to act); the rule says wicked")


def test_no_codes_leaves_owner_and_horizon_unknown():
    t = triage_priority(priority(), support(codes=[]), "supported", bundled_evidence_map())
    texts = {x.code: x.text for x in t.terms}
    assert not {"W5", "W6", "Q3", "Q4"} & held(t)
    assert "unknown" in texts["W5"] and "unknown" in texts["Q4"]
