"""The page viewer: the page image with the query's hits outlined, and a side panel.

Zoom (Ctrl+wheel, +/-), pan (drag), fit (F), rotate the view (R / Shift+R), next and
previous hit (N / Shift+N, also F3 / Shift+F3), next and previous page (Page Down /
Page Up, handled by whoever owns the result list).  Hit boxes come from the stored OCR
word boxes (:meth:`SearchService.open_page`) and are drawn as scene items over the
pixmap, so they stay on their words whatever the zoom or rotation.

The service call and the image decoding run on a :class:`TaskRunner` worker; the UI
thread only turns the decoded ``QImage`` into a pixmap.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QKeyEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.gui.i18n import category_label, local_time, location_label
from hukou_scan.gui.tasks import ProgressFn, TaskRunner
from hukou_scan.services.search import PageView, SearchService

log = logging.getLogger(__name__)

HIT_PEN = QColor(230, 60, 30)
HIT_FILL = QColor(255, 200, 0, 70)
CURRENT_PEN = QColor(0, 120, 255)
CURRENT_FILL = QColor(0, 160, 255, 70)


def load_page(service: SearchService, page_id: str, query: str) -> tuple[PageView, QImage | None]:
    """Worker-side: the page's data and its decoded image (``None`` if missing or unreadable)."""
    view = service.open_page(page_id, query)
    image: QImage | None = None
    if view.image_path is not None:
        img = QImage(str(view.image_path))
        image = None if img.isNull() else img
    return view, image


class PageGraphicsView(QGraphicsView):
    """QGraphicsView with Ctrl+wheel zoom; keyboard handled by :class:`PageViewerView`."""

    zoomed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(QColor(90, 90, 90)))

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.scale(factor, factor)
            self.zoomed.emit(self.transform().m11())
            event.accept()
        else:
            super().wheelEvent(event)


