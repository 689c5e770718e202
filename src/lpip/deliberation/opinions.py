"""Opinion groups by the pol.is method: a pipeline of named, pure steps over a vote matrix.

Each step follows a rule of the pol.is maths (``compdemocracy/polis``, ``math/src/polismath/math/``,
read at commit ``08e03eb``; the file and rule are named at each step):

1. :func:`build_vote_matrix`: participants x statements, 1 agree, -1 disagree, 0 pass, NaN not
   voted; a participant's latest vote on a statement wins (:func:`latest_votes`); rows in order
   of each participant's first vote, as pol.is's named matrix adds them (``named_matrix.clj``).
2. :func:`select_participants` (``conversation.clj`` ``:in-conv``): a participant takes part in
   clustering with at least min(7, statements) votes, counted on the raw votes (moderated-out
   statements included: ``:user-vote-counts`` reads ``raw-rating-mat``), topped up to the 15
   heaviest voters. pol.is re-runs its maths as votes arrive and never drops anyone it has
   included, so the rule is replayed over the votes in time order.
3. :func:`project_participants` (``conversation.clj`` ``:rating-mat``, ``:mat``; ``pca.clj``
   ``sparsity-aware-project-ptpt``): moderated-out statements (rejected or meta) are set to 0
   for everyone, missing votes are filled with the statement's mean, two principal components
   are taken, and each participant is projected from the statements they voted on only, scaled
   by sqrt(statements / votes cast).
4. :func:`~lpip.deliberation.clusters.cluster_participants` (``clusters.clj``): base clusters,
   then weighted k-means on their centres for each possible number of groups, keeping the number
   with the best silhouette (see :mod:`lpip.deliberation.clusters`).
5. :mod:`~lpip.deliberation.repness` and :mod:`~lpip.deliberation.consensus` (``repness.clj``,
   ``conversation.clj`` ``:group-aware-consensus``): representative statements per group,
   majority consensus and group-informed consensus.

:func:`find_opinion_groups` runs them all, measures how stable the groups are under bootstrap
resampling of participants (a resample that cannot be clustered is counted as degenerate, never
an error) and, given each participant's sector, counts sectors per group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from lpip.deliberation.clusters import cluster_participants
from lpip.deliberation.consensus import group_informed_consensus, majority_consensus
from lpip.deliberation.repness import representative_statements
from lpip.errors import ConversationTooSmall, InvalidVotes

VOTE_COLUMNS = ("participant", "statement", "vote", "timestamp")
MIN_VOTES = 7  # votes a participant needs to be clustered (fewer if there are fewer statements)
GREEDY_N = 15  # pol.is tops the clustered participants up to this many heaviest voters
MISSING_VOTES = ("mean", "zero")  # how missing votes are filled before the principal components


@dataclass(frozen=True)
class OpinionGroups:
    """Opinion groups, representative statements and consensus for one conversation.

    Attributes
    ----------
    participants : DataFrame
        ``participant``, ``n_votes`` (statements voted on), ``included`` (clustered), ``x`` and
        ``y`` (the projection) and ``group`` (missing when not included).
    groups : DataFrame
        ``group``, ``participants`` and ``share`` of the clustered participants, and, when
        sectors are known, ``sector_mix`` (e.g. "public 4, resident 2"); groups are numbered
        from 0 by size, largest first.
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
        One row per bootstrap resample: ``replicate``, ``groups`` found, ``ari`` (adjusted
        Rand index against the full-data groups, over the resampled participants) and
        ``degenerate``: empty, or why the resample could not be clustered (then ``groups`` and
        ``ari`` are missing).
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
        """Mean adjusted Rand index over the resamples that could be clustered (NaN if none)."""
        ari = self.stability["ari"].dropna()
        return float(ari.mean()) if len(ari) else float("nan")

    @property
    def degenerate_resamples(self) -> int:
        """Bootstrap resamples that could not be clustered (too few distinct voters or votes)."""
        return int(self.stability["degenerate"].ne("").sum()) if len(self.stability) else 0


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
        Seed for the bootstrap resampling (the groups themselves involve no random draw).

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
    groups, silhouettes = cluster_participants(projection[included])
    members = matrix.loc[groups.index]
    table = _statement_table(matrix, excluded, statements)
    by_sector = count_sectors(groups, sectors)
    return OpinionGroups(
        participants=_participant_table(matrix, included, projection, groups),
        groups=_group_table(groups, by_sector),
        silhouettes=silhouettes,
        representative=_with_text(representative_statements(members, groups, excluded), table),
        consensus=_with_text(majority_consensus(matrix, excluded), table),
        group_consensus=_with_text(group_informed_consensus(members, groups), table, moderated=True),
        stability=bootstrap_stability(matrix, included, excluded, groups, replicates=bootstraps, seed=seed),
        sectors=by_sector,
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
    out = np.zeros(len(statements), dtype=bool)
    if "moderated" in statements:
        out |= pd.to_numeric(statements["moderated"], errors="coerce").to_numpy() == -1
    if "is_meta" in statements:
        out |= statements["is_meta"].to_numpy() == True  # noqa: E712 (a column of flags, maybe object)
    return set(statements["statement"].to_numpy()[out].tolist()) & set(voted)


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


def project_participants(matrix: pd.DataFrame, moderated_out: Iterable = (), *, missing: str = "mean") -> pd.DataFrame:
    """Project participants on two principal components, pol.is's sparsity-aware way.

    Parameters
    ----------
    matrix : DataFrame
        Latest votes, participants x statements (NaN = not voted).
    moderated_out : iterable
        Statements set to 0 for everyone (``conversation.clj`` ``zero-out-columns``); they then
        count as voted in the scaling, as in pol.is.
    missing : {"mean", "zero"}
        How missing votes are filled before the components are found: the statement's mean
        (pol.is since 21 October 2017, commit 90b5b9e6) or 0 (pol.is before that).

    Returns
    -------
    DataFrame
        ``x`` and ``y`` per participant (index as ``matrix``). A statement nobody voted on
        (possible in a bootstrap resample, never in pol.is, whose matrix only has voted
        statements) is left out.

    Examples
    --------
    >>> m = pd.DataFrame([[1, 1, -1], [-1, -1, 1], [1, np.nan, np.nan]], columns=[0, 1, 2])
    >>> project_participants(m).shape
    (3, 2)
    """
    if missing not in MISSING_VOTES:
        raise InvalidVotes(f"missing={missing!r}: fill missing votes with 'mean' or 'zero'.")
    values = matrix.to_numpy(dtype=float, copy=True)
    values[:, matrix.columns.isin(list(moderated_out))] = 0.0
    voted = ~np.isnan(values)
    keep = voted.any(axis=0)
    values, voted = values[:, keep], voted[:, keep]
    if values.shape[1] == 0:
        return pd.DataFrame(0.0, index=matrix.index, columns=["x", "y"])
    counts = voted.sum(axis=0)
    fill = np.where(voted, values, 0.0).sum(axis=0) / counts if missing == "mean" else np.zeros(values.shape[1])
    filled = np.where(voted, values, fill)
    centre, components = principal_components(filled)
    centred = np.where(voted, values - centre, 0.0)
    scale = np.sqrt(values.shape[1] / np.maximum(voted.sum(axis=1), 1))
    xy = (centred @ components.T) * scale[:, None]
    return pd.DataFrame(xy, index=matrix.index, columns=["x", "y"])


def principal_components(filled: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Column means and the ``n`` leading principal axes (rows) of a complete matrix.

    The exact axes that pol.is's power iteration (``pca.clj`` ``powerit-pca``) converges to:
    through the statements x statements scatter matrix when that is the smaller side, else a
    thin SVD. Missing axes (fewer statements than ``n``) are zero, as ``wrapped-pca`` pads them.
    Each axis points so that its largest coordinate is positive, so results do not flip sign.

    Examples
    --------
    >>> centre, axes = principal_components(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.1]]))
    >>> centre.round(2).tolist(), np.abs(axes[0]).round(2).tolist()
    ([2.0, 0.03], [1.0, 0.02])
    """
    centre = filled.mean(axis=0)
    centred = filled - centre
    rows, columns = centred.shape
    with _one_thread():
        if columns <= 2 * rows:
            values, vectors = np.linalg.eigh(centred.T @ centred)
            axes = vectors[:, ::-1][:, :n].T
        else:
            axes = np.linalg.svd(centred, full_matrices=False)[2][:n]
    biggest = np.abs(axes).argmax(axis=1)
    axes = axes * np.where(axes[np.arange(len(axes)), biggest] < 0, -1.0, 1.0)[:, None]
    if len(axes) < n:
        axes = np.vstack([axes, np.zeros((n - len(axes), columns))])
    return centre, axes


def _one_thread():
    # These matrices are small: on a busy machine BLAS threads cost 5-10x more than they save.
    return _threads().limit(limits=1, user_api="blas")


@cache
def _threads():
    # Finding the thread pools takes ~10 ms: do it once, not at every projection.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


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
    partition, 0 = no better than chance). A statement nobody drawn voted on is left out of that
    replicate; a replicate whose participants cannot be clustered (fewer than three distinct
    positions, a single group) is kept as a row with the reason in ``degenerate``.

    Returns
    -------
    DataFrame
        ``replicate``, ``groups`` (k found), ``ari`` and ``degenerate`` (empty when clustered).

    Examples
    --------
    >>> camp = [[1, 1, -1], [1, 1, 0], [1, 0, -1]] * 3
    >>> m = pd.DataFrame(camp + [[-v for v in row] for row in camp], dtype=float)
    >>> g = pd.Series([0] * 9 + [1] * 9)
    >>> bootstrap_stability(m, pd.Series(True, index=m.index), (), g, replicates=3)["ari"].tolist()
    [1.0, 1.0, 1.0]
    """
    if replicates == 0:
        return _NO_RESAMPLES.copy()
    rng = np.random.default_rng(seed)
    rows = []
    for replicate in range(replicates):
        pick = np.sort(rng.integers(0, len(matrix), len(matrix)))
        rows.append({"replicate": replicate, **_replicate(matrix, included, moderated_out, groups, pick)})
    frame = pd.DataFrame(rows, columns=["replicate", "groups", "ari", "degenerate"])
    return frame.astype({"groups": "Int64", "ari": float, "degenerate": str})


