"""CaptureView driven by the simulated camera through scripted sequences (pytest-qt, offscreen)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.capture.encode import decode_image
from hukou_scan.capture.simulated.camera import SimulatedCamera, Step, place_page, remove_page
from hukou_scan.domain import BatchCategory, ExtractedField, OcrResult, PageState, PaperLocation
from hukou_scan.domain.sample import SampleHousehold, generate_households
from hukou_scan.gui.batch_dialog import CloseBatchDialog, NewBatchDialog
from hukou_scan.gui.capture_view import CaptureView
from hukou_scan.services.capture import BatchDraft
from tests.registry_helpers import write_registry_csv

FPS = 25.0
SIZE = (800, 600)


@pytest.fixture
def batch_ctx(ctx: AppContext) -> AppContext:
    ctx.capture.new_batch(
        BatchDraft(
            archive_id="GUI-1",
            category=BatchCategory.DEATH,
            location=PaperLocation(room="2", cabinet="1", box="7"),
            expected_pages=4,
        )
    )
    return ctx


def make_view(qtbot: QtBot, ctx: AppContext, cam: SimulatedCamera) -> CaptureView:
    beeps: list[int] = []
    view = CaptureView(ctx.capture, cam, hot_folder=False, beep=lambda: beeps.append(1))
    view.beeps = beeps  # type: ignore[attr-defined]
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.activateWindow()  # window-wide shortcuts (Space, pedals) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=5000)
    view.start()
    return view


def looping_camera(page: int) -> SimulatedCamera:
    """A simulated camera showing page ``page`` for as long as a test needs, scenes prepared."""
    cam = SimulatedCamera([Step("page", 10_000, page)], size=SIZE, fps=FPS, loop=True)
    cam.prepare()
    return cam


def manual_view(qtbot: QtBot, ctx: AppContext, views: list[CaptureView], cam: SimulatedCamera) -> CaptureView:
    """:func:`make_view` with auto-capture off, once the first frame has arrived (so a key
    press captures), shut down by the ``views`` fixture."""
    view = make_view(qtbot, ctx, cam)
    views.append(view)
    view.auto_check.setChecked(False)
    qtbot.waitUntil(lambda: view.camera is not None and view.camera.latest() is not None, timeout=5000)
    return view


def capture_processed_and_select(qtbot: QtBot, ctx: AppContext, view: CaptureView) -> str:
    """Space captures the only page of the strip; it is processed and selected; its id."""
    with qtbot.waitSignal(view.page_captured, timeout=5000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Space)
    page_id = str(blocker.args[0].id)
    ctx.processing.run_pending()
    qtbot.waitUntil(lambda: view.strip.count() == 1, timeout=5000)
    view.strip.setCurrentRow(0)
    return page_id


@pytest.fixture
def views() -> Iterator[list[CaptureView]]:
    made: list[CaptureView] = []
    yield made
    for v in made:
        v.shutdown()


def matches_scene(ctx: AppContext, sha: str, cam: SimulatedCamera, page: int) -> bool:
    stored = decode_image(ctx.blobs.get(sha)).astype(np.int16)
    scene = cam.scene_image(page).astype(np.int16)
    others = [cam.scene_image(k).astype(np.int16) for k in list(cam._scenes) if k != page]
    d_self = np.abs(stored - scene).mean()
    return bool(d_self < 6 and all(np.abs(stored - o).mean() > d_self + 5 for o in others))


def test_scripted_session_captures_exactly_the_right_pages(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    script = [
        Step("empty", 25),
        *place_page(0, fps=FPS, still_s=2.0),  # page placed, held still → capture
        Step("hand", 10, 0),  # a hand passes …
        Step("page", 40, 0),  # … and the same page is left lying → no second capture
        Step("hand", 4, 0),
        *place_page(1, fps=FPS, settle_s=0.3, still_s=2.0),  # page swapped quickly → capture
        Step("place", 8, 2),
        Step("hand_still", 50, 2),  # a hand holds page 2 down → no capture
        *remove_page(2, fps=FPS),
        Step("empty", 25),
    ]
    cam = SimulatedCamera(script, size=SIZE, fps=FPS, loop=False)
    cam.prepare()
    view = make_view(qtbot, batch_ctx, cam)
    views.append(view)
    qtbot.waitUntil(lambda: cam.finished or view.banner.isVisible(), timeout=30000)
    view.capture_tasks.pool.waitForDone(10000)
    qtbot.waitUntil(lambda: len(view.pages) == 2, timeout=10000)
    pages = batch_ctx.capture.list_pages(view.batch.id)  # type: ignore[union-attr]
    assert len(pages) == 2
    assert matches_scene(batch_ctx, pages[0].original_sha256, cam, 0)
    assert matches_scene(batch_ctx, pages[1].original_sha256, cam, 1)
    assert len(view.beeps) == 2  # type: ignore[attr-defined]
    assert view.counter.text().endswith("2 / 4") or "2" in view.counter.text()
    assert view.preview.paint_count > 20
    # the script ended: the camera counts as unplugged, the banner says so
    assert view.banner.isVisible()


def test_space_captures_manually_and_rework_buttons(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    view = manual_view(qtbot, batch_ctx, views, looping_camera(3))
    for key in (Qt.Key.Key_Space, Qt.Key.Key_PageDown, Qt.Key.Key_F9):
        with qtbot.waitSignal(view.page_captured, timeout=5000):
            qtbot.keyClick(view, key)
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=5000)
    assert view.counter.text() and "3" in view.counter.text()
    assert view.last_capture_ms < 5000
    first = view.pages[0].id
    # delete + undo
    view.strip.setCurrentRow(0)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.strip.count() == 2, timeout=5000)
    assert view.undo_button.isEnabled()
    qtbot.mouseClick(view.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.strip.count() == 3 and view.pages[0].id == first, timeout=5000)
    # rotate
    view.strip.setCurrentRow(0)
    qtbot.mouseClick(view.rotate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.pages and view.pages[0].geometry.extra_rotation == 90, timeout=5000)
    # insert before page 2
    view.strip.setCurrentRow(1)
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        qtbot.mouseClick(view.insert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.strip.count() == 4, timeout=5000)
    assert view.pages[0].id == first and view.pages[1].seq == 2
    # drag page 4 onto page 1: the service gets the strip's new order
    ids = [p.id for p in view.pages]
    view.strip.setCurrentRow(3)
    target = view.strip.visualItemRect(view.strip.item(0)).center()
    mime = view.strip.model().mimeData([view.strip.model().index(3, 0)])
    drop = QDropEvent(
        QPointF(target),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.strip.dropEvent(drop)
    qtbot.waitUntil(lambda: [p.id for p in view.pages] == [ids[3], *ids[:3]], timeout=5000)
    # re-capture page 1
    view.strip.setCurrentRow(0)
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        qtbot.mouseClick(view.replace_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.strip.count() == 4 and view.pages[0].id not in ids, timeout=5000)
    assert batch_ctx.pages.get(ids[3]).state == PageState.DELETED


def test_camera_unplugged_mid_batch_reconnects_and_keeps_pages(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    cam = looping_camera(4)
    view = manual_view(qtbot, batch_ctx, views, cam)
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        view.capture_now()
    cam.unplug()
    qtbot.waitUntil(view.banner.isVisible, timeout=5000)
    assert "reconnect" in view.banner.text().lower() or "重新连接" in view.banner.text()
    cam.replug()
    qtbot.waitUntil(lambda: not view.banner.isVisible(), timeout=5000)
    assert view.camera is not None
    last = view.camera.latest()
    assert last is not None
    qtbot.waitUntil(lambda: view.camera.latest().index > last.index, timeout=5000)  # type: ignore[union-attr]
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        view.capture_now()
    qtbot.waitUntil(lambda: view.strip.count() == 2, timeout=5000)


def test_new_batch_dialog_prefills_and_close_dialog_needs_confirmation(
    qtbot: QtBot, batch_ctx: AppContext
) -> None:
    last = batch_ctx.capture.last_values()
    dlg = NewBatchDialog(last)
    qtbot.addWidget(dlg)
    assert dlg.archive_id.text() == "GUI-1"
    assert dlg.category.currentData() == BatchCategory.DEATH
    assert dlg.box.text() == "7" and dlg.expected.value() == 4
    dlg.archive_id.setText("GUI-2")
    dlg.volume.setText("3")
    d = dlg.draft()
    assert d.archive_id == "GUI-2" and d.location.volume == "3" and d.location.box == "7"
    dlg.archive_id.setText(" ")
    dlg._on_buttons_accepted()
    assert dlg.result() != NewBatchDialog.DialogCode.Accepted and dlg.error.text()
    batch = batch_ctx.capture.open_batches()[0]
    close = CloseBatchDialog(batch, 3)
    qtbot.addWidget(close)
    assert not close.ok.isEnabled()
    assert close.warning.text()  # 3 of 4 expected
    close.returned.setChecked(True)
    assert close.ok.isEnabled()


def test_camera_dialog_saves_controls_per_device_and_view_switches_source(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    from hukou_scan.capture.source import CameraInfo, Capabilities
    from hukou_scan.gui.camera_dialog import CameraDialog
    from hukou_scan.gui.tasks import TaskRunner

    runner = TaskRunner()
    info = CameraInfo(id="v4l2:2", name="Doc cam", kind="uvc", index=2)
    caps = Capabilities(2592, 1944, 15.0, "MJPG", requested=(3264, 2448))
    dlg = CameraDialog(batch_ctx.capture, info, caps, runner)
    qtbot.addWidget(dlg)
    assert "2592×1944" in dlg.granted.text() and "3264×2448" in dlg.granted.text()
    assert dlg.spec() == "v4l2:2"
    check, spin = dlg.controls["exposure"]
    check.setChecked(True)
    spin.setValue(-6)
    dlg._on_buttons_accepted()
    runner.wait_all(10000)
    assert batch_ctx.capture.camera_controls("v4l2:2").exposure == -6
    assert batch_ctx.capture.camera_controls("v4l2:3").exposure is None
    # the choice survives a restart (settings file)
    from hukou_scan.config import load_settings

    assert load_settings().section("camera") == {"v4l2_2__exposure": -6.0}

    cam1 = SimulatedCamera([Step("page", 10_000, 0)], size=SIZE, fps=FPS)
    view = make_view(qtbot, batch_ctx, cam1)
    views.append(view)
    qtbot.waitUntil(lambda: view.camera is not None and view.camera.latest() is not None, timeout=5000)
    cam2 = SimulatedCamera([Step("page", 10_000, 1)], size=SIZE, fps=FPS)
    view.set_source(cam2)
    assert not cam1.is_open
    qtbot.waitUntil(lambda: view.camera is not None and view.camera.latest() is not None, timeout=5000)
    assert view.camera is not None and view.camera.grabber.source is cam2


def test_enter_in_the_link_panel_does_not_capture(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    from PySide6.QtWidgets import QLineEdit

    cam = looping_camera(3)
    view = make_view(qtbot, batch_ctx, cam)
    views.append(view)
    view.auto_check.setChecked(False)
    panel = QLineEdit()
    entered: list[bool] = []
    panel.returnPressed.connect(lambda: entered.append(True))
    view.set_link_panel(panel)
    qtbot.waitUntil(lambda: view.camera is not None and view.camera.latest() is not None, timeout=5000)
    panel.setFocus()
    qtbot.waitUntil(panel.hasFocus, timeout=2000)
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    qtbot.wait(500)
    view.capture_tasks.pool.waitForDone(5000)
    assert entered == [True]
    assert batch_ctx.capture.list_pages(view.batch.id) == []  # type: ignore[union-attr]


def test_hot_folder_files_appear_in_the_strip_and_corrupt_ones_raise_a_banner(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    svc = batch_ctx.capture
    svc.set_option("hot_stable_seconds", 0.2)
    svc.set_option("hot_poll_interval", 0.1)
    svc.set_option("hot_corrupt_after", 0.4)
    folder = batch_ctx.settings.hot_folder
    folder.mkdir(parents=True, exist_ok=True)
    cam = SimulatedCamera([Step("page", 10_000, 0)], size=SIZE, fps=FPS, loop=True)
    view = CaptureView(svc, cam, hot_folder=True, beep=lambda: None)
    qtbot.addWidget(view)
    views.append(view)
    view.auto_check.setChecked(False)
    view.show()
    view.start()
    from PIL import Image

    Image.new("RGB", (300, 200), (230, 220, 200)).save(folder / "scan1.jpg", quality=90)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    qtbot.waitUntil(lambda: view.strip.count() == 1, timeout=15000)
    qtbot.waitUntil(lambda: view.banner.isVisible() and "broken.jpg" in view.banner.text(), timeout=15000)
    assert (folder / "quarantine" / "broken.jpg").exists()


def test_superseded_thumbnails_are_dropped(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    """A page's thumbnail changes when it is processed; the old one must not stay cached
    (over a day of capturing every superseded thumbnail added up)."""
    view = manual_view(qtbot, batch_ctx, views, looping_camera(3))
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        view.capture_now()
    qtbot.waitUntil(lambda: len(view._icons) == 1, timeout=5000)
    original_key = next(iter(view._icons))
    assert batch_ctx.processing.run_pending().done == 1
    view.refresh_pages()
    qtbot.waitUntil(lambda: bool(view.pages) and view.pages[0].processed_sha256 is not None, timeout=10000)
    qtbot.waitUntil(lambda: view._icon_key(view.pages[0]) in view._icons, timeout=10000)
    assert original_key not in view._icons
    assert set(view._icons) == {view._icon_key(view.pages[0])}


def _household_registry(ctx: AppContext, tmp_path: Path) -> SampleHousehold:
    hs = generate_households(12, seed=15)
    ctx.registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="utf-8"))
    return max(hs, key=lambda h: len(h.members))


def _recognise(ctx: AppContext, page_id: str, fields: dict[str, str]) -> None:
    """What the OCR stage leaves behind: text, fields, state, and the proposals."""
    text = " ".join(fields.values()) or "常住人口登记表"
    ctx.pages.save_ocr(
        page_id,
        OcrResult(
            text, [], "fake", 10, 10, fields=[ExtractedField(k, v, confidence=0.9) for k, v in fields.items()]
        ),
    )
    ctx.pages.update(page_id, state=PageState.RECOGNIZED)
    ctx.linking.propose(page_id)


def _press(qtbot: QtBot, key: Qt.Key) -> None:
    """A key as the clerk presses it: delivered to whatever has focus (shortcuts first)."""
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, key)


def _screen(qtbot: QtBot, ctx: AppContext, cam: SimulatedCamera) -> CaptureView:
    """The capture screen as the app builds it (with the link panel), shown and active."""
    from hukou_scan.gui.screens import capture_screen

    view = capture_screen(ctx, cam)
    assert isinstance(view, CaptureView)
    view._use_hot_folder = False
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=5000)
    view.auto_check.setChecked(False)
    qtbot.waitUntil(lambda: view.camera is not None and view.camera.latest() is not None, timeout=5000)
    return view


def test_enter_confirms_and_space_captures_whatever_has_focus(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView], tmp_path: Path
) -> None:
    """Issue 15 item 3: after clicking a thumbnail or 「关联所有勾选项」 Enter took a photo."""
    household = _household_registry(batch_ctx, tmp_path)
    view = _screen(qtbot, batch_ctx, looping_camera(3))
    views.append(view)
    panel = view.link_panel  # type: ignore[attr-defined]
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.strip.count() == 1, timeout=5000)
    page_id = view.pages[0].id
    _recognise(batch_ctx, page_id, {"household_no": household.household_no})
    batch_id = view.batch.id  # type: ignore[union-attr]

    def n_pages() -> int:
        view.capture_tasks.pool.waitForDone(5000)
        qtbot.wait(50)
        return len(batch_ctx.capture.list_pages(batch_id))

    # click the thumbnail, then Enter: the top candidate is linked, nothing is captured
    view.strip.setCurrentItem(None)
    item_rect = view.strip.visualItemRect(view.strip.item(0))
    qtbot.mouseClick(view.strip.viewport(), Qt.MouseButton.LeftButton, pos=item_rect.center())
    assert QApplication.focusWidget() is view.strip
    qtbot.waitUntil(lambda: panel.page_id == page_id and panel.candidates_table.rowCount() > 1, timeout=5000)
    with qtbot.waitSignals([panel.links_changed, panel.candidates_loaded], timeout=5000):  # tables re-read
        _press(qtbot, Qt.Key.Key_Return)
    assert len(batch_ctx.linking.links(page_id)) == 1
    assert n_pages() == 1

    # click 「关联所有勾选项」, then Enter: it confirms (the top one, unlinked meanwhile), no capture
    panel.candidates_table.item(1, 0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):
        qtbot.mouseClick(panel.confirm_all_button, Qt.MouseButton.LeftButton)
    assert len(batch_ctx.linking.links(page_id)) >= 2
    top = panel._proposals[0].person.id
    batch_ctx.linking.unlink(page_id, top)
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):
        panel.refresh()
    assert QApplication.focusWidget() is panel.confirm_all_button
    with qtbot.waitSignal(panel.links_changed, timeout=5000):
        _press(qtbot, Qt.Key.Key_Enter)
    assert top in {lk.person_id for lk in batch_ctx.linking.links(page_id)}
    assert n_pages() == 1

    # Space on that focused button captures; it does not press the button
    links_before = len(batch_ctx.linking.links(page_id))
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        _press(qtbot, Qt.Key.Key_Space)
    assert n_pages() == 2 and len(batch_ctx.linking.links(page_id)) == links_before
    # … and with the candidate table or the strip focused
    for widget in (panel.candidates_table, view.strip):
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus, timeout=2000)
        with qtbot.waitSignal(view.page_captured, timeout=5000):
            _press(qtbot, Qt.Key.Key_Space)
    assert n_pages() == 4
    # the search box keeps its Enter (search): it neither confirms nor captures
    panel.search_edit.setFocus()
    qtbot.waitUntil(panel.search_edit.hasFocus, timeout=2000)
    qtbot.keyClicks(panel.search_edit, household.household_no)
    with qtbot.assertNotEmitted(panel.links_changed, wait=300):
        _press(qtbot, Qt.Key.Key_Return)
    assert panel.search_table.rowCount() == len(household.members)
    assert n_pages() == 4


def test_pedal_keys_come_from_settings_and_never_enter(batch_ctx: AppContext) -> None:
    svc = batch_ctx.capture
    assert svc.capture_keys() == ("Space", "F9", "PgDown")
    svc.set_option("pedal_keys", "F8, Return")
    assert svc.capture_keys() == ("Space", "F8")


def test_status_line_and_link_panel_show_the_strip_position_after_delete_and_retake(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    """Issue 15 item 4: 「8 / 8 页」 in the counter but 「第 10 页」 in the panel, 「第 11 页已保存。」."""
    view = _screen(qtbot, batch_ctx, looping_camera(3))
    views.append(view)
    panel = view.link_panel  # type: ignore[attr-defined]

    def saved(n: int) -> str:
        return view.tr("Page %1 saved.").replace("%1", str(n))

    def title(n: int) -> str:
        return panel.tr("Page %1").replace("%1", str(n))

    for n in (1, 2, 3):
        with qtbot.waitSignal(view.page_captured, timeout=5000):
            qtbot.keyClick(view, Qt.Key.Key_Space)
        assert view.status.text() == saved(n)
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=5000)
    # delete page 2: the old page 3 is now page 2 everywhere
    view.strip.setCurrentRow(1)
    view._on_delete_button_clicked()
    qtbot.waitUntil(lambda: view.strip.count() == 2, timeout=5000)
    view.strip.setCurrentRow(1)
    assert panel.title.text() == title(2)
    assert view.page_title.text().startswith(view.tr("Page %1 (%2)").split("%1")[0] + "2")
    # re-take page 1: saved as page 1 (not a new sequence number), the panel says so too
    view.strip.setCurrentRow(0)
    first = view.pages[0].id
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        view._on_replace_button_clicked()
    assert view.status.text() == saved(1)
    assert panel.title.text() == title(1)
    qtbot.waitUntil(lambda: view.strip.count() == 2 and view.pages[0].id != first, timeout=5000)
    # the next capture is page 3 (its internal seq is 5: deleted pages keep theirs)
    with qtbot.waitSignal(view.page_captured, timeout=5000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Space)
    assert blocker.args[0].seq > 3
    assert view.status.text() == saved(3) and panel.title.text() == title(3)
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=5000)
    assert view.counter.text() == view.tr("Page %1 / %2").replace("%1", "3").replace("%2", "4")


def test_four_quick_turns_while_processing_runs_end_where_they_started(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    """Issue 15 item 5: four quick clicks on 旋转 90° left the page upside down."""
    import threading

    view = manual_view(qtbot, batch_ctx, views, looping_camera(2))
    stop = threading.Event()

    def background() -> None:  # the pipeline's processing thread
        while not stop.is_set():
            batch_ctx.processing.run_pending(cancel=stop)
            stop.wait(0.01)

    worker = threading.Thread(target=background)
    worker.start()
    try:
        with qtbot.waitSignal(view.page_captured, timeout=5000) as blocker:
            qtbot.keyClick(view, Qt.Key.Key_Space)
        page_id = blocker.args[0].id
        qtbot.waitUntil(lambda: view.strip.count() == 1, timeout=5000)
        view.strip.setCurrentRow(0)
        for _ in range(4):
            qtbot.mouseClick(view.rotate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(_turns(batch_ctx, page_id)) == 4, timeout=10000)
        assert _turns(batch_ctx, page_id) == [90, 180, 270, 0]
        assert batch_ctx.pages.get(page_id).geometry.extra_rotation == 0
        # both ways, by key: Ctrl+L turns left, Ctrl+R right
        qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(_turns(batch_ctx, page_id)) == 7, timeout=10000)
        assert _turns(batch_ctx, page_id)[4:] == [270, 180, 270]
        qtbot.waitUntil(
            lambda: (
                (p := batch_ctx.pages.get(page_id)).state == PageState.PROCESSED
                and p.geometry.extra_rotation == 270
            ),
            timeout=90000,  # seven re-processings by a low-priority worker on a shared machine
        )
        qtbot.waitUntil(lambda: view.pages and view.pages[0].geometry.extra_rotation == 270, timeout=10000)
    finally:
        stop.set()
        worker.join(20)


def _turns(ctx: AppContext, page_id: str) -> list[int]:
    return [
        int(d["rotation"])
        for action, target, _outcome, d in ctx.guard.events  # type: ignore[attr-defined]
        if action == "rotate_page" and target == page_id
    ]


def test_thumbnails_show_link_state_and_closing_lists_unlinked_text_pages(
    qtbot: QtBot,
    batch_ctx: AppContext,
    views: list[CaptureView],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    household = _household_registry(batch_ctx, tmp_path)
    view = _screen(qtbot, batch_ctx, looping_camera(3))
    views.append(view)
    panel = view.link_panel  # type: ignore[attr-defined]
    for _ in range(3):
        with qtbot.waitSignal(view.page_captured, timeout=5000):
            qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=5000)
    ids = [p.id for p in view.pages]
    _recognise(batch_ctx, ids[0], {"household_no": household.household_no})  # candidates
    _recognise(batch_ctx, ids[1], {})  # text, nobody proposed
    # ids[2] is still being processed: no link mark yet
    view.refresh_pages()

    def captions() -> list[str]:
        return [view.strip.item(i).text() for i in range(view.strip.count())]

    to_confirm, not_linked, linked = view.tr("to confirm"), view.tr("not linked"), view.tr("linked")
    qtbot.waitUntil(lambda: captions()[:2] == [f"1 · {to_confirm}", f"2 · {not_linked}"], timeout=5000)
    assert view.tr("processing") in captions()[2]
    # closing now lists pages 1 and 2; going back closes nothing
    seen: list[list[int]] = []

    def fake_exec(dlg: CloseBatchDialog) -> int:
        seen.append([int(n) for n in dlg.unlinked.text().split("\n")[0].split(":")[-1].split(",")])
        assert dlg.back.text() == dlg.tr("Back to linking")
        return CloseBatchDialog.DialogCode.Rejected

    monkeypatch.setattr(CloseBatchDialog, "exec", fake_exec)
    assert view.close_batch() is False and seen == [[1, 2]]
    # confirm page 1 (Enter): its thumbnail says linked, and only page 2 is left
    view.strip.setCurrentRow(0)
    qtbot.waitUntil(lambda: panel.page_id == ids[0] and panel.candidates_table.rowCount() > 0, timeout=5000)
    view.strip.setFocus()
    with qtbot.waitSignal(panel.links_changed, timeout=5000):
        _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: captions()[0] == f"1 · {linked}", timeout=5000)
    assert view.unlinked_text_pages() == [2]


def test_pages_move_by_keyboard(qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]) -> None:
    view = manual_view(qtbot, batch_ctx, views, looping_camera(1))
    for _ in range(3):
        with qtbot.waitSignal(view.page_captured, timeout=5000):
            qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=5000)
    a, b, c = (p.id for p in view.pages)
    view.strip.setCurrentRow(2)
    view.strip.setFocus()
    qtbot.keyClick(view.strip, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: [p.id for p in view.pages] == [a, c, b], timeout=5000)
    assert view.selected_page() is not None and view.selected_page().id == c  # type: ignore[union-attr]
    qtbot.keyClick(view.strip, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: [p.id for p in view.pages] == [c, a, b], timeout=5000)
    qtbot.keyClick(view.strip, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # already first
    qtbot.keyClick(view.strip, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: [p.id for p in view.pages] == [a, c, b], timeout=5000)
    assert [p.id for p in batch_ctx.capture.list_pages(view.batch.id)] == [a, c, b]  # type: ignore[union-attr]


def test_link_panel_shows_five_household_rows_and_every_header_at_1400x900(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView], tmp_path: Path
) -> None:
    hs = generate_households(30, seed=15)
    household = next(h for h in hs if len(h.members) == 5)
    batch_ctx.registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="utf-8"))
    from hukou_scan.gui.i18n import install_translators

    install_translators(QApplication.instance(), "zh_CN")  # the station's language: wider headers
    view = _screen(qtbot, batch_ctx, looping_camera(1))  # 1400×900
    views.append(view)
    panel = view.link_panel  # type: ignore[attr-defined]
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.strip.count() == 1, timeout=5000)
    _recognise(batch_ctx, view.pages[0].id, {"household_no": household.household_no})
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):
        panel.refresh()  # read in the background
    qtbot.wait(200)  # let the splitter hand the panel its width
    t = panel.candidates_table
    assert t.rowCount() == 5
    assert sum(t.rowHeight(r) for r in range(5)) <= t.viewport().height()  # five rows, no scrolling
    header = t.horizontalHeader()
    assert header.length() <= t.viewport().width()  # nothing off to the side
    for c in range(t.columnCount() - 1):
        text = t.horizontalHeaderItem(c).text()
        assert header.sectionSize(c) >= header.fontMetrics().horizontalAdvance(text), text
    view.grab().save(str(tmp_path / "capture_household.png"))


def test_page_corners_are_dragged_on_the_original_and_recorded_as_manual(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hukou_scan.gui.corners_dialog import CornersDialog

    view = manual_view(qtbot, batch_ctx, views, looping_camera(2))
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.strip.count() == 1, timeout=5000)
    view.strip.setCurrentRow(0)
    page_id = view.pages[0].id
    seen: list[object] = []

    def drag_top_left(dlg: CornersDialog) -> int:
        cv = dlg.view
        dlg.show()
        qtbot.waitExposed(dlg)
        before = cv.quad()
        start = cv.to_screen(*before.tl).toPoint()
        end = cv.to_screen(before.tl[0] + 80, before.tl[1] + 60).toPoint()
        qtbot.mousePress(cv, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(cv, end)
        qtbot.mouseRelease(cv, Qt.MouseButton.LeftButton, pos=end)
        after = cv.quad()
        assert abs(after.tl[0] - before.tl[0] - 80) < 4 and abs(after.tl[1] - before.tl[1] - 60) < 4
        assert (after.tr, after.br, after.bl) == (before.tr, before.br, before.bl)
        cv.setFocus()
        qtbot.keyClick(cv, Qt.Key.Key_Tab)  # next corner: top-right, nudged by keyboard
        qtbot.keyClick(cv, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
        assert cv.quad().tr[0] < before.tr[0]
        seen.append(cv.quad())
        dlg.hide()
        return CornersDialog.DialogCode.Accepted

    monkeypatch.setattr(CornersDialog, "exec", drag_top_left)
    qtbot.mouseClick(view.corners_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: batch_ctx.pages.get(page_id).geometry.quad_manual, timeout=10000)
    geom = batch_ctx.pages.get(page_id).geometry
    assert seen and geom.quad is not None and geom.quad.to_list() == seen[0].to_list()  # type: ignore[attr-defined]


def test_split_button_splits_a_capture_and_joins_the_halves(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    view = manual_view(qtbot, batch_ctx, views, looping_camera(2))
    page_id = capture_processed_and_select(qtbot, batch_ctx, view)
    qtbot.keyClick(
        view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: batch_ctx.pages.get(page_id).geometry.spread == "always", timeout=5000)
    batch_ctx.processing.run_pending()
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == 2, timeout=5000)
    view.strip.setCurrentRow(1)  # the right half
    qtbot.mouseClick(view.split_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: batch_ctx.pages.get(page_id).geometry.spread == "never", timeout=5000)
    batch_ctx.processing.run_pending()
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == 1 and view.pages[0].id == page_id, timeout=5000)


def test_the_strip_changes_one_item_per_capture_and_thumbnails_stay_within_their_byte_budget(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    """Issue 15: the strip was rebuilt (every item and icon) on each capture; now a capture
    adds one item, a delete removes one, and the decoded thumbnails are capped by bytes."""
    view = manual_view(qtbot, batch_ctx, views, looping_camera(3))
    for n in (1, 2, 3):
        with qtbot.waitSignal(view.page_captured, timeout=5000):
            view.capture_now()
        qtbot.waitUntil(lambda n=n: view.strip.count() == n and len(view._icons) == n, timeout=5000)  # type: ignore[misc]
    one_icon = view._icons.total_bytes // 3
    items = [view.strip.item(i) for i in range(3)]
    icons = [it.icon().cacheKey() for it in items]
    view._icons.max_bytes = 2 * one_icon + one_icon // 2  # room for two thumbnails
    with qtbot.waitSignal(view.page_captured, timeout=5000):
        view.capture_now()
    qtbot.waitUntil(lambda: view.strip.count() == 4 and not view.strip.item(3).icon().isNull(), timeout=5000)
    assert [view.strip.item(i) for i in range(3)] == items  # the same items, not rebuilt …
    assert [view.strip.item(i).icon().cacheKey() for i in range(3)] == icons  # … with their icons
    assert view._icons.total_bytes <= view._icons.max_bytes and len(view._icons) <= 2
    assert all(not view.strip.item(i).icon().isNull() for i in range(4))  # every page still shown
    # deleting page 2 removes its row; the others stay as they were and are renumbered
    view.strip.setCurrentRow(1)
    gone = view.strip.item(1).data(Qt.ItemDataRole.UserRole + 1)
    view.delete_button.click()
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=5000)
    assert view.strip.item(0) is items[0] and view.strip.item(1) is items[2]
    assert all(view.strip.item(i).data(Qt.ItemDataRole.UserRole + 1) != gone for i in range(3))
    assert view.strip.item(1).text().startswith("2")


def test_dewarp_toggle_switches_flattening_off_and_on_for_the_selected_page(
    qtbot: QtBot, batch_ctx: AppContext, views: list[CaptureView]
) -> None:
    view = manual_view(qtbot, batch_ctx, views, looping_camera(2))
    page_id = capture_processed_and_select(qtbot, batch_ctx, view)
    assert view.dewarp_button.isEnabled() and view.dewarp_button.isChecked()
    assert "Ctrl+Shift+D" in view.dewarp_button.toolTip()
    qtbot.keyClick(
        view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: batch_ctx.pages.get(page_id).geometry.dewarp == "off", timeout=5000)
    qtbot.waitUntil(lambda: not view.dewarp_button.isChecked(), timeout=5000)
    batch_ctx.processing.run_pending()
    assert batch_ctx.pages.get(page_id).process_meta["dewarp"]["reason"] == "off"
    qtbot.mouseClick(view.dewarp_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: batch_ctx.pages.get(page_id).geometry.dewarp == "auto", timeout=5000)
    qtbot.waitUntil(lambda: view.dewarp_button.isChecked(), timeout=5000)
