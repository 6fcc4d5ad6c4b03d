"""GUI bootstrap: QApplication, fonts, theme, translations, error dialog, main window."""

from __future__ import annotations

import ctypes
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from hukou_scan.app import AppContext
from hukou_scan.errors import HukouScanError, current_language
from hukou_scan.gui.heap import HeapSettler
from hukou_scan.gui.i18n import install_translators, resources_dir, tr
from hukou_scan.gui.main_window import MainWindow, Screen
from hukou_scan.storage.blobstore import SweepReport

log = logging.getLogger(__name__)

# Preferred UI fonts, first installed wins: readable CJK faces on Linux, Windows and Kylin/UOS.
CJK_FAMILIES = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
]


def pick_font(point_size: float = 10.5) -> QFont:
    families = set(QFontDatabase.families())
    for fam in CJK_FAMILIES:
        if fam in families:
            font = QFont(fam)
            font.setPointSizeF(point_size)
            return font
    font = QGuiApplication.font()
    font.setPointSizeF(point_size)
    return font


def stylesheet() -> str:
    candidates = [
        Path(__file__).resolve().parents[2] / "ui" / "style.qss",
        resources_dir().parent / "ui" / "style.qss",
    ]
    for path in candidates:
        if path.exists():
            return path.read_text(encoding="utf-8")
    return ""


GUI_SWITCH_INTERVAL_S = 0.001
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024  # full camera frames (24 MB at 8 MP) always get their own mapping


MALLOC_ARENAS = 2  # glibc's default is 8 per core: one per thread that ever met a locked arena


def _glibc() -> ctypes.CDLL | None:
    """glibc through ctypes on Linux (``None`` elsewhere, or on musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 - musl has a libc.so.6 shim on some systems but no mallopt
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas of the GUI process (``M_ARENA_MAX``; Linux only).

    Why: the GUI process runs a dozen threads (camera grabber, live outline, task pool,
    OCR and processing feeders, hot folder); glibc gives each thread that finds an arena
    locked a new one, up to 8 per core, and memory freed in one arena is never reused by
    another, so the process's RSS crept up through the day while Python's own objects did
    not (issue 15).  Two arenas keep the GUI thread apart from the workers; the
    allocations are small and short, so the extra lock contention does not show.  Arenas
    already made stay; call this before the threads start (``create_application``).
    """
    libc = _glibc()
    if libc is None:
        return False
    m_arena_max = -8
    return bool(libc.mallopt(m_arena_max, arenas))


def fix_mmap_threshold() -> bool:
    """Keep glibc from moving big frame buffers onto the heap (Linux; a no-op elsewhere).

    Why: glibc raises its mmap threshold each time a mapped block is freed, up to 32 MB,
    so after the first few 8 MP frames (24 MB each) every later frame comes from the
    heap; freed in another thread's order than allocated, they leave holes the heap
    never returns, and the GUI process grew by megabytes a minute on the capture screen
    (issue 15).  A fixed threshold keeps each such buffer a mapping of its own, returned
    to the system when freed; preview-sized buffers stay on the heap.
    """
    libc = _glibc()
    if libc is None:  # not glibc (musl): its allocator has no such threshold
        return False
    m_mmap_threshold = -3
    return bool(libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD_BYTES))


def create_application(lang: str, argv: list[str] | None = None) -> QApplication:
    """The QApplication with our font, theme and translations (reuses an existing one in tests)."""
    existing = QApplication.instance()
    if not isinstance(existing, QApplication):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationName("hukou-scan")
    app.setOrganizationName("hukou-scan")
    # The camera grabber and the live-outline thread run Python between OpenCV calls; a UI
    # thread woken by Qt waits for the GIL up to one switch interval per slot call (5 ms by
    # default, several calls per frame).  1 ms keeps the capture screen's event loop
    # responsive at the cost of a little more switching in those threads (issue 15).
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    fix_mmap_threshold()
    limit_malloc_arenas()
    app.setFont(pick_font())
    app.setStyleSheet(stylesheet())
    install_translators(app, lang)
    return app


def error_text(exc: BaseException, log_path: Path | None) -> str:
    """What happened, what was kept, what to do next — in the user's language."""
    if isinstance(exc, HukouScanError):
        body = exc.user_message(current_language())
    else:
        body = tr("An unexpected error occurred: %1").replace("%1", f"{type(exc).__name__}: {exc}")
    kept = tr("Pages already captured are saved and were not affected.")
    nxt = tr("If this keeps happening, send the log file to your administrator: %1").replace(
        "%1", str(log_path) if log_path else "-"
    )
    return f"{body}\n\n{kept}\n{nxt}"


