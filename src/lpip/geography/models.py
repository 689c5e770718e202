"""Tables for areas and the links between them."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lpip.db import Base

# Official levels first, then the custom sets that are stored like any other area.
OFFICIAL_LEVELS = ("lsoa", "msoa", "lad", "county", "cauth", "region", "country", "itl3", "itl2", "itl1")
CUSTOM_LEVELS = ("subregion", "lep", "custom")
LEVELS = OFFICIAL_LEVELS + CUSTOM_LEVELS

LEVEL_LABELS = {
    "lsoa": "Lower layer super output area (2011)",
    "msoa": "Middle layer super output area (2011)",
    "lad": "Local authority district (2019)",
    "county": "County or metropolitan county (2019)",
    "cauth": "Combined authority (2019)",
    "region": "Region (2019)",
    "country": "Country",
    "itl3": "ITL3 (2021)",
    "itl2": "ITL2 (2021)",
    "itl1": "ITL1 (2021)",
    "subregion": "Workshop sub-region (custom set)",
    "lep": "Local Enterprise Partnership, former (custom set)",
    "custom": "User-defined area (custom set)",
}


class Area(Base):
    """An area: an official geography (GSS code) or a custom set of areas."""

    __tablename__ = "area"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)
    itl_code: Mapped[str | None] = mapped_column(String(8))
    # For custom areas: the named set they belong to (e.g. "wm-subregions").
    area_set: Mapped[str | None] = mapped_column(String(64), index=True)
    is_custom: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))


class AreaLink(Base):
    """``child`` lies in ``parent`` (kind "hierarchy") or is a member of a custom area ("member")."""

    __tablename__ = "area_link"

    child_code: Mapped[str] = mapped_column(
        ForeignKey("area.code", ondelete="CASCADE"), primary_key=True
    )
    parent_code: Mapped[str] = mapped_column(
        ForeignKey("area.code", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="hierarchy")

    __table_args__ = (Index("ix_area_link_parent", "parent_code"),)
