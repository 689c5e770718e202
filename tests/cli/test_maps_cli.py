"""`lpip maps draw` and `lpip maps hotspots`: files written, alt text printed, and bad input
as one `Error:` line with exit code 2, never a traceback."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from lpip.maps.interactive import leaflet_dir


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LPIP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LPIP_MAP_TILE_URL", raising=False)


def assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_draw_png(cli, tmp_path):
    out = tmp_path / "unemployment.png"
    result = cli("maps", "draw", "--indicator", "unemployment_rate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    assert "30 local authority districts in West Midlands" in result.output  # the alt text
    with Image.open(out) as image:
        assert image.format == "PNG"


def test_draw_lsoa_svg_with_options(cli, tmp_path):
    out = tmp_path / "imd.svg"
    result = cli("maps", "draw", "-i", "imd_score", "--level", "lsoa", "--within", "WM-BC",
                 "--scheme", "fisher_jenks", "--classes", "4", "--out", str(out))
    assert result.exit_code == 0, result.output
    words = " ".join(" ".join(t.itertext()) for t in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}text"))
    assert "712 LSOAs in Black Country" in " ".join(words.split())
    assert "Sub-region boundary" in words
    assert "in 4 classes by Fisher-Jenks natural breaks" in result.output


@pytest.mark.skipif(not (leaflet_dir() / "leaflet.js").exists(), reason="Leaflet is not vendored: run `make`")
def test_draw_html(cli, tmp_path):
    out = tmp_path / "site" / "gdhi.html"
    result = cli("maps", "draw", "-i", "gdhi_per_head", "--out", str(out))
    assert result.exit_code == 0, result.output
    features = json.loads((out.parent / "gdhi.geojson").read_text())["features"]
    assert len(features) == 30
    assert (out.parent / "assets" / "lpip-map.js").exists()
    assert (out.parent / "assets" / "leaflet" / "leaflet.js").exists()
    assert "<script>" not in out.read_text()


def test_hotspots(cli, tmp_path):
    out = tmp_path / "hotspots.png"
    result = cli("maps", "hotspots", "--indicator", "imd_score", "--within", "E08000025", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists() and "639 LSOAs in Birmingham" in result.output
    assert "cluster of high deprivation" in result.output


@pytest.mark.parametrize(("args", "fragments"), [
    (["draw", "-i", "hle_female", "--within", "E10000028"], ["has no values for", "Staffordshire", "--period"]),
    (["draw", "-i", "imd_score", "--level", "lsoa", "--within", "E12000007"],
     ["London (E12000007)", "none has a bundled boundary", "E12000005"]),
    (["draw", "-i", "unemployment_rate", "--scheme", "natural"], ["no classification scheme 'natural'", "fisher_jenks"]),
    (["draw", "-i", "unemployment_rate", "--classes", "12"], ["2 to 9 classes"]),
    (["draw", "-i", "unemployment_rate", "--level", "msoa"], ["lad or lsoa"]),
    (["hotspots", "-i", "imd_score", "--within", "E12000007"], ["boundar", "E12000005"]),
], ids=["no-data", "no-boundary", "scheme", "classes", "level", "hotspots-no-boundary"])
def test_bad_input(cli, tmp_path, args, fragments):
    result = cli("maps", *args, "--out", str(tmp_path / "map.png"))
    assert_user_error(result, *fragments)
    assert not (tmp_path / "map.png").exists()


def test_wrong_file_type(cli, tmp_path):
    result = cli("maps", "draw", "-i", "unemployment_rate", "--out", str(tmp_path / "map.pdf"))
    assert_user_error(result, ".png, .svg, .html")


@pytest.mark.parametrize("command", ["draw", "hotspots"])
def test_help(cli, command):
    result = cli("maps", command, "--help")
    assert result.exit_code == 0 and "--indicator" in result.output and "--out" in result.output
