"""Area profiles: the indicators against England, deprivation, trends and the documents.

Figures are checked against the database read independently (SQL), against published
IoD2019 figures, and against invariants (ranks, ranges, sums of members).
"""

from __future__ import annotations

import builtins
import re
import sys
from html.parser import HTMLParser

import pytest
from sqlalchemy import text

from lpip.db import make_engine, session_scope
from lpip.errors import InvalidExport, MissingSystemLibrary, UnknownAreaCode
from lpip.reports import pdf as pdf_module
from lpip.evidence.benchmarks import benchmark_indicators, region_codes
from lpip.evidence.profile import build_profile, decile_counts, gather_context, lsoa_table
from lpip.reports.profile import write_profile

BIRMINGHAM, SOLIHULL, BSOL = "E08000025", "E08000029", "WM-BSOL"


@pytest.fixture(scope="module")
def wm(bundled_sqlite):
    """A read-only session on the bundled database, shared by the module's tests."""
    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


@pytest.fixture(scope="module")
def context(wm):
    return gather_context(wm, [BIRMINGHAM, SOLIHULL, BSOL])


@pytest.fixture(scope="module")
def birmingham(wm, context):
    return build_profile(wm, BIRMINGHAM, context=context)


@pytest.fixture(scope="module")
def birmingham_2019(wm):
    return build_profile(wm, BIRMINGHAM, context=gather_context(wm, [BIRMINGHAM], edition="2019"))


def lsoas_2021(district: str) -> int:
    """2021 LSOAs of a 2024 district, counted in the bundled lookup with pandas."""
    import pandas as pd

    from lpip.bundled import bundled_path

    lookup = pd.read_csv(bundled_path("lookup_lsoa21_lad24_england.csv.gz"))
    return int((lookup["LAD24CD"] == district).sum())


def stored(session, indicator_id: str, codes, period: str) -> dict:
    rows = session.execute(
        text("SELECT area_code, value FROM indicator_value WHERE indicator_id = :i AND period = :p"),
        {"i": indicator_id, "p": period},
    ).all()
    return {code: value for code, value in rows if code in set(codes)}


def test_values_and_england_are_the_stored_figures(wm, context):
    rows = context.benchmarks.set_index(["area_code", "indicator_id"])
    row = rows.loc[(BIRMINGHAM, "employment_rate")]
    period = "2023-01-01/P1Y"
    assert row["period"] == period and row["period_label"] == "2023"  # the latest period with an England value
    assert row["value"] == pytest.approx(stored(wm, "employment_rate", [BIRMINGHAM], period)[BIRMINGHAM])
    assert row["england_value"] == pytest.approx(stored(wm, "employment_rate", ["E92000001"], period)["E92000001"])
    assert bool(row["centre_is_england"])
    assert row["comparison_rule"] == "Fingertips rule, 95% interval published by the source"


def test_the_range_is_the_region_districts(wm, context):
    codes = region_codes(wm, "E12000005")
    assert len(codes) == 30
    for (indicator_id, period), part in context.benchmarks.groupby(["indicator_id", "period"]):
        values = [v for v in stored(wm, indicator_id, codes, period).values() if v is not None]
        row = part.iloc[0]
        if row["range_of"] == "region":
            assert row["range_min"] == pytest.approx(min(values)) and row["range_max"] == pytest.approx(max(values))
            assert row["region_count"] == len(values)
            assert row["range_min"] <= row["p25"] <= row["p75"] <= row["range_max"]


def test_rank_one_in_the_region_is_the_best_value(wm, context):
    codes = region_codes(wm, "E12000005")
    table = benchmark_indicators(wm, codes, indicators=["gdhi_per_head", "smoking_prevalence"])
    for indicator_id, best in (("gdhi_per_head", max), ("smoking_prevalence", min)):
        part = table[table["indicator_id"] == indicator_id]
        first = part[part["region_rank"] == 1]
        assert first["value"].iloc[0] == best(part["value"].dropna())


def test_a_sub_region_count_is_the_sum_of_its_districts(wm, context):
    rows = context.benchmarks.set_index(["area_code", "indicator_id"])
    bsol = rows.loc[(BSOL, "population_census")]
    parts = stored(wm, "population_census", [BIRMINGHAM, SOLIHULL], bsol["period"])
    assert bsol["value"] == pytest.approx(sum(parts.values()))


