"""Networks of a workshop: who met whom (the actor network) and which themes go together.

**The actor network.** Nodes are attendees, edges join two people who sat at the same table in
at least one round; ``rounds`` on an edge counts the rounds they shared (``weight`` is the same
number, for tools that read weights). "I'd like to follow up with" links have no table in the
database yet: pass them as a DataFrame of ``from_attendee, to_attendee`` (attendee ids, one
row per link, direction kept as ``follow_up_from``); the edge gets ``follow_up = True``, and
an edge made only by a follow-up has ``rounds = 0``.

Nodes carry no personal data: a person is ``P01``, ``P02``... (numbered in attendee-id order),
their organisation ``O01``, ``O02``... (numbered in order of its first attendee); names, emails
and organisation names never reach the graph, so every export (GraphML, Kumu, figures) is
safe to deposit.

Measures (:func:`measure_actor_network`):

- **new connections**: pairs who met at a table, minus pairs who knew each other before.
  Prior ties are given as a DataFrame ``attendee_a, attendee_b`` (undirected); without it the
  figure is reported as "prior ties not recorded" (``None``), not as every pair met.
- **cross-sector ties**: edges between people of different sectors.
- **bridging people and organisations**: betweenness centrality (normalised, unweighted: a
  tie is a tie however many rounds it lasted) of each person, and of each organisation in
  the graph made by contracting people by organisation (:func:`organisation_network`).
- **sector mixing**: ``nx.attribute_assortativity_coefficient`` on sector: 1 = people only
  met their own sector, 0 = mixing as by chance, negative = more mixing than by chance.
- **before/after**: with prior ties, the same figures for the network of prior ties and for
  prior ties plus the ties made at the workshop.

**The theme network** (:func:`build_theme_network`): nodes are codes, an edge joins two codes
applied to the same contribution (by any coder), ``weight`` = how many contributions. Per
theme (:func:`measure_theme_network`): degree, weighted degree, contributions, number of
sectors raising it, community (greedy modularity, which is deterministic) and a
**wickedness** indicator. The rule, stated so it can be argued with:

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

import json
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import networkx as nx
import pandas as pd
from networkx.algorithms.community import greedy_modularity_communities
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidExport, InvalidWorkshopFile, NoData
from lpip.workshops.models import Attendee, TableSeat
from lpip.workshops.workshops import get_workshop

PRIOR_NOT_RECORDED = "prior ties not recorded"
WICKED_THRESHOLD = 0.5
FIGURE_SUFFIXES = (".png", ".svg")
NO_ORGANISATION = "(none given)"


# ----------------------------------------------------------------------------- seating


@dataclass(frozen=True)
class Seating:
    """A workshop's attendees (anonymised) and seats, as read from the database.

    Attributes
    ----------
    attendees : DataFrame
        ``attendee_id, person, sector, organisation``: ``person`` is ``P01``...,
        ``organisation`` an anonymous ``O01``... (missing when none was given).
    seats : DataFrame
        ``round, table, attendee_id``.
    """

    workshop_id: int
    attendees: pd.DataFrame
    seats: pd.DataFrame


def load_seating(session: Session, workshop_id: int) -> Seating:
    """Read a workshop's attendees and table plan, with anonymous ids for people and organisations.

    Raises :class:`~lpip.errors.UnknownWorkshop` for an unknown workshop and
    :class:`~lpip.errors.NoData` when it has no table plan (the network needs the seats).

    Examples
    --------
    >>> seating = load_seating(session, 1)  # doctest: +SKIP
    >>> seating.attendees.columns.tolist()  # doctest: +SKIP
    ['attendee_id', 'person', 'sector', 'organisation']
    """
    get_workshop(session, workshop_id)
    rows = session.execute(select(Attendee.id, Attendee.sector, Attendee.organisation)
                           .where(Attendee.workshop_id == workshop_id).order_by(Attendee.id)).all()
    seats = pd.DataFrame(session.execute(
        select(TableSeat.round_number, TableSeat.table_number, TableSeat.attendee_id)
        .where(TableSeat.workshop_id == workshop_id)
        .order_by(TableSeat.round_number, TableSeat.table_number, TableSeat.attendee_id)).all(),
        columns=["round", "table", "attendee_id"])
    if seats.empty:
        raise NoData(f"Workshop {workshop_id} has no table plan, and its networks are built from who sat "
                     f"with whom: plan the tables first (`lpip workshops plan {workshop_id}`).")
    attendees = anonymise_attendees(pd.DataFrame(rows, columns=["attendee_id", "sector", "organisation"]))
    return Seating(workshop_id, attendees, seats)


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


# ----------------------------------------------------------------------------- actor network


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


def build_actor_network(seating: Seating, follow_ups: pd.DataFrame | None = None) -> nx.Graph:
    """The actor network: people joined by the rounds they shared a table (and follow-up wishes).

    Parameters
    ----------
    seating : Seating
        From :func:`load_seating` (or built by hand with the same columns).
    follow_ups : DataFrame, optional
        ``from_attendee, to_attendee``: "I'd like to follow up with" links (attendee ids).

    Returns
    -------
    networkx.Graph
        Nodes ``P01``... with ``sector`` and ``organisation``; edges with ``rounds``,
        ``weight`` (= rounds), ``met`` and ``follow_up``.

    Examples
    --------
    >>> graph = build_actor_network(load_seating(session, 1))  # doctest: +SKIP
    >>> graph.number_of_nodes()  # doctest: +SKIP
    30
    """
    person = dict(zip(seating.attendees["attendee_id"], seating.attendees["person"]))
    graph = nx.Graph(kind="actors", workshop=seating.workshop_id)
    for row in seating.attendees.itertuples(index=False):
        org = NO_ORGANISATION if pd.isna(row.organisation) else row.organisation
        graph.add_node(row.person, sector=row.sector or "unknown", organisation=org, type="person")
    for row in co_seated_pairs(seating.seats).itertuples(index=False):
        graph.add_edge(person[row.attendee_a], person[row.attendee_b], rounds=int(row.rounds),
                       weight=int(row.rounds), met=True, follow_up=False)
    if follow_ups is not None:
        _add_follow_ups(graph, _check_links(follow_ups, ("from_attendee", "to_attendee"), person, "follow-ups"), person)
    return graph


def _add_follow_ups(graph: nx.Graph, links: pd.DataFrame, person: dict) -> None:
    for row in links.itertuples(index=False):
        a, b = person[row.from_attendee], person[row.to_attendee]
        if not graph.has_edge(a, b):
            graph.add_edge(a, b, rounds=0, weight=0, met=False, follow_up=False)
        edge = graph.edges[a, b]
        edge["follow_up"] = True
        edge["follow_up_from"] = a if edge.get("follow_up_from") in (None, a) else "both"


def _check_links(links: pd.DataFrame, columns: tuple[str, str], person: dict, what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in links.columns]
    if missing:
        raise InvalidWorkshopFile(f"The {what} table has no column(s) {', '.join(missing)}; it needs "
                                  f"{' and '.join(columns)} (attendee ids).")
    frame = links[list(columns)].dropna()
    try:
        frame = frame.astype("int64")
    except (TypeError, ValueError):
        raise InvalidWorkshopFile(f"The {what} table's {' and '.join(columns)} must be attendee ids "
                                  "(whole numbers).") from None
    problems = [f"row {i + 2}: attendee {v} is not at this workshop" for i, row in enumerate(frame.itertuples(index=False))
                for v in row if v not in person]
    if problems:
        raise InvalidWorkshopFile(f"The {what} table names attendees the workshop does not have; use the ids "
                                  "from `lpip workshops attendees list`:", problems)
    return frame[frame[columns[0]] != frame[columns[1]]]


def prior_tie_pairs(prior_ties: pd.DataFrame, seating: Seating) -> set[frozenset]:
    """Prior ties (``attendee_a, attendee_b``) as a set of unordered pairs of person ids."""
    person = dict(zip(seating.attendees["attendee_id"], seating.attendees["person"]))
    frame = _check_links(prior_ties, ("attendee_a", "attendee_b"), person, "prior ties")
    return {frozenset((person[a], person[b])) for a, b in frame.itertuples(index=False)}


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


# ----------------------------------------------------------------------------- actor measures


@dataclass(frozen=True)
class ActorMeasures:
    """What the actor network shows.

    Attributes
    ----------
    summary : dict
        ``people, ties, ties_met, follow_ups, cross_sector_ties, cross_sector_share, density,
        sector_assortativity, new_connections`` (``None`` without prior ties) and
        ``new_connections_note`` (the reason when it is ``None``).
    people : DataFrame
        ``person, sector, organisation, ties, cross_sector_ties, betweenness`` (highest first).
    organisations : DataFrame
        ``organisation, people, ties, betweenness`` (highest first).
    before_after : DataFrame or None
        ``measure, before, after`` when prior ties were given.
    """

    summary: dict
    people: pd.DataFrame
    organisations: pd.DataFrame
    before_after: pd.DataFrame | None = field(default=None)


def measure_actor_network(graph: nx.Graph, prior_ties: set[frozenset] | None = None) -> ActorMeasures:
    """New connections, cross-sector ties, bridging people and organisations, sector mixing.

    Parameters
    ----------
    graph : networkx.Graph
        From :func:`build_actor_network`.
    prior_ties : set of frozenset, optional
        Pairs of person ids who knew each other before (see :func:`prior_tie_pairs`).

    Examples
    --------
    >>> measures = measure_actor_network(build_actor_network(load_seating(session, 1)))  # doctest: +SKIP
    >>> measures.summary["new_connections_note"]  # doctest: +SKIP
    'prior ties not recorded'
    """
    met = {frozenset((u, v)) for u, v, d in graph.edges(data=True) if d.get("met", True)}
    summary = _summary(graph)
    summary["ties_met"] = len(met)
    summary["follow_ups"] = sum(1 for *_e, d in graph.edges(data=True) if d.get("follow_up"))
    if prior_ties is None:
        summary["new_connections"], summary["new_connections_note"] = None, PRIOR_NOT_RECORDED
    else:
        summary["new_connections"], summary["new_connections_note"] = len(met - prior_ties), ""
    before_after = None if prior_ties is None else _before_after(graph, prior_ties)
    return ActorMeasures(summary, _people(graph), _organisations(graph), before_after)


def _summary(graph: nx.Graph) -> dict:
    cross = cross_sector_ties(graph)
    ties = graph.number_of_edges()
    return {
        "people": graph.number_of_nodes(), "ties": ties, "cross_sector_ties": cross,
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
    """``nx.attribute_assortativity_coefficient`` on sector; NaN where it is undefined
    (no edges, or a single sector, where the coefficient divides zero by zero)."""
    sectors = set(nx.get_node_attributes(graph, "sector").values())
    if graph.number_of_edges() == 0 or len(sectors) < 2:
        return float("nan")
    return float(nx.attribute_assortativity_coefficient(graph, "sector"))


def _people(graph: nx.Graph) -> pd.DataFrame:
    between = nx.betweenness_centrality(graph, normalized=True)
    sector = nx.get_node_attributes(graph, "sector")
    rows = [{"person": n, "sector": d["sector"], "organisation": d["organisation"], "ties": graph.degree(n),
             "cross_sector_ties": sum(1 for m in graph[n] if sector[m] != d["sector"]), "betweenness": between[n]}
            for n, d in graph.nodes(data=True)]
    frame = pd.DataFrame(rows, columns=["person", "sector", "organisation", "ties", "cross_sector_ties", "betweenness"])
    return frame.sort_values(["betweenness", "person"], ascending=[False, True], ignore_index=True)


def _organisations(graph: nx.Graph) -> pd.DataFrame:
    orgs = organisation_network(graph)
    between = nx.betweenness_centrality(orgs, normalized=True)
    frame = pd.DataFrame([{"organisation": n, "people": d["people"], "ties": orgs.degree(n), "betweenness": between[n]}
                          for n, d in orgs.nodes(data=True)],
                         columns=["organisation", "people", "ties", "betweenness"])
    return frame.sort_values(["betweenness", "organisation"], ascending=[False, True], ignore_index=True)


def _before_after(graph: nx.Graph, prior_ties: set[frozenset]) -> pd.DataFrame:
    before = nx.Graph()
    before.add_nodes_from(graph.nodes(data=True))
    before.add_edges_from(tuple(p) for p in prior_ties if len(p) == 2)
    after = before.copy()
    after.add_edges_from(graph.edges())
    first, second = _summary(before), _summary(after)
    keys = ["ties", "cross_sector_ties", "cross_sector_share", "density", "sector_assortativity", "components"]
    return pd.DataFrame({"measure": keys, "before": [first[k] for k in keys], "after": [second[k] for k in keys]})


# ----------------------------------------------------------------------------- theme network


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
                    **{k: x for k, x in d.items() if _is_value(x) and k not in ("met", "follow_up")}}
                   for u, v, d in graph.edges(data=True)]
    return {"elements": elements, "connections": connections}


def _connection_type(graph: nx.Graph, data: dict) -> str:
    if graph.graph.get("kind") == "themes":
        return "raised together"
    if data.get("follow_up") and not data.get("met", True):
        return "follow up"
    return "met at a table, follow up" if data.get("follow_up") else "met at a table"


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


# ----------------------------------------------------------------------------- figures


def draw_network(graph: nx.Graph, path: str | Path, seed: int = 0, title: str | None = None) -> Path:
    """Draw the network to a PNG or SVG file (matplotlib, Agg; the layout is seeded).

    People are coloured by sector; themes by community, sized by contributions. Edge widths
    follow the weight.

    Examples
    --------
    >>> draw_network(nx.path_graph(3), "network.png")  # doctest: +SKIP
    PosixPath('network.png')
    """
    path = _destination(path, FIGURE_SUFFIXES, "figure", "network.png")
    figure = network_figure(graph, seed=seed, title=title)
    try:
        figure.savefig(path, dpi=150, bbox_inches="tight")
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return path


def network_figure(graph: nx.Graph, seed: int = 0, title: str | None = None):
    """A matplotlib Figure of the network (the caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 6))
    axes.set_axis_off()
    if title:
        axes.set_title(title)
    if graph.number_of_nodes() == 0:
        axes.text(0.5, 0.5, "No nodes to draw", ha="center", va="center")
        return figure
    positions = nx.spring_layout(graph, seed=seed, weight="weight")
    themes = graph.graph.get("kind") == "themes"
    colour_by = theme_communities(graph) if themes else nx.get_node_attributes(graph, "sector")
    _draw(graph, positions, axes, colour_by, themes)
    return figure


