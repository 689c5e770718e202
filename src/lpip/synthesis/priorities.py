"""The priority register: add, edit, merge, agree, drop; indicator links; triage overrides.

Every change records who made it and when. Nothing is deleted: a dropped priority keeps its
reason, and priorities merged into one stay in the register with status ``merged`` and a
pointer to the priority that holds their sources now.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lpip.errors import InvalidPriority, UnknownPriority
from lpip.evidence.benchmarks import DEFAULT_REGION
from lpip.evidence.catalogue import get_indicator
from lpip.geography.areas import descendant_codes, get_area
from lpip.synthesis.models import (
    HORIZONS,
    KINDS,
    PlanLine,
    Priority,
    PriorityArea,
    PriorityIndicator,
    PrioritySource,
    PriorityWorkshop,
)
from lpip.text import check_id, clean_text
from lpip.workshops.models import Contribution, Workshop, utcnow
from lpip.workshops.workshops import get_workshop

TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 5000
REASON_LIMIT = 2000
OPEN_STATUSES = ("candidate", "agreed", "dropped")
LISTED_STATUSES = ("candidate", "agreed")  # what `lpip priorities list` shows unless asked for the dropped


# ----------------------------------------------------------------------------- reading


def get_priority(session: Session, priority_id: int, *, allow_merged: bool = False) -> Priority:
    """The priority with this id; :class:`UnknownPriority` if there is none, or (unless
    ``allow_merged``) if it was merged into another, naming that one."""
    priority = session.get(Priority, priority_id) if check_id(priority_id) else None
    if priority is None:
        raise UnknownPriority(f"There is no priority {priority_id}. See `lpip priorities list`.")
    if priority.status == "merged" and not allow_merged:
        raise UnknownPriority(f"Priority {priority_id} was merged into priority {priority.merged_into_id}; "
                              f"use {priority.merged_into_id} instead.")
    return priority


def list_priorities(session: Session, workshop_id: int | None = None, area: str | None = None,
                    statuses: Iterable[str] = LISTED_STATUSES, seed: int = 0) -> pd.DataFrame:
    """The priority register as ``lpip priorities list`` gives it: one row per candidate or agreed
    priority, in the columns of :data:`lpip.synthesis.register.LIST_COLUMNS` (support, evidence
    verdict, kind and the reasons). Titles are as written: whoever publishes them anonymises them
    (the deposit's ``--with-programme`` reads this function and does).

    Examples
    --------
    >>> list_priorities(session)["priority_id"].tolist()  # doctest: +SKIP
    [1, 2, 3]
    """
    from lpip.synthesis.register import list_priorities as register  # register builds on this module

    return register(session, workshop_id, area, statuses, seed=seed)


def select_priorities(session: Session, workshop_id: int | None = None, area: str | None = None,
                      statuses: Iterable[str] = OPEN_STATUSES) -> list[Priority]:
    """Priorities raised at a workshop and/or concerning an area (or inside it), by id.

    ``area`` matches a priority whose areas include it, or lie inside it (a region finds its
    sub-regions' priorities), or contain it (a sub-region finds region-wide priorities).
    """
    query = select(Priority).where(Priority.status.in_(list(statuses))).order_by(Priority.id)
    if workshop_id is not None:
        get_workshop(session, workshop_id)
        query = query.where(Priority.id.in_(select(PriorityWorkshop.priority_id)
                                            .where(PriorityWorkshop.workshop_id == workshop_id)))
    if area is not None:
        query = query.where(Priority.id.in_(select(PriorityArea.priority_id)
                                            .where(PriorityArea.area_code.in_(related_areas(session, area)))))
    return list(session.scalars(query))


def related_areas(session: Session, code: str) -> set[str]:
    """``code``, the areas inside it and the areas that contain it."""
    area = get_area(session, code)
    from lpip.geography.models import AreaLink

    inside = descendant_codes(session, area.code)
    around, frontier = set(), {area.code}
    while frontier:
        parents = set(session.scalars(select(AreaLink.parent_code).where(AreaLink.child_code.in_(frontier))))
        frontier = parents - around
        around |= parents
    return {area.code} | inside | around


def workshops_of(session: Session, priority_ids: Iterable[int]) -> dict[int, list[int]]:
    """{priority id: its workshop ids, ascending}."""
    rows = session.execute(select(PriorityWorkshop.priority_id, PriorityWorkshop.workshop_id)
                           .where(PriorityWorkshop.priority_id.in_(list(priority_ids)))
                           .order_by(PriorityWorkshop.workshop_id)).all()
    found: dict[int, list[int]] = {}
    for priority_id, workshop_id in rows:
        found.setdefault(priority_id, []).append(workshop_id)
    return found


def areas_of(session: Session, priority_ids: Iterable[int]) -> dict[int, list[str]]:
    """{priority id: its area codes, sorted}."""
    rows = session.execute(select(PriorityArea.priority_id, PriorityArea.area_code)
                           .where(PriorityArea.priority_id.in_(list(priority_ids)))
                           .order_by(PriorityArea.area_code)).all()
    found: dict[int, list[str]] = {}
    for priority_id, code in rows:
        found.setdefault(priority_id, []).append(code)
    return found


def links_of(session: Session, priority_ids: Iterable[int]) -> pd.DataFrame:
    """Indicator links: ``priority_id, indicator_id, area_code`` (empty area: all its areas),
    ``linked_by, linked_at``, in the order they were made."""
    rows = session.execute(select(PriorityIndicator.priority_id, PriorityIndicator.indicator_id,
                                  PriorityIndicator.area_code, PriorityIndicator.linked_by, PriorityIndicator.linked_at)
                           .where(PriorityIndicator.priority_id.in_(list(priority_ids)))
                           .order_by(PriorityIndicator.priority_id, PriorityIndicator.id)).all()
    return pd.DataFrame(rows, columns=["priority_id", "indicator_id", "area_code", "linked_by", "linked_at"])


# ----------------------------------------------------------------------------- checking input


def clean_title(title: str) -> str:
    text = clean_text(title or "", single_line=True)
    if not text:
        raise InvalidPriority("The title is empty: give the priority a short title, e.g. --title \"Evening buses for shift workers\".")
    if len(text) > TITLE_LIMIT:
        raise InvalidPriority(f"The title is {len(text)} characters long; keep it to {TITLE_LIMIT} and put the rest in --description.")
    return text


def clean_description(description: str | None) -> str:
    text = clean_text(description or "")
    if len(text) > DESCRIPTION_LIMIT:
        raise InvalidPriority(f"The description is {len(text)} characters long; the limit is {DESCRIPTION_LIMIT}.")
    return text


def clean_reason(reason: str | None, what: str) -> str:
    text = clean_text(reason or "", single_line=True)
    if not text:
        raise InvalidPriority(f"Give the reason for {what} (--reason \"...\"): it is recorded with the change.")
    if len(text) > REASON_LIMIT:
        raise InvalidPriority(f"The reason is {len(text)} characters long; the limit is {REASON_LIMIT}.")
    return text


def _checked_areas(session: Session, codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(get_area(session, code.strip()).code for code in codes if code and code.strip()))


# ----------------------------------------------------------------------------- changing


def add_priority(session: Session, workshop_id: int, title: str, description: str = "",
                 indicators: Iterable[str] = (), areas: Iterable[str] = (), by: str | None = None,
                 origin: str = "added", draft_key: str | None = None) -> Priority:
    """Add a candidate priority for a workshop, with its areas (default: the workshop's
    sub-region, else the region) and any indicators to link.

    Examples
    --------
    >>> p = add_priority(session, 1, "Evening buses for shift workers", indicators=["travel_time_public_transport"])  # doctest: +SKIP
    """
    workshop = get_workshop(session, workshop_id)
    title, description = clean_title(title), clean_description(description)
    codes = _checked_areas(session, areas) or [workshop.subregion_code or DEFAULT_REGION]
    indicator_ids = [get_indicator(session, i.strip()).id for i in indicators if i and i.strip()]
    priority = Priority(title=title, description=description, origin=origin, draft_key=draft_key,
                        created_by=by, status="candidate")
    session.add(priority)
    session.flush()
    session.add(PriorityWorkshop(priority_id=priority.id, workshop_id=workshop.id))
    session.add_all(PriorityArea(priority_id=priority.id, area_code=code) for code in codes)
    session.flush()
    for indicator_id in indicator_ids:
        link_indicator(session, priority.id, indicator_id, by=by)
    return priority


def add_source(session: Session, priority_id: int, contribution_id: int, via: str,
               code_assignment_id: int | None = None) -> bool:
    """Record a contribution that supports a priority (False if it was recorded already)."""
    exists = session.scalar(select(PrioritySource.id).where(PrioritySource.priority_id == priority_id,
                                                            PrioritySource.contribution_id == contribution_id))
    if exists is not None:
        return False
    session.add(PrioritySource(priority_id=priority_id, contribution_id=contribution_id, via=via[:300],
                               code_assignment_id=code_assignment_id))
    return True


def add_sources(session: Session, sources: list[tuple[int, int, str, int | None]]) -> int:
    """Record many (priority id, contribution id, via, code assignment id) at once, skipping
    those recorded already; returns how many were added."""
    priority_ids = sorted({p for p, *_ in sources})
    seen = set(session.execute(select(PrioritySource.priority_id, PrioritySource.contribution_id)
                               .where(PrioritySource.priority_id.in_(priority_ids))).all()) if priority_ids else set()
    added = 0
    for priority_id, contribution_id, via, assignment in sources:
        if (priority_id, contribution_id) in seen:
            continue
        seen.add((priority_id, contribution_id))
        session.add(PrioritySource(priority_id=priority_id, contribution_id=contribution_id, via=via[:300],
                                   code_assignment_id=assignment))
        added += 1
    return added


def edit_priority(session: Session, priority_id: int, title: str | None = None, description: str | None = None,
                  horizon: str | None = None, areas: Iterable[str] | None = None, by: str | None = None) -> Priority:
    """Change a priority's title, description, horizon ("short", "long", or "" to judge it from
    its themes) or areas (replacing them); what is not given stays."""
    priority = get_priority(session, priority_id)
    if title is not None:
        priority.title = clean_title(title)
    if description is not None:
        priority.description = clean_description(description)
    if horizon is not None:
        if horizon not in (*HORIZONS, ""):
            raise InvalidPriority(f"Horizon {horizon!r} is not one of {', '.join(HORIZONS)} (or \"\" to judge it from the themes).")
        priority.horizon = horizon or None
    if areas is not None:
        codes = _checked_areas(session, areas)
        if not codes:
            raise InvalidPriority("A priority needs at least one area: give --area CODE (a sub-region, district or the region).")
        session.execute(delete(PriorityArea).where(PriorityArea.priority_id == priority.id))
        session.add_all(PriorityArea(priority_id=priority.id, area_code=code) for code in codes)
    session.flush()
    return priority


def set_status(session: Session, priority_id: int, status: str, by: str | None = None,
               reason: str | None = None) -> Priority:
    """Agree or drop a priority (or make it a candidate again), recording who, when and why."""
    if status not in OPEN_STATUSES:
        raise InvalidPriority(f"Status {status!r} is not one of {', '.join(OPEN_STATUSES)}.")
    priority = get_priority(session, priority_id)
    if status == "dropped":
        reason = clean_reason(reason, "dropping a priority")
    else:
        reason = clean_text(reason or "", single_line=True)[:REASON_LIMIT] or None
    priority.status, priority.status_reason, priority.status_by, priority.status_at = status, reason, by, utcnow()
    session.flush()
    return priority


def agree_priority(session: Session, priority_id: int, by: str | None = None, reason: str | None = None) -> Priority:
    """Mark a priority agreed by the partnership."""
    return set_status(session, priority_id, "agreed", by, reason)


def drop_priority(session: Session, priority_id: int, reason: str, by: str | None = None) -> Priority:
    """Drop a priority, with the reason (kept in the register)."""
    return set_status(session, priority_id, "dropped", by, reason)


def merge_priorities(session: Session, priority_ids: Iterable[int], title: str | None = None,
                     by: str | None = None) -> Priority:
    """Make one priority of several (the same priority raised at several workshops).

    The new priority keeps every source, workshop, area, indicator link and plan line of the
    merged ones; they stay in the register with status ``merged``. It is agreed if all of them
    were, else a candidate; a triage override is kept only if they all had the same one.

    Examples
    --------
    >>> merged = merge_priorities(session, [3, 8, 12], title="Evening and weekend buses")  # doctest: +SKIP
    """
    ids = list(dict.fromkeys(int(i) for i in priority_ids))
    if len(ids) < 2:
        raise InvalidPriority("Merging needs two or more different priority ids, e.g. `lpip priorities merge 3 8`.")
    merged = [get_priority(session, i) for i in ids]
    new = Priority(
        title=clean_title(title) if title else merged[0].title, origin="merged", created_by=by,
        description="\n\n".join(p.description for p in merged if p.description)[:DESCRIPTION_LIMIT],
        status="agreed" if all(p.status == "agreed" for p in merged) else "candidate",
        horizon=merged[0].horizon if len({p.horizon for p in merged}) == 1 else None,
    )
    _keep_common_override(new, merged)
    session.add(new)
    session.flush()
    _move_children(session, ids, new.id)
    now = utcnow()
    for priority in merged:
        priority.status, priority.merged_into_id = "merged", new.id
        priority.status_by, priority.status_at = by, now
        priority.status_reason = f"merged into priority {new.id}"
    session.flush()
    return new


def _keep_common_override(new: Priority, merged: list[Priority]) -> None:
    overrides = {(p.kind_override, p.kind_override_reason) for p in merged}
    if len(overrides) == 1:
        first = merged[0]
        new.kind_override, new.kind_override_reason = first.kind_override, first.kind_override_reason
        new.kind_override_by, new.kind_override_at = first.kind_override_by, first.kind_override_at


def _move_children(session: Session, old_ids: list[int], new_id: int) -> None:
    workshops = sorted({w for ws in workshops_of(session, old_ids).values() for w in ws})
    areas = sorted({a for codes in areas_of(session, old_ids).values() for a in codes})
    session.add_all(PriorityWorkshop(priority_id=new_id, workshop_id=w) for w in workshops)
    session.add_all(PriorityArea(priority_id=new_id, area_code=a) for a in areas)
    seen: set[int] = set()
    for source in session.scalars(select(PrioritySource).where(PrioritySource.priority_id.in_(old_ids))
                                  .order_by(PrioritySource.id)):
        if source.contribution_id not in seen:
            seen.add(source.contribution_id)
            session.add(PrioritySource(priority_id=new_id, contribution_id=source.contribution_id,
                                       code_assignment_id=source.code_assignment_id, via=source.via))
    keys: set[str] = set()
    for link in session.scalars(select(PriorityIndicator).where(PriorityIndicator.priority_id.in_(old_ids))
                                .order_by(PriorityIndicator.id)):
        if link.link_key not in keys:
            keys.add(link.link_key)
            session.add(PriorityIndicator(priority_id=new_id, indicator_id=link.indicator_id, area_code=link.area_code,
                                          link_key=link.link_key, linked_by=link.linked_by, linked_at=link.linked_at))
    for line in session.scalars(select(PlanLine).where(PlanLine.priority_id.in_(old_ids))):
        line.priority_id = new_id
        line.line_key = f"{new_id}:{line.line_key.partition(':')[2]}#{line.id}"


# ----------------------------------------------------------------------------- evidence links


def link_indicator(session: Session, priority_id: int, indicator_id: str, area: str | None = None,
                   by: str | None = None) -> PriorityIndicator:
    """Link an indicator to a priority as evidence, for one of its areas (or a district inside
    one) or, without ``area``, for all its areas. Linking the same again changes nothing."""
    priority = get_priority(session, priority_id)
    indicator = get_indicator(session, indicator_id.strip())
    code = None
    if area:
        code = get_area(session, area).code
        allowed = set(areas_of(session, [priority.id]).get(priority.id, []))
        inside = set().union(*(descendant_codes(session, a) for a in allowed)) if allowed else set()
        if code not in allowed | inside:
            raise InvalidPriority(
                f"Priority {priority.id} is not about {code}: its areas are {', '.join(sorted(allowed))}. Link for one of "
                f"them or a district inside one, or add the area first (`lpip priorities edit {priority.id} --area CODE`)."
            )
    key = f"{indicator.id}@{code or '*'}"
    found = session.scalar(select(PriorityIndicator).where(PriorityIndicator.priority_id == priority.id,
                                                           PriorityIndicator.link_key == key))
    if found is not None:
        return found
    link = PriorityIndicator(priority_id=priority.id, indicator_id=indicator.id, area_code=code, link_key=key, linked_by=by)
    session.add(link)
    session.flush()
    return link


def unlink_indicator(session: Session, priority_id: int, indicator_id: str, area: str | None = None) -> int:
    """Remove an indicator link (for ``area``, or the link for all areas); returns how many went."""
    priority = get_priority(session, priority_id)
    key = f"{indicator_id.strip()}@{area.strip() if area else '*'}"
    result = session.execute(delete(PriorityIndicator).where(PriorityIndicator.priority_id == priority.id,
                                                             PriorityIndicator.link_key == key))
    if not result.rowcount:
        raise InvalidPriority(f"Priority {priority.id} has no link to {indicator_id}"
                              f"{' for ' + area if area else ' for all its areas'}; see `lpip priorities show {priority.id}`.")
    return result.rowcount


# ----------------------------------------------------------------------------- triage override


def override_kind(session: Session, priority_id: int, kind: str | None, reason: str | None = None,
                  by: str | None = None) -> Priority:
    """Set the facilitators' kind (wicked, quick_win, other) over the computed one, with the
    reason; ``kind=None`` removes the override. The computed kind is always kept beside it."""
    priority = get_priority(session, priority_id)
    if kind is None:
        priority.kind_override = priority.kind_override_reason = priority.kind_override_by = None
        priority.kind_override_at = None
    else:
        if kind not in KINDS:
            raise InvalidPriority(f"Kind {kind!r} is not one of {', '.join(KINDS)}.")
        priority.kind_override, priority.kind_override_reason = kind, clean_reason(reason, "overriding the triage")
        priority.kind_override_by, priority.kind_override_at = by, utcnow()
    session.flush()
    return priority


def source_contributions(session: Session, priority_ids: Iterable[int]) -> pd.DataFrame:
    """Each priority's sources with the contribution behind them: ``priority_id, contribution_id,
    code_assignment_id, via, workshop_id, kind, text, sector, participant_id, round, table``."""
    rows = session.execute(
        select(PrioritySource.priority_id, PrioritySource.contribution_id, PrioritySource.code_assignment_id,
               PrioritySource.via, Contribution.workshop_id, Contribution.kind, Contribution.text,
               Contribution.sector, Contribution.participant_id, Contribution.round_number, Contribution.table_number,
               Contribution.status)
        .join(Contribution, Contribution.id == PrioritySource.contribution_id)
        .where(PrioritySource.priority_id.in_(list(priority_ids)))
        .order_by(PrioritySource.priority_id, PrioritySource.id)
    ).all()
    columns = ["priority_id", "contribution_id", "code_assignment_id", "via", "workshop_id", "kind", "text", "sector",
               "participant_id", "round", "table", "status"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"code_assignment_id": "Int64", "participant_id": "Int64", "round": "Int64", "table": "Int64"})


def workshop_subregions(session: Session, workshop_ids: Iterable[int]) -> dict[int, str | None]:
    """{workshop id: its sub-region code (None if it has none)}."""
    return dict(session.execute(select(Workshop.id, Workshop.subregion_code)
                                .where(Workshop.id.in_(list(workshop_ids)))).all())
