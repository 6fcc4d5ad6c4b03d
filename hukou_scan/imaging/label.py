"""Barcodes and QR codes on a volume's cover label (zxing-cpp).

Why zxing-cpp: one C++ library reads Code 128/39/93, QR, Data Matrix and PDF417 in any
rotation, from a numpy array, in milliseconds, and ships as a wheel with no system
library (OpenCV's own QR reader does no linear codes, and pyzbar needs libzbar).

The camera sees the whole cover, often a little tilted, soft or unevenly lit, so a
first pass on the grey frame is followed by passes on an enlarged, contrast-equalised
and sharpened copy (a small or soft code on an 8 MP frame), stopping at the first read.
The text is only returned here; whether it is a valid 档号 is the domain's rule
(:func:`hukou_scan.domain.archive_label.parse_label`), and the printed-number fallback
needs OCR, which lives above imaging (:mod:`hukou_scan.services.cover_label`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.errors import MissingDependencyError
from hukou_scan.imaging.detect import shrink

log = logging.getLogger(__name__)

U8 = NDArray[Any]
#: formats a 档号 label is printed in (matrix codes first: they carry their own error correction)
FORMATS = ("QRCode", "DataMatrix", "Code128", "Code39", "Code93", "PDF417")


@dataclass(frozen=True)
class CodeRead:
    """One decoded code: its text, its kind (``qr``, ``code128`` …) and where it was (x, y, w, h)."""

    text: str
    kind: str
    box: tuple[int, int, int, int]


def _zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as e:  # pragma: no cover - a runtime dependency
        raise MissingDependencyError(
            "未安装条码识别组件 zxing-cpp。",
            "The barcode reader zxing-cpp is not installed.",
            hint_zh="请安装 zxing-cpp（pip install zxing-cpp）。",
            hint_en="Install zxing-cpp (pip install zxing-cpp).",
        ) from e
    return zxingcpp


def _kind(fmt: Any) -> str:
    name = str(getattr(fmt, "name", fmt)).split(".")[-1]
    return {"QRCode": "qr", "MicroQRCode": "qr", "DataMatrix": "datamatrix", "PDF417": "pdf417"}.get(
        name, name.lower()
    )


def _rotated(img: U8, angle: float) -> U8:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return np.asarray(cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))


def _passes(grey: U8) -> Iterator[tuple[U8, float, float]]:
    """The images to try, cheapest first, with their scale against ``grey`` and rotation (degrees)."""
    yield grey, 1.0, 0.0
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    eq = np.asarray(clahe.apply(grey), np.uint8)
    if max(grey.shape) < 2000:
        big = np.asarray(cv2.resize(eq, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC), np.uint8)
        scale = 2.0
    else:
        big, scale = eq, 1.0
    # unsharp mask: a soft code's narrow bars merge under the binariser without it
    sharp = np.asarray(cv2.addWeighted(big, 1.8, cv2.GaussianBlur(big, (0, 0), 2.0), -0.8, 0), np.uint8)
    yield sharp, scale, 0.0
    # a linear code is scanned along rows: a label lying 5-15 degrees askew loses the rows
    for angle in (-8.0, 8.0, -15.0, 15.0):
        yield _rotated(sharp, angle), scale, angle


def read_codes(image: U8) -> list[CodeRead]:
    """All barcodes/QR codes found in ``image`` (BGR or grey), from the first pass that finds any.

    Raises:
        MissingDependencyError: zxing-cpp is not installed.
    """
    zx = _zxing()
    fmts = [f for f in (getattr(zx.BarcodeFormat, name, None) for name in FORMATS) if f is not None]
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    grey = np.ascontiguousarray(grey, np.uint8)
    for img, scale, angle in _passes(grey):
        found = zx.read_barcodes(img, formats=fmts, try_rotate=True, try_downscale=True)
        out: list[CodeRead] = []
        for r in found:
            if not getattr(r, "valid", True) or not r.text:
                continue
            pos = r.position
            pts = np.array(
                [[p.x, p.y] for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)],
                np.float64,
            )
            if angle:  # back into the unrotated image
                h, w = img.shape[:2]
                inv = cv2.invertAffineTransform(cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0))
                pts = pts @ inv[:, :2].T + inv[:, 2]
            xs, ys = list(pts[:, 0]), list(pts[:, 1])
            x0, y0 = min(xs) / scale, min(ys) / scale
            box = (int(x0), int(y0), int(max(xs) / scale - x0) + 1, int(max(ys) / scale - y0) + 1)
            out.append(CodeRead(str(r.text), _kind(r.format), box))
        if out:
            out.sort(key=lambda c: (c.kind not in ("qr", "datamatrix"), c.box[1], c.box[0]))
            log.debug("label codes: %s", [c.kind for c in out])
            return out
    return []


def ocr_view(image: U8, long_side: int = 1280) -> U8:
    """The cover, shrunk for OCR of the printed 档号.

    A label's 档号 is printed 5–10 mm high, 40+ px on a camera frame even at this size,
    and OCR time grows with the pixel count (a full 8 MP frame takes seconds).
    """
    small, _ = shrink(image, long_side)
    return np.ascontiguousarray(small)


__all__ = ["FORMATS", "CodeRead", "ocr_view", "read_codes"]
