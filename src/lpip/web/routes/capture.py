"""Live capture pages: the table host's page (``/t/{token}``) and the participant's (``/p``).

Forms work without JavaScript (POST, then redirect back). With JavaScript, ``capture.js`` posts
the same endpoints as JSON (``Accept: application/json``) and queues notes while offline; every
submission carries a client-made id, and a repeated id answers 200 with the note already stored.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lpip.deliberation.room import MIN_GROUP_SHOWN, MIN_OWN_VOTES
from lpip.errors import N_, InvalidContribution, LpipError, UnknownWorkshop
from lpip.reports.room_picture import room_picture
from lpip.web import i18n
from lpip.web.deps import DbSession, IdPath, Route, client_address, client_key, release, write
from lpip.web.errors import retry_headers, status_for, wants_json
from lpip.web.live import room_reader, state_stream, stream_response
from lpip.web.security import check_csrf, csrf_token
from lpip.web.templating import polled_fragment, render, templates
from lpip.workshops.capture import (
    CONSENT_WORDING, add_note, add_statement, cast_vote, edit_note, join_workshop, participant_by_token, personal_attendee, spend_dots,
    table_notes, withdraw_note,
)
from lpip.workshops.limits import check_item_id
from lpip.workshops.models import (
    SECTORS, VOTE_VALUES, Attendee, Contribution, Dot, HostLink, Participant, TableSeat, Vote,
)
from lpip.workshops.workshops import current_round, get_workshop, host_link_by_token, normalise_code, plausible_token

router = APIRouter(include_in_schema=False, route_class=Route)
# A form or JSON body bigger than this is not a note: refuse it before reading it all.
MAX_FIELDS = 100

PARTICIPANT_COOKIE = "lpip_participant"
PARTICIPANT_COOKIE_SECONDS = 24 * 3600
VOTE_NAMES = {value: name for name, value in VOTE_VALUES.items()}


# ---- request parsing ---------------------------------------------------------------------


async def submitted(request: Request) -> dict[str, str]:
    """The submitted fields, from a JSON object or a form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            raise InvalidContribution(
                N_("The request body is not valid JSON: send an object such as {\"text\": \"...\"}.")
            ) from None
        if not isinstance(data, dict):
            raise InvalidContribution(N_("The request body must be a JSON object such as {\"text\": \"...\"}."))
        fields = {str(k): str(v) for k, v in data.items() if isinstance(v, str | int | float) and not isinstance(v, bool)}
    else:
        form = await request.form(max_fields=MAX_FIELDS, max_files=0)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if len(fields) > MAX_FIELDS:
        raise InvalidContribution(N_("The request has %(count)s fields; a form here has at most %(most)s."),
                                  count=len(fields), most=MAX_FIELDS)
    return fields


Submitted = Annotated[dict[str, str], Depends(submitted)]


def _check_submission(request: Request, data: dict[str, str], key: str | None) -> None:
    """CSRF first (a forged request stores nothing), then the client's rate limit."""
    check_csrf(request, data.get("csrf_token"))
    request.app.state.rate_limiter.check(client_key(request, key))


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _served_over_https(request: Request) -> bool:
    """Whether cookies should be Secure: the request came over https, or the app was built
    with ``https=True`` (its session middleware then sets ``https_only``)."""
    if request.url.scheme == "https":
        return True
    return any(m.kwargs.get("https_only") for m in request.app.user_middleware)


def _fragment(request: Request, name: str, context: dict) -> str:
    context = dict(context, request=request, csrf_token=csrf_token(request))
    context.update(i18n.page_context(i18n.page_locale(request, name)))
    return templates.get_template(name).render(context)


def _saved(request: Request, kind: str, item: Contribution, created: bool, html: str, back: str):
    """Answer a stored note or statement: JSON (201 new, 200 already stored), or redirect."""
    if wants_json(request):
        body = {"ok": True, "created": created, kind: _contribution_json(item), "html": html}
        return JSONResponse(body, status_code=201 if created else 200)
    return RedirectResponse(back, status_code=303)


def _contribution_json(item: Contribution) -> dict:
    return dict(id=item.id, client_id=item.client_id, text=item.text, round=item.round_number,
                table=item.table_number, status=item.status)


# ---- the table host's page ---------------------------------------------------------------


