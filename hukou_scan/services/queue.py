"""Background work from one job queue: OCR, re-OCR campaigns, index updates, thumbnails and uploads (issue 19).

Two backends behind one interface (:class:`QueueWorker`), chosen by ``[queue] backend``:

``local`` (default; the only one on SQLite)
    Today's runner: jobs are claimed from the ``jobs`` table of the station's database,
    fresh OCR before index updates before re-OCR campaigns.
``procrastinate`` (PostgreSQL)
    Every ``jobs`` row of these kinds is also a procrastinate job, deferred in the same
    transaction (``storage/queue.py``); ``hukou-scan worker`` on any machine that reaches
    the database and the page store takes jobs from it, so adding machines adds
    throughput.

Uploads (``sync`` jobs, one upload run of a station each) are jobs of the same queue but
not for any machine: they wait in their station's own procrastinate queue and only a
``worker --sync`` started with that station's settings, where its page store is, takes them
(the local runner: only that station's rows, with the retry waits of :class:`SyncBackoff`).
The station's background sync answers them as well (``services/sync.py``).

Both run the same :class:`JobHandlers`.  Page images come from :class:`PageImages`: the
local page store when the file is there, else the station's sync target (S3 or any
fsspec store, decrypted and checked against the page's sha256) — an OCR machine needs no
copy of the stations' disks.  Recognition runs in the worker process itself with one
engine loaded per process; to use more cores start more workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hukou_scan.capture.encode import thumbnail_jpeg
from hukou_scan.domain.models import Job, JobState, OcrResult, PageState, Role
from hukou_scan.errors import HukouScanError, ImageProcessingError, NotFoundError, SyncError
from hukou_scan.ocr.engine import OcrEngine, create_engine
from hukou_scan.ocr.form import DEFAULT_MODE, recognize_page
from hukou_scan.ocr.worker import image_size, load_image
from hukou_scan.services.guard import Guard, OpenGuard, station_scope
from hukou_scan.services.ocr import OcrOptions
from hukou_scan.services.processing_worker import THUMBNAIL_QUALITY, THUMBNAIL_WIDTH
from hukou_scan.storage.blobstore import BlobStore, sha256_bytes
from hukou_scan.storage.queue import SYNC_KIND, Campaign, Candidate, QueueStore, SyncBackoff
from hukou_scan.storage.repositories import JobRepository, PageRepository
from hukou_scan.sync.crypto import Cipher
from hukou_scan.sync.manifest import object_key
from hukou_scan.sync.store import ObjectStore

log = logging.getLogger(__name__)

BACKENDS = ("local", "procrastinate")
LOCAL_ORDER = ("ocr", "index", "thumb", "sync", "reocr")  # fresh captures first, campaigns last
Hook = Callable[[str], None]
SystemScope = Callable[[str], AbstractContextManager[None]]


@dataclass(frozen=True)
class QueueOptions:
    """The ``[queue]`` settings section."""

    backend: str = "local"
    heartbeat_s: float = 10.0  # procrastinate worker heartbeat
    stalled_s: float = 30.0  # a worker silent this long is dead: its jobs run again
    poll_s: float = 1.0  # local runner: wait between empty polls

    @classmethod
    def from_section(cls, sec: dict[str, Any], *, sqlite: bool) -> QueueOptions:
        backend = str(sec.get("backend", "local")).lower()
        if backend not in BACKENDS:
            from hukou_scan.errors import ConfigError

            raise ConfigError(
                f"[queue] backend 设置无效：{backend}",
                f"Invalid [queue] backend: {backend} (local or procrastinate)",
            )
        if backend == "procrastinate" and sqlite:
            from hukou_scan.errors import ConfigError

            raise ConfigError(
                "procrastinate 队列需要 PostgreSQL 数据库。",
                "The procrastinate queue needs a PostgreSQL database.",
                hint_zh='单机 SQLite 工作站请使用 backend = "local"。',
                hint_en='Use backend = "local" on a single SQLite station.',
            )
        return cls(
            backend=backend,
            heartbeat_s=float(sec.get("heartbeat_s", cls.heartbeat_s)),
            stalled_s=float(sec.get("stalled_s", cls.stalled_s)),
            poll_s=float(sec.get("poll_s", cls.poll_s)),
        )


class PageImages:
    """A page image as a local file: from the page store, else fetched from the sync target.

    Fetched files are checked against the sha256 they are named by (after decryption)
    and live only for the job (:meth:`open` removes them).
    """

    def __init__(
        self, blobs: BlobStore, remote: ObjectStore | None = None, cipher: Cipher | None = None
    ) -> None:
        self.blobs = blobs
        self.remote = remote
        self.cipher = cipher

    @contextlib.contextmanager
    def open(self, sha: str) -> Any:
        local = self.blobs.path_for(sha)
        if local.exists():
            yield local
            return
        if self.remote is None:
            raise ImageProcessingError(
                "页面图像文件缺失。",
                "The page image file is missing (and no page store target is configured).",
            )
        try:
            data = self.remote.get(object_key(sha))
        except HukouScanError as e:
            raise ImageProcessingError(
                "页面图像无法从云端读取。", f"The page image cannot be read from the page store: {e.en}"
            ) from e
        if self.cipher is not None:
            data = self.cipher.decrypt(data)
        if sha256_bytes(data) != sha:
            raise ImageProcessingError("页面图像校验失败。", f"Page image {sha[:12]} fails its checksum.")
        fd, name = tempfile.mkstemp(prefix="hukou-page-", suffix=".img")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            yield Path(name)
        finally:
            with contextlib.suppress(OSError):
                Path(name).unlink()


@dataclass
class RunSummary:
    done: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class RetryJob(Exception):
    """Raised to have the queue run the job again (the reason is in the ``jobs`` row)."""


class JobHandlers:
    """What each job kind does; the same code under either backend.

    Args:
        pages: page repository.
        store: job transitions (each completion one transaction).
        images: page image source.
        options: OCR engine, mode and engine options.
        hooks: index update per page (search indexing, link proposals); run by ``index`` jobs.
        system_scope: runs each job as ``system:queue`` (allowed and audited).
        after_text: runs first after a page's new text is stored (the duplicate-capture
            check the station's own OCR service runs), before the hooks.
        sync_runner: one upload run of the given station (``sync`` jobs): the station's
            SyncService, given only to ``worker --sync`` on the machine that holds the
            station's page store (the files to upload are read from there).
        sync_station: the station whose upload requests this worker answers.
        sync_backoff: attempts and waits of upload jobs.
    """

    def __init__(
        self,
        pages: PageRepository,
        store: QueueStore,
        images: PageImages,
        options: OcrOptions,
        hooks: Sequence[Hook] = (),
        system_scope: SystemScope | None = None,
        worker_name: str = "",
        after_text: Hook | None = None,
        sync_runner: Hook | None = None,
        sync_station: str = "",
        sync_backoff: SyncBackoff | None = None,
    ) -> None:
        self.after_text = after_text
        self.sync_runner = sync_runner
        self.sync_station = sync_station
        self.sync_backoff = sync_backoff or SyncBackoff()
        self.pages = pages
        self.store = store
        self.images = images
        self.options = options
        self.hooks = list(hooks)
        self._scope: SystemScope = system_scope or (lambda _n: contextlib.nullcontext())
        self.worker_name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        self._engines: dict[tuple[str, str], OcrEngine] = {}
        self.summary = RunSummary()

    def warm_up(self) -> None:
        """Load the default engine now: a misconfigured engine fails at start, not on the
        first page, and the first job does not carry the model's load time."""
        self._engine(self.options.engine)

    def _engine(self, name: str) -> OcrEngine:
        options = dict(self.options.engine_options)
        if name == "tesseract":
            options.setdefault("timeout_s", self.options.timeout_s)
        key = (name, repr(sorted(options.items())))
        if key not in self._engines:
            self._engines[key] = create_engine(name, **options)
        return self._engines[key]

    def execute(self, kind: str, job_id: str, attempt: int, last: bool) -> None:
        """Entry point of the procrastinate tasks: take the job row, then run it."""
        job = self.store.begin(job_id, self.worker_name)
        if job is None:
            log.info("job %s already finished: nothing to do", job_id)
            self.summary.skipped += 1
            return
        self.run(job, last=last)

    def run(self, job: Job, *, last: bool) -> None:
        """Run a taken job; raises :class:`RetryJob` when it should run again."""
        with self._scope("queue"):
            try:
                if job.kind == "ocr":
                    self._ocr(job)
                elif job.kind == "reocr":
                    self._reocr(job)
                elif job.kind == "index":
                    self._index(job)
                elif job.kind == "thumb":
                    self._thumb(job)
                elif job.kind == SYNC_KIND:
                    self._sync(job)
                else:
                    raise ValueError(f"unknown job kind {job.kind!r}")
            except (ImageProcessingError, NotFoundError) as e:  # the page, not the machine
                self.store.fail(job, f"{e.zh} / {e.en}", mark_page=job.kind == "ocr")
                self.summary.failed += 1
                log.warning("job %s (%s) failed: %s", job.id, job.kind, e.en)
                return
            except Exception as e:  # task boundary: retried, then failed
                reason = f"{e.zh} / {e.en}" if isinstance(e, HukouScanError) else f"{type(e).__name__}: {e}"
                hopeless = isinstance(e, SyncError) and not e.retryable  # settings, not the network
                if last or hopeless:
                    log.exception("job %s (%s) failed on its last attempt", job.id, job.kind)
                    self.store.fail(job, reason, mark_page=job.kind == "ocr")
                    self.summary.failed += 1
                    return
                log.warning("job %s (%s) will be retried: %s", job.id, job.kind, reason)
                delay = self.sync_backoff.delay(job.attempts) if job.kind == SYNC_KIND else 0.0
                self.store.retry_later(job.id, reason, delay)
                self.summary.retried += 1
                raise RetryJob(reason) from e
        self.summary.done += 1
        self.summary.by_kind[job.kind] = self.summary.by_kind.get(job.kind, 0) + 1

    def _recognise(self, job: Job) -> OcrResult:
        assert job.page_id is not None
        page = self.pages.get(job.page_id)
        if page.state == PageState.DELETED:
            raise NotFoundError("页面已删除。", f"Page {page.id} was deleted.")
        sha = page.derivative_sha256 or page.processed_sha256 or page.original_sha256
        engine_name = str(job.params.get("engine") or self.options.engine)
        mode = str(job.params.get("mode") or self.options.mode or DEFAULT_MODE)
        with self.images.open(sha) as path:
            blank = page.quality.get("blank") if isinstance(page.quality, dict) else None
            if isinstance(blank, dict) and blank.get("flag"):
                w, h = image_size(path)
                return OcrResult("", [], "", w, h)
            image = load_image(path)
        engine = self._engine(engine_name)
        t0 = time.monotonic()
        result = recognize_page(engine, image, mode=mode)
        log.info("page %s read by %s in %.2f s (job %s)", page.id, engine_name, time.monotonic() - t0, job.id)
        return result

    def _ocr(self, job: Job) -> None:
        self.store.complete_ocr(job, self._recognise(job))
        if not self.store.defer_index:  # no index job was queued: update the index now
            assert job.page_id is not None
            self._check_duplicate(job.page_id)
            for hook in self.hooks:
                try:
                    hook(job.page_id)
                except Exception:  # the text is stored; the index catches up on the next change
                    log.exception("index update failed for page %s", job.page_id)

    def _check_duplicate(self, page_id: str) -> None:
        if self.after_text is None:
            return
        try:
            self.after_text(page_id)
        except Exception:  # a warning for the clerk; it must not fail the job
            log.exception("duplicate check failed for page %s", page_id)

    def _sync(self, job: Job) -> None:
        """One upload run of the job's station: its pending objects, then its manifests.

        Safe to repeat: objects are content-addressed and checked by SHA-256 after each put,
        an object a killed run may have put is re-checked before it is put again, and the
        page states are recomputed from the verified objects at the end of every run.
        """
        station = str(job.params.get("station_id", ""))
        if self.sync_runner is None or station != self.sync_station:
            # only reachable through a misrouted job: its station's queue is taken by
            # ``worker --sync`` of that station alone
            raise NotFoundError(
                "此工作进程不负责该派出所的上传。",
                f"This worker does not upload station {station}'s pages (start one with --sync there).",
            )
        self.sync_runner(station)
        self.store.finish(job.id, JobState.DONE)

    def _thumb(self, job: Job) -> None:
        """(Re)make a page's stored thumbnail from its current derivative (pages processed
        before thumbnails were stored, or whose thumbnail shows an older derivative)."""
        assert job.page_id is not None
        page = self.pages.get(job.page_id)
        sha = page.derivative_sha256
        if page.state == PageState.DELETED or not sha:
            self.store.finish(job.id, JobState.DONE, "nothing to show")
            return
        with self.images.open(sha) as path:
            jpeg = thumbnail_jpeg(path.read_bytes(), THUMBNAIL_WIDTH, THUMBNAIL_QUALITY)
        self.store.complete_thumbnail(job, sha, jpeg)

    def _reocr(self, job: Job) -> None:
        cid = str(job.params.get("campaign_id", ""))
        if self.store.campaign_status(cid) != "running":
            self.store.finish(job.id, JobState.CANCELLED, "campaign paused")
            return
        self.store.complete_reocr(job, cid, self._recognise(job))

    def _index(self, job: Job) -> None:
        assert job.page_id is not None
        self._check_duplicate(job.page_id)
        for hook in self.hooks:
            hook(job.page_id)
        self.store.finish(job.id, JobState.DONE)


