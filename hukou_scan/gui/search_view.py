"""The search screen: query box and filters, result list with thumbnails, page viewer.

Thin over :class:`~hukou_scan.services.search.SearchService`: searching, opening a page
and decoding thumbnails all run on :class:`TaskRunner` workers; thumbnails are scaled
once and kept in a small LRU cache keyed by image hash, so scrolling back and forth
never decodes an image twice.
"""

from __future__ import annotations

import html
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, time
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QImage, QPainter, QPalette, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain.models import BatchCategory
from hukou_scan.domain.search import SearchFilters, SearchHit, SearchResult
from hukou_scan.gui.i18n import category_label, local_time
from hukou_scan.gui.page_viewer import PageViewerView
from hukou_scan.gui.tasks import ProgressFn, TaskRunner
from hukou_scan.services.export import ExportSource
from hukou_scan.services.search import SearchService

log = logging.getLogger(__name__)

THUMB = QSize(72, 96)
HitRole = Qt.ItemDataRole.UserRole + 1


class ThumbnailCache(QObject):
    """Decodes and scales page images off the UI thread; keeps the newest ``capacity``.

    Signals:
        thumbnail_ready(str): the thumbnail for this image hash is now in the cache.
    """

    thumbnail_ready = Signal(str)

    def __init__(self, service: SearchService, runner: TaskRunner, capacity: int = 300) -> None:
        super().__init__(runner)
        self.service = service
        self.runner = runner
        self.capacity = capacity
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._pending: set[str] = set()
        self.decoded = 0  # how many images were actually decoded (tests check the cache works)

    def get(self, sha: str | None, page_id: str = "") -> QImage | None:
        """The cached thumbnail of the page image ``sha`` (page ``page_id``), or ``None``
        after scheduling its loading."""
        if not sha:
            return None
        img = self._images.get(sha)
        if img is not None:
            self._images.move_to_end(sha)
            return img
        if sha not in self._pending:
            self._pending.add(sha)
            self.runner.run(
                partial(self._decode_task, sha, page_id),
                on_done=self._on_decode_finished,
                on_error=partial(self._on_decode_failed, sha),
            )
        return None

    def _decode_task(
        self, sha: str, page_id: str, _progress: ProgressFn, _cancel: threading.Event
    ) -> tuple[str, QImage | None]:
        return self._decode(sha, page_id)

    def _on_decode_failed(self, sha: str, _error: BaseException) -> None:
        self._pending.discard(sha)

    def _decode(self, sha: str, page_id: str = "") -> tuple[str, QImage | None]:
        stored = self.service.thumbnail(page_id) if page_id else None  # small JPEG in the database
        if stored:
            img = QImage.fromData(stored)
        else:  # pages processed before thumbnails were stored: decode the page itself
            path = self.service.image_path(sha)
            if path is None:
                return sha, None
            img = QImage(str(path))
        if img.isNull():
            return sha, None
        return sha, img.scaled(
            THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )

    def _on_decode_finished(self, result: tuple[str, QImage | None]) -> None:
        sha, img = result
        self._pending.discard(sha)
        if img is None:
            return
        self.decoded += 1
        self._images[sha] = img
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)
        self.thumbnail_ready.emit(sha)


