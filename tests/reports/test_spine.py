"""The spine chart: positions on the England-centred scale, and a drawing that reads in greyscale.

The rows here are made up to exercise the drawing (every significance category, both
polarities); the real indicators are charted in test_profile.py.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lpip.reports.spine import MARKERS, QUINTILE_SHADES, draw_spine, spine_alt_text, spine_positions


def rows(**overrides) -> pd.DataFrame:
    base = dict(
        indicator_id=["a", "b", "c", "d", "e", "f"],
        label=["Employment rate (2022)", "Smoking (2020)", "Obesity (2022)", "Population (2021)", "Pay (2021)", "Broadband (2023)"],
        polarity=["higher is better", "lower is better", "lower is better", "no judgement", "no judgement", "higher is better"],
        value=[80.0, 10.0, 30.0, 200.0, 400.0, 50.0],
        centre=[75.0, 12.0, 25.0, 150.0, 500.0, 60.0],
        centre_is_england=[True, True, True, True, True, False],
        range_min=[60.0, 8.0, 20.0, 100.0, 350.0, 40.0],
        range_max=[85.0, 20.0, 35.0, 300.0, 600.0, 90.0],
        p25=[70.0, 10.0, 23.0, 130.0, 450.0, 55.0],
        p75=[78.0, 15.0, 28.0, 220.0, 520.0, 70.0],
        significance=["better", "better", "worse", "higher", "lower", "not compared"],
        quintile=[5, 4, 1, 3, 2, 2],
    )
    base.update(overrides)
    return pd.DataFrame(base)


def test_england_is_the_centre_and_the_farthest_point_touches_the_edge():
    positions = spine_positions(rows())
    ends = positions[["marker", "low", "high", "q_low", "q_high"]].abs().max(axis=1)
    assert np.allclose(ends, 1.0)
    assert (positions["low"] <= positions["q_low"]).all() and (positions["q_high"] <= positions["high"]).all()


def test_better_is_always_to_the_right():
    frame = rows()
    positions = spine_positions(frame)
    # Employment above England (higher is better) and smoking below England (lower is better)
    # are both better, so both sit right of the centre; obesity above England is worse.
    assert positions.loc[0, "marker"] > 0
    assert positions.loc[1, "marker"] > 0
    assert positions.loc[2, "marker"] < 0
    # Without a judgement, higher values are to the right.
    assert positions.loc[3, "marker"] > 0 and positions.loc[4, "marker"] < 0


def test_a_row_scaled_by_hand():
    frame = rows().iloc[[1]]  # smoking: centre 12, range 8..20, lower is better
    position = spine_positions(frame).iloc[0]
    half = 8.0  # the farthest end, 20, is 8 from the centre
    assert position["marker"] == pytest.approx(-(10 - 12) / half)
    assert position["low"] == pytest.approx(-(20 - 12) / half)
    assert position["high"] == pytest.approx(-(8 - 12) / half)


def test_a_flat_row_does_not_divide_by_zero():
    frame = rows(value=[5.0] * 6, centre=[5.0] * 6, range_min=[5.0] * 6, range_max=[5.0] * 6, p25=[5.0] * 6, p75=[5.0] * 6)
    assert spine_positions(frame).abs().max().max() == 0


def test_the_drawing_has_a_legend_that_explains_every_mark():
    svg, alt = draw_spine(rows(), "Testshire", "West Midlands districts")
    assert svg.lstrip().startswith("<?xml")
    for text in ["Range of West Midlands districts", "25th to 75th percentile", "England value (centre)",
                 *(style.legend for style in MARKERS.values()), "no England value"]:
        assert text.replace("(", "").replace(")", "")[:30] in svg.replace("(", "").replace(")", ""), text
    assert "Testshire" in svg and "Employment rate (2022)" in svg


def test_the_alt_text_counts_each_category():
    _, alt = draw_spine(rows(), "Testshire", "West Midlands districts")
    assert alt.startswith("Spine chart of 6 indicators for Testshire")
    assert "2 better" in alt and "1 worse" in alt and "1 not compared" in alt
    assert spine_alt_text(rows(), "X", "Y") == alt.replace("Testshire", "X").replace("West Midlands districts", "Y")


def test_the_same_rows_draw_the_same_file():
    assert draw_spine(rows(), "Testshire", "districts")[0] == draw_spine(rows(), "Testshire", "districts")[0]


def luminance(colour: str) -> float:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_better_and_worse_differ_by_shape_and_by_lightness_for_greyscale_print():
    better, worse, similar = MARKERS["better"], MARKERS["worse"], MARKERS["similar"]
    assert len({better.shape, worse.shape, similar.shape, MARKERS["not compared"].shape}) == 4
    assert abs(luminance(better.colour) - luminance(worse.colour)) > 0.1
    assert luminance(similar.colour) > luminance(better.colour)


def test_quintile_shades_get_lighter_from_worst_to_best():
    shades = [luminance(QUINTILE_SHADES[q]) for q in range(1, 6)]
    assert shades == sorted(shades) and len(set(shades)) == 5


def test_a_quintile_square_is_never_mistaken_for_an_area_without_a_quintile():
    from lpip.reports.spine import QUINTILE_SHAPE

    assert QUINTILE_SHAPE != MARKERS["not compared"].shape


def test_markers_are_drawn_with_the_quintile_shade_when_not_compared():
    svg, _ = draw_spine(rows(), "Testshire", "districts")
    fills = set(re.findall(r"fill:\s*(#[0-9a-fA-F]{6})", svg))
    assert QUINTILE_SHADES[2].lower() in {f.lower() for f in fills}
    assert MARKERS["better"].colour.lower() in {f.lower() for f in fills}


def test_long_charts_are_split_evenly_into_parts_that_fit_half_a_page():
    from lpip.reports.spine import ROWS_PER_CHART, spine_parts

    for count in (1, 14, 15, 49, 60, 91):
        parts = spine_parts(pd.DataFrame({"x": range(count)}))
        sizes = [len(p) for p in parts]
        assert sum(sizes) == count and max(sizes) <= ROWS_PER_CHART and max(sizes) - min(sizes) <= 1
        assert pd.concat(parts)["x"].tolist() == list(range(count))  # in order, none lost
    assert spine_parts(pd.DataFrame({"x": []})) == []


def svg_size_inches(svg: str) -> tuple[float, float]:
    width, height = (float(re.search(rf'{a}="([\d.]+)pt"', svg).group(1)) / 72 for a in ("width", "height"))
    return width, height


def test_a_part_is_drawn_at_the_size_it_prints_at():
    from lpip.reports.spine import ROWS_PER_CHART, draw_spine_legend

    many = pd.concat([rows()] * 3, ignore_index=True).head(ROWS_PER_CHART)
    svg, alt = draw_spine(many, "Testshire", "districts", part=(1, ROWS_PER_CHART, 40), legend=False)
    width, height = svg_size_inches(svg)
    # A4 between lpip's margins is 182 mm (7.17 in) wide and 266 mm (10.5 in) high: the chart
    # prints unscaled (so its 7 pt and larger text stays 7 pt) and takes under half a page.
    assert width <= 7.17 and height <= 10.5 / 2
    assert "Testshire compared with England (1 to 14 of 40)" in svg and "(indicators 1 to 14 of 40)" in alt
    assert "Range of districts" not in svg  # the key is drawn once, on its own
    key, key_alt = draw_spine_legend("districts")
    assert "Range of districts" in key and svg_size_inches(key)[0] <= 7.17 and key_alt.startswith("Key to")


def test_sizes_of_text_are_7pt_or_more():
    svg, _ = draw_spine(rows(), "Testshire", "districts")
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    # matplotlib writes sizes in px of 1/72 in: the figure is 1:1 with the page in points.
    assert sizes and min(sizes) >= 7


def test_a_row_without_a_value_is_drawn_and_said():
    frame = rows(value=[80.0, np.nan, 30.0, 200.0, 400.0, np.nan])
    svg, alt = draw_spine(frame, "Testshire", "districts")
    assert svg.count("no value") == 2
    assert "Obesity" in svg and "2 without a value" in alt
