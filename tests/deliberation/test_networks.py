"""Networks: who met whom at a workshop and which themes were raised together.

Measures are checked against independent computations: co-seated pairs counted with plain
loops over the seats, betweenness and assortativity worked out by hand on tiny graphs
(assortativity by Newman 2003, "Mixing patterns in networks", Phys. Rev. E 67 026126, eq. 2:
r = (sum_i e_ii - sum_i a_i b_i) / (1 - sum_i a_i b_i)).
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations

import networkx as nx
import pandas as pd
import pytest
from sqlalchemy import select

from lpip.deliberation import networks
from lpip.deliberation.networks import (
    PRIOR_NOT_RECORDED, Seating, build_actor_network, build_theme_network, co_seated_pairs,
    measure_actor_network, measure_theme_network, organisation_network, prior_tie_pairs, to_kumu,
)
from lpip.errors import InvalidExport, InvalidWorkshopFile, NoData, UnknownWorkshop
from lpip.workshops.attendees import register_attendee
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.workshops import RoundSpec, create_workshop


# ----------------------------------------------------------------------------- a tiny hand-made workshop

# Round 1: table 1 {1, 2}, table 2 {3, 4}; round 2: table 1 {2, 3}, table 2 {1}, table 3 {4}.
# Ties: 1-2, 3-4, 2-3: the path 1 - 2 - 3 - 4.
TINY_SEATS = pd.DataFrame({"round": [1, 1, 1, 1, 2, 2, 2, 2], "table": [1, 1, 2, 2, 1, 1, 2, 3],
                           "attendee_id": [1, 2, 3, 4, 2, 3, 1, 4]})


@pytest.fixture
def tiny() -> Seating:
    attendees = networks.anonymise_attendees(pd.DataFrame({
        "attendee_id": [1, 2, 3, 4], "sector": ["public", "public", "private", "private"],
        "organisation": ["Alpha Council", "alpha council", "Beta Ltd", "Gamma Trust"],
    }))
    return Seating(0, attendees, TINY_SEATS)


def test_anonymous_ids_replace_organisation_names(tiny):
    assert tiny.attendees["person"].tolist() == ["P01", "P02", "P03", "P04"]
    # Same organisation however it was typed; numbered by first attendee, not by name.
    assert tiny.attendees["organisation"].tolist() == ["O01", "O01", "O02", "O03"]


def test_betweenness_on_a_path_matches_the_hand_computation(tiny):
    people = measure_actor_network(build_actor_network(tiny)).people.set_index("person")["betweenness"]
    # Path of 4: each inner node lies on 2 of the 3 pairs of other nodes -> 2/3; the ends on none.
    assert people.to_dict() == pytest.approx({"P01": 0.0, "P02": 2 / 3, "P03": 2 / 3, "P04": 0.0})


def test_organisations_are_contracted_and_the_middle_one_bridges(tiny):
    graph = build_actor_network(tiny)
    orgs = organisation_network(graph)
    assert {frozenset(e) for e in orgs.edges()} == {frozenset({"O01", "O02"}), frozenset({"O02", "O03"})}
    assert orgs.edges["O01", "O02"]["weight"] == 1  # only P02 - P03 crosses
    assert orgs.nodes["O01"]["people"] == 2
    bridging = measure_actor_network(graph).organisations.set_index("organisation")["betweenness"]
    assert bridging.to_dict() == pytest.approx({"O02": 1.0, "O01": 0.0, "O03": 0.0})


def test_cross_sector_ties_and_sector_mixing_match_hand_values(tiny):
    summary = measure_actor_network(build_actor_network(tiny)).summary
    assert summary["cross_sector_ties"] == 1  # only P02 (public) - P03 (private)
    # Newman (2003) eq. 2: e_pp = e_rr = 2/6, e_pr = e_rp = 1/6, a = b = (1/2, 1/2): r = (4/6 - 1/2) / (1/2) = 1/3.
    assert summary["sector_assortativity"] == pytest.approx(1 / 3)


def test_without_prior_ties_new_connections_are_not_claimed(tiny):
    summary = measure_actor_network(build_actor_network(tiny)).summary
    assert summary["new_connections"] is None
    assert summary["new_connections_note"] == PRIOR_NOT_RECORDED


def test_new_connections_and_before_after_with_prior_ties(tiny):
    prior = prior_tie_pairs(pd.DataFrame({"attendee_a": [1, 1], "attendee_b": [2, 4]}), tiny)
    measures = measure_actor_network(build_actor_network(tiny), prior)
    assert measures.summary["new_connections"] == 2  # met 1-2, 2-3, 3-4; 1-2 known before
    table = measures.before_after.set_index("measure")
    assert table.loc["ties", "before"] == 2 and table.loc["ties", "after"] == 4
    # Before: 1-2 (same sector), 1-4 (cross); after adds 2-3 (cross) and 3-4 (same).
    assert table.loc["cross_sector_ties", "before"] == 1 and table.loc["cross_sector_ties", "after"] == 2


def test_follow_up_links_are_added_to_the_network(tiny):
    graph = build_actor_network(tiny, pd.DataFrame({"from_attendee": [1, 2, 3, 4], "to_attendee": [4, 1, 4, 3]}))
    assert graph.edges["P01", "P04"] == {"rounds": 0, "weight": 0, "met": False, "follow_up": True,
                                          "follow_up_from": "P01"}
    assert graph.edges["P01", "P02"]["follow_up"] and graph.edges["P01", "P02"]["rounds"] == 1
    assert graph.edges["P03", "P04"]["follow_up_from"] == "both"  # each asked to follow up the other
    summary = measure_actor_network(graph).summary
    assert summary["follow_ups"] == 3 and summary["ties_met"] == 3


@pytest.mark.parametrize("links, fragment", [
    (pd.DataFrame({"from": [1], "to": [2]}), "no column(s) from_attendee, to_attendee"),
    (pd.DataFrame({"from_attendee": [1], "to_attendee": [99]}), "attendee 99 is not at this workshop"),
    (pd.DataFrame({"from_attendee": ["x"], "to_attendee": [2]}), "must be attendee ids"),
], ids=["columns", "unknown-attendee", "not-a-number"])
def test_bad_follow_up_tables_are_refused(tiny, links, fragment):
    with pytest.raises(InvalidWorkshopFile) as caught:
        build_actor_network(tiny, links)
    assert fragment in str(caught.value)


# ----------------------------------------------------------------------------- a stored workshop


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


def _seats(session, workshop_id):
    return session.execute(select(TableSeat.round_number, TableSeat.table_number, TableSeat.attendee_id)
                           .where(TableSeat.workshop_id == workshop_id)).all()


def test_ties_are_the_co_seated_pairs_counted_by_plain_loops(session, demo):
    tables: dict[tuple, list[int]] = {}
    for round_number, table, attendee in _seats(session, demo.workshop_id):
        tables.setdefault((round_number, table), []).append(attendee)
    expected = Counter(pair for people in tables.values() for pair in combinations(sorted(people), 2))

    result = networks.workshop_actor_network(session, demo.workshop_id)
    person = dict(zip(result.seating.attendees["attendee_id"], result.seating.attendees["person"]))
    found = {frozenset((person[a], person[b])): n for (a, b), n in expected.items()}
    assert result.graph.number_of_edges() == len(expected)
    assert {frozenset((u, v)): d["rounds"] for u, v, d in result.graph.edges(data=True)} == found
    assert result.measures.summary["people"] == 30


def test_cross_sector_ties_match_a_plain_count(session, demo):
    sector = dict(session.execute(select(Attendee.id, Attendee.sector)
                                  .where(Attendee.workshop_id == demo.workshop_id)).all())
    pairs = co_seated_pairs(pd.DataFrame(_seats(session, demo.workshop_id), columns=["round", "table", "attendee_id"]))
    expected = sum(sector[a] != sector[b] for a, b in zip(pairs["attendee_a"], pairs["attendee_b"]))
    result = networks.workshop_actor_network(session, demo.workshop_id)
    assert result.measures.summary["cross_sector_ties"] == expected


def test_nothing_personal_reaches_the_graph_or_its_exports(session, demo, tmp_path):
    result = networks.workshop_actor_network(session, demo.workshop_id)
    graphml = networks.write_graphml(result.graph, tmp_path / "actors.graphml").read_text(encoding="utf-8")
    kumu = networks.write_kumu(result.graph, tmp_path / "actors.json").read_text(encoding="utf-8")
    people = session.execute(select(Attendee.name, Attendee.email, Attendee.organisation)
                             .where(Attendee.workshop_id == demo.workshop_id)).all()
    for text in (graphml, kumu):
        assert not any(v in text for row in people for v in row if v)
        assert "Demo" not in text and "@" not in text


def test_a_workshop_without_a_table_plan_says_so(session):
    workshop = create_workshop(session, "No plan yet", [RoundSpec("Q1")], tables=2)
    register_attendee(session, workshop.id, "Sam Patel", "public")
    with pytest.raises(NoData, match="no table plan"):
        networks.workshop_actor_network(session, workshop.id)


def test_an_unknown_workshop_is_refused(session):
    with pytest.raises(UnknownWorkshop):
        networks.workshop_actor_network(session, 987654)


def test_theme_network_of_the_demo_links_codes_found_together(session, demo):
    graph, measures = networks.workshop_theme_network(session, [demo.workshop_id])
    # "Evening buses stop too early for shift workers." is coded with public transport.
    assert "public transport" in graph
    assert set(measures["theme"]) == set(graph.nodes())
    assert (measures["degree"] == [graph.degree(t) for t in measures["theme"]]).all()


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
    community = networks.theme_communities(graph)
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


# ----------------------------------------------------------------------------- exports and figures


def test_graphml_round_trips(tiny, tmp_path):
    graph = build_actor_network(tiny)
    back = nx.read_graphml(networks.write_graphml(graph, tmp_path / "tiny.graphml"))
    assert set(back.nodes()) == set(graph.nodes())
    assert {frozenset(e) for e in back.edges()} == {frozenset(e) for e in graph.edges()}
    assert back.nodes["P03"]["sector"] == "private" and back.edges["P02", "P03"]["rounds"] == 1


def test_kumu_blueprint_has_elements_and_connections_by_label(tmp_path):
    graph = build_theme_network(CODED, SECTORS)
    blueprint = json.loads(networks.write_kumu(graph, tmp_path / "themes.json").read_text(encoding="utf-8"))
    assert set(blueprint) == {"elements", "connections"}
    labels = {e["label"] for e in blueprint["elements"]}
    assert labels == set(graph.nodes()) and all(e["type"] == "theme" for e in blueprint["elements"])
    assert len(blueprint["connections"]) == graph.number_of_edges()
    assert all(c["from"] in labels and c["to"] in labels and c["type"] for c in blueprint["connections"])


def test_kumu_marks_follow_up_only_links(tiny):
    graph = build_actor_network(tiny, pd.DataFrame({"from_attendee": [1], "to_attendee": [4]}))
    types = {frozenset((c["from"], c["to"])): c["type"] for c in to_kumu(graph)["connections"]}
    assert types[frozenset(("P01", "P04"))] == "follow up"
    assert types[frozenset(("P02", "P03"))] == "met at a table"


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<svg")], ids=["png", "svg"])
def test_figures_are_drawn(tiny, tmp_path, suffix, magic):
    for graph in (build_actor_network(tiny), build_theme_network(CODED, SECTORS)):
        path = networks.draw_network(graph, tmp_path / f"figure{suffix}")
        assert magic in path.read_bytes()[:2000]


@pytest.mark.parametrize("write, name", [
    (networks.write_graphml, "out.txt"), (networks.write_kumu, "out.csv"), (networks.draw_network, "out.jpg"),
], ids=["graphml", "kumu", "figure"])
def test_wrong_file_types_are_refused(tiny, tmp_path, write, name):
    with pytest.raises(InvalidExport, match="name it e.g."):
        write(build_actor_network(tiny), tmp_path / name)


def test_a_missing_folder_is_refused(tiny, tmp_path):
    with pytest.raises(InvalidExport, match="does not exist"):
        networks.write_graphml(build_actor_network(tiny), tmp_path / "nowhere" / "x.graphml")
