"""Tables of the registry import and linking area (migration 0005_registry).

``persons`` itself lives in :mod:`hukou_scan.storage.records.core`; the columns this
area added to it are declared there so one ORM class maps the whole table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow

ID = String(32)


class RegistryImportRecord(Base):
    """One import run; ``rows_done`` is the committed position an interrupted run resumes from."""

    __tablename__ = "registry_imports"
    __table_args__ = (Index("ix_registry_imports_sha_state", "file_sha256", "state"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    encoding: Mapped[str] = mapped_column(String(30), default="")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="running")
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    bad: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


class RegistryBadRowRecord(Base):
    """A row an import rejected, kept so the report survives a resume."""

    __tablename__ = "registry_bad_rows"
    import_id: Mapped[str] = mapped_column(
        ForeignKey("registry_imports.id", ondelete="CASCADE"), primary_key=True
    )
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason_zh: Mapped[str] = mapped_column(Text, default="")
    reason_en: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[list[Any]] = mapped_column(JSON, default=list)


class LinkProposalRecord(Base):
    """A ranked candidate person for a page, waiting for the clerk's confirmation."""

    __tablename__ = "link_proposals"
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    role: Mapped[str] = mapped_column(String(20), default="")
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    preselected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RegistryWarningRecord(Base):
    """One finding of the last data-quality scan."""

    __tablename__ = "registry_warnings"
    __table_args__ = (
        Index("ix_registry_warnings_rule", "rule"),
        Index("ix_registry_warnings_person_id", "person_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[str] = mapped_column(ID)
    rule: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    page_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    batch_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    station: Mapped[str] = mapped_column(String(100), default="")
    household_no: Mapped[str] = mapped_column(String(50), default="")
    message_zh: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
