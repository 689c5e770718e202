"""The analyst's hand-coding page: read each contribution, tick the codes that apply."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from lpip.deliberation.codebook import code_paths, load_codebook
from lpip.deliberation.coding import load_assignments, load_contributions, store_assignments
from lpip.web.deps import DbSession, Facilitator
from lpip.web.security import check_csrf
from lpip.web.templating import render
from lpip.workshops.workshops import get_workshop

router = APIRouter(include_in_schema=False)


def coder_name(user) -> str:
    """Hand codes are recorded under the analyst's email, so agreement can compare coders."""
    return user.email


@router.get("/workshops/{workshop_id}/coding")
def coding_page(request: Request, db: DbSession, user: Facilitator, workshop_id: int):
    """Every visible contribution with the codebook's codes as tick boxes (this analyst's codes ticked)."""
    workshop = get_workshop(db, workshop_id)
    codebook = load_codebook(db)
    contributions = load_contributions(db, workshop_id)
    mine = load_assignments(db, workshop_id, coder=coder_name(user), method="hand")
    ticked = mine.dropna(subset=["code"]).groupby("contribution_id")["code"].apply(set).to_dict()
    done = set(mine["contribution_id"])
    codes = [dict(name=name, label=path)
             for name, path, codable in zip(codebook["name"], code_paths(codebook), codebook["is_codable"]) if codable]
    rows = [dict(item=item, ticked=ticked.get(item["contribution_id"], set()), done=item["contribution_id"] in done)
            for item in plain_records(contributions)]
    return render(request, "coding/workshop.html", {
        "workshop": workshop, "rows": rows, "codes": codes, "coder": coder_name(user),
        "coded": len(done), "total": len(rows),
    })


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value, so a page never prints "nan" or "<NA>"."""
    return [{key: (None if _missing(value) else value) for key, value in row.items()}
            for row in frame.to_dict(orient="records")]


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are values, not missing
        return False


@router.post("/workshops/{workshop_id}/coding/{contribution_id}")
async def code_contribution(request: Request, db: DbSession, user: Facilitator, workshop_id: int, contribution_id: int):
    """Store this analyst's codes for one contribution (none ticked: read, no code applies)."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    get_workshop(db, workshop_id)
    if contribution_id not in set(load_contributions(db, workshop_id)["contribution_id"]):
        from lpip.errors import InvalidCodingSheet

        raise InvalidCodingSheet(f"Workshop {workshop_id} has no visible contribution {contribution_id}.")
    codes = form.getlist("code") or [None]
    assignments = pd.DataFrame({"contribution_id": contribution_id, "coder": coder_name(user),
                                "code": codes, "method": "hand"})
    store_assignments(db, assignments)
    db.commit()
    return RedirectResponse(f"/workshops/{workshop_id}/coding#c{contribution_id}", status_code=303)
