"""Hotspots: contiguity, global and local Moran's I, FDR, words, islands, cache, bad input.

The statistics are checked against independent computations (shapely for contiguity, numpy
for Moran's I and the quadrants, scipy for the false discovery rate) on the real IoD2019
scores of the 3,487 West Midlands LSOAs, not against numbers this code printed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse
from scipy.stats import false_discovery_control

from lpip.bundled import IOD_SCORES, bundled_path
from lpip.errors import (
    IndicatorNotAtLevel, InvalidAnalysisOption, NoBoundaries, NoData, UnknownAreaCode, UnknownIndicator,
    UnknownPeriod,
)
from lpip.evidence.hotspots import (
    ISLAND, NOT_SIGNIFICANT, ClusterWords, analyse_hotspots, cluster_words, contiguity_weights, find_hotspots,
    lsoa_weights, weights_cache_dir,
)
from lpip.geography.boundaries import read_boundaries

IMD = "Index of Multiple Deprivation (IMD) Score"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test caches weights in its own folder, never the user's."""
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def lsoas():
    return read_boundaries("lsoa")


@pytest.fixture(scope="module")
def graph(lsoas):
    return contiguity_weights(lsoas)


@pytest.fixture(scope="module")
def imd(lsoas) -> pd.Series:
    """IoD2019 IMD scores of the West Midlands LSOAs, read straight from the bundled file."""
    scores = pd.read_csv(bundled_path(IOD_SCORES)).set_index("LSOA code (2011)")[IMD]
    return scores.reindex(lsoas["code"])


@pytest.fixture(scope="module")
def wm_result(imd, graph):
    return analyse_hotspots(imd, graph, words=cluster_words("imd_score", "lower is better"))


def row_standardised(graph) -> tuple[sparse.csr_matrix, list[str]]:
    ids = list(graph.unique_ids)
    position = {code: i for i, code in enumerate(ids)}
    adjacency = graph.adjacency[graph.adjacency > 0]
    rows = [position[c] for c in adjacency.index.get_level_values(0)]
    cols = [position[c] for c in adjacency.index.get_level_values(1)]
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
    return sparse.diags(1 / np.asarray(matrix.sum(axis=1)).ravel()) @ matrix, ids


# ------------------------------------------------------------------- contiguity


def test_queen_contiguity_matches_shapely_intersections(lsoas, graph):
    # Independent: two LSOAs are queen neighbours when their (projected) polygons share a point.
    geometries = lsoas.to_crs("EPSG:27700").geometry.to_numpy()
    codes = lsoas["code"].to_numpy()
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    expected = {(codes[a], codes[b]) for a, b in zip(left, right) if a != b}
    adjacency = graph.adjacency[graph.adjacency > 0]
    assert set(adjacency.index) == expected
    assert graph.n == 3487


def test_west_midlands_lsoas_have_no_islands(graph):
    assert len(graph.isolates) == 0
    assert graph.n_components == 1


# ------------------------------------------------------------------- Moran's I


def test_global_moran_matches_the_formula(imd, graph, wm_result):
    matrix, ids = row_standardised(graph)
    z = imd.reindex(ids).to_numpy() - imd.mean()
    # With row-standardised weights S0 = n, so I = z'Wz / z'z.
    expected = z @ (matrix @ z) / (z @ z)
    assert wm_result.moran_i == pytest.approx(expected, rel=1e-10)
    assert wm_result.expected_i == pytest.approx(-1 / (len(ids) - 1))
    assert wm_result.moran_i > 0.3  # deprivation is strongly clustered
    assert wm_result.moran_p_value == pytest.approx(1 / 1000)  # none of 999 permutations as extreme
    assert wm_result.pattern.startswith("clustered")


def test_local_moran_matches_the_formula_and_sums_to_the_global(imd, graph, wm_result):
    matrix, ids = row_standardised(graph)
    z = (imd.reindex(ids) - imd.mean()).to_numpy()
    local = (len(ids) - 1) * z * (matrix @ z) / (z @ z)
    frame = wm_result.areas.set_index("area_code").reindex(ids)
    np.testing.assert_allclose(frame["local_i"], local, rtol=1e-9)
    assert frame["local_i"].sum() == pytest.approx((len(ids) - 1) * wm_result.moran_i, rel=1e-9)


def test_quadrants_follow_the_value_and_the_neighbours_average(imd, graph, wm_result):
    matrix, ids = row_standardised(graph)
    z = (imd.reindex(ids) - imd.mean()).to_numpy()
    lag = matrix @ z
    own = np.where(z > 0, "high", "low")
    around = np.where(lag > 0, "high", "low")
    expected = pd.Series([f"{a}-{b}" for a, b in zip(own, around)], index=ids)
    frame = wm_result.areas.set_index("area_code")
    assert (frame["quadrant"] == expected.reindex(frame.index)).all()


