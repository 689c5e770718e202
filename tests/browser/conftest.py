"""Browser tests: a real uvicorn server on 127.0.0.1 and Debian's headless Chromium at phone size.

Chromium comes from the system (``apt-get install chromium``), never from ``playwright install``.
Without it these tests skip with the reason, unless ``LPIP_REQUIRE_BROWSER`` is set (CI), in
which case they fail. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 740}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SERVER_START_SECONDS = 60
# axe-core from the npm registry (package.json devDependency), copied here by
# scripts/vendor_assets.py; never fetched from a CDN, never served by the app.
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = """async (tags) => {
  const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v =>
    v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


def _missing(reason: str) -> None:
    if os.environ.get("LPIP_REQUIRE_BROWSER"):
        pytest.fail(f"LPIP_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(f"{reason}; set LPIP_REQUIRE_BROWSER=1 to make this a failure")


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (one per test module)."""
    executable = shutil.which("chromium")
    if executable is None:
        _missing("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    db_url: str
    log: Path

    def engine(self):
        from lpip.db import make_engine

        return make_engine(self.db_url)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"lpip's web server stopped while starting:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"lpip's web server did not answer on {url} within {SERVER_START_SECONDS} s:\n{log.read_text()}")


# The server with catalogues from more folders (the test pseudo-locales): lpip.web.i18n reads
# LOCALE_DIRS, so the folders are added before the app is made, in the server's own process.
SERVE_WITH_LOCALES = """
import sys
from pathlib import Path

import uvicorn

from lpip.web import i18n

i18n.LOCALE_DIRS.extend(Path(folder) for folder in sys.argv[2:])
uvicorn.run("lpip.web:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            timeout_graceful_shutdown=2)
"""


@pytest.fixture
def server_locale_dirs() -> list[Path]:
    """Folders of catalogues the live server reads besides lpip's own (a test module overrides this)."""
    return []


@pytest.fixture
def live_server(sqlite_url, tmp_path, server_locale_dirs):
    """``lpip.web:create_app`` under uvicorn on 127.0.0.1 and a free port, on the test's database."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ, "LPIP_DATABASE_URL": sqlite_url, "LPIP_ENV": "development",
        "LPIP_SECRET_KEY": "browser-test-secret-" + "b" * 40, "LPIP_DATA_DIR": str(tmp_path / "data"),
    }
    if server_locale_dirs:
        command = [sys.executable, "-c", SERVE_WITH_LOCALES, str(port), *map(str, server_locale_dirs)]
    else:
        command = [sys.executable, "-m", "uvicorn", "--factory", "lpip.web:create_app", "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning", "--timeout-graceful-shutdown", "2"]
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url=url, db_url=sqlite_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Phone:
    """One person's phone: a browser context with its own cookies, and what it saw."""

    name: str
    context: object
    page: object
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{step}-{self.name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe_violations(self) -> list[str]:
        """axe-core's serious and critical violations on the page as it is now. The script is
        evaluated through the DevTools protocol, which the page's CSP does not govern, so the
        page is checked with its own CSP in force."""
        if not AXE.is_file():
            _missing(f"axe-core is not vendored ({AXE} is missing: run `make`, i.e. npm ci and scripts/vendor_assets.py)")
        if not self.page.evaluate("() => !!window.axe"):
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        return self.page.evaluate(AXE_RUN, AXE_TAGS)

    def allow_error(self, text: str) -> None:
        """Expect a console error containing ``text`` (e.g. a deliberate 403)."""
        self.allowed.append(text)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(a in e for a in self.allowed)]

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def phone(browser, live_server):
    """Make phones: ``phone("host")`` is a new phone-sized context on the live server."""
    phones: list[Phone] = []

    def make(name: str) -> Phone:
        context = browser.new_context(
            base_url=live_server.url, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale="en-GB",
        )
        page = context.new_page()
        made = Phone(name, context, page)
        page.on("console", lambda m: made.console_errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None)
        page.on("pageerror", lambda e: made.console_errors.append(f"uncaught: {e}"))
        page.on("dialog", lambda d: (made.dialogs.append(d.message), d.dismiss()))
        context.on("request", lambda r: made.requests.append(r.url))
        phones.append(made)
        return made

    yield make
    for made in phones:
        made.context.close()
