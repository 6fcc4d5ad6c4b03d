"""Settings dialog (form from ui/settings_dialog.ui); saves to settings.toml atomically."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QDialog, QWidget

from hukou_scan.config import Settings, save_settings
from hukou_scan.gui.forms.ui_settings_dialog import Ui_SettingsDialog
from hukou_scan.gui.i18n import LANGUAGES

OCR_ENGINES = {"rapidocr": "RapidOCR (PP-OCR)", "tesseract": "Tesseract"}
MASTER_FORMATS = {"jpeg": "JPEG", "tiff": "TIFF"}


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
        self.ui.idleSpin.setValue(int(settings.section("security").get("idle_lock_minutes", 10)))
        self.ui.dataDirValue.setText(str(settings.data_dir))

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
        extra.setdefault("security", {})["idle_lock_minutes"] = self.ui.idleSpin.value()
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
