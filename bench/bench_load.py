"""Load on loopback: phones driving the pages as a browser does, mixed with API clients, against
`lpip serve`; then a count of every acknowledged write in the database.

Run as ``.venv/bin/python bench/bench_load.py [--scenario steady|burst|saturate|all]
[--seconds 60] [--participants 300] [--database sqlite|postgresql|all] [--workers N]``; the
short mode is ``--scenario steady --seconds 5 --participants 20``.

For each database (SQLite; PostgreSQL too when LPIP_TEST_POSTGRES_URL is set) it makes a fresh
database, starts `lpip serve` on 127.0.0.1 and a free port (SQLite: 1 worker; PostgreSQL: 2),
creates a workshop with 8 tables, 40 statements and 6 priorities, and runs the scenarios:

- **steady**: the participants for the given time. Two phones in three use the pages as a
  browser does (the join form and its cookie, the participant page, htmx votes, capture.js's
  JSON statements with the CSRF header, the dot form; table hosts post notes as capture.js
  does); the others use the JSON API. Each pauses 1-3 s between actions: vote (most often;
  sometimes again on the same statement), add a statement, reload the statements, spend dots;
  the first eight are table hosts too. One submission in ten is sent twice with the same
  client id, as on flaky wifi. Each phone has its own loopback address (127.10.x.y).
- **burst**: 100 phones (half on the pages, half on the API) each cast 10 votes at the same
  moment: all 1,000 must be stored.
- **saturate**: 40 clients back to back for a few seconds on a bare endpoint (/healthz), then
  on the participant's page, a page vote and an API vote: requests per second of each, and
  the ratio to the bare endpoint (how much of the ceiling the app's own work takes).

Printed: throughput, p50/p95/p99 latency (overall and per operation), errors, and the
exactly-once check: every acknowledged note and statement is stored once, every acknowledged
vote and dot spend is the one stored, and no row exists that nobody submitted. Targets (PASS
or FAIL, never the exit status): p95 under 200 ms with 300 participants on SQLite; p99 under
500 ms with 1,000 participants on PostgreSQL with 2 workers.

The bench lets 1,000 phones join within seconds, which the server's per-code join limit
(60 in 10 s, LPIP_JOIN_BURST) would rightly refuse; it raises that limit for its server and
says so. Exit status 1 if the exactly-once check fails or the server does not start; ``--json
FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lpip.config import load_settings
from lpip.db import make_engine, session_scope
from lpip.initdb import init_db
from lpip.workshops.accounts import create_user
from lpip.workshops.models import Contribution, Dot, Participant, Vote

TARGET_P95_MS = 200.0  # 300 participants, SQLite
TARGET_P99_MS = 500.0  # 1,000 participants, PostgreSQL with 2 workers
TABLES = 8
STATEMENTS = 40
SEED_PARTICIPANTS = 8
PRIORITIES = 6
DOTS = 5
REQUEST_TIMEOUT = 20.0
PAGE_SHARE = 2 / 3
BURST_PHONES, BURST_VOTES = 100, 10
SATURATE_CLIENTS, SATURATE_SECONDS = 40, 5.0
FACILITATOR = ("bench@example.org", "bench-password-1234")
# Made-up texts for a benchmark: not data about any real workshop.
ROUNDS = ["What works well here?", "What gets in the way?", "Who is missing?", "What should we try first?"]
NON_HOST_ACTIONS = (["vote"] * 14) + (["statement"] * 2) + (["statements"] * 3) + ["dots"]
HOST_ACTIONS = (["note"] * 10) + ["edit"] + (["notes"] * 2) + (["vote"] * 5)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CARD = re.compile(r'name="statement_id" value="(\d+)"')
LISTED = re.compile(r'<li id="s-(\d+)">(.*?)</li>', re.S)
VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


# ---- the record of what happened -------------------------------------------------------------


@dataclass
class Ledger:
    """Latencies and outcomes of every request, and every write the server acknowledged."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter = field(default_factory=Counter)
    acked: dict[str, str] = field(default_factory=dict)  # client id -> kind (note/statement)
    ids: dict[str, int] = field(default_factory=dict)  # client id -> stored id
    attempted: set[str] = field(default_factory=set)  # client ids sent but not acknowledged
    note_text: dict[str, str] = field(default_factory=dict)  # last acknowledged text of each note
    votes: dict[tuple[str, int], str] = field(default_factory=dict)  # (token, statement) -> vote
    unsure_votes: set[tuple[str, int]] = field(default_factory=set)
    dots: dict[str, dict[int, int]] = field(default_factory=dict)
    unsure: set[str] = field(default_factory=set)  # tokens or client ids with an unknown outcome
    repeats: Counter = field(default_factory=Counter)  # "same" / "different" stored item on a resend
    tokens: list[str] = field(default_factory=list)
    pending: dict[str, tuple] = field(default_factory=dict)  # client id -> (phone, kind, text) not yet acknowledged

    def record(self, operation: str, status: int | str, seconds: float) -> None:
        self.latencies[operation].append(seconds)
        self.outcomes[(operation, status)] += 1

    def all_latencies(self) -> np.ndarray:
        return np.array([s for values in self.latencies.values() for s in values]) * 1000


