"""Network figures readable at a workshop's size: 40 made-up people, placed by sector, only the top
brokers labelled, a legend for every colour and kind of line."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from lpip.errors import InvalidExport
from lpip.reports.network_figures import draw_network, network_figure, sector_layout, top_brokers
from lpip.workshops.models import SECTORS


@pytest.fixture
def forty():
    """Made up: 40 people in six sectors; everyone seated with their table (designed contact),
    a few follow-up wishes and prior ties as relationships."""
    rng = np.random.default_rng(0)
    graph = nx.Graph(kind="actors")
    people = [f"P{i:02d}" for i in range(1, 41)]
    for i, person in enumerate(people):
        graph.add_node(person, sector=SECTORS[i % 6], organisation=f"O{i % 12:02d}", type="person")
    for table in range(8):
        for a, b in nx.utils.pairwise(people[table::8]):
            graph.add_edge(a, b, designed_contact=1, follow_up=False, prior_tie=False, relationship=False)
    for a, b in rng.choice(40, size=(30, 2)):
        if a != b:
            edge = graph.get_edge_data(people[a], people[b]) or {"designed_contact": 0, "prior_tie": False}
            graph.add_edge(people[a], people[b], **{**edge, "follow_up": True, "relationship": True})
    return graph


def test_people_of_a_sector_are_placed_together(forty):
    positions = sector_layout(forty)
    by_sector = {}
    for node, data in forty.nodes(data=True):
        by_sector.setdefault(data["sector"], []).append(np.array(positions[node]))
    centres = {s: np.mean(points, axis=0) for s, points in by_sector.items()}
    for sector, points in by_sector.items():
        own = max(np.linalg.norm(p - centres[sector]) for p in points)
        nearest_other = min(np.linalg.norm(centres[sector] - c) for s, c in centres.items() if s != sector)
        assert own < nearest_other / 2


def test_only_the_top_brokers_are_labelled_and_the_legend_names_everything(forty):
    figure = network_figure(forty, title="Who is connected to whom")
    axes = figure.axes[0]
    shown = {t.get_text() for t in axes.texts}
    brokers = top_brokers(forty)
    assert 1 <= len(brokers) <= 5
    assert set(brokers) <= shown and not (shown - set(brokers)) & set(forty.nodes())
    legend = {t.get_text() for t in axes.get_legend().get_texts()}
    assert set(SECTORS) <= legend
    assert {"designed contact (seated together by the plan)", "wants to follow up"} <= legend
    # The brokers are those of the real relationships, not of the seating plan.
    real = nx.Graph((u, v) for u, v, d in forty.edges(data=True) if d["relationship"])
    between = nx.betweenness_centrality(real)
    assert brokers[0] == max(between, key=lambda n: (between[n], -int(n[1:])))
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_without_relationships_no_one_is_labelled(forty):
    seated = nx.Graph(kind="actors")
    seated.add_nodes_from(forty.nodes(data=True))
    seated.add_edges_from((u, v, d) for u, v, d in forty.edges(data=True) if not d["relationship"])
    assert top_brokers(seated) == []


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<svg")], ids=["png", "svg"])
def test_figures_are_written(forty, tmp_path, suffix, magic):
    path = draw_network(forty, tmp_path / f"figure{suffix}")
    assert magic in path.read_bytes()[:2000]


def test_a_theme_network_is_drawn_with_every_theme_named(tmp_path):
    graph = nx.Graph(kind="themes")
    graph.add_edge("housing", "health", weight=2)
    graph.add_edge("jobs", "skills", weight=1)
    figure = network_figure(graph)
    assert {"housing", "health", "jobs", "skills"} <= {t.get_text() for t in figure.axes[0].texts}
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_wrong_file_types_and_missing_folders_are_refused(forty, tmp_path):
    with pytest.raises(InvalidExport, match="name it e.g."):
        draw_network(forty, tmp_path / "out.jpg")
    with pytest.raises(InvalidExport, match="does not exist"):
        draw_network(forty, tmp_path / "nowhere" / "x.png")


def test_layout_of_one_sector_is_a_circle():
    graph = nx.Graph()
    graph.add_nodes_from((f"P{i}", {"sector": "public"}) for i in range(6))
    radii = {round(math.hypot(*p), 6) for p in sector_layout(graph).values()}
    assert len(radii) == 1
