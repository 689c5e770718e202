"""`lpip atlas`: build, serve, profile and datapack; user errors as `Error: ...` and exit 2."""

from __future__ import annotations

import json

import pytest

from lpip.reports import pdf as pdf_module


def test_build_writes_an_atlas(cli, tmp_path):
    out = tmp_path / "site"
    result = cli("atlas", "build", "--out", str(out), "--no-pdf", "--area", "E08000029",
                 "--indicator", "employment_rate", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Atlas of E12000005 written to" in result.output and "lpip atlas serve --dir" in result.output
    assert json.loads((out / "atlas.json").read_text())["kind"] == "lpip-atlas"
    assert (out / "areas" / "E08000029.html").is_file() and not (out / "areas" / "E08000029.pdf").exists()


def test_build_refuses_a_folder_that_is_not_an_atlas(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = cli("atlas", "build", "--out", str(tmp_path), "--no-pdf")
    assert result.exit_code == 2
    assert "Error:" in result.output and "is not an lpip atlas" in result.output and "--force" in result.output
    assert "Traceback" not in result.output


def test_build_of_a_region_without_lsoa_boundaries_says_it_has_no_lsoa_maps(cli, tmp_path):
    # London's districts have boundaries, its LSOAs none: district pages and a note.
    result = cli("atlas", "build", "--region", "E12000007", "--out", str(tmp_path / "london"), "--no-pdf",
                 "--area", "E09000033", "--indicator", "employment_rate", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Note: No LSOA maps:" in result.output and "(lpip ships LSOA boundaries for the West Midlands)" in result.output


def test_build_refuses_a_region_without_district_boundaries(cli, tmp_path, monkeypatch):
    from lpip.maps import choropleth

    monkeypatch.setattr(choropleth, "boundaries_for", lambda level, codes: (None, sorted(codes)))
    result = cli("atlas", "build", "--region", "E12000007", "--out", str(tmp_path / "london"), "--no-pdf")
    assert result.exit_code == 2 and "has a bundled boundary" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "london").exists()


def test_build_names_the_font_package_when_no_font_is_installed(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "installed_fonts", lambda: [])
    pdf_module.check_fonts.cache_clear()
    try:
        result = cli("atlas", "build", "--out", str(tmp_path / "site"))
    finally:
        pdf_module.check_fonts.cache_clear()
    assert result.exit_code == 2 and "sudo apt-get install fonts-dejavu-core" in result.output
    assert not (tmp_path / "site").exists()  # checked before anything is written


def test_build_refuses_an_indicator_without_values(cli, tmp_path):
    result = cli("atlas", "build", "--out", str(tmp_path / "s"), "--no-pdf", "--indicator", "no_such_indicator")
    assert result.exit_code == 2 and "no_such_indicator" in result.output


def test_profile_and_datapack(cli, tmp_path):
    result = cli("atlas", "profile", "E08000029", "--out", str(tmp_path / "solihull.html"))
    assert result.exit_code == 0, result.output
    assert "<h1>Solihull</h1>" in (tmp_path / "solihull.html").read_text(encoding="utf-8")
    result = cli("atlas", "datapack", "WM-BSOL", "--out", str(tmp_path / "bsol.pdf"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bsol.pdf").read_bytes().startswith(b"%PDF")


def test_profile_similar_areas_on_chosen_variables(cli, tmp_path):
    out = tmp_path / "solihull.html"
    result = cli("atlas", "profile", "E08000029", "--out", str(out), "--similar-indicators", "gva_per_hour,nvq3_plus")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "on 2 standardised indicators" in html


def test_build_checks_the_similar_variables_before_writing(cli, tmp_path):
    result = cli("atlas", "build", "--out", str(tmp_path / "s"), "--no-pdf", "--similar-indicators", "imd_score")
    assert result.exit_code == 2 and "imd_score exists at lsoa level, not for districts" in result.output
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("profile", "E08000029", "--out", "x.docx"), ".html or .pdf"),
    (("datapack", "E08000029", "--out", "x.html"), "no districts inside it"),
    (("profile", "NOPE", "--out", "x.html"), "is not a known area"),
], ids=["wrong suffix", "district as data pack", "unknown area"])
def test_bad_documents(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = cli("atlas", *args)
    assert result.exit_code == 2 and message in result.output


def test_serve_refuses_a_folder_that_is_not_an_atlas(cli, tmp_path):
    result = cli("atlas", "serve", "--dir", str(tmp_path))
    assert result.exit_code == 2 and "is not an lpip atlas" in result.output


def test_every_command_has_help(cli):
    for command in ("build", "serve", "profile", "datapack"):
        result = cli("atlas", command, "--help")
        assert result.exit_code == 0 and len(result.output) > 100
