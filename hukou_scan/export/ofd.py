"""OFD access copies (GB/T 33190-2016): page images with an invisible text layer.

OFD is the Chinese fixed-layout format government archives increasingly ask for beside
or instead of PDF.  An OFD file is a ZIP package of XML documents::

    OFD.xml                         entry point: DocInfo (metadata) and DocRoot
    Doc_0/Document.xml              page list, page area, outlines (bookmarks)
    Doc_0/PublicRes.xml             fonts
    Doc_0/DocumentRes.xml           images (MultiMedia)
    Doc_0/Res/image_<n>.jpg|png     the page images, stored as they are
    Doc_0/Pages/Page_<n>/Content.xml  one image object + one text object per OCR word

Written here because no library on the registry writes OFD with a positioned text
layer (``easyofd`` converts PDF or plain images to OFD, without OCR text; it is used
in the tests to read our files back).  Coordinates are millimetres with the origin at
the top left (unlike PDF), so OCR boxes map with a scale only.

The text layer is invisible: each OCR run is one ``TextObject`` with ``Fill="false"``
and a fully transparent fill colour, its glyphs spread over the OCR box with
``DeltaX`` (``DeltaY`` for vertical columns), so search and copy find the words where
they are on the image.  The font is referenced by name (宋体), not embedded: nothing
is drawn with it.

Like :func:`hukou_scan.export.assemble.assemble_pdf`, pages are loaded one at a time and
written straight into the ZIP, and the file appears under its final name only when
complete (temp file, fsync, ``os.replace``).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from hukou_scan import __version__
from hukou_scan.config import fsync_dir
from hukou_scan.domain import OcrResult
from hukou_scan.errors import ExportError, HukouScanError, ImageProcessingError
from hukou_scan.export.assemble import (
    MAX_PAGE_PT,
    AssemblyOptions,
    AssemblyResult,
    ExportCancelled,
    ExportPage,
    OutlineNode,
    ProgressFn,
    _unique_tmp,
)
from hukou_scan.export.metadata import DocumentInfo
from hukou_scan.export.textlayer import VERTICAL_RATIO
from hukou_scan.imaging.limits import check_image_file

log = logging.getLogger(__name__)

OFD_NS = "http://www.ofdspec.org/2016"
FONT_ID = 1
MM_PER_IN = 25.4


_XML_INVALID: dict[int, None] = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def _x(text: str) -> str:
    """XML text content: special characters escaped, characters XML 1.0 forbids dropped."""
    text = text.translate(_XML_INVALID)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _f(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def _head(tag: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:{tag} xmlns:ofd="{OFD_NS}"'


@dataclass(frozen=True)
class _PageImage:
    data: bytes
    fmt: str  # JPEG | PNG
    ext: str
    width: int
    height: int
    dpi: float | None


def _page_image(data: bytes, jpeg_quality: int) -> _PageImage:
    """The stored image as OFD can embed it: JPEG and PNG as they are, anything else as PNG
    (lossless; TIFF/BMP masters are rare and OFD readers differ on them)."""
    from PIL import Image, UnidentifiedImageError

    try:
        check_image_file(data, "page image")  # the product-wide pixel limit, from the header
    except ImageProcessingError as e:
        raise ExportError(e.zh, e.en, hint_zh=e.hint_zh, hint_en=e.hint_en) from e
    try:
        with Image.open(io.BytesIO(data)) as im:
            dpi_info = im.info.get("dpi")
            dpi = float(dpi_info[0]) if dpi_info and float(dpi_info[0]) > 1 else None
            if im.format == "JPEG":
                return _PageImage(data, "JPEG", "jpg", im.width, im.height, dpi)
            if im.format == "PNG":
                return _PageImage(data, "PNG", "png", im.width, im.height, dpi)
            buf = io.BytesIO()
            conv = im if im.mode in ("1", "L", "RGB") else im.convert("RGB")
            conv.save(buf, "PNG")
            return _PageImage(buf.getvalue(), "PNG", "png", im.width, im.height, dpi)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise ExportError("无法读取页面图像。", f"Cannot read the page image: {e}") from e


def _text_objects(
    ocr: OcrResult, img_w: int, img_h: int, pw: float, ph: float, next_id: int
) -> tuple[str, int]:
    """One invisible TextObject per OCR run; returns the XML and the next free ID."""
    sx = pw / float(ocr.width or img_w)
    sy = ph / float(ocr.height or img_h)
    out: list[str] = []
    for word in ocr.words:
        text = word.text.strip()
        if not text or word.w <= 0 or word.h <= 0:
            continue
        x, y, w, h = word.x * sx, word.y * sy, word.w * sx, word.h * sy
        n = len(text)
        vertical = n >= 2 and h > w * VERTICAL_RATIO
        if vertical:
            size = w
            step = h / n
            code = (
                f'<ofd:TextCode X="0" Y="{_f(step * 0.85)}" DeltaY="{" ".join([_f(step)] * (n - 1))}">'
                if n > 1
                else f'<ofd:TextCode X="0" Y="{_f(step * 0.85)}">'
            )
        else:
            size = h
            step = w / n
            delta = f' DeltaX="{" ".join([_f(step)] * (n - 1))}"' if n > 1 else ""
            code = f'<ofd:TextCode X="0" Y="{_f(h * 0.85)}"{delta}>'
        out.append(
            f'<ofd:TextObject ID="{next_id}" Boundary="{_f(x)} {_f(y)} {_f(w)} {_f(h)}" Font="{FONT_ID}" '
            f'Size="{_f(size)}" Fill="false">'
            f'<ofd:FillColor Value="0 0 0" Alpha="0"/>{code}{_x(text)}</ofd:TextCode></ofd:TextObject>'
        )
        next_id += 1
    return "".join(out), next_id


def assemble_ofd(
    pages: Sequence[ExportPage],
    out_path: Path,
    info: DocumentInfo,
    outline: Sequence[OutlineNode] = (),
    options: AssemblyOptions | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> AssemblyResult:
    """Write ``pages`` as one OFD document to ``out_path`` atomically.

    Raises:
        ExportCancelled: ``cancel`` was set; no file exists under ``out_path``.
        ExportError: nothing could be exported, a password or watermark was asked for
            (not supported for OFD), or writing failed.
    """
    opts = options or AssemblyOptions()
    if opts.password or opts.watermark_lines:
        raise ExportError(
            "OFD 导出暂不支持密码和水印。",
            "OFD export does not support a password or a watermark.",
            hint_zh="需要密码或水印时请导出 PDF。",
            hint_en="Export a PDF when a password or a watermark is needed.",
        )
    if not pages:
        raise ExportError("没有可导出的页面。", "There are no pages to export.")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = _unique_tmp(out_path, "w")
    try:
        with open(tmp, "wb") as fh:
            written, skipped, n_words = _write_ofd(fh, pages, info, outline, opts, progress, cancel)
            fh.flush()
            os.fsync(fh.fileno())
        if cancel is not None and cancel.is_set():
            raise ExportCancelled()
        os.replace(tmp, out_path)
        fsync_dir(out_path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    secs = time.perf_counter() - started
    log.info(
        "exported %d page(s) (%d skipped) to OFD %s in %.2fs", written, len(skipped), out_path.name, secs
    )
    return AssemblyResult(out_path, written, out_path.stat().st_size, tuple(skipped), n_words, secs, False)


def _write_ofd(
    fh: io.BufferedWriter,
    pages: Sequence[ExportPage],
    info: DocumentInfo,
    outline: Sequence[OutlineNode],
    opts: AssemblyOptions,
    progress: ProgressFn | None,
    cancel: threading.Event | None,
) -> tuple[int, list[str], int]:
    next_id = FONT_ID + 1
    page_ids: list[int | None] = []  # export index → OFD page ID (None if skipped)
    page_entries: list[str] = []
    media: list[str] = []
    skipped: list[str] = []
    n_words = 0
    first_box = ""
    total = len(pages)
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as z:
        for i, page in enumerate(pages):
            if cancel is not None and cancel.is_set():
                raise ExportCancelled()
            try:
                content = page.load()
                img = _page_image(content.image, opts.jpeg_quality)
            except HukouScanError as e:
                if not opts.skip_bad_pages:
                    raise
                log.warning("ofd export: page %s skipped: %s", page.page_id, e.en)
                skipped.append(page.page_id)
                page_ids.append(None)
                if progress:
                    progress(i + 1, total, page.label)
                continue
            dpi = content.dpi or img.dpi or content.fallback_dpi or opts.default_dpi
            dpi = max(dpi, max(img.width, img.height) * 72.0 / MAX_PAGE_PT)
            pw, ph = img.width / dpi * MM_PER_IN, img.height / dpi * MM_PER_IN
            n = len(page_entries)
            res_id, page_id, layer_id, img_obj_id = next_id, next_id + 1, next_id + 2, next_id + 3
            next_id += 4
            res_name = f"image_{n}.{img.ext}"
            z.writestr(f"Doc_0/Res/{res_name}", img.data, compress_type=zipfile.ZIP_STORED)
            media.append(
                f'<ofd:MultiMedia ID="{res_id}" Type="Image" Format="{img.fmt}">'
                f"<ofd:MediaFile>{res_name}</ofd:MediaFile></ofd:MultiMedia>"
            )
            box = f"0 0 {_f(pw)} {_f(ph)}"
            first_box = first_box or box
            texts = ""
            if opts.text_layer and content.ocr is not None and content.ocr.words:
                texts, next_id = _text_objects(content.ocr, img.width, img.height, pw, ph, next_id)
                n_words += len(content.ocr.words)
            xml = (
                _head("Page")
                + f"><ofd:Area><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:Area>"
                + f'<ofd:Content><ofd:Layer ID="{layer_id}" Type="Body">'
                + f'<ofd:ImageObject ID="{img_obj_id}" Boundary="{box}" CTM="{_f(pw)} 0 0 {_f(ph)} 0 0" '
                + f'ResourceID="{res_id}"/>'
                + texts
                + "</ofd:Layer></ofd:Content></ofd:Page>\n"
            )
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", xml.encode("utf-8"))
            page_entries.append(f'<ofd:Page ID="{page_id}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
            page_ids.append(page_id)
            if progress:
                progress(i + 1, total, page.label)
            del content, img
        if not page_entries:
            raise ExportError(
                "所有页面图像都无法读取，未生成文件。",
                "None of the page images could be read; no file was written.",
            )
        z.writestr(
            "Doc_0/PublicRes.xml",
            (
                _head("Res")
                + ' BaseLoc="Res"><ofd:Fonts>'
                + f'<ofd:Font ID="{FONT_ID}" FontName="宋体" FamilyName="宋体"/>'
                + "</ofd:Fonts></ofd:Res>\n"
            ).encode("utf-8"),
        )
        z.writestr(
            "Doc_0/DocumentRes.xml",
            (
                _head("Res")
                + ' BaseLoc="Res"><ofd:MultiMedias>'
                + "".join(media)
                + "</ofd:MultiMedias></ofd:Res>\n"
            ).encode("utf-8"),
        )
        outlines = _outline_xml(outline, page_ids)
        doc = (
            _head("Document")
            + f"><ofd:CommonData><ofd:MaxUnitID>{next_id - 1}</ofd:MaxUnitID>"
            + f"<ofd:PageArea><ofd:PhysicalBox>{first_box}</ofd:PhysicalBox></ofd:PageArea>"
            + "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
            + "</ofd:CommonData><ofd:Pages>"
            + "".join(page_entries)
            + "</ofd:Pages>"
            + (f"<ofd:Outlines>{outlines}</ofd:Outlines>" if outlines else "")
            + "</ofd:Document>\n"
        )
        z.writestr("Doc_0/Document.xml", doc.encode("utf-8"))
        z.writestr("OFD.xml", _ofd_xml(info).encode("utf-8"))
    return len(page_entries), skipped, n_words


def _ofd_xml(info: DocumentInfo) -> str:
    created = info.exported_at.astimezone()
    custom = [
        ("HukouPurpose", info.purpose),
        ("HukouSource", info.source),
        ("HukouExportedAt", created.isoformat()),
    ]
    keywords = "".join(f"<ofd:Keyword>{_x(k)}</ofd:Keyword>" for k in info.archive_ids)
    return (
        _head("OFD")
        + ' Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        + f"<ofd:DocID>{uuid.uuid4().hex}</ofd:DocID>"
        + f"<ofd:Title>{_x(info.title)}</ofd:Title>"
        + (f"<ofd:Author>{_x(info.exported_by)}</ofd:Author>" if info.exported_by else "")
        + (f"<ofd:Subject>{_x(info.subject)}</ofd:Subject>" if info.subject else "")
        + f"<ofd:CreationDate>{created:%Y-%m-%d}</ofd:CreationDate>"
        + f"<ofd:ModDate>{created:%Y-%m-%d}</ofd:ModDate>"
        + (f"<ofd:Keywords>{keywords}</ofd:Keywords>" if keywords else "")
        + f"<ofd:Creator>hukou-scan</ofd:Creator><ofd:CreatorVersion>{_x(__version__)}</ofd:CreatorVersion>"
        + "<ofd:CustomDatas>"
        + "".join(f"<ofd:CustomData Name={quoteattr(k)}>{_x(v)}</ofd:CustomData>" for k, v in custom if v)
        + "</ofd:CustomDatas>"
        + "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n"
    )


def _outline_xml(nodes: Sequence[OutlineNode], page_ids: list[int | None]) -> str:
    def target(idx: int) -> int:
        for j in range(max(idx, 0), len(page_ids)):
            pid = page_ids[j]
            if pid is not None:
                return pid
        return next(p for p in reversed(page_ids) if p is not None)

    def elem(node: OutlineNode) -> str:
        kids = "".join(elem(c) for c in node.children)
        expanded = "true" if node.open else "false"
        return (
            f'<ofd:OutlineElem Title={quoteattr(node.title)} Expanded="{expanded}">'
            f'<ofd:Actions><ofd:Action Event="CLICK"><ofd:Goto>'
            f'<ofd:Dest Type="Fit" PageID="{target(node.page_index)}"/></ofd:Goto></ofd:Action></ofd:Actions>'
            f"{kids}</ofd:OutlineElem>"
        )

    return "".join(elem(n) for n in nodes)
