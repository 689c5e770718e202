"""Facilitators' synthesis pages: a workshop's priorities and the region's, one page per priority.

Facilitators review candidates, draft them from a workshop, merge, agree, drop (with a reason),
link indicators (the evidence map's suggestions are offered, never applied) and override the
triage with a recorded reason. Every page is for signed-in facilitators only; every form carries
the CSRF token; quotes are anonymised before they reach a page.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from lpip.errors import InvalidPriority, UnknownPriority
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.reports.quotes import anonymise_quotes
from lpip.synthesis import priorities as register
from lpip.synthesis.drafting import draft_priorities
from lpip.synthesis.evidence import describe_judgement
from lpip.synthesis.register import describe_priority, list_priorities
from lpip.synthesis.triage import KIND_LABELS
from lpip.synthesis.models import PriorityWorkshop
from lpip.web.deps import DbSession, Facilitator, IdPath, client_key, facilitator_workshop, write
from lpip.web.security import check_csrf
from lpip.web.templating import render
from lpip.workshops.access import visible_workshop_ids
from lpip.workshops.models import UserAccount, Workshop

router = APIRouter(include_in_schema=False)
STATUSES = ("candidate", "agreed", "dropped")


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _check_submission(request: Request, user, csrf_token: str) -> None:
    check_csrf(request, csrf_token)
    request.app.state.rate_limiter.check(client_key(request, f"user-{user.id}"))


def _who(user) -> str:
    return user.email


def _demo(db: Session, workshop_ids) -> bool:
    ids = {int(w) for w in workshop_ids if w}
    return bool(ids) and db.scalar(select(Workshop.id).where(Workshop.id.in_(ids), Workshop.is_demo.is_(True)).limit(1)) is not None


def _ids(text: str) -> list[int]:
    return [int(part) for part in str(text).split(";") if part.strip().isdigit()]


def _visible(db: Session, user: UserAccount) -> set[int] | None:
    """The workshops whose priorities ``user`` may see; None for admins (all)."""
    return None if user.role == "admin" else set(visible_workshop_ids(db, user))


def _check_priority(db: Session, user: UserAccount, priority_id: int) -> None:
    """404 for a priority raised only at workshops the facilitator does not run (the same rule
    as the workshop pages); a priority added for the region with no workshop is everyone's."""
    visible = _visible(db, user)
    if visible is None:
        return
    raised_at = set(db.scalars(select(PriorityWorkshop.workshop_id).where(PriorityWorkshop.priority_id == priority_id)))
    if raised_at and not raised_at & visible:
        raise UnknownPriority(f"There is no priority {priority_id} among your workshops' priorities. See /priorities.")


def _list_context(db: Session, frame: pd.DataFrame, user: UserAccount) -> dict:
    visible = _visible(db, user)
    if visible is not None and not frame.empty:
        keep = [not _ids(w) or bool(set(_ids(w)) & visible) for w in frame["workshop_ids"]]
        frame = frame[keep]
    rows = _records(frame)
    for row in rows:
        row["kind_label"] = KIND_LABELS.get(row["kind"], row["kind"])
    workshops = {w for row in rows for w in _ids(row["workshop_ids"])}
    return dict(priorities=rows, demo=_demo(db, workshops))


# ---- pages -------------------------------------------------------------------------------


@router.get("/priorities")
def region_priorities(request: Request, db: DbSession, user: Facilitator, area: str = DEFAULT_REGION):
    """The region's priorities (or an area's) from the workshops the facilitator runs, with merging."""
    frame = list_priorities(db, area=area, statuses=STATUSES)
    return render(request, "synthesis/list.html", {"scope": f"area {area}", "area": area, "workshop": None,
                                                   **_list_context(db, frame, user)})


