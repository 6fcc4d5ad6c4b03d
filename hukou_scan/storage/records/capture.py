"""Tables of the capture area (migration 0002_capture).

``import_log`` remembers every file the station imported (hot folder or dialog) by
its sha256, so a file dropped again — or seen again after a crash between the
import and the move to ``imported/`` — is recognised as a duplicate across restarts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow


class ImportLogRecord(Base):
    __tablename__ = "import_log"
    file_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(20), default="")  # hotfolder | dialog
    batch_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    page_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
