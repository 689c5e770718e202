"""Verdicts on real bundled data, the rule that judges one comparison row, suggestions and gaps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy import select

from lpip.evidence.deprivation import LAD_CODE, TOTAL
from lpip.evidence.benchmarks import benchmark_indicators
from lpip.evidence.deprivation_files import bundled_lsoa_table
from lpip.evidence.models import Indicator, IndicatorValue
from lpip.geography.models import Area, AreaLink
from lpip.synthesis.evidence import (
    SIMILAR_WITHIN_SD, assess_evidence, comparison_rows, data_gaps, judge_row, suggest_indicators, verdict_of,
)
from lpip.synthesis.mapping import bundled_evidence_map, parse_evidence_map
from lpip.synthesis.priorities import add_priority, link_indicator
from lpip.synthesis.support import priority_support
from lpip.workshops.workshops import RoundSpec, create_workshop

BLACK_COUNTRY = ["E08000027", "E08000028", "E08000030", "E08000031"]


def row(**values) -> dict:
    base = dict(value=10.0, centre=10.0, english_sd=2.0, polarity="higher is better", value_type="rate",
                significance="not compared", quintile=None, centre_is_england=True)
    return base | values


@pytest.mark.parametrize("values, expected", [
    (dict(value=8.0), "worse"),                                            # z = -1.0
    (dict(value=12.0), "better"),
    (dict(value=10.5), "similar"),                                         # z = +0.25
    (dict(value=8.0, polarity="lower is better"), "better"),               # polarity turns it round
    (dict(value=12.0, polarity="lower is better"), "worse"),
    (dict(value=10.2, quintile=1), "worse"),                               # worst fifth, z small
    (dict(value=9.8, quintile=5), "better"),
    (dict(value=11.5, quintile=1), "better"),                              # z +0.75 outweighs the quintile
    (dict(value=8.0, significance="similar"), "similar"),                  # an interval decides first
    (dict(value=12.0, significance="worse"), "worse"),
    (dict(value=float("nan")), "no data"),
    (dict(polarity="no judgement"), "not judged"),
    (dict(value_type="count", value=1.0), "not judged"),
], ids=["worse", "better", "similar", "lower-better", "lower-worse", "q1", "q5", "z-beats-q", "ci-similar",
        "ci-worse", "missing", "no-polarity", "count"])
def test_judge_row(values, expected):
    assert judge_row(row(**values)).direction == expected


def test_the_rule_names_the_threshold_and_the_comparator():
    text = judge_row(row(value=8.0, centre_is_england=False)).rule
    assert "-1.00 SD" in text and f"±{SIMILAR_WITHIN_SD:g} SD" in text and "median English district" in text


@pytest.mark.parametrize("directions, verdict", [
    (["worse"], "supported"), (["worse", "similar"], "supported"), (["worse", "better"], "mixed"),
    (["similar", "better"], "not_supported"), (["better"], "not_supported"), ([], "no_evidence"),
    (["no data", "not judged"], "no_evidence"), (["worse", "no data"], "supported"),
])
def test_verdict_of(directions, verdict):
    assert verdict_of(directions) == verdict


@pytest.fixture
def workshop(session):
    return create_workshop(session, "Evidence test workshop", [RoundSpec("What matters?")], subregion_code="WM-BC")


def _bc_imd_by_hand() -> tuple[float, float]:
    """Population-weighted mean IMD score of the Black Country's LSOAs, and of England's, read
    straight from the bundled IoD2019 files."""
    lsoas = bundled_lsoa_table()
    score, weight = lsoas["Index of Multiple Deprivation (IMD) Score"], lsoas[TOTAL]
    mine = lsoas[LAD_CODE].isin(BLACK_COUNTRY)
    return float((score[mine] * weight[mine]).sum() / weight[mine].sum()), float((score * weight).sum() / weight.sum())


def test_imd_score_for_the_black_country_is_supported(session, workshop):
    priority = add_priority(session, workshop.id, "Deprivation in the Black Country", indicators=["imd_score"])
    evidence = assess_evidence(session, [priority])
    assert evidence.verdict(priority.id, "WM-BC") == "supported"
    assert evidence.verdict(priority.id) == "supported"
    figures = evidence.judgements.iloc[0]
    black_country, england = _bc_imd_by_hand()
    assert figures["value"] == pytest.approx(black_country, rel=1e-9)
    assert figures["centre"] == pytest.approx(england, rel=1e-9)
    assert figures["value"] > figures["centre"]  # lower is better: higher means more deprived
    assert figures["period"] == "2019" and "deprivation" in figures["source"].lower()


def _district_clearly_better(session) -> tuple[str, str, float, float]:
    """Found by querying the data: the first West Midlands district (by code) and indicator (by
    id) with a direction and an England value, on which the district is at least one SD of
    English districts better than England."""
    districts = sorted(session.scalars(select(Area.code).where(
        Area.level == "lad", Area.code.in_(select(AreaLink.child_code).where(AreaLink.parent_code == "E12000005")))))
    rows = benchmark_indicators(session, districts)
    rows = rows[rows["polarity"].isin(["higher is better", "lower is better"]) & rows["centre_is_england"].astype(bool)
                & rows["value"].notna() & (rows["value_type"] != "count")]
    sign = np.where(rows["polarity"] == "higher is better", 1.0, -1.0)
    better = rows[(rows["value"] - rows["centre"]) / rows["english_sd"] * sign >= 1]
    if better.empty:
        pytest.skip("no West Midlands district is clearly better than England on any indicator")
    first = better.sort_values(["area_code", "indicator_id"]).iloc[0]
    return first["area_code"], first["indicator_id"], float(first["value"]), float(first["centre"])


def test_a_district_better_than_england_is_not_supported(session, workshop):
    district, indicator_id, value, england = _district_clearly_better(session)
    priority = add_priority(session, workshop.id, "A district doing well", areas=[district], indicators=[indicator_id])
    evidence = assess_evidence(session, [priority])
    judgement = evidence.judgements.iloc[0]
    stored = session.scalar(select(IndicatorValue.value).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code == district,
        IndicatorValue.period == judgement["period"]))
    assert judgement["value"] == pytest.approx(stored) == pytest.approx(value)
    assert judgement["centre"] == pytest.approx(england)
    assert judgement["direction"] == "better"
    assert evidence.verdict(priority.id) == "not_supported"


def test_worse_on_one_and_better_on_another_is_mixed(session, workshop):
    district, better_id, *_ = _district_clearly_better(session)
    priority = add_priority(session, workshop.id, "Mixed picture", areas=["WM-BC", district])
    link_indicator(session, priority.id, "imd_score", area="WM-BC")
    link_indicator(session, priority.id, better_id, area=district)
    evidence = assess_evidence(session, [priority])
    assert evidence.verdict(priority.id, "WM-BC") == "supported"
    assert evidence.verdict(priority.id, district) == "not_supported"
    assert evidence.verdict(priority.id) == "mixed"


def test_a_sub_region_judged_by_the_evidence_layer_names_its_rule(session, workshop):
    """The Black Country's employment rate is estimated from its districts and compared by the
    evidence layer; the verdict takes that comparison and names its rule."""
    priority = add_priority(session, workshop.id, "Jobs", indicators=["employment_rate"])
    evidence = assess_evidence(session, [priority])
    main = evidence.judgements[~evidence.judgements["detail"].astype(bool)].iloc[0]
    compared = benchmark_indicators(session, ["WM-BC"], indicators=["employment_rate"]).iloc[0]
    assert compared["significance"] in ("better", "worse", "similar") and compared["comparison_rule"]
    assert main["direction"] == compared["significance"]
    assert main["rule"].startswith(compared["comparison_rule"])
    assert main["value"] == pytest.approx(compared["value"])
    assert ("estimate" in main["rule"]) == bool(compared["is_estimate"])


def _sub_region_without_a_value(session):
    """(sub-region, indicator, districts) where the sub-region has no value and some of its
    districts have one, found in the bundled data."""
    subregions = sorted(session.scalars(select(Area.code).where(Area.level == "subregion")))
    table = benchmark_indicators(session, subregions)
    judged = table[table["polarity"].isin(["higher is better", "lower is better"]) & table["value"].isna()
                   & (table["value_type"] != "count")]
    for area, indicator_id in zip(judged["area_code"], judged["indicator_id"], strict=True):
        districts = sorted(session.scalars(select(AreaLink.child_code).where(AreaLink.parent_code == area)))
        values = benchmark_indicators(session, districts, indicators=[indicator_id])
        if values["value"].notna().any():
            return area, indicator_id, values
    raise AssertionError("the bundled data has no sub-region without a value whose districts have one")


def test_a_sub_region_without_a_value_is_judged_by_its_districts(session, workshop):
    area, indicator_id, districts = _sub_region_without_a_value(session)
    priority = add_priority(session, workshop.id, "Judged by districts", areas=[area], indicators=[indicator_id])
    evidence = assess_evidence(session, [priority])
    main = evidence.judgements[~evidence.judgements["detail"].astype(bool)].iloc[0]
    details = evidence.judgements[evidence.judgements["detail"].astype(bool)]
    assert main["rule"].startswith("judged by its districts") and math.isnan(main["value"])
    with_value = details[details["value"].notna()]
    assert sorted(with_value["judged_at"]) == sorted(districts.loc[districts["value"].notna(), "area_code"])
    period = with_value["period"].iloc[0]
    stored = dict(session.execute(select(IndicatorValue.area_code, IndicatorValue.value).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
        IndicatorValue.area_code.in_(list(with_value["judged_at"])))).all())
    assert dict(zip(with_value["judged_at"], with_value["value"], strict=True)) == pytest.approx(stored)
    judged = with_value[with_value["direction"].isin(["worse", "better", "similar"])]
    worse, better = (judged["direction"] == "worse").sum(), (judged["direction"] == "better").sum()
    expected = "worse" if worse > len(judged) / 2 else "better" if better > len(judged) / 2 else "similar"
    assert main["direction"] == expected


def test_nothing_linked_is_no_evidence_and_a_gap(session, workshop):
    priority = add_priority(session, workshop.id, "Partnership working across the region")
    evidence = assess_evidence(session, [priority])
    assert evidence.verdict(priority.id) == "no_evidence"
    support = priority_support(session, [priority]).assign(codes=[["partnership working", "public transport"]])
    gaps = data_gaps(session, [priority], evidence, support, bundled_evidence_map())
    assert gaps["why"].iloc[0] == "no indicator is linked"
    assert "survey of how organisations work together" in gaps["data_needed"].iloc[0]


def test_suggestions_are_proposed_never_linked(session, workshop):
    priority = add_priority(session, workshop.id, "Buses", indicators=["travel_time_public_transport"])
    frame = suggest_indicators(session, priority.id, ["public transport"], bundled_evidence_map())
    statuses = dict(zip(frame["indicator_id"], frame["status"], strict=True))
    assert statuses == {"travel_time_public_transport": "already linked", "barriers_score": "proposed"}
    assert len(assess_evidence(session, [priority]).judgements) == 1  # only the linked one is judged


def test_an_indicator_missing_from_the_catalogue_is_reported_not_a_crash(session, workshop):
    mapping = parse_evidence_map('[code."housing"]\nindicators = ["affordability_ratio", "barriers_score"]\n', "test map")
    priority = add_priority(session, workshop.id, "Homes")
    frame = suggest_indicators(session, priority.id, ["housing"], mapping)
    assert frame.set_index("indicator_id").at["affordability_ratio", "status"] == "not in the catalogue"
    rows = comparison_rows(session, ["affordability_ratio"], ["WM-BC"])
    assert "not in the indicator catalogue" in rows["note"].iloc[0]
    assert judge_row(rows.iloc[0].to_dict()).direction in ("no data", "not judged")


def test_every_indicator_of_the_bundled_map_is_in_the_catalogue(session):
    ids = set(session.scalars(select(Indicator.id)))
    assert bundled_evidence_map().indicator_ids() <= ids


def test_every_judged_district_figure_is_the_stored_value(session, workshop):
    priority = add_priority(session, workshop.id, "Pay", areas=["E08000025"], indicators=["median_weekly_pay"])
    judgement = assess_evidence(session, [priority]).judgements.iloc[0]
    stored = session.scalar(select(IndicatorValue.value).where(
        IndicatorValue.indicator_id == "median_weekly_pay", IndicatorValue.area_code == "E08000025",
        IndicatorValue.period == judgement["period"]))
    assert judgement["value"] == pytest.approx(stored)
    assert np.isfinite(judgement["z"])
