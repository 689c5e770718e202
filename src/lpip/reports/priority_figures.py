"""Figures of the synthesis: the triage quadrant, the evidence chart of a priority, the region
matrix and the programme's timeline (Gantt). Each returns a :class:`lpip.reports.render.Figure`
(SVG by default, PNG on request).

Text is never smaller than 7 pt on the page: figures are laid out at their printed size
(constrained layout, no "tight" cropping that would change it) no wider than the page's text
(:data:`PORTRAIT_WIDTH` inches, :data:`LANDSCAPE_WIDTH` on landscape pages), with 8 pt text, so
a PDF shows them at 100%.
"""

from __future__ import annotations

import io
import textwrap

import numpy as np
import pandas as pd

from lpip.reports.render import SVG_RC, Figure, pyplot

KIND_COLOURS = {"wicked": "#b2182b", "quick_win": "#1a9850", "other": "#4d4d4d"}
KIND_NAMES = {"wicked": "wicked problem", "quick_win": "quick win", "other": "other"}
VERDICT_COLOURS = {"supported": "#d6604d", "mixed": "#f4a582", "not_supported": "#92c5de", "no_evidence": "#f0f0f0"}
VERDICT_NAMES = {"supported": "supported", "mixed": "mixed", "not_supported": "not supported", "no_evidence": "no evidence"}
DIRECTION_COLOURS = {"worse": "#b2182b", "similar": "#878787", "better": "#2166ac"}
STRAND_COLOURS = {"research": "#762a83", "action": "#1b7837", "scoping": "#e08214"}
# Widths that fit the programme document's text block (A4, its margins) at 100%.
PORTRAIT_WIDTH, LANDSCAPE_WIDTH = 6.9, 10.3
# The rule's thresholds, as shares of the terms (see lpip.synthesis.triage).
WICKED_LINE, QUICK_LINE = 3 / 6, 3 / 4


def _finish(fig, name: str, alt: str, suffix: str) -> Figure:
    plt = pyplot()
    buffer = io.BytesIO() if suffix == ".png" else io.StringIO()
    with plt.rc_context(SVG_RC):
        if suffix == ".png":
            fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
        else:
            fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return Figure(name, buffer.getvalue(), alt, suffix)


