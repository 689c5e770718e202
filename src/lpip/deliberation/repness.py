"""Representative statements per opinion group, as pol.is computes them (``repness.clj``).

For each group and statement pol.is counts the group's agrees, disagrees and votes seen (passes
included) and compares them with everyone else in a group:

- ``p_agree`` = (agrees + 1) / (seen + 2), the group's agreement with a +1 prior (pol.is ``pa``);
- ``p_agree_z`` = 2 sqrt(seen + 1) ((agrees + 1) / (seen + 1) - 0.5), a one-sided test that the
  group leans to agree (``pat``);
- ``r_agree`` = ``p_agree`` / ((others' agrees + 1) / (others' seen + 2)), how much more the
  group agrees than the rest (``ra``);
- ``r_agree_z``, the two-proportion z statistic between the group and the rest (``rat``);

and the same for disagreement (``pd``, ``pdt``, ``rd``, ``rdt``). A statement represents a group
when both z statistics pass 1.2816 (one-sided 90 %), in the direction with the larger ``r_*_z``.
Up to five are kept per group, ranked by repness x repness z x probability x probability z, with
the group's best agreed statement first and agrees before disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

Z_90 = 1.2816  # one-sided 90 % critical value of the standard normal, as pol.is uses
PICK_MAX = 5

STAT_COLUMNS = [
    "group", "statement", "n_agree", "n_disagree", "n_seen", "p_agree", "p_disagree",
    "p_agree_z", "p_disagree_z", "r_agree", "r_disagree", "r_agree_z", "r_disagree_z",
]
SELECTED_COLUMNS = [
    "group", "rank", "statement", "repful_for", "n_success", "n_trials", "p_success",
    "p_success_z", "repness", "repness_z", "best_agree",
]


def proportion_test(successes, trials):
    """z statistic that a proportion exceeds 1/2, with pol.is's +1 pseudo-counts (``prop-test``).

    Examples
    --------
    >>> round(float(proportion_test(8, 10)), 4)
    2.1106
    """
    successes, trials = np.asarray(successes, float) + 1, np.asarray(trials, float) + 1
    return 2 * np.sqrt(trials) * (successes / trials - 0.5)


def two_proportion_test(successes_in, successes_out, trials_in, trials_out):
    """Two-proportion z statistic, group versus the rest, with +1 pseudo-counts (``two-prop-test``).

    Returns 0 where the pooled proportion is 1, as pol.is does.

    Examples
    --------
    >>> round(float(two_proportion_test(9, 2, 10, 10)), 4)
    3.0354
    """
    s1, s2, n1, n2 = (np.asarray(v, float) + 1 for v in (successes_in, successes_out, trials_in, trials_out))
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.where(pooled == 1, 0.0, z)


def compare_groups(matrix: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Agreement statistics of every group on every statement, against the other groups.

    Parameters
    ----------
    matrix : DataFrame
        Latest votes, participants x statements (1 agree, -1 disagree, 0 pass, NaN not voted).
    groups : Series
        Group of each participant (index: participant); participants without a group are left out.

    Returns
    -------
    DataFrame
        One row per group and statement with the columns of :data:`STAT_COLUMNS`.

    Examples
    --------
    >>> m = pd.DataFrame({10: [1, 1, -1, -1]}, index=["a", "b", "c", "d"])
    >>> compare_groups(m, pd.Series([0, 0, 1, 1], index=m.index))["p_agree"].tolist()
    [0.75, 0.25]
    """
    groups = groups.dropna()
    values = matrix.loc[groups.index].to_numpy(dtype=float)
    labels = groups.to_numpy()
    counts = {name: np.vstack([(values[labels == g] == v).sum(axis=0) for g in np.unique(labels)])
              for name, v in (("agree", 1), ("disagree", -1))}
    seen = np.vstack([(~np.isnan(values[labels == g])).sum(axis=0) for g in np.unique(labels)])
    frames = [_group_stats(g, i, matrix.columns, counts, seen) for i, g in enumerate(np.unique(labels))]
    return pd.concat(frames, ignore_index=True)[STAT_COLUMNS]


def _group_stats(group, i: int, statements, counts: dict, seen: np.ndarray) -> pd.DataFrame:
    seen_in, seen_out = seen[i], seen.sum(axis=0) - seen[i]
    stats = {"group": group, "statement": statements, "n_seen": seen_in}
    for name in ("agree", "disagree"):
        n_in, n_out = counts[name][i], counts[name].sum(axis=0) - counts[name][i]
        p = (n_in + 1) / (seen_in + 2)
        stats |= {
            f"n_{name}": n_in,
            f"p_{name}": p,
            f"p_{name}_z": proportion_test(n_in, seen_in),
            f"r_{name}": p / ((n_out + 1) / (seen_out + 2)),
            f"r_{name}_z": two_proportion_test(n_in, n_out, seen_in, seen_out),
        }
    return pd.DataFrame(stats)


