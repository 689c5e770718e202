"""Languages of the pages phones use (join, participant, table host): gettext catalogues.

The English text in the templates is the source: ``web/locale/messages.pot`` is extracted from
it (``make i18n``, see docs/languages.md), a language is a ``web/locale/<locale>/LC_MESSAGES/
messages.po`` translated and checked by a person, compiled to ``messages.mo``. Only locales that
ship a compiled catalogue are offered; English needs none.

Each request's locale: a ``lang`` query parameter (remembered in a cookie), else the cookie, else
the browser's Accept-Language, else the workshop default, English. Facilitator pages stay in
English: :func:`page_locale` gives a translated locale only to the templates in
:data:`TRANSLATED_TEMPLATES`.

Besides the templates' words: the server's messages to people on those pages (English
templates marked with :func:`lpip.errors.N_` where they are raised, translated here with
:func:`translate` / :func:`error_message`), the words of the pages' scripts (:func:`js_strings`),
and the language picker (:func:`language_choices`).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode

from babel import Locale, UnknownLocaleError
from jinja2 import pass_context

from lpip.errors import N_

DEFAULT_LOCALE = "en"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"
# Folders searched for catalogues, first wins: the package's own. Tests add a folder of test locales.
LOCALE_DIRS: list[Path] = [LOCALE_DIR]
LANG_COOKIE = "lpip_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
# Templates (name prefixes) whose every string goes through the catalogues; the rest are the
# facilitator's pages, in English.
TRANSLATED_TEMPLATES = ("capture/", "errors/", "connections/", "workshops/_demo.html")


def _tag(locale: str) -> str:
    """``pt_BR`` -> ``pt-BR`` (the form of the HTML lang attribute and of Accept-Language)."""
    return locale.replace("_", "-")


@lru_cache(maxsize=1)
def _available(dirs: tuple[Path, ...]) -> dict[str, str]:
    found: dict[str, str] = {DEFAULT_LOCALE.lower(): DEFAULT_LOCALE}
    for folder in reversed(dirs):
        for mo in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
            name = mo.parent.parent.name
            found[_tag(name).lower()] = name
    return found


def available_locales() -> dict[str, str]:
    """Locales that ship a compiled catalogue (and English): lower-case tag -> catalogue name."""
    return _available(tuple(LOCALE_DIRS))


def clear_cache() -> None:
    """Forget the catalogues read so far (after a catalogue is compiled or a folder added)."""
    _available.cache_clear()
    _translations.cache_clear()


def accepted(value: str | None) -> str | None:
    """The catalogue locale for a tag such as ``pt-BR`` or ``pt_br`` if one ships, else None."""
    if not value:
        return None
    return available_locales().get(_tag(value.strip()).lower())


def _from_accept_language(header: str) -> str | None:
    """The best shipped locale for an Accept-Language header (exact tag first, then its language)."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            wanted.append((-quality, position, tag))
    for _, _, tag in sorted(wanted):
        match = accepted(tag) or accepted(tag.split("-")[0])
        if match:
            return match
    return None


def negotiate(query_string: str, cookie_header: str, accept_language: str) -> tuple[str, bool]:
    """The locale for a request, and whether it came from the ``lang`` query (to remember)."""
    lang = parse_qs(query_string).get("lang", [""])[-1]
    chosen = accepted(lang)
    if chosen:
        return chosen, True
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except Exception:  # a malformed Cookie header from a phone: ignore it, as browsers do
        cookies = SimpleCookie()
    remembered = cookies.get(LANG_COOKIE)
    chosen = accepted(remembered.value if remembered else None)
    if chosen:
        return chosen, False
    return _from_accept_language(accept_language) or DEFAULT_LOCALE, False


