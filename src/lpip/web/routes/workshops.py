"""Facilitators' pages: workshops, rounds, host links, attendees, members, moderation, deletion,
the live dashboard.

Every page here is for signed-in facilitators, and each workshop's pages for its owner, its
members and admins only: anybody else gets 403 (not signed in as a facilitator) or 404 (not
their workshop). Attendee names and organisations are shown on no other page.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lpip.errors import InvalidContribution, LpipError, UnknownWorkshop
from lpip.geography.areas import list_areas
from lpip.text import MAX_ID
from lpip.web import i18n
from lpip.web.deps import DbSession, Facilitator, IdPath, Route, client_key, facilitator_workshop, require_facilitator, write
from lpip.web.security import check_csrf
from lpip.web.templating import render, templates
from lpip.workshops.access import add_member, may_manage, members_of, owner_of, remove_member, visible_workshop_ids
from lpip.workshops.attendees import list_attendees
from lpip.workshops.audit import record_event
from lpip.web.live import lan_addresses, room_reader, state_stream, stream_response
from lpip.workshops.capture import add_priority, joined_counts, live_counts, moderate, set_walkin, walkin_on
from lpip.workshops.exports import list_workshops
from lpip.workshops.limits import DOTS, MINUTES, TABLES
from lpip.workshops.models import Contribution, HostLink, UserAccount, Workshop
from lpip.workshops.tallies import priority_dots, statement_tallies
from lpip.workshops.workshops import (
    RoundSpec, close_round, create_workshop, declare_notes_consent, delete_workshop, open_round, rotate_host_links,
    round_state, rounds_of, set_voting, set_workshop_status,
)

router = APIRouter(include_in_schema=False, route_class=Route)


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
Csrf = Annotated[str, Form()]


# ---- reading what the pages show -------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows for a template, with pandas' missing values (NaN, NaT, NA) as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _host_links(db: Session, workshop_id: int) -> list[HostLink]:
    return list(db.scalars(select(HostLink).where(HostLink.workshop_id == workshop_id).order_by(HostLink.table_number)))


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


def _workshop_context(db: Session, user: UserAccount, workshop_id: int) -> dict:
    """The workshop (404 unless the user may run it), its rounds and which is open."""
    workshop = facilitator_workshop(db, user, workshop_id)
    rounds = rounds_of(db, workshop.id)
    return dict(workshop=workshop, rounds=rounds, open_round=next((r for r in rounds if r.status == "open"), None),
                may_manage=may_manage(user, workshop))


# ---- parsing forms -----------------------------------------------------------------------


def _parse_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidContribution(
            f"The date {value[:40]!r} is not a date: use the form YYYY-MM-DD, e.g. 2025-03-14."
        ) from None


def _round_specs(questions: list[str], minutes: list[str]) -> list[RoundSpec]:
    """Rounds from the form's question and minutes boxes; empty question boxes are skipped."""
    specs = []
    low, high = MINUTES
    for number, question in enumerate(questions, start=1):
        if not question.strip():
            continue
        given = minutes[number - 1].strip() if number <= len(minutes) else ""
        if given and not (given.isascii() and given.isdigit() and len(given) < 4 and low <= int(given) <= high):
            raise InvalidContribution(f"Round {number}: minutes must be a whole number from {low} to {high}, not {given[:20]!r}.")
        specs.append(RoundSpec(question=question, minutes=int(given) if given else 25))
    return specs


def _whole(value: str, what: str, low: int, high: int) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) < 6 and low <= int(value) <= high):
        raise InvalidContribution(f"The number of {what} must be a whole number from {low} to {high}, not {value[:20]!r}.")
    return int(value)


def _back(workshop_id: int, back: str) -> RedirectResponse:
    """Back to the page the form was on (only the workshop page or its dashboard)."""
    suffix = "/dashboard" if back == "dashboard" else ""
    return RedirectResponse(f"/workshops/{workshop_id}{suffix}", status_code=303)


def _check_submission(request: Request, user: UserAccount, csrf_token: str) -> None:
    check_csrf(request, csrf_token)
    request.app.state.rate_limiter.check(client_key(request, f"user-{user.id}"))


