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

Upload requests (``sync`` jobs) are rows of the same table, deferred to their station's own
procrastinate queue; an upload run is idempotent by itself (content-addressed objects,
verified by SHA-256), so answering a request twice costs a listing, never a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, event, func, or_, select, text, update
from sqlalchemy.orm import Session, UOWTransaction

from hukou_scan.domain.models import Job, JobState, OcrResult, PageState, new_id, recognised_state
from hukou_scan.errors import NotFoundError
from hukou_scan.storage.db import Database
from hukou_scan.storage.locks import holder_is_dead
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.core import BatchRecord, JobRecord, PageRecord
from hukou_scan.storage.records.queue import (
    PageThumbnailRecord,
    ReocrCampaignRecord,
    ReocrCandidateRecord,
)
from hukou_scan.storage.repositories import claim_oldest, job_from, write_ocr

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
# Uploads run where the files are: a station's sync jobs wait in that station's own
# procrastinate queue (:func:`sync_queue`), taken only by ``hukou-scan worker --sync`` started
# with that station's settings on a machine holding its page store; the station's own
# background sync (GUI, ``hukou-scan sync --watch``) answers them too (see
# :meth:`QueueStore.waiting_sync_requests`).
SYNC_KIND = "sync"


@dataclass(frozen=True)
class SyncBackoff:
    """Retries of an upload job: a network outage, not a bad page, so many tries with
    growing waits (5, 10, 20 … s, capped) instead of the two quick tries of an OCR job.

    The same numbers drive procrastinate's retry (``storage/pgqueue.py``) and the local
    runner (the job row's ``retry_at``), so both back ends wait alike.  A job that fails
    for good stays visible (the sync screen counts it) and the next capture's request or
    the periodic run uploads what it could not.
    """

    attempts: int = 10
    base_s: float = 5.0
    max_s: float = 600.0

    def delay(self, attempts_so_far: int) -> float:
        """Seconds to wait after the ``attempts_so_far``-th failed attempt (1-based)."""
        return float(min(self.max_s, self.base_s * 2 ** max(0, attempts_so_far - 1)))

    @classmethod
    def from_section(cls, sec: dict[str, Any]) -> SyncBackoff:
        return cls(
            attempts=max(1, int(sec.get("sync_attempts", cls.attempts))),
            base_s=float(sec.get("sync_backoff_s", cls.base_s)),
            max_s=float(sec.get("sync_backoff_max_s", cls.max_s)),
        )


