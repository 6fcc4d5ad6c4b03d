"""ProcessingService: captured originals → processed masters and OCR derivatives.

Contract with the capture, OCR and review areas:

- Capture stores the original, adds the page (state CAPTURED) and enqueues a
  ``process`` job.  :meth:`ProcessingService.run_pending` (or ``process_page``)
  loads the original from the blob store, runs :func:`process_frame` with the page's
  recorded geometry (manual values are never overwritten by detection), stores the
  colour master (JPEG or TIFF — one format per batch) and the derivative (PNG),
  updates the page (hashes, dpi, geometry, quality, process metadata, state
  PROCESSED) and enqueues an ``ocr`` job per resulting page.
- A book spread becomes two pages: the captured row becomes the left part
  (``geometry.split == "left"``) and a new row with the same original is inserted
  right after it (``split == "right"``); later pages move down by one.
- A frame without a page (empty desk, black frame) or an undecodable original sets
  the page to FAILED with a reason in both languages; the batch goes on.

Headless helpers for the ``hukou-scan process`` command live here as well
(:func:`process_file`), so the command line and the GUI run the same code.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from numpy.typing import NDArray

from hukou_scan.domain import Job, Page, PageState, Role
from hukou_scan.domain.models import PageGeometry
from hukou_scan.errors import HukouScanError, ImageProcessingError
from hukou_scan.imaging.detect import Detection, detect_page
from hukou_scan.imaging.io import MASTER_FORMATS, decode_image, encode_master, encode_png
from hukou_scan.imaging.pipeline import PartResult, ProcessOptions, ProcessResult, process_frame
from hukou_scan.imaging.quality import flagged
from hukou_scan.services.guard import Guard, OpenGuard
from hukou_scan.services.processing_worker import process_stored_page
from hukou_scan.services.processing_worker import worker_main as processing_worker_main
from hukou_scan.services.workers import WorkerSlot
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.repositories import BatchRepository, JobRepository, PageRepository, ProcessedPart

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
JOB_KIND = "process"
DEFAULT_TIMEOUT_S = 300.0  # an 8 MP page takes a few seconds; five minutes means it hangs
DEFAULT_MAX_ATTEMPTS = 2
OCR_JOB_KIND = "ocr"


class CancelledError(HukouScanError):
    """The user cancelled a running operation."""

    def __init__(self) -> None:
        super().__init__("操作已取消。", "Cancelled.")


@dataclass
class RunSummary:
    """What :meth:`ProcessingService.run_pending` did."""

    done: int = 0
    failed: int = 0
    retried: int = 0
    pages: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError()


def _encode_part(
    part: PartResult, master_format: str, jpeg_quality: int
) -> tuple[bytes, dict[str, Any], bytes, dict[str, Any]]:
    mbytes, mrec = encode_master(part.master, fmt=master_format, dpi=part.master_dpi, quality=jpeg_quality)
    dbytes, drec = encode_png(
        part.derivative, dpi=part.master_dpi, bitonal=part.geometry.enhance == "bitonal"
    )
    return mbytes, mrec, dbytes, drec


class ProcessingService:
    """Runs the image pipeline over captured pages.

    Args:
        pages, jobs, blobs: repositories and blob store of the application context.
        options: pipeline parameters (``[imaging]`` settings section).
        master_format: "jpeg" or "tiff" for new batches; a batch that already has
            processed pages keeps the format it started with.
        jpeg_quality: quality of JPEG masters.
        guard: role checks and audit for clerk actions (manual corrections).
        batches: for station scoping of manual corrections (a clerk corrects only pages of
            their own station); optional for headless use.
        workers: worker processes for the queue (``[imaging] workers``); 0 processes in the
            calling thread (scripts, tests).  In the GUI the queue must run in workers: a
            thread of the GUI process holds the GIL between OpenCV calls and the capture
            screen stalls (issue 15).
        timeout_s: a worker still busy with one page after this long is killed and the page
            re-queued; after ``max_attempts`` the page fails with the reason.
        worker_body: the worker process's main function (tests wrap it to hang or die).
    """

    def __init__(
        self,
        pages: PageRepository,
        jobs: JobRepository,
        blobs: BlobStore,
        options: ProcessOptions | None = None,
        *,
        master_format: str = "jpeg",
        jpeg_quality: int = 95,
        guard: Guard | None = None,
        batches: BatchRepository | None = None,
        workers: int = 0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        worker_body: Callable[..., None] = processing_worker_main,
    ) -> None:
        self.batches = batches
        if master_format not in MASTER_FORMATS:
            raise ImageProcessingError(
                f"不支持的母版格式：{master_format}", f"Unsupported master format: {master_format}"
            )
        self.pages = pages
        self.jobs = jobs
        self.blobs = blobs
        self.options = options or ProcessOptions()
        self.master_format = master_format
        self.jpeg_quality = jpeg_quality
        self.guard: Guard = guard or OpenGuard()
        self._lock = threading.Lock()  # taken before pages.geometry_lock, never after
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        root = str(blobs.root)
        self._slots = [WorkerSlot("imaging", i, worker_body, (root,)) for i in range(max(0, workers))]
        self._sent: dict[str, Page] = {}  # job id → the page as it was sent to a worker

    # --- live preview ------------------------------------------------------------------

    def preview(self, frame: NDArray[Any]) -> Detection:
        """Fast page outline for the live camera preview (no full-resolution refinement)."""
        self.guard.require(Role.CLERK)
        return detect_page(frame, refine=False)

    # --- one page ----------------------------------------------------------------------

    def batch_master_format(self, batch_id: str) -> str:
        """The master format of a batch: the one its first processed page used, else the default."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        for p in self.pages.list_batch(batch_id):
            fmt = (p.process_meta.get("master") or {}).get("format") if p.processed_sha256 else None
            if fmt in MASTER_FORMATS:
                return str(fmt)
        return self.master_format

    def process_page(
        self,
        page_id: str,
        *,
        options: ProcessOptions | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Page]:
        """Process one captured page; returns the resulting page(s) (two for a spread).

        Raises:
            ImageProcessingError: the original cannot be decoded (the page is marked FAILED).
            CancelledError: ``cancel`` was set (the page is left as it was).
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)  # system:processing in the background
        opts = options or self.options
        steps = 4

        def report(i: int, msg: str) -> None:
            if progress is not None:
                progress(i, steps, msg)

        page = self.pages.get(page_id)
        if page.state == PageState.DELETED:
            log.info("page %s is deleted: not processed", page_id)
            return []
        _check(cancel)
        report(1, "process")
        try:
            result = process_stored_page(
                self.blobs,
                page.original_sha256,
                page.geometry.to_dict(),
                opts.to_dict(),
                self.batch_master_format(page.batch_id),
                self.jpeg_quality,
                f"page {page_id}",
            )
        except ImageProcessingError as e:
            self._fail(page_id, e.zh, e.en)
            raise
        _check(cancel)
        report(2, "store")
        out = self._apply(page, result)
        report(steps, "done")
        return out

    def _apply(self, page: Page, result: dict[str, Any]) -> list[Page]:
        """Record a result computed from ``page`` (as it was when the work started).

        Runs in this process, whoever computed the result; it only writes rows (the files
        are stored already).  A page turned, corrected or deleted meanwhile keeps the newer
        request: that one has its own job, and storing this result would undo it.
        """
        page_id = page.id
        with self._lock, self.pages.geometry_lock:  # one writer for spreads; no stale geometry
            current = self.pages.get(page_id)
            if current.geometry != page.geometry or current.state == PageState.DELETED:
                log.info("page %s changed while being processed: result discarded", page_id)
                return [current]
            return self._record(page, result)

    def _record(self, page: Page, result: dict[str, Any]) -> list[Page]:
        """Store a processing result computed from ``page``'s current geometry (locks held)."""
        page_id = page.id
        if not result["found"]:
            reason = "未找到页面，请重新拍摄。 / No page found in the frame; capture again."
            self.pages.update(
                page_id,
                quality=result["quality"],
                process_meta=result["meta"],
                state=PageState.FAILED,
                state_reason=reason,
            )
            log.info("page %s: no page found (%s)", page_id, result["reason"])
            return [self.pages.get(page_id)]
        out_ids = self._store(page, result["parts"])
        log.info(
            "page %s processed: parts=%d source=%s flags=%s total=%.0f ms",
            page_id,
            len(result["parts"]),
            result["source"],
            ",".join(f for part in result["parts"] for f in flagged(part["quality"])),
            float(result["timings_ms"].get("total", 0.0)),
        )
        return self.pages.get_many(out_ids)

    def _store(self, page: Page, parts: list[dict[str, Any]]) -> list[str]:
        """The parts' rows, thumbnails and OCR jobs, in one transaction (see
        :meth:`PageRepository.record_processed`)."""
        rows: list[ProcessedPart] = []
        for part in parts:
            for f in ("master", "derivative"):
                self.blobs.record_size(part[f]["sha256"], int(part[f]["size"]))
            values: dict[str, Any] = {
                "processed_sha256": part["master"]["sha256"],
                "derivative_sha256": part["derivative"]["sha256"],
                "dpi": part["dpi"],
                "geometry": PageGeometry.from_dict(part["geometry"]),
                "quality": part["quality"],
                "process_meta": part["meta"],
                "state": PageState.PROCESSED,
                "state_reason": "",
            }
            rows.append(ProcessedPart(values, part.get("thumbnail")))
        return self.pages.record_processed(page, rows, follow_up=OCR_JOB_KIND)

    def _fail(self, page_id: str, zh: str, en: str) -> None:
        self.pages.update(page_id, state=PageState.FAILED, state_reason=f"{zh} / {en}")

    def reprocess(
        self,
        page_id: str,
        geometry: PageGeometry,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Page]:
        """Apply a clerk's correction (quad, angle, orientation, 90° turns) and remake the page.

        Values the clerk set must carry their ``*_manual`` flag; they are kept for
        every later automatic run.
        """
        page = self.pages.get(page_id)
        station_id = self.batches.get(page.batch_id).station_id if self.batches is not None else None
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=station_id)
        with self.pages.geometry_lock:
            page = self.pages.get(page_id)
            keep_split = page.geometry.split if page.geometry.split in ("left", "right") else geometry.split
            self.pages.update(page_id, geometry=replace(geometry, split=keep_split))
        out = self.process_page(page_id, progress=progress, cancel=cancel)
        self.guard.audit("page.reprocess", page_id, geometry=geometry.to_dict())
        return out

    # --- queue -------------------------------------------------------------------------

    def enqueue(self, page_id: str) -> None:
        self.guard.require(Role.CLERK, Role.REVIEWER)
        self.jobs.enqueue(JOB_KIND, page_id)

    def recover(self) -> int:
        """Put jobs left running by a crash back in the queue."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        return self.jobs.recover_running(JOB_KIND)

    def counts(self) -> dict[str, int]:
        self.guard.require(Role.CLERK, Role.REVIEWER)
        return self.jobs.counts(JOB_KIND)

    def run_pending(
        self,
        worker: str = "imaging",
        *,
        max_jobs: int | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> RunSummary:
        """Process queued pages until the queue is empty, ``max_jobs`` is reached or cancelled.

        One bad page never stops the batch: its job is marked failed with the reason.
        """
        from hukou_scan.domain import JobState

        self.guard.require(Role.CLERK, Role.REVIEWER)
        if self._slots:
            return self._run_in_workers(max_jobs, progress, cancel or threading.Event())
        summary = RunSummary()
        n = 0
        while max_jobs is None or n < max_jobs:
            if cancel is not None and cancel.is_set():
                break
            job = self.jobs.claim(JOB_KIND, worker)
            if job is None:
                break
            n += 1
            total = n + sum(v for k, v in self.jobs.counts(JOB_KIND).items() if k == "queued")
            if progress is not None:
                progress(n - 1, total, job.page_id or "")
            try:
                if job.page_id is None:
                    raise ImageProcessingError("任务缺少页面。", "Job has no page.")
                pages = self.process_page(job.page_id, cancel=cancel)
            except CancelledError:
                self.jobs.requeue(job.id, "cancelled")
                break
            except HukouScanError as e:
                self.jobs.finish(job.id, JobState.FAILED, e.en)
                summary.failed += 1
                summary.errors[job.page_id or job.id] = e.en
                continue
            except Exception as e:  # task boundary: one bad page never stops the batch
                log.exception("processing page %s failed", job.page_id)
                if job.page_id:
                    self._fail(job.page_id, "处理失败。", f"Processing failed: {type(e).__name__}")
                self.jobs.finish(job.id, JobState.FAILED, f"{type(e).__name__}: {e}")
                summary.failed += 1
                summary.errors[job.page_id or job.id] = str(e)
                continue
            self.jobs.finish(job.id, JobState.DONE)
            summary.done += 1
            summary.pages.extend(p.id for p in pages)
        if progress is not None:
            progress(n, n, "done")
        return summary

    # --- worker processes ----------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker processes (a job still running goes back to the queue)."""
        self._release_running()
        for slot in self._slots:
            slot.stop()

    def worker_pids(self) -> list[int]:
        """PIDs of live worker processes (tests kill one to prove a page survives)."""
        return [s.pid for s in self._slots if s.alive and s.pid is not None]

    def busy_worker_pids(self) -> list[int]:
        return [s.pid for s in self._slots if s.job is not None and s.alive and s.pid is not None]

    def _run_in_workers(
        self, max_jobs: int | None, progress: Progress | None, cancel: threading.Event
    ) -> RunSummary:
        """Feed queued pages to the worker processes until the queue is empty.

        Only hashes and small dicts cross the pipe; this thread records results.  Idle
        workers stay alive for the next page (a spawn costs a second of CPU); a job that is
        running when this returns (cancelled) goes back to the queue uncharged.
        """
        summary = RunSummary()
        claimed = 0
        try:
            while not cancel.is_set():
                for slot in self._slots:
                    if slot.job is not None or (max_jobs is not None and claimed >= max_jobs):
                        continue
                    job = self.jobs.claim(JOB_KIND, slot.name)
                    if job is None:
                        break
                    claimed += 1
                    self._send(slot, job, summary)
                busy = [s for s in self._slots if s.job is not None]
                if not busy:
                    break
                wait([h for s in busy for h in s.handles()], timeout=0.25)
                now = time.monotonic()
                for slot in busy:
                    self._check_slot(slot, now, summary)
                if progress is not None:
                    done = summary.done + summary.failed
                    progress(done, done + len(busy), "")
        finally:
            self._release_running()
        if progress is not None:
            progress(summary.done + summary.failed, summary.done + summary.failed, "done")
        return summary

    def _send(self, slot: WorkerSlot, job: Job, summary: RunSummary) -> None:
        from hukou_scan.domain import JobState

        try:
            if job.page_id is None:
                raise ImageProcessingError("任务缺少页面。", "Job has no page.")
            page = self.pages.get(job.page_id)
        except HukouScanError as e:
            self.jobs.finish(job.id, JobState.FAILED, e.en)
            summary.failed += 1
            summary.errors[job.page_id or job.id] = e.en
            return
        if page.state == PageState.DELETED:
            log.info("page %s is deleted: not processed", page.id)
            self.jobs.finish(job.id, JobState.DONE)
            summary.done += 1
            return
        payload = (
            page.original_sha256,
            page.geometry.to_dict(),
            self.options.to_dict(),
            self.batch_master_format(page.batch_id),
            self.jpeg_quality,
            f"page {page.id}",
        )
        slot.send(job, payload, self.timeout_s)
        self._sent[job.id] = page
        log.info("page %s sent to imaging worker %d (job %s)", page.id, slot.index, job.id)

    def _check_slot(self, slot: WorkerSlot, now: float, summary: RunSummary) -> None:
        from hukou_scan.domain import JobState

        event = slot.poll(now)
        if event is None:
            return
        job = event.job
        page = self._sent.pop(job.id)
        if event.kind == "reply" and event.message[0] == "ok":
            try:
                pages = self._apply(page, event.message[2])
            except Exception as e:  # task boundary: one bad page never stops the batch
                log.exception("recording page %s failed", page.id)
                self._retry_or_fail(job, "处理结果保存失败。", f"Storing the result failed: {e}", summary)
                return
            self.jobs.finish(job.id, JobState.DONE)
            summary.done += 1
            summary.pages.extend(p.id for p in pages)
        elif event.kind == "reply":
            _ok, _id, zh, en, retryable = event.message
            if retryable:
                self._retry_or_fail(job, zh, en, summary)
            else:
                self._fail(page.id, zh, en)
                self.jobs.finish(job.id, JobState.FAILED, en)
                summary.failed += 1
                summary.errors[page.id] = en
        elif event.kind == "died":
            self._retry_or_fail(
                job, "处理进程意外退出。", "The page-processing process ended unexpectedly.", summary
            )
        else:
            t = self.timeout_s
            self._retry_or_fail(
                job, f"页面处理超时（{t:.0f} 秒）。", f"Page processing timed out ({t:.0f} s).", summary
            )

    def _retry_or_fail(self, job: Job, zh: str, en: str, summary: RunSummary) -> None:
        """Back to the queue while attempts are left; then the page fails with the reason."""
        from hukou_scan.domain import JobState

        reason = f"{zh} / {en}"
        if job.attempts < self.max_attempts:
            self.jobs.requeue(job.id, reason)
            summary.retried += 1
            log.info("processing job %s re-queued after attempt %d: %s", job.id, job.attempts, en)
            return
        self.jobs.finish(job.id, JobState.FAILED, reason)
        if job.page_id:
            self._fail(job.page_id, zh, en)
        summary.failed += 1
        summary.errors[job.page_id or job.id] = en
        log.warning("processing job %s for page %s failed: %s", job.id, job.page_id, en)

    def _release_running(self) -> None:
        """Stopping mid-job: kill the busy workers and give their pages back to the queue."""
        for slot in self._slots:
            if slot.job is not None:
                self.jobs.release(slot.job.id, "interrupted")
                self._sent.pop(slot.job.id, None)
                slot.job = None
                slot.kill()


