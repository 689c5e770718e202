"""The phone pages in a test pseudo-locale (tests/pseudo_locales.py; not a translation), at phone
size: the language picker, and the offline queue's words from the page's catalogue, right to left.
"""

from __future__ import annotations

import gettext

import pytest
from pseudo_locales import pseudo, write_pseudo_locales
from sqlalchemy import select
from test_workshop_browser import QUEUE, assert_clean, check_usable, expect

from lpip.db import session_scope
from lpip.workshops.models import HostLink
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

pytestmark = pytest.mark.slow


@pytest.fixture
def server_locale_dirs(tmp_path):
    """The live server (tests/browser/conftest.py) reads the test pseudo-locales too."""
    return [write_pseudo_locales(tmp_path / "test-locales")]


def test_the_offline_queue_speaks_the_page_language(live_server, server_locale_dirs, phone):
    locales = server_locale_dirs[0]
    engine = live_server.engine()
    with session_scope(engine) as s:
        workshop = create_workshop(s, "MADE-UP languages check", [RoundSpec("MADE-UP: what helps?", 20)], tables=1)
        open_round(s, workshop.id, 1)
        token = s.scalar(select(HostLink.token).where(HostLink.workshop_id == workshop.id))
    engine.dispose()
    host = phone("host-ar-XB")
    page = host.page
    # The picker is a list of links: the host chooses the right-to-left test locale in the footer.
    page.goto(f"/t/{token}")
    page.locator("nav.languages").get_by_role("link", name="العربية (XB)").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text(pseudo("Table %(table)s") % {"table": 1})

    host.context.set_offline(True)
    page.get_by_label(pseudo("One idea per note")).fill("MADE-UP: buses after 8pm")
    page.get_by_role("button", name=pseudo("Add note")).click()
    expect(page.locator("#notes-round-1 > li.pending .queue-state")).to_have_text(" · " + pseudo("waiting to send"))
    # One note kept offline: the browser picks Arabic's plural category for 1, and shows the
    # catalogue's form for 1 (read here with gettext, as the server would).
    catalogue = gettext.translation("messages", localedir=str(locales), languages=["ar_XB"])
    status = catalogue.ngettext(
        "You are offline. %(count)s item is kept on this device and will be sent when the connection returns.",
        "You are offline. %(count)s items are kept on this device and will be sent when the connection returns.", 1)
    assert status.startswith("⟦")
    expect(page.locator("[data-queue-status]")).to_have_text(status % {"count": 1})
    assert len(page.evaluate(QUEUE)) == 1
    check_usable(host)
    host.shot("languages-offline-ar-XB")

    host.context.set_offline(False)
    expect(page.locator("#notes-round-1 > li.pending")).to_have_count(0)
    expect(page.locator("[data-queue-status]")).to_have_text("")
    assert_clean(host)