def _draw(graph: nx.Graph, positions: dict, axes, colour_by: dict, themes: bool) -> None:
    import matplotlib.pyplot as plt

    groups = sorted({str(v) for v in colour_by.values()})
    palette = plt.get_cmap("tab10")
    colour = {g: palette(i % 10) for i, g in enumerate(groups)}
    weights = [max(d.get("weight", 1), 0.5) for *_e, d in graph.edges(data=True)]
    top = max(weights, default=1)
    nx.draw_networkx_edges(graph, positions, ax=axes, width=[0.5 + 2.5 * w / top for w in weights],
                           edge_color="#999999", alpha=0.6)
    sizes = ([80 + 40 * graph.nodes[n].get("contributions", 1) for n in graph] if themes else 160)
    nx.draw_networkx_nodes(graph, positions, ax=axes, node_size=sizes,
                           node_color=[colour[str(colour_by.get(n, ""))] for n in graph])
    nx.draw_networkx_labels(graph, positions, ax=axes, font_size=7 if themes else 6)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colour[g],
                          label=f"community {g}" if themes else g) for g in groups]
    axes.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)


# ----------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class WorkshopNetworks:
    """A workshop's actor network and its measures."""

    seating: Seating
    graph: nx.Graph
    measures: ActorMeasures


def workshop_actor_network(session: Session, workshop_id: int, follow_ups: pd.DataFrame | None = None,
                           prior_ties: pd.DataFrame | None = None) -> WorkshopNetworks:
    """Read a workshop's seats and build and measure its actor network.

    Examples
    --------
    >>> result = workshop_actor_network(session, 1)  # doctest: +SKIP
    >>> result.measures.summary["cross_sector_ties"]  # doctest: +SKIP
    """
    seating = load_seating(session, workshop_id)
    graph = build_actor_network(seating, follow_ups)
    prior = None if prior_ties is None else prior_tie_pairs(prior_ties, seating)
    return WorkshopNetworks(seating, graph, measure_actor_network(graph, prior))


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
