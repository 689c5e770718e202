"""Palettes: worse is always the darker warm end, neutral blue when there is no judgement,
classes that stay apart in greyscale, a no-data colour unlike any class, safe cluster colours.

Luminance and hue are computed here independently of the module (WCAG 2 formula, colorsys).
"""

from __future__ import annotations

import colorsys

import pytest

from lpip.errors import InvalidAnalysisOption, InvalidCatalogue
from lpip.maps.palettes import (
    MAX_CLASSES, MIN_CLASSES, NO_DATA_COLOUR, NOT_SIGNIFICANT_COLOUR, OKABE_ITO, cluster_colour, relative_luminance,
    sequential_colours,
)

POLARITIES = ["lower is better", "higher is better", "no judgement"]
CLASSES = range(MIN_CLASSES, MAX_CLASSES + 1)


def rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance, written out here so the module's own is checked too."""
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def hue_degrees(colour: str) -> float:
    return colorsys.rgb_to_hsv(*rgb(colour))[0] * 360


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("k", CLASSES)
def test_lower_is_better_darkens_towards_high_values(k):
    colours = sequential_colours(k, "lower is better")
    lum = [luminance(c) for c in colours]
    assert lum == sorted(lum, reverse=True)  # class 0 (lowest values) lightest, the highest darkest


@pytest.mark.parametrize("k", CLASSES)
def test_higher_is_better_darkens_towards_low_values(k):
    colours = sequential_colours(k, "higher is better")
    lum = [luminance(c) for c in colours]
    assert lum == sorted(lum)  # class 0 (lowest values, the worst) darkest


@pytest.mark.parametrize("k", CLASSES)
def test_the_two_polarities_are_mirror_images(k):
    assert sequential_colours(k, "higher is better") == sequential_colours(k, "lower is better")[::-1]


@pytest.mark.parametrize("polarity", ["lower is better", "higher is better"])
def test_worse_is_the_warm_end(polarity):
    colours = sequential_colours(5, polarity)
    worst = colours[-1] if polarity == "lower is better" else colours[0]
    assert min(colours, key=luminance) == worst
    # Dark red: hue within 20 degrees of red.
    assert hue_degrees(worst) < 20 or hue_degrees(worst) > 340


def test_no_judgement_is_a_neutral_blue():
    colours = sequential_colours(5, "no judgement")
    assert all(180 <= hue_degrees(c) <= 250 for c in colours)
    assert [luminance(c) for c in colours] == sorted((luminance(c) for c in colours), reverse=True)


@pytest.mark.parametrize("polarity", POLARITIES)
@pytest.mark.parametrize("k", [3, 5, 7])
def test_classes_stay_apart_in_greyscale(polarity, k):
    colours = sequential_colours(k, polarity)
    neighbours = [contrast(a, b) for a, b in zip(colours, colours[1:])]
    assert min(neighbours) >= 1.12, neighbours
    # The lightest class is still visible on white paper, the darkest readable as dark.
    assert contrast(min(colours, key=luminance), "#ffffff") >= 7


@pytest.mark.parametrize("polarity", POLARITIES)
def test_module_luminance_matches_wcag(polarity):
    for colour in sequential_colours(9, polarity):
        assert relative_luminance(colour) == pytest.approx(luminance(colour), abs=1e-9)


@pytest.mark.parametrize("polarity", POLARITIES)
@pytest.mark.parametrize("k", CLASSES)
def test_no_data_is_unlike_every_class(polarity, k):
    colours = sequential_colours(k, polarity)
    assert NO_DATA_COLOUR not in colours
    # A neutral grey: no hue of its own.
    r, g, b = rgb(NO_DATA_COLOUR)
    assert r == g == b


def test_unknown_polarity():
    with pytest.raises(InvalidCatalogue, match="higher is better, lower is better, no judgement"):
        sequential_colours(5, "more is merrier")


@pytest.mark.parametrize("k", [1, 10])
def test_classes_out_of_range(k):
    with pytest.raises(InvalidAnalysisOption):
        sequential_colours(k, "no judgement")


# --- hotspot clusters ----------------------------------------------------------------------


def test_clusters_of_worse_values_share_a_colour_whichever_way_numbers_run():
    # High IMD scores and low IMD ranks both mean high deprivation.
    assert cluster_colour("high-high", "lower is better") == cluster_colour("low-low", "higher is better")
    assert cluster_colour("high-high", "lower is better") == OKABE_ITO["vermillion"]
    assert cluster_colour("low-low", "lower is better") == OKABE_ITO["blue"]
    assert cluster_colour("high-low", "lower is better") == cluster_colour("low-high", "higher is better")


@pytest.mark.parametrize("polarity", POLARITIES)
def test_cluster_colours_are_distinct_okabe_ito(polarity):
    colours = [cluster_colour(c, polarity) for c in ("high-high", "low-low", "high-low", "low-high")]
    assert len(set(colours)) == 4
    assert set(colours) <= set(OKABE_ITO.values())
    assert cluster_colour("not significant", polarity) == NOT_SIGNIFICANT_COLOUR
    assert NOT_SIGNIFICANT_COLOUR not in colours


def test_no_judgement_clusters_carry_no_warning_colour():
    colours = {cluster_colour(c, "no judgement") for c in ("high-high", "low-low", "high-low", "low-high")}
    assert OKABE_ITO["vermillion"] not in colours and OKABE_ITO["orange"] not in colours