@dataclass
class Workshop:
    id: int
    join_code: str
    host_tokens: list[str]
    priorities: list[int]
    seed_client_ids: set[str]
    statements: list[int]


# ---- database and server ---------------------------------------------------------------------


@contextmanager
def fresh_database(kind: str, folder: Path):
    """A new lpip database (schema and bundled data: commands and the app refuse a database whose
    `lpip init` did not finish) of the given kind; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'load.sqlite'}"
        _prepare(url)
        yield url
        return
    admin_url = os.environ["LPIP_TEST_POSTGRES_URL"]
    name = f"lpip_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        _prepare(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str) -> None:
    init_db(load_settings(url))
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            create_user(session, FACILITATOR[0], "Benchmark facilitator", FACILITATOR[1])
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lpip_command() -> list[str]:
    script = Path(sys.executable).with_name("lpip")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from lpip.cli import app; sys.argv[0] = 'lpip'; app()"]


class Server:
    """`lpip serve` on 127.0.0.1 in production mode, in its own process group: it can be killed
    whole (kill -9 of the parent and every worker) and started again on the same port."""

    def __init__(self, url: str, workers: int, folder: Path, join_burst: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "serve.log"
        self.env = dict(os.environ, LPIP_DATA_DIR=str(folder / "data"), LPIP_ENV="production",
                        LPIP_SECRET_KEY=secrets.token_urlsafe(48), LPIP_JOIN_BURST=str(join_burst))
        self.command = [*lpip_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                        "--workers", str(workers), "--database", url, "--log-level", "warning"]
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.starts += 1
        wait_until_up(self.base, self.process, self.log_path)

    def kill(self) -> int:
        """kill -9 of every process of the server (the parent and its workers); returns how many."""
        pids = [self.process.pid, *worker_pids(self.process.pid)]
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return len(pids)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@contextmanager
def running_server(url: str, workers: int, folder: Path, join_burst: int):
    """`lpip serve` on 127.0.0.1 and a free port, in production mode; stopped afterwards."""
    server = Server(url, workers, folder, join_burst)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def worker_pids(parent: int) -> list[int]:
    """The pids of a process's children (uvicorn's workers); Linux only."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return children


