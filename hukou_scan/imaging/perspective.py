"""Perspective correction and effective resolution.

A page quad from the camera frame is mapped onto an upright rectangle.  Its pixel
size follows from the quad's side lengths; the *effective* dpi (what the camera
really resolved) follows from that size and the page's physical size, which comes
from a calibration (pixels per millimetre on the desk plane) or a paper format
(A4 by default: 户籍 forms are A4 or 16K).  The output is resampled to a target dpi
(300 by default) so that every master has the resolution the archive standard asks
for, while the effective dpi is recorded and checked separately: resampling adds
pixels, not detail.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.domain.models import Quad

F64 = NDArray[Any]

MM_PER_INCH = 25.4
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    "A3": (297.0, 420.0),
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "B4": (250.0, 353.0),
    "B5": (176.0, 250.0),
    "8K": (270.0, 390.0),
    "16K": (195.0, 270.0),
    "32K": (130.0, 184.0),
}


def paper_mm(name: str | None) -> tuple[float, float] | None:
    """Short and long side of a named paper format, or None for unknown/empty names."""
    if not name:
        return None
    return PAPER_SIZES_MM.get(name.upper())


def quad_size_px(quad: F64) -> tuple[float, float]:
    """Width and height of the page in frame pixels (mean of opposite sides)."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    top = float(np.hypot(*(q[1] - q[0])))
    bottom = float(np.hypot(*(q[2] - q[3])))
    left = float(np.hypot(*(q[3] - q[0])))
    right = float(np.hypot(*(q[2] - q[1])))
    return (top + bottom) / 2, (left + right) / 2


def effective_dpi(
    size_px: tuple[float, float],
    *,
    paper: tuple[float, float] | None = (210.0, 297.0),
    px_per_mm: float | None = None,
    spread: bool = False,
) -> float | None:
    """Resolution the camera actually achieved on the page, in dots per inch.

    Args:
        size_px: page width and height in frame pixels.
        paper: short and long side in mm of one page (A4 default); orientation is
            matched to the quad's aspect.  For a spread, two pages side by side.
        px_per_mm: a calibration of the camera at desk height; wins over ``paper``.
        spread: the quad covers two pages side by side along its long side.
    """
    w, h = size_px
    if w <= 0 or h <= 0:
        return None
    if px_per_mm and px_per_mm > 0:
        return px_per_mm * MM_PER_INCH
    if not paper:
        return None
    short, long_ = sorted(paper)
    if spread:
        short, long_ = long_, 2 * short
        short, long_ = sorted((short, long_))
    pw, ph = (short, long_) if h >= w else (long_, short)
    return math.sqrt((w / pw) * (h / ph)) * MM_PER_INCH


def output_size(size_px: tuple[float, float], dpi: float | None, target_dpi: float | None) -> tuple[int, int]:
    """Pixel size of the rectified page: native size, or resampled to ``target_dpi``."""
    w, h = size_px
    f = target_dpi / dpi if (target_dpi and dpi) else 1.0
    return max(1, round(w * f)), max(1, round(h * f))


def rect_homography(quad: F64, out_w: int, out_h: int) -> F64:
    """Homography taking the quad (TL, TR, BR, BL) onto the rectangle [0,out_w]×[0,out_h]."""
    src = np.asarray(quad, np.float32).reshape(4, 2)
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    # pixel centres: the quad describes the page outline, pixel (0,0) covers [0,1)
    shift = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]], np.float64)
    return np.asarray(shift @ cv2.getPerspectiveTransform(src, dst).astype(np.float64), np.float64)


def rotation_about_centre(angle_deg: float, w: int, h: int) -> F64:
    """3×3 rotation by ``angle_deg`` counter-clockwise (on screen) about the image centre."""
    m = cv2.getRotationMatrix2D((w / 2 - 0.5, h / 2 - 0.5), angle_deg, 1.0)
    return np.vstack([m, [0.0, 0.0, 1.0]]).astype(np.float64)


def warp(image: NDArray[Any], h: F64, out_w: int, out_h: int) -> NDArray[Any]:
    """Apply a homography with bilinear sampling; outside the frame repeats the edge."""
    return np.asarray(
        cv2.warpPerspective(
            image, h, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        ),
        np.uint8,
    )


def map_points(h: F64, pts: F64) -> F64:
    """Apply a homography to N×2 points."""
    p = np.asarray(pts, np.float64).reshape(-1, 1, 2)
    return np.asarray(cv2.perspectiveTransform(p, np.asarray(h, np.float64)).reshape(-1, 2), np.float64)


def quad_to_array(q: Quad) -> F64:
    return np.array(q.points(), np.float64)