class PageViewerView(QWidget):
    """Image with hit outlines plus the page's side panel.

    Signals:
        page_loaded(str): a page finished loading and is shown.
        load_failed(str): loading failed (message).
        hit_changed(int): the current hit moved (index into :attr:`hit_rects`).
        next_page_requested / previous_page_requested: Page Down / Page Up.
        person_activated(str): a linked person was double-clicked (person id).
    """

    page_loaded = Signal(str)
    load_failed = Signal(str)
    hit_changed = Signal(int)
    next_page_requested = Signal()
    previous_page_requested = Signal()
    person_activated = Signal(str)

    def __init__(
        self, service: SearchService, runner: TaskRunner | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner or TaskRunner(self, max_threads=2)
        self.page_id: str | None = None
        self.query = ""
        self.page_view: PageView | None = None
        self.hit_rects: list[QGraphicsRectItem] = []
        self.current_hit = -1
        self._rotation = 0
        self._request = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.scene = QGraphicsScene(self)
        self.view = PageGraphicsView(self)
        self.view.setScene(self.scene)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.pixmap_item)

        bar = QToolBar(self)
        for text, slot in (
            (self.tr("Zoom in"), self.zoom_in),
            (self.tr("Zoom out"), self.zoom_out),
            (self.tr("Fit"), self.fit),
            (self.tr("Rotate"), self.rotate_clockwise),
            (self.tr("Previous hit"), self.previous_hit),
            (self.tr("Next hit"), self.next_hit),
        ):
            bar.addAction(text, slot)
        self.hit_label = QLabel(self)
        bar.addWidget(self.hit_label)

        self.status_label = QLabel(self)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(bar)
        lv.addWidget(self.view, 1)
        lv.addWidget(self.status_label)

        side = QWidget(self)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("archive", self.tr("Archive no.")),
            ("page", self.tr("Page")),
            ("category", self.tr("Category")),
            ("station", self.tr("Station")),
            ("captured", self.tr("Captured")),
            ("state", self.tr("State")),
            ("review", self.tr("Review")),
            ("sync", self.tr("Sync")),
            ("location", self.tr("Paper original")),
        ):
            value = QLabel(side)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(label, value)
        self.persons_list = QListWidget(side)
        self.persons_list.itemActivated.connect(self._on_persons_list_item_activated)
        self.person_button = QPushButton(self.tr("All pages of this person"), side)
        self.person_button.clicked.connect(self._on_person_button_clicked)
        sv = QVBoxLayout(side)
        sv.addLayout(form)
        sv.addWidget(QLabel(self.tr("Linked persons"), side))
        sv.addWidget(self.persons_list, 1)
        sv.addWidget(self.person_button)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._update_hit_label()

    # --- loading --------------------------------------------------------------------------
    def show_page(self, page_id: str, query: str = "") -> None:
        """Load a page off the UI thread; ``page_loaded`` fires when it is shown."""
        self._request += 1
        request = self._request
        self.page_id, self.query = page_id, query
        self.status_label.setText(self.tr("Loading…"))

        def work(_progress: ProgressFn, _cancel: threading.Event) -> tuple[PageView, QImage | None]:
            return load_page(self.service, page_id, query)

        self.runner.run(
            work,
            on_done=partial(self._on_load_finished, request),
            on_error=partial(self._on_load_failed, request),
        )

    def clear(self) -> None:
        """Show no page: a search without results must not leave the previous hit on screen."""
        self._request += 1  # a load still under way is dropped when it finishes
        self.page_id, self.query, self.page_view = None, "", None
        for item in self.hit_rects:
            self.scene.removeItem(item)
        self.hit_rects = []
        self.current_hit = -1
        self.pixmap_item.setPixmap(QPixmap())
        self.scene.setSceneRect(QRectF())
        for value in self.fields.values():
            value.setText("")
        self.persons_list.clear()
        self.person_button.setEnabled(False)
        self.status_label.setText("")
        self._update_hit_label()

    def _on_load_finished(self, request: int, result: tuple[PageView, QImage | None]) -> None:
        if request != self._request:
            return  # a newer page was asked for meanwhile
        view, image = result
        self.page_view = view
        for item in self.hit_rects:
            self.scene.removeItem(item)
        self.hit_rects = []
        if image is not None:
            self.pixmap_item.setPixmap(QPixmap.fromImage(image))
            self.status_label.setText("")
        else:
            self.pixmap_item.setPixmap(QPixmap())
            self.status_label.setText(self.tr("The page image is not available on this workstation."))
        self.scene.setSceneRect(self.pixmap_item.boundingRect())
        sx = sy = 1.0
        ocr_w, ocr_h = view.image_size
        if image is not None and ocr_w and ocr_h:
            sx, sy = image.width() / ocr_w, image.height() / ocr_h
        for box in view.boxes:
            rect = QGraphicsRectItem(QRectF(box.x * sx, box.y * sy, box.w * sx, box.h * sy))
            rect.setZValue(1)
            self.scene.addItem(rect)
            self.hit_rects.append(rect)
        self.current_hit = 0 if self.hit_rects else -1
        self._style_hits()
        self._fill_side_panel(view)
        self.fit()
        if self.current_hit >= 0:
            self.hit_changed.emit(self.current_hit)
        self.page_loaded.emit(view.page.id)

    def _on_load_failed(self, request: int, error: BaseException) -> None:
        if request != self._request:
            return
        msg = str(error)
        user_message = getattr(error, "user_message", None)
        if callable(user_message):
            msg = str(user_message())
        self.status_label.setText(msg)
        self.load_failed.emit(msg)

    def _state_label(self, code: str) -> str:
        """Page, review and sync state codes as the user reads them."""
        labels = {
            "captured": self.tr("captured"),
            "processed": self.tr("processed"),
            "recognized": self.tr("recognised"),
            "linked": self.tr("linked"),
            "reviewed": self.tr("reviewed"),
            "synced": self.tr("backed up"),
            "failed": self.tr("failed"),
            "deleted": self.tr("deleted"),
            "local": self.tr("not yet backed up"),
            "uploaded": self.tr("uploaded"),
            "verified": self.tr("backed up and verified"),
            "passed": self.tr("passed review"),
            "recapture": self.tr("awaiting re-capture"),
        }
        return labels.get(code, code)

    def _fill_side_panel(self, v: PageView) -> None:
        p, b = v.page, v.batch
        values = {
            "archive": b.archive_id,
            "page": str(v.page_no or "?"),
            "category": category_label(str(b.category)),
            "station": v.station_name,
            "captured": local_time(p.captured_at),
            "state": self._state_label(str(p.state)),
            "review": self._state_label(p.review_state) if p.review_state else self.tr("not reviewed"),
            "sync": self._state_label(str(p.sync_state)),
            "location": location_label(b.location) or self.tr("not recorded"),
        }
        for key, value in values.items():
            self.fields[key].setText(value)
        self.persons_list.clear()
        for person in v.persons:
            label = person.name
            if person.id_number:
                label += f"  {person.id_number}"
            if person.household_no:
                label += "  " + self.tr("household {0}").replace("{0}", person.household_no)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            self.persons_list.addItem(item)
        self.person_button.setEnabled(bool(v.persons))
        if v.persons:
            self.persons_list.setCurrentRow(0)

    # --- hits -----------------------------------------------------------------------------
    def _style_hits(self) -> None:
        for i, item in enumerate(self.hit_rects):
            current = i == self.current_hit
            pen = QPen(CURRENT_PEN if current else HIT_PEN)
            pen.setWidthF(4 if current else 3)
            pen.setCosmetic(True)
            item.setPen(pen)
            item.setBrush(QBrush(CURRENT_FILL if current else HIT_FILL))
        self._update_hit_label()

    def _update_hit_label(self) -> None:
        n = len(self.hit_rects)
        if n:
            self.hit_label.setText(
                self.tr("Hit {0} of {1}").replace("{0}", str(self.current_hit + 1)).replace("{1}", str(n))
            )
        else:
            self.hit_label.setText(self.tr("No hits on this page") if self.query else "")

    def _go_to_hit(self, index: int) -> None:
        if not self.hit_rects:
            return
        self.current_hit = index % len(self.hit_rects)
        self._style_hits()
        self.view.centerOn(self.hit_rects[self.current_hit])
        self.hit_changed.emit(self.current_hit)

    def next_hit(self) -> None:
        self._go_to_hit(self.current_hit + 1)

    def previous_hit(self) -> None:
        self._go_to_hit(self.current_hit - 1)

    # --- view transforms ------------------------------------------------------------------
    def zoom_in(self) -> None:
        self.view.scale(1.25, 1.25)

    def zoom_out(self) -> None:
        self.view.scale(0.8, 0.8)

    def fit(self) -> None:
        rect = self.pixmap_item.sceneBoundingRect()
        if not rect.isEmpty():
            self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def rotate_clockwise(self) -> None:
        self._rotate(90)

    def rotate_counterclockwise(self) -> None:
        self._rotate(-90)

    def _rotate(self, degrees: int) -> None:
        """Rotate the *view* only (the stored image and geometry are not touched)."""
        self._rotation = (self._rotation + degrees) % 360
        self.view.rotate(degrees)
        self.fit()

    @property
    def rotation(self) -> int:
        return self._rotation

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_N, Qt.Key.Key_F3):
            self.previous_hit() if shift else self.next_hit()
        elif key == Qt.Key.Key_PageDown:
            self.next_page_requested.emit()
        elif key == Qt.Key.Key_PageUp:
            self.previous_page_requested.emit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_F:
            self.fit()
        elif key == Qt.Key.Key_R:
            self.rotate_counterclockwise() if shift else self.rotate_clockwise()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # --- persons --------------------------------------------------------------------------
    def _on_persons_list_item_activated(self, item: QListWidgetItem) -> None:
        self.person_activated.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _on_person_button_clicked(self) -> None:
        item = self.persons_list.currentItem()
        if item is not None:
            self._on_persons_list_item_activated(item)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Wait for background loads (call before the widget goes away)."""
        return self.runner.wait_all(timeout_ms)
