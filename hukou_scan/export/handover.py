"""The archival hand-over package (数字化成果移交) after DA/T 31-2017 and GB/T 18894-2016.

What a receiving archive asks of a digitisation project, and what this module writes::

    <package>/
      <全宗>/<目录>/<档号>/<档号>-0001.jpg     page masters (colour, as captured; TIFF option)
      <全宗>/<目录>/<档号>/<档号>-0001.xml     数字化过程元数据 per page (process.xsd)
      catalogue.xml / catalogue.xlsx            目录数据: one row per 卷 and per page (catalogue.xsd)
      transfer-register.pdf / .xlsx             移交登记表: counts, bytes, date, blank signatures
      schema/catalogue.xsd, schema/process.xsd  the schemas, so the receiver can validate
      manifest-sha256.txt [manifest-sm3.txt]    "<hex>  <path>" for every other file

The folder levels come from the 档号 through a configurable regular expression (named
groups ``fonds``/``catalogue``/``volume`` = 全宗号/目录号/案卷号), because local archive
rules differ; :class:`HandoverProfile` holds that and the other local choices and reads
them from the ``[handover]`` settings section, with DA/T 31 defaults.

The core knows nothing of the database or the sync target: it takes plain
:class:`HandoverVolume` records whose pages load their master bytes lazily (one image
in memory at a time) and writes through a :class:`PackageSink` (a folder here; the
services layer adapts the object store).  :func:`verify_package` re-checks a package
from its manifest alone, so the receiving side needs nothing but the folder.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from hukou_scan.config import fsync_dir, write_private_bytes
from hukou_scan.errors import ExportError, HukouScanError

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]

CATALOGUE_NS = "urn:hukou-scan:handover:catalogue:1"
PROCESS_NS = "urn:hukou-scan:handover:process:1"
MANIFEST_PREFIX = "manifest-"
ALL_FILES = frozenset(
    {"images", "process_xml", "catalogue_xml", "catalogue_xlsx", "register_pdf", "register_xlsx", "schemas"}
)
DEFAULT_PATTERN = r"^(?P<fonds>[^-]+)-(?:(?P<catalogue>[^-]+)-)?(?P<volume>.+)$"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class HandoverCancelled(ExportError):
    """The user cancelled; what was written so far has been removed."""

    def __init__(self) -> None:
        super().__init__(
            "移交已取消，未留下不完整的移交包。", "Hand-over cancelled; no partial package was left."
        )


def _safe(component: str) -> str:
    return _UNSAFE.sub("_", component).strip(" .") or "_"


@dataclass(frozen=True)
class HandoverProfile:
    """Local archive rules for the package (``[handover]`` settings section).

    Attributes:
        archive_pattern: regex over the 档号; named groups give the folder levels.
        levels: which named groups become folders, outermost first; the 档号 itself is
            always the innermost folder.
        page_name: file stem of a page, ``{archive_id}`` and ``{page}`` (display number).
        image_format: ``jpg`` (masters byte for byte) or ``tiff`` (lossless LZW, 4:4:4).
        security_class / retention: 密级 / 保管期限 written for every 卷 and page.
        checksums: ``sha256`` always; ``sm3`` on request.
        files: which parts to write (see :data:`ALL_FILES`).
        receiver: 接收单位 printed on the transfer register.
    """

    name: str = "DA/T 31-2017"
    archive_pattern: str = DEFAULT_PATTERN
    levels: tuple[str, ...] = ("fonds", "catalogue")
    page_name: str = "{archive_id}-{page:04d}"
    image_format: str = "jpg"
    security_class: str = "内部"
    retention: str = "永久"
    checksums: tuple[str, ...] = ("sha256",)
    files: frozenset[str] = ALL_FILES
    receiver: str = ""

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> HandoverProfile:
        """The profile from settings; unknown keys are ignored, bad values raise ``ExportError``."""
        d = cls()
        levels = section.get("levels", d.levels)
        checks = section.get("checksums", d.checksums)
        files = section.get("files", sorted(d.files))
        prof = cls(
            name=str(section.get("name", d.name)),
            archive_pattern=str(section.get("archive_pattern", d.archive_pattern)),
            levels=tuple(str(x) for x in (levels if isinstance(levels, list | tuple) else [levels])),
            page_name=str(section.get("page_name", d.page_name)),
            image_format=str(section.get("image_format", d.image_format)).lower(),
            security_class=str(section.get("security_class", d.security_class)),
            retention=str(section.get("retention", d.retention)),
            checksums=tuple(
                str(x).lower() for x in (checks if isinstance(checks, list | tuple) else [checks])
            ),
            files=frozenset(str(x) for x in files),
            receiver=str(section.get("receiver", d.receiver)),
        )
        prof.validate()
        return prof

    def with_options(self, *, image_format: str | None = None, sm3: bool | None = None) -> HandoverProfile:
        """A copy with the per-run choices of the dialog/CLI applied."""
        checks = tuple(c for c in self.checksums if c != "sm3")
        if sm3 or (sm3 is None and "sm3" in self.checksums):
            checks += ("sm3",)
        return HandoverProfile(
            self.name,
            self.archive_pattern,
            self.levels,
            self.page_name,
            (image_format or self.image_format).lower(),
            self.security_class,
            self.retention,
            checks,
            self.files,
            self.receiver,
        )

    def validate(self) -> None:
        try:
            rx = re.compile(self.archive_pattern)
        except re.error as e:
            raise ExportError(
                f"档号规则不是有效的正则表达式：{e}",
                f"The archive-id pattern is not a valid regular expression: {e}",
                hint_zh="检查设置 [handover] archive_pattern。",
                hint_en="Check archive_pattern in the [handover] settings section.",
            ) from e
        unknown = [lv for lv in self.levels if lv not in rx.groupindex]
        if unknown:
            raise ExportError(
                f"档号规则中没有层级：{', '.join(unknown)}",
                f"The archive-id pattern has no group for level(s): {', '.join(unknown)}",
            )
        if self.image_format not in ("jpg", "tiff"):
            raise ExportError(
                f"不支持的图像格式：{self.image_format}", f"Unsupported image format: {self.image_format}"
            )
        unknown_files = sorted(self.files - ALL_FILES)
        if unknown_files:
            raise ExportError(
                f"移交包内容设置有误：{', '.join(unknown_files)}",
                f"Unknown hand-over file kind(s): {', '.join(unknown_files)}",
                hint_zh=f"可选：{', '.join(sorted(ALL_FILES))}",
                hint_en=f"Known: {', '.join(sorted(ALL_FILES))}",
            )
        bad = [c for c in self.checksums if c not in ("sha256", "sm3")]
        if bad or "sha256" not in self.checksums:
            raise ExportError(
                "校验算法须包含 sha256，可选 sm3。", "Checksums must include sha256; sm3 is optional."
            )
        try:
            self.page_name.format(archive_id="A", page=1)
        except (KeyError, IndexError, ValueError) as e:
            raise ExportError(
                f"页面命名规则无效：{self.page_name}", f"Invalid page naming rule: {self.page_name}"
            ) from e

    def levels_of(self, archive_id: str) -> dict[str, str]:
        """全宗号/目录号/案卷号 of a 档号 (empty strings where the pattern has none)."""
        m = re.match(self.archive_pattern, archive_id)
        groups = {k: (v or "") for k, v in m.groupdict().items()} if m else {}
        return {k: groups.get(k, "") for k in ("fonds", "catalogue", "volume")}

    def folder_of(self, archive_id: str) -> str:
        """Relative folder of one 档号: the configured levels, then the 档号 itself."""
        m = re.match(self.archive_pattern, archive_id)
        parts = [_safe(m.group(lv)) for lv in self.levels if m and m.group(lv)] if m else []
        return "/".join([*parts, _safe(archive_id)])

    def page_stem(self, archive_id: str, page_no: int) -> str:
        return _safe(self.page_name.format(archive_id=archive_id, page=page_no))


# --- input records ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedPerson:
    name: str
    id_number: str = ""
    relation: str = ""
    household_no: str = ""


@dataclass(frozen=True)
class ProcessStep:
    """One processing step with its parameters and whether a person set it."""

    name: str
    params: dict[str, Any]
    manual: bool = False


@dataclass(frozen=True)
class HandoverPage:
    page_id: str
    number: int  # the visible page number (position among non-deleted pages)
    load_master: Callable[[], bytes]
    captured_at: datetime | None = None
    operator: str = ""
    device: str = ""
    effective_dpi: float | None = None
    master_sha256: str = ""
    original_sha256: str = ""
    steps: tuple[ProcessStep, ...] = ()
    qa_result: str = ""  # e.g. passed / flagged: reasons
    quality: dict[str, Any] = field(default_factory=dict)
    persons: tuple[LinkedPerson, ...] = ()


@dataclass(frozen=True)
class HandoverVolume:
    """One 档号 (案卷/件) with its pages in page order."""

    archive_id: str
    title: str  # 题名: category + person/household
    responsible: str  # 责任者: the station
    date: str  # 日期 (YYYYMMDD of capture, or a range)
    category: str
    location: str  # where the paper original stays
    pages: tuple[HandoverPage, ...]
    persons: tuple[LinkedPerson, ...] = ()


@dataclass(frozen=True)
class PackageInfo:
    station: str
    created_by: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    package_name: str = ""


@dataclass(frozen=True)
class HandoverResult:
    location: str  # folder path or object-store URL of the package root
    package_name: str
    volumes: int
    pages: int
    files: int
    bytes: int
    master_bytes: int
    seconds: float
    checksums: tuple[str, ...]
    manifest_sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "package": self.package_name,
            "volumes": self.volumes,
            "pages": self.pages,
            "files": self.files,
            "bytes": self.bytes,
            "master_bytes": self.master_bytes,
            "seconds": round(self.seconds, 3),
            "checksums": list(self.checksums),
            "manifest_sha256": self.manifest_sha256,
        }


# --- sinks ---------------------------------------------------------------------------------


class PackageSink(Protocol):
    """Where the package goes: relative POSIX paths, whole files."""

    @property
    def location(self) -> str: ...

    def write(self, relpath: str, data: bytes) -> None: ...

    def commit(self) -> None:
        """Make everything written so far durable (called before the manifests are written)."""

    def discard(self) -> None:
        """Remove everything written (cancel / failure)."""


class FolderSink:
    """Writes under ``root`` (created; must not exist yet), files mode 0600 — the package
    holds personal data.

    Durability: the files are written without a sync each; :meth:`commit` syncs them all
    (and their folders) before the manifests are written, and the manifests themselves go
    through temp file, fsync and ``os.replace``.  A package therefore has a manifest only
    once everything it lists is on disk, and one sync barrier instead of one per file
    keeps a 1,000-page hand-over from waiting on 2,000 journal commits.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if self.root.exists() and any(self.root.iterdir()):
            raise ExportError(
                f"目标文件夹已存在且不为空：{self.root}",
                f"The target folder exists and is not empty: {self.root}",
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self._pending: list[Path] = []

    @property
    def location(self) -> str:
        return str(self.root)

    def write(self, relpath: str, data: bytes) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if relpath.startswith(MANIFEST_PREFIX):
            write_private_bytes(path, data)
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self._pending.append(path)

    def commit(self) -> None:
        """Sync every file written so far and the folders holding them."""
        folders = {self.root}
        for path in self._pending:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            folders.update(p for p in path.parents if p == self.root or self.root in p.parents)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            fsync_dir(folder)
        self._pending.clear()

    def discard(self) -> None:
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)


