"""The home page."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lpip.web.deps import CurrentUser, Route
from lpip.web.templating import render

router = APIRouter(route_class=Route)


@router.get("/", include_in_schema=False)
def home(request: Request, user: CurrentUser):
    """Home: join a workshop with a code, or sign in as a facilitator."""
    return render(request, "home.html")


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict:
    """Liveness check for load balancers and the test harness."""
    return {"ok": True}
