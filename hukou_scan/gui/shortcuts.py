"""The keyboard shortcut sheet (F1): every frequent action, grouped by screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.gui.i18n import tr


def describe(action: QAction) -> str:
    """Tooltip text that shows the action's shortcut, e.g. 'Capture (Space)'."""
    text, _, shown = action.text().replace("&", "").partition("\t")
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText) or shown
    return f"{text} ({keys})" if keys else text


def with_shortcut_tooltip(action: QAction) -> QAction:
    action.setToolTip(describe(action))
    return action


class ShortcutSheetDialog(QDialog):
    """Lists the shortcuts of all actions registered on the main window."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Keyboard shortcuts"))
        self.resize(520, 560)
        rows: list[tuple[str, str]] = []
        for a in actions:
            text, _, shown = a.text().replace("&", "").partition("\t")
            keys = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText) or shown
            if keys and (text, keys) not in rows:
                rows.append((text, keys))
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels([tr("Action"), tr("Shortcut")])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, (text, keys) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(text))
            item = QTableWidgetItem(keys)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            table.setItem(i, 1, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)  # long CJK names never cut
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.table = table
