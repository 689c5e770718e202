"""Opinion groups by the pol.is method: a pipeline of named, pure steps over a vote matrix.

The steps follow the pol.is maths (``compdemocracy/polis``, ``math/src/polismath/math/``):

1. :func:`build_vote_matrix`: participants x statements, 1 agree, -1 disagree, 0 pass, NaN not
   voted; a participant's latest vote on a statement wins (:func:`latest_votes`); rows in order
   of each participant's first vote, as pol.is builds them.
2. :func:`select_participants`: a participant takes part in clustering with at least
   min(7, statements) votes, topped up to the 15 heaviest voters. pol.is re-runs its maths as
   votes arrive and never drops anyone it has included, so the rule is replayed over the votes
   in time order (this is why pol.is groups a few early voters with fewer than 7 votes).
3. :func:`project_participants`: moderated-out statements (rejected or meta) are set to 0 for
   everyone, missing votes are imputed by column means, two principal components are taken, and
   each participant is projected from the statements they voted on only, scaled by
   sqrt(statements / votes cast).
4. :func:`cluster_participants`: up to 100 base clusters by k-means, then weighted k-means on the
   base-cluster centres for k = 2 .. min(5, 2 + base/12), keeping the k with the best silhouette.
   Both k-means start, as pol.is does, from the first distinct points, so the result does not
   depend on a random draw.
5. :mod:`~lpip.deliberation.repness` and :mod:`~lpip.deliberation.consensus`: representative
   statements per group, majority consensus and group-informed consensus.

:func:`find_opinion_groups` runs them all, measures how stable the groups are under bootstrap
resampling of participants and, given each participant's sector, counts sectors per group.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import ThreadpoolController

from lpip.deliberation.consensus import group_informed_consensus, majority_consensus
from lpip.deliberation.repness import representative_statements
from lpip.errors import ConversationTooSmall, InvalidVotes

VOTE_COLUMNS = ("participant", "statement", "vote", "timestamp")
MIN_VOTES = 7  # votes a participant needs to be clustered (fewer if there are fewer statements)
GREEDY_N = 15  # pol.is tops the clustered participants up to this many heaviest voters
BASE_K = 100  # base clusters
MAX_K = 5  # most opinion groups
KMEANS_ITERATIONS = 100


@dataclass(frozen=True)
class OpinionGroups:
    """Opinion groups, representative statements and consensus for one conversation.

    Attributes
    ----------
    participants : DataFrame
        ``participant``, ``n_votes`` (statements voted on), ``included`` (clustered), ``x`` and
        ``y`` (the projection) and ``group`` (missing when not included).
    groups : DataFrame
        ``group``, ``participants`` and ``share`` of the clustered participants; groups are
        numbered from 0 by size, largest first.
    silhouettes : DataFrame
        ``groups`` (k) and ``silhouette`` for each k tried; ``chosen`` marks the one kept.
    representative : DataFrame
        Representative statements per group (see :func:`representative_statements`).
    consensus : DataFrame
        Majority consensus (see :func:`majority_consensus`).
    group_consensus : DataFrame
        Group-informed consensus of every statement (see :func:`group_informed_consensus`),
        with ``moderated_out`` marking rejected or meta statements.
    stability : DataFrame
        One row per bootstrap resample: ``replicate``, ``groups`` found and ``ari`` (adjusted
        Rand index against the full-data groups, over the resampled participants).
    sectors : DataFrame or None
        ``group``, ``sector``, ``participants`` and ``share`` of the group, when sectors are known.
    statements : DataFrame
        ``statement``, ``n_votes``, ``moderated_out`` and ``text`` (when statements were given).
    """

    participants: pd.DataFrame
    groups: pd.DataFrame
    silhouettes: pd.DataFrame
    representative: pd.DataFrame
    consensus: pd.DataFrame
    group_consensus: pd.DataFrame
    stability: pd.DataFrame
    sectors: pd.DataFrame | None
    statements: pd.DataFrame

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def mean_stability(self) -> float:
        """Mean adjusted Rand index over the bootstrap resamples (NaN if none were run)."""
        return float(self.stability["ari"].mean()) if len(self.stability) else float("nan")


def find_opinion_groups(
    votes: pd.DataFrame,
    statements: pd.DataFrame | None = None,
    *,
    sectors: Mapping | pd.Series | None = None,
    bootstraps: int = 20,
    seed: int = 0,
) -> OpinionGroups:
    """Find opinion groups, representative statements and consensus by the pol.is method.

    Parameters
    ----------
    votes : DataFrame
        One row per vote: ``participant``, ``statement``, ``vote`` (1 agree, -1 disagree,
        0 pass) and ``timestamp`` (any increasing number or datetime). Re-votes are allowed; the
        latest counts.
    statements : DataFrame, optional
        ``statement`` and optionally ``text``, ``moderated`` (-1 = rejected) and ``is_meta``.
        Rejected and meta statements are left out of the maths, as pol.is does. When given,
        every voted statement must be listed.
    sectors : mapping or Series, optional
        Sector of each participant (participant -> sector), to count sectors per group.
    bootstraps : int
        Bootstrap resamples of participants for the stability figure (0 to skip).
    seed : int
        Seed for the resampling and k-means (the result is the same for the same seed).

    Returns
    -------
    OpinionGroups

    Raises
    ------
    InvalidVotes
        When the votes or statements are malformed (the message says which rows).
    ConversationTooSmall
        When there are too few participants or statements to form groups.

    Examples
    --------
    >>> from lpip.deliberation.polis import read_polis_export
    >>> export = read_polis_export("../shared/data/polis/bg2050-volunteers")  # doctest: +SKIP
    >>> result = find_opinion_groups(export.votes, export.statements)  # doctest: +SKIP
    >>> result.groups  # doctest: +SKIP
       group  participants     share
    0      0           100  0.925926
    1      1             8  0.074074
    """
    votes = check_votes(votes, statements)
    matrix = build_vote_matrix(votes)
    excluded = moderated_out_statements(statements, matrix.columns)
    included = select_participants(votes, matrix)
    check_size(matrix, included, excluded)
    projection = project_participants(matrix, excluded)
    groups, silhouettes = cluster_participants(projection[included], seed=seed)
    members = matrix.loc[groups.index]
    table = _statement_table(matrix, excluded, statements)
    return OpinionGroups(
        participants=_participant_table(matrix, included, projection, groups),
        groups=_group_table(groups),
        silhouettes=silhouettes,
        representative=_with_text(representative_statements(members, groups, excluded), table),
        consensus=_with_text(majority_consensus(matrix, excluded), table),
        group_consensus=_with_text(group_informed_consensus(members, groups), table, moderated=True),
        stability=bootstrap_stability(matrix, included, excluded, groups, replicates=bootstraps, seed=seed),
        sectors=count_sectors(groups, sectors),
        statements=table,
    )


def check_votes(votes: pd.DataFrame, statements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check a votes table and return it with numeric ``vote`` and ``timestamp`` columns.

    Raises :class:`~lpip.errors.InvalidVotes` naming the rows at fault.
    """
    missing = [c for c in VOTE_COLUMNS if c not in votes.columns]
    if missing:
        raise InvalidVotes(
            f"The votes table has no column {', '.join(map(repr, missing))}: it needs "
            f"{', '.join(VOTE_COLUMNS)} (vote 1 agree, -1 disagree, 0 pass)."
        )
    votes = votes.loc[:, list(VOTE_COLUMNS)].reset_index(drop=True)
    _reject_rows(votes[list(VOTE_COLUMNS)].isna().any(axis=1), votes, "have an empty participant, statement, vote or timestamp")
    if pd.api.types.is_datetime64_any_dtype(votes["timestamp"]):
        votes["timestamp"] = votes["timestamp"].astype("int64")
    numeric = pd.to_numeric(votes["vote"], errors="coerce")
    _reject_rows(~numeric.isin([-1, 0, 1]), votes, "have a vote that is not 1 (agree), -1 (disagree) or 0 (pass)")
    votes["vote"] = numeric.astype(int)
    stamps = pd.to_numeric(votes["timestamp"], errors="coerce")
    _reject_rows(stamps.isna(), votes, "have a timestamp that is not a number or a datetime")
    votes["timestamp"] = stamps
    if statements is not None:
        _check_statements(votes, statements)
    if votes.empty:
        raise ConversationTooSmall("There are no votes: opinion groups need votes from at least 3 participants.")
    return votes


