"""Uploads as jobs of the shared job queue on a real PostgreSQL (issue 19), with a real
S3-protocol server (moto) on loopback: a capture's upload request is a procrastinate job
in the station's own queue that only ``worker --sync`` takes; two such workers answer
every request once and never upload an object twice; a worker SIGKILLed mid-upload has
its job run again with nothing lost or duplicated; an outage is retried with growing waits
and shows in the station's sync status."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings
from hukou_scan.domain import SyncState
from hukou_scan.domain.models import new_id
from hukou_scan.storage.records.core import JobRecord
from hukou_scan.storage.security import AuditFilter
from hukou_scan.storage.sync import SyncRepository
from hukou_scan.sync.manifest import object_key
from hukou_scan.sync.store import open_store
from tests.integration.test_queue_postgres import (
    pq,
    start_worker,
    summary_of,
    wait_until,
    worker_env,
    write_settings,
)
from tests.s3_server import MotoS3
from tests.sync_helpers import (
    bucket_keys,
    capture_pages,
    check_remote,
    kill_a_sync_worker_mid_upload,
    make_batch,
    sync_rows,
    sync_section,
)

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


def open_station(config_dir: Path, pg_db_url: str, extra: str) -> AppContext:
    write_settings(config_dir, pg_db_url, extra)
    return AppContext(load_settings(), log_to_file=False)


def sync_jobs(pg_db_url: str) -> list[tuple[str, str]]:
    return [
        (str(s), str(q))
        for s, q in pq(
            pg_db_url,
            "SELECT status::text, queue_name FROM procrastinate_jobs WHERE task_name = 'hukou.sync'",
        )
    ]


def sync_audit(ctx: AppContext) -> list[dict[str, object]]:
    with ctx.session_guard.acting_as_system("test"):
        return [
            {"outcome": e.outcome, "actor": e.username, **e.details}
            for e in ctx.security.audit_events(AuditFilter(action="sync"), limit=1000)
        ]


def test_a_capture_becomes_an_upload_job_only_worker_sync_takes(
    pg_db_url: str, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    ctx = open_station(tmp_path / "config", pg_db_url, sync_section(s3, bucket))
    try:
        pages = capture_pages(ctx, 2)
        station = ctx.station.id
        rows = pq(
            pg_db_url,
            "SELECT queue_name, lock, status::text FROM procrastinate_jobs WHERE task_name = 'hukou.sync'",
        )
        assert rows == [(f"sync-{station}", f"sync:{station}", "todo")]
        env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data")
        # an OCR machine's worker (no --sync) never takes the station's uploads
        assert summary_of(start_worker(env, "--until-idle"))["by_kind"].get("sync") is None
        assert sync_jobs(pg_db_url) == [("todo", f"sync-{station}")]
        summary = summary_of(start_worker(env, "--until-idle", "--sync"))
        assert summary["by_kind"].get("sync") == 1 and summary["failed"] == 0
        assert sync_jobs(pg_db_url) == [("succeeded", f"sync-{station}")]
        keys = bucket_keys(s3, bucket)
        for p in pages:
            page = ctx.pages.get(p)
            assert f"st/{object_key(page.original_sha256)}" in keys and page.sync_state == SyncState.VERIFIED
        assert [(r.state, r.attempts) for r in sync_rows(ctx)] == [("done", 1)]
        assert [(a["actor"], a["outcome"]) for a in sync_audit(ctx)] == [("system:queue", "ok")]
    finally:
        ctx.close()


def test_two_sync_workers_answer_every_request_once_and_upload_each_object_once(
    pg_db_url: str, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    ctx = open_station(tmp_path / "config", pg_db_url, sync_section(s3, bucket, bandwidth_kbps=800))
    env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data")
    workers = [start_worker(env, "--sync", "--name", f"w{i}") for i in range(2)]
    try:
        wait_until(lambda: pq(pg_db_url, "SELECT count(*) FROM procrastinate_workers")[0][0] == 2, 90)
        for seed in range(5):  # requests from several processes over time, some during a run
            make_batch(ctx, 4, size=30_000, seed=seed)
            with ctx.db.session() as s:  # two processes' requests racing past the "one waiting" check
                for _ in range(2):
                    s.add(JobRecord(id=new_id(), kind="sync", params={"station_id": ctx.station.id}))
            time.sleep(0.7)
        wait_until(
            lambda: (
                all(r.state == "done" for r in sync_rows(ctx))
                and all(st == "succeeded" for st, _q in sync_jobs(pg_db_url))
            ),
            120,
        )
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
    summaries = [summary_of(w) for w in workers]
    rows = sync_rows(ctx)
    assert len(rows) == 10 and all(r.attempts == 1 for r in rows)  # each answered once
    ran = sum(s["by_kind"].get("sync", 0) for s in summaries)
    runs = sync_audit(ctx)
    assert 1 <= ran <= 10 and len(runs) == ran and all(r["outcome"] == "ok" for r in runs)
    assert sum(s["failed"] + s["retried"] for s in summaries) == 0
    objects = 5 * 4 * 2  # original + processed per page
    assert sum(int(r["uploaded"]) for r in runs) == objects  # no object put twice: runs never overlapped
    assert len(bucket_keys(s3, bucket)) == objects
    result = check_remote(ctx, open_store(f"s3://{bucket}/st", s3.options()))
    assert result["lost"] == 0 and result["duplicates"] == 0
    ctx.close()


def test_sync_worker_killed_mid_upload_its_job_runs_again_nothing_lost_or_duplicated(
    pg_db_url: str, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    ctx = open_station(
        tmp_path / "config", pg_db_url, sync_section(s3, bucket, bandwidth_kbps=300, workers=2)
    )
    try:
        partial = kill_a_sync_worker_mid_upload(ctx, tmp_path)
        target, repo = ctx.sync.target, SyncRepository(ctx.db)
        assert sync_jobs(pg_db_url)[0][0] == "doing"
        # the rescuer has no bandwidth limit; the dead worker's heartbeat stops, its job comes back
        fast = tmp_path / "fast-config"
        write_settings(fast, pg_db_url, sync_section(s3, bucket))
        rescuer = start_worker(worker_env(tmp_path, fast, tmp_path / "data"), "--sync", "--name", "rescuer")
        try:
            wait_until(lambda: sync_jobs(pg_db_url)[0][0] == "succeeded", 120)
        finally:
            rescuer.send_signal(signal.SIGTERM)
            summary = summary_of(rescuer, 60)
        assert summary["by_kind"].get("sync") == 1
        [row] = sync_rows(ctx)
        assert (row.state, row.attempts) == ("done", 2)  # started by the dead worker, finished here
        assert len(repo.objects(target)) == 60  # one outbox row per object
        assert len(repo.objects(target, ["verified"])) == 60
        result = check_remote(ctx, open_store(target, s3.options()))
        assert result["lost"] == 0 and result["duplicates"] == 0
        [run] = [r for r in sync_audit(ctx) if r["outcome"] == "ok"]
        assert int(run["uploaded"]) + int(run["already_present"]) == 60 - partial
    finally:
        ctx.close()


def test_an_outage_is_retried_with_growing_waits_and_shows_in_the_station_status(
    pg_db_url: str, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    extra = "sync_attempts = 5\nsync_backoff_s = 2\n" + sync_section(s3, bucket, max_attempts=1)
    ctx = open_station(tmp_path / "config", pg_db_url, extra)
    env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data")
    try:
        [page] = capture_pages(ctx, 1)
        s3.stop()  # the network is down
        gaps = []
        for _ in range(2):
            first = summary_of(start_worker(env, "--until-idle", "--sync"))
            assert first["retried"] == 1 and first["failed"] == 0
            [(scheduled, status)] = pq(
                pg_db_url,
                "SELECT scheduled_at, status::text FROM procrastinate_jobs WHERE task_name = 'hukou.sync'",
            )
            [(failed_at,)] = pq(
                pg_db_url,
                "SELECT max(at) FROM procrastinate_events WHERE type = 'deferred_for_retry'",
            )
            assert status == "todo"
            gaps.append((scheduled - failed_at).total_seconds())
            st = ctx.sync.status()
            assert st.requests_waiting == 1 and "同步目标无法访问" in st.request_error
            assert st.next_retry_at is not None
            time.sleep(max(0.0, scheduled.timestamp() - datetime.now(scheduled.tzinfo).timestamp()) + 0.2)
        assert [round(g) for g in gaps] == [2, 4]  # waits grow: 2 s, then 4 s
        s3.start()
        time.sleep(max(0.0, st.next_retry_at - time.time()) + 0.2)
        done = summary_of(start_worker(env, "--until-idle", "--sync"))
        assert done["by_kind"].get("sync") == 1
        assert ctx.pages.get(page).sync_state == SyncState.VERIFIED
        st = ctx.sync.status()
        assert (st.requests_waiting, st.requests_failed, st.request_error) == (0, 0, "")
        [row] = sync_rows(ctx)
        assert (row.state, row.attempts) == ("done", 3)
    finally:
        if not s3.running:
            s3.start()
        ctx.close()
