"""The bundled ONS Explore Local Statistics (ELS) indicators: values, intervals and periods as the
source file publishes them (read here with the csv module from ../shared/data, not through lpip),
titles, units and sources from the ELS metadata, and lpip's stable ids."""

from __future__ import annotations

import csv
import gzip

import pytest
from sqlalchemy import select

from lpip.evidence.bundle import RECODED
from lpip.evidence.catalogue import bundled_catalogue
from lpip.evidence.models import POLARITIES, IndicatorValue

# lpip id -> (ELS folder, ELS indicator code); three indicators with published 95% limits.
CHECKED = {
    "employment_rate": ("employment-rate", "Employment rate"),
    "median_weekly_pay": ("gross-median-weekly-pay", "Gross median weekly pay"),
    "nvq3_plus": ("qualifications-level-3-or-above", "Level 3 or above qualifications (Great Britain)"),
}
DISTRICTS = ["E08000025", "E08000028", "E06000019"]  # Birmingham, Sandwell, Herefordshire
ELS_SPECS = [spec for spec in bundled_catalogue() if any(s["file"] == "els" for s in spec.series)]


def source_rows(shared_data, folder: str, name: str, codes: list[str]) -> dict[tuple[str, str], dict]:
    """(area, period) -> the published row, from the shared ELS file."""
    path = shared_data / "els" / "els_indicators_tidy.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return {(r["areacd"], r["period"]): r for r in csv.DictReader(handle)
                if r["indicator"] == folder and r["indicator_name"] == name and r["areacd"] in codes}


def metadata(shared_data) -> dict[tuple[str, str], dict]:
    with open(shared_data / "els" / "els_indicators_metadata.csv", encoding="utf-8", newline="") as handle:
        return {(r["indicator"], r["indicator_name"]): r for r in csv.DictReader(handle)}


def number(text: str) -> float | None:
    return float(text) if text != "" else None


@pytest.mark.parametrize("indicator_id", sorted(CHECKED), ids=sorted(CHECKED))
def test_els_values_equal_the_source_rows(session, shared_data, indicator_id):
    folder, name = CHECKED[indicator_id]
    published = source_rows(shared_data, folder, name, DISTRICTS)
    stored = session.execute(
        select(IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.value, IndicatorValue.lower_ci,
               IndicatorValue.upper_ci)
        .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code.in_(DISTRICTS))
    ).all()
    ours = {(code, period): (value, low, high) for code, period, value, low, high in stored if (code, period) in published}
    expected = {key: (number(r["value"]), number(r["lci"]), number(r["uci"]))
                for key, r in published.items() if r["value"] != ""}
    assert ours == expected
    assert len(expected) >= 3 * 2  # three districts, two or more periods each
    assert all(low is not None for _, low, _ in expected.values())  # these series carry 95% limits


def test_latest_period_of_each_checked_indicator_has_its_interval(session, shared_data):
    for indicator_id, (folder, name) in CHECKED.items():
        published = source_rows(shared_data, folder, name, ["E08000028"])
        latest = max(published, key=lambda key: key[1][:10])[1]
        row = session.execute(select(IndicatorValue.value, IndicatorValue.lower_ci).where(
            IndicatorValue.indicator_id == indicator_id, IndicatorValue.area_code == "E08000028",
            IndicatorValue.period == latest)).one()
        assert row == (float(published[("E08000028", latest)]["value"]), float(published[("E08000028", latest)]["lci"]))


@pytest.mark.parametrize("spec", ELS_SPECS, ids=[spec.id for spec in ELS_SPECS])
def test_titles_units_and_sources_come_from_the_els_metadata(shared_data, spec):
    series = next(s for s in spec.series if s["file"] == "els")
    meta = metadata(shared_data)[(series["indicator"], series["name"])]
    assert spec.title.lower().startswith(meta["title"].strip().lower())
    assert spec.source.startswith("ONS Explore Local Statistics: " + meta["dataset_title"].strip())
    assert meta["source_name"].split(" | ")[0] in spec.publisher
    assert spec.polarity in POLARITIES and spec.licence == "OGL-UK-3.0"
    if meta["unit"] == "%" and spec.id != "housing_affordability_ratio":
        assert spec.unit == "%"  # (ELS labels the house price to earnings ratio "%"; it is a ratio)


def test_pay_is_labelled_as_all_employees_not_full_time():
    pay = next(spec for spec in bundled_catalogue() if spec.id == "median_weekly_pay")
    assert "full-time employees" not in pay.title
    assert "all employee jobs" in pay.title and "by where people live" in pay.title


def test_ids_of_the_indicators_that_existed_before_are_kept():
    ids = {spec.id for spec in bundled_catalogue()}
    before = {"gva_per_hour", "median_weekly_pay", "employment_rate", "unemployment_rate", "nvq3_plus",
              "gcse_english_maths_19", "ks2_expected_standard", "eyfs_communication", "eyfs_literacy", "eyfs_maths",
              "persistent_absence", "persistent_absence_fsm", "apprenticeship_starts", "apprenticeship_achievements",
              "fe_participation_19_plus", "gdhi_per_head", "hle_male", "hle_female", "life_satisfaction", "happiness",
              "worthwhile", "anxiety", "smoking_prevalence", "adult_obesity", "preventable_circulatory_mortality",
              "cancer_early_diagnosis", "net_additional_dwellings", "gigabit_broadband", "mobile_4g_coverage",
              "travel_time_car", "travel_time_public_transport", "travel_time_cycle", "schools_good_outstanding",
              "child_obesity_reception", "child_obesity_year6", "co2_domestic", "population_census", "imd_score"}
    assert before <= ids


def test_every_els_indicator_with_english_districts_is_in_the_catalogue(shared_data):
    wanted = set()
    with gzip.open(shared_data / "els" / "els_indicators_tidy.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["areacd"][:3] in ("E06", "E07", "E08", "E09") and row["value"] != "":
                wanted.add((row["indicator"], row["indicator_name"]))
    bundled = {(s["indicator"], s["name"]) for spec in ELS_SPECS for s in spec.series if s["file"] == "els"}
    assert wanted <= bundled
    assert len(wanted) >= 75


def test_districts_recoded_in_2025_keep_their_values(session, shared_data):
    # ELS gives Barnsley's January 2026 gigabit coverage only under its new code E08000038;
    # lpip's geography has Barnsley as E08000016 (the boundary did not change).
    new = next(code for code, old in RECODED.items() if old == "E08000016")
    published = source_rows(shared_data, "gigabit-capable-broadband", "Gigabit capable broadband", [new, "E08000016"])
    assert (new, "2026-01-01") in published and ("E08000016", "2026-01-01") not in published
    value = session.scalar(select(IndicatorValue.value).where(
        IndicatorValue.indicator_id == "gigabit_broadband", IndicatorValue.area_code == "E08000016",
        IndicatorValue.period == "2026-01-01"))
    assert value == float(published[(new, "2026-01-01")]["value"])
