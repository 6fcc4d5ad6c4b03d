"""New-batch and close-batch dialogs of the capture station.

Thin over :class:`~hukou_scan.services.capture.CaptureService`: the new-batch form is
prefilled with the previous batch's values (``last_values``) so a clerk working
through one cabinet only changes the box/volume, and its 从封面读取 button reads the
档号 off the volume's cover label under the camera (barcode, QR code or the printed
number; :mod:`hukou_scan.services.cover_label`) in the background; the close dialog shows where the
paper original belongs and enables "Close batch" only after the clerk ticks that it
went back there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.domain import Batch, BatchCategory, PaperLocation
from hukou_scan.errors import HukouScanError
from hukou_scan.gui.i18n import category_label, location_label
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.services.capture import BatchDraft
from hukou_scan.services.cover_label import CoverLabelRead

#: Called on the UI thread when the clerk asks to read the cover: takes the newest camera
#: frame (raises HukouScanError when there is none) and returns the slow part — reading the
#: label in that frame — to run on a worker thread.
CoverReader = Callable[[], Callable[[], CoverLabelRead]]


class NewBatchDialog(QDialog):
    """Collects a :class:`BatchDraft`; ``draft()`` returns it after ``exec()`` was accepted.

    ``read_cover`` enables the 从封面读取 button (see :data:`CoverReader`).
    """

    cover_read = Signal(str)  # the 档号 put into the field, or "" when reading failed

    def __init__(
        self, last: BatchDraft, parent: QWidget | None = None, *, read_cover: CoverReader | None = None
    ) -> None:
        super().__init__(parent)
        self._read_cover = read_cover
        self._tasks = TaskRunner(self, max_threads=1)
        self.setWindowTitle(self.tr("New batch"))
        self._station_id = last.station_id
        self.archive_id = QLineEdit(last.archive_id, self)
        self.archive_id.setPlaceholderText(self.tr("e.g. 0101-2026-001"))
        self.category = QComboBox(self)
        for cat in BatchCategory:
            self.category.addItem(category_label(cat.value), cat)
        self.category.setCurrentIndex(list(BatchCategory).index(last.category))
        loc = last.location
        self.room = QLineEdit(loc.room, self)
        self.cabinet = QLineEdit(loc.cabinet, self)
        self.shelf = QLineEdit(loc.shelf, self)
        self.box = QLineEdit(loc.box, self)
        self.volume = QLineEdit(loc.volume, self)
        self.page_from = self._spin(loc.page_from)
        self.page_to = self._spin(loc.page_to)
        self.expected = self._spin(last.expected_pages)
        self.notes = QPlainTextEdit(last.notes, self)
        self.notes.setFixedHeight(60)

        where = QGridLayout()
        for col, (label, edit) in enumerate(
            [
                (self.tr("Room"), self.room),
                (self.tr("Cabinet"), self.cabinet),
                (self.tr("Shelf"), self.shelf),
                (self.tr("Box"), self.box),
                (self.tr("Volume"), self.volume),
            ]
        ):
            where.addWidget(QLabel(label, self), 0, col)
            where.addWidget(edit, 1, col)
        pages = QGridLayout()
        pages.addWidget(QLabel(self.tr("From page"), self), 0, 0)
        pages.addWidget(self.page_from, 0, 1)
        pages.addWidget(QLabel(self.tr("to"), self), 0, 2)
        pages.addWidget(self.page_to, 0, 3)

        self.read_cover_button = QPushButton(self.tr("Read from cover"), self)
        self.read_cover_button.setToolTip(
            self.tr(
                "Place the volume's cover label under the camera: reads its barcode, QR code or printed archive id."
            )
        )
        self.read_cover_button.setVisible(read_cover is not None)
        self.read_cover_button.clicked.connect(self._on_read_cover_button_clicked)
        self.cover_status = QLabel("", self)
        self.cover_status.setTextFormat(Qt.TextFormat.PlainText)
        self.cover_status.setWordWrap(True)
        self.cover_status.setVisible(False)  # an empty wrapped label would still take a row's height
        archive_row = QHBoxLayout()
        archive_row.addWidget(self.archive_id, 1)
        archive_row.addWidget(self.read_cover_button)

        form = QFormLayout()
        form.addRow(self.tr("Archive id"), archive_row)
        form.addRow("", self.cover_status)
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Paper original location"), where)
        form.addRow(self.tr("Page range"), pages)
        form.addRow(self.tr("Expected pages"), self.expected)
        form.addRow(self.tr("Notes"), self.notes)
        self.error = QLabel("", self)
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Start batch"))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.archive_id.setFocus()
        self.archive_id.selectAll()

    def _spin(self, value: int | None) -> QSpinBox:
        sb = QSpinBox(self)
        sb.setRange(0, 100000)
        sb.setSpecialValueText(self.tr("—"))  # 0 = not given
        sb.setValue(value or 0)
        return sb

    def _on_read_cover_button_clicked(self) -> None:
        if self._read_cover is None:
            return
        try:
            job = self._read_cover()  # grabs the newest frame here, on the UI thread
        except HukouScanError as e:
            self._on_cover_failed(e)
            return
        self.read_cover_button.setEnabled(False)
        self.cover_status.setStyleSheet("")
        self.cover_status.setText(self.tr("Reading the cover label…"))
        self.cover_status.setVisible(True)
        self._tasks.run_simple(job, self._on_cover_done, self._on_cover_failed)

    def _on_cover_done(self, result: object) -> None:
        assert isinstance(result, CoverLabelRead)
        self.read_cover_button.setEnabled(True)
        self.archive_id.setText(result.label.archive_id)
        how = self.tr("printed text") if result.source == "printed" else result.source.upper()
        text = self.tr("Archive id read from the cover (%1).").replace("%1", how)
        if result.label.check:
            text += " " + self.tr("Check character %1 is correct.").replace("%1", result.label.check)
        self.cover_status.setStyleSheet("color: #1b5e20")
        self.cover_status.setText(text)
        self.cover_status.setVisible(True)
        self.error.setText("")
        self.cover_read.emit(result.label.archive_id)

    def _on_cover_failed(self, error: BaseException) -> None:
        self.read_cover_button.setEnabled(True)
        if isinstance(error, HukouScanError):
            msg = error.user_message()
        else:  # a bug, not the clerk's doing: logged by the runner's caller, shown briefly here
            msg = self.tr("The cover could not be read: %1").replace("%1", str(error))
        self.cover_status.setStyleSheet("color: #b00020")
        self.cover_status.setText(msg)
        self.cover_status.setVisible(True)
        self.cover_read.emit("")

    def done(self, r: int) -> None:
        """Wait for a cover read still running (a GUI test fails on a dangling worker)."""
        self._tasks.wait_all(5000)
        super().done(r)

    def _on_buttons_accepted(self) -> None:
        if not self.archive_id.text().strip():
            self.error.setText(self.tr("Please enter the archive id."))
            self.archive_id.setFocus()
            return
        self.accept()

    def draft(self) -> BatchDraft:
        def opt(sb: QSpinBox) -> int | None:
            return sb.value() or None

        return BatchDraft(
            archive_id=self.archive_id.text().strip(),
            category=BatchCategory(self.category.currentData()),
            location=PaperLocation(
                room=self.room.text().strip(),
                cabinet=self.cabinet.text().strip(),
                shelf=self.shelf.text().strip(),
                box=self.box.text().strip(),
                volume=self.volume.text().strip(),
                page_from=opt(self.page_from),
                page_to=opt(self.page_to),
            ),
            expected_pages=opt(self.expected),
            notes=self.notes.toPlainText().strip(),
            station_id=self._station_id,
        )


class CloseBatchDialog(QDialog):
    """Asks the clerk to confirm that the paper original went back to its recorded location."""

    def __init__(
        self, batch: Batch, captured: int, parent: QWidget | None = None, *, unlinked: Sequence[int] = ()
    ) -> None:
        """``unlinked``: numbers of text pages nobody is linked to; listed, so the clerk can go back."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Close batch"))
        where = location_label(batch.location) or self.tr("(no location recorded)")
        expected = batch.expected_pages
        summary = QLabel(self)
        summary.setTextFormat(Qt.TextFormat.PlainText)
        lines = [
            self.tr("Archive id: %1").replace("%1", batch.archive_id),
            self.tr("Pages captured: %1").replace("%1", str(captured))
            + (self.tr(" of %1 expected").replace("%1", str(expected)) if expected else ""),
            self.tr("Paper original belongs in: %1").replace("%1", where),
        ]
        summary.setText("\n".join(lines))
        self.warning = QLabel("", self)
        self.warning.setStyleSheet("color: #b36b00")
        if expected and captured != expected:
            self.warning.setText(self.tr("The page count differs from the expected count."))
        self.unlinked = QLabel("", self)
        self.unlinked.setWordWrap(True)
        self.unlinked.setStyleSheet("color: #b00020")
        self.unlinked.setVisible(bool(unlinked))
        if unlinked:
            self.unlinked.setText(
                self.tr("Text pages not linked to a person: %1").replace("%1", ", ".join(map(str, unlinked)))
                + "\n"
                + self.tr("Go back to link them, or close the batch anyway.")
            )
        self.returned = QCheckBox(self.tr("The paper original is back in its recorded location"), self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Close batch"))
        self.ok.setEnabled(False)
        self.back = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if unlinked:
            self.back.setText(self.tr("Back to linking"))
            self.ok.setText(self.tr("Close batch anyway"))
        self.returned.toggled.connect(self.ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.warning)
        layout.addWidget(self.unlinked)
        layout.addWidget(self.returned)
        layout.addWidget(self.buttons)
