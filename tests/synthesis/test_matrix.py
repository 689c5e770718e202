"""The region matrix: raised where, dots there, verdicts in every sub-region, region-wide vs local."""

from __future__ import annotations

from lpip.synthesis.matrix import REGION_WIDE_FROM, priority_matrix
from lpip.synthesis.priorities import add_priority, link_indicator, merge_priorities
from lpip.workshops.workshops import RoundSpec, create_workshop

SUBREGIONS = ["WM-BC", "WM-BSOL", "WM-CW", "WM-MARCHES", "WM-SSOT", "WM-WORCS"]


def _workshops(session, codes):
    return {code: create_workshop(session, f"Workshop {code}", [RoundSpec("What matters?")], subregion_code=code)
            for code in codes}


def test_a_priority_raised_in_three_sub_regions_is_region_wide(session):
    made = _workshops(session, ["WM-BC", "WM-BSOL", "WM-CW", "WM-WORCS"])
    same = [add_priority(session, made[c].id, "Deprivation", indicators=["imd_score"]).id for c in ("WM-BC", "WM-BSOL", "WM-CW")]
    merged = merge_priorities(session, same, title="Deprivation across the region")
    local = add_priority(session, made["WM-WORCS"].id, "Rural broadband")
    matrix = priority_matrix(session)
    assert matrix.subregions["code"].tolist() == sorted(SUBREGIONS)
    wide = matrix.wide.set_index("priority_id")
    assert wide.at[merged.id, "scope"] == "region-wide" and wide.at[merged.id, "raised_in"] == 3 >= REGION_WIDE_FROM
    assert wide.at[local.id, "scope"] == "local" and wide.at[local.id, "raised_in"] == 1
    assert matrix.wide["priority_id"].tolist()[0] == merged.id  # region-wide first
    long = matrix.long.set_index(["priority_id", "subregion_code"])
    assert bool(long.at[(merged.id, "WM-BSOL"), "raised"]) and not bool(long.at[(merged.id, "WM-WORCS"), "raised"])


def test_verdicts_are_given_in_every_sub_region_raised_or_not(session):
    made = _workshops(session, ["WM-BC"])
    priority = add_priority(session, made["WM-BC"].id, "Deprivation")
    link_indicator(session, priority.id, "imd_score")
    long = priority_matrix(session).long.set_index("subregion_code")
    assert long.at["WM-BC", "verdict"] == "supported"        # 30.6 against England's 21.7
    assert long.at["WM-WORCS", "verdict"] == "not_supported"  # 18.1
    assert long["verdict"].notna().all() and len(long) == 6


def test_dots_are_counted_where_they_were_spent(session, demo):
    from lpip.synthesis.drafting import draft_priorities
    from lpip.workshops.tallies import priority_dots

    draft_priorities(session, demo.workshop_id)
    long = priority_matrix(session).long
    dots = priority_dots(session, [demo.workshop_id])["dots"].sum()
    assert long.loc[long["subregion_code"] == "WM-BC", "dots"].sum() == dots
    assert long.loc[long["subregion_code"] != "WM-BC", "dots"].sum() == 0


def test_an_empty_region_gives_an_empty_matrix(session):
    matrix = priority_matrix(session)
    assert matrix.long.empty and matrix.wide.empty and len(matrix.subregions) == 6