class QueueWorker(Protocol):
    handlers: JobHandlers

    def run(self, *, until_idle: bool, stop: threading.Event | None = None) -> RunSummary:
        """Take and run jobs until stopped, or until nothing is left with ``until_idle``."""


class LocalWorker:
    """The station's own runner over the ``jobs`` table (SQLite, or PostgreSQL without procrastinate)."""

    def __init__(
        self, jobs: JobRepository, handlers: JobHandlers, options: QueueOptions, max_attempts: int = 2
    ) -> None:
        self.jobs = jobs
        self.handlers = handlers
        self.options = options
        self.max_attempts = max_attempts

    def run(self, *, until_idle: bool, stop: threading.Event | None = None) -> RunSummary:
        stop = stop or threading.Event()
        uploads = self.handlers.sync_runner is not None
        if uploads:  # requests a killed ``worker --sync`` of this station left running
            self.handlers.store.recover_sync_requests(self.handlers.sync_station)
        while not stop.is_set():
            job = None
            for kind in LOCAL_ORDER:
                if kind == SYNC_KIND:
                    if not uploads:
                        continue  # uploads are left to the station's background sync
                    job = self.handlers.store.claim_sync(
                        self.handlers.sync_station, self.handlers.worker_name
                    )
                else:
                    job = self.jobs.claim(kind, self.handlers.worker_name)
                if job is not None:
                    break
            if job is None:
                if until_idle:
                    break
                stop.wait(self.options.poll_s)
                continue
            attempts = self.handlers.sync_backoff.attempts if job.kind == SYNC_KIND else self.max_attempts
            with contextlib.suppress(RetryJob):  # retry_later put it back in the queue
                self.handlers.run(job, last=job.attempts >= attempts)
        return self.handlers.summary


