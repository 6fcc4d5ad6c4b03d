"""ExportDialog: input checks, progress, cancel, the finished file opened."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from hukou_scan.export.assemble import ExportCancelled
from hukou_scan.gui.export_dialog import ExportDialog
from hukou_scan.services.export import ExportPlan, ExportRequest, ExportResult, ExportSource


class FakeExportService:
    """Plans 3 pages; ``export`` writes a file, or waits for cancel when ``block``."""

    def __init__(self, block: bool = False) -> None:
        self.block = block
        self.requests: list[ExportRequest] = []

    def plan(self, source: ExportSource) -> ExportPlan:
        return ExportPlan(
            source, [], {}, [], "A0101-2026-001 出生", ("A0101-2026-001",), "A0101-2026-001.pdf"
        )

    def export(
        self, request: ExportRequest, progress: Any = None, cancel: threading.Event | None = None
    ) -> ExportResult:
        self.requests.append(request)
        assert cancel is not None and request.output is not None
        for i in range(3):
            if progress:
                progress(i + 1, 3, f"A0101-2026-001-{i + 1:04d}")
            if self.block and cancel.wait(10):
                raise ExportCancelled()
        request.output.write_bytes(b"%PDF-1.7 fake")
        return ExportResult(request.output, 3, 13, "0" * 64, 0.01)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(QUrl(url).toLocalFile()) or True)
    return urls


def _dialog(qtbot: Any, svc: Any, tmp_path: Path, **kw: Any) -> ExportDialog:
    dlg = ExportDialog(svc, ExportSource.batch("b1"), tmp_path, **kw)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.path_edit.text() != "")
    return dlg


def test_purpose_and_matching_passwords_are_required(qtbot: Any, tmp_path: Path) -> None:
    dlg = _dialog(qtbot, FakeExportService(), tmp_path)
    assert "A0101-2026-001" in dlg.summary_label.text()
    assert dlg.path_edit.text() == str(tmp_path / "A0101-2026-001.pdf")
    assert not dlg.export_button.isEnabled()
    dlg.purpose_edit.setText("户籍证明")
    assert dlg.export_button.isEnabled()
    dlg.password_check.setChecked(True)
    assert not dlg.export_button.isEnabled()
    dlg.password_edit.setText("abc")
    dlg.password_repeat.setText("abd")
    assert not dlg.export_button.isEnabled()
    dlg.password_repeat.setText("abc")
    assert dlg.export_button.isEnabled()
    req = dlg.request()
    assert req.password == "abc" and req.purpose == "户籍证明"
    assert req.image == "auto"  # cleaned pages unless the user asks for the colour masters
    dlg.image_combo.setCurrentIndex(dlg.image_combo.findData("master"))
    assert dlg.request().image == "master"


def test_export_reports_progress_and_opens_the_file(qtbot: Any, tmp_path: Path, opened: list[str]) -> None:
    svc = FakeExportService()
    dlg = _dialog(qtbot, svc, tmp_path)
    dlg.purpose_edit.setText("户籍证明")
    dlg.watermark_check.setChecked(True)
    with qtbot.waitSignal(dlg.export_finished, timeout=10000) as blocker:
        dlg.export_button.click()
    result = blocker.args[0]
    assert result.path.exists()
    assert svc.requests[0].watermark is True
    assert dlg.progress_bar.value() == dlg.progress_bar.maximum()
    assert opened == [str(result.path)]
    assert dlg.open_button.isVisible() or not dlg.isVisible()
    dlg._on_reveal_button_clicked()
    assert opened[-1] == str(tmp_path)


def test_cancel_stops_the_export(qtbot: Any, tmp_path: Path, opened: list[str]) -> None:
    svc = FakeExportService(block=True)
    dlg = _dialog(qtbot, svc, tmp_path)
    dlg.purpose_edit.setText("核查")
    with qtbot.waitSignal(dlg.export_failed, timeout=10000):
        dlg.export_button.click()
        qtbot.waitUntil(lambda: dlg.progress_bar.value() >= 1)
        dlg.cancel_button.click()
    assert not (tmp_path / "A0101-2026-001.pdf").exists()
    assert opened == []
    assert dlg.export_button.isEnabled()


def test_real_service_end_to_end(qtbot: Any, ctx: Any, tmp_path: Path, opened: list[str]) -> None:
    from tests.export_pages import pdftotext, seed

    s = seed(ctx, n_pages=2)
    out_dir = tmp_path / "exports"
    dlg = ExportDialog(ctx.export, ExportSource.batch(s.batch.id), out_dir, open_when_done=False)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.path_edit.text() != "")
    assert "2" in dlg.summary_label.text()
    dlg.purpose_edit.setText("户籍证明")
    with qtbot.waitSignal(dlg.export_finished, timeout=30000) as blocker:
        dlg.export_button.click()
    path = blocker.args[0].path
    assert path == out_dir / "A0101-2026-001.pdf"
    assert "常住人口登记表" in pdftotext(path)
    assert opened == []


def test_ofd_format_disables_password_and_watermark_and_colour_pages_are_named(
    qtbot: Any, ctx: Any, tmp_path: Path, opened: list[str]
) -> None:
    """OFD from the dialog; the finished status says which pages went in colour and why;
    the PDF/A note says what is checked and never claims validation."""
    import io

    from PIL import Image

    from tests.export_pages import seed, stamp_red_seal

    s = seed(ctx, n_pages=2)
    for i, p in enumerate(s.pages):  # grey derivatives, a red seal on page 2's colour master
        master = ctx.blobs.get(p.processed_sha256)
        if i == 1:
            master = stamp_red_seal(master)
        buf = io.BytesIO()
        Image.open(io.BytesIO(master)).convert("L").save(buf, "PNG")
        ctx.pages.update(
            p.id, processed_sha256=ctx.blobs.put(master), derivative_sha256=ctx.blobs.put(buf.getvalue())
        )
    out_dir = tmp_path / "exports"
    dlg = ExportDialog(ctx.export, ExportSource.batch(s.batch.id), out_dir, open_when_done=False)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.path_edit.text() != "")
    assert "validated" in dlg.pdfa_label.text() and "not validated" in dlg.pdfa_label.text()
    dlg.password_check.setChecked(True)
    dlg.format_combo.setCurrentIndex(dlg.format_combo.findData("ofd"))
    assert not dlg.password_check.isChecked() and not dlg.password_check.isEnabled()
    assert not dlg.watermark_check.isEnabled() and dlg.pdfa_label.isHidden()
    assert dlg.path_edit.text().endswith("A0101-2026-001.ofd")
    dlg.purpose_edit.setText("户籍证明")
    with qtbot.waitSignal(dlg.export_finished, timeout=30000) as blocker:
        dlg.export_button.click()
    result = blocker.args[0]
    assert result.path == out_dir / "A0101-2026-001.ofd" and result.format == "ofd"
    assert "A0101-2026-001-0002（red seal）" in dlg.status_label.text()
    dlg.resize(640, 560)
    dlg.grab().save(str(tmp_path / "export_dialog.png"))
