"""Page detection where the desk is not the only thing round the page (issue 17, item 1).

A page lying on a blank sheet or writing pad of about its own colour: every detector
stopped at the sheet's edge and returned page + sheet (IoU 0.45–0.89 on such frames).
A picture with a dark frame drawn round it (web images): the desk inside the frame was
taken for the page.  The frames here are drawn in the tests; the seeded ones come from
the independent generator's TUNING ranges (never from its held-out ranges).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.independent.frames import (
    HARD_DESKS,
    HARD_HELD_OUT_2_SEEDS,
    HARD_HELD_OUT_SEEDS,
    HARD_TUNING_SEEDS,
    HELD_OUT_SEEDS,
    TUNING_SEEDS,
    desk_of,
    make_frame,
)
from hukou_scan.imaging.detect import _picture_frame, detect_page, quad_from_array, quad_iou

W, H = 1200, 900


def _rect(cx: float, cy: float, w: float, h: float, deg: float) -> np.ndarray:
    pts = cv2.boxPoints(((cx, cy), (w, h), deg))
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # from the up-left corner, clockwise on screen
    k = int(
        np.argmin(
            np.abs(np.angle(np.exp(1j * (np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0]) + 3 * np.pi / 4))))
        )
    )
    return np.roll(pts, -k, axis=0).astype(np.float64)


def _scene(
    *, sheet: bool, table: bool = True, desk=(70, 90, 110), seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A ruled, written page (yellowed paper) on a desk, optionally on a larger blank white sheet."""
    rng = np.random.default_rng(seed)
    img = np.empty((H, W, 3), np.float32)
    img[:] = desk
    page = _rect(600, 450, 470, 640, 4.0)
    if sheet:
        under = _rect(585, 445, 640, 820, 1.5)
        cv2.fillPoly(img, [np.round(under).astype(np.int32)], (232, 236, 238), cv2.LINE_AA)
        # the page's soft shadow on the sheet
        sh = np.zeros((H, W), np.float32)
        cv2.fillPoly(sh, [np.round(page + np.array([4.0, 6.0])).astype(np.int32)], 1.0)
        img *= (1 - 0.25 * cv2.GaussianBlur(sh, (0, 0), 4))[..., None]
    cv2.fillPoly(img, [np.round(page).astype(np.int32)], (178, 212, 226), cv2.LINE_AA)
    # content: a ruled table and handwriting-like strokes, inside the page's margins
    inner = page.mean(axis=0) + (page - page.mean(axis=0)) * 0.8
    if table:
        cv2.polylines(img, [np.round(inner).astype(np.int32)], True, (60, 60, 70), 2, cv2.LINE_AA)
        for t in np.linspace(0.1, 0.9, 9):
            a = inner[0] + (inner[3] - inner[0]) * t
            b = inner[1] + (inner[2] - inner[1]) * t
            cv2.line(img, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), (60, 60, 70), 2)
    for _ in range(260):
        t, v = rng.uniform(0.05, 0.95, 2)
        top = inner[0] + (inner[1] - inner[0]) * t
        bot = inner[3] + (inner[2] - inner[3]) * t
        p = top + (bot - top) * v
        q = p + rng.uniform(-9, 9, 2)
        cv2.line(img, tuple(np.round(p).astype(int)), tuple(np.round(q).astype(int)), (50, 40, 90), 2)
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), page


@pytest.mark.parametrize("desk", [(70, 90, 110), (40, 40, 40), (60, 120, 60)], ids=["wood", "black", "green"])
def test_page_on_a_blank_sheet_is_found_inside_it(desk: tuple[int, int, int]) -> None:
    img, page = _scene(sheet=True, desk=desk)
    det = detect_page(img)
    assert det.quad is not None, det.reason
    iou = quad_iou(det.quad, quad_from_array(page))
    assert iou >= 0.95, (iou, det.details)
    assert det.details["sheet_sides"] >= 3


@pytest.mark.parametrize("table", [True, False], ids=["ruled_table", "text_only"])
def test_plain_page_is_not_shrunk_to_its_printed_table(table: bool) -> None:
    """The same page without a sheet: its table border and text block must not be taken
    for a page edge inside a sheet (both sides of a sheet → page step are blank paper)."""
    img, page = _scene(sheet=False, table=table)
    det = detect_page(img)
    assert det.quad is not None
    assert quad_iou(det.quad, quad_from_array(page)) >= 0.97
    assert det.details["sheet_sides"] == 0


