"""Similar areas: checked against scikit-learn's NearestNeighbors on the same z-scores, and
against invariants of the distance; bad input gives clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.neighbors import NearestNeighbors
from sqlalchemy import text

from lpip.errors import IndicatorNotAtLevel, InvalidAnalysisOption, NoData, UnknownAreaCode, UnknownIndicator, WrongAreaLevel
from lpip.evidence.similar import DEFAULT_INDICATORS, DroppedIndicatorWarning, find_similar_areas, nearest_areas, standardise

SOLIHULL = "E08000029"
SCILLY = "E06000053"  # Isles of Scilly: no APS-based values (employment, skills, smoking)


def district_values(session, indicator_id: str, period: str) -> pd.Series:
    """Values of one indicator for English districts, read with plain SQL (not lpip's query)."""
    rows = session.execute(text(
        "SELECT v.area_code, v.value FROM indicator_value v JOIN area a ON a.code = v.area_code "
        "WHERE v.indicator_id = :i AND v.period = :p AND a.level = 'lad' AND v.value IS NOT NULL"
    ), {"i": indicator_id, "p": period}).all()
    return pd.Series(dict(rows), dtype=float)


def test_neighbours_match_sklearn(session):
    result = find_similar_areas(session, SOLIHULL, n=10)
    table = pd.DataFrame({i: district_values(session, i, p) for i, p in result.periods.items()})
    z = table.apply(lambda column: pd.Series(stats.zscore(column, nan_policy="omit"), index=column.index))
    z = z.dropna()
    model = NearestNeighbors(n_neighbors=11).fit(z.to_numpy())
    distances, positions = model.kneighbors(z.loc[[SOLIHULL]].to_numpy())
    codes = z.index[positions[0]].tolist()
    assert codes[0] == SOLIHULL and distances[0][0] == 0
    assert result.neighbours["area_code"].tolist() == codes[1:]
    np.testing.assert_allclose(result.neighbours["distance"], distances[0][1:], rtol=1e-9)


def test_distance_invariants(session):
    result = find_similar_areas(session, SOLIHULL, n=15)
    neighbours = result.neighbours
    assert neighbours["rank"].tolist() == list(range(1, 16))
    assert neighbours["distance"].is_monotonic_increasing
    assert SOLIHULL not in set(neighbours["area_code"])
    assert neighbours["area_name"].notna().all()
    parts = result.contributions
    assert set(parts["area_code"]) == set(neighbours["area_code"])
    by_area = parts.groupby("area_code")
    np.testing.assert_allclose(by_area["share"].sum(), 1.0)
    recomputed = np.sqrt(by_area["difference"].apply(lambda d: (d**2).sum()))
    np.testing.assert_allclose(recomputed.reindex(neighbours["area_code"]), neighbours["distance"])
    np.testing.assert_allclose(parts["difference"], parts["z"] - parts["target_z"])


def test_drivers_are_the_largest_differences(session):
    result = find_similar_areas(session, SOLIHULL, n=3)
    first = result.neighbours.iloc[0]
    parts = result.contributions[result.contributions["area_code"] == first["area_code"]]
    biggest = parts.sort_values("share", ascending=False)["indicator_id"].head(3).tolist()
    smallest = parts.assign(size=parts["difference"].abs()).sort_values("size")["indicator_id"].head(3).tolist()
    # Named by title, not id ("Adults who smoke cigarettes: +0.73 sd (51%)"), separated by "; ".
    names = result.titles
    assert [item.rsplit(": ", 1)[0] for item in first["most_different"].split("; ")] == [names[i] for i in biggest]
    assert [item.rsplit(": ", 1)[0] for item in first["most_alike"].split("; ")] == [names[i] for i in smallest]
    assert set(names) == set(result.indicators) and all(names[i] != i for i in names)


def test_one_indicator_ranks_by_closeness_of_value(session):
    result = find_similar_areas(session, "E08000025", n=5, indicators=["population_census"])
    population = district_values(session, "population_census", result.periods["population_census"])
    gap = (population - population["E08000025"]).abs().drop("E08000025").sort_values()
    assert result.neighbours["area_code"].tolist() == gap.index[:5].tolist()


def test_default_set_has_good_district_coverage(session):
    # Documented in lpip.evidence.similar: each covers at least 287 districts, 287 have all
    # (ELS's latest periods have no values for the districts of 2019 merged in 2020-2023).
    result = find_similar_areas(session, SOLIHULL, n=1)
    assert result.indicators == DEFAULT_INDICATORS
    table = pd.DataFrame({i: district_values(session, i, p) for i, p in result.periods.items()})
    assert table.notna().sum().min() >= 287
    assert len(table.dropna()) == 287
    assert len(result.excluded) == len(table) - 287


def test_missing_indicator_for_the_area_is_dropped_with_a_warning(session):
    with pytest.warns(DroppedIndicatorWarning, match="employment_rate, nvq3_plus, smoking_prevalence"):
        result = find_similar_areas(session, SCILLY, n=3)
    assert result.dropped == ("employment_rate", "nvq3_plus", "smoking_prevalence")
    assert set(result.indicators) == set(DEFAULT_INDICATORS) - set(result.dropped)
    assert len(result.neighbours) == 3


def test_standardise_gives_mean_zero_unit_sd():
    frame = pd.DataFrame({"a": [3.0, 5.0, 10.0, np.nan], "b": [1.0, 1.5, 2.0, 2.5]})
    z = standardise(frame)
    np.testing.assert_allclose(z.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(ddof=0), 1)


def test_nearest_areas_breaks_ties_by_code():
    table = pd.DataFrame({"x": [0.0, 1.0, -1.0, 5.0]}, index=["T", "B", "A", "C"])
    neighbours, _, _ = nearest_areas(table, "T", n=2)
    assert neighbours["area_code"].tolist() == ["A", "B"]


# ------------------------------------------------------------------- bad input


def test_unknown_area_suggests(session):
    with pytest.raises(UnknownAreaCode, match=r"did you mean E08000029 \(Solihull\)"):
        find_similar_areas(session, "E0800029")


def test_area_must_be_a_district(session):
    with pytest.raises(WrongAreaLevel, match=r"E12000005 \(West Midlands\) is a region.*--level lad --within E12000005"):
        find_similar_areas(session, "E12000005")


def test_unknown_indicator_suggests(session):
    with pytest.raises(UnknownIndicator, match="Did you mean gva_per_hour"):
        find_similar_areas(session, SOLIHULL, indicators=["gva_per_hou"])


def test_lsoa_indicator_is_refused(session):
    with pytest.raises(IndicatorNotAtLevel, match="imd_score exists at lsoa level, not for districts"):
        find_similar_areas(session, SOLIHULL, indicators=["imd_score"])


def test_no_value_for_any_indicator(session):
    # Aylesbury Vale was merged into Buckinghamshire in 2020: no values in the later releases.
    with pytest.raises(NoData, match=r"Aylesbury Vale \(E07000004\) has no value"):
        find_similar_areas(session, "E07000004")


def test_n_must_be_positive(session):
    with pytest.raises(InvalidAnalysisOption, match="--n must be 1 or more"):
        find_similar_areas(session, SOLIHULL, n=0)
