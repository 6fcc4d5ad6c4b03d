"""The pinned Qt binding must survive a working day of signal traffic.

PySide6-Essentials 6.12.0 on Python 3.11 drops one reference to ``True`` on every
``Signal.emit()``; the live preview emits ~80 times a second, so the interpreter aborts with
``bool_dealloc`` after a few minutes. The check runs in a child process because on a broken
binding the interpreter aborts instead of failing an assertion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    app = QCoreApplication.instance() or QCoreApplication([])

    class Emitter(QObject):
        bare = Signal()
        flag = Signal(bool)
        number = Signal(int)
        obj = Signal(object)

    seen = [0]
    def slot(*args):
        seen[0] += 1

    e = Emitter()
    for sig in (e.bare, e.flag, e.number, e.obj):
        sig.connect(slot)
    singletons = (True, False, None)
    before = [sys.getrefcount(x) for x in singletons]
    for i in range(10_000):
        e.bare.emit()
        e.flag.emit(i % 2 == 0)
        e.number.emit(i)
        e.obj.emit(None)
    after = [sys.getrefcount(x) for x in singletons]
    print(json.dumps({"drift": [a - b for a, b in zip(after, before)], "calls": seen[0]}))
    """
)


def test_signal_emits_leave_singleton_refcounts_alone() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, f"the Qt binding crashed the interpreter: {proc.stderr[-2000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["calls"] == 40_000
    # Other threads may hold a few transient references; a leak shows as thousands.
    assert all(abs(d) < 50 for d in result["drift"]), result


# The path the live preview really takes: the camera thread's grabber reads the simulated
# camera, emits each preview as a QImage (queued to the UI thread), the auto-capture
# observation as (str, float); the UI slot hands the frame back (``frame_consumed``).
_CAMERA_PROBE = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from hukou_scan.capture.autocapture import AutoCapture, AutoCaptureConfig
    from hukou_scan.capture.simulated.camera import SimulatedCamera
    from hukou_scan.gui.camera_thread import CameraThread

    FRAMES = 3000
    app = QGuiApplication.instance() or QGuiApplication([])
    cam = SimulatedCamera(size=(640, 480), fps=25, realtime=False, demo_pages=2)
    cam.prepare()
    thread = CameraThread(cam, AutoCapture(AutoCaptureConfig()), preview_width=320)
    got = {"frames": 0, "observed": 0, "pixels": 0}

    def on_frame(image, index):
        got["frames"] += 1
        got["pixels"] += image.width() * image.height()
        thread.frame_consumed()
        if got["frames"] >= FRAMES:
            app.quit()

    def on_observed(decision, still_for):
        got["observed"] += 1

    thread.frame_ready.connect(on_frame)
    thread.observed.connect(on_observed)
    singletons = (True, False, None)
    before = [sys.getrefcount(x) for x in singletons]
    thread.start()
    QTimer.singleShot(240_000, app.quit)
    app.exec()
    thread.stop()
    app.processEvents()
    after = [sys.getrefcount(x) for x in singletons]
    print(json.dumps({"drift": [a - b for a, b in zip(after, before)], **got}))
    """
)


def test_camera_preview_signals_leave_singleton_refcounts_alone() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _CAMERA_PROBE],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        },
    )
    assert proc.returncode == 0, f"the camera preview path crashed the interpreter: {proc.stderr[-2000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["frames"] >= 3000 and result["pixels"] > 0, result
    # every grabbed frame is analysed; a changed decision is reported at once, an unchanged
    # one a few times a second (each report is a slot call on the UI thread)
    assert 0 < result["observed"] < result["frames"]
    assert all(abs(d) < 50 for d in result["drift"]), result
