"""The main window comes up, lists its shortcuts, and remembers its layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings
from hukou_scan.errors import StorageError
from hukou_scan.gui.app import create_application, error_text
from hukou_scan.gui.main_window import MainWindow, Screen
from hukou_scan.gui.shortcuts import ShortcutSheetDialog


def _screens() -> list[Screen]:
    return [
        Screen("one", "One", lambda _w: QLabel("first"), "Ctrl+1"),
        Screen("two", "Two", lambda _w: QLabel("second"), "Ctrl+2"),
    ]


def test_window_navigation_and_shortcut_sheet(qtbot: QtBot, ctx: AppContext) -> None:
    create_application("zh_CN")
    w = MainWindow(ctx, _screens())
    qtbot.addWidget(w)
    w.show()
    assert w.nav.count() == 2 and w.stack.currentIndex() == 0
    w.screen_actions[1].trigger()
    assert w.stack.currentIndex() == 1
    sheet = ShortcutSheetDialog(w.all_actions(), w)
    keys = {sheet.table.item(r, 1).text() for r in range(sheet.table.rowCount())}
    assert {"F1", "Ctrl+1", "Ctrl+2", "Ctrl+Q"} <= keys
    assert "(F1)" in w.shortcuts_action.toolTip()
    w.close()


def test_layout_is_remembered(qtbot: QtBot, ctx: AppContext) -> None:
    create_application("zh_CN")
    w = MainWindow(ctx, _screens())
    qtbot.addWidget(w)
    w.show()
    w.show_screen("two")
    w.resize(701, 503)
    qtbot.waitUntil(lambda: w.width() == 701)
    w.close()
    assert (Path(ctx.settings.config_dir) / "window.ini").exists()
    w2 = MainWindow(ctx, _screens())
    qtbot.addWidget(w2)
    assert w2.stack.currentIndex() == 1
    w2.show()
    qtbot.waitUntil(lambda: (w2.width(), w2.height()) == (701, 503))
    w2.close()


def test_error_dialog_text_says_what_was_kept(qtbot: QtBot) -> None:
    create_application("zh_CN")
    text = error_text(StorageError("磁盘已满。", "Disk full."), Path("/tmp/x.log"))
    assert "磁盘已满" in text and "/tmp/x.log" in text


def test_screens_get_shutdown_on_close(qtbot: QtBot, ctx: AppContext) -> None:
    create_application("zh_CN")
    calls: list[str] = []

    class Closing(QWidget):
        def shutdown(self) -> None:
            calls.append("shutdown")

    w = MainWindow(ctx, [Screen("c", "C", lambda _w: Closing())])
    qtbot.addWidget(w)
    w.close()
    assert calls == ["shutdown"]


def test_settings_changes_are_listed_for_the_audit(ctx: AppContext) -> None:
    from hukou_scan.gui.main_window import settings_changes

    new = ctx.settings.with_changes(language="en", extra={"security": {"idle_lock_minutes": 5}})
    changes = settings_changes(ctx.settings, new)
    assert changes["language"] == ("zh_CN", "en")
    assert changes["security.idle_lock_minutes"] == (None, 5)
    assert settings_changes(ctx.settings, ctx.settings) == {}


def test_saved_settings_apply_live_or_say_restart(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 item 6: a backup target saved in Settings works without a restart; the
    fields that need one say so in the dialog and in the status bar after saving."""
    from hukou_scan.gui.settings_dialog import SettingsDialog

    create_application("zh_CN")
    ctx.security.begin_interactive()
    ctx.security.create_first_admin("admin", "管理员", "Adm1n-secret")
    ctx.security.login("admin", "Adm1n-secret")
    assert ctx.sync.config.target == ""
    assert ctx.ocr.options.engine == ctx.settings.ocr_engine
    _ = ctx.processing  # built with the old values
    window = MainWindow(ctx, [Screen("a", "A", lambda w: QLabel("a"))])
    qtbot.addWidget(window)
    target = (tmp_path / "nas").as_uri()

    def edit(dialog: SettingsDialog) -> int:
        notes = {name: label.text() for name, label in dialog.restart_labels.items()}
        assert set(notes) == {"language", "station_code", "station_name", "camera"}
        assert all("重启后生效" in text for text in notes.values())
        dialog.ui.storageEdit.setText(target)
        dialog.ui.ocrCombo.setCurrentIndex(dialog.ui.ocrCombo.findData("tesseract"))
        dialog.ui.masterCombo.setCurrentIndex(dialog.ui.masterCombo.findData("tiff"))
        dialog.ui.dpiSpin.setValue(400)
        dialog.ui.stationNameEdit.setText("新站名")
        return int(SettingsDialog.DialogCode.Accepted)

    monkeypatch.setattr(SettingsDialog, "exec", edit)
    window.settings_action.trigger()
    assert ctx.sync.config.target == target and ctx.sync.target == target
    assert ctx.sync.engine().store is not None  # a store for the new target, no "no target" error
    assert ctx.ocr.options.engine == "tesseract"
    assert ctx.processing.master_format == "tiff" and ctx.processing.options.target_dpi == 400
    message = window.statusBar().currentMessage()
    assert "工作站名称" in message and "重启" in message
    assert load_settings().storage_url == target
