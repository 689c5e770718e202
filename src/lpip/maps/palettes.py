"""Colours for maps: sequential palettes that follow an indicator's polarity, and a safe
categorical set for hotspot clusters.

The rule every map keeps: **worse is always the darker, warmer end**. For an indicator where
lower is better (a deprivation score), the highest values are dark red; where higher is
better (healthy life expectancy), the palette is reversed so the lowest values are dark red.
An indicator that makes no judgement (population) uses a neutral sequential blue, so that
no colour suggests good or bad. The sequential palettes are ColorBrewer's YlOrRd and Blues
(both marked colour-blind safe by ColorBrewer) as matplotlib ships them; they darken
steadily, so they also read in greyscale print. Hotspot clusters use the Okabe-Ito set,
chosen to stay distinct under the common forms of colour blindness.
"""

from __future__ import annotations

import numpy as np

from lpip.errors import InvalidAnalysisOption, InvalidCatalogue
from lpip.evidence.models import POLARITIES

MIN_CLASSES = 2
MAX_CLASSES = 9
# Where on each colormap the lightest class sits: the very ends of YlOrRd and Blues are
# nearly white and would vanish against the page and the white area edges.
PALETTES = {
    "lower is better": ("YlOrRd", 0.12, False),
    "higher is better": ("YlOrRd", 0.12, True),
    "no judgement": ("Blues", 0.22, False),
}
NO_DATA_COLOUR = "#d9d9d9"
NO_DATA_EDGE = "#737373"
NO_DATA_HATCH = "////"

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
NOT_SIGNIFICANT_COLOUR = "#f2f2f2"
ISLAND_COLOUR = "#ffffff"
# A cluster where the values are worse than the mean is warm, a better one cool; outliers
# take the lighter colour of their own side.
JUDGED_CLUSTER_COLOURS = {
    "worse-worse": OKABE_ITO["vermillion"],
    "better-better": OKABE_ITO["blue"],
    "worse-better": OKABE_ITO["orange"],
    "better-worse": OKABE_ITO["sky blue"],
}
# Without a judgement, high and low get colours that carry no warning.
NEUTRAL_CLUSTER_COLOURS = {
    "high-high": OKABE_ITO["reddish purple"],
    "low-low": OKABE_ITO["bluish green"],
    "high-low": OKABE_ITO["yellow"],
    "low-high": OKABE_ITO["sky blue"],
}


def check_polarity(polarity: str) -> str:
    """The polarity itself, or :class:`InvalidCatalogue` when it is not one lpip knows."""
    if polarity not in POLARITIES:
        raise InvalidCatalogue(
            f"Indicator polarity {polarity!r} is not one of {', '.join(POLARITIES)}; "
            "fix the indicator's metadata (indicators.toml or the imported CSVW)."
        )
    return polarity


def check_classes(k: int) -> int:
    """``k`` when a palette has that many classes; :class:`InvalidAnalysisOption` otherwise."""
    if not MIN_CLASSES <= int(k) <= MAX_CLASSES:
        raise InvalidAnalysisOption(
            f"A map can have {MIN_CLASSES} to {MAX_CLASSES} classes, not {k}; 5 is usual (--classes 5)."
        )
    return int(k)


def sequential_colours(k: int, polarity: str) -> list[str]:
    """``k`` hex colours for classes ordered from the lowest values to the highest.

    Examples
    --------
    >>> sequential_colours(5, "lower is better")[-1] == darkest(sequential_colours(5, "lower is better"))
    True
    >>> sequential_colours(5, "higher is better")[0] == darkest(sequential_colours(5, "higher is better"))
    True
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    name, start, reverse = PALETTES[check_polarity(polarity)]
    colours = [to_hex(colormaps[name](x)) for x in np.linspace(start, 1.0, check_classes(k))]
    return colours[::-1] if reverse else colours


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a colour (0 black, 1 white)."""
    from matplotlib.colors import to_rgb

    channels = np.array(to_rgb(colour))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def darkest(colours: list[str]) -> str:
    """The colour of lowest luminance."""
    return min(colours, key=relative_luminance)


def cluster_colour(cluster: str, polarity: str) -> str:
    """The colour of a hotspot cluster ("high-high", "low-high", ..., "not significant", "island").

    Where the polarity judges, the colour follows whether the area and its neighbours are
    worse or better than the mean, so a cluster of high deprivation (high IMD score) and a
    cluster of low IMD rank (rank 1 is the most deprived) are both vermillion.

    Examples
    --------
    >>> cluster_colour("high-high", "lower is better") == cluster_colour("low-low", "higher is better")
    True
    """
    if cluster == "not significant":
        return NOT_SIGNIFICANT_COLOUR
    if cluster == "island":
        return ISLAND_COLOUR
    if check_polarity(polarity) == "no judgement":
        return NEUTRAL_CLUSTER_COLOURS[cluster]
    worse = "high" if polarity == "lower is better" else "low"
    own, around = cluster.split("-")
    key = "-".join("worse" if side == worse else "better" for side in (own, around))
    return JUDGED_CLUSTER_COLOURS[key]