# ---- pages -------------------------------------------------------------------------------


@router.get("/workshops")
def workshop_list(request: Request, db: DbSession, user: Facilitator):
    """Your workshops (every workshop for admins) and a form to create one."""
    return _list_page(request, db, user)


def _list_page(request: Request, db: Session, user: UserAccount, error: LpipError | None = None, form: dict | None = None):
    frame = list_workshops(db)
    frame = frame[frame["id"].isin(visible_workshop_ids(db, user))]
    context = dict(
        workshops=_records(frame), subregions=_records(list_areas(db, level="subregion")),
        error=error, form=form or {}, minutes=MINUTES, tables=TABLES, dots=DOTS,
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
    csrf_token: Csrf = "",
):
    """Create a workshop (you are its owner), then show its page."""
    _check_submission(request, user, csrf_token)
    form = dict(title=title[:1000], question=[q[:2000] for q in question[:20]], minutes=minutes[:20], tables=tables[:10],
                dots=dots[:10], subregion_code=subregion_code[:64], on=on[:20], venue=venue[:1000])
    try:
        workshop = write(db, lambda: create_workshop(
            db, title, _round_specs(question, minutes), tables=_whole(tables, "tables", *TABLES),
            subregion_code=subregion_code.strip() or None, on=_parse_date(on), venue=venue,
            dots_per_participant=_whole(dots, "dots per participant", *DOTS), created_by=user.id,
        ))
    except LpipError as exc:
        return _list_page(request, db, user, exc, form)
    return RedirectResponse(f"/workshops/{workshop.id}", status_code=303)


