"""Issue 16 item 10: export targets.

An existing file is not replaced without ``--force`` (the GUI asks); device files and
system trees are refused (``-o /dev/full`` once wrote ``/dev/full.pdf``); an export
that left out damaged pages exits with its own code (14), stated in ``--help``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.cli.export import EXIT_PAGES_LEFT_OUT
from hukou_scan.errors import ExportError
from tests.export_pages import seed

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def _export(batch_id: str, out: Path | str, *extra: str) -> int:
    return main(["export", "--batch", batch_id, "-o", str(out), "--purpose", "户籍证明", *extra])


def test_existing_file_needs_force(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = seed(ctx, n_pages=2, link=False)
    out = tmp_path / "out.pdf"
    out.write_bytes(b"the clerk's other document")
    assert _export(s.batch.id, out) == ExportError.exit_code
    err = capsys.readouterr().err
    assert "文件已存在" in err and "--force" in err
    assert out.read_bytes() == b"the clerk's other document"
    # without the .pdf suffix the same file is meant
    assert _export(s.batch.id, tmp_path / "out") == ExportError.exit_code
    assert out.read_bytes() == b"the clerk's other document"
    # a folder target whose suggested name exists is protected too
    assert _export(s.batch.id, tmp_path) == 0
    assert _export(s.batch.id, tmp_path) == ExportError.exit_code
    assert _export(s.batch.id, out, "--force") == 0
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("target", ["/dev/full", "/dev/null", "/dev/hukou-test-nope", "/proc/self/x"])
def test_device_and_system_paths_are_refused(
    ctx: AppContext, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    s = seed(ctx, n_pages=1, link=False)
    before = set(Path("/dev").iterdir())
    assert _export(s.batch.id, target) == ExportError.exit_code
    assert _export(s.batch.id, target, "--force") == ExportError.exit_code
    err = capsys.readouterr().err
    assert "不能导出到该位置" in err and "Traceback" not in err
    assert set(Path("/dev").iterdir()) == before  # no /dev/full.pdf


def test_fifo_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=1, link=False)
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    assert _export(s.batch.id, fifo, "--force") == ExportError.exit_code


def test_damaged_pages_left_out_give_their_own_exit_code(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = seed(ctx, n_pages=3, link=False)
    ctx.blobs.delete(s.pages[1].original_sha256)
    out = tmp_path / "partial.pdf"
    assert _export(s.batch.id, out) == EXIT_PAGES_LEFT_OUT == 14
    assert out.exists()
    assert "damaged and left out" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "14" in capsys.readouterr().out


def test_gui_dialog_asks_before_replacing(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from hukou_scan.gui.export_dialog import ExportDialog
    from hukou_scan.services.export import ExportSource
    from tests.gui.test_export_dialog import FakeExportService

    svc = FakeExportService()
    dlg = ExportDialog(svc, ExportSource.batch("b1"), tmp_path)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.path_edit.text() != "")
    Path(dlg.path_edit.text()).write_bytes(b"keep me")
    dlg.purpose_edit.setText("户籍证明")
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: Any, _title: str, text: str, *_a: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    dlg.export_button.click()
    assert len(asked) == 1 and "A0101-2026-001.pdf" in asked[0]
    assert svc.requests == [] and Path(dlg.path_edit.text()).read_bytes() == b"keep me"
    answer[0] = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(dlg.export_finished, timeout=10000):
        dlg.export_button.click()
    assert svc.requests[-1].overwrite is True
    dlg.path_edit.setText("/dev/full")
    dlg.export_button.click()
    assert "不能导出到该位置" in dlg.status_label.text() or "Cannot export there" in dlg.status_label.text()
