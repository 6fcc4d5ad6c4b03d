"""Page detection on generated frames with known quads, on non-pages and on real camera photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hukou_scan.capture.simulated.scene import DESKS, FRAME_8MP, compose_frame, empty_desk, spread
from hukou_scan.domain.models import Quad
from hukou_scan.imaging.detect import detect_page, order_corners, quad_iou, quad_rotation_deg
from tests.imaging_helpers import SMALL_FRAME, form_page, household_page, manifest, read_real


@pytest.mark.parametrize("desk", DESKS)
def test_detects_page_on_every_desk(desk: str) -> None:
    for seed in (1, 2):
        page = form_page() if seed == 1 else household_page()
        frame = compose_frame(
            page, desk=desk, seed=seed * 10 + DESKS.index(desk), size=SMALL_FRAME, light=0.35
        )
        det = detect_page(frame.image)
        assert det.quad is not None, (desk, seed, det.reason)
        assert frame.quad is not None
        w, h = SMALL_FRAME
        inside = all(3 <= x < w - 4 and 3 <= y < h - 4 for x, y in frame.quad.points())
        if inside:  # the whole page is visible: tight fit, not cut off
            assert quad_iou(det.quad, frame.quad) > 0.99, (desk, seed)
            assert not det.cut_off, (desk, seed)
            assert abs(quad_rotation_deg(det.quad) - frame.rotation_deg) < 0.5
        else:  # a corner lies outside the frame: reported, visible part still found
            assert det.cut_off, (desk, seed)
            assert quad_iou(det.quad, frame.quad) > 0.95, (desk, seed)


def test_full_resolution_8mp_frame_is_precise() -> None:
    frame = compose_frame(form_page(150), desk="light_wood", seed=5, size=FRAME_8MP)
    det = detect_page(frame.image)
    assert det.quad is not None and frame.quad is not None
    assert quad_iou(det.quad, frame.quad) > 0.995
    # corners within ~2 px of the truth (the truth is defined on the page outline)
    err = np.abs(np.array(det.quad.points()) - np.array(frame.quad.points())).max()
    assert err < 3.0


def test_fingers_over_the_page_do_not_move_the_outline() -> None:
    for desk in ("black_pad", "green_mat", "light_wood"):
        frame = compose_frame(form_page(), desk=desk, seed=3, size=SMALL_FRAME, hand=True)
        det = detect_page(frame.image)
        assert det.quad is not None and frame.quad is not None
        assert quad_iou(det.quad, frame.quad) > 0.98, desk


def test_page_cut_by_the_frame_edge_is_reported() -> None:
    frame = compose_frame(form_page(), desk="dark_wood", seed=4, size=SMALL_FRAME, touch_edge=True)
    det = detect_page(frame.image)
    assert det.quad is not None
    assert det.cut_off and "bottom" in det.touching


def test_spread_outline_covers_both_pages() -> None:
    img, frac = spread(form_page(), household_page())
    frame = compose_frame(img, desk="cloth", seed=6, size=SMALL_FRAME, spread_split=frac)
    det = detect_page(frame.image)
    assert det.quad is not None and frame.quad is not None
    assert quad_iou(det.quad, frame.quad) > 0.99


@pytest.mark.parametrize("desk", ["dark_wood", "light_wood", "grey_desk", "green_mat", "black_pad"])
def test_empty_desk_has_no_page(desk: str) -> None:
    det = detect_page(empty_desk(desk, seed=2, size=SMALL_FRAME).image)
    assert det.quad is None and det.reason


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1224, 1632, 3), np.uint8),
        np.full((1224, 1632, 3), 255, np.uint8),
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((5, 3000, 3), np.uint8),
        np.zeros((300, 400), np.uint8),
    ],
    ids=["black", "white", "1x1", "sliver", "grey2d"],
)
def test_non_pages_give_a_clear_no(image: np.ndarray) -> None:
    det = detect_page(image)
    assert det.quad is None
    assert det.reason


def test_order_corners_and_iou() -> None:
    pts = np.array([[10, 90], [10, 10], [90, 90], [90, 10]], float)
    o = order_corners(pts)
    assert o.tolist() == [[10, 10], [90, 10], [90, 90], [10, 90]]
    a = Quad((0, 0), (10, 0), (10, 10), (0, 10))
    b = Quad((5, 0), (15, 0), (15, 10), (5, 10))
    assert quad_iou(a, a) == pytest.approx(1.0)
    assert quad_iou(a, b) == pytest.approx(50 / 150)


def test_real_camera_photos(real_data: Path) -> None:
    """Real photos of pages on desks: the outline is found, convex and plausibly large.

    No corner ground truth exists for these, so we check what must hold: a page is
    found on photos where its four edges are visible, it covers a sensible share of
    the frame and is not the whole frame.
    """
    visible = {
        "camera_pages/cnocr_huochepiao.jpeg",
        "camera_pages/jscanify_test.png",
        "camera_pages/jscanify_test2.png",
        "camera_pages/jscanify_test10.jpg",
        "zh_docs/paddleocr_00056221.jpg",
    }
    items = {it["file"] for it in manifest(real_data) if "camera_page" in it.get("category", [])}
    assert visible <= items
    found = 0
    for rel in sorted(visible):
        img = read_real(real_data, rel)
        det = detect_page(img)
        if det.quad is None:
            continue
        found += 1
        h, w = img.shape[:2]
        p = np.array(det.quad.points())
        area = 0.5 * abs(float(np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1))))
        assert 0.05 < area / (w * h) < 1.0, rel
    assert found >= 4
