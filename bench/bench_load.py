"""Load on loopback: simulated participants voting and adding statements and notes at once
against `lpip serve`, then a count of every acknowledged write in the database.

Run as ``.venv/bin/python bench/bench_load.py [--seconds 60] [--participants 300]
[--database sqlite|postgresql|all]``; the short mode is ``--seconds 5 --participants 20``.

For each database (SQLite; PostgreSQL too when LPIP_TEST_POSTGRES_URL is set) it makes a fresh
database, starts `lpip serve` on 127.0.0.1 and a free port, creates a workshop with 8 tables and
40 statements, and lets the participants loose for the given time. Each joins with the code,
then loops with a short random think time: vote (most often; sometimes again on the same
statement, which replaces the earlier vote), add a statement, reload the statement list, spend
dots; the first eight are also table hosts who add and edit notes. One submission in ten is
sent twice with the same client id, as a phone on flaky wifi would. Each simulated phone has
its own loopback address (127.10.x.y), so per-client rate limits apply per phone, as at a venue.

Printed: throughput, p50/p95/p99 latency (overall and per operation), error counts, and the
exactly-once check: every acknowledged note and statement is stored once, every acknowledged
vote and dot spend is the one stored, and no row exists that nobody submitted. Target: p95
under 200 ms on the 2-core machine with SQLite (PASS/FAIL). SQLite runs one worker: it lets one
process write at a time, so more workers would only queue for its write lock and add the cost
of switching between processes. PostgreSQL runs ``--workers 2``.

Exit status 1 if the exactly-once check fails or the server does not start; timing never
changes the exit status (it is a benchmark, not a test). ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

TARGET_P95_MS = 200.0
TABLES = 8
STATEMENTS = 40
SEED_PARTICIPANTS = 8
PRIORITIES = 6
DOTS = 5
REQUEST_TIMEOUT = 20.0
FACILITATOR = ("bench@example.org", "bench-password-1234")
# Made-up texts for a benchmark: not data about any real workshop.
ROUNDS = ["What works well here?", "What gets in the way?", "Who is missing?", "What should we try first?"]
NON_HOST_ACTIONS = (["vote"] * 14) + (["statement"] * 2) + (["statements"] * 3) + ["dots"]
HOST_ACTIONS = (["note"] * 10) + ["edit"] + (["notes"] * 2) + (["vote"] * 5)


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


@contextmanager
def running_server(url: str, workers: int, folder: Path):
    """`lpip serve` on 127.0.0.1 and a free port, in production mode; stopped afterwards."""
    port = free_port()
    env = dict(os.environ, LPIP_DATA_DIR=str(folder / "data"), LPIP_ENV="production",
               LPIP_SECRET_KEY=secrets.token_urlsafe(48))
    log = open(folder / "serve.log", "w")
    command = [*lpip_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--database", url, "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, process, folder / "serve.log")
        yield base, process.pid
    finally:
        stop(process)
        log.close()


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
        seeds = set()
        priorities = []
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
                await _ok(client.post("/api/v1/statements", headers=member,
                                      json={"text": f"Opening statement {s + 1}.{n + 1}", "client_id": cid}))
    hosts = [link["token"] for link in made["host_links"]]
    return Workshop(wid, made["join_code"], hosts, priorities, seeds)


async def _ok(request) -> dict:
    response = await request
    if response.status_code >= 400:
        raise SystemExit(f"set-up failed: {response.request.method} {response.request.url} -> {response.status_code} {response.text}")
    return response.json()


# ---- one simulated phone ---------------------------------------------------------------------


def loopback_address(i: int) -> str:
    return f"127.10.{i // 250}.{i % 250 + 1}"


class Phone:
    """A participant (and, for the first eight, a table host) on their own phone."""

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
            self.ledger.record(operation, type(exc).__name__, time.perf_counter() - started)
            return None
        self.ledger.record(operation, response.status_code, time.perf_counter() - started)
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

    async def vote(self) -> None:
        if not self.statements:
            return
        statement = self.rng.choice(self.statements)
        choice = self.rng.choice(("agree", "agree", "disagree", "pass"))
        key = (self.token, statement)
        response = await self.call("vote", "POST", "/api/v1/votes", headers=self.member,
                                   json={"statement_id": statement, "vote": choice})
        if response is not None and response.status_code == 200:
            self.ledger.votes[key] = choice
        elif response is None or response.status_code >= 500:
            self.ledger.unsure_votes.add(key)

    async def add(self, kind: str) -> None:
        """Add a statement or a note; one time in ten, send it again as a retry would."""
        cid = client_id()
        url, headers = ("/api/v1/notes", {"X-Host-Token": self.host}) if kind == "note" else ("/api/v1/statements", self.member)
        body = {"text": f"{kind} {cid[:6]}: an idea written during the load benchmark", "client_id": cid}
        for attempt in range(2 if self.rng.random() < 0.1 else 1):
            response = await self.call(f"add {kind}" + (" (resent)" if attempt else ""), "POST", url, headers=headers, json=body)
            self._acknowledge(kind, cid, body["text"], response)

    def _acknowledge(self, kind: str, cid: str, text_: str, response: httpx.Response | None) -> None:
        ledger = self.ledger
        if response is None or response.status_code not in (200, 201):
            if cid not in ledger.acked:
                ledger.attempted.add(cid)
            if response is None or response.status_code >= 500:
                ledger.unsure.add(cid)
            return
        stored = response.json()["id"]
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
        response = await self.call("edit note", "PATCH", f"/api/v1/notes/{self.ledger.ids[cid]}",
                                   headers={"X-Host-Token": self.host}, json={"text": changed})
        if response is not None and response.status_code == 200:
            self.ledger.note_text[cid] = changed
        elif response is None or response.status_code >= 500:
            self.ledger.unsure.add(cid)

    async def list_notes(self) -> None:
        await self.call("list notes", "GET", f"/api/v1/tables/{self.table}/notes", headers={"X-Host-Token": self.host})

    async def spend_dots(self) -> None:
        allocation: dict[int, int] = Counter(self.rng.choice(self.workshop.priorities) for _ in range(self.rng.randint(1, DOTS)))
        response = await self.call("spend dots", "POST", "/api/v1/dots", headers=self.member,
                                   json={"dots": {str(k): v for k, v in allocation.items()}})
        if response is not None and response.status_code == 200:
            self.ledger.dots[self.token] = dict(allocation)
        elif response is None or response.status_code >= 500:
            self.ledger.unsure.add(self.token)

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


async def run_phone(i: int, base: str, workshop: Workshop, ledger: Ledger, options, deadline: float, seed: int) -> None:
    rng = random.Random(seed * 100_003 + i)
    transport = httpx.AsyncHTTPTransport(local_address=loopback_address(i), verify=options.tls)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=REQUEST_TIMEOUT) as client:
        phone = Phone(i, client, ledger, workshop, rng)
        await asyncio.sleep(rng.uniform(0, options.think_max))  # not all in the same millisecond
        if not await phone.join():
            return
        while True:
            await asyncio.sleep(rng.uniform(options.think_min, options.think_max))
            if loop.time() >= deadline:
                return
            await phone.act()


async def simulate(base: str, workshop: Workshop, options) -> tuple[Ledger, float]:
    ledger = Ledger()
    # One TLS context for all phones (the server is plain http): httpx would otherwise load the
    # CA bundle for each client, 70 ms of the simulator's CPU per phone.
    options.tls = ssl.create_default_context()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + options.seconds
    phones = [run_phone(i, base, workshop, ledger, options, deadline, options.seed) for i in range(options.participants)]
    # Bounded: every request has a timeout, and this stops everything if something still hangs.
    limit = options.seconds + options.think_max + 2 * REQUEST_TIMEOUT + 30
    await asyncio.wait_for(asyncio.gather(*phones), timeout=limit)
    return ledger, loop.time() - started


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
    return dict(
        acknowledged_notes=sum(1 for k in ledger.acked.values() if k == "note"),
        acknowledged_statements=sum(1 for k in ledger.acked.values() if k == "statement"),
        missing=len(missing), duplicated=len(duplicated), unexpected=len(unexpected),
        unacknowledged_sent=len(ledger.attempted), unacknowledged_stored=len(ledger.attempted & set(counts)),
        stale_edits=len(stale_text), acknowledged_votes=len(ledger.votes), vote_problems=len(vote_problems),
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
    value_of = {"agree": 1, "disagree": -1, "pass": 0}
    problems = []
    for (token, statement), vote in ledger.votes.items():
        key = (tokens.get(token), statement)
        if (token, statement) in ledger.unsure_votes:
            continue
        if counts.get(key) != 1 or values.get(key) != value_of[vote]:
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
        text = f"simulator {simulator:.1f} s ({simulator / seconds:.0%} of a core)"
        if self.server_before is not None and self.server_after is not None:
            server = self.server_after - self.server_before
            text = (f"server {server:.1f} s ({server / seconds:.0%} of a core, {1000 * server / max(requests, 1):.1f} ms "
                    f"per request), " + text)
        # Other work on the machine competes for the same cores: say how much there was.
        return text + f"; load average {self.load_before:.1f} before, {self.load_after:.1f} after"


def percentiles(values_ms: np.ndarray) -> tuple[float, float, float]:
    if not len(values_ms):
        return (float("nan"),) * 3
    return tuple(float(np.percentile(values_ms, q)) for q in (50, 95, 99))


def report(label: str, options, ledger: Ledger, seconds: float, check: dict, machine: Machine) -> dict:
    overall = ledger.all_latencies()
    p50, p95, p99 = percentiles(overall)
    writes = sum(n for (op, status), n in ledger.outcomes.items() if op.split()[0] in ("add", "vote", "edit", "spend", "join") and status in (200, 201))
    errors = {f"{op}: {status}": n for (op, status), n in sorted(ledger.outcomes.items(), key=str) if not (isinstance(status, int) and status < 400)}
    print(f"\n{label}: {options.participants} participants for {options.seconds:g} s "
          f"(think time {options.think_min:g}-{options.think_max:g} s)")
    print(f"  requests      {len(overall):,} in {seconds:.1f} s = {len(overall) / seconds:,.1f} per second "
          f"({writes:,} acknowledged writes = {writes / seconds:,.1f} per second)")
    print(f"  CPU used      {machine.describe(seconds, len(overall))}")
    print(f"  latency (ms)  p50 {p50:6.1f}   p95 {p95:6.1f}   p99 {p99:6.1f}")
    for op in sorted(ledger.latencies):
        q = percentiles(np.array(ledger.latencies[op]) * 1000)
        print(f"    {op:24s} {len(ledger.latencies[op]):7,}   p50 {q[0]:6.1f}   p95 {q[1]:6.1f}   p99 {q[2]:6.1f}")
    print("  errors        " + (", ".join(f"{k} x{n}" for k, n in errors.items()) if errors else "none"))
    print(f"  exactly once  {check['acknowledged_notes']:,} notes and {check['acknowledged_statements']:,} statements "
          f"acknowledged: {check['missing']} missing, {check['duplicated']} stored twice, {check['unexpected']} rows nobody sent, "
          f"{check['stale_edits']} edits lost")
    print(f"                resent with the same client id: {check['resends_same']} answered with the stored item, "
          f"{check['resends_different']} with another")
    print(f"                {check['acknowledged_votes']:,} acknowledged votes ({check['vote_problems']} wrong or missing), "
          f"{check['acknowledged_dot_spends']:,} dot spends ({check['dot_problems']} wrong); "
          f"{check['unacknowledged_sent']} writes unacknowledged, {check['unacknowledged_stored']} of them stored")
    print(f"  count check   {'PASS' if check['passed'] else 'FAIL'}")
    verdict = "PASS" if p95 < TARGET_P95_MS else "FAIL"
    print(f"  p95 {p95:.1f} ms against the target of {TARGET_P95_MS:.0f} ms: {verdict}")
    return dict(label=label, requests=len(overall), seconds=seconds, throughput=len(overall) / seconds, writes=writes,
                p50_ms=p50, p95_ms=p95, p99_ms=p99, errors=errors, check=check, target_met=p95 < TARGET_P95_MS,
                machine=vars(machine))


def run_backend(kind: str, options) -> dict:
    workers = 1 if kind == "sqlite" else 2
    label = "SQLite, 1 worker (one writer at a time)" if kind == "sqlite" else "PostgreSQL, 2 workers"
    folder = Path(tempfile.mkdtemp(prefix="lpip-load-"))
    try:
        with fresh_database(kind, folder) as url:
            with running_server(url, workers, folder) as (base, pid):
                workshop = asyncio.run(set_up(base))
                before = (cpu_seconds(pid), own_cpu_seconds(), os.getloadavg()[0])
                ledger, seconds = asyncio.run(simulate(base, workshop, options))
                after = (cpu_seconds(pid), own_cpu_seconds(), os.getloadavg()[0])
            check = check_exactly_once(url, workshop, ledger)
        return report(label, options, ledger, seconds, check, Machine(*before, *after))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def parse(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "all"], default="all",
                        help="all: SQLite, then PostgreSQL when LPIP_TEST_POSTGRES_URL is set")
    parser.add_argument("--think-min", type=float, default=1.0, help="shortest pause between a phone's requests (s)")
    parser.add_argument("--think-max", type=float, default=3.0, help="longest pause between a phone's requests (s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    options = parser.parse_args(argv)
    if options.participants > 60_000 or options.participants < 1:
        parser.error("--participants must be 1 to 60000 (one loopback address each)")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    kinds = ["sqlite", "postgresql"] if options.database == "all" else [options.database]
    if "postgresql" in kinds and not os.environ.get("LPIP_TEST_POSTGRES_URL"):
        if options.database == "postgresql":
            raise SystemExit("--database postgresql needs LPIP_TEST_POSTGRES_URL (a server to create a database on)")
        print("PostgreSQL: skipped (set LPIP_TEST_POSTGRES_URL to include it)")
        kinds.remove("postgresql")
    results = [run_backend(kind, options) for kind in kinds]
    if options.json:
        options.json.write_text(json.dumps(results, indent=2, default=str))
    return 0 if all(r["check"]["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
