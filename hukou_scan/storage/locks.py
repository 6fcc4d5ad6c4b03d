"""Named locks held in the database, and the page-store size ledger.

Why a lock *row* and not ``SELECT … FOR UPDATE`` or a PostgreSQL advisory lock: a
registry import or a sync runs for minutes over many transactions, and the stations
that must exclude each other may sit on different machines sharing one PostgreSQL
catalogue, or be two processes on one SQLite file.  A row in ``locks`` (primary key =
lock name) works the same on both back ends: taking it is an ``INSERT`` that the
primary key lets only one writer win; the holder refreshes ``heartbeat_at`` from a
background thread; a holder killed with ``kill -9`` stops refreshing, and after
``stale_after_s`` another process may take the lock over with a compare-and-swap
``UPDATE`` on the old heartbeat (so two waiters never both take over).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from types import TracebackType

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from hukou_scan.errors import HukouScanError, StorageError
from hukou_scan.storage.db import Database
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.hardening import BlobSizeRecord, LockRecord

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER_S = 120.0
DEFAULT_HEARTBEAT_S = 15.0


class LockBusy(HukouScanError):
    """Another process or station holds the lock."""

    exit_code = 75  # EX_TEMPFAIL: try again later


def lock_owner(label: str = "") -> str:
    """``host:pid:random[:label]`` — unique per holder, readable in the busy message."""
    base = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return f"{base}:{label}"[:300] if label else base


def holder_is_dead(owner: str) -> bool:
    """The holder ran on this machine and its process is gone (``kill -9``): no need to wait
    for the heartbeat to go stale.  Holders on other machines only expire by staleness."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another DbLock of this very process: a live holder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


class DbLock:
    """One named lock in the ``locks`` table (context manager).

    Args:
        db: the (shared) database.
        name: lock name, e.g. ``registry-import`` or ``sync:s3://bucket/prefix``.
        owner: who holds it (default: host, pid and a random token).
        stale_after_s: a lock whose heartbeat is older than this is taken over.
        heartbeat_s: how often the holder refreshes its heartbeat.
        wait_s: how long :meth:`acquire` waits for a busy lock before refusing.
        busy_message: ``(zh, en)`` text of the refusal; ``{owner}`` and ``{since}`` are filled in.
    """

    def __init__(
        self,
        db: Database,
        name: str,
        *,
        owner: str | None = None,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        heartbeat_s: float = DEFAULT_HEARTBEAT_S,
        wait_s: float = 0.0,
        busy_message: tuple[str, str] | None = None,
    ) -> None:
        self.db = db
        self.name = name[:300]
        self.owner = owner or lock_owner()
        self.stale_after = timedelta(seconds=stale_after_s)
        self.heartbeat_s = heartbeat_s
        self.wait_s = wait_s
        self.busy_message = busy_message or (
            "另一个进程正在执行此操作（{owner}，始于 {since}）。",
            "Another process is already doing this ({owner}, since {since}).",
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.held = False

    # -- taking and giving back ----------------------------------------------------------
    def try_acquire(self) -> bool:
        """Take the lock if it is free or stale; never waits."""
        now = utcnow()
        try:
            with self.db.session() as s:
                s.add(LockRecord(name=self.name, owner=self.owner, acquired_at=now, heartbeat_at=now))
        except IntegrityError:
            pass
        else:
            return self._started()
        with self.db.session() as s:
            row = s.get(LockRecord, self.name)
            if row is None:
                return False  # released in between: the caller's next attempt inserts
            if row.owner == self.owner:
                return self._started()
            if now - row.heartbeat_at < self.stale_after and not holder_is_dead(row.owner):
                return False
            old_owner, old_beat = row.owner, row.heartbeat_at
            res = s.execute(
                update(LockRecord)
                .where(
                    LockRecord.name == self.name,
                    LockRecord.owner == old_owner,
                    LockRecord.heartbeat_at == old_beat,
                )
                .values(owner=self.owner, acquired_at=now, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            taken = bool(getattr(res, "rowcount", 0))
        if taken:
            log.warning("took over stale lock %s from %s (last heartbeat %s)", self.name, old_owner, old_beat)
            return self._started()
        return False

    def acquire(self) -> DbLock:
        """Take the lock, waiting up to ``wait_s``; raise :class:`LockBusy` when still held."""
        deadline = time.monotonic() + self.wait_s
        while True:
            if self.try_acquire():
                return self
            if time.monotonic() >= deadline:
                break
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        holder = self.holder()
        owner, since = holder if holder else ("?", "?")
        zh, en = self.busy_message
        raise LockBusy(
            zh.format(owner=owner, since=since),
            en.format(owner=owner, since=since),
            hint_zh=f"请等待其完成后再试；若该进程已不存在，锁将在 {int(self.stale_after.total_seconds())} 秒后自动失效。",
            hint_en=(
                "Wait for it to finish and try again; if that process is gone, the lock expires "
                f"{int(self.stale_after.total_seconds())} s after its last heartbeat."
            ),
        )

    def holder(self) -> tuple[str, str] | None:
        """``(owner, acquired_at)`` of the current holder, if any."""
        with self.db.session() as s:
            row = s.get(LockRecord, self.name)
            if row is None:
                return None
            return row.owner, row.acquired_at.isoformat(sep=" ", timespec="seconds")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.held:
            self.held = False
            try:
                with self.db.session() as s:
                    s.execute(
                        delete(LockRecord).where(LockRecord.name == self.name, LockRecord.owner == self.owner)
                    )
            except StorageError as e:
                # The database is away: the row stays until this owner takes it again or it goes stale.
                log.warning(
                    "lock %s not released (%s); it expires after %s", self.name, e.en, self.stale_after
                )

    def heartbeat(self) -> bool:
        """Refresh the heartbeat; ``False`` when the lock was lost (taken over as stale)."""
        with self.db.session() as s:
            res = s.execute(
                update(LockRecord)
                .where(LockRecord.name == self.name, LockRecord.owner == self.owner)
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(res, "rowcount", 0))

    def _started(self) -> bool:
        self.held = True
        self._stop.clear()
        if self.heartbeat_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._beat, name=f"lock-{self.name[:20]}", daemon=True)
            self._thread.start()
        return True

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                if not self.heartbeat():
                    log.error("lock %s was lost (taken over as stale)", self.name)
                    return
            except Exception:  # a thread boundary: keep the holder running, log why
                log.exception("lock %s heartbeat failed", self.name)

    def __enter__(self) -> DbLock:
        if not self.held:
            self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class BlobSizes:
    """Byte size of each page-store file, recorded when it is written (``blob_sizes``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, sha: str, size: int) -> None:
        """Remember ``size`` for ``sha`` (first write wins: content-addressed, size never changes)."""
        try:
            with self.db.session() as s:
                if s.get(BlobSizeRecord, sha) is None:
                    s.add(BlobSizeRecord(sha256=sha, size=size, recorded_at=utcnow()))
        except IntegrityError:
            pass  # recorded concurrently

    def record_many(self, sizes: Mapping[str, int]) -> None:
        for sha, size in sizes.items():
            self.record(sha, size)

    def sizes(self, hashes: Iterable[str] | None = None) -> dict[str, int]:
        with self.db.session() as s:
            q = select(BlobSizeRecord.sha256, BlobSizeRecord.size)
            rows = s.execute(q).all()
        wanted = set(hashes) if hashes is not None else None
        return {sha: int(size) for sha, size in rows if wanted is None or sha in wanted}
