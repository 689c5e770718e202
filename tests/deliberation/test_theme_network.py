"""The theme network: which themes were raised together, clusters and the wickedness rule,
checked by hand on small made-up codings and on the demonstration workshop (made-up data)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import networkx as nx
import pandas as pd
import pytest

from lpip.deliberation.theme_network import (
    build_theme_network, measure_theme_network, theme_communities, workshop_theme_network,
)
from lpip.errors import UnknownWorkshop
from lpip.workshops.demo import load_demo


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


def test_theme_network_of_the_demo_links_codes_found_together(session, demo):
    graph, measures = workshop_theme_network(session, [demo.workshop_id])
    # "Evening buses stop too early for shift workers." is coded with public transport.
    assert "public transport" in graph
    assert set(measures["theme"]) == set(graph.nodes())
    assert (measures["degree"] == [graph.degree(t) for t in measures["theme"]]).all()


def test_an_unknown_workshop_is_refused(session):
    with pytest.raises(UnknownWorkshop):
        workshop_theme_network(session, [987654])


# ----------------------------------------------------------------------------- theme network


CODED = pd.DataFrame({
    "contribution_id": [1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7],
    "code": ["transport", "jobs", "transport", "jobs", "skills", "transport", "skills",
             "housing", "health", "housing", "damp", "health", "damp", "housing", None],
    "coder": "a",
})
SECTORS = pd.DataFrame({"contribution_id": [1, 2, 3, 4, 5, 6, 7],
                        "sector": ["public", "private", "resident", "public", "public", None, "academic"]})


def test_edge_weights_are_the_contributions_sharing_both_codes():
    graph = build_theme_network(CODED, SECTORS)
    expected = Counter()
    for _, rows in CODED.dropna().groupby("contribution_id"):
        for pair in combinations(sorted(rows["code"]), 2):
            expected[frozenset(pair)] += 1
    assert {frozenset((u, v)): d["weight"] for u, v, d in graph.edges(data=True)} == dict(expected)
    assert graph.nodes["transport"]["contributions"] == 3
    assert graph.nodes["transport"]["sectors"] == 3  # public, private, resident
    assert graph.nodes["damp"]["sectors"] == 1  # contribution 6 has no sector


def test_a_code_applied_twice_to_a_contribution_counts_once():
    doubled = pd.concat([CODED, CODED.assign(coder="b")])
    assert nx.utils.graphs_equal(build_theme_network(doubled), build_theme_network(CODED))


def test_measures_degree_weighted_degree_and_communities():
    measures = measure_theme_network(build_theme_network(CODED, SECTORS)).set_index("theme")
    assert measures.loc["transport", "degree"] == 2
    assert measures.loc["transport", "weighted_degree"] == 4  # jobs x2, skills x2
    assert measures.loc["housing", "weighted_degree"] == 4  # health x2, damp x2
    # Two groups of themes never raised together: two communities.
    community = measures["community"]
    assert community["transport"] == community["jobs"] == community["skills"]
    assert community["housing"] == community["health"] == community["damp"]
    assert community["transport"] != community["housing"]


def test_two_cliques_joined_by_one_edge_are_two_communities():
    graph = nx.Graph(kind="themes")
    graph.add_edges_from(combinations("abcd", 2), weight=1)
    graph.add_edges_from(combinations("wxyz", 2), weight=1)
    graph.add_edge("d", "w", weight=1)
    community = theme_communities(graph)
    assert len({community[n] for n in "abcd"}) == 1 and len({community[n] for n in "wxyz"}) == 1
    assert community["a"] != community["z"]


def test_the_wickedness_rule_as_documented():
    graph = nx.Graph(kind="themes", sectors=4)
    # "hub" co-occurs with 3 of 4 others and is raised by 3 of 4 sectors: wicked.
    graph.add_node("hub", contributions=5, sectors=3)
    graph.add_node("wide", contributions=2, sectors=4)   # 1 of 4 others, all sectors: cross-sector
    graph.add_node("tied", contributions=2, sectors=1)   # 2 of 4 others, 1 sector: interconnected
    graph.add_node("lone", contributions=1, sectors=1)   # nothing: contained
    graph.add_node("side", contributions=1, sectors=1)   # 2 of 4 others, 1 sector: interconnected
    graph.add_edges_from([("hub", "wide"), ("hub", "tied"), ("hub", "side"), ("tied", "side")], weight=1)
    measures = measure_theme_network(graph).set_index("theme")
    assert measures.loc["hub", "interconnection"] == pytest.approx(3 / 4)
    assert measures.loc["hub", "sector_reach"] == pytest.approx(3 / 4)
    assert measures.loc["hub", "wickedness"] == pytest.approx(9 / 16)
    assert measures["kind"].to_dict() == {"hub": "wicked", "wide": "cross-sector", "tied": "interconnected",
                                          "lone": "contained", "side": "interconnected"}
    assert measures.index[0] == "hub"


def test_without_sectors_reach_is_not_judged():
    measures = measure_theme_network(build_theme_network(CODED))
    assert set(measures["kind"]) == {"reach unknown"}
