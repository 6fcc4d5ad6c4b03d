"""Qt threads around the frame grabber and the live page-outline detector.

:class:`CameraThread` hosts :class:`~hukou_scan.capture.grabber.FrameGrabber`'s loop.
Frames reach the UI *coalesced*: a new preview is emitted only after the UI took the
previous one, so a busy UI thread skips frames instead of queueing them — the preview
never lags behind the desk.  The preview ``QImage`` is made on this thread at the size
the view paints it (:meth:`CameraThread.set_display_size`), so the UI thread only copies
pixels: no scaling at paint time.

:class:`OutlineThread` runs page detection (``hukou_scan.imaging.detect``) on a small
copy of the newest preview — while the desk moves at most five times a second, and once
when it comes to rest (:class:`~hukou_scan.capture.outline.OutlineThrottle`) — and emits
the outline in preview-normalised coordinates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from hukou_scan.capture.autocapture import AutoCapture
from hukou_scan.capture.grabber import FrameGrabber, GrabbedFrame, GrabberState, display_bgra
from hukou_scan.capture.outline import OutlineThrottle
from hukou_scan.capture.source import CameraSource

log = logging.getLogger(__name__)

Detector = Callable[[np.ndarray], list[tuple[float, float]] | None]
OBSERVED_EVERY_S = 0.25  # an unchanged auto-capture decision is re-sent this often


def to_qimage(bgr: np.ndarray) -> QImage:
    """A deep-copied QImage of a BGR array (safe to hand to another thread)."""
    arr = np.ascontiguousarray(bgr)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_BGR888).copy()


def default_detector() -> Detector | None:
    """Page detection from the imaging area, if it is installed (normalised TL, TR, BR, BL)."""
    try:
        from hukou_scan.imaging.detect import detect_page
    except ImportError:  # imaging area not present: no live outline
        return None

    def detect(small: np.ndarray) -> list[tuple[float, float]] | None:
        det = detect_page(small, refine=False)
        if det.quad is None:
            return None
        h, w = small.shape[:2]
        return [(x / w, y / h) for x, y in det.quad.points()]

    return detect


class CameraThread(QThread):
    """Runs the grabber; signals are delivered queued on the UI thread."""

    frame_ready = Signal(QImage, int)  # preview, frame index
    state_changed = Signal(str, str)  # GrabberState value, message
    auto_capture_requested = Signal(object)  # GrabbedFrame
    observed = Signal(str, float)  # auto-capture decision, seconds still

    def __init__(
        self, source: CameraSource, autocapture: AutoCapture | None, preview_width: int = 960
    ) -> None:
        super().__init__()
        self.setObjectName("CameraThread")
        self.grabber = FrameGrabber(
            source,
            preview_width=preview_width,
            autocapture=autocapture,
            on_frame=self._on_grabber_frame,
            on_state=self._on_grabber_state,
            on_auto_capture=self._on_grabber_auto_capture,
        )
        self._ui_busy = threading.Event()
        self.frames_emitted = 0
        self._last_observed: tuple[str, float] = ("", float("-inf"))  # decision, frame time
        # (width, height, device pixel ratio) of the view, or None: the grabber's preview as is.
        # One tuple, replaced whole: the camera thread reads it without a lock.
        self._display: tuple[int, int, float] | None = None

    def run(self) -> None:
        self.grabber.run_blocking()

    def stop(self) -> None:
        self.grabber.request_stop()
        self.wait(5000)

    def set_display_size(self, width: int, height: int, device_pixel_ratio: float = 1.0) -> None:
        """The view's size in logical pixels: later previews are scaled to fit it, on this thread."""
        self._display = (width, height, device_pixel_ratio) if width > 0 and height > 0 else None

    def frame_consumed(self) -> None:
        """The UI painted the last preview; the next frame may be emitted."""
        self._ui_busy.clear()

    def latest(self) -> GrabbedFrame | None:
        return self.grabber.latest()

    def _on_grabber_frame(self, frame: GrabbedFrame) -> None:
        obs = frame.observation
        if obs is not None and (
            obs.decision.value != self._last_observed[0] or obs.t - self._last_observed[1] >= OBSERVED_EVERY_S
        ):
            # a changed decision at once, the same one a few times a second: each emit is a
            # Python slot call on the UI thread, and 25 a second of them only repeat the text
            self._last_observed = (obs.decision.value, obs.t)
            self.observed.emit(obs.decision.value, obs.still_for)
        if self._ui_busy.is_set():
            return  # UI still painting the previous one: drop this frame
        self._ui_busy.set()
        self.frames_emitted += 1
        self.frame_ready.emit(self._display_image(frame.preview), frame.index)

    def _display_image(self, preview: np.ndarray) -> QImage:
        display = self._display
        if display is None:
            return to_qimage(preview)
        width, height, dpr = display
        bgra = display_bgra(preview, round(width * dpr), round(height * dpr))
        h, w = bgra.shape[:2]
        # Format_RGB32 is B, G, R, 0xff in memory on little-endian: painting it copies, never converts
        image = QImage(bgra.data, w, h, bgra.strides[0], QImage.Format.Format_RGB32).copy()
        image.setDevicePixelRatio(dpr)
        return image

    def _on_grabber_state(self, state: GrabberState, message: str) -> None:
        self.state_changed.emit(state.value, message)

    def _on_grabber_auto_capture(self, frame: GrabbedFrame) -> None:
        self.auto_capture_requested.emit(frame)


class OutlineThread(QThread):
    """Detects the page outline on the newest preview (small copy) off the UI thread."""

    outline_found = Signal(object, int)  # list of 4 normalised points or None, frame index

    def __init__(
        self, camera: CameraThread, detector: Detector, width: int = 640, moving_per_s: float = 5.0
    ) -> None:
        super().__init__()
        self.setObjectName("OutlineThread")
        self.camera = camera
        self.detector = detector
        self.width = width
        # a still page keeps its outline: detect while moving (≤ 5/s) and once at rest
        self.throttle = OutlineThrottle(moving_per_s)
        self.detections = 0
        self._stop = threading.Event()

    def run(self) -> None:
        from hukou_scan.capture.grabber import downscale

        last = -1
        while not self._stop.is_set():
            frame = self.camera.grabber.wait_frame(last, timeout=0.2)
            if frame is None:
                continue
            last = frame.index
            if not self.throttle.should_detect(frame.preview, time.monotonic()):
                continue
            self.detections += 1
            try:
                pts = self.detector(downscale(frame.preview, self.width))
            except Exception:  # detection must never stop the preview
                log.exception("live page detection failed")
                pts = None
            self.outline_found.emit(pts, frame.index)

    def stop(self) -> None:
        self._stop.set()
        self.wait(5000)
