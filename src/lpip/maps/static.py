"""Static maps for reports: PNG and SVG drawn with geopandas and matplotlib.

Every map has its title, the legend with each class's range and count, the unit and period,
a "No data" entry when some areas lack a value, and the source and licence attribution.
Areas are drawn on the British National Grid (EPSG:27700), so shapes keep their true
proportions. Figures are made with matplotlib's object API (``Figure``, never pyplot), so
nothing depends on a display or on pyplot's global state; text in SVG stays text, which
screen readers and search can read.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import geopandas as gpd

from lpip.maps.legend import StyledMap, style_choropleth

STATIC_SUFFIXES = (".png", ".svg")
DRAWING_CRS = "EPSG:27700"
DPI = 150
SIZE = (8.6, 8.2)  # inches: a map on its own
# A map in an A4 profile or pack: drawn at the width it prints at (182 mm between lpip's
# margins), so that its text prints at the sizes set here (7 pt and more), not scaled down,
# and under half an A4 page high, so that a map pushed to the next page leaves no half-empty page.
PRINT_SIZE = (7.0, 4.8)
EDGES = {"lad": ("#ffffff", 0.6), "lsoa": ("face", 0.05)}
RC = {
    "svg.fonttype": "none",  # keep text as <text>, not outlines
    "svg.hashsalt": "lpip",  # the same map gives the same file
    "hatch.linewidth": 0.6,
    "font.family": "DejaVu Sans",
}


def draw_static(
    frame: gpd.GeoDataFrame,
    indicator,
    out: Path,
    scheme: str = "quantiles",
    k: int = 5,
    outlines: gpd.GeoDataFrame | None = None,
    size: tuple[float, float] = SIZE,
) -> str:
    """Draw a choropleth to a PNG or SVG file (by the suffix of ``out``) and return its alt text.

    Parameters
    ----------
    frame : GeoDataFrame
        From :func:`lpip.maps.map_frame`.
    indicator : Indicator
        The catalogue row (title, unit, polarity, source).
    out : Path
        Ends in .png or .svg.
    scheme, k
        Classification (see :func:`lpip.maps.classify`).
    outlines : GeoDataFrame, optional
        Boundaries drawn over the areas, e.g. :func:`lpip.maps.subregion_outlines`.
    size : (width, height) in inches; :data:`PRINT_SIZE` for a map printed in an A4 document.

    Returns
    -------
    str
        Alt text for the image, for use in HTML.

    Examples
    --------
    >>> alt = draw_static(map_frame(session, "unemployment_rate"), indicator, Path("map.png"))  # doctest: +SKIP
    """
    from lpip.maps.choropleth import check_suffix

    out = check_suffix(Path(out), STATIC_SUFFIXES)
    styled = style_choropleth(frame, indicator, scheme, k)
    render(styled, out, outlines, size)
    return styled.alt


def render(styled: StyledMap, out: Path, outlines: gpd.GeoDataFrame | None = None,
           size: tuple[float, float] = SIZE) -> Path:
    """Write a styled map to ``out`` (PNG or SVG), ``size`` inches before cropping."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        figure = Figure(figsize=size, layout=None)
        axes = figure.add_axes((0.02, 0.12, 0.62, 0.72))
        _draw_areas(axes, styled)
        if outlines is not None and len(outlines):
            outlines.to_crs(DRAWING_CRS).boundary.plot(ax=axes, color="#1a1a1a", linewidth=1.1)
        axes.set_axis_off()
        axes.set_aspect("equal")
        _add_legend(axes, styled, outlines)
        _add_text(figure, styled, size[0])
        out.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(out, dpi=DPI, bbox_inches="tight", pad_inches=0.15, facecolor="white",
                       metadata=_metadata(styled, out.suffix.lower()))
    return out


def _draw_areas(axes, styled: StyledMap) -> None:
    areas = styled.areas.to_crs(DRAWING_CRS)
    edge, width = EDGES[styled.level]
    plain = areas[areas["hatch"].isna()]
    if len(plain):
        plain.plot(ax=axes, color=plain["fill"].tolist(), edgecolor=edge, linewidth=width)
    for (fill, hatch), group in areas[areas["hatch"].notna()].groupby(["fill", "hatch"]):
        group.plot(ax=axes, facecolor=fill, edgecolor="#737373", hatch=hatch, linewidth=0.3)


def _add_legend(axes, styled: StyledMap, outlines) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=e.colour, edgecolor=e.edge or "#8c8c8c", hatch=e.hatch, linewidth=0.6,
              label=f"{e.label} ({e.count:,})")
        for e in styled.legend
    ]
    if outlines is not None and len(outlines):
        handles.append(Line2D([], [], color="#1a1a1a", linewidth=1.1, label="Sub-region boundary"))
    legend = axes.legend(
        handles=handles, title=_wrap(styled.legend_title, 28), loc="upper left", bbox_to_anchor=(1.02, 1.0),
        frameon=False, fontsize=9, title_fontsize=9.5, alignment="left", handlelength=1.8, handleheight=1.2,
    )
    legend.get_title().set_fontweight("bold")


def _add_text(figure, styled: StyledMap, width: float = SIZE[0]) -> None:
    # Lines wrap to the figure's width (characters per inch at each size), so that nothing
    # runs past the edge and makes the cropped image wider than it was drawn.
    title = _wrap(styled.title, int(width * 8.1))
    figure.text(0.02, 0.975, title, fontsize=13, fontweight="bold", va="top")
    figure.text(0.02, 0.935 - 0.032 * title.count("\n"), styled.subtitle, fontsize=10, color="#404040", va="top")
    footer = "\n".join([*(_wrap(n, int(width * 14)) for n in styled.notes), _wrap(styled.attribution, int(width * 14))])
    figure.text(0.02, 0.10, footer, fontsize=7, color="#404040", va="top", linespacing=1.4)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _metadata(styled: StyledMap, suffix: str) -> dict:
    if suffix == ".svg":
        return {"Title": styled.title, "Description": styled.alt, "Date": None, "Creator": "lpip"}
    return {"Title": styled.title, "Description": styled.alt, "Software": "lpip"}
