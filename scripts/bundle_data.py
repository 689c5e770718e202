"""Copy the real open data that lpip ships from ../shared/data into src/lpip/data.

Run from the repository root: ``python scripts/bundle_data.py [SHARED_DATA_DIR]``.

The only transformation is gzip compression of the large CSV files (contents byte for
byte as in shared/data); every file's SHA-256 is written to ``MANIFEST.json`` so that
``lpip init`` can tell whether the bundle it loaded has changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "lpip" / "data"

GZIPPED = [
    "iod2019_lsoa_england_ranks_deciles_population.csv",
    "iod2019_lsoa_scores_england.csv",
    "lookup_lsoa11_msoa11_lad19_rgn19_england.csv",
    "indicators_lad_tidy.csv",
    "fuel_poverty_2017_lsoa_england.csv",
]
AS_IS = [
    "lookup_lad19_county_cauth_region_itl_england.csv",
    "wm_lad_boundaries.geojson",
    "wm_lsoa11_boundaries.geojson",
    "england_lad_boundaries_2013.geojson",
    "SOURCES.md",
]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(source: Path) -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name in GZIPPED:
        out = TARGET / f"{name}.gz"
        # mtime=0 keeps the gzip bytes reproducible from run to run.
        with open(source / name, "rb") as src, open(out, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as dst:
                shutil.copyfileobj(src, dst)
        manifest[out.name] = {"source": name, "sha256_of_source": sha256(source / name)}
    for name in AS_IS:
        shutil.copyfile(source / name, TARGET / name)
        manifest[name] = {"source": name, "sha256_of_source": sha256(source / name)}
    (TARGET / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"bundled {len(manifest)} files into {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
