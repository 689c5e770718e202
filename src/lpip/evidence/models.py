"""Tables for indicators, their values and where the values came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lpip.db import Base

THEMES = (
    "population",
    "economy & productivity",
    "labour market",
    "skills",
    "income & deprivation",
    "health & wellbeing",
    "housing",
    "environment & net zero",
    "connectivity",
)
POLARITIES = ("higher is better", "lower is better", "no judgement")
# What a value is; later analysis (aggregation, intervals) depends on it.
VALUE_TYPES = ("count", "rate", "proportion", "mean", "median", "score", "rank", "decile", "index")


class Indicator(Base):
    """One indicator in the catalogue."""

    __tablename__ = "indicator"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    theme: Mapped[str] = mapped_column(String(40), index=True)
    unit: Mapped[str] = mapped_column(String(80))
    polarity: Mapped[str] = mapped_column(String(20))
    value_type: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(200))
    # Comma-separated area levels the indicator exists at (e.g. "lad,region,country").
    levels: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # "bundled" for the catalogue shipped with lpip, "user" for imported indicators.
    origin: Mapped[str] = mapped_column(String(16), default="bundled")

    @property
    def level_list(self) -> list[str]:
        return [level for level in self.levels.split(",") if level]


class IndicatorValue(Base):
    """One value: an indicator for an area and period, with optional interval and counts."""

    __tablename__ = "indicator_value"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), index=True
    )
    area_code: Mapped[str] = mapped_column(ForeignKey("area.code"), index=True)
    period: Mapped[str] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float)
    lower_ci: Mapped[float | None] = mapped_column(Float)
    upper_ci: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(40))
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("indicator_id", "area_code", "period", name="uq_value_key"),)


class Dataset(Base):
    """Provenance of a load: a bundled file, an imported file or a live fetch."""

    __tablename__ = "dataset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str | None] = mapped_column(String(200))
    licence: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