# --- hashing -------------------------------------------------------------------------------


def new_hash(name: str) -> Any:
    """A hashlib-style object for ``sha256`` or ``sm3`` (OpenSSL's SM3 when the build has it,
    else the pure-Python ``gmssl`` package — slow, hence optional)."""
    if name == "sha256":
        return hashlib.sha256()
    if name == "sm3":
        try:
            return hashlib.new("sm3")
        except ValueError:
            return _GmsslSm3()
    raise ExportError(f"不支持的校验算法：{name}", f"Unsupported checksum algorithm: {name}")


class _GmsslSm3:
    def __init__(self) -> None:
        self._buf = bytearray()

    def update(self, data: bytes) -> None:
        self._buf += data

    def hexdigest(self) -> str:
        try:
            from gmssl import func, sm3
        except ImportError as e:
            from hukou_scan.errors import MissingDependencyError

            raise MissingDependencyError(
                "未安装 SM3 实现（gmssl）。", "No SM3 implementation (gmssl) is installed."
            ) from e
        return str(sm3.sm3_hash(func.bytes_to_list(bytes(self._buf))))


def digest(name: str, data: bytes) -> str:
    h = new_hash(name)
    h.update(data)
    return str(h.hexdigest())


def schema_text(name: str) -> bytes:
    """A shipped XSD (``catalogue.xsd`` or ``process.xsd``)."""
    return resources.files("hukou_scan.export").joinpath("schemas", name).read_bytes()


