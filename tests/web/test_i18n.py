"""Languages of the pages phones use: every string through the catalogue, the locale per request, RTL.

No real translation ships yet (English is the source), so these tests build two TEST PSEUDO-LOCALES
from messages.pot into a temporary folder (tests/pseudo_locales.py): ``en_XA`` (every letter
accented and bracketed, left to right) and ``ar_XB`` (the same, right to left), named after CLDR's
pseudo-locale codes. They are not translations and are never installed with lpip.
"""

from __future__ import annotations

import ast
import html as html_lib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pseudo_locales import POT, pseudo, write_pseudo_locales
from sqlalchemy import select

from lpip.errors import N_, InvalidContribution, UnknownWorkshop
from lpip.web import i18n
from lpip.workshops.capture import add_priority, add_statement, join_workshop, set_walkin
from lpip.workshops.models import SECTORS, VOTE_VALUES, HostLink
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# What the pages show that is not the catalogue's: data typed in by people (in the test below).
TITLE = "Health on the Marches"
DATA = (TITLE, "What keeps people well here?", "Walk-in clinics need evening hours", "Buses after 8pm", "lpip")


@pytest.fixture
def test_locales(tmp_path, monkeypatch):
    """The two test pseudo-locales, compiled into a temporary folder the app reads."""
    folder = write_pseudo_locales(tmp_path / "test-locales")
    monkeypatch.setattr(i18n, "LOCALE_DIRS", [i18n.LOCALE_DIR, folder])
    i18n.clear_cache()
    yield folder
    monkeypatch.undo()
    i18n.clear_cache()


class _Text(HTMLParser):
    """The text a person reads: text nodes (not scripts) and the attributes read aloud or shown.
    Text marked with its own language (``lang=``: the language picker names each language in that
    language, from Babel's data, not the catalogue) is left out."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._other_language: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag != "html" and (self._other_language or dict(attrs).get("lang")):
            self._other_language.append(tag)
            return
        self.texts += [v for k, v in attrs if k in ("title", "aria-label", "placeholder", "alt") and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if self._other_language and self._other_language[-1] == tag:
            self._other_language.pop()

    def handle_data(self, data):
        if not self._skip and not self._other_language:
            self.texts.append(data)


def untranslated(html: str) -> list[str]:
    """English words left on a page rendered in the pseudo-locale (data and catalogue text removed)."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.texts)
    for value in DATA:
        text = text.replace(value, " ")
    text = re.sub(r"⟦[^⟧]*⟧", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


def _setup(app):
    with app.state.sessions() as s, s.begin():
        workshop = create_workshop(s, TITLE, [RoundSpec("What keeps people well here?", 20)], tables=2,
                                   subregion_code="WM-MARCHES", dots_per_participant=3, is_demo=True)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True, harvest_open=True)
        other = join_workshop(s, workshop.join_code)
        add_statement(s, other, "Walk-in clinics need evening hours", "walkin-000001")
        add_priority(s, workshop.id, "Buses after 8pm")
        token = s.scalar(select(HostLink.token).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
    return workshop, token


def _join(client, code: str, sector: str = "resident"):
    token = CSRF.search(client.get("/join").text).group(1)
    return client.post("/join", data={"code": code, "consent": "yes", "sector": sector, "csrf_token": token},
                       follow_redirects=False)


def test_every_string_of_the_phone_pages_is_translated(app, client, test_locales):
    workshop, token = _setup(app)
    client.get("/join?lang=en_XA")
    pages = {"join": client.get("/join").text}
    assert _join(client, workshop.join_code).status_code == 303
    pages["participant"] = client.get("/p").text
    pages["statements"] = client.get("/p/statements").text
    pages["follow-ups"] = client.get("/p/follow-ups").text
    pages["host"] = client.get(f"/t/{token}").text
    pages["room map, too few votes"] = client.get("/p/room-map").text
    # The error page, its message (the server's) included.
    missing = client.get("/t/" + "x" * 32)
    assert missing.status_code == 404
    pages["not found"] = missing.text
    nowhere = client.get("/p/no-such-page")
    assert nowhere.status_code == 404
    pages["no such page"] = nowhere.text
    for name, html in pages.items():
        assert "⟦" in html, name
        assert untranslated(html) == [], name
    # The same pages in English: the check above would catch English left over.
    client.get("/p?lang=en")
    assert "Vote on statements" in client.get("/p").text
    assert untranslated(client.get("/p").text) != []


def test_lang_query_is_remembered_in_a_cookie_and_wins_over_accept_language(app, client, test_locales):
    first = client.get("/join?lang=en-xa")
    assert first.status_code == 200 and '<html lang="en-XA" dir="ltr">' in first.text
    assert "lpip_lang=en_XA" in first.headers["set-cookie"]
    # The cookie is remembered, whatever the browser prefers.
    again = client.get("/join", headers={"Accept-Language": "ar-XB"})
    assert '<html lang="en-XA"' in again.text and pseudo("Join a workshop") in again.text
    # A locale that ships no catalogue is ignored: the cookie's stays.
    unknown = client.get("/join?lang=fr")
    assert "lpip_lang" not in unknown.headers.get("set-cookie", "") and '<html lang="en-XA"' in unknown.text
    back = client.get("/join?lang=en")
    assert '<html lang="en" dir="ltr">' in back.text and "Join a workshop" in back.text
    assert "lpip_lang=en;" in back.headers["set-cookie"]


def test_accept_language_chooses_a_shipped_locale_else_english(app, client, test_locales):
    rtl = client.get("/join", headers={"Accept-Language": "fr;q=0.9, ar-XB;q=0.8, en;q=0.5"})
    assert '<html lang="ar-XB" dir="rtl">' in rtl.text
    assert pseudo("Your privacy") in rtl.text and "Your privacy" not in rtl.text
    english = client.get("/join", headers={"Accept-Language": "fr, de;q=0.5"})
    assert '<html lang="en" dir="ltr">' in english.text and "Your privacy" in english.text


def test_facilitator_pages_stay_in_english(app, client, test_locales):
    page = client.get("/login?lang=ar_XB")
    assert '<html lang="en" dir="ltr">' in page.text and "⟦" not in page.text


def test_negotiation_without_test_locales_is_english():
    assert i18n.negotiate("lang=ar", "lpip_lang=ar", "ar, he") == ("en", False)
    assert i18n.negotiate("", "", "") == ("en", False)
    assert i18n.negotiate("lang=en", "", "") == ("en", True)


@pytest.mark.parametrize(("locale", "direction"), [("en", "ltr"), ("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"),
                                                   ("ar_XB", "rtl"), ("en_XA", "ltr"), ("cy", "ltr")])
def test_text_direction_comes_from_babels_data(locale, direction):
    assert i18n.text_direction(locale) == direction


def test_every_sector_and_vote_has_a_translatable_label():
    assert set(i18n.SECTOR_LABELS) == set(SECTORS)
    assert set(VOTE_VALUES) <= set(i18n.VOTE_LABELS)


def test_messages_pot_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "--no-wrap",
                                "--sort-by-file", "--no-location", "--omit-header", "-o", str(fresh), str(ROOT)])
    assert fresh.read_text(encoding="utf-8") == POT.read_text(encoding="utf-8"), (
        "src/lpip/web/locale/messages.pot is stale: run `make i18n` (scripts/i18n.py) and commit it")


