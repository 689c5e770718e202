"""The atlas folder: the rules for writing into it, its marker file, its assets, and serving it.

A folder that exists, is not empty and has no ``atlas.json`` is refused unless ``force``
is given, so that a typo in ``--out`` never overwrites someone's files; an earlier atlas in
the folder is replaced. Only a folder with the marker is served.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lpip.errors import InvalidExport
from lpip.reports.render import ASSETS

MARKER = "atlas.json"
MARKER_KIND = "lpip-atlas"


def is_atlas(folder: Path) -> bool:
    """True when ``folder`` holds an atlas.json written by :func:`build_atlas`."""
    marker = Path(folder) / MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("kind") == MARKER_KIND
    except (OSError, ValueError, AttributeError):
        return False


def prepare_folder(folder: Path, force: bool = False) -> Path:
    """Make ``folder`` ready for an atlas: created if missing, an earlier atlas removed.

    A folder that is not empty and not an atlas is refused (:class:`InvalidExport`) unless
    ``force``; then the atlas is written into it and other files are left alone.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InvalidExport(f"{folder} is a file, not a folder: choose another --out for the atlas.")
    if folder.exists() and any(folder.iterdir()):
        if is_atlas(folder):
            shutil.rmtree(folder)
        elif not force:
            raise InvalidExport(
                f"{folder} already exists, is not empty and is not an lpip atlas (it has no {MARKER}). "
                "Choose a new or empty folder with --out, or pass --force to write the atlas into it anyway "
                "(files with the atlas's names would be overwritten)."
            )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def copy_assets(folder: Path) -> None:
    """Our CSS, search script and home-map script, plus Leaflet and the map script (:func:`lpip.maps.copy_map_assets`)."""
    from lpip.maps import copy_map_assets

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("atlas.css", "atlas.js", "atlas-map.js"):
        shutil.copyfile(ASSETS / name, folder / name)
    copy_map_assets(folder)


def serve_atlas(folder: Path, port: int = 8001, host: str = "127.0.0.1"):
    """An HTTP server for a built atlas on ``host:port`` (call ``serve_forever()`` on it).

    Only a folder with an atlas.json is served, so that a wrong ``--dir`` never publishes
    another folder; port 0 picks a free port (``server.server_port``).
    """
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    folder = Path(folder)
    if not is_atlas(folder):
        raise InvalidExport(f"{folder} is not an lpip atlas (it has no {MARKER}). Build one first with "
                            f"`lpip atlas build --out {folder}`, or pass the atlas folder with --dir.")

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".geojson": "application/geo+json",
                          ".json": "application/json", ".js": "text/javascript", ".svg": "image/svg+xml"}

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

    try:
        return ThreadingHTTPServer((host, port), functools.partial(Handler, directory=str(folder)))
    except OSError as exc:
        raise InvalidExport(f"Cannot serve on {host}:{port} ({exc.strerror}); choose another --port.") from None
