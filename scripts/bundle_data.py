"""Copy the real open data that lpip ships from ../shared/data into src/lpip/data.

Run from the repository root: ``python scripts/bundle_data.py [SHARED_DATA_DIR]``.

Most files are copied byte for byte (large plain CSV files gzip-compressed, files that are
already gzipped as they are). Two are cut down to what lpip uses, to keep the package
small; each cut is a row or column selection written in ``MANIFEST.json`` (``transformation``)
and re-applied independently by ``tests/test_bundled.py``. Every file's SHA-256 is written to
``MANIFEST.json`` so that ``lpip init`` can tell whether the bundle it loaded has changed.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
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
    "wm_lsoa21_boundaries.geojson",
    "england_lad24_boundaries.geojson",
    "SOURCES.md",
    # Already gzipped in shared/data: copied unchanged.
    "iod2025_lsoa21_england_ranks_deciles_scores.csv.gz",
    "iod2025_lsoa21_england_population_denominators.csv.gz",
    "iod2019_lsoa11_england_domain_numerators.csv.gz",
    "lookup_lsoa21_lad24_england.csv.gz",
]
# Bundled name -> (source, what is kept). Re-applied in tests/test_bundled.py.
ENGLISH_ITL1 = ("TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK")
SELECTED = {
    "els_indicators_england.csv.gz": dict(
        source="els/els_indicators_tidy.csv.gz",
        transformation="rows whose areacd starts with 'E' or with an English ITL1 code (TLC-TLK); "
        "all columns, values and order unchanged",
    ),
    "els_indicators_metadata.csv": dict(
        source="els/els_indicators_metadata.csv", transformation=None,
    ),
    "iod2025_lsoa21_england_domain_numerators.csv.gz": dict(
        source="iod2025_lsoa21_england_underlying_indicators.csv.gz",
        transformation="columns 1-8 only (the 4 id columns and the Income, IDACI, IDAOPI and Employment "
        "numerators); rows and values unchanged",
    ),
}
NUMERATOR_COLUMNS = 8


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def write_gzip(data: bytes, out: Path) -> None:
    # mtime=0 keeps the gzip bytes reproducible from run to run.
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as dst:
        dst.write(data)


def english_rows(text: str) -> str:
    rows = csv.reader(io.StringIO(text, newline=""))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    header = next(rows)
    writer.writerow(header)
    column = header.index("areacd")
    for row in rows:
        if row[column].startswith("E") or row[column][:3] in ENGLISH_ITL1:
            writer.writerow(row)
    return out.getvalue()


def first_columns(text: str, n: int) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(row[:n])
    return out.getvalue()


def selected(name: str, source: Path) -> bytes:
    raw = source.read_bytes()
    if name == "els_indicators_metadata.csv":
        return raw
    text = gzip.decompress(raw).decode("utf-8")
    if name == "els_indicators_england.csv.gz":
        return english_rows(text).encode("utf-8")
    return first_columns(text, NUMERATOR_COLUMNS).encode("utf-8")


def main(source: Path) -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name in GZIPPED:
        out = TARGET / f"{name}.gz"
        write_gzip((source / name).read_bytes(), out)
        manifest[out.name] = {"source": name, "sha256_of_source": sha256(source / name)}
    for name in AS_IS:
        shutil.copyfile(source / name, TARGET / name)
        manifest[name] = {"source": name, "sha256_of_source": sha256(source / name)}
    for name, entry in SELECTED.items():
        data = selected(name, source / entry["source"])
        if name.endswith(".gz"):
            write_gzip(data, TARGET / name)
        else:
            (TARGET / name).write_bytes(data)
        manifest[name] = {"source": entry["source"], "sha256_of_source": sha256(source / entry["source"]),
                          "sha256_of_content": sha256_bytes(data)}
        if entry["transformation"]:
            manifest[name]["transformation"] = entry["transformation"]
    (TARGET / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"bundled {len(manifest)} files into {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
