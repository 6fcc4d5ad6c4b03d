"""WarningsView: data-quality findings per rule, per-station shares in colour, CSV export.

Thin over :class:`~hukou_scan.services.registry.RegistryService`.  The scan runs
through the task runner with progress and cancel; a cancelled scan keeps the previous
findings.  Station shares are coloured red above 5 %, yellow from 3 % to 5 %, blue
below 3 %.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.errors import HukouScanError, current_language
from hukou_scan.gui.tasks import Task, TaskRunner
from hukou_scan.registry.warnings import RULES
from hukou_scan.services.registry import RegistryService

COLOURS = {"red": QColor("#e57373"), "yellow": QColor("#fff176"), "blue": QColor("#90caf9")}
LIST_LIMIT = 2000


class WarningsView(QWidget):
    """Counts per rule, the findings of the selected rule, per-station shares.

    Signals:
        scan_finished(object): rule → count after a scan (also after a cancelled one).
    """

    scan_finished = Signal(object)

    def __init__(
        self, registry: RegistryService, parent: QWidget | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self.runner = runner or TaskRunner(self)
        self._task: Task | None = None
        self._rules = list(RULES)

        self.scan_button = QPushButton(self.tr("Run checks"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status_label = QLabel("")

        self.rules_table = QTableWidget(len(self._rules), 2)
        self.rules_table.setHorizontalHeaderLabels([self.tr("Rule"), self.tr("Count")])
        self.findings_table = QTableWidget(0, 4)
        self.findings_table.setHorizontalHeaderLabels(
            [self.tr("Station"), self.tr("Household"), self.tr("Name"), self.tr("Finding")]
        )
        self.stations_table = QTableWidget(0, 4)
        self.stations_table.setHorizontalHeaderLabels(
            [self.tr("Station"), self.tr("Persons"), self.tr("With warnings"), self.tr("Share")]
        )
        for t in (self.rules_table, self.findings_table, self.stations_table):
            t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            t.verticalHeader().setVisible(False)
            t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            t.horizontalHeader().setStretchLastSection(True)

        top = QHBoxLayout()
        top.addWidget(self.scan_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.progress, 1)
        top.addWidget(self.export_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel(self.tr("Rules")))
        left_layout.addWidget(self.rules_table, 2)
        left_layout.addWidget(QLabel(self.tr("Share of persons with warnings per station")))
        left_layout.addWidget(self.stations_table, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(QLabel(self.tr("Findings of the selected rule")))
        right_layout.addWidget(self.findings_table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_label)

        self.scan_button.clicked.connect(self._on_scan_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.rules_table.currentCellChanged.connect(self._on_rules_table_current_cell_changed)
        self.refresh()

    # -- public API ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the stored results of the last scan."""
        counts = self.registry.warning_counts()
        zh = current_language() != "en"
        for r, rule in enumerate(self._rules):
            title = RULES[rule][0] if zh else RULES[rule][1]
            self.rules_table.setItem(r, 0, QTableWidgetItem(title))
            n = QTableWidgetItem(str(counts.get(rule, 0)))
            n.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.rules_table.setItem(r, 1, n)
        shares = self.registry.station_shares()
        self.stations_table.setRowCount(len(shares))
        for r, s in enumerate(shares):
            values = [s.station or "-", str(s.persons), str(s.warned), f"{100 * s.share:.1f} %"]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setBackground(QBrush(COLOURS[s.colour]))
                item.setData(Qt.ItemDataRole.UserRole, s.colour)
                self.stations_table.setItem(r, c, item)
        self.show_rule(self.current_rule())

    def current_rule(self) -> str | None:
        row = self.rules_table.currentRow()
        return self._rules[row] if 0 <= row < len(self._rules) else None

    def select_rule(self, rule: str) -> None:
        self.rules_table.setCurrentCell(self._rules.index(rule), 0)

    def show_rule(self, rule: str | None) -> None:
        rows = self.registry.warnings(rule, limit=LIST_LIMIT) if rule else []
        zh = current_language() != "en"
        self.findings_table.setRowCount(len(rows))
        for r, w in enumerate(rows):
            values = [
                w.station,
                w.household_no,
                str(w.detail.get("name", "")),
                w.message_zh if zh else w.message_en,
            ]
            for c, v in enumerate(values):
                self.findings_table.setItem(r, c, QTableWidgetItem(v))

    def start_scan(self) -> Task:
        self.scan_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.status_label.setText(self.tr("Checking…"))

        def work(progress: Any, cancel: threading.Event) -> dict[str, int]:
            return self.registry.scan_warnings(progress=progress, cancel=cancel)

        self._task = self.runner.run(
            work,
            on_done=self._on_scan_done,
            on_error=self._on_scan_failed,
            on_progress=self._on_scan_progressed,
        )
        return self._task

    def cancel_scan(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def export_csv(self, out: Path) -> int:
        n = self.registry.export_warnings_csv(out, self.current_rule())
        self.status_label.setText(self.tr("%n finding(s) exported.", "", n))
        return n

    # -- slots --------------------------------------------------------------------------------
    def _on_scan_button_clicked(self) -> None:
        self.start_scan()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_scan()

    def _on_export_button_clicked(self) -> None:
        out, _ = QFileDialog.getSaveFileName(self, self.tr("Export findings"), "warnings.csv", "CSV (*.csv)")
        if out:
            try:
                self.export_csv(Path(out))
            except HukouScanError as e:
                QMessageBox.warning(self, self.tr("Export findings"), e.user_message())

    def _on_rules_table_current_cell_changed(
        self, row: int, _col: int, _prev_row: int, _prev_col: int
    ) -> None:
        self.show_rule(self._rules[row] if 0 <= row < len(self._rules) else None)

    def _on_scan_progressed(self, done: int, total: int, _message: str) -> None:
        if total > 0:
            self.progress.setValue(int(1000 * min(done, total) / total))

    def _on_scan_done(self, counts: dict[str, int]) -> None:
        self._task = None
        self.scan_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setValue(1000)
        self.status_label.setText(self.tr("%n finding(s).", "", sum(counts.values())))
        self.refresh()
        self.scan_finished.emit(counts)

    def _on_scan_failed(self, error: BaseException) -> None:
        self._task = None
        self.scan_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        msg = error.user_message() if isinstance(error, HukouScanError) else str(error)
        self.status_label.setText(msg)

    def closeEvent(self, event: object) -> None:
        self.runner.wait_all()
        super().closeEvent(event)  # type: ignore[arg-type]
