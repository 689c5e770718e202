"""Facilitators' pages: workshops, rounds, host links, attendees, moderation, the live dashboard.

Every page here is for signed-in facilitators only (the ``Facilitator`` dependency answers 403
to anyone else); attendee names and organisations are shown on no other page.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lpip.errors import InvalidContribution, LpipError, UnknownWorkshop
from lpip.geography.areas import list_areas
from lpip.web.deps import DbSession, Facilitator, client_key, require_facilitator
from lpip.web.security import check_csrf
from lpip.web.templating import render
from lpip.workshops.attendees import list_attendees
from lpip.workshops.capture import add_priority, live_counts, moderate
from lpip.workshops.exports import list_workshops
from lpip.workshops.models import Contribution, Dot, HostLink, UserAccount, Vote, Workshop
from lpip.workshops.workshops import (
    RoundSpec, close_round, create_workshop, declare_notes_consent, get_workshop, open_round, rounds_of, set_voting,
    set_workshop_status,
)

router = APIRouter(include_in_schema=False)


# The event stream polls the database (not an in-process queue) so that it sees writes made
# by every worker; it ends after a while and the browser's EventSource reconnects by itself.
POLL_SECONDS = 1.0
STREAM_SECONDS = 300.0
# A client that went away is noticed at the next write, so write something now and then.
HEARTBEAT_SECONDS = 10.0
# Rows committed out of id order (concurrent writers on PostgreSQL) are caught by looking back
# this many ids; the ids already sent are skipped, and the page ignores repeats too.
LOOKBACK_IDS = 200
FEED_LENGTH = 50




# ---- reading what the pages show -------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows for a template, with pandas' missing values (NaN, NaT, NA) as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _host_links(db: Session, workshop_id: int) -> list[HostLink]:
    return list(db.scalars(select(HostLink).where(HostLink.workshop_id == workshop_id).order_by(HostLink.table_number)))


def _statements(db: Session, workshop_id: int) -> list[dict]:
    """Every statement with its vote tallies, for moderation."""
    tally = (
        select(
            Vote.contribution_id,
            func.sum(case((Vote.value == 1, 1), else_=0)).label("agree"),
            func.sum(case((Vote.value == -1, 1), else_=0)).label("disagree"),
            func.sum(case((Vote.value == 0, 1), else_=0)).label("pass_"),
        ).group_by(Vote.contribution_id).subquery()
    )
    rows = db.execute(
        select(Contribution, tally.c.agree, tally.c.disagree, tally.c.pass_)
        .outerjoin(tally, tally.c.contribution_id == Contribution.id)
        .where(Contribution.workshop_id == workshop_id, Contribution.kind == "statement")
        .order_by(Contribution.id)
    ).all()
    return [dict(item=c, agree=a or 0, disagree=d or 0, passed=p or 0) for c, a, d, p in rows]


def _priorities(db: Session, workshop_id: int) -> list[dict]:
    """Harvest priorities with the dots spent on each, most dots first."""
    dots = func.coalesce(func.sum(Dot.dots), 0)
    rows = db.execute(
        select(Contribution, dots.label("dots"))
        .outerjoin(Dot, Dot.contribution_id == Contribution.id)
        .where(Contribution.workshop_id == workshop_id, Contribution.kind == "priority")
        .group_by(Contribution.id).order_by(dots.desc(), Contribution.id)
    ).all()
    return [dict(item=c, dots=int(n)) for c, n in rows]


def _visible(workshop_id: int):
    return select(Contribution).where(
        Contribution.workshop_id == workshop_id, Contribution.kind.in_(("note", "statement")),
        Contribution.status == "visible",
    )


def _feed(db: Session, workshop_id: int, limit: int = FEED_LENGTH) -> list[Contribution]:
    """The latest visible notes and statements, newest first."""
    return list(db.scalars(_visible(workshop_id).order_by(Contribution.id.desc()).limit(limit)))


def _feed_after(db: Session, workshop_id: int, after: int, limit: int = 500) -> list[Contribution]:
    """Visible notes and statements with ids above ``after``, oldest first."""
    return list(db.scalars(_visible(workshop_id).where(Contribution.id > after).order_by(Contribution.id).limit(limit)))


def _count_grid(db: Session, workshop: Workshop, rounds: list) -> dict:
    """Visible notes per (table, round), zero where a table has none yet."""
    grid = {(t, r.number): 0 for t in range(1, workshop.tables + 1) for r in rounds}
    for row in live_counts(db, workshop.id):
        grid[(row["table"], row["round"])] = row["notes"]
    return grid


def _workshop_context(db: Session, workshop_id: int) -> dict:
    workshop = get_workshop(db, workshop_id)
    rounds = rounds_of(db, workshop.id)
    return dict(workshop=workshop, rounds=rounds, open_round=next((r for r in rounds if r.status == "open"), None))


# ---- parsing forms -----------------------------------------------------------------------


def _parse_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidContribution(
            f"The date {value!r} is not a date: use the form YYYY-MM-DD, e.g. 2025-03-14."
        ) from None


def _round_specs(questions: list[str], minutes: list[str]) -> list[RoundSpec]:
    """Rounds from the form's question and minutes boxes; empty question boxes are skipped."""
    specs = []
    for number, question in enumerate(questions, start=1):
        if not question.strip():
            continue
        given = minutes[number - 1].strip() if number <= len(minutes) else ""
        if given and not (given.isdigit() and 5 <= int(given) <= 120):
            raise InvalidContribution(f"Round {number}: minutes must be a whole number from 5 to 120, not {given!r}.")
        specs.append(RoundSpec(question=question, minutes=int(given) if given else 25))
    return specs


