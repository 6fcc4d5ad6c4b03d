"""Book spreads: gutter detection and mild spine-curvature flattening."""

from __future__ import annotations

import cv2
import numpy as np

from hukou_scan.capture.simulated.scene import spread
from hukou_scan.imaging.deskew import ink_mask
from hukou_scan.imaging.split import find_gutter, flatten_spine
from tests.imaging_helpers import form_page, household_page


def _sag(img: np.ndarray) -> int:
    """Vertical offset of text rows near the left edge against rows further right (pixels)."""
    w = img.shape[1]
    ink = ink_mask(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)).astype(float)
    a = ink[:, : w // 10].sum(1)
    b = ink[:, -w // 4 : -w // 8].sum(1)
    a -= a.mean()
    b -= b.mean()
    m = 60
    return int(np.argmax(np.correlate(np.pad(a, m), b, mode="valid"))) - m


def test_gutter_found_at_the_true_split() -> None:
    img, frac = spread(form_page(100), household_page(100))
    g = find_gutter(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    assert g.is_spread and abs(g.x_frac - frac) < 0.01


def test_single_pages_have_no_gutter() -> None:
    page = cv2.cvtColor(form_page(100), cv2.COLOR_RGB2BGR)
    assert not find_gutter(page).is_spread  # portrait
    assert not find_gutter(cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)).is_spread  # landscape, no gutter


def test_mild_spine_curvature_is_flattened() -> None:
    page = cv2.cvtColor(household_page(150), cv2.COLOR_RGB2BGR)
    h, w = page.shape[:2]
    amp = 0.015 * h  # lines sag by 1.5 % of the height at the spine (left edge of a right page)
    xx = (np.arange(w) + 0.5) / w
    shift = (amp * (1 - xx) ** 2).astype(np.float32)
    mx = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    my = np.arange(h, dtype=np.float32)[:, None] - shift[None, :]
    curved = cv2.remap(page, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert _sag(curved) > 15
    flat, applied = flatten_spine(curved, "right")
    assert abs(_sag(flat)) <= 3
    assert applied > 15
    # a flat page is left alone
    same, none = flatten_spine(page, "right")
    assert none == 0.0 and same is page