# --- writing ---------------------------------------------------------------------------------


class _Writer:
    def __init__(self, sink: PackageSink, checksums: Sequence[str]) -> None:
        self.sink = sink
        self.checksums = tuple(checksums)
        self.entries: dict[str, dict[str, str]] = {c: {} for c in self.checksums}
        self.bytes = 0
        self.files = 0

    def write(self, relpath: str, data: bytes) -> dict[str, str]:
        self.sink.write(relpath, data)
        out = {c: digest(c, data) for c in self.checksums}
        for c, h in out.items():
            self.entries[c][relpath] = h
        self.bytes += len(data)
        self.files += 1
        return out


def _master_bytes(data: bytes, image_format: str) -> tuple[bytes, dict[str, Any]]:
    """The master in the package's format, plus its pixel size, dpi and colour mode."""
    from PIL import Image

    from hukou_scan.imaging.limits import check_image_file

    check_image_file(data, "page master")  # the product-wide pixel limit, from the header
    with Image.open(io.BytesIO(data)) as im:
        info = {
            "width": im.width,
            "height": im.height,
            "mode": {"1": "bitonal", "L": "grey"}.get(im.mode, "colour"),
            "dpi": _dpi(im.info.get("dpi")),
            "format": (im.format or "").lower(),
        }
        if image_format == "jpg" and im.format == "JPEG":
            return data, {**info, "format": "jpeg"}
        buf = io.BytesIO()
        if image_format == "tiff":
            im.load()
            save_kw: dict[str, Any] = {"compression": "tiff_lzw"}
            if info["dpi"]:
                save_kw["dpi"] = (info["dpi"], info["dpi"])
            im.save(buf, "TIFF", **save_kw)
            return buf.getvalue(), {**info, "format": "tiff"}
        rgb = im.convert("RGB") if im.mode not in ("L", "RGB") else im
        kw: dict[str, Any] = {"quality": 95, "subsampling": 0}
        if info["dpi"]:
            kw["dpi"] = (info["dpi"], info["dpi"])
        rgb.save(buf, "JPEG", **kw)
        return buf.getvalue(), {**info, "format": "jpeg"}


