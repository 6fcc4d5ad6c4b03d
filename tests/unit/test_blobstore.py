"""The page store's write protocol under simulated crashes at each step."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from hukou_scan.errors import StorageError
from hukou_scan.storage.blobstore import TMP_SUFFIX, BlobStore, sha256_bytes


class Crash(Exception):
    pass


def test_put_get_roundtrip_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = store.put(b"page-1")
    assert sha == sha256_bytes(b"page-1")
    assert store.put(b"page-1") == sha
    assert store.get(sha) == b"page-1"
    assert list(store.iter_hashes()) == [sha]


@pytest.mark.parametrize("step", ["written", "synced"])
def test_crash_before_rename_leaves_no_blob_and_sweep_cleans_temp(tmp_path: Path, step: str) -> None:
    def hook(s: str) -> None:
        if s == step:
            raise Crash(s)

    store = BlobStore(tmp_path, crash_hook=hook)
    with pytest.raises(Crash):
        store.put(b"frame")
    assert list(store.iter_hashes()) == []
    # a killed process would leave its temp file; recreate one to check the sweep
    stray = tmp_path / "aa" / "bb" / f"x{TMP_SUFFIX}"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"partial")
    report = BlobStore(tmp_path).sweep(referenced=set())
    assert report.temp_files_removed >= 1
    assert not stray.exists()


def test_crash_after_rename_before_db_commit_is_an_orphan_not_a_loss(tmp_path: Path) -> None:
    def hook(s: str) -> None:
        if s == "renamed":
            raise Crash(s)

    store = BlobStore(tmp_path, crash_hook=hook)
    with pytest.raises(Crash):
        store.put(b"frame-2")
    sha = sha256_bytes(b"frame-2")
    clean = BlobStore(tmp_path)
    assert clean.get(sha) == b"frame-2"  # the image is not lost
    report = clean.sweep(referenced=set())
    assert report.orphans == [sha]
    clean.sweep(referenced=set(), remove_orphans=True, orphan_grace_s=0)
    assert not clean.exists(sha)


def test_corruption_and_missing_are_reported(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = store.put(b"original bytes")
    store.path_for(sha).write_bytes(b"flipped bytes")
    with pytest.raises(StorageError):
        store.get(sha)
    report = store.sweep(referenced={sha, "f" * 64}, verify=True)
    assert report.corrupt == [sha]
    assert report.missing == ["f" * 64]


def test_disk_full_gives_clear_error_and_no_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = BlobStore(tmp_path)
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageError) as ei:
        store.put(b"x" * 1000)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert "磁盘已满" in ei.value.user_message("zh_CN")
    assert "disk is full" in ei.value.user_message("en")
    assert list(tmp_path.rglob(f"*{TMP_SUFFIX}")) == []


def test_invalid_hash_rejected(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        BlobStore(tmp_path).path_for("../../etc/passwd")
