"""OpenCvCamera against a fake VideoCapture: resolution negotiation, controls, raw MJPEG, unplug."""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np
import pytest

from hukou_scan.capture import opencv_camera
from hukou_scan.capture.opencv_camera import CameraControls, JpegFrame, OpenCvCamera
from hukou_scan.capture.source import ArrayFrame, CameraInfo
from hukou_scan.errors import DeviceError

MAX = (2592, 1944)  # this fake camera tops out at 5 MP


class FakeCap:
    instances: ClassVar[list[FakeCap]] = []

    def __init__(self, index: int, backend: int, *, raw_ok: bool = True) -> None:
        self.props: dict[int, float] = {cv2.CAP_PROP_FPS: 15.0, cv2.CAP_PROP_FOCUS: 0.0}
        self.raw_ok = raw_ok
        self.opened = True
        self.raw = False
        self.requested: list[tuple[float, float]] = []
        yy, xx = np.mgrid[0 : MAX[1], 0 : MAX[0]]
        self.image = np.dstack([xx % 256, yy % 256, (xx + yy) // 32 % 256]).astype(np.uint8)
        self.jpeg = cv2.imencode(".jpg", self.image)[1]
        FakeCap.instances.append(self)

    def isOpened(self) -> bool:
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            self.props[prop] = min(value, MAX[0])
            return True
        if prop == cv2.CAP_PROP_FRAME_HEIGHT:
            self.props[prop] = min(value, MAX[1])
            self.requested.append((self.props.get(cv2.CAP_PROP_FRAME_WIDTH, 0), self.props[prop]))
            return True
        if prop == cv2.CAP_PROP_FORMAT:
            self.raw = value == -1 and self.raw_ok
            return self.raw_ok
        if prop == cv2.CAP_PROP_FOCUS:
            return False  # not exposed by this driver
        self.props[prop] = value
        return True

    def get(self, prop: int) -> float:
        return self.props.get(prop, 0.0)

    def read(self) -> tuple[bool, Any]:
        if not self.opened:
            return False, None
        if self.raw:
            return True, self.jpeg.reshape(1, -1)
        return True, self.image

    def release(self) -> None:
        self.opened = False


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> type[FakeCap]:
    FakeCap.instances = []
    monkeypatch.setattr(opencv_camera.cv2, "VideoCapture", FakeCap)
    return FakeCap


INFO = CameraInfo(id="v4l2:0", name="Fake 高拍仪", kind="uvc", index=0)


def test_asks_for_8mp_mjpg_and_reports_what_was_granted(fake: type[FakeCap]) -> None:
    cam = OpenCvCamera(INFO, controls=CameraControls(exposure=-5.0, focus=30.0))
    caps = cam.open()
    cap = fake.instances[0]
    assert cap.requested[0] == (2592, 1944)  # asked 3264×2448, driver clamped
    assert (caps.width, caps.height) == MAX
    assert caps.requested == (2592, 1944)  # the fallback list stopped where the driver could deliver
    assert caps.fourcc == "MJPG"
    assert caps.controls["exposure"] == -5.0
    assert caps.to_dict()["megapixels"] == pytest.approx(5.04, abs=0.01)


def test_raw_mjpeg_frames_preview_reduced_and_decode_fully_on_demand(fake: type[FakeCap]) -> None:
    cam = OpenCvCamera(INFO)
    cam.open()
    lazy = cam.read_lazy()
    assert isinstance(lazy, JpegFrame)
    assert lazy.preview(640).shape == (486, 648, 3)  # 1/4 scale by the JPEG decoder
    full = lazy.full()
    assert full.shape == (1944, 2592, 3)
    assert np.abs(full.astype(int) - fake.instances[0].image.astype(int)).mean() < 8


def test_without_raw_support_frames_are_decoded_arrays(
    fake: type[FakeCap], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opencv_camera.cv2, "VideoCapture", lambda i, b: FakeCap(i, b, raw_ok=False))
    cam = OpenCvCamera(INFO)
    cam.open()
    lazy = cam.read_lazy()
    assert isinstance(lazy, ArrayFrame)
    assert lazy.preview(640).shape == (486, 648, 3)


def test_unplugged_camera_raises_device_error(fake: type[FakeCap]) -> None:
    cam = OpenCvCamera(INFO)
    cam.open()
    cam.read()
    fake.instances[0].opened = False
    with pytest.raises(DeviceError):
        cam.read()
    assert not cam.is_open
