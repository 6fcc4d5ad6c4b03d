"""OcrQueueView: recognition queue progress, failures with reasons, cancel, re-run with another engine.

Thin over :class:`~hukou_scan.services.ocr.OcrService`: counts and failures are read
through the task runner on a timer (the GUI thread never queries the database),
buttons call the service's verbs in the background and refresh afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain.models import Job
from hukou_scan.errors import HukouScanError, current_language
from hukou_scan.gui.tasks import TaskRunner

MODES = ("page", "cell", "plain")


class OcrQueue(Protocol):
    """What the view needs from :class:`OcrService` (fakes implement this in tests)."""

    @property
    def running(self) -> bool: ...
    def counts(self) -> dict[str, int]: ...
    def failures(self, limit: int = 200) -> list[Job]: ...

    def page_labels(self, page_ids: Sequence[str]) -> dict[str, tuple[str, int]]: ...
    def cancel_queued(self) -> int: ...
    def rerun_failed(self, engine: str | None = None, mode: str | None = None) -> int: ...
    def engines(self) -> list[str]: ...
    def start(self) -> None: ...
    def stop(self, timeout: float = 10.0) -> None: ...


class OcrQueueView(QWidget):
    """Queue progress and controls.

    Signals:
        refreshed(object): the counts dict after each refresh.
        cancelled(int): number of queued jobs cancelled.
        rerun_started(int): number of pages re-queued.
    """

    refreshed = Signal(object)
    cancelled = Signal(int)
    rerun_started = Signal(int)

    def __init__(
        self,
        service: OcrQueue,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
        interval_ms: int = 2000,
        default_engine: str = "",
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner or TaskRunner(self)
        self._busy = False
        # what the failures table holds now
        self._failures_shown: tuple[list[Job], dict[str, tuple[str, int]]] | None = None

        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v of %m pages recognised"))
        self.queued_label = QLabel("0")
        self.running_label = QLabel("0")
        self.done_label = QLabel("0")
        self.failed_label = QLabel("0")
        counts = QFormLayout()
        counts.addRow(self.tr("Waiting:"), self.queued_label)
        counts.addRow(self.tr("Recognising:"), self.running_label)
        counts.addRow(self.tr("Done:"), self.done_label)
        counts.addRow(self.tr("Failed:"), self.failed_label)

        self.engine_combo = QComboBox()
        engines = list(service.engines())
        self.engine_combo.addItems(engines)
        if default_engine in engines:
            self.engine_combo.setCurrentText(default_engine)
        self.mode_combo = QComboBox()
        for mode, label in zip(
            MODES, (self.tr("Form cells"), self.tr("Form cells, re-read"), self.tr("Whole page")), strict=True
        ):
            self.mode_combo.addItem(label, mode)
        self.pause_button = QPushButton()
        self.cancel_button = QPushButton(self.tr("Cancel waiting pages"))
        self.rerun_button = QPushButton(self.tr("Re-run failed and cancelled"))

        self.failures_table = QTableWidget(0, 2)
        self.failures_table.setHorizontalHeaderLabels([self.tr("Page"), self.tr("Reason")])
        self.failures_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.failures_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        rerun_row = QHBoxLayout()
        rerun_row.addWidget(QLabel(self.tr("Engine:")))
        rerun_row.addWidget(self.engine_combo)
        rerun_row.addWidget(QLabel(self.tr("Mode:")))
        rerun_row.addWidget(self.mode_combo)
        rerun_row.addWidget(self.rerun_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addLayout(counts)
        layout.addLayout(buttons)
        layout.addLayout(rerun_row)
        layout.addWidget(QLabel(self.tr("Failed pages")))
        layout.addWidget(self.failures_table)

        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.rerun_button.clicked.connect(self._on_rerun_button_clicked)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._update_pause_text()
        self.refresh()

    # --- refresh -------------------------------------------------------------------

    def refresh(self) -> None:
        """Read counts and failures in the background (skipped while one is in flight)."""
        if self._busy:
            return
        self._busy = True
        service = self.service

        def read() -> tuple[dict[str, int], list[Job], dict[str, tuple[str, int]]]:
            failures = service.failures(200)
            labels = service.page_labels([j.page_id for j in failures if j.page_id])
            return service.counts(), failures, labels

        self.runner.run_simple(read, self._on_refresh_finished, self._on_task_failed)

    def _on_refresh_finished(self, result: Any) -> None:
        self._busy = False
        counts, failures, labels = result
        self._show_counts(counts)
        self._show_failures(failures, labels)
        self._update_pause_text()
        self.refreshed.emit(counts)

    def _show_counts(self, c: dict[str, int]) -> None:
        queued, running = c.get("queued", 0), c.get("running", 0)
        done, failed = c.get("done", 0), c.get("failed", 0)
        total = queued + running + done + failed
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done + failed)
        self.queued_label.setText(str(queued))
        self.running_label.setText(str(running))
        self.done_label.setText(str(done))
        self.failed_label.setText(str(failed))
        self.cancel_button.setEnabled(queued > 0)

    def _show_failures(self, jobs: Sequence[Job], labels: dict[str, tuple[str, int]]) -> None:
        if self._failures_shown == (list(jobs), labels):
            return  # unchanged (the usual case every 2 s): 200 rows rebuilt for nothing held the UI thread
        self._failures_shown = (list(jobs), labels)
        self.failures_table.setRowCount(len(jobs))
        lang = current_language()
        for row, job in enumerate(jobs):
            zh, _, en = job.error.partition(" / ")
            self.failures_table.setItem(row, 0, QTableWidgetItem(self._page_label(job.page_id, labels)))
            self.failures_table.setItem(row, 1, QTableWidgetItem(en if lang == "en" and en else zh))

    def _page_label(self, page_id: str | None, labels: dict[str, tuple[str, int]]) -> str:
        """档号 and page number, as the clerk names the page (the internal id only if unknown)."""
        if page_id is None:
            return ""
        if page_id not in labels:
            return page_id[:12]
        archive, number = labels[page_id]
        return self.tr("%1 page %2").replace("%1", archive).replace("%2", str(number)).strip()

    def _update_pause_text(self) -> None:
        self.pause_button.setText(
            self.tr("Pause recognition") if self.service.running else self.tr("Start recognition")
        )

    # --- actions -------------------------------------------------------------------

    def _on_pause_button_clicked(self) -> None:
        service = self.service
        if service.running:
            self.pause_button.setEnabled(False)
            self.runner.run_simple(service.stop, self._on_pause_finished, self._on_task_failed)
        else:
            service.start()
            self._update_pause_text()

    def _on_pause_finished(self, _result: Any) -> None:
        self.pause_button.setEnabled(True)
        self._update_pause_text()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.runner.run_simple(self.service.cancel_queued, self._on_cancel_finished, self._on_task_failed)

    def _on_cancel_finished(self, n: Any) -> None:
        self.cancelled.emit(int(n))
        self._busy = False
        self.refresh()

    def _on_rerun_button_clicked(self) -> None:
        engine = self.engine_combo.currentText() or None
        mode = str(self.mode_combo.currentData() or "") or None
        self.rerun_button.setEnabled(False)
        service = self.service
        self.runner.run_simple(
            lambda: service.rerun_failed(engine, mode), self._on_rerun_finished, self._on_task_failed
        )

    def _on_rerun_finished(self, n: Any) -> None:
        self.rerun_button.setEnabled(True)
        self.rerun_started.emit(int(n))
        self._busy = False
        self.refresh()

    def _on_task_failed(self, error: BaseException) -> None:
        self._busy = False
        self.rerun_button.setEnabled(True)
        self.pause_button.setEnabled(True)
        text = error.user_message() if isinstance(error, HukouScanError) else str(error)
        QMessageBox.warning(self, self.tr("Recognition queue"), text)

    def shutdown(self) -> None:
        """Stop polling and wait for background reads (call before the window closes)."""
        self.timer.stop()
        self.runner.wait_all()