def test_every_shipped_catalogue_is_compiled(tmp_path):
    """Each committed messages.po has its messages.mo, compiled from the current .po."""
    for po in sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        assert mo.is_file(), f"{po} is not compiled: run make i18n"
        with po.open("rb") as f:
            catalog = read_po(f)
        expected = tmp_path / "expected.mo"
        with expected.open("wb") as f:
            write_mo(f, catalog)
        assert mo.read_bytes() == expected.read_bytes(), f"{mo} is older than its .po: run make i18n"


def test_accept_language_weights_and_bad_headers(test_locales):
    assert i18n.negotiate("", "", "ar-XB;q=0.2, en-XA;q=0.9") == ("en_XA", False)
    assert i18n.negotiate("", "", "ar-XB;q=0, fr") == ("en", False)  # q=0 means "not this one"
    assert i18n.negotiate("", "", "AR-xb") == ("ar_XB", False)
    assert i18n.negotiate("", 'lpip_lang="; bad', "ar-XB;q=x") == ("en", False)
    assert i18n.negotiate("lang=ar_XB&lang=en_XA", "", "") == ("en_XA", True)


def test_the_room_map_is_translated_in_every_state(test_locales):
    """The opinion map fragment with groups and agreed statements (the app fills it after enough votes)."""
    from types import SimpleNamespace as NS

    from lpip.web.templating import templates

    statement = NS(text="Walk-in clinics need evening hours", share=0.8, direction="agree")
    room = NS(ready=True, reason="", voters=12, votes=60, agreed=[statement],
              groups=[NS(name="A", size=1, share=0.25, unites=[statement]),
                      NS(name="B", size=3, share=0.75, unites=[NS(text="Buses after 8pm", share=0.7, direction="disagree")])])
    html = templates.get_template("capture/_room_map.html").render(lpip_locale="ar_XB", room=room, mine="A",
                                                                    own_votes=None, need=3)
    assert "⟦" in html and untranslated(html.replace(">A<", "><").replace(">B<", "><")) == []
    assert "80%" in html and "12" in html
    english = templates.get_template("capture/_room_map.html").render(room=room, mine="A", own_votes=None, need=3)
    assert "Group A: 1 person (25%)" in english and "Group B: 3 people (75%)" in english
    assert "80% of the group agree" in english and "70% of the group disagree" in english


