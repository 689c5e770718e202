"""Hotspot maps: every area coloured by its LISA cluster, worse clusters warm whichever way
the numbers run, a legend in the result's plain words with the result's counts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from lpip.errors import NoBoundaries, NoData
from lpip.evidence.catalogue import get_indicator
from lpip.evidence.hotspots import find_hotspots
from lpip.geography.boundaries import read_boundaries
from lpip.maps import draw_hotspots, map_hotspots
from lpip.maps.hotspots import style_hotspots
from lpip.maps.palettes import NOT_SIGNIFICANT_COLOUR, OKABE_ITO

BIRMINGHAM = "E08000025"


@pytest.fixture(scope="module")
def lsoas():
    return read_boundaries("lsoa")


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LPIP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def score(read_session, module_cache):
    """IMD score hotspots in Birmingham (the default 999 permutations: with fewer, no local
    p-value can pass the false discovery rate correction over 639 tests)."""
    result = find_hotspots(read_session, "imd_score", within=BIRMINGHAM)
    return result, get_indicator(read_session, "imd_score")


@pytest.fixture(scope="module")
def rank(read_session, module_cache):
    result = find_hotspots(read_session, "imd_rank", within=BIRMINGHAM)
    return result, get_indicator(read_session, "imd_rank")


def test_every_area_gets_its_clusters_colour(score, lsoas):
    result, indicator = score
    styled = style_hotspots(result, lsoas, indicator)
    assert len(styled.areas) == result.n_areas == 639
    by_code = styled.areas.set_index("code")
    for row in result.to_frame().itertuples():
        fill = by_code.loc[row.area_code, "fill"]
        if row.cluster == "high-high":
            assert fill == OKABE_ITO["vermillion"]  # a cluster of high deprivation
        elif row.cluster == "low-low":
            assert fill == OKABE_ITO["blue"]
        elif row.cluster == "not significant":
            assert fill == NOT_SIGNIFICANT_COLOUR


def test_deprivation_is_warm_in_scores_and_ranks_alike(score, rank, lsoas):
    # A high IMD score and a low IMD rank both mean high deprivation: the same colour.
    for result, indicator in (score, rank):
        styled = style_hotspots(result, lsoas, indicator)
        deprived = styled.areas[styled.areas["label"] == "cluster of high deprivation"]
        assert len(deprived) > 0
        assert (deprived["fill"] == OKABE_ITO["vermillion"]).all()


def test_legend_in_plain_words_with_the_results_counts(score, lsoas):
    result, indicator = score
    styled = style_hotspots(result, lsoas, indicator)
    counts = result.cluster_counts()
    assert {e.label: e.count for e in styled.legend} == dict(zip(counts["label"], counts["areas"]))
    # Clusters first, then outliers, then the areas without a pattern.
    kinds = [0 if e.label.startswith("cluster of") else 1 if "surrounded by" in e.label else 2 for e in styled.legend]
    assert kinds == sorted(kinds)
    labels = [e.label for e in styled.legend]
    assert "cluster of high deprivation" in labels and "no significant local pattern" in labels
    assert sum(e.count for e in styled.legend) == 639


def test_static_hotspot_maps(score, lsoas, tmp_path):
    result, indicator = score
    png, svg = tmp_path / "h.png", tmp_path / "h.svg"
    alt = draw_hotspots(result, lsoas, indicator, png)
    with Image.open(png) as image:
        image.verify()
    draw_hotspots(result.to_frame(), lsoas, indicator, svg, period=result.period)
    root = ET.parse(svg).getroot()
    words = " ".join(" ".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    words = " ".join(words.split())
    assert "cluster of high deprivation" in words
    assert "Contains National Statistics data © Crown copyright and database right 2011" in words
    assert indicator.source in words
    assert "639 LSOAs in Birmingham" in alt and "cluster of high deprivation:" in alt


def test_interactive_hotspot_map(score, lsoas, tmp_path):
    result, indicator = score
    out = tmp_path / "hot.html"
    draw_hotspots(result, lsoas, indicator, out)
    features = json.loads((tmp_path / "hot.geojson").read_text())["features"]
    assert len(features) == 639
    labels = {f["properties"]["class_label"] for f in features}
    assert labels == set(result.to_frame()["label"])
    assert "<script>" not in out.read_text()


def test_map_hotspots_from_the_database(read_session, tmp_path):
    alt = map_hotspots(read_session, "income_score", tmp_path / "income.png", within="WM-BC")
    assert (tmp_path / "income.png").exists()
    assert "712 LSOAs in Black Country" in alt and "income deprivation" in alt


# --- bad input -------------------------------------------------------------------------------


def test_boundaries_that_do_not_cover_the_result(score, tmp_path):
    result, indicator = score
    with pytest.raises(NoBoundaries, match="no boundary"):
        draw_hotspots(result, read_boundaries("lad"), indicator, tmp_path / "h.png")


def test_a_table_that_is_not_a_hotspot_result(score, lsoas, tmp_path):
    result, indicator = score
    with pytest.raises(NoData, match="cluster, label"):
        draw_hotspots(result.to_frame()[["area_code", "value"]], lsoas, indicator, tmp_path / "h.png")
    with pytest.raises(NoData, match="no areas"):
        draw_hotspots(result.to_frame().iloc[0:0], lsoas, indicator, tmp_path / "h.png")