def install_excepthook(parent_getter: Callable[[], QWidget | None], log_path: Path | None) -> None:
    """Unhandled exceptions on the UI thread become a dialog instead of a silent crash."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unhandled exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if QApplication.instance() is None:
            sys.__excepthook__(exc_type, exc, tb)
            return
        QMessageBox.critical(parent_getter(), tr("Error"), error_text(exc, log_path))

    sys.excepthook = hook


def default_screens(ctx: AppContext) -> list[Screen]:
    """The screens of the workstation in navigation order."""
    from hukou_scan.gui.screens import build_screens

    return build_screens(ctx)


def build_main_window(ctx: AppContext) -> MainWindow:
    """The main window with the screens and menu entries the logged-in user's roles allow."""
    from hukou_scan.gui.screens import install_menu_actions

    window = MainWindow(ctx, default_screens(ctx))
    install_menu_actions(ctx, window)
    user = ctx.guard.user
    if user is not None:
        window.set_user(tr("User: %1").replace("%1", user.display_name or user.username))
    return window


def seed_sample_registry(ctx: AppContext, window: MainWindow) -> None:
    """With the simulated camera and an empty registry, load the fictional sample registry
    in the background so a first try of the app has persons to link pages to."""
    from hukou_scan.capture.simulated.camera import SimulatedCamera

    capture = window.screens.get("capture")
    source = getattr(capture, "source", None)
    if not isinstance(source, SimulatedCamera):
        return
    sample = resources_dir() / "sample" / "registry.csv"

    def load() -> int:
        if ctx.persons.count() > 0:
            return 0
        report = ctx.registry.import_file(sample)
        return report.run.added

    def done(added: int) -> None:
        if added:
            window.statusBar().showMessage(
                tr("Simulated camera: loaded %1 fictional persons of the sample registry.").replace(
                    "%1", str(added)
                ),
                10000,
            )

    window.runner.run_simple(load, done, lambda e: log.warning("sample registry not loaded: %s", e))


def start_backup(ctx: AppContext, window: MainWindow) -> None:
    """Background sync to the configured target.  Each durable capture already requests an
    upload (``AppContext.capture``: a job of the shared queue, kept until a run reached the
    target); this loop answers the requests (woken at once) or a ``worker --sync`` does.

    Called at start and again after the settings were saved, so a target set in the
    Settings dialog starts the backup at once (it is idempotent).
    """
    if not ctx.sync.config.target:
        window.statusBar().showMessage(
            tr("No backup target is configured (Settings → Backup storage)."), 10000
        )
        return
    if ctx.sync.background_running:
        return
    try:
        ctx.sync.start_background()
    except HukouScanError as e:  # e.g. a searcher-only account: no background sync from this login
        log.info("background sync not started: %s", e)
        return


def page_store_message(report: SweepReport, affected: list[tuple[str, int]], ctx: AppContext) -> str:
    """The start-up check's findings for an administrator: what happened, what it means, what to do."""
    lost = len(report.missing) + len(report.corrupt)
    parts = [
        tr("%1 page image(s) recorded in the archive could not be read on this workstation.").replace(
            "%1", str(lost)
        )
    ]
    if report.missing:
        parts.append(
            tr("%1 file(s) are no longer in the data folder.").replace("%1", str(len(report.missing)))
        )
    if report.corrupt:
        parts.append(
            tr("%1 file(s) are damaged (their content changed after they were saved).").replace(
                "%1", str(len(report.corrupt))
            )
        )
    if affected:
        shown = [tr("%1 page %2").replace("%1", a).replace("%2", str(n)) for a, n in affected[:8]]
        more = "…" if len(affected) > 8 else ""
        sep = "、" if current_language() != "en" else ", "
        parts.append(tr("Affected pages: %1").replace("%1", sep.join(shown) + more))
    parts.append(
        tr(
            "These pages cannot be viewed, exported or backed up until their images are back. "
            "Nothing else is affected; capture and search go on normally."
        )
    )
    parts.append(
        tr(
            "What to do: check that the disk or network share holding the data folder (%1) is "
            "connected; if the files are really gone, restore them from the backup storage or "
            "re-capture the pages listed above from the paper originals. The log file has details: %2"
        )
        .replace("%1", str(ctx.settings.data_dir))
        .replace("%2", str(ctx.log_path or "-"))
    )
    return "\n\n".join(parts)


