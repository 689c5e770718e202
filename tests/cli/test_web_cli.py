"""`lpip users` and `lpip serve`: accounts made from the command line sign in to the web app;
the server checks its settings before starting and hands them to every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lpip.db import make_engine, session_scope
from lpip.errors import AuthenticationFailed
from lpip.workshops.accounts import authenticate

EMAIL, PASSWORD = "sam@example.org", "a long enough password"


def sign_in(db_url: str, email: str, password: str):
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            user = authenticate(session, email, password)
            return user.name, user.role
    finally:
        engine.dispose()


def no_account(db_url: str, email: str) -> bool:
    with pytest.raises(AuthenticationFailed):
        sign_in(db_url, email, "whatever it was")
    return True


# ---- lpip users ----------------------------------------------------------------------------------


def test_users_create_asks_for_the_password_twice(cli, db_url):
    result = cli("users", "create", EMAIL, "--name", "Sam Facilitator", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output  # typed without being shown
    assert sign_in(db_url, EMAIL, PASSWORD) == ("Sam Facilitator", "facilitator")


def test_users_create_with_different_passwords_creates_nothing(cli, db_url):
    result = cli("users", "create", EMAIL, "--name", "Sam", input=f"{PASSWORD}\nanother password!\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert no_account(db_url, EMAIL)


def test_users_create_reads_the_password_from_stdin(cli, db_url):
    result = cli("users", "create", EMAIL, "--name", "Sam", "--admin", "--password-stdin", input=f"{PASSWORD}\r\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert sign_in(db_url, EMAIL, PASSWORD) == ("Sam", "admin")


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("not-an-email", PASSWORD, "is not an email address"),
        (EMAIL, "short", "at least 10 characters"),
    ],
    ids=["bad-email", "short-password"],
)
def test_users_create_refuses_bad_accounts(cli, db_url, email, password, message):
    result = cli("users", "create", email, "--name", "Sam", "--password-stdin", input=password + "\n")
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def test_users_create_refuses_a_second_account_for_one_email(cli, db_url):
    assert cli("users", "create", EMAIL, "--name", "Sam", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    result = cli("users", "create", EMAIL.upper(), "--name", "Other Sam", "--password-stdin", input="another password!\n")
    assert result.exit_code == 2 and "already an account" in result.output
    assert sign_in(db_url, EMAIL, PASSWORD)[0] == "Sam"


def test_users_list_shows_accounts_but_never_passwords(cli):
    cli("users", "create", EMAIL, "--name", "Sam", "--password-stdin", input=PASSWORD + "\n")
    cli("users", "create", "kim@example.org", "--name", "Kim", "--admin", "--password-stdin", input=PASSWORD + "\n")
    result = cli("users", "list", "--format", "csv")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0] == "id,email,name,role,created_at,disabled_at,sessions"
    assert [line.split(",")[1:4] for line in lines[1:]] == [[EMAIL, "Sam", "facilitator"], ["kim@example.org", "Kim", "admin"]]
    assert "argon2" not in result.output and PASSWORD not in result.output


def test_users_passwd_sets_a_new_password_and_ends_sessions(cli, db_url):
    from lpip.workshops.models import SignInSession
    from lpip.workshops.signin import start_session

    cli("users", "create", EMAIL, "--name", "Sam", "--password-stdin", input=PASSWORD + "\n")
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        start_session(session, authenticate(session, EMAIL, PASSWORD))
    result = cli("users", "passwd", EMAIL.upper(), input="a newer long password\na newer long password\n")
    assert result.exit_code == 0, result.output
    assert "a newer long password" not in result.output and "ended" in result.output
    assert sign_in(db_url, EMAIL, "a newer long password")[0] == "Sam"
    with pytest.raises(AuthenticationFailed):
        sign_in(db_url, EMAIL, PASSWORD)
    with session_scope(engine) as session:
        assert session.query(SignInSession).count() == 0
    engine.dispose()
    short = cli("users", "passwd", EMAIL, "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    unknown = cli("users", "passwd", "nobody@example.org", "--password-stdin", input=PASSWORD + "\n")
    assert unknown.exit_code == 2 and unknown.output.startswith("Error: There is no account")


def test_users_disable_and_enable(cli, db_url):
    cli("users", "create", EMAIL, "--name", "Sam", "--password-stdin", input=PASSWORD + "\n")
    result = cli("users", "disable", EMAIL)
    assert result.exit_code == 0 and "can no longer sign in" in result.output
    with pytest.raises(AuthenticationFailed, match="disabled"):
        sign_in(db_url, EMAIL, PASSWORD)
    listed = cli("users", "list", "--format", "csv").output.strip().splitlines()[1].split(",")
    assert listed[1] == EMAIL and listed[5]  # disabled_at is filled in
    assert cli("users", "enable", EMAIL).exit_code == 0
    assert sign_in(db_url, EMAIL, PASSWORD)[0] == "Sam"


def test_workshops_create_with_an_owner(cli, db_url):
    from lpip.workshops.models import Workshop

    cli("users", "create", EMAIL, "--name", "Sam", "--password-stdin", input=PASSWORD + "\n")
    result = cli("workshops", "create", "--title", "Owned", "--round", "Q|20", "--owner", EMAIL)
    assert result.exit_code == 0, result.output
    refused = cli("workshops", "create", "--title", "Nobody's", "--round", "Q|20", "--owner", "nobody@example.org")
    assert refused.exit_code == 2 and "There is no account" in refused.output
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        assert [(w.title, w.created_by is not None) for w in session.query(Workshop)] == [("Owned", True)]
    engine.dispose()


# ---- lpip serve: settings checked first, handed to the workers -----------------------------------


@pytest.fixture
def uvicorn_calls(monkeypatch):
    """Record uvicorn.run instead of serving; keep the variables `lpip serve` sets to this test."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setenv("LPIP_HTTPS", "")
    monkeypatch.delenv("LPIP_SECRET_KEY", raising=False)
    monkeypatch.delenv("LPIP_ENV", raising=False)
    return calls


