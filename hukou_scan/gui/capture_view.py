"""CaptureView: the clerk's capture screen.

Live preview (from the grabber thread, downscaled there, coalesced so it never lags)
with the detected page outline, the processed page with its quality warnings beside
it, a slot for the registry link panel, and the page strip (drag to reorder, delete
with undo, rotate, re-capture, insert between) with the page counter against the
expected count.  Space (and foot pedals, which emulate keys) captures and Enter
confirms the proposed person, whatever has focus on the screen; each capture beeps and flashes once it is *durable*.  Auto-capture runs in the grabber
thread; a camera that is unplugged shows a banner and reconnects by itself while
everything captured stays in the page store.

The widget is thin: every use case goes through :class:`CaptureService`, and all
slow work (encoding, storage, thumbnails, imports) runs through :class:`TaskRunner`.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QPolygonF,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.capture.autocapture import AutoCapture
from hukou_scan.capture.grabber import GrabbedFrame, GrabberState
from hukou_scan.capture.source import CameraSource
from hukou_scan.domain import Batch, Page, PageState, Quad
from hukou_scan.errors import DeviceError, HukouScanError, current_language, localized
from hukou_scan.gui.batch_dialog import CloseBatchDialog, NewBatchDialog
from hukou_scan.gui.camera_thread import CameraThread, Detector, OutlineThread, default_detector
from hukou_scan.gui.i18n import category_label, location_label
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.ingest.hotfolder import HotFolderMessage
from hukou_scan.services.cache import DEFAULT_THUMBNAIL_BUDGET, ByteLRU
from hukou_scan.services.capture import CaptureReceipt, CaptureService
from hukou_scan.services.cover_label import CoverLabelRead, CoverLabelService

log = logging.getLogger(__name__)

PAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLOUR_ROLE = Qt.ItemDataRole.UserRole + 2  # the link colour an item shows (to change only what differs)
SIGNATURE_ROLE = Qt.ItemDataRole.UserRole + 3  # what an item's text was made from (see _update_item)
# Quality flags that come from the camera setting, not from the sheet: every page of a batch
# shares them, so they are said once per batch and camera (they stay in each page's quality
# record and in the QA report) instead of marking every thumbnail.
SETTING_FLAGS = ("dpi_low", "dpi_low_small")
LINK_COLOURS = {"linked": "#1b7f2a", "review": "#b36b00", "unlinked": "#b00020"}  # thumbnail captions
LinkStates = Callable[[Sequence[str]], dict[str, str]]
CONFIRM_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # confirm the proposed person; never capture
ICON_MARGIN = 6  # strip items beyond those in view that keep their thumbnail (scrolling shows no gaps)


def initial_quad(page: Page, size: tuple[int, int]) -> Quad:
    """Where the corner handles start: the recorded outline, else the one processing found,
    else the whole frame a little inset."""
    if page.geometry.quad is not None:
        return page.geometry.quad
    found = (page.process_meta or {}).get("frame_quad")
    if isinstance(found, list) and len(found) == 4:
        try:
            return Quad.from_list(found)
        except (TypeError, ValueError):
            pass
    w, h = size
    dx, dy = w * 0.05, h * 0.05
    return Quad((dx, dy), (w - dx, dy), (w - dx, h - dy), (dx, h - dy))


class PreviewView(QWidget):
    """Paints the newest preview frame, the live page outline and the capture flash.

    The camera thread delivers frames already scaled to this widget's size (it follows
    ``display_size_changed``), so painting copies pixels and never scales them; a frame of
    another size (the one painted just after a resize) is scaled as a fallback.
    """

    painted = Signal()
    display_size_changed = Signal(int, int, float)  # logical width, height, device pixel ratio

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.outline: list[tuple[float, float]] | None = None
        self.flash_until = 0.0
        self.paint_count = 0
        self.placeholder = ""

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.update()

    def flash(self, ms: int = 400) -> None:
        self.flash_until = time.monotonic() + ms / 1000
        self.update()
        QTimer.singleShot(ms + 20, self.update)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.display_size_changed.emit(self.width(), self.height(), self.devicePixelRatioF())

    def _target(self) -> QRectF:
        assert self.image is not None
        dpr = self.image.devicePixelRatio() or 1.0
        iw, ih = self.image.width() / dpr, self.image.height() / dpr
        fits = iw <= self.width() + 0.5 and ih <= self.height() + 0.5
        if fits and (abs(self.width() - iw) <= 1 or abs(self.height() - ih) <= 1):
            scale = 1.0  # made for this size on the camera thread: no scaling here
        else:
            scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF(round((self.width() - w) / 2), round((self.height() - h) / 2), w, h)

    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(30, 30, 30))
        if self.image is None:
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        else:
            target = self._target()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            if self.is_unscaled(target):
                p.drawImage(target.topLeft(), self.image)
            else:
                p.drawImage(target, self.image)
            if self.outline:
                poly = QPolygonF(
                    [
                        QPointF(target.x() + x * target.width(), target.y() + y * target.height())
                        for x, y in self.outline
                    ]
                )
                p.setPen(QPen(QColor(0, 200, 255), 3))
                p.drawPolygon(poly)
            if time.monotonic() < self.flash_until:
                p.setPen(QPen(QColor(40, 200, 80), 12))
                p.drawRect(target.adjusted(6, 6, -6, -6))
        p.end()
        self.paint_count += 1
        self.painted.emit()

    def is_unscaled(self, target: QRectF | None = None) -> bool:
        """Whether the current image is painted at its own size (what the camera thread aims for)."""
        if self.image is None:
            return False
        target = target if target is not None else self._target()
        dpr = self.image.devicePixelRatio() or 1.0
        return (
            round(target.width() * dpr) == self.image.width()
            and round(target.height() * dpr) == self.image.height()
        )


class PageStripView(QListWidget):
    """The page strip: thumbnails left to right; dragging a page onto another moves it there.

    The drop is handled here (take the dragged row, insert it at the row under the
    cursor) instead of relying on QListView's icon-mode drag, which only repositions
    icons on screen and never reorders the pages.
    """

    reordered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListWidget.Movement.Static)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def dragMoveEvent(self, event: Any) -> None:
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()

    def dropEvent(self, event: Any) -> None:
        src = self.currentRow()
        target_item = self.itemAt(event.position().toPoint())
        dst = self.row(target_item) if target_item is not None else self.count() - 1
        event.setDropAction(Qt.DropAction.IgnoreAction)  # we moved it; the view must not delete the source
        event.accept()
        self.move_row(src, dst)

    def move_row(self, src: int, dst: int) -> None:
        """Move page ``src`` to position ``dst`` (also the keyboard/test entry point)."""
        if src < 0 or dst < 0 or src == dst or src >= self.count():
            return
        item = self.takeItem(src)
        self.insertItem(min(dst, self.count()), item)
        self.setCurrentItem(item)
        self.reordered.emit()


class CaptureView(QWidget):
    """The capture screen (see module doc).

    Args:
        service: the capture use cases.
        source: the camera (``hukou_scan.capture.factory.make_source``); ``None`` = no preview.
        detector: live page outline (default: ``hukou_scan.imaging.detect`` when present).
        hot_folder: watch the configured hot folder while the view runs.
        link_states: page ids → ``linked``/``review``/``unlinked`` (``LinkingService.link_states``),
            shown on every thumbnail and checked before the batch is closed.
    """

    page_captured = Signal(object)  # Page (durable)
    confirm_requested = Signal()  # Enter: link the proposed person of the selected page
    capture_failed = Signal(str)
    pages_changed = Signal()
    batch_changed = Signal(object)  # Batch | None

    def __init__(
        self,
        service: CaptureService,
        source: CameraSource | None,
        parent: QWidget | None = None,
        *,
        detector: Detector | None = None,
        hot_folder: bool = True,
        beep: Callable[[], None] | None = None,
        link_states: LinkStates | None = None,
        cover_label: CoverLabelService | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.cover_label = cover_label
        self.source = source
        self.tasks = TaskRunner(self, max_threads=2)
        self.capture_tasks = TaskRunner(self, max_threads=1)  # captures stay in order
        self.autocapture = AutoCapture(service.autocapture_config())
        self.camera: CameraThread | None = None
        self.outline_thread: OutlineThread | None = None
        self._detector = detector if detector is not None else default_detector()
        self._use_hot_folder = hot_folder
        self._beep = beep or QApplication.beep
        self._link_states_of = link_states
        self.link_states: dict[str, str] = {}  # page id → linked / review / unlinked (text pages)
        self.batch: Batch | None = None
        self.pages: list[Page] = []
        self._undo: list[str] = []
        self._captured_numbers: dict[str, int] = {}  # until the next refresh lists the page
        self._pending_captures = 0
        # decoded strip thumbnails, bounded by bytes; the strip's items hold the ones shown
        self._icons: ByteLRU[tuple[str, str, int], QIcon] = ByteLRU(DEFAULT_THUMBNAIL_BUDGET)
        self._shown_icons: dict[str, tuple[str, str, int]] = {}  # page id → icon key its item shows
        self._versions: dict[str, str] = {}  # page id → row version of the page in ``self.pages``
        self._icons_loading = False
        self._icons_again = False
        self._shown_page: tuple[str, str, int] | None = None
        self._refreshing = False
        self._refresh_again = False
        self.setting_warnings: set[tuple[str, str, str]] = set()  # (batch, device, flag) said once
        self._select_after_refresh: str | None = None
        self._sticky_until = 0.0
        self.last_capture_ms = 0.0
        self._started = False
        self._build()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(2000)
        self._refresh_timer.timeout.connect(self.refresh_pages)

    # --- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = QLabel("", self)
        self.banner.setStyleSheet(
            "background:#b00020; color:white; font-weight:bold; padding:6px; border-radius:4px;"
        )
        self.banner.setVisible(False)

        self.batch_label = QLabel(self.tr("No batch open"), self)
        self.batch_label.setStyleSheet("font-weight:bold;")
        self.counter = QLabel("", self)
        self.counter.setStyleSheet("font-size:16px; font-weight:bold;")
        self.new_batch_button = QPushButton(self.tr("New batch…"), self)
        self.close_batch_button = QPushButton(self.tr("Close batch…"), self)
        self.import_button = QPushButton(self.tr("Import files…"), self)
        self.camera_button = QPushButton(self.tr("Camera…"), self)
        self.auto_check = QCheckBox(self.tr("Auto-capture"), self)
        self.auto_check.setChecked(self.autocapture.config.enabled)
        for w in (
            self.new_batch_button,
            self.close_batch_button,
            self.import_button,
            self.camera_button,
            self.auto_check,
        ):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space always captures, never presses a button
        top = QHBoxLayout()
        top.addWidget(self.batch_label, 1)
        top.addWidget(self.counter)
        top.addSpacing(12)
        top.addWidget(self.auto_check)
        top.addWidget(self.camera_button)
        top.addWidget(self.import_button)
        top.addWidget(self.new_batch_button)
        top.addWidget(self.close_batch_button)

        self.preview = PreviewView(self)
        self.preview.placeholder = self.tr("Connecting to the camera…")
        self.processed = QLabel(self)
        self.processed.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.processed.setMinimumSize(240, 240)
        self.processed.setStyleSheet("background:#f4f4f4; border:1px solid #ccc;")
        self.processed.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.page_title = QLabel("", self)
        self.warnings = QLabel("", self)
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color:#b36b00;")
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.page_title)
        rl.addWidget(self.processed, 1)
        rl.addWidget(self.warnings)
        self.link_panel_slot = QWidget(self)
        self.link_panel_layout = QVBoxLayout(self.link_panel_slot)
        self.link_panel_layout.setContentsMargins(0, 0, 0, 0)
        self.link_panel_slot.setVisible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.preview)
        self.splitter.addWidget(right)
        self.splitter.addWidget(self.link_panel_slot)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.strip = PageStripView(self)
        self.strip.setIconSize(QSize(120, 120))
        self.strip.setGridSize(QSize(136, 152))
        self.strip.setFixedHeight(172)
        self.strip.reordered.connect(self._on_strip_reordered)
        self.strip.currentItemChanged.connect(self._on_strip_current_item_changed)
        # icons only for the items in view (and a margin): a day's batch keeps hundreds of items
        self._icon_timer = QTimer(self)
        self._icon_timer.setSingleShot(True)
        self._icon_timer.setInterval(50)
        self._icon_timer.timeout.connect(self._update_visible_icons)
        self.strip.horizontalScrollBar().valueChanged.connect(self._on_strip_scrolled)

        self.capture_button = QPushButton(self.tr("Capture (Space)"), self)
        self.capture_button.setStyleSheet("font-weight:bold; padding:8px 16px;")
        self.insert_button = QPushButton(self.tr("Insert before"), self)
        self.replace_button = QPushButton(self.tr("Re-capture"), self)
        self.corners_button = QPushButton(self.tr("Page corners…"), self)
        self.split_button = QPushButton(self.tr("Split / join spread"), self)
        # 曲面展平: on = flatten when the page is curved (automatic), off = the clerk's opt-out
        self.dewarp_button = QPushButton(self.tr("Flatten curved page"), self)
        self.dewarp_button.setCheckable(True)
        self.dewarp_button.setChecked(True)
        self.rotate_left_button = QPushButton(self.tr("Rotate 90° left"), self)
        self.rotate_button = QPushButton(self.tr("Rotate 90° right"), self)
        self.delete_button = QPushButton(self.tr("Delete"), self)
        self.undo_button = QPushButton(self.tr("Undo delete"), self)
        self.undo_button.setEnabled(False)
        actions = QHBoxLayout()
        for b in (
            self.capture_button,
            self.insert_button,
            self.replace_button,
            self.corners_button,
            self.split_button,
            self.dewarp_button,
            self.rotate_left_button,
            self.rotate_button,
            self.delete_button,
            self.undo_button,
        ):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            actions.addWidget(b)
        actions.addStretch(1)
        self.status = QLabel("", self)
        self.status.setStyleSheet("color:#444;")
        actions.addWidget(self.status)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.strip)
        layout.addLayout(actions)

        self.capture_button.clicked.connect(self.capture_now)
        self.insert_button.clicked.connect(self._on_insert_button_clicked)
        self.replace_button.clicked.connect(self._on_replace_button_clicked)
        self.rotate_button.clicked.connect(self._on_rotate_button_clicked)
        self.rotate_left_button.clicked.connect(self._on_rotate_left_button_clicked)
        self.corners_button.clicked.connect(self._on_corners_button_clicked)
        self.split_button.clicked.connect(self._on_split_button_clicked)
        self.dewarp_button.clicked.connect(self._on_dewarp_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.new_batch_button.clicked.connect(self.new_batch)
        self.close_batch_button.clicked.connect(self.close_batch)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.camera_button.clicked.connect(self._on_camera_button_clicked)
        self.auto_check.toggled.connect(self._on_auto_check_toggled)
        self.preview.painted.connect(self._on_preview_painted)
        self.preview.display_size_changed.connect(self._on_preview_display_size_changed)
        # Window-wide while this screen is visible (shortcuts of hidden widgets are inactive),
        # so a focused button or list never gets Space; a text field with focus keeps its
        # Space (Qt lets it override the shortcut).  Enter is not among them: it confirms.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.capture_keys = self.service.capture_keys()
        for key in self.capture_keys:
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(self.capture_now)
        undo = QShortcut(QKeySequence.StandardKey.Undo, self)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self._on_undo_button_clicked)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self)
        delete.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete.activated.connect(self._on_delete_button_clicked)
        self._menu_actions: list[QAction] = []
        for button, keys, slot in self._keyed_buttons():
            if keys not in ("Space", "Del", "Ctrl+Z"):
                sc = QShortcut(QKeySequence(keys), self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(slot)
            label = button.text().split(" (")[0].split("（")[0]
            button.setToolTip(f"{label} ({keys})")
            # menu entries show the key in the shortcut column ("\t") without owning the
            # shortcut, so the keys stay bound to this screen only
            action = QAction(f"{label}\t{keys}", self)
            action.triggered.connect(slot)
            self._menu_actions.append(action)
        # keyboard reordering besides dragging (the strip runs left to right; Up/Down as well)
        for text, move_keys, move in (
            (self.tr("Move page earlier"), ("Ctrl+Left", "Ctrl+Up"), self.move_selected_earlier),
            (self.tr("Move page later"), ("Ctrl+Right", "Ctrl+Down"), self.move_selected_later),
        ):
            for key in move_keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(move)
            action = QAction(f"{text}\t{' / '.join(move_keys)}", self)
            action.triggered.connect(move)
            self._menu_actions.append(action)
        self._update_actions()

    def _keyed_buttons(self) -> list[tuple[QPushButton, str, Callable[[], object]]]:
        """Every frequent action of the capture screen with its key."""
        return [
            (self.capture_button, "Space", self.capture_now),
            (self.new_batch_button, "Ctrl+N", self.new_batch),
            (self.import_button, "Ctrl+O", self._on_import_button_clicked),
            (self.close_batch_button, "Ctrl+Shift+W", self.close_batch),
            (self.insert_button, "Ctrl+I", self._on_insert_button_clicked),
            (self.replace_button, "Ctrl+Shift+R", self._on_replace_button_clicked),
            (self.corners_button, "Ctrl+Shift+C", self._on_corners_button_clicked),
            (self.split_button, "Ctrl+Shift+S", self._on_split_button_clicked),
            (self.dewarp_button, "Ctrl+Shift+D", self._on_dewarp_button_clicked),
            (self.rotate_left_button, "Ctrl+L", self._on_rotate_left_button_clicked),
            (self.rotate_button, "Ctrl+R", self._on_rotate_button_clicked),
            (self.delete_button, "Del", self._on_delete_button_clicked),
            (self.undo_button, "Ctrl+Z", self._on_undo_button_clicked),
            (self.camera_button, "Ctrl+Shift+K", self._on_camera_button_clicked),
        ]

    def menu_actions(self) -> list[QAction]:
        """Entries the main window puts in its File menu (and the F1 sheet lists)."""
        return self._menu_actions

    def set_link_panel(self, widget: QWidget) -> None:
        """Place the registry link panel (one key confirms the link) beside the processed page."""
        self.link_panel_layout.addWidget(widget)
        self.link_panel_slot.setVisible(True)

    # --- lifecycle ---------------------------------------------------------------------------------
    @property
    def runner(self) -> TaskRunner:
        """The view's background task runner (shared with panels placed in it)."""
        return self.tasks

    def keyPressEvent(self, event: Any) -> None:
        """Enter that no child used confirms the proposed person; it never captures.

        Children pass Enter up (the strip, the candidate table, buttons outside a dialog);
        a text field that uses Enter (the panel's search box) keeps it.
        """
        if event.key() in CONFIRM_KEYS:
            event.accept()
            if not event.isAutoRepeat():
                self.confirm_requested.emit()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.focusWidget() is None:
            self.setFocus()
        if not self._started:
            self.start()

    def start(self) -> None:
        """Start the camera, the outline detector and the hot folder; resume the latest open batch.

        Called on first show; idempotent.
        """
        if self._started:
            return
        self._started = True
        if self.batch is None:
            open_batches = self.service.open_batches()
            if open_batches:
                self.set_batch(open_batches[0])
            else:
                self._update_batch_label()
        self._start_camera()
        if self._use_hot_folder and self.service.hot_folder is None:
            try:
                self.service.start_hot_folder(on_message=self._on_hot_folder_message_threaded)
            except OSError as e:
                self._show_status(self.tr("Hot folder unavailable: %1").replace("%1", str(e)), error=True)
        self._refresh_timer.start()

    def set_source(self, source: CameraSource | None) -> None:
        """Switch cameras: stop the current one, start ``source`` (batch and pages stay)."""
        if self.outline_thread is not None:
            self.outline_thread.stop()
            self.outline_thread = None
        if self.camera is not None:
            self.camera.stop()
            self.camera = None
        self.source = source
        self.preview.image = None
        self.preview.outline = None
        self.preview.update()
        if self._started:
            self._start_camera()

    def _on_camera_button_clicked(self) -> None:
        from hukou_scan.capture.factory import make_source
        from hukou_scan.gui.camera_dialog import CameraDialog

        caps = self.camera.grabber.capabilities if self.camera is not None else None
        info = self.source.info if self.source is not None else None
        dlg = CameraDialog(self.service, info, caps, self.tasks, self)
        if dlg.exec() != CameraDialog.DialogCode.Accepted:
            return
        try:
            source = make_source(dlg.spec(), self.service.settings.section("camera"), probe=False)
        except HukouScanError as e:
            self._show_status(e.user_message(), error=True)
            return
        self.set_source(source)

    def _start_camera(self) -> None:
        if self.source is None or self.camera is not None:
            return
        self.camera = CameraThread(self.source, self.autocapture)
        self.camera.frame_ready.connect(self._on_camera_frame_ready)
        self.camera.set_display_size(
            self.preview.width(), self.preview.height(), self.preview.devicePixelRatioF()
        )
        self.camera.state_changed.connect(self._on_camera_state_changed)
        self.camera.auto_capture_requested.connect(self._on_camera_auto_capture_requested)
        self.camera.observed.connect(self._on_camera_observed)
        self.camera.start()
        if self._detector is not None:
            self.outline_thread = OutlineThread(self.camera, self._detector)
            self.outline_thread.outline_found.connect(self._on_outline_thread_outline_found)
            self.outline_thread.start()

    def shutdown(self) -> None:
        """Stop every thread this view started (the GUI tests check none is left)."""
        self._started = False
        self._refresh_timer.stop()
        if self.outline_thread is not None:
            self.outline_thread.stop()
            self.outline_thread = None
        if self.camera is not None:
            self.camera.stop()
            self.camera = None
        if self._use_hot_folder:
            self.service.stop_hot_folder()
        self.capture_tasks.pool.waitForDone(30000)  # never drop a capture in flight
        self.tasks.wait_all(30000)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._icon_timer.start()  # a wider strip shows more items

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # --- batch ---------------------------------------------------------------------------------------
    def set_batch(self, batch: Batch | None) -> None:
        self.batch = batch
        self.service.set_current_batch(batch.id if batch else None)
        self._undo.clear()
        self.pages = []
        self.strip.clear()
        self._shown_icons.clear()
        self._versions.clear()
        self._update_batch_label()
        self.refresh_pages()
        self.batch_changed.emit(batch)

    def new_batch(self) -> Batch | None:
        dlg = NewBatchDialog(
            self.service.last_values(),
            self,
            read_cover=self._cover_reader if self.cover_label is not None else None,
        )
        if dlg.exec() != NewBatchDialog.DialogCode.Accepted:
            return None
        try:
            batch = self.service.new_batch(dlg.draft())
        except HukouScanError as e:
            self._show_status(e.user_message(), error=True)
            return None
        self.set_batch(batch)
        return batch

    def _cover_reader(self) -> Callable[[], CoverLabelRead]:
        """The newest camera frame (taken now, on the UI thread) and the job that reads its label."""
        frame = self.camera.latest() if self.camera is not None else None
        if frame is None or self.cover_label is None:
            raise DeviceError("没有摄像头画面可读取。", "No camera picture to read the cover from.")
        service = self.cover_label

        def job() -> CoverLabelRead:
            return service.read(frame.full)  # the full-resolution frame is made off the UI thread

        return job

    def close_batch(self) -> bool:
        if self.batch is None:
            return False
        dlg = CloseBatchDialog(
            self.service.batch(self.batch.id), len(self.pages), self, unlinked=self.unlinked_text_pages()
        )
        if dlg.exec() != CloseBatchDialog.DialogCode.Accepted:
            return False
        try:
            self.service.close_batch(self.batch.id, paper_returned=dlg.returned.isChecked())
        except HukouScanError as e:
            self._show_status(e.user_message(), error=True)
            return False
        self.set_batch(None)
        self._show_status(self.tr("Batch closed."))
        return True

    def unlinked_text_pages(self) -> list[int]:
        """Numbers of the batch's text pages nobody is linked to yet (asked fresh: a quick read)."""
        if self._link_states_of is None or not self.pages:
            return []
        try:
            states = self._link_states_of([p.id for p in self.pages])
        except HukouScanError:
            log.exception("link states failed before closing the batch")
            return []
        return [i for i, p in enumerate(self.pages, start=1) if states.get(p.id) in ("review", "unlinked")]

    def _update_batch_label(self) -> None:
        b = self.batch
        if b is None:
            self.batch_label.setText(self.tr("No batch open — start a new batch"))
            self.counter.setText("")
        else:
            where = location_label(b.location)
            self.batch_label.setText(
                f"{b.archive_id} · {category_label(b.category.value)}" + (f" · {where}" if where else "")
            )
            self._update_counter()
        self._update_actions()

    def _update_counter(self) -> None:
        if self.batch is None:
            return
        n = len(self.pages)
        exp = self.batch.expected_pages
        if exp:
            self.counter.setText(self.tr("Page %1 / %2").replace("%1", str(n)).replace("%2", str(exp)))
            colour = "#1b7f2a" if n == exp else ("#b00020" if n > exp else "#222")
            self.counter.setStyleSheet(f"font-size:16px; font-weight:bold; color:{colour};")
        else:
            self.counter.setText(self.tr("%1 pages").replace("%1", str(n)))

    def _update_actions(self) -> None:
        has_batch = self.batch is not None
        has_sel = self.strip.currentItem() is not None
        self.capture_button.setEnabled(has_batch)
        self.close_batch_button.setEnabled(has_batch)
        self.import_button.setEnabled(has_batch)
        for b in (
            self.insert_button,
            self.replace_button,
            self.corners_button,
            self.split_button,
            self.dewarp_button,
            self.rotate_left_button,
            self.rotate_button,
            self.delete_button,
        ):
            b.setEnabled(has_batch and has_sel)
        page = self.selected_page() if has_sel else None
        self.dewarp_button.blockSignals(True)
        self.dewarp_button.setChecked(page is None or page.geometry.dewarp != "off")
        self.dewarp_button.blockSignals(False)
        self.undo_button.setEnabled(has_batch and bool(self._undo))

    # --- camera --------------------------------------------------------------------------------------------
    def _on_camera_frame_ready(self, image: QImage, index: int) -> None:
        self.preview.set_image(image)
        if not self.preview.isVisible() and self.camera is not None:
            self.camera.frame_consumed()

    def _on_preview_display_size_changed(self, width: int, height: int, dpr: float) -> None:
        if self.camera is not None:
            self.camera.set_display_size(width, height, dpr)

    def _on_preview_painted(self) -> None:
        if self.camera is not None:
            self.camera.frame_consumed()

    def _on_outline_thread_outline_found(self, pts: object, index: int) -> None:
        self.preview.outline = pts  # type: ignore[assignment]

    def _on_camera_state_changed(self, state: str, message: str) -> None:
        if state == GrabberState.DISCONNECTED.value:
            self.banner.setText(
                self.tr("Camera disconnected — reconnecting automatically. Captured pages are safe.")
                + (f"  ({message})" if message else "")
            )
            self.banner.setVisible(True)
        elif state == GrabberState.STREAMING.value:
            if self.banner.isVisible():
                self._show_status(self.tr("Camera reconnected."))
            self.banner.setVisible(False)

    def _on_camera_observed(self, decision: str, still_for: float) -> None:
        if not self.auto_check.isChecked():
            return
        texts = {
            "motion": self.tr("Auto: movement"),
            "settling": self.tr("Auto: hold still…"),
            "hand": self.tr("Auto: hand in the picture"),
            "same_page": self.tr("Auto: same page, not captured again"),
            "empty": self.tr("Auto: desk empty"),
        }
        if decision in texts and not self._status_is_sticky():
            self.status.setText(texts[decision])

    def _status_is_sticky(self) -> bool:
        return time.monotonic() < self._sticky_until

    def _on_camera_auto_capture_requested(self, frame: GrabbedFrame) -> None:
        if self.auto_check.isChecked() and self.batch is not None:
            self._capture_frame(frame, position=None, replace_id=None)

    def _on_auto_check_toggled(self, on: bool) -> None:
        self.autocapture.config = type(self.autocapture.config)(
            **{**self.autocapture.config.__dict__, "enabled": on}
        )
        self.service.set_option("enabled", on)

    # --- capture -------------------------------------------------------------------------------------------
    def capture_now(self) -> None:
        """Manual capture (Space/pedal) of the newest full-resolution frame."""
        self._capture_latest(position=None, replace_id=None)

    def _capture_latest(self, position: int | None, replace_id: str | None) -> None:
        if self.batch is None:
            self._show_status(self.tr("Start a batch before capturing."), error=True)
            return
        frame = self.camera.latest() if self.camera is not None else None
        if frame is None:
            self._show_status(self.tr("No camera picture to capture."), error=True)
            return
        self.autocapture.notify_captured(frame.preview)
        self._capture_frame(frame, position, replace_id)

    def _capture_frame(self, frame: GrabbedFrame, position: int | None, replace_id: str | None) -> None:
        assert self.batch is not None
        batch_id = self.batch.id
        device = self.source.info.id if self.source is not None else ""
        svc = self.service
        self._pending_captures += 1
        t0 = time.perf_counter()

        # the latest still picture of the empty desk: page detection compares the capture with it
        desk = self.autocapture.desk_reference

        def work() -> CaptureReceipt:
            full = frame.full  # full resolution made here, off the UI thread
            if replace_id is not None:
                return svc.replace_page(replace_id, full, source_device=device, desk_reference=desk)
            return svc.capture(batch_id, full, source_device=device, position=position, desk_reference=desk)

        def done(receipt: Any) -> None:
            self._on_capture_done(receipt, t0)

        self.capture_tasks.run_simple(work, on_done=done, on_error=self._on_capture_error)

    def _on_capture_done(self, receipt: CaptureReceipt, t0: float) -> None:
        self._pending_captures -= 1
        self.last_capture_ms = (time.perf_counter() - t0) * 1000
        self._beep()
        self.preview.flash()
        self._captured_numbers[receipt.page.id] = receipt.number
        self._show_status(self.tr("Page %1 saved.").replace("%1", str(receipt.number)))
        self.refresh_pages(select=receipt.page.id)
        self.page_captured.emit(receipt.page)

    def _on_capture_error(self, error: BaseException) -> None:
        self._pending_captures -= 1
        msg = error.user_message() if isinstance(error, HukouScanError) else str(error)
        self._show_status(self.tr("Capture failed: %1").replace("%1", msg), error=True)
        self.capture_failed.emit(msg)
        self.autocapture.forget_last_capture()

    # --- page strip ------------------------------------------------------------------------------------------
    def refresh_pages(self, select: str | None = None) -> None:
        """Reload the batch's pages (state, thumbnails) in the background."""
        if self.batch is None:
            return
        if self._refreshing:  # one in flight: run again when it lands, so nothing is missed
            self._refresh_again = True
            if select:
                self._select_after_refresh = select
            return
        self._refreshing = True
        batch_id = self.batch.id
        svc = self.service
        known = dict(self._versions)
        old_pages = {p.id: p for p in self.pages}
        states_of = self._link_states_of

        def work() -> tuple[str, list[Page], dict[str, str], dict[str, str]]:
            # only the pages whose row changed are read in full (see CaptureService.page_changes)
            delta = svc.page_changes(batch_id, known)
            pages: list[Page] = []
            versions: dict[str, str] = {}
            for pid, version in delta.order:
                page = delta.changed.get(pid)
                if page is not None:
                    versions[pid] = version
                else:  # unchanged, or gone between the two reads: keep what we had, read again next time
                    page = old_pages.get(pid)
                    if page is None:
                        continue
                    versions[pid] = known.get(pid, "")
                pages.append(page)
            states: dict[str, str] = {}
            if states_of is not None:
                try:
                    states = states_of([p.id for p in pages])
                except HukouScanError:
                    log.exception("link states failed for batch %s", batch_id)
            return batch_id, pages, versions, states

        if select:
            self._select_after_refresh = select
        self.tasks.run_simple(work, on_done=self._on_pages_loaded, on_error=self._on_refresh_error)

    @staticmethod
    def _icon_key(p: Page) -> tuple[str, str, int]:
        return (
            p.id,
            p.processed_sha256 or p.original_sha256,
            0 if p.processed_sha256 else p.geometry.extra_rotation,
        )

    def _on_refresh_error(self, error: BaseException) -> None:
        self._refreshing = False
        log.warning("page list refresh failed: %s", error)

    def _on_pages_loaded(self, result: tuple[str, list[Page], dict[str, str], dict[str, str]]) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            QTimer.singleShot(0, self.refresh_pages)
        batch_id, pages, versions, states = result
        if self.batch is None or batch_id != self.batch.id:
            return
        self._versions = versions
        # a page's thumbnail key changes when it is processed or rotated: drop the stale
        # ones at once (the byte budget would only push them out later)
        live = {self._icon_key(p) for p in pages}
        for key in [k for k in self._icons if k not in live]:
            self._icons.pop(key)
        old_states, self.link_states = self.link_states, states
        # the duplicate flag can come with a re-run of OCR on a page whose state does not change
        changed = [
            (p.id, self._icon_key(p), p.state, states.get(p.id), p.quality.get("duplicate")) for p in pages
        ] != [
            (p.id, self._icon_key(p), p.state, old_states.get(p.id), p.quality.get("duplicate"))
            for p in self.pages
        ]
        select = self._select_after_refresh
        if select is not None and any(p.id == select for p in pages):
            self._select_after_refresh = None  # consumed
        else:
            select = None
        current = self.strip.currentItem()
        current_id = select or (current.data(PAGE_ID_ROLE) if current else None)
        self.pages = pages
        self._captured_numbers.clear()
        if changed:
            self.strip.blockSignals(True)
            self._sync_strip(pages, states, current_id)
            self.strip.blockSignals(False)
            if self.strip.currentItem() is None and self.strip.count():
                self.strip.setCurrentRow(self.strip.count() - 1)
            self.strip.scrollToItem(self.strip.currentItem()) if self.strip.currentItem() else None
            self._show_current_page()
            self._update_visible_icons()
            self.pages_changed.emit()
        elif select is not None:
            for i in range(self.strip.count()):
                if self.strip.item(i).data(PAGE_ID_ROLE) == select:
                    self.strip.setCurrentRow(i)
                    break
        self._update_counter()
        self._update_actions()
        self._warn_camera_setting(pages)

    def _sync_strip(self, pages: list[Page], states: dict[str, str], current_id: str | None) -> None:
        """Bring the strip to ``pages`` by changing only what differs.

        Why: rebuilding every item (and its icon) on each capture made the UI thread's
        work grow with the batch, and churned pixmaps; a new capture now adds one item, a
        processed page replaces one icon, a delete removes one row.
        """
        strip = self.strip
        wanted = {p.id for p in pages}
        for row in reversed(range(strip.count())):  # rows of pages that are gone
            pid = strip.item(row).data(PAGE_ID_ROLE)
            if pid not in wanted:
                strip.takeItem(row)  # Python owns the taken item: dropped with its icon
                self._shown_icons.pop(pid, None)
        for i, p in enumerate(pages):
            item = strip.item(i) if i < strip.count() else None
            if item is None or item.data(PAGE_ID_ROLE) != p.id:
                found = next(
                    (r for r in range(i + 1, strip.count()) if strip.item(r).data(PAGE_ID_ROLE) == p.id), None
                )
                if found is not None:  # moved: take it from where it was
                    item = strip.takeItem(found)
                else:
                    item = QListWidgetItem()
                    item.setData(PAGE_ID_ROLE, p.id)
                    self._shown_icons.pop(p.id, None)
                strip.insertItem(i, item)
            self._update_item(item, i + 1, p, states)
            if p.id == current_id:
                strip.setCurrentItem(item)

    def _update_item(self, item: QListWidgetItem, number: int, p: Page, states: dict[str, str]) -> None:
        """Set what a strip item shows (each property only when it differs).

        Why the signature: every refresh (each capture, each OCR result) visits every item,
        and making an item's text and tooltip costs several ``tr`` calls; for a batch of
        hundreds of pages that was tens of milliseconds of UI-thread time per refresh on a
        busy machine.  An item whose number, page row version, link state and duplicate
        partner's number are unchanged shows the same text, so it is skipped.
        """
        dup = p.quality.get("duplicate")
        sig = (
            number,
            self._versions.get(p.id),
            states.get(p.id),
            self._duplicate_of("duplicate", dup) if dup else None,
        )
        if item.data(SIGNATURE_ROLE) == sig:
            return
        item.setData(SIGNATURE_ROLE, sig)
        text = self._item_text(number, p)
        if item.text() != text:
            item.setText(text)
        tip = self._page_tooltip(p)
        if item.toolTip() != tip:
            item.setToolTip(tip)
        colour = LINK_COLOURS.get(states.get(p.id, ""))
        if item.data(COLOUR_ROLE) != colour:
            item.setData(COLOUR_ROLE, colour)
            item.setData(Qt.ItemDataRole.ForegroundRole, QColor(colour) if colour is not None else None)

    # --- strip icons: only for the items in view -----------------------------------------------------------
    def _on_strip_scrolled(self, _value: int) -> None:
        self._icon_timer.start()  # coalesced: a drag of the scroll bar asks once per 50 ms

    def icon_rows(self) -> range:
        """The strip rows that hold an icon: those in view plus ``ICON_MARGIN`` on each side.

        Why: every item kept its decoded icon, so the GUI process grew with the batch
        (a day's batch of hundreds of pages never closes on the soak); thumbnails
        scrolled away are dropped and decoded again (from the byte-capped JPEG cache)
        when they come back into view.
        """
        strip, n = self.strip, self.strip.count()
        if n == 0:
            return range(0)
        width = strip.viewport().width()
        # one row of items left to right (no wrapping): their rectangles ascend, so the ends
        # of the view are found by bisection (a scan of every item grew with the batch)
        rect = strip.visualItemRect
        first = bisect.bisect_left(range(n), True, key=lambda r: rect(strip.item(r)).right() >= 0)
        last = bisect.bisect_left(range(n), True, key=lambda r: rect(strip.item(r)).left() > width) - 1
        if first >= n or last < first:
            return range(0)
        return range(max(0, first - ICON_MARGIN), min(n, last + 1 + ICON_MARGIN))

    def _update_visible_icons(self) -> None:
        """Give the items in view their icons (from the cache, else load them in the
        background) and release the icons of items scrolled away."""
        rows = self.icon_rows()
        by_id = {p.id: p for p in self.pages}
        missing: list[Page] = []
        for row in range(self.strip.count()):
            item = self.strip.item(row)
            pid = item.data(PAGE_ID_ROLE)
            page = by_id.get(pid)
            if row not in rows or page is None:
                if self._shown_icons.pop(pid, None) is not None:
                    item.setIcon(QIcon())
                continue
            key = self._icon_key(page)
            if self._shown_icons.get(pid) == key:
                continue
            icon = self._icons.get(key)
            if icon is not None:
                item.setIcon(icon)
                self._shown_icons[pid] = key
            else:
                missing.append(page)  # the old icon (if any) stays until the new one is decoded
        if missing:
            self._load_icons(missing)

    def _load_icons(self, pages: list[Page]) -> None:
        """Decode the thumbnails of ``pages`` off the UI thread (one load at a time)."""
        if self._icons_loading:
            self._icons_again = True
            return
        self._icons_loading = True
        svc = self.service
        keys = [(p, self._icon_key(p)) for p in pages]

        def work() -> dict[tuple[str, str, int], QImage]:
            out: dict[tuple[str, str, int], QImage] = {}
            for p, key in keys:
                try:
                    out[key] = QImage.fromData(svc.thumbnail(p, 128))  # decoded here, off the UI thread
                except HukouScanError:
                    log.exception("thumbnail failed for page %s", p.id)
            return out

        self.tasks.run_simple(work, on_done=self._on_icons_loaded, on_error=self._on_icons_failed)

    def _on_icons_loaded(self, thumbs: dict[tuple[str, str, int], QImage]) -> None:
        self._icons_loading = False
        live = {self._icon_key(p): p.id for p in self.pages}
        icons: dict[str, tuple[tuple[str, str, int], QIcon]] = {}
        for key, image in thumbs.items():
            if key in live:  # not processed or turned again meanwhile
                icon = QIcon(QPixmap.fromImage(image))
                self._icons.put(key, icon, image.sizeInBytes())
                icons[live[key]] = (key, icon)
        for row in self.icon_rows():  # straight to the items in view: not relying on the cache keeping them
            item = self.strip.item(row)
            pid = item.data(PAGE_ID_ROLE)
            if pid in icons and self._shown_icons.get(pid) != icons[pid][0]:
                item.setIcon(icons[pid][1])
                self._shown_icons[pid] = icons[pid][0]
        if self._icons_again:
            self._icons_again = False
            self._update_visible_icons()

    def _on_icons_failed(self, error: BaseException) -> None:
        self._icons_loading = False
        log.warning("strip thumbnails failed: %s", error)

    def _warn_camera_setting(self, pages: list[Page]) -> None:
        """Say a camera-setting warning (e.g. below 200 dpi) once per batch and camera."""
        zh = current_language().startswith("zh")
        for p in pages:
            for flag in SETTING_FLAGS:
                value = p.quality.get(flag)
                key = (p.batch_id, p.source_device, flag)
                if not (isinstance(value, dict) and value.get("flag")) or key in self.setting_warnings:
                    continue
                self.setting_warnings.add(key)
                msg = value.get("message_zh" if zh else "message_en") or flag
                self._show_status(
                    self.tr(
                        "⚠ %1 This applies to every page taken with this camera setting; it is said once per batch."
                    ).replace("%1", msg),
                    error=True,
                )

    def _item_text(self, i: int, p: Page) -> str:
        marks = {
            PageState.CAPTURED: self.tr("processing"),
            PageState.FAILED: self.tr("failed"),
            PageState.DELETED: self.tr("deleted"),
        }
        mark = marks.get(p.state)
        if mark is None:  # a text page: where it stands with the registry
            links = {
                "linked": self.tr("linked"),
                "review": self.tr("to confirm"),
                "unlinked": self.tr("not linked"),
            }
            mark = links.get(self.link_states.get(p.id, ""))
        warn = any(
            isinstance(v, dict) and v.get("flag") and self._duplicate_of(k, v) != 0
            for k, v in p.quality.items()
            if k not in SETTING_FLAGS
        )
        return f"{i}" + (f" · {mark}" if mark else "") + (" ⚠" if warn else "")

    def _page_tooltip(self, p: Page) -> str:
        states = {
            PageState.CAPTURED: self.tr("captured, processing…"),
            PageState.PROCESSED: self.tr("processed"),
            PageState.RECOGNIZED: self.tr("text recognised"),
            PageState.LINKED: self.tr("linked"),
            PageState.FAILED: self.tr("failed"),
        }
        return states.get(p.state, p.state.value)

    def _on_strip_current_item_changed(self, *_: object) -> None:
        self._show_current_page()
        self._update_actions()

    def move_selected_earlier(self) -> None:
        self._move_selected(-1)

    def move_selected_later(self) -> None:
        self._move_selected(+1)

    def _move_selected(self, step: int) -> None:
        """Move the selected page one place (the strip emits ``reordered``, the service stores it)."""
        row = self.strip.currentRow()
        if self.batch is None or row < 0 or not 0 <= row + step < self.strip.count():
            return
        self.strip.move_row(row, row + step)

    def _on_strip_reordered(self) -> None:
        if self.batch is None:
            return
        ids = [self.strip.item(i).data(PAGE_ID_ROLE) for i in range(self.strip.count())]
        batch_id = self.batch.id
        self._run_rework(lambda: self.service.reorder(batch_id, ids), self.tr("Pages reordered."))

    def page_number(self, page_id: str) -> int | None:
        """The number the clerk reads for a page: its position in the strip (never ``Page.seq``)."""
        for i, p in enumerate(self.pages, start=1):
            if p.id == page_id:
                return i
        return self._captured_numbers.get(page_id)

    def selected_page(self) -> Page | None:
        item = self.strip.currentItem()
        if item is None:
            return None
        pid = item.data(PAGE_ID_ROLE)
        return next((p for p in self.pages if p.id == pid), None)

    def _show_current_page(self) -> None:
        page = self.selected_page()
        if page is None:
            self.processed.clear()
            self.page_title.setText("")
            self.warnings.setText("")
            return
        idx = self.pages.index(page) + 1
        state = self.tr("processed") if page.processed_sha256 else self.tr("original — processing…")
        # one translatable pattern, so Chinese gets full-width brackets: 第 3 页（已处理）
        self.page_title.setText(self.tr("Page %1 (%2)").replace("%1", str(idx)).replace("%2", state))
        self.warnings.setText(self._quality_text(page))
        key = self._icon_key(page)
        if key == self._shown_page:
            return
        self._shown_page = key
        svc = self.service
        size = self.processed.size()

        def work() -> tuple[tuple[str, str, int], QImage]:
            # decode and scale here: a 1200 px JPEG decode + smooth scale would stall the UI thread
            img = QImage.fromData(svc.page_image(page, max(480, size.width())))
            return key, img.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )

        self.tasks.run_simple(work, on_done=self._on_page_image_loaded)

    def _on_page_image_loaded(self, result: tuple[tuple[str, str, int], QImage]) -> None:
        key, image = result
        if key != self._shown_page:
            return
        self.processed.setPixmap(QPixmap.fromImage(image))

    def _duplicate_of(self, key: str, value: object) -> int | None:
        """For the OCR duplicate flag: the other page's number now (0 once it is deleted); else None.

        The flag stores the other page's id, not a number, because numbers move with deletes
        and reordering (see services.ocr._mark_duplicate).
        """
        if key != "duplicate" or not isinstance(value, dict):
            return None
        return self.page_number(str(value.get("page_id", ""))) or 0

    def _quality_text(self, page: Page) -> str:
        """Quality warnings from the image pipeline (flags with zh/en messages, see imaging.quality)."""
        zh = current_language().startswith("zh")
        out = []
        for key, value in sorted(page.quality.items()):
            if key in SETTING_FLAGS:
                continue  # said once per batch (_warn_camera_setting)
            other = self._duplicate_of(key, value)
            if other:
                out.append("⚠ " + self.tr("Duplicate of page %1?").replace("%1", str(other)))
            elif isinstance(value, dict) and value.get("flag") and other is None:
                msg = value.get("message_zh" if zh else "message_en") or key
                out.append(f"⚠ {msg}")
            elif value is True:
                out.append(f"⚠ {key}")
        if page.state == PageState.FAILED and page.state_reason:
            out.append(f"✖ {localized(page.state_reason)}")
        return "\n".join(out)

    # --- rework -------------------------------------------------------------------------------------------------
    def _run_rework(
        self,
        fn: Callable[[], object],
        done_text: str,
        select: str | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        """Run a page change off the UI thread (on ``runner``, default the general pool), then
        say so and show the strip as it now is; on failure, why, and the strip as it is."""

        def ok(_r: object) -> None:
            self._show_status(done_text)
            self.refresh_pages(select=select)

        def fail(e: BaseException) -> None:
            self._show_failure(e)
            self.refresh_pages()

        (runner or self.tasks).run_simple(fn, on_done=ok, on_error=fail)

    def _on_delete_button_clicked(self) -> None:
        page = self.selected_page()
        if page is None:
            return
        self._undo.append(page.id)
        self.autocapture.forget_last_capture()
        self._run_rework(lambda: self.service.delete_page(page.id), self.tr("Page deleted — Ctrl+Z to undo."))
        self._update_actions()

    def _on_undo_button_clicked(self) -> None:
        if not self._undo:
            return
        pid = self._undo.pop()
        self._run_rework(lambda: self.service.undo_delete(pid), self.tr("Page restored."), select=pid)
        self._update_actions()

    def _on_rotate_button_clicked(self) -> None:
        self._rotate_selected(90)

    def _on_rotate_left_button_clicked(self) -> None:
        self._rotate_selected(-90)

    def _rotate_selected(self, degrees: int) -> None:
        """Each click is one turn, applied in click order on the captures' single worker
        (and serialised in the service), so quick clicks add up to their sum."""
        page = self.selected_page()
        if page is None:
            return
        page_id = page.id
        self._run_rework(
            lambda: self.service.rotate(page_id, degrees),
            self.tr("Page rotated."),
            select=page_id,
            runner=self.capture_tasks,
        )

    def _on_corners_button_clicked(self) -> None:
        """Load the original off the UI thread, then let the clerk drag the page corners."""
        page = self.selected_page()
        if page is None:
            return
        svc = self.service

        def work() -> tuple[QImage, tuple[int, int]]:
            data, size = svc.original_image(page, 1400)
            return QImage.fromData(data), size

        self.tasks.run_simple(
            work, on_done=lambda r: self.adjust_corners(page, *r), on_error=self._show_failure
        )

    def adjust_corners(self, page: Page, image: QImage, size: tuple[int, int]) -> None:
        """Show the corners dialog on ``page``'s original; a new outline remakes the page."""
        from hukou_scan.gui.corners_dialog import CornersDialog

        dlg = CornersDialog(image, size, initial_quad(page, size), self)
        if dlg.exec() != CornersDialog.DialogCode.Accepted:
            return
        quad, page_id = dlg.quad(), page.id

        def ok(_r: object) -> None:
            self._show_status(self.tr("Page corners set — the page is being remade."))
            self.refresh_pages(select=page_id)

        self.capture_tasks.run_simple(
            lambda: self.service.set_corners(page_id, quad), on_done=ok, on_error=self._show_failure
        )

    def _on_split_button_clicked(self) -> None:
        """Toggle: a half of a split spread is joined again; a single page is split in two."""
        page = self.selected_page()
        if page is None:
            return
        split = page.geometry.split not in ("left", "right")
        page_id = page.id
        done = self.tr("Spread split into two pages.") if split else self.tr("Halves joined into one page.")

        def ok(result: object) -> None:
            self._show_status(done)
            self.refresh_pages(select=result.id if isinstance(result, Page) else page_id)

        self.capture_tasks.run_simple(
            lambda: self.service.set_split(page_id, split), on_done=ok, on_error=self._show_failure
        )

    def _on_dewarp_button_clicked(self) -> None:
        """Toggle curved-page flattening for the selected page (remade from its original)."""
        page = self.selected_page()
        if page is None:
            return
        on = page.geometry.dewarp == "off"
        page_id = page.id
        done = self.tr("Curved-page flattening on.") if on else self.tr("Curved-page flattening off.")

        def ok(result: object) -> None:
            self._show_status(done)
            self.refresh_pages(select=page_id)

        def fail(e: BaseException) -> None:
            self._show_failure(e)
            self._update_actions()

        self.capture_tasks.run_simple(lambda: self.service.set_dewarp(page_id, on), on_done=ok, on_error=fail)

    def _on_replace_button_clicked(self) -> None:
        page = self.selected_page()
        if page is not None:
            self._capture_latest(position=None, replace_id=page.id)

    def _on_insert_button_clicked(self) -> None:
        page = self.selected_page()
        if page is not None:
            self._capture_latest(position=self.pages.index(page), replace_id=None)

    # --- import and hot folder ---------------------------------------------------------------------------------------
    def _on_import_button_clicked(self) -> None:
        if self.batch is None:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Import files"),
            "",
            self.tr("Images and PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)"),
        )
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, paths: list[Path]) -> None:
        assert self.batch is not None
        batch_id = self.batch.id
        svc = self.service

        def progress(done: int, total: int, name: str) -> None:
            self.status.setText(
                self.tr("Importing %1 / %2…").replace("%1", str(done)).replace("%2", str(total))
            )

        def done(reports: Any) -> None:
            n = sum(len(r.pages) for r in reports)
            dup = sum(1 for r in reports if r.duplicate)
            text = self.tr("Imported %1 page(s).").replace("%1", str(n))
            if dup:
                text += " " + self.tr("%1 file(s) were already imported.").replace("%1", str(dup))
            self._show_status(text)
            self.refresh_pages()

        self.tasks.run(
            lambda p, c: svc.import_files(batch_id, paths, progress=p, cancel=c),
            on_done=done,
            on_error=self._show_failure,
            on_progress=progress,
        )

    def _on_hot_folder_message_threaded(self, msg: HotFolderMessage) -> None:
        # called on the hot-folder thread: hop to the UI thread
        QTimer.singleShot(0, self, lambda: self._on_hot_folder_message(msg))

    def _on_hot_folder_message(self, msg: HotFolderMessage) -> None:
        text = msg.zh if current_language().startswith("zh") else msg.en
        self._show_status(text, error=msg.level == "error")
        if msg.level == "error":
            self.banner.setText(text)
            self.banner.setVisible(True)
            QTimer.singleShot(8000, self._hide_hot_folder_banner)
        self.refresh_pages()

    def _hide_hot_folder_banner(self) -> None:
        if self.camera is None or self.camera.grabber.state != GrabberState.DISCONNECTED:
            self.banner.setVisible(False)

    # --- status ----------------------------------------------------------------------------------------------------------
    def _show_failure(self, e: BaseException) -> None:
        """A background step failed: its reason in the status line, in the clerk's words for
        our own errors (the one ``on_error`` of the page and import tasks)."""
        self._show_status(e.user_message() if isinstance(e, HukouScanError) else str(e), error=True)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color:#b00020;" if error else "color:#1b7f2a;")
        self._sticky_until = time.monotonic() + 3.0
