"""Find red seals (印章) and red printed lines or headers (红头、红线) on a page.

DA/T 31-2017 asks for colour images of documents with red headers and seals: a
greyscale or bitonal copy turns a red seal into a grey smudge over the text and makes
a red form line indistinguishable from handwriting.  Export therefore needs to know,
per page, whether there is red worth keeping; this module answers with a pure
function of the image.

Method: HSV thresholds (red hue wraps around 0°, so two hue bands), a saturation and
value floor that rejects the beige/yellowed paper, brown stains and dark ink, a small
morphological opening against JPEG chroma noise, then connected components.  A
component counts as a *seal* when it is compact (bounding box roughly square, between
about 8 mm and 60 mm at the page's scale) and as a *line* when it is long and thin.
The analysis runs on a reduced image (longest side about 1000 px) — seals are large,
and this keeps the check to a few milliseconds per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.imaging.limits import check_image_file

U8 = NDArray[Any]

ANALYSIS_SIDE = 1000  # px, longest side of the image the check runs on


@dataclass(frozen=True)
class RedMarks:
    """What red content a page holds.

    Attributes:
        fraction: share of the page's pixels that are saturated red.
        seals: compact red components (seal-like) found.
        lines: long thin red components (printed lines, red headers) found.
    """

    fraction: float
    seals: int
    lines: int

    @property
    def present(self) -> bool:
        return self.seals > 0 or self.lines > 0

    @property
    def reason(self) -> str:
        """Machine-readable reason: ``seal``, ``red_lines``, ``seal+red_lines`` or ``""``."""
        parts = (["seal"] if self.seals else []) + (["red_lines"] if self.lines else [])
        return "+".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"fraction": round(self.fraction, 5), "seals": self.seals, "lines": self.lines}


def red_mask(bgr: U8, *, min_saturation: int = 90, min_value: int = 70) -> U8:
    """Binary mask (uint8 0/255) of saturated red pixels of a BGR image."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, (0, min_saturation, min_value), (10, 255, 255))
    high = cv2.inRange(hsv, (165, min_saturation, min_value), (180, 255, 255))
    mask = cv2.bitwise_or(low, high)
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)), np.uint8)


def detect_red_marks(bgr: U8, *, min_fraction: float = 0.0004) -> RedMarks:
    """Seals and red lines on a page image (BGR uint8; grey images have none).

    Args:
        bgr: the colour page (any size; reduced internally).
        min_fraction: below this share of red pixels the page counts as having none
            (a red pen tick or a speck of chroma noise is no reason for colour).
    """
    if bgr.ndim != 3 or bgr.shape[2] < 3:
        return RedMarks(0.0, 0, 0)
    h, w = bgr.shape[:2]
    scale = min(1.0, ANALYSIS_SIDE / max(h, w))
    small = (
        bgr
        if scale >= 1.0
        else cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    )
    mask = red_mask(small[:, :, :3])
    sh, sw = mask.shape[:2]
    total = float(sh * sw)
    fraction = float(np.count_nonzero(mask)) / total
    if fraction < min_fraction:
        return RedMarks(fraction, 0, 0)
    # Close the gaps inside a seal's ring and characters so one seal is one component.
    k = max(3, round(max(sh, sw) / 150))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(closed, connectivity=8)
    long_side = float(max(sh, sw))
    seal_boxes: list[tuple[int, int, int, int]] = []
    lines = 0
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        big, small_side = max(bw, bh), min(bw, bh)
        if big < long_side * 0.02:  # under ~6 mm on an A4 page: a tick or a speck
            continue
        aspect = small_side / big
        fill = area / float(bw * bh)
        if aspect >= 0.6 and long_side * 0.025 <= big <= long_side * 0.3 and fill >= 0.08:
            seal_boxes.append((x, y, x + bw, y + bh))
        elif aspect <= 0.12 and big >= long_side * 0.15:
            lines += 1
    # A seal's star and characters are separate components inside its ring: count the ring.
    seals = sum(
        1
        for b in seal_boxes
        if not any(
            o != b and o[0] <= b[0] and o[1] <= b[1] and o[2] >= b[2] and o[3] >= b[3] for o in seal_boxes
        )
    )
    return RedMarks(fraction, seals, lines)


def detect_red_marks_encoded(data: bytes) -> RedMarks:
    """:func:`detect_red_marks` on encoded image bytes, decoded at reduced size (fast for JPEG).

    Raises:
        ImageProcessingError: above the product-wide pixel limit (checked from the header).
    """
    check_image_file(data, "page master")
    buf = np.frombuffer(data, np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_REDUCED_COLOR_4)
    if img is None or img.size == 0:
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        return RedMarks(0.0, 0, 0)
    return detect_red_marks(np.asarray(img, np.uint8))
