"""The whole workstation window: every screen comes up, in Chinese and in English, with no
untranslated visible text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.camera import SimulatedCamera
from hukou_scan.gui import screens as screens_mod
from hukou_scan.gui.app import build_main_window, create_application
from hukou_scan.gui.main_window import MainWindow

I18N = Path(__file__).resolve().parents[2] / "resources" / "i18n"
HAN = re.compile(r"[\u4e00-\u9fff]")


def translated_sources() -> set[str]:
    """Source strings whose Chinese translation differs from the source."""
    out: set[str] = set()
    for msg in ET.parse(I18N / "hukou_scan_zh_CN.ts").getroot().iter("message"):
        src = msg.findtext("source", "")
        if (msg.findtext("translation", "") or "") not in ("", src):
            out.add(src)
    return out


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisibleTo(root) and w is not root:
            continue
        name = f"{type(w).__name__}#{w.objectName()}"
        if isinstance(w, QLabel | QAbstractButton):
            yield name, w.text()
        if isinstance(w, QGroupBox):
            yield name, w.title()
        if isinstance(w, QLineEdit):
            yield name, w.placeholderText()
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield name, w.tabText(i)
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                yield name, w.itemText(i)
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            try:
                columns = m.columnCount(QModelIndex())
            except TypeError:  # list models keep columnCount private
                columns = 1
            for c in range(columns):
                yield name, str(m.headerData(c, Qt.Orientation.Horizontal) or "")
    for a in root.findChildren(QAction):
        yield "QAction", a.text()


def open_window(qtbot: QtBot, ctx: AppContext, lang: str) -> MainWindow:
    create_application(lang)
    w = build_main_window(ctx)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    for key in w.screens:
        w.show_screen(key)
        QApplication.processEvents()
    return w


@pytest.fixture(autouse=True)
def _small_camera(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screens_mod, "make_camera", lambda _ctx: SimulatedCamera(size=(640, 480), fps=10))


def test_all_screens_come_up(qtbot: QtBot, ctx: AppContext) -> None:
    w = open_window(qtbot, ctx, "zh_CN")
    assert {"capture", "search", "review", "quality", "dashboard", "sync", "ocr", "audit"} <= set(w.screens)
    for key, widget in w.screens.items():
        w.show_screen(key)
        assert w.stack.currentWidget() is widget
    w.close()


def test_chinese_ui_shows_no_untranslated_text(qtbot: QtBot, ctx: AppContext) -> None:
    w = open_window(qtbot, ctx, "zh_CN")
    sources = translated_sources()
    bad = sorted(
        {
            f"{name}: {text}"
            for name, text in visible_texts(w)
            if text.replace("&", "") in sources or text in sources
        }
    )
    bad += [m.text() for m in w.menuBar().actions() if m.text().replace("&", "") in sources]
    w.close()
    assert not bad, f"English text in the Chinese UI: {bad[:25]}"


def test_english_ui_shows_no_chinese_ui_text(qtbot: QtBot, ctx: AppContext) -> None:
    w = open_window(qtbot, ctx, "en")
    data = {ctx.settings.station_name, *[s.name for s in ctx.stations.list()]}
    bad = sorted(
        {
            f"{name}: {text}"
            for name, text in visible_texts(w)
            if HAN.search(text)
            and not any(d and d in text for d in data)
            and "（" not in text
            and "(" not in text
        }
    )
    w.close()
    assert not bad, f"Chinese text in the English UI: {bad[:25]}"


def test_frequent_actions_have_shortcuts_in_menu_tooltip_and_sheet(qtbot: QtBot, ctx: AppContext) -> None:
    from hukou_scan.gui.shortcuts import ShortcutSheetDialog

    w = open_window(qtbot, ctx, "zh_CN")
    sheet = ShortcutSheetDialog(w.all_actions(), w)
    keys = {sheet.table.item(r, 1).text() for r in range(sheet.table.rowCount())}
    assert {
        "Space",
        "Ctrl+N",
        "Ctrl+O",
        "Ctrl+R",
        "Del",
        "Ctrl+Z",
        "Ctrl+E",
        "F1",
        "Ctrl+1",
        "Ctrl+2",
    } <= keys
    menu_texts = [a.text() for a in w.file_menu.actions()]
    assert any(t.endswith("\tCtrl+N") for t in menu_texts)
    capture = w.screens["capture"]
    assert "(Space)" in capture.capture_button.toolTip() and "(Ctrl+N)" in capture.new_batch_button.toolTip()
    w.close()


def test_screens_follow_the_roles_the_core_checks(qtbot: QtBot, ctx: AppContext) -> None:
    from hukou_scan.domain import Role

    ctx.security.begin_interactive()
    admin = ctx.security.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    ctx.security.login("admin", "Admin-Pass-2026!")
    ctx.security.add_user(
        "searcher1", "查询员", "Search-Pass-2026!", roles={Role.SEARCHER}, station_id=ctx.station.id
    )
    ctx.security.logout()
    ctx.security.login("searcher1", "Search-Pass-2026!")
    w = open_window(qtbot, ctx, "zh_CN")
    assert set(w.screens) == {"search"}
    w.close()
    assert admin.username == "admin"


def _page_store_with_problems(ctx: AppContext) -> tuple[str, str]:
    """An old unreferenced file (repairable) and a recorded page whose image is gone (not)."""
    import os
    import time

    from tests.export_pages import seed

    s = seed(ctx, n_pages=2, link=False)
    orphan = ctx.blobs.put(b"an image whose row was never committed")
    old = time.time() - 2 * 3600
    os.utime(ctx.blobs.path_for(orphan), (old, old))
    gone = s.pages[1].original_sha256
    ctx.blobs.path_for(gone).unlink()
    return orphan, s.batch.archive_id


@pytest.mark.parametrize("role", ["clerk", "admin"])
def test_page_store_check_repairs_quietly_and_tells_only_admins(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """Issue 15 item 9: orphans are moved aside without asking; a missing image is shown to an
    administrator in plain words (what happened, what it means, what to do), to nobody else."""
    from hukou_scan.domain import Role
    from hukou_scan.gui import app as gui_app

    warned: list[str] = []
    monkeypatch.setattr(gui_app.QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    orphan, archive_id = _page_store_with_problems(ctx)
    ctx.security.begin_interactive()
    ctx.security.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    ctx.security.login("admin", "Admin-Pass-2026!")
    if role == "clerk":
        ctx.security.add_user("clerk1", "采集员", "Clerk-Pass-2026!", roles={Role.CLERK})
        ctx.security.logout()
        ctx.security.login("clerk1", "Clerk-Pass-2026!")
    w = open_window(qtbot, ctx, "zh_CN")
    quarantined = ctx.quarantine_dir / orphan
    gui_app.check_page_store(ctx, w)
    qtbot.waitUntil(lambda: quarantined.exists(), timeout=10000)
    w.runner.wait_all(10000)
    QApplication.processEvents()
    assert not ctx.blobs.path_for(orphan).exists()  # moved aside, kept
    assert ctx.startup_check().orphans == []  # the next start does not report it again
    if role == "clerk":
        assert warned == []
    else:
        (text,) = warned
        assert "1 个页面图像" in text and f"{archive_id} 第2页" in text
        assert "数据文件夹" in text and "备份" in text and "db check" not in text
        assert not HAN_FREE_WORDS.search(text), text
    w.close()


HAN_FREE_WORDS = re.compile(r"\b(?:page|missing|unreferenced|run)\b", re.IGNORECASE)


def test_batch_categories_follow_the_ui_language(qtbot: QtBot, ctx: AppContext) -> None:
    """Categories are stored as their official Chinese names and shown in the UI language."""
    for lang, birth in (("en", "Birth"), ("zh_CN", "出生")):
        w = open_window(qtbot, ctx, lang)
        combo = w.screens["search"].category_combo  # type: ignore[attr-defined]
        texts = [combo.itemText(i) for i in range(combo.count())]
        assert birth in texts and len(texts) == 9, texts
        assert combo.itemData(texts.index(birth)) == "出生"  # the filter still uses the stored value
        w.close()


def test_paper_location_follows_the_ui_language(qtbot: QtBot, ctx: AppContext) -> None:
    from hukou_scan.domain import PaperLocation
    from hukou_scan.gui.i18n import location_label

    loc = PaperLocation(room="1", cabinet="A", shelf="2", box="15", volume="3", page_from=1, page_to=40)
    w = open_window(qtbot, ctx, "zh_CN")
    assert location_label(loc) == loc.describe() == "1库房A柜2架15盒3卷 第1-40页"  # the archive's notation
    w.close()
    w = open_window(qtbot, ctx, "en")
    assert location_label(loc) == "Room 1, cabinet A, shelf 2, box 15, volume 3, pages 1-40"
    assert location_label(PaperLocation(box="7")) == "Box 7"
    w.close()


def _login_searcher(ctx: AppContext) -> None:
    from hukou_scan.domain import Role

    ctx.security.begin_interactive()
    ctx.security.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    ctx.security.login("admin", "Admin-Pass-2026!")
    ctx.security.add_user(
        "searcher1", "查询员", "Search-Pass-2026!", roles={Role.SEARCHER}, station_id=ctx.station.id
    )
    ctx.security.logout()
    ctx.security.login("searcher1", "Search-Pass-2026!")


def test_searcher_exports_search_result_batch_person_and_household(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 15 item 8: a searcher exports from the GUI (search result, 档号, ID number, household)."""
    import dataclasses

    import pypdf

    from hukou_scan.gui.export_dialog import ExportDialog
    from hukou_scan.gui.search_view import SearchView
    from tests.export_pages import seed

    s = seed(ctx, n_pages=3)
    ctx.persons.upsert_many([dataclasses.replace(s.persons[1], id_number="11010119900307851X")])
    ctx.search.index_pages([p.id for p in s.pages])
    _login_searcher(ctx)
    w = open_window(qtbot, ctx, "zh_CN")
    search = w.screens["search"]
    assert isinstance(search, SearchView)
    w.show_screen("search")
    search.query_edit.setText("东四十条")
    with qtbot.waitSignal(search.search_finished, timeout=15000) as found:
        search.search_button.click()
    assert found.args == [3]
    monkeypatch.setattr(ExportDialog, "_on_open_button_clicked", lambda _self: None)
    written: list[tuple[Path, int]] = []

    def run(dialog: ExportDialog, choose: tuple[str, str] | None, name: str) -> None:
        if choose is not None:
            dialog.set_source(*choose)
        dialog.purpose_edit.setText("户籍证明")
        qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=10000)
        dialog.path_edit.setText(str(tmp_path / name))
        with qtbot.waitSignal(dialog.export_finished, timeout=30000) as done:
            dialog.export_button.click()
        written.append((done.args[0].path, done.args[0].pages))

    cases = iter(
        [
            (None, "result.pdf"),
            (("batch", s.batch.archive_id), "batch.pdf"),
            (("person", "11010119900307851X"), "person.pdf"),
            (("household", s.household_no), "household.pdf"),
        ]
    )

    def exec_(dialog: ExportDialog) -> int:
        choose, name = next(cases)
        if choose is None:
            assert dialog.source_combo.currentData() == "current"
            assert dialog.source_combo.currentText() == "当前显示的检索结果"
        run(dialog, choose, name)
        dialog.done(0)
        return 0

    monkeypatch.setattr(ExportDialog, "exec", exec_)
    export_action = next(a for a in w.findChildren(QAction) if a.text() == "导出 PDF…")
    for _ in range(4):
        export_action.trigger()
    assert [(p.name, n) for p, n in written] == [
        ("result.pdf", 3),
        ("batch.pdf", 3),
        ("person.pdf", 3),
        ("household.pdf", 3),
    ]
    for path, n in written:
        assert len(pypdf.PdfReader(path).pages) == n
    w.close()


