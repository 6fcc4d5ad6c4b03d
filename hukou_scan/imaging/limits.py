"""The one pixel limit for every image we decode, checked from the header before decoding.

Why 150 megapixels: the largest legitimate inputs are a 50 MP document-camera frame
and a 600-dpi scan of an A3 sheet (7016 × 9921 = 70 MP); 150 MP leaves room for a
600-dpi A2 or 1200-dpi A4 scan (about 140 MP) and refuses what no scanner or camera
here produces.  Decoded as 8-bit BGR a 150 MP image is 450 MB, which the imaging
pipeline (a few working copies) still handles on an 8 GB office PC; a 30000 × 30000
PNG (900 MP, 2.7 GB decoded, a few hundred kB on disk) peaked at 5.4 GB before this
check existed.

How: Pillow's ``Image.open`` reads only the header, so the size is known before a
single pixel is decoded; OpenCV has no header-only API, so its callers ask
:func:`check_image_bytes` first.  Pillow's own decompression-bomb guard is aligned
with this limit (``Image.MAX_IMAGE_PIXELS``), so any Pillow decode elsewhere in the
process (pikepdf's ``as_pil_image``, a library we call) refuses at the same size.
Every refusal names the file and is an :class:`~hukou_scan.errors.ImageProcessingError`
subclass, so batch loops report it and go on with the next file.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import IO

from PIL import Image, UnidentifiedImageError

from hukou_scan.errors import ImageProcessingError

MAX_IMAGE_PIXELS = 150_000_000
"""Largest image (width × height, per frame) any part of the product decodes."""

# Pillow warns above its limit and raises above twice that; align it with ours.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class ImageTooLargeError(ImageProcessingError):
    """The image has more pixels than :data:`MAX_IMAGE_PIXELS`; it is refused, not decoded."""


def too_large(
    name: str, width: int, height: int | None, *, what_zh: str = "", what_en: str = ""
) -> ImageTooLargeError:
    """The error for an image of ``width`` × ``height`` pixels in ``name`` (``height=None``:
    ``width`` is the pixel count, all Pillow's own guard tells)."""
    pixels = width * height if height is not None else width
    dims = f"{width}×{height}，" if height is not None else ""
    dims_en = f"{width}×{height} pixels, " if height is not None else ""
    mp = pixels / 1e6
    lim = MAX_IMAGE_PIXELS / 1e6
    return ImageTooLargeError(
        f"图像过大，已拒绝：{name}{what_zh}（{dims}{mp:.0f} 百万像素，上限 {lim:.0f} 百万像素）",
        f"Image too large, refused: {name}{what_en} ({dims_en}{mp:.0f} MP; the limit is {lim:.0f} MP)",
        hint_zh="请以较低分辨率（如 300–600 dpi）重新扫描或导出。",
        hint_en="Scan or export it again at a lower resolution (e.g. 300–600 dpi).",
    )


def check_pixels(width: int, height: int, name: str, *, what_zh: str = "", what_en: str = "") -> None:
    """Raise :class:`ImageTooLargeError` when ``width × height`` exceeds the limit."""
    if width <= 0 or height <= 0 or width * height > MAX_IMAGE_PIXELS:
        if width > 0 and height > 0:
            raise too_large(name, width, height, what_zh=what_zh, what_en=what_en)
        raise ImageProcessingError(
            f"图像尺寸无效：{name}{what_zh}（{width}×{height}）",
            f"Invalid image size: {name}{what_en} ({width}×{height})",
        )


def check_image_header(im: Image.Image, name: str) -> None:
    """Check every frame of an opened (not yet decoded) Pillow image; leaves it at frame 0."""
    n = getattr(im, "n_frames", 1)
    if n <= 1:
        check_pixels(im.width, im.height, name)
        return
    try:
        for i in range(n):
            im.seek(i)
            check_pixels(im.width, im.height, name, what_zh=f" 第 {i + 1} 帧", what_en=f" frame {i + 1}")
    finally:
        im.seek(0)


def check_image_file(source: Path | bytes | IO[bytes], name: str = "") -> tuple[int, int]:
    """Read the header of an image file or bytes and enforce the limit; returns (width, height).

    Raises:
        ImageTooLargeError: above :data:`MAX_IMAGE_PIXELS` (any frame).
        ImageProcessingError: not an image Pillow can identify (OpenCV would be asked to
            decode something we cannot size first, so it is refused too).
    """
    label = name or (source.name if isinstance(source, Path) else "image")
    fp: Path | IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fp) as im:
                check_image_header(im, label)
                return im.width, im.height
    except Image.DecompressionBombError as e:  # Pillow's own check fires in open() above 2× the limit
        pixels = _pixels_from_message(str(e))
        raise (too_large(label, pixels, None) if pixels else _unreadable(label)) from e
    except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
        raise ImageProcessingError(
            f"无法打开文件：{label}（{e.strerror}）", f"Cannot open the file: {label} ({e.strerror})"
        ) from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
        raise _unreadable(label) from e


def _unreadable(label: str) -> ImageProcessingError:
    return ImageProcessingError(
        f"无法读取图像（文件损坏或不是图片）：{label}",
        f"Cannot decode image (corrupt or not an image): {label}",
        hint_zh="支持 JPEG、PNG、TIFF、BMP。",
        hint_en="Supported formats: JPEG, PNG, TIFF, BMP.",
    )


def _pixels_from_message(text: str) -> int:
    """The pixel count in Pillow's ``DecompressionBombError`` message (0 when not found)."""
    m = re.search(r"\((\d+) pixels\)", text)
    return int(m.group(1)) if m else 0
