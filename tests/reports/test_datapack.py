"""Sub-regional data packs: differences from England, hotspots, and the questions raised.

The questions are made by rules; each test checks a question against the figures it cites,
read independently from the database or the pack's own tables.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sqlalchemy import text

from lpip.db import make_engine, session_scope
from lpip.errors import InvalidExport, WrongAreaLevel
from lpip.geography.areas import list_areas
from lpip.evidence.datapack import MAX_QUESTIONS, MIN_QUESTIONS, build_datapack, differences_from_england
from lpip.reports.datapack import write_datapack
from lpip.evidence.profile import gather_context
from lpip.reports.render import format_number

BLACK_COUNTRY = "WM-BC"
MEMBERS = ["E08000027", "E08000028", "E08000030", "E08000031"]  # Dudley, Sandwell, Walsall, Wolverhampton


@pytest.fixture(scope="module")
def wm(bundled_sqlite):
    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


@pytest.fixture(scope="module")
def pack(wm):
    return build_datapack(wm, BLACK_COUNTRY, context=gather_context(wm, [BLACK_COUNTRY, *MEMBERS]))


def test_three_to_five_questions(pack):
    assert MIN_QUESTIONS <= len(pack.questions) <= MAX_QUESTIONS
    assert len(set(pack.questions)) == len(pack.questions)
    assert all(q.endswith("?") for q in pack.questions)


def test_the_questions_are_the_same_every_time(wm, pack):
    again = build_datapack(wm, BLACK_COUNTRY, context=gather_context(wm, [BLACK_COUNTRY, *MEMBERS]))
    assert again.questions == pack.questions


def period_of(session, indicator_id: str, label: str) -> str:
    """The stored period whose label a question shows."""
    from lpip.evidence.periods import period_label

    periods = session.execute(text("SELECT DISTINCT period FROM indicator_value WHERE indicator_id = :i"),
                              {"i": indicator_id}).scalars()
    return next(p for p in periods if period_label(p) == label)


def test_the_worst_in_region_question_names_the_worst_district(wm, pack):
    question = pack.questions[0]
    match = re.match(r"(?P<area>.+?) has the (?P<word>lowest|highest) value of the region's (?P<count>\d+) districts for "
                     r"“(?P<title>.+?)” \((?P<value>[^ ]+) in (?P<period>[^)]+)\)", question)
    assert match, question
    indicator_id, polarity = wm.execute(text("SELECT id, polarity FROM indicator WHERE title = :t"),
                                        {"t": match["title"]}).one()
    rows = wm.execute(text(
        "SELECT a.code, a.name, v.value FROM indicator_value v JOIN area a ON a.code = v.area_code "
        "WHERE v.indicator_id = :i AND v.period = :p AND a.level = 'lad'"
    ), {"i": indicator_id, "p": period_of(wm, indicator_id, match["period"])}).all()
    region = set(list_areas(wm, level="lad", within="E12000005")["code"])
    values = pd.Series({name: value for code, name, value in rows if code in region})
    assert len(values) == int(match["count"])  # districts with a value (upper-tier indicators: 11)
    worst = values.idxmin() if polarity == "higher is better" else values.idxmax()
    assert match["word"] == ("lowest" if polarity == "higher is better" else "highest")
    assert match["area"] == worst
    assert match["area"] in {"Dudley", "Sandwell", "Walsall", "Wolverhampton"}


def test_the_hotspot_question_matches_the_england_hotspot_table(pack):
    question = next(q for q in pack.questions if "among England's most deprived 10%" in q)
    total = int(pack.national_hotspots["most_deprived_10pc"].sum())
    top = pack.national_hotspots.iloc[0]
    assert question.startswith(f"{total:,} of Black Country's neighbourhoods")
    assert f"{int(top['most_deprived_10pc']):,} of them in {top['district']}" in question
    assert top["most_deprived_10pc"] == pack.national_hotspots["most_deprived_10pc"].max()


def test_hotspots_cover_every_lsoa_of_the_sub_region(wm, pack):
    lsoas = sum(len(list_areas(wm, level="lsoa", within=code)) for code in MEMBERS)
    assert lsoas == 712  # the Black Country's LSOAs (2011): Dudley 201, Sandwell 186, Walsall 167, Wolverhampton 158
    assert int(pack.hotspots["lsoas"].sum()) == lsoas  # the within-sub-region layer: 2011 LSOAs
    # The England-judged layer and the deciles: IoD2025 on the 2021 LSOAs (723).
    assert int(pack.national_hotspots["lsoas"].sum()) == int(pack.profile.deciles.sum()) == 723


def test_better_and_worse_are_signed_by_polarity(pack):
    assert (pack.better["score"] > 0).all() and (pack.worse["score"] < 0).all()
    for row in pd.concat([pack.better, pack.worse]).itertuples():
        above = row.value > row.centre
        better = row.score > 0
        assert better == (above if row.polarity == "higher is better" else not above)


def test_differences_are_in_standard_deviations():
    rows = pd.DataFrame({"value": [60.0, 9.0, 5.0, None], "centre": [70.0, 8.0, 5.0, 1.0],
                         "english_sd": [5.0, 2.0, 1.0, 1.0], "on_chart": [True, True, True, True],
                         "polarity": ["higher is better", "lower is better", "no judgement", "higher is better"],
                         "centre_is_england": [True, False, True, True]})
    result = differences_from_england(rows)
    assert result["score"].tolist() == [-2.0, -0.5]
    assert result["against"].tolist() == ["England", "the median English district"]


def test_the_numbers_in_questions_are_in_the_pack(pack):
    cited = pd.concat([pack.differences, pack.district_differences])
    shown = {format_number(v, u) for v, u in zip(cited["value"], cited["unit"])}
    shown |= {format_number(v, u) for v, u in zip(cited["centre"], cited["unit"])}
    for question in pack.questions:
        for number in re.findall(r"\(([\d.,]+%?) (?:in|against)", question):
            assert number in shown, (number, question)


def test_a_data_pack_document(wm, tmp_path):
    html = write_datapack(wm, BLACK_COUNTRY, tmp_path / "bc.html").read_text(encoding="utf-8")
    assert "<h1>Black Country: data pack</h1>" in html
    assert html.index("Questions the data raises") < html.index("Key facts")
    assert "Sandwell" in html and "Wolverhampton" in html
    pdf = write_datapack(wm, BLACK_COUNTRY, tmp_path / "bc.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_pdf_reads_well(wm, tmp_path, check_pdf):
    pages = check_pdf(write_datapack(wm, BLACK_COUNTRY, tmp_path / "bc.pdf"))
    assert "Questions the data raises" in pages[0].text


def test_all_indicators_are_on_the_chart_or_listed_as_counts(pack):
    html = write_datapack_html(pack)
    rows = pack.profile.indicators
    charted = rows[rows["on_chart"].astype(bool)]
    alts = re.findall(r'alt="Spine chart of (\d+) indicators', html)
    assert sum(int(n) for n in alts) == len(charted)  # with or without a value: all of them
    for title in rows.loc[~rows["on_chart"].astype(bool), "title"]:
        assert title in html


def write_datapack_html(pack) -> str:
    from lpip.reports.datapack import datapack_figures, datapack_page
    from lpip.reports.render import figure_sources

    return datapack_page(pack, figure_sources(datapack_figures(None, pack, maps=False), None))


def test_bad_input(wm, tmp_path):
    with pytest.raises(WrongAreaLevel, match="no districts inside it"):
        build_datapack(wm, "E08000025")
    with pytest.raises(InvalidExport, match=r"\.html or \.pdf"):
        write_datapack(wm, BLACK_COUNTRY, tmp_path / "bc.txt")
