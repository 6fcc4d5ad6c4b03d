"""Live outline detection runs while the desk moves (at most 5/s) and once at rest (issue 15)."""

from __future__ import annotations

import numpy as np

from hukou_scan.capture.outline import OutlineThrottle

FPS = 25


def _desk(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frame = np.full((720, 960, 3), 90, np.uint8)
    frame[100:620, 200:760] = 235  # a page
    frame[150:600:20, 250:700] = 40  # lines of text
    return frame + rng.integers(0, 3, frame.shape, dtype=np.uint8)


def _noisy(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise: every frame of a still scene differs a little."""
    noise = rng.normal(0, 3, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def _hand_at(frame: np.ndarray, x: int) -> np.ndarray:
    out = frame.copy()
    out[300:500, x : x + 180] = (80, 120, 200)  # a hand crossing the desk
    return out


def test_a_still_page_is_detected_once_not_on_every_frame() -> None:
    rng = np.random.default_rng(1)
    desk = _desk()
    throttle = OutlineThrottle()
    calls = [throttle.should_detect(_noisy(desk, rng), i / FPS) for i in range(5 * FPS)]
    assert calls[0] and sum(calls) == 1  # five seconds of a still page: one detection


def test_while_moving_at_most_five_a_second_then_once_at_rest() -> None:
    rng = np.random.default_rng(2)
    desk = _desk()
    throttle = OutlineThrottle(moving_per_s=5)
    t = 0.0
    assert throttle.should_detect(_noisy(desk, rng), t)
    moving = []
    for i in range(2 * FPS):  # two seconds of a hand moving across the desk
        t += 1 / FPS
        moving.append(throttle.should_detect(_noisy(_hand_at(desk, 20 + 14 * i), rng), t))
    assert 9 <= sum(moving) <= 11  # follows the hand, ~5 a second, not 25
    rest = []
    for _ in range(2 * FPS):  # the page lies still again
        t += 1 / FPS
        rest.append(throttle.should_detect(_noisy(desk, rng), t))
    # its outline once, as soon as it is at rest (the first frame without the hand still
    # differs from the last one with it)
    assert sum(rest) == 1 and any(rest[:2])


def test_a_changed_preview_size_counts_as_motion() -> None:
    throttle = OutlineThrottle()
    assert throttle.should_detect(_desk(), 0.0)
    assert throttle.should_detect(_desk()[:, :480], 1.0)
