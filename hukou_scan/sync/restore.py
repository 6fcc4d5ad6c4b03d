"""Rebuild a station's archive (database and images) from the cloud copy alone.

The proof that the backup is real: nothing local is consulted.  The station
catalogues list the batch manifests (each checked against the hash the catalogue
recorded), the manifests list the pages and their content-addressed objects, and
every object is hash-checked after download (and decryption) before it is written
into a fresh page store.  The database is created by the normal Alembic migrations
and filled through :class:`~hukou_scan.storage.sync.RestoreWriter`.

Restore is resumable: objects already present and intact in the target folder are
not downloaded again, and database writes are upserts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hukou_scan.errors import SyncError
from hukou_scan.storage.blobstore import BlobStore, sha256_file
from hukou_scan.storage.db import Database
from hukou_scan.storage.sync import RestoreWriter, SyncRepository
from hukou_scan.sync.crypto import MAGIC, Cipher
from hukou_scan.sync.manifest import (
    CATALOGUE_FORMAT,
    MANIFEST_FORMAT,
    ParsedManifest,
    object_key,
    page_hashes,
    parse_json,
    parse_manifest,
)
from hukou_scan.sync.store import ObjectStore, sha256_hex

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass
class RestoreReport:
    target: str
    into: str
    stations: list[str] = field(default_factory=list)
    batches: int = 0
    pages: int = 0
    tombstones: int = 0
    objects: int = 0
    objects_downloaded: int = 0
    objects_present: int = 0
    bytes_downloaded: int = 0
    hash_mismatches: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    manifest_errors: list[str] = field(default_factory=list)
    # station code → the audit chain anchor its catalogue carried (``{"seq", "hash"}``)
    audit_anchors: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit_check: dict[str, Any] | None = None  # local chain checked against this station's anchor
    cancelled: bool = False
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.hash_mismatches or self.missing or self.manifest_errors or self.cancelled)

    def to_dict(self) -> dict[str, Any]:
        mb = self.bytes_downloaded / 1e6
        return {
            "target": self.target,
            "into": self.into,
            "stations": self.stations,
            "batches": self.batches,
            "pages": self.pages,
            "tombstones": self.tombstones,
            "objects": self.objects,
            "objects_downloaded": self.objects_downloaded,
            "objects_present": self.objects_present,
            "bytes_downloaded": self.bytes_downloaded,
            "hash_mismatches": len(self.hash_mismatches),
            "missing": len(self.missing),
            "manifest_errors": self.manifest_errors[:20],
            "verified_all": self.ok,
            "audit_anchors": self.audit_anchors,
            "audit_check": self.audit_check,
            "cancelled": self.cancelled,
            "elapsed_s": round(self.elapsed_s, 3),
            "mb_per_s": round(mb / self.elapsed_s, 2) if self.elapsed_s > 0 else None,
        }


def _open(data: bytes, cipher: Cipher | None, what: str) -> bytes:
    if data[:4] == MAGIC:
        if cipher is None:
            raise SyncError(
                "云端备份已加密，需要密钥。",
                f"The cloud copy is encrypted ({what}); a key is needed.",
                retryable=False,
                hint_zh="用 --key-file 指定备份时使用的密钥文件。",
                hint_en="Pass the key file used for the backup with --key-file.",
            )
        return cipher.decrypt(data)
    return data


def restore(
    store: ObjectStore,
    into: Path,
    *,
    cipher: Cipher | None = None,
    station_code: str | None = None,
    db_url: str | None = None,
    workers: int = 4,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RestoreReport:
    """Restore every station (or ``station_code``) found on ``store`` into the data folder ``into``.

    The folder afterwards holds ``hukou.sqlite3`` (unless ``db_url`` names another
    database) and ``blobs/``: start the app with ``--data-dir`` pointing at it.
    """
    t0 = time.perf_counter()
    cancel = cancel or threading.Event()
    report = RestoreReport(store.url, str(into))
    into.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(into / "blobs")
    db = Database(db_url or f"sqlite:///{(into / 'hukou.sqlite3').as_posix()}")
    try:
        db.upgrade(backup=False)
        writer = RestoreWriter(db)
        catalogues = [k for k in store.list("stations/") if k.endswith(".json")]
        if station_code:
            catalogues = [k for k in catalogues if Path(k).stem == station_code]
        if not catalogues:
            raise SyncError(
                "同步目标中没有找到任何派出所的备份目录。",
                f"No station catalogue found on {store.url}",
                retryable=False,
                hint_zh="请检查目标地址和前缀是否正确。",
                hint_en="Check the target URL and prefix.",
            )
        parsed: list[ParsedManifest] = []
        manifest_meta: dict[str, tuple[str, str, str, int]] = {}
        for ckey in catalogues:
            cat = parse_json(_open(store.get(ckey), cipher, ckey), CATALOGUE_FORMAT, ckey)
            report.stations.append(str(cat["station"]["code"]))
            anchor = cat.get("audit_anchor")
            if isinstance(anchor, dict):
                report.audit_anchors[str(cat["station"]["code"])] = dict(anchor)
            for entry in cat.get("batches", []):
                mkey = str(entry["manifest_key"])
                try:
                    stored = store.get(mkey)
                except SyncError as e:
                    if e.retryable:
                        raise
                    report.manifest_errors.append(f"{mkey}: missing")
                    continue
                raw = _open(stored, cipher, mkey)
                if sha256_hex(raw) != entry.get("manifest_sha256"):
                    report.manifest_errors.append(f"{mkey}: hash does not match the catalogue")
                    log.error("restore: manifest %s does not match its catalogue hash", mkey)
                    continue
                pm = parse_manifest(parse_json(raw, MANIFEST_FORMAT, mkey))
                parsed.append(pm)
                manifest_meta[pm.batch.id] = (mkey, sha256_hex(raw), sha256_hex(stored), len(stored))
        needed: dict[str, dict[str, Any]] = {}
        for pm in parsed:
            for p in pm.pages:
                for h in page_hashes(p):
                    needed[h] = pm.objects.get(h, {})
        report.objects = len(needed)
        total = len(needed) + len(parsed)
        done = 0
        lock = threading.Lock()

        def fetch(sha: str) -> tuple[str, str, int]:
            if cancel.is_set():
                return sha, "cancelled", 0
            if blobs.exists(sha) and sha256_file(blobs.path_for(sha)) == sha:
                return sha, "present", 0
            key = object_key(sha)
            try:
                raw = store.get(key)
            except SyncError as e:
                if e.retryable:
                    raw = _retry_get(store, key, cancel)
                else:
                    return sha, "missing", 0
            data = _open(raw, cipher, key)
            if sha256_hex(data) != sha:
                return sha, "mismatch", len(raw)
            blobs.put(data)
            return sha, "downloaded", len(raw)

        with ThreadPoolExecutor(max(1, workers), thread_name_prefix="restore") as ex:
            for sha, outcome, n in ex.map(fetch, sorted(needed)):
                with lock:
                    done += 1
                    report.bytes_downloaded += n
                    if outcome == "downloaded":
                        report.objects_downloaded += 1
                    elif outcome == "present":
                        report.objects_present += 1
                    elif outcome == "missing":
                        report.missing.append(sha)
                    elif outcome == "mismatch":
                        report.hash_mismatches.append(sha)
                        log.error("restore: object %s failed its hash check", sha[:12])
                    else:
                        report.cancelled = True
                if progress:
                    progress(done, total, sha[:12])
        if cancel.is_set():
            report.cancelled = True
            return report
        sync_repo = SyncRepository(db)
        for pm in parsed:
            writer.write_batch(pm.station, pm.batch, pm.pages, pm.ocr, pm.links, pm.persons)
            report.batches += 1
            report.pages += len(pm.pages)
            report.tombstones += len(pm.tombstones)
            mkey, msha, mstored, msize = manifest_meta[pm.batch.id]
            seen: dict[str, Any] = {p.id: {"seq": p.seq, "hashes": page_hashes(p)} for p in pm.pages}
            seen.update({str(t["page_id"]): {"tombstone": True} for t in pm.tombstones})
            sync_repo.save_manifest_state(
                store.url,
                mkey,
                batch_id=pm.batch.id,
                sha256=msha,
                stored_sha256=mstored,
                size=msize,
                state="verified",
                tombstones={str(t["page_id"]): t for t in pm.tombstones},
                seen_pages=seen,
            )
            done += 1
            if progress:
                progress(done, total, pm.batch.id)
        good = [
            (sha, int(meta.get("size", 0)), str(meta.get("stored_sha256") or sha))
            for sha, meta in needed.items()
            if sha not in set(report.hash_mismatches) | set(report.missing)
        ]
        # The restored station knows these objects are on the target: no pointless re-upload.
        sync_repo.mark_objects_verified(store.url, good)
    finally:
        db.dispose()
        report.elapsed_s = time.perf_counter() - t0
    log.info(
        "restore from %s: %d batch(es), %d page(s), %d object(s), %d mismatch(es) in %.1fs",
        store.url,
        report.batches,
        report.pages,
        report.objects,
        len(report.hash_mismatches),
        report.elapsed_s,
    )
    return report


def _retry_get(store: ObjectStore, key: str, cancel: threading.Event, attempts: int = 4) -> bytes:
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return store.get(key)
        except SyncError as e:
            if not e.retryable or attempt == attempts or cancel.wait(delay):
                raise
            delay *= 2
    raise AssertionError("unreachable")
