"""SQL of the sync area: the object outbox, per-page sync state, manifests, and restore.

The outbox is not a separate queue that could drift from the truth: "what still has
to go to target T" is computed from ``pages`` (which hashes a page references) and
``sync_records`` (which of them T has verified).  A crash, a page re-processed to a
new image, or a verify pass that finds a damaged remote object all feed the same
query, so resuming after a restart needs no special code.

Writes that several stations may race on (two stations holding the same image bytes
in one bucket) are idempotent upserts keyed by ``(target, sha256)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hukou_scan.domain import (
    Batch,
    OcrResult,
    Page,
    PageLink,
    PageState,
    Person,
    Station,
    SyncState,
    new_id,
)
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import (
    BatchRecord,
    PageLinkRecord,
    PageOcrRecord,
    PageRecord,
    PersonRecord,
    StationRecord,
    SyncRecord,
)
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.sync import SyncManifestRecord
from hukou_scan.storage.repositories import (
    batch_from,
    link_from,
    page_from,
    page_number_column,
    page_record,
    person_from,
    person_values,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingObject:
    """One content-addressed object a target still lacks (or has not verified)."""

    sha256: str
    state: str  # "local" (never put) | "uploaded" (put, not yet verified) | "failed"
    attempts: int
    page_ids: tuple[str, ...]


@dataclass(frozen=True)
class ObjectRecord:
    sha256: str
    size: int
    stored_sha256: str
    state: str


@dataclass(frozen=True)
class ManifestState:
    key: str
    batch_id: str | None
    sha256: str
    stored_sha256: str
    size: int
    state: str
    tombstones: dict[str, Any]
    seen_pages: dict[str, Any]


def _manifest_state(r: SyncManifestRecord) -> ManifestState:
    """The record as a plain value (JSON columns copied: the caller may keep it past the session)."""
    return ManifestState(
        r.key,
        r.batch_id,
        r.sha256,
        r.stored_sha256,
        r.size,
        r.state,
        dict(r.tombstones or {}),
        dict(r.seen_pages or {}),
    )


@dataclass
class BatchSnapshot:
    """Everything a batch manifest describes, read in one transaction."""

    station: Station
    batch: Batch
    pages: list[Page]
    ocr: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, list[PageLink]] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncCounts:
    """Numbers for the status panel and ``hukou-scan sync --json``."""

    pages: dict[str, int]
    objects: dict[str, int]
    last_error: str


def _upsert(
    s: Session, table: Any, values: dict[str, Any], keys: Sequence[str], update_cols: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE/NOTHING on SQLite and PostgreSQL alike."""
    dialect = s.get_bind().dialect.name
    ins: Any = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    stmt = ins.values(**values)
    if update_cols:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_cols}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    s.execute(stmt)


