"""The participant's follow-up page (``/p/follow-ups``): "who I'd like to follow up with".

A participant chooses, among the attendees who agreed to be contacted, the people they would like
to follow up with, and may say which of them they are (so the wish becomes a tie in the network).
Nobody who has not agreed to be contacted is listed. The page reads and writes through
:mod:`lpip.workshops.relationships`; it is a form that works without JavaScript (POST, then
redirect back), or JSON with ``Accept: application/json``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse

from lpip.errors import N_, InvalidContribution
from lpip.web.deps import DbSession
from lpip.web.errors import wants_json
from lpip.web.routes.capture import CurrentParticipant, _check_submission
from lpip.web.templating import render
from lpip.workshops.relationships import chosen_follow_ups, contactable_attendees, record_follow_ups
from lpip.workshops.workshops import get_workshop

router = APIRouter(include_in_schema=False)


@router.get("/p/follow-ups")
def follow_up_page(request: Request, db: DbSession, participant: CurrentParticipant):
    """Choose the people you would like to follow up with after the workshop."""
    context = dict(workshop=get_workshop(db, participant.workshop_id), participant=participant,
                   people=contactable_attendees(db, participant.workshop_id), chosen=chosen_follow_ups(db, participant),
                   saved=request.query_params.get("saved"))
    return render(request, "connections/follow_ups.html", context)


@router.post("/p/follow-ups")
async def follow_up_save(request: Request, db: DbSession, participant: CurrentParticipant):
    """Store the chosen people (form fields ``to``, repeated, and optional ``me``; or JSON lists)."""
    targets, me, token = await _submitted(request)
    _check_submission(request, {"csrf_token": token}, participant.token)
    added = record_follow_ups(db, participant, targets, me)
    db.commit()
    if wants_json(request):
        return JSONResponse({"ok": True, "added": added, "follow_ups": sorted(chosen_follow_ups(db, participant))})
    return RedirectResponse(f"/p/follow-ups?saved={added}", status_code=303)


async def _submitted(request: Request) -> tuple[list[int], int | None, str]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            raise InvalidContribution(N_('The request body is not valid JSON: send {"to": [1, 2], "me": 3}.')) from None
        data = data if isinstance(data, dict) else {}
        raw_to, raw_me, token = data.get("to", []), data.get("me"), str(data.get("csrf_token", ""))
        raw_to = raw_to if isinstance(raw_to, list) else [raw_to]
    else:
        form = await request.form()
        raw_to, raw_me, token = form.getlist("to"), form.get("me"), str(form.get("csrf_token", ""))
    return [_attendee_id(v) for v in raw_to], (_attendee_id(raw_me) if raw_me not in (None, "") else None), token


def _attendee_id(value) -> int:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 9:
        raise InvalidContribution(N_("%(value)s is not a person on this page: choose people from the list."),
                                  value=repr(text))
    return int(text)
