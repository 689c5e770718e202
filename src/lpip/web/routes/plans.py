"""The seating plan for facilitators: who sits where each round, printed or downloaded, and
re-planning when people do not come.

The workshop's facilitators only (403 not signed in as a facilitator, 404 not their workshop),
as every page with attendee names. Re-planning writes through the one write path.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lpip.errors import LpipError
from lpip.text import MAX_ID
from lpip.web.deps import DbSession, Facilitator, IdPath, Route, client_key, facilitator_workshop, write
from lpip.web.security import check_csrf
from lpip.web.templating import render
from lpip.workshops.models import UserAccount
from lpip.workshops.workshops import rounds_of

router = APIRouter(include_in_schema=False, route_class=Route)

DOWNLOADS = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page(request: Request, db: Session, user: UserAccount, workshop_id: int, result=None,
          error: LpipError | None = None, status_code: int = 200):
    from lpip.errors import NoData
    from lpip.reports.seating import ABSENT, seating_plan

    workshop = facilitator_workshop(db, user, workshop_id)
    try:
        plan = seating_plan(db, workshop_id)
    except NoData:
        plan = None
    names = {row["attendee_id"]: row["name"] for row in plan.rows} if plan else {}
    moves = [dict(name=names.get(m.attendee_id, m.attendee_id), round=m.round, from_table=m.from_table,
                  to_table=m.to_table) for m in result.moves.itertuples()] if result is not None else []
    return render(request, "plans/plan.html", dict(
        workshop=workshop, plan=plan, absent=ABSENT, rounds=rounds_of(db, workshop_id), result=result, moves=moves,
        error=error,
    ), status_code=status_code)


@router.get("/workshops/{workshop_id}/plan")
def plan_page(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """The seating plan as a table, its downloads, and a form to re-plan without the no-shows."""
    return _page(request, db, user, workshop_id)


@router.get("/workshops/{workshop_id}/plan.{fmt}")
def plan_download(db: DbSession, user: Facilitator, workshop_id: IdPath, fmt: str):
    """The seating plan as PDF (to print), CSV or XLSX."""
    from lpip.reports.seating import seating_frame, seating_html, seating_plan

    if fmt not in DOWNLOADS:
        raise HTTPException(404, f"The plan downloads as {', '.join(DOWNLOADS)}, not {fmt[:20]!r}.")
    workshop = facilitator_workshop(db, user, workshop_id)
    plan = seating_plan(db, workshop_id)
    if fmt == "csv":
        from lpip.spreadsheets import write_csv

        text = io.StringIO()
        write_csv(seating_frame(plan), text)
        body = text.getvalue().encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"plan.{fmt}"
            if fmt == "pdf":
                from lpip.reports.pdf import write_pdf

                write_pdf(seating_html(plan), path)
            else:
                from lpip.spreadsheets import write_xlsx

                write_xlsx({"seating plan": seating_frame(plan)}, path)
            body = path.read_bytes()
    name = f"workshop-{workshop.id}-seating-plan.{fmt}"
    return Response(body, media_type=DOWNLOADS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/workshops/{workshop_id}/plan")
def plan_replan(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath,
    absent: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    from_round: Annotated[int, Form(ge=1, le=MAX_ID)] = 1,
    seed: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
    csrf_token: Annotated[str, Form()] = "",
):
    """Re-plan from a round on without the attendees ticked absent, moving as few as possible."""
    from lpip.workshops.planning import replan_workshop

    check_csrf(request, csrf_token)
    request.app.state.rate_limiter.check(client_key(request, f"user-{user.id}"))
    facilitator_workshop(db, user, workshop_id)
    try:
        result = write(db, lambda: replan_workshop(db, workshop_id, absent[:10000], from_round=from_round, seed=seed))
    except LpipError as exc:
        return _page(request, db, user, workshop_id, error=exc, status_code=422)
    return _page(request, db, user, workshop_id, result=result)