@router.get("/workshops/{workshop_id}/priorities")
def workshop_priorities(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """A workshop's candidate and agreed priorities, and the button that drafts them."""
    workshop = facilitator_workshop(db, user, workshop_id)
    frame = list_priorities(db, workshop_id=workshop.id, statuses=STATUSES)
    return render(request, "synthesis/list.html", {"scope": workshop.title, "area": None, "workshop": workshop,
                                                   **_list_context(db, frame, user)})


@router.get("/priorities/{priority_id}")
def priority_page(request: Request, db: DbSession, user: Facilitator, priority_id: IdPath):
    """Everything about one priority, and the forms that change it."""
    _check_priority(db, user, priority_id)
    report = describe_priority(db, priority_id)
    quotes = anonymise_quotes(db, report.sources)
    judgements = [dict(text=describe_judgement(row), detail=bool(row.get("detail")))
                  for row in report.judgements.to_dict("records")]
    return render(request, "synthesis/priority.html", {
        "report": report, "p": report.priority, "support": report.support, "quotes": _records(quotes),
        "judgements": judgements, "verdicts": _records(report.verdicts),
        "suggestions": _records(report.suggestions[report.suggestions["status"] == "proposed"]),
        "links": _records(report.links), "partners": _records(report.partners), "plan": _records(report.plan),
        "kind_labels": KIND_LABELS, "demo": _demo(db, report.support.get("workshop_ids") or []),
    })


# ---- actions -----------------------------------------------------------------------------


def _back(url: str) -> RedirectResponse:
    # The change was committed by the one write path (lpip.web.deps.write) before the redirect.
    return RedirectResponse(url, status_code=303)


@router.post("/workshops/{workshop_id}/priorities/draft")
def draft(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
          csrf_token: Annotated[str, Form()] = ""):
    """Draft candidate priorities from the workshop (again: adds only what is new)."""
    _check_submission(request, user, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    write(db, lambda: draft_priorities(db, workshop_id, by=_who(user)))
    return _back(f"/workshops/{workshop_id}/priorities")


@router.post("/priorities/merge")
def merge(request: Request, db: DbSession, user: Facilitator,
          priority_id: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
          title: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
    """Merge the ticked priorities into one that keeps their sources."""
    _check_submission(request, user, csrf_token)
    for one in priority_id:
        _check_priority(db, user, one)
    merged = write(db, lambda: register.merge_priorities(db, priority_id, title.strip() or None, by=_who(user)))
    return _back(f"/priorities/{merged.id}")


@router.post("/priorities/{priority_id}/status")
def status(request: Request, db: DbSession, user: Facilitator, priority_id: IdPath,
           status: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
           csrf_token: Annotated[str, Form()] = ""):
    """Agree, drop (with a reason) or reopen a priority."""
    _check_submission(request, user, csrf_token)
    _check_priority(db, user, priority_id)
    write(db, lambda: register.set_status(db, priority_id, status, by=_who(user), reason=reason))
    return _back(f"/priorities/{priority_id}")


@router.post("/priorities/{priority_id}/links")
def link(request: Request, db: DbSession, user: Facilitator, priority_id: IdPath,
         indicator: Annotated[str, Form()] = "", area: Annotated[str, Form()] = "",
         csrf_token: Annotated[str, Form()] = ""):
    """Link an indicator (typed, or a suggestion's button) to the priority."""
    _check_submission(request, user, csrf_token)
    _check_priority(db, user, priority_id)
    if not indicator.strip():
        raise InvalidPriority("Choose an indicator to link (see the suggestions, or type its id).")
    write(db, lambda: register.link_indicator(db, priority_id, indicator, area.strip() or None, by=_who(user)))
    return _back(f"/priorities/{priority_id}#evidence")


@router.post("/priorities/{priority_id}/links/remove")
def unlink(request: Request, db: DbSession, user: Facilitator, priority_id: IdPath,
           indicator: Annotated[str, Form()] = "", area: Annotated[str, Form()] = "",
           csrf_token: Annotated[str, Form()] = ""):
    """Remove an indicator link."""
    _check_submission(request, user, csrf_token)
    _check_priority(db, user, priority_id)
    write(db, lambda: register.unlink_indicator(db, priority_id, indicator, area.strip() or None))
    return _back(f"/priorities/{priority_id}#evidence")


@router.post("/priorities/{priority_id}/triage")
def triage(request: Request, db: DbSession, user: Facilitator, priority_id: IdPath,
           kind: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
           csrf_token: Annotated[str, Form()] = ""):
    """Set the facilitators' kind with a reason (kind "rule": back to the computed kind)."""
    _check_submission(request, user, csrf_token)
    _check_priority(db, user, priority_id)
    write(db, lambda: register.override_kind(db, priority_id, None if kind == "rule" else kind, reason, by=_who(user)))
    return _back(f"/priorities/{priority_id}#triage")
