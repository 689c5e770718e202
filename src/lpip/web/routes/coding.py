"""The analyst's hand-coding page: read each contribution, tick the codes that apply."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from lpip.deliberation.codebook import code_paths, load_codebook
from lpip.deliberation.coding import load_assignments, load_contributions, store_assignments
from lpip.errors import InvalidCodingSheet
from lpip.web.deps import DbSession, Facilitator, IdPath, Route, facilitator_workshop, write
from lpip.web.security import check_csrf
from lpip.web.templating import render

router = APIRouter(include_in_schema=False, route_class=Route)


def coder_name(user) -> str:
    """Hand codes are recorded under the analyst's email, so agreement can compare coders."""
    return user.email


@router.get("/workshops/{workshop_id}/coding")
def coding_page(request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath):
    """Every visible contribution with the codebook's codes as tick boxes (this analyst's codes ticked)."""
    workshop = facilitator_workshop(db, user, workshop_id)
    codebook = load_codebook(db, install_default=False)
    if codebook.empty:  # first use: install the default codebook, through the one write path
        codebook = write(db, lambda: load_codebook(db))
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
def code_contribution(
    request: Request, db: DbSession, user: Facilitator, workshop_id: IdPath, contribution_id: IdPath,
    code: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    csrf_token: Annotated[str, Form()] = "",
):
    """Store this analyst's codes for one contribution (none ticked: read, no code applies)."""
    check_csrf(request, csrf_token)
    facilitator_workshop(db, user, workshop_id)
    order = [int(c) for c in load_contributions(db, workshop_id)["contribution_id"]]
    if contribution_id not in order:
        raise InvalidCodingSheet(f"Workshop {workshop_id} has no visible contribution {contribution_id}.")
    assignments = pd.DataFrame({"contribution_id": contribution_id, "coder": coder_name(user),
                                "code": code[:200] or [None], "method": "hand"})
    write(db, lambda: store_assignments(db, assignments))
    # On to the next contribution (the page shows one at a time); the last one stays put.
    following = order[min(order.index(contribution_id) + 1, len(order) - 1)]
    return RedirectResponse(f"/workshops/{workshop_id}/coding#c{following}", status_code=303)
