"""Copy the front-end assets installed by npm (package.json) into the package's static folder,
and the browser tests' own tools (devDependencies) into tests/browser/vendor.

Run by `make` after `npm ci`. The copies are not committed (see .gitignore); each comes with
its licence file. Test tools (axe-core, injected into pages by the browser tests) are never
copied into the package, so the app never serves them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "lpip" / "web" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"

ASSETS = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "htmx.org/LICENSE": "htmx.LICENSE.txt",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "leaflet/LICENSE": "leaflet/LICENSE.txt",
    # The API's documentation page (/api/v1/docs), served from here, not from a CDN.
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-dist/LICENSE": "swagger-ui/LICENSE.txt",
    "swagger-ui-dist/NOTICE": "swagger-ui/NOTICE.txt",
}

# For the browser tests only (package.json devDependencies).
TEST_ASSETS = {
    "axe-core/axe.min.js": "axe.min.js",
    "axe-core/LICENSE": "axe.LICENSE.txt",
}


def main() -> int:
    wanted = [*ASSETS, *TEST_ASSETS]
    missing = [src for src in wanted if not (MODULES / src).exists()]
    if missing:
        print(f"Missing in node_modules: {', '.join(missing)}. Run `npm ci` first.", file=sys.stderr)
        return 1
    for folder, assets in ((VENDOR, ASSETS), (TEST_VENDOR, TEST_ASSETS)):
        for src, dst in assets.items():
            target = folder / dst
            target.parent.mkdir(parents=True, exist_ok=True)
            if (MODULES / src).is_dir():
                shutil.copytree(MODULES / src, target, dirs_exist_ok=True)
            else:
                shutil.copyfile(MODULES / src, target)
    print(f"copied {len(ASSETS)} front-end assets into {VENDOR} and {len(TEST_ASSETS)} test tools into {TEST_VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
