"""Uploads as jobs of the job queue on a single SQLite station (issue 19), against a real
S3-protocol server (moto) on loopback: a capture requests an upload, the local runner of
``worker --sync`` (or the station's background sync) answers it, a network outage is
retried with growing waits and shows on the sync screen's status."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.config import load_settings
from hukou_scan.domain import SyncState
from hukou_scan.domain.models import JobState, new_id
from hukou_scan.storage.records.core import JobRecord
from hukou_scan.storage.security import AuditFilter
from hukou_scan.sync.manifest import object_key
from tests.integration.test_queue_local import local_ctx
from tests.integration.test_queue_postgres import ENGINE
from tests.s3_server import MotoS3
from tests.sync_helpers import bucket_keys, capture_pages, sync_rows, sync_section

pytestmark = pytest.mark.s3


def test_a_capture_requests_an_upload_that_worker_sync_puts_in_the_bucket(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    ctx = local_ctx(tmp_path / "config", sync_section(s3, bucket))
    try:
        pages = capture_pages(ctx, 2)
        # one waiting request answers both captures
        assert len(ctx.queue_store.waiting_sync_requests(ctx.station.id)) == 1
        assert ctx.sync.status().requests_waiting == 1
        # a worker without --sync (an OCR machine) leaves uploads alone
        assert ctx.queue_worker("ocr-only").run(until_idle=True).by_kind == {}
        assert len(ctx.queue_store.waiting_sync_requests(ctx.station.id)) == 1
        summary = ctx.queue_worker("station", sync=True).run(until_idle=True)
        assert summary.by_kind == {"sync": 1} and summary.failed == 0
        keys = bucket_keys(s3, bucket)
        for p in pages:
            assert f"st/{object_key(ctx.pages.get(p).original_sha256)}" in keys
            assert ctx.pages.get(p).sync_state == SyncState.VERIFIED
        [row] = sync_rows(ctx)
        assert (row.state, row.attempts) == ("done", 1)
        status = ctx.sync.status()
        assert (status.requests_waiting, status.requests_failed, status.request_error) == (0, 0, "")
        # the run is audited under the queue's system actor, like the worker's other work
        with ctx.session_guard.acting_as_system("test"):
            events = ctx.security.audit_events(AuditFilter(action="sync"), limit=10)
        assert [(e.username, e.outcome) for e in events] == [("system:queue", "ok")]
        assert events[0].details.get("uploaded") == 2
    finally:
        ctx.close()


def test_a_worker_only_answers_its_own_stations_requests(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    ctx = local_ctx(tmp_path / "config", sync_section(s3, bucket))
    try:
        assert ctx.queue_store.request_sync("another-station")
        assert not ctx.queue_store.request_sync("another-station")  # one waiting is enough
        assert ctx.queue_worker("station", sync=True).run(until_idle=True).by_kind == {}
        assert [r.state for r in sync_rows(ctx)] == ["queued"]
    finally:
        ctx.close()


def test_background_sync_answers_a_request_queued_by_another_process(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    ctx = local_ctx(tmp_path / "config", sync_section(s3, bucket, interval_s=3600, request_poll_s=0.1))
    other = AppContext(load_settings(), log_to_file=False)  # e.g. ``hukou-scan capture hotfolder``
    try:
        with ctx.session_guard.acting_as_system("test"):
            ctx.sync.start_background()
        deadline = time.monotonic() + 30
        while ctx.sync.status().last_run_at is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the loop's first run (nothing to upload yet)
        pages = capture_pages(other, 3, seed=1)  # its capture requests the upload
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if {other.pages.get(p).sync_state for p in pages} == {SyncState.VERIFIED}:
                break
            time.sleep(0.1)
        assert {other.pages.get(p).sync_state for p in pages} == {SyncState.VERIFIED}
        deadline = time.monotonic() + 10
        while any(r.state != "done" for r in sync_rows(ctx)) and time.monotonic() < deadline:
            time.sleep(0.05)
        rows = sync_rows(ctx)
        # one request, or more when a capture came while a run was already under way (that
        # run may not have seen it); all answered by the loop, none left waiting
        assert 1 <= len(rows) <= 3 and {(r.state, r.attempts) for r in rows} == {("done", 1)}
        assert all(r.started_at is None for r in rows)  # answered by a run, never taken as jobs
        assert len(bucket_keys(s3, bucket)) == 3
    finally:
        ctx.sync.stop()
        other.close()
        ctx.close()


def test_a_failed_upload_is_retried_with_growing_waits_and_shows_in_the_sync_status(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    extra = sync_section(s3, bucket, max_attempts=1) + "\n[queue]\nsync_attempts = 3\nsync_backoff_s = 1.5\n"
    ctx = local_ctx(tmp_path / "config", extra)
    try:
        [page] = capture_pages(ctx, 1)
        s3.stop()  # the network is down: connections refused
        worker = ctx.queue_worker("station", sync=True)
        t0 = time.time()
        first = worker.run(until_idle=True)
        assert (first.retried, first.failed, first.done) == (1, 0, 0)
        status = ctx.sync.status()
        assert status.requests_waiting == 1 and status.requests_failed == 0
        assert "同步目标无法访问" in status.request_error and status.last_error
        assert status.next_retry_at is not None and t0 + 1.4 <= status.next_retry_at <= time.time() + 1.6
        # not due yet: the runner leaves it waiting instead of trying again at once (1.5 s leaves
        # room for a slow first run on a loaded machine; 0.6 s did not)
        assert worker.run(until_idle=True).retried == 1
        time.sleep(max(0.0, status.next_retry_at - time.time()) + 0.05)
        t1 = time.time()
        assert worker.run(until_idle=True).retried == 2
        second = ctx.sync.status()
        assert second.next_retry_at is not None and second.next_retry_at >= t1 + 3.0  # 1.5 s, then 3 s
        time.sleep(max(0.0, second.next_retry_at - time.time()) + 0.05)
        assert worker.run(until_idle=True).failed == 1  # the third try was the last
        status = ctx.sync.status()
        assert (status.requests_waiting, status.requests_failed) == (0, 1)
        [row] = sync_rows(ctx)
        assert (row.state, row.attempts) == (JobState.FAILED.value, 3) and "unreachable" in row.error
        assert ctx.pages.get(page).sync_state == SyncState.LOCAL
        # the network is back: the next capture's request uploads everything
        s3.start()
        capture_pages(ctx, 1, seed=5)
        assert worker.run(until_idle=True).by_kind == {"sync": 1}
        assert ctx.pages.get(page).sync_state == SyncState.VERIFIED
        status = ctx.sync.status()
        assert (status.requests_waiting, status.requests_failed, status.request_error) == (0, 0, "")
    finally:
        if not s3.running:
            s3.start()
        ctx.close()


def test_worker_sync_refuses_where_the_station_page_store_is_not(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = local_ctx(tmp_path / "config")
    try:
        capture_pages(ctx, 2)
        assert main(["worker", "--sync", "--until-idle"]) == 2  # no target
        assert "同步目标" in capsys.readouterr().err
        (tmp_path / "config" / "settings.toml").write_text(
            (tmp_path / "config" / "settings.toml").read_text("utf-8") + sync_section(s3, bucket), "utf-8"
        )
        assert ctx.queue_store.request_sync(ctx.station.id)
        # another machine with this station's settings but without its page store
        for sha in list(ctx.blobs.iter_hashes()):
            ctx.blobs.path_for(sha).unlink()
        assert main(["worker", "--sync", "--until-idle"]) == 2
        assert "图像库" in capsys.readouterr().err
        assert [r.state for r in sync_rows(ctx)] == ["queued"]  # left for the station itself
    finally:
        ctx.close()


def test_two_local_sync_workers_answer_each_request_once_and_never_overlap(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    from tests.integration.test_queue_postgres import start_worker, summary_of, wait_until, worker_env
    from tests.sync_helpers import make_batch

    ctx = local_ctx(tmp_path / "config", sync_section(s3, bucket, bandwidth_kbps=800))
    env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data")
    workers = [start_worker(env, "--sync", "--name", f"w{i}") for i in range(2)]
    try:
        for seed in range(4):
            make_batch(ctx, 3, size=30_000, seed=seed)
            with ctx.db.session() as s:  # two processes' requests racing past the "one waiting" check
                s.add_all(
                    JobRecord(id=new_id(), kind="sync", params={"station_id": ctx.station.id})
                    for _ in range(2)
                )
            time.sleep(0.8)
        wait_until(lambda: all(r.state == "done" for r in sync_rows(ctx)), 120)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
    summaries = [summary_of(w) for w in workers]
    rows = sync_rows(ctx)
    assert [(r.attempts, r.error) for r in rows] == [(1, "")] * 8, [
        (r.attempts, r.worker, r.error) for r in rows
    ]
    ran = sum(s["by_kind"].get("sync", 0) for s in summaries)
    with ctx.session_guard.acting_as_system("test"):
        runs = [e.details for e in ctx.security.audit_events(AuditFilter(action="sync"), limit=100)]
    assert 1 <= ran <= 8 and len(runs) == ran
    objects = 4 * 3 * 2
    assert sum(int(r["uploaded"]) for r in runs) == objects  # no object put twice
    assert len(bucket_keys(s3, bucket)) == objects
    ctx.close()


def test_local_sync_worker_killed_mid_upload_runs_the_job_again_nothing_lost_or_duplicated(
    settings: object, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    from hukou_scan.storage.sync import SyncRepository
    from hukou_scan.sync.store import open_store
    from tests.integration.test_queue_postgres import start_worker, summary_of, worker_env
    from tests.sync_helpers import check_remote, kill_a_sync_worker_mid_upload

    ctx = local_ctx(tmp_path / "config", sync_section(s3, bucket, bandwidth_kbps=300, workers=2))
    try:
        kill_a_sync_worker_mid_upload(ctx, tmp_path)
        target, repo = ctx.sync.target, SyncRepository(ctx.db)
        assert [r.state for r in sync_rows(ctx)] == ["running"]  # left by the dead worker
        fast = tmp_path / "fast-config"
        fast.mkdir()
        (fast / "settings.toml").write_text(  # the same station, no bandwidth limit
            f'[general]\nocr_engine = "{ENGINE}"\n\n[ocr]\nmode = "plain"\n' + sync_section(s3, bucket),
            "utf-8",
        )
        summary = summary_of(
            start_worker(worker_env(tmp_path, fast, tmp_path / "data"), "--sync", "--until-idle")
        )
        assert summary["by_kind"].get("sync") == 1 and summary["failed"] == 0
        [row] = sync_rows(ctx)
        assert (row.state, row.attempts) == ("done", 2)
        assert len(repo.objects(target)) == 60 and len(repo.objects(target, ["verified"])) == 60
        result = check_remote(ctx, open_store(target, s3.options()))
        assert result["lost"] == 0 and result["duplicates"] == 0
    finally:
        ctx.close()
