"""The sync engine: push a station's pages to one target, verify them, describe them.

One run does three things, each idempotent so a crash at any point is harmless:

1. every object (original, processed, derivative image) a live page references and
   the target has not verified is read from the local page store (hash-checked, so a
   corrupt local file is never uploaded), optionally encrypted, put, and verified
   (size plus SHA-256: the server's checksum where it keeps one, else re-read);
2. the manifest of every batch whose description changed is rewritten (pages whose
   objects are all verified, OCR, links, paper location, tombstones for local deletes);
3. the station catalogue is rewritten when any manifest changed — carrying the local
   audit chain's tip (``audit_anchor``) so the history up to it is vouched for by a copy
   the local database cannot change; finally the per-page ``sync_state``
   (local → uploaded → verified) is recomputed.

Uploads run on a small thread pool (the network, not the CPU, is the bottleneck);
each operation retries with exponential backoff and jitter, and when the target stays
unreachable the run stops early and raises a retryable :class:`SyncError` so the
background service can wait and catch up later.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hukou_scan.domain import PageState, Station, SyncState
from hukou_scan.errors import StorageError, SyncError
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.sync import PendingObject, SyncRepository
from hukou_scan.sync.crypto import MAGIC, Cipher
from hukou_scan.sync.manifest import (
    CATALOGUE_FORMAT,
    build_catalogue,
    build_manifest,
    canonical_json,
    catalogue_key,
    manifest_key,
    object_key,
    page_hashes,
    parse_json,
)
from hukou_scan.sync.store import ObjectInfo, ObjectStore, sha256_hex

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class SyncOptions:
    """Tunables, read from the ``[sync]`` settings section by the service."""

    workers: int = 4
    # After each put: "checksum" compares the SHA-256 the server computed and returned with the
    # PUT (AWS S3, MinIO and Ceph check the x-amz-checksum-sha256 we send and refuse a mismatch);
    # "head" adds a HEAD for size and stored checksum; "read" downloads the object again and
    # hashes it (for servers that do not validate checksums, e.g. moto).
    verify_after_upload: str = "checksum"
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0


@dataclass
class SyncReport:
    """What one run did; ``offline`` means it stopped because the target was unreachable."""

    target: str
    pending: int = 0
    uploaded: int = 0
    already_present: int = 0
    verified: int = 0
    bytes_uploaded: int = 0
    manifests_written: int = 0
    catalogue_written: bool = False
    failed: dict[str, str] = field(default_factory=dict)
    pages_changed: int = 0
    offline: bool = False
    cancelled: bool = False
    error: str = ""
    elapsed_s: float = 0.0
    catalogue: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "catalogue": self.catalogue,
            "pending": self.pending,
            "uploaded": self.uploaded,
            "already_present": self.already_present,
            "verified": self.verified,
            "bytes_uploaded": self.bytes_uploaded,
            "manifests_written": self.manifests_written,
            "catalogue_written": self.catalogue_written,
            "failed": len(self.failed),
            "failures": dict(list(self.failed.items())[:20]),
            "pages_changed": self.pages_changed,
            "offline": self.offline,
            "cancelled": self.cancelled,
            "error": self.error,
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class VerifyReport:
    target: str
    checked: int = 0
    ok: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    manifests_bad: list[str] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.corrupt or self.manifests_bad)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "checked": self.checked,
            "ok": self.ok,
            "missing": len(self.missing),
            "corrupt": len(self.corrupt),
            "manifests_bad": len(self.manifests_bad),
            "clean": self.clean,
            "cancelled": self.cancelled,
            "elapsed_s": round(self.elapsed_s, 3),
        }


class _Halt(Exception):
    """Internal: stop the run (cancelled, or the target went away)."""


class SyncEngine:
    """Pushes one station's archive to one :class:`ObjectStore`.

    Args:
        store: the target.
        repo: sync bookkeeping in the (local or shared) database.
        blobs: the local page store.
        station: whose batches to push (several stations may share one target).
        cipher: client-side encryption, or ``None``.
        options: retry and concurrency tunables.
        audit_anchor: the local audit chain's tip (``{"seq", "hash"}``), embedded in the
            station catalogue whenever it is rewritten, so the audit history up to that
            event is vouched for by a copy the local database cannot change.
    """

    def __init__(
        self,
        store: ObjectStore,
        repo: SyncRepository,
        blobs: BlobStore,
        station: Station,
        cipher: Cipher | None = None,
        options: SyncOptions | None = None,
        audit_anchor: Callable[[], dict[str, Any] | None] | None = None,
    ) -> None:
        self.audit_anchor = audit_anchor
        self.store = store
        self.repo = repo
        self.blobs = blobs
        self.station = station
        self.cipher = cipher
        self.options = options or SyncOptions()
        self.target = store.url
        self.verify_mode = self.options.verify_after_upload
        if self.verify_mode not in ("checksum", "head", "read"):
            raise SyncError(
                f"verify_after_upload 设置无效：{self.verify_mode}",
                f"Invalid verify_after_upload: {self.verify_mode} (checksum, head or read)",
                retryable=False,
            )
        self.read_back = self.verify_mode == "read"
        self._lock = threading.Lock()

    # -- helpers ------------------------------------------------------------------------
    def _seal(self, data: bytes) -> bytes:
        return self.cipher.encrypt(data) if self.cipher else data

    def _retry(self, what: str, fn: Callable[[], T], cancel: threading.Event) -> T:
        delay = self.options.backoff_base_s
        for attempt in range(1, self.options.max_attempts + 1):
            if cancel.is_set():
                raise _Halt()
            try:
                return fn()
            except SyncError as e:
                if not e.retryable or attempt == self.options.max_attempts:
                    raise
                pause = min(delay, self.options.backoff_max_s) * (0.5 + random.random())
                log.warning("sync %s failed (attempt %d), retrying in %.1fs: %s", what, attempt, pause, e.en)
                if cancel.wait(pause):
                    raise _Halt() from e
                delay *= 2
        raise AssertionError("unreachable")

    def _matches(self, info: ObjectInfo | None, key: str, size: int, stored_sha: str, deep: bool) -> str:
        """'' when the remote object is intact, else 'missing' or 'corrupt'."""
        if info is None:
            return "missing"
        if info.size != size:
            return "corrupt"
        if info.sha256 is not None and not deep:
            return "" if info.sha256 == stored_sha else "corrupt"
        return "" if sha256_hex(self.store.get(key)) == stored_sha else "corrupt"

    def _after_put(
        self, key: str, put_info: ObjectInfo, size: int, stored_sha: str, cancel: threading.Event
    ) -> str:
        """Verification right after a put; '' when the stored object is intact.

        ``checksum`` (default): the SHA-256 the server computed over the bytes it stored,
        returned by the PUT itself; stores that return none (folders, NAS, older S3
        clones) fall through to ``head``: HEAD for size and stored checksum, and a full
        read-back where there is no checksum.  ``read`` always reads back and hashes.
        """
        if self.verify_mode == "checksum" and put_info.sha256 is not None:
            return "" if put_info.sha256 == stored_sha and put_info.size == size else "corrupt"
        return self._retry(key, lambda: self._check(key, size, stored_sha), cancel)

    def _check(self, key: str, size: int, stored_sha: str) -> str:
        """Verification after a put: HEAD (size + server checksum), or a full read-back."""
        return self._matches(self.store.head(key), key, size, stored_sha, self.read_back)

    def _put_verified(self, key: str, payload: bytes, stored_sha: str, cancel: threading.Event) -> None:
        """Put and verify one object; raises a retryable SyncError if the copy is not intact."""
        put_info = self._retry(key, lambda: self.store.put(key, payload, stored_sha), cancel)
        problem = self._after_put(key, put_info, len(payload), stored_sha, cancel)
        if problem:
            raise SyncError(
                "上传后校验失败。", f"Verification after upload failed ({problem}): {key}", retryable=True
            )

    # -- the run ------------------------------------------------------------------------
    def run(self, progress: Progress | None = None, cancel: threading.Event | None = None) -> SyncReport:
        """Push everything pending; see the module docstring.  Raises retryable SyncError when offline."""
        t0 = time.perf_counter()
        cancel = cancel or threading.Event()
        halt = threading.Event()
        report = SyncReport(self.target)
        pending = self.repo.pending_objects(self.target, self.station.id)
        report.pending = len(pending)
        total = len(pending) + 1
        done = 0
        log.info("sync to %s: %d object(s) pending", self.target, len(pending))

        def stop_on(ev: threading.Event) -> None:
            if cancel.is_set():
                ev.set()

        offline_error: SyncError | None = None
        if pending:
            with ThreadPoolExecutor(max(1, self.options.workers), thread_name_prefix="sync") as ex:
                futures: dict[Future[str], PendingObject] = {}
                it = iter(pending)
                # Keep only a few objects in flight so a cancel or an outage stops quickly.
                window = max(1, self.options.workers) * 2
                for po in it:
                    futures[ex.submit(self._sync_object, po, cancel, halt)] = po
                    if len(futures) >= window:
                        break
                while futures:
                    finished, _ = wait(list(futures), return_when=FIRST_COMPLETED, timeout=0.5)
                    stop_on(halt)
                    for f in finished:
                        po = futures.pop(f)
                        try:
                            outcome = f.result()
                        except _Halt:
                            continue
                        except SyncError as e:
                            report.failed[po.sha256] = e.en
                            if e.retryable:
                                offline_error = offline_error or e
                                halt.set()
                            continue
                        except StorageError as e:
                            report.failed[po.sha256] = e.en
                            continue
                        done += 1
                        if outcome == "present":
                            report.already_present += 1
                        elif outcome.startswith("uploaded:"):
                            report.uploaded += 1
                            report.bytes_uploaded += int(outcome.split(":", 1)[1])
                        if outcome != "failed":
                            report.verified += 1
                        if progress:
                            progress(done, total, po.sha256[:12])
                        if not halt.is_set():
                            nxt = next(it, None)
                            if nxt is not None:
                                futures[ex.submit(self._sync_object, nxt, cancel, halt)] = nxt
        if cancel.is_set():
            report.cancelled = True
        elif offline_error is None:
            try:
                self._write_manifests(report, cancel)
            except _Halt:
                report.cancelled = cancel.is_set()
            except SyncError as e:
                if not e.retryable:
                    raise
                offline_error = e
        report.pages_changed = self.repo.refresh_page_states(self.target, self.station.id)
        report.elapsed_s = time.perf_counter() - t0
        if progress:
            progress(total, total, "done")
        if offline_error is not None:
            report.offline = True
            report.error = offline_error.en
            log.warning("sync to %s stopped, target unreachable: %s", self.target, offline_error.en)
            raise SyncOfflineError(report, offline_error)
        log.info(
            "sync to %s: %d uploaded, %d already there, %d failed, %d manifest(s) in %.1fs",
            self.target,
            report.uploaded,
            report.already_present,
            len(report.failed),
            report.manifests_written,
            report.elapsed_s,
        )
        return report

    def _sync_object(self, po: PendingObject, cancel: threading.Event, halt: threading.Event) -> str:
        if cancel.is_set() or halt.is_set():
            raise _Halt()
        sha = po.sha256
        key = object_key(sha)
        try:
            data = self.blobs.get(sha, verify=True)
        except StorageError as e:
            # Never upload a damaged local file; the page keeps state "local" and the error shows.
            self.repo.mark_object(self.target, sha, "failed", error=e.en, attempt=True)
            log.error("sync: local object %s unreadable for page(s) %s", sha[:12], ",".join(po.page_ids[:3]))
            raise
        payload = self._seal(data)
        stored_sha = sha256_hex(payload) if self.cipher else sha
        if po.state != SyncState.LOCAL.value or po.attempts > 0:
            # Interrupted earlier (crash between put and verify): the object may already be there.
            problem = self._retry(key, lambda: self._check(key, len(payload), stored_sha), halt)
            if not problem:
                self.repo.mark_object(
                    self.target, sha, SyncState.VERIFIED, size=len(data), stored_sha256=stored_sha
                )
                return "present"
        # Happy path: one DB write per object.  A crash between the put and that write only
        # means the next run puts the same content-addressed bytes again (idempotent).
        try:
            put_info = self._retry(key, lambda: self.store.put(key, payload, stored_sha), halt)
        except SyncError as e:
            state = po.state if po.state != "failed" else "local"
            self.repo.mark_object(self.target, sha, state, error=e.en, attempt=True)
            raise
        try:
            problem = self._after_put(key, put_info, len(payload), stored_sha, halt)
        except SyncError as e:
            self.repo.mark_object(
                self.target,
                sha,
                SyncState.UPLOADED,
                size=len(data),
                stored_sha256=stored_sha,
                error=e.en,
                attempt=True,
            )
            raise
        if problem:
            error = f"verify after upload: {problem}"
            self.repo.mark_object(self.target, sha, SyncState.LOCAL, error=error, attempt=True)
            raise SyncError("上传后校验失败。", f"Verification after upload failed ({problem}): {key}")
        self.repo.mark_object(self.target, sha, SyncState.VERIFIED, size=len(data), stored_sha256=stored_sha)
        return f"uploaded:{len(payload)}"

    # -- manifests ----------------------------------------------------------------------
    def _write_manifests(self, report: SyncReport, cancel: threading.Event) -> None:
        objects = {
            o.sha256: {"size": o.size, "stored_sha256": o.stored_sha256}
            for o in self.repo.objects(self.target, [SyncState.VERIFIED.value])
        }
        entries: list[dict[str, Any]] = []
        now = utcnow().isoformat()
        for batch in self.repo.station_batches(self.station.id):
            if cancel.is_set():
                raise _Halt()
            key = manifest_key(self.station.code, batch.id)
            prev = self.repo.manifest_state(self.target, key)
            seen = dict(prev.seen_pages) if prev else {}
            tombs = dict(prev.tombstones) if prev else {}
            snap = self.repo.snapshot(batch.id)
            include = []
            defer = False
            live_ids = set()
            for p in snap.pages:
                live_ids.add(p.id)
                hashes = page_hashes(p)
                if p.state == PageState.DELETED:
                    if p.id not in tombs and (p.id in seen or all(h in objects for h in hashes)):
                        tombs[p.id] = {
                            "page_id": p.id,
                            "seq": p.seq,
                            "hashes": hashes,
                            "deleted_at": now,
                            "reason": p.state_reason,
                        }
                    continue
                if all(h in objects for h in hashes):
                    include.append(p)
                elif p.id in seen:
                    defer = True  # re-processed page still uploading: keep the old manifest for now
            for pid, info in seen.items():
                if pid not in live_ids and pid not in tombs and not info.get("tombstone"):
                    tombs[pid] = {
                        "page_id": pid,
                        "seq": info.get("seq"),
                        "hashes": info.get("hashes", []),
                        "deleted_at": now,
                        "reason": "removed from the local database",
                    }
            if defer and prev is not None:
                if prev.state == SyncState.VERIFIED.value:
                    entries.append(self._entry(batch.id, key, prev.sha256, prev.stored_sha256, snap, seen))
                continue
            if not include and not tombs:
                continue
            manifest = build_manifest(
                snap.station, snap.batch, include, snap.ocr, snap.links, snap.persons, objects, tombs
            )
            data = canonical_json(manifest)
            sha = sha256_hex(data)
            new_seen = {p.id: {"seq": p.seq, "hashes": page_hashes(p)} for p in include}
            new_seen.update({pid: {"tombstone": True} for pid in tombs})
            if prev is None or prev.sha256 != sha or prev.state != SyncState.VERIFIED.value:
                payload = self._seal(data)
                stored = sha256_hex(payload)
                self._put_verified(key, payload, stored, cancel)
                self.repo.save_manifest_state(
                    self.target,
                    key,
                    batch_id=batch.id,
                    sha256=sha,
                    stored_sha256=stored,
                    size=len(payload),
                    state=SyncState.VERIFIED,
                    tombstones=tombs,
                    seen_pages=new_seen,
                )
                report.manifests_written += 1
            else:
                stored = prev.stored_sha256
            entries.append(self._entry(batch.id, key, sha, stored, snap, new_seen))
        ckey = catalogue_key(self.station.code)
        encryption = (
            {"alg": "AES-256-GCM", "key_id": self.cipher.key_id_hex, "format": "HKE1"}
            if self.cipher
            else None
        )
        catalogue = build_catalogue(self.station, entries, encryption)
        data = canonical_json(catalogue)
        sha = sha256_hex(data)
        prev = self.repo.manifest_state(self.target, ckey)
        if prev is None or prev.sha256 != sha or prev.state != SyncState.VERIFIED.value:
            # The anchor is added only when the catalogue changes anyway (``sha`` is of the
            # catalogue without it): otherwise every audit event would force a rewrite.
            anchor = self.audit_anchor() if self.audit_anchor is not None else None
            if anchor:
                data = canonical_json({**catalogue, "audit_anchor": anchor})
            payload = self._seal(data)
            stored = sha256_hex(payload)
            self._put_verified(ckey, payload, stored, cancel)
            self.repo.save_manifest_state(
                self.target,
                ckey,
                batch_id=None,
                sha256=sha,
                stored_sha256=stored,
                size=len(payload),
                state=SyncState.VERIFIED,
            )
            report.catalogue_written = True

    @staticmethod
    def _entry(
        batch_id: str, key: str, sha: str, stored: str, snap: Any, seen: dict[str, Any]
    ) -> dict[str, Any]:
        b = snap.batch
        return {
            "batch_id": batch_id,
            "archive_id": b.archive_id,
            "category": b.category.value,
            "created_at": b.created_at.isoformat() if b.created_at else None,
            "paper_location": b.location.describe(),
            "manifest_key": key,
            "manifest_sha256": sha,
            "stored_sha256": stored,
            "pages": sum(1 for v in seen.values() if not v.get("tombstone")),
            "tombstones": sum(1 for v in seen.values() if v.get("tombstone")),
        }

    def read_catalogue(self) -> dict[str, Any] | None:
        """This station's catalogue as stored on the target (``None`` if there is none yet)."""
        key = catalogue_key(self.station.code)
        try:
            data = self.store.get(key)
        except SyncError as e:
            if e.retryable:
                raise
            return None
        if data[:4] == MAGIC:
            if self.cipher is None:
                raise SyncError(
                    "云端目录已加密，需要密钥。", f"{key} is encrypted; a key is needed.", retryable=False
                )
            data = self.cipher.decrypt(data)
        return parse_json(data, CATALOGUE_FORMAT, key)

    # -- verify -------------------------------------------------------------------------
    def verify(
        self, deep: bool = False, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> VerifyReport:
        """Check every object and manifest the database believes is on the target.

        Missing or damaged ones go back to "local" so the next run re-uploads them.
        ``deep`` re-reads every object even when the server keeps a checksum.
        """
        t0 = time.perf_counter()
        cancel = cancel or threading.Event()
        report = VerifyReport(self.target)
        records = self.repo.objects(self.target, [SyncState.VERIFIED.value, SyncState.UPLOADED.value])
        manifests = [m for m in self.repo.manifests(self.target) if m.state == SyncState.VERIFIED.value]
        total = len(records) + len(manifests)
        done = 0

        def check(key: str, size: int, stored: str) -> str:
            return self._retry(
                key, lambda: self._matches(self.store.head(key), key, size, stored, deep), cancel
            )

        with ThreadPoolExecutor(max(1, self.options.workers), thread_name_prefix="verify") as ex:
            futs = {
                ex.submit(
                    check,
                    object_key(r.sha256),
                    r.size if not self.cipher else self._stored_size(r.size),
                    r.stored_sha256,
                ): r
                for r in records
            }
            for f, r in futs.items():
                try:
                    problem = f.result()
                except _Halt:
                    report.cancelled = True
                    break
                report.checked += 1
                if problem == "missing":
                    report.missing.append(r.sha256)
                elif problem:
                    report.corrupt.append(r.sha256)
                else:
                    report.ok += 1
                if problem:
                    log.warning("verify: object %s on %s is %s", r.sha256[:12], self.target, problem)
                    self.repo.mark_object(self.target, r.sha256, SyncState.LOCAL, error=f"verify: {problem}")
                done += 1
                if progress:
                    progress(done, total, r.sha256[:12])
        for m in manifests:
            if cancel.is_set():
                report.cancelled = True
                break
            try:
                problem = check(m.key, m.size, m.stored_sha256)
            except _Halt:
                report.cancelled = True
                break
            report.checked += 1
            if problem:
                report.manifests_bad.append(m.key)
                self.repo.set_manifest_state(self.target, m.key, SyncState.LOCAL, error=f"verify: {problem}")
            else:
                report.ok += 1
            done += 1
            if progress:
                progress(done, total, m.key)
        self.repo.refresh_page_states(self.target, self.station.id)
        report.elapsed_s = time.perf_counter() - t0
        return report

    @staticmethod
    def _stored_size(plain: int) -> int:
        return plain + 4 + 8 + 12 + 16  # magic + key id + nonce + GCM tag


class SyncOfflineError(SyncError):
    """The target stayed unreachable during a run; ``report`` tells how far it got."""

    def __init__(self, report: SyncReport, cause: SyncError) -> None:
        super().__init__(
            "同步目标无法访问，已保存进度，网络恢复后自动继续。",
            f"The sync target is unreachable; progress is saved and sync resumes later ({cause.en})",
            retryable=True,
            hint_zh=cause.hint_zh,
            hint_en=cause.hint_en,
        )
        self.report = report
