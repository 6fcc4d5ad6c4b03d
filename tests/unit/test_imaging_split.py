"""Book spreads: gutter detection (curvature: test_imaging_dewarp)."""

from __future__ import annotations

import cv2

from hukou_scan.capture.simulated.scene import spread
from hukou_scan.imaging.split import find_gutter
from tests.imaging_helpers import form_page, household_page


def test_gutter_found_at_the_true_split() -> None:
    img, frac = spread(form_page(100), household_page(100))
    g = find_gutter(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    assert g.is_spread and abs(g.x_frac - frac) < 0.01


def test_single_pages_have_no_gutter() -> None:
    page = cv2.cvtColor(form_page(100), cv2.COLOR_RGB2BGR)
    assert not find_gutter(page).is_spread  # portrait
    assert not find_gutter(cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)).is_spread  # landscape, no gutter
