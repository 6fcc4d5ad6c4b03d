"""PipelineService drives processing then OCR until both queues are empty, in the
foreground or on its own thread, and runs the background loop as a system worker."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from hukou_scan.services.pipeline import PipelineService


@dataclass
class Summary:
    done: int = 0
    failed: int = 0


class FakeProcessing:
    def __init__(self, queued: int, ocr: FakeOcr) -> None:
        self.queued = queued
        self.ocr = ocr
        self.recovered = 0
        self.threads: set[str] = set()

    def recover(self) -> int:
        self.recovered += 1
        return 0

    def close(self) -> None:
        pass

    def counts(self) -> dict[str, int]:
        return {"queued": self.queued}

    def run_pending(self, worker: str = "x", *, max_jobs=None, progress=None, cancel=None) -> Summary:  # type: ignore[no-untyped-def]
        self.threads.add(threading.current_thread().name)
        n, self.queued = self.queued, 0
        self.ocr.queued += n  # each processed page becomes an OCR job
        if progress:
            progress(n, n, "page")
        return Summary(done=n)


class FakeOcr:
    def __init__(self) -> None:
        self.queued = 0
        self.done = 0
        self.started = self.stopped = False
        self.notified = threading.Event()

    def recover(self) -> int:
        return 0

    def counts(self) -> dict[str, int]:
        return {"queued": self.queued}

    def run_pending(self, progress=None, cancel=None, max_jobs=None) -> Summary:  # type: ignore[no-untyped-def]
        n, self.queued = self.queued, 0
        self.done += n
        return Summary(done=n, failed=0)

    def start(self) -> None:
        self.started = True

    def notify(self) -> None:
        self.notified.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopped = True


def test_run_until_idle_processes_then_recognises() -> None:
    ocr = FakeOcr()
    proc = FakeProcessing(3, ocr)
    seen: list[str] = []
    stats = PipelineService(proc, ocr).run_until_idle(progress=lambda d, t, m: seen.append(m))
    assert (stats.processed, stats.recognized, stats.processing_failed) == (3, 3, 0)
    assert ocr.done == 3 and proc.queued == 0
    assert seen and seen[0].startswith("process:")


def test_cancel_stops_before_work() -> None:
    ocr = FakeOcr()
    proc = FakeProcessing(2, ocr)
    cancel = threading.Event()
    cancel.set()
    stats = PipelineService(proc, ocr).run_until_idle(cancel=cancel)
    assert stats.processed == 0 and proc.queued == 2


def test_background_loop_runs_as_system_worker_and_wakes_ocr() -> None:
    ocr = FakeOcr()
    proc = FakeProcessing(0, ocr)
    scopes: list[str] = []

    @contextlib.contextmanager
    def scope(name: str) -> Iterator[None]:
        scopes.append(name)
        yield

    pipe = PipelineService(proc, ocr, poll_s=0.05, system_scope=scope)
    pipe.start()
    assert ocr.started and pipe.running
    proc.queued = 2
    pipe.notify()
    assert ocr.notified.wait(5)
    deadline = time.monotonic() + 5
    while proc.queued and time.monotonic() < deadline:
        time.sleep(0.01)
    pipe.stop()
    assert not pipe.running and ocr.stopped
    assert scopes == ["processing"] and proc.threads == {"processing"}
