"""UVC document cameras and network streams through OpenCV's ``VideoCapture``.

Document cameras (高拍仪) are UVC devices: V4L2 on Linux, DirectShow/Media Foundation
on Windows.  Their full resolution (5–16 MP) is usually only offered as MJPG, so we
ask for MJPG at 8 MP first and fall back step by step; what the driver *granted* is
read back and reported, never assumed.  Exposure, focus and white balance are set
only where the driver exposes them (``set`` returns ``False`` otherwise) and are
remembered per device in the settings section ``camera``.

Several 高拍仪 models also serve their picture over the network as MJPEG over HTTP
or RTSP; :class:`StreamCamera` opens such a URL through the FFmpeg backend.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hukou_scan.capture.grabber import downscale
from hukou_scan.capture.source import ArrayFrame, CameraInfo, Capabilities, LazyFrame
from hukou_scan.errors import DeviceError

log = logging.getLogger(__name__)

# Resolutions tried in order (width, height): 8 MP 4:3, 4K UHD, 5 MP, 1080p.
RESOLUTIONS: tuple[tuple[int, int], ...] = ((3264, 2448), (3840, 2160), (2592, 1944), (1920, 1080))

CONTROL_PROPS: dict[str, int] = {
    "auto_exposure": cv2.CAP_PROP_AUTO_EXPOSURE,
    "exposure": cv2.CAP_PROP_EXPOSURE,
    "autofocus": cv2.CAP_PROP_AUTOFOCUS,
    "focus": cv2.CAP_PROP_FOCUS,
    "auto_wb": cv2.CAP_PROP_AUTO_WB,
    "wb_temperature": cv2.CAP_PROP_WB_TEMPERATURE,
    "brightness": cv2.CAP_PROP_BRIGHTNESS,
}


@dataclass(frozen=True)
class CameraControls:
    """Values to apply after open; ``None`` leaves the driver's value alone."""

    auto_exposure: float | None = None
    exposure: float | None = None
    autofocus: float | None = None
    focus: float | None = None
    auto_wb: float | None = None
    wb_temperature: float | None = None
    brightness: float | None = None

    def items(self) -> Iterable[tuple[str, float]]:
        for name in CONTROL_PROPS:
            value = getattr(self, name)
            if value is not None:
                yield name, float(value)


