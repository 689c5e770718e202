"""Choropleth and hotspot maps: static (PNG, SVG) for reports and interactive (offline
Leaflet) for the atlas.

The public names, for the atlas and for Python users::

    frame = map_frame(session, "imd_score", level="lsoa", within="E12000005")
    alt = draw_static(frame, indicator, Path("imd.png"))
    fragment = write_interactive(frame, indicator, Path("site/maps"), name="imd")
    copy_map_assets(Path("site/assets"))
"""

from lpip.maps.choropleth import draw_map, map_frame, subregion_outlines
from lpip.maps.classify import Classification, classify
from lpip.maps.hotspots import draw_hotspots, map_hotspots
from lpip.maps.interactive import copy_map_assets, write_interactive, write_interactive_page
from lpip.maps.legend import StyledMap, style_choropleth
from lpip.maps.static import draw_static

__all__ = [
    "Classification", "StyledMap", "classify", "copy_map_assets", "draw_hotspots", "draw_map", "draw_static",
    "map_frame", "map_hotspots", "style_choropleth", "subregion_outlines", "write_interactive",
    "write_interactive_page",
]
