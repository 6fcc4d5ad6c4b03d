"""The reviewer's spot-check (抽检) screen.

Left: batches awaiting review, their automatic-check findings, "Draw sample".
Middle: the sampled pages with their verdicts.  Right: the page image, pass/fail with
reasons and a note, and "Finish" which decides the batch.  All rules (reviewer role,
station, reasons required, acceptance threshold) live in
:class:`~hukou_scan.services.qa.QaService`; the image comes from an injected loader
(``page_id → encoded image bytes``) so the view never touches the page store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain import Batch, Page
from hukou_scan.errors import HukouScanError, current_language, localized
from hukou_scan.gui.i18n import category_label, field_label
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.services.qa import ISSUE_LABELS, QA_REASONS, PageReviewInfo, QaCheckReport, QaService
from hukou_scan.storage.qa import QaResult, QaSample

log = logging.getLogger(__name__)

ImageLoader = Callable[[str], bytes | None]


class QaView(QWidget):
    """Spot-check screen; construct with the QA service, a task runner and an image loader."""

    sample_drawn = Signal(object)
    verdict_recorded = Signal(object)
    sample_finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        qa: QaService,
        runner: TaskRunner,
        image_loader: ImageLoader | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.qa = qa
        self.runner = runner
        self.image_loader = image_loader
        self.batch: Batch | None = None
        self.sample: QaSample | None = None
        self.results: dict[str, QaResult] = {}
        self.pages: list[Page] = []
        self._numbers: dict[str, int] = {}  # page id → the number the reviewer reads

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)

        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.addWidget(QLabel(self.tr("Batches awaiting review"), left))
        self.batch_list = QListWidget(left)
        self.batch_list.setObjectName("batchList")
        ll.addWidget(self.batch_list, 1)
        self.refresh_button = QPushButton(self.tr("Refresh"), left)
        self.checks_button = QPushButton(self.tr("Run automatic checks"), left)
        self.checks_button.setObjectName("checksButton")
        self.sample_button = QPushButton(self.tr("Draw sample"), left)
        self.sample_button.setObjectName("sampleButton")
        self.override_box = QCheckBox(self.tr("Sample despite check findings"), left)
        self.override_box.setObjectName("overrideBox")
        for w in (self.refresh_button, self.checks_button, self.override_box, self.sample_button):
            ll.addWidget(w)
        self.checks_text = QPlainTextEdit(left)
        self.checks_text.setObjectName("checksText")
        self.checks_text.setReadOnly(True)
        ll.addWidget(self.checks_text, 1)
        splitter.addWidget(left)

        middle = QWidget(self)
        ml = QVBoxLayout(middle)
        self.sample_label = QLabel(self.tr("No sample"), middle)
        self.sample_label.setObjectName("sampleLabel")
        self.sample_label.setWordWrap(True)
        ml.addWidget(self.sample_label)
        self.page_list = QListWidget(middle)
        self.page_list.setObjectName("pageList")
        ml.addWidget(self.page_list, 1)
        self.finish_button = QPushButton(self.tr("Finish and decide batch"), middle)
        self.finish_button.setObjectName("finishButton")
        ml.addWidget(self.finish_button)
        splitter.addWidget(middle)

        right = QWidget(self)
        rl = QVBoxLayout(right)
        self.image_label = QLabel(self.tr("Select a page"), right)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(right)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.image_label)
        rl.addWidget(scroll, 1)
        self.info_text = QPlainTextEdit(right)
        self.info_text.setObjectName("infoText")
        self.info_text.setReadOnly(True)
        self.info_text.setMaximumHeight(130)
        rl.addWidget(self.info_text)
        grid = QGridLayout()
        self.reason_boxes: dict[str, QCheckBox] = {}
        zh = current_language() != "en"
        for i, (key, (label_zh, label_en)) in enumerate(QA_REASONS.items()):
            cb = QCheckBox(label_zh if zh else label_en, right)
            cb.setObjectName(f"reason_{key}")
            self.reason_boxes[key] = cb
            grid.addWidget(cb, i // 3, i % 3)
        rl.addLayout(grid)
        self.note_edit = QPlainTextEdit(right)
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.setPlaceholderText(self.tr("Note (optional)"))
        self.note_edit.setMaximumHeight(70)
        rl.addWidget(self.note_edit)
        buttons = QHBoxLayout()
        self.pass_button = QPushButton(self.tr("Pass"), right)
        self.pass_button.setObjectName("passButton")
        self.fail_button = QPushButton(self.tr("Fail → re-capture"), right)
        self.fail_button.setObjectName("failButton")
        buttons.addWidget(self.pass_button)
        buttons.addWidget(self.fail_button)
        rl.addLayout(buttons)
        self.status_label = QLabel(right)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        rl.addWidget(self.status_label)
        splitter.addWidget(right)
        splitter.setStretchFactor(2, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.batch_list.currentItemChanged.connect(self._on_batch_list_current_item_changed)
        self.page_list.currentItemChanged.connect(self._on_page_list_current_item_changed)
        self.checks_button.clicked.connect(self._on_checks_button_clicked)
        self.sample_button.clicked.connect(self._on_sample_button_clicked)
        self.pass_button.clicked.connect(self._on_pass_button_clicked)
        self.fail_button.clicked.connect(self._on_fail_button_clicked)
        self.finish_button.clicked.connect(self._on_finish_button_clicked)
        self.refresh()

    # -- helpers ------------------------------------------------------------------------
    def _error(self, e: BaseException) -> None:
        msg = e.user_message() if isinstance(e, HukouScanError) else str(e)
        self.status_label.setText(msg)
        self.failed.emit(msg)

    def refresh(self) -> None:
        try:
            batches = self.qa.batches_for_review()
        except HukouScanError as e:
            self._error(e)
            for w in (
                self.checks_button,
                self.sample_button,
                self.pass_button,
                self.fail_button,
                self.finish_button,
            ):
                w.setEnabled(False)
            return
        self.batch_list.clear()
        statuses = {
            "open": self.tr("open"),
            "closed": self.tr("closed"),
            "in_review": self.tr("in review"),
            "accepted": self.tr("accepted"),
            "rejected": self.tr("rejected"),
        }
        for b in batches:
            status = statuses.get(b.status.value, b.status.value)
            item = QListWidgetItem(f"{b.archive_id} · {category_label(b.category.value)} · {status}")
            item.setData(Qt.ItemDataRole.UserRole, b)
            self.batch_list.addItem(item)

    def _on_batch_list_current_item_changed(self, item: QListWidgetItem | None, _prev: object) -> None:
        self.batch = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.sample = None
        if self.batch is not None:
            try:
                open_ = [s for s in self.qa.samples_of(self.batch.id) if s.status == "open"]
            except HukouScanError as e:
                self._error(e)
                return
            if open_:
                self._show_sample(open_[0])
                return
        self._show_sample(None)

    def _on_checks_button_clicked(self) -> None:
        if self.batch is None:
            return
        batch_id = self.batch.id
        self.runner.run_simple(lambda: self.qa.auto_checks(batch_id), self._on_task_checked, self._error)

    def _on_task_checked(self, report: QaCheckReport) -> None:
        zh = current_language() != "en"
        lines = [
            self.tr("Pages: %1 (expected %2)")
            .replace("%1", str(report.actual))
            .replace("%2", "?" if report.expected is None else str(report.expected))
        ]
        for i in report.issues:
            label = ISSUE_LABELS[i.kind][0 if zh else 1]
            # 「第 3 页：分辨率不足 182 dpi」, the page number the clerk reads in the batch
            where = self.tr("Page %1: ").replace("%1", str(i.page_no)) if i.page_no is not None else ""
            lines.append(f"{where}{label} {localized(i.detail)}".strip())
        if report.ok:
            lines.append(self.tr("No findings."))
        self.checks_text.setPlainText("\n".join(lines))

    def _on_sample_button_clicked(self) -> None:
        if self.batch is None:
            return
        try:
            sample = self.qa.draw_sample(self.batch.id, ignore_checks=self.override_box.isChecked())
        except HukouScanError as e:
            self._error(e)
            return
        self._show_sample(sample)
        self.sample_drawn.emit(sample)

    def _show_sample(self, sample: QaSample | None) -> None:
        self.sample = sample
        self.page_list.clear()
        self.results = {}
        self.pages = []
        if sample is None:
            self.sample_label.setText(self.tr("No sample"))
            return
        try:
            self.pages = self.qa.sample_pages(sample.id)
            self._numbers = self.qa.page_numbers([p.id for p in self.pages])
            self.results = {r.page_id: r for r in self.qa.results(sample.id)}
        except HukouScanError as e:
            self._error(e)
            return
        self.sample_label.setText(
            self.tr("Sample: %1 of %2 pages (rate %3 %, seed %4)")
            .replace("%1", str(len(sample.page_ids)))
            .replace("%2", str(len(sample.population)))
            .replace("%3", f"{sample.rate * 100:g}")
            .replace("%4", str(sample.seed))
        )
        for p in self.pages:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.page_list.addItem(item)
            self._label_item(item, p)
        if self.page_list.count():
            self.page_list.setCurrentRow(0)

    def _label_item(self, item: QListWidgetItem, page: Page) -> None:
        r = self.results.get(page.id)
        mark = "·" if r is None else ("✓" if r.passed else "✗")
        number = self._numbers.get(page.id)
        item.setText(
            f"{mark} " + self.tr("Page %1").replace("%1", str(number) if number is not None else "?")
        )

    def current_page_id(self) -> str | None:
        item = self.page_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _on_page_list_current_item_changed(self, item: QListWidgetItem | None, _prev: object) -> None:
        for cb in self.reason_boxes.values():
            cb.setChecked(False)
        self.note_edit.clear()
        self.info_text.clear()
        if item is None:
            return
        page_id = str(item.data(Qt.ItemDataRole.UserRole))
        if self.sample is not None:
            sample_id = self.sample.id
            self.runner.run_simple(
                lambda: self.qa.page_review_info(sample_id, page_id), self._on_task_info_loaded, self._error
            )
        if self.image_loader is None:
            return
        loader = self.image_loader

        def load() -> QImage:
            data = loader(page_id)
            img = QImage()
            if data:
                img.loadFromData(data)
            return (
                img.scaledToWidth(900, Qt.TransformationMode.SmoothTransformation)
                if img.width() > 900
                else img
            )

        self.runner.run_simple(load, self._on_task_image_loaded, self._error)

    def _on_task_info_loaded(self, info: PageReviewInfo) -> None:
        if info.page_id != self.current_page_id():
            return  # the reviewer moved on
        expected = "?" if info.expected_pages is None else str(info.expected_pages)
        lines = [
            self.tr("Paper pages expected: %1, captured: %2")
            .replace("%1", expected)
            .replace("%2", str(info.captured_pages))
        ]
        lines.append(self.tr("OCR fields:") if info.fields else self.tr("OCR fields: none"))
        colon = self.tr(": ")
        for name, value, valid, needs_review in info.fields:
            mark = "" if valid and not needs_review else (" ✗" if not valid else " ?")
            lines.append(f"  {field_label(name)}{colon}{value}{mark}")
        lines.append(self.tr("Links:") if info.links else self.tr("Links: none"))
        methods = {
            "confirmed": self.tr("confirmed"),
            "manual": self.tr("manual"),
            "auto": self.tr("automatic"),
        }
        for person, number, role, method in info.links:
            how = self.tr("(%1)").replace("%1", methods.get(method, method))
            lines.append(f"  {person} {number} {role} {how}".replace("  ", " ", 1))
        self.info_text.setPlainText("\n".join(lines))

    def _on_task_image_loaded(self, img: QImage) -> None:
        if img.isNull():
            self.image_label.setText(self.tr("Image not available"))
        else:
            self.image_label.setPixmap(QPixmap.fromImage(img))

    def _verdict(self, passed: bool) -> None:
        page_id = self.current_page_id()
        if self.sample is None or page_id is None:
            return
        reasons = [k for k, cb in self.reason_boxes.items() if cb.isChecked()]
        try:
            res = self.qa.record(self.sample.id, page_id, passed, reasons, self.note_edit.toPlainText())
        except HukouScanError as e:
            self._error(e)
            return
        self.results[page_id] = res
        row = self.page_list.currentRow()
        page = next(p for p in self.pages if p.id == page_id)
        self._label_item(self.page_list.item(row), page)
        self.status_label.clear()
        self.verdict_recorded.emit(res)
        if row + 1 < self.page_list.count():
            self.page_list.setCurrentRow(row + 1)

    def _on_pass_button_clicked(self) -> None:
        self._verdict(True)

    def _on_fail_button_clicked(self) -> None:
        self._verdict(False)

    def _on_finish_button_clicked(self) -> None:
        if self.sample is None:
            return
        try:
            done = self.qa.finish(self.sample.id)
        except HukouScanError as e:
            self._error(e)
            return
        rate = f"{(done.pass_rate or 0) * 100:.1f} %"
        if done.status == "passed":
            self.status_label.setText(self.tr("Batch accepted (pass rate %1).").replace("%1", rate))
        else:
            self.status_label.setText(
                self.tr("Batch rejected (pass rate %1); failed pages went back to capture.").replace(
                    "%1", rate
                )
            )
        self.sample_finished.emit(done)
        self.refresh()
