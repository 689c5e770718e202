"""Server-sent events shared by the live pages: the room's state (the open round, voting),
pushed to table hosts, participants, the dashboard and the projector when it changes.

Streams poll the database (not an in-process queue) so that they see changes made by every
worker; each poll takes a short-lived session, so a stream never holds a connection, and a
stream ends after a while (the browser's EventSource reconnects by itself).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from lpip.workshops.workshops import round_state

POLL_SECONDS = 1.0
STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 10.0


def sse(event: str, data, event_id: int | None = None) -> str:
    """One server-sent event."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n"


async def state_stream(request: Request, read: Callable[[], dict[str, object]], once: bool = False) -> AsyncIterator[str]:
    """Send each of ``read()``'s named values as an event when it first arrives and whenever it
    changes (``read`` runs in the thread pool with its own short-lived session)."""
    sent: dict[str, object] = {}
    started = last_beat = time.monotonic()
    yield "retry: 3000\n\n"
    while True:
        for name, value in (await run_in_threadpool(read)).items():
            if sent.get(name, object()) != value:
                sent[name] = value
                yield sse(name, value)
        now = time.monotonic()
        if once or now - started > STREAM_SECONDS or await request.is_disconnected():
            return
        if now - last_beat > HEARTBEAT_SECONDS:
            last_beat = now
            yield ": still here\n\n"
        await asyncio.sleep(POLL_SECONDS)


def stream_response(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def room_reader(request: Request, workshop_id: int) -> Callable[[], dict[str, object]]:
    """The room's state for hosts' and participants' pages (nothing personal, no tokens)."""

    def read() -> dict[str, object]:
        with request.app.state.sessions() as db:
            return {"room": round_state(db, workshop_id)}

    return read


def lan_addresses() -> list[str]:
    """The machine's IPv4 addresses on its networks (not loopback): what phones in the room
    type when ``lpip serve --host 0.0.0.0`` listens on every network. Sends no packet."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: connecting a UDP socket only picks a route
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    return sorted({a for a in found if not a.startswith("127.") and a != "0.0.0.0"})