_NO_RESAMPLES = pd.DataFrame({"replicate": pd.Series(dtype="int64"), "groups": pd.Series(dtype="Int64"),
                              "ari": pd.Series(dtype=float), "degenerate": pd.Series(dtype=str)})


def _replicate(matrix, included, moderated_out, groups, pick: np.ndarray) -> dict:
    from sklearn.metrics import adjusted_rand_score

    sample = matrix.iloc[pick]
    ids = sample.index.to_numpy()
    keep = included.to_numpy()[pick]
    sample = sample.set_axis(pd.RangeIndex(len(sample)), axis=0)
    if keep.sum() < 3:
        return {"groups": pd.NA, "ari": np.nan, "degenerate": f"only {int(keep.sum())} clustered participant(s) drawn"}
    try:
        projection = project_participants(sample, moderated_out)
        labels, _ = cluster_participants(projection[keep])
    except ConversationTooSmall as exc:
        return {"groups": pd.NA, "ari": np.nan, "degenerate": _reason(exc)}
    first = ~pd.Index(ids[keep]).duplicated()
    drawn = ids[keep][first]
    return {"groups": int(labels.nunique()), "degenerate": "",
            "ari": float(adjusted_rand_score(groups.loc[drawn].to_numpy(), labels.to_numpy()[first]))}


