"""Signing in and out: sessions held on the server (ended by sign-out, a new password or a
disabled account), and wrong passwords throttled per account and per address with backoff,
with the real (slow) argon2 check. The clock of the throttle is moved by the tests, never slept.

Names and emails below are made up for the tests.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lpip.db import session_scope
from lpip.workshops import signin
from lpip.workshops.accounts import create_user, disable_user, enable_user, set_password
from lpip.workshops.models import SignInFailure, SignInSession

EMAIL, PASSWORD = "fran@example.org", "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self):
        self.now = datetime(2025, 3, 14, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(signin, "utcnow", fake)
    return fake


@pytest.fixture
def account(app) -> int:
    with session_scope(app.state.engine) as s:
        return create_user(s, EMAIL, "Fran", PASSWORD).id


def login(client: TestClient, password: str, email: str = EMAIL):
    token = CSRF.search(client.get("/login").text).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)


def failures(app) -> int:
    with session_scope(app.state.engine) as s:
        return s.scalar(select(func.count()).select_from(SignInFailure))


# ---- throttling ---------------------------------------------------------------------------------


def test_the_eleventh_wrong_password_in_ten_minutes_is_refused_even_when_right(app, client, account, clock):
    statuses = []
    for _ in range(10):
        statuses.append(login(client, "wrong password!").status_code)
        clock.advance(35)  # longer than any backoff wait: only the ten-minute limit can refuse
    assert statuses == [401] * 10
    refused = login(client, "wrong password!")
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.text
    assert int(refused.headers["retry-after"]) > 200
    assert login(client, PASSWORD).status_code == 429  # the right password waits too
    clock.advance(10 * 60)
    assert login(client, PASSWORD).status_code == 303
    assert failures(app) == 0  # a sign-in forgets the account's wrong passwords


def test_after_five_wrong_passwords_each_try_waits_longer(app, client, account, clock):
    for _ in range(5):
        assert login(client, "wrong password!").status_code == 401
    too_soon = login(client, PASSWORD)
    assert too_soon.status_code == 429 and too_soon.headers["retry-after"] == "1"
    clock.advance(1)
    assert login(client, "wrong password!").status_code == 401
    assert login(client, "wrong password!").headers["retry-after"] == "2"
    clock.advance(2)
    assert login(client, PASSWORD).status_code == 303


def test_the_api_token_is_throttled_the_same_way(app, client, account, clock):
    for _ in range(5):
        assert client.post("/api/v1/token", json={"email": EMAIL, "password": "wrong password!"}).status_code == 401
    refused = client.post("/api/v1/token", json={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["status"] == 429 and refused.headers["retry-after"] == "1"


def test_simultaneous_guesses_are_counted_before_the_slow_check(app, account, clock):
    """Twenty guesses at once: each is counted before argon2 runs, so all but the free ones are
    refused at once (the clock stands still, as if they all came in the same second)."""
    start = threading.Barrier(20)
    statuses = []

    def guess() -> None:
        with TestClient(app) as phone:
            start.wait()
            statuses.append(phone.post("/api/v1/token", json={"email": EMAIL, "password": "wrong password!"}).status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == signin.ACCOUNT.free and statuses.count(429) == 20 - signin.ACCOUNT.free
    assert failures(app) == signin.ACCOUNT.free


def test_wrong_passwords_from_one_address_are_limited_across_accounts(app, client, account, clock, monkeypatch):
    monkeypatch.setattr(signin, "ADDRESS", signin.Throttle(free=3, limit=4))
    for n in range(4):
        assert login(client, "wrong password!", email=f"guess{n}@example.org").status_code == 401
        clock.advance(60)
    refused = login(client, PASSWORD)
    assert refused.status_code == 429 and "your network address" in refused.text


# ---- sessions held on the server ---------------------------------------------------------------


def test_a_copy_of_the_cookie_stops_working_after_sign_out(app, client, account):
    assert login(client, PASSWORD).status_code == 303
    copy = client.cookies.get("lpip_session")
    assert client.get("/workshops").status_code == 200
    token = CSRF.search(client.get("/workshops").text).group(1)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    with TestClient(app, cookies={"lpip_session": copy}) as thief:
        assert thief.get("/workshops").status_code == 403
        assert thief.get("/api/v1/session").json()["authenticated"] is False
    with session_scope(app.state.engine) as s:
        assert s.scalar(select(func.count()).select_from(SignInSession)) == 0


@pytest.mark.parametrize("change", ["new password", "disabled"])
def test_a_new_password_or_a_disabled_account_ends_every_session_and_token(app, client, account, change):
    assert login(client, PASSWORD).status_code == 303
    api = TestClient(app)
    bearer = {"Authorization": "Bearer " + api.post("/api/v1/token", json={"email": EMAIL, "password": PASSWORD}).json()["access_token"]}
    assert api.get("/api/v1/workshops", headers=bearer).status_code == 200
    with session_scope(app.state.engine) as s:
        if change == "new password":
            set_password(s, EMAIL, "a brand new password")
        else:
            disable_user(s, EMAIL)
    assert client.get("/workshops").status_code == 403
    assert api.get("/api/v1/workshops", headers=bearer).status_code == 401
    if change == "disabled":
        refused = login(client, PASSWORD)
        assert refused.status_code == 401 and "disabled" in refused.text
        assert "disabled" not in login(client, "wrong password!").text  # only the password's holder learns it
        with session_scope(app.state.engine) as s:
            enable_user(s, EMAIL)
        assert login(client, PASSWORD).status_code == 303
    else:
        assert login(client, PASSWORD).status_code == 401
        assert login(client, "a brand new password").status_code == 303


def test_a_revoked_bearer_token_is_refused(app, client, account):
    auth = {"Authorization": "Bearer " + client.post("/api/v1/token", json={"email": EMAIL, "password": PASSWORD}).json()["access_token"]}
    assert client.request("DELETE", "/api/v1/token", headers=auth).status_code == 200
    refused = client.get("/api/v1/workshops", headers=auth)
    assert refused.status_code == 401 and refused.json()["ok"] is False
    assert client.post("/api/v1/workshops", headers=auth, json={"title": "T", "rounds": [{"question": "Q"}]}).status_code == 401


def test_a_bearer_token_is_not_a_page_session_and_the_reverse(app, client, account):
    token = client.post("/api/v1/token", json={"email": EMAIL, "password": PASSWORD}).json()["access_token"]
    with TestClient(app) as other:
        other.cookies.set("lpip_session", "not-signed")
        assert other.get("/workshops").status_code == 403
    with session_scope(app.state.engine) as s:
        assert signin.session_user(s, token, kind="page") is None
        assert signin.session_user(s, token, kind="api").email == EMAIL
