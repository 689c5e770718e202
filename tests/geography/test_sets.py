"""Custom area sets from a CSV of member codes: stored all or nothing, with clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.errors import InvalidAreaSetFile
from lpip.geography.areas import area_sets, describe_area, list_areas
from lpip.geography.models import Area, AreaLink
from lpip.geography.sets import define_set, read_set_file

SETS = Path(__file__).resolve().parents[1] / "data" / "sets"
M42 = {"E08000025", "E08000029", "E07000234", "E07000218", "E07000199"}
A38 = {"E08000025", "E07000234", "E07000194", "E07000193"}


def _rows(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Area)),
        session.scalar(select(func.count()).select_from(AreaLink)),
    )


def test_define_set_stores_areas_and_members(session):
    result = define_set(session, "corridors", SETS / "corridors.csv")
    assert (result.name, result.areas, result.members) == ("corridors", 2, 9)
    assert set(list_areas(session, level="lad", within="M42-CORRIDOR")["code"]) == M42
    assert set(list_areas(session, level="lad", within="A38-CORRIDOR")["code"]) == A38
    area = session.get(Area, "M42-CORRIDOR")
    assert (area.name, area.level, area.area_set, area.is_custom, area.source) == (
        "M42 corridor", "custom", "corridors", True, "corridors.csv",
    )


def test_sets_may_overlap_each_other_and_shipped_sets(session):
    define_set(session, "corridors", SETS / "corridors.csv")
    member_of = {m["code"] for m in describe_area(session, "E08000025")["member_of"]}
    # Birmingham is also in the shipped sub-region and former LEP.
    assert member_of == {"M42-CORRIDOR", "A38-CORRIDOR", "WM-BSOL", "E37000012"}
    listed = area_sets(session)
    assert set(listed.loc[listed["set"] == "corridors", "code"]) == {"M42-CORRIDOR", "A38-CORRIDOR"}


def test_set_of_lsoas_contains_their_descendants(session):
    result = define_set(session, "neighbourhoods", SETS / "neighbourhoods.csv")
    assert (result.areas, result.members) == (2, 6)
    west = set(list_areas(session, level="lsoa", within="BHAM-047-WEST")["code"])
    east = set(list_areas(session, level="lsoa", within="BHAM-047-EAST")["code"])
    assert west & east == {"E01009359"}
    # Together they are exactly the LSOAs of MSOA Birmingham 047 (ONS LSOA11-MSOA11 lookup).
    assert west | east == set(list_areas(session, level="lsoa", within="E02001873")["code"])


def test_header_is_read_leniently(session):
    # Excel's UTF-8 BOM, CRLF line ends, capitals and spaces around names and values.
    result = define_set(session, "lenient", SETS / "bom_spaces.csv")
    assert (result.areas, result.members) == (1, 1)
    assert session.get(Area, "M42-CORRIDOR").name == "M42 corridor"


def test_replace_redefines_the_set(session):
    define_set(session, "corridors", SETS / "corridors.csv")
    before = _rows(session)
    result = define_set(session, "corridors", SETS / "bom_spaces.csv", replace=True)
    assert (result.areas, result.members) == (1, 1)
    assert session.get(Area, "A38-CORRIDOR") is None
    assert set(list_areas(session, within="M42-CORRIDOR")["code"]) >= {"E08000025"}
    assert set(list_areas(session, level="lad", within="M42-CORRIDOR")["code"]) == {"E08000025"}
    # One area and eight memberships fewer: nothing of the old definition is left behind.
    assert _rows(session) == (before[0] - 1, before[1] - 8)


def test_redefining_without_replace_is_refused(session):
    define_set(session, "corridors", SETS / "corridors.csv")
    before = _rows(session)
    # Same codes, or new codes that would silently be added to the existing set.
    for file, problem in (
        ("corridors.csv", "row 2: set corridors already has area M42-CORRIDOR; use --replace to redefine the set"),
        ("neighbourhoods.csv", "row 2: set corridors already exists; use --replace to redefine the set"),
    ):
        with pytest.raises(InvalidAreaSetFile) as caught:
            define_set(session, "corridors", SETS / file)
        assert f"{file} {problem}" in caught.value.errors
    assert _rows(session) == before
    assert session.get(Area, "BHAM-047-WEST") is None


def test_shipped_sets_cannot_be_redefined(session):
    before = _rows(session)
    with pytest.raises(InvalidAreaSetFile, match="wm-subregions ships with lpip"):
        define_set(session, "wm-subregions", SETS / "neighbourhoods.csv", replace=True)
    assert _rows(session) == before
    assert len(list_areas(session, level="subregion")) == 6


def _problems(session, name: str, **kwargs) -> InvalidAreaSetFile:
    with pytest.raises(InvalidAreaSetFile) as caught:
        define_set(session, name.removesuffix(".csv"), SETS / name, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("unknown_member.csv", ["unknown_member.csv row 3: member E08000099 is not a known area; did you mean E08000029 (Solihull)?"]),
        ("clash.csv", [
            "clash.csv row 2: code WM-BSOL is already used by another area; choose a new code",
            "clash.csv row 3: code E08000025 is already used by another area; choose a new code",
            "clash.csv row 4: code TLG is already used by another area; choose a new code",
        ]),
        ("blank_cells.csv", [
            "blank_cells.csv row 3: code, name and member must all be filled in",
            "blank_cells.csv row 4: code, name and member must all be filled in",
        ]),
        ("two_names.csv", ["two_names.csv: area M42-CORRIDOR is given more than one name"]),
    ],
    ids=["unknown-member", "code-clash", "blank-cells", "two-names"],
)
def test_every_problem_is_reported_by_row(session, file, expected):
    error = _problems(session, file)
    assert error.errors == expected
    assert "nothing was stored" in str(error)
    assert str(SETS / file) in str(error)


@pytest.mark.parametrize(
    ("file", "phrases"),
    [
        ("missing_column.csv", ["missing column(s) member", "code,name,member"]),
        ("empty.csv", ["the file is empty", "code,name,member"]),
        ("no_such_file.csv", ["file not found", "Check the path"]),
        ("broken_quote.csv", ["cannot read it as a UTF-8 CSV file"]),
        ("latin1.csv", ["cannot read it as a UTF-8 CSV file"]),
    ],
    ids=["missing-column", "empty-file", "file-not-found", "broken-quote", "not-utf8"],
)
def test_unreadable_files_are_named_with_the_fix(file, phrases):
    with pytest.raises(InvalidAreaSetFile) as caught:
        read_set_file(SETS / file)
    message = str(caught.value)
    assert message.startswith(str(SETS / file))
    for phrase in phrases:
        assert phrase in message


def test_file_without_rows_is_refused(session):
    message = str(_problems(session, "header_only.csv"))
    assert message == f"{SETS / 'header_only.csv'}: the file has a header but no rows."


def test_failed_define_stores_nothing(session):
    before = _rows(session)
    _problems(session, "unknown_member.csv")  # two of its three rows are valid
    assert _rows(session) == before
    assert session.get(Area, "M42-CORRIDOR") is None


def test_failed_replace_keeps_the_old_set(session):
    define_set(session, "corridors", SETS / "corridors.csv")
    before = _rows(session)
    _problems(session, "clash.csv", replace=True)
    assert _rows(session) == before
    assert set(list_areas(session, level="lad", within="A38-CORRIDOR")["code"]) == A38


def test_replace_refused_when_records_refer_to_the_set_rolls_back(engine, tmp_path):
    from lpip.evidence.models import IndicatorValue

    with session_scope(engine) as session:
        define_set(session, "corridors", SETS / "corridors.csv")
        # Something now refers to a custom area, as a stored aggregate would.
        session.add(IndicatorValue(indicator_id="population_census", area_code="M42-CORRIDOR", period="2021", value=1.0))
    with session_scope(engine) as session:
        before = _rows(session)
    with pytest.raises(InvalidAreaSetFile, match="cannot be replaced because other records"):
        with session_scope(engine) as session:
            define_set(session, "corridors", SETS / "bom_spaces.csv", replace=True)
    with session_scope(engine) as session:
        assert _rows(session) == before
        assert set(list_areas(session, level="lad", within="A38-CORRIDOR")["code"]) == A38


def test_file_may_be_anywhere(session, tmp_path):
    copy = tmp_path / "deep" / "my sets.csv"
    copy.parent.mkdir()
    shutil.copyfile(SETS / "corridors.csv", copy)
    assert define_set(session, "corridors", copy).areas == 2
    assert session.get(Area, "M42-CORRIDOR").source == "my sets.csv"