def test_false_discovery_rate_agrees_with_scipy(wm_result):
    frame = wm_result.areas
    # p_fdr are Benjamini-Hochberg adjusted p-values; recompute them independently.
    np.testing.assert_allclose(frame["p_fdr"], false_discovery_control(frame["p_value"], method="bh"))
    significant = frame["cluster"] != NOT_SIGNIFICANT
    assert (significant == (frame["p_fdr"] <= 0.05)).all()
    assert (significant == (frame["p_value"] <= wm_result.fdr_cutoff)).all()
    # The correction is stricter than the raw 5% level.
    assert significant.sum() < (frame["p_value"] <= 0.05).sum()
    assert frame["p_value"].between(1 / 1000, 1).all()


def test_clusters_are_the_quadrant_where_significant(wm_result):
    frame = wm_result.areas
    significant = frame[frame["cluster"] != NOT_SIGNIFICANT]
    assert (significant["cluster"] == significant["quadrant"]).all()
    counts = wm_result.cluster_counts()
    assert counts["areas"].sum() == 3487
    assert list(wm_result.to_frame().columns) == [
        "area_code", "area_name", "value", "local_i", "p_value", "p_fdr", "quadrant", "cluster", "label",
    ]


def test_same_seed_same_result_other_seed_other_p_values(imd, graph, wm_result):
    state = np.random.get_state()
    again = analyse_hotspots(imd, graph, seed=wm_result.seed)
    assert np.array_equal(np.random.get_state()[1], state[1]), "the caller's random state must be left alone"
    pd.testing.assert_series_equal(again.areas["p_value"], wm_result.areas["p_value"])
    other = analyse_hotspots(imd, graph, seed=wm_result.seed + 1)
    assert not other.areas["p_value"].equals(wm_result.areas["p_value"])
    assert other.moran_i == wm_result.moran_i  # the statistic itself does not depend on the seed


# ------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("indicator", "polarity", "cluster", "label"),
    [
        ("imd_score", "lower is better", "high-high", "cluster of high deprivation"),
        ("imd_score", "lower is better", "low-low", "cluster of low deprivation"),
        ("imd_score", "lower is better", "high-low", "high deprivation surrounded by low deprivation"),
        ("imd_rank", "higher is better", "high-high", "cluster of low deprivation"),
        ("income_decile", "higher is better", "low-low", "cluster of high income deprivation"),
        ("fuel_poverty", "lower is better", "high-high", "cluster of high fuel poverty"),
        ("gdhi_per_head", "higher is better", "high-high", "cluster of high values (better)"),
        ("gdhi_per_head", "higher is better", "low-high", "low value (worse) surrounded by high values (better)"),
        ("population_iod", "no judgement", "low-low", "cluster of low values"),
        ("imd_score", "lower is better", ISLAND, "no neighbours (island): not tested"),
    ],
    ids=["imd-hh", "imd-ll", "imd-hl", "rank-hh", "decile-ll", "fuel-hh", "gdhi-hh", "gdhi-lh", "pop-ll", "island"],
)
def test_labels_take_polarity_into_account(indicator, polarity, cluster, label):
    assert cluster_words(indicator, polarity).label(cluster) == label


def test_high_deprivation_clusters_are_deprived_on_the_rank_too(session, imd):
    # imd_rank runs the other way (rank 1 = most deprived): its "low deprivation" clusters
    # must be LSOAs with low IMD scores, a check across two independently published columns.
    result = find_hotspots(session, "imd_rank")
    low = result.areas.loc[result.areas["label"] == "cluster of low deprivation", "area_code"]
    high = result.areas.loc[result.areas["label"] == "cluster of high deprivation", "area_code"]
    assert len(low) > 100 and len(high) > 100
    assert imd.reindex(low).mean() < imd.mean() < imd.reindex(high).mean()


# ------------------------------------------------------------------- islands


def test_islands_are_reported_and_left_out_not_dropped(lsoas, imd):
    birmingham = lsoas[lsoas["name"].str.startswith("Birmingham")]
    island = lsoas[lsoas["name"].str.startswith("Herefordshire")].head(1)
    graph = contiguity_weights(pd.concat([birmingham, island]))
    result = analyse_hotspots(imd, graph, permutations=99)
    code = island["code"].iloc[0]
    assert result.islands == (code,)
    row = result.areas.set_index("area_code").loc[code]
    assert row["cluster"] == ISLAND and np.isnan(row["local_i"]) and row["value"] == imd[code]
    assert result.n_areas == len(birmingham) + 1
    # The statistics are those of Birmingham alone.
    alone = analyse_hotspots(imd, contiguity_weights(birmingham), permutations=99)
    assert result.moran_i == pytest.approx(alone.moran_i)


