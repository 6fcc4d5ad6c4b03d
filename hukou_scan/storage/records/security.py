"""Tables of the security/QA area (migration 0009_security).

``users`` and ``audit_events`` themselves live in :mod:`.core`; here are the extra
per-user login state, and the quality spot-check (抽检) samples and results.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow

ID = String(32)


class UserStateRecord(Base):
    """Login state that the core ``users`` table does not carry."""

    __tablename__ = "user_states"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class QaSampleRecord(Base):
    """One spot-check sample of a batch: the seed and the page list make it reproducible."""

    __tablename__ = "qa_samples"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[float] = mapped_column(Float)
    pass_threshold: Mapped[float] = mapped_column(Float)
    population: Mapped[list[Any]] = mapped_column(JSON, default=list)
    page_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    auto_issues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    pass_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class QaResultRecord(Base):
    """A reviewer's verdict on one sampled page."""

    __tablename__ = "qa_results"
    __table_args__ = (Unique("sample_id", "page_id", name="uq_qa_results_sample_page"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    sample_id: Mapped[str] = mapped_column(ForeignKey("qa_samples.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
