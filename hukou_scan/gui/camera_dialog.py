"""CameraDialog: pick the camera and set exposure, focus and white balance per device.

The values are remembered per device (settings section ``camera``) and applied when
the device opens; the dialog shows what the driver *granted* (resolution, frame
rate, format), not what was asked for.  Probing devices is slow, so it runs in the
background.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hukou_scan.capture.opencv_camera import CONTROL_PROPS, CameraControls
from hukou_scan.capture.source import CameraInfo, Capabilities
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.services.capture import CaptureService


class CameraDialog(QDialog):
    """Returns the chosen camera spec (``spec()``) and saves the controls of that device on accept."""

    def __init__(
        self,
        service: CaptureService,
        current: CameraInfo | None,
        capabilities: Capabilities | None,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Camera"))
        self.service = service
        self.device = QComboBox(self)
        self.device.addItem(self.tr("Simulated camera"), "simulated")
        if current is not None and current.kind != "simulated":
            self.device.addItem(current.name, current.id if current.kind == "uvc" else current.url)
            self.device.setCurrentIndex(1)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText(self.tr("or a stream URL: http://… / rtsp://…"))
        if current is not None and current.kind == "stream":
            self.url.setText(current.url)
        self.granted = QLabel(self._describe(capabilities), self)
        self.controls: dict[str, tuple[QCheckBox, QDoubleSpinBox]] = {}
        form = QFormLayout()
        form.addRow(self.tr("Device"), self.device)
        form.addRow("", self.url)
        form.addRow(self.tr("Granted by the driver"), self.granted)
        labels = {
            "auto_exposure": self.tr("Auto exposure"),
            "exposure": self.tr("Exposure"),
            "autofocus": self.tr("Autofocus"),
            "focus": self.tr("Focus"),
            "auto_wb": self.tr("Auto white balance"),
            "wb_temperature": self.tr("White balance (K)"),
            "brightness": self.tr("Brightness"),
        }
        for name in CONTROL_PROPS:
            check = QCheckBox(self.tr("set"), self)
            spin = QDoubleSpinBox(self)
            spin.setRange(-100000, 100000)
            spin.setDecimals(1)
            spin.setEnabled(False)
            check.toggled.connect(spin.setEnabled)
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(spin, 1)
            form.addRow(labels[name], row)
            self.controls[name] = (check, spin)
        self.device.currentIndexChanged.connect(self._on_device_current_index_changed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._load_controls()
        self._probe = runner.run(lambda p, c: service.list_cameras(p, c), on_done=self._on_cameras_listed)
        self.finished.connect(lambda _r: self._probe.cancel())

    def _describe(self, caps: Capabilities | None) -> str:
        if caps is None:
            return self.tr("(not connected)")
        text = f"{caps.width}×{caps.height} ({caps.megapixels:.1f} MP), {caps.fps:.0f} fps"
        if caps.fourcc:
            text += f", {caps.fourcc}"
        if caps.requested != (caps.width, caps.height):
            text += " · " + self.tr("asked for %1").replace("%1", f"{caps.requested[0]}×{caps.requested[1]}")
        return text

    def _on_cameras_listed(self, devices: Any) -> None:
        for info in devices:
            if self.device.findData(info.id) < 0:
                self.device.addItem(f"{info.name} ({info.id})", info.id)

    def _on_device_current_index_changed(self, _i: int) -> None:
        self._load_controls()

    def _device_id(self) -> str:
        url = self.url.text().strip()
        if url:
            return f"url:{url}"
        return str(self.device.currentData())

    def _load_controls(self) -> None:
        values = self.service.camera_controls(self._device_id())
        for name, (check, spin) in self.controls.items():
            v = getattr(values, name)
            check.setChecked(v is not None)
            spin.setValue(float(v) if v is not None else 0.0)

    def spec(self) -> str:
        """The camera setting value: ``simulated``, a device id or a stream URL."""
        return self.url.text().strip() or str(self.device.currentData())

    def chosen_controls(self) -> CameraControls:
        return CameraControls(
            **{
                name: (spin.value() if check.isChecked() else None)
                for name, (check, spin) in self.controls.items()
            }
        )

    def _on_buttons_accepted(self) -> None:
        self.service.save_camera_controls(self._device_id(), self.chosen_controls())
        self.accept()
