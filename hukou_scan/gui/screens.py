"""Which screens the main window shows, wired to the services of the application context."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from hukou_scan.app import AppContext

if TYPE_CHECKING:
    from hukou_scan.gui.main_window import MainWindow, Screen


def tr(text: str) -> str:
    # pyside6-lupdate files bare tr("…") calls (outside self.tr) under the empty context,
    # so they must be looked up there too or they would never be translated.
    return QCoreApplication.translate("", text)


def build_screens(ctx: AppContext, window_getter: Callable[[], MainWindow | None]) -> list[Screen]:
    from hukou_scan.gui.main_window import Screen
    from hukou_scan.gui.welcome_view import WelcomeView

    return [Screen("welcome", tr("Start"), lambda: WelcomeView(ctx), "Ctrl+0")]
