"""Export use case: resolve a source (batch, person, household, search result, hand-picked
pages) to an ordered page list with bookmarks, then assemble one PDF.

Role check and audit happen here, in the core, so the CLI and the GUI cannot skip them:
every export needs the searcher role (administrators hold all roles), a stated purpose,
and leaves an audit event with the purpose and the number of pages — also when it
fails or is cancelled.

Settings (``[export]`` section of settings.toml, all optional):

- ``jpeg_quality`` (85): only for pages whose stored image is neither a JPEG nor a plain
  PNG (those are embedded without re-encoding);
- ``jpeg_flate`` ("auto"): lossless Flate over JPEG masters when it pays
  ("never" embeds them byte for byte and is fastest; "always");
- ``watermark_font``: a CJK TrueType/TTC font for the watermark (default WenQuanYi Zen Hei);
- ``query_limit`` (1000): most pages a ``--query`` export takes from the search service;
- ``colour_for_red`` (true): with ``image="auto"``, pages whose colour master shows red seals
  or red lines/headers (:mod:`hukou_scan.imaging.colour`) are exported from the colour master
  instead of the grey/bitonal derivative, as DA/T 31 asks; the result lists them with the reason.

``format="ofd"`` writes a GB/T 33190 OFD access copy instead of a PDF (same pages, text
layer, bookmarks and metadata; no password or watermark).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hukou_scan.config import Settings
from hukou_scan.domain import Batch, Page, PageState, Person, Role
from hukou_scan.errors import ExportError, HukouScanError, NotFoundError
from hukou_scan.export.assemble import (
    AssemblyOptions,
    AssemblyResult,
    ExportCancelled,
    ExportPage,
    OutlineNode,
    PageContent,
    assemble_pdf,
)
from hukou_scan.export.metadata import DocumentInfo
from hukou_scan.export.ofd import assemble_ofd
from hukou_scan.imaging.colour import RedMarks, detect_red_marks_encoded
from hukou_scan.services.guard import Guard
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.repositories import (
    BatchRepository,
    LinkRepository,
    PageRepository,
    PersonRepository,
)

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
SearchFn = Callable[[str], Sequence[str]]  # query → ordered page ids

BITONAL_MODES = frozenset({"bitonal", "bilevel", "binary", "bw", "1"})
GREY_MODES = frozenset({"grey", "gray", "l"})
CONTINUOUS_MODES = GREY_MODES | {"colour", "color", "rgb"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_filename(stem: str, suffix: str = ".pdf") -> str:
    """A file name from an archive id: path separators and control characters replaced."""
    clean = _UNSAFE.sub("_", stem).strip(" .") or "export"
    return clean[:150] + suffix


@dataclass(frozen=True)
class ExportSource:
    """What to export.  Build with the class methods."""

    kind: str  # batch | person | household | pages | query
    ids: tuple[str, ...]
    label: str = ""  # for hand-picked / search sources: how the user will recognise it

    @classmethod
    def batch(cls, batch_id: str) -> ExportSource:
        return cls("batch", (batch_id,))

    @classmethod
    def person(cls, person_id: str) -> ExportSource:
        return cls("person", (person_id,))

    @classmethod
    def household(cls, household_no: str) -> ExportSource:
        return cls("household", (household_no,))

    @classmethod
    def pages(cls, page_ids: Sequence[str], label: str = "") -> ExportSource:
        """A search result or a hand-picked selection, in the given order."""
        return cls("pages", tuple(page_ids), label)

    @classmethod
    def query(cls, text: str) -> ExportSource:
        return cls("query", (text,), text)

    @property
    def target(self) -> str:
        """Audit target: kind plus id (page lists by count, never their content)."""
        if self.kind == "pages":
            return f"pages:{len(self.ids)}"
        return f"{self.kind}:{self.ids[0] if self.ids else ''}"


@dataclass
class ExportPlan:
    """The resolved export: ordered pages, bookmarks, title and suggested file name."""

    source: ExportSource
    pages: list[Page]
    batches: dict[str, Batch]
    outline: list[OutlineNode]
    title: str
    archive_ids: tuple[str, ...]
    suggested_name: str
    persons: int = 0
    households: int = 0

    @property
    def page_count(self) -> int:
        return len(self.pages)


@dataclass(frozen=True)
class ExportRequest:
    source: ExportSource
    purpose: str
    output: Path | None = None  # file, or folder (then the suggested name is used)
    watermark: bool = False
    password: str | None = None
    image: str = "auto"  # auto (cleaned derivative for grey/bitonal pages) | master | derivative
    text_layer: bool = True
    format: str = "pdf"  # pdf | ofd (GB/T 33190 access copy)
    overwrite: bool = False  # replace an existing file (CLI --force; the GUI asks first)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    pages: int
    bytes: int
    sha256: str
    seconds: float
    skipped: tuple[str, ...] = ()
    encrypted: bool = False
    pdfa: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)
    format: str = "pdf"
    # pages exported in colour instead of the grey/bitonal derivative: (label, reason)
    colour_pages: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "colour_pages": [{"page": label, "reason": reason} for label, reason in self.colour_pages],
            "path": str(self.path),
            "pages": self.pages,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "seconds": round(self.seconds, 3),
            "skipped": list(self.skipped),
            "encrypted": self.encrypted,
            "pdfa": self.pdfa,
        }


def page_runs(numbers: list[int], most: int = 4) -> str:
    """「1–3、5、8–9」: a person's pages in a search export are often not contiguous, and
    「第12–14页，共2页」 made a reader look for a page 13 that is someone else's.  More than
    ``most`` runs end in 「…」 (the bookmark opens the first page; the count follows it)."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs[:most]]
    return "、".join(parts) + ("…" if len(runs) > most else "")


