"""Choose the frame source from the ``camera`` setting.

``auto`` (default) uses the first local UVC camera that delivers a frame and falls
back to the simulated 高拍仪 when none is attached, so the demo and a fresh
install always show a picture.  ``simulated``, a device id (``v4l2:0``), a bare
index (``0``) or a stream URL (``http://…``, ``rtsp://…``) pick one explicitly.
"""

from __future__ import annotations

import logging
from typing import Any

from hukou_scan.capture.opencv_camera import (
    OpenCvCamera,
    StreamCamera,
    controls_from_section,
    list_devices,
)
from hukou_scan.capture.simulated.camera import SimulatedCamera
from hukou_scan.capture.source import CameraInfo, CameraSource

log = logging.getLogger(__name__)


def make_source(
    spec: str, camera_section: dict[str, Any] | None = None, *, probe: bool = True
) -> CameraSource:
    """Build the source ``spec`` names (see module doc); per-device controls come from ``camera_section``."""
    section = camera_section or {}
    spec = (spec or "auto").strip()
    if spec == "simulated":
        return SimulatedCamera()
    if spec.startswith(("http://", "https://", "rtsp://", "rtsps://")):
        return StreamCamera(spec)
    if spec == "auto":
        devices = list_devices() if probe else []
        if not devices:
            log.info("no camera attached; using the simulated document camera")
            return SimulatedCamera()
        info = devices[0]
        return OpenCvCamera(info, controls=controls_from_section(section, info.id))
    index_text = spec.split(":", 1)[-1]
    if index_text.isdigit():
        idx = int(index_text)
        dev_id = spec if ":" in spec else f"v4l2:{idx}"
        info = CameraInfo(id=dev_id, name=f"Camera {idx}", kind="uvc", index=idx)
        return OpenCvCamera(info, controls=controls_from_section(section, dev_id))
    log.warning("unknown camera setting %r; using the simulated document camera", spec)
    return SimulatedCamera()
