"""The grabber thread: reads the camera as fast as it delivers and keeps only the newest frame.

Why: a camera (or a network stream) queues frames; if the consumer falls behind,
it shows the desk as it was a second ago.  Reading continuously on a dedicated
thread and overwriting a single slot means the preview and the capture always see
the newest frame.  The grabber also makes the display-size copy (the UI thread never
resizes 8 MP frames), runs auto-capture on it, and reconnects a camera that was
unplugged, reporting each state change.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np

from hukou_scan.capture.autocapture import AutoCapture, Observation
from hukou_scan.capture.source import ArrayFrame, CameraSource, Capabilities, LazyFrame
from hukou_scan.errors import DeviceError, HukouScanError

log = logging.getLogger(__name__)


class GrabberState(enum.StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    DISCONNECTED = "disconnected"


class GrabbedFrame:
    """One frame: its display copy now, its full resolution on demand (made once, then cached).

    ``full`` is computed on first access — do that off the UI thread (the capture
    task does).  The arrays must not be modified.
    """

    def __init__(
        self,
        index: int,
        t: float,
        lazy: LazyFrame,
        preview: np.ndarray,
        observation: Observation | None = None,
    ) -> None:
        self.index = index
        self.t = t
        self.preview = preview
        self.observation = observation
        self._lazy = lazy
        self._full: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def size(self) -> tuple[int, int]:
        return self._lazy.size

    @property
    def full(self) -> np.ndarray:
        with self._lock:
            if self._full is None:
                self._full = self._lazy.full()
            return self._full


def downscale(frame: np.ndarray, width: int) -> np.ndarray:
    """A display copy at least ``width`` pixels wide, reduced by a whole factor.

    Area averaging by an integer factor hits OpenCV's fast path (about 10× cheaper
    than a fractional factor at 8 MP) and keeps text legible; the few edge pixels
    that do not fill a whole block are cropped.  The display scales the rest.
    """
    h, w = frame.shape[:2]
    k = w // max(1, width)
    if k <= 1:
        return frame
    hh, ww = h - h % k, w - w % k
    return np.asarray(cv2.resize(frame[:hh, :ww], (ww // k, hh // k), interpolation=cv2.INTER_AREA))


def fit_within(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """``frame`` scaled to fit a ``width`` × ``height`` box, keeping its aspect ratio.

    Why: the live preview is painted at the size of its widget; scaling it at paint time
    held the UI thread (a 1000 px frame, 25 times a second).  Scaled here, on the camera
    thread, OpenCV releases the GIL while it works and the UI thread only copies pixels.
    Bilinear both ways: the preview was already reduced by a whole factor with area
    averaging (:func:`downscale`), so what is left is a step below 2× where bilinear keeps
    text legible, and OpenCV's fractional area path costs several times as much at 25 fps.
    """
    h, w = frame.shape[:2]
    if width <= 0 or height <= 0 or w == 0 or h == 0:
        return frame
    scale = min(width / w, height / h)
    tw, th = max(1, round(w * scale)), max(1, round(h * scale))
    if (tw, th) == (w, h):
        return frame
    return np.asarray(cv2.resize(frame, (tw, th), interpolation=cv2.INTER_LINEAR))


def display_bgra(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """:func:`fit_within`, then 4 bytes a pixel (B, G, R, 255): what a screen's backing store holds.

    Why: painting 3-byte BGR converts every pixel on the UI thread; this layout is Qt's
    ``Format_RGB32`` on little-endian machines, so painting it is a plain copy.
    """
    return np.asarray(cv2.cvtColor(fit_within(frame, width, height), cv2.COLOR_BGR2BGRA))


class FrameGrabber:
    """Owns a :class:`CameraSource` on a background thread.

    Args:
        source: the camera.
        preview_width: width of the display copy.
        autocapture: analyses every preview frame; its ``CAPTURE`` decisions call ``on_auto_capture``.
        on_frame: called on the grabber thread for every frame (keep it cheap; the GUI
            only sets a flag and emits a coalesced signal).
        on_state: called on the grabber thread with each state change and a message.
        on_auto_capture: called on the grabber thread with the frame auto-capture chose.
        reconnect_interval: seconds between reconnection attempts.
    """

    def __init__(
        self,
        source: CameraSource,
        *,
        preview_width: int = 1024,
        autocapture: AutoCapture | None = None,
        on_frame: Callable[[GrabbedFrame], None] | None = None,
        on_state: Callable[[GrabberState, str], None] | None = None,
        on_auto_capture: Callable[[GrabbedFrame], None] | None = None,
        reconnect_interval: float = 1.0,
    ) -> None:
        self.source = source
        self.preview_width = preview_width
        self.autocapture = autocapture
        self.on_frame = on_frame
        self.on_state = on_state
        self.on_auto_capture = on_auto_capture
        self.reconnect_interval = reconnect_interval
        self.state = GrabberState.STOPPED
        self.capabilities: Capabilities | None = None
        self._latest: GrabbedFrame | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._index = 0
        self.frames_read = 0
        self.reconnects = 0
        self.cpu_seconds = 0.0  # grabber-thread CPU spent reading/previewing/analysing (benchmark)

    # --- control ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-grabber")
        self._thread.start()

    def run_blocking(self) -> None:
        """Run the grab loop on the calling thread until :meth:`stop` (for a host ``QThread``)."""
        self._stop.clear()
        self._run()

    def request_stop(self) -> None:
        """Ask the loop to end without waiting (the host thread joins)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and release the camera (blocks until the thread has ended)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._set_state(GrabberState.STOPPED, "")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- frames -------------------------------------------------------------------------------
    def latest(self) -> GrabbedFrame | None:
        """The newest frame (``None`` before the first one)."""
        with self._cond:
            return self._latest

    def wait_frame(self, after: int = -1, timeout: float = 2.0) -> GrabbedFrame | None:
        """Block until a frame newer than index ``after`` arrives (``None`` on timeout or stop)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._stop.is_set():
                if self._latest is not None and self._latest.index > after:
                    return self._latest
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
        return None

    # --- thread -------------------------------------------------------------------------------
    def _set_state(self, state: GrabberState, message: str) -> None:
        if state == self.state:
            return
        self.state = state
        log.info("camera %s: %s %s", self.source.info.id, state.value, message)
        if self.on_state:
            try:
                self.on_state(state, message)
            except Exception:  # callback boundary
                log.exception("camera state callback failed")

    def _connect(self) -> bool:
        self._set_state(GrabberState.CONNECTING, "")
        try:
            self.capabilities = self.source.open()
        except HukouScanError as e:
            self._set_state(GrabberState.DISCONNECTED, e.user_message())
            return False
        except Exception as e:  # third-party failure while opening a device
            log.exception("camera open failed")
            self._set_state(GrabberState.DISCONNECTED, str(e))
            return False
        if self.autocapture is not None:
            self.autocapture.reset()
        self._set_state(GrabberState.STREAMING, "")
        return True

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self.source.is_open and not self._connect():
                    self.reconnects += 1
                    self._stop.wait(self.reconnect_interval)
                    continue
                cpu0 = time.thread_time()
                try:
                    lazy = self._read()
                except DeviceError as e:
                    self.source.close()
                    self._set_state(GrabberState.DISCONNECTED, e.user_message())
                    self._stop.wait(self.reconnect_interval)
                    continue
                self._deliver(lazy)
                self.cpu_seconds += time.thread_time() - cpu0
        except Exception:  # thread boundary
            log.exception("camera grabber crashed")
            self._set_state(GrabberState.DISCONNECTED, "internal error")
        finally:
            self.source.close()

    def _read(self) -> LazyFrame:
        read_lazy = getattr(self.source, "read_lazy", None)
        if read_lazy is not None:
            frame: LazyFrame = read_lazy()
            return frame
        return ArrayFrame(self.source.read(), downscale)

    def _deliver(self, lazy: LazyFrame) -> None:
        t = time.monotonic()
        preview = lazy.preview(self.preview_width)
        obs = self.autocapture.feed(preview, t) if self.autocapture is not None else None
        frame = GrabbedFrame(self._index, t, lazy, preview, obs)
        self._index += 1
        self.frames_read += 1
        with self._cond:
            self._latest = frame
            self._cond.notify_all()
        if self.on_frame:
            self.on_frame(frame)
        if obs is not None and obs.decision == "capture" and self.on_auto_capture:
            self.on_auto_capture(frame)