def test_switch_user_without_quitting(qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15 (shift change): File → 注销 / 切换用户 and the idle lock's button log the user
    out and bring the login dialog back; the application quits only on Quit.  Audited."""
    from hukou_scan.domain import Role
    from hukou_scan.gui import app as gui_app
    from hukou_scan.gui.login_dialog import LoginDialog, UnlockDialog

    ctx.security.begin_interactive()
    ctx.security.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    ctx.security.login("admin", "Admin-Pass-2026!")
    for name, display in (("clerk1", "采集员甲"), ("clerk2", "采集员乙")):
        user = ctx.security.add_user(name, display, "Clerk-Pass-2026!", roles={Role.CLERK})
        ctx.security.users.update_state(user.id, must_change_password=False)  # no change dialog in between
    ctx.security.logout()
    monkeypatch.setattr(gui_app, "check_page_store", lambda _c, _w: None)
    monkeypatch.setattr(gui_app, "seed_sample_registry", lambda _c, _w: None)
    logins = iter(["clerk1", "clerk2", "clerk1"])  # a fourth login dialog would raise StopIteration

    def login_exec(_dialog: LoginDialog) -> int:
        ctx.security.login(next(logins), "Clerk-Pass-2026!")
        return int(LoginDialog.DialogCode.Accepted)

    steps = iter(["menu", "idle-lock", "quit"])
    seen: list[str] = []

    def app_exec() -> int:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen.append(window.status_user.text())
        step = next(steps)
        if step == "menu":
            window.switch_user_action.trigger()
        elif step == "idle-lock":
            window.lock_requested.emit()
            (unlock,) = [
                w for w in QApplication.topLevelWidgets() if isinstance(w, UnlockDialog) and w.isVisible()
            ]
            assert unlock.logout_button.text() == "注销 / 切换用户"
            unlock.logout_button.click()
        else:
            window.quit_action.trigger()
        assert not window.isVisible()
        return 0

    create_application("zh_CN")
    monkeypatch.setattr(LoginDialog, "exec", login_exec)
    monkeypatch.setattr(QApplication, "exec", staticmethod(app_exec))
    monkeypatch.setattr(gui_app, "create_application", lambda _lang: QApplication.instance())
    try:
        assert gui_app.run_gui(ctx) == 0
    finally:
        QApplication.instance().setQuitOnLastWindowClosed(True)  # type: ignore[union-attr]
    assert seen == ["用户：采集员甲", "用户：采集员乙", "用户：采集员甲"]
    assert ctx.guard.user is None
    events = [(e[0], e[1]) for e in ctx.guard.events if e[0] in ("login", "logout", "screen_lock")]
    assert events[-7:] == [
        ("login", "clerk1"),
        ("logout", ""),
        ("login", "clerk2"),
        ("screen_lock", ""),
        ("logout", ""),
        ("login", "clerk1"),
        ("logout", ""),
    ]


def test_backup_target_saved_in_settings_starts_the_backup_at_once(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 15 item 6 as the administrator saw it: 「设置已保存。」 then 「未配置同步目标…」."""
    from hukou_scan.gui import app as gui_app
    from hukou_scan.gui.settings_dialog import SettingsDialog

    monkeypatch.setattr(gui_app, "check_page_store", lambda _c, _w: None)
    create_application("zh_CN")
    ctx.security.begin_interactive()
    ctx.security.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    ctx.security.login("admin", "Admin-Pass-2026!")
    window = gui_app.open_workstation(ctx, first=False)
    qtbot.addWidget(window)
    try:
        assert not ctx.sync.background_running and "未配置" in window.statusBar().currentMessage()
        target = (tmp_path / "nas").as_uri()

        def edit(dialog: SettingsDialog) -> int:
            dialog.ui.storageEdit.setText(target)
            return int(SettingsDialog.DialogCode.Accepted)

        monkeypatch.setattr(SettingsDialog, "exec", edit)
        window.settings_action.trigger()
        assert ctx.sync.target == target and ctx.sync.background_running
        assert "设置已保存" in window.statusBar().currentMessage()
        status = ctx.sync.status()
        assert status.target == target and status.background
    finally:
        ctx.sync.stop()
        window.close()


def test_no_two_actions_share_a_key_while_a_screen_is_shown(qtbot: QtBot, ctx: AppContext) -> None:
    """Qt fires neither of two window-wide shortcuts with the same key ("ambiguous"), so a
    collision silently disables both (the lock screen and rotate-left once shared Ctrl+L)."""
    from PySide6.QtGui import QAction, QKeySequence, QShortcut

    w = open_window(qtbot, ctx, "en")
    window_wide = [a for a in w.actions() if not a.shortcut().isEmpty()]
    for key, screen in w.screens.items():
        w.show_screen(key)
        seen: dict[str, str] = {}
        local = [a for a in screen.findChildren(QAction) if not a.shortcut().isEmpty()]
        shortcuts = [s for s in screen.findChildren(QShortcut) if not s.key().isEmpty()]
        entries = [(a.shortcut(), a.text()) for a in window_wide + local]
        entries += [(s.key(), s.objectName() or "shortcut") for s in shortcuts]
        for seq, name in entries:
            text = QKeySequence(seq).toString()
            assert text not in seen or seen[text] == name, (
                f"{key}: {text} is both {seen[text]!r} and {name!r}"
            )
            seen[text] = name
    w.close()
