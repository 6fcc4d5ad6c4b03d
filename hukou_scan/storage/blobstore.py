"""Content-addressed, crash-safe file store for page images.

Why hand-written: the write protocol (temp file in the same folder → fsync →
``os.replace`` → fsync the directory → only then commit the DB row) *is* the
durability guarantee, and it is twenty lines; no library gives exactly this.

Layout: ``<root>/ab/cd/<sha256>``.  Reads verify the hash, so a flipped bit on disk
is reported instead of silently exported or synced.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hukou_scan.config import fsync_dir, private_dir
from hukou_scan.errors import StorageError

log = logging.getLogger(__name__)

TMP_SUFFIX = ".part"

# Test seam: called with a step name ("written", "synced", "renamed"); a test raises
# from it to simulate a crash between the steps.
CrashHook = Callable[[str], None]
# Called with (sha256, size) after a file is stored, so its size can be checked cheaply later.
SizeRecorder = Callable[[str, int], None]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class SweepReport:
    """What the start-up sanity check found."""

    temp_files_removed: int
    orphans: list[str]
    missing: list[str]
    corrupt: list[str]
    quarantined: list[str] = field(default_factory=list)  # orphans moved aside by this sweep
    quarantine_dir: Path | None = None

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing or self.corrupt)

    @property
    def needs_attention(self) -> bool:
        """Something a person must act on: images of recorded pages missing or damaged.

        Orphans are not: they are moved aside automatically (or are a write in flight).
        """
        return bool(self.missing or self.corrupt)


class BlobStore:
    def __init__(
        self, root: Path, crash_hook: CrashHook | None = None, size_recorder: SizeRecorder | None = None
    ) -> None:
        self.root = root
        private_dir(self.root)
        self._crash_hook = crash_hook
        self._size_recorder = size_recorder

    def path_for(self, sha: str) -> Path:
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise StorageError("无效的文件摘要。", f"Invalid content hash: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        return self.path_for(sha).exists()

    def put(self, data: bytes) -> str:
        """Store ``data`` durably and return its sha256.  Idempotent."""
        sha = sha256_bytes(data)
        final = self.path_for(sha)
        if final.exists() and final.stat().st_size == len(data):
            self._record_size(sha, len(data))
            return sha
        if not final.parent.exists():
            private_dir(final.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=sha[:8], suffix=TMP_SUFFIX, dir=final.parent)  # always 0600
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                self._hook("written")
                fh.flush()
                os.fsync(fh.fileno())
            self._hook("synced")
            os.replace(tmp, final)
            self._hook("renamed")
            fsync_dir(final.parent)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            if e.errno == errno.ENOSPC:
                raise StorageError(
                    "磁盘已满，页面未保存。已采集的其他页面不受影响。",
                    "The disk is full; the page was not saved. Pages captured before are safe.",
                    hint_zh="请清理磁盘空间后重新拍摄本页。",
                    hint_en="Free some disk space and capture this page again.",
                ) from e
            raise StorageError("写入页面文件失败。", f"Could not write page file: {e}") from e
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._record_size(sha, len(data))
        return sha

    def record_size(self, sha: str, size: int) -> None:
        """Record the size of a file another process stored here (a processing worker)."""
        self._record_size(sha, size)

    def _record_size(self, sha: str, size: int) -> None:
        """Best effort: the file is durable whether or not its size could be recorded (the
        database may be away right now); an unrecorded file is hashed once by the next check."""
        if self._size_recorder is None:
            return
        try:
            self._size_recorder(sha, size)
        except StorageError as e:
            log.warning("size of page file %s… not recorded: %s", sha[:12], e.en)

    def get(self, sha: str, verify: bool = True) -> bytes:
        path = self.path_for(sha)
        try:
            data = path.read_bytes()
        except FileNotFoundError as e:
            raise StorageError(
                "页面文件丢失。", f"Page file is missing: {sha[:12]}…", hint_zh="可从云端备份恢复。"
            ) from e
        if verify and sha256_bytes(data) != sha:
            raise StorageError(
                "页面文件校验失败（文件已损坏）。",
                f"Page file failed its checksum (corrupt): {sha[:12]}…",
                hint_zh="可从云端备份恢复。",
                hint_en="Restore it from the cloud copy.",
            )
        return data

    def delete(self, sha: str) -> None:
        self.path_for(sha).unlink(missing_ok=True)

    def iter_hashes(self) -> Iterator[str]:
        for p in self.root.glob("??/??/*"):
            if p.is_file() and not p.name.endswith(TMP_SUFFIX) and len(p.name) == 64:
                yield p.name

    def sweep(
        self,
        referenced: set[str],
        remove_orphans: bool = False,
        verify: bool = False,
        orphan_grace_s: float = 3600.0,
        quarantine: Path | None = None,
        sizes: Mapping[str, int] | None = None,
        record_sizes: Callable[[Mapping[str, int]], None] | None = None,
    ) -> SweepReport:
        """Start-up sanity check: stray temp files, unreferenced blobs, missing or corrupt ones.

        Temp files are always removed (they are never referenced).  Orphan blobs are only
        removed or moved to ``quarantine`` when asked and when older than
        ``orphan_grace_s`` (a capture may be between its file write and its DB commit right
        now).  Quarantine keeps them (nothing is lost) outside the store, so the next
        start does not report them again.

        Without ``verify`` the check is cheap but still catches truncated or grown files:
        each referenced file's size is compared with the size recorded when it was written
        (``sizes``).  A file with no recorded size (written before sizes were kept) is
        hashed once and, if intact, its size is handed to ``record_sizes`` so later quick
        checks cover it too.  ``verify`` re-hashes every referenced file.
        """
        removed = 0
        for p in self.root.glob(f"??/??/*{TMP_SUFFIX}"):
            p.unlink(missing_ok=True)
            removed += 1
        now = time.time()
        present = set(self.iter_hashes())
        orphans = sorted(present - referenced)
        quarantined: list[str] = []
        if remove_orphans or quarantine is not None:
            for sha in orphans:
                p = self.path_for(sha)
                try:
                    if now - p.stat().st_mtime <= orphan_grace_s:
                        continue
                    if quarantine is not None:
                        quarantine.mkdir(parents=True, exist_ok=True)
                        shutil.move(p, quarantine / sha)
                        quarantined.append(sha)
                    else:
                        p.unlink(missing_ok=True)
                except OSError as e:  # one unmovable file never stops the check
                    log.warning("orphan %s not moved aside: %s", sha[:12], e)
        missing = sorted(referenced - present)
        corrupt: list[str] = []
        known = sizes or {}
        learned: dict[str, int] = {}
        for sha in sorted(present & referenced):
            path = self.path_for(sha)
            size = path.stat().st_size
            expected = known.get(sha)
            if expected is not None and size != expected:
                corrupt.append(sha)
            elif verify or (expected is None and sizes is not None):
                if sha256_file(path) != sha:
                    corrupt.append(sha)
                elif expected is None:
                    learned[sha] = size
        if learned and record_sizes is not None:
            record_sizes(learned)
        report = SweepReport(removed, orphans, missing, corrupt, quarantined, quarantine)
        if not report.clean:
            log.warning(
                "page store sweep: %d orphan(s), %d missing, %d corrupt",
                len(orphans),
                len(missing),
                len(corrupt),
            )
        return report

    def _hook(self, step: str) -> None:
        if self._crash_hook is not None:
            self._crash_hook(step)
