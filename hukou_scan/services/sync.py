"""SyncService: the use cases the GUI and CLI call for cloud sync, verify and restore.

It owns the background loop (sync every ``interval_s``; when the target is offline,
wait with growing backoff and try again, so a station that lost its network catches
up by itself), checks roles through the :class:`Guard`, and audits ``sync`` and
``restore``.  The work itself is in :mod:`hukou_scan.sync`.

Uploads are jobs of the shared job queue (issue 19): :meth:`SyncService.request` queues a
``sync`` request of this station (after a capture) and wakes the loop.  Every run —
the loop's, "Sync now", ``hukou-scan sync``, or a ``hukou-scan worker --sync`` job —
notes the requests waiting when it starts and closes them when it reached the target,
so a request is answered by whichever run comes first; the loop also polls for requests
queued by other processes (``request_poll_s``).  On a single SQLite station this is
today's background sync with the requests in the station's ``jobs`` table; on the
central PostgreSQL the same rows are procrastinate jobs in the station's own queue.

Settings (``[sync]`` section; the target may also come from ``HUKOU_STORAGE_URL``)::

    target = "s3://bucket/prefix"       # or file:///mnt/nas/hukou
    catalogue_url = "postgresql+psycopg://…"  # offline-capable station: push batches to the
                                        # shared catalogue whenever it is reachable
    endpoint_url = "http://minio:9000"  # S3-compatible service; else AWS_ENDPOINT_URL
    region = "cn-north-1"
    key = "..."; secret = "..."         # else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    encrypt = true; key_file = "/etc/hukou/sync.key"   # or keyring_user = "station1"
    bandwidth_kbps = 2048               # upload limit, 0 = unlimited
    verify_after_upload = "checksum"    # server SHA-256 from the PUT; "head" adds a HEAD;
                                        # "read" downloads and hashes again (servers that do
                                        # not validate x-amz-checksum-sha256, e.g. moto)
    workers = 4; interval_s = 300; max_attempts = 4
    request_poll_s = 5                  # how often the loop looks for requests of other processes
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hukou_scan.domain import Role, Station
from hukou_scan.errors import HukouScanError, StorageError, SyncError
from hukou_scan.services.guard import Guard
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.locks import DbLock, LockBusy, lock_owner
from hukou_scan.storage.queue import QueueStore, SyncRequests
from hukou_scan.storage.sync import SyncRepository
from hukou_scan.sync.catalogue import CatalogueReplicator
from hukou_scan.sync.crypto import Cipher, load_key
from hukou_scan.sync.engine import SyncEngine, SyncOfflineError, SyncOptions, SyncReport, VerifyReport
from hukou_scan.sync.restore import RestoreReport, restore
from hukou_scan.sync.store import RateLimiter, open_store

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
SystemScope = Callable[[str], AbstractContextManager[None]]
AnchorFn = Callable[[], dict[str, Any] | None]
AnchorCheck = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class SyncConfig:
    """The parsed ``[sync]`` section."""

    target: str = ""
    catalogue_url: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    encrypt: bool = False
    key_file: str = ""
    keyring_user: str = ""
    bandwidth_bytes_per_s: float = 0.0
    workers: int = 4
    verify_after_upload: str = "checksum"
    interval_s: float = 300.0
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    offline_backoff_max_s: float = 300.0
    request_poll_s: float = 5.0

    @classmethod
    def from_section(cls, section: Mapping[str, Any], storage_url: str = "") -> SyncConfig:
        s = dict(section)
        return cls(
            target=str(s.get("target") or storage_url or ""),
            catalogue_url=str(s.get("catalogue_url", "")),
            options={
                k: s[k]
                for k in ("endpoint_url", "region", "key", "secret", "connect_timeout", "read_timeout")
                if k in s
            },
            encrypt=bool(s.get("encrypt", False)),
            key_file=str(s.get("key_file", "")),
            keyring_user=str(s.get("keyring_user", "")),
            bandwidth_bytes_per_s=float(s.get("bandwidth_kbps", 0)) * 1024.0,
            workers=int(s.get("workers", 4)),
            verify_after_upload=str(s.get("verify_after_upload", "checksum")),
            interval_s=float(s.get("interval_s", 300)),
            max_attempts=int(s.get("max_attempts", 4)),
            backoff_base_s=float(s.get("backoff_base_s", 0.5)),
            offline_backoff_max_s=float(s.get("offline_backoff_max_s", 300)),
            request_poll_s=float(s.get("request_poll_s", 5)),
        )

    def cipher(self) -> Cipher | None:
        if not (self.encrypt or self.key_file or self.keyring_user):
            return None
        return Cipher(load_key(self.key_file or None, self.keyring_user or None))


@dataclass(frozen=True)
class SyncStatus:
    """Snapshot for the status panel."""

    target: str
    pages: dict[str, int]
    objects: dict[str, int]
    last_error: str
    running: bool
    background: bool
    offline: bool
    last_run_at: float | None
    last_report: dict[str, Any] | None
    page_states: list[tuple[str, str, int, str]]
    # upload requests (jobs of the shared queue), see ``QueueStore.sync_requests``
    requests_waiting: int = 0
    requests_failed: int = 0
    request_error: str = ""
    next_retry_at: float | None = None


class SyncService:
    """Sync, verify and restore with role checks, audit and an optional background loop.

    Args:
        config: the parsed ``[sync]`` settings.
        repo: sync bookkeeping.
        blobs: the local page store.
        station: this workstation's station.
        guard: role checks and audit.
        system_scope: runs the background loop as ``system:sync`` (the security guard's
            ``acting_as_system``) so it keeps syncing, audited, while nobody is logged in.
        audit_anchor: the local audit chain tip, embedded in the station catalogue.
        check_anchor: verifies the local audit chain against an anchor read back from the
            target (returns the verification report as a dict).
        requests: the job queue's upload requests (``None``: runs only on wake-ups and
            the interval, as before the shared queue).
    """

    def __init__(
        self,
        config: SyncConfig,
        repo: SyncRepository,
        blobs: BlobStore,
        station: Station,
        guard: Guard,
        *,
        system_scope: SystemScope | None = None,
        audit_anchor: AnchorFn | None = None,
        check_anchor: AnchorCheck | None = None,
        requests: QueueStore | None = None,
    ) -> None:
        self._requests = requests
        self._scope: SystemScope = system_scope or (lambda _name: contextlib.nullcontext())
        self._audit_anchor = audit_anchor
        self._check_anchor = check_anchor
        self.config = config
        self.repo = repo
        self.blobs = blobs
        self.station = station
        self.guard = guard
        self._engine: SyncEngine | None = None
        self._catalogue: CatalogueReplicator | None = None
        self._run_lock = threading.Lock()
        self._lock_owner = lock_owner(f"{station.code}:{getattr(guard, 'username', 'system')}")
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._running = False
        self._offline = False
        self._last_error = ""
        self._last_run_at: float | None = None
        self._last_report: dict[str, Any] | None = None

    @property
    def target(self) -> str:
        return self.config.target

    def engine(self) -> SyncEngine:
        """The engine for the configured target (built once; raises when none is configured)."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        if self._engine is None:
            limiter = RateLimiter(self.config.bandwidth_bytes_per_s)
            store = open_store(self.config.target, self.config.options, limiter)
            self._engine = SyncEngine(
                store,
                self.repo,
                self.blobs,
                self.station,
                self.config.cipher(),
                SyncOptions(
                    workers=self.config.workers,
                    verify_after_upload=self.config.verify_after_upload,
                    max_attempts=self.config.max_attempts,
                    backoff_base_s=self.config.backoff_base_s,
                ),
                audit_anchor=self._audit_anchor,
            )
        return self._engine

    # -- the per-target lock -----------------------------------------------------------
    def _target_locks(self, wait_s: float) -> contextlib.ExitStack:
        """Take this station's sync lock for this target: in the station's database
        (excludes other processes — the GUI's background loop, a cron job, a second
        ``hukou-scan sync`` — and, on a shared PostgreSQL, a second machine running the
        same station) and, for an offline-capable station, also in the shared catalogue
        (the same station pushing from two machines).

        The lock is per station *and* target, not per target alone: each station uploads
        only its own batches and objects are content-addressed, so two different stations
        syncing to one bucket at once do not duplicate work and must not block each other.

        Both are lock rows with owner + heartbeat (:class:`DbLock`): a killed run's lock
        expires on its own.  An unreachable catalogue is not a reason to stop syncing
        objects; its push reports the outage.
        """
        name = f"sync:{self.station.code}:{self.config.target or self.config.catalogue_url}"
        owner = self._lock_owner  # stable: after a database outage this service re-takes its own lock
        message = (
            "另一个同步正在向同一目标上传（{owner}，始于 {since} UTC）。",
            "Another sync to the same target is running ({owner}, since {since} UTC).",
        )
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(
                DbLock(self.repo.db, name, owner=owner, wait_s=wait_s, busy_message=message).acquire()
            )
            if self.config.catalogue_url:
                try:
                    remote = self.catalogue()._remote()
                    lock = DbLock(remote, name, owner=owner, wait_s=wait_s, busy_message=message)
                    lock.acquire()
                except LockBusy:
                    raise
                except Exception as e:  # unreachable / not migrated: the push itself says so
                    log.info("catalogue sync lock not taken (%s)", type(e).__name__)
                else:
                    stack.callback(lock.release)
        except BaseException:
            stack.close()
            raise
        return stack

    # -- use cases ----------------------------------------------------------------------
    def sync_now(
        self, progress: Progress | None = None, cancel: threading.Event | None = None, wait_s: float = 0.0
    ) -> SyncReport:
        """Push everything pending now (waits if the background loop is mid-run).

        Another process or station syncing to the same target makes this wait up to
        ``wait_s`` seconds, then raise :class:`~hukou_scan.storage.locks.LockBusy`.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        return self._run_sync(progress, cancel, wait_s)

    def _run_sync(
        self, progress: Progress | None, cancel: threading.Event | None, wait_s: float = 0.0
    ) -> SyncReport:
        """The run itself; the background loop calls this directly (system work, still audited)."""
        with self._run_lock:
            try:
                locks = self._target_locks(wait_s)
            except LockBusy as e:
                self.guard.audit("sync", self.target, "busy", error=e.en)
                raise
            with locks:
                answered = self._answer_requests()
                try:
                    report = self._run_sync_locked(progress, cancel)
                except HukouScanError as e:
                    self._close_requests(answered, f"{e.zh} / {e.en}")
                    raise
                if not report.cancelled:
                    self._close_requests(answered)
                return report

    # -- upload requests ---------------------------------------------------------------
    def request(self) -> bool:
        """Ask for an upload run soon (a page was captured); ``True`` if a request was queued.

        The request is a ``sync`` job of the shared queue, answered by this station's
        background loop (woken now) or by ``hukou-scan worker --sync``; a request is kept
        until a run reached the target, so a station that is closed or offline uploads the
        page later.  Without a configured target only the loop is woken.
        """
        queued = False
        if self._requests is not None and (self.config.target or self.config.catalogue_url):
            try:
                queued = self._requests.request_sync(self.station.id)
            except StorageError as e:  # the database is away: the periodic run catches up
                log.warning("upload request not queued: %s", e.en)
        self._wake.set()
        return queued

    def _waiting_requests(self, *, due_only: bool) -> list[str]:
        if self._requests is None:
            return []
        try:
            return self._requests.waiting_sync_requests(self.station.id, due_only=due_only)
        except StorageError as e:
            log.info("upload requests not read: %s", e.en)
            return []

    def _answer_requests(self) -> list[str]:
        """The requests this run answers: those waiting now (a page captured later asks anew)."""
        if self._requests is None:
            return []
        try:
            return self._requests.answer_sync_requests(self.station.id, self._lock_owner)
        except StorageError as e:
            log.info("upload requests not read: %s", e.en)
            return []

    def _close_requests(self, ids: list[str], error: str = "") -> None:
        if self._requests is None or not ids:
            return
        try:
            self._requests.close_sync_requests(ids, self._lock_owner, error)
        except StorageError as e:  # they stay waiting: the next run answers them
            log.warning("upload requests not closed: %s", e.en)

    def _run_sync_locked(self, progress: Progress | None, cancel: threading.Event | None) -> SyncReport:
        self._set(running=True)
        try:
            report = self._run_once(progress, cancel)
        except SyncOfflineError as e:
            self._set(running=False, offline=True, error=e.en, report=e.report.to_dict())
            self.guard.audit("sync", self.target, "offline", **_audit_details(e.report.to_dict()))
            raise
        except HukouScanError as e:
            self._set(running=False, error=e.en)
            self.guard.audit("sync", self.target, "error", error=e.en)
            raise
        except BaseException:
            self._set(running=False)
            raise
        err = next(iter(report.failed.values()), "") if report.failed else ""
        self._set(running=False, offline=False, error=err, report=report.to_dict())
        self.guard.audit(
            "sync",
            self.target,
            "ok" if not report.failed else "partial",
            **_audit_details(report.to_dict()),
        )
        return report

    def _run_once(self, progress: Progress | None, cancel: threading.Event | None) -> SyncReport:
        """Objects to the target (if one is set), then the station's batches to the shared catalogue."""
        if self.config.target or not self.config.catalogue_url:
            report = self.engine().run(progress, cancel)
        else:
            report = SyncReport(target="")
        if self.config.catalogue_url and not report.cancelled:
            try:
                report.catalogue = self.catalogue().push(progress, cancel).to_dict()
            except SyncError as e:
                if not e.retryable:
                    raise
                report.offline = True
                report.error = e.en
                raise SyncOfflineError(report, e) from e
        return report

    def catalogue(self) -> CatalogueReplicator:
        """Replication of this station's batches into the shared catalogue (``[sync] catalogue_url``)."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        if self._catalogue is None:
            self._catalogue = CatalogueReplicator(self.repo, self.config.catalogue_url, self.station)
        return self._catalogue

    def verify(
        self,
        deep: bool = False,
        repair: bool = True,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        wait_s: float = 0.0,
    ) -> tuple[VerifyReport, SyncReport | None]:
        """Check the remote copy; with ``repair`` re-upload what is missing or damaged."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        with self._run_lock:
            try:
                locks = self._target_locks(wait_s)
            except LockBusy as e:
                self.guard.audit("sync", self.target, "busy", mode="verify", error=e.en)
                raise
            self._set(running=True)
            try:
                with locks:
                    vrep = self.engine().verify(deep, progress, cancel)
            finally:
                self._set(running=False)
        self.guard.audit(
            "sync",
            self.target,
            "ok" if vrep.clean else "damaged",
            mode="verify",
            **_audit_details(vrep.to_dict()),
        )
        srep = None
        if repair and not vrep.clean and not vrep.cancelled:
            srep = self._run_sync(progress, cancel)
        return vrep, srep

    def status(self, page_limit: int = 200) -> SyncStatus:
        self.guard.require(Role.CLERK, Role.REVIEWER, Role.SEARCHER, station_id=self.station.id)
        counts = self.repo.counts(self.target, self.station.id)
        req = self._requests.sync_requests(self.station.id) if self._requests is not None else SyncRequests()
        with self._state_lock:
            return SyncStatus(
                target=self.target,
                pages=counts.pages,
                objects=counts.objects,
                last_error=self._last_error or counts.last_error or req.error,
                running=self._running,
                background=self._thread is not None and self._thread.is_alive(),
                offline=self._offline,
                last_run_at=self._last_run_at,
                last_report=self._last_report,
                page_states=self.repo.page_states(self.station.id, page_limit),
                requests_waiting=req.waiting,
                requests_failed=req.failed,
                request_error=req.error,
                next_retry_at=req.retry_at,
            )

    def holds_page_store(self, sample: int = 20) -> bool:
        """Whether this machine's page store holds the station's files still to upload.

        ``hukou-scan worker --sync`` on a machine without them would only mark every object
        unreadable; it refuses to start instead.  A sample of the oldest pending objects is
        enough: any of them present means the station's store is here (a damaged file or
        two still shows up per object, as on the station itself).
        """
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        pending = self.repo.pending_objects(self.target, self.station.id)[: max(1, sample)]
        return not pending or any(self.blobs.path_for(p.sha256).exists() for p in pending)

    def pages_in_state(self, state: str | None = None, limit: int = 1000) -> list[tuple[str, str, int, str]]:
        """Pages by sync state (``local`` / ``uploaded`` / ``verified``), newest first."""
        self.guard.require(Role.CLERK, Role.REVIEWER, Role.SEARCHER, station_id=self.station.id)
        return self.repo.page_states(self.station.id, limit, state)

    def restore(
        self,
        target: str,
        into: Path,
        *,
        station_code: str | None = None,
        key_file: str | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> RestoreReport:
        """Rebuild an archive from ``target`` into ``into`` (administrators only).

        When the target's catalogue of this station carries an audit anchor, the local
        audit chain is verified against it (``report.audit_check``): history rewritten
        in the local database since that sync shows up here.
        """
        self.guard.require(Role.ADMIN)
        report = restore_archive(
            self.config,
            target,
            into,
            station_code=station_code,
            key_file=key_file,
            progress=progress,
            cancel=cancel,
            guard=self.guard,
        )
        anchor = report.audit_anchors.get(self.station.code)
        if anchor is not None and self._check_anchor is not None and not report.cancelled:
            report.audit_check = self._check_anchor(anchor)
        return report

    def check_audit_anchor(self) -> dict[str, Any]:
        """Verify the local audit chain against the anchor in this station's catalogue on the target.

        Returns ``{"anchor": {...} | None, "ok": bool, ...}`` (the verification report);
        ``ok`` is ``False`` when the local history no longer contains the anchored event.
        Administrators only (the check is audited by the verification itself).
        """
        self.guard.require(Role.ADMIN)
        anchor = self.remote_audit_anchor()
        if anchor is None:
            self.guard.audit("audit_anchor_check", self.target, "none", reason="no_anchor")
            return {"anchor": None, "ok": True, "checked": 0, "problems": []}
        if self._check_anchor is None:
            raise HukouScanError("审计校验不可用。", "Audit verification is not available.")
        return {"anchor": anchor, **self._check_anchor(anchor)}

    def remote_audit_anchor(self) -> dict[str, Any] | None:
        """The audit anchor (``{"seq", "hash"}``) in this station's catalogue on the target, if any."""
        self.guard.require(Role.ADMIN)
        cat = self.engine().read_catalogue()
        anchor = cat.get("audit_anchor") if cat else None
        return dict(anchor) if isinstance(anchor, dict) else None

    def reconfigure(self, config: SyncConfig) -> None:
        """Use a new ``[sync]`` configuration from now on (Settings saved while running).

        Waits for a running sync to finish, drops the engine and catalogue built for the
        old target and wakes the background loop so the new target is used at once
        instead of after a restart.  Changing where the archive is copied is an
        administrator's decision (the Settings dialog).
        """
        self.guard.require(Role.ADMIN)
        with self._run_lock:
            self.config = config
            self._engine = None
            if self._catalogue is not None:
                self._catalogue.close()
                self._catalogue = None
            with self._state_lock:
                self._offline = False
                self._last_error = ""
        self._wake.set()

    @property
    def background_running(self) -> bool:
        """Whether the background loop is alive."""
        return self._thread is not None and self._thread.is_alive()

    # -- background loop ----------------------------------------------------------------
    def start_background(self, interval_s: float | None = None) -> None:
        """Sync periodically in a daemon-free worker thread until :meth:`stop`.

        The thread works as ``system:sync`` (allowed and audited while nobody is logged in).
        """
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        interval = self.config.interval_s if interval_s is None else interval_s
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="sync-background")
        self._thread.start()

    def wake(self) -> None:
        """Run the background sync now (e.g. after a page was captured)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._catalogue is not None:
            self._catalogue.close()

    def _loop(self, interval: float) -> None:
        with self._scope("sync"):
            self._run_loop(interval)

    def _run_loop(self, interval: float) -> None:
        backoff = max(self.config.backoff_base_s, 1.0)
        while not self._stop.is_set():
            wait_s = interval
            failed = True
            try:
                self._run_sync(None, self._stop)
                backoff = max(self.config.backoff_base_s, 1.0)
                failed = False
            except LockBusy:
                log.info("background sync skipped: another sync to the same target is running")
            except SyncError as e:
                if e.retryable:
                    wait_s = min(backoff, self.config.offline_backoff_max_s, interval)
                    backoff = min(backoff * 2, self.config.offline_backoff_max_s)
                    log.info("background sync offline, next try in %.0fs", wait_s)
                else:
                    log.error("background sync failed: %s", e.en)
            except StorageError as e:
                # The (shared PostgreSQL) database is away: same treatment as an offline target.
                wait_s = min(backoff, self.config.offline_backoff_max_s, interval)
                backoff = min(backoff * 2, self.config.offline_backoff_max_s)
                self._set(running=False, error=e.en)
                log.warning("background sync: database unavailable, next try in %.0fs", wait_s)
            except Exception:  # thread boundary: never let the loop die silently
                log.exception("background sync crashed; retrying later")
            self._pause(wait_s, poll=not failed)

    def _pause(self, wait_s: float, *, poll: bool) -> None:
        """Wait for the next run: a wake-up, the interval, or (``poll``: not backing off
        after a failure) an upload request queued by another process."""
        deadline = time.monotonic() + wait_s
        step = max(0.05, self.config.request_poll_s) if poll and self._requests is not None else wait_s
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(min(remaining, step)):
                self._wake.clear()
                return
            if poll and self._waiting_requests(due_only=True):
                return

    def _set(
        self,
        *,
        running: bool,
        offline: bool | None = None,
        error: str | None = None,
        report: dict[str, Any] | None = None,
    ) -> None:
        with self._state_lock:
            self._running = running
            if offline is not None:
                self._offline = offline
            if error is not None:
                self._last_error = error
            if report is not None:
                self._last_report = report
                self._last_run_at = time.time()


def restore_archive(
    config: SyncConfig,
    target: str,
    into: Path,
    *,
    station_code: str | None = None,
    key_file: str | None = None,
    db_url: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    guard: Guard | None = None,
) -> RestoreReport:
    """Restore without a working local station (its disk may be gone): only settings are needed."""
    store = open_store(target, config.options, RateLimiter(config.bandwidth_bytes_per_s))
    cipher = Cipher(load_key(key_file)) if key_file else config.cipher()
    report = restore(
        store,
        into,
        cipher=cipher,
        station_code=station_code,
        db_url=db_url,
        workers=config.workers,
        progress=progress,
        cancel=cancel,
    )
    if guard is not None:
        guard.audit("restore", target, "ok" if report.ok else "damaged", **_audit_details(report.to_dict()))
    return report


def _audit_details(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if isinstance(v, int | float | bool | str) and k != "target"}