def test_a_rate_without_numerators_is_estimated_and_says_so(wm, context):
    rows = context.benchmarks.set_index(["area_code", "indicator_id"])
    row = rows.loc[(BSOL, "employment_rate")]
    members = [BIRMINGHAM, SOLIHULL]
    rates = stored(wm, "employment_rate", members, row["period"])
    weights = stored(wm, "population_18_66_2022", members, "mid-2022")
    expected = sum(rates[c] * weights[c] for c in members) / sum(weights.values())
    assert row["value"] == pytest.approx(expected)
    assert bool(row["is_estimate"]) and "Working-age population 18-66" in row["weighting_population"]
    assert row["note"].startswith("Estimate: population-weighted mean of its districts' values")


def test_birmingham_is_seventh_most_deprived_on_average_score(birmingham_2019):
    # IoD2019 File 10 (MHCLG 2019): Birmingham ranks 7th of 317 districts on the rank of
    # IMD average score, and 639 of its LSOAs are in England's 32,844.
    imd = birmingham_2019.deprivation.set_index("domain").loc["imd"]
    assert int(imd["rank_of_average_score"]) == 7
    assert int(birmingham_2019.deciles.sum()) == 639
    facts = dict(birmingham_2019.facts)
    assert "rank 7 of 317" in facts["IMD 2019 average score"]


def test_profiles_use_iod2025_by_default(birmingham):
    assert birmingham.edition == "2025"
    assert int(birmingham.deciles.sum()) == lsoas_2021(BIRMINGHAM)
    facts = dict(birmingham.facts)
    assert " of 296 districts" in facts["IMD 2025 average score"]


def test_decile_counts_agree_with_the_deprivation_summary(birmingham):
    share = birmingham.deciles.loc[1] / birmingham.deciles.sum()
    imd = birmingham.deprivation.set_index("domain").loc["imd"]
    assert share == pytest.approx(imd["proportion_most_deprived_10pc"])


def test_a_sub_region_has_the_lsoas_of_its_districts(wm, context):
    table = lsoa_table()
    bsol = build_profile(wm, BSOL, context=context)
    assert int(bsol.deciles.sum()) == lsoas_2021(BIRMINGHAM) + lsoas_2021(SOLIHULL)  # their 2021 LSOAs
    assert bsol.similar is None and any("districts only" in note for note in bsol.notes)
    assert list(bsol.members["name"]) == ["Birmingham", "Solihull"]
    assert decile_counts(table, []).sum() == 0


def test_similar_areas_are_other_districts(birmingham):
    assert len(birmingham.similar) == 5
    assert BIRMINGHAM not in set(birmingham.similar["area_code"])


def test_trends_cover_indicators_with_two_periods(birmingham, wm):
    trend = birmingham.trends.set_index("indicator_id").loc["co2_domestic"]
    values = stored(wm, "co2_domestic", [BIRMINGHAM], trend["start_period"])
    assert trend["start_value"] == pytest.approx(values[BIRMINGHAM])
    assert trend["change"] == pytest.approx(trend["end_value"] - trend["start_value"])


class Outline(HTMLParser):
    """Headings, images and the page's language, for accessibility checks."""

    def __init__(self):
        super().__init__()
        self.headings, self.images, self.lang = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "img":
            self.images.append(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")


def check_accessible(html: str) -> Outline:
    outline = Outline()
    outline.feed(html)
    assert outline.lang == "en"
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:])), outline.headings
    assert outline.images and all(image.get("alt", "").strip() for image in outline.images)
    assert 'name="viewport"' in html
    return outline


def test_a_profile_as_one_html_file(db_url, tmp_path):
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        out = write_profile(session, SOLIHULL, tmp_path / "solihull.html")
    engine.dispose()
    html = out.read_text(encoding="utf-8")
    outline = check_accessible(html)
    assert all(image["src"].startswith("data:image/") for image in outline.images)  # self-contained
    assert "<h1>Solihull</h1>" in html and "Spine chart of" in html
    assert "Contains National Statistics data" in html


