"""Interactive maps that work offline: a GeoJSON file, an HTML fragment and our own script
(``assets/lpip-map.js``) that draws them with the Leaflet that `make` vendors from npm.

Nothing on the page is fetched from another site: no CDN, no map tiles, no inline script
(so a strict Content-Security-Policy holds). A basemap can be switched on with a tile URL
(``tile_url=`` or the ``LPIP_MAP_TILE_URL`` environment variable) for use online.

A page that embeds fragments loads, from its asset folder (see :func:`asset_tags`):
``leaflet/leaflet.css``, ``lpip-map.css``, ``leaflet/leaflet.js`` and ``lpip-map.js``;
:func:`copy_map_assets` puts them there.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lpip.errors import BundledDataMissing, InvalidSettings
from lpip.maps.legend import StyledMap, short_attribution, style_choropleth

ASSETS = Path(str(resources.files("lpip.maps") / "assets"))
OUR_ASSETS = ("lpip-map.js", "lpip-map.css")
TILE_URL_ENV = "LPIP_MAP_TILE_URL"
TILE_ATTRIBUTION_ENV = "LPIP_MAP_TILE_ATTRIBUTION"
PROPERTIES = ["code", "name", "value", "value_text", "lower_ci", "upper_ci", "interval", "class", "class_label", "fill"]
# Beyond this many areas, giving each its own tab stop makes the page harder, not easier, to
# use by keyboard: the map is then one stop (Leaflet's keyboard panning) and the legend.
FOCUSABLE_AREAS = 400


def leaflet_dir() -> Path:
    """Where `make` vendors Leaflet (src/lpip/web/static/vendor/leaflet)."""
    return Path(str(resources.files("lpip") / "web" / "static" / "vendor" / "leaflet"))


def write_interactive(
    frame: gpd.GeoDataFrame,
    indicator,
    folder: Path,
    name: str = "map",
    scheme: str = "quantiles",
    k: int = 5,
    asset_prefix: str = "assets",
    *,
    tile_url: str | None = None,
    geojson_url: str | None = None,
) -> Path:
    """Write ``<name>.geojson`` and the HTML fragment ``<name>.html`` of a choropleth into ``folder``.

    Parameters
    ----------
    frame : GeoDataFrame
        From :func:`lpip.maps.map_frame`.
    indicator : Indicator
        The catalogue row (title, unit, polarity, source).
    folder : Path
        Where both files go (created if needed).
    name : str
        File stem; also makes the element ids unique on a page with several maps.
    scheme, k
        Classification (see :func:`lpip.maps.classify`).
    asset_prefix : str
        The folder, relative to the page, that holds the assets (named in the fragment's
        leading comment; :func:`asset_tags` gives the tags).
    tile_url : str, optional
        A tile URL template for a basemap ("https://.../{z}/{x}/{y}.png"); default none, or
        ``$LPIP_MAP_TILE_URL``.
    geojson_url : str, optional
        The GeoJSON's URL as the page sees it; default ``<name>.geojson`` beside the page.

    Returns
    -------
    Path
        The fragment file: a ``<figure>`` holding ``<div class="lpip-map" data-geojson=...>``,
        the legend and the attribution.

    Examples
    --------
    >>> write_interactive(map_frame(session, "imd_score", "lsoa"), indicator, Path("site"), name="imd")  # doctest: +SKIP
    PosixPath('site/imd.html')
    """
    styled = style_choropleth(frame, indicator, scheme, k)
    return write_fragment(styled, Path(folder), name, asset_prefix, tile_url=tile_url, geojson_url=geojson_url)


def write_fragment(
    styled: StyledMap, folder: Path, name: str = "map", asset_prefix: str = "assets", *,
    tile_url: str | None = None, geojson_url: str | None = None,
) -> Path:
    """Write a styled map's GeoJSON and HTML fragment; return the fragment's path."""
    folder.mkdir(parents=True, exist_ok=True)
    write_geojson(styled.areas, folder / f"{name}.geojson")
    markup = fragment_markup(styled, name, geojson_url or f"{name}.geojson", tile_url=tile_url)
    comment = f"<!-- lpip map: the page loads {', '.join(asset_paths(asset_prefix))} -->\n"
    path = folder / f"{name}.html"
    path.write_text(comment + markup, encoding="utf-8")
    return path


def write_interactive_page(
    frame: gpd.GeoDataFrame, indicator, out: Path, scheme: str = "quantiles", k: int = 5, *,
    tile_url: str | None = None,
) -> str:
    """Write a complete page ``out`` (.html) with its GeoJSON, data script and assets beside it,
    so it opens by double-click as well as from a web server. Returns the alt text."""
    styled = style_choropleth(frame, indicator, scheme, k)
    write_page(styled, Path(out), tile_url=tile_url)
    return styled.alt


def write_page(styled: StyledMap, out: Path, *, tile_url: str | None = None) -> Path:
    """A standalone page for a styled map: ``out``, ``<stem>.geojson``, ``<stem>.data.js`` and
    ``assets/``. The data script hands the GeoJSON to lpip-map.js directly because browsers
    refuse ``fetch`` from pages opened as files."""
    out.parent.mkdir(parents=True, exist_ok=True)
    name = out.stem
    geojson = write_geojson(styled.areas, out.parent / f"{name}.geojson")
    data_script = write_data_script(geojson)
    copy_map_assets(out.parent / "assets")
    markup = fragment_markup(styled, name, geojson.name, tile_url=tile_url)
    out.write_text(page_markup(styled.title, markup, "assets", [data_script.name]), encoding="utf-8")
    return out


def write_data_script(geojson: Path, key: str | None = None) -> Path:
    """``<stem>.data.js`` beside a GeoJSON file: a script that hands the GeoJSON to lpip-map.js
    as ``window.LPIP_MAP_DATA[key]`` (``key``: the map's data-geojson, default the file's name),
    because browsers refuse ``fetch`` from pages opened as files."""
    data_script = geojson.with_name(geojson.name.removesuffix(".geojson") + ".data.js")
    data_script.write_text(
        f"(window.LPIP_MAP_DATA = window.LPIP_MAP_DATA || {{}})[{json.dumps(key or geojson.name)}] = "
        + geojson.read_text(encoding="utf-8") + ";\n",
        encoding="utf-8",
    )
    return data_script


# --- assets --------------------------------------------------------------------------------


def asset_paths(asset_prefix: str = "assets") -> list[str]:
    """The files a page with maps loads, styles first."""
    prefix = asset_prefix.rstrip("/")
    return [f"{prefix}/leaflet/leaflet.css", f"{prefix}/lpip-map.css", f"{prefix}/leaflet/leaflet.js",
            f"{prefix}/lpip-map.js"]


def asset_tags(asset_prefix: str = "assets", data_scripts: list[str] = ()) -> tuple[str, str]:
    """The ``<link>`` tags for the page head and the ``<script>`` tags for the end of its body.

    ``data_scripts`` are scripts that must run after Leaflet and before lpip-map.js.
    """
    css, our_css, leaflet_js, our_js = (html.escape(p) for p in asset_paths(asset_prefix))
    head = f'<link rel="stylesheet" href="{css}">\n<link rel="stylesheet" href="{our_css}">'
    scripts = [leaflet_js, *(html.escape(s) for s in data_scripts), our_js]
    body = "\n".join(f'<script src="{src}"></script>' for src in scripts)
    return head, body


def copy_map_assets(folder: Path) -> Path:
    """Copy Leaflet (``leaflet/``) and lpip-map.js and lpip-map.css into ``folder``.

    Raises :class:`BundledDataMissing` when Leaflet has not been vendored (run `make`).
    """
    source = leaflet_dir()
    if not (source / "leaflet.js").exists():
        raise BundledDataMissing(
            f"Leaflet is not in {source}: it is installed from npm at set-up. "
            "Run `make` (or `npm ci && python scripts/vendor_assets.py`) in the lpip source folder."
        )
    folder = Path(folder)
    shutil.copytree(source, folder / "leaflet", dirs_exist_ok=True)
    for asset in OUR_ASSETS:
        shutil.copyfile(ASSETS / asset, folder / asset)
    return folder


# --- GeoJSON -------------------------------------------------------------------------------


def write_geojson(areas: gpd.GeoDataFrame, out: Path) -> Path:
    """Areas as a GeoJSON FeatureCollection (WGS84) with the map's properties; NaN is null."""
    import shapely

    areas = areas.to_crs("EPSG:4326")
    # shapely writes the geometries in C; building 3,487 features row by row in pandas took
    # seconds.
    geometries = shapely.to_geojson(areas.geometry.to_numpy())
    features = ",".join(
        f'{{"type":"Feature","properties":{json.dumps(props, ensure_ascii=False, separators=(",", ":"))},'
        f'"geometry":{geometry}}}'
        for props, geometry in zip(_properties(areas), geometries)
    )
    out.write_text(f'{{"type":"FeatureCollection","features":[{features}]}}', encoding="utf-8")
    return out


