"""Interactive maps: the GeoJSON (one feature per area, the map's properties, no-data and
polarity colours), the fragment and page (no inline script, no URL that leaves the site
unless a tile URL is set), and the assets copied beside them."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from lpip.errors import BundledDataMissing, InvalidSettings
from lpip.evidence.catalogue import get_indicator
from lpip.maps import classify, copy_map_assets, map_frame, write_interactive, write_interactive_page
from lpip.maps import interactive
from lpip.maps.interactive import ASSETS, leaflet_dir
from lpip.maps.palettes import NO_DATA_COLOUR, relative_luminance

URL = re.compile(r"https?://", re.I)
TILES = "https://tile.example.org/{z}/{x}/{y}.png"
needs_leaflet = pytest.mark.skipif(
    not (leaflet_dir() / "leaflet.js").exists(), reason="Leaflet is not vendored: run `make` (npm ci)"
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


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
def written(unemployment, tmp_path_factory):
    frame, indicator = unemployment
    folder = tmp_path_factory.mktemp("site")
    fragment = write_interactive(frame, indicator, folder, name="unemployment")
    return fragment, json.loads((folder / "unemployment.geojson").read_text(encoding="utf-8"))


def test_writes_geojson_and_fragment(written):
    fragment, geojson = written
    assert fragment.name == "unemployment.html" and fragment.exists()
    assert geojson["type"] == "FeatureCollection"
    assert len(geojson["features"]) == 30  # the West Midlands districts
    props = geojson["features"][0]["properties"]
    assert {"code", "name", "value", "value_text", "interval", "class", "class_label", "fill"} <= set(props)


def test_features_carry_the_databases_values(unemployment, written):
    frame, _ = unemployment
    _, geojson = written
    values = {f["properties"]["code"]: f["properties"]["value"] for f in geojson["features"]}
    for code, value in zip(frame["code"], frame["value"]):
        assert values[code] is None if np.isnan(value) else values[code] == value


def test_class_of_each_area_follows_the_bins(unemployment, written):
    frame, _ = unemployment
    _, geojson = written
    result = classify(frame["value"], "quantiles", 5)
    for feature in geojson["features"]:
        p = feature["properties"]
        if p["value"] is None:
            continue
        c = p["class"]
        assert p["value"] <= result.bins[c]
        assert c == 0 or p["value"] > result.bins[c - 1]
        assert p["class_label"] == result.labels[c]


def test_no_data_features(written):
    _, geojson = written
    missing = [f["properties"] for f in geojson["features"] if f["properties"]["value"] is None]
    assert missing, "Shropshire's value is blanked in the fixture"
    for p in missing:
        assert p["fill"] == NO_DATA_COLOUR and p["class"] == -1 and p["value_text"] == "no data"
    present = [f["properties"] for f in geojson["features"] if f["properties"]["value"] is not None]
    assert all(p["fill"] != NO_DATA_COLOUR for p in present)


@pytest.mark.parametrize(("indicator_id", "worst"), [
    ("unemployment_rate", max),  # lower is better
    ("gdhi_per_head", min),  # higher is better
    ("population_census", max),  # no judgement: the darkest blue on the largest
], ids=["lower-is-better", "higher-is-better", "no-judgement"])
def test_darkest_fill_on_the_worst_value(read_session, tmp_path, indicator_id, worst):
    indicator = get_indicator(read_session, indicator_id)
    write_interactive(map_frame(read_session, indicator_id), indicator, tmp_path, name="m")
    features = [f["properties"] for f in json.loads((tmp_path / "m.geojson").read_text())["features"]]
    present = [p for p in features if p["value"] is not None]
    darkest = min({p["fill"] for p in present}, key=relative_luminance)
    assert worst(present, key=lambda p: p["value"])["fill"] == darkest


def test_lsoa_geojson_has_every_wm_lsoa(read_session, tmp_path):
    frame = map_frame(read_session, "imd_score", level="lsoa")
    fragment = write_interactive(frame, get_indicator(read_session, "imd_score"), tmp_path, name="imd")
    geojson = json.loads((tmp_path / "imd.geojson").read_text())
    assert len(geojson["features"]) == 3487
    # Thousands of tab stops would trap keyboard users: LSOA areas are not focusable one by one.
    assert 'data-focusable="false"' in fragment.read_text()


def test_fragment_has_map_element_and_legend(unemployment, written):
    frame, indicator = unemployment
    fragment, _ = written
    html = fragment.read_text(encoding="utf-8")
    tags = parse(html)
    maps = [a for t, a in tags.tags if t == "div" and a.get("class") == "lpip-map"]
    assert len(maps) == 1 and maps[0]["data-geojson"] == "unemployment.geojson"
    assert maps[0]["data-unit"] == indicator.unit
    legend = [a for t, a in tags.tags if t == "div" and a.get("class") == "lpip-map-legend"]
    assert legend and legend[0]["id"] == maps[0]["data-legend"]
    assert f"{indicator.unit}, {frame['period'].iloc[0]}" in html
    for label in classify(frame["value"]).labels:
        assert label in html
    assert "No data" in html
    assert "Contains National Statistics data © Crown copyright and database right 2013" in html
    assert indicator.source in html


def test_fragment_has_no_script_and_no_url(written):
    html = written[0].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not URL.search(html)
    assert "style=" not in html  # no inline style either: a strict CSP holds


def test_tile_url_is_the_only_url(unemployment, tmp_path, monkeypatch):
    frame, indicator = unemployment
    html = write_interactive(frame, indicator, tmp_path, tile_url=TILES).read_text()
    assert URL.findall(html) == ["https://"] and f'data-tiles="{TILES}"' in html
    monkeypatch.setenv("LPIP_MAP_TILE_URL", TILES)
    assert f'data-tiles="{TILES}"' in write_interactive(frame, indicator, tmp_path, name="env").read_text()


def test_bad_tile_url(unemployment, tmp_path):
    frame, indicator = unemployment
    with pytest.raises(InvalidSettings, match=r"\{z\}"):
        write_interactive(frame, indicator, tmp_path, tile_url="tiles/{z}/{x}/{y}.png")


def test_interval_shown_when_given(unemployment, tmp_path):
    # The bundled values carry no intervals; this checks only that given limits reach the map.
    frame, indicator = unemployment
    frame = frame.copy()
    frame["lower_ci"], frame["upper_ci"] = frame["value"] * 0.9, frame["value"] * 1.1
    write_interactive(frame, indicator, tmp_path, name="ci")
    features = json.loads((tmp_path / "ci.geojson").read_text())["features"]
    birmingham = next(f["properties"] for f in features if f["properties"]["code"] == "E08000025")
    value = frame.set_index("code").loc["E08000025", "value"]
    assert birmingham["interval"] == f"{value * 0.9:.2f}% to {value * 1.1:.2f}%"
    assert birmingham["lower_ci"] == pytest.approx(value * 0.9)


# --- pages and assets ------------------------------------------------------------------------


@needs_leaflet
def test_standalone_page_loads_only_local_files(unemployment, tmp_path):
    frame, indicator = unemployment
    out = tmp_path / "out" / "unemployment.html"
    alt = write_interactive_page(frame, indicator, out)
    html = out.read_text(encoding="utf-8")
    tags = parse(html)
    scripts = [a for t, a in tags.tags if t == "script"]
    assert [s["src"] for s in scripts] == ["assets/leaflet/leaflet.js", "unemployment.data.js", "assets/lpip-map.js"]
    assert all(body.strip() == "" for body in tags.scripts)  # no inline code
    links = [a["href"] for t, a in tags.tags if t == "link"]
    assert links == ["assets/leaflet/leaflet.css", "assets/lpip-map.css"]
    for path in [*(s["src"] for s in scripts), *links, "unemployment.geojson"]:
        assert (out.parent / path).is_file(), path
    assert not URL.search(html)
    assert alt in html  # the description for screen readers
    data = (out.parent / "unemployment.data.js").read_text()
    assert data.startswith("(window.LPIP_MAP_DATA") and '"unemployment.geojson"' in data


def test_our_script_and_styles_fetch_nothing_elsewhere():
    for name in ("lpip-map.js", "lpip-map.css"):
        text = (ASSETS / name).read_text(encoding="utf-8")
        assert not URL.search(text), name
        assert "@import" not in text and "url(" not in text


def test_our_script_draws_with_leaflet_geojson():
    script = (ASSETS / "lpip-map.js").read_text(encoding="utf-8")
    assert "L.geoJSON" in script and "bindTooltip" in script and "L.control" in script
    assert "tabindex" in script and "data-tiles" in script
    assert "innerHTML =" not in script  # tooltips are built from text nodes


@needs_leaflet
def test_copy_map_assets(tmp_path):
    folder = copy_map_assets(tmp_path / "assets")
    for path in ("leaflet/leaflet.js", "leaflet/leaflet.css", "lpip-map.js", "lpip-map.css"):
        assert (folder / path).is_file()
    assert (folder / "leaflet" / "leaflet.js").read_bytes() == (leaflet_dir() / "leaflet.js").read_bytes()


def test_copy_map_assets_without_leaflet(tmp_path, monkeypatch):
    monkeypatch.setattr(interactive, "leaflet_dir", lambda: tmp_path / "nowhere")
    with pytest.raises(BundledDataMissing, match="make"):
        copy_map_assets(tmp_path / "assets")


def test_asset_prefix_is_named_in_the_fragment(unemployment, tmp_path):
    frame, indicator = unemployment
    html = write_interactive(frame, indicator, tmp_path, asset_prefix="../static").read_text()
    assert "../static/leaflet/leaflet.js" in html and "../static/lpip-map.js" in html
