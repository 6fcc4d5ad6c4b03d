"""Auto-capture: motion → stillness for a set time → exactly one capture per page.

Pure logic fed small preview frames with their timestamps (no threads, no clock), so
the same code runs in the GUI's camera thread, in the headless demo and in tests that
feed scripted frames one by one.

Rules, in the order they are checked for every frame:

1. *Motion* (a fraction of pixels changed against the previous frame) resets the
   stillness timer and arms the trigger: something happened on the desk.
2. *A hand in the frame* blocks capture even when it is still (a clerk holding a
   page flat): skin-coloured pixels that are new against the empty desk and lie in
   the border band the hand must come through.
3. Once the scene has been still for ``still_seconds`` and the trigger is armed:
   an empty desk (close to the learned background) is not captured — but kept as the
   latest picture of the empty desk (:attr:`AutoCapture.desk_reference`), which page
   detection compares the next captures with; a scene whose
   perceptual hash is close to the previous capture's is the *same page left lying*
   and is not captured again; otherwise the decision is ``CAPTURE`` and the trigger
   disarms until the next motion — so exactly one capture per page.

Why hand-written: it is the product's own behaviour, and the perceptual hash is
twelve lines of DCT (imagehash would pull in PyWavelets/SciPy for the same thing).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

# the empty-desk picture kept for page detection (which works on a ~560-pixel copy)
DESK_REFERENCE_WIDTH = 640


class Decision(enum.StrEnum):
    CAPTURE = "capture"
    MOTION = "motion"  # scene changing
    SETTLING = "settling"  # still, but not for long enough yet
    HAND = "hand"  # a hand is in the frame
    SAME_PAGE = "same_page"  # still, but it is the page captured last
    EMPTY = "empty"  # still, but no page on the desk
    IDLE = "idle"  # still and already handled (captured or rejected); waiting for motion
    DISABLED = "disabled"


@dataclass(frozen=True)
class AutoCaptureConfig:
    """Tunables (settings section ``capture``: ``still_seconds`` etc.)."""

    enabled: bool = True
    still_seconds: float = 0.8
    analysis_width: int = 192
    motion_level: int = 18  # grey-level change that counts as a changed pixel
    motion_fraction: float = 0.004  # fraction of changed pixels that counts as motion
    same_page_bits: float = 0.12  # hash distance (fraction of 256 bits) under which a page is "the same"
    empty_bits: float = 0.10  # hash distance to the empty desk under which the desk is "empty"
    empty_diff: float = 6.0  # and mean grey difference to the empty desk under which it is "empty"
    hand_fraction: float = 0.02  # fraction of the border band covered by new skin-coloured pixels
    border: float = 0.08  # border band width as a fraction of the frame's smaller side

    @classmethod
    def from_section(cls, section: dict[str, object]) -> AutoCaptureConfig:
        """Build from a settings section, ignoring unknown keys and keeping defaults for missing ones."""
        kwargs: dict[str, object] = {}
        for name, default in cls().__dict__.items():
            if name in section:
                value = section[name]
                kwargs[name] = type(default)(value)
        return cls(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Observation:
    """What the auto-capturer made of one frame (shown in the GUI's status line)."""

    t: float
    decision: Decision
    motion: float  # fraction of changed pixels
    still_for: float
    hand: bool
    distance: float | None = None  # hash distance to the last capture (fraction of bits)


def phash(grey: np.ndarray, hash_size: int = 16) -> np.ndarray:
    """Perceptual hash: sign of the low-frequency DCT block against its median (``hash_size²`` bits)."""
    side = hash_size * 4
    small = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    dct = cv2.dct(small)[:hash_size, :hash_size]
    flat = dct.flatten()
    med = float(np.median(flat[1:]))
    return np.asarray(flat > med, dtype=bool)


def hash_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Hamming distance as a fraction of the bits."""
    return float(np.count_nonzero(a != b)) / float(a.size)


def skin_mask(bgr: np.ndarray) -> np.ndarray:
    """Skin-toned pixels (HSV box that covers light to dark skin under warm desk lamps)."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    lo = np.array([0, 48, 60], np.uint8)
    hi = np.array([25, 190, 255], np.uint8)
    return np.asarray(cv2.inRange(hsv, lo, hi) > 0)


class AutoCapture:
    """Feed it preview frames; it says when to capture.

    Args:
        config: thresholds and the stillness time.
    """

    def __init__(self, config: AutoCaptureConfig | None = None) -> None:
        self.config = config or AutoCaptureConfig()
        self._prev: np.ndarray | None = None
        self._still_since: float | None = None
        self._armed = True
        self._last_hash: np.ndarray | None = None
        self._bg_grey: np.ndarray | None = None
        self._bg_bgr: np.ndarray | None = None
        self._bg_hash: np.ndarray | None = None
        self._seen_motion = False
        self._desk_reference: np.ndarray | None = None
        self.captures = 0

    # --- public ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the previous frame and the stillness timer (new camera, new batch)."""
        self._prev = None
        self._still_since = None
        self._armed = True

    def set_background(self, frame_bgr: np.ndarray) -> None:
        """Use ``frame_bgr`` as the empty desk (also learned automatically, see :meth:`feed`)."""
        small = self._small(frame_bgr)
        self._bg_bgr = small
        self._bg_grey = self._grey(small)
        self._bg_hash = phash(self._bg_grey)
        self._desk_reference = self._reference(frame_bgr)

    @property
    def has_background(self) -> bool:
        return self._bg_hash is not None

    @property
    def desk_reference(self) -> np.ndarray | None:
        """The latest still picture of the empty desk (≤ 640 px wide, BGR), or None.

        Renewed every time the desk is seen empty and still (between two pages), so it
        follows the lamp and the desk through the day; page detection compares a
        capture with it (``CaptureService.capture(desk_reference=…)``).  The array is
        replaced, never changed in place: another thread may read it at any time.
        """
        return self._desk_reference

    def frame_hash(self, frame_bgr: np.ndarray) -> np.ndarray:
        return phash(self._grey(self._small(frame_bgr)))

    def notify_captured(
        self, frame_bgr: np.ndarray | None = None, page_hash: np.ndarray | None = None
    ) -> None:
        """Remember a capture made by hand (Space/pedal) so the same page is not auto-captured again."""
        if page_hash is None and frame_bgr is not None:
            page_hash = self.frame_hash(frame_bgr)
        if page_hash is not None:
            self._last_hash = page_hash
        self._armed = False

    def forget_last_capture(self) -> None:
        """The last capture was deleted or failed: after the next movement the same page may be captured again.

        Deliberately does not re-arm at once — a page still lying there would be captured
        again immediately (or, after a failure, over and over).
        """
        self._last_hash = None

    def feed(self, frame_bgr: np.ndarray, t: float) -> Observation:
        """Analyse one preview frame taken at time ``t`` (seconds, any monotonic origin)."""
        cfg = self.config
        small = self._small(frame_bgr)
        grey = self._grey(small)
        motion = 0.0
        if self._prev is not None and self._prev.shape == grey.shape:
            diff = cv2.absdiff(grey, self._prev)
            motion = float(np.count_nonzero(diff > cfg.motion_level)) / diff.size
        self._prev = grey
        moving = motion > cfg.motion_fraction
        hand = self._hand(small, grey)
        if moving:
            self._still_since = None
            self._armed = True
            self._seen_motion = True
            return Observation(t, Decision.MOTION, motion, 0.0, hand)
        if self._still_since is None:
            self._still_since = t
        still_for = t - self._still_since
        if not cfg.enabled:
            return Observation(t, Decision.DISABLED, motion, still_for, hand)
        if hand:
            return Observation(t, Decision.HAND, motion, still_for, hand)
        if still_for + 1e-9 < cfg.still_seconds:
            return Observation(t, Decision.SETTLING, motion, still_for, hand)
        if not self._armed:
            return Observation(t, Decision.IDLE, motion, still_for, hand)
        # still long enough, armed: decide once for this still period
        self._armed = False
        h = phash(grey)
        if self._is_empty(grey, h, small):
            if self._bg_hash is None:
                self._bg_bgr, self._bg_grey, self._bg_hash = small, grey, h
                log.info("auto-capture learned the empty desk")
            self._desk_reference = self._reference(frame_bgr)
            return Observation(t, Decision.EMPTY, motion, still_for, hand)
        if self._last_hash is not None:
            d = hash_distance(h, self._last_hash)
            if d <= cfg.same_page_bits:
                return Observation(t, Decision.SAME_PAGE, motion, still_for, hand, d)
        else:
            d = None
        self._last_hash = h
        self.captures += 1
        return Observation(t, Decision.CAPTURE, motion, still_for, hand, d)

    # --- internals -------------------------------------------------------------------------------
    def _small(self, frame_bgr: np.ndarray) -> np.ndarray:
        h, w = frame_bgr.shape[:2]
        aw = self.config.analysis_width
        if w <= aw:
            return frame_bgr
        ah = max(1, round(h * aw / w))
        return np.asarray(cv2.resize(frame_bgr, (aw, ah), interpolation=cv2.INTER_AREA))

    @staticmethod
    def _reference(frame_bgr: np.ndarray) -> np.ndarray | None:
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
            return None
        h, w = frame_bgr.shape[:2]
        if w <= DESK_REFERENCE_WIDTH:
            return np.array(frame_bgr, copy=True)  # the caller may reuse its buffer
        rh = max(1, round(h * DESK_REFERENCE_WIDTH / w))
        return np.asarray(cv2.resize(frame_bgr, (DESK_REFERENCE_WIDTH, rh), interpolation=cv2.INTER_AREA))

    @staticmethod
    def _grey(small: np.ndarray) -> np.ndarray:
        g = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        return np.asarray(cv2.GaussianBlur(g, (3, 3), 0))

    def _border(self, shape: tuple[int, ...]) -> np.ndarray:
        h, w = shape[:2]
        b = max(2, round(min(h, w) * self.config.border))
        band = np.zeros((h, w), bool)
        band[:b, :] = band[-b:, :] = True
        band[:, :b] = band[:, -b:] = True
        return band

    def _hand(self, small: np.ndarray, grey: np.ndarray) -> bool:
        """Skin-toned pixels new against the empty desk, in the border band a hand must cross."""
        if self._bg_bgr is None or self._bg_bgr.shape != small.shape:
            return False  # without an empty desk, only motion guards against hands
        skin = skin_mask(small)
        new = np.max(cv2.absdiff(small, self._bg_bgr), axis=2) > 30
        band = self._border(small.shape)
        hits = np.count_nonzero(skin & new & band)
        return bool(hits > self.config.hand_fraction * np.count_nonzero(band))

    def _is_empty(self, grey: np.ndarray, h: np.ndarray, small: np.ndarray) -> bool:
        if self._bg_hash is not None and self._bg_grey is not None and self._bg_grey.shape == grey.shape:
            close = hash_distance(h, self._bg_hash) <= self.config.empty_bits
            mean_diff = float(np.mean(cv2.absdiff(grey, self._bg_grey)))
            return close or mean_diff < self.config.empty_diff
        # no empty desk learned yet: paper is bright and unsaturated; an empty desk of
        # wood, cloth or a black pad has little of it
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        paper = (hsv[..., 1] < 60) & (hsv[..., 2] > 130)
        return float(np.count_nonzero(paper)) / paper.size < 0.15
