"""The register as a table (the columns of `lpip priorities list`) and everything about one priority."""

from __future__ import annotations

import pytest

from lpip.synthesis.drafting import draft_priorities
import lpip.synthesis
from lpip.synthesis.priorities import add_priority, agree_priority, drop_priority, link_indicator, override_kind
from lpip.synthesis.register import LIST_COLUMNS, describe_priority, list_priorities
from lpip.workshops.tallies import priority_dots

ISSUE_COLUMNS = ("priority_id,workshop_ids,area_codes,title,status,sectors,dots,votes_agree,votes_disagree,consensus,"
                 "evidence_verdict,evidence_indicators,kind,kind_reasons").split(",")


def test_the_list_has_exactly_the_issue_s_columns(session, demo):
    draft_priorities(session, demo.workshop_id)
    frame = list_priorities(session)
    assert LIST_COLUMNS == ISSUE_COLUMNS and frame.columns.tolist() == ISSUE_COLUMNS
    assert len(frame) > 0 and frame["kind"].isin(["wicked", "quick_win", "other"]).all()
    assert frame["evidence_verdict"].isin(["supported", "mixed", "not_supported", "no_evidence"]).all()


def test_dots_in_the_list_are_the_workshop_s_tallies(session, demo):
    draft_priorities(session, demo.workshop_id)
    frame = list_priorities(session, workshop_id=demo.workshop_id).set_index("title")
    for row in priority_dots(session, [demo.workshop_id]).itertuples(index=False):
        if row.dots:
            assert frame.at[row.text, "dots"] == row.dots


def test_filters_and_dropped_priorities(session, demo):
    drafted = draft_priorities(session, demo.workshop_id).created
    drop_priority(session, drafted[0], "Not for this partnership")
    assert drafted[0] in set(list_priorities(session)["priority_id"])
    assert drafted[0] not in set(list_priorities(session, statuses=("candidate", "agreed"))["priority_id"])
    assert list_priorities(session, area="WM-CW").empty  # the demo is in the Black Country


def test_an_area_filter_gives_the_verdict_there(session, demo):
    priority = add_priority(session, demo.workshop_id, "(demo) Deprivation", areas=["WM-BC", "WM-WORCS"])
    link_indicator(session, priority.id, "imd_score")
    here = list_priorities(session, area="WM-BC").set_index("priority_id")
    there = list_priorities(session, area="WM-WORCS").set_index("priority_id")
    assert here.at[priority.id, "evidence_verdict"] == "supported"
    assert there.at[priority.id, "evidence_verdict"] == "not_supported"  # Worcestershire is less deprived
    assert here.at[priority.id, "evidence_indicators"] == "imd_score"


def test_show_gathers_evidence_triage_suggestions_and_plan(session, demo):
    drafted = draft_priorities(session, demo.workshop_id).created
    priority_id = drafted[0]
    link_indicator(session, priority_id, "imd_score")
    agree_priority(session, priority_id, by="fran")
    report = describe_priority(session, priority_id)
    assert report.verdict == "supported" and report.priority.status == "agreed"
    assert report.triage.kind in ("wicked", "quick_win", "other") and report.triage.terms
    assert not report.sources.empty and report.sources["text"].str.startswith("(demo)").all()
    assert "imd_score" in set(report.links["indicator_id"])
    assert report.plan.empty  # not drafted yet


def test_show_of_an_unknown_priority_is_a_clear_error(session):
    from lpip.errors import UnknownPriority

    with pytest.raises(UnknownPriority, match="lpip priorities list"):
        describe_priority(session, 12345)


def test_the_workshop_summary_lists_the_register_s_wicked_problems_and_quick_wins(session, demo):
    drafted = draft_priorities(session, demo.workshop_id).created
    override_kind(session, drafted[0], "wicked", "Deep-rooted, many owners")
    override_kind(session, drafted[1], "quick_win", "One owner can act this year")
    agree_priority(session, drafted[1])
    drop_priority(session, drafted[2], "Not for this partnership")
    register = list_priorities(session, workshop_id=demo.workshop_id, statuses=("candidate", "agreed"))
    register = register.sort_values(["status", "priority_id"], key=lambda c: c.ne("agreed") if c.name == "status" else c)
    labels = [t if s == "agreed" else f"{t} (candidate)" for t, s in zip(register["title"], register["status"], strict=True)]
    expected = {name: [label for label, k in zip(labels, register["kind"], strict=True) if k == kind]
                for name, kind in (("wicked problems", "wicked"), ("quick wins", "quick_win"))}
    summary = lpip.synthesis.workshop_summary(session, [demo.workshop_id])
    assert summary == expected
    assert expected["wicked problems"] and expected["quick wins"][0] == register.set_index("priority_id").at[drafted[1], "title"]
    dropped = register.loc[register["priority_id"] == drafted[2], "title"]
    assert dropped.empty  # dropped priorities are in neither list


def test_the_workshop_summary_of_a_workshop_without_priorities_is_empty(session, demo):
    assert lpip.synthesis.workshop_summary(session, [demo.workshop_id]) == {"wicked problems": [], "quick wins": []}
