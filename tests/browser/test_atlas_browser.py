"""The built West Midlands atlas in Debian's headless Chromium: the index map draws the 30
districts, hovering shows a value, a profile shows its spine chart, search finds an area,
nothing errors in the console and no request leaves 127.0.0.1. Screenshots go to
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
def atlas_url(bundled_sqlite, tmp_path_factory):
    """The whole West Midlands atlas, built once and served on 127.0.0.1 (a free port)."""
    out = tmp_path_factory.mktemp("browser-atlas") / "site"
    engine = make_engine(f"sqlite:///{bundled_sqlite}")
    with session_scope(engine) as session:
        build_atlas(session, out=out, pdf=False)
        session.rollback()
    engine.dispose()
    server = serve_atlas(out, port=0)
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
    chart = v.page.locator('img[alt^="Spine chart of"]')
    chart.wait_for()
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