@lru_cache(maxsize=32)
def _translations(locale: str, dirs: tuple[Path, ...]) -> gettext.NullTranslations:
    for folder in dirs:
        if (folder / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
            return gettext.translation(DOMAIN, localedir=str(folder), languages=[locale])
    return gettext.NullTranslations()


def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue for ``locale`` (English and unknown locales: the source strings)."""
    return _translations(locale, tuple(LOCALE_DIRS))


def text_direction(locale: str) -> str:
    """``rtl`` or ``ltr`` from Babel's data; an unknown region (a test locale such as ``ar_XB``)
    takes its language's direction."""
    for identifier in (locale, locale.split("_")[0]):
        try:
            return Locale.parse(identifier).text_direction
        except (UnknownLocaleError, ValueError):
            continue
    return "ltr"


def page_locale(request, template_name: str) -> str:
    """The request's locale for a translated page; English for the facilitator's pages."""
    if not template_name.startswith(TRANSLATED_TEMPLATES):
        return DEFAULT_LOCALE
    state = getattr(request, "state", None)
    return getattr(state, "locale", None) or DEFAULT_LOCALE


def page_context(locale: str) -> dict[str, str]:
    """What base.html needs for ``<html lang dir>``."""
    return {"lpip_locale": locale, "lpip_lang_tag": _tag(locale), "lpip_text_dir": text_direction(locale)}


def _context_translations(context) -> gettext.NullTranslations:
    return translations(context.get("lpip_locale") or DEFAULT_LOCALE)


@pass_context
def _gettext(context, message: str) -> str:
    return _context_translations(context).gettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return _context_translations(context).ngettext(singular, plural, n)


def translate(locale: str, message: str, params: dict | None = None) -> str:
    """``message`` (an English catalogue message, see :func:`lpip.errors.N_`) in ``locale``, its
    ``%(name)s`` placeholders filled from ``params``. A translation whose placeholders do not
    match the English ones shows the English message rather than breaking the page."""
    if not message:  # gettext("") is the catalogue's header
        return message
    text = translations(locale).gettext(message)
    if not params:
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        return message % params


def request_locale(request) -> str:
    """The locale :class:`LocaleMiddleware` chose for this request."""
    return getattr(getattr(request, "state", None), "locale", None) or DEFAULT_LOCALE


def error_message(request, exc) -> str:
    """An :class:`~lpip.errors.LpipError`'s message in the request's language (its English
    template and values: ``exc.msgid``, ``exc.params``)."""
    return translate(request_locale(request), exc.msgid, exc.params)


# The sector and vote names stored in the database, as people read them (lpip.workshops.models
# SECTORS and VOTE_VALUES; tests/web/test_i18n.py checks that every one has a label).
SECTOR_LABELS = {
    "public": N_("Public"),
    "private": N_("Private"),
    "voluntary and community": N_("Voluntary and community"),
    "civil society": N_("Civil society"),
    "academic": N_("Academic"),
    "resident": N_("Resident"),
}
VOTE_LABELS = {"agree": N_("agree"), "disagree": N_("disagree"), "pass": N_("pass"), None: N_("none yet")}


@pass_context
def _sector_label(context, sector: str) -> str:
    return _context_translations(context).gettext(SECTOR_LABELS.get(sector, sector.capitalize()))


@pass_context
def _vote_label(context, vote: str | None) -> str:
    return _context_translations(context).gettext(VOTE_LABELS.get(vote, vote or ""))


def _babel_locale(locale: str) -> Locale | None:
    """Babel's data for ``locale``, or for its language (a test locale such as ``ar_XB``)."""
    for identifier in (locale, locale.split("_")[0]):
        try:
            return Locale.parse(identifier)
        except (UnknownLocaleError, ValueError):
            continue
    return None


@lru_cache(maxsize=64)
def plural_samples(locale: str) -> dict[str, int]:
    """One whole number for each CLDR plural category of ``locale`` (``{"one": 1, "other": 0}`` in
    English): the browser picks a category with ``Intl.PluralRules``, the catalogue's form for that
    category is its form for the sample."""
    data = _babel_locale(locale) or Locale.parse(DEFAULT_LOCALE)
    samples: dict[str, int] = {}
    for n in range(0, 1000):
        samples.setdefault(data.plural_form(n), n)
    return samples


def js_strings(locale: str) -> dict[str, str | dict[str, str]]:
    """What the browser scripts of the phone pages write (``static/js/capture.js`` and ``live.js``),
    in ``locale``: base.html puts it, as JSON, in ``<div id="lpip-i18n" data-strings=...>`` and the
    scripts read it (their own English is only for a page without it). ``%(name)s`` placeholders
    are filled in by the script; a message with a count is one text per CLDR plural category."""
    t = translations(locale)
    samples = plural_samples(locale)

    def plural(forms) -> dict[str, str]:
        return {category: forms(n) for category, n in samples.items()}

    return {
        # capture.js: the offline queue of notes and statements
        "waiting": t.gettext("waiting to send"),
        "sent": t.gettext("sent"),
        "not_sent": t.gettext("NOT SENT: %(reason)s Copy the text if you want to keep it."),
        "refused": t.gettext("the server refused it (%(status)s)."),
        "empty_note": t.gettext("The note is empty: write one idea, then send it."),
        "empty_statement": t.gettext("The statement is empty: write one idea, then send it."),
        "offline": t.gettext("You are offline. What you add is kept on this device until the connection returns."),
        "offline_queued": plural(lambda n: t.ngettext(
            "You are offline. %(count)s item is kept on this device and will be sent when the connection returns.",
            "You are offline. %(count)s items are kept on this device and will be sent when the connection returns.",
            n)),
        "portal": plural(lambda n: t.ngettext(
            "%(count)s item is waiting to send: the network answered with a web page, not lpip (a wifi sign-in "
            "page?). Sign in to the wifi if it asks; nothing is lost.",
            "%(count)s items are waiting to send: the network answered with a web page, not lpip (a wifi sign-in "
            "page?). Sign in to the wifi if it asks; nothing is lost.",
            n)),
        "queued": plural(lambda n: t.ngettext(
            "%(count)s item is waiting to send.", "%(count)s items are waiting to send.", n)),
        # live.js: the round changed while the page was open
        "round_closed": t.gettext("The facilitator has closed round %(number)s."),
        "round_open": t.gettext("Round %(number)s is open now: %(question)s"),
        "reload": t.gettext("Reload the page."),
        "reload_round": t.gettext("Reload to write in round %(number)s."),
        "stays": t.gettext("A note you send from this page stays in round %(number)s, where it was written."),
        # live.js on the projector (a facilitator's page, so English there)
        "no_round": t.gettext("No round open"),
        "round": t.gettext("Round %(number)s"),
        "time_up": t.gettext("Time is up"),
        "time_left": t.gettext("%(time)s left"),
    }


@pass_context
def _js_strings(context) -> dict:
    return js_strings(context.get("lpip_locale") or DEFAULT_LOCALE)


def language_name(locale: str) -> str:
    """A locale's name in its own language, from Babel, as a menu shows it (``cy`` -> ``Cymraeg``,
    ``pt_BR`` -> ``Português (Brasil)``); a region Babel does not know (a test locale) in brackets."""
    data = _babel_locale(locale)
    if data is None:
        return _tag(locale)
    name = data.get_display_name(data) or _tag(locale)
    if str(data) != locale and "_" in locale:
        name = f"{name} ({locale.split('_', 1)[1]})"
    return name[:1].upper() + name[1:]


def language_choices(request) -> list[dict[str, str | bool]]:
    """The languages a phone page offers (every locale with a compiled catalogue, and English):
    each with its name in its own language, the link that switches to it (the same page with
    ``?lang=``), and whether it is the page's. Empty when English is the only one."""
    locales = sorted(set(available_locales().values()), key=lambda name: (name != DEFAULT_LOCALE, name.lower()))
    if len(locales) < 2:
        return []
    current = request_locale(request)
    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "lang"]
    return [dict(locale=name, tag=_tag(name), name=language_name(name), current=name == current,
                 href=f"{request.url.path}?{urlencode([*query, ('lang', name)])}") for name in locales]