def _reason(exc: ConversationTooSmall) -> str:
    text = str(exc)
    return text.split(": ", 1)[-1].split(". ")[0] if ": " in text else text


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
    sector_of = dict(sectors.items()) if isinstance(sectors, pd.Series) else dict(sectors)
    members = groups.dropna()
    # Plain counting: a live dashboard recomputes this after every vote.
    counted = Counter((group, _sector_name(sector_of.get(p))) for p, group in zip(members.index, members.to_numpy()))
    sizes = Counter(members.to_numpy())
    rows = [(group, sector, n, n / sizes[group]) for (group, sector), n in sorted(counted.items())]
    return pd.DataFrame(rows, columns=["group", "sector", "participants", "share"])


def _sector_name(sector) -> str:
    return "unknown" if sector is None or (isinstance(sector, float) and sector != sector) else str(sector)


def _participant_table(matrix, included, projection, groups) -> pd.DataFrame:
    table = projection.assign(n_votes=matrix.notna().sum(axis=1), included=included)
    table["group"] = groups.reindex(table.index).astype("Int64")
    return table.reset_index()[["participant", "n_votes", "included", "x", "y", "group"]]


def _group_table(groups: pd.Series, by_sector: pd.DataFrame | None = None) -> pd.DataFrame:
    sizes = groups.value_counts().sort_index()
    table = pd.DataFrame({"group": sizes.index.astype(int), "participants": sizes.to_numpy(),
                          "share": sizes.to_numpy() / sizes.sum()})
    if by_sector is not None:
        table["sector_mix"] = table["group"].map(sector_mix(by_sector)).fillna("")
    return table


def sector_mix(by_sector: pd.DataFrame) -> dict:
    """Each group's members by sector in a few words, largest sector first ("public 4, resident 2").

    Examples
    --------
    >>> counts = pd.DataFrame({"group": [0, 0, 1], "sector": ["resident", "public", "public"],
    ...                        "participants": [2, 4, 1], "share": [1 / 3, 2 / 3, 1.0]})
    >>> sector_mix(counts)
    {0: 'public 4, resident 2', 1: 'public 1'}
    """
    by_group: dict = {}
    for group, sector, n in zip(by_sector["group"], by_sector["sector"], by_sector["participants"]):
        by_group.setdefault(group, []).append((-int(n), str(sector)))
    return {group: ", ".join(f"{sector} {-n}" for n, sector in sorted(rows)) for group, rows in sorted(by_group.items())}


def _statement_table(matrix, moderated_out, statements) -> pd.DataFrame:
    table = pd.DataFrame({"statement": matrix.columns, "n_votes": matrix.notna().sum(axis=0).to_numpy(),
                          "moderated_out": matrix.columns.isin(list(moderated_out))})
    if statements is not None and "text" in statements:
        text = dict(zip(statements["statement"].to_numpy()[::-1], statements["text"].to_numpy()[::-1]))  # first wins
        table["text"] = [text.get(s) for s in table["statement"]]
    return table


def _with_text(frame: pd.DataFrame, table: pd.DataFrame, moderated: bool = False) -> pd.DataFrame:
    extra = (["moderated_out"] if moderated else []) + (["text"] if "text" in table else [])
    ids = table["statement"].tolist()
    lookups = {column: dict(zip(ids, table[column].tolist())) for column in extra}
    return frame.assign(**{column: [lookups[column].get(s) for s in frame["statement"]] for column in extra})
