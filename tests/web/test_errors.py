"""One error shape whatever goes wrong: JSON under /api/v1 (also for bugs, malformed JSON, lone
surrogates and numbers too big for an id), a friendly page everywhere else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lpip.db import session_scope
from lpip.web.errors import SERVER_ERROR
from lpip.workshops.accounts import create_user
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round

ERROR_KEYS = {"ok", "error", "errors", "status"}


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == status
    return body


@pytest.fixture
def code(app) -> str:
    with session_scope(app.state.engine) as s:
        workshop = create_workshop(s, "Errors", [RoundSpec("Q")], tables=1)
        open_round(s, workshop.id, 1)
        return workshop.join_code


def broken(*args, **kwargs):
    raise RuntimeError("a bug, with a secret in its message: hunter2")


def test_a_bug_in_the_api_is_a_500_in_the_error_shape_without_the_traceback(app, code, monkeypatch, caplog):
    monkeypatch.setattr("lpip.web.routes.api.join_workshop", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/join", json={"code": code})
        body = assert_error_shape(response, 500)
        assert body["error"] == SERVER_ERROR and "hunter2" not in response.text and "Traceback" not in response.text
        assert response.headers["content-security-policy"] and response.headers["cache-control"] == "no-store"
        # The app goes on answering.
        assert client.get("/healthz").json() == {"ok": True}
    assert "hunter2" in caplog.text  # logged for the operator, with the traceback


def test_a_bug_behind_a_page_is_a_friendly_page(app, code, monkeypatch):
    monkeypatch.setattr("lpip.web.routes.capture.join_workshop", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.get("/join").text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/join", data={"code": code, "csrf_token": token})
        assert response.status_code == 500 and response.headers["content-type"].startswith("text/html")
        assert "Something went wrong on the server" in response.text and "hunter2" not in response.text
        assert "<h1>" in response.text and 'href="/"' in response.text


@pytest.mark.parametrize("content", [b'{"code": ', b'{"code": "\\ud800"}', b'{"code": "\xff\xfe"}', b"[1, 2]", b'"text"',
                                     b'{"code": 1e999}', b'{"code": "A", "sector": {"nested": [1]}}'],
                         ids=["truncated", "lone-surrogate", "not-utf8", "a-list", "a-string", "infinite", "nested"])
def test_malformed_bodies_are_refused_in_the_error_shape(app, code, content):
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/join", content=content, headers={"content-type": "application/json"})
        assert response.status_code in (400, 404, 422), response.text
        assert_error_shape(response, response.status_code)
        assert response.json()["error"].encode("utf-8")  # printable: no lone surrogate in the answer


@pytest.mark.parametrize("number", ["18446744073709551616", "9223372036854775808", "-9223372036854775809", "1e308"])
def test_numbers_too_big_for_an_id_are_422(app, code, number):
    with TestClient(app, raise_server_exceptions=False) as client:
        member = {"X-Participant-Token": client.post("/api/v1/join", json={"code": code}).json()["participant_token"]}
        body = '{"statement_id": %s, "vote": "agree"}' % number
        response = client.post("/api/v1/votes", content=body, headers={**member, "content-type": "application/json"})
        assert_error_shape(response, 422)


def test_unknown_pages_get_the_friendly_page_and_api_paths_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html") and "Not found" in page.text
    assert_error_shape(client.get("/api/v1/no-such-thing"), 404)
    assert_error_shape(client.put("/api/v1/join"), 405)


def test_a_json_error_from_a_page_route_echoes_no_lone_surrogate(app, code):
    """The message repeats what was typed (the unknown code); a surrogate in it becomes "?"."""
    with TestClient(app) as client:
        token = client.get("/join").text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/join", content=b'{"code": "Z\\ud800Z"}',
                               headers={"content-type": "application/json", "accept": "application/json", "x-csrf-token": token})
        assert_error_shape(response, 404)


def test_the_api_documentation_page_loads_swagger_ui_from_this_server(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert 'src="/static/vendor/swagger-ui/swagger-ui-bundle.js"' in page.text and "cdn" not in page.text.lower()
    assert "<script>" not in page.text  # the initialiser is a file too, so the CSP holds
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/js/api-docs.js").status_code == 200


def test_sign_in_page_with_an_unknown_account_is_401_not_500(app, client):
    with session_scope(app.state.engine) as s:
        create_user(s, "x@example.org", "X", "a long enough password")
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": "y" * 5000 + "@example.org", "password": "p" * 5000, "csrf_token": token})
    assert response.status_code == 401
