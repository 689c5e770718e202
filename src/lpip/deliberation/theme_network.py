"""Which themes were raised together: the theme network of one or more workshops.

Nodes are codes, an edge joins two codes applied to the same contribution (by any coder),
``weight`` = how many contributions. Per theme (:func:`measure_theme_network`): contributions,
the themes it was raised with, sectors raising it, cluster (greedy modularity, which is
deterministic) and a **wickedness** indicator. The rule, stated so it can be argued with:

- ``interconnection`` = degree / (themes - 1): the share of the other themes it co-occurs with;
- ``sector_reach`` = sectors raising it / sectors that raised any theme;
- ``wickedness`` = interconnection x sector_reach (0 to 1);
- ``kind`` is "wicked" when both are at least 0.5 (densely tied to other themes AND raised
  across many sectors), "cross-sector" when only the reach is, "interconnected" when only
  the ties are, and "contained" otherwise. With fewer than two sectors known, reach cannot be
  judged and every theme's ``kind`` is "reach unknown".

This is raw material for telling wicked problems from simpler ones, not a verdict: it says
which themes people could not talk about without talking about others, and who raised them.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import pandas as pd
from networkx.algorithms.community import greedy_modularity_communities
from sqlalchemy.orm import Session

from lpip.workshops.workshops import get_workshop

WICKED_THRESHOLD = 0.5


def build_theme_network(assignments: pd.DataFrame, contributions: pd.DataFrame | None = None) -> nx.Graph:
    """Codes joined by the contributions they were both applied to.

    Parameters
    ----------
    assignments : DataFrame
        ``contribution_id, code`` (as :func:`lpip.deliberation.coding.load_assignments` or
        :func:`~lpip.deliberation.coding.code_by_rules` give; rows with no code are ignored,
        and a code counts once per contribution whoever applied it).
    contributions : DataFrame, optional
        ``contribution_id, sector``: to count the sectors raising each theme.

    Returns
    -------
    networkx.Graph
        Nodes are codes with ``contributions`` and ``sectors`` (how many distinct sectors);
        edges have ``weight`` (contributions carrying both codes).

    Examples
    --------
    >>> coded = pd.DataFrame({"contribution_id": [1, 1, 2, 2, 2],
    ...                       "code": ["transport", "jobs", "transport", "jobs", "housing"]})
    >>> build_theme_network(coded).edges["transport", "jobs"]["weight"]
    2
    """
    coded = assignments.dropna(subset=["code"]).drop_duplicates(["contribution_id", "code"])
    graph = nx.Graph(kind="themes")
    sector_of = _sectors(contributions)
    for code, rows in coded.groupby("code", sort=True):
        ids = rows["contribution_id"]
        raised = {sector_of[i] for i in ids if i in sector_of}
        graph.add_node(str(code), contributions=int(ids.nunique()), sectors=len(raised), type="theme")
    for _, rows in coded.groupby("contribution_id"):
        for a, b in combinations(sorted(map(str, rows["code"])), 2):
            weight = graph.edges[a, b]["weight"] + 1 if graph.has_edge(a, b) else 1
            graph.add_edge(a, b, weight=weight)
    graph.graph["sectors"] = len(set(sector_of.values()))
    return graph


def _sectors(contributions: pd.DataFrame | None) -> dict:
    if contributions is None or "sector" not in contributions:
        return {}
    known = contributions.dropna(subset=["sector"])
    known = known[known["sector"].astype(str).str.strip() != ""]
    return dict(zip(known["contribution_id"], known["sector"].astype(str)))


def measure_theme_network(graph: nx.Graph) -> pd.DataFrame:
    """Per theme: degree, weighted degree, sectors, community and the wickedness indicator.

    Returns
    -------
    DataFrame
        ``theme, contributions, degree, weighted_degree, sectors, community, interconnection,
        sector_reach, wickedness, kind``, most wicked first (see the module notes for the rule).

    Examples
    --------
    >>> g = nx.Graph(sectors=2)
    >>> g.add_nodes_from([("a", {"contributions": 3, "sectors": 2}), ("b", {"contributions": 2, "sectors": 2}),
    ...                   ("c", {"contributions": 1, "sectors": 1})])
    >>> g.add_edge("a", "b", weight=2)
    >>> measure_theme_network(g).set_index("theme").loc["a", "kind"]
    'wicked'
    """
    columns = ["theme", "contributions", "degree", "weighted_degree", "sectors", "community",
               "interconnection", "sector_reach", "wickedness", "kind"]
    if graph.number_of_nodes() == 0:
        return pd.DataFrame(columns=columns)
    community = theme_communities(graph)
    others = max(graph.number_of_nodes() - 1, 1)
    all_sectors = graph.graph.get("sectors", 0)
    frame = pd.DataFrame([{
        "theme": n, "contributions": d.get("contributions", 0), "degree": graph.degree(n),
        "weighted_degree": graph.degree(n, weight="weight"), "sectors": d.get("sectors", 0),
        "community": community[n],
    } for n, d in graph.nodes(data=True)])
    frame["interconnection"] = frame["degree"] / others
    frame["sector_reach"] = frame["sectors"] / all_sectors if all_sectors else float("nan")
    frame["wickedness"] = frame["interconnection"] * frame["sector_reach"]
    frame["kind"] = [_kind(i, r, all_sectors) for i, r in zip(frame["interconnection"], frame["sector_reach"])]
    frame = frame.sort_values(["wickedness", "weighted_degree", "theme"], ascending=[False, False, True],
                              ignore_index=True, na_position="last")
    return frame[columns]


def _kind(interconnection: float, reach: float, all_sectors: int) -> str:
    if all_sectors < 2:
        return "reach unknown"
    dense, wide = interconnection >= WICKED_THRESHOLD, reach >= WICKED_THRESHOLD
    return {(True, True): "wicked", (False, True): "cross-sector",
            (True, False): "interconnected", (False, False): "contained"}[(dense, wide)]


def theme_communities(graph: nx.Graph) -> dict[str, int]:
    """Each theme's community (greedy modularity on weights; 1 = the largest community).

    Isolated themes form communities of their own.
    """
    if graph.number_of_edges() == 0:
        return {n: i for i, n in enumerate(sorted(graph.nodes()), start=1)}
    found = greedy_modularity_communities(graph, weight="weight")
    ordered = sorted(found, key=lambda c: (-len(c), sorted(c)[0]))
    return {n: i for i, members in enumerate(ordered, start=1) for n in members}


# ----------------------------------------------------------------------------- the database


def workshop_theme_network(session: Session, workshop_ids: list[int]) -> tuple[nx.Graph, pd.DataFrame]:
    """The theme network of one or more workshops' contributions, and its per-theme measures.

    Uses the stored code assignments; contributions nobody has coded yet are coded by rules
    with the stored codebook (or the default one), without storing anything.
    """
    from lpip.deliberation.codebook import default_codebook, load_codebook
    from lpip.deliberation.coding import code_by_rules, load_assignments, load_contributions

    for workshop_id in workshop_ids:
        get_workshop(session, workshop_id)
    contributions = pd.concat([load_contributions(session, w) for w in workshop_ids], ignore_index=True)
    stored = pd.concat([load_assignments(session, w) for w in workshop_ids], ignore_index=True)
    uncoded = contributions[~contributions["contribution_id"].isin(stored["contribution_id"])]
    if not uncoded.empty:
        book = load_codebook(session, install_default=False)
        book = default_codebook() if book.empty else book
        stored = pd.concat([stored, code_by_rules(uncoded, book)[["contribution_id", "code"]]], ignore_index=True)
    graph = build_theme_network(stored, contributions)
    return graph, measure_theme_network(graph)
