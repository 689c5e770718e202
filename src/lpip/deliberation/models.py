"""Tables for qualitative coding: the codebook and the codes applied to contributions.

One codebook per database: a tree of codes (``parent_id``), each with the keywords and phrases
that rule coding looks for. A code assignment says that a coder (a person's name, a user id, or
``"rules"``) applied a code to a contribution, by hand or by rules. An assignment with no code
(``code_id`` NULL) records that the coder read the contribution and found that no code applies:
inter-coder agreement needs to tell "read, nothing applies" from "not read yet".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lpip.db import Base
from lpip.workshops.models import utcnow

CODING_METHODS = ("hand", "rules")


class Code(Base):
    """A code in the codebook (REFI-QDA ``<Code>``): a theme contributions can be coded with."""

    __tablename__ = "codebook_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # REFI-QDA identifies codes by GUID; kept so that a codebook exported and re-imported
    # (or edited in NVivo, ATLAS.ti, QualCoder) updates the same codes.
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_code.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Keywords and phrases for rule coding, one per line.
    keywords: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str | None] = mapped_column(String(7))
    is_codable: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CodeAssignment(Base):
    """A code applied to a contribution by a coder (``code_id`` NULL: read, no code applies)."""

    __tablename__ = "code_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_code.id", ondelete="CASCADE"), index=True)
    coder: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("contribution_id", "code_id", "coder", name="uq_code_assignment_once"),
    )
