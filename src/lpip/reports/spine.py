"""The Fingertips-style spine chart: every indicator of an area against England, one row each.

Each row is centred on England's value (the vertical line). The grey bar spans the range of
the comparison districts (the region's, or all English districts where the region has too
few values), the darker part their 25th to 75th percentiles. The bar is scaled per row so
that England sits in the middle and the farther end of the range touches the edge; better
is always to the right (for "lower is better" indicators the scale is turned round), and
indicators without a judgement put higher values to the right.

The area's marker says how it compares with England at 95% confidence: better, similar or
worse (higher or lower without a polarity), or "not compared" where there is no interval.
Where a district's value has no interval (the bundled district data has none) the marker is
a square shaded by its quintile among English districts, as Fingertips shows quintiles:
darkest for the worst fifth (the lowest fifth where there is no judgement); other areas
without an interval (sub-regions, which have no quintile) get a white diamond.
Significance is encoded twice, by colour (Okabe-Ito colour-blind-safe colours) and by
marker shape (up for better, down for worse), so that the chart reads in greyscale print.
Rows where England has no value are centred on the median English district instead and
marked with a dagger.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SPINE_COLUMNS = [
    "indicator_id", "label", "polarity", "value", "centre", "centre_is_england",
    "range_min", "range_max", "p25", "p75", "significance", "quintile",
]


@dataclass(frozen=True)
class MarkerStyle:
    """How one significance category is drawn, and said in the legend."""

    colour: str
    shape: str
    legend: str


# Colour-blind-safe colours (Okabe-Ito, and purples for "no judgement") chosen so that better
# is lighter than worse in greyscale; shapes point up for better/higher, down for worse/lower.
MARKERS = {
    "better": MarkerStyle("#56B4E9", "^", "Better than England (95% confidence)"),
    "similar": MarkerStyle("#F0E442", "o", "Similar to England"),
    "worse": MarkerStyle("#D55E00", "v", "Worse than England"),
    "higher": MarkerStyle("#CC79A7", "^", "Higher than England (no judgement)"),
    "lower": MarkerStyle("#762A83", "v", "Lower than England (no judgement)"),
    "not compared": MarkerStyle("#FFFFFF", "D", "Not compared, no quintile (not a district)"),
}
QUINTILE_SHAPE = "s"  # a not-compared district: a square shaded by its quintile
# Shades of a not-compared marker by quintile (1 = worst, or lowest): a colour-blind-safe
# sequential purple whose lightness alone tells the quintiles apart in greyscale.
QUINTILE_SHADES = {1: "#3F007D", 2: "#6A51A3", 3: "#9E9AC8", 4: "#DADAEB", 5: "#FFFFFF"}
RANGE_COLOUR = "#D9D9D9"
QUARTILE_COLOUR = "#8C8C8C"
ROW_HEIGHT = 0.32  # inches per indicator
LABEL_WIDTH = 50  # characters per line of a label (two lines at most)
# The chart is drawn at the width it prints at on A4 (182 mm between the margins, 7.17 in),
# so that its text prints at the sizes set here (7 pt and more), never scaled down.
CHART_WIDTH = 7.0
LABEL_SPACE = 0.43  # share of the width for the labels
# Rows per chart: a long chart is split into charts of this many rows or fewer (with one
# legend under them all), each under half an A4 page, so that a chart that does not fit at
# the foot of a page never leaves more than half of that page empty.
ROWS_PER_CHART = 14
FONT_SIZES = {"label": 7.5, "tick": 8.0, "title": 10.0, "legend": 7.0, "no_value": 7.5}


def spine_positions(rows: pd.DataFrame) -> pd.DataFrame:
    """Where each row's bar ends, quartiles and marker fall on the chart's -1..1 scale.

    England (the centre) is 0; the farthest of the range ends and the area's value is at
    distance 1; better is positive (higher is positive where there is no judgement).

    Examples
    --------
    >>> rows = pd.DataFrame({"value": [12.0], "centre": [10.0], "range_min": [6.0], "range_max": [12.0],
    ...                      "p25": [8.0], "p75": [11.0], "polarity": ["lower is better"]})
    >>> spine_positions(rows).round(2).to_dict("records")
    [{'marker': -0.5, 'low': -0.5, 'high': 1.0, 'q_low': -0.25, 'q_high': 0.5}]
    """
    centre = rows["centre"].astype(float)
    parts = {c: rows[c].astype(float) - centre for c in ("value", "range_min", "range_max", "p25", "p75")}
    half = pd.concat([p.abs() for p in parts.values()], axis=1).max(axis=1, skipna=True)
    half = half.where(half > 0, 1.0).fillna(1.0)
    sign = np.where(rows["polarity"] == "lower is better", -1.0, 1.0)
    scaled = {c: p / half * sign for c, p in parts.items()}
    return pd.DataFrame({
        "marker": scaled["value"],
        "low": np.fmin(scaled["range_min"], scaled["range_max"]),
        "high": np.fmax(scaled["range_min"], scaled["range_max"]),
        "q_low": np.fmin(scaled["p25"], scaled["p75"]),
        "q_high": np.fmax(scaled["p25"], scaled["p75"]),
    }, index=rows.index)


def spine_alt_text(rows: pd.DataFrame, area_name: str, range_label: str, part: tuple[int, int, int] | None = None) -> str:
    """A sentence saying what the chart shows, for the image's alt text.

    ``part`` is (first row, last row, of how many) when the chart is one of several.

    Examples
    --------
    >>> rows = pd.DataFrame({"significance": ["better", "worse", "worse"]})
    >>> spine_alt_text(rows, "Solihull", "West Midlands districts")
    'Spine chart of 3 indicators for Solihull against England, with the range of West Midlands districts: 1 better, 2 worse. The table below gives every value.'
    """
    valued = rows["value"].notna() if "value" in rows else pd.Series(True, index=rows.index)
    counts = rows.loc[valued, "significance"].value_counts()
    order = [k for k in MARKERS if k in counts.index]
    summary = ", ".join(f"{int(counts[k])} {k}" for k in order)
    missing = int((~valued).sum())
    if missing:
        summary += f"{', ' if summary else ''}{missing} without a value"
    which = f" (indicators {part[0]} to {part[1]} of {part[2]})" if part else ""
    return (f"Spine chart of {len(rows)} indicators{which} for {area_name} against England, with the range of "
            f"{range_label}: {summary}. The table below gives every value.")


def spine_parts(rows: pd.DataFrame, per_chart: int = ROWS_PER_CHART) -> list[pd.DataFrame]:
    """The rows split into charts of at most ``per_chart`` rows, as even in length as they
    can be (49 rows: 17, 16 and 16), in their order.

    Examples
    --------
    >>> [len(p) for p in spine_parts(pd.DataFrame({"x": range(49)}))]
    [17, 16, 16]
    """
    if rows.empty:
        return []
    count = -(-len(rows) // per_chart)
    bounds = np.linspace(0, len(rows), count + 1).round().astype(int)
    return [rows.iloc[start:end] for start, end in zip(bounds[:-1], bounds[1:])]


def draw_spine(rows: pd.DataFrame, area_name: str, range_label: str, out: Path | None = None,
               part: tuple[int, int, int] | None = None, legend: bool = True) -> tuple[str, str]:
    """Draw the spine chart as SVG; return (svg text, alt text). Writes ``out`` when given.
    ``legend=False`` leaves the legend out (see :func:`draw_spine_legend`).

    Rows without a value are drawn with their bar and the words "no value", so that the chart
    lists every indicator. ``part`` is (first row, last row, of how many) when the rows are
    one of several charts (:func:`spine_parts`); the title says which.

    ``rows`` has the :data:`SPINE_COLUMNS`: label (the indicator and its period), polarity,
    the area's value, centre (England's value, or the median English district where
    ``centre_is_england`` is False), range_min, range_max, p25, p75 of the comparison
    districts and significance ("better", "similar", "worse", "higher", "lower", "not
    compared").

    Examples
    --------
    >>> svg, alt = draw_spine(rows, "Solihull", "West Midlands districts")  # doctest: +SKIP
    """
    from lpip.reports.render import pyplot, savefig_svg

    plt = pyplot()
    rows = rows.reset_index(drop=True)
    positions = spine_positions(rows)
    extra = 1.9 if legend else 0.75  # inches for the title, the axis labels and the legend
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, extra + ROW_HEIGHT * max(len(rows), 1)))
    try:
        _draw_rows(ax, rows, positions)
        title = f"{area_name} compared with England" + (f" ({part[0]} to {part[1]} of {part[2]})" if part else "")
        _decorate(ax, rows, title)
        if legend:
            _legend(fig, ax, range_label, daggers=not rows["centre_is_england"].astype(bool).all())
        else:
            height = fig.get_figheight()
            fig.subplots_adjust(left=LABEL_SPACE, right=0.98, bottom=0.4 / height, top=1 - 0.35 / height)
        svg = savefig_svg(fig, tight=False)
    finally:
        plt.close(fig)
    if out is not None:
        Path(out).write_text(svg, encoding="utf-8")
    return svg, spine_alt_text(rows, area_name, range_label, part)


def _draw_rows(ax, rows: pd.DataFrame, positions: pd.DataFrame) -> None:
    y = np.arange(len(rows))[::-1]
    ax.barh(y, positions["high"] - positions["low"], left=positions["low"], height=0.62,
            color=RANGE_COLOUR, edgecolor="none", zorder=1)
    ax.barh(y, positions["q_high"] - positions["q_low"], left=positions["q_low"], height=0.62,
            color=QUARTILE_COLOUR, edgecolor="none", zorder=2)
    ax.axvline(0, color="#000000", linewidth=1.4, zorder=3)
    _no_values(ax, y, positions)
    for category, style in MARKERS.items():
        chosen = (rows["significance"] == category).to_numpy() & positions["marker"].notna().to_numpy()
        if category == "not compared":
            ranked = pd.to_numeric(rows["quintile"], errors="coerce").notna().to_numpy()
            for shape, part in ((QUINTILE_SHAPE, chosen & ranked), (style.shape, chosen & ~ranked)):
                if part.any():
                    ax.scatter(positions["marker"][part], y[part], marker=shape, s=70, c=_fills(rows[part], style),
                               edgecolors="#000000", linewidths=0.9, zorder=4)
        elif chosen.any():
            ax.scatter(positions["marker"][chosen], y[chosen], marker=style.shape, s=70,
                       c=_fills(rows[chosen], style), edgecolors="#000000", linewidths=0.9, zorder=4)


def _no_values(ax, y: np.ndarray, positions: pd.DataFrame) -> None:
    for row_y in y[positions["marker"].isna().to_numpy()]:
        ax.text(0.03, row_y, "no value", fontsize=FONT_SIZES["no_value"], fontstyle="italic", va="center", zorder=5)


def _fills(rows: pd.DataFrame, style: MarkerStyle) -> list[str]:
    if rows["significance"].iloc[0] != "not compared":
        return [style.colour] * len(rows)
    quintile = pd.to_numeric(rows["quintile"], errors="coerce")
    return [QUINTILE_SHADES.get(int(q), style.colour) if pd.notna(q) else style.colour for q in quintile]


def row_label(label: str, england: bool = True) -> str:
    """An indicator's label in at most two lines of :data:`LABEL_WIDTH` characters (shortened
    with an ellipsis beyond), with a dagger where the centre is not England.

    Examples
    --------
    >>> print(row_label("Gross disposable household income per head (2021)", england=False))
    Gross disposable household income per head (2021) †
    """
    text = str(label) + ("" if england else " †")
    lines = textwrap.wrap(text, LABEL_WIDTH)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_WIDTH, placeholder="…")]
    return "\n".join(lines)


def _decorate(ax, rows: pd.DataFrame, title: str) -> None:
    labels = [row_label(label, england) for label, england in zip(rows["label"], rows["centre_is_england"].astype(bool))]
    ax.set_yticks(np.arange(len(rows))[::-1], labels=labels, fontsize=FONT_SIZES["label"])
    ax.set_xlim(-1.08, 1.08)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xticks([-1, 0, 1], labels=["worse / lower", "England", "better / higher"], fontsize=FONT_SIZES["tick"])
    ax.tick_params(axis="y", length=0)
    ax.set_title(title, fontsize=FONT_SIZES["title"], loc="left")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _legend_handles(range_label: str, daggers: bool) -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=RANGE_COLOUR, label=f"Range of {range_label}"),
        Patch(facecolor=QUARTILE_COLOUR, label="25th to 75th percentile"),
        Line2D([0], [0], color="#000000", linewidth=1.4, label="England value (centre)"),
    ]
    handles += [
        Line2D([0], [0], marker=s.shape, linestyle="none", markerfacecolor=s.colour, markeredgecolor="#000000",
               markersize=8, label=s.legend)
        for s in MARKERS.values()
    ]
    handles += [
        Line2D([0], [0], marker=QUINTILE_SHAPE, linestyle="none", markerfacecolor=QUINTILE_SHADES[q], markeredgecolor="#000000",
               markersize=8, label=label)
        for q, label in ((1, "Not compared, quintile 1 (worst or lowest fifth of English districts)"),
                         (3, "... quintile 3"), (5, "... quintile 5 (best or highest fifth)"))
    ]
    if daggers:
        handles.append(Line2D([0], [0], linestyle="none", label="† no England value: centred on the median English district"))
    handles.append(Line2D([0], [0], linestyle="none", label="[CI] judged on a 95% confidence interval; [0.5 sd] no interval: "
                          "similar unless at least half a standard deviation of English districts from England"))
    return handles


def _legend(fig, ax, range_label: str, daggers: bool) -> None:
    height = fig.get_figheight()
    # Room below the axes, in inches, for the tick labels and a legend of up to five lines.
    fig.subplots_adjust(left=LABEL_SPACE, right=0.98, bottom=1.75 / height, top=1 - 0.35 / height)
    fig.legend(handles=_legend_handles(range_label, daggers), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=2,
               fontsize=FONT_SIZES["legend"], frameon=False)


def draw_spine_legend(range_label: str, daggers: bool = True) -> tuple[str, str]:
    """The spine chart's legend on its own (SVG text, alt text), for charts drawn in parts
    with ``legend=False``: one legend under all of them."""
    from lpip.reports.render import pyplot, savefig_svg

    plt = pyplot()
    fig = plt.figure(figsize=(CHART_WIDTH, 1.45))
    try:
        fig.legend(handles=_legend_handles(range_label, daggers), loc="center", ncol=2,
                   fontsize=FONT_SIZES["legend"], frameon=False)
        svg = savefig_svg(fig, tight=False)
    finally:
        plt.close(fig)
    alt = (f"Key to the spine charts: the grey bar is the range of {range_label}, the darker part the 25th to 75th "
           "percentile, the line England's value; the marker's shape and colour say how the area compares with England.")
    return svg, alt
