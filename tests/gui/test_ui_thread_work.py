"""The capture screen's UI thread only paints: preview scaling and periodic reads happen elsewhere.

Issue 15 (soak): the event loop stalled while ``PreviewView.paintEvent`` scaled every frame
and while the link panel read the database on the UI thread every 3 s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.capture.grabber import fit_within
from hukou_scan.capture.simulated.camera import SimulatedCamera, Step
from hukou_scan.domain import BatchCategory, PageLink, PaperLocation
from hukou_scan.gui.camera_thread import CameraThread
from hukou_scan.gui.capture_view import CaptureView, PreviewView
from hukou_scan.gui.link_panel import LinkPanel
from hukou_scan.services.capture import BatchDraft
from hukou_scan.storage.registry import Proposal


def test_fit_within_keeps_the_aspect_and_touches_the_box() -> None:
    frame = np.zeros((816, 1088, 3), np.uint8)
    assert fit_within(frame, 544, 600).shape[:2] == (408, 544)  # width limits
    assert fit_within(frame, 2000, 300).shape[:2] == (300, 400)  # height limits
    assert fit_within(frame, 1088, 816) is frame  # already the size: no copy
    assert fit_within(frame, 2176, 1632).shape[:2] == (1632, 2176)  # a large view is filled too


def test_camera_thread_delivers_previews_at_the_display_size(qtbot: QtBot) -> None:
    cam = SimulatedCamera([Step("page", 10_000, 0)], size=(1600, 1200), fps=25, loop=True)
    cam.prepare()
    thread = CameraThread(cam, None, preview_width=800)
    thread.set_display_size(300, 500)
    sizes: list[tuple[int, int]] = []
    formats: set[QImage.Format] = set()
    pixels: list[int] = []

    def on_frame(image: QImage, _index: int) -> None:
        sizes.append((image.width(), image.height()))
        formats.add(image.format())
        pixels.append(image.pixel(image.width() // 2, image.height() // 2))
        thread.frame_consumed()

    thread.frame_ready.connect(on_frame)
    thread.start()
    try:
        qtbot.waitUntil(lambda: len(sizes) >= 3, timeout=10000)
        thread.set_display_size(640, 200)
        n = len(sizes)
        qtbot.waitUntil(lambda: len(sizes) >= n + 3, timeout=10000)
    finally:
        thread.stop()
    assert sizes[0] == (300, 225)  # 4:3 into 300 wide, not the grabber's 800 px preview
    assert sizes[-1] == (267, 200)  # the new size is followed
    assert formats == {QImage.Format.Format_RGB32}  # the backing store's layout: painting copies
    expected = fit_within(cam.scene_image(0), 267, 200)  # the still scene at that size
    b, g, r = (int(v) for v in expected[100, 133])
    px = pixels[-1]  # channels in the right order (sensor noise and resampling move them a little)
    assert abs((px >> 16 & 255) - r) < 20 and abs((px >> 8 & 255) - g) < 20 and abs((px & 255) - b) < 20


def test_preview_paints_a_display_size_image_unscaled(qtbot: QtBot) -> None:
    view = PreviewView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    image = QImage(400, 200, QImage.Format.Format_BGR888)
    image.fill(0)
    view.set_image(image)
    assert view.is_unscaled()
    view.set_image(QImage(800, 400, QImage.Format.Format_BGR888))  # a frame from before a resize
    assert not view.is_unscaled()  # still painted, scaled as a fallback


@pytest.fixture
def capture_view(qtbot: QtBot, ctx: AppContext) -> Iterator[CaptureView]:
    ctx.capture.new_batch(
        BatchDraft(
            archive_id="UI-1",
            category=BatchCategory.DEATH,
            location=PaperLocation(room="2", cabinet="1", box="7"),
            expected_pages=4,
        )
    )
    cam = SimulatedCamera([Step("page", 10_000, 0)], size=(1600, 1200), fps=25, loop=True)
    cam.prepare()
    view = CaptureView(ctx.capture, cam, hot_folder=False, beep=lambda: None)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    view.start()
    yield view
    view.shutdown()


def test_capture_view_preview_follows_the_widget_size(qtbot: QtBot, capture_view: CaptureView) -> None:
    view = capture_view
    view.auto_check.setChecked(False)
    qtbot.waitUntil(lambda: view.preview.image is not None and view.preview.is_unscaled(), timeout=10000)
    view.resize(800, 600)  # the preview shrinks: later frames are made for its new size
    qtbot.waitUntil(
        lambda: (
            view.preview.image is not None
            and view.preview.is_unscaled()
            and view.preview.image.width() <= view.preview.width()
        ),
        timeout=10000,
    )


class FakeLinking:
    """Candidates and links of one page; records the thread of every read and can hold it."""

    def __init__(self, proposals: list[Proposal], links: list[PageLink]) -> None:
        self.proposals = proposals
        self.links_ = links
        self.read_threads: list[int] = []
        self.release = threading.Event()
        self.release.set()
        self.reads = 0

    def candidates(self, page_id: str) -> list[Proposal]:
        self.read_threads.append(threading.get_ident())
        self.reads += 1
        self.release.wait(10)
        return list(self.proposals)

    def links(self, page_id: str) -> list[PageLink]:
        self.read_threads.append(threading.get_ident())
        return list(self.links_)


def test_link_panel_refresh_reads_off_the_ui_thread_one_at_a_time(qtbot: QtBot) -> None:
    fake = FakeLinking([], [])
    panel = LinkPanel(fake)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):
        panel.set_page("p1", "1")
    assert fake.read_threads and threading.get_ident() not in fake.read_threads
    fake.release.clear()  # the next read hangs until released
    reads = fake.reads
    panel.refresh()
    qtbot.waitUntil(lambda: fake.reads == reads + 1, timeout=5000)
    for _ in range(5):  # the 3 s timer keeps firing: no second read starts meanwhile
        panel.refresh()
    assert fake.reads == reads + 1
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):
        fake.release.set()
    qtbot.waitUntil(lambda: panel.runner.active == 0, timeout=5000)
    assert fake.reads == reads + 2  # the refreshes asked meanwhile: one more read, not five
    panel.runner.wait_all()
