"""Simulated camera, grabber thread (newest frame only, reconnection), source factory, OpenCV sources."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from hukou_scan.capture.autocapture import AutoCapture
from hukou_scan.capture.factory import make_source
from hukou_scan.capture.grabber import FrameGrabber, GrabberState, downscale
from hukou_scan.capture.opencv_camera import (
    CameraControls,
    StreamCamera,
    controls_from_section,
    controls_to_section,
)
from hukou_scan.capture.simulated.camera import SimulatedCamera, Step, place_page, sample_page
from hukou_scan.capture.source import CameraSource
from hukou_scan.errors import DeviceError


def test_simulated_camera_is_a_camera_source_with_8mp_default() -> None:
    cam = SimulatedCamera()
    assert isinstance(cam, CameraSource)
    assert cam.size == (3264, 2448)


def test_simulated_frames_follow_the_script_and_truth() -> None:
    cam = SimulatedCamera(
        [Step("empty", 2), Step("page", 2, 3), Step("hand", 3, 3)],
        size=(320, 240),
        realtime=False,
        loop=False,
    )
    cam.prepare()
    caps = cam.open()
    assert (caps.width, caps.height) == (320, 240)
    kinds = []
    for _ in range(7):
        f = cam.read()
        assert f.shape == (240, 320, 3) and f.dtype == np.uint8
        assert cam.last_truth is not None
        kinds.append((cam.last_truth.kind, cam.last_truth.page, cam.last_truth.quad is not None))
    assert kinds[:2] == [("empty", None, False)] * 2
    assert kinds[2] == ("page", 3, True)
    assert kinds[-1][0] == "hand"
    with pytest.raises(DeviceError):
        cam.read()


def test_consecutive_still_frames_differ_only_by_sensor_noise() -> None:
    cam = SimulatedCamera([Step("page", 3, 0)], size=(320, 240), realtime=False, loop=False)
    cam.prepare()
    cam.open()
    a, b = cam.read().astype(int), cam.read().astype(int)
    d = np.abs(a - b)
    assert 0 < d.mean() < 3 and d.max() <= 5


def test_sample_pages_are_cached_and_varied() -> None:
    assert sample_page(0, 60) is sample_page(0, 60)
    kinds = {sample_page(i, 60).kind for i in range(7)}
    assert {"household_page", "registration_form", "blank_back"} <= kinds


def test_unplug_and_replug() -> None:
    cam = SimulatedCamera([Step("empty", 100)], size=(160, 120), realtime=False)
    cam.open()
    cam.read()
    cam.unplug()
    with pytest.raises(DeviceError):
        cam.read()
    with pytest.raises(DeviceError):
        cam.open()
    cam.replug()
    cam.open()
    assert cam.read().shape == (120, 160, 3)


def test_realtime_pacing() -> None:
    cam = SimulatedCamera([Step("empty", 100)], size=(160, 120), fps=50)
    cam.open()
    t = time.monotonic()
    for _ in range(10):
        cam.read()
    assert time.monotonic() - t >= 9 / 50 * 0.9


def test_grabber_keeps_only_the_newest_frame_and_reconnects() -> None:
    cam = SimulatedCamera(
        [Step("empty", 10), *place_page(0, fps=50, still_s=1.0)], size=(320, 240), fps=50, loop=True
    )
    cam.prepare()
    states: list[GrabberState] = []
    grabber = FrameGrabber(
        cam, preview_width=160, on_state=lambda s, _m: states.append(s), reconnect_interval=0.05
    )
    grabber.start()
    try:
        f1 = grabber.wait_frame(-1, timeout=5)
        assert f1 is not None and f1.preview.shape == (120, 160, 3)  # 320/2
        assert f1.full.shape == (240, 320, 3)
        time.sleep(0.3)  # a slow consumer: frames were dropped, the newest is what we get
        f2 = grabber.latest()
        assert f2 is not None and f2.index > f1.index + 5
        cam.unplug()
        deadline = time.monotonic() + 5
        while grabber.state != GrabberState.DISCONNECTED and time.monotonic() < deadline:
            time.sleep(0.01)
        assert grabber.state == GrabberState.DISCONNECTED
        cam.replug()
        last = grabber.latest()
        assert last is not None
        f3 = grabber.wait_frame(last.index, timeout=5)
        assert f3 is not None and grabber.state == GrabberState.STREAMING
    finally:
        grabber.stop()
    assert not grabber.running
    assert states[:2] == [GrabberState.CONNECTING, GrabberState.STREAMING]
    assert GrabberState.DISCONNECTED in states and states[-1] == GrabberState.STOPPED


def test_grabber_runs_auto_capture_on_previews() -> None:
    fps = 50.0
    script = [Step("empty", 40), *place_page(1, fps=fps, still_s=2.0)]
    cam = SimulatedCamera(script, size=(480, 360), fps=fps, loop=False)
    cam.prepare()
    got: list[int | None] = []
    done = threading.Event()

    def on_auto(frame: object) -> None:
        got.append(cam.last_truth.page if cam.last_truth else None)

    def on_state(state: GrabberState, _m: str) -> None:
        if state == GrabberState.DISCONNECTED:
            done.set()

    grabber = FrameGrabber(
        cam, preview_width=240, autocapture=AutoCapture(), on_auto_capture=on_auto, on_state=on_state
    )
    grabber.start()
    try:
        assert done.wait(10)  # the script ends → "disconnected"
    finally:
        grabber.stop()
    assert got == [1]


def test_downscale() -> None:
    img = np.zeros((2448, 3264, 3), np.uint8)
    assert downscale(img, 1024).shape == (816, 1088, 3)  # 8 MP / 3
    assert downscale(img, 960).shape == (816, 1088, 3)
    assert downscale(np.zeros((1001, 2003, 3), np.uint8), 500).shape == (250, 500, 3)
    small = np.zeros((10, 20, 3), np.uint8)
    assert downscale(small, 100) is small


def test_factory_and_controls() -> None:
    assert isinstance(make_source("simulated"), SimulatedCamera)
    assert isinstance(make_source("auto", probe=False), SimulatedCamera)
    s = make_source("http://127.0.0.1:9/video.mjpg")
    assert isinstance(s, StreamCamera) and s.info.kind == "stream"
    with pytest.raises(DeviceError):
        StreamCamera("ftp://x")
    c = CameraControls(exposure=-6.0, focus=120.0)
    section = controls_to_section(c, "v4l2:0")
    assert section == {"v4l2_0__exposure": -6.0, "v4l2_0__focus": 120.0}
    assert controls_from_section({**section, "other": 1}, "v4l2:0") == c


def test_stream_that_does_not_answer_raises_device_error() -> None:
    s = StreamCamera("http://127.0.0.1:9/none.mjpg")
    with pytest.raises(DeviceError):
        s.open()