@router.get("/workshops/{workshop_id}")
def workshop_page(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """One workshop: join code, host links, rounds, voting, statements, harvest and who runs it."""
    context = _workshop_context(db, user, workshop_id)
    context.update(
        host_links=_host_links(db, workshop_id),
        statements=_records(statement_tallies(db, [workshop_id], visible_only=False)),
        priorities=_records(priority_dots(db, [workshop_id], visible_only=False)),
        base_url=str(request.base_url).rstrip("/"), owner=owner_of(db, context["workshop"]),
        members=members_of(db, workshop_id), joined=joined_counts(db, workshop_id), phone_urls=_phone_urls(),
        confirm_close=request.query_params.get("confirm") == "close",
    )
    return render(request, "workshops/workshop.html", context)


def _phone_urls() -> list[str]:
    """The addresses phones in the room can open, when ``lpip serve --host 0.0.0.0`` listens on
    every network (the page's own address may be 127.0.0.1, which no phone can reach)."""
    host, _, port = os.environ.get("LPIP_SERVE_ADDRESS", "").rpartition(":")
    if host not in ("0.0.0.0", "::", "[::]") or not port.isdigit():
        return []
    return [f"http://{address}:{port}" for address in lan_addresses()]


@router.get("/workshops/{workshop_id}/attendees")
def attendee_list(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """Registered attendees (names and organisations: the workshop's facilitators only)."""
    context = _workshop_context(db, user, workshop_id)
    context["attendees"] = _records(list_attendees(db, workshop_id))
    return render(request, "workshops/attendees.html", context)


@router.get("/workshops/{workshop_id}/dashboard")
def dashboard(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """Live counts per table and round, and the notes as they arrive."""
    context = _workshop_context(db, user, workshop_id)
    feed = _feed(db, workshop_id)
    hidden = request.query_params.get("hidden", "")
    undo = db.get(Contribution, int(hidden)) if hidden.isascii() and hidden.isdigit() and len(hidden) < 10 else None
    context.update(
        grid=_count_grid(db, context["workshop"], context["rounds"]), feed=feed,
        last_id=max((c.id for c in feed), default=0), joined=joined_counts(db, workshop_id),
        tallies=_records(statement_tallies(db, [workshop_id])), dots=_records(priority_dots(db, [workshop_id])),
        undo=undo if undo is not None and undo.workshop_id == workshop_id and undo.status == "hidden" else None,
    )
    return render(request, "workshops/dashboard.html", context)


@router.get("/workshops/{workshop_id}/projector")
def projector(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """For the screen the room sees: the join code big with its QR code, the round's question
    and timer. No host links, tokens or names."""
    from lpip.reports.cards import join_link, qr_data_uri

    context = _workshop_context(db, user, workshop_id)
    base = (_phone_urls() or [str(request.base_url).rstrip("/")])[0]
    walkin = walkin_on(db, context["workshop"])
    # With walk-ins off, the big QR code opens the join page for a personal code, not the walk-in code.
    join_url = join_link(base, context["workshop"].join_code) if walkin else f"{base.rstrip('/')}/join"
    context.update(join_url=join_url, walkin=walkin, state=round_state(db, workshop_id),
                   map_seconds=-(-request.app.state.room_map_seconds // 2))  # twice as often as the phones
    context["qr"] = qr_data_uri(context["join_url"])
    return render(request, "workshops/projector.html", context)


@router.get("/workshops/{workshop_id}/room-map")
def projector_room_map(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """The room map for the projector (an htmx fragment): opinion groups, where they sit and what
    everyone agrees on; no names, no participant ids, no "You". In the request's language, as on
    the phones: the room reads it from the wall."""
    from lpip.deliberation.room import MIN_GROUP_SHOWN
    from lpip.reports.room_picture import room_picture

    facilitator_workshop(db, user, workshop_id)
    room = request.app.state.room_maps.get(db, workshop_id)
    name = "capture/_room_map.html"
    context = dict(request=request, room=room, own_votes=None, need=0, mine=None, picture=room_picture(room),
                   min_shown=MIN_GROUP_SHOWN, **i18n.page_context(i18n.page_locale(request, name)))
    html = templates.get_template(name).render(context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/workshops/{workshop_id}/delete")
def delete_page(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """Ask for the workshop's title before deleting it and everything in it."""
    workshop = facilitator_workshop(db, user, workshop_id, manage=True)
    return render(request, "workshops/delete.html", dict(workshop=workshop, counts=_contents(db, workshop_id)))


def _contents(db: Session, workshop_id: int) -> dict:
    from lpip.workshops.exports import describe_workshop

    return describe_workshop(db, workshop_id)["counts"]


# ---- actions -----------------------------------------------------------------------------


@router.post("/workshops/{workshop_id}/status")
def workshop_status(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    status: Annotated[str, Form()], back: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "",
    csrf_token: Csrf = "",
):
    """Open or close the workshop. Closing expires the join codes and ends every participant's
    session, so it takes a second step: without ``confirm=close`` the page asks first."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    if status == "closed" and confirm != "close":
        return RedirectResponse(f"/workshops/{workshop_id}?confirm=close#join-heading", status_code=303)
    write(db, lambda: set_workshop_status(db, workshop_id, status))
    return _back(workshop_id, back)


@router.post("/workshops/{workshop_id}/walkin")
def walkin_action(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    walkin: Annotated[str, Form()] = "", cap: Annotated[str, Form()] = "", expected: Annotated[str, Form()] = "",
    csrf_token: Csrf = "",
):
    """Switch the walk-in code on or off, and set how many people it admits (blank: expected + 20 %)."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    if walkin not in ("on", "off"):
        raise InvalidContribution("Switch the walk-in code on or off.")
    cap_number = _whole(cap, "people the walk-in code admits", 1, 99_999) if cap.strip() else None
    expected_number = _whole(expected, "people expected", 1, 99_999) if expected.strip() else None
    write(db, lambda: set_walkin(db, workshop_id, walkin == "on", cap=cap_number, expected=expected_number))
    return RedirectResponse(f"/workshops/{workshop_id}#join-heading", status_code=303)


@router.post("/workshops/{workshop_id}/rounds/{number}")
def round_action(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath, number: IdPath,
    action: Annotated[str, Form()], back: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Open or close a round."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    if action not in ("open", "close"):
        raise InvalidContribution(f"A round can be opened or closed, not {action[:20]!r}.")
    write(db, lambda: (open_round if action == "open" else close_round)(db, workshop_id, number))
    return _back(workshop_id, back)


@router.post("/workshops/{workshop_id}/voting")
def voting_action(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    what: Annotated[str, Form()], action: Annotated[str, Form()],
    back: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Open or close statement voting or the harvest's dot vote."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    if what not in ("voting", "harvest") or action not in ("open", "close"):
        raise InvalidContribution("Choose voting or harvest, and open or close.")
    flag = action == "open"
    write(db, lambda: set_voting(db, workshop_id, **({"voting_open": flag} if what == "voting" else {"harvest_open": flag})))
    return _back(workshop_id, back)


@router.post("/workshops/{workshop_id}/contributions/{contribution_id}/status")
def moderate_contribution(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath, contribution_id: IdPath,
    status: Annotated[str, Form()], back: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Hide a statement or note from participants, or show it again."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    contribution = db.get(Contribution, contribution_id)
    if contribution is None or contribution.workshop_id != workshop_id:
        raise UnknownWorkshop(f"Workshop {workshop_id} has no contribution {contribution_id}.")
    write(db, lambda: moderate(db, contribution_id, status))
    if status == "hidden" and back == "dashboard":  # the dashboard offers to undo it
        return RedirectResponse(f"/workshops/{workshop_id}/dashboard?hidden={contribution_id}#undo", status_code=303)
    return _back(workshop_id, back)


@router.post("/workshops/{workshop_id}/priorities")
def priority_add(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    text: Annotated[str, Form()] = "", client_id: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Add a priority for the harvest's dot vote."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    write(db, lambda: add_priority(db, workshop_id, text, client_id or None))
    return _back(workshop_id, back)


@router.post("/workshops/{workshop_id}/links")
def links_rotate(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    table: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """A new host link for one table (or every table): the old link stops working at once."""
    _check_submission(request, user, csrf_token)
    workshop = facilitator_workshop(db, user, workshop_id)
    tables = [_whole(table, "the table", 1, workshop.tables)] if table.strip() else None

    def rotate() -> None:
        links = rotate_host_links(db, workshop_id, tables)
        record_event(db, user, "host links replaced", workshop_id, tables=[link.table_number for link in links])

    write(db, rotate)
    return RedirectResponse(f"/workshops/{workshop_id}#hosts-heading", status_code=303)


@router.post("/workshops/{workshop_id}/members")
def member_add(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    email: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Let another facilitator run this workshop (its owner or an admin only)."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id, manage=True)
    write(db, lambda: add_member(db, workshop_id, email[:300], user))
    return RedirectResponse(f"/workshops/{workshop_id}#members-heading", status_code=303)


@router.post("/workshops/{workshop_id}/members/{member_id}/remove")
def member_remove(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath, member_id: IdPath, csrf_token: Csrf = "",
):
    """Stop a facilitator running this workshop (its owner or an admin only)."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id, manage=True)
    write(db, lambda: remove_member(db, workshop_id, member_id, user))
    return RedirectResponse(f"/workshops/{workshop_id}#members-heading", status_code=303)


@router.post("/workshops/{workshop_id}/delete")
def workshop_delete(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    confirm_title: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Delete the workshop and everything in it, once its title has been typed to confirm."""
    _check_submission(request, user, csrf_token)
    workshop = facilitator_workshop(db, user, workshop_id, manage=True)
    title = workshop.title

    def remove() -> None:
        counts = delete_workshop(db, workshop_id, confirm_title[:1000])
        record_event(db, user, "workshop deleted", workshop_id, title=title, **counts)

    try:
        write(db, remove)
    except LpipError as exc:
        context = dict(workshop=facilitator_workshop(db, user, workshop_id, manage=True),
                       counts=_contents(db, workshop_id), error=exc.message)
        return render(request, "workshops/delete.html", context, status_code=422)
    return RedirectResponse("/workshops?deleted=1", status_code=303)


@router.post("/workshops/{workshop_id}/notes-consent")
def notes_consent(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    consent: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "", csrf_token: Csrf = "",
):
    """Declare (or withdraw) that the workshop's notes were collected under consent to archiving."""
    _check_submission(request, user, csrf_token)
    if consent not in ("yes", "no"):
        raise InvalidContribution("Choose yes or no for the notes' consent.")
    if consent == "yes" and confirm != "on":
        raise InvalidContribution("Tick the box to confirm that the notes were collected under consent to archiving.")
    facilitator_workshop(db, user, workshop_id)
    write(db, lambda: declare_notes_consent(db, workshop_id, consent == "yes", by=f"{user.name} <{user.email}>"))
    return _back(workshop_id, "")


# ---- the live event stream ---------------------------------------------------------------


def _authorise(request: Request, workshop_id: int) -> None:
    """Check the facilitator with a short-lived session: the stream must not hold one open."""
    with request.app.state.sessions() as db:
        user = require_facilitator(request, db)
        facilitator_workshop(db, user, workshop_id)


def _contribution_event(c: Contribution) -> dict:
    return dict(id=c.id, kind=c.kind, round=c.round_number, table=c.table_number, text=c.text, sector=c.sector)


def _poll(request: Request, workshop_id: int, after: int) -> tuple[list[dict], dict]:
    with request.app.state.sessions() as db:
        rows = _feed_after(db, workshop_id, max(after - LOOKBACK_IDS, 0))
        return [_contribution_event(c) for c in rows], _room_now(db, workshop_id)


def _room_now(db: Session, workshop_id: int) -> dict:
    """The dashboard's live values besides the feed: notes per table and round, the room's
    state, who has joined, votes on statements and dots on priorities (from workshops.tallies)."""
    joined = joined_counts(db, workshop_id)
    joined.pop("recent")
    tallies = statement_tallies(db, [workshop_id])[["contribution_id", "text", "agree", "disagree", "pass", "votes"]]
    dots = priority_dots(db, [workshop_id])[["contribution_id", "dots", "people"]]
    return dict(counts=live_counts(db, workshop_id), room=round_state(db, workshop_id), joined=joined,
                tallies=_records(tallies), dots=_records(dots))


def _sse(event: str, data, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n"


async def _event_stream(request: Request, workshop_id: int, after: int, once: bool):
    known: set[int] | None = None
    sent: dict[str, object] = {}
    started = last_beat = time.monotonic()
    yield "retry: 3000\n\n"
    while True:
        rows, values = await run_in_threadpool(_poll, request, workshop_id, after)
        if known is None:  # the page (or the last connection) already has everything up to `after`
            known = {row["id"] for row in rows if row["id"] <= after}
        for row in rows:
            if row["id"] not in known:
                known.add(row["id"])
                yield _sse("contribution", row, row["id"])
        after = max(known, default=after)
        for name, value in values.items():
            if sent.get(name, object()) != value:
                sent[name] = value
                yield _sse(name, value)
        now = time.monotonic()
        if once or now - started > STREAM_SECONDS:
            return
        if now - last_beat > HEARTBEAT_SECONDS:
            last_beat = now
            yield ": still here\n\n"
        await asyncio.sleep(POLL_SECONDS)


@router.get("/workshops/{workshop_id}/events")
async def workshop_events(
    request: Request, workshop_id: IdPath, after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0, once: bool = False,
    last_event_id: Annotated[str | None, Header()] = None,
):
    """Server-sent events: each new note or statement; and, when they change, the counts per
    table and round, the room's state (open round), who has joined, the vote tallies and dots.

    ``once=true`` sends what is new and ends (for clients that poll instead of streaming).
    """
    await run_in_threadpool(_authorise, request, workshop_id)
    if last_event_id and last_event_id.isascii() and last_event_id.isdigit() and len(last_event_id) <= 10:
        after = min(max(after, int(last_event_id)), MAX_ID)
    return StreamingResponse(
        _event_stream(request, workshop_id, after, once), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/workshops/{workshop_id}/room")
async def workshop_room(request: Request, workshop_id: IdPath, once: bool = False):
    """Server-sent events for the projector: the room's state when it changes (no tokens, no names)."""
    await run_in_threadpool(_authorise, request, workshop_id)
    return stream_response(state_stream(request, room_reader(request, workshop_id), once))