class ProcrastinateWorker:
    """A procrastinate worker on the central PostgreSQL (see ``storage/pgqueue.py``)."""

    def __init__(
        self,
        db_url: str,
        handlers: JobHandlers,
        options: QueueOptions,
        max_attempts: int = 2,
        queues: list[str] | None = None,
    ) -> None:
        """``queues``: the shared queue by default; ``worker --sync`` adds its station's."""
        self.db_url = db_url
        self.handlers = handlers
        self.options = options
        self.max_attempts = max_attempts
        self.queues = queues

    def run(self, *, until_idle: bool, stop: threading.Event | None = None) -> RunSummary:
        from hukou_scan.storage.pgqueue import run_worker

        run_worker(
            self.db_url,
            self.handlers.execute,
            name=self.handlers.worker_name,
            until_idle=until_idle,
            heartbeat_s=self.options.heartbeat_s,
            stalled_s=self.options.stalled_s,
            max_attempts=self.max_attempts,
            stop=stop,
            install_signal_handlers=threading.current_thread() is threading.main_thread(),
            queues=self.queues,
            sync_backoff=self.handlers.sync_backoff,
        )
        return self.handlers.summary


class ReocrService:
    """Re-OCR campaigns: start, progress, pause/resume, and review of the new readings.

    Reviewers and administrators only; every change is audited.  New readings never
    replace a page's text on their own: they wait as candidates until accepted.
    """

    def __init__(
        self,
        store: QueueStore,
        guard: Guard | None = None,
        hooks: Sequence[Hook] = (),
        *,
        inline_index: bool = True,
    ) -> None:
        self.store = store
        self.guard: Guard = guard or OpenGuard()
        self.hooks = list(hooks)
        self.inline_index = inline_index  # local backend: index accepted pages now

    def _require(self, cid: str | None = None) -> str:
        """Reviewer or administrator; a reviewer bound to one station only acts on campaigns
        limited to that station (checked through the guard, so a refusal is audited)."""
        user = self.guard.require(Role.REVIEWER, Role.ADMIN)
        scope = station_scope(user)
        if cid is not None and scope is not None:
            station = str(self.store.get_campaign(cid).selection.get("station_id") or "") or "*"
            self.guard.require(Role.REVIEWER, Role.ADMIN, station_id=station)
        return user.username if user is not None else "system"

    def start(
        self,
        engine: str,
        *,
        mode: str = DEFAULT_MODE,
        name: str = "",
        station_id: str | None = None,
        date_from: Any = None,
        date_to: Any = None,
        engine_version: str | None = None,
    ) -> Campaign:
        scope = station_scope(self.guard.require(Role.REVIEWER, Role.ADMIN))
        station_id = station_id or scope  # a station-bound reviewer re-reads their own station
        who = self._require()
        if station_id:
            self.guard.require(Role.REVIEWER, Role.ADMIN, station_id=station_id)
        selection = {
            "station_id": station_id or "",
            "date_from": date_from.isoformat() if date_from else "",
            "date_to": date_to.isoformat() if date_to else "",
            "engine_version": engine_version or "",
        }
        pages = self.store.select_pages(station_id, date_from, date_to, engine_version)
        cid = self.store.create_campaign(name, engine, mode, selection, pages, who)
        self.guard.audit("reocr_start", target=cid, engine=engine, pages=len(pages), **selection)
        return self.store.get_campaign(cid)

    def campaigns(self) -> list[Campaign]:
        scope = station_scope(self.guard.require(Role.REVIEWER, Role.ADMIN))
        return [
            c for c in self.store.list_campaigns() if scope is None or c.selection.get("station_id") == scope
        ]

    def status(self, cid: str) -> Campaign:
        self._require(cid)
        return self.store.get_campaign(cid)

    def pause(self, cid: str) -> int:
        self._require(cid)
        n = self.store.pause_campaign(cid)
        self.guard.audit("reocr_pause", target=cid, withdrawn=n)
        return n

    def resume(self, cid: str) -> int:
        self._require(cid)
        n = self.store.resume_campaign(cid)
        self.guard.audit("reocr_resume", target=cid, queued=n)
        return n

    def diff(self, cid: str, page_ids: Sequence[str] = (), status: str | None = "pending") -> list[Candidate]:
        self._require(cid)
        return self.store.candidates(cid, page_ids, status)

    def accept(self, cid: str, page_ids: Sequence[str] = (), *, force: bool = False) -> dict[str, int]:
        """Accept pending candidates (all, or those of ``page_ids``); counts per outcome."""
        who = self._require(cid)
        outcomes: dict[str, int] = {}
        for c in self.store.candidates(cid, page_ids, "pending", limit=1_000_000):
            outcome = self.store.accept(c.id, who, force=force)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "accepted" and self.inline_index:
                for hook in self.hooks:
                    try:
                        hook(c.page_id)
                    except Exception:  # the accepted text stands; the index catches up later
                        log.exception("index update failed for page %s", c.page_id)
        self.guard.audit("reocr_accept", target=cid, force=force, outcomes=outcomes)
        return outcomes

    def reject(self, cid: str, page_ids: Sequence[str] = ()) -> int:
        who = self._require(cid)
        n = sum(
            self.store.reject(c.id, who)
            for c in self.store.candidates(cid, page_ids, "pending", limit=1_000_000)
        )
        self.guard.audit("reocr_reject", target=cid, rejected=n)
        return n
