"""Page processing in worker processes: the GUI process only records results (issue 15).

The worker bodies below are module-level so a spawned child can import them; they wrap
the real one and hang on request (a marker file), which is how a test gets a worker
that is certainly in the middle of a page — no sleeps, no timing assertions.
"""

from __future__ import annotations

import os
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.scene import compose_frame
from hukou_scan.domain import JobState, Page, PageState
from hukou_scan.imaging.pipeline import ProcessOptions
from hukou_scan.services.processing import ProcessingService, RunSummary
from hukou_scan.services.processing_worker import process_stored_page
from hukou_scan.services.workers import serve
from hukou_scan.storage.blobstore import BlobStore
from tests.imaging_helpers import SMALL_FRAME, form_page
from tests.integration.test_imaging_service import _batch, _capture
from tests.polling import wait_until

GATE_ENV = "HUKOU_TEST_WORKER_GATE"


def hanging_worker(conn: Connection, blob_root: str) -> None:
    """The real worker, except that while ``<gate>/hang`` exists it announces the job
    (``<gate>/started-<pid>``) and never answers: a worker stuck in the middle of a page."""
    gate = Path(os.environ[GATE_ENV])
    blobs = BlobStore(Path(blob_root))

    def handle(payload: tuple[Any, ...]) -> dict[str, Any]:
        if (gate / "hang").exists():
            (gate / f"started-{os.getpid()}").touch()
            threading.Event().wait()  # until killed
        sha, geometry, options, fmt, quality, label = payload
        return process_stored_page(blobs, sha, geometry, options, fmt, quality, label)

    serve(conn, handle, "Processing")


def _service(ctx: AppContext, **kw: Any) -> ProcessingService:
    return ProcessingService(ctx.pages, ctx.jobs, ctx.blobs, ProcessOptions(target_dpi=150), **kw)


def _form_page(ctx: AppContext, seed: int) -> Page:
    """A captured form page (camera frame on a wooden desk) in a new batch, waiting for processing."""
    frame = compose_frame(form_page(100, seed=seed), desk="dark_wood", seed=seed, size=SMALL_FRAME).image
    return _capture(ctx, _batch(ctx), frame)


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The :func:`hanging_worker` gate, closed: a worker started now hangs on its page
    (the spawned child inherits the environment variable)."""
    path = tmp_path / "gate"
    path.mkdir()
    (path / "hang").touch()
    monkeypatch.setenv(GATE_ENV, str(path))
    return path


def _run_in_thread(svc: ProcessingService) -> tuple[threading.Thread, list[RunSummary]]:
    out: list[RunSummary] = []
    t = threading.Thread(target=lambda: out.append(svc.run_pending()), name="test-processing")
    t.start()
    return t, out


def test_a_page_is_processed_in_a_child_process(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _form_page(ctx, seed=7)
    import hukou_scan.services.processing_worker as worker_module

    def not_here(*_a: object, **_k: object) -> None:
        raise AssertionError("the pipeline ran in the GUI process")

    monkeypatch.setattr(worker_module, "process_frame", not_here)  # the child imports its own copy
    svc = _service(ctx, workers=1)
    try:
        summary = svc.run_pending()
        pids = svc.worker_pids()
        assert pids and os.getpid() not in pids  # the worker stays for the next page
        assert os.getpriority(os.PRIO_PROCESS, pids[0]) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    finally:
        svc.close()
    assert svc.worker_pids() == []
    assert summary.done == 1 and summary.failed == 0, summary.errors
    got = ctx.pages.get(page.id)
    assert got.state == PageState.PROCESSED and got.processed_sha256 and got.derivative_sha256
    assert ctx.blobs.get(got.derivative_sha256)  # stored by the worker, checksum verified here
    assert got.process_meta["master"]["format"] == "jpeg" and "red_marks" in got.process_meta
    assert ctx.jobs.counts("ocr") == {"queued": 1}


def test_a_worker_killed_mid_page_loses_nothing(ctx: AppContext, gate: Path) -> None:
    page = _form_page(ctx, seed=8)
    svc = _service(ctx, workers=1, worker_body=hanging_worker)
    thread, out = _run_in_thread(svc)
    try:
        started = wait_until(lambda: list(gate.glob("started-*")), 120, what="the worker to start the page")
        assert ctx.pages.get(page.id).state == PageState.CAPTURED  # durable, not yet processed
        (gate / "hang").unlink()  # the replacement worker will finish the page
        os.kill(int(started[0].name.split("-")[1]), signal.SIGKILL)
        thread.join(180)
        assert not thread.is_alive()
    finally:
        svc.close()
    summary = out[0]
    assert summary.retried == 1 and summary.done == 1 and summary.failed == 0
    got = ctx.pages.get(page.id)
    assert got.state == PageState.PROCESSED and got.processed_sha256
    assert ctx.jobs.counts("process") == {"done": 1}


def test_a_hung_worker_is_killed_and_the_page_fails_with_the_reason_after_retries(
    ctx: AppContext, gate: Path
) -> None:
    page = _form_page(ctx, seed=9)
    svc = _service(ctx, workers=1, worker_body=hanging_worker, timeout_s=5.0, max_attempts=2)
    try:
        summary = svc.run_pending()
        assert svc.worker_pids() == []  # the hung one was killed, not left behind
    finally:
        svc.close()
    assert list(gate.glob("started-*"))  # it did hang in the middle of the page
    assert summary.retried == 1 and summary.failed == 1 and summary.done == 0  # two attempts
    got = ctx.pages.get(page.id)
    assert got.state == PageState.FAILED and "timed out" in got.state_reason and "超时" in got.state_reason
    assert ctx.jobs.claim("process", "x") is None
    assert ctx.jobs.counts("process") == {JobState.FAILED.value: 1}


def test_stopping_mid_page_gives_the_page_back_uncharged(ctx: AppContext, gate: Path) -> None:
    page = _form_page(ctx, seed=10)
    svc = _service(ctx, workers=1, worker_body=hanging_worker)
    cancel = threading.Event()
    t = threading.Thread(target=svc.run_pending, kwargs={"cancel": cancel})
    t.start()
    try:
        wait_until(lambda: list(gate.glob("started-*")), 120, what="the worker to start the page")
        cancel.set()
        t.join(60)
        assert not t.is_alive() and svc.worker_pids() == []
    finally:
        svc.close()
    assert ctx.pages.get(page.id).state == PageState.CAPTURED
    job = ctx.jobs.claim("process", "x")
    assert job is not None and job.page_id == page.id and job.attempts == 1  # not charged
