"""Settings dialog (form from ui/settings_dialog.ui); saves to settings.toml atomically."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QWidget

from hukou_scan.app import AppContext
from hukou_scan.config import Settings, save_settings
from hukou_scan.gui.forms.ui_settings_dialog import Ui_SettingsDialog
from hukou_scan.gui.i18n import LANGUAGES

OCR_ENGINES = {"rapidocr": "RapidOCR (PP-OCR)", "tesseract": "Tesseract"}
MASTER_FORMATS = {"jpeg": "JPEG", "tiff": "TIFF"}


DEFAULT_IDLE_LOCK_MINUTES = 10  # the idle lock when the settings file names none (services.security)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_SettingsDialog()
        self.ui.setupUi(self)
        self._settings = settings
        for code, name in LANGUAGES.items():
            self.ui.languageCombo.addItem(name, code)
        for code, name in OCR_ENGINES.items():
            self.ui.ocrCombo.addItem(name, code)
        for code, name in MASTER_FORMATS.items():
            self.ui.masterCombo.addItem(name, code)
        self.ui.cameraCombo.addItem(self.tr("Automatic (simulated camera when none is attached)"), "auto")
        self.ui.cameraCombo.addItem(self.tr("Simulated camera"), "simulated")
        self._select(self.ui.languageCombo, settings.language)
        self._select(self.ui.ocrCombo, settings.ocr_engine)
        self._select(self.ui.masterCombo, settings.master_format)
        if self.ui.cameraCombo.findData(settings.camera) < 0:
            self.ui.cameraCombo.addItem(settings.camera, settings.camera)
        self._select(self.ui.cameraCombo, settings.camera)
        self.ui.stationCodeEdit.setText(settings.station_code)
        self.ui.stationNameEdit.setText(settings.station_name)
        self.ui.qualitySpin.setValue(settings.jpeg_quality)
        self.ui.dpiSpin.setValue(settings.target_dpi)
        self.ui.storageEdit.setText(settings.storage_url)
        self.ui.idleSpin.setValue(
            int(settings.section("security").get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES))
        )
        self.ui.dataDirValue.setText(str(settings.data_dir))
        self._mark_restart_fields()

    # Settings fields by name (Settings attribute → the dialog's editor).
    _EDITORS: ClassVar[dict[str, str]] = {
        "language": "languageCombo",
        "station_code": "stationCodeEdit",
        "station_name": "stationNameEdit",
        "camera": "cameraCombo",
    }

    @staticmethod
    def field_title(name: str) -> str:
        """The translated label of a Settings field (for "takes effect after restart" messages)."""
        titles = {
            "language": QCoreApplication.translate("SettingsDialog", "Interface language"),
            "station_code": QCoreApplication.translate("SettingsDialog", "Station code"),
            "station_name": QCoreApplication.translate("SettingsDialog", "Station name"),
            "camera": QCoreApplication.translate("SettingsDialog", "Camera"),
        }
        return titles.get(name, name)

    def _mark_restart_fields(self) -> None:
        """Put 「重启后生效」 next to every field that only a restart applies; all others apply on save."""
        self.restart_labels: dict[str, QLabel] = {}
        for name in AppContext.RESTART_FIELDS:
            editor: QWidget = getattr(self.ui, self._EDITORS[name])
            page = editor.parentWidget()
            assert page is not None
            form = page.layout()
            assert isinstance(form, QFormLayout)
            position: tuple[int, QFormLayout.ItemRole] = form.getWidgetPosition(editor)  # type: ignore[assignment]
            row = position[0]
            form.removeWidget(editor)
            holder = QWidget(page)
            line = QHBoxLayout(holder)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(editor, 1)
            note = QLabel(self.tr("(takes effect after restart)"), holder)
            note.setObjectName(f"restartNote_{name}")
            note.setStyleSheet("color: #8a6d3b;")
            line.addWidget(note)
            form.setWidget(row, QFormLayout.ItemRole.FieldRole, holder)
            self.restart_labels[name] = note
        self.ui.restartHint.setText(
            self.tr(
                "All other settings apply as soon as you save (backup target, OCR engine, image format…)."
            )
        )

    @staticmethod
    def _select(combo: object, value: str) -> None:
        from PySide6.QtWidgets import QComboBox

        assert isinstance(combo, QComboBox)
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)

    def result_settings(self) -> Settings:
        """The settings as edited (not yet saved)."""
        camera = self.ui.cameraCombo.currentData() or self.ui.cameraCombo.currentText().strip() or "auto"
        extra = {k: dict(v) for k, v in self._settings.extra.items()}
        idle = self.ui.idleSpin.value()
        if "idle_lock_minutes" in extra.get("security", {}) or idle != DEFAULT_IDLE_LOCK_MINUTES:
            # written only when set: an untouched default is not a change (the audit said 「无 → 10」)
            extra.setdefault("security", {})["idle_lock_minutes"] = idle
        return dataclasses.replace(
            self._settings,
            language=str(self.ui.languageCombo.currentData()),
            station_code=self.ui.stationCodeEdit.text().strip() or self._settings.station_code,
            station_name=self.ui.stationNameEdit.text().strip() or self._settings.station_name,
            ocr_engine=str(self.ui.ocrCombo.currentData()),
            master_format=str(self.ui.masterCombo.currentData()),
            camera=str(camera),
            jpeg_quality=self.ui.qualitySpin.value(),
            target_dpi=self.ui.dpiSpin.value(),
            storage_url=self.ui.storageEdit.text().strip(),
            extra=extra,
        )

    def save(self) -> Settings:
        new = self.result_settings()
        save_settings(new)
        return new
