"""Composition root: settings → logging → database → repositories → services.

The only place where long-lived objects are created; everything else receives what it
needs through its constructor.  Services are built lazily so a CLI command only pays
for what it uses (loading the OCR model takes seconds).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from hukou_scan.config import (
    PRIVATE_FILE_MODE,
    Settings,
    load_settings,
    migrate_plaintext_secrets,
    private_dir,
    resolved_section,
    tighten,
)
from hukou_scan.errors import set_language
from hukou_scan.services.guard import Guard
from hukou_scan.storage.blobstore import BlobStore, SweepReport
from hukou_scan.storage.db import Database
from hukou_scan.storage.locks import BlobSizes
from hukou_scan.storage.repositories import (
    BatchRepository,
    JobRepository,
    LinkRepository,
    PageRepository,
    PersonRepository,
    StationRepository,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence  # export (issue 8)

    from hukou_scan.domain import Station
    from hukou_scan.security.audit import AuditChain
    from hukou_scan.services.capture import CaptureService  # issue 3
    from hukou_scan.services.cover_label import CoverLabelService  # issue 20
    from hukou_scan.services.dashboard import DashboardService
    from hukou_scan.services.export import ExportService
    from hukou_scan.services.handover import HandoverService
    from hukou_scan.services.linking import LinkingService  # issue 6
    from hukou_scan.services.ocr import OcrService  # issue 5
    from hukou_scan.services.pipeline import PipelineService
    from hukou_scan.services.processing import ProcessingService  # issue 4
    from hukou_scan.services.qa import QaService
    from hukou_scan.services.queue import QueueOptions, QueueWorker, ReocrService
    from hukou_scan.services.registry import RegistryService  # issue 6
    from hukou_scan.services.search import SearchService
    from hukou_scan.services.security import SecurityService, SessionGuard
    from hukou_scan.services.sync import SyncService
    from hukou_scan.storage.queue import QueueStore
    from hukou_scan.storage.registry import RegistryStore  # issue 6
    from hukou_scan.storage.search import SearchIndexStore

log = logging.getLogger(__name__)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created 0600 whatever the umask (a log may still
    reveal who worked on which batch when), also each new file after a rollover."""

    def _open(self):  # type: ignore[no-untyped-def]  # the stdlib's own signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        os.close(fd)
        tighten(Path(self.baseFilename))
        return super()._open()


def setup_logging(log_dir: Path, level: int = logging.INFO, console: bool = False) -> Path:
    """Rotating file log (page/batch ids only, never names or ID numbers)."""
    private_dir(log_dir)
    path = log_dir / "hukou-scan.log"
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        fh = PrivateRotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
        root.addHandler(fh)
    if console and not any(type(h) is logging.StreamHandler for h in root.handlers):
        sh = logging.StreamHandler()
        sh.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        sh.setLevel(logging.WARNING)
        root.addHandler(sh)
    root.setLevel(level)
    return path