def _dpi(v: Any) -> float | None:
    try:
        f = float(v[0])
    except (TypeError, ValueError, IndexError):
        return None
    return round(f, 2) if f > 1 else None


def write_package(
    volumes: Sequence[HandoverVolume],
    sink: PackageSink,
    profile: HandoverProfile,
    info: PackageInfo,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> HandoverResult:
    """Write the whole package through ``sink``; on cancel or failure nothing is left.

    Raises:
        HandoverCancelled: ``cancel`` was set.
        ExportError: nothing to hand over, or a page master could not be read.
    """
    profile.validate()
    if not volumes or not any(v.pages for v in volumes):
        raise ExportError(
            "所选范围内没有可移交的页面。",
            "There are no pages to hand over in the selection.",
            hint_zh="检查档号、日期范围和工作站。",
            hint_en="Check the archive ids, the date range and the station.",
        )
    started = time.perf_counter()
    w = _Writer(sink, profile.checksums)
    total = sum(len(v.pages) for v in volumes)
    done = 0
    page_files: dict[str, tuple[str, str]] = {}  # page id → (image path, sha256)
    master_bytes = 0
    try:
        for vol in volumes:
            folder = profile.folder_of(vol.archive_id)
            for page in vol.pages:
                if cancel is not None and cancel.is_set():
                    raise HandoverCancelled()
                stem = f"{folder}/{profile.page_stem(vol.archive_id, page.number)}"
                try:
                    raw = page.load_master()
                    data, img = _master_bytes(raw, profile.image_format)
                except HukouScanError as e:  # e.g. the pixel limit: its own message, with the page
                    raise ExportError(
                        f"{vol.archive_id} 第{page.number}页：{e.zh}",
                        f"{vol.archive_id} page {page.number}: {e.en}",
                        hint_zh=e.hint_zh,
                        hint_en=e.hint_en,
                    ) from e
                except (OSError, ValueError, SyntaxError) as e:  # Pillow on a damaged file
                    raise ExportError(
                        f"无法读取页面母版：{vol.archive_id} 第{page.number}页",
                        f"Cannot read the page master: {vol.archive_id} page {page.number}",
                        hint_zh="请运行存储检查或从云端恢复该页。",
                        hint_en="Run the storage check or restore the page from the cloud copy.",
                    ) from e
                ext = "tif" if profile.image_format == "tiff" else "jpg"
                image_path = f"{stem}.{ext}"
                master_bytes += len(raw)
                if "images" in profile.files:
                    sha = w.write(image_path, data)["sha256"]
                else:
                    sha = digest("sha256", data)
                page_files[page.page_id] = (image_path, sha)
                if "process_xml" in profile.files:
                    w.write(f"{stem}.xml", process_xml(vol, page, image_path, sha, img, profile, info))
                done += 1
                if progress:
                    progress(done, total, f"{vol.archive_id}-{page.number:04d}")
        if cancel is not None and cancel.is_set():
            raise HandoverCancelled()
        if "catalogue_xml" in profile.files:
            w.write("catalogue.xml", catalogue_xml(volumes, page_files, profile, info))
        if "catalogue_xlsx" in profile.files:
            w.write("catalogue.xlsx", catalogue_xlsx(volumes, page_files, profile))
        if "schemas" in profile.files:
            w.write("schema/catalogue.xsd", schema_text("catalogue.xsd"))
            w.write("schema/process.xsd", schema_text("process.xsd"))
        register = RegisterFigures(
            volumes=len(volumes),
            pages=total,
            files=w.files + sum(1 for f in ("register_pdf", "register_xlsx") if f in profile.files),
            payload_bytes=w.bytes,
            created_at=info.created_at,
            station=info.station,
            created_by=info.created_by,
            receiver=profile.receiver,
            profile=profile.name,
            archive_ids=tuple(v.archive_id for v in volumes),
            checksums=profile.checksums,
        )
        if "register_pdf" in profile.files:
            w.write("transfer-register.pdf", register_pdf(register))
        if "register_xlsx" in profile.files:
            w.write("transfer-register.xlsx", register_xlsx(register))
        sink.commit()
        manifest_sha = ""
        for algo in profile.checksums:
            body = "".join(f"{h}  {p}\n" for p, h in sorted(w.entries[algo].items())).encode("utf-8")
            sink.write(f"{MANIFEST_PREFIX}{algo}.txt", body)
            if algo == "sha256":
                manifest_sha = digest("sha256", body)
    except BaseException:
        sink.discard()
        raise
    secs = time.perf_counter() - started
    log.info("hand-over: %d volume(s), %d page(s), %d file(s) in %.2fs", len(volumes), total, w.files, secs)
    return HandoverResult(
        sink.location,
        info.package_name,
        len(volumes),
        total,
        w.files,
        w.bytes,
        master_bytes,
        secs,
        profile.checksums,
        manifest_sha,
    )


# --- XML -----------------------------------------------------------------------------------


def _el(parent: Any, tag: str, text: Any = None, **attrs: Any) -> Any:
    from lxml import etree

    e = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None and text != "":
        e.text = str(text)
    return e


def _persons_el(parent: Any, ns: str, persons: Iterable[LinkedPerson]) -> None:
    persons = list(persons)
    if not persons:
        return
    box = _el(parent, f"{{{ns}}}persons")
    for p in persons:
        pe = _el(box, f"{{{ns}}}person")
        _el(pe, f"{{{ns}}}name", p.name)
        _el(pe, f"{{{ns}}}idNumber", p.id_number)
        _el(pe, f"{{{ns}}}relation", p.relation)
        _el(pe, f"{{{ns}}}householdNo", p.household_no)


def _page_title(vol: HandoverVolume, page: HandoverPage) -> str:
    names = "、".join(dict.fromkeys(p.name for p in page.persons))
    return f"{vol.category} {names}".strip() if names else vol.title


def catalogue_xml(
    volumes: Sequence[HandoverVolume],
    page_files: dict[str, tuple[str, str]],
    profile: HandoverProfile,
    info: PackageInfo,
) -> bytes:
    """目录数据: 卷 level and page level (DA/T 18 style fields; schema ``catalogue.xsd``)."""
    from lxml import etree

    ns = CATALOGUE_NS
    root = etree.Element(
        f"{{{ns}}}catalogue",
        nsmap={None: ns},
        profile=profile.name,
        created=info.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        station=info.station,
    )
    for vol in volumes:
        levels = profile.levels_of(vol.archive_id)
        ve = _el(root, f"{{{ns}}}volume")
        _el(ve, f"{{{ns}}}archiveId", vol.archive_id)
        _el(ve, f"{{{ns}}}fonds", levels["fonds"])
        _el(ve, f"{{{ns}}}catalogueNo", levels["catalogue"])
        _el(ve, f"{{{ns}}}volumeNo", levels["volume"])
        _el(ve, f"{{{ns}}}title", vol.title)
        _el(ve, f"{{{ns}}}responsible", vol.responsible)
        _el(ve, f"{{{ns}}}date", vol.date)
        _el(ve, f"{{{ns}}}pageCount", len(vol.pages))
        _el(ve, f"{{{ns}}}securityClass", profile.security_class)
        _el(ve, f"{{{ns}}}retention", profile.retention)
        _el(ve, f"{{{ns}}}category", vol.category)
        _el(ve, f"{{{ns}}}location", vol.location)
        _persons_el(ve, ns, vol.persons)
        for page in vol.pages:
            path, sha = page_files[page.page_id]
            pe = _el(ve, f"{{{ns}}}page")
            _el(pe, f"{{{ns}}}archiveId", vol.archive_id)
            _el(pe, f"{{{ns}}}pageNo", page.number)
            _el(pe, f"{{{ns}}}title", _page_title(vol, page))
            _el(pe, f"{{{ns}}}responsible", vol.responsible)
            _el(pe, f"{{{ns}}}date", page.captured_at.strftime("%Y%m%d") if page.captured_at else vol.date)
            _el(pe, f"{{{ns}}}securityClass", profile.security_class)
            _el(pe, f"{{{ns}}}retention", profile.retention)
            _el(pe, f"{{{ns}}}file", path)
            _el(pe, f"{{{ns}}}sha256", sha)
            _persons_el(pe, ns, page.persons)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def process_xml(
    vol: HandoverVolume,
    page: HandoverPage,
    image_path: str,
    sha: str,
    img: dict[str, Any],
    profile: HandoverProfile,
    info: PackageInfo,
) -> bytes:
    """数字化过程元数据 of one page (DA/T 31 §8; schema ``process.xsd``)."""
    from lxml import etree

    ns = PROCESS_NS
    root = etree.Element(f"{{{ns}}}processMetadata", nsmap={None: ns}, profile=profile.name)
    _el(root, f"{{{ns}}}archiveId", vol.archive_id)
    _el(root, f"{{{ns}}}pageNo", page.number)
    _el(root, f"{{{ns}}}file", image_path.rsplit("/", 1)[-1])
    cap = _el(root, f"{{{ns}}}capture")
    _el(cap, f"{{{ns}}}device", page.device or "unknown")
    _el(cap, f"{{{ns}}}operator", page.operator or "unknown")
    _el(cap, f"{{{ns}}}station", info.station)
    if page.captured_at is not None:
        _el(cap, f"{{{ns}}}time", page.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if page.effective_dpi:
        _el(cap, f"{{{ns}}}effectiveDpi", f"{page.effective_dpi:.1f}")
    if page.original_sha256:
        _el(cap, f"{{{ns}}}originalSha256", page.original_sha256)
    im = _el(root, f"{{{ns}}}image")
    _el(im, f"{{{ns}}}format", img["format"])
    _el(im, f"{{{ns}}}colourMode", img["mode"])
    _el(im, f"{{{ns}}}widthPx", img["width"])
    _el(im, f"{{{ns}}}heightPx", img["height"])
    if img.get("dpi"):
        _el(im, f"{{{ns}}}dpi", img["dpi"])
    _el(im, f"{{{ns}}}sha256", sha)
    proc = _el(root, f"{{{ns}}}processing")
    for step in page.steps:
        se = _el(proc, f"{{{ns}}}step", name=step.name, manual="true" if step.manual else "false")
        for k, v in step.params.items():
            _el(se, f"{{{ns}}}param", _param_text(v), name=k)
    qa = _el(root, f"{{{ns}}}qa")
    _el(qa, f"{{{ns}}}result", page.qa_result or "not_reviewed")
    for k, v in sorted(page.quality.items()):
        if isinstance(v, int | float | str | bool):
            _el(qa, f"{{{ns}}}metric", _param_text(v), name=k)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _param_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list | tuple):
        return " ".join(_param_text(x) for x in v)
    return str(v)


# --- spreadsheets --------------------------------------------------------------------------

CATALOGUE_HEADERS = (
    "层次",
    "档号",
    "全宗号",
    "目录号",
    "案卷号",
    "页号",
    "题名",
    "责任者",
    "日期",
    "页数",
    "密级",
    "保管期限",
    "类别",
    "纸质原件存放位置",
    "关联人员",
    "公民身份号码",
    "文件",
    "SHA-256",
)


def catalogue_xlsx(
    volumes: Sequence[HandoverVolume], page_files: dict[str, tuple[str, str]], profile: HandoverProfile
) -> bytes:
    """The catalogue as one sheet: a 卷 row followed by its page rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("目录数据")
    ws.append(list(CATALOGUE_HEADERS))
    bold = Font(bold=True)
    for vol in volumes:
        lv = profile.levels_of(vol.archive_id)
        names = "、".join(p.name for p in vol.persons)
        ids = "、".join(p.id_number for p in vol.persons if p.id_number)
        row: list[Any] = [
            "卷",
            vol.archive_id,
            lv["fonds"],
            lv["catalogue"],
            lv["volume"],
            "",
            vol.title,
            vol.responsible,
            vol.date,
            len(vol.pages),
            profile.security_class,
            profile.retention,
            vol.category,
            vol.location,
            names,
            ids,
            profile.folder_of(vol.archive_id),
            "",
        ]
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for v in row:
            c = WriteOnlyCell(ws, value=v)
            c.font = bold
            cells.append(c)
        ws.append(cells)
        for page in vol.pages:
            path, sha = page_files[page.page_id]
            ws.append(
                [
                    "页",
                    vol.archive_id,
                    lv["fonds"],
                    lv["catalogue"],
                    lv["volume"],
                    page.number,
                    _page_title(vol, page),
                    vol.responsible,
                    page.captured_at.strftime("%Y%m%d") if page.captured_at else vol.date,
                    1,
                    profile.security_class,
                    profile.retention,
                    vol.category,
                    vol.location,
                    "、".join(p.name for p in page.persons),
                    "、".join(p.id_number for p in page.persons if p.id_number),
                    path,
                    sha,
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class RegisterFigures:
    """What the 移交登记表 states."""

    volumes: int
    pages: int
    files: int
    payload_bytes: int  # every file except the manifests and the register itself
    created_at: datetime
    station: str
    created_by: str
    receiver: str
    profile: str
    archive_ids: tuple[str, ...]
    checksums: tuple[str, ...]

    def rows(self) -> list[tuple[str, str]]:
        local = self.created_at.astimezone()
        span = (
            self.archive_ids[0]
            if len(self.archive_ids) == 1
            else f"{self.archive_ids[0]} 至 {self.archive_ids[-1]}"
        )
        return [
            ("移交单位", self.station),
            ("接收单位", self.receiver),
            ("移交内容", f"户籍档案数字化成果（{self.profile}）"),
            ("档号范围", span),
            ("案卷数", str(self.volumes)),
            ("页数", str(self.pages)),
            ("文件数", f"{self.files}（另含校验清单 {len(self.checksums)} 个）"),
            ("数据量", f"{self.payload_bytes} 字节（{self.payload_bytes / 1e6:.1f} MB，不含校验清单）"),
            ("校验算法", "、".join(c.upper().replace("SHA256", "SHA-256") for c in self.checksums)),
            ("移交日期", f"{local:%Y年%m月%d日}"),
            ("制表人", self.created_by),
        ]


SIGNATURES = ("移交人（签字）", "接收人（签字）", "监交人（签字）")


def register_xlsx(fig: RegisterFigures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "移交登记表"
    ws["A1"] = "档案数字化成果移交登记表"
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:D1")
    ws["A1"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    border = Border(top=thin, bottom=thin, left=thin, right=thin)
    r = 3
    for label, value in fig.rows():
        ws.cell(r, 1, label).border = border
        ws.cell(r, 2, value).border = border
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        r += 1
    r += 1
    for label in SIGNATURES:
        ws.cell(r, 1, label).border = border
        ws.cell(r, 2, "").border = border
        ws.cell(r, 3, "日期").border = border
        ws.cell(r, 4, "").border = border
        ws.row_dimensions[r].height = 36
        r += 1
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 20
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def register_pdf(fig: RegisterFigures, font: Path | None = None) -> bytes:
    """The register as a one-page A4 PDF.

    Text is drawn as vector outlines of the installed CJK font (the export's watermark
    machinery), so the sheet prints the same everywhere and embeds no font; it is a form
    to sign, not a searchable document.
    """
    import zlib

    from hukou_scan.export.pdfobj import Name, PdfWriter
    from hukou_scan.export.watermark import outline_texts

    pw, ph = 595.28, 841.89
    lines: list[str] = ["0 0 0 RG 0.8 w"]
    texts: list[tuple[str, float, float, float]] = []
    title, title_size = "档案数字化成果移交登记表", 20.0
    texts.append((title, pw / 2 - title_size * len(title) / 2, ph - 80, title_size))
    left, right, label_w, row_h = 60.0, pw - 60.0, 120.0, 30.0
    y = ph - 130
    rows = [*fig.rows(), *((s, "") for s in SIGNATURES)]
    n_sign = len(SIGNATURES)
    for i, (label, value) in enumerate(rows):
        signature = i >= len(rows) - n_sign
        h = row_h * (1.6 if signature else 1.0)
        lines.append(f"{left:.2f} {y - h:.2f} {right - left:.2f} {h:.2f} re S")
        lines.append(f"{left + label_w:.2f} {y:.2f} m {left + label_w:.2f} {y - h:.2f} l S")
        baseline = y - h / 2 - 4
        texts.append((label, left + 8, baseline, 11))
        if value:
            texts.append((value[:60], left + label_w + 8, baseline, 10.5))
        if signature:
            texts.append(("日期：", right - 150, baseline, 11))
        y -= h
    texts.append(("本表由 hukou-scan 生成；签字栏留空，由移交、接收、监交三方签署。", left, y - 30, 9))
    glyphs, _widths = outline_texts(texts, font)
    ops = "\n".join(lines).encode("ascii") + b"\n0 0 0 rg\n" + glyphs
    buf = io.BytesIO()
    w = PdfWriter(buf)
    catalog_ref, pages_ref = w.reserve(), w.reserve()
    content = w.add_stream(zlib.compress(ops), {"Filter": Name("FlateDecode")})
    page = w.add(
        {
            "Type": Name("Page"),
            "Parent": pages_ref,
            "MediaBox": [0, 0, pw, ph],
            "Contents": content,
            "Resources": {},
        }
    )
    w.add({"Type": Name("Pages"), "Kids": [page], "Count": 1}, ref=pages_ref)
    w.add({"Type": Name("Catalog"), "Pages": pages_ref}, ref=catalog_ref)
    info = w.add({"Title": "档案数字化成果移交登记表", "Producer": "hukou-scan"})
    w.finish(catalog_ref, info, hashlib.sha256(repr(fig).encode()).digest()[:16])
    return buf.getvalue()


# --- verify --------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    root: str
    checked: int = 0
    algorithms: tuple[str, ...] = ()
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "ok": self.ok,
            "checked": self.checked,
            "algorithms": list(self.algorithms),
            "missing": self.missing,
            "extra": self.extra,
            "changed": self.changed,
        }


def _read_manifest(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        h, sep, rel = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", h):
            raise ExportError(
                f"校验清单第 {n} 行格式错误：{path.name}", f"Malformed line {n} in the manifest {path.name}"
            )
        out[rel] = h
    return out


def verify_package(root: Path, progress: ProgressFn | None = None) -> VerifyReport:
    """Re-check every file of a package against its manifest(s) alone.

    Missing, extra (not listed) and changed files are reported; the manifests are
    the only files not listed in themselves.

    Raises:
        ExportError: ``root`` is not a folder or has no manifest.
    """
    root = Path(root)
    manifests = sorted(root.glob(f"{MANIFEST_PREFIX}*.txt")) if root.is_dir() else []
    if not manifests:
        raise ExportError(
            f"不是移交包（没有校验清单）：{root}",
            f"Not a hand-over package (no manifest found): {root}",
            hint_zh="请指定移交包的根文件夹（含 manifest-sha256.txt）。",
            hint_en="Point at the package's root folder (the one holding manifest-sha256.txt).",
        )
    report = VerifyReport(str(root))
    expected: dict[str, dict[str, str]] = {}
    for m in manifests:
        algo = m.name[len(MANIFEST_PREFIX) : -len(".txt")]
        new_hash(algo)  # unknown algorithm → clear error
        expected[algo] = _read_manifest(m)
    report.algorithms = tuple(expected)
    listed = set().union(*(set(e) for e in expected.values()))
    manifest_names = {m.name for m in manifests}
    present = {
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
    } - manifest_names
    report.extra = sorted(present - listed)
    report.missing = sorted(listed - present)
    todo = sorted(listed & present)
    for i, rel in enumerate(todo):
        hashes = {a: new_hash(a) for a, e in expected.items() if rel in e}
        with open(root / rel, "rb") as fh:
            while block := fh.read(1 << 20):
                for h in hashes.values():
                    h.update(block)
        if any(h.hexdigest() != expected[a][rel] for a, h in hashes.items()):
            report.changed.append(rel)
        report.checked += 1
        if progress:
            progress(i + 1, len(todo), rel)
    return report


def package_name(station_code: str, when: datetime | None = None) -> str:
    """``移交-<station>-<YYYYMMDD-HHMMSS>``: sortable, unique per station and second."""
    t = (when or datetime.now(UTC)).astimezone()
    return _safe(f"handover-{station_code}-{t:%Y%m%d-%H%M%S}")


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise ExportError(
            f"日期格式错误：{text}（应为 YYYY-MM-DD）", f"Bad date: {text} (expected YYYY-MM-DD)"
        ) from e
