"""Jinja2 templates: autoescaped, with the CSRF token and asset URLs available to every page."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from lpip import __version__
from lpip.web import i18n
from lpip.web.security import csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.autoescape = True
# What people typed is shown back (a join code, an email): a lone surrogate in it must not stop
# the page being sent as UTF-8.
# Markup (a translated {% trans %} with its links) stays Markup: the catalogue's HTML is not escaped.
templates.env.finalize = lambda value: (
    type(value)(value.encode("utf-8", "replace").decode("utf-8")) if isinstance(value, str) else value
)
templates.env.globals["lpip_version"] = __version__
# {% trans %} and _() in templates, in the page's locale (lpip.web.i18n; English on facilitator pages).
i18n.install(templates.env)


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200):
    """Render a page; every template gets ``csrf_token``, ``user``, ``request`` and its locale
    (a phone page also its scripts' words and the language picker: see lpip.web.i18n)."""
    context = dict(context or {})
    for key, value in i18n.page_context(i18n.page_locale(request, name)).items():
        context.setdefault(key, value)
    # The phone pages: the scripts' words in the page's language, and the language picker.
    translated = name.startswith(i18n.TRANSLATED_TEMPLATES)
    context.setdefault("lpip_translated", translated)
    context.setdefault("lpip_languages", i18n.language_choices(request) if translated else [])
    context.setdefault("csrf_token", csrf_token(request))
    context.setdefault("user", getattr(request.state, "user", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def polled_fragment(request: Request, html: str) -> Response:
    """An htmx fragment that a page asks for again every few seconds. It carries its version in a
    hidden ``seen`` field, which the polling element sends back (``hx-include``); when nothing
    has changed since, the answer is 204 and htmx leaves the page alone, so a screen reader's
    place and what it reads are not disturbed by every poll."""
    version = hashlib.sha256(html.encode("utf-8")).hexdigest()[:16]
    headers = {"Cache-Control": "no-store"}
    if request.query_params.get("seen") == version:
        return Response(status_code=204, headers=headers)
    return HTMLResponse(f'{html}<input type="hidden" class="polled-seen" name="seen" value="{version}">', headers=headers)
