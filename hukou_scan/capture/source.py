"""The :class:`CameraSource` protocol: the small interface every frame source implements.

Modelled on NAPS2's scan-driver bridge: three calls (``open`` / ``read`` / ``close``)
plus a description of what the device granted.  Real UVC cameras, network streams
and the simulated 高拍仪 all look the same to the grabber, auto-capture and the
capture service, and tests swap in a scripted source without threads or hardware.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class CameraInfo:
    """A device the station could use, as listed to the clerk."""

    id: str  # stable key used for per-device settings: "v4l2:0", "url:rtsp://…", "simulated"
    name: str
    kind: str  # uvc | stream | simulated
    index: int | None = None
    url: str = ""


@dataclass(frozen=True)
class Capabilities:
    """What the device actually granted after open (not what we asked for)."""

    width: int
    height: int
    fps: float
    fourcc: str = ""
    requested: tuple[int, int] = (0, 0)
    controls: dict[str, float] = field(default_factory=dict)  # exposure/focus/wb values read back

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "fps": round(self.fps, 2),
            "fourcc": self.fourcc,
            "requested": list(self.requested),
            "megapixels": round(self.megapixels, 2),
            "controls": dict(self.controls),
        }


@runtime_checkable
class CameraSource(Protocol):
    """A frame source.

    ``read`` blocks until the next frame is available (at most about one frame
    interval) and returns a BGR ``uint8`` array, or raises
    :class:`~hukou_scan.errors.DeviceError` when the device is gone.  Returned
    arrays must not be modified by the caller (sources may hand out cached frames).
    """

    info: CameraInfo

    def open(self) -> Capabilities:
        """Open the device, negotiate resolution/format; raise ``DeviceError`` when unavailable."""

    def read(self) -> np.ndarray:
        """The next full-resolution frame (BGR)."""

    def close(self) -> None:
        """Release the device; safe to call twice."""

    @property
    def is_open(self) -> bool:
        """Whether ``open`` succeeded and ``close`` has not been called."""


class LazyFrame(Protocol):
    """A frame whose display copy is cheap and whose full resolution is made only on demand.

    Sources that can do this (a camera delivering MJPEG bytes: decode at 1/4 scale
    for the preview, fully only on capture; the simulated camera: compose the 8 MP
    frame only on capture) implement ``read_lazy``; the grabber prefers it.  This
    is what lets an 8 MP camera preview at 25 fps on two cores.
    """

    @property
    def size(self) -> tuple[int, int]:
        """Full-resolution (width, height)."""

    def preview(self, width: int) -> np.ndarray:
        """A display copy at least ``width`` wide (BGR)."""

    def full(self) -> np.ndarray:
        """The full-resolution frame (BGR); may take tens of milliseconds."""


@dataclass
class ArrayFrame:
    """A :class:`LazyFrame` over an already decoded full-resolution array."""

    image: np.ndarray
    downscale: Callable[[np.ndarray, int], np.ndarray]

    @property
    def size(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])

    def preview(self, width: int) -> np.ndarray:
        return self.downscale(self.image, width)

    def full(self) -> np.ndarray:
        return self.image