class SyncRepository:
    """Sync bookkeeping for one database (local SQLite or the shared PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the outbox ---------------------------------------------------------------------
    def pending_objects(self, target: str, station_id: str) -> list[PendingObject]:
        """Objects of this station's live pages that ``target`` has not verified, oldest page first."""
        with self.db.session() as s:
            rows = s.execute(
                select(
                    PageRecord.id,
                    PageRecord.original_sha256,
                    PageRecord.processed_sha256,
                    PageRecord.derivative_sha256,
                )
                .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
                .where(BatchRecord.station_id == station_id, PageRecord.state != PageState.DELETED.value)
                .order_by(PageRecord.captured_at, PageRecord.seq)
            ).all()
            states = {
                sha: (state, attempts)
                for sha, state, attempts in s.execute(
                    select(SyncRecord.sha256, SyncRecord.state, SyncRecord.attempts).where(
                        SyncRecord.target == target
                    )
                )
            }
        by_sha: dict[str, list[str]] = {}
        for page_id, *hashes in rows:
            for h in hashes:
                if h:
                    by_sha.setdefault(h, []).append(page_id)
        out = []
        for sha, pages in by_sha.items():
            state, attempts = states.get(sha, ("local", 0))
            if state != SyncState.VERIFIED.value:
                out.append(PendingObject(sha, state, int(attempts), tuple(pages)))
        return out

    def objects(self, target: str, states: Iterable[str] | None = None) -> list[ObjectRecord]:
        q = select(SyncRecord).where(SyncRecord.target == target)
        if states is not None:
            q = q.where(SyncRecord.state.in_(list(states)))
        with self.db.session() as s:
            return [
                ObjectRecord(r.sha256, r.size, r.stored_sha256 or r.sha256, r.state)
                for r in s.scalars(q.order_by(SyncRecord.sha256))
            ]

    def object_states(self, target: str) -> dict[str, str]:
        with self.db.session() as s:
            return dict(
                s.execute(
                    select(SyncRecord.sha256, SyncRecord.state).where(SyncRecord.target == target)
                ).all()
            )

    def mark_object(
        self,
        target: str,
        sha: str,
        state: SyncState | str,
        *,
        size: int | None = None,
        stored_sha256: str | None = None,
        error: str = "",
        attempt: bool = False,
    ) -> None:
        """Record the object's new state (insert on first sight; safe against a racing station)."""
        state = state.value if isinstance(state, SyncState) else state
        now = utcnow()
        values: dict[str, Any] = {"state": state, "error": error[:2000]}
        if size is not None:
            values["size"] = size
        if stored_sha256 is not None:
            values["stored_sha256"] = stored_sha256
        if state == SyncState.UPLOADED.value:
            values["uploaded_at"] = now
        if state == SyncState.VERIFIED.value:
            values["verified_at"] = now
        with self.db.session() as s:
            _upsert(
                s,
                SyncRecord.__table__,
                {
                    "id": new_id(),
                    "target": target,
                    "sha256": sha,
                    "size": 0,
                    "attempts": 0,
                    "stored_sha256": "",
                    "state": "local",
                    "error": "",
                },
                ("target", "sha256"),
                (),
            )
            vals = dict(values)
            if attempt:
                vals["attempts"] = SyncRecord.attempts + 1
            s.execute(
                update(SyncRecord).where(SyncRecord.target == target, SyncRecord.sha256 == sha).values(**vals)
            )

    def mark_objects_verified(self, target: str, items: Sequence[tuple[str, int, str]]) -> None:
        """Bulk form of :meth:`mark_object` for restore: ``(sha, size, stored_sha)`` verified."""
        now = utcnow()
        with self.db.session() as s:
            for sha, size, stored in items:
                _upsert(
                    s,
                    SyncRecord.__table__,
                    {
                        "id": new_id(),
                        "target": target,
                        "sha256": sha,
                        "size": size,
                        "attempts": 0,
                        "stored_sha256": stored,
                        "state": SyncState.VERIFIED.value,
                        "error": "",
                        "uploaded_at": now,
                        "verified_at": now,
                    },
                    ("target", "sha256"),
                    ("size", "stored_sha256", "state", "error", "verified_at"),
                )

    # -- per-page state -----------------------------------------------------------------
    def refresh_page_states(
        self, target: str, station_id: str, manifest_pages: set[str] | None = None
    ) -> int:
        """Recompute ``pages.sync_state`` of this station's pages from the object records.

        A page is *verified* when all its objects are verified **and** the batch
        manifest describing it is on the target (``manifest_pages``; ``None`` means read
        them from the stored manifests' ``seen_pages``), *uploaded* when all objects are
        at least uploaded, else *local*.  Returns the number of pages whose state changed.
        """
        states = self.object_states(target)
        with self.db.session() as s:
            if manifest_pages is None:
                manifest_pages = set()
                for seen, mstate in s.execute(
                    select(SyncManifestRecord.seen_pages, SyncManifestRecord.state).where(
                        SyncManifestRecord.target == target, SyncManifestRecord.batch_id.is_not(None)
                    )
                ):
                    if mstate == SyncState.VERIFIED.value:
                        manifest_pages.update(k for k, v in (seen or {}).items() if not v.get("tombstone"))
            rows = s.execute(
                select(
                    PageRecord.id,
                    PageRecord.original_sha256,
                    PageRecord.processed_sha256,
                    PageRecord.derivative_sha256,
                    PageRecord.sync_state,
                )
                .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
                .where(BatchRecord.station_id == station_id)
            ).all()
            changes: dict[str, list[str]] = {}
            for page_id, a, b, c, current in rows:
                obj = [states.get(h, "local") for h in (a, b, c) if h]
                if obj and all(st == SyncState.VERIFIED.value for st in obj) and page_id in manifest_pages:
                    new = SyncState.VERIFIED.value
                elif obj and all(st in (SyncState.VERIFIED.value, SyncState.UPLOADED.value) for st in obj):
                    new = SyncState.UPLOADED.value
                else:
                    new = SyncState.LOCAL.value
                if new != current:
                    changes.setdefault(new, []).append(page_id)
            for new, ids in changes.items():
                for i in range(0, len(ids), 500):
                    # Only the sync column: concurrent OCR/linking updates of other columns are kept.
                    s.execute(
                        update(PageRecord)
                        .where(PageRecord.id.in_(ids[i : i + 500]))
                        .values(sync_state=new)
                        .execution_options(synchronize_session=False)
                    )
        return sum(len(v) for v in changes.values())

    def counts(self, target: str, station_id: str) -> SyncCounts:
        with self.db.session() as s:
            pages = dict(
                s.execute(
                    select(PageRecord.sync_state, func.count())
                    .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
                    .where(BatchRecord.station_id == station_id, PageRecord.state != PageState.DELETED.value)
                    .group_by(PageRecord.sync_state)
                ).all()
            )
            objects = dict(
                s.execute(
                    select(SyncRecord.state, func.count())
                    .where(SyncRecord.target == target)
                    .group_by(SyncRecord.state)
                ).all()
            )
            err = s.scalar(
                select(SyncRecord.error)
                .where(SyncRecord.target == target, SyncRecord.error != "")
                .order_by(SyncRecord.uploaded_at.desc())
                .limit(1)
            )
        return SyncCounts(
            pages={str(k): int(v) for k, v in pages.items()},
            objects={str(k): int(v) for k, v in objects.items()},
            last_error=str(err or ""),
        )

    def page_states(
        self, station_id: str, limit: int = 500, state: str | None = None
    ) -> list[tuple[str, str, int, str]]:
        """``(page_id, batch archive id, page number, sync_state)``, newest batch first and its
        pages from the last page back, optionally one state.

        The page number is the one a person reads (position in the batch), not ``seq``.

        Backed by the ``pages.sync_state`` index, so "which pages are not yet safe
        off-site" is a cheap query for the status panel and ``sync --list``.
        """
        q = (
            select(PageRecord.id, BatchRecord.archive_id, page_number_column(), PageRecord.sync_state)
            .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
            .where(BatchRecord.station_id == station_id, PageRecord.state != PageState.DELETED.value)
        )
        if state:
            q = q.where(PageRecord.sync_state == state)
        with self.db.session() as s:
            rows = s.execute(
                # newest batch first, its pages by page number from the last: a re-take keeps
                # its place (ordering by capture time listed a re-taken page 5 before page 19)
                q.order_by(BatchRecord.created_at.desc(), BatchRecord.id, PageRecord.seq.desc()).limit(limit)
            ).all()
        return [(str(a), str(b), int(c), str(d)) for a, b, c, d in rows]

    # -- batches and manifests ----------------------------------------------------------
    def station_batches(self, station_id: str) -> list[Batch]:
        with self.db.session() as s:
            q = (
                select(BatchRecord)
                .where(BatchRecord.station_id == station_id)
                .order_by(BatchRecord.created_at)
            )
            return [batch_from(r) for r in s.scalars(q)]

    def snapshot(self, batch_id: str) -> BatchSnapshot:
        """Batch, station, all pages (deleted too), OCR boxes, links and linked persons."""
        with self.db.session() as s:
            b = s.get(BatchRecord, batch_id)
            if b is None:
                raise KeyError(batch_id)
            st = s.get(StationRecord, b.station_id)
            assert st is not None
            pages = [
                page_from(r)
                for r in s.scalars(
                    select(PageRecord).where(PageRecord.batch_id == batch_id).order_by(PageRecord.seq)
                )
            ]
            ids = [p.id for p in pages]
            snap = BatchSnapshot(Station(st.id, st.code, st.name), batch_from(b), pages)
            if ids:
                for r in s.scalars(select(PageOcrRecord).where(PageOcrRecord.page_id.in_(ids))):
                    snap.ocr[r.page_id] = {
                        "engine": r.engine,
                        "width": r.width,
                        "height": r.height,
                        "words": list(r.words or []),
                        "fields": list(r.fields or []),
                    }
                person_ids: set[str] = set()
                for lr in s.scalars(
                    select(PageLinkRecord).where(PageLinkRecord.page_id.in_(ids)).order_by(PageLinkRecord.id)
                ):
                    snap.links.setdefault(lr.page_id, []).append(link_from(lr))
                    person_ids.add(lr.person_id)
                if person_ids:
                    for pr in s.scalars(select(PersonRecord).where(PersonRecord.id.in_(sorted(person_ids)))):
                        snap.persons[pr.id] = person_from(pr)
        return snap

    def manifest_state(self, target: str, key: str) -> ManifestState | None:
        with self.db.session() as s:
            r = s.get(SyncManifestRecord, (target, key))
            return None if r is None else _manifest_state(r)

    def manifests(self, target: str) -> list[ManifestState]:
        with self.db.session() as s:
            return [
                _manifest_state(r)
                for r in s.scalars(
                    select(SyncManifestRecord)
                    .where(SyncManifestRecord.target == target)
                    .order_by(SyncManifestRecord.key)
                )
            ]

    def save_manifest_state(
        self,
        target: str,
        key: str,
        *,
        batch_id: str | None,
        sha256: str,
        stored_sha256: str,
        size: int,
        state: SyncState | str,
        tombstones: dict[str, Any] | None = None,
        seen_pages: dict[str, Any] | None = None,
        error: str = "",
    ) -> None:
        state = state.value if isinstance(state, SyncState) else state
        with self.db.session() as s:
            r = s.get(SyncManifestRecord, (target, key))
            if r is None:
                r = SyncManifestRecord(target=target, key=key)
                s.add(r)
            r.batch_id, r.sha256, r.stored_sha256, r.size, r.state, r.error = (
                batch_id,
                sha256,
                stored_sha256,
                size,
                state,
                error[:2000],
            )
            if tombstones is not None:
                r.tombstones = tombstones
            if seen_pages is not None:
                r.seen_pages = seen_pages
            r.updated_at = utcnow()

    def set_manifest_state(self, target: str, key: str, state: SyncState | str, error: str = "") -> None:
        state = state.value if isinstance(state, SyncState) else state
        with self.db.session() as s:
            s.execute(
                update(SyncManifestRecord)
                .where(SyncManifestRecord.target == target, SyncManifestRecord.key == key)
                .values(state=state, error=error[:2000], updated_at=utcnow())
            )


