"""Storage side of the shared job queue and the re-OCR campaigns (issue 19).

The ``jobs`` table stays the record of every piece of background work (what the OCR
queue screen counts, what a re-run supersedes).  With the ``procrastinate`` backend on
PostgreSQL, :func:`install_defer_hook` makes every ``jobs`` row of a queued kind also a
procrastinate job *in the same transaction* (an ``after_flush`` hook calling
procrastinate's own ``procrastinate_defer_jobs_v1``): a page's OCR job exists exactly when
the row that asked for it was committed, with no broker to keep in step.

The completion writes are what make a job idempotent: :meth:`QueueStore.complete_ocr`
replaces the page's text rows, moves its state, closes the job and asks for the index
update in one transaction, so a worker killed at any moment leaves either everything or
nothing, and :meth:`QueueStore.begin` turns a redelivered job that already finished into a
no-op.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, event, func, select, text, update
from sqlalchemy.orm import Session, UOWTransaction

from hukou_scan.domain.models import Job, JobState, OcrResult, PageState, new_id
from hukou_scan.errors import NotFoundError
from hukou_scan.storage.db import Database
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.core import BatchRecord, JobRecord, PageRecord
from hukou_scan.storage.records.queue import (
    PageThumbnailRecord,
    ReocrCampaignRecord,
    ReocrCandidateRecord,
)
from hukou_scan.storage.repositories import job_from, write_ocr

log = logging.getLogger(__name__)

QUEUE_NAME = "hukou"
# kind → (procrastinate task name, priority; higher runs first): fresh captures before
# their index updates before thumbnail backfills before re-OCR campaigns.
TASKS: dict[str, tuple[str, int]] = {
    "ocr": ("hukou.ocr", 100),
    "index": ("hukou.index", 90),
    "thumb": ("hukou.thumb", 50),
    "sync": ("hukou.sync", 40),
    "reocr": ("hukou.reocr", 10),
}
# Uploads run where the files are: a station's sync jobs wait in that station's own queue,
# taken by its GUI's background sync or its ``hukou-scan worker --sync``.
SYNC_KIND = "sync"
# A station that lost its network must not fail its upload for good after two tries: the
# job is retried with growing waits (and the periodic run catches up after that).
TASK_ATTEMPTS: dict[str, int] = {SYNC_KIND: 8}


def sync_queue(station_id: str) -> str:
    """The procrastinate queue of one station's uploads."""
    return f"hukou-sync-{station_id}"
_LATER_STATES = {PageState.LINKED.value, PageState.REVIEWED.value, PageState.SYNCED.value}
_FINAL = {JobState.DONE.value, JobState.CANCELLED.value, JobState.FAILED.value}

# One statement for any number of jobs: the rows travel as one JSON array.
_DEFER_SQL = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY("
    " SELECT ROW(j->>'queue', j->>'task', (j->>'priority')::int, j->>'lock', NULL,"
    " j->'args', NULL)::procrastinate_job_to_defer_v1"
    " FROM jsonb_array_elements(CAST(:jobs AS jsonb)) AS j))"
)


def install_defer_hook(db: Database) -> None:
    """Defer every new ``jobs`` row of a queued kind to procrastinate in its own transaction.

    PostgreSQL only (procrastinate's schema is installed by migration 0011_queue there).
    The procrastinate job carries the ``jobs`` row id; its lock is the page id, so two
    jobs of one page (an OCR and its re-run) never run at the same time.
    """
    if db.is_sqlite:
        raise ValueError("the procrastinate queue needs PostgreSQL")

    def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
        rows = [o for o in session.new if isinstance(o, JobRecord) and o.kind in TASKS]
        if not rows:
            return
        jobs = []
        for r in rows:
            task, priority = TASKS[r.kind]
            params = r.params or {}
            station = str(params.get("station_id") or "")
            if r.kind == SYNC_KIND:  # one upload run per station at a time, on its own machine
                queue, lock = sync_queue(station), f"sync:{station}"
            else:
                queue, lock = QUEUE_NAME, (f"page:{r.page_id}" if r.page_id else None)
            jobs.append(
                {
                    "queue": queue,
                    "task": task,
                    "priority": int(params.get("priority", priority)),
                    "lock": lock,
                    "args": {"job_id": r.id},
                }
            )
        session.connection().execute(_DEFER_SQL, {"jobs": json.dumps(jobs)})
        log.debug("deferred %d job(s) to procrastinate", len(jobs))

    event.listen(db.session_factory, "after_flush", _after_flush)


