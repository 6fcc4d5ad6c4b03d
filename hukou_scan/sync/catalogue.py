"""Offline-capable stations: replicate a station's local database into the shared PostgreSQL catalogue.

Two ways to deploy several stations:

* **online** - every station opens the shared PostgreSQL directly (``HUKOU_DB_URL``);
* **offline-capable** - every station keeps working on its own SQLite database and
  pushes its batches into the shared catalogue (``[sync] catalogue_url``) whenever it
  can reach it.  That is this module.

Each station owns its batches (and their pages, OCR, links), so replication is a
one-way, idempotent upsert of whole batches: no two stations ever write the same row,
which is what rules out lost updates without distributed locking.  A batch is pushed
again only when its canonical description (the same JSON as the batch manifest)
changed; the hash of what was pushed is remembered locally in ``sync_manifests``
under the pseudo-target ``catalogue:<host/db>``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from hukou_scan.domain import OcrResult, PageLink, Station, SyncState
from hukou_scan.errors import StorageError, SyncError
from hukou_scan.storage.db import Database
from hukou_scan.storage.sync import RestoreWriter, SyncRepository
from hukou_scan.sync.manifest import build_manifest, canonical_json
from hukou_scan.sync.store import sha256_hex

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


def catalogue_name(url: str) -> str:
    """``catalogue:host:port/db`` - never the password."""
    u = urlparse(url)
    return f"catalogue:{u.hostname or ''}:{u.port or ''}{u.path}"


@dataclass
class CatalogueReport:
    catalogue: str
    batches_pushed: int = 0
    pages_pushed: int = 0
    unchanged: int = 0
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "catalogue": self.catalogue,
            "batches_pushed": self.batches_pushed,
            "pages_pushed": self.pages_pushed,
            "unchanged": self.unchanged,
            "elapsed_s": round(self.elapsed_s, 3),
        }


class CatalogueReplicator:
    """Pushes one station's batches from its local database into the shared catalogue.

    Args:
        local: sync bookkeeping on the station's own database.
        url: SQLAlchemy URL of the shared catalogue (PostgreSQL).
        station: whose batches to push.
    """

    def __init__(self, local: SyncRepository, url: str, station: Station) -> None:
        self.local = local
        self.url = url
        self.station = station
        self.name = catalogue_name(url)
        self._db: Database | None = None

    def _remote(self) -> Database:
        if self._db is None:
            self._db = Database(self.url)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def push(
        self, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> CatalogueReport:
        """Upsert every batch that changed since the last push; retryable SyncError when unreachable."""
        t0 = time.perf_counter()
        report = CatalogueReport(self.name)
        try:
            remote = self._remote()
            current, head = remote.current_revision(), remote.head_revision()
        except Exception as e:  # connection errors of any driver, at the boundary
            raise _offline(self.name, e) from e
        if current != head:
            raise SyncError(
                "共享目录数据库版本与本软件不一致。",
                f"The shared catalogue is at schema {current}, this build needs {head}.",
                retryable=False,
                hint_zh="请管理员运行 hukou-scan db upgrade（HUKOU_DB_URL 指向共享数据库）。",
                hint_en="An administrator runs 'hukou-scan db upgrade' with HUKOU_DB_URL set to the catalogue.",
            )
        writer = RestoreWriter(remote)
        batches = self.local.station_batches(self.station.id)
        for i, batch in enumerate(batches, 1):
            if cancel is not None and cancel.is_set():
                break
            snap = self.local.snapshot(batch.id)
            desc = build_manifest(
                snap.station, snap.batch, snap.pages, snap.ocr, snap.links, snap.persons, {}, {}
            )
            sha = sha256_hex(canonical_json(desc))
            prev = self.local.manifest_state(self.name, batch.id)
            if prev is not None and prev.sha256 == sha and prev.state == SyncState.VERIFIED.value:
                report.unchanged += 1
                continue
            ocr = {
                pid: OcrResult.from_dict({**o, "text": next(p.ocr_text for p in snap.pages if p.id == pid)})
                for pid, o in snap.ocr.items()
            }
            links: list[PageLink] = [lk for lst in snap.links.values() for lk in lst]
            try:
                writer.write_batch(
                    snap.station, snap.batch, snap.pages, ocr, links, list(snap.persons.values())
                )
            except StorageError as e:
                raise _offline(self.name, e) from e
            self.local.save_manifest_state(
                self.name,
                batch.id,
                batch_id=batch.id,
                sha256=sha,
                stored_sha256=sha,
                size=len(snap.pages),
                state=SyncState.VERIFIED,
            )
            report.batches_pushed += 1
            report.pages_pushed += len(snap.pages)
            if progress:
                progress(i, len(batches), batch.id)
        report.elapsed_s = time.perf_counter() - t0
        log.info(
            "catalogue %s: %d batch(es) pushed, %d unchanged",
            self.name,
            report.batches_pushed,
            report.unchanged,
        )
        return report


def _offline(name: str, e: BaseException) -> SyncError:
    return SyncError(
        "共享目录数据库暂时无法访问，本站继续离线工作，稍后自动补传。",
        f"The shared catalogue {name} is unreachable; this station keeps working and catches up later ({e})",
        retryable=True,
    )
