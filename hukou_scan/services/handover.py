"""Hand-over use case: select batches, build the DA/T 31 delivery package, audit it.

Only administrators and reviewers (核查员) may hand over — the package carries every
page master and the linked persons' ID numbers.  Station scoping applies as for
export.  Every run leaves an audit event (also when it fails or is cancelled) with the
selection, the counts and the manifest's SHA-256, so the register signed on paper can
be tied to the log.

The package goes to a folder, or straight to the sync target (``[sync] target``,
fsspec/S3 as the sync area uses) under ``handover/<package name>/``.  The profile
(folder levels from the 档号, naming, which files, 密级/保管期限 defaults) is the
``[handover]`` settings section; see :class:`hukou_scan.export.handover.HandoverProfile`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hukou_scan.config import Settings
from hukou_scan.domain import Batch, Page, PageState, Person, Role, Station, page_numbers
from hukou_scan.errors import ExportError, HukouScanError, NotFoundError
from hukou_scan.export.handover import (
    FolderSink,
    HandoverCancelled,
    HandoverPage,
    HandoverProfile,
    HandoverResult,
    HandoverVolume,
    LinkedPerson,
    PackageInfo,
    PackageSink,
    ProcessStep,
    package_name,
    write_package,
)
from hukou_scan.services.guard import Guard
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.repositories import (
    BatchRepository,
    LinkRepository,
    PageRepository,
    PersonRepository,
    StationRepository,
)
from hukou_scan.sync.store import ObjectStore, open_store, sha256_hex

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class HandoverSelection:
    """Which batches: any combination of 档号 (exact or ``prefix*``), capture-date range
    (inclusive, by the batch's creation day) and station id; empty means all."""

    archive_ids: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    station_id: str | None = None

    def matches(self, b: Batch) -> bool:
        if self.archive_ids and not any(
            b.archive_id.startswith(a[:-1]) if a.endswith("*") else b.archive_id == a
            for a in self.archive_ids
        ):
            return False
        if self.station_id and b.station_id != self.station_id:
            return False
        day = b.created_at.astimezone().date() if b.created_at else None
        if self.date_from and (day is None or day < self.date_from):
            return False
        return not (self.date_to and (day is None or day > self.date_to))

    def describe(self) -> str:
        parts = []
        if self.archive_ids:
            parts.append("archive_ids=" + ",".join(self.archive_ids))
        if self.date_from or self.date_to:
            parts.append(f"dates={self.date_from or ''}..{self.date_to or ''}")
        if self.station_id:
            parts.append(f"station={self.station_id}")
        return ";".join(parts) or "all"


@dataclass(frozen=True)
class HandoverRequest:
    selection: HandoverSelection
    output: Path | None = None  # a parent folder; the package folder is created inside
    to_sync_target: bool = False
    image_format: str | None = None  # jpg | tiff (None: the profile's)
    sm3: bool | None = None  # add the SM3 manifest (None: the profile's)


@dataclass(frozen=True)
class BatchSummary:
    """A batch as the hand-over dialog lists it."""

    id: str
    archive_id: str
    category: str
    station_id: str
    created: str
    pages: int


class StoreSink:
    """:class:`PackageSink` over the sync target's object store (checksummed puts)."""

    def __init__(self, store: ObjectStore, prefix: str) -> None:
        self.store, self.prefix = store, prefix.strip("/")
        self._keys: list[str] = []

    @property
    def location(self) -> str:
        return f"{self.store.url.rstrip('/')}/{self.prefix}"

    def write(self, relpath: str, data: bytes) -> None:
        key = f"{self.prefix}/{relpath}"
        self.store.put(key, data, sha256_hex(data))
        self._keys.append(key)

    def commit(self) -> None:
        """Nothing to do: every put is complete (and checksum-verified on S3) when it returns."""

    def discard(self) -> None:
        for key in reversed(self._keys):
            try:
                self.store.delete(key)
            except HukouScanError:
                log.warning("hand-over: could not remove %s from the target", key)


class HandoverService:
    """Builds hand-over packages (see module docstring)."""

    def __init__(
        self,
        *,
        settings: Settings,
        blobs: BlobStore,
        pages: PageRepository,
        batches: BatchRepository,
        persons: PersonRepository,
        links: LinkRepository,
        stations: StationRepository,
        station: Station,
        guard: Guard,
        store_factory: Callable[[], ObjectStore] | None = None,
    ) -> None:
        self.settings = settings
        self.blobs = blobs
        self.pages = pages
        self.batches = batches
        self.persons = persons
        self.links = links
        self.stations = stations
        self.station = station
        self.guard = guard
        self.store_factory = store_factory or self._default_store

    def _default_store(self) -> ObjectStore:
        sync = self.settings.section("sync")
        return open_store(str(sync.get("target") or self.settings.storage_url or ""), sync)

    @property
    def profile(self) -> HandoverProfile:
        return HandoverProfile.from_section(self.settings.section("handover"))

    # --- selection ---------------------------------------------------------------------
    def select(self, selection: HandoverSelection) -> list[Batch]:
        """The batches of ``selection`` the user may hand over, ordered by 档号."""
        user = self.guard.require(Role.ADMIN, Role.REVIEWER)
        scope = None if user is None or Role.ADMIN in user.roles or user.all_stations else user.station_id
        if selection.station_id and scope is not None and selection.station_id != scope:
            self.guard.require(Role.ADMIN, Role.REVIEWER, station_id=selection.station_id)  # refuses
        out = [
            b
            for b in self.batches.list(station_id=selection.station_id or scope)
            if selection.matches(b) and (scope is None or b.station_id == scope)
        ]
        out.sort(key=lambda b: b.archive_id)
        return out

    def summaries(self, selection: HandoverSelection) -> list[BatchSummary]:
        """Batches with their page counts, for the dialog's list."""
        return [
            BatchSummary(
                b.id,
                b.archive_id,
                b.category.value,
                b.station_id,
                b.created_at.astimezone().strftime("%Y-%m-%d") if b.created_at else "",
                len(self.pages.list_batch(b.id)),
            )
            for b in self.select(selection)
        ]

    # --- run ---------------------------------------------------------------------------
    def handover(
        self,
        request: HandoverRequest,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_ids: Sequence[str] | None = None,
    ) -> HandoverResult:
        """Write the package for ``request`` (or exactly ``batch_ids``, as picked in the dialog).

        Raises:
            PermissionDenied: the user is neither administrator nor reviewer.
            ExportError: nothing selected, no target, or a page master is unreadable.
            HandoverCancelled: ``cancel`` was set; nothing is left at the target.
        """
        user = self.guard.require(Role.ADMIN, Role.REVIEWER)
        profile = self.profile.with_options(image_format=request.image_format, sm3=request.sm3)
        batches = self.select(request.selection)
        if batch_ids is not None:
            wanted = set(batch_ids)
            batches = [b for b in batches if b.id in wanted]
        for b in batches:
            self.guard.require(Role.ADMIN, Role.REVIEWER, station_id=b.station_id)
        now = datetime.now(UTC)
        name = package_name(self.station.code, now)
        target = request.selection.describe()
        details: dict[str, Any] = {"batches": len(batches), "package": name}
        try:
            volumes = [self._volume(b) for b in batches]
            volumes = [v for v in volumes if v.pages]
            sink = self._sink(request, name)
            who = (user.display_name or user.username) if user else getattr(self.guard, "username", "system")
            info = PackageInfo(f"{self.station.name}（{self.station.code}）", str(who), now, name)
            result = write_package(volumes, sink, profile, info, progress=progress, cancel=cancel)
        except HandoverCancelled:
            self.guard.audit("handover", target, outcome="cancelled", **details)
            raise
        except HukouScanError as e:
            self.guard.audit("handover", target, outcome="failed", error=e.en, **details)
            raise
        except OSError as e:
            self.guard.audit("handover", target, outcome="failed", error=str(e), **details)
            raise ExportError(f"写入移交包失败：{e}", f"Could not write the hand-over package: {e}") from e
        details.update(
            volumes=result.volumes,
            pages=result.pages,
            files=result.files,
            bytes=result.bytes,
            manifest_sha256=result.manifest_sha256,
            location=result.location,
        )
        self.guard.audit("handover", target, **details)
        return result

    def _sink(self, request: HandoverRequest, name: str) -> PackageSink:
        if request.to_sync_target:
            return StoreSink(self.store_factory(), f"handover/{name}")
        base = request.output or (self.settings.export_dir / "handover")
        return FolderSink(Path(base) / name)

    def _volume(self, batch: Batch) -> HandoverVolume:
        pages = self.pages.list_batch(batch.id)
        numbers = page_numbers(pages)
        pages = sorted((p for p in pages if p.id in numbers), key=lambda p: numbers[p.id])
        vol_persons: dict[str, LinkedPerson] = {}
        hpages = []
        for p in pages:
            linked = tuple(self._persons_of(p))
            for lp in linked:
                vol_persons.setdefault(lp.id_number or lp.name, lp)
            hpages.append(self._page(p, numbers[p.id], linked))
        try:
            station = self.stations.get(batch.station_id)
            responsible = station.name
        except NotFoundError:
            responsible = batch.station_id
        days = sorted(p.captured_at.astimezone().strftime("%Y%m%d") for p in pages if p.captured_at)
        when = (days[0] if days[0] == days[-1] else f"{days[0]}-{days[-1]}") if days else ""
        households = dict.fromkeys(p.household_no for p in vol_persons.values() if p.household_no)
        heads = [p.name for p in vol_persons.values() if p.relation == "户主"]
        who = "、".join(heads or [p.name for p in vol_persons.values()][:3])
        title = batch.category.value
        if households:
            title += f" 户号{'、'.join(households)}"
        if who:
            title += f" {who}"
        return HandoverVolume(
            archive_id=batch.archive_id,
            title=title,
            responsible=responsible,
            date=when,
            category=batch.category.value,
            location=batch.location.describe(),
            pages=tuple(hpages),
            persons=tuple(vol_persons.values()),
        )

    def _persons_of(self, page: Page) -> list[LinkedPerson]:
        out = []
        for link in self.links.for_page(page.id):
            try:
                person: Person = self.persons.get(link.person_id)
            except NotFoundError:
                continue
            out.append(LinkedPerson(person.name, person.id_number, person.relation, person.household_no))
        return out

    def _page(self, p: Page, number: int, persons: tuple[LinkedPerson, ...]) -> HandoverPage:
        sha = p.processed_sha256 or p.original_sha256
        blobs = self.blobs
        meta = p.process_meta or {}
        return HandoverPage(
            page_id=p.id,
            number=number,
            load_master=lambda: blobs.get(sha),
            captured_at=p.captured_at,
            operator=p.operator,
            device=p.source_device,
            effective_dpi=_float(meta.get("effective_dpi")) or p.dpi,
            master_sha256=sha,
            original_sha256=p.original_sha256,
            steps=process_steps(p),
            qa_result=_qa_result(p),
            quality={k: v for k, v in (p.quality or {}).items() if isinstance(v, int | float | str | bool)},
            persons=persons,
        )


def process_steps(p: Page) -> tuple[ProcessStep, ...]:
    """The page's processing as DA/T 31 steps, from its recorded geometry and parameters."""
    g = p.geometry
    meta: Mapping[str, Any] = p.process_meta or {}
    steps: list[ProcessStep] = []
    if p.processed_sha256 is None:
        return ()
    if g.quad is not None:
        steps.append(ProcessStep("perspective_crop", {"quad": g.quad.to_list()}, g.quad_manual))
    steps.append(ProcessStep("deskew", {"angle_deg": g.skew_deg}, g.skew_manual))
    if g.orientation or g.extra_rotation:
        steps.append(
            ProcessStep(
                "rotate", {"orientation": g.orientation, "extra": g.extra_rotation}, g.orientation_manual
            )
        )
    if g.split != "none":
        steps.append(ProcessStep("split", {"half": g.split}, True))
    master = meta.get("master")
    if isinstance(master, dict):
        steps.append(ProcessStep("encode_master", {k: v for k, v in master.items() if _scalar(v)}))
    deriv = meta.get("derivative")
    if isinstance(deriv, dict):
        params = deriv.get("params") if isinstance(deriv.get("params"), dict) else {}
        flat = {k: v for k, v in {**deriv, **(params or {})}.items() if _scalar(v)}
        steps.append(ProcessStep("enhance", flat, g.enhance not in ("", "auto")))
    return tuple(steps)


def _scalar(v: Any) -> bool:
    return isinstance(v, int | float | str | bool) or (
        isinstance(v, list | tuple) and all(isinstance(x, int | float) for x in v)
    )


def _qa_result(p: Page) -> str:
    if p.state == PageState.FAILED:
        return f"failed: {p.state_reason}" if p.state_reason else "failed"
    if p.review_state:
        return p.review_state
    if p.state == PageState.REVIEWED:
        return "reviewed"
    return "not_reviewed"


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f > 0 else None