@pytest.mark.parametrize("seed", [1061, 5001, 5022, 5028, 5046, 5049, 5088])
def test_tuning_frames_with_a_sheet_under_the_page(seed: int) -> None:
    """Tuning frames where the page lies on another sheet or a pad (IoU 0.45–0.88 before)."""
    assert seed in TUNING_SEEDS or seed in HARD_TUNING_SEEDS
    frame = make_frame(seed, (1088, 816))
    assert frame.quad is not None
    assert any(f in frame.features for f in ("under_sheet", "sheet_inside", "pad_off_frame"))
    det = detect_page(frame.image)
    assert det.quad is not None, det.reason
    assert quad_iou(det.quad, quad_from_array(frame.quad)) >= 0.95


def test_hard_seed_ranges_are_apart_and_draw_hard_scenes() -> None:
    ranges = [
        set(TUNING_SEEDS),
        set(HELD_OUT_SEEDS),
        set(HARD_TUNING_SEEDS),
        set(HARD_HELD_OUT_SEEDS),
        set(HARD_HELD_OUT_2_SEEDS),
    ]
    for i, a in enumerate(ranges):
        for b in ranges[i + 1 :]:
            assert not a & b
    assert {desk_of(s) for s in HARD_TUNING_SEEDS} == set(HARD_DESKS)
    assert {desk_of(s) for s in HARD_HELD_OUT_2_SEEDS} == set(HARD_DESKS)
    with pytest.raises(ValueError):
        make_frame(HARD_TUNING_SEEDS[0], (320, 240), empty=True)


def _framed_picture() -> tuple[np.ndarray, np.ndarray]:
    """A white ticket on green cloth, saved as a web picture with a black frame and a caption."""
    img = np.empty((510, 670, 3), np.uint8)
    img[:] = (50, 120, 40)
    page = np.array([[56, 91], [551, 94], [545, 399], [47, 400]], np.float64)
    cv2.fillPoly(img, [page.astype(np.int32)], (238, 240, 236), cv2.LINE_AA)
    for y in range(130, 380, 30):
        cv2.line(img, (90, y), (480, y), (60, 60, 60), 3)
    img[:10] = 0
    img[-20:] = 0
    img[:, :15] = 0
    img[:, -15:] = 0
    cv2.putText(img, "7788.com", (2, 9), cv2.FONT_HERSHEY_SIMPLEX, 0.3, (40, 40, 230), 1)
    cv2.putText(img, "Canon PowerShot A3400", (20, 505), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    return img, page


def test_page_inside_a_dark_picture_frame() -> None:
    img, page = _framed_picture()
    assert _picture_frame(img) is not None
    det = detect_page(img)
    assert det.quad is not None, det.reason
    assert quad_iou(det.quad, quad_from_array(page)) >= 0.93


def test_dark_desk_round_a_page_is_not_a_picture_frame() -> None:
    """A page nearly filling the frame on a black desk leaves dark bands on every side,
    but they end along the (tilted) page, not on one straight line."""
    img = np.full((900, 1200, 3), 25, np.uint8)
    page = _rect(600, 450, 1150, 840, 1.0)
    cv2.fillPoly(img, [np.round(page).astype(np.int32)], (225, 230, 232), cv2.LINE_AA)
    assert _picture_frame(img) is None


@pytest.mark.parametrize("seed", [5166, 5214])
def test_page_of_the_sheets_own_tint_is_split_off(seed: int) -> None:
    """Hard tuning frames where no side of the sheet is a clear step (a yellowed page on a
    yellowish pad under warm light: steps of 8–11 on all four sides, 5166) or where the
    fourth side's lightness change is turned round by the light (5214).  The old code
    returned page + sheet (IoU 0.71 and 0.75 at this size)."""
    assert seed in HARD_TUNING_SEEDS
    frame = make_frame(seed, (1088, 816))
    assert frame.quad is not None
    det = detect_page(frame.image)
    assert det.quad is not None, det.reason
    assert quad_iou(det.quad, quad_from_array(frame.quad)) >= 0.93, det.details
    assert det.details["sheet_sides"] >= 3