def check_page_store(ctx: AppContext, window: MainWindow) -> None:
    """The start-up page-store sweep runs in the background (it lists every stored file,
    which takes a while on a large archive).

    What it can repair it repairs without asking: temp files of interrupted writes are
    removed, files no page uses any more (old images after re-processing, a capture whose
    record was never saved) are moved to the quarantine folder.  Only what needs a person
    (images of recorded pages missing or damaged) is shown, and only to administrators:
    a clerk or searcher cannot act on it.
    """
    from hukou_scan.domain import Role

    def work() -> tuple[SweepReport, list[tuple[str, int]]]:
        report = ctx.startup_check(repair=True)
        affected = ctx.pages_with_files(report.missing + report.corrupt) if report.needs_attention else []
        return report, affected

    def done(result: tuple[SweepReport, list[tuple[str, int]]]) -> None:
        report, affected = result
        if report.quarantined:
            log.info(
                "page store: %d unreferenced file(s) moved to %s",
                len(report.quarantined),
                report.quarantine_dir,
            )
        if not report.needs_attention:
            return
        log.warning("page store: %d missing, %d corrupt", len(report.missing), len(report.corrupt))
        user = ctx.guard.user
        if user is None or Role.ADMIN not in user.roles:
            return
        QMessageBox.warning(window, tr("Page store check"), page_store_message(report, affected, ctx))

    window.runner.run_simple(work, done, lambda e: log.warning("page store check failed: %s", e))


def open_workstation(
    ctx: AppContext,
    *,
    first: bool = True,
    switching: list[bool] | None = None,
    heap: HeapSettler | None = None,
) -> MainWindow:
    """Everything after a successful login: the main window, the idle lock, the background
    pipeline (processing and OCR), backup, the page-store check and the sample registry.

    Shared by :func:`run_gui` and the soak benchmark, so the soak runs what a clerk runs.

    Args:
        first: the first login of this run (starts the pipeline, loads the sample registry);
            a later session after a user switch finds them running.
        switching: set to ``[True]`` when the user asks to switch user (File menu, the idle
            lock's 注销 / 切换用户) rather than to quit: :func:`run_gui` then shows the login
            dialog again instead of ending the application.
        heap: settled (full collection, survivors frozen) once everything long-lived is
            loaded, before the window shows; the application's, not a test process's
            (see :mod:`hukou_scan.gui.heap`).
    """
    from hukou_scan.gui.login_dialog import IdleLockFilter

    app = QApplication.instance()
    window = build_main_window(ctx)
    idle = IdleLockFilter(ctx.security, parent=window)
    if app is not None:
        app.installEventFilter(idle)

    def switch_user() -> None:
        if switching is not None:
            switching[0] = True
        ctx.security.logout()  # audited; the background work goes on as system
        window.close()

    idle.logged_out.connect(switch_user)
    window.switch_user_requested.connect(switch_user)
    window.lock_requested.connect(idle.lock_now)
    window.settings_saved.connect(
        lambda: idle.set_idle_minutes(float(ctx.settings.section("security").get("idle_lock_minutes", 10)))
    )
    window.settings_saved.connect(lambda: start_backup(ctx, window) if ctx.sync.config.target else None)
    if first:
        ctx.pipeline.start()
        seed_sample_registry(ctx, window)
    start_backup(ctx, window)  # idempotent; a clerk after a searcher starts it
    check_page_store(ctx, window)
    if heap is not None:
        heap.settle()
    window.show()
    return window


def close_workstation(ctx: AppContext) -> None:
    """Stop the background work :func:`open_workstation` started (running pages go back to the queue)."""
    ctx.pipeline.stop()
    ctx.sync.stop()


def run_gui(ctx: AppContext) -> int:
    """Login → main window → (switch user → login → main window …) until the user quits."""
    from hukou_scan.gui.login_dialog import LoginDialog

    app = create_application(ctx.settings.language)
    app.setQuitOnLastWindowClosed(False)  # the login dialog between two sessions is not the end
    current: list[MainWindow] = []
    install_excepthook(lambda: current[-1] if current else None, ctx.log_path)
    heap = HeapSettler()
    heap.install()
    first = True
    try:
        while True:
            login = LoginDialog(ctx.security)
            if login.exec() != LoginDialog.DialogCode.Accepted:
                return 0
            login.deleteLater()
            switching = [False]
            window = open_workstation(ctx, first=first, switching=switching, heap=heap)
            first = False
            current[:] = [window]
            window.closed.connect(app.quit)
            rc = int(app.exec())
            current.clear()
            window.deleteLater()
            if not switching[0]:
                ctx.security.logout()
                return rc
    finally:
        if not first:
            close_workstation(ctx)