# ---- the server's messages, the scripts' words, the language picker -------------------------

ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
BLOB = re.compile(r"<div id=\"lpip-i18n\" hidden data-strings='([^']*)'></div>")
JS = ROOT / "src" / "lpip" / "web" / "static" / "js"


def _shown_error(html: str) -> str:
    return html_lib.unescape(ERROR.search(html).group(1))


def test_join_errors_are_in_the_page_language(app, client, test_locales):
    workshop, _ = _setup(app)
    client.get("/join?lang=en_XA")
    wrong = _join(client, "NOPE99")
    assert wrong.status_code == 404
    message = "No workshop has the code %(code)s. Check the code on the screen."
    assert _shown_error(wrong.text) == pseudo(message) % {"code": "'NOPE99'"}
    assert untranslated(wrong.text) == []
    # A message with values: the room is full (one person joined in _setup, the cap is one).
    with app.state.sessions() as s, s.begin():
        set_walkin(s, workshop.id, True, cap=1)
    full = _join(client, workshop.join_code)
    assert full.status_code == 409
    assert _shown_error(full.text).startswith(pseudo("The room is full: %(joined)s people have joined")[:-1] % {"joined": 1})
    assert untranslated(full.text) == []
    with app.state.sessions() as s, s.begin():
        set_walkin(s, workshop.id, False)
    closed = _join(client, workshop.join_code)
    assert _shown_error(closed.text).startswith(pseudo("This workshop's walk-in code is switched off")[:-1])
    # The same in English: the message is the domain's English, word for word.
    client.get("/join?lang=en")
    english = _join(client, "NOPE99")
    assert _shown_error(english.text) == "No workshop has the code 'NOPE99'. Check the code on the screen."
    with pytest.raises(UnknownWorkshop) as raised, app.state.sessions() as s:
        join_workshop(s, "NOPE99")
    assert str(raised.value) == _shown_error(english.text)  # what the CLI prints


def test_a_json_error_from_a_closed_vote_is_in_the_page_language(app, client, test_locales):
    workshop, _ = _setup(app)
    client.get("/join?lang=ar_XB")
    assert _join(client, workshop.join_code).status_code == 303
    page = client.get("/p").text
    statement_id = int(re.search(r'name="statement_id" value="(\d+)"', page).group(1))
    with app.state.sessions() as s, s.begin():
        set_voting(s, workshop.id, voting_open=False)
    token = CSRF.search(page).group(1)
    vote = {"statement_id": statement_id, "vote": "agree"}
    answer = client.post("/p/votes", json=vote, headers={"Accept": "application/json", "X-CSRF-Token": token})
    assert answer.status_code == 409
    assert answer.json() == {"ok": False, "error": pseudo("Voting is not open at the moment."), "errors": [], "status": 409}
    # The form without JavaScript: the participant's page comes back with the message, translated.
    form = client.post("/p/votes", data={**vote, "csrf_token": token}, follow_redirects=False)
    assert pseudo("Voting is not open at the moment.") in html_lib.unescape(form.text)
    client.get("/p?lang=en")
    english = client.post("/p/votes", json=vote, headers={"Accept": "application/json", "X-CSRF-Token": token})
    assert english.json()["error"] == "Voting is not open at the moment."


def test_the_api_answers_in_english(app, client, test_locales):
    _setup(app)
    answer = client.post("/api/v1/join?lang=en_XA", json={"code": "NOPE99"})
    assert answer.status_code == 404
    assert answer.json()["error"] == "No workshop has the code 'NOPE99'. Check the code on the screen."


def test_a_translation_with_wrong_placeholders_shows_the_english(monkeypatch):
    class Broken:
        def gettext(self, message):
            return "⟦%(nothing)s⟧"

    monkeypatch.setattr(i18n, "translations", lambda locale: Broken())
    assert i18n.translate("xx", "Round %(number)s", {"number": 2}) == "Round 2"
    assert i18n.translate("xx", "Round 1") == "⟦%(nothing)s⟧"  # no values: nothing to fill in
    assert i18n.translate("xx", "") == ""  # never the catalogue's header


