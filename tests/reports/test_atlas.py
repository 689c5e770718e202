"""The atlas site: what it holds, that every link resolves, accessibility basics, the folder
rules, and that the site does not depend on how many processes built it.

A small atlas (two districts, one sub-region, three indicators) is built once per module;
the whole West Midlands atlas is built by the browser test and by bench/bench_atlas.py.
"""

from __future__ import annotations

import filecmp
import json
import re
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from lpip.db import make_engine, session_scope
from lpip.errors import InvalidExport, NoBoundaries, NoData, UnknownAreaCode
from lpip.reports.atlas import MARKER, build_atlas, is_atlas, prepare_folder, serve_atlas

AREAS = ["E08000025", "E08000029", "WM-BSOL"]
INDICATORS = ["employment_rate", "population_census", "imd_score"]


@pytest.fixture(scope="module")
def wm(bundled_sqlite):
    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


@pytest.fixture(scope="module")
def site(wm, tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas") / "site"
    steps = []
    result = build_atlas(wm, out=out, areas=AREAS, indicators=INDICATORS, pdf=True, workers=2,
                         progress=lambda label, done, total: steps.append((done, total)))
    return out, result, steps


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets, self.images, self.headings, self.scripts = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.targets.append(attrs[key])
        if tag == "img":
            self.images.append(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def parse(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def test_the_site_holds_every_page(site):
    out, result, _ = site
    for page in ["index.html", "indicators.html", "downloads.html", "search.json", MARKER,
                 "areas/E08000025.html", "areas/E08000025.pdf", "areas/WM-BSOL.html", "areas/WM-BSOL.pdf",
                 "datapacks/WM-BSOL.html", "datapacks/WM-BSOL.pdf", "assets/atlas.css", "assets/atlas.js",
                 "assets/leaflet/leaflet.js", "assets/lpip-map.js", "assets/atlas-map.js", "maps/districts.geojson",
                 "maps/home.data.js", "search.js"]:
        assert (out / page).is_file(), page
    for indicator in INDICATORS:
        assert (out / "indicators" / f"{indicator}.html").is_file()
        assert (out / "indicators" / f"{indicator}.geojson").is_file()
        assert (out / "indicators" / f"{indicator}.data.js").is_file()  # the map's data for file://
    assert (out / "downloads" / "employment_rate-lad.csv").is_file()
    assert (out / "downloads" / "imd_score-lsoa.xlsx").is_file()
    assert result.pdfs == 4 and result.indicators == 3 and result.areas == 3 and result.workers == 2


def test_progress_counts_every_step_once(site):
    _, _, steps = site
    done = [d for d, _ in steps]
    assert done == list(range(1, len(steps) + 1)) and steps[-1][0] == steps[-1][1]


def test_the_index_map_has_every_district_of_the_region(site):
    out, _, _ = site
    features = json.loads((out / "maps" / "districts.geojson").read_text())["features"]
    assert len(features) == 30  # the West Midlands' 30 districts (2019)
    assert all(f["geometry"] for f in features)


def home_map_data(out: Path) -> dict:
    text = (out / "maps" / "home.data.js").read_text(encoding="utf-8")
    prefix = "window.LPIP_ATLAS_MAP = "
    assert text.startswith(prefix) and text.rstrip().endswith(";")
    return json.loads(text[len(prefix):].rstrip().rstrip(";"))


def test_the_home_map_has_every_district_indicator_names_and_outlines(site, wm):
    out, _, _ = site
    data = home_map_data(out)
    district_indicators = [i for i in INDICATORS if i != "imd_score"]  # imd_score is an LSOA indicator
    assert sorted(layer["id"] for layer in data["layers"]) == sorted(district_indicators)
    codes = {f["properties"]["code"] for f in data["districts"]["features"]}
    assert len(codes) == 30 and {label[0] for label in data["labels"]} == codes
    for layer in data["layers"]:
        assert set(layer["values"]) == codes and layer["legend"]
        period = layer["period"]
        stored = dict(wm.execute(text("SELECT area_code, value FROM indicator_value WHERE indicator_id = :i "
                                      "AND period = :p"), {"i": layer["id"], "p": period}).all())
        with_value = {c for c, v in layer["values"].items() if v[4] >= 0}
        assert with_value == {c for c in codes if stored.get(c) is not None}
    # The six sub-regions outlined (all of the region's, though only one is profiled here).
    outlined = {f["properties"]["code"] for f in data["outlines"]["features"]}
    sets = wm.execute(text("SELECT code FROM area WHERE level = 'subregion'")).scalars().all()
    assert outlined == set(sets) and len(outlined) == 6
    html = (out / "index.html").read_text(encoding="utf-8")
    for layer in data["layers"]:
        assert f'<option value="{layer["id"]}"' in html
    assert 'src="maps/home.data.js"' in html and "fetch(" not in (out / "assets" / "atlas-map.js").read_text()


def test_the_search_index_is_also_a_script_for_file_pages(site):
    out, _, _ = site
    script = (out / "search.js").read_text(encoding="utf-8")
    prefix = "window.LPIP_SEARCH_INDEX = "
    assert json.loads(script[len(prefix):].rstrip().rstrip(";")) == json.loads((out / "search.json").read_text())


def test_every_local_link_resolves(site):
    out, _, _ = site
    for page in out.rglob("*.html"):
        if page.parent.name == "indicators" and page.stem not in INDICATORS:
            continue
        for target in parse(page).targets:
            if target.startswith(("http://", "https://", "data:", "#", "mailto:")):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{page.relative_to(out)} links to missing {target}"


def test_nothing_is_loaded_from_another_site(site):
    out, _, _ = site
    for page in out.rglob("*.html"):
        for target in parse(page).scripts + [i["src"] for i in parse(page).images]:
            assert not re.match(r"(https?:)?//", target), (page, target)
    css = (out / "assets" / "atlas.css").read_text()
    assert "@import" not in css and "url(http" not in css


def test_pages_are_accessible(site):
    out, _, _ = site
    for page in [out / "index.html", *out.glob("areas/*.html"), *out.glob("datapacks/*.html"), *out.glob("indicators/*.html")]:
        html = page.read_text(encoding="utf-8")
        links = parse(page)
        assert '<html lang="en">' in html and 'name="viewport"' in html, page
        assert links.headings.count(1) == 1 and links.headings[0] == 1, page
        assert all(b - a <= 1 for a, b in zip(links.headings, links.headings[1:])), (page, links.headings)
        assert all(image.get("alt", "").strip() for image in links.images), page
        assert 'href="#main"' in html  # a skip link for keyboard users


def test_the_search_index_lists_every_page(site):
    out, _, _ = site
    entries = json.loads((out / "search.json").read_text())
    urls = {e["url"] for e in entries}
    assert {"areas/E08000025.html", "areas/E08000029.html", "areas/WM-BSOL.html", "datapacks/WM-BSOL.html",
            *(f"indicators/{i}.html" for i in INDICATORS)} == urls
    assert all((out / url).is_file() for url in urls)


def test_the_ranked_table_lists_the_districts_best_first(site, wm):
    out, _, _ = site
    html = (out / "indicators" / "employment_rate.html").read_text(encoding="utf-8")
    names = re.findall(r'<th scope="row">(?:<a [^>]+>)?([^<]+)', html)
    period = re.search(r"districts, ([^.]+)\. Unit", html)[1]
    rows = wm.execute(text("SELECT a.name, v.value FROM indicator_value v JOIN area a ON a.code = v.area_code "
                           "WHERE v.indicator_id = 'employment_rate' AND v.period = :p"), {"p": period}).all()
    values = {name: value for name, value in rows}
    ranked = [values[n] for n in names]
    assert len(names) >= 25 and ranked == sorted(ranked, reverse=True)


def test_the_marker_makes_a_rebuild_possible(site, wm, tmp_path):
    out, _, _ = site
    assert is_atlas(out)
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "lpip-atlas" and marker["region"] == "E12000005"
    copy = tmp_path / "again"
    build_atlas(wm, out=copy, areas=["E08000029"], indicators=["employment_rate"], pdf=False, workers=1)
    (copy / "stale.html").write_text("from an earlier build")
    build_atlas(wm, out=copy, areas=["E08000029"], indicators=["employment_rate"], pdf=False, workers=1)
    assert not (copy / "stale.html").exists()  # an earlier atlas is replaced, not mixed in


def test_the_site_does_not_depend_on_the_number_of_processes(wm, tmp_path):
    kwargs = dict(areas=["E08000029", "WM-BSOL"], indicators=["employment_rate", "imd_score"], pdf=False)
    one = build_atlas(wm, out=tmp_path / "one", workers=1, **kwargs).folder
    two = build_atlas(wm, out=tmp_path / "two", workers=2, **kwargs).folder
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file() and p.name != MARKER)
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file() and p.name != MARKER)
    different = [f for f in files if not filecmp.cmp(one / f, two / f, shallow=False)]
    # XLSX files carry the time they were written; their contents must still agree.
    assert all(f.suffix == ".xlsx" for f in different), different
    for f in different:
        pd.testing.assert_frame_equal(pd.read_excel(one / f), pd.read_excel(two / f))


def test_a_folder_that_is_not_an_atlas_is_refused(wm, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(InvalidExport, match="is not an lpip atlas.*--force"):
        build_atlas(wm, out=folder, areas=["E08000029"], indicators=["employment_rate"], pdf=False)
    assert (folder / "thesis.docx").read_text() == "precious"
    build_atlas(wm, out=folder, areas=["E08000029"], indicators=["employment_rate"], pdf=False, force=True, workers=1)
    assert (folder / "thesis.docx").read_text() == "precious" and is_atlas(folder)
    file = tmp_path / "file.txt"
    file.write_text("x")
    with pytest.raises(InvalidExport, match="is a file"):
        prepare_folder(file)


def test_a_region_without_lsoa_boundaries_gets_district_pages_and_a_note(wm, tmp_path):
    # The district maps need district boundaries (England's are bundled); LSOA maps need
    # LSOA boundaries, bundled for the West Midlands only: Yorkshire gets no LSOA page, and says so.
    result = build_atlas(wm, region="E12000003", out=tmp_path / "yorkshire", pdf=False, workers=1,
                         areas=["E08000035"], indicators=["employment_rate"])
    assert any(n.startswith("No LSOA maps:") and "Yorkshire and The Humber" in n for n in result.notes)
    assert (tmp_path / "yorkshire" / "areas" / "E08000035.html").is_file()
    assert "No LSOA maps:" in (tmp_path / "yorkshire" / "index.html").read_text(encoding="utf-8")
    with pytest.raises(InvalidExport, match="imd_score.*No LSOA maps"):
        build_atlas(wm, region="E12000003", out=tmp_path / "y2", pdf=False, areas=["E08000035"], indicators=["imd_score"])


def test_a_region_without_district_boundaries_is_refused(wm, tmp_path, monkeypatch):
    from lpip.maps import choropleth

    monkeypatch.setattr(choropleth, "boundaries_for", lambda level, codes: (None, sorted(codes)))
    with pytest.raises(NoBoundaries, match="None of the 30 districts of West Midlands.*has a bundled boundary"):
        build_atlas(wm, out=tmp_path / "wm", pdf=False)
    assert not (tmp_path / "wm").exists()


def test_the_england_atlas_profiles_regions_and_maps_every_district_with_a_boundary(wm, tmp_path):
    result = build_atlas(wm, region="E92000001", out=tmp_path / "england", pdf=False, workers=1,
                         areas=["E08000029", "E12000005"], indicators=["employment_rate"])
    out = result.folder
    assert (out / "areas" / "E12000005.html").is_file() and (out / "areas" / "E08000029.html").is_file()
    districts = wm.execute(text("SELECT code FROM area WHERE level = 'lad' AND code LIKE 'E%'")).scalars().all()
    data = home_map_data(out)
    mapped = {f["properties"]["code"] for f in data["districts"]["features"]}
    assert mapped | set(data["unmapped"]) == set(districts) and not mapped & set(data["unmapped"])
    assert len(mapped) > 300 and data["showLabels"] is False  # 300 names at once would hide the map
    if data["unmapped"]:
        assert any("have no bundled boundary and are not on the maps" in n for n in result.notes)
    assert any(n.startswith("No LSOA maps:") for n in result.notes)
    entries = json.loads((out / "search.json").read_text())
    assert {"kind": "Region profile", "url": "areas/E12000005.html"}.items() <= next(
        e for e in entries if e["url"] == "areas/E12000005.html").items()


def test_unknown_areas_are_refused(wm, tmp_path):
    with pytest.raises(UnknownAreaCode, match="E08000035: not a district or sub-region of West Midlands"):
        build_atlas(wm, out=tmp_path / "x", areas=["E08000035"], pdf=False)


def test_an_indicator_without_data_for_the_region_is_refused(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        codes = session.execute(text("SELECT code FROM area WHERE level = 'lad' AND code LIKE 'E08%'")).scalars().all()
        session.execute(text("DELETE FROM indicator_value WHERE indicator_id = 'gva_per_hour'"))
        session.execute(text("INSERT INTO indicator_value (indicator_id, area_code, period, value) "
                             "VALUES ('gva_per_hour', 'E08000035', '2021', 30.0)"))  # Leeds only
    with session_scope(engine) as session:
        with pytest.raises(NoData, match="gva_per_hour"):
            build_atlas(session, out=tmp_path / "x", areas=["E08000029"], indicators=["gva_per_hour"], pdf=False)
    engine.dispose()
    assert codes


def test_serve_only_serves_an_atlas(site, tmp_path):
    out, _, _ = site
    with pytest.raises(InvalidExport, match="is not an lpip atlas"):
        serve_atlas(tmp_path, port=0)
    server = serve_atlas(out, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/index.html", timeout=10) as response:
            assert response.status == 200 and b"evidence atlas" in response.read()
        with urllib.request.urlopen(f"{base}/maps/districts.geojson", timeout=10) as response:
            assert response.headers["Content-Type"] == "application/geo+json"
    finally:
        server.shutdown()
        server.server_close()
