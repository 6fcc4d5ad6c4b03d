"""Tables of the sync area (migration 0008_sync).

``sync_records`` (core) remembers each content-addressed object per target; this
module adds what the engine needs on top: the last manifest written per batch (so a
batch is re-described only when it changed, and pages that vanished locally become
tombstones instead of silently disappearing from the cloud copy).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow


class SyncManifestRecord(Base):
    """The manifest of one batch (or the station catalogue) as last written to one target."""

    __tablename__ = "sync_manifests"
    target: Mapped[str] = mapped_column(String(500), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    batch_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    stored_sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default="local")
    tombstones: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seen_pages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
