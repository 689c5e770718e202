"""--with-programme reads the priorities and plan through lpip.synthesis: here a stand-in
module with the documented readers (the real one is built in parallel), so the package's
columns, anonymisation and schema are tested now."""

from __future__ import annotations

import csv
import sys
import types

import pandas as pd
import pytest

from lpip.archive.package import build_deposit
from lpip.archive.tables import PLAN_COLUMNS, PRIORITY_COLUMNS
from lpip.errors import InvalidDeposit


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def synthesis(monkeypatch, hostile):
    """Stand-in lpip.synthesis.priorities / .plan modules returning made-up rows (priority 2 was
    raised at another workshop, which is not deposited)."""
    priorities = pd.DataFrame([{
        "priority_id": 1, "workshop_ids": str(hostile.workshop_id), "area_codes": "WM-BC", "title": "Evening buses, as Sue Patel asked",
        "status": "agreed", "sectors": "public;private", "dots": 8, "votes_agree": 2, "votes_disagree": 0,
        "consensus": 0.8, "evidence_verdict": "supported", "evidence_indicators": "imd_score", "kind": "quick_win",
        "kind_reasons": "high consensus", "internal_note": "not for the deposit"}, {
        "priority_id": 2, "workshop_ids": f"{hostile.workshop_id + 1000}", "area_codes": "WM-BC",
        "title": "Another workshop's priority", "status": "agreed", "sectors": "public", "dots": 1, "votes_agree": 0,
        "votes_disagree": 0, "consensus": None, "evidence_verdict": "", "evidence_indicators": "", "kind": "quick_win",
        "kind_reasons": "", "internal_note": ""}])
    plan = pd.DataFrame([{
        "priority_id": 1, "strand": "action", "research_question": "Do later buses raise employment?",
        "activity": "Pilot with Kaur Foods", "lead": "Walsall Housing Group", "partners": "Kaur Foods; Sandwell Council",
        "indicator": "imd_score", "area_code": "WM-BC", "baseline": 25.1, "baseline_period": "2019",
        "baseline_source": "IoD2019", "target": 24.0, "target_period": "2026", "start": "2025-01", "end": "2025-12",
        "risks": "Call Sue on 07700 900123 if it slips", "dependencies": "none"}])
    plan = pd.concat([plan, plan.assign(priority_id=2, activity="Another workshop's activity")], ignore_index=True)
    package = types.ModuleType("lpip.synthesis")
    package.__path__ = []
    module_priorities = types.ModuleType("lpip.synthesis.priorities")
    module_priorities.list_priorities = lambda session: priorities
    module_plan = types.ModuleType("lpip.synthesis.plan")
    module_plan.plan_lines = lambda session: plan
    monkeypatch.setitem(sys.modules, "lpip.synthesis", package)
    monkeypatch.setitem(sys.modules, "lpip.synthesis.priorities", module_priorities)
    monkeypatch.setitem(sys.modules, "lpip.synthesis.plan", module_plan)
    return module_plan


def test_priorities_and_plan_are_written_anonymised_in_the_documented_columns(session, hostile, tmp_path, synthesis):
    result = build_deposit(session, tmp_path / "deposit", [hostile.workshop_id], with_programme=True)
    priorities = read_csv(result.folder / "data" / "priorities.csv")
    plan = read_csv(result.folder / "data" / "plan.csv")
    assert list(priorities[0]) == list(PRIORITY_COLUMNS) and list(plan[0]) == list(PLAN_COLUMNS)
    assert [row["priority_id"] for row in priorities] == ["1"] and len(plan) == 1
    assert priorities[0]["title"] == "Evening buses, as [person 1] asked"
    assert plan[0]["lead"] == "[organisation: housing association]"
    assert plan[0]["risks"] == "Call [person 1] on [phone] if it slips"
    assert result.check.ok, [str(p) for p in result.check.problems]


def test_a_reader_without_a_documented_column_is_refused(session, hostile, tmp_path, synthesis):
    synthesis.plan_lines = lambda session: pd.DataFrame([{"priority_id": 1}])
    with pytest.raises(InvalidDeposit, match="gives no column"):
        build_deposit(session, tmp_path / "deposit", [hostile.workshop_id], with_programme=True)
