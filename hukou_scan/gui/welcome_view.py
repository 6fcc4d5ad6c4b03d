"""Start screen: station, data folder and what is waiting, so a new clerk knows where they are."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hukou_scan.app import AppContext


class WelcomeView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(self.tr("Household Registration Archive Workstation"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        info = QLabel(
            self.tr("Station: %1").replace("%1", f"{ctx.settings.station_name} ({ctx.settings.station_code})")
            + "\n"
            + self.tr("Data folder: %1").replace("%1", str(ctx.settings.data_dir))
        )
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(info, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
