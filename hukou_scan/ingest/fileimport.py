"""Turn an imported file (image, multi-page TIFF, PDF) into page originals.

What is kept as the page original, and why:

* single images (JPEG, PNG, TIFF with one frame, BMP): the file's bytes, untouched —
  the original is never re-encoded;
* multi-page TIFF: each frame re-encoded losslessly as PNG (one image per page is
  what the page store and the imaging pipeline expect; the pixels are unchanged);
* PDF: when a page is a single full-page image (what sheet scanners and vendor
  software write), its embedded image stream is extracted with pikepdf — a JPEG
  (DCTDecode) stream is kept byte for byte, others are decoded losslessly to PNG.
  Pages that are not a single image (vector text, several images) are rendered
  with poppler's ``pdftoppm`` at 300 dpi.  Extraction is lossless (the scanner's
  own JPEG, not a re-encode of a rasterisation) and takes well under a millisecond
  per page against about a second for rendering (``benchmarks/bench_capture.py``,
  ``pdf_split``), so it is preferred; rendering is the general fallback.

Pillow decodes for validation (``cv2`` stays in capture/imaging by the layering rules).
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from hukou_scan.errors import HukouScanError, ImageProcessingError, MissingDependencyError
from hukou_scan.imaging.limits import ImageTooLargeError, check_image_file, check_pixels

log = logging.getLogger(__name__)

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
PDF_EXTS = {".pdf"}
SUPPORTED_EXTS = IMAGE_EXTS | PDF_EXTS
PDFTOPPM_TIMEOUT_S = 120.0
RENDER_DPI = 300

Progress = Callable[[int, int, str], None]


class ImportFileError(HukouScanError):
    """A file that cannot be imported (corrupt, empty, unsupported).

    ``permanent``: the file is complete and will never import as it is (too many
    pixels, unreadable); the hot folder quarantines it at once instead of waiting for a
    writer that may still be busy with it.
    """

    exit_code = 5
    permanent = False


class FileTooLargeError(ImportFileError):
    """An image (or PDF page) above the product's pixel limit; refused without decoding it."""

    permanent = True


class FileNotReadableError(ImportFileError):
    """The path is missing, a directory, or cannot be opened."""

    permanent = True


def _too_large(e: ImageProcessingError) -> FileTooLargeError:
    return FileTooLargeError(e.zh, e.en, hint_zh=e.hint_zh, hint_en=e.hint_en)


def read_file(path: Path) -> bytes:
    """The file's bytes, or :class:`FileNotReadableError` naming it (missing, a folder, no access)."""
    try:
        return path.read_bytes()
    except IsADirectoryError as e:
        raise FileNotReadableError(
            f"这是一个文件夹，不是文件：{path}",
            f"This is a folder, not a file: {path}",
            hint_zh="请指定文件夹中的图像或 PDF 文件。",
            hint_en="Name the image or PDF files inside it.",
        ) from e
    except FileNotFoundError as e:
        raise FileNotReadableError(f"文件不存在：{path}", f"File not found: {path}") from e
    except OSError as e:
        raise FileNotReadableError(
            f"无法读取文件：{path}（{e.strerror}）", f"Cannot read the file: {path} ({e.strerror})"
        ) from e


@dataclass(frozen=True)
class ImportedPage:
    """One page original from a file."""

    data: bytes
    page_no: int  # 1-based within the file
    kind: str  # original | tiff_frame | pdf_image | pdf_render
    mime: str


def _corrupt(path: Path, why: str) -> ImportFileError:
    return ImportFileError(
        f"文件已损坏或无法读取：{path.name}（{why}）",
        f"File is corrupt or unreadable: {path.name} ({why})",
        hint_zh="请检查该文件，必要时重新扫描。",
        hint_en="Check the file; scan it again if needed.",
    )


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_EXTS


