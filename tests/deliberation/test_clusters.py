"""pol.is k-means, silhouette and the number of groups (clusters.clj), on small synthetic points
checked by hand, and against scikit-learn where it computes the same thing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from lpip.deliberation.clusters import (
    BASE_K, base_clusters, cluster_participants, first_distinct, kmeans, max_groups, silhouette,
)
from lpip.errors import ConversationTooSmall


def test_k_means_starts_from_the_first_distinct_points():
    # Synthetic: with one iteration the centres are the means of what the first points attracted.
    points = np.array([[0.0, 0.0], [0.0, 0.0], [10.0, 0.0], [1.0, 0.0], [9.0, 0.0]])
    assert first_distinct(points).tolist() == [0, 2, 3, 4]
    result = kmeans(points, 2, iterations=0)
    assert result.labels.tolist() == [0, 0, 1, 0, 1]
    np.testing.assert_allclose(result.centres, [[1 / 3, 0.0], [9.5, 0.0]])


def test_clusters_left_empty_are_dropped():
    # Synthetic, by hand: starts 1.5, 2.0 and 9.5. Step 1 gives 2.0 the point 5.5 (centre 3.75) and
    # 9.5 both 6.0s (centre 7.17); step 2 gives 2.0 to 1.5's cluster and 5.5 to the third, so the
    # second cluster is empty and dropped: two clusters, centres 1.75 and 6.75.
    points = np.c_[[1.5, 2.0, 9.5, 6.0, 6.0, 5.5], np.zeros(6)]
    result = kmeans(points, 3)
    assert result.labels.tolist() == [0, 0, 1, 1, 1, 1]
    np.testing.assert_allclose(result.centres[:, 0], [1.75, 6.75])


def test_k_means_stops_when_no_centre_moves_by_001():
    # Synthetic: after the first step the centres are final; a limit of 100 changes nothing.
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2))])
    once, often = kmeans(points, 2, iterations=1), kmeans(points, 2, iterations=100)
    assert once.labels.tolist() == often.labels.tolist()


def test_weights_pull_the_centre():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]])
    result = kmeans(points, 2, weights=np.array([1.0, 3.0, 1.0]))
    np.testing.assert_allclose(result.centres[0], [0.75, 0.0])


def test_silhouette_matches_scikit_learn():
    rng = np.random.default_rng(4)
    points = rng.normal(size=(40, 2))
    labels = rng.integers(0, 3, 40)
    assert silhouette(points, labels) == pytest.approx(silhouette_score(points, labels))


def test_a_point_alone_in_its_cluster_scores_zero():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0]])
    labels = np.array([0, 0, 1])
    # Two points score (5 - 0.1) / 5 and (4.9 - 0.1) / 4.9; the lone point 0.
    expected = ((5 - 0.1) / 5 + (4.9 - 0.1) / 4.9 + 0) / 3
    assert silhouette(points, labels) == pytest.approx(expected)


def test_at_most_five_groups_and_two_more_per_dozen_base_clusters():
    assert [max_groups(n) for n in (5, 11, 12, 24, 36, 100)] == [2, 2, 3, 4, 5, 5]


def test_base_clusters_are_at_most_a_hundred():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(500, 2))
    assert len(base_clusters(points).centres) == BASE_K
    assert len(base_clusters(points[:30]).centres) <= 30


def test_three_distinct_positions_are_needed():
    with pytest.raises(ConversationTooSmall, match="only 2 distinct position"):
        base_clusters(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]))


def test_the_number_of_groups_is_the_best_silhouette():
    # Synthetic: three tight camps of 20, far apart; groups numbered by size.
    rng = np.random.default_rng(5)
    camps = [rng.normal(c, 0.05, (n, 2)) for c, n in (((0, 0), 30), ((5, 0), 20), ((0, 5), 10))]
    xy = pd.DataFrame(np.vstack(camps), columns=["x", "y"])
    groups, silhouettes = cluster_participants(xy)
    assert silhouettes.loc[silhouettes["chosen"], "groups"].item() == 3
    assert silhouettes["silhouette"].idxmax() == silhouettes.index[silhouettes["chosen"]][0]
    assert groups.value_counts().sort_index().tolist() == [30, 20, 10]
