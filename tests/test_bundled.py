"""The real data shipped inside the package: complete, identical to the shared data, described."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil

import pytest

from lpip import bundled
from lpip.bundled import DATA_DIR, bundle_fingerprint, bundled_path, manifest
from lpip.errors import BundledDataMissing

MANIFEST = manifest()
# Files that describe the bundle rather than being bundled copies of shared data.
DEFINITIONS = {"MANIFEST.json", "indicators.toml", "area_sets.toml", "priority_evidence.toml"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _content(name: str) -> bytes:
    raw = (DATA_DIR / name).read_bytes()
    if MANIFEST[name]["source"].endswith(".gz"):
        return raw  # shipped exactly as the shared file, still gzipped
    return gzip.decompress(raw) if name.endswith(".gz") else raw


# Files cut down to what lpip uses (scripts/bundle_data.py); everything else is a whole copy.
SELECTED = sorted(name for name, entry in MANIFEST.items() if "sha256_of_content" in entry)
WHOLE = sorted(name for name in MANIFEST if name not in SELECTED)
ENGLISH_ITL1 = {"TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK"}


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _expected_selection(name: str, source: bytes) -> list[list[str]]:
    """The selection written in the manifest, re-applied here independently of the script."""
    rows = _rows(gzip.decompress(source) if MANIFEST[name]["source"].endswith(".gz") else source)
    if name == "els_indicators_england.csv.gz":
        column = rows[0].index("areacd")
        return [rows[0]] + [r for r in rows[1:] if r[column][:1] == "E" or r[column][:3] in ENGLISH_ITL1]
    if name == "iod2025_lsoa21_england_domain_numerators.csv.gz":
        assert rows[0][4:8] == [
            "Income Domain numerator", "Income Deprivation Affecting Children Index (IDACI) numerator",
            "Income Deprivation Affecting Older People Index (IDAOPI) numerator", "Employment Domain numerator",
        ]
        return [r[:8] for r in rows]
    return rows


@pytest.mark.parametrize("name", sorted(MANIFEST), ids=sorted(MANIFEST))
def test_every_manifest_file_is_installed(name):
    assert bundled_path(name).is_file()


def test_every_data_file_is_in_the_manifest():
    on_disk = {p.name for p in DATA_DIR.iterdir() if p.is_file()}
    assert on_disk - DEFINITIONS == set(MANIFEST)


@pytest.mark.parametrize("name", WHOLE, ids=WHOLE)
def test_bundled_file_content_matches_its_manifest_checksum(name):
    assert _sha256(_content(name)) == MANIFEST[name]["sha256_of_source"]


@pytest.mark.parametrize("name", WHOLE, ids=WHOLE)
def test_bundle_is_byte_identical_to_the_shared_data(shared_data, name):
    source = shared_data / MANIFEST[name]["source"]
    assert _sha256(source.read_bytes()) == MANIFEST[name]["sha256_of_source"]
    assert _content(name) == source.read_bytes()


@pytest.mark.parametrize("name", SELECTED, ids=SELECTED)
def test_selected_file_is_the_recorded_selection_of_the_shared_data(shared_data, name):
    entry = MANIFEST[name]
    source = (shared_data / entry["source"]).read_bytes()
    assert _sha256(source) == entry["sha256_of_source"]
    raw = (DATA_DIR / name).read_bytes()
    content = gzip.decompress(raw) if name.endswith(".gz") else raw
    assert _sha256(content) == entry["sha256_of_content"]
    expected = _expected_selection(name, source)
    assert _rows(content) == expected
    assert len(expected) > 90
    if name.endswith(".csv") and "transformation" not in entry:
        assert content == source


def test_every_cut_is_described():
    for name in SELECTED:
        entry = MANIFEST[name]
        assert "transformation" in entry or name.endswith(".csv"), name


def test_sources_are_bundled_and_describe_every_data_file():
    text = bundled_path("SOURCES.md").read_text(encoding="utf-8")
    assert "SOURCES.md" in MANIFEST
    for entry in MANIFEST.values():
        if entry["source"] != "SOURCES.md":
            assert entry["source"] in text, f"{entry['source']} is not described in SOURCES.md"
    assert "Open Government Licence" in text


def test_missing_file_names_the_file_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(bundled, "DATA_DIR", tmp_path)
    with pytest.raises(BundledDataMissing) as caught:
        bundled_path(bundled.IOD_RANKS)
    message = str(caught.value)
    assert bundled.IOD_RANKS in message
    assert str(tmp_path) in message
    assert "Reinstall lpip" in message


def test_fingerprint_is_stable_and_changes_with_the_catalogue(monkeypatch, tmp_path):
    before = bundle_fingerprint()
    assert bundle_fingerprint() == before
    for name in DEFINITIONS:
        shutil.copyfile(DATA_DIR / name, tmp_path / name)
    monkeypatch.setattr(bundled, "DATA_DIR", tmp_path)
    assert bundle_fingerprint() == before
    with open(tmp_path / "indicators.toml", "a", encoding="utf-8") as handle:
        handle.write("\n# an edit\n")
    assert bundle_fingerprint() != before


def test_toml_definitions_parse():
    assert bundled.read_toml(bundled.INDICATOR_CATALOGUE)["indicator"]
    assert bundled.read_toml(bundled.AREA_SETS)["set"]