def test_a_domain_error_keeps_its_english_template_and_values():
    error = InvalidContribution(N_("You have %(dots)s dots and tried to spend %(spent)s."), dots=3, spent=5)
    assert str(error) == error.message == "You have 3 dots and tried to spend 5."
    assert (error.msgid, error.params) == ("You have %(dots)s dots and tried to spend %(spent)s.", {"dots": 3, "spent": 5})
    assert InvalidContribution("50% of the votes").message == "50% of the votes"  # no values, no formatting


@pytest.mark.parametrize("module", ["capture.py", "workshops.py", "relationships.py"])
def test_messages_people_see_on_the_phone_pages_are_catalogue_messages(module):
    """A message raised in the participants' and table hosts' workshop code is an N_("...")
    template, never an f-string: an f-string cannot be in the catalogue."""
    path = ROOT / "src" / "lpip" / "workshops" / module
    # The functions behind the phone pages (in capture.py: all but the facilitator's moderation).
    people_see = {"workshops.py": {"workshop_by_code", "host_link_by_token"},
                  "relationships.py": {"record_follow_ups"}}.get(module)

    def behind_the_phone_pages(name: str) -> bool:
        return name != "moderate" if people_see is None else name in people_see

    found = 0
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef) or not behind_the_phone_pages(function.name):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                first = node.exc.args[0]
                assert isinstance(first, ast.Call) and getattr(first.func, "id", "") == "N_", (
                    f"{module}:{node.lineno}: mark the message with N_() and pass its values as keywords")
                found += 1
    assert found >= 2


def test_the_scripts_words_come_from_the_catalogue(app, client, test_locales):
    _, token = _setup(app)
    client.get("/join?lang=en_XA")
    blob = json.loads(html_lib.unescape(BLOB.search(client.get(f"/t/{token}").text).group(1)))
    assert blob["waiting"] == pseudo("waiting to send")
    assert blob["not_sent"] == pseudo("NOT SENT: %(reason)s Copy the text if you want to keep it.")
    assert blob["queued"] == {"one": pseudo("%(count)s item is waiting to send."),
                              "other": pseudo("%(count)s items are waiting to send.")}
    # Arabic has six plural categories; the browser picks one with Intl.PluralRules.
    client.get("/join?lang=ar_XB")
    arabic = json.loads(html_lib.unescape(BLOB.search(client.get("/join").text).group(1)))
    assert set(arabic["offline_queued"]) == {"zero", "one", "two", "few", "many", "other"}
    assert all(text.startswith("⟦") for text in arabic["offline_queued"].values())
    # Facilitator pages carry no blob: their scripts write English.
    assert not BLOB.search(client.get("/login").text)


def test_the_scripts_english_is_the_catalogues_english(app, client):
    """Each word a script writes has its key in the blob, and the script's own English (for a page
    without the blob) is the catalogue's English, so the two cannot drift apart."""
    english = i18n.js_strings("en")
    used = {}
    for name in ("capture.js", "live.js"):
        source = (JS / name).read_text(encoding="utf-8")
        for key, text in re.findall(r"\bsay\('(\w+)', '([^']*)'", source):
            used[key] = text
        for key, one, other in re.findall(r"\bsayCount\('(\w+)', \w+,\s*'([^']*)',\s*'([^']*)'\)", source):
            used[key] = {"one": one, "other": other}
    assert used == english
    page = client.get("/join").text
    assert json.loads(html_lib.unescape(BLOB.search(page).group(1))) == english


def test_no_language_picker_with_english_only(client):
    page = client.get("/join").text
    assert 'class="languages"' not in page
    assert untranslated(page) != []  # English, as before


def test_the_language_picker_lists_every_catalogue_and_sets_the_cookie(app, client, test_locales):
    page = client.get("/join?code=abc123").text
    picker = re.search(r'<nav class="languages" aria-label="Language">(.*?)</nav>', page, re.S).group(1)
    links = dict((html_lib.unescape(href), name) for href, name in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', picker))
    assert links == {"/join?code=abc123&lang=ar_XB": "العربية (XB)", "/join?code=abc123&lang=en_XA": "English (XA)"}
    assert '<span lang="en" aria-current="true"><strong>English</strong></span>' in picker
    assert 'lang="ar-XB" hreflang="ar-XB"' in picker
    # Following a link: the page in that language, remembered in the cookie (no JavaScript needed).
    chosen = client.get("/join?code=abc123&lang=ar_XB")
    assert '<html lang="ar-XB" dir="rtl">' in chosen.text and "lpip_lang=ar_XB" in chosen.headers["set-cookie"]
    assert f'aria-label="{pseudo("Language")}"' in chosen.text
    assert '<span lang="ar-XB" aria-current="true">' in chosen.text
    assert '<html lang="ar-XB"' in client.get("/join").text
    # The facilitator's pages are English only: no picker.
    assert 'class="languages"' not in client.get("/login").text
