"""Opinion groups from projected participants, as pol.is forms them (``clusters.clj``).

The rules follow ``math/src/polismath/math/clusters.clj`` and ``conversation.clj`` of
``compdemocracy/polis`` (read at commit ``08e03eb``, October 2024; the maths has been the same
since 2018):

- **k-means** (``kmeans``, ``init-clusters``, ``cluster-step``, ``same-clustering?``): start from
  the first k *distinct* points in row order; assign every point to its nearest centre; drop
  clusters left empty; move each centre to the (weighted) mean of its members; stop when every
  centre moved less than 0.01 (centres compared in sorted order) or after the iteration limit.
  No random draw is involved, so the result depends on the data only.
- **base clusters** (``:base-clusters``): k-means with k = 100 (at most the number of distinct
  positions) and up to 100 iterations on the clustered participants.
- **groups** (``:group-clusterings``): weighted k-means on the base-cluster centres (weight =
  members) for k = 2 .. ``max-k-fn`` = min(5, 2 + base clusters // 12). pol.is passes the group
  iteration limit under a key its ``kmeans`` does not read, so the default of 20 applies.
- **the number of groups** (``:group-clusterings-silhouettes``): the k with the best silhouette,
  computed on the base-cluster centres, unweighted (``silhouette``; a member alone in its cluster
  scores 0).

What pol.is does and this does not: it re-runs all of this each time votes arrive, starting each
k-means from the previous update's clusters (``:last-clusters``), and changes k only once another
k has been the best four updates in a row (``:group-k-smoother``, ``:group-k-buffer 4``). Its groups
therefore depend on the order in which votes arrived and on how they were batched, which an export
does not record; computed once on all the votes, as here (and as pol.is's own
``get-export-data-at-time`` does), the groups are those the data support now. See the opinion
groups page of the documentation for what this means for agreement with pol.is's exports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lpip.errors import ConversationTooSmall

BASE_K = 100  # base clusters (conversation.clj :base-k)
MAX_K = 5  # most opinion groups (:max-k)
BASE_ITERATIONS = 100  # :base-iters, passed as :max-iters
GROUP_ITERATIONS = 20  # clusters.clj kmeans default (:cluster-iters is not read)
SAME_CLUSTERING = 0.01  # same-clustering? :threshold


@dataclass(frozen=True)
class Clusters:
    """One k-means result: ``labels`` (cluster of each point, 0..k-1) and ``centres`` (k x 2)."""

    labels: np.ndarray
    centres: np.ndarray


def first_distinct(points: np.ndarray) -> np.ndarray:
    """Row indices of the first occurrence of each distinct point, in row order.

    Examples
    --------
    >>> first_distinct(np.array([[0, 0], [1, 1], [0, 0], [2, 2]])).tolist()
    [0, 1, 3]
    """
    _, first = np.unique(points, axis=0, return_index=True)
    return np.sort(first)


def kmeans(points: np.ndarray, k: int, *, weights: np.ndarray | None = None,
           iterations: int = GROUP_ITERATIONS) -> Clusters:
    """pol.is k-means: first distinct points as start, empty clusters dropped, 0.01 stopping rule.

    Examples
    --------
    >>> xy = np.array([[0, 0], [0, 1], [10, 0], [10, 1]], float)
    >>> kmeans(xy, 2).labels.tolist()
    [0, 0, 1, 1]
    """
    points = np.asarray(points, dtype=float)
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    centres = points[first_distinct(points)[:k]]
    for _ in range(iterations + 1):  # pol.is counts down from the limit to 0 inclusive
        nearest = _nearest(points, centres)
        # Members as assigned in this step, renumbered over the clusters that kept any.
        used, labels = np.unique(nearest, return_inverse=True)
        moved = _weighted_means(points, weights, labels, len(used))
        converged = _same_clustering(centres, moved)
        centres = moved
        if converged:
            break
    return Clusters(labels=labels, centres=centres)


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


def _weighted_means(points: np.ndarray, weights: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    total = np.bincount(labels, weights=weights, minlength=k)
    return np.column_stack([np.bincount(labels, weights=weights * points[:, d], minlength=k) / total
                            for d in range(points.shape[1])])


def _same_clustering(before: np.ndarray, after: np.ndarray) -> bool:
    # clusters.clj sorts both sets of centres and zips them: a dropped cluster shortens the zip.
    first, second = _sorted_rows(before), _sorted_rows(after)
    n = min(len(first), len(second))
    return bool(np.all(np.linalg.norm(first[:n] - second[:n], axis=1) < SAME_CLUSTERING))


def _sorted_rows(values: np.ndarray) -> np.ndarray:
    return values[np.lexsort(values.T[::-1])]


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points (unweighted), 0 for a point alone in its cluster.

    Examples
    --------
    >>> round(silhouette(np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([0, 0, 1, 1])), 3)
    0.9
    """
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    clusters = np.unique(labels)
    mean_to = np.vstack([distances[:, labels == c].sum(axis=1) for c in clusters]).T
    sizes = np.array([(labels == c).sum() for c in clusters])
    own = np.searchsorted(clusters, labels)
    inside = mean_to[np.arange(len(points)), own] / np.maximum(sizes[own] - 1, 1)
    outside = np.where(np.arange(len(clusters))[None, :] == own[:, None], np.inf, mean_to / sizes[None, :]).min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = (outside - inside) / np.maximum(outside, inside)
    scores = np.where((sizes[own] == 1) | ~np.isfinite(scores), 0.0, scores)
    return float(scores.mean())


