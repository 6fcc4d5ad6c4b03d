"""Auto-capture driven by the simulated camera's scripted sequences: exact captures asserted."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from hukou_scan.capture.autocapture import (
    AutoCapture,
    AutoCaptureConfig,
    Decision,
    Observation,
    hash_distance,
    phash,
)
from hukou_scan.capture.simulated.camera import SimulatedCamera, Step, Truth, place_page, remove_page
from hukou_scan.errors import DeviceError

FPS = 10.0
SIZE = (640, 480)


def feed(script: list[Step], ac: AutoCapture) -> Iterator[tuple[int, np.ndarray, Observation, Truth]]:
    """Feed every frame of ``script`` to ``ac`` (at the camera's clock); yield each frame's
    index, pixels, observation and what the camera actually showed."""
    cam = SimulatedCamera(script, size=SIZE, fps=FPS, realtime=False, loop=False)
    cam.prepare()
    cam.open()
    i = 0
    while True:
        try:
            frame = cam.read()
        except DeviceError:
            return
        obs = ac.feed(frame, i / FPS)
        truth = cam.last_truth
        assert truth is not None
        yield i, frame, obs, truth
        i += 1


def run(script: list[Step], config: AutoCaptureConfig | None = None) -> list[tuple[int, str, int | None]]:
    """Feed every frame of ``script``; return (frame index, step kind, page) of each CAPTURE."""
    return [
        (i, truth.kind, truth.page)
        for i, _frame, obs, truth in feed(script, AutoCapture(config))
        if obs.decision == Decision.CAPTURE
    ]


def empty(n: int = 12) -> list[Step]:
    return [Step("empty", n)]


def test_page_placed_is_captured_exactly_once() -> None:
    caps = run(empty() + place_page(0, fps=FPS, still_s=4.0))
    assert [(k, p) for _, k, p in caps] == [("page", 0)]


def test_capture_waits_for_the_configured_stillness() -> None:
    script = empty() + place_page(0, fps=FPS, still_s=3.0)
    settle_end = 12 + round(0.6 * FPS)
    fast = run(script, AutoCaptureConfig(still_seconds=0.5))
    slow = run(script, AutoCaptureConfig(still_seconds=1.5))
    assert len(fast) == len(slow) == 1
    assert fast[0][0] - settle_end == pytest.approx(5, abs=1)
    assert slow[0][0] - settle_end == pytest.approx(15, abs=1)


def test_page_still_too_briefly_is_not_captured() -> None:
    caps = run(empty() + place_page(0, fps=FPS, still_s=0.4) + remove_page(0, fps=FPS))
    assert caps == []


def test_hand_passing_over_the_same_page_does_not_capture_it_again() -> None:
    script = empty() + place_page(0, fps=FPS, still_s=2.0) + [Step("hand", 8, 0), Step("page", 25, 0)]
    caps = run(script)
    assert [(k, p) for _, k, p in caps] == [("page", 0)]


def test_hand_resting_on_the_page_prevents_capture() -> None:
    script = [*empty(), Step("place", 6, 1), Step("hand_still", 40, 1)]
    assert run(script) == []
    # once the hand is gone the page is captured
    caps = run([*script, Step("hand", 6, 1), Step("page", 20, 1)])
    assert [(k, p) for _, k, p in caps] == [("page", 1)]


def test_page_swapped_quickly_gives_two_captures() -> None:
    script = (
        empty()
        + place_page(0, fps=FPS, still_s=2.0)
        + [Step("hand", 3, 0)]
        + place_page(1, fps=FPS, settle_s=0.3, still_s=2.0)
    )
    caps = run(script)
    assert [(k, p) for _, k, p in caps] == [("page", 0), ("page", 1)]


def test_empty_desk_and_removal_are_never_captured() -> None:
    script = (
        empty(30)
        + place_page(2, fps=FPS)
        + remove_page(2, fps=FPS, empty_s=3.0)
        + [Step("hand", 6), Step("empty", 30)]
    )
    caps = run(script)
    assert [(k, p) for _, k, p in caps] == [("page", 2)]


def test_a_session_of_pages() -> None:
    script = empty()
    for k in range(4):
        script += place_page(k, fps=FPS, still_s=1.5) + remove_page(k, fps=FPS)
    caps = run(script)
    assert [p for _, _, p in caps] == [0, 1, 2, 3]


def test_disabled_never_captures() -> None:
    assert run(empty() + place_page(0, fps=FPS), AutoCaptureConfig(enabled=False)) == []


def test_manual_capture_suppresses_the_auto_capture_of_the_same_page() -> None:
    cam = SimulatedCamera(
        empty() + place_page(0, fps=FPS, still_s=3.0), size=SIZE, fps=FPS, realtime=False, loop=False
    )
    cam.prepare()
    cam.open()
    ac = AutoCapture()
    decisions = []
    for i in range(12 + 6 + 2):
        decisions.append(ac.feed(cam.read(), i / FPS).decision)
    ac.notify_captured(cam.read())  # the clerk pressed Space right after placing the page
    for i in range(20, 40):
        decisions.append(ac.feed(cam.read(), i / FPS).decision)
    assert Decision.CAPTURE not in decisions


def test_phash_is_stable_under_noise_and_distinguishes_pages() -> None:
    cam = SimulatedCamera([Step("page", 2, 0), Step("page", 2, 1)], size=SIZE, realtime=False, loop=False)
    cam.prepare()
    cam.open()
    a1, a2, b1 = cam.read(), cam.read(), cam.read()
    g = [np.asarray(x.mean(axis=2), np.uint8) for x in (a1, a2, b1)]
    assert hash_distance(phash(g[0]), phash(g[1])) < 0.05
    assert hash_distance(phash(g[0]), phash(g[2])) > 0.25


def test_config_from_settings_section() -> None:
    cfg = AutoCaptureConfig.from_section({"still_seconds": "1.2", "enabled": False, "unknown": 3})
    assert cfg.still_seconds == 1.2 and cfg.enabled is False


def test_forgetting_the_last_capture_needs_movement_before_the_page_is_taken_again() -> None:
    script = empty() + place_page(0, fps=FPS, still_s=2.0)
    cam = SimulatedCamera(
        [*script, Step("page", 20, 0), Step("hand", 6, 0), Step("page", 20, 0)],
        size=SIZE,
        fps=FPS,
        realtime=False,
        loop=False,
    )
    cam.prepare()
    cam.open()
    ac = AutoCapture()
    caps = []
    for i in range(sum(st.frames for st in cam.script)):
        obs = ac.feed(cam.read(), i / FPS)
        if obs.decision == Decision.CAPTURE:
            caps.append(i)
            ac.forget_last_capture()  # e.g. the clerk deleted it / storing failed
    assert len(caps) == 2  # once when placed, once more only after the hand moved
    assert caps[1] > 12 + 6 + 20 + 20


def test_latest_empty_desk_is_kept_for_page_detection() -> None:
    """Every still empty desk (between pages) renews :attr:`AutoCapture.desk_reference`;
    a capture finds the empty desk seen before it, not the page."""
    from hukou_scan.capture.simulated.camera import remove_page as _remove

    script = empty(20) + place_page(0, fps=FPS, still_s=3.0) + _remove(0, fps=FPS, empty_s=2.5)
    script += place_page(1, fps=FPS, still_s=3.0)
    ac = AutoCapture()
    assert ac.desk_reference is None
    refs_at_capture: list[np.ndarray] = []
    frames_at_capture: list[np.ndarray] = []
    empty_frames: list[np.ndarray] = []
    for _i, frame, obs, truth in feed(script, ac):
        if truth.kind == "empty":
            empty_frames.append(frame)
        if obs.decision == Decision.CAPTURE:
            ref = ac.desk_reference
            assert ref is not None
            refs_at_capture.append(ref)
            frames_at_capture.append(frame)
    assert len(refs_at_capture) == 2
    first, second = refs_at_capture
    assert first is not second  # renewed by the empty desk between the two pages
    for ref, frame in zip(refs_at_capture, frames_at_capture, strict=True):
        assert ref.shape == frame.shape  # 640 px wide already: kept at that size
        to_empty = float(np.mean(np.abs(ref.astype(np.float32) - empty_frames[0].astype(np.float32))))
        to_page = float(np.mean(np.abs(ref.astype(np.float32) - frame.astype(np.float32))))
        assert to_empty < 0.3 * to_page


def test_background_set_by_hand_is_the_desk_reference_downscaled() -> None:
    ac = AutoCapture()
    big = np.full((1224, 1632, 3), 120, np.uint8)
    ac.set_background(big)
    ref = ac.desk_reference
    assert ref is not None and ref.shape == (480, 640, 3)
