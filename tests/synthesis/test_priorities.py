"""The register: add, edit, agree, drop, merge (keeping sources), links, triage overrides."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lpip.errors import InvalidPriority, UnknownAreaCode, UnknownIndicator, UnknownPriority
from lpip.synthesis.drafting import draft_priorities
from lpip.synthesis.models import Priority
from lpip.synthesis.priorities import (
    add_priority, agree_priority, areas_of, drop_priority, edit_priority, get_priority, link_indicator, links_of,
    merge_priorities, override_kind, select_priorities, source_contributions, unlink_indicator, workshops_of,
)
from lpip.workshops.workshops import RoundSpec, create_workshop


@pytest.fixture
def workshops(session):
    return [create_workshop(session, f"Workshop in {code}", [RoundSpec("What matters?")], subregion_code=code)
            for code in ("WM-BC", "WM-BSOL", "WM-CW")]


def test_a_priority_takes_its_workshops_sub_region_by_default(session, workshops):
    priority = add_priority(session, workshops[0].id, "  Evening buses  ", "For shift workers", by="fran")
    assert priority.title == "Evening buses" and priority.status == "candidate" and priority.created_by == "fran"
    assert areas_of(session, [priority.id]) == {priority.id: ["WM-BC"]}
    assert workshops_of(session, [priority.id]) == {priority.id: [workshops[0].id]}


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(title=""), InvalidPriority, "title is empty"),
    (dict(title="x" * 301), InvalidPriority, "301 characters"),
    (dict(title="ok", areas=["WM-XX"]), UnknownAreaCode, "WM-XX"),
    (dict(title="ok", indicators=["no_such_indicator"]), UnknownIndicator, "no_such_indicator"),
], ids=["empty", "long", "area", "indicator"])
def test_bad_input_is_refused_with_the_fix(session, workshops, kwargs, error, words):
    with pytest.raises(error, match=words):
        add_priority(session, workshops[0].id, **kwargs)
    assert session.scalar(select(Priority)) is None


def test_title_text_is_cleaned(session, workshops):
    priority = add_priority(session, workshops[0].id, "Buses\u200b for\x00 all\u202e")
    assert priority.title == "Buses for all"


def test_agree_and_drop_record_who_when_and_why(session, workshops):
    priority = add_priority(session, workshops[0].id, "Buses")
    agree_priority(session, priority.id, by="fran")
    assert priority.status == "agreed" and priority.status_by == "fran" and priority.status_at is not None
    with pytest.raises(InvalidPriority, match="reason"):
        drop_priority(session, priority.id, "  ", by="sam")
    drop_priority(session, priority.id, "Covered by the combined authority's plan", by="sam")
    assert (priority.status, priority.status_by, priority.status_reason) == (
        "dropped", "sam", "Covered by the combined authority's plan")


def test_edit_changes_only_what_is_given(session, workshops):
    priority = add_priority(session, workshops[0].id, "Buses", "Evening services")
    edit_priority(session, priority.id, horizon="short", areas=["WM-BC", "E08000025"])
    assert (priority.title, priority.description, priority.horizon) == ("Buses", "Evening services", "short")
    assert areas_of(session, [priority.id])[priority.id] == ["E08000025", "WM-BC"]
    edit_priority(session, priority.id, horizon="")
    assert priority.horizon is None
    with pytest.raises(InvalidPriority, match="Horizon"):
        edit_priority(session, priority.id, horizon="soon")


def test_merge_keeps_every_source_workshop_area_and_link(session, demo, workshops):
    drafted = draft_priorities(session, demo.workshop_id).created
    first, second = drafted[0], drafted[1]
    third = add_priority(session, workshops[1].id, "The same, raised in Birmingham", indicators=["imd_score"]).id
    link_indicator(session, first, "employment_rate")
    before = source_contributions(session, [first, second, third])
    merged = merge_priorities(session, [first, second, third], title="Getting to work and training", by="fran")
    after = source_contributions(session, [merged.id])
    assert sorted(after["contribution_id"]) == sorted(before["contribution_id"])
    assert set(after["via"]) == set(before["via"])
    assert workshops_of(session, [merged.id])[merged.id] == sorted({demo.workshop_id, workshops[1].id})
    assert areas_of(session, [merged.id])[merged.id] == ["WM-BC", "WM-BSOL"]
    assert set(links_of(session, [merged.id])["indicator_id"]) == {"employment_rate", "imd_score"}
    for old in (first, second, third):
        kept = get_priority(session, old, allow_merged=True)
        assert kept.status == "merged" and kept.merged_into_id == merged.id
        with pytest.raises(UnknownPriority, match=f"merged into priority {merged.id}"):
            get_priority(session, old)
    listed = [p.id for p in select_priorities(session, area="E12000005")]
    assert merged.id in listed and not {first, second, third} & set(listed)


def test_drafting_again_after_a_merge_does_not_bring_the_candidates_back(session, demo):
    drafted = draft_priorities(session, demo.workshop_id).created
    merge_priorities(session, drafted[:2])
    again = draft_priorities(session, demo.workshop_id)
    assert again.created == [] and again.sources_added == 0


def test_merge_needs_two_live_priorities(session, workshops):
    one = add_priority(session, workshops[0].id, "Buses")
    with pytest.raises(InvalidPriority, match="two or more"):
        merge_priorities(session, [one.id, one.id])
    with pytest.raises(UnknownPriority):
        merge_priorities(session, [one.id, 999_999])


def test_links_are_for_the_priority_s_areas_or_districts_inside_them(session, workshops):
    priority = add_priority(session, workshops[0].id, "Jobs")
    link_indicator(session, priority.id, "employment_rate", area="E08000028")  # Sandwell, in the Black Country
    link_indicator(session, priority.id, "employment_rate", area="E08000028")  # again: nothing new
    assert len(links_of(session, [priority.id])) == 1
    with pytest.raises(InvalidPriority, match="not about E08000025"):
        link_indicator(session, priority.id, "employment_rate", area="E08000025")
    unlink_indicator(session, priority.id, "employment_rate", area="E08000028")
    assert links_of(session, [priority.id]).empty
    with pytest.raises(InvalidPriority, match="no link"):
        unlink_indicator(session, priority.id, "employment_rate")


def test_a_triage_override_needs_a_reason_and_can_be_removed(session, workshops):
    priority = add_priority(session, workshops[0].id, "Buses")
    with pytest.raises(InvalidPriority, match="reason"):
        override_kind(session, priority.id, "quick_win", "")
    with pytest.raises(InvalidPriority, match="Kind"):
        override_kind(session, priority.id, "urgent", "because")
    override_kind(session, priority.id, "quick_win", "The operator can extend the timetable", by="fran")
    assert (priority.kind_override, priority.kind_override_by) == ("quick_win", "fran")
    override_kind(session, priority.id, None)
    assert priority.kind_override is None and priority.kind_override_reason is None


def test_select_by_area_finds_sub_region_and_region_wide_priorities(session, workshops):
    local = add_priority(session, workshops[0].id, "Local")
    regional = add_priority(session, workshops[1].id, "Regional", areas=["E12000005"])
    other = add_priority(session, workshops[2].id, "Elsewhere")
    assert [p.id for p in select_priorities(session, area="WM-BC")] == [local.id, regional.id]
    assert [p.id for p in select_priorities(session, area="E12000005")] == [local.id, regional.id, other.id]
    assert [p.id for p in select_priorities(session, workshop_id=workshops[2].id)] == [other.id]
