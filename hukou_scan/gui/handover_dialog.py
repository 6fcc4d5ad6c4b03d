"""Hand-over dialog (数字化成果移交): pick batches by 档号 / date range / station, choose the
target (a folder or the sync target), write the DA/T 31 package with progress and cancel.

Thin over :class:`~hukou_scan.services.handover.HandoverService`: finding batches and
writing the package run on a :class:`~hukou_scan.gui.tasks.TaskRunner` thread; the
service checks the role (administrator or reviewer) and audits the run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QDate, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain import Station
from hukou_scan.export.handover import HandoverCancelled, HandoverResult
from hukou_scan.gui.i18n import category_label
from hukou_scan.gui.tasks import ProgressFn, Task, TaskRunner, failure_text
from hukou_scan.services.handover import BatchSummary, HandoverRequest, HandoverSelection

log = logging.getLogger(__name__)


class HandoverServiceLike(Protocol):
    def summaries(self, selection: HandoverSelection) -> list[BatchSummary]: ...

    def handover(
        self,
        request: HandoverRequest,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_ids: Sequence[str] | None = None,
    ) -> HandoverResult: ...


class HandoverDialog(QDialog):
    """Modal hand-over dialog.

    Args:
        service: the hand-over service (or a fake in tests).
        default_dir: folder proposed as the target (the package folder is made inside).
        stations: stations offered in the station filter.
        sync_target: the configured sync target URL ("" when none: that option is off).
    """

    batches_loaded = Signal(int)
    handover_finished = Signal(object)
    handover_failed = Signal(str)

    COLUMNS = 5

    def __init__(
        self,
        service: HandoverServiceLike,
        default_dir: Path,
        parent: QWidget | None = None,
        *,
        stations: Sequence[Station] = (),
        sync_target: str = "",
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Hand over to the archive"))
        self.setMinimumSize(720, 560)
        self._service = service
        self._runner = runner or TaskRunner(self, max_threads=1)
        self._task: Task | None = None
        self._summaries: list[BatchSummary] = []
        self._station_names = {st.id: st.name for st in stations}
        self.handover_result: HandoverResult | None = None

        self.archive_edit = QLineEdit()
        self.archive_edit.setPlaceholderText(self.tr("Archive ids, comma-separated; A0101-* for a prefix"))
        self.from_check = QCheckBox(self.tr("From"))
        self.from_date = QDateEdit(QDate.currentDate().addMonths(-1))
        self.to_check = QCheckBox(self.tr("To"))
        self.to_date = QDateEdit(QDate.currentDate())
        for d in (self.from_date, self.to_date):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
        self.station_combo = QComboBox()
        self.station_combo.addItem(self.tr("All stations"), "")
        for st in stations:
            self.station_combo.addItem(f"{st.name}（{st.code}）", st.id)
        self.find_button = QPushButton(self.tr("Find batches"))
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Archive id"),
                self.tr("Category"),
                self.tr("Created"),
                self.tr("Pages"),
                self.tr("Station"),
            ]
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.selection_label = QLabel("")
        self.folder_radio = QRadioButton(self.tr("Folder"))
        self.folder_radio.setChecked(True)
        self.sync_radio = QRadioButton(self.tr("Sync target"))
        self.sync_radio.setEnabled(bool(sync_target))
        self.sync_radio.setToolTip(sync_target or self.tr("No sync target is configured."))
        self.path_edit = QLineEdit(str(default_dir))
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.tiff_check = QCheckBox(self.tr("Masters as TIFF (lossless; larger)"))
        self.sm3_check = QCheckBox(self.tr("Add an SM3 checksum manifest"))
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.start_button = QPushButton(self.tr("Write package"))
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.reveal_button = QPushButton(self.tr("Show in folder"))
        self.reveal_button.hide()

        filters = QFormLayout()
        filters.addRow(self.tr("Archive ids:"), self.archive_edit)
        dates = QHBoxLayout()
        dates.addWidget(self.from_check)
        dates.addWidget(self.from_date)
        dates.addWidget(self.to_check)
        dates.addWidget(self.to_date)
        dates.addStretch(1)
        filters.addRow(self.tr("Created:"), dates)
        station_row = QHBoxLayout()
        station_row.addWidget(self.station_combo, 1)
        station_row.addWidget(self.find_button)
        filters.addRow(self.tr("Station:"), station_row)
        target = QFormLayout()
        where = QHBoxLayout()
        where.addWidget(self.folder_radio)
        where.addWidget(self.path_edit, 1)
        where.addWidget(self.browse_button)
        target.addRow(self.tr("Target:"), where)
        target.addRow("", self.sync_radio)
        target.addRow("", self.tiff_check)
        target.addRow("", self.sm3_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        root = QVBoxLayout(self)
        root.addLayout(filters)
        root.addWidget(self.table, 1)
        root.addWidget(self.selection_label)
        root.addLayout(target)
        root.addWidget(self.progress_bar)
        root.addWidget(self.status_label)
        root.addLayout(buttons)

        self.from_check.toggled.connect(self.from_date.setEnabled)
        self.to_check.toggled.connect(self.to_date.setEnabled)
        self.find_button.clicked.connect(self._on_find_button_clicked)
        self.archive_edit.returnPressed.connect(self._on_find_button_clicked)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.folder_radio.toggled.connect(self._on_input_changed)
        self.path_edit.textChanged.connect(self._on_input_changed)
        self.start_button.clicked.connect(self._on_start_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.reveal_button.clicked.connect(self._on_reveal_button_clicked)
        self._on_input_changed()

    # --- selection ---------------------------------------------------------------------
    def selection(self) -> HandoverSelection:
        ids = tuple(x.strip() for x in self.archive_edit.text().replace("，", ",").split(",") if x.strip())
        return HandoverSelection(
            archive_ids=ids,
            date_from=self.from_date.date().toPython() if self.from_check.isChecked() else None,  # type: ignore[arg-type]
            date_to=self.to_date.date().toPython() if self.to_check.isChecked() else None,  # type: ignore[arg-type]
            station_id=str(self.station_combo.currentData() or "") or None,
        )

    def _on_find_button_clicked(self) -> None:
        if self._task is not None:
            return
        selection = self.selection()
        service = self._service
        self.status_label.setText(self.tr("Looking for batches…"))
        self._task = self._runner.run(
            lambda _p, _c: service.summaries(selection),
            on_done=self._on_find_done,
            on_error=self._on_find_failed,
        )
        self._on_input_changed()

    def _on_find_done(self, summaries: list[BatchSummary]) -> None:
        self._task = None
        self._summaries = summaries
        self.table.blockSignals(True)
        self.table.setRowCount(len(summaries))
        for row, b in enumerate(summaries):
            first = QTableWidgetItem(b.archive_id)
            first.setFlags(first.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            first.setCheckState(Qt.CheckState.Checked)
            first.setData(Qt.ItemDataRole.UserRole, b.id)
            self.table.setItem(row, 0, first)
            station = self._station_names.get(b.station_id, b.station_id[:8])
            for col, value in enumerate((category_label(b.category), b.created, str(b.pages), station), 1):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.blockSignals(False)
        self.status_label.setText("" if summaries else self.tr("No batches match."))
        self._on_input_changed()
        self.batches_loaded.emit(len(summaries))

    def _on_find_failed(self, exc: BaseException) -> None:
        self._task = None
        self.status_label.setText(failure_text(exc))
        self._on_input_changed()

    def checked_batch_ids(self) -> list[str]:
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _on_table_item_changed(self, _item: QTableWidgetItem) -> None:
        self._on_input_changed()

    # --- input -------------------------------------------------------------------------
    def _on_input_changed(self, *_args: Any) -> None:
        busy = self._task is not None
        ids = set(self.checked_batch_ids())
        pages = sum(b.pages for b in self._summaries if b.id in ids)
        self.selection_label.setText(
            self.tr("%1 batch(es) with %2 page(s) selected")
            .replace("%1", str(len(ids)))
            .replace("%2", str(pages))
        )
        self.path_edit.setEnabled(self.folder_radio.isChecked() and not busy)
        self.browse_button.setEnabled(self.folder_radio.isChecked() and not busy)
        target_ok = self.sync_radio.isChecked() or bool(self.path_edit.text().strip())
        self.start_button.setEnabled(bool(ids) and target_ok and not busy)
        self.find_button.setEnabled(not busy)

    def _on_browse_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Target folder"), self.path_edit.text())
        if path:
            self.path_edit.setText(path)

    def request(self) -> HandoverRequest:
        return HandoverRequest(
            self.selection(),
            output=None if self.sync_radio.isChecked() else Path(self.path_edit.text().strip()),
            to_sync_target=self.sync_radio.isChecked(),
            image_format="tiff" if self.tiff_check.isChecked() else None,
            sm3=True if self.sm3_check.isChecked() else None,
        )

    # --- run ---------------------------------------------------------------------------
    def _on_start_button_clicked(self) -> None:
        ids = self.checked_batch_ids()
        if not ids or self._task is not None:
            return
        request = self.request()
        total = sum(b.pages for b in self._summaries if b.id in set(ids))
        self.handover_result = None
        self.reveal_button.hide()
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(0)
        self.status_label.setText(self.tr("Writing the package…"))
        service = self._service
        self._task = self._runner.run(
            lambda progress, cancel: service.handover(request, progress, cancel, batch_ids=ids),
            on_done=self._on_handover_done,
            on_error=self._on_handover_failed,
            on_progress=self._on_handover_progressed,
        )
        self.cancel_button.setText(self.tr("Cancel"))
        self._on_input_changed()

    def _on_handover_progressed(self, done: int, total: int, label: str) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        self.status_label.setText(
            self.tr("Page %1 of %2 (%3)")
            .replace("%1", str(done))
            .replace("%2", str(total))
            .replace("%3", label)
        )

    def _on_handover_done(self, result: HandoverResult) -> None:
        self._task = None
        self.handover_result = result
        self.progress_bar.setValue(self.progress_bar.maximum())
        text = (
            self.tr("Package written: %1 — %2 volume(s), %3 page(s), %4 files, %5 MB. Manifest SHA-256: %6")
            .replace("%1", result.location)
            .replace("%2", str(result.volumes))
            .replace("%3", str(result.pages))
            .replace("%4", str(result.files))
            .replace("%5", f"{result.bytes / 1e6:.1f}")
            .replace("%6", result.manifest_sha256[:16] + "…")
        )
        self.status_label.setText(text)
        if not result.location.startswith(("s3://", "s3a://", "file://")):
            self.reveal_button.show()
        self.cancel_button.setText(self.tr("Close"))
        self._on_input_changed()
        self.handover_finished.emit(result)

    def _on_handover_failed(self, exc: BaseException) -> None:
        self._task = None
        self.progress_bar.setValue(0)
        if isinstance(exc, HandoverCancelled):
            self.status_label.setText(self.tr("Hand-over cancelled; no partial package was left."))
        else:
            self.status_label.setText(failure_text(exc))
        self._on_input_changed()
        self.handover_failed.emit(failure_text(exc))

    def _on_cancel_button_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status_label.setText(self.tr("Cancelling…"))
            return
        self.reject()

    def _on_reveal_button_clicked(self) -> None:
        if self.handover_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.handover_result.location))

    # --- shutdown ----------------------------------------------------------------------
    def done(self, r: int) -> None:
        """Closing while busy cancels the work and waits for the thread (no dangling workers)."""
        if self._task is not None:
            self._task.cancel()
        self._runner.wait_all(30000)
        super().done(r)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._task is not None:
            self._task.cancel()
        self._runner.wait_all(30000)
        super().closeEvent(event)
