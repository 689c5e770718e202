"""Tables for the synthesis: the priority register, its sources and indicator links, partners
and the Phase 2 programme plan.

A **priority** comes from one or more workshops (``priority_workshop``) and concerns one or more
areas (``priority_area``: sub-regions, or the region for a region-wide priority). Its
**sources** are the contributions that support it (notes, statements, dot-voted priorities),
each with how it was found ("dot vote", "theme 2", "code 'housing'") and, for a coded segment,
the code assignment. Merging priorities moves every source, workshop, area and link to the
priority kept and marks the others ``merged`` (they are never deleted, so nothing is lost).

The **partner register** holds organisations; ``contact`` is private: it is shown to
facilitators and never written to reports, plan exports or deposits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import lpip.deliberation.models  # noqa: F401  (code_assignment, referred to by priority_source)
import lpip.evidence.models  # noqa: F401  (indicator)
import lpip.geography.models  # noqa: F401  (area)
from lpip.db import Base
from lpip.workshops.models import utcnow

PRIORITY_STATUSES = ("candidate", "agreed", "dropped", "merged")
KINDS = ("wicked", "quick_win", "other")
HORIZONS = ("short", "long")
PARTNER_SECTORS = ("public", "private", "voluntary", "civil society", "community", "research")
STRANDS = ("research", "action", "scoping")


class Priority(Base):
    """A local priority: a candidate drafted from a workshop or added by hand, then agreed or dropped."""

    __tablename__ = "priority"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="candidate", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_by: Mapped[str | None] = mapped_column(String(254))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "draft" (found in a workshop's output), "added" (by hand) or "merged" (several made one).
    origin: Mapped[str] = mapped_column(String(10), default="added")
    # What a drafted candidate was made from, so that drafting again finds it instead of adding it twice.
    draft_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("priority.id", ondelete="SET NULL"))
    # "short" or "long"; empty: judged from the themes (see the evidence map).
    horizon: Mapped[str | None] = mapped_column(String(10))
    kind_override: Mapped[str | None] = mapped_column(String(12))
    kind_override_reason: Mapped[str | None] = mapped_column(Text)
    kind_override_by: Mapped[str | None] = mapped_column(String(254))
    kind_override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PriorityWorkshop(Base):
    """A workshop at which a priority was raised."""

    __tablename__ = "priority_workshop"

    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True, index=True)


class PriorityArea(Base):
    """An area a priority concerns: a sub-region, a district, or the region for a region-wide one."""

    __tablename__ = "priority_area"

    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code", ondelete="CASCADE"), primary_key=True)


class PrioritySource(Base):
    """A contribution that supports a priority, and how it was found."""

    __tablename__ = "priority_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), index=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    # A coded segment: the code assignment that tied the contribution to the priority.
    code_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("code_assignment.id", ondelete="SET NULL"))
    # "dot vote", "consensus statement", "theme 2: buses / evening / shifts", "code 'housing'", "by hand".
    via: Mapped[str] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("priority_id", "contribution_id", name="uq_priority_source_once"),)


class PriorityIndicator(Base):
    """An indicator linked to a priority, for one area or (area empty) for all its areas."""

    __tablename__ = "priority_indicator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("area.code", ondelete="CASCADE"))
    # "indicator@area" or "indicator@*": one link per indicator and area (NULLs are never equal in UNIQUE).
    link_key: Mapped[str] = mapped_column(String(200))
    linked_by: Mapped[str | None] = mapped_column(String(254))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("priority_id", "link_key", name="uq_priority_indicator_once"),)


class EvidenceMap(Base):
    """A mapping from codes and themes to indicators loaded by a user (the newest is used)."""

    __tablename__ = "evidence_map"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Partner(Base):
    """An organisation in the partner register; ``contact`` is private (facilitators only)."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(300))
    # The organisation's name folded (case, spaces, accents): one partner per organisation.
    name_key: Mapped[str] = mapped_column(String(300), unique=True)
    sector: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(100), default="")
    # Expertise tags, separated by "; ".
    expertise: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(300))
    # "import", "added", or "attendees of workshop N".
    source: Mapped[str] = mapped_column(String(60), default="added")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PartnerArea(Base):
    """A sub-region (or other area) a partner works in."""

    __tablename__ = "partner_area"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code", ondelete="CASCADE"), primary_key=True)


class PlanLine(Base):
    """One line of the Phase 2 programme plan: a research strand or an action for a priority.

    ``baseline``, ``baseline_period`` and ``baseline_source`` are read from the database,
    never typed; the other text is drafted and then edited by people.
    """

    __tablename__ = "plan_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), index=True)
    # "priority:indicator@area": drafting again updates the line instead of adding another.
    line_key: Mapped[str] = mapped_column(String(300), unique=True)
    strand: Mapped[str] = mapped_column(String(12))
    research_question: Mapped[str] = mapped_column(Text, default="")
    activity: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(String(300), default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    indicator_id: Mapped[str | None] = mapped_column(ForeignKey("indicator.id", ondelete="SET NULL"))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("area.code", ondelete="SET NULL"))
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_period: Mapped[str] = mapped_column(String(64), default="")
    baseline_source: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(String(200), default="")
    target_period: Mapped[str] = mapped_column(String(64), default="")
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    risks: Mapped[str] = mapped_column(Text, default="")
    dependencies: Mapped[str] = mapped_column(Text, default="")
    edited_by: Mapped[str | None] = mapped_column(String(254))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
