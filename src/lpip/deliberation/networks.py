"""Networks of a workshop's people, built from real relationships, not from the seating plan.

A workshop records three kinds of tie between attendees (:mod:`lpip.workshops.relationships`):

- **follow-up wishes** ("who I'd like to follow up with"), from participants' phones or a file;
- **prior ties** (who knew whom before), from the registration form or a file;
- **designed contact**: who the facilitator's table plan seated together. It is kept as one layer
  of the network, labelled as what it is, because the facilitator chose it: a table plan built
  to mix sectors makes everyone look like a bridge (every "bridging person" scored about 0.018
  when bridging was measured on it). It is **never** the basis of the bridging scores.

:func:`build_actor_network` puts all three on one graph (edge attributes ``designed_contact``
(rounds seated together, 0 if never), ``follow_up`` (with ``follow_up_from``: a person id or
"both") and ``prior_tie``); :func:`relationship_network` keeps the real relationships only
(follow-ups and prior ties), and every measure is computed on it:

- **new connections**: pairs with a follow-up wish who did not know each other before; without
  any follow-up wishes recorded the figure is ``None`` and the reason is given, not a guess;
- **cross-sector relationships** and **sector mixing** (``nx.attribute_assortativity_coefficient``
  on sector: 1 = only within sectors, 0 = as by chance, negative = more mixing than by chance);
- **bridging people and organisations** (brokers): betweenness centrality (normalised,
  unweighted) on the relationship network, and on the network of organisations made by
  contracting people by organisation (:func:`organisation_network`);
- **before and after**: the prior ties alone, then with the follow-up wishes added;
- **follow-ups after designed contact**: how many follow-up pairs the plan had seated together.

Nodes carry no personal data: a person is ``P01``, ``P02``... (numbered in attendee-id order),
their organisation ``O01``, ``O02``... (in order of its first attendee); names, emails and
organisation names never reach the graph, so every export (GraphML, Kumu, figures) is safe to
deposit. Figures are drawn by :mod:`lpip.reports.network_figures`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.workshops import get_workshop

NO_ORGANISATION = "(none given)"
LAYERS = ("follow_up", "prior_tie", "designed_contact")
LAYER_NAMES = {"follow_up": "follow-up wish", "prior_tie": "knew before", "designed_contact": "designed contact"}
NO_FOLLOW_UPS = "no follow-up wishes recorded"
NO_RELATIONSHIPS = ("no relationships recorded (follow-up wishes or who knew whom before): bridging is not "
                    "measured on the seating plan, which the facilitator designed")


# ----------------------------------------------------------------------------- who is there


@dataclass(frozen=True)
class Seating:
    """A workshop's attendees (anonymised), seats and relationships, as read from the database.

    Attributes
    ----------
    attendees : DataFrame
        ``attendee_id, person, sector, organisation``: ``person`` is ``P01``...,
        ``organisation`` an anonymous ``O01``... (missing when none was given).
    seats : DataFrame
        ``round, table, attendee_id`` (empty without a table plan).
    follow_ups : DataFrame
        ``from_attendee, to_attendee`` (attendee ids; ``from_attendee`` missing for a wish whose
        author did not say who they are).
    prior_ties : DataFrame
        ``attendee_a, attendee_b`` (attendee ids).
    """

    workshop_id: int
    attendees: pd.DataFrame
    seats: pd.DataFrame
    follow_ups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["from_attendee", "to_attendee"]))
    prior_ties: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["attendee_a", "attendee_b"]))


def load_seating(session: Session, workshop_id: int) -> Seating:
    """Read a workshop's attendees, table plan and relationships, with anonymous ids for people
    and organisations.

    Raises :class:`~lpip.errors.UnknownWorkshop` for an unknown workshop.

    Examples
    --------
    >>> seating = load_seating(session, 1)  # doctest: +SKIP
    >>> seating.attendees.columns.tolist()  # doctest: +SKIP
    ['attendee_id', 'person', 'sector', 'organisation']
    """
    from lpip.workshops.relationships import follow_up_links, prior_tie_links

    get_workshop(session, workshop_id)
    rows = session.execute(select(Attendee.id, Attendee.sector, Attendee.organisation)
                           .where(Attendee.workshop_id == workshop_id).order_by(Attendee.id)).all()
    seats = pd.DataFrame(session.execute(
        select(TableSeat.round_number, TableSeat.table_number, TableSeat.attendee_id)
        .where(TableSeat.workshop_id == workshop_id)
        .order_by(TableSeat.round_number, TableSeat.table_number, TableSeat.attendee_id)).all(),
        columns=["round", "table", "attendee_id"])
    attendees = anonymise_attendees(pd.DataFrame(rows, columns=["attendee_id", "sector", "organisation"]))
    return Seating(workshop_id, attendees, seats, follow_up_links(session, workshop_id)[["from_attendee", "to_attendee"]],
                   prior_tie_links(session, workshop_id)[["attendee_a", "attendee_b"]])


def anonymise_attendees(attendees: pd.DataFrame) -> pd.DataFrame:
    """Replace organisation names by ``O01``... and give each person an id ``P01``...

    Numbers follow attendee-id order, so they say nothing about names (a hash of a name could
    be reversed by hashing a list of local organisations).

    Examples
    --------
    >>> frame = pd.DataFrame({"attendee_id": [7, 3], "sector": ["public", "private"],
    ...                       "organisation": ["Council", "council "]})
    >>> anonymise_attendees(frame)[["person", "organisation"]].values.tolist()
    [['P01', 'O01'], ['P02', 'O01']]
    """
    frame = attendees.sort_values("attendee_id").reset_index(drop=True)
    width = max(2, len(str(len(frame))))
    frame["person"] = [f"P{i:0{width}d}" for i in range(1, len(frame) + 1)]
    keys = frame["organisation"].map(_organisation_key)
    order = list(dict.fromkeys(k for k in keys if k))
    org_width = max(2, len(str(len(order))))
    number = {k: f"O{i:0{org_width}d}" for i, k in enumerate(order, start=1)}
    frame["organisation"] = keys.map(lambda k: number.get(k, pd.NA) if k else pd.NA)
    return frame[["attendee_id", "person", "sector", "organisation"]]


def _organisation_key(name) -> str:
    return "" if pd.isna(name) else " ".join(str(name).casefold().split())


# ----------------------------------------------------------------------------- the network


def co_seated_pairs(seats: pd.DataFrame) -> pd.DataFrame:
    """Pairs of attendees who shared a table, with the number of rounds they shared.

    Examples
    --------
    >>> seats = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "table": [1, 1, 2, 1, 1, 2],
    ...                       "attendee_id": [1, 2, 3, 1, 2, 3]})
    >>> co_seated_pairs(seats).values.tolist()
    [[1, 2, 2]]
    """
    tables = seats.merge(seats, on=["round", "table"], suffixes=("_a", "_b"))
    pairs = tables[tables["attendee_id_a"] < tables["attendee_id_b"]]
    counted = pairs.groupby(["attendee_id_a", "attendee_id_b"]).size().rename("rounds").reset_index()
    return counted.rename(columns={"attendee_id_a": "attendee_a", "attendee_id_b": "attendee_b"})


def build_actor_network(seating: Seating) -> nx.Graph:
    """The actor network: people, with their follow-up wishes, prior ties and designed contact.

    Returns
    -------
    networkx.Graph
        Nodes ``P01``... with ``sector`` and ``organisation``; edges with ``designed_contact``
        (rounds the plan seated the two together), ``follow_up`` (and ``follow_up_from``),
        ``prior_tie`` and ``relationship`` (follow-up or prior tie: what the measures use).
        Follow-up wishes whose author is unknown are counted in ``graph.graph["unnamed_follow_ups"]``.

    Examples
    --------
    >>> graph = build_actor_network(load_seating(session, 1))  # doctest: +SKIP
    """
    person = dict(zip(seating.attendees["attendee_id"], seating.attendees["person"]))
    graph = nx.Graph(kind="actors", workshop=seating.workshop_id, unnamed_follow_ups=0)
    for row in seating.attendees.itertuples(index=False):
        org = NO_ORGANISATION if pd.isna(row.organisation) else row.organisation
        graph.add_node(row.person, sector=row.sector or "unknown", organisation=org, type="person")
    for row in co_seated_pairs(seating.seats).itertuples(index=False):
        _edge(graph, person[row.attendee_a], person[row.attendee_b])["designed_contact"] = int(row.rounds)
    for a, b in seating.prior_ties.itertuples(index=False):
        if a in person and b in person and a != b:
            _edge(graph, person[a], person[b])["prior_tie"] = True
    for a, b in seating.follow_ups.itertuples(index=False):
        if pd.isna(a):
            graph.graph["unnamed_follow_ups"] += 1
        elif a in person and b in person and a != b:
            edge = _edge(graph, person[a], person[b])
            edge["follow_up_from"] = person[a] if edge.get("follow_up_from") in (None, person[a]) else "both"
            edge["follow_up"] = True
    for *_, data in graph.edges(data=True):
        data["relationship"] = data["follow_up"] or data["prior_tie"]
    return graph


def _edge(graph: nx.Graph, a: str, b: str) -> dict:
    if not graph.has_edge(a, b):
        graph.add_edge(a, b, designed_contact=0, follow_up=False, prior_tie=False)
    return graph.edges[a, b]


def relationship_network(graph: nx.Graph) -> nx.Graph:
    """The real relationships only (follow-up wishes and prior ties), every person kept."""
    kept = nx.Graph(**graph.graph)
    kept.add_nodes_from(graph.nodes(data=True))
    kept.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if d.get("relationship"))
    return kept


def organisation_network(graph: nx.Graph) -> nx.Graph:
    """People contracted by organisation: an edge joins organisations whose people met.

    ``weight`` on an edge is the number of person-to-person ties between the two
    organisations; ``people`` on a node how many attended. People with no organisation stay
    as themselves (their person id), so they are not merged into one fictitious body.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_nodes_from([("a", {"organisation": "O1"}), ("b", {"organisation": "O1"}),
    ...                   ("c", {"organisation": "O2"})])
    >>> g.add_edges_from([("a", "c"), ("b", "c"), ("a", "b")])
    >>> organisation_network(g).edges["O1", "O2"]["weight"]
    2
    """
    block = {n: (n if d.get("organisation", NO_ORGANISATION) == NO_ORGANISATION else d["organisation"])
             for n, d in graph.nodes(data=True)}
    partition = {}
    for node, name in block.items():
        partition.setdefault(name, set()).add(node)
    quotient = nx.quotient_graph(
        graph, list(partition.values()),
        edge_data=lambda b, c: {"weight": sum(1 for u in b for v in c if graph.has_edge(u, v))},
        node_data=lambda b: {"people": len(b)}, relabel=False)
    names = {frozenset(members): name for name, members in partition.items()}
    return nx.relabel_nodes(quotient, names)


# ----------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class ActorMeasures:
    """What the actor network shows (all measured on real relationships, never the seating plan).

    Attributes
    ----------
    summary : dict
        ``people, designed_contact_pairs, follow_ups, unnamed_follow_ups, prior_ties,
        relationships, new_connections`` (``None`` without follow-up wishes) with
        ``new_connections_note``, ``follow_ups_after_designed_contact``, ``cross_sector_relationships``,
        ``cross_sector_share``, ``density``, ``sector_assortativity``, ``components`` and
        ``bridging_note`` (why bridging is not measured, or empty).
    people : DataFrame
        ``person, sector, organisation, relationships, cross_sector_relationships,
        designed_contacts, betweenness`` (highest betweenness first; NaN when not measured).
    organisations : DataFrame
        ``organisation, people, relationships, betweenness`` (highest first).
    before_after : DataFrame or None
        ``measure, before, after``: the prior ties, then with the follow-up wishes added (when
        both were recorded).
    """

    summary: dict
    people: pd.DataFrame
    organisations: pd.DataFrame
    before_after: pd.DataFrame | None = field(default=None)


def measure_actor_network(graph: nx.Graph) -> ActorMeasures:
    """New connections, cross-sector relationships, brokers (betweenness), sector mixing.

    Examples
    --------
    >>> measures = measure_actor_network(build_actor_network(load_seating(session, 1)))  # doctest: +SKIP
    >>> measures.summary["bridging_note"]  # doctest: +SKIP
    """
    relationships = relationship_network(graph)
    pairs = {layer: {frozenset((u, v)) for u, v, d in graph.edges(data=True) if d.get(layer)} for layer in LAYERS}
    summary = {"people": graph.number_of_nodes(), "designed_contact_pairs": len(pairs["designed_contact"]),
               "follow_ups": len(pairs["follow_up"]), "unnamed_follow_ups": graph.graph.get("unnamed_follow_ups", 0),
               "prior_ties": len(pairs["prior_tie"]), **_summary(relationships)}
    if pairs["follow_up"]:
        summary["new_connections"], summary["new_connections_note"] = len(pairs["follow_up"] - pairs["prior_tie"]), ""
    else:
        summary["new_connections"], summary["new_connections_note"] = None, NO_FOLLOW_UPS
    summary["follow_ups_after_designed_contact"] = len(pairs["follow_up"] & pairs["designed_contact"])
    measured = relationships.number_of_edges() > 0
    summary["bridging_note"] = "" if measured else NO_RELATIONSHIPS
    before_after = _before_after(graph) if pairs["follow_up"] and pairs["prior_tie"] else None
    return ActorMeasures(summary, _people(graph, relationships, measured), _organisations(relationships, measured),
                         before_after)


def _summary(graph: nx.Graph) -> dict:
    cross = cross_sector_ties(graph)
    ties = graph.number_of_edges()
    return {
        "relationships": ties, "cross_sector_relationships": cross,
        "cross_sector_share": cross / ties if ties else float("nan"),
        "density": nx.density(graph) if graph.number_of_nodes() > 1 else float("nan"),
        "sector_assortativity": sector_assortativity(graph),
        "components": nx.number_connected_components(graph) if len(graph) else 0,
    }


def cross_sector_ties(graph: nx.Graph) -> int:
    """How many edges join people of different sectors."""
    sector = nx.get_node_attributes(graph, "sector")
    return sum(1 for u, v in graph.edges() if sector[u] != sector[v])


def sector_assortativity(graph: nx.Graph) -> float:
    """``nx.attribute_assortativity_coefficient`` on sector; NaN where it is undefined (no edges,
    or edges touching a single sector, where the coefficient divides zero by zero)."""
    sector = nx.get_node_attributes(graph, "sector")
    touched = {sector[n] for edge in graph.edges() for n in edge}
    if graph.number_of_edges() == 0 or len(touched) < 2:
        return float("nan")
    import numpy as np

    with np.errstate(invalid="ignore", divide="ignore"):
        return float(nx.attribute_assortativity_coefficient(graph, "sector"))


def _people(graph: nx.Graph, relationships: nx.Graph, measured: bool) -> pd.DataFrame:
    between = nx.betweenness_centrality(relationships, normalized=True) if measured else {}
    sector = nx.get_node_attributes(graph, "sector")
    rows = [{"person": n, "sector": d["sector"], "organisation": d["organisation"],
             "relationships": relationships.degree(n),
             "cross_sector_relationships": sum(1 for m in relationships[n] if sector[m] != d["sector"]),
             "designed_contacts": sum(1 for m in graph[n] if graph.edges[n, m].get("designed_contact")),
             "betweenness": between.get(n, float("nan"))}
            for n, d in graph.nodes(data=True)]
    columns = ["person", "sector", "organisation", "relationships", "cross_sector_relationships",
               "designed_contacts", "betweenness"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["betweenness", "person"], ascending=[False, True], ignore_index=True, na_position="last")


def _organisations(relationships: nx.Graph, measured: bool) -> pd.DataFrame:
    orgs = organisation_network(relationships)
    between = nx.betweenness_centrality(orgs, normalized=True) if measured else {}
    frame = pd.DataFrame([{"organisation": n, "people": d["people"], "relationships": orgs.degree(n),
                           "betweenness": between.get(n, float("nan"))} for n, d in orgs.nodes(data=True)],
                         columns=["organisation", "people", "relationships", "betweenness"])
    return frame.sort_values(["betweenness", "organisation"], ascending=[False, True], ignore_index=True,
                             na_position="last")


def _before_after(graph: nx.Graph) -> pd.DataFrame:
    before = nx.Graph()
    before.add_nodes_from(graph.nodes(data=True))
    before.add_edges_from((u, v) for u, v, d in graph.edges(data=True) if d.get("prior_tie"))
    after = relationship_network(graph)
    first, second = _summary(before), _summary(after)
    keys = ["relationships", "cross_sector_relationships", "cross_sector_share", "density", "sector_assortativity",
            "components"]
    return pd.DataFrame({"measure": keys, "before": [first[k] for k in keys], "after": [second[k] for k in keys]})


# ----------------------------------------------------------------------------- exports


def write_graphml(graph: nx.Graph, path: str | Path) -> Path:
    """Write the network as GraphML (for Gephi, yEd, Cytoscape); missing values are left out.

    Examples
    --------
    >>> write_graphml(nx.path_graph(3), "network.graphml")  # doctest: +SKIP
    PosixPath('network.graphml')
    """
    path = _destination(path, (".graphml", ".xml"), "GraphML", "network.graphml")
    nx.write_graphml(_plain_copy(graph), path)
    return path


def _plain_copy(graph: nx.Graph) -> nx.Graph:
    # GraphML holds str/int/float/bool only; drop missing values rather than write "nan".
    plain = nx.Graph()
    plain.graph.update({k: v for k, v in graph.graph.items() if _is_value(v)})
    plain.add_nodes_from((n, {k: v for k, v in d.items() if _is_value(v)}) for n, d in graph.nodes(data=True))
    plain.add_edges_from((u, v, {k: v2 for k, v2 in d.items() if _is_value(v2)}) for u, v, d in graph.edges(data=True))
    return plain


def _is_value(value) -> bool:
    return isinstance(value, (str, int, float, bool)) and not (isinstance(value, float) and value != value)


def to_kumu(graph: nx.Graph) -> dict:
    """The network as a Kumu JSON blueprint (``elements`` and ``connections``).

    Kumu matches connections to elements by label, so labels are the node ids; other node and
    edge attributes become Kumu fields. Connections are undirected.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_node("P01", type="person", sector="public")
    >>> g.add_node("P02", type="person", sector="private")
    >>> g.add_edge("P01", "P02", rounds=2)
    >>> to_kumu(g)["connections"]
    [{'from': 'P01', 'to': 'P02', 'type': 'met at a table', 'direction': 'undirected', 'rounds': 2}]
    """
    elements = [{"label": str(n), "type": d.get("type", "element"),
                 **{k: v for k, v in d.items() if k != "type" and _is_value(v)}}
                for n, d in graph.nodes(data=True)]
    connections = [{"from": str(u), "to": str(v), "type": _connection_type(graph, d), "direction": "undirected",
                    **{k: x for k, x in d.items() if _is_value(x) and k not in LAYERS}}
                   for u, v, d in graph.edges(data=True)]
    return {"elements": elements, "connections": connections}


def _connection_type(graph: nx.Graph, data: dict) -> str:
    if graph.graph.get("kind") == "themes":
        return "raised together"
    return ", ".join(LAYER_NAMES[layer] for layer in LAYERS if data.get(layer)) or "designed contact"


def write_kumu(graph: nx.Graph, path: str | Path) -> Path:
    """Write the network as a Kumu JSON blueprint (import it in Kumu: Import > JSON)."""
    path = _destination(path, (".json",), "Kumu blueprint", "network.json")
    path.write_text(json.dumps(to_kumu(graph), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _destination(path: str | Path, suffixes: tuple[str, ...], what: str, example: str) -> Path:
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InvalidExport(f"{path}: a {what} file ends in {' or '.join(suffixes)}; name it e.g. {example}.")
    if not path.parent.is_dir():
        raise InvalidExport(f"{path}: the folder {path.parent} does not exist; create it or choose another path.")
    return path


# ----------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class WorkshopNetworks:
    """A workshop's actor network and its measures."""

    seating: Seating
    graph: nx.Graph
    measures: ActorMeasures


def workshop_actor_network(session: Session, workshop_id: int) -> WorkshopNetworks:
    """Read a workshop's attendees, seats and relationships, and build and measure its network.

    Examples
    --------
    >>> result = workshop_actor_network(session, 1)  # doctest: +SKIP
    >>> result.measures.summary["cross_sector_relationships"]  # doctest: +SKIP
    """
    seating = load_seating(session, workshop_id)
    graph = build_actor_network(seating)
    return WorkshopNetworks(seating, graph, measure_actor_network(graph))
