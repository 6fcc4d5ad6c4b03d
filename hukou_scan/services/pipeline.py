"""The background stages after a capture, in order: processing → OCR → (link proposals, index).

Processing (crop, deskew, enhance) is fed by a thread of its own to the processing
service's worker processes (``[imaging] workers``; in a thread of the GUI process the
pipeline held the GIL long enough to stall the capture screen); recognition runs in the
OCR service's worker processes.  Both are fed from the persistent job queue in the database, so a
crash or restart simply resumes them.  The link-proposal and search-index hooks run
after each recognised page (wired by the composition root into the OCR service).

The GUI calls :meth:`start`/:meth:`stop`; scripts, the demo and tests call
:meth:`run_until_idle`, which does the same work synchronously.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from hukou_scan.domain import Page

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


class _Summary(Protocol):
    @property
    def done(self) -> int: ...

    @property
    def failed(self) -> int: ...


class ProcessingStage(Protocol):
    def recover(self) -> int: ...

    def close(self) -> None: ...

    def counts(self) -> dict[str, int]: ...

    def run_pending(
        self,
        worker: str = ...,
        *,
        max_jobs: int | None = ...,
        progress: ProgressFn | None = ...,
        cancel: threading.Event | None = ...,
    ) -> _Summary: ...


class OcrStage(Protocol):
    def recover(self) -> int: ...

    def counts(self) -> dict[str, int]: ...

    def run_pending(
        self,
        progress: ProgressFn | None = ...,
        cancel: threading.Event | None = ...,
        max_jobs: int | None = ...,
    ) -> _Summary: ...

    def start(self) -> None: ...

    def notify(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


@dataclass
class PipelineStats:
    processed: int = 0
    processing_failed: int = 0
    recognized: int = 0
    recognition_failed: int = 0


def _waiting(counts: dict[str, int]) -> int:
    return counts.get("queued", 0) + counts.get("running", 0)


SystemScope = Callable[[str], AbstractContextManager[None]]


class PipelineService:
    """Args:
    system_scope: runs the background loop as a named system worker (the security
        guard's ``acting_as_system``), so its work is allowed and audited under
        ``system:processing`` even while the clerk is logged out or the screen is locked.
    """

    def __init__(
        self,
        processing: ProcessingStage,
        ocr: OcrStage,
        poll_s: float = 2.0,
        system_scope: SystemScope | None = None,
    ) -> None:
        self.processing = processing
        self.ocr = ocr
        self.poll_s = poll_s
        self._scope: SystemScope = system_scope or (lambda _name: contextlib.nullcontext())
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- synchronous --------------------------------------------------------------------
    def run_until_idle(
        self, progress: ProgressFn | None = None, cancel: threading.Event | None = None
    ) -> PipelineStats:
        """Process and recognise everything queued; returns when both queues are empty."""
        cancel = cancel or threading.Event()
        stats = PipelineStats()
        self.processing.recover()
        self.ocr.recover()
        while not cancel.is_set():
            p = self.processing.run_pending(progress=_stage(progress, "process"), cancel=cancel)
            stats.processed += p.done
            stats.processing_failed += p.failed
            o = self.ocr.run_pending(progress=_stage(progress, "ocr"), cancel=cancel)
            stats.recognized += o.done
            stats.recognition_failed += o.failed
            # with a shared queue the workers read the pages, not this station
            ocr_here = bool(getattr(getattr(self.ocr, "options", None), "dispatch", True))
            if not _waiting(self.processing.counts()) and not (ocr_here and _waiting(self.ocr.counts())):
                break
        self.processing.close()
        return stats

    # --- background -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the processing thread and the OCR dispatcher (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.ocr.start()
        self._thread = threading.Thread(target=self._loop, name="processing", daemon=True)
        self._thread.start()

    def notify(self, _page: Page | None = None) -> None:
        """A page was captured: wake the processing thread (a capture-service listener)."""
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.processing.close()
        self.ocr.stop(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        with self._scope("processing"):
            try:  # crash recovery as the system worker: starting needs no role of the user
                self.processing.recover()
            except Exception:  # thread boundary
                log.exception("processing recovery failed")
            self._run_loop()

    def _run_loop(self) -> None:
        while not self._stop.is_set():
            try:
                summary = self.processing.run_pending(cancel=self._stop)
                if summary.done or summary.failed:
                    self.ocr.notify()
            except Exception:  # thread boundary: keep the station working, log the cause
                log.exception("processing loop failed; retrying")
            self._wake.wait(self.poll_s)
            self._wake.clear()


def _stage(progress: ProgressFn | None, name: str) -> ProgressFn | None:
    if progress is None:
        return None
    return lambda done, total, msg: progress(done, total, f"{name}: {msg}")