def _back(db: Session, workshop_id: int, back: str) -> RedirectResponse:
    """Commit, then back to the page the form was on (only the workshop page or its dashboard).

    The commit comes here, not in the session dependency's teardown: FastAPI runs that after
    the response has gone, and the browser's next page must already see the change.
    """
    db.commit()
    suffix = "/dashboard" if back == "dashboard" else ""
    return RedirectResponse(f"/workshops/{workshop_id}{suffix}", status_code=303)


def _check_submission(request: Request, user: UserAccount, csrf_token: str) -> None:
    check_csrf(request, csrf_token)
    request.app.state.rate_limiter.check(client_key(request, f"user-{user.id}"))


# ---- pages -------------------------------------------------------------------------------


@router.get("/workshops")
def workshop_list(request: Request, db: DbSession, user: Facilitator):
    """The facilitator's workshops and a form to create one."""
    return _list_page(request, db)


def _list_page(request: Request, db: Session, error: LpipError | None = None, form: dict | None = None):
    context = dict(
        workshops=_records(list_workshops(db)), subregions=_records(list_areas(db, level="subregion")),
        error=error, form=form or {},
    )
    return render(request, "workshops/list.html", context, status_code=422 if error else 200)


@router.post("/workshops")
def workshop_create(
    request: Request, db: DbSession, user: Facilitator,
    title: Annotated[str, Form()] = "",
    question: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    minutes: Annotated[list[str], Form()] = [],  # noqa: B006
    tables: Annotated[str, Form()] = "6",
    dots: Annotated[str, Form()] = "5",
    subregion_code: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    venue: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
):
    """Create a workshop, then show its page."""
    _check_submission(request, user, csrf_token)
    form = dict(title=title, question=question, minutes=minutes, tables=tables, dots=dots,
                subregion_code=subregion_code, on=on, venue=venue)
    try:
        workshop = create_workshop(
            db, title, _round_specs(question, minutes), tables=_whole(tables, "tables", 1, 50),
            subregion_code=subregion_code or None, on=_parse_date(on), venue=venue.strip() or None,
            dots_per_participant=_whole(dots, "dots per participant", 1, 20), created_by=user.id,
        )
    except LpipError as exc:
        db.rollback()
        return _list_page(request, db, exc, form)
    db.commit()
    return RedirectResponse(f"/workshops/{workshop.id}", status_code=303)


def _whole(value: str, what: str, low: int, high: int) -> int:
    value = value.strip()
    if not (value.isdigit() and low <= int(value) <= high):
        raise InvalidContribution(f"The number of {what} must be a whole number from {low} to {high}, not {value!r}.")
    return int(value)


@router.get("/workshops/{workshop_id}")
def workshop_page(request: Request, db: DbSession, user: Facilitator, workshop_id: int):
    """One workshop: join code, host links, rounds, voting, statements and harvest."""
    context = _workshop_context(db, workshop_id)
    context.update(
        host_links=_host_links(db, workshop_id), statements=_statements(db, workshop_id),
        priorities=_priorities(db, workshop_id), base_url=str(request.base_url).rstrip("/"),
    )
    return render(request, "workshops/workshop.html", context)


@router.get("/workshops/{workshop_id}/attendees")
def attendee_list(request: Request, db: DbSession, user: Facilitator, workshop_id: int):
    """Registered attendees (names and organisations: facilitators only)."""
    context = _workshop_context(db, workshop_id)
    context["attendees"] = _records(list_attendees(db, workshop_id))
    return render(request, "workshops/attendees.html", context)


@router.get("/workshops/{workshop_id}/dashboard")
def dashboard(request: Request, db: DbSession, user: Facilitator, workshop_id: int):
    """Live counts per table and round, and the notes as they arrive."""
    context = _workshop_context(db, workshop_id)
    feed = _feed(db, workshop_id)
    context.update(
        grid=_count_grid(db, context["workshop"], context["rounds"]), feed=feed,
        last_id=max((c.id for c in feed), default=0), statements=_statements(db, workshop_id),
    )
    return render(request, "workshops/dashboard.html", context)


# ---- actions -----------------------------------------------------------------------------