def _process_id() -> str:
    """``host:pid`` of this process (the holder of a request the local runner took)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def sync_queue(station_id: str) -> str:
    """The procrastinate queue of one station's uploads.

    Short on purpose: procrastinate notifies workers on the channel
    ``procrastinate_queue_v1#<queue>`` and PostgreSQL cuts channel names at 63 bytes, so
    ``sync-`` plus a 32-character station id is the most that fits (a longer id is hashed).
    """
    if len(station_id) > 32:
        station_id = hashlib.sha256(station_id.encode()).hexdigest()[:32]
    return f"sync-{station_id}"


def sync_lock(station_id: str) -> str:
    """procrastinate lock of a station's upload jobs: one run of a station at a time."""
    return f"sync:{station_id}"


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
    jobs of one page (an OCR and its re-run) never run at the same time.  An upload job
    (``sync``) goes to its station's own queue with the station as lock instead.
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
            lock: str | None
            if r.kind == SYNC_KIND:  # one upload run per station at a time, on its own machine
                queue, lock = sync_queue(station), sync_lock(station)
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
class SyncRequests:
    """A station's upload requests as the sync screen shows them.

    ``waiting``: queued or running; ``failed``: failed for good since the last request that
    was answered; ``error``/``attempts``/``retry_at``: the newest request that went wrong
    (``retry_at`` in epoch seconds, when the next try is due).
    """

    waiting: int = 0
    failed: int = 0
    error: str = ""
    attempts: int = 0
    retry_at: float | None = None


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
            after = recognised_state(PageState(page.state), page.state_reason) if page is not None else None
            if page is not None and after is not None:  # a page deleted meanwhile stays deleted
                page.state, page.state_reason = after[0].value, after[1]
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

    # --- upload requests (``sync`` jobs) ------------------------------------------------
    # A request asks for one upload run of a station.  Three kinds of consumer answer it,
    # all through these methods and all excluded from running two uploads of one station at
    # once by the sync lock (``services/sync.py``): a procrastinate ``worker --sync``
    # (:meth:`begin`), the local runner's ``worker --sync`` (:meth:`claim_sync`), and the
    # station's own background sync, which never marks a request running: it notes the ids
    # waiting before its run and closes them after it (:meth:`close_sync_requests`), so a
    # killed station process leaves its requests simply waiting, never half-taken.

    @staticmethod
    def _station_sync(station_id: str) -> Any:
        return and_(JobRecord.kind == SYNC_KIND, JobRecord.params["station_id"].as_string() == station_id)

    @staticmethod
    def _due(now: float) -> Any:
        retry_at = JobRecord.params["retry_at"].as_float()
        return or_(retry_at.is_(None), retry_at <= now)

    def request_sync(self, station_id: str) -> bool:
        """Ask for an upload run of ``station_id`` (after a capture); ``False`` when one is
        already waiting that no run has begun to answer (that run will see this page too).
        Two concurrent requests may both queue one: the second run then finds nothing left.
        """
        with self.db.session() as s:
            waiting = s.scalar(
                select(JobRecord.id)
                .where(
                    self._station_sync(station_id),
                    JobRecord.state == JobState.QUEUED.value,
                    JobRecord.params["answering"].as_string().is_(None),
                )
                .limit(1)
            )
            if waiting is not None:
                return False
            s.add(JobRecord(id=new_id(), kind=SYNC_KIND, params={"station_id": station_id}, state="queued"))
        return True

    def waiting_sync_requests(self, station_id: str, *, due_only: bool = False) -> list[str]:
        """Ids of the station's waiting upload requests (``due_only``: not in a retry wait).

        The station's background sync polls this, so a request queued by another process
        (a hot-folder import, a second window, ``worker`` on a shared database) is served
        within a poll interval (a run then notes them with :meth:`answer_sync_requests`).
        """
        q = select(JobRecord.id).where(
            self._station_sync(station_id), JobRecord.state == JobState.QUEUED.value
        )
        if due_only:
            q = q.where(self._due(time.time()))
        with self.db.session() as s:
            return list(s.scalars(q.order_by(JobRecord.created_at)))

    def answer_sync_requests(self, station_id: str, answerer: str) -> list[str]:
        """Before an upload run: the station's waiting requests, noted as being answered.

        Their state stays "waiting" (a killed run leaves them to the next one, no recovery
        needed); the note only makes :meth:`request_sync` queue a fresh request for a page
        captured from now on, which this run may not see.
        """
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(JobRecord)
                    .where(self._station_sync(station_id), JobRecord.state == JobState.QUEUED.value)
                    .order_by(JobRecord.created_at)
                )
            )
            for r in rows:
                r.params = {**(r.params or {}), "answering": answerer[:100]}
            return [r.id for r in rows]

    def close_sync_requests(
        self, job_ids: Sequence[str], worker: str, error: str = "", retry_in_s: float = 0.0
    ) -> int:
        """After a background run: done when it reached the target; else still waiting, with
        the error, one more attempt counted and the next try no sooner than ``retry_in_s``.

        Only rows still waiting are touched (one a worker took meanwhile is the worker's).
        On PostgreSQL the procrastinate jobs of requests answered here are finished too,
        unless a worker already fetched them (``doing``: it will find its row done).
        """
        ids = list(job_ids)
        if not ids:
            return 0
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(JobRecord).where(JobRecord.id.in_(ids), JobRecord.state == JobState.QUEUED.value)
                )
            )
            for r in rows:
                r.worker, r.attempts = worker[:100], (r.attempts or 0) + 1
                params = {k: v for k, v in (r.params or {}).items() if k != "answering"}
                if error:
                    r.error = error
                    r.params = {**params, "retry_at": time.time() + max(0.0, retry_in_s)}
                else:
                    r.params = params
                    r.state, r.error, r.finished_at = JobState.DONE.value, "", utcnow()
            if rows and not error and not self.db.is_sqlite:
                s.flush()
                s.execute(
                    text(
                        "SELECT procrastinate_finish_job_v1(j.id, 'succeeded', false) FROM ("
                        " SELECT id FROM procrastinate_jobs WHERE status = 'todo' AND task_name = :task"
                        " AND args->>'job_id' = ANY(:ids) FOR UPDATE SKIP LOCKED) AS j"
                    ),
                    {"task": TASKS[SYNC_KIND][0], "ids": [r.id for r in rows]},
                )
            return len(rows)

    def claim_sync(self, station_id: str, worker: str) -> Job | None:
        """The local runner's take of the station's oldest due upload request (never another
        station's: its files are not on this machine)."""
        with self.db.session() as s:
            r = claim_oldest(s, worker[:100], self._station_sync(station_id), self._due(time.time()))
            if r is None:
                return None
            # who holds it, so that only a dead holder's request is taken back
            r.params = {**(r.params or {}), "holder": _process_id()}
            s.flush()
            return job_from(r)

    def recover_sync_requests(self, station_id: str) -> int:
        """The local runner's start: the station's requests left running by a ``worker --sync``
        that was killed wait again (an upload run is safe to repeat).  Only requests whose
        holder process is gone: another live worker's request stays its own."""
        with self.db.session() as s:
            rows = list(
                s.scalars(
                    select(JobRecord).where(
                        self._station_sync(station_id), JobRecord.state == JobState.RUNNING.value
                    )
                )
            )
            dead = [r for r in rows if holder_is_dead(str((r.params or {}).get("holder", "")))]
            for r in dead:
                r.state = JobState.QUEUED.value
            return len(dead)

    def sync_requests(self, station_id: str) -> SyncRequests:
        """What the sync screen shows of the station's upload requests."""
        with self.db.session() as s:
            counts = dict(
                s.execute(
                    select(JobRecord.state, func.count())
                    .where(self._station_sync(station_id))
                    .group_by(JobRecord.state)
                ).all()
            )
            last_done = s.scalar(
                select(func.max(JobRecord.finished_at)).where(
                    self._station_sync(station_id), JobRecord.state == JobState.DONE.value
                )
            )
            recent_failure = JobRecord.state == JobState.FAILED.value
            if last_done is not None:  # a failure an answered request has made good no longer counts
                recent_failure = and_(recent_failure, JobRecord.finished_at > last_done)
            failed = int(
                s.scalar(select(func.count()).where(self._station_sync(station_id), recent_failure)) or 0
            )
            open_rows = or_(
                JobRecord.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]), recent_failure
            )
            latest = s.execute(
                select(JobRecord.error, JobRecord.attempts, JobRecord.params, JobRecord.state)
                .where(self._station_sync(station_id), open_rows, JobRecord.error != "")
                .order_by(JobRecord.created_at.desc())
                .limit(1)
            ).first()
        waiting = int(counts.get(JobState.QUEUED.value, 0)) + int(counts.get(JobState.RUNNING.value, 0))
        if latest is None:
            return SyncRequests(waiting, failed)
        retry_at = (latest.params or {}).get("retry_at") if latest.state == JobState.QUEUED.value else None
        return SyncRequests(
            waiting,
            failed,
            str(latest.error),
            int(latest.attempts or 0),
            float(retry_at) if isinstance(retry_at, int | float) else None,
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
                    .where(PageRecord.id == job.page_id, PageRecord.state != PageState.DELETED.value)
                    .values(state=PageState.FAILED.value, state_reason=reason, ocr_state="failed")
                )

    def retry_later(self, job_id: str, reason: str, delay_s: float = 0.0) -> None:
        """Back to queued while the queue retries it (the row shows the last error); with
        ``delay_s`` the local runner leaves it until then (``retry_at``)."""
        with self.db.session() as s:
            r = s.get(JobRecord, job_id)
            if r is None:
                return
            r.state, r.error = JobState.QUEUED.value, reason
            params = {k: v for k, v in (r.params or {}).items() if k != "answering"}  # waiting anew
            if delay_s > 0:
                params["retry_at"] = time.time() + delay_s
            r.params = params

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
