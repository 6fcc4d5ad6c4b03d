"""Repositories: the only code that turns ORM records into domain objects and back.

Each method opens its own short transaction through :class:`Database.session`, so
callers (services, worker threads) never hold a session or an ORM object.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select, update
from sqlalchemy.orm import Session, aliased

from hukou_scan.domain import (
    Batch,
    BatchCategory,
    BatchStatus,
    Household,
    Job,
    JobState,
    LinkMethod,
    OcrResult,
    Page,
    PageGeometry,
    PageLink,
    PageState,
    PaperLocation,
    Person,
    Station,
    SyncState,
    new_id,
)
from hukou_scan.errors import NotFoundError
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import (
    BatchRecord,
    HouseholdRecord,
    JobRecord,
    PageLinkRecord,
    PageOcrRecord,
    PageRecord,
    PersonRecord,
    StationRecord,
)
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.queue import PageThumbnailRecord

log = logging.getLogger(__name__)


# --- converters ----------------------------------------------------------------------
def station_from(r: StationRecord) -> Station:
    return Station(id=r.id, code=r.code, name=r.name)


def batch_from(r: BatchRecord) -> Batch:
    return Batch(
        id=r.id,
        archive_id=r.archive_id,
        category=BatchCategory(r.category),
        station_id=r.station_id,
        location=PaperLocation(
            room=r.loc_room,
            cabinet=r.loc_cabinet,
            shelf=r.loc_shelf,
            box=r.loc_box,
            volume=r.loc_volume,
            page_from=r.loc_page_from,
            page_to=r.loc_page_to,
        ),
        status=BatchStatus(r.status),
        expected_pages=r.expected_pages,
        notes=r.notes,
        created_by=r.created_by,
        created_at=r.created_at,
        closed_at=r.closed_at,
        paper_returned=r.paper_returned,
    )


def page_from(r: PageRecord) -> Page:
    return Page(
        id=r.id,
        batch_id=r.batch_id,
        seq=r.seq,
        original_sha256=r.original_sha256,
        captured_at=r.captured_at,
        operator=r.operator,
        source_device=r.source_device,
        processed_sha256=r.processed_sha256,
        derivative_sha256=r.derivative_sha256,
        dpi=r.dpi,
        geometry=PageGeometry.from_dict(r.geometry),
        quality=dict(r.quality or {}),
        process_meta=dict(r.process_meta or {}),
        state=PageState(r.state),
        ocr_state=r.ocr_state,
        ocr_text=r.ocr_text,
        ocr_engine=r.ocr_engine,
        state_reason=r.state_reason,
        sync_state=SyncState(r.sync_state),
        review_state=r.review_state,
    )


def page_record(p: Page) -> PageRecord:
    """The row for a page, every column (new captures, imports and restores alike)."""
    return PageRecord(
        id=p.id,
        batch_id=p.batch_id,
        seq=p.seq,
        original_sha256=p.original_sha256,
        processed_sha256=p.processed_sha256,
        derivative_sha256=p.derivative_sha256,
        captured_at=p.captured_at,
        operator=p.operator,
        source_device=p.source_device,
        dpi=p.dpi,
        geometry=p.geometry.to_dict(),
        quality=p.quality,
        process_meta=p.process_meta,
        state=p.state.value,
        state_reason=p.state_reason,
        ocr_state=p.ocr_state,
        ocr_engine=p.ocr_engine,
        ocr_text=p.ocr_text,
        sync_state=p.sync_state.value,
        review_state=p.review_state,
    )


def person_from(r: PersonRecord) -> Person:
    return Person(
        id=r.id,
        name=r.name,
        id_number=r.id_number,
        id_number_raw=r.id_number_raw,
        former_name=r.former_name,
        sex=r.sex,
        ethnicity=r.ethnicity,
        birth_date=r.birth_date,
        household_no=r.household_no,
        relation=r.relation,
        address=r.address,
        station=r.station,
        status=r.status,
        registered_on=r.registered_on,
        status_date=r.status_date,
    )


def person_values(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "id_number": p.id_number,
        "id_number_raw": p.id_number_raw,
        "former_name": p.former_name,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "birth_date": p.birth_date,
        "household_no": p.household_no,
        "relation": p.relation,
        "address": p.address,
        "station": p.station,
        "status": p.status,
        "registered_on": p.registered_on,
        "status_date": p.status_date,
    }


def link_from(r: PageLinkRecord) -> PageLink:
    return PageLink(
        id=r.id,
        page_id=r.page_id,
        person_id=r.person_id,
        role=r.role,
        score=r.score,
        method=LinkMethod(r.method),
        reasons=tuple(r.reasons or ()),
        linked_by=r.linked_by,
        linked_at=r.linked_at,
    )


def job_from(r: JobRecord) -> Job:
    return Job(
        id=r.id,
        kind=r.kind,
        page_id=r.page_id,
        state=JobState(r.state),
        attempts=r.attempts,
        params=dict(r.params or {}),
        error=r.error,
    )


# --- job claim -----------------------------------------------------------------------
CLAIM_TRIES = 5


def claim_oldest(s: Session, worker: str, *where: ColumnElement[bool]) -> JobRecord | None:
    """Take the oldest queued job matching ``where`` for ``worker``, inside the caller's transaction.

    The one claim of every local queue (:meth:`JobRepository.claim` by kind, the station's
    upload requests in :meth:`QueueStore.claim_sync <hukou_scan.storage.queue.QueueStore.claim_sync>`).
    It is an ``UPDATE … WHERE state = 'queued'`` on the candidate the query found, so two
    workers (or two stations on PostgreSQL) that found the same candidate cannot both take
    it: the loser's update touches no row and it looks again, a few times; ``None`` after
    that means "nothing for now", never an error.  The row comes back refreshed so that the
    caller can record more on it in the same transaction (the upload runner its process as
    holder, so that a claim is never visible without it).

    All tries share the caller's transaction: on PostgreSQL (read committed) every
    statement sees what others committed anyway; on SQLite the first update, even one
    that touched no row, holds the write lock until commit, so the next try cannot lose.
    """
    for _ in range(CLAIM_TRIES):
        cand = s.scalar(
            select(JobRecord.id)
            .where(*where, JobRecord.state == JobState.QUEUED.value)
            .order_by(JobRecord.created_at)
            .limit(1)
        )
        if cand is None:
            return None
        res = s.execute(
            update(JobRecord)
            .where(JobRecord.id == cand, JobRecord.state == JobState.QUEUED.value)
            .values(
                state=JobState.RUNNING.value,
                worker=worker,
                started_at=utcnow(),
                attempts=JobRecord.attempts + 1,
            )
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            r = s.get(JobRecord, cand)
            assert r is not None
            s.refresh(r)
            return r
    return None


# --- repositories --------------------------------------------------------------------
class StationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure(self, code: str, name: str) -> Station:
        """Return the station with ``code``, creating it on first use."""
        with self.db.session() as s:
            r = s.scalar(select(StationRecord).where(StationRecord.code == code))
            if r is None:
                r = StationRecord(id=new_id(), code=code, name=name)
                s.add(r)
                s.flush()
            return station_from(r)

    def get(self, station_id: str) -> Station:
        with self.db.session() as s:
            r = s.get(StationRecord, station_id)
            if r is None:
                raise NotFoundError("派出所不存在。", f"Station not found: {station_id}")
            return station_from(r)

    def list(self) -> list[Station]:
        with self.db.session() as s:
            return [station_from(r) for r in s.scalars(select(StationRecord).order_by(StationRecord.code))]


class BatchRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, b: Batch) -> Batch:
        with self.db.session() as s:
            s.add(
                BatchRecord(
                    id=b.id,
                    archive_id=b.archive_id,
                    category=b.category.value,
                    station_id=b.station_id,
                    loc_room=b.location.room,
                    loc_cabinet=b.location.cabinet,
                    loc_shelf=b.location.shelf,
                    loc_box=b.location.box,
                    loc_volume=b.location.volume,
                    loc_page_from=b.location.page_from,
                    loc_page_to=b.location.page_to,
                    status=b.status.value,
                    expected_pages=b.expected_pages,
                    notes=b.notes,
                    created_by=b.created_by,
                    created_at=b.created_at or utcnow(),
                )
            )
        return self.get(b.id)

    def get(self, batch_id: str) -> Batch:
        with self.db.session() as s:
            r = s.get(BatchRecord, batch_id)
            if r is None:
                raise NotFoundError("批次不存在。", f"Batch not found: {batch_id}")
            return batch_from(r)

    def archive_ids(self, batch_ids: Sequence[str]) -> dict[str, str]:
        """Batch id → 档号 for the ids that exist."""
        if not batch_ids:
            return {}
        with self.db.session() as s:
            rows = s.execute(
                select(BatchRecord.id, BatchRecord.archive_id).where(
                    BatchRecord.id.in_(list(batch_ids)[:2000])
                )
            ).all()
        return {str(i): str(a) for i, a in rows}

    def by_archive_id(self, archive_id: str) -> list[Batch]:
        """Batches carrying this 档号 (one per station at most in practice), newest first."""
        q = (
            select(BatchRecord)
            .where(BatchRecord.archive_id == archive_id)
            .order_by(BatchRecord.created_at.desc())
            .limit(50)
        )
        with self.db.session() as s:
            return [batch_from(r) for r in s.scalars(q)]

    def list(self, station_id: str | None = None, status: BatchStatus | None = None) -> list[Batch]:
        q = select(BatchRecord).order_by(BatchRecord.created_at.desc())
        if station_id:
            q = q.where(BatchRecord.station_id == station_id)
        if status:
            q = q.where(BatchRecord.status == status.value)
        with self.db.session() as s:
            return [batch_from(r) for r in s.scalars(q)]

    def set_status(self, batch_id: str, status: BatchStatus, paper_returned: bool | None = None) -> None:
        values: dict[str, Any] = {"status": status.value}
        if status == BatchStatus.CLOSED:
            values["closed_at"] = utcnow()
        if paper_returned is not None:
            values["paper_returned"] = paper_returned
        with self.db.session() as s:
            s.execute(update(BatchRecord).where(BatchRecord.id == batch_id).values(**values))


def page_number_column() -> ScalarSelect[int]:
    """SQL for :func:`hukou_scan.domain.models.page_numbers` of the ``PageRecord`` row in the
    enclosing query: how many visible pages of its batch come up to it (correlated subquery,
    served by the ``(batch_id, seq)`` index)."""
    other = aliased(PageRecord)
    return (
        select(func.count())
        .where(
            other.batch_id == PageRecord.batch_id,
            other.seq <= PageRecord.seq,
            other.state != PageState.DELETED.value,
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class ProcessedPart:
    """One part of a processing result as it goes into the database: the page columns
    (geometry as a :class:`PageGeometry`, state as :class:`PageState`) and its thumbnail."""

    values: dict[str, Any]
    thumbnail: bytes | None = None


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Domain values (enums, geometry) as page columns."""
    conv: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, PageGeometry):
            v = v.to_dict()
        elif hasattr(v, "value") and k in {"state", "sync_state"}:
            v = v.value
        conv[k] = v
    return conv


class PageRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Held around every read-modify-write of a page's geometry in this process (the
        # clerk's turns, corrections, and storing a processing result computed from an
        # older geometry): quick successive turns add up, and a slow result never
        # overwrites a newer turn.
        self.geometry_lock = threading.RLock()

    def page_numbers(self, page_ids: Sequence[str]) -> dict[str, int]:
        """The number a person reads for each page (see ``domain.page_numbers``); deleted pages are left out."""
        if not page_ids:
            return {}
        q = select(PageRecord.id, page_number_column()).where(
            PageRecord.id.in_(list(page_ids)), PageRecord.state != PageState.DELETED.value
        )
        with self.db.session() as s:
            return {str(pid): int(n) for pid, n in s.execute(q)}

    def next_seq(self, batch_id: str) -> int:
        with self.db.session() as s:
            cur = s.scalar(select(func.max(PageRecord.seq)).where(PageRecord.batch_id == batch_id))
            return int(cur or 0) + 1

    def add(self, p: Page) -> Page:
        """Insert a page row.  Call only after its original is durable in the blob store."""
        with self.db.session() as s:
            s.add(page_record(p))
        return p

    def get(self, page_id: str) -> Page:
        with self.db.session() as s:
            r = s.get(PageRecord, page_id)
            if r is None:
                raise NotFoundError("页面不存在。", f"Page not found: {page_id}")
            return page_from(r)

    def get_many(self, page_ids: Sequence[str]) -> list[Page]:
        if not page_ids:
            return []
        with self.db.session() as s:
            rows = {
                r.id: page_from(r) for r in s.scalars(select(PageRecord).where(PageRecord.id.in_(page_ids)))
            }
        return [rows[i] for i in page_ids if i in rows]

    def batch_versions(self, batch_id: str) -> list[tuple[str, str]]:
        """(page id, version) of the batch's visible pages in order, from light columns only.

        Why: the capture screen looks for changes every few seconds; hydrating every row
        of a long batch (JSON geometry, quality, process metadata, OCR text) each time
        made that work grow with the batch and held the GIL the UI thread needed (issue
        15).  The version changes whenever the row is updated (``updated_at``) and, to
        be safe with updates that bypass it, with its order, state and images.
        """
        q = (
            select(
                PageRecord.id,
                PageRecord.seq,
                PageRecord.state,
                PageRecord.processed_sha256,
                PageRecord.ocr_state,
                PageRecord.updated_at,
            )
            .where(PageRecord.batch_id == batch_id, PageRecord.state != PageState.DELETED.value)
            .order_by(PageRecord.seq)
        )
        with self.db.session() as s:
            return [
                (str(pid), f"{seq}|{state}|{sha or ''}|{ocr}|{upd.isoformat() if upd else ''}")
                for pid, seq, state, sha, ocr, upd in s.execute(q)
            ]

    def text_states(self, page_ids: Sequence[str]) -> dict[str, tuple[PageState, bool]]:
        """Page id → (state, whether it has recognised text), without hydrating the rows."""
        if not page_ids:
            return {}
        # the text's head (and length) is enough to tell blank from recognised: engines strip
        # their output, so a longer text made only of whitespace does not occur
        head = 256
        q = select(
            PageRecord.id,
            PageRecord.state,
            func.length(PageRecord.ocr_text),
            func.substr(PageRecord.ocr_text, 1, head),
        ).where(PageRecord.id.in_(list(page_ids)))
        with self.db.session() as s:
            return {
                str(pid): (PageState(state), bool((text or "").strip()) or int(n or 0) > head)
                for pid, state, n, text in s.execute(q)
            }

    def list_batch(self, batch_id: str, include_deleted: bool = False) -> list[Page]:
        q = select(PageRecord).where(PageRecord.batch_id == batch_id).order_by(PageRecord.seq)
        if not include_deleted:
            q = q.where(PageRecord.state != PageState.DELETED.value)
        with self.db.session() as s:
            return [page_from(r) for r in s.scalars(q)]

    def update(self, page_id: str, **values: Any) -> None:
        """Update columns of one page; domain enums and geometry are converted here."""
        with self.db.session() as s:
            s.execute(update(PageRecord).where(PageRecord.id == page_id).values(**_columns(values)))

    def record_processed(
        self, page: Page, parts: Sequence[ProcessedPart], follow_up: str | None = None
    ) -> list[str]:
        """Store a processing result in one transaction: the page row (and, for a spread,
        the new rows of its further parts, with the later pages moved up), each part's
        thumbnail, and a ``follow_up`` job (OCR) per part.

        One transaction because the queue's jobs must exist exactly when the rows they
        concern do: a crash between the two used to leave processed pages that nobody
        would ever read, and a shared queue defers its jobs in this same transaction.
        """
        out: list[str] = []
        with self.db.session() as s:
            for i, part in enumerate(parts):
                if i == 0:
                    pid = page.id
                else:
                    seq = page.seq + i
                    s.execute(
                        update(PageRecord)
                        .where(
                            PageRecord.batch_id == page.batch_id,
                            PageRecord.seq >= seq,
                            PageRecord.id.not_in([page.id, *out]),
                        )
                        .values(seq=PageRecord.seq + 1)
                    )
                    pid = new_id()
                    s.add(
                        page_record(
                            Page(
                                id=pid,
                                batch_id=page.batch_id,
                                seq=seq,
                                original_sha256=page.original_sha256,
                                captured_at=page.captured_at,
                                operator=page.operator,
                                source_device=page.source_device,
                            )
                        )
                    )
                    s.flush()
                s.execute(update(PageRecord).where(PageRecord.id == pid).values(**_columns(part.values)))
                if part.thumbnail:
                    s.merge(
                        PageThumbnailRecord(
                            page_id=pid,
                            source_sha256=str(part.values.get("derivative_sha256") or ""),
                            jpeg=part.thumbnail,
                            created_at=utcnow(),
                        )
                    )
                if follow_up:
                    s.add(JobRecord(id=new_id(), kind=follow_up, page_id=pid, params={}, state="queued"))
                out.append(pid)
        return out

    def save_thumbnail(self, page_id: str, source_sha256: str, jpeg: bytes) -> None:
        """Store (or replace) a page's thumbnail made later, e.g. by a ``thumb`` job."""
        with self.db.session() as s:
            s.merge(
                PageThumbnailRecord(
                    page_id=page_id, source_sha256=source_sha256, jpeg=jpeg, created_at=utcnow()
                )
            )

    def thumbnail(self, page_id: str) -> bytes | None:
        """The page's stored thumbnail, or ``None`` when there is none (yet)."""
        with self.db.session() as s:
            data = s.scalar(select(PageThumbnailRecord.jpeg).where(PageThumbnailRecord.page_id == page_id))
        return bytes(data) if data is not None else None

    def pages_without_thumbnail(self, limit: int = 10_000) -> list[str]:
        """Live processed pages whose thumbnail is missing or shows an older derivative."""
        q = (
            select(PageRecord.id)
            .outerjoin(PageThumbnailRecord, PageThumbnailRecord.page_id == PageRecord.id)
            .where(
                PageRecord.derivative_sha256.is_not(None),
                PageRecord.state != PageState.DELETED.value,
                (PageThumbnailRecord.page_id.is_(None))
                | (PageThumbnailRecord.source_sha256 != PageRecord.derivative_sha256),
            )
            .order_by(PageRecord.captured_at)
            .limit(limit)
        )
        with self.db.session() as s:
            return [str(r) for r in s.scalars(q)]

    def referenced_hashes(self) -> set[str]:
        """Every page-store file a page refers to: its images and the empty-desk picture
        its detection compares with (``geometry.desk_ref``), which the sweep must keep."""
        with self.db.session() as s:
            rows = s.execute(
                select(
                    PageRecord.original_sha256,
                    PageRecord.processed_sha256,
                    PageRecord.derivative_sha256,
                    PageRecord.geometry,
                )
            ).all()
        out: set[str] = set()
        for *hashes, geometry in rows:
            out.update(h for h in hashes if h)
            ref = (geometry or {}).get("desk_ref") if isinstance(geometry, dict) else None
            if ref:
                out.add(str(ref))
        return out

    def archive_pages_by_blob(self, shas: Sequence[str], limit: int = 50) -> list[tuple[str, int]]:
        """(档号, page number) of pages whose original, processed or cleaned image is in ``shas``."""
        if not shas:
            return []
        wanted = list(shas)[:1000]
        cols = (PageRecord.original_sha256, PageRecord.processed_sha256, PageRecord.derivative_sha256)
        with self.db.session() as s:
            ids = list(
                s.scalars(
                    select(PageRecord.id)
                    .where(
                        cols[0].in_(wanted) | cols[1].in_(wanted) | cols[2].in_(wanted),
                        PageRecord.state != PageState.DELETED.value,
                    )
                    .limit(limit)
                )
            )
        return sorted(self.archive_labels(ids).values())

    def archive_labels(self, page_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Page id → (档号, page number) for what people read instead of internal ids.

        The page number is the page's position among the batch's pages that are not
        deleted (what the viewer shows), so the paper sheet can be found; a deleted page
        keeps its capture sequence number.
        """
        if not page_ids:
            return {}
        out: dict[str, tuple[str, int]] = {}
        with self.db.session() as s:
            rows = s.execute(
                select(
                    PageRecord.id,
                    BatchRecord.archive_id,
                    PageRecord.batch_id,
                    PageRecord.seq,
                    PageRecord.state,
                )
                .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
                .where(PageRecord.id.in_(list(page_ids)[:2000]))
            ).all()
            for page_id, archive_id, batch_id, seq, state in rows:
                position: int | None = seq
                if state != PageState.DELETED.value:
                    position = s.scalar(
                        select(func.count())
                        .select_from(PageRecord)
                        .where(
                            PageRecord.batch_id == batch_id,
                            PageRecord.seq <= seq,
                            PageRecord.state != PageState.DELETED.value,
                        )
                    )
                out[str(page_id)] = (str(archive_id), int(position or seq))
        return out

    def find_by_original(self, sha: str) -> Page | None:
        with self.db.session() as s:
            r = s.scalar(
                select(PageRecord)
                .where(PageRecord.original_sha256 == sha, PageRecord.state != PageState.DELETED.value)
                .limit(1)
            )
            return page_from(r) if r else None

    def save_ocr(self, page_id: str, result: OcrResult) -> None:
        """Store words/fields and the page's text in one transaction."""
        with self.db.session() as s:
            write_ocr(s, page_id, result)

    def get_ocr(self, page_id: str) -> OcrResult | None:
        with self.db.session() as s:
            rec = s.get(PageOcrRecord, page_id)
            page = s.get(PageRecord, page_id)
            if rec is None or page is None:
                return None
            return OcrResult.from_dict(
                {
                    "text": page.ocr_text,
                    "words": rec.words,
                    "fields": rec.fields,
                    "engine": rec.engine,
                    "width": rec.width,
                    "height": rec.height,
                }
            )


class PersonRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upsert_many(self, persons: Iterable[Person]) -> tuple[int, int]:
        """Insert or update persons keyed by ID number (or by id when no number). Returns (added, updated)."""
        added = updated = 0
        with self.db.session() as s:
            for p in persons:
                existing = None
                if p.id_number:
                    existing = s.scalar(
                        select(PersonRecord).where(PersonRecord.id_number == p.id_number).limit(1)
                    )
                if existing is None:
                    existing = s.get(PersonRecord, p.id)
                if existing is None:
                    s.add(PersonRecord(**person_values(p)))
                    added += 1
                else:
                    for k, v in person_values(p).items():
                        if k != "id":
                            setattr(existing, k, v)
                    updated += 1
        return added, updated

    def get(self, person_id: str) -> Person:
        with self.db.session() as s:
            r = s.get(PersonRecord, person_id)
            if r is None:
                raise NotFoundError("人员不存在。", f"Person not found: {person_id}")
            return person_from(r)

    def names(self, person_ids: Sequence[str]) -> dict[str, str]:
        """Person id → name for the ids that exist."""
        if not person_ids:
            return {}
        with self.db.session() as s:
            rows = s.execute(
                select(PersonRecord.id, PersonRecord.name).where(PersonRecord.id.in_(list(person_ids)[:2000]))
            ).all()
        return {str(i): str(n) for i, n in rows}

    def by_id_number(self, id_number: str) -> list[Person]:
        with self.db.session() as s:
            return [
                person_from(r)
                for r in s.scalars(select(PersonRecord).where(PersonRecord.id_number == id_number))
            ]

    def by_name(self, name: str) -> list[Person]:
        with self.db.session() as s:
            q = select(PersonRecord).where((PersonRecord.name == name) | (PersonRecord.former_name == name))
            return [person_from(r) for r in s.scalars(q)]

    def by_household(self, household_no: str) -> list[Person]:
        with self.db.session() as s:
            q = (
                select(PersonRecord)
                .where(PersonRecord.household_no == household_no)
                .order_by(PersonRecord.name)
            )
            return [person_from(r) for r in s.scalars(q)]

    def count(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(PersonRecord)) or 0)

    def upsert_household(self, h: Household) -> None:
        with self.db.session() as s:
            r = s.scalar(select(HouseholdRecord).where(HouseholdRecord.household_no == h.household_no))
            if r is None:
                s.add(
                    HouseholdRecord(
                        id=h.id,
                        household_no=h.household_no,
                        head_name=h.head_name,
                        address=h.address,
                        station_code=h.station_code,
                    )
                )
            else:
                r.head_name, r.address, r.station_code = h.head_name, h.address, h.station_code


class LinkRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def pages_with_links(self, page_ids: Sequence[str]) -> set[str]:
        """Which of ``page_ids`` are linked to at least one person (one query for a page strip)."""
        if not page_ids:
            return set()
        with self.db.session() as s:
            q = select(PageLinkRecord.page_id).where(PageLinkRecord.page_id.in_(list(page_ids))).distinct()
            return {str(pid) for pid in s.scalars(q)}

    def link(self, link: PageLink) -> PageLink:
        """Create or update the page↔person link (one row per pair)."""
        with self.db.session() as s:
            r = s.scalar(
                select(PageLinkRecord).where(
                    PageLinkRecord.page_id == link.page_id, PageLinkRecord.person_id == link.person_id
                )
            )
            if r is None:
                r = PageLinkRecord(id=link.id, page_id=link.page_id, person_id=link.person_id)
                s.add(r)
            r.role, r.score, r.method = link.role, link.score, link.method.value
            r.reasons, r.linked_by = list(link.reasons), link.linked_by
            r.linked_at = link.linked_at or utcnow()
            s.flush()
            return link_from(r)

    def unlink(self, page_id: str, person_id: str) -> bool:
        with self.db.session() as s:
            r = s.scalar(
                select(PageLinkRecord).where(
                    PageLinkRecord.page_id == page_id, PageLinkRecord.person_id == person_id
                )
            )
            if r is None:
                return False
            s.delete(r)
            return True

    def for_page(self, page_id: str) -> list[PageLink]:
        with self.db.session() as s:
            q = (
                select(PageLinkRecord)
                .where(PageLinkRecord.page_id == page_id)
                .order_by(PageLinkRecord.score.desc())
            )
            return [link_from(r) for r in s.scalars(q)]

    def for_person(self, person_id: str) -> list[PageLink]:
        with self.db.session() as s:
            q = select(PageLinkRecord).where(PageLinkRecord.person_id == person_id)
            return [link_from(r) for r in s.scalars(q)]