def _notes_by_round(db: Session, link: HostLink, open_number: int | None) -> list[tuple[int, list[Contribution]]]:
    groups: dict[int, list[Contribution]] = {}
    if open_number is not None:
        groups[open_number] = []
    for note in table_notes(db, link.workshop_id, link.table_number):
        groups.setdefault(note.round_number or 0, []).append(note)
    return sorted(groups.items(), reverse=True)  # the latest round first


def _host_context(db: Session, link: HostLink, token: str) -> dict:
    round_ = current_round(db, link.workshop_id)
    return dict(
        workshop=get_workshop(db, link.workshop_id), link=link, token=token, round=round_,
        groups=_notes_by_round(db, link, round_.number if round_ else None),
        client_id=secrets.token_urlsafe(16),
    )


@router.get("/t/{token}/room")
async def host_room(request: Request, token: str, once: bool = False):
    """Server-sent events for the host's page: the room's state (the open round) when it changes."""
    workshop_id = await run_in_threadpool(_host_workshop, request, token)
    return stream_response(state_stream(request, room_reader(request, workshop_id), once))


def _host_workshop(request: Request, token: str) -> int:
    with request.app.state.sessions() as db:
        return host_link_by_token(db, token).workshop_id


@router.get("/t/{token}")
def host_page(request: Request, db: DbSession, token: str):
    """The table host's page: the round's question, a note box, the table's notes."""
    link = host_link_by_token(db, token)
    return render(request, "capture/host.html", _host_context(db, link, token))


def _note_html(request: Request, note: Contribution, link: HostLink, token: str) -> str:
    return _fragment(request, "capture/_note.html", dict(note=note, link=link, token=token))


@router.post("/t/{token}/notes")
def note_add(request: Request, db: DbSession, token: str, data: Submitted):
    """Add a note (form or JSON ``{text, client_id}``); a repeated client id stores nothing new."""
    _check_submission(request, data, token)
    link = host_link_by_token(db, token)
    note, created = write(db, lambda: add_note(db, link, data.get("text", ""), data.get("client_id", ""), data.get("round_number")))
    return _saved(request, "note", note, created, _note_html(request, note, link, token), f"/t/{token}#notes")


@router.post("/t/{token}/notes/{note_id}")
def note_edit(request: Request, db: DbSession, token: str, note_id: IdPath, data: Submitted):
    """Change the text of one of this table's notes."""
    _check_submission(request, data, token)
    link = host_link_by_token(db, token)
    note = write(db, lambda: edit_note(db, link, note_id, data.get("text", "")))
    return _changed(request, _note_html(request, note, link, token), token)


@router.post("/t/{token}/notes/{note_id}/withdraw")
def note_withdraw(request: Request, db: DbSession, token: str, note_id: IdPath, data: Submitted):
    """Withdraw one of this table's notes."""
    _check_submission(request, data, token)
    link = host_link_by_token(db, token)
    write(db, lambda: withdraw_note(db, link, note_id))
    html = _fragment(request, "capture/_withdrawn.html", {})
    return _changed(request, html, token)


def _changed(request: Request, html: str, token: str):
    if wants_json(request):
        return JSONResponse({"ok": True, "html": html})
    if _is_htmx(request):
        return HTMLResponse(html)
    return RedirectResponse(f"/t/{token}#notes", status_code=303)


# ---- joining -------------------------------------------------------------------------------


@router.get("/join")
def join_page(request: Request, db: DbSession, code: str = ""):
    """Join a workshop with a personal code (from a table card) or the walk-in code: a short
    privacy notice, the question on archiving, and (walk-ins) which sector you come from."""
    personal = personal_attendee(db, code) is not None if code else False
    release(db)
    return render(request, "capture/join.html", _join_context(code, personal))


def _join_context(code: str, personal: bool, **more) -> dict:
    return dict(code=normalise_code(code), sectors=SECTORS, personal=personal, wording=CONSENT_WORDING, **more)


def _consent_answer(value: str | None) -> bool | None:
    """The join form's yes/no on archiving; anything else is no answer (which counts as no)."""
    return {"yes": True, "no": False}.get((value or "").strip().lower())