def test_a_profile_as_an_a4_pdf(wm, tmp_path):
    out = write_profile(wm, SOLIHULL, tmp_path / "solihull.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    # The same document laid out: every page is A4 (210 x 297 mm = 793.7 x 1122.5 CSS px).
    html = write_profile(wm, SOLIHULL, tmp_path / "solihull.html").read_text(encoding="utf-8")
    pages = pdf_module.load_weasyprint().HTML(string=html).render().pages
    assert len(pages) > 1
    assert {(round(p.width, 1), round(p.height, 1)) for p in pages} == {(793.7, 1122.5)}


@pytest.fixture(scope="module")
def printed(wm, tmp_path_factory):
    """The PDFs of a district and of a sub-region (whose chart has rows without a value)."""
    folder = tmp_path_factory.mktemp("printed")
    return {code: write_profile(wm, code, folder / f"{code}.pdf") for code in (SOLIHULL, BSOL)}


@pytest.mark.parametrize("code", [SOLIHULL, BSOL], ids=["district", "sub-region"])
def test_the_pdf_reads_well(printed, check_pdf, code):
    # Every letter (chart labels too) at 7 pt or more, no heading stranded at a page foot,
    # no page but the last under half full, no "Download this as a PDF" inside the PDF.
    pages = check_pdf(printed[code])
    assert len(pages) > 2


def test_the_pdf_charts_every_indicator_that_is_not_a_count(wm, printed, pdf_layout, context):
    text = "\n".join(page.text for page in pdf_layout(printed[BSOL]))
    rows = context.benchmarks[(context.benchmarks["area_code"] == BSOL) & context.benchmarks["on_chart"]]
    charts = re.findall(r"compared with England \((\d+) to (\d+) of (\d+)\)", text)
    assert charts and {int(total) for _, _, total in charts} == {len(rows)}
    assert sorted(int(last) for _, last, _ in charts)[-1] == len(rows)
    if rows["value"].isna().any():
        assert "no value" in text


def test_the_similar_areas_are_named_and_their_variables_can_be_chosen(wm, tmp_path):
    html = write_profile(wm, SOLIHULL, tmp_path / "s.html", similar_indicators=["gva_per_hour", "nvq3_plus"]).read_text()
    section = html[html.index('id="similar"'):]
    assert "on 2 standardised indicators: Gross value added per hour worked" in section.replace("\n", " ")
    assert "gva_per_hour" not in section and "nvq3_plus" not in section  # names, not ids
    assert re.search(r"most different on [^<]*: [+-]\d\.\d\d sd \(\d+%\)", section)


def test_an_area_outside_the_boundaries_gets_a_profile_without_a_map(wm, tmp_path):
    # Leeds has district values but the bundled LSOA boundaries cover the West Midlands only.
    out = write_profile(wm, "E08000035", tmp_path / "leeds.html")
    html = out.read_text(encoding="utf-8")
    assert "<h1>Leeds</h1>" in html
    assert "Map:" in html and "boundar" in html


def test_bad_input(wm, tmp_path):
    with pytest.raises(InvalidExport, match=r"\.html or \.pdf"):
        write_profile(wm, SOLIHULL, tmp_path / "solihull.docx")
    with pytest.raises(InvalidExport, match="does not exist"):
        write_profile(wm, SOLIHULL, tmp_path / "missing" / "solihull.html")
    with pytest.raises(UnknownAreaCode, match="E08000092 is not a known area"):
        write_profile(wm, "E08000092", tmp_path / "x.html")


def test_a_missing_font_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_module, "installed_fonts", lambda: ["/usr/share/fonts/truetype/other/Other.ttf"])
    pdf_module.check_fonts.cache_clear()
    try:
        with pytest.raises(MissingSystemLibrary, match="sudo apt-get install fonts-dejavu-core"):
            pdf_module.write_pdf("<h1>x</h1>", tmp_path / "x.pdf")
    finally:
        pdf_module.check_fonts.cache_clear()


def test_a_missing_weasyprint_library_names_the_debian_package(monkeypatch):
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.raises(MissingSystemLibrary, match="Writing PDF reports.*sudo apt-get install libpango-1.0-0"):
        pdf_module.check_pdf_support()
