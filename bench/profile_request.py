"""Where one request's time goes: the app in this process, one kind of request repeated under
cProfile, the time grouped by library.

Run as ``.venv/bin/python bench/profile_request.py [--kind page-vote|api-vote|page|healthz]
[--requests 2000] [--top 25]``. It makes a SQLite database with a workshop, runs the requests
through the ASGI app directly (httpx's ASGI transport, no network), and runs every trip to the
thread pool inline, so the profile holds the whole request in one thread. Printed: microseconds
per request, the share of each library (the client's own share is httpx's), and the functions
that cost most. This is how the ceiling of the load benchmark was traced (docs/workshops-server.md).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import event

from lpip.config import Settings
from lpip.db import make_engine, migrate, session_scope
from lpip.workshops.capture import add_statement, join_workshop
from lpip.workshops.workshops import RoundSpec, create_workshop, open_round, set_voting

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GROUPS = ["lpip", "fastapi", "starlette", "pydantic", "sqlalchemy", "sqlite3", "psycopg", "jinja2", "itsdangerous",
          "anyio", "httpx", "h11", "asyncio", "json", "argon2"]


def inline_thread_pool() -> None:
    """Run what FastAPI and Starlette send to the thread pool in the calling thread instead."""
    import fastapi.dependencies.utils
    import fastapi.routing
    import lpip.web.deps
    import starlette.concurrency

    async def inline(func, *args, **kwargs):
        return func(*args, **kwargs)

    for module in (starlette.concurrency, fastapi.routing, fastapi.dependencies.utils, lpip.web.deps):
        module.run_in_threadpool = inline


def build(folder: Path):
    from lpip.web import create_app
    from lpip.web.security import RateLimiter

    url = f"sqlite:///{folder / 'profile.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as s:
        workshop = create_workshop(s, "Profile (made-up workshop)", [RoundSpec("What works?")], tables=4)
        open_round(s, workshop.id, 1)
        set_voting(s, workshop.id, voting_open=True)
        author = join_workshop(s, workshop.join_code)
        statements = [add_statement(s, author, f"Statement {n}", f"profile-stmt-{n:04d}")[0].id for n in range(40)]
        code = workshop.join_code
    engine.dispose()
    app = create_app(Settings(database_url=url, secret_key="profile-" + "p" * 40))
    app.state.rate_limiter = RateLimiter(limit=10**9)  # one phone sending thousands of votes
    return app, code, statements


async def prepare(client: httpx.AsyncClient, code: str) -> dict:
    page = await client.get("/join")
    await client.post("/join", data={"code": code, "csrf_token": CSRF.search(page.text).group(1)})
    csrf = CSRF.search((await client.get("/p")).text).group(1)
    joined = await client.post("/api/v1/join", json={"code": code})
    return dict(csrf=csrf, token=joined.json()["participant_token"])


def request_of(kind: str, client: httpx.AsyncClient, ids: dict, statements: list[int]):
    def call(n: int):
        statement = statements[n % len(statements)]
        vote = ("agree", "disagree", "pass")[n % 3]
        if kind == "page-vote":
            return client.post("/p/votes", data={"statement_id": str(statement), "vote": vote, "csrf_token": ids["csrf"]},
                               headers={"HX-Request": "true"})
        if kind == "api-vote":
            return client.post("/api/v1/votes", json={"statement_id": statement, "vote": vote},
                               headers={"X-Participant-Token": ids["token"]})
        if kind == "page":
            return client.get("/p")
        return client.get("/healthz")
    return call


async def run(kind: str, requests: int, folder: Path) -> tuple[cProfile.Profile, float, float]:
    app, code, statements = build(folder)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile.test") as client:
        ids = await prepare(client, code)
        call = request_of(kind, client, ids, statements)
        for n in range(50):  # warm caches (SQLAlchemy's compiled statements, templates)
            assert (await call(n)).status_code < 400
        started = time.process_time()  # CPU time: on a busy machine, wall time mostly measures the others
        for n in range(requests):
            await call(n)
        plain = time.process_time() - started
        statements = []
        event.listen(app.state.engine, "before_cursor_execute", lambda *args: statements.append(1))
        profile = cProfile.Profile()
        profile.enable()
        for n in range(requests):
            response = await call(n)
        profile.disable()
        assert response.status_code < 400, response.text
    app.state.engine.dispose()
    return profile, plain, len(statements) / requests


def by_library(profile: cProfile.Profile) -> dict[str, float]:
    """Own time (tottime) of every function, summed per library."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(profile).stats.items():
        group = next((g for g in GROUPS if f"/{g}/" in filename or filename.endswith(f"/{g}.py")), None)
        if group is None:
            group = "built-ins" if filename.startswith("~") or "<" in filename else "other"
        totals[group] += tottime
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=["page-vote", "api-vote", "page", "healthz"], default="page-vote")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    options = parser.parse_args(argv)
    inline_thread_pool()
    with tempfile.TemporaryDirectory(prefix="lpip-profile-") as folder:
        profile, seconds, statements = asyncio.run(run(options.kind, options.requests, Path(folder)))
    print(f"{options.kind}: {1e6 * seconds / options.requests:,.0f} µs of CPU per request with the client, without the "
          f"profiler ({options.requests} requests, one at a time; load average {os.getloadavg()[0]:.1f}); "
          f"{statements:.1f} SQL statements per request")
    print("share of the time by library under the profiler (httpx is the client's share):")
    groups = by_library(profile)
    total = sum(groups.values())
    for group, own in groups.items():
        if own / total >= 0.01:
            print(f"  {group:14s} {own / total:6.1%}")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(options.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