@router.post("/join")
def join(request: Request, db: DbSession, data: Submitted):
    """Join with a personal or walk-in code: a participant cookie, no account and no name.

    No limit per address (a venue's phones share one router): a personal code is limited per
    code, the walk-in code by its cap and a burst per code, and wrong codes per address."""
    check_csrf(request, data.get("csrf_token"))
    code, sector = data.get("code", "")[:100], data.get("sector") or None
    consent = _consent_answer(data.get("consent"))
    try:
        personal = personal_attendee(db, code) is not None
        if personal:
            request.app.state.join_codes.check(f"personal:{normalise_code(code)}")
        current = _cookie_participant(db, request)
        participant = write(db, lambda: join_workshop(
            db, code, sector, burst=request.app.state.join_burst, consent=consent,
            current=current))
    except LpipError as exc:
        if isinstance(exc, UnknownWorkshop):
            request.app.state.join_guesses.check(f"join:{client_address(request)}")
        if wants_json(request):
            raise
        context = _join_context(code, False, error=i18n.error_message(request, exc))
        response = render(request, "capture/join.html", context, status_code=status_for(exc))
        response.headers.update(retry_headers(exc))
        return response
    response = RedirectResponse("/p", status_code=303)
    response.set_cookie(
        PARTICIPANT_COOKIE, participant.token, max_age=PARTICIPANT_COOKIE_SECONDS, path="/",
        httponly=True, samesite="lax", secure=_served_over_https(request),
    )
    return response


def _cookie_participant(db: Session, request: Request) -> Participant | None:
    """The participant this browser already is (one identity per device cookie), if any."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if not plausible_token(token):
        return None
    participant = db.scalar(select(Participant).where(Participant.token == token))
    release(db)
    return participant


# ---- the participant's page ------------------------------------------------------------------


def current_participant(request: Request, db: DbSession) -> Participant:
    """The participant this phone's cookie names (gives its connection back: see :func:`release`)."""
    try:
        return participant_by_token(db, request.cookies.get(PARTICIPANT_COOKIE))
    finally:
        release(db)


CurrentParticipant = Annotated[Participant, Depends(current_participant)]


def _statements_query(participant: Participant):
    return select(Contribution).where(
        Contribution.workshop_id == participant.workshop_id, Contribution.kind == "statement",
        Contribution.status == "visible",
    )


def _my_votes(db: Session, participant: Participant) -> dict[int, str]:
    rows = db.execute(select(Vote.contribution_id, Vote.value).where(Vote.participant_id == participant.id))
    return {cid: VOTE_NAMES[value] for cid, value in rows}


def _vote_card(db: Session, participant: Participant) -> dict:
    """The next statement to vote on (others', not yet voted on, oldest first) and how many remain."""
    voted = select(Vote.contribution_id).where(Vote.participant_id == participant.id)
    query = _statements_query(participant).where(
        Contribution.participant_id.is_distinct_from(participant.id), Contribution.id.not_in(voted),
    ).order_by(Contribution.id)
    waiting = list(db.scalars(query))
    return dict(statement=waiting[0] if waiting else None, remaining=max(len(waiting) - 1, 0))


def _participant_context(db: Session, participant: Participant) -> dict:
    workshop = get_workshop(db, participant.workshop_id)
    mine = _statements_query(participant).where(Contribution.participant_id == participant.id).order_by(Contribution.id)
    priorities = db.scalars(select(Contribution).where(
        Contribution.workshop_id == workshop.id, Contribution.kind == "priority", Contribution.status == "visible",
    ).order_by(Contribution.id))
    dots = dict(db.execute(select(Dot.contribution_id, Dot.dots).where(Dot.participant_id == participant.id)).all())
    return dict(
        round=current_round(db, workshop.id), table=_table_now(db, participant),
        workshop=workshop, participant=participant, mine=list(db.scalars(mine)), priorities=list(priorities),
        dots=dots, dots_spent=sum(dots.values()), card=_vote_card(db, participant), client_id=secrets.token_urlsafe(16),
    )


def _table_now(db: Session, participant: Participant) -> int | None:
    """Where a participant linked to an attendee sits in the open round (from the table plan)."""
    if participant.attendee_id is None:
        return None
    round_ = current_round(db, participant.workshop_id)
    attendee = db.get(Attendee, participant.attendee_id)
    if attendee is not None and attendee.host_table:
        return attendee.host_table
    if round_ is None:
        return None
    return db.scalar(select(TableSeat.table_number).where(
        TableSeat.workshop_id == participant.workshop_id, TableSeat.round_number == round_.number,
        TableSeat.attendee_id == participant.attendee_id))


@router.get("/p")
def participant_page(request: Request, db: DbSession):
    """Add statements, vote on others' one at a time, and spend dots in the harvest."""
    if not request.cookies.get(PARTICIPANT_COOKIE):
        return RedirectResponse("/join", status_code=303)
    participant = current_participant(request, db)
    return render(request, "capture/participant.html", _participant_context(db, participant))