# --- headless file processing (``hukou-scan process``) ----------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def result_record(result: ProcessResult, outputs: list[list[str]] | None = None) -> dict[str, Any]:
    """The JSON shape printed by ``hukou-scan process --json`` (one object per input)."""
    parts = []
    for i, p in enumerate(result.parts):
        parts.append(
            {
                "side": p.side,
                "quad": p.quad.to_list(),
                "dpi": round(p.dpi, 1) if p.dpi else None,
                "master_dpi": round(p.master_dpi, 1),
                "size": [int(p.master.shape[1]), int(p.master.shape[0])],
                "skew_deg": round(p.residual_skew_deg, 4),
                "orientation": p.orientation,
                "blank": p.blank,
                "dewarp": p.dewarp.to_dict(),
                "flags": flagged(p.quality),
                "outputs": outputs[i] if outputs else [],
            }
        )
    return {
        "found": result.found,
        "reason": result.reason,
        "source": result.source,
        "quad": result.quad.to_list() if result.quad else None,
        "skew_deg": round(result.skew_deg, 4),
        "residual_skew_deg": round(result.residual_skew_deg, 4),
        "orientation": result.orientation,
        "spread": result.spread,
        "parts": parts,
        "blank": result.blank,
        "quality": result.quality,
        "flags": flagged(result.quality),
        "dpi": round(result.dpi, 1) if result.dpi else None,
        "outputs": [path for o in (outputs or []) for path in o],
        "timings_ms": result.timings_ms,
    }