def base_clusters(points: np.ndarray) -> Clusters:
    """Up to :data:`BASE_K` base clusters of the participants' positions.

    Raises :class:`~lpip.errors.ConversationTooSmall` when fewer than three positions differ.
    """
    distinct = len(first_distinct(points))
    if distinct < 3:
        raise ConversationTooSmall(
            f"This conversation is too small to find opinion groups: the {len(points)} clustered "
            f"participants take only {distinct} distinct position(s). Collect more votes first."
        )
    return kmeans(points, min(BASE_K, distinct), iterations=BASE_ITERATIONS)


def max_groups(n_base: int) -> int:
    """pol.is ``max-k-fn``: min(5, 2 + base clusters // 12)."""
    return min(MAX_K, 2 + n_base // 12)


def cluster_participants(projection: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Group projected participants: base clusters, then weighted k-means with k by silhouette.

    Returns the ``group`` of each participant (0 = largest group) and the silhouette of every k
    tried (``groups``, ``silhouette``, ``chosen``).

    Examples
    --------
    >>> xy = pd.DataFrame({"x": [0, 0.1, 0.2, 5, 5.1, 5.2, 5.3], "y": 0.0})
    >>> cluster_participants(xy)[0].tolist()
    [1, 1, 1, 0, 0, 0, 0]
    """
    points = projection[["x", "y"]].to_numpy(dtype=float)
    base = base_clusters(points)
    weights = np.bincount(base.labels).astype(float)
    tried = []
    for k in range(2, min(max_groups(len(base.centres)), len(base.centres) - 1) + 1):
        labels = kmeans(base.centres, k, weights=weights).labels
        if len(np.unique(labels)) > 1:
            tried.append((k, silhouette(base.centres, labels), labels))
    if not tried:
        raise ConversationTooSmall(
            f"This conversation is too small to find opinion groups: the {len(points)} clustered "
            "participants vote in too few distinct ways to split into groups. Collect more votes first."
        )
    best = max(tried, key=lambda t: t[1])  # on an exact tie the smaller k
    groups = pd.Series(_by_size(best[2][base.labels]), index=projection.index, name="group")
    silhouettes = pd.DataFrame({"groups": [t[0] for t in tried], "silhouette": [t[1] for t in tried]})
    return groups, silhouettes.assign(chosen=silhouettes["groups"].eq(best[0]))


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber groups 0, 1, ... by size, largest first (ties: the group met first)."""
    sizes = pd.Series(labels).value_counts(sort=False)
    order = sorted(sizes.index, key=lambda g: (-sizes[g], np.argmax(labels == g)))
    return pd.Series(labels).map({g: i for i, g in enumerate(order)}).to_numpy()
