"""Page detection with the camera's picture of the empty desk (issue 17, item 1).

A page of the desk's own colour defeats every detector that looks at one frame; the
empty desk the camera saw between two pages shows what changed.  The reference must
help where it matches and never hurt where it does not (camera knocked, other desk,
other light).  Frames are drawn here (``tests.imaging_helpers.pale_desk_scene``) or
by the independent generator at a small size: hard scenes from its tuning range
(5000…), ordinary ones from the unit-test range 30000… (neither is a held-out range).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.independent.frames import (
    HARD_HELD_OUT_2_SEEDS,
    HARD_HELD_OUT_SEEDS,
    HARD_TUNING_SEEDS,
    desk_of,
    make_empty_desk,
    make_frame,
)
from hukou_scan.imaging.detect import detect_page, quad_from_array, quad_iou
from tests.imaging_helpers import PALE_DESK_QUAD, pale_desk_scene

SIZE = (1088, 816)


def _small(img: np.ndarray, width: int = 640) -> np.ndarray:
    """The reference as the capture side keeps it (640 px wide)."""
    h, w = img.shape[:2]
    return np.asarray(cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA))


def _iou(det_quad: object, truth: np.ndarray) -> float:
    return quad_iou(det_quad, quad_from_array(truth)) if det_quad is not None else 0.0  # type: ignore[arg-type]


def test_page_of_the_desk_colour_is_found_against_the_empty_desk() -> None:
    frame = pale_desk_scene()
    # (what the detector makes of the frame alone: the page does not differ from the desk)
    alone = detect_page(frame)
    assert _iou(alone.quad, PALE_DESK_QUAD) < 0.9
    ref = _small(pale_desk_scene(with_page=False, light=1.05, noise_seed=2))
    det = detect_page(frame, desk_reference=ref)
    assert det.quad is not None, det.details
    assert _iou(det.quad, PALE_DESK_QUAD) >= 0.95, det.details
    assert det.details["desk_ref"] == 1.0 and det.details["fallback"] == 0.0
    assert 0.3 < det.confidence <= 1.0


@pytest.mark.parametrize("light", [0.8, 1.2])
def test_reference_allows_a_change_of_light(light: float) -> None:
    """Auto-exposure between the empty desk and the capture: ±20 % still matches."""
    ref = _small(pale_desk_scene(with_page=False, light=light, noise_seed=3))
    det = detect_page(pale_desk_scene(), desk_reference=ref)
    assert _iou(det.quad, PALE_DESK_QUAD) >= 0.95, det.details


def test_reference_allows_a_small_camera_shift() -> None:
    ref = _small(pale_desk_scene(with_page=False, noise_seed=4, shift=(9, -6)))
    det = detect_page(pale_desk_scene(), desk_reference=ref)
    assert _iou(det.quad, PALE_DESK_QUAD) >= 0.95, det.details


@pytest.mark.parametrize("seed", [30000, 30001, 30003, 30004])
def test_a_reference_that_no_longer_fits_changes_nothing(seed: int) -> None:
    """Camera moved far, another desk, much more light: the detection is the one without it."""
    f = make_frame(seed, SIZE)
    assert f.quad is not None
    alone = detect_page(f.image)
    assert _iou(alone.quad, f.quad) >= 0.9
    empty = make_empty_desk(seed, SIZE).image
    h, w = empty.shape[:2]
    moved = np.roll(empty, (h // 6, w // 5), axis=(0, 1))
    other_desk = make_empty_desk(seed + 2, SIZE).image
    brighter = np.clip(empty.astype(np.float32) * 1.6 + 20, 0, 255).astype(np.uint8)
    for ref in (moved, other_desk, brighter):
        det = detect_page(f.image, desk_reference=_small(ref))
        assert det.quad is not None, det.details
        assert _iou(det.quad, f.quad) >= 0.9, det.details
        assert quad_iou(det.quad, alone.quad) >= 0.97  # type: ignore[arg-type]


def test_matching_reference_keeps_ordinary_pages() -> None:
    for seed in range(30005, 30010):
        f = make_frame(seed, SIZE)
        det = detect_page(f.image, desk_reference=_small(make_empty_desk(seed, SIZE).image))
        assert det.details["desk_ref"] == 1.0
        assert _iou(det.quad, f.quad) >= 0.9, (seed, f.features, det.details)  # type: ignore[arg-type]


def test_pad_of_the_page_colour_in_the_empty_desk_is_not_the_page() -> None:
    """A writing pad lying on the desk is in the empty picture too: the page is what is new.

    Tuning seeds whose pad reaches past the frame (hard scene ``sheet_under_page``)."""
    seeds = [s for s in HARD_TUNING_SEEDS if desk_of(s) == "sheet_under_page"][:16]
    found = 0
    tried = 0
    for seed in seeds:
        f = make_frame(seed, SIZE)
        if "pad_off_frame" not in f.features:
            continue
        tried += 1
        det = detect_page(f.image, desk_reference=_small(make_empty_desk(seed, SIZE).image))
        found += _iou(det.quad, f.quad) >= 0.9  # type: ignore[arg-type]
    assert tried >= 3
    assert found == tried


def test_no_reference_is_todays_detection() -> None:
    f = make_frame(30002, SIZE)
    a = detect_page(f.image)
    b = detect_page(f.image, desk_reference=None)
    assert a.quad == b.quad and a.confidence == b.confidence and a.details == b.details
    assert "desk_ref" not in b.details


def test_unusable_reference_shapes_are_ignored() -> None:
    f = make_frame(30002, SIZE)
    a = detect_page(f.image)
    for ref in (np.zeros((8, 8, 3), np.uint8), _small(f.image)[:, :300]):
        det = detect_page(f.image, desk_reference=ref)
        assert det.quad == a.quad
        assert det.details.get("desk_ref") == 0.0


def test_empty_desk_frames_match_their_scene() -> None:
    """The generator's empty desk is the frame's scene without the page: the desk outside
    the page agrees within the light change and noise; the frames themselves are unchanged."""
    assert not set(HARD_TUNING_SEEDS) & (set(HARD_HELD_OUT_SEEDS) | set(HARD_HELD_OUT_2_SEEDS))
    for seed in (30001, 5001):
        f = make_frame(seed, SIZE)
        e = make_empty_desk(seed, SIZE)
        assert e.quad is None and "empty_desk" in e.features
        mask = np.ones(f.image.shape[:2], np.uint8)
        assert f.quad is not None
        cv2.fillPoly(mask, [np.round(f.quad).astype(np.int32)], 0)
        mask = cv2.erode(mask, np.ones((41, 41), np.uint8)).astype(bool)
        fa = f.image.astype(np.float32)[mask]
        ea = e.image.astype(np.float32)[mask]
        gain = float(np.median(fa / np.maximum(ea, 1)))
        assert 0.9 < gain < 1.1
        assert float(np.median(np.abs(fa - gain * ea))) < 6
        assert np.array_equal(make_frame(seed, SIZE).image, f.image)
