"""The search index's plain table (issue 7).

``search_docs`` holds one row per indexed page with the columns every filter needs,
denormalised so a filtered search never joins pages → batches.  The token columns are
back-end specific and created by migration 0006 only: on SQLite a contentless FTS5
table ``search_fts`` whose rowid is ``search_docs.id``; on PostgreSQL a ``tsv``
tsvector column with a GIN index on this table.  They are read and written with SQL
text in :mod:`hukou_scan.storage.search`, so they are not mapped here.

``id`` is AUTOINCREMENT (never reused): re-indexing a page gives it a new id and the
contentless FTS5 rows of the old id simply stop joining (SQLite 3.40 cannot delete
from a contentless table without the old text); ``reindex`` compacts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hukou_scan.storage.records.base import Base, utcnow


class SearchDocRecord(Base):
    __tablename__ = "search_docs"
    __table_args__ = (
        Index("ix_search_docs_station_captured", "station_id", "captured_at"),
        Index("ix_search_docs_batch_id", "batch_id"),
        Index("ix_search_docs_captured_at", "captured_at"),
        Index("ix_search_docs_category", "category"),
        Index("ix_search_docs_page_id_id", "page_id", "id"),  # 0013_search_scale: index-only
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    page_id: Mapped[str] = mapped_column(String(32), ForeignKey("pages.id", ondelete="CASCADE"), unique=True)
    batch_id: Mapped[str] = mapped_column(String(32))
    station_id: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(20))
    captured_at: Mapped[datetime] = mapped_column(DateTime)
    linked: Mapped[bool] = mapped_column(Boolean, default=False)
    review_state: Mapped[str] = mapped_column(String(20), default="")
    indexed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
