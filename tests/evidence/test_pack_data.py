"""The Black Country data pack as data: every indicator has a sub-region value (estimates recomputed
here from the district values and populations in the raw files), the questions rank gaps on one
scale with the comparison rule and name qualifications, nothing within a threshold is "better",
and hotspots are judged against England first."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lpip.bundled import bundled_path
from lpip.evidence.benchmarks import BENCHMARK_COLUMNS, benchmark_indicators
from lpip.evidence.datapack import build_datapack

BLACK_COUNTRY = ["E08000027", "E08000028", "E08000030", "E08000031"]  # Dudley, Sandwell, Walsall, Wolverhampton
# The columns profiles, the atlas and synthesis read before issue 14, in their order.
COLUMNS_BEFORE = [
    "area_code", "indicator_id", "title", "theme", "unit", "polarity", "value_type", "period",
    "value", "lower_ci", "upper_ci", "england_value", "centre", "centre_is_england",
    "range_min", "range_max", "p25", "p75", "range_of", "english_sd", "significance", "quintile",
    "region_rank", "region_count", "on_chart", "note",
]


@pytest.fixture(scope="module")
def pack(bundled_sqlite):
    from lpip.db import make_engine, session_scope

    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        yield build_datapack(session, "WM-BC")
    engine.dispose()


def els_rows(name: str) -> pd.DataFrame:
    frame = pd.read_csv(bundled_path("els_indicators_england.csv.gz"), dtype=str, keep_default_na=False)
    rows = frame[frame["indicator_name"] == name]
    return rows.assign(**{c: pd.to_numeric(rows[c].replace("", None)) for c in ("value", "lci", "uci")})


def populations(column: str) -> pd.Series:
    frame = pd.read_csv(bundled_path("iod2025_lsoa21_england_population_denominators.csv.gz"))
    return frame.groupby("Local Authority District code (2024)")[column].sum().astype(float)


def test_benchmark_columns_are_only_added_to(pack):
    assert BENCHMARK_COLUMNS[:len(COLUMNS_BEFORE)] == COLUMNS_BEFORE
    assert {"comparison_rule", "is_estimate", "weighting_population", "period_label"} <= set(BENCHMARK_COLUMNS)
    assert set(pack.profile.indicators["significance"]) <= {"better", "worse", "similar", "not compared",
                                                            "higher", "lower"}


def test_every_district_indicator_has_a_sub_region_value(pack):
    rows = pack.profile.indicators
    missing = rows[rows["value"].isna()]
    # Only indicators none of whose periods all four districts share may lack a value, and they say why.
    assert missing.empty or missing["note"].str.len().gt(0).all()
    assert len(missing) <= 2
    assert rows["is_estimate"].sum() >= 40


@pytest.mark.parametrize(("indicator_id", "name", "weight"), [
    ("nvq3_plus", "Level 3 or above qualifications (Great Britain)",
     "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022"),
    ("employment_rate", "Employment rate",
     "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022"),
    ("eyfs_maths", "Mathematics", "Dependent Children aged 0-15: mid 2022"),
    ("hle_female", "Female healthy life expectancy", "Total population: mid 2022"),
], ids=["qualifications", "employment", "early-years-maths", "hle-female"])
def test_sub_region_estimates_recomputed_from_districts_and_populations(pack, indicator_id, name, weight):
    row = pack.profile.indicators.set_index("indicator_id").loc[indicator_id]
    published = els_rows(name)
    published = published[published["period"] == row["period"]].set_index("areacd")
    weights = populations(weight)[BLACK_COUNTRY]
    values = published.loc[BLACK_COUNTRY, "value"]
    expected = float(np.sum(weights * values) / weights.sum())
    assert row["value"] == pytest.approx(expected, rel=1e-12)
    assert bool(row["is_estimate"])
    assert row["weighting_population"].split(" (")[0] in {
        "Working-age population 18-66, mid-2022", "Children aged 0-15, mid-2022", "Total population, mid-2022"}
    assert "Estimate" in row["note"] and row["weighting_population"] in row["note"]
    if published.loc[BLACK_COUNTRY, "lci"].notna().all():
        se = (published.loc[BLACK_COUNTRY, "uci"] - published.loc[BLACK_COUNTRY, "lci"]) / (2 * stats.norm.ppf(0.975))
        half = stats.norm.ppf(0.975) * np.sqrt(np.sum((weights * se) ** 2)) / weights.sum()
        assert (row["lower_ci"], row["upper_ci"]) == pytest.approx((expected - half, expected + half))
        assert row["comparison_rule"] == "Fingertips rule, 95% interval combined from the districts' published intervals"


def test_the_black_country_questions_name_its_qualifications_gap(pack):
    text = " ".join(pack.questions)
    assert 3 <= len(pack.questions) <= 5
    assert "Level 3 or above qualifications" in text
    gaps = next(q for q in pack.questions if q.startswith("Measured in standard deviations"))
    assert "Level 3 or above qualifications" in gaps
    # Every sd figure in the question is the pack's own standardised difference.
    scores = {f"{s:+.1f}" for s in pack.differences["score"]}
    assert set(re.findall(r"([+-]\d+\.\d) sd", gaps)) <= scores


def test_nothing_within_the_threshold_is_called_better(pack):
    better = pack.better
    assert (better["significance"] == "better").all()
    rows = pack.profile.indicators
    judged_better = rows[rows["significance"] == "better"]
    for _, row in judged_better.iterrows():
        if row["comparison_rule"].startswith("materiality"):
            assert abs(row["value"] - row["england_value"]) >= 0.5 * row["english_sd"] - 1e-9
        else:
            polarity_up = row["polarity"] == "higher is better"
            assert (row["lower_ci"] > row["england_value"]) if polarity_up else (row["upper_ci"] < row["england_value"])
    anxiety = rows.set_index("indicator_id").loc["anxiety"]
    assert anxiety["significance"] == "similar"  # 3.06 against 3.24, interval containing England's value
    for question in pack.questions:
        if "does better than" in question:
            title = re.search(r"“(.+?)”", question).group(1)
            assert rows.set_index("title").loc[title, "significance"] == "better"


def test_hotspots_are_judged_against_england_with_the_local_view_second(pack):
    lsoas = pd.read_csv(bundled_path("iod2025_lsoa21_england_ranks_deciles_scores.csv.gz"))
    decile = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    ours = lsoas[lsoas["Local Authority District code (2024)"].isin(BLACK_COUNTRY)]
    counts = ours[ours[decile] == 1].groupby("Local Authority District code (2024)").size()
    table = pack.national_hotspots.set_index("code")
    assert table["most_deprived_10pc"].to_dict() == counts.to_dict()
    assert list(pack.national_hotspots["most_deprived_10pc"]) == sorted(counts, reverse=True)
    assert pack.national_summary.startswith("Judged against England:")
    assert f"{counts.sum():,} of Black Country's {len(ours):,} neighbourhoods" in pack.national_summary
    assert pack.hotspot_summary.startswith("Within the sub-region (a second layer")


def test_the_2019_edition_is_still_available(bundled_sqlite):
    from lpip.db import make_engine, session_scope

    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        pack = build_datapack(session, "WM-BC", edition="2019")
    engine.dispose()
    lsoas = pd.read_csv(bundled_path("iod2019_lsoa_england_ranks_deciles_population.csv.gz"))
    decile = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    ours = lsoas[lsoas["Local Authority District code (2019)"].isin(BLACK_COUNTRY)]
    assert int(pack.national_hotspots["most_deprived_10pc"].sum()) == int((ours[decile] == 1).sum())
    assert pack.profile.edition == "2019" and "IMD 2019" in pack.national_summary


def test_latest_period_is_used_by_default(bundled_sqlite):
    from lpip.db import make_engine, session_scope

    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        table = benchmark_indicators(session, ["E08000028"], indicators=["median_weekly_pay", "employment_rate"])
    engine.dispose()
    periods = table.set_index("indicator_id")[["period", "period_label"]]
    assert tuple(periods.loc["median_weekly_pay"]) == ("2025-04-30", "30 Apr 2025")
    assert tuple(periods.loc["employment_rate"]) == ("2023-01-01/P1Y", "2023")