class SearchResultsModel(QAbstractListModel):
    """Search hits for a list view: display text, HTML snippet, thumbnail."""

    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hits: list[SearchHit] = []
        self.thumbnails = thumbnails
        thumbnails.thumbnail_ready.connect(self._on_thumbnails_thumbnail_ready)

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.hits)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{self.title(hit)}\n{hit.snippet}"
        if role == Qt.ItemDataRole.DecorationRole:
            img = self.thumbnails.get(hit.thumbnail_sha256, hit.page_id)
            return QPixmap.fromImage(img) if img is not None else None
        if role == HitRole:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            return "、".join(p.name for p in hit.persons) or None
        return None

    def title(self, hit: SearchHit) -> str:
        page = self.tr("page {0}").replace("{0}", str(hit.page_no))
        return f"{hit.archive_id} · {page} · {category_label(hit.category)} · {hit.station_name} · {local_time(hit.captured_at, '%Y-%m-%d')}"

    def html(self, hit: SearchHit, selected: bool = False) -> str:
        """Title line plus the snippet with the hit ranges marked."""
        parts: list[str] = []
        pos = 0
        for s, e in hit.snippet_spans:
            parts.append(html.escape(hit.snippet[pos:s]))
            parts.append(
                '<span style="background-color:#ffd84d;color:#000;font-weight:bold">'
                f"{html.escape(hit.snippet[s:e])}</span>"
            )
            pos = e
        parts.append(html.escape(hit.snippet[pos:]))
        persons = "、".join(html.escape(p.name) for p in hit.persons)
        tier = {
            "field": self.tr("field match"),
            "prefix": self.tr("number/name prefix"),
            "meta": self.tr("metadata"),
            "text": self.tr("page text"),
            "filter": self.tr("filter"),
        }.get(hit.tier, hit.tier)
        extra = f" · {persons}" if persons else ""
        return (
            f"<b>{html.escape(self.title(hit))}</b>"
            f'<br><span style="color:{"#e8eef8" if selected else "#666"}">{html.escape(tier)}{extra}</span>'
            f"<br>{''.join(parts)}"
        )

    def _on_thumbnails_thumbnail_ready(self, sha: str) -> None:
        for row, hit in enumerate(self.hits):
            if hit.thumbnail_sha256 == sha:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class SearchResultDelegate(QStyledItemDelegate):
    """Thumbnail on the left, rich text (title, why it matched, highlighted snippet) right."""

    def __init__(self, model: SearchResultsModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def _doc(self, hit: SearchHit, width: float, selected: bool = False) -> QTextDocument:
        doc = QTextDocument()
        doc.setHtml(self.model.html(hit, selected))
        doc.setTextWidth(width)
        return doc

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        hit: SearchHit | None = index.data(HitRole)
        if hit is None:
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else QApplication.style()
        opt.text = ""
        opt.icon = type(opt.icon)()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect
        painter.save()
        thumb = index.data(Qt.ItemDataRole.DecorationRole)
        tx, ty = rect.left() + 4, rect.top() + 4
        if isinstance(thumb, QPixmap) and not thumb.isNull():
            px = tx + (THUMB.width() - thumb.width()) // 2
            py = ty + (THUMB.height() - thumb.height()) // 2
            painter.drawPixmap(px, py, thumb)
            painter.setPen(Qt.GlobalColor.darkGray)
            painter.drawRect(px, py, thumb.width() - 1, thumb.height() - 1)
        else:  # still decoding, or no image on this workstation
            painter.fillRect(tx, ty, THUMB.width(), THUMB.height(), Qt.GlobalColor.lightGray)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        doc = self._doc(hit, rect.width() - THUMB.width() - 16, selected)
        painter.translate(rect.left() + THUMB.width() + 12, rect.top() + 2)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        if opt.state & QStyle.StateFlag.State_Selected:
            ctx.palette.setColor(
                QPalette.ColorRole.Text, opt.palette.color(QPalette.ColorRole.HighlightedText)
            )
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hit: SearchHit | None = index.data(HitRole)
        width = max(200, option.rect.width() or 420)
        if hit is None:
            return QSize(width, THUMB.height() + 8)
        doc = self._doc(hit, width - THUMB.width() - 16)
        return QSize(width, int(max(THUMB.height() + 8, doc.size().height() + 6)))


class SearchView(QWidget):
    """Query box, filters, results and the page viewer side by side.

    Args:
        service: the search service (``AppContext.search``).
        stations: ``(id, name)`` pairs for the station filter.

    Signals:
        search_finished(int): results are shown (count).
        search_failed(str): the search raised (message).
        page_opened(str): the viewer shows this page.
    """

    search_finished = Signal(int)
    search_failed = Signal(str)
    page_opened = Signal(str)

    def __init__(
        self,
        service: SearchService,
        stations: Sequence[tuple[str, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = TaskRunner(self, max_threads=3)
        self.thumbnails = ThumbnailCache(service, self.runner)
        self.last_result: SearchResult | None = None
        self._person_id = ""
        self._request = 0

        self.query_edit = QLineEdit(self)
        self.query_edit.setPlaceholderText(self.tr("Name, ID number, household number, words on the page…"))
        self.query_edit.returnPressed.connect(self.run_search)
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.clicked.connect(self.run_search)

        self.station_combo = QComboBox(self)
        self.station_combo.addItem(self.tr("All stations"), None)
        for sid, name in stations:
            self.station_combo.addItem(name, sid)
        self.category_combo = QComboBox(self)
        self.category_combo.addItem(self.tr("All categories"), None)
        for c in BatchCategory:
            self.category_combo.addItem(category_label(c.value), c.value)
        self.linked_combo = QComboBox(self)
        self.linked_combo.addItem(self.tr("Linked or not"), None)
        self.linked_combo.addItem(self.tr("Linked to persons"), True)
        self.linked_combo.addItem(self.tr("Not linked"), False)
        self.review_combo = QComboBox(self)
        self.review_combo.addItem(self.tr("Any review state"), None)
        self.review_combo.addItem(self.tr("Not reviewed"), "")
        # the review states the QA service writes (services/qa.py)
        self.review_combo.addItem(self.tr("Passed review"), "passed")
        self.review_combo.addItem(self.tr("Awaiting re-capture"), "recapture")
        self.date_check = QCheckBox(self.tr("Captured between"), self)
        self.date_from = QDateEdit(QDate.currentDate().addYears(-1), self)
        self.date_to = QDateEdit(QDate.currentDate(), self)
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.batch_edit = QLineEdit(self)
        self.batch_edit.setPlaceholderText(self.tr("Batch archive no."))

        top = QHBoxLayout()
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.search_button)
        filters = QHBoxLayout()
        for w in (
            self.station_combo,
            self.category_combo,
            self.linked_combo,
            self.review_combo,
            self.date_check,
            self.date_from,
            self.date_to,
            self.batch_edit,
        ):
            filters.addWidget(w)
        filters.addStretch(1)

        self.model = SearchResultsModel(self.thumbnails, self)
        self.results = QListView(self)
        self.results.setModel(self.model)
        self.results.setItemDelegate(SearchResultDelegate(self.model, self.results))
        self.results.setUniformItemSizes(False)
        self.results.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.results.selectionModel().currentChanged.connect(self._on_results_current_changed)
        self.summary_label = QLabel(self)

        self.viewer = PageViewerView(service, self.runner, self)
        self.viewer.next_page_requested.connect(self._on_viewer_next_page_requested)
        self.viewer.previous_page_requested.connect(self._on_viewer_previous_page_requested)
        self.viewer.person_activated.connect(self._on_viewer_person_activated)
        self.viewer.page_loaded.connect(self.page_opened)

        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.results, 1)
        lv.addWidget(self.summary_label)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

    # --- searching ------------------------------------------------------------------------
    def filters(self) -> SearchFilters:
        date_from = date_to = None
        if self.date_check.isChecked():
            date_from = datetime.combine(self.date_from.date().toPython(), time.min)  # type: ignore[arg-type]
            date_to = datetime.combine(self.date_to.date().addDays(1).toPython(), time.min)  # type: ignore[arg-type]
        return SearchFilters(
            station_id=self.station_combo.currentData(),
            category=self.category_combo.currentData(),
            batch_id=self.batch_edit.text().strip() or None,
            date_from=date_from,
            date_to=date_to,
            linked=self.linked_combo.currentData(),
            review_state=self.review_combo.currentData(),
        )

    def export_source(self) -> ExportSource | None:
        """What 文件 → 导出 PDF exports from this screen: the person whose pages are listed,
        else the result list as shown (its order kept)."""
        if not self.model.hits:
            return None
        if self._person_id:
            return ExportSource.person(self._person_id)
        query = self.last_result.query if self.last_result is not None else ""
        label = "检索结果：" + query if query else "检索结果"
        return ExportSource.pages([hit.page_id for hit in self.model.hits], label=label)

    def run_search(self) -> None:
        query, filters = self.query_edit.text(), self.filters()
        self._person_id = ""
        self._request += 1
        request = self._request
        self.summary_label.setText(self.tr("Searching…"))

        def work(_progress: ProgressFn, _cancel: threading.Event) -> SearchResult:
            return self.service.search(query, filters)

        self.runner.run(
            work,
            on_done=partial(self._on_search_finished, request),
            on_error=partial(self._on_search_failed, request),
        )

    def _on_search_finished(self, request: int, result: SearchResult) -> None:
        if request != self._request:
            return
        self.last_result = result
        self.model.set_hits(result.hits)
        n = len(result.hits)
        more = self.tr(" (more: refine the query)") if result.more else ""
        self.summary_label.setText(
            self.tr("{0} results in {1} ms").replace("{0}", str(n)).replace("{1}", f"{result.elapsed_ms:.0f}")
            + more
        )
        if n:
            self.results.setCurrentIndex(self.model.index(0))
        else:
            self.viewer.clear()
        self.search_finished.emit(n)

    def _on_search_failed(self, request: int, error: BaseException) -> None:
        if request != self._request:
            return
        user_message = getattr(error, "user_message", None)
        msg = str(user_message()) if callable(user_message) else str(error)
        self.summary_label.setText(msg)
        self.model.set_hits([])
        self.viewer.clear()
        self.search_failed.emit(msg)

    def show_person(self, person_id: str) -> None:
        """List every page linked to this person, across batches."""
        self._person_id = person_id
        self._request += 1
        request = self._request

        def work(_progress: ProgressFn, _cancel: threading.Event) -> SearchResult:
            hits = self.service.person_pages(person_id)
            return SearchResult(query="", filters=SearchFilters(), hits=hits, elapsed_ms=0.0)

        self.runner.run(
            work,
            on_done=partial(self._on_search_finished, request),
            on_error=partial(self._on_search_failed, request),
        )

    # --- result list ↔ viewer -------------------------------------------------------------
    def _on_results_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit: SearchHit | None = current.data(HitRole) if current.isValid() else None
        if hit is not None:
            query = self.last_result.query if self.last_result else ""
            self.viewer.show_page(hit.page_id, query)

    def _step(self, delta: int) -> None:
        row = self.results.currentIndex().row() + delta
        if 0 <= row < self.model.rowCount():
            self.results.setCurrentIndex(self.model.index(row))

    def _on_viewer_next_page_requested(self) -> None:
        self._step(1)

    def _on_viewer_previous_page_requested(self) -> None:
        self._step(-1)

    def _on_viewer_person_activated(self, person_id: str) -> None:
        self.show_person(person_id)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Wait for background work (call before the widget is destroyed)."""
        return self.runner.wait_all(timeout_ms)
