"""The evidence map: parsing, checking against the catalogue and codebook, loading a user's copy."""

from __future__ import annotations

import pytest

from lpip.bundled import PRIORITY_EVIDENCE, bundled_path
from lpip.deliberation.codebook import default_codebook, name_key
from lpip.errors import InvalidEvidenceMap
from lpip.synthesis.mapping import (
    bundled_evidence_map, check_evidence_map, load_evidence_map, parse_evidence_map, store_evidence_map,
)


def test_the_bundled_map_covers_every_codable_default_code():
    book = default_codebook()
    codable = {name_key(n) for n in book.loc[book["is_codable"], "name"]}
    assert set(bundled_evidence_map().codes) == codable


def test_the_bundled_map_fits_the_bundled_database(session):
    check_evidence_map(session, bundled_evidence_map())


@pytest.mark.parametrize("text, words", [
    ("[code.\"x\"\nindicators = [", "not valid TOML"),
    ('[codes."housing"]\nindicators = []\n', "unknown table"),
    ('[code."housing"]\nindicator = ["a"]\n', "unknown setting"),
    ('[code."housing"]\nindicators = "barriers_score"\n', "list of names"),
    ('[code."housing"]\nhorizon = "soon"\n', "horizon"),
    ('[code."housing"]\nowners = []\n', "at least one kind"),
], ids=["toml", "table", "setting", "not-a-list", "horizon", "owners"])
def test_malformed_maps_are_refused_with_what_is_wrong(text, words):
    with pytest.raises(InvalidEvidenceMap, match="test map") as caught:
        parse_evidence_map(text, "test map")
    assert words in str(caught.value)


def test_a_map_naming_unknown_indicators_or_codes_is_refused_with_the_nearest(session, tmp_path):
    path = tmp_path / "map.toml"
    path.write_text('[code."housing"]\nindicators = ["barriers_scor"]\n[code."hosuing"]\nindicators = []\n',
                    encoding="utf-8")
    with pytest.raises(InvalidEvidenceMap) as caught:
        store_evidence_map(session, path)
    text = str(caught.value)
    assert "'barriers_scor' is not in the indicator catalogue; did you mean 'barriers_score'?" in text
    assert "no code 'hosuing' in the codebook; did you mean 'housing'?" in text
    assert load_evidence_map(session).source.startswith("the bundled map")


def test_a_loaded_map_is_used_from_then_on(session, tmp_path):
    text = bundled_path(PRIORITY_EVIDENCE).read_text(encoding="utf-8").replace(
        'indicators = ["barriers_score", "living_environment_score"]', 'indicators = ["living_environment_score"]')
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    store_evidence_map(session, path)
    used = load_evidence_map(session)
    assert used.for_code("housing").indicators == ("living_environment_score",)
    assert str(path) in used.source
