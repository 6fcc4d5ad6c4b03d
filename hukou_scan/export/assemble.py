"""Assemble one searchable, bookmarked PDF from page images and their OCR words.

The document is streamed: each page's image, content stream and page dictionary go
to disk as soon as they are made (see :mod:`hukou_scan.export.pdfobj`), and the
objects that depend on the whole document — page tree, fonts (the ToUnicode map
needs every character used), outline, page labels, metadata — are written at the
end.  Memory therefore holds one page image at a time plus a few integers per page.

The file is written under a temporary name in the destination folder, fsynced and
moved into place with ``os.replace``; a cancelled or failed export removes the
temporary file, so no half-written file ever appears under the final name.  When a
password is requested, the finished file is rewritten once by pikepdf/qpdf with
AES-256 (qpdf reads stream data lazily from the first file, so memory stays bounded).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hukou_scan.config import fsync_dir, open_private, private_dir
from hukou_scan.domain import OcrResult
from hukou_scan.errors import ExportError, HukouScanError
from hukou_scan.export.images import PdfImage, maybe_deflate, prepare_image
from hukou_scan.export.metadata import DocumentInfo, info_dict, srgb_icc, xmp_packet
from hukou_scan.export.pdfobj import Name, PdfWriter, Ref
from hukou_scan.export.textlayer import (
    ASCENT,
    DESCENT,
    FONT_NAME,
    CidAllocator,
    PageFrame,
    glyphless_font,
    text_layer_ops,
)
from hukou_scan.export.watermark import WatermarkForm, build_watermark, watermark_page_ops

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
MAX_PAGE_PT = 14400.0  # PDF's largest page side without UserUnit (200 in)


class ExportCancelled(ExportError):
    """The user cancelled the export; nothing was written under the final name."""

    def __init__(self) -> None:
        super().__init__("导出已取消，未生成文件。", "Export cancelled; no file was written.")


@dataclass(frozen=True)
class PageContent:
    """What a page loader returns: the stored image and its OCR (if any)."""

    image: bytes
    ocr: OcrResult | None = None
    dpi: float | None = None  # pixel density of ``image``; else the file's own dpi is used
    bitonal: bool | None = None  # True: make it G4; False: continuous tone; None: look
    fallback_dpi: float | None = None  # when neither is known (before the default)


@dataclass(frozen=True)
class ExportPage:
    """One page of the export; ``load`` is called only when the page is written."""

    page_id: str
    label: str  # archive id + sequence, shown as the PDF page label
    load: Callable[[], PageContent]


@dataclass
class OutlineNode:
    """A bookmark; ``page_index`` is the position in the export's page list."""

    title: str
    page_index: int
    children: list[OutlineNode] = field(default_factory=list)
    open: bool = False


@dataclass(frozen=True)
class AssemblyOptions:
    watermark_lines: tuple[str, ...] = ()
    password: str | None = None
    jpeg_quality: int = 85
    default_dpi: float = 300.0
    text_layer: bool = True
    pdfa: bool = True
    skip_bad_pages: bool = True
    watermark_font: Path | None = None
    jpeg_flate: str = "auto"  # auto | always | never (see images.maybe_deflate)


@dataclass(frozen=True)
class AssemblyResult:
    path: Path
    pages: int
    bytes: int
    skipped: tuple[str, ...]  # page ids that could not be read
    words: int
    seconds: float
    pdfa_claimed: bool


def _flate(data: bytes) -> bytes:
    return zlib.compress(data, 6)


def _image_dict(img: PdfImage) -> dict[str, Any]:
    d: dict[str, Any] = {
        "Type": Name("XObject"),
        "Subtype": Name("Image"),
        "Width": img.width,
        "Height": img.height,
        "ColorSpace": Name(img.colorspace),
        "BitsPerComponent": img.bits,
        "Filter": [Name("FlateDecode"), Name(img.filter)] if img.deflated else Name(img.filter),
    }
    if img.decode_parms:
        d["DecodeParms"] = [None, img.decode_parms] if img.deflated else img.decode_parms
    return d


