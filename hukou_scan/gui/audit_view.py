"""The audit log viewer for administrators: filters, chain verification, CSV export.

Queries and verification run through the task runner (a station's log grows by
thousands of events a day); the service refuses non-administrators, and the view
then shows that refusal instead of the table.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain import AuditEvent
from hukou_scan.errors import HukouScanError, PermissionDenied
from hukou_scan.gui.i18n import local_time
from hukou_scan.gui.tasks import ProgressFn, TaskRunner
from hukou_scan.security.audit import VerifyReport
from hukou_scan.services.security import AuditNames, SecurityService
from hukou_scan.storage.security import AuditFilter

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex


def _local_to_utc(local: datetime) -> datetime:
    """A naive local wall-clock time as the naive UTC the audit table stores."""
    return local.astimezone(UTC).replace(tzinfo=None)


class AuditTableModel(QAbstractTableModel):
    """Audit events, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[AuditEvent] = []
        self.headers = [
            self.tr("No."),
            self.tr("Time"),
            self.tr("User"),
            self.tr("Station"),
            self.tr("Action"),
            self.tr("Target"),
            self.tr("Outcome"),
            self.tr("Details"),
        ]
        # the stored outcome codes, shown in the user's language (filter and table alike)
        self.outcomes = {
            "ok": self.tr("ok"),
            "failed": self.tr("failed"),
            "denied": self.tr("denied"),
            "locked": self.tr("locked"),
        }
        # readable names of the recorded action codes (unknown codes are shown as they are)
        self.actions = {
            "login": self.tr("Log in"),
            "logout": self.tr("Log out"),
            "account_locked": self.tr("Account locked"),
            "screen_lock": self.tr("Screen locked"),
            "screen_unlock": self.tr("Screen unlocked"),
            "password_change": self.tr("Password changed"),
            "password_reset": self.tr("Password reset"),
            "user_create": self.tr("User created"),
            "user_update": self.tr("User changed"),
            "user_unlock": self.tr("User unlocked"),
            "permission_denied": self.tr("Permission denied"),
            "settings_change": self.tr("Settings changed"),
            "new_batch": self.tr("New batch"),
            "close_batch": self.tr("Close batch"),
            "capture": self.tr("Capture"),
            "import_file": self.tr("Import file"),
            "replace_page": self.tr("Re-capture page"),
            "rotate_page": self.tr("Rotate page"),
            "reorder_pages": self.tr("Reorder pages"),
            "delete_page": self.tr("Delete page"),
            "undo_delete": self.tr("Undo delete"),
            "page.reprocess": self.tr("Reprocess page"),
            "link": self.tr("Link"),
            "unlink": self.tr("Unlink"),
            "import_registry": self.tr("Import registry"),
            "search": self.tr("Search"),
            "reindex": self.tr("Rebuild search index"),
            "view_page": self.tr("View page"),
            "view_person": self.tr("View person"),
            "id_reveal": self.tr("Show full ID number"),
            "export": self.tr("Export"),
            "export_warnings": self.tr("Export warnings"),
            "warnings_scan": self.tr("Data-quality check"),
            "qa_sample": self.tr("Draw QA sample"),
            "qa_review": self.tr("QA verdict"),
            "qa_decision": self.tr("Batch decision"),
            "qa_recaptured": self.tr("QA re-capture"),
            "dashboard_view": self.tr("View statistics"),
            "sync": self.tr("Sync"),
            "restore": self.tr("Restore"),
            "audit_view": self.tr("View audit log"),
            "audit_verify": self.tr("Verify audit chain"),
        }
        # background workers that act as ``system:<worker>``
        self.workers = {
            "sync": self.tr("backup"),
            "ocr": self.tr("text recognition"),
            "processing": self.tr("image processing"),
            "page-store-check": self.tr("start-up check"),
        }
        # detail keys as words; keys not listed stay in the tooltip only
        self.keys = {
            "pages": self.tr("pages"),
            "rows": self.tr("rows"),
            "results": self.tr("results"),
            "query": self.tr("query"),
            "purpose": self.tr("purpose"),
            "reason": self.tr("reason"),
            "error": self.tr("error"),
            "failures": self.tr("failed attempts"),
            "batch": self.tr("batch"),
            "seq": self.tr("capture no."),
            "rotation": self.tr("rotation"),
            "new_page": self.tr("new page"),
            "person_id": self.tr("person"),
            "method": self.tr("method"),
            "score": self.tr("score"),
            "roles": self.tr("roles"),
            "archive_id": self.tr("archive no."),
            "category": self.tr("category"),
            "file": self.tr("file"),
            "expected": self.tr("expected pages"),
            "paper_returned": self.tr("paper returned"),
            "engine": self.tr("engine"),
            "jobs": self.tr("jobs"),
            "what": self.tr("content"),
            "changes": self.tr("changes"),
            "checked": self.tr("checked"),
            "problems": self.tr("problems"),
            "moved_aside": self.tr("files moved to quarantine"),
            "temp_files_removed": self.tr("temporary files removed"),
            "uploaded": self.tr("uploaded"),
            "failed": self.tr("failed"),
            "first_start": self.tr("first start"),
            "context": self.tr("where"),
            "verdict": self.tr("verdict"),
            "decision": self.tr("decision"),
            "source": self.tr("source"),
            "all_stations": self.tr("all stations"),
        }
        # what ``changes`` of a user or settings change name, as words (others stay as stored)
        self.change_keys = {
            "display_name": self.tr("display name"),
            "roles": self.tr("roles"),
            "station_id": self.tr("station"),
            "all_stations": self.tr("all stations"),
            "active": self.tr("account enabled"),
            "storage_url": self.tr("backup target"),
            "language": self.tr("language"),
            "station_code": self.tr("station code"),
            "station_name": self.tr("station name"),
            "ocr_engine": self.tr("text recognition engine"),
            "master_format": self.tr("master image format"),
            "camera": self.tr("camera"),
            "jpeg_quality": self.tr("JPEG quality"),
            "target_dpi": self.tr("target resolution (dpi)"),
            "ocr_workers": self.tr("text recognition processes"),
            "ocr_timeout_s": self.tr("text recognition time limit (s)"),
            "security.idle_lock_minutes": self.tr("screen lock after idle (minutes)"),
        }
        self.reasons = {
            "bad_password": self.tr("wrong password"),
            "unknown_user": self.tr("unknown user"),
            "bad_username": self.tr("invalid user name"),
            "too_long": self.tr("input too long"),
            "inactive": self.tr("account disabled"),
            "other_station": self.tr("another station's data"),
            "no_anchor": self.tr("no anchor on the backup"),
            "no_login": self.tr("not logged in"),
        }
        # codes that appear as detail values or targets
        self.codes = {
            "admin": self.tr("Administrator"),
            "clerk": self.tr("Clerk"),
            "reviewer": self.tr("Reviewer"),
            "searcher": self.tr("Searcher"),
            "qa": self.tr("spot check"),
            "station": self.tr("by station"),
            "batch": self.tr("by batch"),
            "day": self.tr("by day"),
            "clerk_group": self.tr("by clerk"),
            "statistics_csv": self.tr("statistics (CSV)"),
            "registry_bad_rows": self.tr("rejected registry rows"),
            "audit_csv": self.tr("audit log (CSV)"),
        }
        self.colon, self.semicolon, self.comma = self.tr(": "), self.tr("; "), self.tr(", ")
        self.names = AuditNames()
        self.broken: set[int] = set()

    def set_events(self, events: list[AuditEvent], names: AuditNames | None = None) -> None:
        self.beginResetModel()
        self.events = events
        self.names = names or AuditNames()
        self.endResetModel()

    # --- words instead of codes and ids ------------------------------------------------
    def user_text(self, username: str) -> str:
        """Display name (user name in brackets); background work as 「系统（备份）」."""
        if username == "anonymous":
            return self.tr("(nobody logged in)")
        if username.startswith("system:"):
            worker = username.split(":", 1)[1]
            return self.tr("System (%1)").replace("%1", self.workers.get(worker, worker))
        display = self.names.users.get(username)
        if display and display != username:
            return self.tr("%1 (%2)").replace("%1", display).replace("%2", username)
        return username

    def object_text(self, value: str) -> str:
        """A page, batch or person id as 档号 + page number, 档号 or name (else as stored)."""
        if value in self.names.pages:
            archive, number = self.names.pages[value]
            return self.tr("%1 page %2").replace("%1", archive).replace("%2", str(number))
        if value in self.names.batches:
            return self.tr("batch %1").replace("%1", self.names.batches[value])
        if value in self.names.persons:
            return self.names.persons[value]
        if value in self.names.users:
            return self.user_text(value)
        if value in self.names.stations:
            return self.names.stations[value]
        return value

    def target_text(self, e: AuditEvent) -> str:
        if e.action == "dashboard_view":  # the target is the grouping
            return self.codes.get("clerk_group" if e.target == "clerk" else e.target, e.target)
        return self.object_text(e.target)

    def value_text(self, key: str, value: Any) -> str:
        if isinstance(value, bool):
            return self.tr("yes") if value else self.tr("no")
        if key == "reason" and isinstance(value, str):
            return self.reasons.get(value, value)
        if key in ("roles", "context", "what") and isinstance(value, str):
            return self.codes.get(value, value)
        if key == "batch" and isinstance(value, str) and value in self.names.batches:
            return self.names.batches[value]  # the key already says 「批次」
        if isinstance(value, str):
            return self.object_text(value)
        if isinstance(value, list):
            return self.comma.join(self.value_text(key, v) for v in value)
        if isinstance(value, dict):
            if key == "changes":
                parts = []
                for k, v in value.items():
                    label = self.change_keys.get(k, k)
                    if isinstance(v, dict) and {"old", "new"} <= set(v):
                        old, new = (self.change_value(k, x) for x in (v["old"], v["new"]))
                        parts.append(f"{label}{self.colon}{old} → {new}")
                    elif isinstance(v, tuple) and len(v) == 2:  # records written before the dict form
                        parts.append(f"{label}{self.colon}{v[0]} → {v[1]}")
                    else:
                        parts.append(f"{label}{self.colon}{self.change_value(k, v)}")
                return self.semicolon.join(parts)
            return self.semicolon.join(f"{k}{self.colon}{v}" for k, v in value.items())
        return str(value)

    def change_value(self, key: str, value: Any) -> str:
        """One side of an old → new change: 「（未设置）」 for nothing, roles and ids as words."""
        if value in (None, "", []):
            return self.tr("(not set)")
        if key == "roles" and isinstance(value, list):
            return self.comma.join(self.codes.get(str(r), str(r)) for r in value) or self.tr("(not set)")
        return self.value_text(key, value)

    def details_text(self, details: dict[str, Any]) -> str:
        """Details in words: known keys translated, ids named; the raw record is in the tooltip."""
        parts = [
            f"{self.keys[k]}{self.colon}{self.value_text(k, v)}"
            for k, v in details.items()
            if k in self.keys and v not in ("", None, [], {})
        ]
        return self.semicolon.join(parts)

    def set_broken(self, seqs: set[int]) -> None:
        self.beginResetModel()
        self.broken = seqs
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.events[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            return [
                str(e.seq),
                local_time(e.at, "%Y-%m-%d %H:%M:%S"),
                self.user_text(e.username),
                e.station,
                self.actions.get(e.action, e.action),
                self.target_text(e),
                self.outcomes.get(e.outcome, e.outcome),
                self.details_text(e.details),
            ][col]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (5, 7):
            # the record as stored (ids included), for whoever needs to trace it further
            raw = {"target": e.target, **e.details} if e.target else dict(e.details)
            return json.dumps(raw, ensure_ascii=False, sort_keys=True) if raw else None
        if role == Qt.ItemDataRole.BackgroundRole and e.seq in self.broken:
            from PySide6.QtGui import QColor

            return QColor("#f8d7da")
        return None


class AuditView(QWidget):
    """Filters + table + "Verify chain" + "Export CSV"."""

    events_loaded = Signal(int)
    verified = Signal(object)
    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, security: SecurityService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.security = security
        self.runner = runner
        layout = QVBoxLayout(self)
        self.model = AuditTableModel(self)
        filters = QHBoxLayout()
        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("userFilter")
        self.user_edit.setPlaceholderText(self.tr("User"))
        self.user_edit.setMaxLength(64)
        self.action_combo = QComboBox(self)
        self.action_combo.setObjectName("actionFilter")
        self.outcome_combo = QComboBox(self)
        self.outcome_combo.setObjectName("outcomeFilter")
        self.outcome_combo.addItem(self.tr("Any outcome"), "")
        for code, label in self.model.outcomes.items():
            self.outcome_combo.addItem(label, code)
        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("textFilter")
        self.text_edit.setPlaceholderText(self.tr("Target contains…"))
        self.text_edit.setMaxLength(200)
        self.since_edit = QDateEdit(self)
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDate(QDate.currentDate().addDays(-30))
        self.until_edit = QDateEdit(self)
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDate(QDate.currentDate())
        for edit in (self.since_edit, self.until_edit):
            edit.setDisplayFormat("yyyy-MM-dd")  # as every date in the table and on the other screens
        self._loaded_once = False
        self.search_button = QPushButton(self.tr("Filter"), self)
        self.search_button.setObjectName("filterButton")
        for w in (
            self.user_edit,
            self.action_combo,
            self.outcome_combo,
            self.text_edit,
            QLabel(self.tr("From"), self),
            self.since_edit,
            QLabel(self.tr("to"), self),
            self.until_edit,
            self.search_button,
        ):
            filters.addWidget(w)
        layout.addLayout(filters)
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        bottom = QHBoxLayout()
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.verify_button = QPushButton(self.tr("Verify chain"), self)
        self.verify_button.setObjectName("verifyButton")
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.setObjectName("exportButton")
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.export_button)
        layout.addLayout(bottom)
        self.search_button.clicked.connect(self._on_search_button_clicked)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self._load_actions()

    def _load_actions(self) -> None:
        self.action_combo.clear()
        self.action_combo.addItem(self.tr("Any action"), "")
        try:
            for a in self.security.audit_actions():
                self.action_combo.addItem(self.model.actions.get(a, a), a)
        except HukouScanError as e:
            self._deny(e)

    def _deny(self, e: HukouScanError) -> None:
        self.status_label.setText(e.user_message())
        for w in (self.search_button, self.verify_button, self.export_button):
            w.setEnabled(False)
        self.failed.emit(e.user_message())

    def current_filter(self) -> AuditFilter:
        # the dates are local calendar days; the log stores naive UTC
        since = _local_to_utc(datetime.combine(self.since_edit.date().toPython(), time.min))  # type: ignore[arg-type]
        until = _local_to_utc(datetime.combine(self.until_edit.date().addDays(1).toPython(), time.min))  # type: ignore[arg-type]
        return AuditFilter(
            username=self.user_edit.text().strip(),
            action=str(self.action_combo.currentData() or ""),
            outcome=str(self.outcome_combo.currentData() or ""),
            text=self.text_edit.text().strip(),
            since=since,
            until=until,
        )

    def refresh(self) -> None:
        """Load events for the current filters in the background."""
        f = self.current_filter()
        self.search_button.setEnabled(False)

        def load() -> tuple[list[AuditEvent], AuditNames]:
            events = self.security.audit_events(f, limit=5000)
            return events, self.security.audit_names(events)

        self.runner.run_simple(load, self._on_task_loaded, self._on_task_failed)

    def showEvent(self, event: QShowEvent) -> None:
        """Load the last 30 days the first time the screen is opened: an empty table read as
        an empty log until the administrator found the Filter button (issue 15 journeys)."""
        super().showEvent(event)
        if not self._loaded_once and self.search_button.isEnabled():
            self._loaded_once = True
            self.refresh()

    def _on_search_button_clicked(self) -> None:
        self.refresh()

    def _on_task_loaded(self, result: tuple[list[AuditEvent], AuditNames]) -> None:
        events, names = result
        self.search_button.setEnabled(True)
        self.model.set_events(events, names)
        # every column but the details as wide as its words (time, action and target were cut off)
        for col in range(self.model.columnCount() - 1):
            self.table.resizeColumnToContents(col)
        self.status_label.setText(self.tr("%n event(s)", "", len(events)))
        self.events_loaded.emit(len(events))

    def _on_task_failed(self, e: BaseException) -> None:
        self.search_button.setEnabled(True)
        self.verify_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self.progress.hide()
        if isinstance(e, HukouScanError):
            if isinstance(e, PermissionDenied):
                self._deny(e)  # also emits failed
            else:
                self.status_label.setText(e.user_message())
                self.failed.emit(e.user_message())
        else:
            self.status_label.setText(str(e))
            self.failed.emit(str(e))

    def _on_verify_button_clicked(self) -> None:
        self.verify_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()

        def work(progress: ProgressFn, cancel: threading.Event) -> VerifyReport:
            return self.security.verify_audit(progress=progress, cancel=cancel)

        self.runner.run(work, self._on_task_verified, self._on_task_failed, self._on_task_progressed)

    def _on_task_progressed(self, done: int, total: int, _msg: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_task_verified(self, report: VerifyReport) -> None:
        self.verify_button.setEnabled(True)
        self.progress.hide()
        self.model.set_broken({p.seq for p in report.problems})
        if report.ok:
            self.status_label.setText(
                self.tr("Audit chain intact: %1 events.").replace("%1", str(report.checked))
            )
        else:
            lines = [f"#{p.seq} {p.zh if self._zh() else p.en}" for p in report.problems[:20]]
            self.status_label.setText(
                self.tr("Audit chain BROKEN: %1 problem(s).").replace("%1", str(len(report.problems)))
                + "\n"
                + "\n".join(lines)
            )
        self.verified.emit(report)

    @staticmethod
    def _zh() -> bool:
        from hukou_scan.errors import current_language

        return current_language() != "en"

    def _on_export_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export audit log"), "audit.csv", "CSV (*.csv)")
        if not path:
            return
        purpose, ok = QInputDialog.getText(
            self, self.tr("Export purpose"), self.tr("Purpose of this export:")
        )
        if ok:
            self.export_to(Path(path), purpose)

    def export_to(self, path: Path, purpose: str) -> None:
        """Export the current filter's events (also used by tests, without file dialogs)."""
        f = self.current_filter()
        self.export_button.setEnabled(False)

        def work(progress: ProgressFn, cancel: threading.Event) -> str:
            self.security.export_audit_csv(path, f, purpose=purpose, progress=progress, cancel=cancel)
            return str(path)

        self.runner.run(work, self._on_task_exported, self._on_task_failed)

    def _on_task_exported(self, path: str) -> None:
        self.export_button.setEnabled(True)
        self.status_label.setText(self.tr("Exported to %1").replace("%1", path))
        self.exported.emit(path)