def process_file(
    path: Path,
    *,
    out_dir: Path | None = None,
    options: ProcessOptions | None = None,
    master_format: str = "jpeg",
    jpeg_quality: int = 95,
    desk_reference: NDArray[Any] | None = None,
) -> dict[str, Any]:
    """Process one image file; write master/derivative files into ``out_dir`` when given.

    ``desk_reference`` is the same camera's picture of the empty desk (page detection
    compares the frame with it; see :func:`~hukou_scan.imaging.detect.detect_page`).

    Raises:
        ImageProcessingError: the file cannot be read or decoded.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImageProcessingError(f"无法读取文件：{path}", f"Cannot read file: {path} ({e.strerror})") from e
    image = decode_image(data, name=str(path))
    result = process_frame(image, None, options, desk_reference=desk_reference)
    outputs: list[list[str]] = []
    if out_dir is not None:
        ext = ".jpg" if master_format == "jpeg" else ".tif"
        for part in result.parts:
            suffix = "" if part.side == "none" else f"_{part.side}"
            mbytes, _, dbytes, _ = _encode_part(part, master_format, jpeg_quality)
            mpath = out_dir / f"{path.stem}{suffix}{ext}"
            dpath = out_dir / f"{path.stem}{suffix}_{part.geometry.enhance}.png"
            _atomic_write(mpath, mbytes)
            _atomic_write(dpath, dbytes)
            outputs.append([str(mpath), str(dpath)])
    rec = result_record(result, outputs)
    rec["file"] = str(path)
    rec["size"] = list(result.frame_size)
    return rec


def iter_process_files(
    paths: Iterable[Path],
    *,
    out_dir: Path | None = None,
    options: ProcessOptions | None = None,
    master_format: str = "jpeg",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    desk_reference: NDArray[Any] | None = None,
) -> Iterable[dict[str, Any]]:
    """Process files one by one; a bad file yields an error record and the run goes on."""
    items = list(paths)
    for i, path in enumerate(items):
        if cancel is not None and cancel.is_set():
            break
        if progress is not None:
            progress(i, len(items), str(path))
        try:
            yield {
                "ok": True,
                **process_file(
                    path,
                    out_dir=out_dir,
                    options=options,
                    master_format=master_format,
                    desk_reference=desk_reference,
                ),
            }
        except HukouScanError as e:
            yield {
                "ok": False,
                "file": str(path),
                "error": {"zh": e.zh, "en": e.en},
                "exit_code": e.exit_code,
            }
    if progress is not None:
        progress(len(items), len(items), "done")


__all__ = [
    "CancelledError",
    "ProcessingService",
    "RunSummary",
    "iter_process_files",
    "process_file",
    "result_record",
]
