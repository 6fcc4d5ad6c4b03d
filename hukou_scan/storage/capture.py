"""Storage of the capture area: the import log and page re-sequencing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hukou_scan.domain import Page, new_id
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import JobRecord, PageRecord
from hukou_scan.storage.records.capture import ImportLogRecord
from hukou_scan.storage.repositories import page_record


@dataclass(frozen=True)
class ImportLogEntry:
    file_sha256: str
    file_name: str
    source: str
    batch_id: str | None
    page_ids: tuple[str, ...]
    imported_at: datetime


def _entry(r: ImportLogRecord) -> ImportLogEntry:
    return ImportLogEntry(
        r.file_sha256, r.file_name, r.source, r.batch_id, tuple(r.page_ids or ()), r.imported_at
    )


class CaptureRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find_import(self, file_sha256: str) -> ImportLogEntry | None:
        with self.db.session() as s:
            r = s.get(ImportLogRecord, file_sha256)
            return _entry(r) if r else None

    def log_import(
        self, file_sha256: str, file_name: str, source: str, batch_id: str | None, page_ids: Sequence[str]
    ) -> bool:
        """Record an imported file; ``False`` if another import of the same bytes won the race."""
        try:
            with self.db.session() as s:
                s.add(
                    ImportLogRecord(
                        file_sha256=file_sha256,
                        file_name=file_name[:500],
                        source=source,
                        batch_id=batch_id,
                        page_ids=list(page_ids),
                    )
                )
        except IntegrityError:
            return False
        return True

    def add_pages(
        self,
        pages: Sequence[Page],
        *,
        job_kind: str = "process",
        file_sha256: str | None = None,
        file_name: str = "",
        source: str = "",
    ) -> bool:
        """Insert pages, their processing jobs and (for a file) its import-log row in ONE transaction.

        Call only after every page's original is durable in the blob store.  One
        transaction means a crash leaves either all of it or none: never a page
        without its job, never a file imported but not logged (which would import it
        twice after a restart).  Returns ``False`` (and inserts nothing) when the
        file's hash is already logged.
        """
        try:
            with self.db.session() as s:
                if file_sha256 is not None:
                    s.add(
                        ImportLogRecord(
                            file_sha256=file_sha256,
                            file_name=file_name[:500],
                            source=source,
                            batch_id=pages[0].batch_id if pages else None,
                            page_ids=[p.id for p in pages],
                        )
                    )
                    s.flush()
                for p in pages:
                    s.add(page_record(p))
                s.flush()
                for p in pages:
                    s.add(JobRecord(id=new_id(), kind=job_kind, page_id=p.id, params={}, state="queued"))
        except IntegrityError:
            return False
        return True

    def imports(self, batch_id: str | None = None) -> list[ImportLogEntry]:
        q = select(ImportLogRecord).order_by(ImportLogRecord.imported_at)
        if batch_id:
            q = q.where(ImportLogRecord.batch_id == batch_id)
        with self.db.session() as s:
            return [_entry(r) for r in s.scalars(q)]

    def set_sequence(self, batch_id: str, page_ids: Sequence[str]) -> None:
        """Number ``page_ids`` 1..n in one transaction (reorder, insert between)."""
        with self.db.session() as s:
            for seq, pid in enumerate(page_ids, start=1):
                s.execute(
                    update(PageRecord)
                    .where(PageRecord.id == pid, PageRecord.batch_id == batch_id)
                    .values(seq=seq)
                )
