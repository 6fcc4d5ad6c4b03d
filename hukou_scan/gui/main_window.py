"""The workstation's main window: a navigation rail on the left, one screen per task.

Screens are built by their areas (capture, search, review, statistics, sync,
administration) and handed in as :class:`Screen` entries; the window only owns
navigation, menus, shortcuts, the status bar and remembering its layout.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from hukou_scan import __version__
from hukou_scan.app import AppContext
from hukou_scan.config import Settings
from hukou_scan.domain import Role
from hukou_scan.errors import PermissionDenied, current_language
from hukou_scan.gui.settings_dialog import SettingsDialog
from hukou_scan.gui.shortcuts import ShortcutSheetDialog, with_shortcut_tooltip
from hukou_scan.gui.tasks import TaskRunner

log = logging.getLogger(__name__)


def settings_changes(old: Settings, new: Settings) -> dict[str, tuple[Any, Any]]:
    """Changed settings as ``name: (old, new)`` for the audit log (sections flattened)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for f in dataclasses.fields(Settings):
        if f.name == "extra":
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a != b:
            changes[f.name] = (str(a), str(b))
    for section in set(old.extra) | set(new.extra):
        a_sec, b_sec = old.section(section), new.section(section)
        for key in set(a_sec) | set(b_sec):
            if a_sec.get(key) != b_sec.get(key):
                changes[f"{section}.{key}"] = (a_sec.get(key), b_sec.get(key))
    return changes


@dataclass
class Screen:
    """One entry of the navigation rail."""

    key: str
    title: str
    factory: Callable[[MainWindow], QWidget]
    shortcut: str = ""


