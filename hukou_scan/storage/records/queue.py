"""Tables of the shared job queue and re-OCR campaigns (migration 0011_queue, issue 19).

A re-OCR campaign re-reads a selection of pages with another engine.  Its results never
overwrite a page's text: each one is kept as a *candidate* next to the text it would
replace, until a reviewer accepts or rejects it, so a model upgrade cannot silently
replace a confirmed reading.  One candidate per (campaign, page): a job that runs twice
(a worker killed after writing, the job retried) replaces its candidate, never adds one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow
from hukou_scan.storage.records.core import ID


class ReocrCampaignRecord(Base):
    """A re-OCR campaign: the selection, the engine it re-reads with, and its state."""

    __tablename__ = "reocr_campaigns"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | paused | done
    engine: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(30), default="")
    selection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReocrCandidateRecord(Base):
    """One page's new reading in a campaign, kept beside the text it would replace."""

    __tablename__ = "reocr_candidates"
    __table_args__ = (UniqueConstraint("campaign_id", "page_id", name="uq_reocr_candidates_campaign_page"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("reocr_campaigns.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    old_engine: Mapped[str] = mapped_column(String(100), default="")
    old_text: Mapped[str] = mapped_column(Text, default="")
    new_text: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | accepted | rejected
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PageThumbnailRecord(Base):
    """A page's small JPEG, made by the processing worker from the derivative it just wrote
    (migration 0012_thumbnails).

    In the database rather than the page store: a searcher at any station of a shared
    PostgreSQL sees result thumbnails of pages whose files are on another station's disk
    or only in the object store, and the search list never decodes an 8 MP page for a
    72-px picture.  ``source_sha256`` is the derivative it shows (an older one marks it for
    a ``thumb`` job); a re-processed page gets a new one in the same transaction as its
    new derivative.
    """

    __tablename__ = "page_thumbnails"
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