def _dpi_for(content: PageContent, img: PdfImage, default: float) -> float:
    # Physical size comes from the image's own pixel density; OCR boxes are mapped onto
    # the page box through their own coordinate space (OcrResult.width/height), so an
    # image and its OCR need not share a pixel size.
    dpi = content.dpi or img.dpi or content.fallback_dpi or default
    longest = max(img.width, img.height)
    return max(dpi, longest * 72.0 / MAX_PAGE_PT)


def _unique_tmp(final: Path, tag: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=f".{tag}.part", dir=final.parent)
    os.close(fd)
    return Path(name)


def assemble_pdf(
    pages: Sequence[ExportPage],
    out_path: Path,
    info: DocumentInfo,
    outline: Sequence[OutlineNode] = (),
    options: AssemblyOptions | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> AssemblyResult:
    """Write ``pages`` to ``out_path`` atomically.

    Raises:
        ExportCancelled: ``cancel`` was set; no file exists under ``out_path``.
        ExportError: nothing could be exported, or writing failed.
    """
    opts = options or AssemblyOptions()
    if not pages:
        raise ExportError("没有可导出的页面。", "There are no pages to export.")
    out_path = Path(out_path)
    if not out_path.parent.exists():
        private_dir(out_path.parent)
    started = time.perf_counter()
    tmp = _unique_tmp(out_path, "w")
    tmp_enc: Path | None = None
    try:
        with open_private(tmp, "wb") as fh:
            written, skipped, n_words = _write_document(fh, pages, info, outline, opts, progress, cancel)
        if opts.password:
            tmp_enc = _unique_tmp(out_path, "e")
            _encrypt(tmp, tmp_enc, opts.password)
            tmp.unlink()
            tmp = tmp_enc
        if cancel is not None and cancel.is_set():
            raise ExportCancelled()
        os.replace(tmp, out_path)
        fsync_dir(out_path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if tmp_enc is not None:
            tmp_enc.unlink(missing_ok=True)
        raise
    size = out_path.stat().st_size
    secs = time.perf_counter() - started
    log.info("exported %d page(s) (%d skipped) to %s in %.2fs", written, len(skipped), out_path.name, secs)
    return AssemblyResult(
        out_path, written, size, tuple(skipped), n_words, secs, opts.pdfa and not opts.password
    )


def _encrypt(src: Path, dst: Path, password: str) -> None:
    import pikepdf

    try:
        with pikepdf.open(src) as pdf:
            pdf.save(
                dst,
                encryption=pikepdf.Encryption(user=password, owner=password, R=6, aes=True),
                fix_metadata_version=False,
            )
    except pikepdf.PdfError as e:
        raise ExportError("加密 PDF 失败。", f"Could not encrypt the PDF: {e}") from e


def _write_document(
    fh: Any,
    pages: Sequence[ExportPage],
    info: DocumentInfo,
    outline: Sequence[OutlineNode],
    opts: AssemblyOptions,
    progress: ProgressFn | None,
    cancel: threading.Event | None,
) -> tuple[int, list[str], int]:
    w = PdfWriter(fh)
    catalog_ref, pages_ref, font_ref = w.reserve(), w.reserve(), w.reserve()
    cids = CidAllocator()
    wm: WatermarkForm | None = None
    wm_ref: Ref | None = None
    gs_ref: Ref | None = None
    if opts.watermark_lines:
        wm = build_watermark(list(opts.watermark_lines), opts.watermark_font)
        body = b"0.78 0.08 0.08 rg\n" + wm.ops
        wm_ref = w.add_stream(
            _flate(body),
            {
                "Type": Name("XObject"),
                "Subtype": Name("Form"),
                "BBox": [0, 0, round(wm.width, 2), round(wm.height, 2)],
                "Filter": Name("FlateDecode"),
            },
        )
        gs_ref = w.add({"Type": Name("ExtGState"), "ca": 0.22, "CA": 0.22})

    kids: list[Ref] = []
    index_to_kid: list[int | None] = []  # page index → position in kids (None if skipped)
    labels: list[str] = []
    skipped: list[str] = []
    n_words = 0
    total = len(pages)
    for i, page in enumerate(pages):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled()
        try:
            content = page.load()
            img = prepare_image(content.image, jpeg_quality=opts.jpeg_quality, bitonal=content.bitonal)
            img = maybe_deflate(img, opts.jpeg_flate)
        except HukouScanError as e:
            if not opts.skip_bad_pages:
                raise
            log.warning("export: page %s skipped: %s", page.page_id, e.en)
            skipped.append(page.page_id)
            index_to_kid.append(None)
            if progress:
                progress(i + 1, total, page.label)
            continue
        dpi = _dpi_for(content, img, opts.default_dpi)
        pw, ph = img.width * 72.0 / dpi, img.height * 72.0 / dpi
        img_ref = w.add_stream(img.data, _image_dict(img))
        ops = [f"q {pw:.3f} 0 0 {ph:.3f} 0 0 cm /Im0 Do Q\n".encode("ascii")]
        resources: dict[str, Any] = {"XObject": {"Im0": img_ref}}
        if opts.text_layer and content.ocr is not None and content.ocr.words:
            ocr = content.ocr
            frame = PageFrame(float(ocr.width or img.width), float(ocr.height or img.height), pw, ph)
            layer = text_layer_ops(ocr.words, frame, cids)
            if layer:
                ops.append(layer)
                resources["Font"] = {"F1": font_ref}
                n_words += len(ocr.words)
        if wm is not None and wm_ref is not None and gs_ref is not None:
            ops.append(watermark_page_ops("Wm0", "GS0", wm, pw, ph))
            resources["XObject"]["Wm0"] = wm_ref
            resources["ExtGState"] = {"GS0": gs_ref}
        contents_ref = w.add_stream(_flate(b"".join(ops)), {"Filter": Name("FlateDecode")})
        page_dict: dict[str, Any] = {
            "Type": Name("Page"),
            "Parent": pages_ref,
            "MediaBox": [0, 0, round(pw, 3), round(ph, 3)],
            "Resources": resources,
            "Contents": contents_ref,
        }
        if wm is not None:
            page_dict["Group"] = {"S": Name("Transparency"), "CS": Name("DeviceRGB")}
        kids.append(w.add(page_dict))
        index_to_kid.append(len(kids) - 1)
        labels.append(page.label)
        if progress:
            progress(i + 1, total, page.label)
        del content, img  # bounded memory: nothing of this page outlives its iteration
    if not kids:
        raise ExportError(
            "所有页面图像都无法读取，未生成文件。",
            "None of the page images could be read; no file was written.",
            hint_zh="请运行存储检查或从云端恢复页面。",
            hint_en="Run the storage check or restore the pages from the cloud copy.",
        )

    w.add({"Type": Name("Pages"), "Kids": kids, "Count": len(kids)}, ref=pages_ref)
    _write_font(w, font_ref, cids)

    catalog: dict[str, Any] = {"Type": Name("Catalog"), "Pages": pages_ref, "Lang": "zh-CN"}
    catalog["PageLabels"] = {"Nums": [x for j, lab in enumerate(labels) for x in (j, {"P": lab})]}
    if outline:
        outlines_ref = _write_outline(w, outline, kids, index_to_kid)
        if outlines_ref is not None:
            catalog["Outlines"] = outlines_ref
            catalog["PageMode"] = Name("UseOutlines")
    pdfa = opts.pdfa and not opts.password
    catalog["Metadata"] = w.add_stream(
        xmp_packet(info, pdfa=pdfa), {"Type": Name("Metadata"), "Subtype": Name("XML")}
    )
    icc_ref = w.add_stream(_flate(srgb_icc()), {"N": 3, "Filter": Name("FlateDecode")})
    catalog["OutputIntents"] = [
        {
            "Type": Name("OutputIntent"),
            "S": Name("GTS_PDFA1"),
            "OutputConditionIdentifier": "sRGB IEC61966-2.1",
            "Info": "sRGB IEC61966-2.1",
            "DestOutputProfile": icc_ref,
        }
    ]
    catalog["ViewerPreferences"] = {"DisplayDocTitle": True}
    w.add(catalog, ref=catalog_ref)
    info_ref = w.add(info_dict(info))
    w.finish(catalog_ref, info_ref, uuid.uuid4().bytes)
    return len(kids), skipped, n_words


def _write_font(w: PdfWriter, font_ref: Ref, cids: CidAllocator) -> None:
    """The Type0/CIDFontType2 glyphless font (written even when unused: it is tiny)."""
    ttf = glyphless_font()
    ff = w.add_stream(_flate(ttf), {"Length1": len(ttf), "Filter": Name("FlateDecode")})
    desc = w.add(
        {
            "Type": Name("FontDescriptor"),
            "FontName": Name(FONT_NAME),
            "Flags": 4,
            "FontBBox": [0, DESCENT, 1000, ASCENT],
            "ItalicAngle": 0,
            "Ascent": ASCENT,
            "Descent": DESCENT,
            "CapHeight": ASCENT,
            "StemV": 80,
            "FontFile2": ff,
        }
    )
    c2g = w.add_stream(_flate(cids.cid_to_gid_map()), {"Filter": Name("FlateDecode")})
    cid_font = w.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("CIDFontType2"),
            "BaseFont": Name(FONT_NAME),
            "CIDSystemInfo": {"Registry": "Adobe", "Ordering": "Identity", "Supplement": 0},
            "FontDescriptor": desc,
            "DW": 1000,
            "CIDToGIDMap": c2g,
        }
    )
    tu = w.add_stream(_flate(cids.to_unicode_cmap()), {"Filter": Name("FlateDecode")})
    w.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("Type0"),
            "BaseFont": Name(FONT_NAME),
            "Encoding": Name("Identity-H"),
            "DescendantFonts": [cid_font],
            "ToUnicode": tu,
        },
        ref=font_ref,
    )


