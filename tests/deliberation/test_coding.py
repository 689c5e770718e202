"""Coding by rules and by hand, coverage, and storing codes, on real text.

The text is real: comments from the two pol.is conversations in ../shared/data/polis (see its
SOURCES.md). Where a test needs a workshop, those comments are stored as a workshop's notes,
and tables and sectors are dealt out in turn (note i at table i mod 4, sector i mod 3) only to
give coverage something to split by: that allocation is not data about anyone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import snowballstemmer

from lpip.db import make_engine, session_scope
from lpip.deliberation.codebook import default_codebook, descendants, load_codebook, remove_code
from lpip.deliberation.coding import (
    NO_CODE, code_by_rules, code_workshop_by_rules, coding_sheet, coverage, import_coding_sheet,
    load_assignments, load_contributions, polis_contributions, read_coding_sheet, store_assignments,
    write_coding_sheet,
)
from lpip.deliberation.polis import read_polis_export
from lpip.errors import InvalidCodingSheet, UnknownCode
from lpip.workshops.models import Contribution
from lpip.workshops.workshops import RoundSpec, create_workshop

POLIS_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
SECTORS = ("public", "private", "resident")


@pytest.fixture(scope="module")
def bg2050() -> pd.DataFrame:
    folder = POLIS_DATA / "bg2050-volunteers"
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    return polis_contributions(read_polis_export(folder))


@pytest.fixture(scope="module")
def biodiversity() -> pd.DataFrame:
    folder = POLIS_DATA / "scoop-hivemind.biodiversity"
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    return polis_contributions(read_polis_export(folder))


def add_workshop(session, texts, subregion="WM-BC", title="Coding test workshop") -> int:
    workshop = create_workshop(session, title, [RoundSpec("What should change?")], tables=4, subregion_code=subregion)
    session.add_all(
        Contribution(workshop_id=workshop.id, round_number=1, table_number=i % 4 + 1, kind="note",
                     text=text, sector=SECTORS[i % 3], source="import", client_id=f"test-{i}")
        for i, text in enumerate(texts)
    )
    session.flush()
    return workshop.id


@pytest.fixture
def db_session(db_url):
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def workshop(db_session, bg2050) -> int:
    return add_workshop(db_session, bg2050["text"].head(60).tolist())


def notes(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"contribution_id": range(1, len(texts) + 1), "text": list(texts)})


def book_with(**keywords: str) -> pd.DataFrame:
    return pd.DataFrame({"name": list(keywords), "parent": "", "keywords": list(keywords.values()),
                         "is_codable": True, "description": "", "color": "", "guid": ""})


# ----------------------------------------------------------------------------- rules


def test_keywords_match_after_stemming_and_phrases_match_in_order():
    book = book_with(housing="house", transport="bus route", youth="young person")
    coded = code_by_rules(notes("Houses cost too much", "Social housing", "Bus routes are cut",
                                "A route for the bus", "Young persons' voices", "A person who is young"), book)
    found = coded.groupby("contribution_id")["code"].apply(lambda c: sorted(c.dropna()))
    assert found.tolist() == [["housing"], ["housing"], ["transport"], [], ["youth"], []]


def test_prefix_exact_and_accent_folding():
    book = book_with(skills="apprentic*", health='"hospital"', food="café")
    coded = code_by_rules(notes("Apprenticeships for all", "Southern hospitality", "The hospital is full",
                                "More CAFES in town", "A cafe on the corner"), book)
    assert coded.set_index("contribution_id")["code"].fillna("-").tolist() == ["skills", "-", "health", "food", "food"]


def test_each_contribution_has_a_no_code_row_or_codes_never_both(bg2050):
    coded = code_by_rules(bg2050, default_codebook())
    assert set(coded["contribution_id"]) == set(bg2050["contribution_id"])
    per = coded.groupby("contribution_id")["code"].agg(lambda c: (c.isna().sum(), c.notna().sum()))
    assert all((empty == 1 and codes == 0) or (empty == 0 and codes > 0) for empty, codes in per)
    assert (coded["method"] == "rules").all() and (coded["coder"] == "rules").all()


def test_rule_coding_agrees_with_a_plain_reimplementation(bg2050, biodiversity):
    """An independent check: stem every word with Snowball directly, find each plain keyword
    (no * or quotes) as a run of stems, keep the longest runs first (a keyword inside a longer
    one that was kept is dropped; the same run found for two codes codes both); the codes found
    must be the same."""
    stemmer = snowballstemmer.stemmer("english")
    book = default_codebook()

    def stems(text: str) -> list[str]:
        plain = text.lower().replace("'", "").replace("’", "")
        return stemmer.stemWords(re.findall(r"\w+", plain))

    plain = {name: [k for k in kws.split("; ") if k and "*" not in k and '"' not in k]
             for name, kws in zip(book["name"], book["keywords"]) if kws}
    texts = pd.concat([bg2050, biodiversity.assign(contribution_id=biodiversity["contribution_id"] + 10_000)])
    texts = texts[texts["text"].map(str.isascii)]
    coded = code_by_rules(texts, book_with(**{n: "; ".join(k) for n, k in plain.items()}))
    stemmed = {n: [stems(k) for k in kws] for n, kws in plain.items()}
    for cid, text in zip(texts["contribution_id"], texts["text"]):
        doc = stems(text)
        runs = [(start, len(k), n) for n, kws in stemmed.items() for k in kws
                for start in range(len(doc) - len(k) + 1) if doc[start:start + len(k)] == k]
        used, kept_runs, expected = set(), set(), set()
        for start, length, name in sorted(runs, key=lambda r: (-r[1], r[0])):
            words_ = set(range(start, start + length))
            if (start, length) in kept_runs or not words_ & used:
                kept_runs.add((start, length))
                used |= words_
                expected.add(name)
        got = set(coded.loc[coded["contribution_id"] == cid, "code"].dropna())
        assert got == expected, text


# Real comments from ../shared/data/polis (american-assembly.bowling-green, CC BY 4.0), coded with
# the default codebook: a phrase takes its words before any single word in it does.
PHRASE_CASES = [
    ("We should be incentivizing higher paying jobs coming to BG. Cost of living is outrunning wages",
     {"income & deprivation", "labour market"}, {"funding"}),
    ("Public transport needs to be improved to become more rel", {"public transport"}, {"connectivity"}),
    ("Bowling Green & Warren County need more affordable housing options not more luxury or upscale hous",
     {"housing"}, {"income & deprivation"}),
    ("There should be a push to improve mental health awareness and availability in Bowling G",
     {"mental health"}, {"health & wellbeing"}),
]


@pytest.mark.parametrize(("text", "codes", "not_codes"), PHRASE_CASES, ids=["cost of living", "public transport",
                                                                           "affordable housing", "mental health"])
def test_phrases_take_their_words_before_single_words(text, codes, not_codes):
    folder = POLIS_DATA / "american-assembly.bowling-green"
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the repository")
    real = pd.read_csv(folder / "comments.csv")["comment-body"]
    assert real.str.contains(text[:60], regex=False).any(), "the quoted comment is in the real export"
    coded = set(code_by_rules(pd.DataFrame({"contribution_id": [1], "text": [text]}), default_codebook())["code"].dropna())
    assert codes <= coded and not (not_codes & coded)


def test_the_same_words_in_two_codes_code_both():
    book = book_with(**{"environment & net zero": "trees", "green space and nature": "trees; park"})
    coded = code_by_rules(pd.DataFrame({"contribution_id": [1], "text": ["Plant more trees"]}), book)
    assert set(coded["code"]) == {"environment & net zero", "green space and nature"}


def test_real_comments_are_coded_with_the_default_codebook(biodiversity):
    coded = code_by_rules(biodiversity, default_codebook()).dropna(subset=["code"])
    top = coded["code"].value_counts()
    # A conversation about a biodiversity strategy: environment is by far the commonest code.
    assert top.index[0] == "environment & net zero"
    assert top.iloc[0] > 0.5 * len(biodiversity)


# ----------------------------------------------------------------------------- hand coding


def fill(sheet: pd.DataFrame, ticks: dict) -> pd.DataFrame:
    """Tick cells as a coder would: {row: [column, ...]}."""
    sheet = sheet.copy()
    for row, columns in ticks.items():
        for column in columns:
            sheet.loc[row, column] = "x"
    return sheet


def test_coding_sheet_round_trip(tmp_path, bg2050):
    book = default_codebook()
    sheet = coding_sheet(bg2050.head(5), book, coder="Asha")
    assert sheet.columns[-1] == NO_CODE
    codable = book.loc[book["is_codable"], "name"].tolist()
    assert (sheet[codable] == "").all().all()
    filled = fill(sheet, {0: ["partnership working"], 1: ["place identity", "community safety"], 2: [NO_CODE]})
    filled.loc[3, "funding"] = "✓"
    path = write_coding_sheet(filled, tmp_path / "sheet.csv")
    coded = read_coding_sheet(path, book, bg2050["contribution_id"])
    ids = bg2050["contribution_id"].head(5).tolist()
    assert coded.fillna("-").values.tolist() == [
        [ids[0], "Asha", "partnership working", "hand"],
        [ids[1], "Asha", "place identity", "hand"],
        [ids[1], "Asha", "community safety", "hand"],
        [ids[2], "Asha", "-", "hand"],
        [ids[3], "Asha", "funding", "hand"],
    ]  # row 4 has nothing ticked: not coded yet, so left out


def test_sheet_with_unknown_code_column_is_refused(tmp_path, bg2050):
    book = default_codebook()
    sheet = coding_sheet(bg2050.head(3), book, coder="Asha").rename(columns={"funding": "fundng"})
    path = write_coding_sheet(sheet, tmp_path / "sheet.csv")
    with pytest.raises(InvalidCodingSheet) as caught:
        read_coding_sheet(path, book)
    assert "column 'fundng' is not a code in the codebook (did you mean 'funding'?)" in str(caught.value)


def test_sheet_problems_are_all_reported_and_nothing_kept(tmp_path, bg2050):
    book = default_codebook()
    sheet = coding_sheet(bg2050.head(4), book)
    sheet.loc[0, "housing"] = "x"  # no coder anywhere
    sheet.loc[1, "coder"] = "Asha"
    sheet.loc[1, "housing"] = "maybe"
    sheet.loc[2, "contribution_id"] = 999_999
    sheet.loc[2, "coder"] = "Asha"
    sheet.loc[2, "funding"] = "x"
    sheet.loc[3, ["coder", "funding", NO_CODE]] = ["Asha", "x", "x"]
    path = write_coding_sheet(pd.concat([sheet, sheet.iloc[[3]]]), tmp_path / "sheet.csv")
    with pytest.raises(InvalidCodingSheet) as caught:
        read_coding_sheet(path, book, bg2050["contribution_id"])
    message = str(caught.value)
    assert "nothing was kept" in message
    assert "row 2: no coder named" in message
    assert "row 3, column 'housing': 'maybe' is not a tick" in message
    assert "row 4: contribution 999999 does not exist" in message
    assert "row 5: '(no code applies)' is ticked together with codes" in message
    assert f"row 6: contribution {bg2050['contribution_id'].iloc[3]} is already on row 5" in message


def test_sheet_in_windows_1252_is_read_like_every_other_import(tmp_path):
    # Issue 11: coding sheets are read through lpip.spreadsheets (Excel's Windows-1252 CSV, XLSX).
    path = tmp_path / "sheet.csv"
    path.write_bytes("contribution_id,text,coder,funding\n1,Café,Zoë,x\n".encode("cp1252"))
    assigned = read_coding_sheet(path, default_codebook())
    assert assigned[["contribution_id", "coder", "code"]].values.tolist() == [[1, "Zoë", "funding"]]


def test_sheet_in_utf16_is_refused(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes("contribution_id,text,coder,funding\n1,Café,Asha,x\n".encode("utf-16"))
    with pytest.raises(InvalidCodingSheet, match="UTF-16"):
        read_coding_sheet(path, default_codebook())


def test_sheet_without_contribution_ids_is_refused(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("id,text\n1,x\n", encoding="utf-8")
    with pytest.raises(InvalidCodingSheet, match="no 'contribution_id' column"):
        read_coding_sheet(path, default_codebook())


# ----------------------------------------------------------------------------- coverage


def test_coverage_by_code_counts_contributions_once(bg2050):
    book = default_codebook()
    coded = code_by_rules(bg2050, book)
    twice = pd.concat([coded, coded.assign(coder="Asha", method="hand")])
    table = coverage(twice, bg2050, codebook=book).set_index("code")
    direct = coded.dropna(subset=["code"]).groupby("code")["contribution_id"].nunique()
    assert table["contributions"].reindex(direct.index).tolist() == direct.tolist()
    assert table.loc["digital access", "share"] == pytest.approx(direct.get("digital access", 0) / len(bg2050))
    for code in ("connectivity", "environment & net zero"):
        family = [code, *descendants(book, code)]
        expected = coded.loc[coded["code"].isin(family), "contribution_id"].nunique()
        assert table.loc[code, "with_subcodes"] == expected >= table.loc[code, "contributions"]


def test_coverage_by_sector_splits_the_counts(bg2050):
    book = default_codebook()
    contributions = bg2050.assign(sector=[SECTORS[i % 3] for i in range(len(bg2050))])
    coded = code_by_rules(contributions, book)
    table = coverage(coded, contributions, by="sector", codebook=book).set_index("code")
    assert list(table.columns) == ["private", "public", "resident", "all"]
    codes = table.drop(index="(all contributions)")
    assert (codes[["private", "public", "resident"]].sum(axis=1) == codes["all"]).all()
    assert table.loc["(all contributions)"].tolist() == [
        *contributions["sector"].value_counts().sort_index().tolist(), len(contributions)]


def test_coverage_by_table_names_workshops_when_there_are_several():
    contributions = pd.DataFrame({"contribution_id": [1, 2, 3], "text": ["bus", "bus", "rent"],
                                  "workshop_id": [1, 1, 2], "table": [1, 2, 1]})
    coded = code_by_rules(contributions, default_codebook())
    table = coverage(coded, contributions, by="table")
    assert list(table.columns) == ["code", "1/1", "1/2", "2/1", "all"]


def test_coverage_rejects_an_unknown_split(bg2050):
    with pytest.raises(InvalidCodingSheet, match="no 'sector' column"):
        coverage(code_by_rules(bg2050.drop(columns="sector"), default_codebook()), bg2050.drop(columns="sector"), by="sector")


# ----------------------------------------------------------------------------- the database


def test_workshop_contributions_are_read_with_subregion(db_session, workshop):
    frame = load_contributions(db_session, workshop)
    assert len(frame) == 60
    assert set(frame["subregion"]) == {"WM-BC"}
    assert set(frame["table"]) == {1, 2, 3, 4}
    # Withdrawn contributions are not coded.
    withdrawn = db_session.get(Contribution, int(frame["contribution_id"].iloc[0]))
    withdrawn.status = "withdrawn"
    db_session.flush()
    assert len(load_contributions(db_session, workshop)) == 59


def test_rule_coding_is_stored_and_rerunning_replaces_it(db_session, workshop):
    first = code_workshop_by_rules(db_session, workshop)
    stored = load_assignments(db_session, workshop, coder="rules")
    assert first.contributions == 60 == stored["contribution_id"].nunique()
    assert first.assignments == stored["code"].notna().sum()
    code_workshop_by_rules(db_session, workshop)
    again = load_assignments(db_session, workshop, coder="rules")
    pd.testing.assert_frame_equal(again, stored)


def test_hand_coding_round_trip_through_the_database(db_session, workshop, tmp_path):
    book = load_codebook(db_session)
    contributions = load_contributions(db_session, workshop)
    sheet = fill(coding_sheet(contributions, book, coder="Asha"), {0: ["funding", "housing"], 1: [NO_CODE]})
    path = write_coding_sheet(sheet, tmp_path / "asha.csv")
    result = import_coding_sheet(db_session, path)
    assert (result.contributions, result.assignments, result.coders) == (2, 2, ("Asha",))
    stored = load_assignments(db_session, workshop, coder="Asha")
    first, second = contributions["contribution_id"].iloc[:2]
    assert sorted(stored.fillna("-").values.tolist()) == [
        [first, "Asha", "funding", "hand"], [first, "Asha", "housing", "hand"], [second, "Asha", "-", "hand"]]

    # Importing again with a change replaces Asha's codes for those contributions only.
    sheet = fill(coding_sheet(contributions, book, coder="Asha"), {0: ["inequality"]})
    import_coding_sheet(db_session, write_coding_sheet(sheet, tmp_path / "asha2.csv"))
    stored = load_assignments(db_session, workshop, coder="Asha")
    assert stored.fillna("-")[["contribution_id", "code"]].values.tolist() == [[first, "inequality"], [second, "-"]]


def test_a_coded_file_for_unknown_contributions_stores_nothing(db_session, workshop, tmp_path):
    book = load_codebook(db_session)
    contributions = load_contributions(db_session, workshop)
    sheet = fill(coding_sheet(contributions.head(2), book, coder="Asha"), {0: ["funding"], 1: ["housing"]})
    sheet.loc[1, "contribution_id"] = 987_654
    with pytest.raises(InvalidCodingSheet, match="contribution 987654 does not exist"):
        import_coding_sheet(db_session, write_coding_sheet(sheet, tmp_path / "bad.csv"))
    assert load_assignments(db_session, workshop).empty


def test_storing_unknown_codes_is_refused(db_session, workshop):
    load_codebook(db_session)
    cid = int(load_contributions(db_session, workshop)["contribution_id"].iloc[0])
    bad = pd.DataFrame({"contribution_id": [cid], "coder": ["Asha"], "code": ["no such code"], "method": ["hand"]})
    with pytest.raises(UnknownCode, match="'no such code' are not in the stored codebook"):
        store_assignments(db_session, bad)


def test_removing_a_code_removes_its_assignments(db_session, workshop):
    code_workshop_by_rules(db_session, workshop)
    before = load_assignments(db_session, workshop)
    assert (before["code"] == "place identity").any()
    remove_code(db_session, "place identity")
    after = load_assignments(db_session, workshop)
    assert not (after["code"] == "place identity").any()
    assert len(after) == len(before) - (before["code"] == "place identity").sum()
