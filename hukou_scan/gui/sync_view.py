"""Sync status panel: target, queue counts, upload requests, last error, per-page states;
sync now / verify.  An upload request that failed (network down) shows here with its next
try, whichever process runs it (this station's background sync or ``worker --sync``).

Thin over :class:`~hukou_scan.services.sync.SyncService`: every call that touches the
network or the database runs through :class:`~hukou_scan.gui.tasks.TaskRunner`, and
results come back on the main thread.  The lead composes this view into the main window.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.errors import HukouScanError
from hukou_scan.gui.tasks import ProgressFn, TaskRunner

log = logging.getLogger(__name__)


class SyncServiceLike(Protocol):
    """What the view needs of :class:`~hukou_scan.services.sync.SyncService` (fakes in tests)."""

    def status(self, page_limit: int = 200) -> Any: ...

    def sync_now(self, progress: Any = None, cancel: threading.Event | None = None) -> Any: ...

    def verify(
        self,
        deep: bool = False,
        repair: bool = True,
        progress: Any = None,
        cancel: threading.Event | None = None,
    ) -> Any: ...


class SyncView(QWidget):
    """The sync status panel.

    Args:
        service: the sync service (or a fake with the same methods).
        runner: background task runner shared with the main window.
        refresh_ms: how often the counts refresh while the panel is visible (0 = never).
    """

    sync_finished = Signal(object)
    verify_finished = Signal(object)
    status_refreshed = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        service: SyncServiceLike,
        runner: TaskRunner,
        parent: QWidget | None = None,
        refresh_ms: int = 5000,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._task: Any = None
        self._refreshing = False
        self._task_error = ""

        self.target_label = QLabel()
        self.target_label.setTextInteractionFlags(self.target_label.textInteractionFlags())
        self.pages_label = QLabel()
        self.objects_label = QLabel()
        self.state_label = QLabel()
        self.requests_label = QLabel()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        form.addRow(self.tr("Target:"), self.target_label)
        form.addRow(self.tr("Pages:"), self.pages_label)
        form.addRow(self.tr("Objects:"), self.objects_label)
        form.addRow(self.tr("State:"), self.state_label)
        form.addRow(self.tr("Upload requests:"), self.requests_label)
        form.addRow(self.tr("Last error:"), self.error_label)

        self.sync_button = QPushButton(self.tr("Sync now"))
        self.verify_button = QPushButton(self.tr("Verify cloud copy"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Archive no."), self.tr("Page"), self.tr("Sync state")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.table, 1)

        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        if refresh_ms > 0:
            self._timer.start(refresh_ms)

    # -- state names shown to the user -----------------------------------------------------
    def _state_text(self, state: str) -> str:
        return {
            "local": self.tr("Local only"),
            "uploaded": self.tr("Uploaded"),
            "verified": self.tr("Verified"),
        }.get(state, state)

    # -- actions ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the status off the UI thread."""
        if self._refreshing:
            return
        self._refreshing = True
        self._runner.run_simple(self._service.status, self._on_status_loaded, self._on_status_failed)

    def _busy(self, busy: bool) -> None:
        self.sync_button.setEnabled(not busy)
        self.verify_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def _start(self, fn: Any, on_done: Any) -> None:
        self._busy(True)
        self._task = self._runner.run(fn, on_done, self._on_task_failed, self._on_task_progressed)

    def _on_sync_button_clicked(self) -> None:
        def work(progress: ProgressFn, cancel: threading.Event) -> Any:
            return self._service.sync_now(progress=progress, cancel=cancel)

        self._start(work, self._on_sync_done)

    def _on_verify_button_clicked(self) -> None:
        def work(progress: ProgressFn, cancel: threading.Event) -> Any:
            return self._service.verify(progress=progress, cancel=cancel)

        self._start(work, self._on_verify_done)

    def _on_cancel_button_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()

    # -- results (main thread) --------------------------------------------------------------
    def _on_task_progressed(self, done: int, total: int, _message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_sync_done(self, report: Any) -> None:
        self._task_error = ""
        self._busy(False)
        self._task = None
        self.sync_finished.emit(report)
        self.refresh()

    def _on_verify_done(self, result: Any) -> None:
        self._busy(False)
        self._task = None
        self.verify_finished.emit(result)
        self.refresh()

    def _on_task_failed(self, error: BaseException) -> None:
        self._busy(False)
        self._task = None
        text = error.user_message() if isinstance(error, HukouScanError) else str(error)
        self._task_error = text
        self.error_label.setText(text)
        self.failed.emit(text)
        self.refresh()

    def _on_status_failed(self, error: BaseException) -> None:
        self._refreshing = False
        text = error.user_message() if isinstance(error, HukouScanError) else str(error)
        self.error_label.setText(text)
        self.failed.emit(text)

    def _on_status_loaded(self, status: Any) -> None:
        self._refreshing = False
        self.target_label.setText(status.target or self.tr("(not configured)"))
        pages = status.pages
        self.pages_label.setText(
            self.tr("{verified} verified, {uploaded} uploaded, {local} local").format(
                verified=pages.get("verified", 0),
                uploaded=pages.get("uploaded", 0),
                local=pages.get("local", 0),
            )
        )
        objects = status.objects
        self.objects_label.setText(
            self.tr("{verified} verified, {pending} pending, {failed} failed").format(
                verified=objects.get("verified", 0),
                pending=objects.get("local", 0) + objects.get("uploaded", 0),
                failed=objects.get("failed", 0),
            )
        )
        waiting = int(getattr(status, "requests_waiting", 0))
        failed = int(getattr(status, "requests_failed", 0))
        retry_at = getattr(status, "next_retry_at", None)
        request_error = str(getattr(status, "request_error", "") or "")
        self.requests_label.setText(
            self.tr("{waiting} waiting, {failed} failed").format(waiting=waiting, failed=failed)
        )
        if status.running:
            state = self.tr("Syncing…")
        elif status.offline:
            state = self.tr("Offline – will retry automatically")
        elif waiting and request_error and retry_at:
            when = time.strftime("%H:%M:%S", time.localtime(float(retry_at)))
            state = self.tr("Upload failed – next try at {time}").format(time=when)
        elif failed and not waiting:
            state = self.tr("Upload failed after repeated tries – use Sync now")
        elif waiting:
            state = self.tr("Upload waiting")
        else:
            state = self.tr("Idle")
        self.state_label.setText(state)
        self.error_label.setText(self._task_error or status.last_error or "")
        rows = status.page_states
        self.table.setRowCount(len(rows))
        for i, (_page_id, archive_id, page_no, state_name) in enumerate(rows):  # page_no: position in batch
            self.table.setItem(i, 0, QTableWidgetItem(archive_id))
            self.table.setItem(i, 1, QTableWidgetItem(str(page_no)))
            self.table.setItem(i, 2, QTableWidgetItem(self._state_text(state_name)))
        self.status_refreshed.emit(status)

    def shutdown(self) -> None:
        """Stop the refresh timer and cancel work (call before the window closes)."""
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()