def _reject_rows(bad: pd.Series, votes: pd.DataFrame, problem: str) -> None:
    if bad.any():
        rows = bad[bad].index
        shown = "; ".join(f"row {i}: {votes.loc[i].to_dict()}" for i in rows[:5])
        raise InvalidVotes(f"{len(rows)} vote(s) {problem} ({shown}{' ...' if len(rows) > 5 else ''}).")


def _check_statements(votes: pd.DataFrame, statements: pd.DataFrame) -> None:
    if "statement" not in statements.columns:
        raise InvalidVotes("The statements table has no 'statement' column: it needs one row per statement id.")
    unknown = ~votes["statement"].isin(statements["statement"])
    if unknown.any():
        ids = pd.unique(votes.loc[unknown, "statement"])
        raise InvalidVotes(
            f"{int(unknown.sum())} vote(s) are for statements that are not in the statements table "
            f"(statement {', '.join(map(str, ids[:10]))}{' ...' if len(ids) > 10 else ''}). "
            "Add those statements, or drop their votes."
        )


def latest_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """Each participant's latest vote on each statement (ties: the later row wins)."""
    ordered = votes.sort_values("timestamp", kind="stable")
    return ordered.drop_duplicates(["participant", "statement"], keep="last")


def build_vote_matrix(votes: pd.DataFrame) -> pd.DataFrame:
    """Participants x statements matrix of the latest votes (NaN = not voted).

    Rows are in order of each participant's first vote (as pol.is adds them), columns in
    statement order.

    Examples
    --------
    >>> votes = pd.DataFrame({"participant": ["b", "a", "a"], "statement": [1, 1, 1],
    ...                       "vote": [1, 1, -1], "timestamp": [2, 1, 3]})
    >>> build_vote_matrix(votes)[1].to_dict()
    {'a': -1.0, 'b': 1.0}
    """
    first = votes.groupby("participant", sort=False)["timestamp"].min()
    rows = pd.Index(first.reset_index().sort_values(["timestamp", "participant"], kind="stable")["participant"])
    latest = latest_votes(votes)
    columns = pd.Index(_sorted(latest["statement"].unique()), name="statement")
    values = np.full((len(rows), len(columns)), np.nan)
    values[rows.get_indexer(latest["participant"]), columns.get_indexer(latest["statement"])] = latest["vote"]
    return pd.DataFrame(values, index=rows.rename("participant"), columns=columns)


