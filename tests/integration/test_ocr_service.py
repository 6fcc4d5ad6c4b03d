"""The OCR queue: worker processes, hooks, timeouts, a worker SIGKILLed mid-job, crash recovery, re-runs."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.domain.models import Batch, BatchCategory, JobState, Page, PageState, new_id
from hukou_scan.services.ocr import OcrOptions, OcrService
from hukou_scan.storage.ocr import OcrJobQueries

FAKE = "tests.ocr_fakes:FakeEngine"
SLEEPY = "tests.ocr_fakes:SleepyEngine"


def add_page(ctx: AppContext, *, blank: bool = False) -> str:
    batch = ctx.batches.add(
        Batch(id=new_id(), archive_id="A-OCR", category=BatchCategory.MOVE_IN, station_id=ctx.station.id)
    )
    img = np.full((300, 400, 3), 235, np.uint8)
    if not blank:
        img[50:80, 40:300] = 20
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    sha = ctx.blobs.put(buf.getvalue())
    quality = {"blank": {"flag": True, "value": 0.0}} if blank else {}
    page = ctx.pages.add(
        Page(
            id=new_id(),
            batch_id=batch.id,
            seq=ctx.pages.next_seq(batch.id),
            original_sha256=sha,
            captured_at=datetime(2026, 11, 22, 8, 0),
            state=PageState.PROCESSED,
            quality=quality,
        )
    )
    return page.id


def service(ctx: AppContext, hooks: list | None = None, **kw: object) -> OcrService:  # type: ignore[type-arg]
    opts = {"engine": FAKE, "workers": 1, "timeout_s": 60.0, **kw}
    return OcrService(ctx.pages, ctx.jobs, ctx.blobs, OcrJobQueries(ctx.db), OcrOptions(**opts), hooks or [])  # type: ignore[arg-type]


def test_queue_recognises_stores_and_runs_hooks(ctx: AppContext) -> None:
    seen: list[str] = []
    svc = service(ctx, hooks=[seen.append, lambda _pid: (_ for _ in ()).throw(RuntimeError("hook bug"))])
    pages = [add_page(ctx) for _ in range(3)]
    for p in pages:
        svc.enqueue(p)
    progress: list[tuple[int, int, str]] = []
    try:
        summary = svc.run_pending(progress=lambda d, t, m: progress.append((d, t, m)))
    finally:
        svc.close()
    assert summary.done == 3 and summary.failed == 0
    assert seen == pages or sorted(seen) == sorted(pages)
    assert svc.counts()["done"] == 3 and svc.counts()["queued"] == 0
    for p in pages:
        page = ctx.pages.get(p)
        assert page.state == PageState.RECOGNIZED and page.ocr_state == "done"
        res = ctx.pages.get_ocr(p)
        assert res is not None and (res.width, res.height) == (400, 300)
        fields = {f.name: f.value for f in res.fields}
        assert fields == {"name": "张三", "id_number": "110102195402188971"}
    assert progress and progress[-1][0] == 3


def test_blank_page_is_stored_without_recognition(ctx: AppContext) -> None:
    svc = service(ctx, engine=SLEEPY, timeout_s=0.5)  # would time out if it were recognised
    pid = add_page(ctx, blank=True)
    svc.enqueue(pid)
    try:
        assert svc.run_pending().done == 1
    finally:
        svc.close()
    assert svc.worker_pids() == []
    res = ctx.pages.get_ocr(pid)
    assert res is not None and res.text == "" and res.words == []


def test_hanging_page_times_out_is_retried_then_failed(ctx: AppContext) -> None:
    svc = service(ctx, engine=SLEEPY, timeout_s=3.0, max_attempts=2)
    pid = add_page(ctx)
    job = svc.enqueue(pid)
    try:
        summary = svc.run_pending()
    finally:
        svc.close()
    assert summary.retried == 1 and summary.failed == 1
    j = ctx.jobs.get(job.id)
    assert j.state == JobState.FAILED and j.attempts == 2 and "超时" in j.error and "timed out" in j.error
    page = ctx.pages.get(pid)
    assert page.state == PageState.FAILED and "timed out" in page.state_reason
    assert [f.id for f in svc.failures()] == [job.id]


def test_sigkilled_worker_job_resumes(ctx: AppContext) -> None:
    svc = service(ctx, engine=SLEEPY, engine_options={"sleep": 4.0}, timeout_s=120.0, max_attempts=3)
    pid = add_page(ctx)
    job = svc.enqueue(pid)
    result: dict[str, object] = {}
    t = threading.Thread(target=lambda: result.update(summary=svc.run_pending()))
    t.start()
    try:
        deadline = time.monotonic() + 60
        while not svc.busy_worker_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        victim = svc.busy_worker_pids()[0]
        time.sleep(1.0)  # mid-job: the engine is loaded and sleeping in recognize()
        os.kill(victim, signal.SIGKILL)
        t.join(120)
        assert not t.is_alive()
    finally:
        svc.close()
    summary = result["summary"]
    assert summary.done == 1 and summary.retried == 1  # type: ignore[attr-defined]
    j = ctx.jobs.get(job.id)
    assert j.state == JobState.DONE and j.attempts == 2
    assert ctx.pages.get(pid).state == PageState.RECOGNIZED


def test_jobs_survive_an_app_crash(ctx: AppContext) -> None:
    pid = add_page(ctx)
    svc = service(ctx)
    job = svc.enqueue(pid)
    # A crash after claiming: the job is left 'running' in the database.
    assert ctx.jobs.claim("ocr", "crashed-worker") is not None
    assert svc.run_pending().done == 0
    restarted = service(ctx)
    assert restarted.recover() == 1
    try:
        assert restarted.run_pending().done == 1
    finally:
        restarted.close()
        svc.close()
    assert ctx.jobs.get(job.id).state == JobState.DONE


def test_cancel_rerun_with_other_engine_and_rerun_failed(ctx: AppContext) -> None:
    svc = service(ctx)
    pages = [add_page(ctx) for _ in range(3)]
    for p in pages:
        svc.enqueue(p)
    assert svc.cancel_queued() == 3
    assert svc.counts()["cancelled"] == 3
    assert svc.rerun_failed() == 3
    # a queued job is superseded by a re-run with other settings
    assert svc.rerun([pages[0]], engine="tests.ocr_fakes:FakeEngine", mode="plain") == 1
    queued = OcrJobQueries(ctx.db).list_jobs("ocr", [JobState.QUEUED])
    assert len(queued) == 3
    assert any(j.params == {"engine": FAKE, "mode": "plain"} for j in queued)
    try:
        assert svc.run_pending().done == 3
    finally:
        svc.close()
    with pytest.raises(ValueError):
        svc.enqueue(pages[0], mode="nonsense")


def test_cancel_event_returns_running_pages_to_the_queue(ctx: AppContext) -> None:
    svc = service(ctx, engine=SLEEPY, engine_options={"sleep": 30.0})
    pid = add_page(ctx)
    job = svc.enqueue(pid)
    cancel = threading.Event()
    result: dict[str, object] = {}
    t = threading.Thread(target=lambda: result.update(summary=svc.run_pending(cancel=cancel)))
    t.start()
    try:
        deadline = time.monotonic() + 60
        while not svc.busy_worker_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        cancel.set()
        t.join(30)
        assert not t.is_alive()
    finally:
        svc.close()
    assert result["summary"].cancelled  # type: ignore[attr-defined]
    j = ctx.jobs.get(job.id)
    assert j.state == JobState.QUEUED and j.attempts == 0


def test_background_thread_processes_new_pages(ctx: AppContext) -> None:
    svc = service(ctx)
    svc.start()
    try:
        pid = add_page(ctx)
        svc.enqueue(pid)
        deadline = time.monotonic() + 90
        while ctx.pages.get(pid).state != PageState.RECOGNIZED and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ctx.pages.get(pid).state == PageState.RECOGNIZED
    finally:
        svc.stop()
    assert not svc.running and svc.worker_pids() == []


def test_app_context_builds_the_service(ctx: AppContext) -> None:
    svc = ctx.ocr
    assert svc.options.engine == ctx.settings.ocr_engine
    assert "rapidocr" in svc.engines()


def test_capture_is_not_blocked_while_a_page_is_recognised(ctx: AppContext) -> None:
    svc = service(ctx, engine=SLEEPY, engine_options={"sleep": 8.0})
    first = add_page(ctx)
    job = svc.enqueue(first)
    svc.start()
    try:
        deadline = time.monotonic() + 60
        while not svc.busy_worker_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert svc.busy_worker_pids()
        # What capture does while recognition runs: store a page and queue its work.
        second = add_page(ctx)
        ctx.jobs.enqueue("process", second)
        assert ctx.jobs.get(job.id).state == JobState.RUNNING  # still recognising meanwhile
        assert ctx.pages.get(second).state == PageState.PROCESSED
    finally:
        svc.stop()
    assert ctx.jobs.get(job.id).state == JobState.QUEUED  # interrupted, not lost


def test_a_failure_fixed_by_a_rerun_is_no_longer_failed_and_pages_are_named_by_archive_id(
    ctx: AppContext,
) -> None:
    """Issue 15 item 10: 「失败：1」 stayed after a successful retry; pages were shown by id."""
    svc = OcrService(
        ctx.pages,
        ctx.jobs,
        ctx.blobs,
        OcrJobQueries(ctx.db),
        OcrOptions(engine=FAKE, workers=1),
        [],
        batches=ctx.batches,
    )
    pid, other = add_page(ctx), add_page(ctx)
    job = svc.enqueue(pid)
    ctx.jobs.finish(job.id, JobState.FAILED, "识别失败。 / Recognition failed.")
    assert svc.counts()["failed"] == 1 and [j.page_id for j in svc.failures()] == [pid]
    assert svc.rerun_failed() == 1
    try:
        assert svc.run_pending().done == 1
    finally:
        svc.close()
    counts = svc.counts()
    assert counts["failed"] == 0 and counts["done"] == 1
    assert svc.failures() == []
    assert svc.rerun_failed() == 0  # the old failure is history, not a page to re-run
    assert svc.page_labels([pid, other, "gone"]) == {pid: ("A-OCR", 1), other: ("A-OCR", 1)}


def add_sheet(ctx: AppContext, batch_id: str, person: int) -> str:
    """A page of ``batch_id`` that SheetEngine reads as the form of person 0 or 1."""
    img = np.full((300, 400, 3), 234 + person, np.uint8)
    img[50:80, 40:300] = 20
    img[0, 0] = person
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    page = ctx.pages.add(
        Page(
            id=new_id(),
            batch_id=batch_id,
            seq=ctx.pages.next_seq(batch_id),
            original_sha256=ctx.blobs.put(buf.getvalue()),
            captured_at=datetime(2026, 11, 22, 8, 0),
            state=PageState.PROCESSED,
            quality={"blur": {"flag": False, "value": 0.1}},
        )
    )
    return page.id


def test_recaptured_sheet_is_flagged_after_recognition(ctx: AppContext) -> None:
    batch = ctx.batches.add(
        Batch(id=new_id(), archive_id="A-DUP", category=BatchCategory.MOVE_IN, station_id=ctx.station.id)
    )
    other = ctx.batches.add(
        Batch(id=new_id(), archive_id="A-DUP2", category=BatchCategory.MOVE_IN, station_id=ctx.station.id)
    )
    first, second, again = (add_sheet(ctx, batch.id, p) for p in (0, 1, 0))
    elsewhere = add_sheet(ctx, other.id, 1)  # the same form in another batch is not this batch's duplicate
    svc = service(ctx, engine="tests.ocr_fakes:SheetEngine")
    try:
        for pid in (first, second, again, elsewhere):
            svc.enqueue(pid)
            assert svc.run_pending().done == 1  # one at a time: the order of capture
    finally:
        svc.close()
    q = ctx.pages.get(again).quality
    assert q["duplicate"]["flag"] and q["duplicate"]["page_id"] == first and q["duplicate"]["value"] == 1.0
    assert q["blur"] == {"flag": False, "value": 0.1}  # other quality entries kept
    for pid in (first, second, elsewhere):
        assert "duplicate" not in ctx.pages.get(pid).quality
    assert ctx.pages.get(again).state == PageState.RECOGNIZED  # a warning, nothing deleted

    # the clerk deletes the first capture and re-runs OCR on the other: the flag goes away
    ctx.pages.update(first, state=PageState.DELETED)
    svc = service(ctx, engine="tests.ocr_fakes:SheetEngine")
    svc.rerun([again])
    try:
        assert svc.run_pending().done == 1
    finally:
        svc.close()
    assert "duplicate" not in ctx.pages.get(again).quality


def test_a_page_deleted_while_waiting_for_ocr_stays_deleted(ctx: AppContext) -> None:
    """Journeys (issue 15): a page the clerk deleted while it waited for recognition came back
    into the batch when its reading landed (the counter went from 18 to 19 by itself)."""
    svc = service(ctx)
    kept, deleted = add_page(ctx), add_page(ctx)
    for p in (kept, deleted):
        svc.enqueue(p)
    succeed = svc._succeed

    def deleted_while_read(job, result, summary):  # type: ignore[no-untyped-def]
        if job.page_id == deleted:  # the clerk pressed Delete while the worker was reading it
            ctx.pages.update(deleted, state=PageState.DELETED, state_reason="deleted_from:processed")
        succeed(job, result, summary)

    svc._succeed = deleted_while_read  # type: ignore[method-assign]
    try:
        assert svc.run_pending().done == 2
    finally:
        svc.close()
    assert ctx.pages.get(kept).state == PageState.RECOGNIZED
    page = ctx.pages.get(deleted)
    assert page.state == PageState.DELETED and page.ocr_state == "done"
    # an undo brings it back as what it now is: recognised
    assert page.state_reason == "deleted_from:recognized"


def test_queue_store_keeps_a_deleted_page_deleted(ctx: AppContext) -> None:
    """The shared queue's transaction (storage.queue) follows the same rule as the station's."""
    from hukou_scan.domain.models import OcrResult
    from hukou_scan.storage.queue import QueueStore

    store = QueueStore(ctx.db, defer_index=False)
    pid = add_page(ctx)
    job = ctx.jobs.enqueue("ocr", pid)
    ctx.pages.update(pid, state=PageState.DELETED, state_reason="deleted_from:processed")
    began = store.begin(job.id, "w1")
    assert began is not None
    store.complete_ocr(began, OcrResult(text="t", words=[], engine="fake", width=1, height=1))
    page = ctx.pages.get(pid)
    assert page.state == PageState.DELETED and page.state_reason == "deleted_from:recognized"
    job2 = ctx.jobs.enqueue("ocr", pid)
    began2 = store.begin(job2.id, "w1")
    assert began2 is not None
    store.fail(began2, "识别失败。 / Recognition failed.", mark_page=True)
    assert ctx.pages.get(pid).state == PageState.DELETED
