"""The codebook: the default codes, REFI-QDA and CSV files both ways, bad files, editing in the database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from lpip.db import make_engine, session_scope
from lpip.deliberation.codebook import (
    CODEBOOK_COLUMNS, CROSS_CUTTING_GROUP, GUID_PATTERN, QDC_NAMESPACE, THEMES_GROUP, add_code,
    check_codebook, code_paths, default_codebook, descendants, edit_code, find_code, from_qdc,
    load_codebook, read_codebook, remove_code, save_codebook, to_qdc, write_codebook,
)
from lpip.errors import InvalidCodebook, UnknownCode

NS = {"q": QDC_NAMESPACE}

# A codebook as ATLAS.ti writes it (the example in the REFI-QDA codebook standard's own test
# suites: a code with a colour, a description and a code group in <Sets>), plus a nested code
# and accented French names, which must work.
FOREIGN_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" origin="ATLAS.ti Win 23.4.0"
          xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Économie locale" color="#46AA00" isCodable="true">
      <Description>Commerces, emplois et entreprises du quartier</Description>
      <Code guid="2FF58B12-6F6F-4B0C-8BE5-BBDC91F55295" name="Café et commerces de proximité" isCodable="true"/>
    </Code>
    <Code guid="3FF58B12-6F6F-4B0C-8BE5-BBDC91F55296" name="Mobilité" isCodable="false"/>
  </Codes>
  <Sets>
    <Set name="code group 1" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0">
      <MemberCode guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" />
    </Set>
  </Sets>
</CodeBook>
"""


def test_default_codebook_holds_the_nine_indicator_themes():
    from lpip.evidence.models import THEMES

    book = default_codebook()
    themes = book.loc[book["parent"] == THEMES_GROUP, "name"]
    assert sorted(themes) == sorted(THEMES)
    assert len(THEMES) == 9


def test_default_codebook_has_the_cross_cutting_codes_asked_for():
    book = default_codebook()
    cross = set(book.loc[book["parent"] == CROSS_CUTTING_GROUP, "name"])
    assert {"partnership working", "funding", "place identity", "inequality"} <= cross
    # Every codable default code has keywords for rule coding; the two groups are not codable.
    codable = book[book["is_codable"]]
    assert (codable["keywords"] != "").all()
    assert set(book.loc[~book["is_codable"], "name"]) == {THEMES_GROUP, CROSS_CUTTING_GROUP}


def test_default_codebook_is_the_same_on_every_install():
    assert default_codebook()["guid"].tolist() == default_codebook()["guid"].tolist()
    assert default_codebook()["guid"].map(lambda g: bool(GUID_PATTERN.match(g))).all()


def test_hierarchy_helpers():
    book = default_codebook()
    assert set(descendants(book, "connectivity")) == {"public transport", "digital access"}
    assert set(descendants(book, THEMES_GROUP)) >= {"public transport", "housing"}
    paths = dict(zip(book["name"], code_paths(book)))
    assert paths["public transport"] == "Indicator themes / connectivity / public transport"
    assert find_code(book, "FUNDING") == "funding"
    with pytest.raises(UnknownCode, match="did you mean 'funding'"):
        find_code(book, "fundng")


# ----------------------------------------------------------------------------- REFI-QDA


def test_qdc_follows_the_refi_qda_codebook_schema():
    root = ET.fromstring(to_qdc(default_codebook()).encode())
    assert root.tag == f"{{{QDC_NAMESPACE}}}CodeBook"
    assert [_local(c.tag) for c in root] == ["Codes"]
    for code in root.iter(f"{{{QDC_NAMESPACE}}}Code"):
        # Codebook.xsd: guid, name and isCodable are required; Description comes before child Codes.
        assert GUID_PATTERN.match(code.get("guid"))
        assert code.get("name")
        assert code.get("isCodable") in {"true", "false"}
        kinds = [_local(c.tag) for c in code]
        assert kinds == sorted(kinds, key=lambda k: k != "Description")
    nested = root.find("q:Codes/q:Code/q:Code", NS)
    assert nested is not None and nested.get("name") == "population"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def test_qdc_round_trip_keeps_everything_including_keywords():
    book = default_codebook()
    again = from_qdc(to_qdc(book))
    pd.testing.assert_frame_equal(again, book)


def test_foreign_qdc_with_accented_names_and_nesting_is_read(tmp_path):
    path = tmp_path / "atlas.qdc"
    path.write_text(FOREIGN_QDC, encoding="utf-8")
    book = read_codebook(path)
    assert book["name"].tolist() == ["Économie locale", "Café et commerces de proximité", "Mobilité"]
    assert book["parent"].tolist() == ["", "Économie locale", ""]
    assert book["is_codable"].tolist() == [True, True, False]
    assert book.loc[0, "color"] == "#46AA00"
    assert book.loc[0, "description"] == "Commerces, emplois et entreprises du quartier"


def test_duplicate_names_in_a_qdc_are_refused_with_the_names():
    xml = FOREIGN_QDC.replace('name="Mobilité"', 'name="économie locale"')
    with pytest.raises(InvalidCodebook) as caught:
        from_qdc(xml.encode(), "atlas.qdc")
    message = str(caught.value)
    assert "atlas.qdc" in message
    assert "duplicate code name 'Économie locale' and 'économie locale'" in message


def test_malformed_xml_and_other_xml_are_refused():
    with pytest.raises(InvalidCodebook, match="not well-formed XML"):
        from_qdc(b"<CodeBook><Codes><Code name='x'></CodeBook>", "broken.qdc")
    with pytest.raises(InvalidCodebook, match="has no <Codes> element"):
        from_qdc(b"<html><body/></html>", "page.qdc")