def _sorted(ids) -> list:
    try:
        return sorted(ids)
    except TypeError:  # mixed id types: any fixed order will do
        return sorted(ids, key=str)


def moderated_out_statements(statements: pd.DataFrame | None, voted: Iterable) -> set:
    """Statements pol.is leaves out of the maths: rejected (``moderated == -1``) or meta."""
    if statements is None:
        return set()
    out = pd.Series(False, index=statements.index)
    if "moderated" in statements:
        out |= pd.to_numeric(statements["moderated"], errors="coerce").eq(-1)
    if "is_meta" in statements:
        out |= statements["is_meta"].eq(True)
    return set(statements.loc[out, "statement"]) & set(voted)


def select_participants(votes: pd.DataFrame, matrix: pd.DataFrame, *, history: bool = True) -> pd.Series:
    """Which participants are clustered: at least min(7, statements) votes, topped up to 15.

    With ``history`` (the default) the rule is also applied after every vote in time order and
    anyone it ever includes stays included, as in pol.is, whose maths runs as votes arrive.

    Examples
    --------
    >>> votes = pd.DataFrame({"participant": [1] * 7 + [2], "statement": [*range(7), 0],
    ...                       "vote": 1, "timestamp": range(8)})
    >>> select_participants(votes, build_vote_matrix(votes)).tolist()  # 2 only by the top-up to 15
    [True, True]
    """
    counts = matrix.notna().sum(axis=1)
    included = counts >= min(MIN_VOTES, matrix.shape[1])
    if history:
        included |= matrix.index.isin(list(_early_participants(votes, matrix.shape[1])))
    if included.sum() < GREEDY_N:
        heaviest = counts[~included].sort_values(ascending=False, kind="stable").index[: GREEDY_N - included.sum()]
        included[heaviest] = True
    return included.rename("included")


