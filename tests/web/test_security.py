"""Security of the workshop pages: CSRF on every form, headers, cookies, roles, escaping."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from lpip.workshops.accounts import create_user
from lpip.workshops.attendees import register_attendee
from lpip.workshops.capture import add_note, add_priority, add_statement, join_workshop, set_walkin
from lpip.workshops.models import HostLink, UserAccount
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_MESSAGE = "did not come from this site"
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PERSON, ORGANISATION = "Olusegun Adeyemi-Whitfield", "Sandwell Refugee Forum"
WORKSHOP_TABLES = ("user_account", "workshop", "workshop_round", "host_link", "attendee", "participant",
                   "contribution", "vote", "dot")


@dataclass
class World:
    """A running workshop with something in every table, and who is who."""

    workshop_id: int
    code: str
    host_token: str
    note_id: int
    statement_id: int
    priority_id: int


def db(app):
    return app.state.sessions()


def csrf(client, url: str = "/join") -> str:
    return CSRF.search(client.get(url).text).group(1)


@pytest.fixture
def world(app) -> World:
    with db(app) as s, s.begin():
        owner = create_user(s, "fac@example.org", "Fran Facilitator", PASSWORD)
        workshop = create_workshop(s, "Housing in Sandwell", [RoundSpec("What is hardest about housing?"),
                                                              RoundSpec("What would help?")], tables=2,
                                   created_by=owner.id)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True, harvest_open=True)
        register_attendee(s, workshop.id, PERSON, "voluntary and community", email="o.adeyemi@example.org",
                          organisation=ORGANISATION, host_table=1)
        link = s.scalar(select(HostLink).where(HostLink.workshop_id == workshop.id, HostLink.table_number == 1))
        note, _ = add_note(s, link, "Damp in rented flats", "world-note-0001")
        set_walkin(s, workshop.id, True)  # an attendee is registered: walk-ins need the facilitator's switch
        author = join_workshop(s, workshop.join_code)
        statement, _ = add_statement(s, author, "Landlords should be licensed", "world-stmt-0001")
        priority = add_priority(s, workshop.id, "A landlord register")
        return World(workshop.id, workshop.join_code, link.token, note.id, statement.id, priority.id)


def sign_in(client) -> None:
    response = client.post("/login", data={"email": "fac@example.org", "password": PASSWORD, "csrf_token": csrf(client, "/login")},
                           follow_redirects=False)
    assert response.status_code == 303


def join(client, world: World) -> None:
    response = client.post("/join", data={"code": world.code, "csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303


def snapshot(app) -> dict:
    """Every row of every workshop table: equal snapshots mean nothing was stored or changed."""
    with db(app) as s:
        return {t: sorted(map(tuple, s.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in WORKSHOP_TABLES}


# ---- CSRF on every form ----------------------------------------------------------------------

# (who submits, url, fields): every form the workshop pages have, plus sign-in and sign-out.
FORMS = {
    "create-workshop": ("facilitator", "/workshops", {"title": "T", "question": ["Q"], "minutes": ["20"], "tables": "2", "dots": "3"}),
    "workshop-status": ("facilitator", "/workshops/{w}/status", {"status": "closed"}),
    "open-round": ("facilitator", "/workshops/{w}/rounds/2", {"action": "open"}),
    "voting": ("facilitator", "/workshops/{w}/voting", {"what": "voting", "action": "close"}),
    "moderate": ("facilitator", "/workshops/{w}/contributions/{s}/status", {"status": "hidden"}),
    "priority": ("facilitator", "/workshops/{w}/priorities", {"text": "Another priority"}),
    "logout": ("facilitator", "/logout", {}),
    "add-note": ("host", "/t/{t}/notes", {"text": "A forged note", "client_id": "forged-note-001"}),
    "edit-note": ("host", "/t/{t}/notes/{n}", {"text": "Edited by a forger"}),
    "withdraw-note": ("host", "/t/{t}/notes/{n}/withdraw", {}),
    "join": ("anonymous", "/join", {"code": "{c}"}),
    "login": ("anonymous", "/login", {"email": "fac@example.org", "password": PASSWORD}),
    "add-statement": ("participant", "/p/statements", {"text": "A forged statement", "client_id": "forged-stmt-001"}),
    "vote": ("participant", "/p/votes", {"statement_id": "{s}", "vote": "disagree"}),
    "dots": ("participant", "/p/dots", {"dots-{p}": "2"}),
}


def fill(value, world: World):
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value.format(w=world.workshop_id, s=world.statement_id, t=world.host_token, n=world.note_id,
                        c=world.code, p=world.priority_id)


def become(client, who: str, world: World) -> str:
    """Take the role and return the page whose form would be submitted."""
    if who == "facilitator":
        sign_in(client)
        return f"/workshops/{world.workshop_id}"
    if who == "participant":
        join(client, world)
        return "/p"
    return f"/t/{world.host_token}" if who == "host" else "/join"


def still_signed_in_as_before(client, who: str) -> bool:
    status = client.get("/workshops").status_code
    return status == 200 if who == "facilitator" else status == 403


@pytest.mark.parametrize("variant", ["missing", "forged", "expired"])
@pytest.mark.parametrize("form", list(FORMS), ids=list(FORMS))
def test_every_form_needs_the_sessions_csrf_token(app, client, world, form, variant):
    who, url, fields = FORMS[form]
    page = become(client, who, world)
    token = csrf(client, page)
    if variant == "expired":
        # A new session (signed in again, or the old session cookie gone) has a new token.
        client.cookies.delete("lpip_session")
        page = become(client, who, world) if who == "facilitator" else page
        assert csrf(client, page) != token
    data = {fill(k, world): fill(v, world) for k, v in fields.items()}
    if variant != "missing":
        data["csrf_token"] = token if variant == "expired" else "forged-" + token[7:]
    before = snapshot(app)
    response = client.post(fill(url, world), data=data, follow_redirects=False)
    assert response.status_code == 403
    assert CSRF_MESSAGE in response.text
    assert snapshot(app) == before
    assert still_signed_in_as_before(client, who)


def test_a_json_submission_needs_the_csrf_header(app, client, world):
    before = snapshot(app)
    response = client.post(f"/t/{world.host_token}/notes", json={"text": "No header", "client_id": "no-header-0001"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 403 and CSRF_MESSAGE in response.json()["error"]
    assert snapshot(app) == before


PAGES = ["/", "/login", "/join", "/workshops", "/workshops/{w}", "/workshops/{w}/attendees", "/workshops/{w}/dashboard",
         "/t/{t}", "/p", "/p/statements"]


def test_every_post_form_on_every_page_carries_the_token(client, world):
    sign_in(client)
    join(client, world)
    forms = 0
    for url in PAGES:
        for form in re.findall(r"<form[^>]*>.*?</form>", client.get(fill(url, world)).text, re.S):
            if 'method="post"' in form:
                forms += 1
                assert 'name="csrf_token"' in form, (url, form[:120])
    assert forms >= 15


# ---- headers, inline code and cookies ------------------------------------------------------------


def test_security_headers_on_every_page_and_no_inline_code(client, world):
    sign_in(client)
    join(client, world)
    for url in [*PAGES, "/workshops/999999", "/t/unknown-link", "/static/js/capture.js"]:
        response = client.get(fill(url, world))
        csp = response.headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
        if response.headers["content-type"].startswith("text/html"):
            html = response.text
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url  # every script is a file
            assert not re.search(r"\sstyle=", html), url  # the CSP forbids inline style
            assert not re.search(r"\son[a-z]+=", html), url  # and inline event handlers


def test_cookies_are_httponly_and_samesite(client, world):
    login_page = client.get("/login")
    session = login_page.headers["set-cookie"]
    assert "lpip_session=" in session and "httponly" in session.lower() and "samesite=lax" in session.lower()
    assert "secure" not in session.lower()  # plain http in development
    response = client.post("/join", data={"code": world.code, "csrf_token": csrf(client)}, follow_redirects=False)
    participant = response.headers["set-cookie"]
    assert "lpip_participant=" in participant and "HttpOnly" in participant and "SameSite=lax" in participant
    assert "Secure" not in participant


def _set_cookie(response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))


@pytest.mark.parametrize("base_url", ["https://testserver", "http://testserver"], ids=["over-https", "https-flag-only"])
def test_cookies_are_secure_when_served_over_https(db_url, tmp_path, monkeypatch, world, base_url):
    from lpip.config import Settings
    from lpip.web import create_app

    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path / "https-data"))
    app = create_app(Settings(database_url=db_url, secret_key="test-secret-" + "y" * 40), https=True)
    try:
        with TestClient(app, base_url=base_url) as client:
            page = client.get("/join")
            session = _set_cookie(page, "lpip_session")
            assert "secure" in session.lower() and "httponly" in session.lower()
            # A browser would send the Secure cookie only over https; send it by hand for the http case.
            cookie = {"Cookie": session.split(";", 1)[0]}
            data = {"code": world.code, "csrf_token": CSRF.search(page.text).group(1)}
            response = client.post("/join", data=data, headers=cookie, follow_redirects=False)
            participant = _set_cookie(response, "lpip_participant")
            assert "Secure" in participant and "HttpOnly" in participant and "SameSite=lax" in participant
    finally:
        app.state.engine.dispose()


# ---- roles: participants and personal data ---------------------------------------------------------

FACILITATOR_PAGES = ["/workshops", "/workshops/{w}", "/workshops/{w}/attendees", "/workshops/{w}/dashboard",
                     "/workshops/{w}/events?once=true"]


def test_a_participant_cannot_open_facilitator_pages(client, world):
    join(client, world)
    for url in FACILITATOR_PAGES:
        response = client.get(fill(url, world))
        assert response.status_code == 403, url
        assert PERSON not in response.text


def test_a_participant_cannot_use_facilitator_actions(app, client, world):
    join(client, world)
    token = csrf(client, "/p")
    before = snapshot(app)
    for name in ("workshop-status", "open-round", "voting", "moderate", "priority"):
        _, url, fields = FORMS[name]
        data = {**{k: fill(v, world) for k, v in fields.items()}, "csrf_token": token}
        assert client.post(fill(url, world), data=data).status_code == 403, name
    assert snapshot(app) == before


def test_names_and_organisations_only_on_the_facilitators_attendee_page(client, world):
    join(client, world)
    for url in ("/p", "/p/statements", "/t/{t}", "/join", "/"):
        html = client.get(fill(url, world)).text
        assert PERSON not in html and ORGANISATION not in html and "o.adeyemi" not in html, url
    sign_in(client)
    shown = [url for url in FACILITATOR_PAGES[:-1] if PERSON in client.get(fill(url, world)).text]
    assert shown == ["/workshops/{w}/attendees"]


def test_the_api_gives_a_participant_no_names(app, client, world):
    """Whatever the JSON API offers, a participant (or anyone not signed in) reads no personal data."""
    join(client, world)
    routes = [r for r in app.routes if getattr(r, "path", "").startswith("/api/v1") and "GET" in getattr(r, "methods", ())]
    for route in routes:
        url = re.sub(r"\{[^}]+\}", str(world.workshop_id), route.path)
        body = client.get(url).text
        assert PERSON not in body and ORGANISATION not in body and "o.adeyemi" not in body, url


# ---- what people type is shown as text ------------------------------------------------------------------


def test_a_script_in_a_note_or_statement_is_shown_as_text(app, client, world):
    token = csrf(client)
    sent = client.post(f"/t/{world.host_token}/notes", json={"text": XSS, "client_id": "xss-note-000001"},
                       headers={"Accept": "application/json", "X-CSRF-Token": token})
    assert sent.status_code == 201
    assert ESCAPED in sent.json()["html"] and XSS not in sent.json()["html"]
    join(client, world)
    client.post("/p/statements", json={"text": XSS, "client_id": "xss-stmt-000001"},
                headers={"Accept": "application/json", "X-CSRF-Token": token})
    sign_in(client)
    join(client, world)
    for url in ("/t/{t}", "/p", "/p/statements", "/workshops/{w}", "/workshops/{w}/dashboard"):
        html = client.get(fill(url, world)).text
        assert ESCAPED in html and XSS not in html, url


def test_a_script_in_an_attendee_name_or_workshop_title_is_shown_as_text(app, client, world):
    with db(app) as s, s.begin():
        register_attendee(s, world.workshop_id, XSS, "resident", organisation='"><img src=x onerror=alert(1)>')
        owner = s.scalar(select(UserAccount.id).where(UserAccount.email == "fac@example.org"))
        create_workshop(s, XSS, [RoundSpec("Q")], tables=1, created_by=owner)
    sign_in(client)
    attendees = client.get(f"/workshops/{world.workshop_id}/attendees").text
    assert ESCAPED in attendees and XSS not in attendees and "<img" not in attendees
    listing = client.get("/workshops").text
    assert ESCAPED in listing and XSS not in listing


# ---- caching, HSTS and secrets in logs --------------------------------------------------------------


def test_no_page_or_api_answer_may_be_cached_but_static_assets_may(client, world):
    sign_in(client)
    join(client, world)
    for url in [*PAGES, "/api/v1/session", "/workshops/999999", "/no-such-page"]:
        assert client.get(fill(url, world)).headers["cache-control"] == "no-store", url
    assert "no-store" not in client.get("/static/js/capture.js").headers.get("cache-control", "")


def test_hsts_only_when_served_over_https(db_url, tmp_path, monkeypatch, client, world):
    from lpip.config import Settings
    from lpip.web import create_app

    assert "strict-transport-security" not in client.get("/").headers
    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path / "hsts-data"))
    app = create_app(Settings(database_url=db_url, secret_key="test-secret-" + "h" * 40), https=True)
    try:
        with TestClient(app, base_url="https://testserver") as secure:
            for url in ("/", "/join", "/api/v1/session", "/static/js/capture.js"):
                assert secure.get(url).headers["strict-transport-security"] == "max-age=63072000", url
    finally:
        app.state.engine.dispose()


def test_host_link_tokens_and_join_codes_are_kept_out_of_the_access_log(world):
    import logging

    from lpip.web.security import RedactSecrets, redact

    assert redact(f"/t/{world.host_token}/notes/3") == "/t/…/notes/3"
    assert redact(f"/join?code={world.code}&x=1") == "/join?code=…&x=1"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/t/{world.host_token}", "1.1", 200), None)
    RedactSecrets().filter(record)
    assert world.host_token not in record.getMessage() and "/t/…" in record.getMessage()


def test_what_people_typed_keeps_its_own_direction_in_an_isolated_run(client, world):
    """Right-to-left text reads correctly and cannot reorder the page around it."""
    sign_in(client)
    join(client, world)
    checked = 0
    for url in PAGES:
        html = client.get(fill(url, world)).text
        for tag in re.findall(r'<[a-z0-9]+[^>]*class="text"[^>]*>', html):
            assert 'dir="auto"' in tag, (url, tag)
            checked += 1
    assert checked >= 6
    assert '<h1 dir="auto">Housing in Sandwell</h1>' in client.get(fill("/workshops/{w}", world)).text
    css = client.get("/static/css/lpip.css").text
    assert "unicode-bidi: isolate" in css
