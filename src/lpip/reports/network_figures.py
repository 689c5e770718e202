"""Network figures: who is connected to whom (by sector), and which themes were raised together.

The actor figure is drawn to be read at a workshop's size (40 people and more): people are placed
by sector (each sector a cluster around a circle, so ties within and across sectors can be told
apart at a glance), real relationships are drawn strongly (follow-up wishes solid, prior ties
dashed) and the seating plan faintly as "designed contact", only the top brokers are labelled, and
a legend names every colour and line. Matplotlib with the Agg backend; the layout has no random
part, and the theme figure's spring layout is seeded.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from lpip.errors import InvalidExport

FIGURE_SUFFIXES = (".png", ".svg")
TOP_BROKERS = 5
EDGE_STYLES = {  # layer: (label, colour, style, width, alpha)
    "designed_contact": ("designed contact (seated together by the plan)", "#bbbbbb", ":", 0.6, 0.5),
    "prior_tie": ("knew each other before", "#555555", "--", 1.3, 0.9),
    "follow_up": ("wants to follow up", "#111111", "-", 1.6, 0.95),
}


def draw_network(graph: nx.Graph, path: str | Path, seed: int = 0, title: str | None = None) -> Path:
    """Draw the network to a PNG or SVG file.

    Examples
    --------
    >>> draw_network(nx.path_graph(3), "network.png")  # doctest: +SKIP
    PosixPath('network.png')
    """
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise InvalidExport(f"{path}: a figure file ends in {' or '.join(FIGURE_SUFFIXES)}; name it e.g. network.png.")
    if not path.parent.is_dir():
        raise InvalidExport(f"{path}: the folder {path.parent} does not exist; create it or choose another path.")
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

    figure, axes = plt.subplots(figsize=(9, 7))
    axes.set_axis_off()
    if title:
        axes.set_title(title, fontsize=11)
    if graph.number_of_nodes() == 0:
        axes.text(0.5, 0.5, "No one to draw", ha="center", va="center")
        return figure
    if graph.graph.get("kind") == "themes":
        _draw_themes(graph, axes, seed)
    else:
        _draw_actors(graph, axes)
    return figure


# ----------------------------------------------------------------------------- people


def sector_layout(graph: nx.Graph) -> dict:
    """Positions with each sector's people together: sectors around a large circle (largest first),
    each sector's people on a small circle around its centre.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_nodes_from([("P01", {"sector": "public"}), ("P02", {"sector": "public"}), ("P03", {"sector": "private"})])
    >>> sorted(sector_layout(g))
    ['P01', 'P02', 'P03']
    """
    groups = _sector_groups(graph)
    positions = {}
    for i, members in enumerate(groups.values()):
        angle = 2 * math.pi * i / len(groups)
        cx, cy = (math.cos(angle), math.sin(angle)) if len(groups) > 1 else (0.0, 0.0)
        radius = 0.12 + 0.035 * math.sqrt(len(members)) if len(members) > 1 else 0.0
        for j, node in enumerate(members):
            theta = 2 * math.pi * j / len(members) + angle
            positions[node] = (cx + radius * math.cos(theta), cy + radius * math.sin(theta))
    return positions


def _sector_groups(graph: nx.Graph) -> dict[str, list]:
    groups: dict[str, list] = {}
    for node, data in sorted(graph.nodes(data=True)):
        groups.setdefault(str(data.get("sector", "unknown")), []).append(node)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))


def top_brokers(graph: nx.Graph, n: int = TOP_BROKERS) -> list:
    """The ``n`` people with the highest betweenness on the real relationships (none when there are none)."""
    real = nx.Graph()
    real.add_nodes_from(graph)
    real.add_edges_from((u, v) for u, v, d in graph.edges(data=True) if d.get("relationship", True))
    if real.number_of_edges() == 0:
        return []
    between = nx.betweenness_centrality(real, normalized=True)
    ranked = sorted((b, node) for node, b in between.items() if b > 0)
    return [node for _, node in sorted(ranked, key=lambda t: (-t[0], t[1]))[:n]]


def _draw_actors(graph: nx.Graph, axes) -> None:
    import matplotlib.pyplot as plt

    positions = sector_layout(graph)
    groups = _sector_groups(graph)
    palette = plt.get_cmap("tab10")
    colour = {sector: palette(i % 10) for i, sector in enumerate(sorted(groups))}
    handles = []
    for layer, (label, edge_colour, style, width, alpha) in EDGE_STYLES.items():
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d.get(layer) and _top_layer(d) == layer]
        if edges:
            nx.draw_networkx_edges(graph, positions, edgelist=edges, ax=axes, edge_color=edge_colour, style=style,
                                   width=width, alpha=alpha)
            handles.append(plt.Line2D([], [], color=edge_colour, linestyle=style, linewidth=width, label=label))
    degree = {n: sum(1 for m in graph[n] if graph.edges[n, m].get("relationship")) for n in graph}
    nx.draw_networkx_nodes(graph, positions, ax=axes, node_size=[60 + 40 * degree[n] for n in graph],
                           node_color=[colour[str(graph.nodes[n].get("sector", "unknown"))] for n in graph],
                           edgecolors="white", linewidths=0.5)
    brokers = top_brokers(graph)
    nx.draw_networkx_labels(graph, positions, labels={n: n for n in brokers}, ax=axes, font_size=9,
                            font_weight="bold", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    for sector, members in groups.items():
        x = sum(positions[m][0] for m in members) / len(members)
        y = sum(positions[m][1] for m in members) / len(members)
        spread = max(math.dist((x, y), positions[m]) for m in members)
        length = math.hypot(x, y) or 1.0
        # The sector's name just outside its cluster, away from the middle of the figure.
        lx, ly = x + x / length * (spread + 0.25), y + y / length * (spread + 0.25)
        axes.text(lx, ly, f"{sector} ({len(members)})", ha="center", va="center", fontsize=8.5, color="#222222",
                  fontweight="bold")
    sector_handles = [plt.Line2D([], [], marker="o", linestyle="", color=colour[s], label=s) for s in sorted(groups)]
    note = f"labelled: the {len(brokers)} top brokers (betweenness)" if brokers else "no brokers: no relationships recorded"
    handles.append(plt.Line2D([], [], linestyle="", label=note))
    axes.legend(handles=sector_handles + handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                frameon=False, title="Sector, and kind of tie", title_fontsize=8)
    axes.margins(0.15)


def _top_layer(data: dict) -> str:
    """The strongest kind of tie on an edge: it is drawn once, in that style."""
    return next(layer for layer in ("follow_up", "prior_tie", "designed_contact") if data.get(layer))


# ----------------------------------------------------------------------------- themes


def _draw_themes(graph: nx.Graph, axes, seed: int) -> None:
    import matplotlib.pyplot as plt

    from lpip.deliberation.theme_network import theme_communities

    community = theme_communities(graph)
    positions = nx.spring_layout(graph, seed=seed, weight="weight", k=1.5 / math.sqrt(max(len(graph), 1)))
    groups = sorted(set(community.values()))
    palette = plt.get_cmap("tab10")
    colour = {g: palette(i % 10) for i, g in enumerate(groups)}
    weights = [d.get("weight", 1) for *_e, d in graph.edges(data=True)]
    top = max(weights, default=1)
    nx.draw_networkx_edges(graph, positions, ax=axes, width=[0.5 + 3 * w / top for w in weights],
                           edge_color="#999999", alpha=0.6)
    nx.draw_networkx_nodes(graph, positions, ax=axes, node_color=[colour[community[n]] for n in graph],
                           node_size=[80 + 40 * graph.nodes[n].get("contributions", 1) for n in graph])
    nx.draw_networkx_labels(graph, positions, ax=axes, font_size=8)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colour[g], label=f"cluster {g}") for g in groups]
    handles.append(plt.Line2D([], [], color="#999999", label="raised together (thicker: more often)"))
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
