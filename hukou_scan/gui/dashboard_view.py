"""Statistics screen (统计): stage counts per station/batch/day/clerk as a bar chart and
tables, QA pass rate, clerk throughput, and data-quality warnings with the red/yellow/blue
station colouring; exportable as CSV (service) and PNG (a grab of the chart).

Charts are drawn with :class:`QPainter` (:class:`BarChartView`): PySide6-Essentials has
no QtCharts, and pulling in PySide6-Addons (hundreds of MB) or matplotlib for grouped
bars was not worth the installer size.
"""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.errors import HukouScanError
from hukou_scan.gui.tasks import ProgressFn, TaskRunner
from hukou_scan.services.dashboard import WARNING_LABELS, DashboardReport, DashboardService, StatRow, totals

log = logging.getLogger(__name__)

STAGES = ("captured", "processed", "recognized", "linked", "reviewed", "synced")
STAGE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2")
WARNING_COLOURS = {"red": "#d62728", "yellow": "#f2c037", "blue": "#1f77b4"}


class BarChartView(QWidget):
    """Grouped vertical bars: one group per category, one bar per series."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.categories: list[str] = []
        self.series: list[tuple[str, str, list[float]]] = []  # (name, colour, values)
        self.title = ""
        self.setMinimumHeight(260)

    def sizeHint(self) -> QSize:
        return QSize(720, 320)

    def set_data(self, title: str, categories: list[str], series: list[tuple[str, str, list[float]]]) -> None:
        self.title, self.categories, self.series = title, categories, series
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        w, h = self.width(), self.height()
        left, right, top, bottom = 48.0, 12.0, 28.0, 52.0
        p.setPen(QColor("#222"))
        f = QFont(p.font())
        f.setBold(True)
        p.setFont(f)
        p.drawText(QRectF(0, 4, w, 20), Qt.AlignmentFlag.AlignHCenter, self.title)
        f.setBold(False)
        p.setFont(f)
        plot = QRectF(left, top, max(10.0, w - left - right), max(10.0, h - top - bottom))
        vmax = max((v for _n, _c, vals in self.series for v in vals), default=0.0)
        # page counts: round the scale up to a multiple of 4 so the five grid labels are
        # distinct whole numbers (a scale of 1 used to read 0, 0, 0, 1, 1)
        vmax = float(max(4, math.ceil(vmax / 4) * 4))
        p.setPen(QColor("#ccc"))
        for i in range(5):
            y = plot.bottom() - plot.height() * i / 4
            p.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
            p.setPen(QColor("#555"))
            p.drawText(QRectF(0, y - 8, left - 4, 16), Qt.AlignmentFlag.AlignRight, f"{vmax * i / 4:.0f}")
            p.setPen(QColor("#ccc"))
        n_cat, n_ser = len(self.categories), max(1, len(self.series))
        if n_cat:
            group_w = plot.width() / n_cat
            bar_w = max(1.0, group_w * 0.8 / n_ser)
            for ci, cat in enumerate(self.categories):
                x0 = plot.left() + ci * group_w + group_w * 0.1
                for si, (_name, colour, vals) in enumerate(self.series):
                    v = vals[ci] if ci < len(vals) else 0.0
                    bh = plot.height() * v / vmax
                    p.fillRect(QRectF(x0 + si * bar_w, plot.bottom() - bh, bar_w - 1, bh), QColor(colour))
                p.setPen(QColor("#333"))
                label = cat if len(cat) <= 14 else cat[:13] + "…"
                p.drawText(
                    QRectF(plot.left() + ci * group_w, plot.bottom() + 2, group_w, 18),
                    Qt.AlignmentFlag.AlignHCenter,
                    label,
                )
        # legend
        x = left
        for name, colour, _vals in self.series:
            p.fillRect(QRectF(x, h - 22, 10, 10), QColor(colour))
            p.setPen(QColor("#333"))
            p.drawText(QRectF(x + 14, h - 26, 110, 18), Qt.AlignmentFlag.AlignLeft, name)
            x += 14 + p.fontMetrics().horizontalAdvance(name) + 16
        p.end()


class DashboardView(QWidget):
    """The statistics screen; construct with the dashboard service and a task runner."""

    report_loaded = Signal(object)
    failed = Signal(str)

    def __init__(
        self, dashboard: DashboardService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.dashboard = dashboard
        self.runner = runner
        self.report: DashboardReport | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.group_combo = QComboBox(self)
        self.group_combo.setObjectName("groupCombo")
        for key, label in (
            ("station", self.tr("By station")),
            ("batch", self.tr("By batch")),
            ("day", self.tr("By day")),
            ("clerk", self.tr("By clerk")),
        ):
            self.group_combo.addItem(label, key)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setObjectName("refreshButton")
        self.csv_button = QPushButton(self.tr("Export CSV…"), self)
        self.csv_button.setObjectName("csvButton")
        self.png_button = QPushButton(self.tr("Export PNG…"), self)
        self.png_button.setObjectName("pngButton")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        for wdg in (self.group_combo, self.refresh_button, self.csv_button, self.png_button):
            bar.addWidget(wdg)
        bar.addWidget(self.status_label, 1)
        layout.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.chart = BarChartView(self)
        self.chart.setObjectName("chart")
        split.addWidget(self.chart)
        self.tabs = QTabWidget(self)
        self.stats_table = self._table()
        self.throughput_table = self._table()
        self.warnings_table = self._table()
        self.tabs.addTab(self.stats_table, self.tr("Progress"))
        self.tabs.addTab(self.throughput_table, self.tr("Throughput per clerk"))
        self.tabs.addTab(self.warnings_table, self.tr("Data-quality warnings"))
        split.addWidget(self.tabs)
        layout.addWidget(split)
        self.group_combo.currentIndexChanged.connect(self._on_group_combo_current_index_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.csv_button.clicked.connect(self._on_csv_button_clicked)
        self.png_button.clicked.connect(self._on_png_button_clicked)

    def _table(self) -> QTableWidget:
        t = QTableWidget(0, 0, self)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    def refresh(self) -> None:
        group = str(self.group_combo.currentData())
        self.refresh_button.setEnabled(False)

        def work(progress: ProgressFn, cancel: threading.Event) -> DashboardReport:
            return self.dashboard.report(group, progress=progress, cancel=cancel)

        self.runner.run(work, self._on_task_loaded, self._on_task_failed)

    def showEvent(self, event: QShowEvent) -> None:
        """Load the figures the first time the screen is opened (an empty chart looked broken)."""
        super().showEvent(event)
        if self.report is None and self.refresh_button.isEnabled():
            self.refresh()

    def _on_group_combo_current_index_changed(self, _i: int) -> None:
        self.refresh()

    def _on_task_failed(self, e: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        msg = e.user_message() if isinstance(e, HukouScanError) else str(e)
        self.status_label.setText(msg)
        self.failed.emit(msg)

    def _stage_names(self) -> list[str]:
        return [
            self.tr("Captured"),
            self.tr("Processed"),
            self.tr("Recognised"),
            self.tr("Linked"),
            self.tr("Reviewed"),
            self.tr("Synced"),
        ]

    def _on_task_loaded(self, report: DashboardReport) -> None:
        self.refresh_button.setEnabled(True)
        self.report = report
        names = self._stage_names()
        rows = report.rows[:40]
        self.chart.set_data(
            self.group_combo.currentText(),
            [r.label for r in rows],
            [
                (names[i], STAGE_COLOURS[i], [float(getattr(r, s)) for r in rows])
                for i, s in enumerate(STAGES)
            ],
        )
        self._fill_stats(report.rows)
        self._fill_throughput(report)
        self._fill_warnings(report)
        self.status_label.setText(
            self.tr("%1 pages").replace("%1", str(totals(report.rows).captured))
            + ("" if report.warnings_source != "pages" else " · " + self.tr("warnings: page checks only"))
        )
        self.report_loaded.emit(report)

    def _fill_stats(self, rows: list[StatRow]) -> None:
        t = self.stats_table
        headers = [
            self.tr("Group"),
            *self._stage_names(),
            self.tr("QA pages passed"),
            self.tr("Batches accepted"),
        ]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        all_rows = [*rows, totals(rows)]
        t.setRowCount(len(all_rows))
        for i, r in enumerate(all_rows):
            label = self.tr("Total") if r is all_rows[-1] else r.label  # the core's label is bilingual
            vals = [label, *(str(getattr(r, s)) for s in STAGES)]
            vals.append("" if r.qa_pass_rate is None else f"{r.qa_pass_rate * 100:.1f} %")
            vals.append("" if r.qa_accept_rate is None else f"{r.qa_passed}/{r.qa_samples}")
            for j, v in enumerate(vals):
                t.setItem(i, j, QTableWidgetItem(v))
        t.resizeColumnToContents(0)  # station names and 档号 were cut to 「S0001 示范…」

    def _fill_throughput(self, report: DashboardReport) -> None:
        t = self.throughput_table
        headers = [self.tr("Clerk"), self.tr("Day"), self.tr("Pages"), self.tr("Pages per hour")]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setRowCount(len(report.throughput))
        for i, tp in enumerate(report.throughput):
            clerk = tp.name or tp.operator or "-"
            for j, v in enumerate([clerk, tp.day, str(tp.pages), f"{tp.pages_per_hour:g}"]):
                t.setItem(i, j, QTableWidgetItem(v))
        t.resizeColumnsToContents()

    def _fill_warnings(self, report: DashboardReport) -> None:
        from hukou_scan.errors import current_language

        zh = current_language() != "en"
        t = self.warnings_table
        headers = [
            self.tr("Station"),
            self.tr("Warning"),
            self.tr("Count"),
            self.tr("Records"),
            self.tr("Rate"),
        ]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        rows = [(sw, kind, n) for sw in report.warnings for kind, n in sorted(sw.by_kind.items())]
        t.setRowCount(len(rows))
        for i, (sw, kind, n) in enumerate(rows):
            label = WARNING_LABELS.get(kind, (kind, kind))[0 if zh else 1]
            vals = [sw.station_code, label, str(n), str(sw.denominator), f"{sw.rate * 100:.1f} %"]
            for j, v in enumerate(vals):
                item = QTableWidgetItem(v)
                if j in (0, 4):
                    item.setBackground(QColor(WARNING_COLOURS[sw.colour]))
                    item.setForeground(QColor("white" if sw.colour != "yellow" else "black"))
                    item.setData(Qt.ItemDataRole.UserRole, sw.colour)
                t.setItem(i, j, item)

    # -- export -----------------------------------------------------------------------
    def export_csv(self, path: Path) -> Path:
        if self.report is None:
            raise HukouScanError("请先刷新统计。", "Refresh the statistics first.")
        return self.dashboard.export_csv(self.report, path)

    def export_png(self, path: Path) -> Path:
        """Save the chart as PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.chart.grab().save(str(path), "PNG"):
            raise HukouScanError("无法保存图片。", f"Could not save the image to {path}.")
        return path

    def _on_csv_button_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export CSV"), "statistics.csv", "CSV (*.csv)")
        if name:
            try:
                self.export_csv(Path(name))
            except HukouScanError as e:
                self.status_label.setText(e.user_message())

    def _on_png_button_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export PNG"), "statistics.png", "PNG (*.png)")
        if name:
            try:
                self.export_png(Path(name))
            except HukouScanError as e:
                self.status_label.setText(e.user_message())