def check_decodable(path: Path) -> None:
    """Raise :class:`ImportFileError` unless ``path`` is a complete, decodable image or PDF."""
    ext = path.suffix.lower()
    if ext in PDF_EXTS:
        import pikepdf

        try:
            with pikepdf.open(path) as pdf:
                if len(pdf.pages) == 0:
                    raise _corrupt(path, "no pages")
        except pikepdf.PdfError as e:
            raise _corrupt(path, str(e)) from e
        return
    try:
        check_image_file(path)  # header only: a pixel bomb is refused before it is decoded
    except ImageTooLargeError as e:
        raise _too_large(e) from e
    except ImageProcessingError:
        pass  # not identifiable (yet): the decode below says why
    try:
        with Image.open(path) as im:
            im.load()  # full decode: a truncated JPEG/PNG fails here
            n = getattr(im, "n_frames", 1)
            for i in range(1, n):
                im.seek(i)
                im.load()
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise _corrupt(path, str(e)) from e


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def load_pages(
    path: Path, *, progress: Progress | None = None, cancel: threading.Event | None = None
) -> list[ImportedPage]:
    """Read every page of ``path`` (see the module doc for what is kept)."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTS:
        raise ImportFileError(
            f"不支持的文件类型：{path.name}",
            f"Unsupported file type: {path.name}",
            hint_zh="支持 JPEG、PNG、TIFF、BMP 图像和 PDF。",
            hint_en="Supported: JPEG, PNG, TIFF, BMP images and PDF.",
        )
    if ext in PDF_EXTS:
        return _pdf_pages(path, progress, cancel)
    data = read_file(path)
    if not data:
        raise ImportFileError(f"文件为空：{path.name}", f"The file is empty: {path.name}")
    try:
        check_image_file(data, path.name)
    except ImageTooLargeError as e:
        raise _too_large(e) from e
    except ImageProcessingError as e:
        raise ImportFileError(e.zh, e.en, hint_zh=e.hint_zh, hint_en=e.hint_en) from e
    try:
        with Image.open(io.BytesIO(data)) as im:
            n = getattr(im, "n_frames", 1)
            if n <= 1:
                im.load()
                mime = Image.MIME.get(im.format or "", "application/octet-stream")
                return [ImportedPage(data, 1, "original", mime)]
            pages = []
            for i in range(n):
                if cancel is not None and cancel.is_set():
                    break
                im.seek(i)
                pages.append(ImportedPage(_png(im.copy()), i + 1, "tiff_frame", "image/png"))
                if progress:
                    progress(i + 1, n, path.name)
            return pages
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise _corrupt(path, str(e)) from e


def _pdf_pages(path: Path, progress: Progress | None, cancel: threading.Event | None) -> list[ImportedPage]:
    import pikepdf
    from pikepdf import PdfImage

    out: list[ImportedPage] = []
    to_render: list[int] = []
    try:
        with pikepdf.open(path) as pdf:
            n = len(pdf.pages)
            for i, page in enumerate(pdf.pages):
                if cancel is not None and cancel.is_set():
                    return out
                images = list(page.get_images(recursive=False).values())
                if len(images) == 1 and not _has_text(page):
                    stream = images[0]
                    img = PdfImage(stream)  # type: ignore[arg-type]
                    _check_pdf_pixels(path, i + 1, int(img.width), int(img.height))
                    filt = img.filters
                    if filt == ["/DCTDecode"]:
                        out.append(ImportedPage(stream.read_raw_bytes(), i + 1, "pdf_image", "image/jpeg"))
                    else:
                        out.append(ImportedPage(_png(img.as_pil_image()), i + 1, "pdf_image", "image/png"))
                else:
                    w, h = _render_size(page, RENDER_DPI)
                    _check_pdf_pixels(path, i + 1, w, h)
                    to_render.append(i + 1)
                    out.append(ImportedPage(b"", i + 1, "pdf_render", "image/png"))
                if progress:
                    progress(i + 1, n, path.name)
    except pikepdf.PdfError as e:
        raise _corrupt(path, str(e)) from e
    if to_render:
        rendered = {p: render_pdf_page(path, p) for p in to_render}
        out = [ImportedPage(rendered[p.page_no], p.page_no, p.kind, p.mime) if not p.data else p for p in out]
    return out


def _check_pdf_pixels(path: Path, page_no: int, width: int, height: int) -> None:
    try:
        check_pixels(width, height, path.name, what_zh=f" 第 {page_no} 页", what_en=f" page {page_no}")
    except ImageTooLargeError as e:
        raise _too_large(e) from e
    except ImageProcessingError as e:
        raise ImportFileError(e.zh, e.en) from e


def _render_size(page: Any, dpi: int) -> tuple[int, int]:
    """Pixels pdftoppm would make of ``page`` at ``dpi`` (MediaBox × UserUnit, rotation ignored:
    it only swaps the sides), so an oversized page is refused before it is rendered."""
    try:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        unit = float(page.obj.get("/UserUnit", 1))
    except (TypeError, ValueError, AttributeError):
        return (1, 1)  # a malformed box: pdftoppm decides (and fails with a message)
    scale = unit * dpi / 72.0
    return math.ceil(abs(x1 - x0) * scale), math.ceil(abs(y1 - y0) * scale)


def _has_text(page: object) -> bool:
    """Whether the page draws text (then it is rendered, not image-extracted)."""
    import pikepdf

    try:
        ops = pikepdf.parse_content_stream(page)  # type: ignore[arg-type]
    except pikepdf.PdfError:  # malformed content stream: render it instead
        return True
    return any(str(op.operator) in ("Tj", "TJ", "'", '"') for op in ops)


def render_pdf_page(path: Path, page_no: int, dpi: int = RENDER_DPI) -> bytes:
    """Rasterise one PDF page with poppler's ``pdftoppm`` (PNG bytes).

    pdftoppm writes uncompressed PPM here and Pillow makes a fast (level 1) PNG:
    pdftoppm's own ``-png`` compresses a noisy 300 dpi scan for 5–20 s, this takes
    about one second, and the pixels are the same.
    """
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise MissingDependencyError(
            "缺少 pdftoppm（poppler-utils）。",
            "pdftoppm (poppler-utils) is not installed.",
            hint_zh="请安装 poppler-utils。",
            hint_en="Install poppler-utils.",
        )
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "p"
        cmd = [
            exe,
            "-r",
            str(dpi),
            "-f",
            str(page_no),
            "-l",
            str(page_no),
            "-singlefile",
            str(path),
            str(prefix),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=PDFTOPPM_TIMEOUT_S)
        except subprocess.CalledProcessError as e:
            raise _corrupt(path, e.stderr.decode("utf-8", "replace")[:200]) from e
        except subprocess.TimeoutExpired as e:
            raise _corrupt(path, "pdftoppm timed out") from e
        ppm = prefix.with_suffix(".ppm")
        if not ppm.exists():
            ppm = (
                prefix.with_suffix(".pbm")
                if prefix.with_suffix(".pbm").exists()
                else prefix.with_suffix(".pgm")
            )
        with Image.open(ppm) as im:
            buf = io.BytesIO()
            im.save(buf, format="PNG", compress_level=1)
            return buf.getvalue()