# ------------------------------------------------------------------- from the database


def test_find_hotspots_equals_the_statistics_on_the_bundled_files(session, wm_result):
    result = find_hotspots(session, "imd_score")
    assert (result.indicator_id, result.period, result.within, result.n_areas) == ("imd_score", "2019", "E12000005", 3487)
    assert result.moran_i == pytest.approx(wm_result.moran_i)
    pd.testing.assert_series_equal(result.areas["p_value"], wm_result.areas["p_value"])
    assert result.areas["area_name"].str.len().gt(0).all()
    assert result.islands == () and result.no_value == ()


def test_weights_are_cached_and_reused(session, tmp_path):
    cache = tmp_path / "weights"
    first = find_hotspots(session, "income_score", within="E08000029", cache_dir=cache)
    files = list(cache.glob("lsoa-*.npz"))
    assert len(files) == 1 and not first.weights_from_cache
    second = find_hotspots(session, "income_score", within="E08000029", cache_dir=cache)
    assert second.weights_from_cache
    pd.testing.assert_frame_equal(first.areas, second.areas)
    files[0].write_bytes(b"damaged")  # a damaged cache file is rebuilt, not trusted
    third = find_hotspots(session, "income_score", within="E08000029", cache_dir=cache)
    assert not third.weights_from_cache
    pd.testing.assert_frame_equal(first.areas, third.areas)


def test_cache_folder_follows_the_environment(tmp_path):
    assert weights_cache_dir() == tmp_path / "cache" / "weights"
    weights = lsoa_weights(["E01009000", "E01009001"])
    assert not weights.from_cache and weights.without_boundary == ()
    assert lsoa_weights(["E01009001", "E01009000"]).from_cache  # same set, any order


def test_an_unwritable_cache_only_costs_speed(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    for _ in range(2):
        weights = lsoa_weights(["E01009000", "E01009001"], cache_dir=blocked)
        assert weights.graph.n == 2 and not weights.from_cache


def test_a_sub_region_is_analysed_on_its_own_lsoas(session):
    result = find_hotspots(session, "fuel_poverty", within="WM-BC", permutations=99)
    assert result.n_areas == 712  # Black Country: Dudley, Sandwell, Walsall, Wolverhampton LSOAs
    assert result.period == "2017"
    assert result.significant["label"].str.contains("fuel poverty").all()


# ------------------------------------------------------------------- bad input


def test_unknown_indicator_suggests(session):
    with pytest.raises(UnknownIndicator, match="Did you mean imd_score"):
        find_hotspots(session, "imd_scor")


def test_unknown_area_suggests(session):
    with pytest.raises(UnknownAreaCode, match=r"did you mean E08000029 \(Solihull\)"):
        find_hotspots(session, "imd_score", within="E08000099")


def test_indicator_not_at_lsoa_level_names_ones_that_are(session):
    with pytest.raises(IndicatorNotAtLevel, match=r"gva_per_hour exists at lad, cauth, itl1 level.*imd_score, income_score, fuel_poverty"):
        find_hotspots(session, "gva_per_hour")


def test_london_has_no_bundled_boundaries(session):
    with pytest.raises(NoBoundaries, match=r"London \(E12000007\), none has a boundary.*West Midlands \(E12000005\) only"):
        find_hotspots(session, "imd_score", within="E12000007")


def test_england_is_only_partly_covered(session):
    with pytest.raises(NoBoundaries, match=r"32,844 LSOAs .* 29,357 have no boundary"):
        find_hotspots(session, "imd_score", within="E92000001")


def test_too_few_areas(session):
    with pytest.raises(NoData, match="at least 3 areas"):
        find_hotspots(session, "imd_score", within="E01009000")


def test_unknown_period_lists_the_periods(session):
    with pytest.raises(UnknownPeriod, match="Its periods: 2019"):
        find_hotspots(session, "imd_score", period="2015")


@pytest.mark.parametrize(("options", "match"), [
    (dict(permutations=10), "permutations must be between 99"),
    (dict(alpha=1.5), "alpha"),
], ids=["too-few-permutations", "alpha-out-of-range"])
def test_options_out_of_range(options, match, imd, graph):
    with pytest.raises(InvalidAnalysisOption, match=match):
        analyse_hotspots(imd, graph, **options)


def test_words_default_to_values():
    assert ClusterWords().label("high-low") == "high value surrounded by low values"