class JobRepository:
    """Persistent work queue.  Claiming is an UPDATE … WHERE state='queued' so two
    workers (or two stations on PostgreSQL) never take the same job."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, kind: str, page_id: str | None = None, params: dict[str, Any] | None = None) -> Job:
        job_id = new_id()
        with self.db.session() as s:
            s.add(JobRecord(id=job_id, kind=kind, page_id=page_id, params=params or {}, state="queued"))
        return Job(id=job_id, kind=kind, page_id=page_id, state=JobState.QUEUED, params=params or {})

    def claim(self, kind: str, worker: str) -> Job | None:
        """The oldest queued job of ``kind``, now running for ``worker`` (``None``: none left)."""
        with self.db.session() as s:
            r = claim_oldest(s, worker, JobRecord.kind == kind)
            return None if r is None else job_from(r)

    def finish(self, job_id: str, state: JobState, error: str = "") -> None:
        with self.db.session() as s:
            s.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id)
                .values(state=state.value, error=error, finished_at=utcnow())
            )

    def requeue(self, job_id: str, error: str = "") -> None:
        with self.db.session() as s:
            s.execute(update(JobRecord).where(JobRecord.id == job_id).values(state="queued", error=error))

    def release(self, job_id: str, error: str = "") -> None:
        """Back to the queue without charging the attempt (interrupted, not failed)."""
        with self.db.session() as s:
            s.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id)
                .values(state=JobState.QUEUED.value, error=error, attempts=JobRecord.attempts - 1)
            )

    def recover_running(self, kind: str | None = None) -> int:
        """After a crash, jobs left 'running' go back to the queue."""
        q = update(JobRecord).where(JobRecord.state == JobState.RUNNING.value)
        if kind:
            q = q.where(JobRecord.kind == kind)
        with self.db.session() as s:
            res = s.execute(q.values(state=JobState.QUEUED.value))
            n = int(res.rowcount or 0)  # type: ignore[attr-defined]
        if n:
            log.info("re-queued %d interrupted job(s)", n)
        return n

    def counts(self, kind: str) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(
                select(JobRecord.state, func.count()).where(JobRecord.kind == kind).group_by(JobRecord.state)
            ).all()
        return {str(state): int(n) for state, n in rows}

    def get(self, job_id: str) -> Job:
        with self.db.session() as s:
            r = s.get(JobRecord, job_id)
            if r is None:
                raise NotFoundError("任务不存在。", f"Job not found: {job_id}")
            return job_from(r)

    def cancel_queued(self, kind: str) -> int:
        with self.db.session() as s:
            res = s.execute(
                update(JobRecord)
                .where(JobRecord.kind == kind, JobRecord.state == JobState.QUEUED.value)
                .values(state=JobState.CANCELLED.value, finished_at=utcnow())
            )
            return int(res.rowcount or 0)  # type: ignore[attr-defined]


def now() -> datetime:
    return utcnow()


def write_ocr(s: Session, page_id: str, result: OcrResult) -> None:
    """Replace a page's words/fields row and its text inside the caller's transaction.

    One ``page_ocr`` row per page (its primary key): writing twice replaces, never adds,
    which is what makes a retried recognition job harmless.
    """
    rec = s.get(PageOcrRecord, page_id)
    words = [w.to_dict() for w in result.words]
    fields = [f.to_dict() for f in result.fields]
    if rec is None:
        s.add(
            PageOcrRecord(
                page_id=page_id,
                engine=result.engine,
                width=result.width,
                height=result.height,
                words=words,
                fields=fields,
            )
        )
    else:
        rec.engine, rec.width, rec.height, rec.words, rec.fields = (
            result.engine,
            result.width,
            result.height,
            words,
            fields,
        )
    s.execute(
        update(PageRecord)
        .where(PageRecord.id == page_id)
        .values(ocr_text=result.text, ocr_engine=result.engine, ocr_state="done")
    )
