"""Areas: levels, containment, details, custom sets."""

from __future__ import annotations

import pytest

from lpip.errors import UnknownAreaCode, UnknownAreaLevel
from lpip.geography.areas import describe_area, list_areas

WM_LADS = {
    "E06000019", "E06000020", "E06000021", "E06000051",
    *(f"E070001{n}" for n in range(92, 100)),
    *(f"E0700021{n}" for n in range(8, 10)), "E07000220", "E07000221", "E07000222",
    *(f"E070002{n}" for n in range(34, 40)),
    *(f"E080000{n}" for n in range(25, 32)),
}


def test_west_midlands_has_exactly_its_thirty_districts(session):
    frame = list_areas(session, level="lad", within="E12000005")
    assert set(frame["code"]) == WM_LADS
    assert len(frame) == 30


@pytest.mark.parametrize(
    ("within", "level", "count"),
    [("E12000005", "lsoa", 3487), ("E92000001", "lad", 317), ("E47000007", "lad", 7), ("TLG", "itl3", 14)],
    ids=["wm-lsoas", "england-lads", "wmca-members", "tlg-itl3"],
)
def test_counts_within_areas(session, within, level, count):
    assert len(list_areas(session, level=level, within=within)) == count


def test_subregions_partition_the_region(session):
    subregions = list_areas(session, level="subregion")
    members = [set(list_areas(session, level="lad", within=code)["code"]) for code in subregions["code"]]
    assert len(subregions) == 6
    assert set().union(*members) == WM_LADS
    assert sum(len(m) for m in members) == 30  # no district in two sub-regions


def test_leps_overlap(session):
    gbs = set(list_areas(session, level="lad", within="E37000012")["code"])
    worcs = set(list_areas(session, level="lad", within="E37000038")["code"])
    assert gbs & worcs == {"E07000234", "E07000236", "E07000239"}


def test_describe_area_gives_parents_and_sets(session):
    info = describe_area(session, "E08000029")
    assert info["name"] == "Solihull"
    assert {p["code"] for p in info["parents"]} >= {"E47000007", "E11000005", "TLG32"}
    assert {m["code"] for m in info["member_of"]} == {"WM-BSOL", "E37000012"}
    assert len(info["children"]) == 29  # Solihull's MSOAs


def test_unknown_code_suggests_nearest(session):
    with pytest.raises(UnknownAreaCode, match=r"E08000099.*did you mean E08000029 \(Solihull\)"):
        describe_area(session, "E08000099")


def test_unknown_level_is_refused(session):
    with pytest.raises(UnknownAreaLevel, match="ward"):
        list_areas(session, level="ward")