@router.post("/workshops/{workshop_id}/status")
def workshop_status(
    request: Request, db: DbSession, user: Facilitator, workshop_id: int,
    status: Annotated[str, Form()], back: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    """Open or close the workshop (closing expires the join code)."""
    _check_submission(request, user, csrf_token)
    set_workshop_status(db, workshop_id, status)
    return _back(db, workshop_id, back)


@router.post("/workshops/{workshop_id}/rounds/{number}")
def round_action(
    request: Request, db: DbSession, user: Facilitator, workshop_id: int, number: int,
    action: Annotated[str, Form()], back: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    """Open or close a round."""
    _check_submission(request, user, csrf_token)
    if action not in ("open", "close"):
        raise InvalidContribution(f"A round can be opened or closed, not {action!r}.")
    (open_round if action == "open" else close_round)(db, workshop_id, number)
    return _back(db, workshop_id, back)


@router.post("/workshops/{workshop_id}/voting")
def voting_action(
    request: Request, db: DbSession, user: Facilitator, workshop_id: int,
    what: Annotated[str, Form()], action: Annotated[str, Form()],
    back: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    """Open or close statement voting or the harvest's dot vote."""
    _check_submission(request, user, csrf_token)
    if what not in ("voting", "harvest") or action not in ("open", "close"):
        raise InvalidContribution("Choose voting or harvest, and open or close.")
    flag = action == "open"
    set_voting(db, workshop_id, **({"voting_open": flag} if what == "voting" else {"harvest_open": flag}))
    return _back(db, workshop_id, back)


@router.post("/workshops/{workshop_id}/contributions/{contribution_id}/status")
def moderate_contribution(
    request: Request, db: DbSession, user: Facilitator, workshop_id: int, contribution_id: int,
    status: Annotated[str, Form()], back: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    """Hide a statement or note from participants, or show it again."""
    _check_submission(request, user, csrf_token)
    contribution = db.get(Contribution, contribution_id)
    if contribution is None or contribution.workshop_id != workshop_id:
        raise UnknownWorkshop(f"Workshop {workshop_id} has no contribution {contribution_id}.")
    moderate(db, contribution_id, status)
    return _back(db, workshop_id, back)


@router.post("/workshops/{workshop_id}/priorities")
def priority_add(
    request: Request, db: DbSession, user: Facilitator, workshop_id: int,
    text: Annotated[str, Form()] = "", client_id: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    """Add a priority for the harvest's dot vote."""
    _check_submission(request, user, csrf_token)
    get_workshop(db, workshop_id)
    add_priority(db, workshop_id, text, client_id or None)
    return _back(db, workshop_id, back)


@router.post("/workshops/{workshop_id}/notes-consent")
def notes_consent(
    request: Request, db: DbSession, user: Facilitator, workshop_id: int,
    consent: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
):
    """Declare (or withdraw) that the workshop's notes were collected under consent to archiving."""
    _check_submission(request, user, csrf_token)
    if consent not in ("yes", "no"):
        raise InvalidContribution("Choose yes or no for the notes' consent.")
    if consent == "yes" and confirm != "on":
        raise InvalidContribution("Tick the box to confirm that the notes were collected under consent to archiving.")
    declare_notes_consent(db, workshop_id, consent == "yes", by=f"{user.name} <{user.email}>")
    return _back(db, workshop_id, "")


# ---- the live event stream ---------------------------------------------------------------


def _authorise(request: Request, workshop_id: int) -> None:
    """Check the facilitator with a short-lived session: the stream must not hold one open."""
    with request.app.state.sessions() as db:
        require_facilitator(request, db)
        get_workshop(db, workshop_id)


def _contribution_event(c: Contribution) -> dict:
    return dict(id=c.id, kind=c.kind, round=c.round_number, table=c.table_number, text=c.text, sector=c.sector)


def _poll(request: Request, workshop_id: int, after: int) -> tuple[list[dict], list[dict]]:
    with request.app.state.sessions() as db:
        rows = _feed_after(db, workshop_id, max(after - LOOKBACK_IDS, 0))
        return [_contribution_event(c) for c in rows], live_counts(db, workshop_id)


def _sse(event: str, data, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n"


async def _event_stream(request: Request, workshop_id: int, after: int, once: bool):
    known: set[int] | None = None
    counts = None
    started = last_beat = time.monotonic()
    yield "retry: 3000\n\n"
    while True:
        rows, new_counts = await run_in_threadpool(_poll, request, workshop_id, after)
        if known is None:  # the page (or the last connection) already has everything up to `after`
            known = {row["id"] for row in rows if row["id"] <= after}
        for row in rows:
            if row["id"] not in known:
                known.add(row["id"])
                yield _sse("contribution", row, row["id"])
        after = max(known, default=after)
        if new_counts != counts:
            counts = new_counts
            yield _sse("counts", counts)
        now = time.monotonic()
        if once or now - started > STREAM_SECONDS:
            return
        if now - last_beat > HEARTBEAT_SECONDS:
            last_beat = now
            yield ": still here\n\n"
        await asyncio.sleep(POLL_SECONDS)


@router.get("/workshops/{workshop_id}/events")
async def workshop_events(
    request: Request, workshop_id: int, after: int = 0, once: bool = False,
    last_event_id: Annotated[str | None, Header()] = None,
):
    """Server-sent events: each new note or statement, and the counts when they change.

    ``once=true`` sends what is new and ends (for clients that poll instead of streaming).
    """
    await run_in_threadpool(_authorise, request, workshop_id)
    if last_event_id and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    return StreamingResponse(
        _event_stream(request, workshop_id, after, once), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