def _properties(areas: pd.DataFrame) -> list[dict]:
    table = areas.reindex(columns=PROPERTIES).astype(object)
    table = table.where(table.notna(), None)  # NaN and NaT become null
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in table.to_dict("records")]


# --- markup --------------------------------------------------------------------------------


def resolve_tile_url(tile_url: str | None) -> str | None:
    """The tile URL to use: the argument, else ``$LPIP_MAP_TILE_URL``, else none."""
    url = tile_url or os.environ.get(TILE_URL_ENV) or None
    if url and not (url.startswith("https://") or url.startswith("http://")):
        raise InvalidSettings(
            f"The map tile URL {url!r} must start with https:// and contain {{z}}, {{x}} and {{y}}, "
            "e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png."
        )
    return url


def fragment_markup(styled: StyledMap, name: str, geojson_url: str, *, tile_url: str | None = None) -> str:
    """The ``<figure>`` of one map: its element, legend, description and attribution."""
    e = html.escape
    ids = {"map": f"lpip-map-{name}", "legend": f"lpip-map-{name}-legend", "alt": f"lpip-map-{name}-alt"}
    attributes = {
        "class": "lpip-map", "id": ids["map"], "data-geojson": geojson_url, "data-unit": styled.unit,
        "data-title": styled.title, "data-legend": ids["legend"], "data-attribution": short_attribution(styled.level),
        "data-level": styled.level, "data-focusable": "true" if len(styled.areas) <= FOCUSABLE_AREAS else "false",
        "role": "region", "aria-label": f"Interactive map: {styled.title}", "aria-describedby": ids["alt"],
    }
    tiles = resolve_tile_url(tile_url)
    if tiles:
        attributes["data-tiles"] = tiles
        attributes["data-tile-attribution"] = os.environ.get(TILE_ATTRIBUTION_ENV, "")
    div = " ".join(f'{key}="{e(str(value))}"' for key, value in attributes.items())
    notes = "".join(f'<p class="lpip-map-note">{e(note)}</p>\n' for note in styled.notes)
    return (
        f'<figure class="lpip-map-figure">\n<div {div}></div>\n'
        f'<p class="lpip-map-alt" id="{ids["alt"]}">{e(styled.alt)}</p>\n'
        f"{legend_markup(styled, ids['legend'])}{notes}"
        f'<figcaption class="lpip-map-caption"><strong>{e(styled.title)}</strong> '
        f"({e(styled.subtitle)}). {e(styled.attribution)}</figcaption>\n</figure>\n"
    )


