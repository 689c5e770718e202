"""Static maps: valid PNG and SVG files that carry the title, the legend (ranges, unit, period,
"No data"), the attribution and the source; alt text that names the extremes; no-data areas
in the no-data colour and the darkest colour on the worst areas."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lpip.errors import InvalidExport
from lpip.evidence.catalogue import get_indicator
from lpip.maps import classify, draw_static, map_frame, style_choropleth, subregion_outlines
from lpip.maps.palettes import NO_DATA_COLOUR, relative_luminance

CROWN = "© Crown copyright and database right"


@pytest.fixture(scope="module")
def unemployment(read_session):
    """The modelled unemployment rate map, with Shropshire's value blanked: the ONS release
    bundled now has every district (an earlier one lacked Shropshire), and the map must still
    be tested drawing a district without a value."""
    frame = map_frame(read_session, "unemployment_rate")
    assert frame["value"].notna().sum() >= 29
    frame.loc[frame["code"] == "E06000051", ["value", "lower_ci", "upper_ci"]] = float("nan")
    return frame, get_indicator(read_session, "unemployment_rate")


@pytest.fixture(scope="module")
def svg_text(unemployment, tmp_path_factory) -> str:
    frame, indicator = unemployment
    out = tmp_path_factory.mktemp("svg") / "unemployment.svg"
    draw_static(frame, indicator, out)
    return svg_words(out)


def svg_words(path: Path) -> str:
    """Every piece of text in an SVG, in document order, whitespace normalised."""
    root = ET.parse(path).getroot()  # raises if the file is not well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]
    return re.sub(r"\s+", " ", " ".join(texts))


def test_png_is_a_valid_image_with_its_alt_text(unemployment, tmp_path):
    frame, indicator = unemployment
    out = tmp_path / "maps" / "unemployment.png"
    alt = draw_static(frame, indicator, out)
    with Image.open(out) as image:
        image.verify()
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.width > 800 and image.height > 800
        assert image.info["Description"] == alt
        assert image.info["Title"] == indicator.title


def test_svg_carries_title_legend_and_attribution(unemployment, svg_text):
    frame, indicator = unemployment
    period = frame["period"].iloc[0]
    assert indicator.title in svg_text
    assert f"{indicator.unit}, {period}" in svg_text  # the legend title: unit and period
    assert f"Contains National Statistics data {CROWN} 2013" in svg_text
    assert f"contains OS data {CROWN} 2013" in svg_text
    assert indicator.source in svg_text


def test_svg_legend_lists_every_class_and_no_data(unemployment, svg_text):
    frame, _ = unemployment
    result = classify(frame["value"], "quantiles", 5)
    for label, count in zip(result.labels, result.counts):
        assert f"{label} ({count})" in svg_text
    missing = int(frame["value"].isna().sum())
    assert missing >= 1 and f"No data ({missing})" in svg_text


def test_alt_text_names_the_extremes(unemployment, tmp_path):
    frame, indicator = unemployment
    alt = draw_static(frame, indicator, tmp_path / "u.png")
    high = frame.loc[frame["value"].idxmax(), "name"]
    low = frame.loc[frame["value"].idxmin(), "name"]
    assert f"Highest: {high}" in alt and f"lowest: {low}" in alt
    assert "30 local authority districts in West Midlands" in alt
    assert "1 local authority district with no data" in alt


def test_no_data_areas_get_the_no_data_colour(unemployment):
    frame, indicator = unemployment
    areas = style_choropleth(frame, indicator).areas
    missing = areas["value"].isna()
    assert (areas.loc[missing, "fill"] == NO_DATA_COLOUR).all()
    assert areas.loc[missing, "hatch"].notna().all()
    assert (areas.loc[~missing, "fill"] != NO_DATA_COLOUR).all()


@pytest.mark.parametrize(("indicator_id", "worst"), [
    ("unemployment_rate", "max"),  # lower is better
    ("gdhi_per_head", "min"),  # higher is better
], ids=["lower-is-better", "higher-is-better"])
def test_darkest_colour_on_the_worst_areas(read_session, indicator_id, worst):
    indicator = get_indicator(read_session, indicator_id)
    areas = style_choropleth(map_frame(read_session, indicator_id), indicator).areas.dropna(subset=["value"])
    darkest = min(areas["fill"].unique(), key=relative_luminance)
    worst_value = areas["value"].max() if worst == "max" else areas["value"].min()
    assert areas.loc[areas["value"] == worst_value, "fill"].eq(darkest).all()
    # ... and every area with the darkest colour is at the worse end of the others.
    dark = areas.loc[areas["fill"] == darkest, "value"]
    light = areas.loc[areas["fill"] != darkest, "value"]
    assert (dark.min() >= light.max()) if worst == "max" else (dark.max() <= light.min())


def test_png_pixels_use_the_map_colours(unemployment, tmp_path):
    frame, indicator = unemployment
    out = tmp_path / "u.png"
    draw_static(frame, indicator, out)
    styled = style_choropleth(frame, indicator)
    pixels = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    for colour in {*styled.areas["fill"], NO_DATA_COLOUR}:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).max(axis=1) <= 1).sum() > 50, colour


def test_lsoa_map_with_subregion_outlines(read_session, tmp_path):
    frame = map_frame(read_session, "imd_score", level="lsoa")
    indicator = get_indicator(read_session, "imd_score")
    out = tmp_path / "imd.svg"
    alt = draw_static(frame, indicator, out, scheme="fisher_jenks", outlines=subregion_outlines(read_session, frame))
    words = svg_words(out)
    assert "Sub-region boundary" in words
    assert f"Contains National Statistics data {CROWN} 2011" in words  # LSOA boundaries of 2011
    assert "3,487 LSOAs" in alt and "Fisher-Jenks" in alt
    assert "No data" not in words  # every LSOA has a score


@pytest.mark.parametrize("scheme", ["equal_interval", "fisher_jenks"])
def test_other_schemes_draw(unemployment, tmp_path, scheme):
    frame, indicator = unemployment
    out = tmp_path / "u.svg"
    draw_static(frame, indicator, out, scheme=scheme, k=4)
    result = classify(frame["value"], scheme, 4)
    words = svg_words(out)
    assert all(label in words for label in result.labels)


def test_wrong_suffix(unemployment, tmp_path):
    frame, indicator = unemployment
    with pytest.raises(InvalidExport, match=r"\.png, \.svg"):
        draw_static(frame, indicator, tmp_path / "map.html")
