"""Core tables created by migration 0001.

Primary keys are UUID hex strings (see :func:`hukou_scan.domain.new_id`) so that
stations sharing a PostgreSQL catalogue never clash.  Timestamps are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow

ID = String(32)


class StationRecord(Base):
    __tablename__ = "stations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class BatchRecord(Base):
    __tablename__ = "batches"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    archive_id: Mapped[str] = mapped_column(String(100), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    loc_room: Mapped[str] = mapped_column(String(50), default="")
    loc_cabinet: Mapped[str] = mapped_column(String(50), default="")
    loc_shelf: Mapped[str] = mapped_column(String(50), default="")
    loc_box: Mapped[str] = mapped_column(String(50), default="")
    loc_volume: Mapped[str] = mapped_column(String(50), default="")
    loc_page_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    loc_page_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    expected_pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    paper_returned: Mapped[bool] = mapped_column(Boolean, default=False)


class PageRecord(Base):
    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_batch_seq", "batch_id", "seq"),
        Index("ix_pages_state", "state"),
        # Page numbers (visible pages up to this one) as an index-only count; 0013_search_scale.
        Index(
            "ix_pages_batch_seq_live",
            "batch_id",
            "seq",
            postgresql_where=text("state <> 'deleted'"),
            sqlite_where=text("state <> 'deleted'"),
        ),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    processed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    derivative_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    captured_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    operator: Mapped[str] = mapped_column(String(100), default="")
    source_device: Mapped[str] = mapped_column(String(200), default="")
    dpi: Mapped[float | None] = mapped_column(Float, nullable=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    process_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="captured")
    state_reason: Mapped[str] = mapped_column(Text, default="")
    ocr_state: Mapped[str] = mapped_column(String(20), default="pending")
    ocr_engine: Mapped[str] = mapped_column(String(50), default="")
    ocr_text: Mapped[str] = mapped_column(Text, default="")
    sync_state: Mapped[str] = mapped_column(String(20), default="local", index=True)
    review_state: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PageOcrRecord(Base):
    """Word boxes and extracted fields, kept apart from ``pages`` so page lists stay light."""

    __tablename__ = "page_ocr"
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    engine: Mapped[str] = mapped_column(String(50), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HouseholdRecord(Base):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    household_no: Mapped[str] = mapped_column(String(50), unique=True)
    head_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    station_code: Mapped[str] = mapped_column(String(32), default="")


class PersonRecord(Base):
    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_name_birth", "name", "birth_date"),
        Index("ix_persons_household_no", "household_no"),
        Index("ix_persons_name_key_birth", "name_key", "birth_date"),  # added by 0005_registry
        Index("ix_persons_birth_date", "birth_date"),  # added by 0005_registry
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    former_name: Mapped[str] = mapped_column(String(100), default="", index=True)
    id_number: Mapped[str] = mapped_column(String(18), default="", index=True)
    id_number_raw: Mapped[str] = mapped_column(String(32), default="")
    sex: Mapped[str] = mapped_column(String(4), default="")
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    household_no: Mapped[str] = mapped_column(String(50), default="")
    relation: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    station: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Added by 0005_registry: folded name for fuzzy lookup, dates checked by the
    # data-quality rules, and the registry import that last wrote the row.
    name_key: Mapped[str] = mapped_column(String(100), default="")
    registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    import_id: Mapped[str] = mapped_column(String(32), default="")


class PageLinkRecord(Base):
    __tablename__ = "page_links"
    __table_args__ = (
        UniqueConstraint("page_id", "person_id", name="uq_page_links_page_person"),
        Index("ix_page_links_person_page", "person_id", "page_id"),  # 0013_search_scale
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    method: Mapped[str] = mapped_column(String(20), default="manual")
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    linked_by: Mapped[str] = mapped_column(String(100), default="")
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class JobRecord(Base):
    """Persistent work queue (OCR, sync …): survives crashes, resumed at start."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_kind_state", "kind", "state"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    page_id: Mapped[str | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), nullable=True, index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SyncRecord(Base):
    """One object on the sync target (content-addressed by sha256)."""

    __tablename__ = "sync_records"
    __table_args__ = (UniqueConstraint("target", "sha256", name="uq_sync_records_target_sha"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    target: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="local")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # SHA-256 of the bytes actually stored (differs from ``sha256`` when encrypted); added by 0008_sync.
    stored_sha256: Mapped[str] = mapped_column(String(64), default="")


class UserRecord(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"), nullable=True)
    all_stations: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEventRecord(Base):
    """Append-only, hash-chained audit log (see :mod:`hukou_scan.security`)."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), default="", index=True)
    station: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")
