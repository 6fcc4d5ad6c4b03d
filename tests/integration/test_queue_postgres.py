"""The shared job queue on a real PostgreSQL (issue 19): procrastinate workers in separate
processes, each job run once, a SIGKILLed worker's job run again without duplicate rows,
page images read from an S3 page store, re-OCR campaigns end to end."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from PIL import Image
from sqlalchemy import func, select

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings
from hukou_scan.domain.models import Batch, BatchCategory, OcrResult, OcrWord, Page, PageState, new_id
from hukou_scan.storage.pgqueue import conninfo
from hukou_scan.storage.records.core import JobRecord, PageOcrRecord
from hukou_scan.storage.records.queue import ReocrCandidateRecord
from hukou_scan.sync.manifest import object_key
from tests import polling

pytestmark = pytest.mark.postgres

ENGINE = "tests.ocr_fakes:CountingEngine"
ROOT = Path(__file__).resolve().parents[2]


def write_settings(config_dir: Path, db_url: str, extra: str = "") -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.toml").write_text(
        f'[general]\ndb_url = "{db_url}"\nocr_engine = "{ENGINE}"\n\n'
        '[ocr]\nmode = "plain"\nmax_attempts = 3\n\n'
        '[queue]\nbackend = "procrastinate"\nheartbeat_s = 0.5\nstalled_s = 3\n' + extra,
        "utf-8",
    )


@pytest.fixture
def station(pg_db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    write_settings(tmp_path / "config", pg_db_url)
    ctx = AppContext(load_settings(), log_to_file=False)
    yield ctx
    ctx.close()


def add_pages(ctx: AppContext, n: int, *, captured: datetime | None = None) -> list[str]:
    batch = ctx.batches.add(
        Batch(
            id=new_id(),
            archive_id=f"Q-{new_id()[:6]}",
            category=BatchCategory.MOVE_IN,
            station_id=ctx.station.id,
        )
    )
    ids = []
    for i in range(n):
        img = np.full((90, 160, 3), 235, np.uint8)
        img[5 + i % 80 : 8 + i % 80, 10 : 20 + i] = 20  # a different page image each
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG")
        sha = ctx.blobs.put(buf.getvalue())
        page = ctx.pages.add(
            Page(
                id=new_id(),
                batch_id=batch.id,
                seq=ctx.pages.next_seq(batch.id),
                original_sha256=sha,
                captured_at=captured or datetime(2026, 11, 22, 8, 0),
                state=PageState.PROCESSED,
            )
        )
        ids.append(page.id)
    return ids


def worker_env(tmp_path: Path, config_dir: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HUKOU_CONFIG_DIR=str(config_dir),
        HUKOU_DATA_DIR=str(data_dir),
        HUKOU_TEST_OCR_LOG=str(tmp_path / "ocr.log"),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hukou_scan", "worker", "--json", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def summary_of(proc: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return dict(json.loads(out.strip().splitlines()[-1]))


def log_lines(tmp_path: Path, what: str) -> list[tuple[str, str]]:
    path = tmp_path / "ocr.log"
    if not path.exists():
        return []
    return [
        (parts[1], parts[2])
        for parts in (line.split() for line in path.read_text("utf-8").splitlines())
        if parts and parts[0] == what
    ]


def pq(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo(url)) as conn:
        return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]


def wait_until(cond: Callable[[], object], timeout: float = 60.0) -> None:
    """:func:`tests.polling.wait_until` at five polls a second (most conditions here are a
    query on a fresh connection)."""
    polling.wait_until(cond, timeout, poll_s=0.2)


def test_jobs_are_deferred_in_the_same_transaction(station: AppContext, pg_db_url: str) -> None:
    [page] = add_pages(station, 1)
    with pytest.raises(RuntimeError), station.db.session() as s:
        s.add(JobRecord(id=new_id(), kind="ocr", page_id=page, params={}, state="queued"))
        s.flush()
        assert pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0  # not visible yet
        raise RuntimeError("the page transaction fails")
    assert pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0  # rolled back with it
    job = station.jobs.enqueue("ocr", page)
    rows = pq(
        pg_db_url, "SELECT task_name, priority, lock, args->>'job_id', status::text FROM procrastinate_jobs"
    )
    assert rows == [("hukou.ocr", 100, f"page:{page}", job.id, "todo")]
    station.jobs.enqueue("process", page)  # not a queued kind: stays in the station's jobs table
    assert pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 1
    assert not station.ocr.options.dispatch  # the station's own OCR dispatcher stands aside


def test_two_workers_run_each_job_exactly_once(station: AppContext, pg_db_url: str, tmp_path: Path) -> None:
    pages = add_pages(station, 16)
    env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data", HUKOU_TEST_OCR_SLEEP="0.3")
    workers = [start_worker(env, "--name", f"w{i}") for i in range(2)]
    try:
        # both workers are up and listening before the work arrives
        wait_until(lambda: pq(pg_db_url, "SELECT count(*) FROM procrastinate_workers")[0][0] == 2, 90)
        for p in pages:
            station.jobs.enqueue("ocr", p)
        wait_until(
            lambda: (
                pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")[0][0]
                == 32
            ),
            120,
        )
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
    summaries = [summary_of(w) for w in workers]
    done = Counter(h for h, _pid in log_lines(tmp_path, "done"))
    assert len(done) == 16 and set(done.values()) == {1}  # every page read exactly once
    assert len(log_lines(tmp_path, "start")) == 16
    pids = Counter(pid for _h, pid in log_lines(tmp_path, "done"))
    assert len(pids) == 2, pids  # both workers took OCR jobs
    assert sum(s["by_kind"].get("ocr", 0) for s in summaries) == 16
    assert sum(s["by_kind"].get("index", 0) for s in summaries) == 16  # index update deferred with the text
    assert sum(s["skipped"] for s in summaries) == 0
    for p in pages:
        page = station.pages.get(p)
        assert (
            page.state == PageState.RECOGNIZED and page.ocr_state == "done" and page.ocr_engine == "counting"
        )
    status = dict(pq(pg_db_url, "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1"))
    assert status == {"succeeded": 32}
    with station.db.session() as s:
        assert s.scalar(select(func.count()).select_from(PageOcrRecord)) == 16


def test_worker_killed_mid_job_its_job_runs_again_without_duplicates(
    station: AppContext, pg_db_url: str, tmp_path: Path
) -> None:
    pages = add_pages(station, 6)
    for p in pages:
        station.jobs.enqueue("ocr", p)
    hang = tmp_path / "hang-once"
    env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data", HUKOU_TEST_OCR_HANG_ONCE=str(hang))
    a = start_worker(env, "--name", "doomed")
    try:
        wait_until(hang.exists, 60)  # worker A is in the middle of a page
        stuck = hang.read_text("utf-8")
        os.kill(a.pid, signal.SIGKILL)
        a.wait(10)
    finally:
        if a.poll() is None:
            a.kill()
        a.communicate()
    assert pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")[0][0] == 1
    b = start_worker(env, "--name", "rescuer")
    try:
        wait_until(
            lambda: (
                pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")[0][0]
                == 0
                and pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 12
            ),
            90,
        )
    finally:
        b.send_signal(signal.SIGTERM)
        summary = summary_of(b, 60)
    starts = Counter(h for h, _ in log_lines(tmp_path, "start"))
    done = Counter(h for h, _ in log_lines(tmp_path, "done"))
    assert starts[stuck] == 2 and done[stuck] == 1  # started by A, killed, finished by B
    assert len(done) == 6 and set(done.values()) == {1}
    assert summary["by_kind"]["ocr"] == 6
    with station.db.session() as s:
        assert s.scalar(select(func.count()).select_from(PageOcrRecord)) == 6  # one text row per page
        jobs = list(s.scalars(select(JobRecord).where(JobRecord.kind == "ocr")))
    assert all(j.state == "done" for j in jobs)
    assert sorted(j.attempts for j in jobs) == [1, 1, 1, 1, 1, 2]
    assert all(station.pages.get(p).state == PageState.RECOGNIZED for p in pages)


def test_worker_reads_page_images_from_the_s3_page_store(
    station: AppContext, pg_db_url: str, tmp_path: Path
) -> None:
    from tests.s3_server import MotoS3

    pages = add_pages(station, 3)
    s3 = MotoS3().start()
    try:
        bucket = s3.create_bucket("pages")
        client = s3.client()
        for p in pages:
            sha = station.pages.get(p).original_sha256
            client.put_object(Bucket=bucket, Key=f"st/{object_key(sha)}", Body=station.blobs.get(sha))
        for p in pages:
            station.jobs.enqueue("ocr", p)
        # an OCR machine: same database, no copy of the station's disk, the S3 page store
        opts = s3.options()
        remote_cfg = tmp_path / "remote-config"
        write_settings(
            remote_cfg,
            pg_db_url,
            f'\n[sync]\ntarget = "s3://{bucket}/st"\nendpoint_url = "{opts["endpoint_url"]}"\n'
            f'key = "{opts["key"]}"\nsecret = "{opts["secret"]}"\nregion = "{opts["region"]}"\n',
        )
        env = worker_env(tmp_path, remote_cfg, tmp_path / "remote-data")
        summary = summary_of(start_worker(env, "--until-idle"))
    finally:
        s3.stop()
    assert summary["by_kind"].get("ocr") == 3 and summary["failed"] == 0
    assert not (tmp_path / "remote-data" / "blobs").exists() or not any(
        (tmp_path / "remote-data" / "blobs").rglob("*.png")
    )
    assert all(station.pages.get(p).ocr_state == "done" for p in pages)


def _old_reading(ctx: AppContext, page_id: str, text: str, engine: str) -> None:
    ctx.pages.save_ocr(page_id, OcrResult(text, [OcrWord(text, 1, 1, 10, 10, 0.9)], engine, 160, 90))


def test_reocr_campaign_lifecycle_on_postgres(station: AppContext, pg_db_url: str, tmp_path: Path) -> None:
    old = add_pages(station, 4, captured=datetime(2026, 10, 1, 9, 0))
    other = add_pages(station, 2, captured=datetime(2026, 10, 1, 9, 0))
    late = add_pages(station, 1, captured=datetime(2026, 12, 1, 9, 0))
    for p in old + late:
        _old_reading(station, p, "旧文字", "rapidocr-3.0")
    for p in other:
        _old_reading(station, p, "别的", "tesseract")
    svc = station.reocr
    c = svc.start(
        ENGINE,
        mode="plain",
        station_id=station.station.id,
        date_from=datetime(2026, 9, 1),
        date_to=datetime(2026, 11, 1),
        engine_version="rapidocr-3.0",
    )
    assert c.total == 4 and c.status == "running" and c.queued == 4
    assert svc.pause(c.id) == 4
    assert svc.status(c.id).status == "paused"
    assert pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")[0][0] == 0
    # fresh captures go first: a new page's OCR is queued after the campaign resumes
    assert svc.resume(c.id) == 4
    [fresh] = add_pages(station, 1)
    station.jobs.enqueue("ocr", fresh)
    env = worker_env(tmp_path, tmp_path / "config", tmp_path / "data")
    summary_of(start_worker(env, "--until-idle"))
    order = [h for h, _ in log_lines(tmp_path, "done")]
    assert len(order) == 5
    fresh_text = station.pages.get(fresh).ocr_text
    assert order[0] in fresh_text  # priority above the campaign
    st = svc.status(c.id)
    assert (st.status, st.read, st.pending, st.queued) == ("done", 4, 4, 0)
    # nothing replaced yet: candidates only
    assert all(station.pages.get(p).ocr_text == "旧文字" for p in old)
    diff = svc.diff(c.id)
    assert {d.page_id for d in diff} == set(old) and all(d.old_text == "旧文字" for d in diff)
    assert svc.accept(c.id, [old[0]]) == {"accepted": 1}
    assert station.pages.get(old[0]).ocr_text.startswith("页")
    # a reviewer corrected old[1] meanwhile: accepting all must not overwrite that
    _old_reading(station, old[1], "人工更正", "manual")
    assert svc.accept(c.id) == {"accepted": 2, "changed": 1}
    assert station.pages.get(old[1]).ocr_text == "人工更正"
    assert svc.reject(c.id, [old[1]]) == 1
    st = svc.status(c.id)
    assert (st.accepted, st.rejected, st.pending) == (3, 1, 0)
    with station.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReocrCandidateRecord)) == 4
    # each accepted page's index update was deferred to the queue with the text
    assert (
        pq(
            pg_db_url,
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'hukou.index' AND status = 'todo'",
        )[0][0]
        == 3
    )


def test_migration_0011_down_removes_procrastinate_schema_and_up_restores_it(pg_db_url: str) -> None:
    from hukou_scan.storage.db import Database

    db = Database(pg_db_url)
    try:
        db.upgrade(backup=False)
        db.downgrade("0010_hardening")
        assert pq(pg_db_url, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%%'")[0][0] == 0
        assert pq(pg_db_url, "SELECT to_regclass('procrastinate_jobs')")[0][0] is None
        db.upgrade(backup=False)
        assert pq(pg_db_url, "SELECT to_regclass('procrastinate_jobs')")[0][0] is not None
        assert db.current_revision() == db.head_revision()
    finally:
        db.dispose()


def test_procrastinate_workers_backfill_thumbnails_and_check_recaptures(
    station: AppContext, pg_db_url: str, tmp_path: Path
) -> None:
    from tests.integration.test_queue_local import _recaptured_pages

    pages = _recaptured_pages(station)
    for p in pages:
        station.jobs.enqueue("ocr", p)
    env = worker_env(tmp_path, tmp_path / "config", station.settings.data_dir)
    first = summary_of(start_worker(env, "--until-idle", "--backfill-thumbnails"))
    # thumbnails were queued before the OCR jobs ran (lower priority, same queue); the
    # index jobs that follow each reading ran the duplicate check
    assert first["thumbnails_queued"] == 3 and first["failed"] == 0
    assert first["by_kind"] == {"ocr": 3, "index": 3, "thumb": 3}
    assert station.pages.pages_without_thumbnail() == []
    marks = [station.pages.get(p).quality.get("duplicate") for p in (pages[0], pages[2])]
    assert any(marks) and station.pages.get(pages[1]).quality.get("duplicate") is None
    # the procrastinate jobs of every kind are finished
    assert pq(pg_db_url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")[0][0] == 0
    # nothing left to backfill: a second run queues nothing
    assert summary_of(start_worker(env, "--until-idle", "--backfill-thumbnails"))["thumbnails_queued"] == 0