def test_serve_runs_the_factory_with_the_options(cli, db_url, uvicorn_calls, tmp_path, monkeypatch):
    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path))
    result = cli("serve", "--port", "8123", "--workers", "3", "--https", "--host", "127.0.0.1")
    assert result.exit_code == 0, result.output
    (args, kwargs), = uvicorn_calls
    assert args == ("lpip.cli.web:create_app_from_environment",)
    assert kwargs["factory"] is True and kwargs["workers"] == 3 and kwargs["port"] == 8123
    assert kwargs["host"] == "127.0.0.1" and kwargs["proxy_headers"] is True
    # The workers build their app from these variables.
    assert os.environ["LPIP_DATABASE_URL"] == db_url and os.environ["LPIP_HTTPS"] == "1"
    # The development key is made once, before the workers start, so that they share it.
    assert (tmp_path / "dev-secret-key").exists()


def test_serve_refuses_production_without_a_secret_key(cli, uvicorn_calls, monkeypatch):
    monkeypatch.setenv("LPIP_ENV", "production")
    result = cli("serve")
    assert result.exit_code == 2
    assert "Error: Set LPIP_SECRET_KEY" in result.output
    assert uvicorn_calls == []


def test_serve_refuses_a_database_that_was_never_initialised(cli, uvicorn_calls, tmp_path):
    result = cli("serve", "--database", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert result.exit_code == 2
    assert "lpip init" in result.output
    assert uvicorn_calls == []


def test_the_factory_reads_the_environment(db_url, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from lpip.cli.web import create_app_from_environment

    monkeypatch.setenv("LPIP_DATABASE_URL", db_url)
    monkeypatch.setenv("LPIP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LPIP_ENV", raising=False)
    for https, secure in (("1", True), ("0", False)):
        monkeypatch.setenv("LPIP_HTTPS", https)
        app = create_app_from_environment()
        try:
            with TestClient(app, base_url="https://testserver") as client:
                cookie = client.get("/login").headers["set-cookie"]
            assert ("secure" in cookie.lower()) is secure
            assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        finally:
            app.state.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lpip_command() -> list[str]:
    script = Path(sys.executable).with_name("lpip")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from lpip.cli import app; app()"]


@pytest.mark.slow
def test_serve_answers_on_loopback(db_url, tmp_path):
    """A real `lpip serve` (two workers on PostgreSQL) answers the health check and the API."""
    import httpx

    port = free_port()
    workers = "1" if db_url.startswith("sqlite") else "2"
    env = dict(os.environ, LPIP_DATA_DIR=str(tmp_path), LPIP_ENV="development")
    command = [*lpip_command(), "serve", "--port", str(port), "--workers", workers, "--database", db_url, "--log-level", "warning"]
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("lpip serve did not start:\n" + (tmp_path / "serve.log").read_text())
        assert httpx.get(f"{base}/api/v1/openapi.json").json()["info"]["title"] == "lpip"
        answer = httpx.post(f"{base}/api/v1/join", json={"code": "NOPE99"})
        assert answer.status_code == 404 and answer.json()["ok"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    # uvicorn shuts down cleanly, then exits by the signal it was sent.
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def start_server(db_url: str, tmp_path: Path, workers: int, log_level: str = "warning", port: int | None = None):
    """A real `lpip serve` in its own process group; returns (process, base URL, log path)."""
    import httpx

    port = port or free_port()
    env = dict(os.environ, LPIP_DATA_DIR=str(tmp_path), LPIP_ENV="development")
    command = [*lpip_command(), "serve", "--port", str(port), "--workers", str(workers), "--database", db_url,
               "--log-level", log_level]
    log_path = tmp_path / f"serve-{port}-{time.monotonic_ns()}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail("lpip serve stopped:\n" + log_path.read_text())
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base, log_path
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("lpip serve did not start:\n" + log_path.read_text())


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_workers_stop_when_serve_is_killed_and_a_restart_finds_the_port_free(db_url, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    process, base, log = start_server(db_url, tmp_path, workers=2)
    try:
        workers = children_of(process.pid)
        assert workers, "lpip serve --workers 2 started no worker processes"
        process.send_signal(signal.SIGKILL)  # the parent only: as an out-of-memory kill or `kill -9` would
        process.wait()
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), "workers went on serving after their parent died"
        port = int(base.rsplit(":", 1)[1])
        again, _, _ = start_server(db_url, tmp_path, workers=2, port=port)  # "Address already in use" before
        os.killpg(again.pid, signal.SIGTERM)
        again.wait(timeout=30)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_an_error_keeps_the_connection_and_the_access_log_holds_no_secrets(db_url, tmp_path):
    import http.client

    from lpip.workshops.models import HostLink
    from lpip.workshops.workshops import RoundSpec, create_workshop

    engine = make_engine(db_url)
    with session_scope(engine) as session:
        workshop = create_workshop(session, "Log test", [RoundSpec("Q")], tables=1)
        token = session.query(HostLink.token).filter(HostLink.workshop_id == workshop.id).scalar()
        code = workshop.join_code
    engine.dispose()
    process, base, log = start_server(db_url, tmp_path, workers=1, log_level="info")
    connection = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
    try:
        # A lone surrogate and a number too big for an id: answered in the error shape, and the
        # connection stays open for the next request.
        connection.request("POST", "/api/v1/votes", body=b'{"statement_id": 99999999999999999999, "vote": "\\ud800"}',
                           headers={"Content-Type": "application/json", "X-Participant-Token": "x" * 20})
        first = connection.getresponse()
        assert first.status in (403, 422) and b'"ok":false' in first.read()
        connection.request("GET", f"/t/{token}")
        host_page = connection.getresponse()
        assert host_page.status == 200 and host_page.read()
        connection.request("GET", f"/join?code={code}")
        second = connection.getresponse()
        second.read()
        assert second.status == 200 and second.getheader("cache-control") == "no-store"
    finally:
        connection.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    written = log.read_text()
    assert '"GET /t/' in written and token not in written and code not in written