class AppContext:
    """Everything a front end (GUI or CLI) needs, wired once.

    Args:
        settings: loaded settings; ``None`` loads them from disk and the environment.
        upgrade: run pending migrations at start (after a backup copy).
    """

    def __init__(
        self, settings: Settings | None = None, *, upgrade: bool = True, log_to_file: bool = True
    ) -> None:
        self.settings = settings or load_settings()
        set_language(self.settings.language)
        private_dir(self.settings.data_dir)
        self.log_path = setup_logging(self.settings.log_dir) if log_to_file else None
        # A settings file that still holds a plaintext secret (older build, hand edit)
        # has it moved into the keyring now; the file is brought back to 0600.
        if migrate_plaintext_secrets(self.settings.config_dir, self.settings.data_dir):
            log.warning("plaintext secrets moved from settings.toml into the keyring")
        self.db = Database(self.settings.db_url)
        if upgrade:
            self.db.upgrade()
            self._repair_person_indexes()
        if self.queue_options.backend == "procrastinate":
            from hukou_scan.storage.queue import install_defer_hook

            install_defer_hook(self.db)  # OCR/index/re-OCR jobs go to the shared queue
        self.blob_sizes = BlobSizes(self.db)
        self.blobs = BlobStore(self.settings.blob_dir, size_recorder=self.blob_sizes.record)
        self.stations = StationRepository(self.db)
        self.batches = BatchRepository(self.db)
        self.pages = PageRepository(self.db)
        self.persons = PersonRepository(self.db)
        self.links = LinkRepository(self.db)
        self.jobs = JobRepository(self.db)

    def _repair_person_indexes(self) -> None:
        """Rebuild person indexes a killed bulk import left dropped — unless an import
        is running right now (it rebuilds them itself; building them under it would
        collide with its own rebuild)."""
        from hukou_scan.services.registry import import_lock

        lock = import_lock(self.registry_store)
        lock.heartbeat_s = 0  # held only for the rebuild, no heartbeat thread
        if not lock.try_acquire():
            log.info("registry import running elsewhere: person indexes left to it")
            return
        try:
            self.registry_store.ensure_person_indexes()
        finally:
            lock.release()

    @cached_property
    def station(self) -> Station:
        """This workstation's station (created on first start)."""
        return self.stations.ensure(self.settings.station_code, self.settings.station_name)

    def close(self) -> None:
        built = self.__dict__
        for name in ("processing", "ocr"):  # worker processes, if they were ever started
            if name in built:
                built[name].close()
        self.db.dispose()

    @property
    def quarantine_dir(self) -> Path:
        """Where unreferenced page-store files are moved aside (kept, never deleted)."""
        return self.settings.data_dir / "quarantine"

    def startup_check(
        self, *, clean: bool = False, verify: bool = False, repair: bool = False
    ) -> SweepReport:
        """Page-store sanity sweep: stray temp files, orphans, missing or corrupt images.

        Temp files of interrupted writes are always removed; orphans (an image written
        but its row never committed, or an image replaced by re-processing) are deleted
        with ``clean`` or moved to :attr:`quarantine_dir` with ``repair`` (what the GUI
        does at every start, so nobody is asked about them); every referenced file's size is
        compared with the size recorded when it was written; ``verify`` re-hashes every file.
        """
        report = self.blobs.sweep(
            self.pages.referenced_hashes(),
            remove_orphans=clean,
            verify=verify,
            quarantine=self.quarantine_dir if repair and not clean else None,
            sizes=self.blob_sizes.sizes(),
            record_sizes=self.blob_sizes.record_many,
        )
        if report.quarantined or report.temp_files_removed:
            with self.session_guard.acting_as_system("page-store-check"):
                self.guard.audit(
                    "page_store_repair",
                    str(self.quarantine_dir),
                    "ok",
                    moved_aside=len(report.quarantined),
                    temp_files_removed=report.temp_files_removed,
                )
        return report

    def pages_with_files(self, shas: Sequence[str]) -> list[tuple[str, int]]:
        """(档号, page number) of the pages whose original or processed image is one of ``shas``."""
        return self.pages.archive_pages_by_blob(list(shas))

    # Services are added below, one section per area, each a cached_property that
    # imports its module lazily.  Keep each area's properties inside its own section.

    @cached_property
    def guard(self) -> Guard:
        """Role checks and audit for every service: the security area's session guard.

        It acts as ``system:<os login>`` (allowed, audited) until the GUI calls
        ``security.begin_interactive()``; from then on it answers for the logged-in user.
        """
        return self.session_guard

    @cached_property
    def pipeline(self) -> PipelineService:
        """Background processing and recognition after each capture (see services/pipeline.py)."""
        from hukou_scan.services.pipeline import PipelineService

        pipeline = PipelineService(
            self.processing, self.ocr, system_scope=self.session_guard.acting_as_system
        )
        self.capture.add_listener(pipeline.notify)
        return pipeline

    # --- capture (issue 3) -------------------------------------------------------------

    @cached_property
    def capture(self) -> CaptureService:
        """Batches, captures, file and hot-folder import, page rework (issue 3)."""
        from hukou_scan.services.capture import CaptureService
        from hukou_scan.storage.capture import CaptureRepository

        service = CaptureService(
            settings=self.settings,
            station=self.station,
            batches=self.batches,
            pages=self.pages,
            jobs=self.jobs,
            blobs=self.blobs,
            repo=CaptureRepository(self.db),
            guard=self.guard,
            save_section=self.save_settings_section,
        )
        service.add_listener(self._request_upload)
        return service

    def _request_upload(self, _page: object) -> None:
        """After every durable capture — GUI, hot folder, ``hukou-scan capture`` — ask for an
        upload run (a ``sync`` job; a no-op without a ``[sync]`` target).  Whichever process
        runs uploads for this station answers it: the GUI's background sync, ``hukou-scan sync
        --watch`` or ``hukou-scan worker --sync``."""
        self.sync.request()

    # Settings that only a restart can apply (read once while the window and station are built).
    RESTART_FIELDS = ("language", "station_code", "station_name", "camera")

    def apply_settings(self, new: Settings) -> list[str]:
        """Make saved settings effective in the running services; the names that need a restart.

        Why: an administrator who sets a backup target or OCR engine in the Settings dialog
        expects it to work at once (issue 15 item 6).  Services not built yet read
        ``self.settings`` when they are; built ones are reconfigured here.
        """
        old, self.settings = self.settings, new
        built = self.__dict__
        if "sync" in built:
            from hukou_scan.services.sync import SyncConfig

            config = SyncConfig.from_section(new.section("sync"), new.storage_url)
            if config != self.sync.config:
                self.sync.reconfigure(config)
        if "ocr" in built and new.ocr_engine != self.ocr.options.engine:
            import dataclasses

            self.ocr.options = dataclasses.replace(self.ocr.options, engine=new.ocr_engine)
        if "processing" in built:
            from hukou_scan.imaging.pipeline import ProcessOptions

            options, master_format, jpeg_quality = self._processing_params(new)
            self.processing.options = ProcessOptions.from_dict(options)
            self.processing.master_format = master_format
            self.processing.jpeg_quality = jpeg_quality
        if "export" in built:
            self.export.settings = new
        return [name for name in self.RESTART_FIELDS if getattr(old, name) != getattr(new, name)]

    def save_settings_section(self, name: str, values: dict[str, object]) -> None:
        """Persist one free-form settings section, merged into the file's current content."""
        from hukou_scan.config import save_settings

        current = load_settings(self.settings.config_dir, self.settings.data_dir)
        extra = dict(current.extra)
        extra[name] = dict(values)
        save_settings(current.with_changes(extra=extra))
        self.settings = self.settings.with_changes(extra={**self.settings.extra, name: dict(values)})

    # --- imaging (issue 4) -------------------------------------------------------------

    @cached_property
    def processing(self) -> ProcessingService:
        """Page detection, perspective, deskew, spreads, enhancement and quality (issue 4).

        Settings: the ``[imaging]`` section (``target_dpi``, ``paper``, ``px_per_mm``,
        ``spread``, ``derivative``, ``master_format`` jpeg|tiff, ``jpeg_quality`` …) and the
        queue's ``workers`` (processes, default 1; 0 runs in the calling thread),
        ``timeout_s`` (per page, default 300) and ``max_attempts`` (default 2).
        """
        from hukou_scan.imaging.pipeline import ProcessOptions
        from hukou_scan.services.processing import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_S, ProcessingService

        options, master_format, jpeg_quality = self._processing_params(self.settings)
        sec = self.settings.section("imaging")
        return ProcessingService(
            self.pages,
            self.jobs,
            self.blobs,
            ProcessOptions.from_dict(options),
            master_format=master_format,
            jpeg_quality=jpeg_quality,
            guard=self.guard,
            batches=self.batches,
            workers=int(sec.get("workers", 1)),
            timeout_s=float(sec.get("timeout_s", DEFAULT_TIMEOUT_S)),
            max_attempts=int(sec.get("max_attempts", DEFAULT_MAX_ATTEMPTS)),
        )

    @staticmethod
    def _processing_params(settings: Settings) -> tuple[dict[str, object], str, int]:
        """Imaging options, master format and JPEG quality: ``[imaging]`` keys win, else the
        values of the Settings dialog (``general.master_format`` / ``jpeg_quality`` / ``target_dpi``)."""
        sec = dict(settings.section("imaging"))
        for key in ("workers", "timeout_s", "max_attempts"):  # the queue's, not the pipeline's
            sec.pop(key, None)
        master_format = str(sec.pop("master_format", settings.master_format))
        jpeg_quality = int(sec.pop("jpeg_quality", settings.jpeg_quality))
        sec.setdefault("target_dpi", float(settings.target_dpi))
        return sec, master_format, jpeg_quality

    # --- cover labels (issue 20) ----------------------------------------------------------
    @cached_property
    def cover_label(self) -> CoverLabelService:
        """Reads the 档号 off a cover label for 新建批次; the printed-number fallback uses the
        station's OCR engine (``general.ocr_engine``), loaded on first use only."""
        from hukou_scan.ocr.engine import create_engine
        from hukou_scan.services.cover_label import CoverLabelService

        engine = self.settings.ocr_engine
        return CoverLabelService(lambda: create_engine(engine))

    # --- ocr (issue 5) -----------------------------------------------------------------
    @cached_property
    def ocr(self) -> OcrService:
        """Background recognition (worker processes fed from the DB queue; ``ocr.start()``).

        Settings: ``general.ocr_engine`` / ``ocr_workers`` / ``ocr_timeout_s`` and the
        ``[ocr]`` section (``mode``, ``max_attempts``, ``engine_options``).  After each page
        the hooks run: link proposals (issue 6) and search indexing (issue 7), resolved
        when called so either area may be absent.
        """
        from hukou_scan.services.ocr import OcrOptions, OcrService
        from hukou_scan.storage.ocr import OcrJobQueries

        sec = self.settings.section("ocr")
        options = OcrOptions(
            engine=self.settings.ocr_engine,
            mode=str(sec.get("mode", OcrOptions.mode)),
            workers=self.settings.ocr_workers,
            timeout_s=self.settings.ocr_timeout_s,
            max_attempts=int(sec.get("max_attempts", OcrOptions.max_attempts)),
            engine_options=dict(sec.get("engine_options", {})),
            dispatch=self.queue_options.backend == "local",
        )
        return OcrService(
            self.pages,
            self.jobs,
            self.blobs,
            OcrJobQueries(self.db),
            options,
            self._page_hooks(),
            guard=self.guard,
            system_scope=self.session_guard.acting_as_system,
            batches=self.batches,
        )

    def _page_hooks(self) -> list[Callable[[str], None]]:
        """After a page's text changed: link proposals (issue 6) and search indexing (issue 7),
        resolved when called so either area may be absent."""

        def hook(area: str, method: str) -> Callable[[str], None]:
            return lambda page_id: getattr(getattr(self, area), method)(page_id)

        return [
            hook(area, method)
            for area, method in (("linking", "propose"), ("search", "index_page"))
            if hasattr(type(self), area)
        ]

    # --- shared job queue and re-OCR campaigns (issue 19) ---------------------------------
    @cached_property
    def queue_options(self) -> QueueOptions:
        """``[queue]`` settings: ``backend`` (``local`` | ``procrastinate``), heartbeat/stalled seconds."""
        from hukou_scan.services.queue import QueueOptions

        return QueueOptions.from_section(self.settings.section("queue"), sqlite=self.db.is_sqlite)

    @cached_property
    def queue_store(self) -> QueueStore:
        from hukou_scan.storage.queue import QueueStore

        # shared queue: the index update is its own job, deferred with the text it indexes;
        # local runner: the hooks run right after the text is stored, as before
        return QueueStore(self.db, defer_index=self.queue_options.backend == "procrastinate")

    def queue_worker(self, name: str = "", *, sync: bool = False) -> QueueWorker:
        """A worker of the configured backend that reads page images from the local page store,
        else from the ``[sync]`` target (S3): an OCR machine needs no copy of the stations' disks.

        ``sync``: it also answers this station's upload requests (its own queue on
        PostgreSQL), running :meth:`SyncService.sync_now` as ``system:queue`` (audited as
        ``sync``).  Only for the machine holding this station's page store: the files to
        upload are read from it (``hukou-scan worker --sync`` checks that at start).
        """
        from hukou_scan.services.queue import JobHandlers, LocalWorker, PageImages, ProcrastinateWorker
        from hukou_scan.services.sync import SyncConfig
        from hukou_scan.storage.queue import QUEUE_NAME, SyncBackoff, sync_queue
        from hukou_scan.sync.store import open_store

        config = SyncConfig.from_section(resolved_section(self.settings, "sync"), self.settings.storage_url)
        remote = open_store(config.target, config.options) if config.target else None
        images = PageImages(self.blobs, remote, config.cipher() if remote is not None else None)
        ocr = self.ocr.options
        handlers = JobHandlers(
            self.pages,
            self.queue_store,
            images,
            ocr,
            self._page_hooks(),
            system_scope=self.session_guard.acting_as_system,
            worker_name=name,
            after_text=lambda page_id: self.ocr.mark_duplicate(page_id),
            sync_runner=self._upload_job if sync else None,
            sync_station=self.station.id if sync else "",
            sync_backoff=SyncBackoff.from_section(dict(self.settings.section("queue"))),
        )
        if self.queue_options.backend == "procrastinate":
            queues = [QUEUE_NAME, sync_queue(self.station.id)] if sync else [QUEUE_NAME]
            return ProcrastinateWorker(
                self.settings.db_url, handlers, self.queue_options, ocr.max_attempts, queues=queues
            )
        return LocalWorker(self.jobs, handlers, self.queue_options, ocr.max_attempts)

    # A queued upload waits this long for a run of the same station already under way (the
    # GUI's loop, "Sync now") before it is retried later with the queue's backoff.
    UPLOAD_JOB_LOCK_WAIT_S = 30.0

    def _upload_job(self, station_id: str) -> None:
        """A ``sync`` job: one upload run of this station (in the job's ``system:queue`` scope)."""
        if station_id != self.station.id:
            from hukou_scan.errors import NotFoundError

            raise NotFoundError(
                "此工作进程只上传本派出所的页面。",
                f"This worker uploads station {self.station.code}'s pages only, not {station_id}'s.",
            )
        self.sync.sync_now(wait_s=self.UPLOAD_JOB_LOCK_WAIT_S)

    @cached_property
    def reocr(self) -> ReocrService:
        from hukou_scan.services.queue import ReocrService

        return ReocrService(
            self.queue_store,
            self.guard,
            self._page_hooks(),
            inline_index=self.queue_options.backend == "local",
        )

    # --- registry and linking (issue 6) ------------------------------------------------
    @cached_property
    def registry_store(self) -> RegistryStore:
        """SQL of the registry area (imports, candidate lookups, proposals, warnings)."""
        from hukou_scan.storage.registry import RegistryStore

        return RegistryStore(self.db)

    @cached_property
    def registry(self) -> RegistryService:
        """Registry import and data-quality warnings."""
        from hukou_scan.registry.importer import DEFAULT_CHUNK
        from hukou_scan.services.registry import RegistryService

        chunk = int(self.settings.section("registry").get("import_chunk", DEFAULT_CHUNK))
        return RegistryService(self.registry_store, self.guard, chunk_size=chunk)

    @cached_property
    def linking(self) -> LinkingService:
        """Link proposals after OCR (hook: ``ctx.linking.propose``), confirmation, manual links."""
        from hukou_scan.services.linking import LinkingService, LinkingSettings
        from hukou_scan.storage.qa import StatsQueries

        return LinkingService(
            self.pages,
            self.persons,
            self.links,
            self.registry_store,
            self.guard,
            LinkingSettings.from_section(self.settings.section("registry")),
            batches=self.batches,
            user_names=StatsQueries(self.db).operator_names,
        )

    # --- search (issue 7) --------------------------------------------------------------

    @cached_property
    def search_store(self) -> SearchIndexStore:
        """SQL of the full-text index (SQLite FTS5 or PostgreSQL tsvector, by the DB URL)."""
        from hukou_scan.storage.search import SearchIndexStore

        return SearchIndexStore(self.db)

    @cached_property
    def search(self) -> SearchService:
        """Search, indexing and the page viewer's data (issue 7)."""
        from hukou_scan.services.search import SearchService

        return SearchService(self.search_store, self.guard, self.pages, self.batches, self.links, self.blobs)

    # --- export (issue 8) --------------------------------------------------------------

    @cached_property
    def export(self) -> ExportService:
        """Searchable, bookmarked PDF export (role check and audit through ``guard``)."""
        from hukou_scan.services.export import ExportService

        return ExportService(
            settings=self.settings,
            blobs=self.blobs,
            pages=self.pages,
            batches=self.batches,
            persons=self.persons,
            links=self.links,
            guard=self.guard,
            search=self._export_search_fn(),
        )

    def _export_search_fn(self) -> Callable[[str], Sequence[str]] | None:
        """Page ids for a query, in rank order, from the search service (``[export] query_limit``)."""
        limit = int(self.settings.section("export").get("query_limit", 1000))
        return lambda query: [hit.page_id for hit in self.search.search(query, limit=limit).hits]

    @cached_property
    def handover(self) -> HandoverService:
        """DA/T 31 hand-over packages (administrators and reviewers; ``[handover]`` profile)."""
        from hukou_scan.services.handover import HandoverService

        return HandoverService(
            settings=self.settings,
            blobs=self.blobs,
            pages=self.pages,
            batches=self.batches,
            persons=self.persons,
            links=self.links,
            stations=self.stations,
            station=self.station,
            guard=self.guard,
        )

    # --- sync (issue 9) ----------------------------------------------------------------

    @cached_property
    def sync(self) -> SyncService:
        """Cloud sync, verify and restore for this station (target from ``[sync]`` / HUKOU_STORAGE_URL)."""
        from hukou_scan.services.sync import SyncConfig, SyncService
        from hukou_scan.storage.sync import SyncRepository

        config = SyncConfig.from_section(resolved_section(self.settings, "sync"), self.settings.storage_url)
        return SyncService(
            config,
            SyncRepository(self.db),
            self.blobs,
            self.station,
            self.guard,
            system_scope=self.session_guard.acting_as_system,
            audit_anchor=lambda: self.security.audit_anchor().to_dict(),
            check_anchor=self._check_audit_anchor,
            requests=self.queue_store,
        )

    def _check_audit_anchor(self, anchor: dict[str, object]) -> dict[str, object]:
        """Verify the local audit chain against an anchor read back from the sync target."""
        from hukou_scan.security.audit import Anchor

        return self.security.verify_audit(anchor=Anchor.from_dict(dict(anchor))).to_dict()

    # --- security and audit (issue 10) -------------------------------------------------
    @cached_property
    def audit_chain(self) -> AuditChain:
        from hukou_scan.security.audit import AuditChain
        from hukou_scan.storage.security import SqlAuditStore

        return AuditChain(SqlAuditStore(self.db))

    @cached_property
    def session_guard(self) -> SessionGuard:
        from hukou_scan.services.security import DEFAULT_FULL_ID_ROLES, SessionGuard, os_actor

        cfg = self.settings.section("security")
        return SessionGuard(
            self.audit_chain,
            self.station,
            system_actor=os_actor(),
            full_id_roles=cfg.get("full_id_roles", DEFAULT_FULL_ID_ROLES),
        )

    @cached_property
    def security(self) -> SecurityService:
        from hukou_scan.services.security import SecurityService
        from hukou_scan.storage.security import CliSessionStore, SqlAuditStore, UserStore

        return SecurityService(
            UserStore(self.db),
            SqlAuditStore(self.db),
            self.session_guard,
            persons=self.persons,
            config=self.settings.section("security"),
            pages=self.pages,
            batches=self.batches,
            sessions=CliSessionStore(self.db),
            stations=self.stations,
        )

    @cached_property
    def qa(self) -> QaService:
        from hukou_scan.services.qa import QaService
        from hukou_scan.storage.qa import QaStore

        return QaService(
            self.db,
            self.pages,
            self.batches,
            QaStore(self.db),
            self.guard,
            self.settings.section("qa"),
            links=self.links,
            persons=self.persons,
        )

    @cached_property
    def dashboard(self) -> DashboardService:
        from hukou_scan.services.dashboard import (
            DashboardService,
            page_warning_counts,
            registry_warning_counts,
        )
        from hukou_scan.storage.qa import StatsQueries

        stats = StatsQueries(self.db)
        return DashboardService(
            stats,
            self.guard,
            [
                ("registry", lambda: registry_warning_counts(self.registry_store)),
                ("pages", lambda: page_warning_counts(stats)),
            ],
        )
