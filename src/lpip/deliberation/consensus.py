"""Consensus statements, as pol.is computes them.

Two measures:

- **majority consensus** (pol.is ``consensus-stats``): statements that most of *everyone* who
  voted agrees (or disagrees) with: the probability (votes + 1) / (seen + 2) is above 1/2 and its
  one-sided z statistic passes 1.2816 (90 %); up to five each way, ranked by probability x z;
- **group-informed consensus** (pol.is ``group-aware-consensus``): for each statement, the
  product over opinion groups of (agrees in the group + 1) / (votes seen in the group + 2). It is
  high only when every group agrees, so one large group cannot carry it alone.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from lpip.deliberation.repness import PICK_MAX, Z_90, proportion_test

MAJORITY_COLUMNS = ["direction", "rank", "statement", "n_success", "n_trials", "p_success", "p_success_z"]


def majority_consensus(
    matrix: pd.DataFrame, moderated_out: Iterable = (), *, pick_max: int = PICK_MAX
) -> pd.DataFrame:
    """Statements that a clear majority of all voters agree, or disagree, with.

    Parameters
    ----------
    matrix : DataFrame
        Latest votes, participants x statements (1 agree, -1 disagree, 0 pass, NaN not voted).
        pol.is uses every voter here, not only those placed in groups.
    moderated_out : iterable
        Statements never to select (rejected or meta).
    pick_max : int
        Most statements in each direction.

    Returns
    -------
    DataFrame
        :data:`MAJORITY_COLUMNS`: ``direction`` (``agree`` or ``disagree``), ``rank``,
        ``statement``, ``n_success`` of ``n_trials`` votes, ``p_success`` and its z.

    Examples
    --------
    >>> m = pd.DataFrame({1: [1.0] * 9 + [-1.0], 2: [-1.0] * 10})
    >>> majority_consensus(m)[["direction", "statement"]].values.tolist()
    [['agree', 1], ['disagree', 2]]
    """
    keep = ~matrix.columns.isin(list(moderated_out))
    values = matrix.to_numpy(dtype=float)[:, keep]
    statements = matrix.columns[keep].to_numpy()
    seen = (~np.isnan(values)).sum(axis=0)
    rows = []
    for direction, code in (("agree", 1), ("disagree", -1)):
        n = (values == code).sum(axis=0)
        p, z = (n + 1) / (seen + 2), proportion_test(n, seen)
        chosen = np.flatnonzero((p > 0.5) & (z > Z_90))
        chosen = chosen[np.argsort(-(p[chosen] * z[chosen]), kind="stable")][:pick_max]
        rows += [{"direction": direction, "rank": rank, "statement": statements[i], "n_success": int(n[i]),
                  "n_trials": int(seen[i]), "p_success": float(p[i]), "p_success_z": float(z[i])}
                 for rank, i in enumerate(chosen, start=1)]
    return pd.DataFrame(rows, columns=MAJORITY_COLUMNS)


def group_informed_consensus(matrix: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """pol.is group-informed consensus of every statement: product over groups of (A + 1) / (S + 2).

    Parameters
    ----------
    matrix : DataFrame
        Latest votes, participants x statements.
    groups : Series
        Group of each participant (index: participant); participants without a group are left out.

    Returns
    -------
    DataFrame
        ``statement``, ``group_informed_consensus`` and one ``p_agree_<group>`` column per group
        ((A + 1) / (S + 2), A = agrees, S = votes seen including passes), best first.

    Examples
    --------
    >>> m = pd.DataFrame({7: [1, 1, 1, np.nan]}, index=list("abcd"))
    >>> group_informed_consensus(m, pd.Series([0, 0, 1, 1], index=m.index))["group_informed_consensus"].item()
    0.5
    """
    groups = groups.dropna()
    values = matrix.loc[groups.index].to_numpy(dtype=float)
    labels = groups.to_numpy()
    table = pd.DataFrame({"statement": matrix.columns})
    for g in np.unique(labels):
        rows = values[labels == g]
        agree, seen = (rows == 1).sum(axis=0), (~np.isnan(rows)).sum(axis=0)
        table[f"p_agree_{g}"] = (agree + 1.0) / (seen + 2.0)
    table.insert(1, "group_informed_consensus", table.filter(like="p_agree_").prod(axis=1))
    return table.sort_values("group_informed_consensus", ascending=False, kind="stable").reset_index(drop=True)
