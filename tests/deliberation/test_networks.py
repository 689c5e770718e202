"""Networks of people built from real relationships (follow-up wishes, prior ties), with the
seating plan kept as one layer, "designed contact", that never makes anyone a bridge.

Measures are checked against independent computations: co-seated pairs counted with plain loops
over the seats, betweenness and assortativity worked out by hand on tiny graphs (assortativity by
Newman 2003, "Mixing patterns in networks", Phys. Rev. E 67 026126, eq. 2:
r = (sum_i e_ii - sum_i a_i b_i) / (1 - sum_i a_i b_i)). Attendees are made up.
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
    NO_FOLLOW_UPS, NO_RELATIONSHIPS, Seating, build_actor_network, co_seated_pairs, measure_actor_network,
    organisation_network, relationship_network, to_kumu,
)
from lpip.deliberation.theme_network import build_theme_network
from lpip.errors import InvalidExport, UnknownWorkshop
from lpip.workshops.attendees import register_attendee
from lpip.workshops.demo import load_demo
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.relationships import import_follow_ups
from lpip.workshops.workshops import RoundSpec, create_workshop

# ----------------------------------------------------------------------------- a tiny hand-made workshop

# Relationships make the path 1 - 2 - 3 - 4: 1 wants to follow up with 2, 2 and 3 knew each
# other, 4 wants to follow up with 3. The table plan seats everyone with everyone (designed contact).
ATTENDEES = pd.DataFrame({"attendee_id": [1, 2, 3, 4], "sector": ["public", "public", "private", "private"],
                          "organisation": ["Alpha Council", "alpha council", "Beta Ltd", "Gamma Trust"]})
EVERYONE_TOGETHER = pd.DataFrame({"round": [1, 1, 1, 1], "table": [1, 1, 1, 1], "attendee_id": [1, 2, 3, 4]})
FOLLOW_UPS = pd.DataFrame({"from_attendee": [1, 4], "to_attendee": [2, 3]})
PRIOR_TIES = pd.DataFrame({"attendee_a": [2], "attendee_b": [3]})


@pytest.fixture
def tiny() -> Seating:
    return Seating(0, networks.anonymise_attendees(ATTENDEES), EVERYONE_TOGETHER, FOLLOW_UPS, PRIOR_TIES)


def test_anonymous_ids_replace_organisation_names(tiny):
    assert tiny.attendees["person"].tolist() == ["P01", "P02", "P03", "P04"]
    # Same organisation however it was typed; numbered by first attendee, not by name.
    assert tiny.attendees["organisation"].tolist() == ["O01", "O01", "O02", "O03"]


def test_each_kind_of_tie_is_a_layer_on_the_edges(tiny):
    graph = build_actor_network(tiny)
    assert graph.number_of_edges() == 6  # the plan seated all four together
    assert graph.edges["P01", "P02"] == {"designed_contact": 1, "follow_up": True, "follow_up_from": "P01",
                                          "prior_tie": False, "relationship": True}
    assert graph.edges["P02", "P03"]["prior_tie"] and not graph.edges["P02", "P03"]["follow_up"]
    assert not graph.edges["P01", "P04"]["relationship"]  # only seated together
    assert relationship_network(graph).number_of_edges() == 3


def test_betweenness_is_on_relationships_and_matches_the_hand_computation(tiny):
    people = measure_actor_network(build_actor_network(tiny)).people.set_index("person")["betweenness"]
    # Path of 4: each inner node lies on 2 of the 3 pairs of other nodes -> 2/3; the ends on none.
    assert people.to_dict() == pytest.approx({"P01": 0.0, "P02": 2 / 3, "P03": 2 / 3, "P04": 0.0})


def test_the_seating_plan_alone_makes_no_one_a_bridge(tiny):
    seated_only = Seating(0, tiny.attendees, EVERYONE_TOGETHER)
    measures = measure_actor_network(build_actor_network(seated_only))
    assert measures.summary["bridging_note"] == NO_RELATIONSHIPS
    assert measures.people["betweenness"].isna().all()
    assert measures.summary["designed_contact_pairs"] == 6 and measures.summary["relationships"] == 0


def test_organisations_are_contracted_and_the_middle_one_bridges(tiny):
    relationships = relationship_network(build_actor_network(tiny))
    orgs = organisation_network(relationships)
    assert {frozenset(e) for e in orgs.edges()} == {frozenset({"O01", "O02"}), frozenset({"O02", "O03"})}
    assert orgs.nodes["O01"]["people"] == 2
    bridging = measure_actor_network(build_actor_network(tiny)).organisations.set_index("organisation")["betweenness"]
    assert bridging.to_dict() == pytest.approx({"O02": 1.0, "O01": 0.0, "O03": 0.0})


def test_cross_sector_relationships_and_sector_mixing_match_hand_values(tiny):
    summary = measure_actor_network(build_actor_network(tiny)).summary
    assert summary["cross_sector_relationships"] == 1  # only P02 (public) - P03 (private)
    # Newman (2003) eq. 2 on the path: e_pp = e_rr = 2/6, e_pr = e_rp = 1/6, a = b = (1/2, 1/2): r = 1/3.
    assert summary["sector_assortativity"] == pytest.approx(1 / 3)


def test_new_connections_are_follow_ups_between_people_who_did_not_know_each_other(tiny):
    known = Seating(0, tiny.attendees, EVERYONE_TOGETHER, FOLLOW_UPS, pd.DataFrame({"attendee_a": [1], "attendee_b": [2]}))
    measures = measure_actor_network(build_actor_network(known))
    assert measures.summary["follow_ups"] == 2 and measures.summary["new_connections"] == 1  # 1-2 knew before
    assert measures.summary["follow_ups_after_designed_contact"] == 2
    table = measures.before_after.set_index("measure")
    assert table.loc["relationships", "before"] == 1 and table.loc["relationships", "after"] == 2


def test_without_follow_up_wishes_new_connections_are_not_claimed(tiny):
    summary = measure_actor_network(build_actor_network(Seating(0, tiny.attendees, EVERYONE_TOGETHER,
                                                                prior_ties=PRIOR_TIES))).summary
    assert summary["new_connections"] is None and summary["new_connections_note"] == NO_FOLLOW_UPS


def test_wishes_both_ways_and_wishes_without_a_name(tiny):
    both = pd.DataFrame({"from_attendee": pd.array([3, 4, pd.NA], dtype="Int64"), "to_attendee": [4, 3, 1]})
    graph = build_actor_network(Seating(0, tiny.attendees, EVERYONE_TOGETHER, both))
    assert graph.edges["P03", "P04"]["follow_up_from"] == "both"
    assert graph.graph["unnamed_follow_ups"] == 1
    assert measure_actor_network(graph).summary["unnamed_follow_ups"] == 1


# ----------------------------------------------------------------------------- a stored workshop


@pytest.fixture
def demo(session):
    return load_demo(session, seed=0)


def _seats(session, workshop_id):
    return session.execute(select(TableSeat.round_number, TableSeat.table_number, TableSeat.attendee_id)
                           .where(TableSeat.workshop_id == workshop_id)).all()


def test_designed_contact_is_the_co_seated_pairs_counted_by_plain_loops(session, demo):
    tables: dict[tuple, list[int]] = {}
    for round_number, table, attendee in _seats(session, demo.workshop_id):
        tables.setdefault((round_number, table), []).append(attendee)
    expected = Counter(pair for people in tables.values() for pair in combinations(sorted(people), 2))
    result = networks.workshop_actor_network(session, demo.workshop_id)
    person = dict(zip(result.seating.attendees["attendee_id"], result.seating.attendees["person"]))
    found = {frozenset((person[a], person[b])): n for (a, b), n in expected.items()}
    seated = {frozenset((u, v)): d["designed_contact"] for u, v, d in result.graph.edges(data=True) if d["designed_contact"]}
    assert seated == found
    assert result.measures.summary["designed_contact_pairs"] == len(expected)
    assert result.measures.summary["people"] == 30


def test_bridging_on_the_demo_comes_from_relationships_not_seats(session, demo):
    result = networks.workshop_actor_network(session, demo.workshop_id)
    reference = nx.betweenness_centrality(relationship_network(result.graph), normalized=True)
    people = result.measures.people.set_index("person")["betweenness"]
    assert people.to_dict() == pytest.approx(reference)
    # Seated everyone-with-many, the plan would give nearly equal scores; real ties do not.
    assert people.max() > 3 * people.median()


def test_a_network_from_follow_up_links_imported_by_email(session, tmp_path):
    workshop = create_workshop(session, "Follow-up import", [RoundSpec("Q1")], tables=2)
    emails = []
    for i, sector in enumerate(["public", "public", "private", "resident", "academic"]):
        emails.append(f"person{i}@example.org")
        register_attendee(session, workshop.id, f"Made Up Person{i}", sector, email=emails[-1])
    path = tmp_path / "follow-ups.csv"
    path.write_text("attendee,follow_up_with\n" + "".join(
        f"{emails[0]},{other}\n" for other in emails[1:]) + f"{emails[3]},{emails[4]}\n", encoding="utf-8")
    import_follow_ups(session, workshop.id, path)
    result = networks.workshop_actor_network(session, workshop.id)
    assert result.measures.summary["follow_ups"] == 5 and result.measures.summary["new_connections"] == 5
    people = result.measures.people.set_index("person")
    # Person 0 reaches everyone: the hub is the top broker (betweenness 5/6 by hand: on 5 of 6 pairs).
    assert people["betweenness"].idxmax() == "P01"
    assert people.loc["P01", "betweenness"] == pytest.approx(5 / 6)
    assert result.measures.summary["designed_contact_pairs"] == 0  # no table plan: nothing designed


def test_nothing_personal_reaches_the_graph_or_its_exports(session, demo, tmp_path):
    result = networks.workshop_actor_network(session, demo.workshop_id)
    graphml = networks.write_graphml(result.graph, tmp_path / "actors.graphml").read_text(encoding="utf-8")
    kumu = networks.write_kumu(result.graph, tmp_path / "actors.json").read_text(encoding="utf-8")
    people = session.execute(select(Attendee.name, Attendee.email, Attendee.organisation)
                             .where(Attendee.workshop_id == demo.workshop_id)).all()
    for text in (graphml, kumu):
        assert not any(v in text for row in people for v in row if v)
        assert "Demo" not in text and "@" not in text


def test_a_workshop_without_a_table_plan_still_has_a_network(session):
    workshop = create_workshop(session, "No plan yet", [RoundSpec("Q1")], tables=2)
    register_attendee(session, workshop.id, "Sam Patel", "public")
    result = networks.workshop_actor_network(session, workshop.id)
    assert result.graph.number_of_nodes() == 1 and result.measures.summary["bridging_note"] == NO_RELATIONSHIPS


def test_an_unknown_workshop_is_refused(session):
    with pytest.raises(UnknownWorkshop):
        networks.workshop_actor_network(session, 987654)


# ----------------------------------------------------------------------------- exports


CODED = pd.DataFrame({"contribution_id": [1, 1, 2, 2], "code": ["transport", "jobs", "transport", "skills"]})


def test_graphml_round_trips(tiny, tmp_path):
    graph = build_actor_network(tiny)
    back = nx.read_graphml(networks.write_graphml(graph, tmp_path / "tiny.graphml"))
    assert set(back.nodes()) == set(graph.nodes())
    assert {frozenset(e) for e in back.edges()} == {frozenset(e) for e in graph.edges()}
    assert back.nodes["P03"]["sector"] == "private" and back.edges["P02", "P03"]["prior_tie"] is True


def test_kumu_blueprint_has_elements_and_connections_by_label(tmp_path):
    graph = build_theme_network(CODED)
    blueprint = json.loads(networks.write_kumu(graph, tmp_path / "themes.json").read_text(encoding="utf-8"))
    assert set(blueprint) == {"elements", "connections"}
    labels = {e["label"] for e in blueprint["elements"]}
    assert labels == set(graph.nodes()) and all(e["type"] == "theme" for e in blueprint["elements"])
    assert len(blueprint["connections"]) == graph.number_of_edges()
    assert all(c["from"] in labels and c["to"] in labels and c["type"] for c in blueprint["connections"])


def test_kumu_names_each_kind_of_tie(tiny):
    types = {frozenset((c["from"], c["to"])): c["type"] for c in to_kumu(build_actor_network(tiny))["connections"]}
    assert types[frozenset(("P01", "P02"))] == "follow-up wish, designed contact"
    assert types[frozenset(("P02", "P03"))] == "knew before, designed contact"
    assert types[frozenset(("P01", "P04"))] == "designed contact"


@pytest.mark.parametrize("write, name", [(networks.write_graphml, "out.txt"), (networks.write_kumu, "out.csv")],
                         ids=["graphml", "kumu"])
def test_wrong_file_types_are_refused(tiny, tmp_path, write, name):
    with pytest.raises(InvalidExport, match="name it e.g."):
        write(build_actor_network(tiny), tmp_path / name)


def test_a_missing_folder_is_refused(tiny, tmp_path):
    with pytest.raises(InvalidExport, match="does not exist"):
        networks.write_graphml(build_actor_network(tiny), tmp_path / "nowhere" / "x.graphml")


def test_co_seated_pairs_by_hand():
    seats = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "table": [1, 1, 2, 1, 1, 2], "attendee_id": [1, 2, 3, 1, 2, 3]})
    assert co_seated_pairs(seats).values.tolist() == [[1, 2, 2]]
