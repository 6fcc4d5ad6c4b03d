"""Decoding inputs and encoding masters/derivatives, with clear errors for bad files.

Decoding honours the EXIF Orientation tag (phones and many document cameras store
portrait shots as landscape pixels plus a tag), so all coordinates we report are in
the image as a viewer shows it.  Encoding goes through Pillow because OpenCV cannot
write the resolution (dpi) into JPEG files, and archives need it in every master.
"""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from hukou_scan.errors import ImageProcessingError
from hukou_scan.imaging.limits import check_image_file

U8 = NDArray[Any]

MASTER_FORMATS = ("jpeg", "tiff")


def decode_image(data: bytes, *, name: str = "") -> U8:
    """Decode image bytes to BGR uint8, applying EXIF orientation.

    Raises:
        ImageProcessingError: empty, truncated, not an image, or unsupported;
            :class:`~hukou_scan.imaging.limits.ImageTooLargeError` above the pixel limit.
    """
    label = name or "image"
    if not data:
        raise ImageProcessingError(f"文件为空：{label}", f"Empty file: {label}")
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-4096:]:
        raise ImageProcessingError(
            f"JPEG 文件不完整（被截断）：{label}",
            f"Truncated JPEG file: {label}",
            hint_zh="请重新拍摄或重新复制该文件。",
            hint_en="Capture or copy the file again.",
        )
    check_image_file(data, label)  # header only: refuse a pixel bomb before OpenCV allocates it
    buf = np.frombuffer(data, np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        raise ImageProcessingError(
            f"无法读取图像（文件损坏或不是图片）：{label}",
            f"Cannot decode image (corrupt or not an image): {label}",
            hint_zh="支持 JPEG、PNG、TIFF、BMP。",
            hint_en="Supported formats: JPEG, PNG, TIFF, BMP.",
        )
    return np.asarray(img, np.uint8)


def _pil_rgb(image: U8) -> Image.Image:
    if image.ndim == 2:
        return Image.fromarray(image, "L")
    return Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), "RGB")


def encode_master(
    image: U8, *, fmt: str = "jpeg", dpi: float = 300.0, quality: int = 95
) -> tuple[bytes, dict[str, Any]]:
    """Encode the preservation master; returns the bytes and the codec record.

    JPEG: baseline, quality 95, no chroma subsampling (4:4:4) so red seal strokes keep
    their edges, with optimised Huffman tables (lossless, about 5 % smaller; the PDF
    export can then embed the master byte for byte instead of re-compressing it).
    TIFF: lossless LZW.
    """
    fmt = fmt.lower()
    pil = _pil_rgb(image)
    out = io.BytesIO()
    d = (round(dpi), round(dpi))
    if fmt in ("jpeg", "jpg"):
        pil.save(out, "JPEG", quality=quality, subsampling=0, dpi=d, optimize=True)
        rec = {
            "format": "jpeg",
            "codec": "jpeg-baseline",
            "quality": quality,
            "subsampling": "4:4:4",
            "huffman": "optimized",
        }
    elif fmt in ("tiff", "tif"):
        pil.save(out, "TIFF", compression="tiff_lzw", dpi=d)
        rec = {"format": "tiff", "codec": "lzw"}
    else:
        raise ImageProcessingError(
            f"不支持的母版格式：{fmt}",
            f"Unsupported master format: {fmt}",
            hint_zh="可选 jpeg 或 tiff。",
            hint_en="Use jpeg or tiff.",
        )
    rec.update(
        {
            "mode": "colour" if image.ndim == 3 else "grey",
            "dpi": round(dpi, 1),
            "width": image.shape[1],
            "height": image.shape[0],
        }
    )
    return out.getvalue(), rec


def encode_png(image: U8, *, dpi: float = 300.0, bitonal: bool = False) -> tuple[bytes, dict[str, Any]]:
    """Encode a derivative as PNG (1-bit when ``bitonal``, else 8-bit grey or colour)."""
    out = io.BytesIO()
    if bitonal and image.ndim == 2:
        Image.fromarray(image, "L").convert("1").save(
            out, "PNG", dpi=(round(dpi), round(dpi)), optimize=False
        )
        bits = 1
    else:
        # Level 6 rather than 3: 15-18 % smaller for ~25 ms more in the background worker,
        # and the PDF export embeds these bytes as they are (no re-compression there).
        _pil_rgb(image).save(out, "PNG", dpi=(round(dpi), round(dpi)), compress_level=6)
        bits = 8
    mode = "grey" if image.ndim == 2 else "colour"
    if bits == 1:
        mode = "bitonal"
    return out.getvalue(), {
        "format": "png",
        "mode": mode,
        "bits": bits,
        "dpi": round(dpi, 1),
        "width": image.shape[1],
        "height": image.shape[0],
    }