def install(env) -> None:
    """Give a Jinja2 environment ``{% trans %}`` and ``_()`` that read the page's locale, and
    ``sector_label()``/``vote_label()`` for the names stored in the database."""
    env.add_extension("jinja2.ext.i18n")
    # Line breaks and indentation inside {% trans %} are not part of the message (babel.cfg: trimmed).
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.globals["sector_label"] = _sector_label
    env.globals["vote_label"] = _vote_label
    env.globals["js_strings"] = _js_strings


class LocaleMiddleware:
    """Put each request's locale in ``request.state.locale``; remember a ``lang`` choice in a cookie."""

    def __init__(self, app, https: bool = False):
        self.app = app
        self.https = https

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        locale, remember = negotiate(scope.get("query_string", b"").decode("latin-1"),
                                     headers.get("cookie", ""), headers.get("accept-language", ""))
        scope.setdefault("state", {})["locale"] = locale
        if not remember:
            return await self.app(scope, receive, send)
        cookie = f"{LANG_COOKIE}={locale}; Max-Age={LANG_COOKIE_SECONDS}; Path=/; SameSite=Lax"
        if self.https:
            cookie += "; Secure"

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), (b"set-cookie", cookie.encode())])
            await send(message)

        return await self.app(scope, receive, send_with_cookie)