def representative_statements(
    matrix: pd.DataFrame, groups: pd.Series, moderated_out: Iterable = (), *, pick_max: int = PICK_MAX
) -> pd.DataFrame:
    """Up to ``pick_max`` statements that set each group apart, selected as pol.is selects them.

    Parameters
    ----------
    matrix : DataFrame
        Latest votes, participants x statements.
    groups : Series
        Group of each participant (index: participant).
    moderated_out : iterable
        Statements never to select (rejected or meta).
    pick_max : int
        Most statements per group.

    Returns
    -------
    DataFrame
        :data:`SELECTED_COLUMNS`: for each group in rank order the ``statement``, whether it is
        representative for ``agree`` or ``disagree`` (``repful_for``), the votes behind it
        (``n_success`` of ``n_trials``), ``p_success`` and its z, ``repness`` and its z, and
        ``best_agree`` for the statement pol.is puts first as the group's best agreed one.

    Examples
    --------
    >>> m = pd.DataFrame({1: [1, 1, 1, -1, -1, -1], 2: [-1, -1, -1, 1, 1, 1]}, index=list("abcdef"))
    >>> g = pd.Series([0, 0, 0, 1, 1, 1], index=m.index)
    >>> representative_statements(m, g)[["group", "statement", "repful_for"]].values.tolist()
    [[0, 1, 'agree'], [0, 2, 'disagree'], [1, 2, 'agree'], [1, 1, 'disagree']]
    """
    stats = compare_groups(matrix, groups)
    stats = stats[~stats["statement"].isin(list(moderated_out))]
    rows = [_select_for_group(_columns(part), pick_max) for _, part in stats.groupby("group", sort=True)]
    rows = [row for part in rows for row in part]
    return pd.DataFrame(rows, columns=SELECTED_COLUMNS)


def _columns(stats: pd.DataFrame) -> dict[str, np.ndarray]:
    # Plain arrays: selecting among a group's statements is a few hundred small steps, and
    # DataFrame indexing would cost more than the arithmetic (this runs on every live update).
    return {c: stats[c].to_numpy() for c in STAT_COLUMNS}


def _select_for_group(stats: dict[str, np.ndarray], pick_max: int) -> list[dict]:
    passes = ((stats["r_agree_z"] > Z_90) & (stats["p_agree_z"] > Z_90)) | (
        (stats["r_disagree_z"] > Z_90) & (stats["p_disagree_z"] > Z_90))
    best = _best_agree(stats)
    if not passes.any():
        if best is not None:
            return _ranked([_finalize(stats, best, best_agree=True)])
        fallback = int(np.argmax(np.maximum(stats["r_agree_z"], stats["r_disagree_z"])))
        return _ranked([_finalize(stats, fallback)])
    sufficient = np.flatnonzero(passes)
    if best is not None:
        sufficient = sufficient[sufficient != best]
    candidates = [_finalize(stats, i) for i in sufficient]
    metric = np.array([_metric(c) for c in candidates])
    ordered = [candidates[i] for i in np.argsort(-metric, kind="stable")]
    head = [_finalize(stats, best, best_agree=True)] if best is not None else []
    chosen = (head + ordered)[:pick_max]
    # pol.is always lists agrees before disagrees (a stable partition).
    chosen = [c for c in chosen if c["repful_for"] == "agree"] + [c for c in chosen if c["repful_for"] != "agree"]
    return _ranked(chosen)


def _best_agree(stats: dict[str, np.ndarray]) -> int | None:
    # A sequential scan, as in pol.is `beats-best-agr?`: which statement wins depends on what
    # the best so far is, so this is a loop, not a vectorised argmax.
    na, nd, ra, rat, pa, pat = (stats[c].astype(float) for c in
                                ("n_agree", "n_disagree", "r_agree", "r_agree_z", "p_agree", "p_agree_z"))
    best = None
    for i in range(len(na)):
        if na[i] == 0 and nd[i] == 0:
            continue
        if best is not None and ra[best] > 1.0:
            better = ra[i] * rat[i] * pa[i] * pat[i] > ra[best] * rat[best] * pa[best] * pat[best]
        elif best is not None:
            better = pa[i] * pat[i] > pa[best] * pat[best]
        else:
            better = pat[i] > Z_90 or (ra[i] > 1.0 and pa[i] > 0.5)
        if better:
            best = i
    return best


def _finalize(stats: dict[str, np.ndarray], i: int, best_agree: bool = False) -> dict:
    way = "agree" if float(stats["r_agree_z"][i]) > float(stats["r_disagree_z"][i]) else "disagree"
    return {
        "group": stats["group"][i], "statement": stats["statement"][i], "repful_for": way,
        "n_success": int(stats[f"n_{way}"][i]), "n_trials": int(stats["n_seen"][i]),
        "p_success": float(stats[f"p_{way}"][i]), "p_success_z": float(stats[f"p_{way}_z"][i]),
        "repness": float(stats[f"r_{way}"][i]), "repness_z": float(stats[f"r_{way}_z"][i]),
        "best_agree": best_agree,
    }


def _metric(chosen: dict) -> float:
    return chosen["repness"] * chosen["repness_z"] * chosen["p_success"] * chosen["p_success_z"]


def _ranked(chosen: list[dict]) -> list[dict]:
    return [dict(row, rank=rank) for rank, row in enumerate(chosen, start=1)]
