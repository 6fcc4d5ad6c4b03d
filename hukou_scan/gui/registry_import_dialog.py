"""Registry import dialog: pick a file, check encoding and column mapping, preview, import.

Thin over :class:`~hukou_scan.services.registry.RegistryService`: the preview and the
import run through :class:`~hukou_scan.gui.tasks.TaskRunner` with a progress bar and a
cancel button; rejected rows are counted and can be saved as a CSV report.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.errors import HukouScanError, current_language
from hukou_scan.gui.tasks import Task, TaskRunner
from hukou_scan.registry.importer import FIELDS, INDEXING, ImportReport, Preview
from hukou_scan.services.registry import RegistryService

ENCODINGS = ["", "gb18030", "utf-8", "utf-8-sig", "gbk", "big5", "utf-16"]


class RegistryImportDialog(QDialog):
    """Import a CSV/XLSX export of the population information system.

    Signals:
        import_finished(object): the :class:`ImportReport` of a finished or cancelled import.
    """

    import_finished = Signal(object)
    preview_loaded = Signal(object)

    def __init__(
        self, registry: RegistryService, parent: QWidget | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self.runner = runner or TaskRunner(self)
        self._task: Task | None = None
        self._preview: Preview | None = None
        self._report: ImportReport | None = None
        self.setWindowTitle(self.tr("Import registry"))
        self.resize(900, 640)

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("CSV or Excel file exported from the population system"))
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.encoding_combo = QComboBox()
        for enc in ENCODINGS:
            self.encoding_combo.addItem(enc or self.tr("Detect automatically"), enc)
        self.encoding_label = QLabel("")
        top = QFormLayout()
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        top.addRow(self.tr("File:"), file_row)
        enc_row = QHBoxLayout()
        enc_row.addWidget(self.encoding_combo)
        enc_row.addWidget(self.encoding_label, 1)
        top.addRow(self.tr("Encoding:"), enc_row)

        self.mapping_table = QTableWidget(len(FIELDS), 2)
        self.mapping_table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Column in file")])
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mapping_table.verticalHeader().setVisible(False)
        labels = self._field_labels()
        self._mapping_combos: dict[str, QComboBox] = {}
        for row, fld in enumerate(FIELDS):
            item = QTableWidgetItem(labels[fld])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.mapping_table.setItem(row, 0, item)
            combo = QComboBox()
            combo.addItem(self.tr("(not imported)"), -1)
            self.mapping_table.setCellWidget(row, 1, combo)
            self._mapping_combos[fld] = combo

        self.preview_table = QTableWidget(0, 0)
        self.preview_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        # What a file without ID-number / household columns cannot give, before importing it.
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #9a5b00; font-weight: bold;")
        self.warning_label.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.refresh_button = QPushButton(self.tr("Refresh preview"))
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton(self.tr("Cancel import"))
        self.cancel_button.setEnabled(False)
        self.save_bad_button = QPushButton(self.tr("Save rejected rows…"))
        self.save_bad_button.setEnabled(False)
        self.close_button = QPushButton(self.tr("Close"))

        middle = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Column mapping (recognised automatically, change if needed)")))
        left.addWidget(self.mapping_table)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("Preview of the first rows (rows with problems in red)")))
        right.addWidget(self.preview_table)
        middle.addLayout(left, 2)
        middle.addLayout(right, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_bad_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.warning_label)
        layout.addLayout(middle, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.path_edit.editingFinished.connect(self._on_path_edit_editing_finished)
        self.encoding_combo.currentIndexChanged.connect(self._on_encoding_combo_current_index_changed)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.save_bad_button.clicked.connect(self._on_save_bad_button_clicked)
        self.close_button.clicked.connect(self.reject)

    def _field_labels(self) -> dict[str, str]:
        return {
            "name": self.tr("Name (姓名)"),
            "former_name": self.tr("Former name"),
            "id_number": self.tr("ID number"),
            "sex": self.tr("Sex"),
            "ethnicity": self.tr("Ethnicity"),
            "birth_date": self.tr("Birth date"),
            "household_no": self.tr("Household number"),
            "head_name": self.tr("Head of household"),
            "relation": self.tr("Relation to head"),
            "address": self.tr("Address"),
            "station": self.tr("Police station"),
            "status": self.tr("Status"),
            "registered_on": self.tr("Registration date"),
            "status_date": self.tr("Status change date"),
            "record_id": self.tr("Record number"),
        }

    # -- public API (also used by tests) ----------------------------------------------------
    def set_file(self, path: Path | str) -> None:
        """Select a file and load its preview."""
        self.path_edit.setText(str(path))
        self.load_preview()

    def mapping(self) -> dict[str, Any]:
        """The mapping as chosen in the table: field → column index ("" = not imported)."""
        out: dict[str, Any] = {}
        for fld, combo in self._mapping_combos.items():
            idx = combo.currentData()
            out[fld] = int(idx) if idx is not None and int(idx) >= 0 else ""
        return out

    def set_mapping(self, field: str, column: int) -> None:
        combo = self._mapping_combos[field]
        pos = combo.findData(column)
        combo.setCurrentIndex(pos if pos >= 0 else 0)

    @property
    def report(self) -> ImportReport | None:
        return self._report

    def load_preview(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            return
        encoding = self.encoding_combo.currentData() or None
        override = self.mapping() if self._preview is not None and self._preview.path == Path(path) else None
        self.status_label.setText(self.tr("Reading the file…"))
        self.import_button.setEnabled(False)
        self.runner.run_simple(
            lambda: self.registry.preview(Path(path), encoding, override),
            on_done=self._on_preview_done,
            on_error=self._on_task_failed,
        )

    def start_import(self) -> Task:
        path = Path(self.path_edit.text().strip())
        encoding = self.encoding_combo.currentData() or None
        mapping = self.mapping()
        self.progress.setValue(0)
        self._set_busy(True)
        self.status_label.setText(self.tr("Importing…"))

        def work(progress: Any, cancel: threading.Event) -> ImportReport:
            return self.registry.import_file(
                path, mapping=mapping, encoding=encoding, progress=progress, cancel=cancel
            )

        self._task = self.runner.run(
            work,
            on_done=self._on_import_done,
            on_error=self._on_task_failed,
            on_progress=self._on_task_progressed,
        )
        return self._task

    def cancel_import(self) -> None:
        if self._task is not None:
            self._task.cancel()

    # -- slots ------------------------------------------------------------------------------
    def _on_browse_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a registry export"), "", self.tr("Registry exports (*.csv *.txt *.xlsx)")
        )
        if path:
            self._preview = None
            self.set_file(path)

    def _on_path_edit_editing_finished(self) -> None:
        self._preview = None
        self.load_preview()

    def _on_encoding_combo_current_index_changed(self, _index: int) -> None:
        self.load_preview()

    def _on_refresh_button_clicked(self) -> None:
        self.load_preview()

    def _on_import_button_clicked(self) -> None:
        self.start_import()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_import()

    def _on_save_bad_button_clicked(self) -> None:
        if self._report is None:
            return
        out, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save rejected rows"), "rejected_rows.csv", "CSV (*.csv)"
        )
        if out:
            n = self.registry.export_bad_rows(self._report.run.id, Path(out))
            self.status_label.setText(self.tr("%n rejected row(s) saved.", "", n))

    def _on_preview_done(self, pv: Preview) -> None:
        self._preview = pv
        self.encoding_label.setText(
            self.tr("Excel workbook")
            if pv.format == "xlsx"
            else self.tr("Detected: %1").replace("%1", pv.encoding)
        )
        for fld, combo in self._mapping_combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("(not imported)"), -1)
            for i, h in enumerate(pv.headers):
                combo.addItem(f"{i + 1}: {h}", i)
            self.set_mapping(fld, pv.mapping.get(fld, -1))
            combo.blockSignals(False)
        self.preview_table.clear()
        self.preview_table.setColumnCount(len(pv.headers))
        self.preview_table.setHorizontalHeaderLabels(pv.headers)
        self.preview_table.setRowCount(len(pv.rows))
        red = QBrush(QColor("#f8d0d0"))
        for r, row in enumerate(pv.rows):
            for c, value in enumerate(row[: len(pv.headers)]):
                item = QTableWidgetItem(value)
                if r in pv.problems:
                    item.setBackground(red)
                    item.setToolTip(pv.problems[r])
                self.preview_table.setItem(r, c, item)
        en = current_language() == "en"
        warnings = [en_text if en else zh_text for zh_text, en_text in pv.warnings]
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))
        ok = "name" in pv.mapping
        self.import_button.setEnabled(ok)
        if ok:
            self.status_label.setText(
                self.tr("%1 of the first %2 rows have problems; they will be skipped and reported.")
                .replace("%1", str(len(pv.problems)))
                .replace("%2", str(len(pv.rows)))
            )
        else:
            self.status_label.setText(self.tr("No name column recognised: choose it in the mapping."))
        self.preview_loaded.emit(pv)

    def _on_task_progressed(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setValue(int(1000 * min(done, total) / total))
        if message == INDEXING:
            self.status_label.setText(self.tr("All rows read; building the lookup indexes…"))

    def _on_import_done(self, report: ImportReport) -> None:
        self._task = None
        self._report = report
        self._set_busy(False)
        d = report.to_dict()
        text = (
            self.tr("Imported %1 rows: %2 added, %3 updated, %4 rejected.")
            .replace("%1", str(d["rows"]))
            .replace("%2", str(d["added"]))
            .replace("%3", str(d["updated"]))
            .replace("%4", str(d["bad"]))
        )
        if report.cancelled:
            text = self.tr("Import cancelled; importing the same file again resumes it.") + " " + text
        else:
            self.progress.setValue(1000)
        self.status_label.setText(text)
        self.save_bad_button.setEnabled(d["bad"] > 0)
        self.import_finished.emit(report)

    def _on_task_failed(self, error: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        msg = error.user_message() if isinstance(error, HukouScanError) else str(error)
        self.status_label.setText(msg)
        if self.isVisible():
            QMessageBox.warning(self, self.tr("Import registry"), msg)

    def _set_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy and self._preview is not None)
        self.cancel_button.setEnabled(busy)
        self.refresh_button.setEnabled(not busy)
        self.browse_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)

    def done(self, result: int) -> None:
        """Closing waits for a running import to stop (it is cancelled and resumable)."""
        if self._task is not None:
            self._task.cancel()
        self.runner.wait_all()
        super().done(result)
