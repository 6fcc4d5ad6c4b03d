"""Which screens the main window shows, wired to the services of the application context.

Screens are shown by role: clerks capture and link, reviewers do spot-checks,
searchers search and export, administrators see everything.  Hiding a screen is only
convenience — every service checks the role again in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from hukou_scan.app import AppContext
from hukou_scan.domain import Role
from hukou_scan.gui.i18n import tr

if TYPE_CHECKING:
    from hukou_scan.capture.source import CameraSource
    from hukou_scan.domain import Page
    from hukou_scan.gui.capture_view import CaptureView
    from hukou_scan.gui.main_window import MainWindow, Screen
    from hukou_scan.services.export import ExportSource


def _has(ctx: AppContext, *roles: Role) -> bool:
    user = ctx.guard.user
    if user is None:  # no interactive login (tests, system actor): everything
        return True
    return any(user.has(r) for r in roles)


def make_camera(ctx: AppContext) -> CameraSource:
    from hukou_scan.capture.factory import make_source

    return make_source(ctx.settings.camera, ctx.settings.section("camera"))


def capture_screen(ctx: AppContext, source: CameraSource | None) -> QWidget:
    """The clerk's screen with the link panel beside the processed page."""
    from hukou_scan.gui.capture_view import CaptureView
    from hukou_scan.gui.link_panel import LinkPanel

    view = CaptureView(ctx.capture, source, link_states=ctx.linking.link_states, cover_label=ctx.cover_label)
    panel = LinkPanel(ctx.linking, runner=view.runner if hasattr(view, "runner") else None)
    view.set_link_panel(panel)

    def show_in_panel(page: Page | None) -> None:
        number = view.page_number(page.id) if page else None
        panel.set_page(page.id if page else None, str(number) if number else "")

    view.strip.currentItemChanged.connect(lambda *_: show_in_panel(view.selected_page()))
    view.page_captured.connect(show_in_panel)
    # a delete, re-take or reorder renumbers the pages: the title follows the strip
    view.pages_changed.connect(lambda: show_in_panel(view.selected_page()))
    panel.links_changed.connect(lambda _pid: view.refresh_pages())  # the thumbnail's mark follows
    view.confirm_requested.connect(panel.confirm_top)  # Enter, whatever has focus on the screen
    # proposals appear once OCR is done (seconds after capture): refresh while visible
    timer = QTimer(view)
    timer.setInterval(3000)
    timer.timeout.connect(lambda: panel.refresh() if panel.isVisible() else None)
    timer.start()
    view.link_panel = panel  # type: ignore[attr-defined]
    return view


def build_screens(ctx: AppContext) -> list[Screen]:
    from hukou_scan.gui.audit_view import AuditView
    from hukou_scan.gui.dashboard_view import DashboardView
    from hukou_scan.gui.main_window import Screen
    from hukou_scan.gui.ocr_queue_view import OcrQueueView
    from hukou_scan.gui.qa_view import QaView
    from hukou_scan.gui.warnings_view import WarningsView

    screens: list[Screen] = []
    if _has(ctx, Role.CLERK):
        screens.append(
            Screen("capture", tr("Capture"), lambda w: capture_screen(ctx, make_camera(ctx)), "Ctrl+1")
        )
    if _has(ctx, Role.SEARCHER):
        from hukou_scan.gui.search_view import SearchView

        screens.append(
            Screen(
                "search",
                tr("Search"),
                lambda w: SearchView(ctx.search, [(st.id, st.name) for st in ctx.stations.list()]),
                "Ctrl+2",
            )
        )
    if _has(ctx, Role.REVIEWER):
        screens.append(
            Screen(
                "review",
                tr("Review"),
                lambda w: QaView(
                    ctx.qa, w.runner, image_loader=lambda pid: ctx.capture.page_image(ctx.pages.get(pid))
                ),
                "Ctrl+3",
            )
        )
    if _has(ctx, Role.REVIEWER, Role.ADMIN):
        screens.append(
            Screen(
                "quality", tr("Data quality"), lambda w: WarningsView(ctx.registry, runner=w.runner), "Ctrl+4"
            )
        )
    if _has(ctx, Role.CLERK, Role.REVIEWER):
        screens.append(
            Screen("dashboard", tr("Statistics"), lambda w: DashboardView(ctx.dashboard, w.runner), "Ctrl+5")
        )
    if _has(ctx, Role.CLERK, Role.REVIEWER):
        from hukou_scan.gui.sync_view import SyncView

        screens.append(Screen("sync", tr("Backup"), lambda w: SyncView(ctx.sync, w.runner), "Ctrl+6"))
    if _has(ctx, Role.CLERK, Role.REVIEWER, Role.ADMIN):  # the queue's core checks need one of them
        screens.append(
            Screen(
                "ocr",
                tr("OCR queue"),
                lambda w: OcrQueueView(ctx.ocr, runner=w.runner, default_engine=ctx.settings.ocr_engine),
                "Ctrl+7",
            )
        )
    if _has(ctx, Role.ADMIN):
        screens.append(
            Screen("audit", tr("Audit log"), lambda w: AuditView(ctx.security, w.runner), "Ctrl+8")
        )
    return screens


def install_menu_actions(ctx: AppContext, window: MainWindow) -> None:
    """File and Tools menu entries that open dialogs over the current screen."""
    from hukou_scan.gui.export_dialog import ExportDialog
    from hukou_scan.gui.registry_import_dialog import RegistryImportDialog
    from hukou_scan.gui.shortcuts import with_shortcut_tooltip
    from hukou_scan.gui.users_dialog import UsersDialog

    def export_current() -> None:
        # Without a current batch or search result the dialog opens on "batch by 档号".
        source = current_export_source(window)
        ExportDialog(ctx.export, source, ctx.settings.export_dir, window, runner=window.runner).exec()

    def import_registry() -> None:
        RegistryImportDialog(ctx.registry, window, runner=window.runner).exec()

    def users() -> None:
        UsersDialog(ctx.security, ctx.stations.list(), window).exec()

    def add(menu_name: str, text: str, keys: str | None, slot: Callable[[], None]) -> QAction:
        action = QAction(text, window)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        window.addAction(action)
        if menu_name == "file":
            window.file_menu.insertAction(window.quit_action, action)
        else:
            window.tools_menu.addAction(action)
        with_shortcut_tooltip(action)
        return action

    if _has(ctx, Role.SEARCHER):
        add("file", tr("Export PDF…"), "Ctrl+E", export_current)
    if _has(ctx, Role.ADMIN):
        add("file", tr("Import registry…"), "Ctrl+Shift+I", import_registry)
        add("tools", tr("Users…"), None, users)


def current_export_source(window: MainWindow) -> ExportSource | None:
    """What "Export PDF" exports: the open batch on the capture screen, or the shown search result."""
    from hukou_scan.services.export import ExportSource

    current = window.stack.currentWidget()
    source = getattr(current, "export_source", None)
    if callable(source):
        result = source()
        return result if isinstance(result, ExportSource) else None
    capture: CaptureView | None = window.screens.get("capture")  # type: ignore[assignment]
    batch_id = getattr(getattr(capture, "service", None), "current_batch_id", None) if capture else None
    return ExportSource.batch(batch_id) if batch_id else None