class RestoreWriter:
    """Writes a restored archive into a fresh (or partly restored) database; idempotent."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def write_batch(
        self,
        station: Station,
        batch: Batch,
        pages: Sequence[Page],
        ocr: dict[str, OcrResult],
        links: Sequence[PageLink],
        persons: Sequence[Person],
    ) -> None:
        with self.db.session() as s:
            if s.get(StationRecord, station.id) is None:
                clash = s.scalar(select(StationRecord).where(StationRecord.code == station.code))
                if clash is None:
                    s.add(StationRecord(id=station.id, code=station.code, name=station.name))
                    s.flush()
            b = batch
            rec = s.get(BatchRecord, b.id) or BatchRecord(id=b.id)
            rec.archive_id, rec.category, rec.station_id = b.archive_id, b.category.value, b.station_id
            loc = b.location
            rec.loc_room, rec.loc_cabinet, rec.loc_shelf = loc.room, loc.cabinet, loc.shelf
            rec.loc_box, rec.loc_volume = loc.box, loc.volume
            rec.loc_page_from, rec.loc_page_to = loc.page_from, loc.page_to
            rec.status, rec.expected_pages, rec.notes = b.status.value, b.expected_pages, b.notes
            rec.created_by, rec.created_at, rec.closed_at = (
                b.created_by,
                b.created_at or utcnow(),
                b.closed_at,
            )
            rec.paper_returned = b.paper_returned
            s.merge(rec)
            s.flush()
            for p in pages:
                s.merge(page_record(p))
            s.flush()
            for page_id, res in ocr.items():
                s.merge(
                    PageOcrRecord(
                        page_id=page_id,
                        engine=res.engine,
                        width=res.width,
                        height=res.height,
                        words=[w.to_dict() for w in res.words],
                        fields=[f.to_dict() for f in res.fields],
                    )
                )
            for person in persons:
                if s.get(PersonRecord, person.id) is None:
                    s.add(PersonRecord(**person_values(person)))
            s.flush()
            for link in links:
                existing = s.scalar(
                    select(PageLinkRecord).where(
                        PageLinkRecord.page_id == link.page_id, PageLinkRecord.person_id == link.person_id
                    )
                )
                if existing is None:
                    s.add(
                        PageLinkRecord(
                            id=link.id,
                            page_id=link.page_id,
                            person_id=link.person_id,
                            role=link.role,
                            score=link.score,
                            method=link.method.value,
                            reasons=list(link.reasons),
                            linked_by=link.linked_by,
                            linked_at=link.linked_at or utcnow(),
                        )
                    )

    def counts(self) -> dict[str, int]:
        with self.db.session() as s:
            return {
                "stations": int(s.scalar(select(func.count()).select_from(StationRecord)) or 0),
                "batches": int(s.scalar(select(func.count()).select_from(BatchRecord)) or 0),
                "pages": int(s.scalar(select(func.count()).select_from(PageRecord)) or 0),
                "links": int(s.scalar(select(func.count()).select_from(PageLinkRecord)) or 0),
            }


def as_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