def _early_participants(votes: pd.DataFrame, n_statements: int) -> set:
    # Replays the vote stream until the rule can no longer change: once 15 are in and the vote
    # threshold has reached its final value, only the final counts matter.
    ordered = votes.sort_values("timestamp", kind="stable").drop_duplicates(["participant", "statement"])
    final_threshold = min(MIN_VOTES, n_statements)
    counts: dict = {}
    seen: set = set()
    included: set = set()
    for participant, statement in zip(ordered["participant"], ordered["statement"]):
        counts[participant] = counts.get(participant, 0) + 1
        seen.add(statement)
        if counts[participant] >= min(MIN_VOTES, len(seen)):
            included.add(participant)
        if len(included) < GREEDY_N:
            waiting = sorted((p for p in counts if p not in included), key=lambda p: -counts[p])
            included.update(waiting[: GREEDY_N - len(included)])
        if len(included) >= GREEDY_N and len(seen) >= final_threshold:
            break
    return included


def check_size(matrix: pd.DataFrame, included: pd.Series, moderated_out: Iterable) -> None:
    """Raise :class:`~lpip.errors.ConversationTooSmall` unless groups can be formed at all."""
    active = int((~matrix.columns.isin(list(moderated_out))).sum())
    clustered = int(included.sum())
    if active < 2 or clustered < 3:
        raise ConversationTooSmall(
            f"This conversation is too small to find opinion groups: {clustered} participant(s) "
            f"can be clustered and {active} statement(s) are voted on and not moderated out. "
            "The pol.is method needs at least 3 participants and 2 statements; collect more votes first."
        )


def project_participants(matrix: pd.DataFrame, moderated_out: Iterable = ()) -> pd.DataFrame:
    """Project participants on two principal components, pol.is's sparsity-aware way.

    Returns a DataFrame with ``x`` and ``y`` per participant (index as ``matrix``).

    Examples
    --------
    >>> m = pd.DataFrame([[1, 1, -1], [-1, -1, 1], [1, np.nan, np.nan]], columns=[0, 1, 2])
    >>> project_participants(m).shape
    (3, 2)
    """
    values = matrix.to_numpy(dtype=float, copy=True)
    # pol.is zeroes rejected statements for everyone (so they also count as voted in the scaling).
    values[:, matrix.columns.isin(list(moderated_out))] = 0.0
    voted = ~np.isnan(values)
    filled = np.where(voted, values, np.nanmean(values, axis=0))
    pca = _principal_components(filled)
    centred = np.where(voted, values - pca.mean_, 0.0)
    scale = np.sqrt(values.shape[1] / np.maximum(voted.sum(axis=1), 1))
    xy = (centred @ pca.components_.T) * scale[:, None]
    return pd.DataFrame(xy, index=matrix.index, columns=["x", "y"])


def _principal_components(filled: np.ndarray) -> PCA:
    # Exact leading components, as pol.is's power iteration converges to: through the
    # statements x statements covariance when that is the smaller side, else a thin SVD.
    solver = "covariance_eigh" if filled.shape[1] <= 2 * filled.shape[0] else "full"
    # One BLAS thread: these matrices are small, and on a busy machine threads cost 5-10x more
    # than they save. errstate: a matrix with no variance has no explained-variance ratio.
    with _threads().limit(limits=1), np.errstate(divide="ignore", invalid="ignore"):
        return PCA(n_components=2, svd_solver=solver).fit(filled)