class ExportService:
    """Builds searchable, bookmarked PDFs from stored pages (see module docstring)."""

    def __init__(
        self,
        *,
        settings: Settings,
        blobs: BlobStore,
        pages: PageRepository,
        batches: BatchRepository,
        persons: PersonRepository,
        links: LinkRepository,
        guard: Guard,
        search: SearchFn | None = None,
    ) -> None:
        self.settings = settings
        self.blobs = blobs
        self.pages = pages
        self.batches = batches
        self.persons = persons
        self.links = links
        self.guard = guard
        self.search = search
        section = settings.section("export")
        self.jpeg_quality = int(section.get("jpeg_quality", 85))
        self.jpeg_flate = str(section.get("jpeg_flate", "auto"))
        # [export] colour_for_red (true): pages with red seals/lines go out in colour
        self.colour_for_red = bool(section.get("colour_for_red", True))
        font = section.get("watermark_font")
        self.watermark_font = Path(str(font)) if font else None

    @property
    def supports_query(self) -> bool:
        return self.search is not None

    # --- planning ----------------------------------------------------------------------
    def resolve_batch(self, ref: str) -> Batch:
        """A batch by its 档号 (what people read on the folder) or its internal id.

        Why: users know the 档号; the internal id only appears in logs and JSON output.
        """
        self.guard.require(Role.SEARCHER)
        ref = ref.strip()
        found = self.batches.by_archive_id(ref)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ExportError(
                f"档号 {ref} 对应 {len(found)} 个批次（不同工作站）。",
                f"{len(found)} batches (of different stations) carry the archive number {ref}.",
                hint_zh="请改用批次编号：" + "、".join(b.id for b in found),
                hint_en="Give the batch id instead: " + ", ".join(b.id for b in found),
            )
        try:
            return self.batches.get(ref)
        except NotFoundError:
            raise NotFoundError(
                f"没有档号或编号为 {ref} 的批次。",
                f"No batch with the archive number or id {ref}.",
                hint_zh="请核对档号（例如卷皮上的编号）。",
                hint_en="Check the archive number (as written on the folder).",
            ) from None

    def resolve_person(self, ref: str) -> Person:
        """A person by citizen ID number (公民身份号码) or internal id."""
        self.guard.require(Role.SEARCHER)
        ref = ref.strip()
        found = self.persons.by_id_number(ref.upper()) if ref else []
        if len(found) == 1:
            return found[0]
        try:
            return self.persons.get(ref)
        except NotFoundError:
            raise NotFoundError(
                f"没有身份号码或编号为 {ref} 的人员。",
                f"No person with the ID number or id {ref}.",
                hint_zh="请核对公民身份号码。",
                hint_en="Check the citizen ID number.",
            ) from None

    def plan(self, source: ExportSource) -> ExportPlan:
        """Resolve ``source`` to pages and bookmarks (cheap: no images are read)."""
        self.guard.require(Role.SEARCHER)
        persons_by_id: dict[str, Person] = {}
        if source.kind == "batch":
            batch = self.resolve_batch(source.ids[0])
            pages = self.pages.list_batch(batch.id)
            title = f"{batch.archive_id} {batch.category.value}"
            stem = batch.archive_id
        elif source.kind == "person":
            person = self.resolve_person(source.ids[0])
            persons_by_id[person.id] = person
            pages = self._pages_of_person(person.id)
            title = f"{person.name} 档案"
            stem = ""
        elif source.kind == "household":
            no = source.ids[0]
            members = self.persons.by_household(no)
            if not members:
                raise NotFoundError("该户号下没有人员。", f"No persons in household {no}.")
            members.sort(key=lambda p: (p.relation != "户主", p.name))
            pages = []
            seen: set[str] = set()
            for m in members:
                persons_by_id[m.id] = m
                for p in self._pages_of_person(m.id):
                    if p.id not in seen:
                        seen.add(p.id)
                        pages.append(p)
            title = f"户号 {no} 档案"
            stem = ""
        elif source.kind in ("pages", "query"):
            ids = list(source.ids) if source.kind == "pages" else list(self._search(source.ids[0]))
            uniq = list(dict.fromkeys(ids))
            pages = [p for p in self.pages.get_many(uniq) if p.state != PageState.DELETED]
            title = source.label or ("检索结果" if source.kind == "query" else "选定页面")
            if source.kind == "query":
                title = f"检索结果：{source.ids[0]}"
            stem = ""
        else:
            raise ExportError(f"未知的导出来源：{source.kind}", f"Unknown export source: {source.kind}")
        if not pages:
            raise ExportError(
                "没有可导出的页面。",
                "There are no pages to export.",
                hint_zh="请确认页面已采集且未删除。",
                hint_en="Check that the pages were captured and not deleted.",
            )
        batches = {b: self.batches.get(b) for b in dict.fromkeys(p.batch_id for p in pages)}
        for b in batches.values():  # station scoping: only stations the user may see
            self.guard.require(Role.SEARCHER, station_id=b.station_id)
        archive_ids = tuple(dict.fromkeys(batches[p.batch_id].archive_id for p in pages))
        if not stem:
            stem = archive_ids[0] if len(archive_ids) == 1 else f"{archive_ids[0]}等{len(archive_ids)}卷"
        outline, n_persons, n_households = self._outline(pages, batches, persons_by_id)
        return ExportPlan(
            source=source,
            pages=pages,
            batches=batches,
            outline=outline,
            title=title,
            archive_ids=archive_ids,
            suggested_name=safe_filename(stem),
            persons=n_persons,
            households=n_households,
        )

    def _search(self, query: str) -> Sequence[str]:
        if self.search is None:
            raise ExportError(
                "全文检索尚不可用，无法按检索结果导出。",
                "Full-text search is not available; cannot export a search result.",
            )
        return self.search(query)

    def _pages_of_person(self, person_id: str) -> list[Page]:
        ids = list(dict.fromkeys(link.page_id for link in self.links.for_person(person_id)))
        pages = [p for p in self.pages.get_many(ids) if p.state != PageState.DELETED]
        archive: dict[str, str] = {}
        for p in pages:
            if p.batch_id not in archive:
                archive[p.batch_id] = self.batches.get(p.batch_id).archive_id
        pages.sort(key=lambda p: (archive[p.batch_id], p.batch_id, p.seq))
        return pages

    def _outline(
        self, pages: list[Page], batches: dict[str, Batch], persons: dict[str, Person]
    ) -> tuple[list[OutlineNode], int, int]:
        """Bookmarks household → person → batch; pages linked to nobody under their batch."""
        tree: dict[str, dict[str, dict[str, list[int]]]] = {}
        unlinked: dict[str, list[int]] = {}
        for idx, page in enumerate(pages):
            person_ids = [link.person_id for link in self.links.for_page(page.id)]
            if not person_ids:
                unlinked.setdefault(page.batch_id, []).append(idx)
            for pid in person_ids:
                person = persons.get(pid)
                if person is None:
                    try:
                        person = self.persons.get(pid)
                    except NotFoundError:
                        continue
                    persons[pid] = person
                hh = tree.setdefault(person.household_no, {})
                hh.setdefault(pid, {}).setdefault(page.batch_id, []).append(idx)

        def batch_node(batch_id: str, idxs: list[int]) -> OutlineNode:
            # 「第N页」 names the PDF page the bookmark opens (never the internal seq,
            # which has gaps after deletes and re-takes)
            b = batches[batch_id]
            nos = [i + 1 for i in idxs]
            span = f"第{nos[0]}页" if len(nos) == 1 else f"第{page_runs(nos)}页，共{len(nos)}页"
            return OutlineNode(f"{b.archive_id} {b.category.value}（{span}）", idxs[0])

        roots: list[OutlineNode] = []
        for hh_no, members in tree.items():
            head = next((persons[p].name for p in members if persons[p].relation == "户主"), "")
            title = f"户号 {hh_no}" if hh_no else "户号未知"
            if head:
                title += f"（户主 {head}）"
            person_nodes = []
            for pid, by_batch in members.items():
                person = persons[pid]
                name = person.name + (f"（{person.relation}）" if person.relation else "")
                kids = [batch_node(b, idxs) for b, idxs in by_batch.items()]
                person_nodes.append(OutlineNode(name, kids[0].page_index, kids))
            roots.append(OutlineNode(title, min(n.page_index for n in person_nodes), person_nodes, open=True))
        if unlinked:
            kids = [batch_node(b, idxs) for b, idxs in unlinked.items()]
            roots.append(OutlineNode("未关联人员的页面", kids[0].page_index, kids, open=True))
        n_persons = sum(len(m) for m in tree.values())
        return roots, n_persons, len(tree)

    # --- export ------------------------------------------------------------------------
    def export(
        self,
        request: ExportRequest,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> ExportResult:
        """Write the PDF for ``request`` and audit it.

        Raises:
            PermissionDenied: the user lacks the searcher role.
            ExportError: no purpose given, nothing to export, or writing failed.
            ExportCancelled: ``cancel`` was set; no file is left under the final name.
        """
        user = self.guard.require(Role.SEARCHER)
        purpose = request.purpose.strip()
        if not purpose:
            raise ExportError(
                "请填写导出用途。",
                "Please state the purpose of the export.",
                hint_zh="用途会写入文件信息、水印和审计日志。",
                hint_en="The purpose is recorded in the file, the watermark and the audit log.",
            )
        fmt = request.format.lower()
        if fmt not in ("pdf", "ofd"):
            raise ExportError(
                f"不支持的导出格式：{request.format}", f"Unsupported export format: {request.format}"
            )
        plan = self.plan(request.source)
        out = self._output_path(request.output, plan.suggested_name, fmt, request.overwrite)
        username = (user.display_name or user.username) if user else getattr(self.guard, "username", "system")
        now = datetime.now(UTC)
        info = DocumentInfo(
            title=plan.title,
            archive_ids=plan.archive_ids,
            exported_by=str(username),
            purpose=purpose,
            exported_at=now,
            source=request.source.target,
        )
        wm_lines: tuple[str, ...] = ()
        if request.watermark:
            local = now.astimezone()
            wm_lines = (
                f"仅供{purpose}使用",
                f"{username}  {local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip(),
            )
        options = AssemblyOptions(
            watermark_lines=wm_lines,
            password=request.password or None,
            jpeg_quality=self.jpeg_quality,
            default_dpi=float(self.settings.target_dpi),
            text_layer=request.text_layer,
            watermark_font=self.watermark_font,
            jpeg_flate=self.jpeg_flate,
        )
        colour: dict[str, tuple[str, str]] = {}  # page id → (label, reason), filled as pages load
        numbers = self.pages.page_numbers([p.id for p in plan.pages])
        export_pages = [
            self._export_page(p, plan.batches[p.batch_id], request.image, numbers.get(p.id, 0), colour)
            for p in plan.pages
        ]
        details: dict[str, Any] = {
            "purpose": purpose,
            "pages": plan.page_count,
            "file": out.name,
            "format": fmt,
            "watermark": request.watermark,
            "encrypted": bool(request.password),
        }
        # Log the source kind only: a household number or a query may identify people.
        log.info("export from %s: %d page(s) → %s", request.source.kind, plan.page_count, out.name)
        try:
            assemble = assemble_ofd if fmt == "ofd" else assemble_pdf
            res: AssemblyResult = assemble(
                export_pages, out, info, plan.outline, options, progress=progress, cancel=cancel
            )
        except ExportCancelled:
            self.guard.audit("export", request.source.target, outcome="cancelled", **details)
            raise
        except HukouScanError as e:
            self.guard.audit("export", request.source.target, outcome="failed", error=e.en, **details)
            raise
        except OSError as e:
            self.guard.audit("export", request.source.target, outcome="failed", error=str(e), **details)
            raise ExportError(f"写入导出文件失败：{e}", f"Could not write the export file: {e}") from e
        sha = _sha256_file(res.path)
        colour_pages = tuple(colour[p.id] for p in plan.pages if p.id in colour)
        details.update(pages=res.pages, sha256=sha, skipped=len(res.skipped), colour_pages=len(colour_pages))
        self.guard.audit("export", request.source.target, **details)
        warnings = tuple(f"page {pid} could not be read and was left out" for pid in res.skipped)
        return ExportResult(
            path=res.path,
            pages=res.pages,
            bytes=res.bytes,
            sha256=sha,
            seconds=res.seconds,
            skipped=res.skipped,
            encrypted=bool(request.password),
            pdfa=res.pdfa_claimed,
            warnings=warnings,
            format=fmt,
            colour_pages=colour_pages,
        )

    def _output_path(
        self, output: Path | None, suggested: str, fmt: str = "pdf", overwrite: bool = False
    ) -> Path:
        suffix = f".{fmt}"
        suggested = str(Path(suggested).with_suffix(suffix))
        out = resolve_output(output, suggested, self.settings.export_dir, suffix)
        if out.exists() and not overwrite:
            raise ExportError(
                f"文件已存在：{out}",
                f"The file already exists: {out}",
                hint_zh="换一个文件名，或加 --force 覆盖。",
                hint_en="Choose another name, or add --force to replace it.",
            )
        return out

    def _export_page(
        self,
        page: Page,
        batch: Batch,
        image: str,
        number: int,
        colour: dict[str, tuple[str, str]] | None = None,
    ) -> ExportPage:
        """How to load one page: which stored image, at which resolution.

        ``process_meta`` as the image pipeline writes it: ``master`` and ``derivative``
        codec records (``mode`` colour/grey/bitonal, ``dpi`` = pixel density of that
        file).  ``Page.dpi`` is the *effective* camera resolution, which differs from the
        stored master's density when the master was resampled, so it is only a last
        resort for the physical page size.
        """
        label = f"{batch.archive_id}-{number:04d}"  # the page number a person reads, not seq
        blobs, pages = self.blobs, self.pages
        meta = page.process_meta or {}
        master_rec = meta.get("master")
        master: dict[str, Any] = master_rec if isinstance(master_rec, dict) else {}
        deriv = meta.get("derivative")
        deriv_rec: dict[str, Any] = deriv if isinstance(deriv, dict) else {}
        mode = str(deriv_rec.get("mode") or meta.get("derivative_mode") or meta.get("mode") or "").lower()
        deriv_bitonal = bool(page.derivative_sha256) and mode in BITONAL_MODES
        # "auto": the cleaned derivative for bitonal and grey pages (whitened paper,
        # stretched faint ink: more legible and several times smaller than the colour
        # master); the colour master for colour pages (seals, photos) — the clerk's choice
        # of enhancement — and, with ``colour_for_red``, for pages where red seals or red
        # lines are found on the master (DA/T 31's rule for 红头、印章).
        deriv_auto = bool(page.derivative_sha256) and (deriv_bitonal or mode in GREY_MODES)
        master_dpi = _float(master.get("dpi")) or _float(meta.get("master_dpi")) or _float(meta.get("dpi"))
        deriv_dpi = _float(deriv_rec.get("dpi")) or master_dpi
        processed = page.processed_sha256 is not None

        colour_for_red = self.colour_for_red

        def load() -> PageContent:
            bitonal: bool | None
            if image == "auto" and deriv_auto and processed and page.processed_sha256 and colour_for_red:
                # DA/T 31: red headers and seals (红头、印章) stay in colour.  The grey or
                # bitonal derivative would turn them into grey smudges, so such pages go
                # out from the colour master.
                marks = _recorded_red_marks(meta)  # the pipeline records it when it processes
                master_data = b""
                if marks is None or marks.present:
                    try:
                        master_data = blobs.get(page.processed_sha256)
                    except HukouScanError:  # master unreadable: the derivative still serves
                        master_data = b""
                if marks is None and master_data:  # pages processed before the check existed
                    try:
                        marks = detect_red_marks_encoded(master_data)
                    except HukouScanError:  # unreadable or over the pixel limit: no colour choice
                        marks = None
                if marks is not None and marks.present and master_data:
                    if colour is not None:
                        colour[page.id] = (label, marks.reason)
                    return PageContent(
                        master_data, pages.get_ocr(page.id), master_dpi, False, fallback_dpi=page.dpi
                    )
            if page.derivative_sha256 and (image == "derivative" or (image == "auto" and deriv_auto)):
                sha, dpi = page.derivative_sha256, deriv_dpi
                bitonal = True if deriv_bitonal else (False if mode in CONTINUOUS_MODES else None)
            elif processed and page.processed_sha256:
                sha, bitonal, dpi = page.processed_sha256, False, master_dpi
            else:  # not processed yet: the original frame, at whatever its file says
                sha, bitonal, dpi = page.original_sha256, False, None
            data = blobs.get(sha)
            return PageContent(data, pages.get_ocr(page.id), dpi, bitonal, fallback_dpi=page.dpi)

        return ExportPage(page.id, label, load)


def _recorded_red_marks(meta: dict[str, Any]) -> RedMarks | None:
    """Red seals/lines as the image pipeline recorded them (``None`` for older pages: then the
    export looks at the master itself, which costs a JPEG decode per page)."""
    rec = meta.get("red_marks")
    if isinstance(rec, dict) and "seals" in rec and "lines" in rec:
        return RedMarks(float(rec.get("fraction", 0.0)), int(rec["seals"]), int(rec["lines"]))
    return None


_SYSTEM_TREES = ("/dev", "/proc", "/sys", "/run")


def resolve_output(output: Path | None, suggested: str, export_dir: Path, suffix: str = ".pdf") -> Path:
    """The file an export writes for ``output`` (a file, a folder, or ``None``).

    Refuses targets that are not a regular file in an ordinary folder: ``-o /dev/full``
    once wrote ``/dev/full.pdf`` next to the device, and ``/proc``/``/sys`` paths give
    baffling errors.  An existing *regular* file is returned as is (the caller decides
    whether it may be replaced).

    Raises:
        ExportError: a device, FIFO, socket or a path inside a system tree.
    """
    if output is None:
        return export_dir / suggested
    output = Path(output).expanduser()
    if output.is_dir() or str(output).endswith(("/", "\\")):
        out = output / suggested
    else:
        if output.exists() and not output.is_file():
            raise _not_a_file(output)
        out = output if output.suffix.lower() == suffix else output.with_name(output.name + suffix)
    if out.exists() and not out.is_file():
        raise _not_a_file(out)
    parent = out.parent.resolve()
    if any(parent == Path(t) or Path(t) in parent.parents for t in _SYSTEM_TREES):
        raise _not_a_file(out)
    return out


def _not_a_file(path: Path) -> ExportError:
    return ExportError(
        f"不能导出到该位置（不是普通文件或文件夹）：{path}",
        f"Cannot export there (not a regular file in an ordinary folder): {path}",
        hint_zh="请选择普通文件夹中的 .pdf 文件。",
        hint_en="Choose a .pdf file in an ordinary folder.",
    )


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f > 0 else None


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()
