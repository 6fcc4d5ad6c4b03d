"""Registry use cases: import an export of the population system; run the data-quality scan.

Role checks and audit live here so the CLI and the GUI cannot skip them: importing
needs an administrator, the warning scan and its exports a reviewer.  Every import
and scan leaves an audit event, also when it fails or is cancelled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from hukou_scan.domain import Role, new_id
from hukou_scan.domain.csvfile import check_output_file
from hukou_scan.registry import warnings as rules
from hukou_scan.registry.importer import (
    DEFAULT_CHUNK,
    ImportReport,
    Preview,
    RegistryImporter,
    preview,
    write_bad_rows_csv,
)
from hukou_scan.registry.variants import fold
from hukou_scan.services.guard import Guard
from hukou_scan.storage.locks import DbLock
from hukou_scan.storage.registry import ImportRun, RegistryStore, StoredWarning

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]

IMPORT_LOCK = "registry-import"


def import_lock(store: RegistryStore, wait_s: float = 0.0, owner_label: str = "") -> DbLock:
    """The one registry-import lock, held in the (shared) database.

    One lock for all files, not one per file: every import drops and rebuilds the
    secondary person indexes and counts added/updated persons, so two imports at once
    (of the same or of different files, on this station or another one sharing the
    PostgreSQL catalogue) would share an import record or crash rebuilding an index.
    """
    from hukou_scan.storage.locks import lock_owner

    return DbLock(
        store.db,
        IMPORT_LOCK,
        owner=lock_owner(owner_label),
        wait_s=wait_s,
        busy_message=(
            "另一个户籍导入正在进行（{owner}，始于 {since} UTC），本次未导入任何数据。",
            "Another registry import is running ({owner}, since {since} UTC); nothing was imported.",
        ),
    )


class RegistryService:
    """Registry import and data-quality warnings.

    Args:
        store: registry persistence.
        guard: role checks and audit.
        chunk_size: rows per import transaction.
    """

    def __init__(self, store: RegistryStore, guard: Guard, chunk_size: int = DEFAULT_CHUNK) -> None:
        self.store = store
        self.guard = guard
        self.chunk_size = chunk_size
        self.after_chunk: Callable[[int], None] | None = None  # test hook (fault injection)

    def _username(self) -> str:
        user = self.guard.user
        if user is not None:
            return user.username
        return str(getattr(self.guard, "actor", None) or getattr(self.guard, "username", "system"))

    # -- import ----------------------------------------------------------------------------
    def preview(
        self, path: Path, encoding: str | None = None, mapping: dict[str, Any] | None = None
    ) -> Preview:
        """Detected encoding, recognised columns and the first rows checked, before importing."""
        self.guard.require(Role.ADMIN)
        return preview(Path(path), encoding, mapping)

    def import_file(
        self,
        path: Path,
        *,
        mapping: dict[str, Any] | None = None,
        encoding: str | None = None,
        resume: bool = True,
        bad_rows_out: Path | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        wait_s: float = 0.0,
    ) -> ImportReport:
        """Import a CSV/XLSX registry export; an unfinished import of the same file resumes.

        Only one import runs at a time across all processes and stations sharing the
        database: a second one waits up to ``wait_s`` seconds for the registry-import
        lock, then refuses (:class:`~hukou_scan.storage.locks.LockBusy`) without touching
        anything.
        """
        self.guard.require(Role.ADMIN)
        importer = RegistryImporter(self.store, self.chunk_size, self.after_chunk)
        path = Path(path)
        if bad_rows_out is not None:
            # Checked before the first chunk commits: afterwards the import cannot be undone.
            check_output_file(Path(bad_rows_out))
        lock = import_lock(self.store, wait_s, self._username())
        try:
            lock.acquire()
        except BaseException as e:
            self.guard.audit("import_registry", path.name, outcome="refused", error=type(e).__name__)
            raise
        # Audited before the point of no return: chunks commit one by one, and a process killed
        # between a commit and the closing event must still leave a record of who started it.
        self.guard.audit("import_registry", path.name, outcome="started", resume=resume)
        try:
            report = importer.run(
                path,
                override=mapping,
                encoding=encoding,
                by=self._username(),
                resume=resume,
                progress=progress,
                cancel=cancel,
            )
        except BaseException as e:
            lock.release()
            self.guard.audit("import_registry", path.name, outcome="failed", error=type(e).__name__)
            raise
        lock.release()
        # The import is committed: its audit event comes first, whatever happens to the report file.
        self.guard.audit(
            "import_registry",
            path.name,
            outcome="cancelled" if report.cancelled else "ok",
            **{k: v for k, v in report.to_dict().items() if k not in ("file", "warnings_zh")},
        )
        if bad_rows_out is not None:
            self.export_bad_rows(report.run.id, Path(bad_rows_out))
        return report

    def export_bad_rows(self, import_id: str, out: Path) -> int:
        """Write an import's rejected rows as CSV (they hold personal data: audited)."""
        self.guard.require(Role.ADMIN)

        def audit(n: int) -> None:
            self.guard.audit("export", import_id, what="registry_bad_rows", file=Path(out).name, rows=n)

        return write_bad_rows_csv(self.store, import_id, Path(out), before_commit=audit)

    def imports(self, limit: int = 50) -> list[ImportRun]:
        self.guard.require(Role.ADMIN)
        return self.store.list_imports(limit)

    # -- warnings --------------------------------------------------------------------------
    def scan_warnings(
        self,
        today: date | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> dict[str, int]:
        """Run every rule over registry and links; replace the stored findings; return counts.

        A cancelled scan keeps the previous findings (the swap happens in one transaction
        that is rolled back).
        """
        self.guard.require(Role.REVIEWER)
        t0 = time.perf_counter()
        self.store.fill_name_keys(fold)
        scan_id = new_id()
        cancelled = threading.Event()

        def findings() -> Any:
            yield from rules.scan(self.store, today, progress, cancel)
            if cancel is not None and cancel.is_set():
                cancelled.set()
                raise _Cancelled

        try:
            self.store.replace_warnings(scan_id, findings())
        except _Cancelled:
            self.guard.audit("warnings_scan", scan_id, outcome="cancelled")
            return self.store.warning_counts()
        counts = self.store.warning_counts()
        log.info(
            "warning scan %s: %d findings in %.1f s", scan_id, sum(counts.values()), time.perf_counter() - t0
        )
        self.guard.audit("warnings_scan", scan_id, counts=counts)
        return counts

    def warning_counts(self) -> dict[str, int]:
        """Findings per rule of the last scan (every rule listed, zero when clean)."""
        self.guard.require(Role.REVIEWER)
        counts = self.store.warning_counts()
        return {rule: counts.get(rule, 0) for rule in rules.RULES}

    def warnings(
        self, rule: str | None = None, limit: int | None = 1000, offset: int = 0
    ) -> list[StoredWarning]:
        self.guard.require(Role.REVIEWER)
        return self.store.warnings(rule, limit, offset)

    def station_shares(self) -> list[rules.StationShare]:
        """Per station: persons, persons with warnings, share and colour."""
        self.guard.require(Role.REVIEWER)
        return rules.station_shares(self.store.station_totals(), self.store.warned_persons_by_station())

    def export_warnings_csv(self, out: Path, rule: str | None = None) -> int:
        """Write the last scan's findings (optionally one rule) as CSV; IDs masked unless allowed."""
        self.guard.require(Role.REVIEWER)

        def audit(n: int) -> None:
            self.guard.audit("export_warnings", str(out), rule=rule or "all", rows=n)

        return rules.write_csv(
            _paged(self.store, rule),
            Path(out),
            mask_ids=not self.guard.can_view_full_id(),
            before_commit=audit,
        )


class _Cancelled(Exception):
    pass


def _paged(store: RegistryStore, rule: str | None, page: int = 5000) -> Any:
    offset = 0
    while True:
        rows = store.warnings(rule, page, offset)
        if not rows:
            return
        yield from rows
        offset += len(rows)