def legend_markup(styled: StyledMap, legend_id: str) -> str:
    """The legend as a list with SVG swatches (presentation attributes, no inline style)."""
    e = html.escape
    items = []
    for entry in styled.legend:
        pattern = ""
        if entry.hatch:
            pattern = (f'<path d="M0 12 L12 0 M6 12 L18 0 M-6 12 L6 0" stroke="{e(entry.edge or "#737373")}" '
                       'stroke-width="1"/>')
        swatch = (f'<svg class="lpip-map-swatch" width="18" height="12" viewBox="0 0 18 12" aria-hidden="true" '
                  f'focusable="false"><rect width="18" height="12" fill="{e(entry.colour)}" stroke="#8c8c8c"/>'
                  f"{pattern}</svg>")
        items.append(f'<li>{swatch} <span class="lpip-map-range">{e(entry.label)}</span> '
                     f'<span class="lpip-map-count">({entry.count:,})</span></li>')
    return (
        f'<div class="lpip-map-legend" id="{legend_id}">\n'
        f'<p class="lpip-map-legend-title">{e(styled.legend_title)}</p>\n'
        f'<ul>\n{chr(10).join(items)}\n</ul>\n</div>\n'
    )


def page_markup(title: str, fragment: str, asset_prefix: str = "assets", data_scripts: list[str] = ()) -> str:
    """A whole HTML page around one or more map fragments."""
    head, scripts = asset_tags(asset_prefix, data_scripts)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}\n</head>\n<body>\n"
        f'<main class="lpip-map-page">\n<h1>{html.escape(title)}</h1>\n{fragment}</main>\n{scripts}\n</body>\n</html>\n'
    )
