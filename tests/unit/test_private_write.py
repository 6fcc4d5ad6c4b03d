"""The one atomic private write (``config.write_private_bytes``) and folder sync
(``config.fsync_dir``) that settings, secrets, the page store, PDF/OFD exports and
hand-over manifests share."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hukou_scan.config import fsync_dir, write_private_bytes, write_private_text
from hukou_scan.export.handover import MANIFEST_PREFIX, FolderSink


def test_replaces_the_file_0600_and_leaves_no_temp_file(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "m.txt"
        target.write_bytes(b"old")
        write_private_bytes(target, b"\x00new\r\n")
        assert target.read_bytes() == b"\x00new\r\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        write_private_text(target, "户籍\n")
        assert target.read_bytes() == "户籍\n".encode()
        assert [p.name for p in tmp_path.iterdir()] == ["m.txt"]
    finally:
        os.umask(old)


def test_a_failed_replace_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "m.txt"
    target.write_bytes(b"old")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_private_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.txt"]


@pytest.mark.skipif(os.name != "posix", reason="folders are synced on POSIX only")
def test_fsync_dir_syncs_the_folder_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.fstat(fd).st_ino), real(fd))[1])
    fsync_dir(tmp_path)
    assert synced == [tmp_path.stat().st_ino]


def test_hand_over_commit_syncs_files_then_every_folder_and_manifests_go_through_the_atomic_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = FolderSink(tmp_path / "pkg")
    sink.write("a/b/page.jpg", b"jpeg")
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.fstat(fd).st_ino), real(fd))[1])
    sink.commit()
    root = tmp_path / "pkg"
    assert synced == [
        (root / "a/b/page.jpg").stat().st_ino,
        (root / "a/b").stat().st_ino,  # deepest folder first
        (root / "a").stat().st_ino,
        root.stat().st_ino,
    ]
    name = f"{MANIFEST_PREFIX}sha256.txt"
    sink.write(name, b"abc  a/b/page.jpg\n")
    assert (root / name).read_bytes() == b"abc  a/b/page.jpg\n"
    assert stat.S_IMODE((root / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in root.iterdir()) == sorted(["a", name])