@router.get("/p/room")
async def participant_room(request: Request, once: bool = False):
    """Server-sent events for the participant's page: the room's state when it changes."""
    workshop_id = await run_in_threadpool(_participant_workshop, request)
    return stream_response(state_stream(request, room_reader(request, workshop_id), once))


def _participant_workshop(request: Request) -> int:
    with request.app.state.sessions() as db:
        return participant_by_token(db, request.cookies.get(PARTICIPANT_COOKIE)).workshop_id


@router.get("/p/statements")
def statement_list(request: Request, db: DbSession, participant: CurrentParticipant):
    """Every statement as a list, with your vote on each."""
    statements = list(db.scalars(_statements_query(participant).order_by(Contribution.id)))
    context = dict(workshop=get_workshop(db, participant.workshop_id), participant=participant,
                   statements=statements, votes=_my_votes(db, participant))
    return render(request, "capture/statements.html", context)


def _statement_html(request: Request, statement: Contribution) -> str:
    return _fragment(request, "capture/_statement.html", dict(statement=statement))


@router.post("/p/statements")
def statement_add(request: Request, db: DbSession, participant: CurrentParticipant, data: Submitted):
    """Add a statement for the room to vote on (form or JSON ``{text, client_id}``)."""
    _check_submission(request, data, participant.token)
    try:
        statement, created = write(db, lambda: add_statement(db, participant, data.get("text", ""), data.get("client_id", "")))
    except LpipError as exc:
        return _participant_error(request, db, participant, exc)
    return _saved(request, "statement", statement, created, _statement_html(request, statement), "/p#statements")


def _participant_error(request: Request, db: Session, participant: Participant, exc: LpipError):
    """JSON and htmx callers get the usual error shape; a plain form gets its page back with the message."""
    if wants_json(request) or _is_htmx(request):
        raise exc
    context = dict(_participant_context(db, participant), error=i18n.error_message(request, exc))
    return render(request, "capture/participant.html", context, status_code=422)


@router.post("/p/votes")
def vote(request: Request, db: DbSession, participant: CurrentParticipant, data: Submitted):
    """Agree, disagree or pass on a statement; voting again replaces the earlier vote."""
    _check_submission(request, data, participant.token)
    statement_id = check_item_id(data.get("statement_id", ""), "statement_id")
    cast = write(db, lambda: cast_vote(db, participant, statement_id, data.get("vote", ""), allow_own=False))
    if wants_json(request):
        return JSONResponse({"ok": True, "vote": {"statement_id": statement_id, "vote": VOTE_NAMES[cast.value]}})
    if _is_htmx(request):
        card = dict(_vote_card(db, participant), voted=True)
        html = _fragment(request, "capture/_vote_card.html", dict(card=card))
        return HTMLResponse(html, headers={"HX-Trigger": "lpip-voted"})  # the room map refreshes
    back = "/p/statements#s-%d" % statement_id if data.get("back") == "list" else "/p#vote"
    return RedirectResponse(back, status_code=303)


@router.get("/p/room-map")
def participant_room_map(request: Request, db: DbSession, participant: CurrentParticipant):
    """The room's opinion groups, where they sit and what everyone agrees on (an htmx fragment),
    once this participant has voted on a few statements; never who is who, but "You" at their place."""
    own = db.scalar(select(func.count(Vote.id)).where(Vote.participant_id == participant.id)) or 0
    room = request.app.state.room_maps.get(db, participant.workshop_id)
    release(db)
    context = dict(room=room, own_votes=own, need=MIN_OWN_VOTES, mine=room.group_of(participant.id),
                   picture=room_picture(room, room.position_of(participant.id)), min_shown=MIN_GROUP_SHOWN)
    return polled_fragment(request, _fragment(request, "capture/_room_map.html", context))


@router.post("/p/dots")
def dots_spend(request: Request, db: DbSession, participant: CurrentParticipant, data: Submitted):
    """Spend your dots on the harvest priorities (this replaces your earlier spend)."""
    _check_submission(request, data, participant.token)
    try:
        allocation = {check_item_id(k[5:], "priority id"): v or "0" for k, v in data.items() if k.startswith("dots-")}
        spent = write(db, lambda: spend_dots(db, participant, allocation))
    except LpipError as exc:
        return _participant_error(request, db, participant, exc)
    if wants_json(request):
        return JSONResponse({"ok": True, "dots": {str(k): v for k, v in spent.items()}})
    return RedirectResponse("/p#harvest", status_code=303)