# ----------------------------------------------------------------------------- CSV


def test_csv_round_trip_with_accents(tmp_path):
    book = check_codebook(pd.DataFrame({
        "name": ["Économie locale", "Emplois", "Ñandú"],
        "parent": ["", "Économie locale", ""],
        "keywords": ["économie; commerce*", "emploi; \"travail\"", ""],
    }))
    path = write_codebook(book, tmp_path / "codes.csv")
    pd.testing.assert_frame_equal(read_codebook(path), book)


def test_csv_with_duplicate_names_is_refused_with_the_names(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("name,parent\nFunding,\nHousing,\n funding ,\n", encoding="utf-8")
    with pytest.raises(InvalidCodebook) as caught:
        read_codebook(path)
    message = str(caught.value)
    assert str(path) in message
    assert "'Funding' and 'funding' (rows 2, 4)" in message


def test_csv_with_unknown_parent_names_the_row_and_suggests(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("name,parent\nHousing,\nRent,Housng\n", encoding="utf-8")
    with pytest.raises(InvalidCodebook, match=r"row 3: code 'Rent' has parent 'Housng'.*did you mean 'Housing'"):
        read_codebook(path)


def test_csv_in_windows_1252_is_read_like_every_other_import(tmp_path):
    # Issue 11: codebooks are read through lpip.spreadsheets, which takes Excel's Windows-1252 CSV.
    path = tmp_path / "codes.csv"
    path.write_bytes("name,description\nÉconomie locale,Café – “quoted”\n".encode("cp1252"))
    book = read_codebook(path)
    assert book["name"].tolist() == ["Économie locale"]
    assert book["description"].tolist() == ["Café – “quoted”"]


def test_csv_in_utf16_is_refused(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_bytes("name\nHousing\n".encode("utf-16"))
    with pytest.raises(InvalidCodebook, match="UTF-16"):
        read_codebook(path)


def test_csv_with_unknown_columns_or_values_is_refused(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("name,colour\nHousing,red\n", encoding="utf-8")
    with pytest.raises(InvalidCodebook, match="unexpected column"):
        read_codebook(path)
    path.write_text("name,color,is_codable\nHousing,red,perhaps\n", encoding="utf-8")
    with pytest.raises(InvalidCodebook) as caught:
        read_codebook(path)
    assert "is not #RRGGBB" in str(caught.value) and "must be true or false" in str(caught.value)


def test_loops_of_parents_are_refused():
    with pytest.raises(InvalidCodebook, match="its own ancestor"):
        check_codebook(pd.DataFrame({"name": ["a", "b"], "parent": ["b", "a"]}))


def test_other_file_types_are_refused(tmp_path):
    path = tmp_path / "codes.json"
    path.write_bytes(b"")
    with pytest.raises(InvalidCodebook, match=r"\.qdc \(REFI-QDA\), \.csv or \.xlsx"):
        read_codebook(path)


def test_xlsx_codebook_is_read_like_the_csv(tmp_path):
    from lpip.spreadsheets import write_xlsx

    book = default_codebook()
    frame = book[list(CODEBOOK_COLUMNS)].assign(is_codable=book["is_codable"].map(lambda v: "yes" if v else "no"))
    path = write_xlsx({"codebook": frame}, tmp_path / "codes.xlsx")
    pd.testing.assert_frame_equal(read_codebook(path), book)


# ----------------------------------------------------------------------------- the database


@pytest.fixture
def db_session(db_url):
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        yield session
    engine.dispose()


def test_default_codebook_is_installed_on_first_use(db_session):
    book = load_codebook(db_session)
    pd.testing.assert_frame_equal(book, default_codebook())
    # A second load reads what is stored and adds nothing.
    assert len(load_codebook(db_session)) == len(book)


def test_codes_are_added_renamed_moved_and_removed(db_session):
    load_codebook(db_session)
    add_code(db_session, "Économie locale", parent="economy & productivity", keywords="commerce*; café")
    book = load_codebook(db_session)
    row = book[book["name"] == "Économie locale"].iloc[0]
    assert row["parent"] == "economy & productivity" and row["keywords"] == "commerce*; café"
    guid = row["guid"]

    edit_code(db_session, "économie LOCALE", name="Économie du quartier", parent="")
    book = load_codebook(db_session)
    renamed = book[book["guid"] == guid].iloc[0]
    assert renamed["name"] == "Économie du quartier" and renamed["parent"] == ""

    with pytest.raises(InvalidCodebook, match="duplicate code name"):
        add_code(db_session, "FUNDING")
    assert remove_code(db_session, "connectivity") == 3
    assert not {"connectivity", "public transport"} & set(load_codebook(db_session)["name"])


def test_import_merges_by_guid_and_replace_removes_the_rest(db_session, tmp_path):
    load_codebook(db_session)
    path = tmp_path / "atlas.qdc"
    path.write_text(FOREIGN_QDC, encoding="utf-8")
    changes = save_codebook(db_session, read_codebook(path))
    assert (changes.added, changes.removed) == (3, 0)
    assert len(load_codebook(db_session)) == len(default_codebook()) + 3

    edited = read_codebook(path)
    edited.loc[edited["name"] == "Mobilité", "name"] = "Mobilité douce"
    changes = save_codebook(db_session, edited, replace=True)
    assert (changes.added, changes.updated, changes.removed) == (0, 1, len(default_codebook()))
    assert load_codebook(db_session)["name"].tolist() == edited["name"].tolist()


def test_codebook_columns_are_the_documented_ones():
    assert tuple(default_codebook().columns) == CODEBOOK_COLUMNS