@cache
def _threads() -> ThreadpoolController:
    # Finding the thread pools takes ~10 ms; do it once, not at every k-means.
    return ThreadpoolController()


def cluster_participants(projection: pd.DataFrame, *, seed: int = 0) -> tuple[pd.Series, pd.DataFrame]:
    """Group projected participants: base k-means, then weighted k-means with k by silhouette.

    Returns the ``group`` of each participant (0 = largest group) and the silhouette table.

    Examples
    --------
    >>> xy = pd.DataFrame({"x": [0, 0.1, 0.2, 5, 5.1, 5.2, 5.3], "y": 0.0})
    >>> cluster_participants(xy)[0].tolist()
    [1, 1, 1, 0, 0, 0, 0]
    """
    points = projection[["x", "y"]].to_numpy()
    base, centres, weights = _base_clusters(points, seed)
    tried = []
    for k in range(2, min(MAX_K, 2 + len(centres) // 12, len(centres) - 1) + 1):
        labels = _kmeans(centres, k, seed, weights)
        if len(np.unique(labels)) > 1:
            tried.append((k, float(silhouette_score(centres, labels)), labels))
    if not tried:
        raise ConversationTooSmall(
            f"This conversation is too small to find opinion groups: the {len(points)} clustered "
            "participants vote in too few distinct ways to split into groups. Collect more votes first."
        )
    best = max(tried, key=lambda t: t[1])
    groups = pd.Series(_by_size(best[2][base]), index=projection.index, name="group")
    silhouettes = pd.DataFrame({"groups": [t[0] for t in tried], "silhouette": [t[1] for t in tried]})
    return groups, silhouettes.assign(chosen=silhouettes["groups"].eq(best[0]))


def _base_clusters(points: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    distinct = _first_distinct(points)
    if len(distinct) < 3:
        raise ConversationTooSmall(
            f"This conversation is too small to find opinion groups: the {len(points)} clustered "
            f"participants take only {len(distinct)} distinct position(s). Collect more votes first."
        )
    labels = _kmeans(points, min(BASE_K, len(distinct)), seed)
    used, labels = np.unique(labels, return_inverse=True)
    centres = np.vstack([points[labels == i].mean(axis=0) for i in range(len(used))])
    return labels, centres, np.bincount(labels).astype(float)


def _kmeans(points: np.ndarray, k: int, seed: int, weights: np.ndarray | None = None) -> np.ndarray:
    # pol.is starts k-means from the first k distinct points; doing the same makes the groups
    # independent of any random draw (the seed only matters for ties).
    model = KMeans(n_clusters=k, init=_first_distinct(points)[:k], n_init=1,
                   max_iter=KMEANS_ITERATIONS, random_state=seed)
    # Points are 2-D and few: threads cost far more than they save (10x on a busy machine).
    # Clusters that end up empty are dropped afterwards, as pol.is drops them: no warning needed.
    with _threads().limit(limits=1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return model.fit(points, sample_weight=weights).labels_


def _first_distinct(points: np.ndarray) -> np.ndarray:
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)]


def _by_size(labels: np.ndarray) -> np.ndarray:
    sizes = pd.Series(labels).value_counts(sort=False)
    order = sorted(sizes.index, key=lambda g: (-sizes[g], np.argmax(labels == g)))
    return pd.Series(labels).map({g: i for i, g in enumerate(order)}).to_numpy()


def bootstrap_stability(
    matrix: pd.DataFrame,
    included: pd.Series,
    moderated_out: Iterable,
    groups: pd.Series,
    *,
    replicates: int = 20,
    seed: int = 0,
) -> pd.DataFrame:
    """How stable the groups are: resample participants with replacement and re-cluster.

    Each replicate draws as many participants as there are (with replacement, seeded), re-runs
    the projection and clustering on them, and compares the new groups of the clustered
    participants drawn with their full-data groups by the adjusted Rand index (1 = the same
    partition, 0 = no better than chance).

    Returns
    -------
    DataFrame
        ``replicate``, ``groups`` (k found) and ``ari`` (NaN when a resample is too small).

    Examples
    --------
    >>> camp = [[1, 1, -1], [1, 1, 0], [1, 0, -1]] * 3
    >>> m = pd.DataFrame(camp + [[-v for v in row] for row in camp], dtype=float)
    >>> g = pd.Series([0] * 9 + [1] * 9)
    >>> bootstrap_stability(m, pd.Series(True, index=m.index), (), g, replicates=3)["ari"].tolist()
    [1.0, 1.0, 1.0]
    """
    rng = np.random.default_rng(seed)
    rows = []
    for replicate in range(replicates):
        pick = np.sort(rng.integers(0, len(matrix), len(matrix)))
        rows.append({"replicate": replicate, **_replicate(matrix, included, moderated_out, groups, pick, seed)})
    return pd.DataFrame(rows, columns=["replicate", "groups", "ari"]).astype({"groups": "Int64", "ari": float})


def _replicate(matrix, included, moderated_out, groups, pick: np.ndarray, seed: int) -> dict:
    sample = matrix.iloc[pick]
    ids = sample.index.to_numpy()
    keep = included.to_numpy()[pick]
    sample = sample.set_axis(pd.RangeIndex(len(sample)), axis=0)
    try:
        projection = project_participants(sample, moderated_out)
        labels, _ = cluster_participants(projection[keep], seed=seed)
    except ConversationTooSmall:
        return {"groups": pd.NA, "ari": np.nan}
    first = ~pd.Index(ids[keep]).duplicated()
    drawn = ids[keep][first]
    return {"groups": int(labels.nunique()),
            "ari": adjusted_rand_score(groups.loc[drawn].to_numpy(), labels.to_numpy()[first])}


def count_sectors(groups: pd.Series, sectors: Mapping | pd.Series | None) -> pd.DataFrame | None:
    """Members of each group by sector (``unknown`` where a participant's sector is not given).

    Examples
    --------
    >>> g = pd.Series([0, 0, 1], index=["a", "b", "c"])
    >>> count_sectors(g, {"a": "business", "c": "council"}).values.tolist()
    [[0, 'business', 1, 0.5], [0, 'unknown', 1, 0.5], [1, 'council', 1, 1.0]]
    """
    if sectors is None:
        return None
    sector_of = pd.Series(sectors, dtype=object)
    members = groups.dropna()
    frame = pd.DataFrame({"group": members.to_numpy(),
                          "sector": members.index.map(sector_of).fillna("unknown")})
    counts = frame.groupby(["group", "sector"]).size().rename("participants").reset_index()
    counts["share"] = counts["participants"] / counts.groupby("group")["participants"].transform("sum")
    return counts


def _participant_table(matrix, included, projection, groups) -> pd.DataFrame:
    table = projection.assign(n_votes=matrix.notna().sum(axis=1), included=included)
    table["group"] = groups.reindex(table.index).astype("Int64")
    return table.reset_index()[["participant", "n_votes", "included", "x", "y", "group"]]


def _group_table(groups: pd.Series) -> pd.DataFrame:
    sizes = groups.value_counts().sort_index()
    return pd.DataFrame({"group": sizes.index.astype(int), "participants": sizes.to_numpy(),
                         "share": sizes.to_numpy() / sizes.sum()})


def _statement_table(matrix, moderated_out, statements) -> pd.DataFrame:
    table = pd.DataFrame({"statement": matrix.columns, "n_votes": matrix.notna().sum(axis=0).to_numpy(),
                          "moderated_out": matrix.columns.isin(list(moderated_out))})
    if statements is not None and "text" in statements:
        table["text"] = table["statement"].map(statements.drop_duplicates("statement").set_index("statement")["text"])
    return table


def _with_text(frame: pd.DataFrame, table: pd.DataFrame, moderated: bool = False) -> pd.DataFrame:
    extra = ["moderated_out"] if moderated else []
    extra += ["text"] if "text" in table else []
    return frame.merge(table[["statement", *extra]], on="statement", how="left") if extra else frame
