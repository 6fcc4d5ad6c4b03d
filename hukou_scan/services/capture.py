"""CaptureService: the clerk's batch workflow at a capture station.

Use cases: open a batch (档号, category, station, where the paper original lives,
expected page count; last values prefilled), capture camera frames and import files
so that each page is *durable before it is reported done*, rework the page sequence
(reorder, delete with undo, rotate 90°, re-capture/replace, insert between), and
close the batch after the clerk confirms the paper went back to its place.

Durability contract (shared with the imaging/OCR areas): the original's bytes are
written to the content-addressed blob store (temp file → fsync → rename), then the
page row and its ``process`` job are committed in one transaction; only then is the
capture reported and the background pipeline notified through the listeners.

Every use case checks the role through the :class:`Guard` and writes an audit event.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hukou_scan.capture.autocapture import AutoCaptureConfig
from hukou_scan.capture.encode import encode_jpeg, resize_to_width, rotate_quarter, thumbnail_jpeg
from hukou_scan.capture.opencv_camera import (
    CameraControls,
    controls_from_section,
    controls_to_section,
    device_key,
    list_devices,
)
from hukou_scan.capture.source import CameraInfo
from hukou_scan.config import Settings
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    BatchStatus,
    Page,
    PageGeometry,
    PageState,
    PaperLocation,
    Quad,
    Role,
    Station,
)
from hukou_scan.domain.models import DELETED_FROM, new_id
from hukou_scan.domain.validation import (
    MAX_ARCHIVE_ID,
    MAX_FILE_NAME,
    MAX_LOCATION_PART,
    MAX_NOTES,
    clean_text,
    replace_controls,
)
from hukou_scan.errors import HukouScanError, NotFoundError
from hukou_scan.ingest.fileimport import ImportFileError, load_pages, read_file
from hukou_scan.ingest.hotfolder import HotFolder, HotFolderMessage, Outcome
from hukou_scan.services.cache import DEFAULT_THUMBNAIL_BUDGET, ByteLRU
from hukou_scan.services.guard import Guard
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.capture import CaptureRepository
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.repositories import BatchRepository, JobRepository, PageRepository

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
PageListener = Callable[[Page], None]
SectionSaver = Callable[[str, dict[str, Any]], None]

CAPTURE_SECTION = "capture"
DEFAULT_PEDAL_KEYS = ("F9", "PgDown")  # what common USB foot pedals send out of the box
CONFIRM_KEYS = ("return", "enter")  # the capture screen's confirm key; never a capture key
CAMERA_SECTION = "camera"
# the stored empty-desk picture: page detection works on a ~560-pixel copy, so 640 pixels
# wide at JPEG q90 (30–60 KB, shared by every page until the desk is seen empty again)
DESK_REFERENCE_WIDTH = 640
DESK_REFERENCE_QUALITY = 90


class BatchClosedError(HukouScanError):
    """Pages can only be added to an open batch."""


@dataclass(frozen=True)
class BatchDraft:
    """What the clerk fills in for a new batch (prefilled from the last one)."""

    archive_id: str
    category: BatchCategory
    location: PaperLocation = field(default_factory=PaperLocation)
    expected_pages: int | None = None
    notes: str = ""
    station_id: str = ""


def clean_draft(draft: BatchDraft) -> BatchDraft:
    """``draft`` with every text field checked by the shared rule (length, control characters).

    The limits are the ``batches`` column widths: a 100 000-character 档号 or a NUL byte in
    a location never reaches the database (PostgreSQL would refuse it with a bare error,
    SQLite would store it).
    """
    loc = draft.location

    def part(value: str, zh: str, en: str) -> str:
        return clean_text(value, field_zh=zh, field_en=en, max_len=MAX_LOCATION_PART)

    return replace(
        draft,
        archive_id=clean_text(
            draft.archive_id,
            field_zh="档号",
            field_en="archive id (档号)",
            max_len=MAX_ARCHIVE_ID,
            required=True,
        ),
        location=replace(
            loc,
            room=part(loc.room, "库房", "room"),
            cabinet=part(loc.cabinet, "柜", "cabinet"),
            shelf=part(loc.shelf, "架", "shelf"),
            box=part(loc.box, "盒", "box"),
            volume=part(loc.volume, "卷", "volume"),
        ),
        notes=clean_text(draft.notes, field_zh="备注", field_en="notes", max_len=MAX_NOTES, multiline=True),
    )


@dataclass(frozen=True)
class CaptureReceipt:
    """A page that is durable, and how long that took (frame in → committed)."""

    page: Page
    durable_ms: float
    number: int = 0  # the page number the clerk reads (position in the batch), not ``page.seq``


@dataclass(frozen=True)
class ImportReport:
    file: str
    pages: tuple[Page, ...]
    duplicate: bool = False


@dataclass(frozen=True)
class PageChanges:
    """What changed in a batch's page list since the caller's last look.

    ``order`` is every visible page as (id, version), in batch order; ``changed`` holds the
    full pages whose version the caller did not know (new, processed, recognised, turned…).
    """

    order: list[tuple[str, str]]
    changed: dict[str, Page]


@dataclass(frozen=True)
class BatchProgress:
    captured: int
    expected: int | None

    @property
    def complete(self) -> bool:
        return self.expected is not None and self.captured >= self.expected


class CaptureService:
    """The capture station's use cases (see module doc).

    Args:
        settings: for the ``capture`` section (last batch values, auto-capture, hot folder).
        station: this workstation's station.
        save_section: persists one settings section (injected by the composition root).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        station: Station,
        batches: BatchRepository,
        pages: PageRepository,
        jobs: JobRepository,
        blobs: BlobStore,
        repo: CaptureRepository,
        guard: Guard,
        save_section: SectionSaver | None = None,
    ) -> None:
        self.settings = settings
        self.station = station
        self.batches = batches
        self.pages = pages
        self.jobs = jobs
        self.blobs = blobs
        self.repo = repo
        self.guard = guard
        self._save_section = save_section
        self._section = settings.section(CAPTURE_SECTION)
        self._listeners: list[PageListener] = []
        self._lock = threading.RLock()  # sequence numbers of one station are assigned one at a time
        self._thumbs: ByteLRU[tuple[str, int, int], bytes] = ByteLRU(DEFAULT_THUMBNAIL_BUDGET)
        self._batch_station: dict[str, str] = {}  # batch → station (never changes), for scoping
        self.current_batch_id: str | None = None
        self.hot_folder: HotFolder | None = None

    # --- configuration ------------------------------------------------------------------------
    def add_listener(self, fn: PageListener) -> None:
        """Called with each page after it is durable (the pipeline starts processing it)."""
        self._listeners.append(fn)

    def autocapture_config(self) -> AutoCaptureConfig:
        self.guard.require(Role.CLERK)
        return AutoCaptureConfig.from_section(self._section)

    def capture_keys(self) -> tuple[str, ...]:
        """Keys that capture: Space plus the foot pedal's keys (``capture.pedal_keys``).

        Enter is the confirm key of the capture screen (link the proposed person), so a
        pedal configured to send Enter/Return is refused here: one key, one meaning.
        """
        self.guard.require(Role.CLERK)
        raw = self._section.get("pedal_keys", list(DEFAULT_PEDAL_KEYS))
        names = [k.strip() for k in (raw.split(",") if isinstance(raw, str) else raw) if str(k).strip()]
        keys: list[str] = ["Space"]
        for name in names:
            if name.lower() in CONFIRM_KEYS:
                log.warning("pedal key %r ignored: Enter/Return confirms a link on the capture screen", name)
            elif name not in keys:
                keys.append(str(name))
        return tuple(keys)

    def set_option(self, key: str, value: Any) -> None:
        """Remember one value in the ``capture`` settings section."""
        self.guard.require(Role.CLERK)
        old = self._section.get(key)
        self._section[key] = value
        self._persist()
        if old != value:
            self.guard.audit("settings_change", CAPTURE_SECTION, changes={key: {"old": old, "new": value}})

    def _persist(self) -> None:
        if self._save_section is not None:
            try:
                self._save_section(CAPTURE_SECTION, dict(self._section))
            except (OSError, HukouScanError):  # settings are a convenience, capture goes on
                log.exception("could not save capture settings")

    def camera_controls(self, device_id: str) -> CameraControls:
        """Exposure/focus/white balance remembered for ``device_id`` (settings section ``camera``)."""
        self.guard.require(Role.CLERK)
        return controls_from_section(self.settings.section(CAMERA_SECTION), device_id)

    def save_camera_controls(self, device_id: str, controls: CameraControls) -> None:
        """Remember the controls of one device (applied the next time it opens)."""
        self.guard.require(Role.CLERK)
        section = self.settings.section(CAMERA_SECTION)
        prefix = device_key(device_id) + "__"
        section = {k: v for k, v in section.items() if not k.startswith(prefix)}
        section.update(controls_to_section(controls, device_id))
        self.settings = self.settings.with_changes(extra={**self.settings.extra, CAMERA_SECTION: section})
        if self._save_section is not None:
            try:
                self._save_section(CAMERA_SECTION, section)
            except (OSError, HukouScanError):
                log.exception("could not save camera settings")
        self.guard.audit("settings_change", CAMERA_SECTION, device=device_key(device_id))

    def list_cameras(
        self, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> list[CameraInfo]:
        """Attached cameras (probing takes up to a second per device: call off the UI thread)."""
        self.guard.require(Role.CLERK)
        return list_devices(progress=progress, cancel=cancel)

    # --- batches --------------------------------------------------------------------------------
    def last_values(self) -> BatchDraft:
        """The previous batch's values, to prefill the new-batch dialog."""
        self.guard.require(Role.CLERK)
        s = self._section

        def _int(key: str) -> int | None:
            v = s.get(key)
            return int(v) if v not in (None, "") else None

        cat = str(s.get("last_category", BatchCategory.BIRTH.value))
        try:
            category = BatchCategory(cat)
        except ValueError:
            category = BatchCategory.BIRTH
        return BatchDraft(
            archive_id=str(s.get("last_archive_id", "")),
            category=category,
            location=PaperLocation(
                room=str(s.get("last_room", "")),
                cabinet=str(s.get("last_cabinet", "")),
                shelf=str(s.get("last_shelf", "")),
                box=str(s.get("last_box", "")),
                volume=str(s.get("last_volume", "")),
                page_from=_int("last_page_from"),
                page_to=_int("last_page_to"),
            ),
            expected_pages=_int("last_expected_pages"),
            notes=str(s.get("last_notes", "")),
            station_id=self.station.id,
        )

    def new_batch(self, draft: BatchDraft) -> Batch:
        """Open a batch; remembers the values for the next one."""
        station_id = draft.station_id or self.station.id
        user = self.guard.require(Role.CLERK, station_id=station_id)
        draft = clean_draft(draft)
        archive_id = draft.archive_id
        if draft.expected_pages is not None and draft.expected_pages < 0:
            raise HukouScanError("预计页数不能为负数。", "The expected page count cannot be negative.")
        batch = self.batches.add(
            Batch(
                id=new_id(),
                archive_id=archive_id,
                category=draft.category,
                station_id=station_id,
                location=draft.location,
                expected_pages=draft.expected_pages,
                notes=draft.notes,
                created_by=user.username if user else self.guard_username(),
            )
        )
        loc = draft.location
        self._section.update(
            {
                "last_archive_id": archive_id,
                "last_category": draft.category.value,
                "last_room": loc.room,
                "last_cabinet": loc.cabinet,
                "last_shelf": loc.shelf,
                "last_box": loc.box,
                "last_volume": loc.volume,
                "last_page_from": "" if loc.page_from is None else loc.page_from,
                "last_page_to": "" if loc.page_to is None else loc.page_to,
                "last_expected_pages": "" if draft.expected_pages is None else draft.expected_pages,
                "last_notes": " ".join(draft.notes.split()),
            }
        )
        self._persist()
        self.current_batch_id = batch.id
        self.guard.audit("new_batch", batch.id, archive_id=archive_id, category=draft.category.value)
        log.info("batch %s opened", batch.id)
        return batch

    def guard_username(self) -> str:
        u = self.guard.user
        return u.username if u else ""

    def open_batches(self) -> list[Batch]:
        """This station's open batches (a clerk of another station sees none of them)."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.station.id)
        return self.batches.list(station_id=self.station.id, status=BatchStatus.OPEN)

    def batch(self, batch_id: str) -> Batch:
        b = self.batches.get(batch_id)
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=b.station_id)
        return b

    def set_current_batch(self, batch_id: str | None) -> None:
        """The batch that camera captures and the hot folder go into."""
        if batch_id:
            self.guard.require(Role.CLERK, station_id=self.batches.get(batch_id).station_id)
        else:
            self.guard.require(Role.CLERK)
        self.current_batch_id = batch_id
        if self.hot_folder is not None and batch_id:
            self.hot_folder._wake.set()  # files waiting for a batch are imported now

    def progress(self, batch_id: str) -> BatchProgress:
        b = self.batches.get(batch_id)
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=b.station_id)
        return BatchProgress(len(self.pages.list_batch(batch_id)), b.expected_pages)

    def close_batch(self, batch_id: str, *, paper_returned: bool) -> Batch:
        """Close the batch once the clerk confirmed the paper original went back to its location."""
        b = self.batches.get(batch_id)
        self.guard.require(Role.CLERK, station_id=b.station_id)
        if not paper_returned:
            raise HukouScanError(
                f"请先确认纸质原件已放回：{b.location.describe() or '原位置'}",
                "Please confirm that the paper original was returned to its recorded location first.",
            )
        self.batches.set_status(batch_id, BatchStatus.CLOSED, paper_returned=True)
        if self.current_batch_id == batch_id:
            self.current_batch_id = None
        n = len(self.pages.list_batch(batch_id))
        self.guard.audit("close_batch", batch_id, pages=n, expected=b.expected_pages, paper_returned=True)
        log.info("batch %s closed with %d pages", batch_id, n)
        return self.batches.get(batch_id)

    def _open_batch(self, batch_id: str) -> Batch:
        b = self.batches.get(batch_id)
        if b.status != BatchStatus.OPEN:
            raise BatchClosedError(
                "该批次已关闭，不能再添加页面。", "This batch is closed; pages cannot be added."
            )
        self.guard.require(Role.CLERK, station_id=b.station_id)
        return b

    # --- capture ----------------------------------------------------------------------------------
    def capture(
        self,
        batch_id: str,
        frame_bgr: np.ndarray,
        *,
        source_device: str = "",
        position: int | None = None,
        jpeg_quality: int = 95,
        desk_reference: np.ndarray | None = None,
    ) -> CaptureReceipt:
        """Make one camera frame a durable page (JPEG q95 original → blob → row + job).

        Args:
            position: 0-based index in the batch's page order to insert at (``None`` = append).
            desk_reference: the camera's latest picture of the empty desk
                (:attr:`AutoCapture.desk_reference`); stored next to the original and
                named in the page's geometry, so that page detection — in the worker
                now and whenever the page is remade — can compare the frame with it.
        """
        t0 = time.perf_counter()
        self._open_batch(batch_id)
        data = encode_jpeg(frame_bgr, jpeg_quality)
        h, w = frame_bgr.shape[:2]
        meta = {"source_kind": "camera", "width": int(w), "height": int(h)}
        geometry = PageGeometry(desk_ref=self._store_desk_reference(desk_reference, w, h))
        page = self._store(batch_id, data, source_device, meta, position, geometry)
        ms = (time.perf_counter() - t0) * 1000
        self.guard.audit("capture", page.id, batch=batch_id, seq=page.seq, device=source_device)
        log.info("page %s captured into batch %s (seq %d, %.0f ms)", page.id, batch_id, page.seq, ms)
        self._notify(page)
        number = self.pages.page_numbers([page.id]).get(page.id, 0)
        return CaptureReceipt(page, ms, number)

    def _store_desk_reference(self, reference: np.ndarray | None, width: int, height: int) -> str:
        """Store the empty-desk picture (small JPEG, content-addressed) and return its hash, or "".

        Pages captured between two empty-desk pictures share one stored file.  A
        reference of another shape than the frame (another camera, another mode) is not
        stored; neither is anything when writing it fails: the capture itself matters
        more than the help for its page detection.
        """
        if reference is None or reference.ndim != 3 or min(reference.shape[:2]) < 16:
            return ""
        rh, rw = reference.shape[:2]
        if abs(rw / rh - width / height) > 0.03 * width / height:
            log.info("desk reference %dx%d does not match the frame %dx%d: not stored", rw, rh, width, height)
            return ""
        small = resize_to_width(reference, DESK_REFERENCE_WIDTH)
        try:
            return self.blobs.put(encode_jpeg(small, DESK_REFERENCE_QUALITY))
        except HukouScanError:
            log.exception("desk reference not stored")
            return ""

    def _store(
        self,
        batch_id: str,
        data: bytes,
        source_device: str,
        meta: dict[str, Any],
        position: int | None,
        geometry: PageGeometry | None = None,
    ) -> Page:
        sha = self.blobs.put(data)
        with self._lock:
            page = Page(
                id=new_id(),
                batch_id=batch_id,
                seq=self.pages.next_seq(batch_id),  # after every page, deleted ones included
                original_sha256=sha,
                captured_at=utcnow(),
                operator=self.guard_username(),
                source_device=source_device,
                process_meta=meta,
                state=PageState.CAPTURED,
                geometry=geometry or PageGeometry(),
            )
            self.repo.add_pages([page])
            if position is not None:
                visible = [p.id for p in self.pages.list_batch(batch_id) if p.id != page.id]
                if 0 <= position < len(visible):
                    visible.insert(position, page.id)
                    self._renumber(batch_id, visible)
                    page = self.pages.get(page.id)
        return page

    def _renumber(self, batch_id: str, visible: Sequence[str]) -> None:
        """Number the pages in the clerk's order; deleted pages stay anchored after the page
        that preceded them, so undoing a delete puts a page back where it was."""
        full = self.pages.list_batch(batch_id, include_deleted=True)
        anchored: dict[str | None, list[str]] = {}
        anchor: str | None = None
        for p in full:
            if p.state == PageState.DELETED:
                anchored.setdefault(anchor, []).append(p.id)
            else:
                anchor = p.id
        order: list[str] = list(anchored.get(None, []))
        for pid in visible:
            order.append(pid)
            order.extend(anchored.get(pid, []))
        placed = set(order)
        order.extend(p.id for p in full if p.id not in placed)  # defensive: nothing is ever dropped
        self.repo.set_sequence(batch_id, order)

    def _notify(self, page: Page) -> None:
        for fn in self._listeners:
            try:
                fn(page)
            except Exception:  # a listener must never undo a durable capture
                log.exception("page listener failed for page %s", page.id)

    # --- files ------------------------------------------------------------------------------------
    def import_file(
        self,
        batch_id: str,
        path: Path,
        *,
        source: str = "dialog",
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ImportReport:
        """Import an image, multi-page TIFF or PDF; a file already imported (same bytes) is skipped."""
        self._open_batch(batch_id)
        # The name is kept as metadata (page strip, audit); a control character in it (a
        # newline, an escape sequence) is shown as U+FFFD rather than refusing a real scan.
        name = replace_controls(path.name)[:MAX_FILE_NAME]
        data = read_file(path)
        file_sha = hashlib.sha256(data).hexdigest()
        if self.repo.find_import(file_sha) is not None:
            log.info("file already imported (sha %s…), skipped", file_sha[:12])
            return ImportReport(name, (), duplicate=True)
        imported = load_pages(path, progress=progress, cancel=cancel)
        if cancel is not None and cancel.is_set():
            return ImportReport(name, ())
        if not imported:
            raise ImportFileError(f"文件中没有页面：{name}", f"The file has no pages: {name}")
        with self._lock:
            seq = self.pages.next_seq(batch_id)
            new_pages: list[Page] = []
            for k, ip in enumerate(imported):
                sha = self.blobs.put(ip.data)
                new_pages.append(
                    Page(
                        id=new_id(),
                        batch_id=batch_id,
                        seq=seq + k,
                        original_sha256=sha,
                        captured_at=utcnow(),
                        operator=self.guard_username(),
                        source_device=f"{source}:{name}"[:100],
                        process_meta={
                            "source_kind": ip.kind,
                            "source_file": name,
                            "source_file_sha256": file_sha,
                            "source_page": ip.page_no,
                            "mime": ip.mime,
                        },
                        state=PageState.CAPTURED,
                    )
                )
            if not self.repo.add_pages(new_pages, file_sha256=file_sha, file_name=name, source=source):
                return ImportReport(name, (), duplicate=True)
        self.guard.audit("import_file", batch_id, file=name, pages=len(new_pages), source=source)
        log.info("imported %d page(s) into batch %s from a %s file", len(new_pages), batch_id, source)
        for p in new_pages:
            self._notify(p)
        return ImportReport(name, tuple(new_pages))

    def import_files(
        self,
        batch_id: str,
        paths: Sequence[Path],
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> list[ImportReport]:
        """Import files from the dialog; a bad file is reported and the rest go on."""
        self.guard.require(Role.CLERK, station_id=self.batches.get(batch_id).station_id)
        reports: list[ImportReport] = []
        errors: list[str] = []
        for i, p in enumerate(paths):
            if cancel is not None and cancel.is_set():
                break
            if progress:
                progress(i, len(paths), p.name)
            try:
                reports.append(self.import_file(batch_id, p, cancel=cancel))
            except ImportFileError as e:
                errors.append(e.user_message())
        if progress:
            progress(len(paths), len(paths), "")
        if errors and not reports:
            raise ImportFileError("；".join(errors), "; ".join(errors))
        return reports

    # --- hot folder ---------------------------------------------------------------------------------
    def start_hot_folder(
        self, on_message: Callable[[HotFolderMessage], None] | None = None, folder: Path | None = None
    ) -> HotFolder:
        """Watch the configured hot folder; files go into :attr:`current_batch_id`.

        Each file is imported with the logged-in clerk's rights (:meth:`import_file`
        checks them), so while nobody is logged in the files wait in the folder.
        """
        self.guard.require(Role.CLERK)
        if self.hot_folder is not None and self.hot_folder.running:
            return self.hot_folder
        sec = self._section
        hf = HotFolder(
            folder or self.settings.hot_folder,
            self._hot_import,
            stable_seconds=float(sec.get("hot_stable_seconds", 1.0)),
            corrupt_after=float(sec.get("hot_corrupt_after", 10.0)),
            poll_interval=float(sec.get("hot_poll_interval", 0.5)),
            on_message=on_message,
        )
        hf.start()
        self.hot_folder = hf
        return hf

    def stop_hot_folder(self) -> None:
        if self.hot_folder is not None:
            self.hot_folder.stop()
            self.hot_folder = None

    def _hot_import(self, path: Path) -> Outcome:
        batch_id = self.current_batch_id
        if batch_id is None:
            return Outcome.DEFERRED
        report = self.import_file(batch_id, path, source="hotfolder")
        return Outcome.DUPLICATE if report.duplicate else Outcome.IMPORTED

    # --- page rework -----------------------------------------------------------------------------------
    def list_pages(self, batch_id: str) -> list[Page]:
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.batches.get(batch_id).station_id)
        return self.pages.list_batch(batch_id)

    def page_changes(self, batch_id: str, known: Mapping[str, str]) -> PageChanges:
        """The batch's page order with versions, and the full pages only where ``known``
        (page id → version from an earlier call) is out of date.

        Why: the capture screen refreshes its strip after every capture, processing and
        OCR result and every few seconds; reading the whole batch each time grew with the
        batch and held the GIL against the UI thread (issue 15).  One light query finds
        what changed; only those rows are read in full.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self._station_of(batch_id))
        order = self.pages.batch_versions(batch_id)
        stale = [pid for pid, version in order if known.get(pid) != version]
        changed = {p.id: p for p in self.pages.get_many(stale)} if stale else {}
        return PageChanges(order, changed)

    def _station_of(self, batch_id: str) -> str:
        station_id = self._batch_station.get(batch_id)
        if station_id is None:
            station_id = self._batch_station[batch_id] = self.batches.get(batch_id).station_id
        return station_id

    def reorder(self, batch_id: str, page_ids: Sequence[str]) -> None:
        """Set the page order (drag and drop in the page strip)."""
        b = self._open_batch(batch_id)
        current = {p.id for p in self.pages.list_batch(batch_id)}
        if set(page_ids) != current or len(page_ids) != len(current):
            raise HukouScanError("页面顺序与批次不一致。", "The new page order does not match the batch.")
        with self._lock:
            self._renumber(b.id, page_ids)
        self.guard.audit("reorder_pages", batch_id, pages=len(page_ids))

    def move(self, page_id: str, new_index: int) -> None:
        p = self.pages.get(page_id)
        ids = [x.id for x in self.pages.list_batch(p.batch_id)]
        ids.remove(page_id)
        ids.insert(max(0, min(new_index, len(ids))), page_id)
        self.reorder(p.batch_id, ids)

    def delete_page(self, page_id: str) -> Page:
        """Mark the page deleted (row and original are kept, so :meth:`undo_delete` restores it)."""
        p = self.pages.get(page_id)
        self._open_batch(p.batch_id)
        if p.state == PageState.DELETED:
            return p
        self.pages.update(page_id, state=PageState.DELETED, state_reason=f"{DELETED_FROM}{p.state.value}")
        self.guard.audit("delete_page", page_id, batch=p.batch_id, seq=p.seq)
        log.info("page %s deleted from batch %s", page_id, p.batch_id)
        return self.pages.get(page_id)

    def undo_delete(self, page_id: str) -> Page:
        p = self.pages.get(page_id)
        self._open_batch(p.batch_id)
        if p.state != PageState.DELETED:
            return p
        prev = p.state_reason.removeprefix(DELETED_FROM) if p.state_reason.startswith(DELETED_FROM) else ""
        try:
            state = PageState(prev)
        except ValueError:
            state = PageState.CAPTURED
        self.pages.update(page_id, state=state, state_reason="")
        self.guard.audit("undo_delete", page_id, batch=p.batch_id)
        return self.pages.get(page_id)

    def rotate(self, page_id: str, degrees: int = 90) -> Page:
        """Turn the page by a multiple of 90° (clockwise; negative = counter-clockwise) and
        re-process it from its original.

        Serialised per process (``pages.geometry_lock``): quick successive turns add up to
        their sum, and the audit log records them in the order they were applied.
        """
        if degrees % 90:
            raise HukouScanError("只能按90度旋转。", "Pages turn in steps of 90°.")
        with self.pages.geometry_lock:
            p = self.pages.get(page_id)
            self._open_batch(p.batch_id)
            geom = replace(p.geometry, extra_rotation=(p.geometry.extra_rotation + degrees) % 360)
            self._set_geometry(page_id, geom)
            self.guard.audit(
                "rotate_page", page_id, batch=p.batch_id, degrees=degrees, rotation=geom.extra_rotation
            )
            page = self.pages.get(page_id)
        self._notify(page)
        return page

    def _set_geometry(self, page_id: str, geom: PageGeometry) -> None:
        """Store a clerk's geometry change and queue the page to be remade from its original.

        Why one place: every manual correction (turn, corners, split, flattening) must drop the
        old derivatives and go back to ``captured`` the same way, or a page keeps a stale image.
        """
        self.pages.update(
            page_id,
            geometry=geom,
            state=PageState.CAPTURED,
            processed_sha256=None,
            derivative_sha256=None,
        )
        self.jobs.enqueue("process", page_id)

    def set_dewarp(self, page_id: str, on: bool) -> Page:
        """Switch curved-page flattening (曲面展平) on or off for one page, remade from its original.

        Off is the clerk's decision and is kept in the page geometry, so re-processing never
        flattens the page again; on returns the page to automatic (flattened when curved).
        """
        with self.pages.geometry_lock:
            p = self.pages.get(page_id)
            self._open_batch(p.batch_id)
            mode = "auto" if on else "off"
            if p.geometry.dewarp == mode:
                return p
            geom = replace(p.geometry, dewarp=mode)
            self._set_geometry(page_id, geom)
            self.guard.audit("set_dewarp", page_id, batch=p.batch_id, dewarp=mode)
            page = self.pages.get(page_id)
        self._notify(page)
        return page

    def replace_page(
        self,
        page_id: str,
        frame_bgr: np.ndarray,
        *,
        source_device: str = "",
        desk_reference: np.ndarray | None = None,
    ) -> CaptureReceipt:
        """Re-capture: a new page takes the old one's place; the old one is kept as deleted (undo-able)."""
        old = self.pages.get(page_id)
        self._open_batch(old.batch_id)
        ids = [p.id for p in self.pages.list_batch(old.batch_id)]
        position = ids.index(page_id) if page_id in ids else None
        receipt = self.capture(
            old.batch_id,
            frame_bgr,
            source_device=source_device,
            position=position,
            desk_reference=desk_reference,
        )
        self.pages.update(page_id, state=PageState.DELETED, state_reason=f"replaced_by:{receipt.page.id}")
        self.guard.audit("replace_page", page_id, batch=old.batch_id, new_page=receipt.page.id)
        return receipt

    # --- images for the GUI ---------------------------------------------------------------------------
    def thumbnail(self, page: Page, width: int = 160) -> bytes:
        """JPEG thumbnail: the processed page if ready, else the original turned by the clerk's rotation.

        Role- and station-checked but not audited: the page strip asks for dozens at a time.
        """
        station_id = self._batch_station.get(page.batch_id)
        if station_id is None:
            station_id = self._batch_station[page.batch_id] = self.batches.get(page.batch_id).station_id
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=station_id)
        sha = page.processed_sha256 or page.original_sha256
        rot = 0 if page.processed_sha256 else page.geometry.extra_rotation
        key = (sha, rot, width)
        cached = self._thumbs.get(key)
        if cached is not None:
            return cached
        data = thumbnail_jpeg(self.blobs.get(sha), width)
        if rot:
            from hukou_scan.capture.encode import decode_image

            data = encode_jpeg(rotate_quarter(decode_image(data), rot), 85)
        self._thumbs.put(key, data, len(data))
        return data

    def original_image(self, page: Page, width: int = 1200) -> tuple[bytes, tuple[int, int]]:
        """The untouched original at display size, with its full pixel size (width, height):
        page corners are recorded in the original's pixels (see :meth:`set_corners`)."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.batches.get(page.batch_id).station_id)
        from hukou_scan.capture.encode import decode_image

        full = decode_image(self.blobs.get(page.original_sha256))  # full size: corners need precision
        h, w = full.shape[:2]
        return encode_jpeg(resize_to_width(full, width), 90), (int(w), int(h))

    def set_corners(self, page_id: str, quad: Quad) -> Page:
        """Record the clerk's four page corners (original pixels, TL TR BR BL) as *manual*
        and remake the page from its original; automatic detection never overrides them."""
        pts = quad.points()
        area = 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
        if area < 10_000:  # clockwise in image coordinates, and not a sliver
            raise HukouScanError(
                "页面四角无效：请按左上、右上、右下、左下顺序框出整页。",
                "Invalid page corners: outline the whole page top-left, top-right, bottom-right, bottom-left.",
            )
        with self.pages.geometry_lock:
            p = self.pages.get(page_id)
            self._open_batch(p.batch_id)
            geom = replace(p.geometry, quad=quad, quad_manual=True)
            self._set_geometry(page_id, geom)
            self.guard.audit("set_corners", page_id, batch=p.batch_id, quad=quad.to_list())
            page = self.pages.get(page_id)
        self._notify(page)
        return page

    def set_split(self, page_id: str, split: bool) -> Page:
        """The clerk's split / no-split decision for a spread, remade from the original.

        ``split=True`` on a single page cuts it into left and right pages (``spread=always``);
        ``split=False`` on either half joins the two again: the left half becomes the whole
        capture (``spread=never``), the right half is deleted (undo-able, like any delete).
        Recorded in the geometry, so automatic processing keeps the clerk's choice.
        """
        with self.pages.geometry_lock:
            p = self.pages.get(page_id)
            self._open_batch(p.batch_id)
            if split and p.geometry.split in ("left", "right"):
                return p  # already split
            target, dropped = p, None
            if not split and p.geometry.split in ("left", "right"):
                halves = [
                    q
                    for q in self.pages.list_batch(p.batch_id)
                    if q.original_sha256 == p.original_sha256 and q.geometry.split in ("left", "right")
                ]
                target = next((q for q in halves if q.geometry.split == "left"), p)
                dropped = next((q for q in halves if q.id != target.id), None)
            manual_quad = target.geometry.quad if target.geometry.quad_manual else None
            geom = replace(
                target.geometry,
                spread="always" if split else "never",
                split="none",
                quad=manual_quad,  # a half's quad is not the page's: detect again unless set by hand
            )
            self._set_geometry(target.id, geom)
            if dropped is not None:
                self.pages.update(
                    dropped.id, state=PageState.DELETED, state_reason=f"joined_into:{target.id}"
                )
            self.guard.audit(
                "set_split", target.id, batch=p.batch_id, split=split, joined=dropped.id if dropped else None
            )
            page = self.pages.get(target.id)
        self._notify(page)
        return page

    def page_image(self, page: Page, width: int = 1200) -> bytes:
        """A display-size JPEG of the processed page (or the original while processing runs)."""
        return self.thumbnail(page, width)

    def get_page(self, page_id: str) -> Page:
        try:
            page = self.pages.get(page_id)
        except NotFoundError:
            raise
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=self.batches.get(page.batch_id).station_id)
        return page
