"""Multi-station deployment on a real PostgreSQL server (started by the test session on loopback)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from hukou_scan.app import AppContext
from hukou_scan.config import Settings
from hukou_scan.domain import Page, SyncState, new_id
from hukou_scan.errors import StorageError
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.sync import SyncConfig, SyncService, restore_archive
from hukou_scan.storage.db import Database
from hukou_scan.storage.sync import SyncRepository
from hukou_scan.sync.store import open_store
from tests.postgres_server import PostgresServer
from tests.sync_helpers import check_remote, fault_summary, make_batch, record

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("fault_summary")]
__all__ = ["fault_summary"]  # the module-scoped fixture that prints the totals


def station_ctx(settings: Settings, url: str, code: str, data: Path) -> AppContext:
    return AppContext(
        settings.with_changes(db_url=url, station_code=code, station_name=f"站{code}", data_dir=data),
        log_to_file=False,
    )


@pytest.fixture
def two_stations(
    settings: Settings, pg_db_url: str, tmp_path: Path
) -> Iterator[tuple[AppContext, AppContext]]:
    a = station_ctx(settings, pg_db_url, "S-A", tmp_path / "a")
    b = station_ctx(settings, pg_db_url, "S-B", tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def sync_service(ctx: AppContext, target: str) -> SyncService:
    cfg = SyncConfig(target=target, backoff_base_s=0.05)
    return SyncService(cfg, SyncRepository(ctx.db), ctx.blobs, ctx.station, OpenGuard())


def test_alembic_migrations_up_and_down_on_postgres(pg_db_url: str) -> None:
    db = Database(pg_db_url)
    try:
        db.upgrade(backup=False)
        assert db.current_revision() == db.head_revision()
        insp = inspect(db.engine)
        assert "sync_manifests" in insp.get_table_names()
        assert "stored_sha256" in {c["name"] for c in insp.get_columns("sync_records")}
        db.downgrade("0007_export")
        insp = inspect(db.engine)
        assert "sync_manifests" not in insp.get_table_names()
        assert "stored_sha256" not in {c["name"] for c in inspect(db.engine).get_columns("sync_records")}
        db.upgrade(backup=False)
        assert db.current_revision() == db.head_revision()
    finally:
        db.dispose()


def test_two_stations_write_and_sync_at_once_without_clashes(
    two_stations: tuple[AppContext, AppContext], tmp_path: Path
) -> None:
    a, b = two_stations
    errors: list[BaseException] = []

    def capture(ctx: AppContext, seed0: int) -> None:
        try:
            for seed in range(seed0, seed0 + 3):
                make_batch(ctx, 8, size=3_000, seed=seed, link=False)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=capture, args=(a, 0)), threading.Thread(target=capture, args=(b, 100))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert a.station.id != b.station.id
    pages_a = [p for bt in a.batches.list(station_id=a.station.id) for p in a.pages.list_batch(bt.id)]
    pages_b = [p for bt in b.batches.list(station_id=b.station.id) for p in b.pages.list_batch(bt.id)]
    assert len(pages_a) == len(pages_b) == 24

    # Column-level updates from two stations on the same row never overwrite each other.
    shared = pages_a[0]

    def ocr_writes() -> None:
        for i in range(30):
            b.pages.update(shared.id, ocr_text=f"text {i}", ocr_state="done")

    def review_writes() -> None:
        for i in range(30):
            a.pages.update(shared.id, review_state=f"r{i}")

    ts = [threading.Thread(target=ocr_writes), threading.Thread(target=review_writes)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    final = a.pages.get(shared.id)
    assert final.ocr_text == "text 29" and final.review_state == "r29"

    # A shared work queue: each job is claimed by exactly one station.
    for _ in range(40):
        a.jobs.enqueue("sync-test")
    claimed: dict[str, list[str]] = {"a": [], "b": []}

    def claimer(ctx: AppContext, name: str) -> None:
        while (job := ctx.jobs.claim("sync-test", name)) is not None:
            claimed[name].append(job.id)

    ts = [threading.Thread(target=claimer, args=(a, "a")), threading.Thread(target=claimer, args=(b, "b"))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(claimed["a"]) + len(claimed["b"]) == 40
    assert not set(claimed["a"]) & set(claimed["b"])

    # Both stations sync to one NAS folder at the same time.
    target = f"file://{tmp_path / 'nas'}"
    sa, sb = sync_service(a, target), sync_service(b, target)
    ts = [threading.Thread(target=sa.sync_now), threading.Thread(target=sb.sync_now)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for ctx, svc in ((a, sa), (b, sb)):
        assert svc.status().pages == {"verified": 24}
        result = check_remote(ctx, svc.engine().store)
        assert result["lost"] == 0
    rep = restore_archive(SyncConfig(), target, tmp_path / "restored")
    assert rep.ok and sorted(rep.stations) == ["S-A", "S-B"] and rep.pages == 48


def test_app_reconnects_after_postgres_restart_without_losing_a_page(
    settings: Settings, pg_db_url: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    ctx = station_ctx(settings, pg_db_url, "S-R", tmp_path / "r")
    target = f"file://{tmp_path / 'nas'}"
    svc = sync_service(ctx, target)
    svc.config = SyncConfig(target=target, backoff_base_s=0.05, interval_s=0.2, offline_backoff_max_s=0.5)
    try:
        batch = make_batch(ctx, 1, size=1_000, link=False)
        captured_at = ctx.pages.list_batch(batch.id)[0].captured_at
        svc.start_background(interval_s=0.2)
        added: list[str] = []
        retries = [0]

        def capture() -> None:
            # The capture protocol: the image is durable first, then the row is committed;
            # a row that fails to commit while the database is away is retried, never dropped.
            for i in range(2, 42):
                sha = ctx.blobs.put(f"page {i}".encode() * 100)
                page = Page(new_id(), batch.id, i, sha, captured_at=captured_at)
                deadline = time.monotonic() + 60
                while True:
                    try:
                        ctx.pages.add(page)
                        break
                    except StorageError:
                        retries[0] += 1
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                added.append(page.id)
                time.sleep(0.02)

        t = threading.Thread(target=capture)
        t.start()
        while len(added) < 10 and t.is_alive():
            time.sleep(0.02)
        postgres_server.restart()  # mid-session: every pooled connection is now dead
        t.join(120)
        assert len(added) == 40
        pages = ctx.pages.list_batch(batch.id)
        assert len(pages) == 41 and len({p.id for p in pages}) == 41
        assert {p.seq for p in pages} == set(range(1, 42))
        for _ in range(300):
            if {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}:
                break
            time.sleep(0.1)
        assert {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}
        result = check_remote(ctx, open_store(target))
        assert result["lost"] == 0 and result["duplicates"] == 0
        record(result, faults=1)
    finally:
        svc.stop()
        ctx.close()


def test_offline_capable_stations_replicate_into_the_shared_catalogue(
    settings: Settings,
    migrated_sqlite: Path,
    pg_db_url: str,
    postgres_server: PostgresServer,
    tmp_path: Path,
) -> None:
    import shutil

    from hukou_scan.storage.repositories import PageRepository
    from hukou_scan.sync.engine import SyncOfflineError

    central = Database(pg_db_url)
    central.upgrade(backup=False)
    stations = []
    for code in ("S-A", "S-B"):
        data = tmp_path / code
        data.mkdir()
        shutil.copy(migrated_sqlite, data / "hukou.sqlite3")
        ctx = AppContext(
            settings.with_changes(
                db_url=f"sqlite:///{data / 'hukou.sqlite3'}", station_code=code, data_dir=data
            ),
            log_to_file=False,
        )
        svc = SyncService(
            SyncConfig(catalogue_url=pg_db_url, backoff_base_s=0.05),
            SyncRepository(ctx.db),
            ctx.blobs,
            ctx.station,
            OpenGuard(),
        )
        stations.append((ctx, svc))
    try:
        (a, sa), (b, sb) = stations
        make_batch(a, 5, size=500, seed=1)
        make_batch(b, 4, size=500, seed=2)
        ts = [threading.Thread(target=sa.sync_now), threading.Thread(target=sb.sync_now)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        central_pages = PageRepository(central)
        bids_a = [bt.id for bt in a.batches.list()]
        assert sum(len(central_pages.list_batch(x)) for x in bids_a) == 5

        postgres_server.stop_server_only()  # the shared catalogue goes away
        try:
            batch2 = make_batch(a, 3, size=500, seed=3)  # the station keeps capturing locally
            with pytest.raises(SyncOfflineError):
                sa.sync_now()
            assert sa.status().offline
        finally:
            postgres_server.start()
        first = a.pages.list_batch(batch2.id)[0]
        a.pages.update(first.id, ocr_text="改过的文字")
        rep = sa.sync_now()
        assert rep.catalogue is not None and rep.catalogue["batches_pushed"] == 1
        assert rep.catalogue["unchanged"] == 1
        assert [p.id for p in central_pages.list_batch(batch2.id)] == [
            p.id for p in a.pages.list_batch(batch2.id)
        ]
        assert central_pages.get(first.id).ocr_text == "改过的文字"
        assert sb.sync_now().catalogue == {
            "catalogue": sb.catalogue().name,
            "batches_pushed": 0,
            "pages_pushed": 0,
            "unchanged": 1,
            "elapsed_s": pytest.approx(0, abs=5),
        }
        ids = [
            p.id for ctx, _ in stations for bt in ctx.batches.list() for p in central_pages.list_batch(bt.id)
        ]
        assert len(ids) == 12 and len(set(ids)) == 12
        record({"pages": 12, "lost": 12 - len(set(ids)), "duplicates": len(ids) - len(set(ids))}, faults=1)
    finally:
        for ctx, svc in stations:
            svc.stop()
            ctx.close()
        central.dispose()
