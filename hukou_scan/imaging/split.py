"""Book spreads: find the gutter between two facing pages and split there.

Bound 户口底册 volumes are photographed open, two pages side by side.  After the
spread's outline is rectified, the gutter shows as (a) a vertical band near the
middle where the paper is darker (the pages curve down into the binding and get
less light) and (b) a band without ink between two text blocks.  We look for both
in column profiles of a small copy: the paper brightness profile (text removed by a
grey closing) and the ink profile.  A single landscape page has neither a central
shading dip nor a central empty band flanked by text on both sides.

Curvature near the spine is flattened per page afterwards by :mod:`hukou_scan.imaging.dewarp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.imaging.deskew import to_grey
from hukou_scan.imaging.detect import shrink

U8 = NDArray[Any]


@dataclass(frozen=True)
class Gutter:
    """Where a spread divides: ``x_frac`` of the rectified width; ``is_spread`` when confident."""

    is_spread: bool
    x_frac: float
    dip: float
    ink_gap: float
    confidence: float


def find_gutter(image: U8, *, min_aspect: float = 1.15, search: tuple[float, float] = (0.35, 0.65)) -> Gutter:
    """Look for the gutter of a two-page spread in a rectified (upright) image."""
    grey = to_grey(image)
    h, w = grey.shape[:2]
    if w < 32 or h < 32 or w / h < min_aspect:
        return Gutter(False, 0.5, 0.0, 0.0, 0.0)
    small, _ = shrink(grey, 600)
    sh, sw = small.shape
    k = max(3, (sw // 80) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    y0, y1 = int(sh * 0.1), int(sh * 0.9)
    prof: NDArray[Any] = np.median(paper[y0:y1].astype(np.float32), axis=0)
    prof = np.convolve(prof, np.ones(3) / 3, mode="same")
    # ink relative to the local paper (the closing), so the gutter's shading is not "ink"
    rel = small[y0:y1].astype(np.float32) / np.maximum(paper[y0:y1].astype(np.float32), 1.0)
    ink = (rel < 0.75).astype(np.float32).mean(axis=0)
    ink_s = np.convolve(ink, np.ones(k) / k, mode="same")
    lo, hi = int(sw * search[0]), int(sw * search[1])
    seg = prof[lo:hi]
    x = lo + int(np.argmin(seg))
    ref_l = float(np.median(prof[max(0, x - sw // 6) : max(1, x - sw // 20)]))
    ref_r = float(np.median(prof[min(sw - 1, x + sw // 20) : min(sw, x + sw // 6)]))
    ref = max(1.0, (ref_l + ref_r) / 2)
    dip = float((ref - prof[x]) / ref)
    # ink gap: little ink at the gutter, text on both sides
    left_ink = float(ink_s[max(0, x - sw // 4) : max(1, x - sw // 40)].mean())
    right_ink = float(ink_s[x + sw // 40 : x + sw // 4].mean()) if x + sw // 40 < sw else 0.0
    at = float(ink_s[max(0, x - 2) : x + 3].mean())
    both = min(left_ink, right_ink)
    ink_gap = float((both - at) / both) if both > 0.005 else 0.0
    # sub-pixel position of the dip minimum (parabola through the three lowest samples)
    if 0 < x < sw - 1:
        a, b, c = prof[x - 1], prof[x], prof[x + 1]
        den = a - 2 * b + c
        xf = x + (0.5 * (a - c) / den if den > 0 else 0.0)
    else:
        xf = float(x)
    score = min(1.0, dip / 0.12) * 0.7 + max(0.0, ink_gap) * 0.3
    # a shading dip alone is not enough (a landscape page may have a darker band):
    # the gutter must also be emptier of ink than the text on both sides
    is_spread = (
        (dip >= 0.06 and ink_gap >= 0.3)
        or (dip >= 0.15 and ink_gap >= 0.0)
        or (dip >= 0.03 and ink_gap > 0.8)
    )
    return Gutter(is_spread, float((xf + 0.5) / sw), dip, ink_gap, float(min(1.0, score)))
