"""Paths to the real open data shipped inside the package (see data/SOURCES.md)."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from lpip.errors import BundledDataMissing

DATA_DIR = Path(str(resources.files("lpip") / "data"))

IOD_RANKS = "iod2019_lsoa_england_ranks_deciles_population.csv.gz"
IOD_SCORES = "iod2019_lsoa_scores_england.csv.gz"
LSOA_LOOKUP = "lookup_lsoa11_msoa11_lad19_rgn19_england.csv.gz"
LAD_LOOKUP = "lookup_lad19_county_cauth_region_itl_england.csv"
LAD_INDICATORS = "indicators_lad_tidy.csv.gz"
FUEL_POVERTY = "fuel_poverty_2017_lsoa_england.csv.gz"
ELS_INDICATORS = "els_indicators_england.csv.gz"
ELS_METADATA = "els_indicators_metadata.csv"
IOD2025_LSOA = "iod2025_lsoa21_england_ranks_deciles_scores.csv.gz"
IOD2025_POPULATION = "iod2025_lsoa21_england_population_denominators.csv.gz"
IOD2025_NUMERATORS = "iod2025_lsoa21_england_domain_numerators.csv.gz"
IOD2019_NUMERATORS = "iod2019_lsoa11_england_domain_numerators.csv.gz"
LSOA21_LOOKUP = "lookup_lsoa21_lad24_england.csv.gz"
WM_LSOA21_BOUNDARIES = "wm_lsoa21_boundaries.geojson"
ENGLAND_LAD24_BOUNDARIES = "england_lad24_boundaries.geojson"
WM_LAD_BOUNDARIES = "wm_lad_boundaries.geojson"
WM_LSOA_BOUNDARIES = "wm_lsoa11_boundaries.geojson"
ENGLAND_LAD_BOUNDARIES = "england_lad_boundaries_2013.geojson"
INDICATOR_CATALOGUE = "indicators.toml"
AREA_SETS = "area_sets.toml"
# Codes and themes -> indicators, owners and horizons for the synthesis (not loaded into the database).
PRIORITY_EVIDENCE = "priority_evidence.toml"
MANIFEST = "MANIFEST.json"


def bundled_path(name: str) -> Path:
    """The path of a bundled data file; a clear error if the installation lacks it."""
    path = DATA_DIR / name
    if not path.exists():
        raise BundledDataMissing(
            f"The bundled data file {name} is missing from {DATA_DIR}. "
            "Reinstall lpip (pip install --force-reinstall lpip) to restore it."
        )
    return path


@cache
def read_toml(name: str) -> dict:
    with open(bundled_path(name), "rb") as handle:
        return tomllib.load(handle)


def bundle_fingerprint() -> str:
    """A hash of the bundled files' checksums and definitions: it changes when the bundle does."""
    import hashlib

    digest = hashlib.sha256()
    for name in (MANIFEST, INDICATOR_CATALOGUE, AREA_SETS):
        digest.update(bundled_path(name).read_bytes())
    return digest.hexdigest()


def manifest() -> dict:
    return json.loads(bundled_path(MANIFEST).read_text())