def wait_until_up(base: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"lpip serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"lpip serve did not answer within {seconds:.0f} s:\n{log.read_text()}")


def cpu_seconds(pid: int) -> float | None:
    """CPU time used so far by a process and its children (the uvicorn workers); Linux only."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
            found = True
    return total if found else None


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (uvicorn then stops its workers), SIGKILL to the process group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---- setting the workshop up -----------------------------------------------------------------


def client_id() -> str:
    return secrets.token_urlsafe(12)


async def set_up(base: str) -> Workshop:
    """The facilitator's part: a workshop with 8 tables, voting and harvest open, 40 statements."""
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        token = (await _ok(client.post("/api/v1/token", json=dict(zip(("email", "password"), FACILITATOR)))))["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        rounds = [{"question": q, "minutes": 25} for q in ROUNDS]
        made = await _ok(client.post("/api/v1/workshops", headers=auth, json={
            "title": "Load benchmark (made-up workshop)", "tables": TABLES, "rounds": rounds, "dots_per_participant": DOTS,
        }))
        wid = made["id"]
        await _ok(client.post(f"/api/v1/workshops/{wid}/rounds/1/open", headers=auth))
        await _ok(client.patch(f"/api/v1/workshops/{wid}", headers=auth, json={"voting_open": True, "harvest_open": True}))
        seeds, priorities, statements = set(), [], []
        for n in range(PRIORITIES):
            seeds.add(cid := client_id())
            priorities.append((await _ok(client.post(
                f"/api/v1/workshops/{wid}/priorities", headers=auth, json={"text": f"Priority {n + 1}", "client_id": cid},
            )))["id"])
        for s in range(SEED_PARTICIPANTS):
            joined = await _ok(client.post("/api/v1/join", json={"code": made["join_code"]}))
            member = {"X-Participant-Token": joined["participant_token"]}
            for n in range(STATEMENTS // SEED_PARTICIPANTS):
                seeds.add(cid := client_id())
                statements.append((await _ok(client.post("/api/v1/statements", headers=member, json={
                    "text": f"Opening statement {s + 1}.{n + 1}", "client_id": cid})))["id"])
    hosts = [link["token"] for link in made["host_links"]]
    return Workshop(wid, made["join_code"], hosts, priorities, seeds, statements)


async def _ok(request) -> dict:
    response = await request
    if response.status_code >= 400:
        raise SystemExit(f"set-up failed: {response.request.method} {response.request.url} -> {response.status_code} {response.text}")
    return response.json()


# ---- one simulated phone ---------------------------------------------------------------------


def loopback_address(i: int) -> str:
    return f"127.10.{i // 250}.{i % 250 + 1}"


class Phone:
    """A participant (and, for the first eight, a table host) using the JSON API."""

    kind = "api"

    def __init__(self, i: int, client: httpx.AsyncClient, ledger: Ledger, workshop: Workshop, rng: random.Random):
        self.client, self.ledger, self.workshop, self.rng = client, ledger, workshop, rng
        self.host = workshop.host_tokens[i] if i < len(workshop.host_tokens) else None
        self.table = i + 1 if self.host else None
        self.token: str | None = None
        self.statements: list[int] = []
        self.seen = 0  # the largest statement id fetched so far
        self.notes: list[str] = []

    async def call(self, operation: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.ledger.record(f"{self.kind}: {operation}", type(exc).__name__, time.perf_counter() - started)
            return None
        self.ledger.record(f"{self.kind}: {operation}", response.status_code, time.perf_counter() - started)
        return response

    @property
    def member(self) -> dict:
        return {"X-Participant-Token": self.token}

    async def join(self) -> bool:
        response = await self.call("join", "POST", "/api/v1/join", json={"code": self.workshop.join_code})
        if response is None or response.status_code != 201:
            return False
        self.token = response.json()["participant_token"]
        self.ledger.tokens.append(self.token)
        return await self.list_statements()

    async def list_statements(self) -> bool:
        """Fetch the statements added since the last look, as the participant's page would."""
        response = await self.call("list new statements", "GET", "/api/v1/statements", headers=self.member,
                                   params={"after": self.seen})
        if response is not None and response.status_code == 200:
            new = response.json()
            self.statements += [s["id"] for s in new if not s["mine"]]
            self.seen = max([self.seen, *(s["id"] for s in new)])
        return response is not None

    async def vote(self, statement: int | None = None) -> None:
        if statement is None and not self.statements:
            return
        statement = statement or self.rng.choice(self.statements)
        choice = self.rng.choice(("agree", "agree", "disagree", "pass"))
        response = await self.send_vote(statement, choice)
        self._acknowledge_vote(statement, choice, response, ok=200)

    async def send_vote(self, statement: int, choice: str) -> httpx.Response | None:
        return await self.call("vote", "POST", "/api/v1/votes", headers=self.member,
                               json={"statement_id": statement, "vote": choice})

    def _acknowledge_vote(self, statement: int, choice: str, response: httpx.Response | None, ok: int) -> None:
        key = (self.token, statement)
        if response is not None and response.status_code == ok:
            self.ledger.votes[key] = choice
            self.ledger.unsure_votes.discard(key)
        elif response is None or response.status_code >= 500:
            self.ledger.unsure_votes.add(key)

    async def add(self, kind: str) -> None:
        """Add a statement or a note; one time in ten, send it again as a retry would."""
        cid = client_id()
        text_ = f"{kind} {cid[:6]}: an idea written during the load benchmark"
        for attempt in range(2 if self.rng.random() < 0.1 else 1):
            response = await self.send_contribution(kind, cid, text_, attempt)
            self._acknowledge(kind, cid, text_, response)

    async def send_contribution(self, kind: str, cid: str, text_: str, attempt: int) -> httpx.Response | None:
        url, headers = ("/api/v1/notes", {"X-Host-Token": self.host}) if kind == "note" else ("/api/v1/statements", self.member)
        return await self.call(f"add {kind}" + (" (resent)" if attempt else ""), "POST", url, headers=headers,
                               json={"text": text_, "client_id": cid})

    def stored_id(self, kind: str, response: httpx.Response) -> int:
        return response.json()["id"]

    def _acknowledge(self, kind: str, cid: str, text_: str, response: httpx.Response | None) -> None:
        ledger = self.ledger
        if response is None or response.status_code not in (200, 201):
            if cid not in ledger.acked:
                ledger.attempted.add(cid)
                ledger.pending[cid] = (self, kind, text_)
            if response is None or response.status_code >= 500:
                ledger.unsure.add(cid)
            return
        ledger.pending.pop(cid, None)
        stored = self.stored_id(kind, response)
        if cid in ledger.ids:
            ledger.repeats["same" if ledger.ids[cid] == stored and response.status_code == 200 else "different"] += 1
        ledger.acked[cid], ledger.ids[cid] = kind, stored
        ledger.attempted.discard(cid)
        if kind == "note":
            ledger.note_text.setdefault(cid, text_)
            if cid not in self.notes:
                self.notes.append(cid)

    async def edit(self) -> None:
        if not self.notes:
            return
        cid = self.rng.choice(self.notes)
        changed = f"note {cid[:6]} (edited {self.rng.randrange(10**6)})"
        response = await self.send_edit(self.ledger.ids[cid], changed)
        if response is not None and response.status_code == 200:
            self.ledger.note_text[cid] = changed
        elif response is None or response.status_code >= 500:
            self.ledger.unsure.add(cid)

    async def send_edit(self, note_id: int, changed: str) -> httpx.Response | None:
        return await self.call("edit note", "PATCH", f"/api/v1/notes/{note_id}", headers={"X-Host-Token": self.host},
                               json={"text": changed})

    async def list_notes(self) -> None:
        await self.call("list notes", "GET", f"/api/v1/tables/{self.table}/notes", headers={"X-Host-Token": self.host})

    async def spend_dots(self) -> None:
        allocation: dict[int, int] = Counter(self.rng.choice(self.workshop.priorities) for _ in range(self.rng.randint(1, DOTS)))
        response = await self.send_dots(dict(allocation))
        if response is not None and response.status_code in (200, 303):
            self.ledger.dots[self.token] = dict(allocation)
            self.ledger.unsure.discard(self.token)
        elif response is None or response.status_code >= 500:
            self.ledger.unsure.add(self.token)

    async def send_dots(self, allocation: dict[int, int]) -> httpx.Response | None:
        return await self.call("spend dots", "POST", "/api/v1/dots", headers=self.member,
                               json={"dots": {str(k): v for k, v in allocation.items()}})

    async def act(self) -> None:
        action = self.rng.choice(HOST_ACTIONS if self.host else NON_HOST_ACTIONS)
        if action == "vote":
            await self.vote()
        elif action in ("statement", "note"):
            await self.add(action)
        elif action == "statements":
            await self.list_statements()
        elif action == "notes":
            await self.list_notes()
        elif action == "edit":
            await self.edit()
        else:
            await self.spend_dots()


class PagePhone(Phone):
    """The same person on the pages, as their browser drives them: the join form and its cookie,
    the participant page and its CSRF token, htmx's vote form, capture.js's JSON posts, the dot
    form; a table host's page and its notes."""

    kind = "page"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.csrf = ""
        self.host_csrf = ""

    def _headers(self, csrf: str, json_body: bool = False, htmx: bool = False) -> dict:
        headers = {"X-CSRF-Token": csrf}
        if json_body:
            headers["Accept"] = "application/json"
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    async def join(self) -> bool:
        page = await self.call("join page", "GET", "/join")
        if page is None or page.status_code != 200:
            return False
        form = {"code": self.workshop.join_code, "csrf_token": CSRF.search(page.text).group(1)}
        response = await self.call("join", "POST", "/join", data=form)
        if response is None or response.status_code != 303:
            return False
        self.token = self.client.cookies.get("lpip_participant")
        self.ledger.tokens.append(self.token)
        if self.host:
            host_page = await self.call("host page", "GET", f"/t/{self.host}")
            if host_page is not None and host_page.status_code == 200:
                self.host_csrf = CSRF.search(host_page.text).group(1)
        return await self.list_statements()

    async def list_statements(self) -> bool:
        """The participant's page (for its CSRF token), and the list of every statement."""
        page = await self.call("participant page", "GET", "/p")
        if page is None or page.status_code != 200:
            return page is not None
        self.csrf = CSRF.search(page.text).group(1)
        listing = await self.call("list statements", "GET", "/p/statements")
        if listing is not None and listing.status_code == 200:
            self.statements = [int(sid) for sid, body in LISTED.findall(listing.text) if "Yours." not in body]
        return True

    async def send_vote(self, statement: int, choice: str) -> httpx.Response | None:
        form = {"statement_id": str(statement), "vote": choice, "csrf_token": self.csrf}
        return await self.call("vote", "POST", "/p/votes", data=form, headers=self._headers(self.csrf, htmx=True))

    async def send_contribution(self, kind: str, cid: str, text_: str, attempt: int) -> httpx.Response | None:
        url, csrf = (f"/t/{self.host}/notes", self.host_csrf) if kind == "note" else ("/p/statements", self.csrf)
        body = {"text": text_, "client_id": cid, "round_number": 1 if kind == "note" else None}
        return await self.call(f"add {kind}" + (" (resent)" if attempt else ""), "POST", url, json=body,
                               headers=self._headers(csrf, json_body=True))

    def stored_id(self, kind: str, response: httpx.Response) -> int:
        return response.json()[kind]["id"]

    async def send_edit(self, note_id: int, changed: str) -> httpx.Response | None:
        return await self.call("edit note", "POST", f"/t/{self.host}/notes/{note_id}",
                               data={"text": changed, "csrf_token": self.host_csrf},
                               headers=self._headers(self.host_csrf, htmx=True))

    async def list_notes(self) -> None:
        await self.call("host page", "GET", f"/t/{self.host}")

    async def send_dots(self, allocation: dict[int, int]) -> httpx.Response | None:
        form = {f"dots-{k}": str(v) for k, v in allocation.items()}
        return await self.call("spend dots", "POST", "/p/dots", data={**form, "csrf_token": self.csrf})


def make_phone(i: int, client: httpx.AsyncClient, ledger: Ledger, workshop: Workshop, rng: random.Random,
               page_share: float) -> Phone:
    on_pages = int((i + 1) * page_share) > int(i * page_share)  # spread evenly, page_share of them on the pages
    return (PagePhone if on_pages else Phone)(i, client, ledger, workshop, rng)


def phone_client(i: int, base: str, tls: ssl.SSLContext) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=loopback_address(i), verify=tls)
    return httpx.AsyncClient(base_url=base, transport=transport, timeout=REQUEST_TIMEOUT)


# ---- scenarios -------------------------------------------------------------------------------


async def run_phone(i: int, base: str, workshop: Workshop, ledger: Ledger, options, deadline: float) -> None:
    async with phone_client(i, base, options.tls) as client:
        phone = make_phone(i, client, ledger, workshop, random.Random(options.seed * 100_003 + i), options.page_share)
        await keep_acting(phone, options, deadline)


async def keep_acting(phone: Phone, options, deadline: float) -> None:
    """Join, then act with a think time between actions until the deadline."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(phone.rng.uniform(0, options.think_max))  # not all in the same millisecond
    if not await phone.join():
        return
    while True:
        await asyncio.sleep(phone.rng.uniform(options.think_min, options.think_max))
        if loop.time() >= deadline:
            return
        await phone.act()


async def steady(base: str, workshop: Workshop, options) -> tuple[Ledger, float]:
    ledger = Ledger()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + options.seconds
    phones = [run_phone(i, base, workshop, ledger, options, deadline) for i in range(options.participants)]
    # Bounded: every request has a timeout, and this stops everything if something still hangs.
    limit = options.seconds + options.think_max + 2 * REQUEST_TIMEOUT + 60
    await asyncio.wait_for(asyncio.gather(*phones), timeout=limit)
    return ledger, loop.time() - started


async def burst(base: str, workshop: Workshop, options) -> tuple[Ledger, float]:
    """Every phone joins, then all cast their votes at the same moment."""
    ledger = Ledger()
    clients = [phone_client(50_000 + i, base, options.tls) for i in range(BURST_PHONES)]
    try:
        phones = [make_phone(i + len(workshop.host_tokens), c, ledger, workshop, random.Random(i), 0.5)
                  for i, c in enumerate(clients)]
        joined = await asyncio.gather(*(p.join() for p in phones))
        ready = [p for p, ok in zip(phones, joined) if ok]
        ledger.latencies.clear()  # the figures are the votes' (the joins were only the set-up)
        ledger.outcomes.clear()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.wait_for(asyncio.gather(*(
            p.vote(statement) for p in ready for statement in p.statements[:BURST_VOTES]
        )), timeout=5 * REQUEST_TIMEOUT)
        return ledger, loop.time() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def saturate(base: str, workshop: Workshop, options) -> list[dict]:
    """Requests per second of a bare endpoint and of the app's own requests, back to back."""
    ledger = Ledger()
    clients = [phone_client(55_000 + i, base, options.tls) for i in range(SATURATE_CLIENTS)]
    try:
        phones = [make_phone(i + len(workshop.host_tokens), c, ledger, workshop, random.Random(i), 1.0 if i % 2 else 0.0)
                  for i, c in enumerate(clients)]
        await asyncio.gather(*(p.join() for p in phones))
        pages = [p for p in phones if isinstance(p, PagePhone)]
        apis = [p for p in phones if not isinstance(p, PagePhone)]
        kinds = {
            "bare endpoint (GET /healthz)": (phones, lambda p: p.call("healthz", "GET", "/healthz")),
            "participant page (GET /p)": (pages, lambda p: p.call("participant page", "GET", "/p")),
            "page vote (POST /p/votes, htmx)": (pages, lambda p: p.vote()),
            "API vote (POST /api/v1/votes)": (apis, lambda p: p.vote()),
        }
        rows = []
        for label, (who, request) in kinds.items():
            count, seconds, latencies = await _closed_loop(who, request, ledger)
            rows.append(dict(label=label, clients=len(who), requests=count, per_second=count / seconds,
                             p50_ms=float(np.percentile(latencies, 50)) if latencies else float("nan")))
        bare = rows[0]["per_second"]
        for row in rows:
            row["ratio_to_bare"] = row["per_second"] / bare if bare else float("nan")
        return rows
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def faults(server: Server, workshop: Workshop, options) -> tuple[Ledger, float, dict]:
    """The steady load, with every server process killed (kill -9) a third of the way through and
    the server started again on the same port; then, as the phones' offline queues do, every note
    and statement never acknowledged is sent again with its client id."""
    ledger = Ledger()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + options.seconds
    clients = [phone_client(i, server.base, options.tls) for i in range(options.participants)]
    phones = [make_phone(i, c, ledger, workshop, random.Random(options.seed * 100_003 + i), options.page_share)
              for i, c in enumerate(clients)]
    crash: dict = {}

    async def kill_and_restart() -> None:
        await asyncio.sleep(options.seconds / 3)
        crash["processes_killed"] = server.kill()
        down = loop.time()
        await asyncio.to_thread(server.start)  # the same port: fails if any worker still holds it
        crash["seconds_down"] = loop.time() - down

    try:
        limit = options.seconds + options.think_max + 2 * REQUEST_TIMEOUT + 120
        await asyncio.wait_for(asyncio.gather(kill_and_restart(), *(keep_acting(p, options, deadline) for p in phones)),
                               timeout=limit)
        seconds = loop.time() - started
        unacknowledged = list(ledger.pending.items())
        for cid, (phone, kind, text_) in unacknowledged:
            phone._acknowledge(kind, cid, text_, await phone.send_contribution(kind, cid, text_, attempt=1))
        crash.update(resent=len(unacknowledged), still_unacknowledged=len(ledger.pending))
        return ledger, seconds, crash
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def _closed_loop(phones, request, ledger: Ledger) -> tuple[int, float, list[float]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SATURATE_SECONDS
    latencies: list[float] = []

    async def one(phone) -> None:
        while loop.time() < deadline:
            started = time.perf_counter()
            await request(phone)
            latencies.append((time.perf_counter() - started) * 1000)

    started = loop.time()
    await asyncio.gather(*(one(p) for p in phones))
    return len(latencies), loop.time() - started, latencies


# ---- the count check -------------------------------------------------------------------------


def check_exactly_once(url: str, workshop: Workshop, ledger: Ledger) -> dict:
    """Compare every acknowledged write with what the database holds, after the server stopped."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            stored = _stored(session, workshop.id)
    finally:
        engine.dispose()
    counts, texts, votes, dots, tokens = stored
    acked = set(ledger.acked)
    missing = sorted(acked - set(counts))
    duplicated = sorted(c for c, n in counts.items() if n > 1)
    known = acked | ledger.attempted | workshop.seed_client_ids
    unexpected = sorted(set(counts) - known)
    stale_text = sorted(c for c, t in ledger.note_text.items() if c not in ledger.unsure and texts.get(c) != t)
    vote_problems = _vote_problems(ledger, votes, tokens)
    dot_problems = sorted(t for t, a in ledger.dots.items() if t not in ledger.unsure and dots.get(tokens[t], {}) != a)
    ours = {tokens[t] for t in ledger.tokens if t in tokens}
    return dict(
        acknowledged_notes=sum(1 for k in ledger.acked.values() if k == "note"),
        acknowledged_statements=sum(1 for k in ledger.acked.values() if k == "statement"),
        missing=len(missing), duplicated=len(duplicated), unexpected=len(unexpected),
        unacknowledged_sent=len(ledger.attempted), unacknowledged_stored=len(ledger.attempted & set(counts)),
        stale_edits=len(stale_text), acknowledged_votes=len(ledger.votes), vote_problems=len(vote_problems),
        stored_votes=sum(n for (p, _), n in votes[0].items() if p in ours),
        acknowledged_dot_spends=len(ledger.dots), dot_problems=len(dot_problems),
        resends_same=ledger.repeats["same"], resends_different=ledger.repeats["different"],
        passed=not (missing or duplicated or unexpected or stale_text or vote_problems or dot_problems
                    or ledger.repeats["different"]),
    )


def _stored(session, workshop_id: int):
    counts = dict(session.execute(
        select(Contribution.client_id, func.count()).where(Contribution.workshop_id == workshop_id)
        .group_by(Contribution.client_id)
    ).all())
    texts = dict(session.execute(select(Contribution.client_id, Contribution.text).where(
        Contribution.workshop_id == workshop_id, Contribution.kind == "note")).all())
    tokens = dict(session.execute(select(Participant.token, Participant.id).where(Participant.workshop_id == workshop_id)).all())
    votes = Counter()
    values = {}
    for participant, statement, value in session.execute(select(Vote.participant_id, Vote.contribution_id, Vote.value)):
        votes[(participant, statement)] += 1
        values[(participant, statement)] = value
    dots: dict[int, dict[int, int]] = defaultdict(dict)
    for participant, priority, n in session.execute(select(Dot.participant_id, Dot.contribution_id, Dot.dots)):
        dots[participant][priority] = n
    return counts, texts, (votes, values), dots, tokens


def _vote_problems(ledger: Ledger, stored, tokens: dict[str, int]) -> list:
    """Acknowledged votes that are missing, stored twice or hold another value; and stored votes
    of the simulated phones that nobody sent."""
    counts, values = stored
    problems = []
    for (token, statement), vote in ledger.votes.items():
        key = (tokens.get(token), statement)
        if (token, statement) in ledger.unsure_votes:
            continue
        if counts.get(key) != 1 or values.get(key) != VOTE_VALUES[vote]:
            problems.append((token, statement))
    ours = {tokens[t] for t in ledger.tokens if t in tokens}
    sent = {(tokens.get(t), s) for t, s in set(ledger.votes) | ledger.unsure_votes}
    problems += [key for key in counts if key[0] in ours and key not in sent]
    return problems


# ---- the report ------------------------------------------------------------------------------


@dataclass
class Machine:
    """CPU seconds of the server and of this simulator, and the load average, before and after."""

    server_before: float | None
    simulator_before: float
    load_before: float
    server_after: float | None
    simulator_after: float
    load_after: float

    def describe(self, seconds: float, requests: int) -> str:
        simulator = self.simulator_after - self.simulator_before
        text_ = f"simulator {simulator:.1f} s ({simulator / seconds:.0%} of a core)"
        if self.server_before is not None and self.server_after is not None:
            server = self.server_after - self.server_before
            text_ = (f"server {server:.1f} s ({server / seconds:.0%} of a core, {1000 * server / max(requests, 1):.1f} ms "
                     f"per request), " + text_)
        # Other work on the machine competes for the same cores: say how much there was.
        return text_ + f"; load average {self.load_before:.1f} before, {self.load_after:.1f} after"


def percentiles(values_ms: np.ndarray) -> tuple[float, float, float]:
    if not len(values_ms):
        return (float("nan"),) * 3
    return tuple(float(np.percentile(values_ms, q)) for q in (50, 95, 99))


WRITES = ("add", "vote", "edit", "spend", "join")


def report(label: str, scenario: str, options, ledger: Ledger, seconds: float, check: dict, machine: Machine) -> dict:
    overall = ledger.all_latencies()
    p50, p95, p99 = percentiles(overall)
    writes = sum(n for (op, status), n in ledger.outcomes.items()
                 if op.split(": ")[1].split()[0] in WRITES and isinstance(status, int) and status < 400)
    errors = {f"{op}: {status}": n for (op, status), n in sorted(ledger.outcomes.items(), key=str)
              if not (isinstance(status, int) and status < 400)}
    print(f"\n{label}, {scenario}: " + (
        f"{options.participants} participants for {options.seconds:g} s (think time {options.think_min:g}-{options.think_max:g} s; "
        f"{options.page_share:.0%} on the pages)" if scenario in ("steady", "faults") else
        f"{BURST_PHONES} phones (half on the pages) casting {BURST_VOTES} votes each at once"))
    print(f"  requests      {len(overall):,} in {seconds:.1f} s = {len(overall) / seconds:,.1f} per second "
          f"({writes:,} acknowledged writes = {writes / seconds:,.1f} per second)")
    print(f"  CPU used      {machine.describe(seconds, len(overall))}")
    print(f"  latency (ms)  p50 {p50:6.1f}   p95 {p95:6.1f}   p99 {p99:6.1f}")
    for op in sorted(ledger.latencies):
        q = percentiles(np.array(ledger.latencies[op]) * 1000)
        print(f"    {op:30s} {len(ledger.latencies[op]):7,}   p50 {q[0]:6.1f}   p95 {q[1]:6.1f}   p99 {q[2]:6.1f}")
    print("  errors        " + (", ".join(f"{k} x{n}" for k, n in errors.items()) if errors else "none"))
    print(f"  exactly once  {check['acknowledged_notes']:,} notes and {check['acknowledged_statements']:,} statements "
          f"acknowledged: {check['missing']} missing, {check['duplicated']} stored twice, {check['unexpected']} rows nobody sent, "
          f"{check['stale_edits']} edits lost")
    print(f"                resent with the same client id: {check['resends_same']} answered with the stored item, "
          f"{check['resends_different']} with another")
    print(f"                {check['acknowledged_votes']:,} acknowledged votes ({check['vote_problems']} wrong or missing; "
          f"{check['stored_votes']:,} stored), {check['acknowledged_dot_spends']:,} dot spends ({check['dot_problems']} wrong); "
          f"{check['unacknowledged_sent']} writes unacknowledged, {check['unacknowledged_stored']} of them stored")
    print(f"  count check   {'PASS' if check['passed'] else 'FAIL'}")
    result = dict(label=label, scenario=scenario, requests=len(overall), seconds=seconds,
                  throughput=len(overall) / seconds, writes=writes, p50_ms=p50, p95_ms=p95, p99_ms=p99, errors=errors,
                  operations={op: len(values) for op, values in sorted(ledger.latencies.items())},
                  check=check, machine=vars(machine))
    if scenario == "burst":
        expected = BURST_PHONES * BURST_VOTES
        verdict = "PASS" if check["stored_votes"] == expected and check["acknowledged_votes"] == expected else "FAIL"
        print(f"  burst         {check['stored_votes']:,} of {expected:,} votes stored, {check['acknowledged_votes']:,} "
              f"acknowledged: {verdict}")
        result["burst_passed"] = verdict == "PASS"
    elif scenario == "faults":
        result["target_met"] = None  # errors are expected while the server is down; the count check is what counts
    elif "SQLite" in label:
        result["target_met"] = p95 < TARGET_P95_MS and not errors
        print(f"  p95 {p95:.1f} ms (target {TARGET_P95_MS:.0f} ms) and {sum(errors.values())} errors (target 0): "
              f"{'PASS' if result['target_met'] else 'FAIL'}")
    else:
        result["target_met"] = p99 < TARGET_P99_MS and not errors
        print(f"  p99 {p99:.1f} ms (goal {TARGET_P99_MS:.0f} ms) and {sum(errors.values())} errors (goal 0): "
              f"{'PASS' if result['target_met'] else 'FAIL'}")
    return result


def report_saturation(label: str, rows: list[dict]) -> dict:
    print(f"\n{label}, saturate: {SATURATE_CLIENTS} clients back to back, {SATURATE_SECONDS:g} s each")
    for row in rows:
        print(f"  {row['label']:34s} {row['per_second']:7.1f} requests/s  (p50 {row['p50_ms']:6.1f} ms, "
              f"{row['clients']} clients)  ratio to the bare endpoint {row['ratio_to_bare']:.2f}")
    return dict(label=label, scenario="saturate", rows=rows)


def run_backend(kind: str, options) -> list[dict]:
    workers = options.workers or (1 if kind == "sqlite" else 2)
    label = f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}, {workers} worker{'s' if workers > 1 else ''}"
    folder = Path(tempfile.mkdtemp(prefix="lpip-load-"))
    join_burst = max(options.participants, BURST_PHONES, SATURATE_CLIENTS) * 2 + 100
    print(f"\n({label}: the bench's server admits {join_burst} joins per code in 10 s instead of 60, "
          "since its phones all join within seconds)")
    results = []
    try:
        for scenario in options.scenarios:
            place = folder / scenario
            place.mkdir()
            with fresh_database(kind, place) as url:
                with running_server(url, workers, place, join_burst) as server:
                    workshop = asyncio.run(set_up(server.base))
                    # After a kill -9 the server is another process: its CPU time is not comparable.
                    server_cpu = None if scenario == "faults" else cpu_seconds(server.process.pid)
                    before = (server_cpu, own_cpu_seconds(), os.getloadavg()[0])
                    crash = None
                    if scenario == "saturate":
                        results.append(report_saturation(label, asyncio.run(saturate(server.base, workshop, options))))
                        continue
                    if scenario == "faults":
                        ledger, seconds, crash = asyncio.run(faults(server, workshop, options))
                    else:
                        run = steady if scenario == "steady" else burst
                        ledger, seconds = asyncio.run(run(server.base, workshop, options))
                    server_cpu = None if scenario == "faults" else cpu_seconds(server.process.pid)
                    after = (server_cpu, own_cpu_seconds(), os.getloadavg()[0])
                check = check_exactly_once(url, workshop, ledger)
            result = report(label, scenario, options, ledger, seconds, check, Machine(*before, *after))
            if crash is not None:
                print(f"  kill -9       {crash['processes_killed']} server processes killed {options.seconds / 3:.0f} s in; "
                      f"up again on the same port after {crash['seconds_down']:.1f} s; {crash['resent']} unacknowledged "
                      f"notes and statements sent again, {crash['still_unacknowledged']} still unacknowledged")
                result["crash"] = crash
            results.append(result)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def parse(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["steady", "burst", "saturate", "faults", "all"], default="all",
                        help="all: steady, burst and saturate (faults kills the server: run it on its own)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "all"], default="all",
                        help="all: SQLite, then PostgreSQL when LPIP_TEST_POSTGRES_URL is set")
    parser.add_argument("--workers", type=int, help="worker processes (default: 1 for SQLite, 2 for PostgreSQL)")
    parser.add_argument("--page-share", type=float, default=PAGE_SHARE, help="share of phones on the pages (the rest use the API)")
    parser.add_argument("--think-min", type=float, default=1.0, help="shortest pause between a phone's requests (s)")
    parser.add_argument("--think-max", type=float, default=3.0, help="longest pause between a phone's requests (s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    options = parser.parse_args(argv)
    if options.participants > 50_000 or options.participants < 1:
        parser.error("--participants must be 1 to 50000 (one loopback address each)")
    options.scenarios = ["steady", "burst", "saturate"] if options.scenario == "all" else [options.scenario]
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    # One TLS context for all phones (the server is plain http): httpx would otherwise load the
    # CA bundle for each client, 70 ms of the simulator's CPU per phone.
    options.tls = ssl.create_default_context()
    kinds = ["sqlite", "postgresql"] if options.database == "all" else [options.database]
    if "postgresql" in kinds and not os.environ.get("LPIP_TEST_POSTGRES_URL"):
        if options.database == "postgresql":
            raise SystemExit("--database postgresql needs LPIP_TEST_POSTGRES_URL (a server to create a database on)")
        print("PostgreSQL: skipped (set LPIP_TEST_POSTGRES_URL to include it)")
        kinds.remove("postgresql")
    results = [r for kind in kinds for r in run_backend(kind, options)]
    if options.json:
        options.json.write_text(json.dumps(results, indent=2, default=str))
    checked = [r for r in results if "check" in r]
    return 0 if all(r["check"]["passed"] and r.get("burst_passed", True) for r in checked) else 1


if __name__ == "__main__":
    sys.exit(main())