@dataclass(frozen=True)
class Campaign:
    """A re-OCR campaign and its progress."""

    id: str
    name: str
    status: str
    engine: str
    mode: str
    selection: dict[str, Any]
    total: int
    created_by: str
    created_at: datetime
    read: int = 0  # pages with a candidate
    pending: int = 0  # candidates awaiting review
    accepted: int = 0
    rejected: int = 0
    queued: int = 0  # jobs waiting or running
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Candidate:
    """One page's new reading beside the text it would replace."""

    id: str
    campaign_id: str
    page_id: str
    old_engine: str
    old_text: str
    new_text: str
    status: str
    result: dict[str, Any]


def _candidate(r: ReocrCandidateRecord) -> Candidate:
    return Candidate(r.id, r.campaign_id, r.page_id, r.old_engine, r.old_text, r.new_text, r.status, r.result)


class QueueStore:
    """Job transitions and campaign rows; every method is one transaction."""

    def __init__(self, db: Database, *, defer_index: bool = True) -> None:
        self.db = db
        self.defer_index = defer_index

    # --- jobs ----------------------------------------------------------------------------
    def begin(self, job_id: str, worker: str) -> Job | None:
        """Take a job delivered by the queue; ``None`` when there is nothing (left) to do.

        A job already done, cancelled or failed is a redelivery (its worker was killed
        after committing): nothing happens.  A row left "running" by a killed worker is
        taken over (the queue's lock guarantees no one else holds it).
        """
        with self.db.session() as s:
            r = s.scalar(select(JobRecord).where(JobRecord.id == job_id).with_for_update())
            if r is None or r.state in _FINAL:
                return None
            r.state = JobState.RUNNING.value
            r.worker = worker[:100]
            r.started_at = utcnow()
            r.attempts = (r.attempts or 0) + 1
            s.flush()
            return job_from(r)

    def complete_ocr(self, job: Job, result: OcrResult) -> None:
        """Text rows, page state, job done and the index job: all or nothing."""
        assert job.page_id is not None
        with self.db.session() as s:
            write_ocr(s, job.page_id, result)
            page = s.get(PageRecord, job.page_id)
            if page is not None and page.state not in _LATER_STATES:
                page.state, page.state_reason = PageState.RECOGNIZED.value, ""
            self._close(s, job.id, JobState.DONE)
            if self.defer_index:
                s.add(JobRecord(id=new_id(), kind="index", page_id=job.page_id, params={}, state="queued"))

    def complete_reocr(self, job: Job, campaign_id: str, result: OcrResult) -> None:
        """Keep the new reading as the page's candidate in the campaign (replacing an earlier one)."""
        assert job.page_id is not None
        with self.db.session() as s:
            page = s.get(PageRecord, job.page_id)
            if page is None:
                raise NotFoundError("页面不存在。", f"Page not found: {job.page_id}")
            rec = s.scalar(
                select(ReocrCandidateRecord).where(
                    ReocrCandidateRecord.campaign_id == campaign_id,
                    ReocrCandidateRecord.page_id == job.page_id,
                )
            )
            if rec is None:
                rec = ReocrCandidateRecord(id=new_id(), campaign_id=campaign_id, page_id=job.page_id)
                s.add(rec)
            rec.old_engine, rec.old_text = page.ocr_engine, page.ocr_text
            rec.new_text, rec.result, rec.status = result.text, result.to_dict(), "pending"
            rec.reviewed_by, rec.reviewed_at = "", None
            self._close(s, job.id, JobState.DONE)

    def complete_thumbnail(self, job: Job, source_sha256: str, jpeg: bytes) -> None:
        """The page's thumbnail and the job's end, together (a redelivered job finds it done)."""
        assert job.page_id is not None
        with self.db.session() as s:
            s.merge(
                PageThumbnailRecord(
                    page_id=job.page_id, source_sha256=source_sha256, jpeg=jpeg, created_at=utcnow()
                )
            )
            self._close(s, job.id, JobState.DONE)

    def queue_thumbnails(self, page_ids: Sequence[str]) -> int:
        """A ``thumb`` job for each page that has no queued one yet (one transaction)."""
        with self.db.session() as s:
            queued = set(
                s.scalars(
                    select(JobRecord.page_id).where(
                        JobRecord.kind == "thumb", JobRecord.state == JobState.QUEUED.value
                    )
                )
            )
            fresh = [pid for pid in dict.fromkeys(page_ids) if pid not in queued]
            s.add_all(
                JobRecord(id=new_id(), kind="thumb", page_id=pid, params={}, state="queued") for pid in fresh
            )
        return len(fresh)

    def request_sync(self, station_id: str) -> bool:
        """Ask for an upload run of ``station_id`` (after a capture or a processed page);
        ``False`` when one is already waiting.  Two concurrent requests may both queue
        one: the second run then finds nothing left to upload."""
        with self.db.session() as s:
            waiting = s.scalar(
                select(JobRecord.id)
                .where(
                    JobRecord.kind == SYNC_KIND,
                    JobRecord.state == JobState.QUEUED.value,
                    JobRecord.params["station_id"].as_string() == station_id,
                )
                .limit(1)
            )
            if waiting is not None:
                return False
            s.add(JobRecord(id=new_id(), kind=SYNC_KIND, params={"station_id": station_id}, state="queued"))
        return True

    def waiting_sync_requests(self, station_id: str) -> int:
        """How many upload requests of the station wait (the background sync polls this, so
        a page captured by another process of the station is uploaded soon too)."""
        with self.db.session() as s:
            return int(
                s.scalar(
                    select(func.count()).where(
                        JobRecord.kind == SYNC_KIND,
                        JobRecord.state == JobState.QUEUED.value,
                        JobRecord.params["station_id"].as_string() == station_id,
                    )
                )
                or 0
            )

    def take_sync_requests(self, station_id: str, worker: str) -> list[str]:
        """Mark the station's waiting upload requests as running (the run about to start
        answers them all); returns their ids for :meth:`close_sync_requests`."""
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(JobRecord).where(
                        JobRecord.kind == SYNC_KIND,
                        JobRecord.state == JobState.QUEUED.value,
                        JobRecord.params["station_id"].as_string() == station_id,
                    )
                )
            )
            for r in rows:
                r.state, r.worker, r.started_at = JobState.RUNNING.value, worker[:100], utcnow()
                r.attempts = (r.attempts or 0) + 1
            return [r.id for r in rows]

    def close_sync_requests(self, job_ids: Sequence[str], error: str = "") -> None:
        """Done after a run that reached the target; waiting again (with the error) if not."""
        if not job_ids:
            return
        state = JobState.QUEUED if error else JobState.DONE
        with self.db.session() as s:
            s.execute(
                update(JobRecord)
                .where(JobRecord.id.in_(list(job_ids)), JobRecord.state == JobState.RUNNING.value)
                .values(state=state.value, error=error, finished_at=None if error else utcnow())
            )

    def finish(self, job_id: str, state: JobState, error: str = "") -> None:
        with self.db.session() as s:
            self._close(s, job_id, state, error)

    def fail(self, job: Job, reason: str, *, mark_page: bool) -> None:
        """The job failed for good; an OCR job's page shows why (a re-OCR leaves the page alone)."""
        with self.db.session() as s:
            self._close(s, job.id, JobState.FAILED, reason)
            if mark_page and job.page_id:
                s.execute(
                    update(PageRecord)
                    .where(PageRecord.id == job.page_id)
                    .values(state=PageState.FAILED.value, state_reason=reason, ocr_state="failed")
                )

    def retry_later(self, job_id: str, reason: str) -> None:
        """Back to queued while the queue retries it (the row shows the last error)."""
        with self.db.session() as s:
            s.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id)
                .values(state=JobState.QUEUED.value, error=reason)
            )

    @staticmethod
    def _close(s: Session, job_id: str, state: JobState, error: str = "") -> None:
        s.execute(
            update(JobRecord)
            .where(JobRecord.id == job_id)
            .values(state=state.value, error=error, finished_at=utcnow())
        )

    # --- campaigns -----------------------------------------------------------------------
    def select_pages(
        self,
        station_id: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        engine_version: str | None = None,
    ) -> list[str]:
        """Pages with recognised text matching the selection (capture date range is [from, to))."""
        q = (
            select(PageRecord.id)
            .where(PageRecord.state != PageState.DELETED.value, PageRecord.ocr_state == "done")
            .order_by(PageRecord.captured_at, PageRecord.id)
        )
        if station_id:
            q = q.join(BatchRecord, BatchRecord.id == PageRecord.batch_id).where(
                BatchRecord.station_id == station_id
            )
        if date_from is not None:
            q = q.where(PageRecord.captured_at >= date_from)
        if date_to is not None:
            q = q.where(PageRecord.captured_at < date_to)
        if engine_version:
            q = q.where(PageRecord.ocr_engine == engine_version)
        with self.db.session() as s:
            return list(s.scalars(q))

    def create_campaign(
        self,
        name: str,
        engine: str,
        mode: str,
        selection: dict[str, Any],
        page_ids: Sequence[str],
        created_by: str,
    ) -> str:
        """The campaign row and one re-OCR job per page, in one transaction."""
        cid = new_id()
        with self.db.session() as s:
            s.add(
                ReocrCampaignRecord(
                    id=cid,
                    name=name,
                    status="running",
                    engine=engine,
                    mode=mode,
                    selection=selection,
                    total=len(page_ids),
                    created_by=created_by,
                )
            )
            s.flush()
            self._add_jobs(s, cid, engine, mode, page_ids)
        return cid

    @staticmethod
    def _add_jobs(s: Session, cid: str, engine: str, mode: str, page_ids: Sequence[str]) -> None:
        params = {"campaign_id": cid, "engine": engine, "mode": mode}
        s.add_all(
            JobRecord(id=new_id(), kind="reocr", page_id=pid, params=dict(params), state="queued")
            for pid in page_ids
        )

    def _campaign_jobs(self, cid: str) -> Any:
        return and_(JobRecord.kind == "reocr", JobRecord.params["campaign_id"].as_string() == cid)

    def get_campaign(self, cid: str) -> Campaign:
        with self.db.session() as s:
            r = s.get(ReocrCampaignRecord, cid)
            if r is None:
                raise NotFoundError("重新识别任务不存在。", f"Re-OCR campaign not found: {cid}")
            counts = dict(
                s.execute(
                    select(ReocrCandidateRecord.status, func.count())
                    .where(ReocrCandidateRecord.campaign_id == cid)
                    .group_by(ReocrCandidateRecord.status)
                ).all()
            )
            jobs = dict(
                s.execute(
                    select(JobRecord.state, func.count())
                    .where(self._campaign_jobs(cid))
                    .group_by(JobRecord.state)
                ).all()
            )
            read = sum(int(v) for v in counts.values())
            queued = int(jobs.get("queued", 0)) + int(jobs.get("running", 0))
            status = r.status
            if status == "running" and queued == 0:
                status = "done"
            return Campaign(
                r.id,
                r.name,
                status,
                r.engine,
                r.mode,
                dict(r.selection or {}),
                r.total,
                r.created_by,
                r.created_at,
                read=read,
                pending=int(counts.get("pending", 0)),
                accepted=int(counts.get("accepted", 0)),
                rejected=int(counts.get("rejected", 0)),
                queued=queued,
                failed=int(jobs.get("failed", 0)),
            )

    def list_campaigns(self) -> list[Campaign]:
        with self.db.session() as s:
            ids = list(s.scalars(select(ReocrCampaignRecord.id).order_by(ReocrCampaignRecord.created_at)))
        return [self.get_campaign(i) for i in ids]

    def pause_campaign(self, cid: str) -> int:
        """Stop handing out the campaign's pages; returns how many waiting jobs were withdrawn.

        The ``jobs`` rows are cancelled (a worker that still gets one does nothing) and, on
        PostgreSQL, the matching procrastinate jobs that have not started are cancelled too.
        Pages being read right now finish and keep their candidate.
        """
        with self.db.session() as s:
            self._require(s, cid)
            s.execute(
                update(ReocrCampaignRecord).where(ReocrCampaignRecord.id == cid).values(status="paused")
            )
            ids = list(
                s.scalars(
                    select(JobRecord.id).where(
                        self._campaign_jobs(cid), JobRecord.state == JobState.QUEUED.value
                    )
                )
            )
            if ids:
                s.execute(
                    update(JobRecord)
                    .where(JobRecord.id.in_(ids))
                    .values(state=JobState.CANCELLED.value, error="campaign paused", finished_at=utcnow())
                )
                if not self.db.is_sqlite:
                    s.execute(
                        text(
                            "UPDATE procrastinate_jobs SET status = 'cancelled' WHERE status = 'todo'"
                            " AND task_name = :task AND args->>'job_id' = ANY(:ids)"
                        ),
                        {"task": TASKS["reocr"][0], "ids": ids},
                    )
            return len(ids)

    def resume_campaign(self, cid: str) -> int:
        """Queue again every page of the campaign without a candidate and without a live job."""
        with self.db.session() as s:
            r = self._require(s, cid)
            r.status = "running"
            campaign_pages = set(
                s.scalars(select(JobRecord.page_id).where(self._campaign_jobs(cid)).distinct())
            )
            live = set(
                s.scalars(
                    select(JobRecord.page_id).where(
                        self._campaign_jobs(cid),
                        JobRecord.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]),
                    )
                )
            )
            read = set(
                s.scalars(select(ReocrCandidateRecord.page_id).where(ReocrCandidateRecord.campaign_id == cid))
            )
            todo = sorted(p for p in campaign_pages - live - read if p)
            self._add_jobs(s, cid, r.engine, r.mode, todo)
            return len(todo)

    def campaign_status(self, cid: str) -> str:
        with self.db.session() as s:
            return self._require(s, cid).status

    @staticmethod
    def _require(s: Session, cid: str) -> ReocrCampaignRecord:
        r = s.get(ReocrCampaignRecord, cid)
        if r is None:
            raise NotFoundError("重新识别任务不存在。", f"Re-OCR campaign not found: {cid}")
        return r

    def candidates(
        self, cid: str, page_ids: Sequence[str] = (), status: str | None = None, limit: int = 1000
    ) -> list[Candidate]:
        q = select(ReocrCandidateRecord).where(ReocrCandidateRecord.campaign_id == cid)
        if page_ids:
            q = q.where(ReocrCandidateRecord.page_id.in_(list(page_ids)))
        if status:
            q = q.where(ReocrCandidateRecord.status == status)
        with self.db.session() as s:
            return [
                _candidate(r) for r in s.scalars(q.order_by(ReocrCandidateRecord.created_at).limit(limit))
            ]

    def accept(self, candidate_id: str, reviewer: str, *, force: bool = False) -> str:
        """Make a pending candidate the page's reading; returns ``accepted`` or why not.

        Refused (``changed``) when the page's text is no longer the one the candidate was
        read against (corrected or re-read meanwhile), unless ``force``: a reviewer decides
        against what is there now, never against a stale copy.
        """
        with self.db.session() as s:
            r = s.scalar(
                select(ReocrCandidateRecord).where(ReocrCandidateRecord.id == candidate_id).with_for_update()
            )
            if r is None or r.status != "pending":
                return "not_pending"
            page = s.get(PageRecord, r.page_id)
            if page is None:
                return "no_page"
            if page.ocr_text != r.old_text and not force:
                return "changed"
            write_ocr(s, r.page_id, OcrResult.from_dict(r.result))
            r.status, r.reviewed_by, r.reviewed_at = "accepted", reviewer[:100], utcnow()
            if self.defer_index:
                s.add(JobRecord(id=new_id(), kind="index", page_id=r.page_id, params={}, state="queued"))
            return "accepted"

    def reject(self, candidate_id: str, reviewer: str) -> bool:
        with self.db.session() as s:
            res = s.execute(
                update(ReocrCandidateRecord)
                .where(ReocrCandidateRecord.id == candidate_id, ReocrCandidateRecord.status == "pending")
                .values(status="rejected", reviewed_by=reviewer[:100], reviewed_at=utcnow())
            )
            return bool(res.rowcount)  # type: ignore[attr-defined]
