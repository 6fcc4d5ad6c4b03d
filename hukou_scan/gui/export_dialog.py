"""Export dialog: summary of what will be exported, purpose (required), watermark,
password, progress with cancel, and the finished file opened or shown in its folder.

Thin over :class:`~hukou_scan.services.export.ExportService`: planning and the export
itself run on a :class:`~hukou_scan.gui.tasks.TaskRunner` thread; the dialog only
collects input and shows progress.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.errors import HukouScanError
from hukou_scan.export.assemble import ExportCancelled
from hukou_scan.gui.tasks import ProgressFn, Task, TaskRunner, failure_text
from hukou_scan.services.export import ExportPlan, ExportRequest, ExportResult, ExportSource, resolve_output

log = logging.getLogger(__name__)


class ExportServiceLike(Protocol):
    def plan(self, source: ExportSource) -> ExportPlan: ...

    def export(
        self,
        request: ExportRequest,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> ExportResult: ...


class ExportDialog(QDialog):
    """Modal export dialog for one :class:`ExportSource`.

    The source chooser at the top offers what the screen showed (search result, open
    batch, a person's pages) and a batch by its 档号, a person by citizen ID number or a
    household by its number, so a searcher can export without the capture screen.

    Args:
        service: the export service (or a fake in tests).
        source: what the current screen shows; ``None`` starts on "batch by 档号".
        default_dir: folder proposed for the file (the file name comes from the 档号).
        open_when_done: initial state of "Open the file when done".
    """

    plan_loaded = Signal(object)
    export_finished = Signal(object)
    export_failed = Signal(str)

    def __init__(
        self,
        service: ExportServiceLike,
        source: ExportSource | None,
        default_dir: Path,
        parent: QWidget | None = None,
        *,
        open_when_done: bool = True,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export PDF"))
        self.setMinimumWidth(520)
        self._service = service
        self._current = source
        self._source: ExportSource | None = source
        self._default_dir = default_dir
        self._runner = runner or TaskRunner(self, max_threads=1)
        self._task: Task | None = None
        self._plan: ExportPlan | None = None
        self._plan_request = 0
        self._suggested_path = ""
        self.export_result: ExportResult | None = None

        self.source_combo = QComboBox()
        if source is not None:
            self.source_combo.addItem(self._current_title(source), "current")
        self.source_combo.addItem(self.tr("Batch, by archive number (档号)"), "batch")
        self.source_combo.addItem(self.tr("Person, by citizen ID number"), "person")
        self.source_combo.addItem(self.tr("Household, by household number"), "household")
        self.source_edit = QLineEdit()
        self.find_button = QPushButton(self.tr("Find"))
        self.summary_label = QLabel(self.tr("Counting pages…"))
        self.summary_label.setWordWrap(True)
        self.purpose_edit = QLineEdit()
        self.purpose_edit.setPlaceholderText(self.tr("Required, e.g. certificate for the resident"))
        self.image_combo = QComboBox()
        self.image_combo.addItem(
            self.tr("Cleaned pages (red seals in colour)"),
            "auto",
        )
        self.image_combo.addItem(self.tr("Colour masters (as captured; larger files)"), "master")
        self.image_combo.setToolTip(
            self.tr(
                "Cleaned pages are more legible and several times smaller. Colour pages, and pages where "
                "red seals or red lines are found, go out from the colour master (DA/T 31)."
            )
        )
        self.format_combo = QComboBox()
        self.format_combo.addItem(self.tr("PDF (searchable, PDF/A-2b structure)"), "pdf")
        self.format_combo.addItem(self.tr("OFD (GB/T 33190, searchable)"), "ofd")
        # Precise about PDF/A: no validator (veraPDF) runs here, so the dialog names the
        # structural checks the writer is tested for and never says "validated".
        self.pdfa_label = QLabel(
            self.tr(
                "PDF/A-2b is declared, not validated: no PDF/A validator is installed. Checked in our "
                "tests: embedded fonts with matching widths, sRGB output intent, XMP metadata matching "
                "the document info, no encryption, LZW or JBIG2, qpdf syntax check. "
                "A password removes the PDF/A declaration."
            )
        )
        self.pdfa_label.setWordWrap(True)
        self.pdfa_label.setStyleSheet("color: palette(mid);")
        self.watermark_check = QCheckBox(self.tr("Visible watermark (user, time, purpose)"))
        self.password_check = QCheckBox(self.tr("Protect with a password (AES-256)"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("Password"))
        self.password_repeat = QLineEdit()
        self.password_repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_repeat.setPlaceholderText(self.tr("Repeat password"))
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.open_check = QCheckBox(self.tr("Open the file when done"))
        self.open_check.setChecked(open_when_done)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.export_button = QPushButton(self.tr("Export"))
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.open_button = QPushButton(self.tr("Open file"))
        self.reveal_button = QPushButton(self.tr("Show in folder"))
        self.open_button.hide()
        self.reveal_button.hide()

        form = QFormLayout()
        chooser = QHBoxLayout()
        chooser.addWidget(self.source_combo)
        chooser.addWidget(self.source_edit, 1)
        chooser.addWidget(self.find_button)
        form.addRow(self.tr("Export:"), chooser)
        form.addRow(self.tr("Source:"), self.summary_label)
        form.addRow(self.tr("Purpose:"), self.purpose_edit)
        form.addRow(self.tr("Format:"), self.format_combo)
        form.addRow("", self.pdfa_label)
        form.addRow(self.tr("Page images:"), self.image_combo)
        form.addRow("", self.watermark_check)
        form.addRow("", self.password_check)
        pw_row = QHBoxLayout()
        pw_row.addWidget(self.password_edit)
        pw_row.addWidget(self.password_repeat)
        form.addRow("", pw_row)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        form.addRow(self.tr("File:"), path_row)
        form.addRow("", self.open_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        root = QVBoxLayout(self)
        root.addLayout(form)
        root.addWidget(self.progress_bar)
        root.addWidget(self.status_label)
        root.addLayout(buttons)

        self.source_combo.currentIndexChanged.connect(self._on_source_combo_changed)
        self.source_edit.textEdited.connect(self._on_source_edit_edited)
        self.source_edit.returnPressed.connect(self._on_find_button_clicked)
        self.find_button.clicked.connect(self._on_find_button_clicked)
        self.purpose_edit.textChanged.connect(self._on_input_changed)
        self.password_check.toggled.connect(self._on_input_changed)
        self.format_combo.currentIndexChanged.connect(self._on_format_combo_changed)
        self.password_edit.textChanged.connect(self._on_input_changed)
        self.password_repeat.textChanged.connect(self._on_input_changed)
        self.path_edit.textChanged.connect(self._on_input_changed)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.reveal_button.clicked.connect(self._on_reveal_button_clicked)
        self._on_source_combo_changed()

    # --- source ------------------------------------------------------------------------
    def _current_title(self, source: ExportSource) -> str:
        """How the chooser names what the current screen shows."""
        titles = {
            "batch": self.tr("The open batch"),
            "pages": self.tr("The search result shown"),
            "query": self.tr("The search result shown"),
            "person": self.tr("The person shown"),
            "household": self.tr("The household shown"),
        }
        return titles.get(source.kind, self.tr("The current selection"))

    def set_source(self, kind: str, text: str) -> None:
        """Choose a source as the user would (kind: batch / person / household) and count its pages."""
        self.source_combo.setCurrentIndex(self.source_combo.findData(kind))
        self.source_edit.setText(text)
        self._on_find_button_clicked()

    def _on_source_combo_changed(self, *_args: Any) -> None:
        kind = self.source_combo.currentData()
        current = kind == "current"
        self.source_edit.setVisible(not current)
        self.find_button.setVisible(not current)
        placeholders = {
            "batch": self.tr("Archive number, e.g. A0101-2026-001"),
            "person": self.tr("18-digit citizen ID number"),
            "household": self.tr("Household number"),
        }
        self.source_edit.setPlaceholderText(placeholders.get(str(kind), ""))
        if current and self._current is not None:
            self._source = self._current
            self._start_plan()
        else:
            self._on_source_edit_edited()
            if self.source_edit.text().strip():
                self._on_find_button_clicked()
            else:
                self.summary_label.setText(self.tr("Enter what to export and press Find."))
            self.source_edit.setFocus()

    def _on_source_edit_edited(self, *_args: Any) -> None:
        """A changed source invalidates the counted pages (Enter must not export the old ones)."""
        self._plan_request += 1
        self._plan = None
        self._source = None
        self._on_input_changed()

    def _on_find_button_clicked(self) -> None:
        kind = str(self.source_combo.currentData())
        text = self.source_edit.text().strip()
        if kind == "current" or not text:
            return
        factory = {
            "batch": ExportSource.batch,
            "person": ExportSource.person,
            "household": ExportSource.household,
        }[kind]
        self._source = factory(text)
        self._start_plan()

    # --- planning ----------------------------------------------------------------------
    def _start_plan(self) -> None:
        source = self._source
        if source is None:
            return
        self._plan_request += 1
        request = self._plan_request
        self._plan = None
        self.summary_label.setText(self.tr("Counting pages…"))
        self._on_input_changed()
        service = self._service
        self._runner.run(
            lambda _p, _c: service.plan(source),
            on_done=lambda plan: self._on_plan_done(plan) if request == self._plan_request else None,
            on_error=lambda e: self._on_plan_failed(e) if request == self._plan_request else None,
        )

    def _on_plan_done(self, plan: ExportPlan) -> None:
        self._plan = plan
        ids = "、".join(plan.archive_ids[:3]) + ("…" if len(plan.archive_ids) > 3 else "")
        text = self.tr("%1 — %2 page(s) from %3 volume(s): %4")
        text = text.replace("%1", plan.title).replace("%2", str(plan.page_count))
        self.summary_label.setText(text.replace("%3", str(len(plan.archive_ids))).replace("%4", ids))
        QTimer.singleShot(0, self._grow_to_fit)  # once the layout has taken the new text
        if not self.path_edit.text() or self.path_edit.text() == self._suggested_path:
            name = Path(plan.suggested_name).with_suffix(f".{self._format()}")
            self._suggested_path = str(self._default_dir / name)
            self.path_edit.setText(self._suggested_path)
        self._on_input_changed()
        self.plan_loaded.emit(plan)

    def _on_plan_failed(self, exc: BaseException) -> None:
        self._plan = None
        self.summary_label.setText(failure_text(exc))
        QTimer.singleShot(0, self._grow_to_fit)  # once the layout has taken the new text
        self.status_label.setText(self.tr("Nothing can be exported."))
        self._on_input_changed()

    def _grow_to_fit(self) -> None:
        """Make room when the summary wraps to more lines than "Counting pages…" did
        (the first line was cut off at the top of the dialog)."""
        layout = self.layout()
        if layout is None:
            return
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)

    # --- input -------------------------------------------------------------------------
    def _problem(self) -> str:
        if self._plan is None:
            return ""
        if not self.purpose_edit.text().strip():
            return self.tr("State the purpose of the export.")
        if self.password_check.isChecked():
            if not self.password_edit.text():
                return self.tr("Enter a password.")
            if self.password_edit.text() != self.password_repeat.text():
                return self.tr("The passwords do not match.")
        if not self.path_edit.text().strip():
            return self.tr("Choose where to save the file.")
        return ""

    def _format(self) -> str:
        return str(self.format_combo.currentData() or "pdf")

    def _on_format_combo_changed(self, *_args: Any) -> None:
        """OFD copies carry no password or watermark; the file name follows the format."""
        ofd = self._format() == "ofd"
        if ofd:
            self.password_check.setChecked(False)
            self.watermark_check.setChecked(False)
        self.password_check.setEnabled(not ofd)
        self.watermark_check.setEnabled(not ofd)
        self.pdfa_label.setVisible(not ofd)
        text = self.path_edit.text().strip()
        if text:
            path = Path(text)
            if path.suffix.lower() in (".pdf", ".ofd"):
                renamed = str(path.with_suffix(f".{self._format()}"))
                if text == self._suggested_path:
                    self._suggested_path = renamed
                self.path_edit.setText(renamed)
        self.setWindowTitle(self.tr("Export OFD") if ofd else self.tr("Export PDF"))
        self._on_input_changed()

    def _on_input_changed(self, *_args: Any) -> None:
        busy = self._task is not None
        pw = self.password_check.isChecked()
        self.password_edit.setEnabled(pw and not busy)
        self.password_repeat.setEnabled(pw and not busy)
        problem = self._problem()
        self.export_button.setEnabled(self._plan is not None and not problem and not busy)
        if not busy and self.export_result is None:
            self.status_label.setText(problem)

    def _on_browse_button_clicked(self) -> None:
        # The export button asks before replacing a file (also for typed paths): no second question here.
        no_confirm = QFileDialog.Option.DontConfirmOverwrite
        if self._format() == "ofd":
            path, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("Save OFD"),
                self.path_edit.text(),
                self.tr("OFD files (*.ofd)"),
                options=no_confirm,
            )
        else:
            path, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("Save PDF"),
                self.path_edit.text(),
                self.tr("PDF files (*.pdf)"),
                options=no_confirm,
            )
        if path:
            self.path_edit.setText(path)

    # --- export ------------------------------------------------------------------------
    def request(self) -> ExportRequest:
        """The request built from the current input (the source whose pages were counted)."""
        assert self._plan is not None
        return ExportRequest(
            source=self._plan.source,
            purpose=self.purpose_edit.text().strip(),
            output=Path(self.path_edit.text().strip()),
            watermark=self.watermark_check.isChecked(),
            password=self.password_edit.text() if self.password_check.isChecked() else None,
            image=str(self.image_combo.currentData() or "auto"),
            format=self._format(),
        )

    def _on_export_button_clicked(self) -> None:
        if self._problem() or self._plan is None:
            return
        request = self.request()
        try:
            suffix = f".{self._format()}"
            suggested = str(Path(self._plan.suggested_name).with_suffix(suffix))
            target = resolve_output(request.output, suggested, self._default_dir, suffix)
        except HukouScanError as e:
            self.status_label.setText(failure_text(e))
            return
        if target.exists():
            answer = QMessageBox.question(
                self,
                self.tr("Replace file?"),
                self.tr("%1 already exists. Replace it?").replace("%1", str(target)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            request = dataclasses.replace(request, overwrite=True)
        self.export_result = None
        self.open_button.hide()
        self.reveal_button.hide()
        self.progress_bar.setRange(0, max(1, self._plan.page_count))
        self.progress_bar.setValue(0)
        self.status_label.setText(self.tr("Exporting…"))
        self.cancel_button.setText(self.tr("Cancel"))
        service = self._service
        self._task = self._runner.run(
            lambda progress, cancel: service.export(request, progress=progress, cancel=cancel),
            on_done=self._on_export_done,
            on_error=self._on_export_failed,
            on_progress=self._on_export_progressed,
        )
        self._set_inputs_enabled(False)
        self._on_input_changed()

    def _set_inputs_enabled(self, enabled: bool) -> None:
        ofd = self._format() == "ofd"
        for check in (self.watermark_check, self.password_check):
            check.setEnabled(enabled and not ofd)
        for w in (
            self.source_combo,
            self.source_edit,
            self.find_button,
            self.purpose_edit,
            self.format_combo,
            self.image_combo,
            self.path_edit,
            self.browse_button,
        ):
            w.setEnabled(enabled)

    def _on_export_progressed(self, done: int, total: int, label: str) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        self.status_label.setText(
            self.tr("Page %1 of %2 (%3)")
            .replace("%1", str(done))
            .replace("%2", str(total))
            .replace("%3", label)
        )

    def _on_export_done(self, result: ExportResult) -> None:
        self._task = None
        self.export_result = result
        self._set_inputs_enabled(True)
        self.progress_bar.setValue(self.progress_bar.maximum())
        text = self.tr("Saved %1 (%2 page(s), %3 MB).").replace("%1", result.path.name)
        text = text.replace("%2", str(result.pages)).replace("%3", f"{result.bytes / 1e6:.1f}")
        if result.skipped:
            text += " " + self.tr("%1 page(s) could not be read and were left out.").replace(
                "%1", str(len(result.skipped))
            )
        if result.colour_pages:
            text += " " + self.colour_summary(result)
        self.status_label.setText(text)
        self.open_button.show()
        self.reveal_button.show()
        self.cancel_button.setText(self.tr("Close"))
        self._on_input_changed()
        self.export_finished.emit(result)
        if self.open_check.isChecked():
            self._on_open_button_clicked()

    def colour_summary(self, result: ExportResult) -> str:
        """Which pages went in colour and why (DA/T 31: red seals and red headers stay red)."""
        reasons = {
            "seal": self.tr("red seal"),
            "red_lines": self.tr("red lines or red header"),
            "seal+red_lines": self.tr("red seal and red lines"),
        }
        items = [f"{label}（{reasons.get(reason, reason)}）" for label, reason in result.colour_pages[:8]]
        more = "…" if len(result.colour_pages) > 8 else ""
        return (
            self.tr("%1 page(s) exported in colour from the master: %2")
            .replace("%1", str(len(result.colour_pages)))
            .replace("%2", "、".join(items) + more)
        )

    def _on_export_failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_inputs_enabled(True)
        self.progress_bar.setValue(0)
        if isinstance(exc, ExportCancelled):
            self.status_label.setText(self.tr("Export cancelled; no file was written."))
        else:
            self.status_label.setText(failure_text(exc))
        self._on_input_changed()
        self.export_failed.emit(failure_text(exc))

    def _on_cancel_button_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status_label.setText(self.tr("Cancelling…"))
            return
        self.reject()

    def _on_open_button_clicked(self) -> None:
        if self.export_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.export_result.path)))

    def _on_reveal_button_clicked(self) -> None:
        if self.export_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.export_result.path.parent)))

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

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self._task is not None:
            self._on_cancel_button_clicked()
            return
        super().keyPressEvent(event)
