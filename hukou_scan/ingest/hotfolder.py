"""Hot folder: import what a vendor's capture software or a sheet scanner drops into a folder.

Like Paperless-ngx's consumer, a file is imported only once it is *completely
written*: its size and modification time have not changed for ``stable_seconds``
*and* it decodes (a JPEG whose writer paused is stable but truncated).  Then

* it is handed to the importer (the capture service), which stores its pages
  durably and recognises duplicates by hash;
* on success (or a recognised duplicate) the file is moved to ``imported/``;
* a file that stays undecodable for ``corrupt_after`` seconds is moved to
  ``quarantine/`` and a visible message is raised — never silently dropped;
* a *poison* file — one whose import failed for a reason that will not go away (too
  many pixels, undecodable although complete, an unexpected error in the importer) —
  is quarantined after that one failed attempt, with ``<name>.reason.txt`` next to it
  saying why; the other files go on being imported, and its error reaches the log
  once, not on every scan;
* temp/partial names (``.part``, ``.tmp``, ``.crdownload``, ``~$…``, dot-files) are
  ignored until renamed; files that arrived while the app was closed are found by
  the scan at start.

Crash safety: the importer commits before the file is moved; after a crash between
the two, the file is seen again at start and recognised as a duplicate by its hash,
so nothing is imported twice.  Watchdog events only wake the checker early; a
periodic scan is the ground truth (events are unreliable on network shares).
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hukou_scan.errors import HukouScanError, ImageProcessingError
from hukou_scan.ingest.fileimport import ImportFileError, check_decodable, is_supported

log = logging.getLogger(__name__)

TEMP_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".filepart", ".download", ".swp")
IMPORTED_DIR = "imported"
QUARANTINE_DIR = "quarantine"
REASON_SUFFIX = ".reason.txt"


def _unexpected(e: BaseException) -> HukouScanError:
    """An error nobody anticipated, as a message for the clerk and the reason file."""
    return HukouScanError(
        f"导入时发生意外错误（{type(e).__name__}）",
        f"Unexpected error while importing ({type(e).__name__}: {str(e)[:200]})",
    )


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    DEFERRED = "deferred"  # importer not ready (no open batch): keep the file, retry later


@dataclass(frozen=True)
class HotFolderMessage:
    """Shown to the clerk (banner / list) and logged."""

    at: datetime
    level: str  # info | warning | error
    file: str
    zh: str
    en: str


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # when (size, mtime) last changed
    undecodable_since: float | None = None
    last_error: str = ""


def is_temp_name(name: str) -> bool:
    low = name.lower()
    return low.startswith((".", "~$", "~")) or low.endswith(TEMP_SUFFIXES)


@dataclass
class StabilityTracker:
    """Pure bookkeeping: which files have kept the same size and mtime for ``stable_seconds``."""

    stable_seconds: float = 1.0
    seen: dict[Path, _Seen] = field(default_factory=dict)

    def observe(self, path: Path, size: int, mtime_ns: int, now: float) -> None:
        cur = self.seen.get(path)
        if cur is None or cur.size != size or cur.mtime_ns != mtime_ns:
            self.seen[path] = _Seen(size, mtime_ns, now)

    def forget(self, path: Path) -> None:
        self.seen.pop(path, None)

    def stable(self, now: float) -> list[Path]:
        return sorted(p for p, s in self.seen.items() if s.size > 0 and now - s.since >= self.stable_seconds)


class HotFolder:
    """Watches ``folder`` and feeds complete files to ``importer``.

    Args:
        folder: the watched folder (created if missing).
        importer: called with a complete, decodable file; returns an :class:`Outcome`
            or raises :class:`ImportFileError` (→ quarantine) or another
            :class:`HukouScanError` (→ message, file kept and retried).
        stable_seconds: how long size+mtime must stay unchanged.
        corrupt_after: how long a stable file may stay undecodable before quarantine.
        poll_interval: seconds between scans (watchdog events wake the scan earlier).
        on_message: called (on the watcher thread) with every message for the clerk.
        clock: injectable monotonic clock for tests.
    """

    def __init__(
        self,
        folder: Path,
        importer: Callable[[Path], Outcome],
        *,
        stable_seconds: float = 1.0,
        corrupt_after: float = 10.0,
        poll_interval: float = 0.5,
        on_message: Callable[[HotFolderMessage], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = folder
        self.importer = importer
        self.corrupt_after = corrupt_after
        self.poll_interval = poll_interval
        self.on_message = on_message
        self.clock = clock
        self.tracker = StabilityTracker(stable_seconds)
        self.messages: list[HotFolderMessage] = []
        self.imported: list[Path] = []
        self.quarantined: list[Path] = []
        self.failed: list[Path] = []  # files that could not even be moved to quarantine
        self._warned: set[Path] = set()
        self._stuck: dict[Path, tuple[int, int]] = {}  # (size, mtime) of a file we gave up on
        self._last_scan_error = ""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None
        self._lock = threading.Lock()
        for sub in (IMPORTED_DIR, QUARANTINE_DIR):
            (folder / sub).mkdir(parents=True, exist_ok=True)

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start watching; the first scan picks up files that arrived while the app was closed."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._start_observer()
        self._thread = threading.Thread(target=self._run, name="hot-folder")
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout)
            finally:
                self._observer = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _start_observer(self) -> None:
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # polling alone still works
            log.warning("watchdog not available; hot folder polls only")
            return

        wake = self._wake

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                wake.set()

        obs = Observer()
        obs.schedule(_Handler(), str(self.folder), recursive=False)
        obs.daemon = True
        obs.start()
        self._observer = obs

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception as e:  # thread boundary: keep watching, but log a repeated failure once
                sig = f"{type(e).__name__}: {e}"
                if sig != self._last_scan_error:
                    self._last_scan_error = sig
                    log.exception("hot folder scan failed")
                else:
                    log.debug("hot folder scan failed again: %s", type(e).__name__)
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    # --- work (also callable directly from tests with a fake clock) ----------------------------------
    def scan(self) -> None:
        """Observe the folder once and import every file that is complete."""
        with self._lock:
            now = self.clock()
            present: set[Path] = set()
            try:
                entries = list(os.scandir(self.folder))
            except FileNotFoundError:
                self.folder.mkdir(parents=True, exist_ok=True)
                return
            for entry in entries:
                if not entry.is_file(follow_symlinks=False):
                    continue
                path = Path(entry.path)
                if is_temp_name(entry.name):
                    continue
                if not is_supported(path):
                    if path not in self._warned:
                        self._warned.add(path)
                        self._message(
                            "warning",
                            path,
                            f"不支持的文件类型，已忽略：{path.name}",
                            f"Unsupported file type, left in the folder: {path.name}",
                            kind="unsupported",
                        )
                    continue
                st = entry.stat()
                if self._stuck.get(path) == (st.st_size, st.st_mtime_ns):
                    continue  # gave up on it (could not quarantine it); a rewritten file is tried again
                self._stuck.pop(path, None)
                present.add(path)
                self.tracker.observe(path, st.st_size, st.st_mtime_ns, now)
            for gone in [p for p in self.tracker.seen if p not in present]:
                self.tracker.forget(gone)
            for path in self.tracker.stable(now):
                if self._stop.is_set():
                    break
                try:
                    self._handle(path, now)
                except Exception as e:  # one poison file must never stop the others
                    log.exception("hot folder: unexpected error on a file; quarantining it")
                    self._quarantine(path, _unexpected(e))

    def _handle(self, path: Path, now: float) -> None:
        seen = self.tracker.seen[path]
        try:
            check_decodable(path)
        except ImportFileError as e:
            if e.permanent:  # complete but refused (e.g. too many pixels): no point in waiting
                self._quarantine(path, e)
                return
            if seen.undecodable_since is None:
                seen.undecodable_since = now
                log.info("hot folder: a stable file is not decodable yet; waiting")
            if now - seen.undecodable_since >= self.corrupt_after:
                self._quarantine(path, e)
            return
        except FileNotFoundError:
            self.tracker.forget(path)
            return
        try:
            outcome = self.importer(path)
        except (ImportFileError, ImageProcessingError) as e:  # the file's fault: one attempt is enough
            self._quarantine(path, e)
            return
        except HukouScanError as e:
            if seen.last_error != e.en:
                seen.last_error = e.en
                self._message(
                    "error", path, f"{path.name}：{e.zh}", f"{path.name}: {e.en}", kind="import-error"
                )
            return
        if outcome == Outcome.DEFERRED:
            if path not in self._warned:
                self._warned.add(path)
                self._message(
                    "info",
                    path,
                    f"请先打开批次，文件将随后导入：{path.name}",
                    f"Open a batch first; the file will be imported then: {path.name}",
                    kind="waiting",
                )
            return
        self._warned.discard(path)
        self._move(path, self.folder / IMPORTED_DIR)
        self.tracker.forget(path)
        self.imported.append(path)
        if outcome == Outcome.DUPLICATE:
            self._message(
                "info",
                path,
                f"重复文件，已跳过（此前已导入）：{path.name}",
                f"Duplicate file skipped (already imported): {path.name}",
                kind="duplicate",
            )
        else:
            self._message("info", path, f"已导入：{path.name}", f"Imported: {path.name}", kind="imported")

    def _quarantine(self, path: Path, err: HukouScanError) -> None:
        self.tracker.forget(path)
        try:
            dest = self._move(path, self.folder / QUARANTINE_DIR)
        except FileNotFoundError:  # gone meanwhile (the writer removed it): nothing to keep
            return
        except OSError as e:
            # Cannot move it: remember it as is and stop trying until it changes.
            try:
                st = path.stat()
                self._stuck[path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                pass
            self.failed.append(path)
            self._message(
                "error",
                path,
                f"文件无法导入，也无法移入隔离文件夹（{e.strerror}）：{path.name}（{err.zh}）",
                f"File cannot be imported nor moved to the quarantine folder ({e.strerror}): "
                f"{path.name} ({err.en})",
                kind="quarantine-failed",
            )
            return
        self._write_reason(dest, err)
        self.quarantined.append(dest)
        self._message(
            "error",
            path,
            f"文件无法导入，已移入隔离文件夹 {dest.parent}：{path.name}（{err.zh}）",
            f"File could not be imported and was moved to the quarantine folder {dest.parent}: "
            f"{path.name} ({err.en})",
            kind="quarantined",
        )

    @staticmethod
    def _write_reason(dest: Path, err: HukouScanError) -> None:
        """``<name>.reason.txt`` next to the quarantined file: why, in both languages (0600)."""
        text = (
            f"file: {dest.name}\n"
            f"quarantined_at: {datetime.now().astimezone().isoformat(timespec='seconds')}\n"
            f"reason_zh: {err.user_message('zh_CN')}\n"
            f"reason_en: {err.user_message('en')}\n"
        )
        reason = dest.with_name(dest.name + REASON_SUFFIX)
        try:
            fd = os.open(reason, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError:  # the file itself is safe in quarantine; the note is a convenience
            log.warning("hot folder: could not write the quarantine reason file")

    @staticmethod
    def _move(path: Path, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / path.name
        if dest.exists():
            dest = folder / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{path.name}"
        os.replace(path, dest)
        return dest

    def _message(self, level: str, path: Path, zh: str, en: str, *, kind: str = "") -> None:
        msg = HotFolderMessage(datetime.now(), level, path.name, zh, en)
        self.messages.append(msg)
        # file names can contain a resident's name: the log gets the kind of event only
        getattr(log, "warning" if level != "info" else "info")("hot folder: %s %s", level, kind or "event")
        if self.on_message:
            try:
                self.on_message(msg)
            except Exception:  # callback boundary
                log.exception("hot folder message callback failed")