def _visible(node: OutlineNode) -> int:
    return sum(1 + (_visible(c) if c.open else 0) for c in node.children)


def _write_outline(
    w: PdfWriter, roots: Sequence[OutlineNode], kids: list[Ref], index_to_kid: list[int | None]
) -> Ref | None:
    def target(idx: int) -> Ref:
        # A bookmark on a skipped page points at the next page that was written.
        for j in range(max(idx, 0), len(index_to_kid)):
            k = index_to_kid[j]
            if k is not None:
                return kids[k]
        return kids[-1]

    top = w.reserve()

    def write_level(nodes: Sequence[OutlineNode], parent: Ref) -> tuple[Ref, Ref]:
        refs = [w.reserve() for _ in nodes]
        for i, (node, ref) in enumerate(zip(nodes, refs, strict=True)):
            d: dict[str, Any] = {
                "Title": node.title,
                "Parent": parent,
                "Dest": [target(node.page_index), Name("Fit")],
            }
            if i > 0:
                d["Prev"] = refs[i - 1]
            if i + 1 < len(refs):
                d["Next"] = refs[i + 1]
            if node.children:
                first, last = write_level(node.children, ref)
                d["First"], d["Last"] = first, last
                d["Count"] = _visible(node) if node.open else -len(node.children)
            w.add(d, ref=ref)
        return refs[0], refs[-1]

    first, last = write_level(roots, top)
    count = sum(1 + (_visible(n) if n.open else 0) for n in roots)
    w.add({"Type": Name("Outlines"), "First": first, "Last": last, "Count": count}, ref=top)
    return top
