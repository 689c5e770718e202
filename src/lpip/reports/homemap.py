"""The atlas's home map: every district indicator on one map with a chooser, district names
and the sub-regions outlined.

The map's data is one script, ``maps/home.data.js``, that sets ``window.LPIP_ATLAS_MAP``:
the district shapes once, the sub-region outlines, a label point per district, and for each
indicator its legend and each district's colour and value in words (the classes and colours
of :func:`lpip.maps.style_choropleth`, the same as the indicator's own page). A script is
read by a page opened straight from the folder (file://), where browsers refuse ``fetch``;
``assets/atlas-map.js`` draws it with the Leaflet in ``assets/leaflet``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lpip.geography.models import Area
from lpip.maps.legend import StyledMap

DATA_SCRIPT = "maps/home.data.js"
DATA_GLOBAL = "LPIP_ATLAS_MAP"
# Names on the map by default up to this many districts; beyond, the reader switches them on
# (England's 300 names at once would cover the map).
LABELS_SHOWN = 60
SIMPLIFY_M = 60  # metres: the home map's shapes are simplified to this (invisible at its scale)


def home_layer(styled: StyledMap, indicator_id: str, theme: str, period: str) -> dict:
    """One indicator's layer of the home map: its legend and each district's colour and words."""
    a = styled.areas
    values = {code: [text, fill, label, interval or "", int(cls)]
              for code, text, fill, label, interval, cls in zip(a["code"], a["value_text"], a["fill"], a["class_label"],
                                                                 a["interval"], a["class"])}
    return {
        "id": indicator_id, "title": styled.title, "theme": theme, "period": period, "unit": styled.unit,
        "subtitle": styled.subtitle, "legend_title": styled.legend_title, "attribution": styled.attribution,
        "alt": styled.alt, "legend": [dict(label=e.label, colour=e.colour, count=e.count, hatch=bool(e.hatch))
                                      for e in styled.legend],
        "values": values,
    }


def shapes(frame: gpd.GeoDataFrame) -> dict:
    """The districts as a GeoJSON FeatureCollection (code, name), simplified for the screen."""
    import shapely

    projected = frame.to_crs("EPSG:27700")
    simple = projected.geometry.simplify(SIMPLIFY_M, preserve_topology=True).to_crs("EPSG:4326")
    rounded = shapely.set_precision(simple.to_numpy(), 1e-5)
    features = [
        {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": json.loads(shapely.to_geojson(g))}
        for code, name, g in zip(frame["code"], frame["name"], rounded)
    ]
    return {"type": "FeatureCollection", "features": features}


def label_points(frame: gpd.GeoDataFrame) -> list[list]:
    """[code, name, lat, lon] of a point inside each district, where its name is written,
    largest district first (the map writes names in this order and skips a name that would
    overlap one already written, so the big districts keep theirs when zoomed out)."""
    projected = frame.to_crs("EPSG:27700")
    order = projected.geometry.area.sort_values(ascending=False, kind="stable").index
    points = projected.geometry.representative_point().to_crs("EPSG:4326")
    return [[frame.at[i, "code"], frame.at[i, "name"], round(points[i].y, 5), round(points[i].x, 5)] for i in order]


def outlines(frame: gpd.GeoDataFrame, groups: list[tuple[Area, list[str]]]) -> dict:
    """Each sub-region's outline (the union of its districts) as a GeoJSON FeatureCollection."""
    import shapely

    projected = frame.set_index("code").to_crs("EPSG:27700").geometry
    features = []
    for area, members in groups:
        parts = projected.reindex([m for m in members if m in projected.index])
        if parts.empty:
            continue
        merged = shapely.union_all(parts.buffer(1).to_numpy()).simplify(SIMPLIFY_M)
        geometry = gpd.GeoSeries([merged], crs="EPSG:27700").to_crs("EPSG:4326").iloc[0]
        geometry = shapely.set_precision(geometry, 1e-5)
        features.append({"type": "Feature", "properties": {"code": area.code, "name": area.name},
                         "geometry": json.loads(shapely.to_geojson(geometry))})
    return {"type": "FeatureCollection", "features": features}


def default_layer(layers: list[dict], preferred: str) -> str | None:
    """The layer shown first: ``preferred`` when the atlas has it, else the first (None
    without layers: an atlas of LSOA indicators only shows the districts' shapes)."""
    ids = [layer["id"] for layer in layers]
    return preferred if preferred in ids else (ids[0] if ids else None)


def write_home_map(site: Path, frame: gpd.GeoDataFrame, groups: list[tuple[Area, list[str]]], layers: list[dict],
                   preferred: str) -> dict:
    """Write ``maps/home.data.js``; return what the index page's template needs (the chooser's
    options grouped by theme, the first layer, whether names show at first)."""
    layers = sorted(layers, key=lambda layer: (layer["theme"], layer["title"]))
    first = default_layer(layers, preferred)
    data = {
        "districts": shapes(frame), "labels": label_points(frame), "outlines": outlines(frame, groups),
        "layers": layers, "first": first, "showLabels": len(frame) <= LABELS_SHOWN,
        "unmapped": list(frame.attrs.get("without_boundary", [])),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path = site / DATA_SCRIPT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"window.{DATA_GLOBAL} = {text};\n", encoding="utf-8")
    themes: dict[str, list[dict]] = {}
    for layer in layers:
        themes.setdefault(layer["theme"], []).append(layer)
    first_layer = next((layer for layer in layers if layer["id"] == first), None)
    return dict(themes=themes, first=first_layer, show_labels=data["showLabels"], districts=len(frame),
                outlined=[f["properties"]["name"] for f in data["outlines"]["features"]],
                unmapped=data["unmapped"], script=DATA_SCRIPT)


def layer_frame(layers: list[dict]) -> pd.DataFrame:
    """The layers as a table (id, title, theme, period, districts with a value), for checks."""
    return pd.DataFrame([dict(id=layer["id"], title=layer["title"], theme=layer["theme"], period=layer["period"],
                              with_value=sum(1 for v in layer["values"].values() if v[4] >= 0)) for layer in layers])
