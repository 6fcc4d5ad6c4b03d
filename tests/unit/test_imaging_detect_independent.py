"""Page detection on frames from the independent generator (not the project's simulator).

Issue 17: the detector found every page the simulator drew and only 24 of 45 from an
independent generator.  These frames come from ``benchmarks.independent.frames``
(shares no code with ``hukou_scan.capture.simulated``) at a small size to stay fast.
The seeds here (30000…) are neither the tuning seeds nor the benchmark's held-out
seeds, and were fixed before the tests were first run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.independent.frames import DESKS, HELD_OUT_SEEDS, TUNING_SEEDS, desk_of, make_frame
from hukou_scan.imaging.detect import detect_page, quad_from_array, quad_iou

SIZE = (1088, 816)  # a third of an 8 MP frame per side
TEST_SEEDS = range(30000, 30015)  # three frames per desk


def _seeds(desk: str) -> list[int]:
    return [s for s in TEST_SEEDS if desk_of(s) == desk]


def test_test_seeds_are_neither_tuning_nor_held_out() -> None:
    assert not set(TEST_SEEDS) & set(TUNING_SEEDS)
    assert not set(TEST_SEEDS) & set(HELD_OUT_SEEDS)
    assert not set(TUNING_SEEDS) & set(HELD_OUT_SEEDS)


@pytest.mark.parametrize("desk", DESKS)
def test_page_found_on_every_independent_desk(desk: str) -> None:
    seeds = _seeds(desk)
    assert len(seeds) == 3
    for seed in seeds:
        frame = make_frame(seed, SIZE)
        assert frame.quad is not None
        det = detect_page(frame.image)
        assert det.quad is not None, (desk, seed, det.reason, frame.features)
        iou = quad_iou(det.quad, quad_from_array(frame.quad))
        assert iou >= 0.9, (desk, seed, iou, frame.features, det.details)
        assert 0.0 < det.confidence <= 1.0


@pytest.mark.parametrize(
    "seed",
    [1011, 1012, 1015, 1060, 1096],
    ids=[
        "red_cloth_sheet_under",
        "grid_mat_sheet_under",
        "black_pad_marks",
        "black_pad_ruler",
        "red_cloth_pen",
    ],
)
def test_pages_the_single_detector_gave_up_on(seed: int) -> None:
    """Tuning frames under a warm (tungsten) light on which the watershed-only detector
    reported region_too_small / low_contrast / not_quadrilateral: yellowed paper in warm
    light has skin's chroma and was flooded as "fingers"; the other detectors and the
    fallback now find the page."""
    frame = make_frame(seed, SIZE)
    assert frame.quad is not None and "tungsten" in frame.features
    det = detect_page(frame.image)
    assert det.quad is not None, (seed, det.reason)
    assert quad_iou(det.quad, quad_from_array(frame.quad)) >= 0.9
    assert det.confidence > 0.0


@pytest.mark.parametrize("desk", ["black_pad_marks", "green_grid_mat"])
def test_desk_markings_alone_are_not_a_page(desk: str) -> None:
    """Corner marks, the ruler scale and the cutting-mat grid never make a page."""
    for seed in _seeds(desk):
        frame = make_frame(seed, SIZE, empty=True)
        assert frame.quad is None
        det = detect_page(frame.image)
        assert det.quad is None, (desk, seed, det.details)
        assert det.reason


@pytest.mark.parametrize("desk", ["black_pad_marks", "green_grid_mat"])
def test_desk_markings_do_not_join_the_page(desk: str) -> None:
    """With a page on a marked desk the outline stays on the page (IoU ≥ 0.95): marks,
    ruler and grid lines touching the page are not pulled into it.  (Frames with a
    sheet under the page are left to the test above: that is not a desk marking.)"""
    checked = 0
    for seed in _seeds(desk):
        frame = make_frame(seed, SIZE)
        if "under_sheet" in frame.features:
            continue
        assert frame.quad is not None
        det = detect_page(frame.image)
        assert det.quad is not None, (desk, seed, det.reason)
        iou = quad_iou(det.quad, quad_from_array(frame.quad))
        assert iou >= 0.95, (desk, seed, iou)
        checked += 1
    assert checked >= 2


def test_page_lying_on_the_ruler_keeps_its_own_corners() -> None:
    """Seed 30005 lays the page's bottom edge onto the ruler scale.  The watershed
    region took the ruler band in and pulled the bottom-right corner about 32 px (of
    1088) down onto the ticks; opening the region wider than a printed line cuts the
    band off (18 px left: the ticks under the page edge still blur it)."""
    frame = make_frame(30005, SIZE)
    assert frame.quad is not None
    det = detect_page(frame.image)
    assert det.quad is not None
    err = np.abs(np.array(det.quad.points()) - frame.quad).max()
    assert err < 0.02 * SIZE[0]


def test_generator_is_deterministic_and_independent_of_the_simulator() -> None:
    a = make_frame(TEST_SEEDS[0], (320, 240))
    b = make_frame(TEST_SEEDS[0], (320, 240))
    assert np.array_equal(a.image, b.image) and a.quad is not None and b.quad is not None
    assert np.array_equal(a.quad, b.quad)
    import benchmarks.independent.frames as gen

    source = Path(gen.__file__).read_text(encoding="utf-8")
    assert "hukou_scan" not in source.split('"""', 2)[2]  # no project import after the docstring


def test_fallback_returns_the_plausible_page_with_a_low_confidence() -> None:
    """Seed 1015: warm-lit yellowed paper fails the paper-colour check (chroma > 35), so no
    detector is sure; instead of "no page" the best plausible region comes back, marked
    as a fallback with a confidence that tells the caller to have it checked."""
    frame = make_frame(1015, SIZE)
    assert frame.quad is not None
    det = detect_page(frame.image)
    assert det.quad is not None and det.details["fallback"] == 1.0
    assert 0.0 < det.confidence <= 0.4
    assert quad_iou(det.quad, quad_from_array(frame.quad)) >= 0.95


def test_page_touching_a_thick_ruler_band_is_still_four_sided() -> None:
    """Tuning seed 1025: the page's top edge touches the ruler scale (ticks and numbers,
    thicker than a printed line), every region took the band in and was rejected as
    not quadrilateral; peeling the band off with a wider opening finds the page."""
    frame = make_frame(1025, (1632, 1224))  # (at 1088 px the band happens to stay apart)
    assert frame.quad is not None
    det = detect_page(frame.image)
    assert det.quad is not None, det.reason
    assert quad_iou(det.quad, quad_from_array(frame.quad)) >= 0.95
