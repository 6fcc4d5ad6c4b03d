"""When the live page outline is worth detecting again: while the desk moves, and once at rest.

Why: detecting the outline on every preview frame (eight times a second) kept a thread
of the GUI process busy in Python and OpenCV between frames; its GIL hand-overs stalled
the capture screen (issue 15).  A page lying still has the outline it had a moment ago:
detect it once when the scene comes to rest, and while something moves at most
``moving_per_s`` times a second so the outline follows the hand.

Pure logic on small arrays (no clock, no threads), so tests feed it scripted frames.
"""

from __future__ import annotations

import cv2
import numpy as np

SIGNATURE_WIDTH = 96  # grey values across: enough to see a hand or a page move
MOTION_LEVEL = 18  # grey-level change that counts as a changed sample (auto-capture's value)
MOTION_FRACTION = 0.004  # fraction of changed samples that counts as motion


def signature(preview: np.ndarray, width: int = SIGNATURE_WIDTH) -> np.ndarray:
    """A tiny grey thumbnail of a BGR (or grey) preview, area-averaged so sensor noise
    does not count as motion; OpenCV does it in well under a millisecond without the GIL."""
    h, w = preview.shape[:2]
    size = (width, max(1, round(h * width / max(1, w))))
    small = cv2.resize(preview, size, interpolation=cv2.INTER_AREA)
    if small.ndim == 3:
        small = cv2.cvtColor(small[..., :3], cv2.COLOR_BGR2GRAY)
    return np.asarray(small, dtype=np.int16)


def is_moving(previous: np.ndarray | None, current: np.ndarray) -> bool:
    """Whether the scene changed between two signatures (a changed size counts as motion)."""
    if previous is None or previous.shape != current.shape:
        return True
    changed = int(np.count_nonzero(np.abs(current - previous) > MOTION_LEVEL))
    return changed > MOTION_FRACTION * current.size


class OutlineThrottle:
    """Says for each preview frame whether to run outline detection on it.

    Args:
        moving_per_s: detections per second at most while the scene moves.
    """

    def __init__(self, moving_per_s: float = 5.0) -> None:
        self.interval = 1.0 / moving_per_s
        self._previous: np.ndarray | None = None
        self._last_detect = float("-inf")
        self._at_rest_done = False  # the frame at rest has had its one detection

    def should_detect(self, preview: np.ndarray, now: float) -> bool:
        """Feed the newest preview and its time (seconds); ``True``: detect on this one."""
        current = signature(preview)
        # the first frame is a scene at rest until a second one says otherwise
        moving = self._previous is not None and is_moving(self._previous, current)
        self._previous = current
        if moving:
            self._at_rest_done = False
            if now - self._last_detect >= self.interval:
                self._last_detect = now
                return True
            return False
        if not self._at_rest_done:
            self._at_rest_done = True
            self._last_detect = now
            return True
        return False