class MainWindow(QMainWindow):
    settings_saved = Signal()
    switch_user_requested = Signal()  # log out and let the next user log in (app keeps running)
    lock_requested = Signal()
    closed = Signal()

    def __init__(self, ctx: AppContext, screens: list[Screen], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.setWindowTitle(
            self.tr("Household Registration Archive Workstation") + f" — {ctx.settings.station_name}"
        )
        self.resize(1440, 900)
        self._qsettings = QSettings(str(ctx.settings.config_dir / "window.ini"), QSettings.Format.IniFormat)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(150)
        self.stack = QStackedWidget(self)
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.screens: dict[str, QWidget] = {}
        self.screen_actions: list[QAction] = []
        self._build_menus()
        for screen in screens:
            self.add_screen(screen)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        if self.nav.count():
            self.nav.setCurrentRow(0)

        self.status_station = QLabel(
            self.tr("Station: %1").replace("%1", f"{ctx.settings.station_name} ({ctx.settings.station_code})")
        )
        self.status_user = QLabel("")
        self.status_queue = QLabel("")
        for w in (self.status_station, self.status_user, self.status_queue):
            self.statusBar().addPermanentWidget(w)
        self._queue_loading = False
        self._queue_timer = QTimer(self)
        self._queue_timer.setInterval(3000)
        self._queue_timer.timeout.connect(self._refresh_queue)
        self._queue_timer.start()
        self._restore_layout()

    # -- building --------------------------------------------------------------------
    def _action(
        self, text: str, shortcut: str | QKeySequence.StandardKey | None, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        with_shortcut_tooltip(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu(self.tr("&File"))
        self.view_menu = bar.addMenu(self.tr("&View"))
        self.tools_menu = bar.addMenu(self.tr("&Tools"))
        help_menu = bar.addMenu(self.tr("&Help"))
        self.settings_action = self._action(self.tr("Settings…"), "Ctrl+,", self._on_settings_triggered)
        self.tools_menu.addAction(self.settings_action)
        self.lock_action = self._action(self.tr("Lock screen"), "Ctrl+Alt+L", self.lock_requested.emit)
        self.switch_user_action = self._action(
            self.tr("Log out / switch user"), "Ctrl+Shift+L", self.switch_user_requested.emit
        )
        self.handover_action = self._action(
            self.tr("Hand over to the archive…"), None, self._on_handover_triggered
        )
        self.handover_action.setVisible(self._may_hand_over())
        self.tools_menu.addAction(self.handover_action)
        self.quit_action = self._action(self.tr("Quit"), "Ctrl+Q", self.close)
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addAction(self.switch_user_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.shortcuts_action = self._action(
            self.tr("Keyboard shortcuts"), "F1", self._on_shortcuts_triggered
        )
        help_menu.addAction(self.shortcuts_action)
        self.about_action = self._action(self.tr("About"), None, self._on_about_triggered)
        help_menu.addAction(self.about_action)

    def add_screen(self, screen: Screen) -> QWidget:
        widget = screen.factory(self)
        widget.setObjectName(f"screen_{screen.key}")
        self.screens[screen.key] = widget
        index = self.stack.addWidget(widget)
        item = QListWidgetItem(screen.title)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.nav.addItem(item)
        action = self._action(
            screen.title, screen.shortcut or None, functools.partial(self.nav.setCurrentRow, index)
        )
        self.view_menu.addAction(action)
        self.screen_actions.append(action)
        # screens may contribute their own actions (with shortcuts) to the File menu
        extras: list[QAction] = getattr(widget, "menu_actions", lambda: [])()
        for extra in extras:
            with_shortcut_tooltip(extra)
            # acting from the menu brings the screen that owns the action to the front first
            extra.triggered.connect(functools.partial(self.nav.setCurrentRow, index))
            self.file_menu.insertAction(self.quit_action, extra)
        if extras:
            self.file_menu.insertSeparator(self.quit_action)
        return widget

    def show_screen(self, key: str) -> None:
        widget = self.screens[key]
        self.nav.setCurrentRow(self.stack.indexOf(widget))

    def all_actions(self) -> list[QAction]:
        acts = list(self.actions())
        for w in self.screens.values():
            acts += [a for a in w.actions() if a not in acts]
            acts += [a for a in getattr(w, "menu_actions", lambda: [])() if a not in acts]
        return acts

    def set_user(self, text: str) -> None:
        self.status_user.setText(text)

    # -- slots -------------------------------------------------------------------------
    def _on_settings_triggered(self) -> None:
        try:
            self.ctx.guard.require(Role.ADMIN)
        except PermissionDenied as e:
            QMessageBox.warning(self, self.tr("Settings"), e.user_message(current_language()))
            return
        old = self.ctx.settings
        dialog = SettingsDialog(old, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        new = dialog.result_settings()
        changes = settings_changes(old, new)
        if not changes:
            return
        self.ctx.security.record_settings_change("settings.toml", changes)
        pending = self.ctx.apply_settings(dialog.save())
        if pending:
            sep = "、" if current_language() != "en" else ", "
            names = sep.join(SettingsDialog.field_title(name) for name in pending)
            self.statusBar().showMessage(
                self.tr("Settings saved. %1 take(s) effect after the application is restarted.").replace(
                    "%1", names
                ),
                15000,
            )
        else:
            self.statusBar().showMessage(self.tr("Settings saved and in effect."), 5000)
        self.settings_saved.emit()

    def _may_hand_over(self) -> bool:
        """Administrators and reviewers (or no login at all) see the hand-over action."""
        user = self.ctx.guard.user
        return user is None or user.has(Role.REVIEWER)

    def _on_handover_triggered(self) -> None:
        from hukou_scan.gui.handover_dialog import HandoverDialog

        try:
            self.ctx.guard.require(Role.ADMIN, Role.REVIEWER)
        except PermissionDenied as e:
            QMessageBox.warning(self, self.tr("Hand over to the archive"), e.user_message(current_language()))
            return
        sync = self.ctx.settings.section("sync")
        dialog = HandoverDialog(
            self.ctx.handover,
            self.ctx.settings.export_dir / "handover",
            self,
            stations=self.ctx.stations.list(),
            sync_target=str(sync.get("target") or self.ctx.settings.storage_url or ""),
        )
        dialog.exec()

    def _on_shortcuts_triggered(self) -> None:
        ShortcutSheetDialog(self.all_actions(), self).exec()

    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About"),
            self.tr("hukou-scan %1 — digitization workstation for household-registration archives.").replace(
                "%1", __version__
            )
            + "\n"
            + self.tr("Data folder: %1").replace("%1", str(self.ctx.settings.data_dir)),
        )

    def _refresh_queue(self) -> None:
        if self._queue_loading:
            return  # the last count has not landed (a busy database): do not pile up reads
        self._queue_loading = True

        def counts() -> tuple[dict[str, int], dict[str, int]]:
            return self.ctx.jobs.counts("process"), self.ctx.jobs.counts("ocr")

        self.runner.run_simple(counts, self._on_counts_loaded, self._on_counts_failed)

    def _on_counts_failed(self, error: BaseException) -> None:
        self._queue_loading = False
        log.warning("queue counts failed: %s", error)

    def _on_counts_loaded(self, result: tuple[dict[str, int], dict[str, int]]) -> None:
        self._queue_loading = False
        process, ocr = result
        waiting = process.get("queued", 0) + process.get("running", 0)
        ocr_waiting = ocr.get("queued", 0) + ocr.get("running", 0)
        if waiting or ocr_waiting:
            self.status_queue.setText(
                self.tr("Processing: %1  OCR: %2").replace("%1", str(waiting)).replace("%2", str(ocr_waiting))
            )
        else:
            self.status_queue.setText(self.tr("All pages processed"))

    # -- layout persistence ---------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self._qsettings.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self._qsettings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        key = self._qsettings.value("main/screen")
        if isinstance(key, str) and key in self.screens:
            self.show_screen(key)

    def save_layout(self) -> None:
        self._qsettings.setValue("main/geometry", self.saveGeometry())
        self._qsettings.setValue("main/state", self.saveState())
        current = self.stack.currentWidget()
        for key, w in self.screens.items():
            if w is current:
                self._qsettings.setValue("main/screen", key)
        self._qsettings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self._queue_timer.stop()
        for w in self.screens.values():
            shutdown = getattr(w, "shutdown", None)
            if callable(shutdown):
                shutdown()
        self.runner.wait_all(10000)
        super().closeEvent(event)
        self.closed.emit()
