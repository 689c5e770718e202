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
    frames = [_select_for_group(rows, pick_max) for _, rows in stats.groupby("group", sort=True)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=SELECTED_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SELECTED_COLUMNS]


def _select_for_group(stats: pd.DataFrame, pick_max: int) -> pd.DataFrame:
    passes = ((stats["r_agree_z"] > Z_90) & (stats["p_agree_z"] > Z_90)) | (
        (stats["r_disagree_z"] > Z_90) & (stats["p_disagree_z"] > Z_90))
    sufficient = _finalize(stats[passes])
    best_agree = _best_agree(stats)
    if sufficient.empty:
        if best_agree is not None:
            chosen = _finalize(best_agree).assign(best_agree=True)
        else:
            best = np.argmax(np.maximum(stats["r_agree_z"].to_numpy(), stats["r_disagree_z"].to_numpy()))
            chosen = _finalize(stats.iloc[[best]])
        return _ranked(chosen)
    if best_agree is not None:
        sufficient = sufficient[sufficient["statement"] != best_agree["statement"].item()]
    ordered = sufficient.assign(_metric=_metric(sufficient)).sort_values("_metric", ascending=False, kind="stable")
    head = [_finalize(best_agree).assign(best_agree=True)] if best_agree is not None else []
    parts = [part for part in (*head, ordered.drop(columns="_metric")) if len(part)]
    chosen = pd.concat(parts, ignore_index=True).head(pick_max)
    # pol.is always lists agrees before disagrees (a stable partition).
    chosen = chosen.sort_values("repful_for", key=lambda s: s.ne("agree"), kind="stable")
    return _ranked(chosen)


def _best_agree(stats: pd.DataFrame) -> pd.DataFrame | None:
    # A sequential scan, as in pol.is `beats-best-agr?`: which statement wins depends on what
    # the best so far is, so this is a loop, not a vectorised argmax.
    na, nd, ra, rat, pa, pat = (stats[c].to_numpy(dtype=float) for c in
                                ("n_agree", "n_disagree", "r_agree", "r_agree_z", "p_agree", "p_agree_z"))
    best = None
    for i in range(len(stats)):
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
    return None if best is None else stats.iloc[[best]]


def _finalize(stats: pd.DataFrame) -> pd.DataFrame:
    agree = stats["r_agree_z"].astype(float) > stats["r_disagree_z"].astype(float)
    pick = lambda a, d: np.where(agree, stats[a], stats[d])  # noqa: E731
    return pd.DataFrame({
        "group": stats["group"].to_numpy(),
        "statement": stats["statement"].to_numpy(),
        "repful_for": np.where(agree, "agree", "disagree"),
        "n_success": pick("n_agree", "n_disagree").astype(int),
        "n_trials": stats["n_seen"].to_numpy().astype(int),
        "p_success": pick("p_agree", "p_disagree").astype(float),
        "p_success_z": pick("p_agree_z", "p_disagree_z").astype(float),
        "repness": pick("r_agree", "r_disagree").astype(float),
        "repness_z": pick("r_agree_z", "r_disagree_z").astype(float),
        "best_agree": False,
    })


def _metric(chosen: pd.DataFrame) -> pd.Series:
    return chosen["repness"] * chosen["repness_z"] * chosen["p_success"] * chosen["p_success_z"]


def _ranked(chosen: pd.DataFrame) -> pd.DataFrame:
    return chosen.reset_index(drop=True).assign(rank=lambda f: np.arange(1, len(f) + 1))
