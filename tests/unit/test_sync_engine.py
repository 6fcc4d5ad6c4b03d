"""Sync engine, manifests, tombstones, verify and restore against a folder target (file://)."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import PageState, SyncState
from hukou_scan.errors import SyncError
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.sync import SyncConfig, SyncService, restore_archive
from hukou_scan.storage.db import Database
from hukou_scan.storage.repositories import BatchRepository, LinkRepository, PageRepository
from hukou_scan.storage.sync import SyncRepository
from hukou_scan.sync.crypto import generate_key_file
from hukou_scan.sync.engine import SyncOfflineError
from hukou_scan.sync.manifest import object_key
from hukou_scan.sync.store import FsspecStore, ObjectInfo
from tests.sync_helpers import make_batch


def service(ctx: AppContext, target: str, **cfg: Any) -> tuple[SyncService, OpenGuard]:
    guard = OpenGuard()
    config = SyncConfig(target=target, backoff_base_s=0.01, **cfg)
    return SyncService(config, SyncRepository(ctx.db), ctx.blobs, ctx.station, guard), guard


def remote_objects(root: Path) -> list[Path]:
    return sorted(p for p in (root / "objects").rglob("*") if p.is_file())


def test_sync_uploads_verifies_and_marks_pages(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 4)
    svc, guard = service(ctx, f"file://{tmp_path / 'remote'}")
    report = svc.sync_now()
    assert report.uploaded == 8 and report.verified == 8 and not report.failed
    assert report.manifests_written == 1 and report.catalogue_written
    assert {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}
    assert len(remote_objects(tmp_path / "remote")) == 8
    assert [e[0] for e in guard.events] == ["sync"]
    again = svc.sync_now()  # nothing changed: nothing re-sent
    assert again.uploaded == 0 and again.manifests_written == 0 and not again.catalogue_written


def test_manifest_and_catalogue_describe_the_batch(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 2, seed=7)
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}")
    svc.sync_now()
    cat = json.loads((tmp_path / "remote" / "stations" / f"{ctx.station.code}.json").read_text("utf-8"))
    assert cat["format"] == "hukou-scan/station-catalogue"
    (entry,) = cat["batches"]
    assert entry["batch_id"] == batch.id and entry["pages"] == 2
    man = json.loads((tmp_path / "remote" / entry["manifest_key"]).read_text("utf-8"))
    assert man["batch"]["paper_location"]["describe"].startswith("一库房3柜2架7盒")
    assert [p["seq"] for p in man["pages"]] == [1, 2]
    assert man["pages"][0]["ocr_text"] == "常住人口登记表 第1页"
    assert man["pages"][0]["links"] and man["persons"][0]["name"] == "测试人7"
    assert man["pages"][0]["operator"] == "clerk1"


def test_restore_rebuilds_database_and_images_from_the_target_alone(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 3, seed=3)
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}")
    svc.sync_now()
    into = tmp_path / "restored"
    rep = restore_archive(svc.config, svc.target, into)
    assert rep.ok and rep.pages == 3 and rep.objects == 6 and rep.objects_downloaded == 6
    db = Database(f"sqlite:///{into / 'hukou.sqlite3'}")
    try:
        pages = PageRepository(db).list_batch(batch.id)
        orig = ctx.pages.list_batch(batch.id)
        assert [(p.id, p.original_sha256, p.processed_sha256, p.ocr_text) for p in pages] == [
            (p.id, p.original_sha256, p.processed_sha256, p.ocr_text) for p in orig
        ]
        assert BatchRepository(db).get(batch.id).location == batch.location
        assert (
            LinkRepository(db).for_page(orig[0].id)[0].person_id
            == ctx.links.for_page(orig[0].id)[0].person_id
        )
        assert PageRepository(db).get_ocr(orig[0].id) is not None
    finally:
        db.dispose()
    for p in orig:
        assert (into / "blobs").exists()
        from hukou_scan.storage.blobstore import BlobStore

        assert BlobStore(into / "blobs").get(p.original_sha256) == ctx.blobs.get(p.original_sha256)
    # Resumable and idempotent: a second restore downloads nothing and duplicates nothing.
    rep2 = restore_archive(svc.config, svc.target, into)
    assert rep2.ok and rep2.objects_downloaded == 0 and rep2.objects_present == 6


def test_restore_detects_a_corrupt_object(ctx: AppContext, tmp_path: Path) -> None:
    make_batch(ctx, 2)
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}")
    svc.sync_now()
    victim = remote_objects(tmp_path / "remote")[0]
    victim.write_bytes(b"x" + victim.read_bytes()[1:])
    rep = restore_archive(svc.config, svc.target, tmp_path / "restored")
    assert not rep.ok and rep.hash_mismatches == [victim.name]


def test_local_delete_becomes_a_tombstone_and_remote_object_stays(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 3)
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}")
    svc.sync_now()
    victim = ctx.pages.list_batch(batch.id)[1]
    ctx.pages.update(victim.id, state=PageState.DELETED, state_reason="duplicate shot")
    ctx.blobs.delete(victim.original_sha256)
    rep = svc.sync_now()
    assert rep.manifests_written == 1
    assert (tmp_path / "remote" / object_key(victim.original_sha256)).exists()
    man = next((tmp_path / "remote" / "manifests").rglob("*.json"))
    data = json.loads(man.read_text("utf-8"))
    assert [t["page_id"] for t in data["tombstones"]] == [victim.id]
    assert data["tombstones"][0]["reason"] == "duplicate shot"
    assert victim.id not in [p["id"] for p in data["pages"]]


def test_verify_finds_deleted_and_corrupted_remote_objects_and_reuploads(
    ctx: AppContext, tmp_path: Path
) -> None:
    make_batch(ctx, 3)
    remote = tmp_path / "remote"
    svc, _ = service(ctx, f"file://{remote}")
    svc.sync_now()
    objs = remote_objects(remote)
    objs[0].unlink()
    objs[1].write_bytes(objs[1].read_bytes()[::-1])
    man = next((remote / "manifests").rglob("*.json"))
    man.write_text("{}", "utf-8")
    vrep, srep = svc.verify()
    assert sorted(vrep.missing) == [objs[0].name] and vrep.corrupt == [objs[1].name]
    assert vrep.manifests_bad == [str(man.relative_to(remote))]
    assert srep is not None and srep.uploaded == 2 and srep.manifests_written == 1
    vrep2, srep2 = svc.verify()
    assert vrep2.clean and srep2 is None
    assert restore_archive(svc.config, svc.target, tmp_path / "r").ok


def test_corrupt_local_blob_is_never_uploaded(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 2)
    page = ctx.pages.list_batch(batch.id)[0]
    path = ctx.blobs.path_for(page.original_sha256)
    path.write_bytes(b"bit rot" + path.read_bytes()[7:])
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}")
    rep = svc.sync_now()
    assert list(rep.failed) == [page.original_sha256]
    assert not (tmp_path / "remote" / object_key(page.original_sha256)).exists()
    assert ctx.pages.get(page.id).sync_state == SyncState.LOCAL
    assert ctx.pages.list_batch(batch.id)[1].sync_state == SyncState.VERIFIED
    assert "checksum" in svc.status().last_error


def test_encryption_end_to_end(ctx: AppContext, tmp_path: Path) -> None:
    make_batch(ctx, 2)
    key = generate_key_file(tmp_path / "sync.key")
    remote = tmp_path / "remote"
    svc, _ = service(ctx, f"file://{remote}", encrypt=True, key_file=str(key))
    svc.sync_now()
    for p in remote.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert data[:4] == b"HKE1"
            assert "常住人口".encode() not in data
    assert svc.verify()[0].clean
    with pytest.raises(SyncError):
        restore_archive(SyncConfig(), svc.target, tmp_path / "nokey")
    rep = restore_archive(SyncConfig(), svc.target, tmp_path / "withkey", key_file=str(key))
    assert rep.ok and rep.pages == 2


class FlakyStore(FsspecStore):
    """A folder target that refuses every call while ``down`` is set (an outage)."""

    down = threading.Event()
    calls = 0

    def put(self, key: str, data: bytes, sha256: str) -> ObjectInfo:
        FlakyStore.calls += 1
        if self.down.is_set():
            raise SyncError("离线", "connection refused", retryable=True)
        return super().put(key, data, sha256)

    def head(self, key: str) -> ObjectInfo | None:
        if self.down.is_set():
            raise SyncError("离线", "connection refused", retryable=True)
        return super().head(key)


def test_offline_run_keeps_progress_and_catches_up(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 3)
    svc, guard = service(ctx, f"file://{tmp_path / 'remote'}", max_attempts=2)
    engine = svc.engine()
    engine.store = FlakyStore(svc.target)
    FlakyStore.down.set()
    with pytest.raises(SyncOfflineError) as exc:
        svc.sync_now()
    assert exc.value.retryable and exc.value.report.offline
    assert svc.status().offline
    assert {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.LOCAL}
    assert guard.events[-1][2] == "offline"
    FlakyStore.down.clear()
    rep = svc.sync_now()
    assert rep.verified == 6 and not svc.status().offline
    assert {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}


def test_background_loop_catches_up_after_an_outage(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 2)
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}", max_attempts=1)
    svc.config = dataclasses.replace(svc.config, offline_backoff_max_s=0.2)
    svc.engine().store = FlakyStore(svc.target)
    FlakyStore.down.set()
    svc.start_background(interval_s=0.1)
    try:
        deadline = threading.Event()
        for _ in range(100):
            if svc.status().offline:
                break
            deadline.wait(0.05)
        assert svc.status().offline
        FlakyStore.down.clear()
        for _ in range(200):
            if {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}:
                break
            deadline.wait(0.05)
        assert {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}
    finally:
        svc.stop()
    assert not svc.status().background


def test_reprocessed_page_is_resynced(ctx: AppContext, tmp_path: Path) -> None:
    batch = make_batch(ctx, 2)
    svc, _ = service(ctx, f"file://{tmp_path / 'remote'}")
    svc.sync_now()
    page = ctx.pages.list_batch(batch.id)[0]
    new = ctx.blobs.put(b"re-processed image")
    ctx.pages.update(page.id, processed_sha256=new)
    svc.repo.refresh_page_states(svc.target, ctx.station.id)
    assert ctx.pages.get(page.id).sync_state == SyncState.LOCAL  # its new image is not on the target yet
    rep = svc.sync_now()
    assert rep.uploaded == 1 and rep.manifests_written == 1
    assert ctx.pages.get(page.id).sync_state == SyncState.VERIFIED


def test_no_target_configured_is_a_clear_error(ctx: AppContext) -> None:
    svc, _ = service(ctx, "")
    with pytest.raises(SyncError) as exc:
        svc.sync_now()
    assert not exc.value.retryable and "sync" in exc.value.en.lower()
