"""The main window comes up, lists its shortcuts, and remembers its layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
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
