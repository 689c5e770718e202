"""Sessions held on the server and the arithmetic of throttled sign-ins."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lpip.errors import TooManyAttempts
from lpip.workshops import signin
from lpip.workshops.accounts import create_user, set_password
from lpip.workshops.signin import (
    ACCOUNT, WINDOW, Throttle, begin_sign_in, end_session, end_sessions, seconds_to_wait, session_user,
    sign_in_succeeded, start_session,
)

T0 = datetime(2025, 3, 14, 10, tzinfo=timezone.utc)


def at(*seconds: float) -> list[datetime]:
    return [T0 + timedelta(seconds=s) for s in seconds]


@pytest.mark.parametrize(
    ("failures", "now", "wait"),
    [
        (at(0, 1, 2, 3), 4, 0),  # within the free tries
        (at(0, 1, 2, 3, 4), 4, 1),  # the fifth: wait 1 s after it
        (at(0, 1, 2, 3, 4), 5, 0),
        (at(0, 1, 2, 3, 4, 5), 5, 2),  # then 2, 4, 8 ...
        (at(0, 1, 2, 3, 4, 5, 7, 11, 19), 19, 16),
        (at(*range(10)), 100, 500),  # the tenth: until the first leaves the ten-minute window
        (at(*range(10)), 600, 0),
    ],
)
def test_seconds_to_wait(failures, now, wait):
    assert seconds_to_wait(failures, Throttle(free=5, limit=10), T0 + timedelta(seconds=now)) == wait


def test_the_waits_never_exceed_the_window():
    failures = at(*range(9))
    assert seconds_to_wait(failures, Throttle(free=1, limit=100), T0 + timedelta(seconds=8)) <= signin.MAX_WAIT_SECONDS


def test_attempts_are_counted_before_the_check_and_forgotten_on_success(session):
    for n in range(ACCOUNT.free):
        begin_sign_in(session, "a@example.org", "10.0.0.1", now=T0 + timedelta(seconds=n))
    with pytest.raises(TooManyAttempts) as refused:
        begin_sign_in(session, "a@example.org", "10.0.0.1", now=T0 + timedelta(seconds=ACCOUNT.free - 1))
    assert refused.value.retry_after == 1
    attempt = begin_sign_in(session, "a@example.org", "10.0.0.1", now=T0 + timedelta(seconds=10))
    sign_in_succeeded(session, attempt, "a@example.org")
    assert begin_sign_in(session, "a@example.org", "10.0.0.1", now=T0 + timedelta(seconds=11))  # counting starts again
    # Old failures leave the window and the table.
    begin_sign_in(session, "b@example.org", "10.0.0.2", now=T0 + WINDOW + timedelta(minutes=1))
    assert session.query(signin.SignInFailure).filter_by(account="a@example.org").count() == 0


def test_sessions_end_on_sign_out_new_password_and_expiry(session, monkeypatch):
    user = create_user(session, "s@example.org", "S", "a long enough password")
    page, api = start_session(session, user), start_session(session, user, kind="api")
    assert session_user(session, page, kind="page").id == user.id
    assert session_user(session, page, kind="api") is None and session_user(session, api, kind="page") is None
    end_session(session, page)
    assert session_user(session, page) is None and session_user(session, api).id == user.id
    set_password(session, "s@example.org", "another long password")
    assert session_user(session, api) is None
    short = start_session(session, user, hours=1)
    monkeypatch.setattr(signin, "utcnow", lambda: datetime.now(timezone.utc) + timedelta(hours=2))
    assert session_user(session, short) is None
    assert end_sessions(session, user.id) == 1


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-session", "\x00"])
def test_unknown_or_absurd_session_secrets_sign_nobody_in(session, token):
    assert session_user(session, token) is None