def quadrant_figure(points: pd.DataFrame, title: str, suffix: str = ".svg", seed: int = 0) -> Figure:
    """Priorities on complexity (wicked-problem terms held) against consensus and tractability
    (quick-win terms held), the quadrants labelled, each point numbered by priority id.

    ``points``: ``priority_id, title, complexity, tractability, kind`` (and ``override``).
    Points on the same spot are spread a little up and to the right (seeded), never across a
    threshold line (the terms are sixths and quarters), so none hides another.
    """
    plt = pyplot()
    rng = np.random.default_rng(seed)
    with plt.rc_context({**SVG_RC, "font.size": 8}):
        fig, ax = plt.subplots(figsize=(PORTRAIT_WIDTH, 5.2), layout="constrained")
        ax.axvspan(WICKED_LINE, 1.05, ymin=0, ymax=1, color="#fbe3e0", zorder=0)
        ax.axhspan(QUICK_LINE, 1.05, xmin=0, xmax=(WICKED_LINE + 0.05) / 1.1, color="#e2f2e1", zorder=0)
        ax.axvline(WICKED_LINE, color="#999999", lw=0.8, ls="--")
        ax.axhline(QUICK_LINE, color="#999999", lw=0.8, ls="--")
        for text, x, y, ha in (("Quick wins", 0.0, 1.03, "left"), ("Complex but tractable", 1.03, 1.03, "right"),
                               ("To scope", 0.0, -0.03, "left"), ("Wicked problems", 1.03, -0.03, "right")):
            ax.text(x, y, text, ha=ha, va="center", fontsize=10, fontweight="bold", color="#333333")
        jitter = rng.uniform(0.0, 0.035, size=(len(points), 2))
        for (row, (dx, dy)) in zip(points.itertuples(index=False), jitter, strict=True):
            x, y = row.complexity + dx, row.tractability + dy
            ax.scatter([x], [y], s=70, color=KIND_COLOURS.get(row.kind, "#4d4d4d"), edgecolor="white", zorder=3,
                       marker="D" if getattr(row, "override", None) else "o")
            ax.annotate(str(row.priority_id), (x, y), xytext=(5, 4), textcoords="offset points", fontsize=8)
        for kind, colour in KIND_COLOURS.items():
            ax.scatter([], [], color=colour, label=KIND_NAMES[kind])
        ax.scatter([], [], color="#4d4d4d", marker="D", label="kind set by facilitators")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
        ax.set_xlim(-0.08, 1.08)
        ax.set_ylim(-0.08, 1.08)
        ax.set_xlabel("Complexity: share of the 6 wicked-problem terms that hold")
        ax.set_ylabel("Consensus and tractability: share of the 4 quick-win terms")
        ax.set_title(title, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
    alt = (f"{len(points)} priorities placed by complexity and tractability; "
           f"{(points['kind'] == 'wicked').sum()} wicked problems, {(points['kind'] == 'quick_win').sum()} quick wins.")
    return _finish(fig, "priority-quadrant", alt, suffix)


def evidence_figure(judgements: pd.DataFrame, name: str, suffix: str = ".svg") -> Figure | None:
    """Each linked indicator's standardised difference from England in each place judged, with
    the band where it counts as similar; None when nothing has a value."""
    from lpip.synthesis.evidence import SIMILAR_WITHIN_SD

    rows = judgements[judgements["z"].notna()] if "z" in judgements else judgements.iloc[0:0]
    if rows.empty:
        return None
    plt = pyplot()
    labels = [textwrap.fill(textwrap.shorten(f"{t} ({p})", 90), 46) for t, p in zip(
        rows["title"], rows["judged_at"], strict=True)]
    height = 1.1 + 0.42 * len(rows)
    with plt.rc_context({**SVG_RC, "font.size": 8}):
        fig, ax = plt.subplots(figsize=(PORTRAIT_WIDTH, height), layout="constrained")
        ax.axvspan(-SIMILAR_WITHIN_SD, SIMILAR_WITHIN_SD, color="#eeeeee", zorder=0)
        ax.axvline(0, color="#555555", lw=0.8)
        y = np.arange(len(rows))[::-1]
        colours = [DIRECTION_COLOURS.get(d, "#878787") for d in rows["direction"]]
        ax.scatter(rows["z"].clip(-4, 4), y, color=colours, s=36, zorder=3)
        ax.set_yticks(y, labels)
        ax.set_xlim(-4.2, 4.2)
        ax.set_xlabel("Standard deviations of English districts from England (right = better)")
        ax.spines[["top", "right"]].set_visible(False)
    alt = "; ".join(f"{lab}: {d}" for lab, d in zip(labels, rows["direction"], strict=True))
    return _finish(fig, name, alt, suffix)


def matrix_figure(long: pd.DataFrame, subregions: pd.DataFrame, title: str, suffix: str = ".png") -> Figure:
    """The region matrix as a grid: priorities (rows) x sub-regions (columns), coloured by the
    verdict there, a ring where the priority was raised and the dots it got there."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    priorities = long.drop_duplicates("priority_id")[["priority_id", "title", "scope"]]
    names = list(subregions["name"])
    grid = long.pivot(index="priority_id", columns="subregion", values="verdict").reindex(
        index=priorities["priority_id"], columns=names)
    order = list(VERDICT_COLOURS)
    codes = grid.apply(lambda column: column.map(order.index)).to_numpy(dtype=float)
    cells = long.set_index(["priority_id", "subregion"])
    height = 1.6 + 0.36 * max(len(priorities), 1)
    with plt.rc_context({**SVG_RC, "font.size": 8}):
        fig, ax = plt.subplots(figsize=(LANDSCAPE_WIDTH, height), layout="constrained")
        ax.pcolormesh(codes, cmap=ListedColormap(list(VERDICT_COLOURS.values())), vmin=-0.5, vmax=len(order) - 0.5,
                      edgecolors="white", linewidth=1)
        raised = [(j + 0.5, i + 0.5) for i, p in enumerate(priorities["priority_id"]) for j, n in enumerate(names)
                  if cells.at[(p, n), "raised"]]
        if raised:
            ax.scatter(*zip(*raised, strict=True), s=260, facecolors="none", edgecolors="#222222", linewidths=1.4)
        for i, p in enumerate(priorities["priority_id"]):
            for j, n in enumerate(names):
                if cells.at[(p, n), "dots"]:
                    ax.text(j + 0.5, i + 0.5, str(cells.at[(p, n), "dots"]), ha="center", va="center", fontsize=8)
        ax.set_xlim(0, len(names))
        ax.set_ylim(len(priorities), 0)
        ax.set_xticks(np.arange(len(names)) + 0.5, [textwrap.fill(n, 14) for n in names], fontsize=8)
        ax.xaxis.tick_top()
        ax.set_yticks(np.arange(len(priorities)) + 0.5,
                      [textwrap.shorten(f"{p.priority_id}. {p.title}" + (" (region-wide)" if p.scope == "region-wide" else ""), 60)
                       for p in priorities.itertuples(index=False)], fontsize=8)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        handles = [Patch(color=c) for c in VERDICT_COLOURS.values()]
        handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", markeredgecolor="#222222",
                              markersize=10))
        ax.legend(handles, [*VERDICT_NAMES.values(), "raised here (number: dots)"], loc="upper center",
                  bbox_to_anchor=(0.5, -0.02), ncol=5, fontsize=8, frameon=False)
        ax.set_title(title, fontsize=10, pad=28)
    alt = f"{len(priorities)} priorities across {len(names)} sub-regions: where each was raised and the evidence verdict."
    return _finish(fig, "priority-matrix", alt, suffix)


def gantt_figure(plan: pd.DataFrame, titles: dict[int, str], suffix: str = ".svg") -> Figure | None:
    """The plan's lines as bars from start to end, grouped by priority and coloured by strand."""
    rows = plan[(plan["start"] != "") & (plan["end"] != "")]
    if rows.empty:
        return None
    plt = pyplot()
    start, end = pd.to_datetime(rows["start"]), pd.to_datetime(rows["end"])
    labels = [textwrap.shorten(f"{p}. {titles.get(p, '')} – {i or 'no indicator'}{' @ ' + a if a else ''}", 70)
              for p, i, a in zip(rows["priority_id"], rows["indicator"], rows["area_code"], strict=True)]
    with plt.rc_context({**SVG_RC, "font.size": 8}):
        fig, ax = plt.subplots(figsize=(LANDSCAPE_WIDTH, 1.4 + 0.3 * len(rows)), layout="constrained")
        y = np.arange(len(rows))[::-1]
        ax.barh(y, (end - start).dt.days, left=start, height=0.6,
                color=[STRAND_COLOURS.get(s, "#888888") for s in rows["strand"]])
        ax.set_yticks(y, labels, fontsize=8)
        ax.xaxis_date()
        for strand, colour in STRAND_COLOURS.items():
            ax.barh([], [], color=colour, label=strand)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
    alt = f"Timeline of {len(rows)} plan lines from {start.min():%B %Y} to {end.max():%B %Y}."
    return _finish(fig, "programme-timeline", alt, suffix)
