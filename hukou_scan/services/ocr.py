"""OcrService: background recognition from the persistent job queue in worker processes.

Flow per job (kind ``"ocr"``): claim from the DB queue → pick the page image
(derivative, else processed master, else original) → a worker process recognises
it (engine loaded once per process) → this process stores the result
(``pages.save_ocr``), sets the page RECOGNIZED, finishes the job and calls every
post-recognition hook (linking proposals, search indexing).

Failure handling: a worker that exceeds ``timeout_s`` is killed and its job
re-queued; a worker that dies (crash, SIGKILL) likewise; after ``max_attempts``
the job is marked failed and the page FAILED with the reason.  Jobs left
"running" by a crash of the whole app are re-queued by :meth:`recover` at start.
Only this process writes to the database (one writer for SQLite); capture is
never blocked because recognition happens elsewhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from hukou_scan.domain.models import Job, JobState, OcrResult, Page, PageState, Role, recognised_state
from hukou_scan.errors import NotFoundError
from hukou_scan.ocr.duplicates import (
    ID_AGREE_THRESHOLD,
    MIN_TEXT_CHARS,
    DuplicateVerdict,
    compare,
    normalise,
    text_score,
)
from hukou_scan.ocr.engine import available_engines
from hukou_scan.ocr.form import DEFAULT_MODE, MODES
from hukou_scan.ocr.worker import image_size, worker_main
from hukou_scan.services.guard import Guard, OpenGuard, station_scope
from hukou_scan.services.workers import WorkerSlot
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.ocr import OcrJobQueries
from hukou_scan.storage.repositories import BatchRepository, JobRepository, PageRepository

log = logging.getLogger(__name__)

KIND = "ocr"
ProgressFn = Callable[[int, int, str], None]
Hook = Callable[[str], None]
SystemScope = Callable[[str], AbstractContextManager[None]]
DUPLICATE_CANDIDATES = 20  # closest pages by text whose stored fields are then compared (a cap on DB reads)


@dataclass(frozen=True)
class OcrOptions:
    """How recognition runs (from settings; a re-run may override engine and mode per job)."""

    engine: str = "rapidocr"
    mode: str = DEFAULT_MODE
    workers: int = 0  # 0 → one per CPU core
    timeout_s: float = 120.0
    max_attempts: int = 2
    engine_options: dict[str, Any] = field(default_factory=dict)
    # False when a shared queue (``[queue] backend = "procrastinate"``) delivers OCR jobs to
    # ``hukou-scan worker`` processes: this station then only queues, it does not dispatch.
    dispatch: bool = True

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


@dataclass
class RunSummary:
    done: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: bool = False


class OcrService:
    """Recognition queue with worker processes.

    Args:
        pages, jobs, blobs: repositories and blob store of the app context.
        queries: the OCR area's extra job queries.
        options: engine, mode, worker count, timeout, attempts.
        hooks: called with the page id after each page is recognised (and stored).
        guard: role checks and audit (queue changes need a clerk or reviewer).
        system_scope: runs the dispatcher as a named system worker (the security guard's
            ``acting_as_system``) so recognition and its hooks go on, allowed and audited
            as ``system:ocr``, while the clerk is logged out or the screen is locked.
        batches: for station scoping (a clerk re-runs only their own station's pages).
    """

    def __init__(
        self,
        pages: PageRepository,
        jobs: JobRepository,
        blobs: BlobStore,
        queries: OcrJobQueries,
        options: OcrOptions | None = None,
        hooks: Sequence[Hook] = (),
        guard: Guard | None = None,
        system_scope: SystemScope | None = None,
        batches: BatchRepository | None = None,
    ) -> None:
        self.batches = batches
        self.guard: Guard = guard or OpenGuard()
        self._scope: SystemScope = system_scope or (lambda _name: contextlib.nullcontext())
        self.pages = pages
        self.jobs = jobs
        self.blobs = blobs
        self.queries = queries
        self.options = options or OcrOptions()
        self.hooks: list[Hook] = list(hooks)
        n = self.options.worker_count
        self._threads = 1 if n > 1 else 0  # ONNX threads per worker (0: its default)
        self._slots = [WorkerSlot("ocr", i, worker_main, (self._threads,)) for i in range(n)]
        self._dispatch_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- queue operations ------------------------------------------------------------

    def enqueue(self, page_id: str, engine: str | None = None, mode: str | None = None) -> Job:
        """Queue one page (params override the default engine/mode for this job only)."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self._station_of(page_id))
        params: dict[str, Any] = {}
        if engine:
            self._check_engine(engine)
            params["engine"] = engine
        if mode:
            if mode not in MODES:
                raise ValueError(f"unknown OCR mode {mode!r}")
            params["mode"] = mode
        job = self.jobs.enqueue(KIND, page_id, params)
        self._wake.set()
        return job

    def rerun(self, page_ids: Sequence[str], engine: str | None = None, mode: str | None = None) -> int:
        """Re-recognise pages with other settings; a queued job of the page is superseded."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        for pid in dict.fromkeys(page_ids):  # every page checked before anything changes
            self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self._station_of(pid))
        n = 0
        for pid in dict.fromkeys(page_ids):
            for j in self.queries.pending_for_page(KIND, pid):
                if j.state == JobState.QUEUED:
                    self.jobs.finish(j.id, JobState.CANCELLED, "superseded by a re-run")
            self.enqueue(pid, engine, mode)
            n += 1
        self.guard.audit("ocr_rerun", pages=n, engine=engine or "", mode=mode or "")
        return n

    def rerun_failed(self, engine: str | None = None, mode: str | None = None) -> int:
        """Re-queue every page whose last OCR job failed or was cancelled (of the stations the
        user may work on)."""
        scope = station_scope(self.guard.require(Role.CLERK, Role.REVIEWER))
        jobs = self.queries.list_jobs(KIND, [JobState.FAILED, JobState.CANCELLED], latest_only=True)
        page_ids = [j.page_id for j in jobs if j.page_id]
        if scope is not None:
            page_ids = [p for p in page_ids if self._station_of(p) in (scope, None)]
        pending = {pid for pid in page_ids if self.queries.pending_for_page(KIND, pid)}
        return self.rerun([p for p in page_ids if p not in pending], engine, mode)

    def _station_of(self, page_id: str) -> str | None:
        """The station of a page's batch (``None`` when unknown: no batches, or page gone)."""
        if self.batches is None:
            return None
        try:
            return self.batches.get(self.pages.get(page_id).batch_id).station_id
        except NotFoundError:
            return None

    def cancel_queued(self) -> int:
        """Cancel everything still waiting (running pages finish)."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        n = self.jobs.cancel_queued(KIND)
        self.guard.audit("ocr_cancel", jobs=n)
        return n

    def counts(self) -> dict[str, int]:
        """Pages per state of their newest job: queued, running, done, failed, cancelled.

        A page that failed and then succeeded on a re-run counts as done, not failed.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)
        c = self.queries.latest_counts(KIND)
        return {s.value: int(c.get(s.value, 0)) for s in JobState}

    def failures(self, limit: int = 200) -> list[Job]:
        """Pages whose newest job failed (superseded failures are left out)."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        return self.queries.list_jobs(KIND, [JobState.FAILED], limit, latest_only=True)

    def page_labels(self, page_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """How a clerk names each page: (档号, page number in its batch); unknown pages are left out."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        numbers = self.pages.page_numbers(page_ids)
        archives: dict[str, str] = {}
        out: dict[str, tuple[str, int]] = {}
        for page in self.pages.get_many([pid for pid in page_ids if pid in numbers]):
            if page.batch_id not in archives:
                try:
                    archives[page.batch_id] = (
                        self.batches.get(page.batch_id).archive_id if self.batches is not None else ""
                    )
                except NotFoundError:
                    archives[page.batch_id] = ""
            out[page.id] = (archives[page.batch_id], numbers[page.id])
        return out

    def recover(self) -> int:
        """After a crash: jobs left running go back to the queue.

        Not with a shared queue: a "running" row may be a page another machine is reading
        right now; the queue's stalled-worker sweep recovers the jobs of dead workers.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)
        if not self.options.dispatch:
            return 0
        return self.jobs.recover_running(KIND)

    @staticmethod
    def engines() -> list[str]:
        return available_engines()

    def _check_engine(self, name: str) -> None:
        if name not in available_engines() and ":" not in name:
            from hukou_scan.ocr.engine import create_engine

            create_engine(name)  # raises ConfigError with the list of engines

    # --- running ---------------------------------------------------------------------

    def run_pending(
        self,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        max_jobs: int | None = None,
    ) -> RunSummary:
        """Work through the queue now and return when it is empty (or cancelled).

        Cancelling stops claiming, kills the workers and puts their pages back in the
        queue without charging an attempt: nothing is lost.  The caller needs a clerk or
        reviewer role; the work itself (storing results, hooks) then runs as ``system:ocr``.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)
        if not self.options.dispatch:
            return RunSummary()
        with self._dispatch_lock, self._scope("ocr"):
            return self._dispatch(progress, cancel or threading.Event(), until_idle=True, max_jobs=max_jobs)

    def start(self) -> None:
        """Run the queue in a background thread until :meth:`stop`; :meth:`notify` wakes it.

        Worker lifecycle, no role needed: the thread works as ``system:ocr`` on jobs that
        authorised users queued, and must keep running while the screen is locked.
        """
        if self._thread is not None and self._thread.is_alive():
            return
        if not self.options.dispatch:
            log.info("OCR jobs go to the shared queue's workers: no local dispatcher")
            return
        self._stop.clear()
        with self._scope("ocr"):
            self.recover()
        self._thread = threading.Thread(target=self._background, name="ocr-dispatcher", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the background thread and the workers (running pages go back to the queue)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.close()

    def close(self) -> None:
        for s in self._slots:
            s.stop()

    def worker_pids(self) -> list[int]:
        """PIDs of live worker processes (tests kill one to prove a job survives)."""
        return [s.pid for s in self._slots if s.pid is not None and s.proc is not None and s.proc.is_alive()]

    def busy_worker_pids(self) -> list[int]:
        return [s.pid for s in self._slots if s.job is not None and s.pid is not None]

    def _background(self) -> None:
        try:
            with self._dispatch_lock, self._scope("ocr"):
                self._dispatch(None, self._stop, until_idle=False, max_jobs=None)
        except Exception:  # thread boundary
            log.exception("OCR dispatcher stopped by an error")

    def _dispatch(
        self, progress: ProgressFn | None, cancel: threading.Event, *, until_idle: bool, max_jobs: int | None
    ) -> RunSummary:
        summary = RunSummary()
        c = self.counts()
        total = c["queued"]
        claimed = 0
        try:
            while True:
                if cancel.is_set():
                    summary.cancelled = until_idle
                    break
                for slot in self._slots:
                    if slot.job is not None or (max_jobs is not None and claimed >= max_jobs):
                        continue
                    job = self.jobs.claim(KIND, slot.name)
                    if job is None:
                        break
                    claimed += 1
                    self._start_job(slot, job, summary)
                busy = [s for s in self._slots if s.job is not None]
                if not busy:
                    if until_idle:
                        break
                    self._wake.wait(1.0)
                    self._wake.clear()
                    continue
                wait([h for s in busy for h in s.handles()], timeout=0.25)
                now = time.monotonic()
                for s in busy:
                    self._check_slot(s, now, summary)
                if progress is not None:
                    total = max(total, summary.done + summary.failed)
                    progress(summary.done + summary.failed, total, f"{summary.done} done")
        finally:
            self._release_running()
        return summary

    def _start_job(self, slot: WorkerSlot, job: Job, summary: RunSummary) -> None:
        assert job.page_id is not None
        try:
            page = self.pages.get(job.page_id)
        except NotFoundError:
            self.jobs.finish(job.id, JobState.CANCELLED, "page no longer exists")
            return
        if page.state == PageState.DELETED:
            self.jobs.finish(job.id, JobState.CANCELLED, "page deleted")
            return
        sha = page.derivative_sha256 or page.processed_sha256 or page.original_sha256
        path = self.blobs.path_for(sha)
        if not path.exists():
            self._fail(job, "页面图像文件缺失。", "The page image file is missing.", summary, retry=False)
            return
        blank = page.quality.get("blank") if isinstance(page.quality, dict) else None
        if isinstance(blank, dict) and blank.get("flag"):
            w, h = image_size(path)
            log.info("page %s is blank: stored without recognition", page.id)
            self._succeed(job, OcrResult("", [], "", w, h), summary)
            return
        engine = str(job.params.get("engine") or self.options.engine)
        mode = str(job.params.get("mode") or self.options.mode)
        options = dict(self.options.engine_options)
        if engine == "rapidocr" and self._threads:
            options.setdefault("threads", self._threads)
        if engine == "tesseract":
            options.setdefault("timeout_s", self.options.timeout_s)
        slot.send(job, (str(Path(path)), engine, mode, options), self.options.timeout_s)
        log.info("page %s sent to OCR worker %d (job %s, %s/%s)", page.id, slot.index, job.id, engine, mode)

    def _check_slot(self, slot: WorkerSlot, now: float, summary: RunSummary) -> None:
        event = slot.poll(now)
        if event is None:
            return
        if event.kind == "reply":
            msg = event.message
            if msg[0] == "ok":
                self._succeed(event.job, OcrResult.from_dict(msg[2]), summary)
            else:
                self._fail(event.job, msg[2], msg[3], summary, retry=bool(msg[4]))
        elif event.kind == "died":
            self._fail(
                event.job, "识别进程意外退出。", "The recognition process ended unexpectedly.", summary
            )
        else:
            t = self.options.timeout_s
            self._fail(event.job, f"识别超时（{t:.0f} 秒）。", f"Recognition timed out ({t:.0f} s).", summary)

    def _succeed(self, job: Job, result: OcrResult, summary: RunSummary) -> None:
        assert job.page_id is not None
        page_id = job.page_id
        self.pages.save_ocr(page_id, result)
        try:
            self.mark_duplicate(page_id, result)
        except Exception:  # the warning is a help; it must not lose the recognition
            log.exception("duplicate check failed for page %s", page_id)
        page = self.pages.get(page_id)
        after = recognised_state(page.state, page.state_reason)  # a page deleted meanwhile stays deleted
        if after is not None:
            self.pages.update(page_id, state=after[0], state_reason=after[1])
        self.jobs.finish(job.id, JobState.DONE)
        summary.done += 1
        log.info("page %s recognised (%d words, %d fields)", page_id, len(result.words), len(result.fields))
        for hook in self.hooks:
            try:
                hook(page_id)
            except Exception:  # a hook's failure must not lose the recognition
                log.exception("post-recognition hook failed for page %s", page_id)

    def mark_duplicate(self, page_id: str, result: OcrResult | None = None) -> None:
        """Flag a page whose text says it is the same sheet as another visible page of its batch.

        Also run by the shared queue's workers after they stored a page's text
        (``result`` ``None``: the stored reading is used).

        Stored as ``quality["duplicate"]`` with the other page's id (the screens turn it into
        "duplicate of page N?" with the page number of the moment); the clerk keeps or
        deletes, nothing is deleted here.  A re-run that no longer finds a match clears it.
        Only the text is compared first (``Page.ocr_text`` comes with the batch listing);
        the stored fields are loaded only for pages whose text is close.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self._station_of(page_id))
        page = self.pages.get(page_id)
        if result is None:
            result = self.pages.get_ocr(page_id)
            if result is None:
                return
        best: tuple[str, DuplicateVerdict] | None = None
        mine = normalise(result.text)
        close: list[tuple[float, Page]] = []
        if len(mine) >= MIN_TEXT_CHARS:
            for other in self.pages.list_batch(page.batch_id):
                theirs = normalise(other.ocr_text)
                if other.id == page_id or other.ocr_state != "done" or len(theirs) < MIN_TEXT_CHARS:
                    continue
                score = text_score(mine, theirs)
                if score >= ID_AGREE_THRESHOLD:
                    close.append((score, other))
        # the closest few by text (a long batch of one form must not load every page's fields)
        for _score, other in sorted(close, key=lambda c: -c[0])[:DUPLICATE_CANDIDATES]:
            stored = self.pages.get_ocr(other.id)
            verdict = compare(result.text, result.fields, other.ocr_text, stored.fields if stored else [])
            if verdict.duplicate and (best is None or verdict.score > best[1].score):
                best = (other.id, verdict)
        quality = dict(page.quality or {})
        if best is None:
            if "duplicate" not in quality:
                return
            quality.pop("duplicate")
        else:
            quality["duplicate"] = {
                "flag": True,
                "value": round(best[1].score, 4),
                "page_id": best[0],
                "message_zh": "与本批次另一页内容相同，可能重复拍摄。",
                "message_en": "Same content as another page of this batch: captured twice?",
            }
            log.info("page %s looks like a re-capture of page %s (%.3f)", page_id, best[0], best[1].score)
        self.pages.update(page_id, quality=quality)

    def _fail(self, job: Job, zh: str, en: str, summary: RunSummary, retry: bool = True) -> None:
        reason = f"{zh} / {en}"
        if retry and job.attempts < self.options.max_attempts:
            self.jobs.requeue(job.id, reason)
            summary.retried += 1
            log.info("job %s re-queued after attempt %d: %s", job.id, job.attempts, en)
            return
        self.jobs.finish(job.id, JobState.FAILED, reason)
        if job.page_id:
            if self.pages.get(job.page_id).state == PageState.DELETED:  # deleted meanwhile: stays deleted
                self.pages.update(job.page_id, ocr_state="failed")
            else:
                self.pages.update(
                    job.page_id, state=PageState.FAILED, state_reason=reason, ocr_state="failed"
                )
        summary.failed += 1
        log.warning("job %s for page %s failed: %s", job.id, job.page_id, en)

    def _release_running(self) -> None:
        """Stopping mid-job: kill the workers and give their pages back to the queue."""
        for s in self._slots:
            if s.job is not None:
                self.jobs.release(s.job.id, "interrupted")
                s.job = None
                s.kill()