def device_key(device_id: str) -> str:
    """A settings-key-safe form of a device id (``v4l2:0`` → ``v4l2_0``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", device_id)


def controls_from_section(section: dict[str, Any], device_id: str) -> CameraControls:
    """Per-device controls stored flat in the ``camera`` section as ``<device_key>__<control>``."""
    prefix = device_key(device_id) + "__"
    values = {k[len(prefix) :]: float(v) for k, v in section.items() if k.startswith(prefix)}
    return CameraControls(**{k: v for k, v in values.items() if k in CONTROL_PROPS})


def controls_to_section(controls: CameraControls, device_id: str) -> dict[str, float]:
    prefix = device_key(device_id) + "__"
    return {prefix + name: value for name, value in controls.items()}


def default_backend() -> int:
    if sys.platform.startswith("linux"):
        return int(cv2.CAP_V4L2)
    if sys.platform == "win32":
        return int(cv2.CAP_DSHOW)
    return int(cv2.CAP_ANY)


def list_devices(
    max_index: int = 8,
    backend: int | None = None,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[CameraInfo]:
    """Probe local cameras.

    On Linux only ``/dev/video*`` nodes that exist are probed (each UVC camera shows
    up as two nodes, one of which is metadata-only and fails to open).  Elsewhere
    indices ``0..max_index-1`` are tried.  Opening takes up to a second per device.
    """
    be = default_backend() if backend is None else backend
    if sys.platform.startswith("linux"):
        indices = sorted(
            int(m.group(1)) for p in Path("/dev").glob("video*") if (m := re.match(r"video(\d+)$", p.name))
        )
    else:
        indices = list(range(max_index))
    found: list[CameraInfo] = []
    for n, idx in enumerate(indices):
        if cancel is not None and cancel.is_set():
            break
        if progress:
            progress(n, len(indices), f"video{idx}")
        cap = cv2.VideoCapture(idx, be)
        try:
            if cap.isOpened():
                ok, _ = cap.read()
                if ok:
                    name = _v4l2_name(idx) or f"Camera {idx}"
                    found.append(CameraInfo(id=f"{_backend_tag(be)}:{idx}", name=name, kind="uvc", index=idx))
        finally:
            cap.release()
    return found


def _backend_tag(backend: int) -> str:
    return {int(cv2.CAP_V4L2): "v4l2", int(cv2.CAP_DSHOW): "dshow", int(cv2.CAP_MSMF): "msmf"}.get(
        backend, "cam"
    )


def _v4l2_name(idx: int) -> str:
    try:
        with open(f"/sys/class/video4linux/video{idx}/name", encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _fourcc_str(value: float) -> str:
    v = int(value)
    return "".join(chr((v >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00")


class JpegFrame:
    """A frame still in its MJPEG bytes: the preview decodes at 1/2, 1/4 or 1/8 scale
    (libjpeg's DCT scaling, several times cheaper than a full decode), the full
    decode happens only on capture."""

    def __init__(self, data: np.ndarray, size: tuple[int, int]) -> None:
        self.data = data
        self._size = size

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def preview(self, width: int) -> np.ndarray:
        ratio = self._size[0] / max(1, width)
        flag = cv2.IMREAD_COLOR
        for r, f in (
            (8, cv2.IMREAD_REDUCED_COLOR_8),
            (4, cv2.IMREAD_REDUCED_COLOR_4),
            (2, cv2.IMREAD_REDUCED_COLOR_2),
        ):
            if ratio >= r:
                flag = f
                break
        img = cv2.imdecode(self.data, flag)
        if img is None:
            raise DeviceError("相机画面损坏。", "The camera sent a corrupt frame.")
        return np.asarray(img)

    def full(self) -> np.ndarray:
        img = cv2.imdecode(self.data, cv2.IMREAD_COLOR)
        if img is None:
            raise DeviceError("相机画面损坏。", "The camera sent a corrupt frame.")
        return np.asarray(img)


class _VideoCaptureSource:
    """Shared read/close of OpenCV-backed sources."""

    info: CameraInfo

    def __init__(self) -> None:
        self._cap: cv2.VideoCapture | None = None
        self._failures = 0
        self._raw = False  # the capture hands out MJPEG bytes (CAP_PROP_FORMAT = -1)
        self._size = (0, 0)

    @property
    def is_open(self) -> bool:
        return self._cap is not None and bool(self._cap.isOpened())

    def read(self) -> np.ndarray:
        return self.read_lazy().full()

    def read_lazy(self) -> LazyFrame:
        cap = self._cap
        if cap is None:
            raise DeviceError("相机未打开。", "The camera is not open.")
        ok, frame = cap.read()
        if not ok or frame is None:
            self._failures += 1
            if self._failures >= 3 or not cap.isOpened():
                self.close()
                raise DeviceError(
                    "高拍仪已断开或无画面。",
                    "The camera was disconnected or sends no picture.",
                    hint_zh="请检查USB线缆，系统会自动重新连接。",
                    hint_en="Check the USB cable; the station reconnects automatically.",
                )
            return self.read_lazy()
        self._failures = 0
        if self._raw:
            return JpegFrame(np.asarray(frame).reshape(-1), self._size)
        return ArrayFrame(np.asarray(frame), downscale)

    def _try_raw_mjpeg(self, cap: cv2.VideoCapture, fourcc: str, size: tuple[int, int]) -> None:
        """Ask the backend for undecoded MJPEG frames; keep it only if a frame really decodes."""
        self._size = size
        self._raw = False
        if fourcc != "MJPG" or not cap.set(cv2.CAP_PROP_FORMAT, -1):
            return
        ok, frame = cap.read()
        if (
            ok
            and frame is not None
            and frame.ndim <= 2
            and (frame.shape[0] == 1 or frame.shape[-1] == 1 or frame.ndim == 1)
        ):
            probe = cv2.imdecode(np.asarray(frame).reshape(-1), cv2.IMREAD_REDUCED_COLOR_8)
            if probe is not None:
                self._raw = True
                log.info("camera %s: raw MJPEG frames, preview decoded at reduced scale", self.info.id)
                return
        cap.set(cv2.CAP_PROP_FORMAT, 0)  # back to decoded BGR frames

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class OpenCvCamera(_VideoCaptureSource):
    """A local UVC camera.

    Args:
        info: from :func:`list_devices` (needs ``index``).
        resolution: preferred (width, height); the list in ``RESOLUTIONS`` is tried after it.
        controls: exposure/focus/white balance to apply where exposed.
    """

    def __init__(
        self,
        info: CameraInfo,
        *,
        resolution: tuple[int, int] | None = None,
        controls: CameraControls | None = None,
        backend: int | None = None,
    ) -> None:
        super().__init__()
        if info.index is None:
            raise DeviceError("设备编号缺失。", f"Camera {info.id} has no device index.")
        self.info = info
        self.resolution = resolution
        self.controls = controls or CameraControls()
        self.backend = default_backend() if backend is None else backend

    def open(self) -> Capabilities:
        cap = cv2.VideoCapture(int(self.info.index or 0), self.backend)
        if not cap.isOpened():
            cap.release()
            raise DeviceError(
                f"无法打开高拍仪：{self.info.name}",
                f"Could not open camera {self.info.name}",
                hint_zh="设备可能被其他程序占用或已拔出。",
                hint_en="The device may be in use by another program or unplugged.",
            )
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        wanted = [self.resolution] if self.resolution else []
        wanted += [r for r in RESOLUTIONS if r not in wanted]
        requested = wanted[0]
        width = height = 0
        for w, h in wanted:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
            width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
            height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            requested = (w, h)
            if width * height >= w * h * 0.95:
                break
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the grabber keeps the newest frame anyway
        granted: dict[str, float] = {}
        for name, value in self.controls.items():
            if cap.set(CONTROL_PROPS[name], value):
                granted[name] = float(cap.get(CONTROL_PROPS[name]))
            else:
                log.info("camera %s does not expose %s", self.info.id, name)
        for name, prop in CONTROL_PROPS.items():
            granted.setdefault(name, float(cap.get(prop)))
        fourcc = _fourcc_str(cap.get(cv2.CAP_PROP_FOURCC))
        self._try_raw_mjpeg(cap, fourcc, (width, height))
        self._cap = cap
        caps = Capabilities(
            width=width,
            height=height,
            fps=float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
            fourcc=fourcc,
            requested=requested,
            controls=granted,
        )
        log.info("camera %s opened: %s", self.info.id, caps.to_dict())
        return caps


class StreamCamera(_VideoCaptureSource):
    """A network stream (MJPEG over HTTP, RTSP) served by a 高拍仪 or its vendor software."""

    def __init__(self, url: str, name: str = "") -> None:
        super().__init__()
        if not re.match(r"^(https?|rtsp|rtsps)://", url):
            raise DeviceError(
                f"不支持的视频流地址：{url}",
                f"Unsupported stream URL: {url}",
                hint_zh="地址应以 http://、https:// 或 rtsp:// 开头。",
                hint_en="The URL must start with http://, https:// or rtsp://.",
            )
        self.info = CameraInfo(id=f"url:{url}", name=name or url, kind="stream", url=url)

    def open(self) -> Capabilities:
        cap = cv2.VideoCapture(self.info.url, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise DeviceError(
                f"无法连接视频流：{self.info.url}",
                f"Could not connect to the stream {self.info.url}",
                hint_zh="请检查网络和高拍仪的地址。",
                hint_en="Check the network and the camera's address.",
            )
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap
        self._raw = False
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._size = (w, h)
        return Capabilities(
            width=w,
            height=h,
            fps=float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
            fourcc=_fourcc_str(cap.get(cv2.CAP_PROP_FOURCC)),
            requested=(w, h),
        )
