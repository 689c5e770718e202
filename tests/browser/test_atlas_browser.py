"""The built West Midlands atlas in Debian's headless Chromium: the index map draws the 30
districts, hovering shows a value, the indicator chooser recolours the map, a profile shows
its spine chart, search finds an area, nothing errors in the console and no request leaves
127.0.0.1; and the same atlas opened straight from the folder (file://) draws its maps and
searches without a server and without any request off the disk. Screenshots go to
test-artifacts/.

Uses the ``browser`` fixture of tests/browser/conftest.py (it skips without Chromium unless
LPIP_REQUIRE_BROWSER is set). The atlas is built once for the module, without PDFs (the
PDFs are tested in tests/reports/).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lpip.db import make_engine, session_scope
from lpip.reports.atlas import build_atlas, serve_atlas

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SOLIHULL = "E08000029"


@pytest.fixture(scope="module")
def atlas_site(bundled_sqlite, tmp_path_factory) -> Path:
    """The whole West Midlands atlas, built once for the module."""
    out = tmp_path_factory.mktemp("browser-atlas") / "site"
    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        build_atlas(session, out=out, pdf=False)
        session.rollback()
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def atlas_url(atlas_site):
    """The atlas served on 127.0.0.1 (a free port)."""
    server = serve_atlas(atlas_site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class Visit:
    """A browser context that refuses every request off 127.0.0.1 and records console errors."""

    def __init__(self, browser, base_url: str, viewport: dict):
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.context = browser.new_context(base_url=base_url, viewport=viewport, locale="en-GB")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def _route(self, route):
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"atlas-{name}.png"), full_page=True)

    def check_clean(self) -> None:
        assert self.foreign == [], f"requests left 127.0.0.1: {self.foreign}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def visit(browser, atlas_url):
    visits = []

    def make(viewport=DESKTOP) -> Visit:
        made = Visit(browser, atlas_url, viewport)
        visits.append(made)
        return made

    yield make
    for made in visits:
        made.context.close()


def test_the_index_map_draws_the_30_districts_and_hover_shows_a_value(visit):
    v = visit()
    v.page.goto("/index.html")
    areas = v.page.locator(".lpip-map path.leaflet-interactive")
    areas.first.wait_for(state="attached", timeout=20_000)
    v.page.wait_for_function("document.querySelectorAll('.lpip-map path.leaflet-interactive').length >= 30")
    assert areas.count() == 30
    areas.nth(0).hover(force=True)
    tooltip = v.page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert re.search(r"\d", tooltip.inner_text()), tooltip.inner_text()
    v.shot("index-desktop")
    v.check_clean()


def test_search_finds_an_area_by_keyboard(visit):
    v = visit(PHONE)
    v.page.goto("/index.html")
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.textContent") == "Skip to content"
    v.page.fill("#search", "solihull")
    link = v.page.locator("#search-results a", has_text="Solihull").first
    link.wait_for(timeout=10_000)
    assert v.page.locator("#search-status").inner_text().endswith(".")
    link.focus()
    v.page.keyboard.press("Enter")
    v.page.wait_for_url(re.compile(rf"areas/{SOLIHULL}\.html$"))
    v.check_clean()


def test_a_profile_shows_its_spine_chart_and_fits_a_phone(visit):
    v = visit(PHONE)
    v.page.goto(f"/areas/{SOLIHULL}.html")
    charts = v.page.locator('img[alt^="Spine chart of"]')
    charts.first.wait_for()
    assert charts.count() >= 2  # 30-odd indicators: in charts of at most 14 rows
    chart = charts.first
    v.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    assert chart.bounding_box()["width"] <= PHONE["width"]
    assert v.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert v.page.locator("h1").inner_text() == "Solihull"
    v.shot("profile-phone")
    v.check_clean()


def test_an_indicator_page_and_a_data_pack(visit):
    v = visit()
    v.page.goto("/indicators/imd_score.html")
    v.page.wait_for_function("document.querySelectorAll('.lpip-map path').length > 3000", timeout=60_000)
    v.shot("indicator-imd")
    v.page.goto("/datapacks/WM-BC.html")
    assert v.page.locator("ol.questions li").count() >= 3
    v.shot("datapack-desktop")
    v.check_clean()


def fills(page) -> list[str]:
    return page.eval_on_selector_all(".lpip-map path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))")


def test_the_chooser_shows_every_indicator_and_recolours_the_map(visit):
    v = visit()
    v.page.goto("/index.html")
    v.page.wait_for_function("document.querySelectorAll('.lpip-map path.leaflet-interactive').length >= 30")
    options = v.page.eval_on_selector_all("#map-indicator option", "els => els.map(e => e.value)")
    data = v.page.evaluate("window.LPIP_ATLAS_MAP.layers.map(l => l.id)")
    assert len(options) == len(data) > 10 and sorted(options) == sorted(data)
    before, title = fills(v.page), v.page.inner_text("#home-map-legend .lpip-map-legend-title")
    chosen = next(o for o in options if o != v.page.input_value("#map-indicator"))
    v.page.select_option("#map-indicator", chosen)
    v.page.wait_for_function("t => document.querySelector('#home-map-legend .lpip-map-legend-title').textContent !== t",
                             arg=title)
    assert fills(v.page) != before
    assert v.page.get_attribute("#home-map", "data-indicator") == chosen
    assert v.page.get_attribute("#home-map-link", "href") == f"indicators/{chosen}.html"
    # Sub-regions outlined (not interactive: they do not take the districts' hover).
    assert v.page.locator(".lpip-map path:not(.leaflet-interactive)").count() == 6
    v.check_clean()


class FileVisit:
    """A page opened from disk; records console errors and every request's URL."""

    def __init__(self, browser):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def check_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        off_disk = [u for u in self.requests if not u.startswith(("file://", "data:"))]
        assert off_disk == [], f"requests off the disk: {off_disk}"


def test_the_atlas_opened_from_the_folder_draws_its_maps_and_searches(browser, atlas_site):
    v = FileVisit(browser)
    try:
        v.page.goto((atlas_site / "index.html").as_uri())
        v.page.wait_for_function("document.querySelectorAll('.lpip-map path.leaflet-interactive').length >= 30",
                                 timeout=30_000)
        assert v.page.get_attribute("#home-map", "data-drawn") == "30"
        labels = v.page.locator(".atlas-map-label span")
        assert labels.count() == 30 and "Birmingham" in labels.all_inner_texts()
        assert v.page.locator("#home-map-legend li").count() >= 2
        ARTIFACTS.mkdir(exist_ok=True)
        v.page.screenshot(path=str(ARTIFACTS / "atlas-file-index.png"))
        v.page.fill("#search", "solihull")
        v.page.locator("#search-results a", has_text="Solihull").first.wait_for(timeout=10_000)
        v.page.goto((atlas_site / "indicators" / "imd_score.html").as_uri())
        v.page.wait_for_function("document.querySelectorAll('.lpip-map path').length > 3000", timeout=60_000)
        v.page.goto((atlas_site / "indicators" / "employment_rate.html").as_uri())
        v.page.wait_for_function("document.querySelectorAll('.lpip-map path.leaflet-interactive').length >= 30")
        v.check_clean()
    finally:
        v.context.close()
