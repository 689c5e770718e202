"""Check that a built wheel holds everything lpip needs at run time, front-end assets included.

Run by `make wheel` (and by tests/test_packaging.py)::

    .venv/bin/python scripts/check_wheel.py dist/lpip-*.whl

A wheel is what `pip install lpip-*.whl` puts on a machine that has no npm and no source
folder, so it must carry the assets that `make` vendors from npm (htmx, Leaflet), the map
assets, every template, the migrations and the bundled data listed in data/MANIFEST.json; and
the page catalogues (web/locale: the .pot and each language's .po and compiled .mo); and
nothing that belongs to one developer's machine (caches, databases). Exit status 1 and a list
of what is wrong otherwise.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lpip"
# Front-end assets vendored from npm by scripts/vendor_assets.py (not in git).
VENDORED = (
    "lpip/web/static/vendor/htmx.min.js",
    "lpip/web/static/vendor/htmx.LICENSE.txt",
    "lpip/web/static/vendor/leaflet/leaflet.js",
    "lpip/web/static/vendor/leaflet/leaflet.css",
    "lpip/web/static/vendor/leaflet/LICENSE.txt",
    "lpip/web/static/vendor/leaflet/images/marker-icon.png",
)
# Folders whose every committed file must be in the wheel.
FOLDERS = ("maps/assets", "web/templates", "web/static/css", "web/static/js", "web/locale", "reports/templates",
           "reports/assets", "migrations")
FORBIDDEN = ("__pycache__", ".pyc", ".sqlite", ".egg-info/", "node_modules")
ENTRY_POINT = "lpip = lpip.cli:main"


def expected_files() -> list[str]:
    """Paths (inside the wheel) of every file the installed package needs besides its modules."""
    files = list(VENDORED)
    for folder in FOLDERS:
        files += [f"lpip/{path.relative_to(PACKAGE).as_posix()}" for path in sorted((PACKAGE / folder).rglob("*"))
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"]
    manifest = json.loads((PACKAGE / "data" / "MANIFEST.json").read_text(encoding="utf-8"))
    names = manifest.get("files", manifest)
    files += [f"lpip/data/{name}" for name in (names if isinstance(names, list) else names.keys())]
    files += ["lpip/data/MANIFEST.json", "lpip/data/SOURCES.md"]
    return sorted(set(files))


def wheel_problems(wheel: Path) -> list[str]:
    """Everything wrong with ``wheel``; empty when it is complete and clean."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next((archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt")), "")
    present = set(names)
    problems = [f"missing {name}" for name in expected_files() if name not in present]
    problems += [f"should not be in a wheel: {name}" for name in names if any(bad in name for bad in FORBIDDEN)]
    if ENTRY_POINT not in entry_points.replace("  ", " "):
        problems.append(f"the console script is not '{ENTRY_POINT}'")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_wheel.py WHEEL", file=sys.stderr)
        return 2
    wheel = Path(argv[0])
    problems = wheel_problems(wheel)
    if problems:
        print(f"{wheel.name} is incomplete:", file=sys.stderr)
        for problem in problems[:50]:
            print(f"  - {problem}", file=sys.stderr)
        if any(p.startswith("missing lpip/web/static/vendor") for p in problems):
            print("Vendor the front-end assets first: npm ci && python scripts/vendor_assets.py (make does it).",
                  file=sys.stderr)
        return 1
    print(f"{wheel.name}: complete ({len(expected_files())} data and asset files checked, front-end assets included)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
