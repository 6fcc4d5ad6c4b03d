"""新建批次 → 从封面读取: the newest camera frame is read off the UI thread and prefills the 档号."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from benchmarks.independent.labels import HELD_OUT_SEEDS, make_label
from hukou_scan.app import AppContext
from hukou_scan.capture.source import CameraInfo, Capabilities
from hukou_scan.domain import BatchCategory
from hukou_scan.domain.archive_label import check_character
from hukou_scan.gui.batch_dialog import NewBatchDialog
from hukou_scan.gui.capture_view import CaptureView
from hukou_scan.services.capture import BatchDraft
from hukou_scan.services.cover_label import CoverLabelRead, CoverLabelService


class StillCamera:
    """A camera that keeps showing one picture (the cover under the lens)."""

    def __init__(self, image: np.ndarray) -> None:
        self.info = CameraInfo("still", "still", "simulated")
        self.image = image
        self._open = False

    def open(self) -> Capabilities:
        self._open = True
        return Capabilities(self.image.shape[1], self.image.shape[0], 20.0)

    def read(self) -> np.ndarray:
        time.sleep(0.05)
        return self.image

    def close(self) -> None:
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open


def _qr(text: str) -> np.ndarray:
    import segno

    buf = io.BytesIO()
    segno.make(text, micro=False).save(buf, kind="png", scale=8, border=6)
    img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    return np.asarray(cv2.copyMakeBorder(img, 150, 150, 250, 250, cv2.BORDER_CONSTANT, value=(90, 95, 100)))


def _view(qtbot: QtBot, ctx: AppContext, image: np.ndarray) -> CaptureView:
    view = CaptureView(ctx.capture, StillCamera(image), hot_folder=False, cover_label=CoverLabelService(None))
    qtbot.addWidget(view)
    view.start()
    qtbot.waitUntil(lambda: view.camera is not None and view.camera.latest() is not None, timeout=10000)
    return view


def _dialog(qtbot: QtBot, read_cover: Callable[[], Callable[[], CoverLabelRead]] | None) -> NewBatchDialog:
    dlg = NewBatchDialog(BatchDraft("OLD-1", BatchCategory.DEATH), read_cover=read_cover)
    qtbot.addWidget(dlg)
    return dlg


def test_read_from_cover_prefills_the_archive_id(qtbot: QtBot, ctx: AppContext) -> None:
    lab = make_label(HELD_OUT_SEEDS[1], "qr")
    view = _view(qtbot, ctx, lab.image)
    try:
        main_thread = threading.get_ident()
        threads: list[int] = []
        reader = view._cover_reader

        def spy() -> Callable[[], CoverLabelRead]:
            job = reader()

            def run() -> CoverLabelRead:
                threads.append(threading.get_ident())
                return job()

            return run

        dlg = _dialog(qtbot, spy)
        with qtbot.waitSignal(dlg.cover_read, timeout=20000) as sig:
            qtbot.mouseClick(dlg.read_cover_button, Qt.MouseButton.LeftButton)
        assert sig.args == [lab.archive_id]
        assert dlg.archive_id.text() == lab.archive_id
        assert threads and threads[0] != main_thread  # read off the UI thread
        assert dlg.read_cover_button.isEnabled() and dlg.draft().archive_id == lab.archive_id
        dlg.reject()
    finally:
        view.shutdown()


def test_wrong_check_character_is_refused_in_the_dialog(qtbot: QtBot, ctx: AppContext) -> None:
    aid = "0101-2026-001"
    wrong = "0" if check_character(aid) != "0" else "1"
    view = _view(qtbot, ctx, _qr(f"{aid}-{wrong}"))
    try:
        dlg = _dialog(qtbot, view._cover_reader)
        with qtbot.waitSignal(dlg.cover_read, timeout=20000) as sig:
            dlg.read_cover_button.click()
        assert sig.args == [""]
        assert dlg.archive_id.text() == "OLD-1"  # never prefilled with a wrong 档号
        assert "校验位" in dlg.cover_status.text() or "check character" in dlg.cover_status.text()
        dlg.reject()
    finally:
        view.shutdown()


def test_button_hidden_without_a_reader_and_no_frame_is_said(qtbot: QtBot, ctx: AppContext) -> None:
    hidden = _dialog(qtbot, None)
    hidden.show()
    assert not hidden.read_cover_button.isVisible()
    view = CaptureView(ctx.capture, None, hot_folder=False, cover_label=CoverLabelService(None))
    qtbot.addWidget(view)
    dlg = _dialog(qtbot, view._cover_reader)
    dlg.show()
    assert dlg.read_cover_button.isVisible()
    with qtbot.waitSignal(dlg.cover_read, timeout=5000) as sig:
        dlg.read_cover_button.click()
    assert sig.args == [""] and dlg.cover_status.text()
    view.shutdown()
