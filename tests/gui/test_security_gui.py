"""Login, idle lock, user admin, audit viewer, QA screen and dashboard with pytest-qt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchStatus, Role
from hukou_scan.gui.audit_view import AuditView
from hukou_scan.gui.dashboard_view import DashboardView
from hukou_scan.gui.login_dialog import IdleLockFilter, LoginDialog
from hukou_scan.gui.qa_view import QaView
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.gui.users_dialog import UserEditDialog, UsersDialog
from hukou_scan.security import PasswordHashing
from hukou_scan.services.security import LoginFailed, SecurityService

PW = "Adm1n-secret"


@pytest.fixture
def sec(ctx: AppContext) -> SecurityService:
    s = ctx.security
    s.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    return s


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait_all()


def _ok(dlg: LoginDialog) -> None:
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_first_start_creates_admin_and_logs_in(qtbot: QtBot, ctx: AppContext, sec: SecurityService) -> None:
    dlg = LoginDialog(sec)
    qtbot.addWidget(dlg)
    assert dlg.first_start
    dlg.username_edit.setText("admin")
    dlg.display_name_edit.setText("管理员")
    dlg.password_edit.setText(PW)
    dlg.confirm_edit.setText(PW + "x")
    _ok(dlg)
    assert "不一致" in dlg.error_label.text() and sec.needs_first_admin()
    dlg.password_edit.setText("short")
    dlg.confirm_edit.setText("short")
    _ok(dlg)
    assert "至少" in dlg.error_label.text() and sec.needs_first_admin()
    dlg.password_edit.setText(PW)
    dlg.confirm_edit.setText(PW)
    with qtbot.waitSignal(dlg.logged_in, timeout=5000):
        _ok(dlg)
    assert dlg.result() == LoginDialog.DialogCode.Accepted
    assert ctx.guard.user is not None and ctx.guard.user.username == "admin"


BAD = ["", " ", "x" * 5000, "' OR 1=1 --", "adm\x00in", "管理员\n"]


@pytest.mark.parametrize("username", BAD)
def test_login_dialog_bad_input_shows_clear_error(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, username: str
) -> None:
    sec.create_first_admin("admin", "管理员", PW)
    dlg = LoginDialog(sec)
    qtbot.addWidget(dlg)
    assert not dlg.first_start
    dlg.username_edit.setText(username)
    dlg.password_edit.setText("' OR '1'='1")
    _ok(dlg)
    assert dlg.error_label.isVisibleTo(dlg) and dlg.error_label.text()
    assert dlg.result() != LoginDialog.DialogCode.Accepted
    assert ctx.guard.user is None and dlg.password_edit.text() == ""


def test_lockout_in_the_dialog(qtbot: QtBot, ctx: AppContext, sec: SecurityService) -> None:
    sec.create_first_admin("admin", "管理员", PW)
    dlg = LoginDialog(sec)
    qtbot.addWidget(dlg)
    for _ in range(5):
        dlg.username_edit.setText("admin")
        dlg.password_edit.setText("Wrong-pass1")
        _ok(dlg)
    assert "锁定" in dlg.error_label.text()
    dlg.password_edit.setText(PW)
    _ok(dlg)
    assert "锁定" in dlg.error_label.text() and ctx.guard.user is None


def _logged_in_admin(sec: SecurityService) -> None:
    sec.begin_interactive()
    sec.create_first_admin("admin", "管理员", PW)
    sec.login("admin", PW)


def test_idle_lock_asks_for_password_again(qtbot: QtBot, ctx: AppContext, sec: SecurityService) -> None:
    _logged_in_admin(sec)
    window = QWidget()
    qtbot.addWidget(window)
    lock = IdleLockFilter(sec, minutes=0, parent=window)
    QApplication.instance().installEventFilter(lock)  # type: ignore[union-attr]
    try:
        lock.set_idle_ms(150)
        with qtbot.waitSignal(lock.locked, timeout=3000):
            pass
        assert lock.is_locked and lock.dialog is not None
        assert ctx.guard.events[-1][0] == "screen_lock"
        cover = window.findChild(QWidget, "lockCover")
        assert cover is not None and cover.isVisibleTo(window) and cover.geometry() == window.rect()
        dlg = lock.dialog
        dlg.password_edit.setText("wrong-pass1")
        dlg.unlock_button.click()
        assert lock.is_locked and "密码错误" in dlg.error_label.text()
        dlg.reject()  # Esc does not unlock
        assert lock.is_locked
        dlg.password_edit.setText(PW)
        with qtbot.waitSignal(lock.unlocked, timeout=3000):
            dlg.unlock_button.click()
        assert not lock.is_locked and ctx.guard.user is not None
        assert ctx.guard.events[-1][:3] == ("screen_unlock", "", "ok")
        assert lock.cover is None
    finally:
        QApplication.instance().removeEventFilter(lock)  # type: ignore[union-attr]


def test_user_input_postpones_the_idle_lock(qtbot: QtBot, sec: SecurityService) -> None:
    _logged_in_admin(sec)
    window = QWidget()
    qtbot.addWidget(window)
    lock = IdleLockFilter(sec, minutes=0, parent=window)
    lock.set_idle_ms(400)
    for _ in range(6):
        qtbot.wait(100)
        ev = QMouseEvent(
            QEvent.Type.MouseMove,
            QPointF(1, 1),
            QPointF(1, 1),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        lock.eventFilter(window, ev)
    assert not lock.is_locked
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    lock.dialog.logout_button.click()  # type: ignore[union-attr]
    assert sec.current_user is None and not lock.is_locked


def test_users_dialog_adds_user_and_rejects_bad_form(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService
) -> None:
    _logged_in_admin(sec)
    stations = ctx.stations.list()
    dlg = UsersDialog(sec, stations)
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 1
    form = UserEditDialog(sec, stations, None, dlg)
    qtbot.addWidget(form)
    form.username_edit.setText("'; DROP TABLE users;--")
    form.display_name_edit.setText("坏人")
    form.password_edit.setText("Passw0rd!")
    form.role_boxes[Role.CLERK].setChecked(True)
    form._on_buttons_accepted()
    assert "只能包含" in form.error_label.text() and form.result_user is None
    form.username_edit.setText("clerk01")
    form.role_boxes[Role.CLERK].setChecked(False)
    form._on_buttons_accepted()
    assert "角色" in form.error_label.text()
    form.role_boxes[Role.CLERK].setChecked(True)
    form._on_buttons_accepted()
    assert form.result_user is not None and form.result_user.roles == frozenset({Role.CLERK})
    dlg.refresh()
    assert dlg.table.rowCount() == 2
    assert {dlg.table.item(i, 0).text() for i in range(2)} == {"admin", "clerk01"}


def test_users_dialog_refuses_non_admin(qtbot: QtBot, ctx: AppContext, sec: SecurityService) -> None:
    _logged_in_admin(sec)
    sec.add_user("searcher", "查询员", "Passw0rd!", [Role.SEARCHER])
    sec.login("searcher", "Passw0rd!")
    dlg = UsersDialog(sec, ctx.stations.list())
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 0 and "权限" in dlg.error_label.text()
    assert not dlg.add_button.isEnabled()


def test_audit_view_filters_verifies_and_exports(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner, tmp_path: Path
) -> None:
    _logged_in_admin(sec)
    ctx.guard.audit("search", target="王小明", query="王小明")
    view = AuditView(sec, runner)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.events_loaded, timeout=5000) as blocker:
        view.refresh()
    assert blocker.args[0] >= 3
    view.text_edit.setText("王小")
    with qtbot.waitSignal(view.events_loaded, timeout=5000) as blocker:
        view.refresh()
    assert blocker.args[0] == 1
    with qtbot.waitSignal(view.verified, timeout=5000) as blocker:
        view.verify_button.click()
    assert blocker.args[0].ok and "intact" in view.status_label.text()
    with qtbot.waitSignal(view.exported, timeout=5000):
        view.export_to(tmp_path / "a.csv", "检查")
    assert "王小明" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")


def test_audit_view_shows_names_local_time_and_words(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: operators by display name, times in local time, details in words (no ids)."""
    import re
    import time as time_mod
    from datetime import timedelta

    from hukou_scan.gui.app import create_application
    from tests.export_pages import seed

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time_mod.tzset()
    try:
        create_application("zh_CN")
        s = seed(ctx, n_pages=3, link=False)
        _logged_in_admin(sec)
        page = s.pages[1]
        ctx.guard.audit("delete_page", page.id, batch=s.batch.id, seq=page.seq)
        ctx.guard.audit("login", target="nobody", outcome="failed", reason="bad_password", failures=2)
        view = AuditView(sec, runner)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.events_loaded, timeout=5000):
            view.refresh()
        m = view.model
        rows = {m.events[r].action: r for r in reversed(range(m.rowCount()))}

        def cell(action: str, col: int) -> str:
            return str(m.data(m.index(rows[action], col)))

        assert cell("delete_page", 2) == "管理员（admin）"
        assert cell("delete_page", 5) == f"{s.batch.archive_id} 第2页"
        details = cell("delete_page", 7)
        assert f"批次：{s.batch.archive_id}" in details and "采集序号：2" in details
        assert "原因：密码错误" in cell("login", 7) and "失败次数：2" in cell("login", 7)
        for action in rows:
            text = " ".join(cell(action, c) for c in range(m.columnCount()))
            assert not re.search(r"[0-9a-f]{32}", text), text  # no internal ids
            assert "{" not in text and "bad_password" not in text
        event = m.events[rows["delete_page"]]
        assert cell("delete_page", 1) == (event.at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
        assert m.headerData(1, Qt.Orientation.Horizontal) == "时间"
        tooltip = str(m.data(m.index(rows["delete_page"], 7), Qt.ItemDataRole.ToolTipRole))
        assert page.id in tooltip  # the stored record stays reachable
    finally:
        monkeypatch.delenv("TZ")
        time_mod.tzset()


def test_audit_view_loads_when_first_shown(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner
) -> None:
    """Journeys (issue 15): the 审计日志 screen opened empty until 筛选 was clicked; an
    administrator read that as "nothing was logged"."""
    _logged_in_admin(sec)
    ctx.guard.audit("search", target="王小明", query="王小明")
    view = AuditView(sec, runner)
    qtbot.addWidget(view)
    loads: list[int] = []
    view.events_loaded.connect(loads.append)
    with qtbot.waitSignal(view.events_loaded, timeout=5000) as blocker:
        view.show()
    assert blocker.args[0] >= 3 and view.model.rowCount() == blocker.args[0]
    assert view.since_edit.displayFormat() == "yyyy-MM-dd"
    view.hide()
    view.show()  # later visits keep the administrator's filter and rows: no reload by itself
    runner.wait_all()
    qtbot.wait(100)
    assert len(loads) == 1


def test_audit_view_refuses_non_admin(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner
) -> None:
    _logged_in_admin(sec)
    sec.add_user("rev", "核查员", "Passw0rd!", [Role.REVIEWER])
    sec.login("rev", "Passw0rd!")
    view = AuditView(sec, runner)
    qtbot.addWidget(view)
    assert "权限" in view.status_label.text() and not view.export_button.isEnabled()
    with qtbot.waitSignal(view.failed, timeout=5000):
        view.refresh()


def test_qa_view_full_spot_check(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner
) -> None:
    from tests.unit.test_security_qa import make_batch

    _logged_in_admin(sec)
    b = make_batch(ctx, 40)
    ctx.batches.set_status(b.id, BatchStatus.CLOSED)
    img = QImage(40, 60, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    png = bytes(ba.data())
    view = QaView(ctx.qa, runner, image_loader=lambda _pid: png)
    qtbot.addWidget(view)
    assert view.batch_list.count() == 1
    view.batch_list.setCurrentRow(0)
    view.checks_button.click()
    qtbot.waitUntil(lambda: "40" in view.checks_text.toPlainText(), timeout=5000)
    with qtbot.waitSignal(view.sample_drawn, timeout=5000):
        view.sample_button.click()
    assert view.page_list.count() == 2
    qtbot.waitUntil(lambda: "40" in view.info_text.toPlainText(), timeout=5000)
    qtbot.waitUntil(
        lambda: view.image_label.pixmap() is not None and not view.image_label.pixmap().isNull(), timeout=5000
    )
    view.fail_button.click()  # no reason → refused
    assert "原因" in view.status_label.text()
    view.reason_boxes["image_quality"].setChecked(True)
    with qtbot.waitSignal(view.verdict_recorded, timeout=5000):
        view.fail_button.click()
    with qtbot.waitSignal(view.verdict_recorded, timeout=5000):
        view.pass_button.click()
    with qtbot.waitSignal(view.sample_finished, timeout=5000) as blocker:
        view.finish_button.click()
    assert blocker.args[0].status == "failed"
    assert ctx.batches.get(b.id).status == BatchStatus.REJECTED
    runner.wait_all()


def test_dashboard_view_renders_and_exports(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner, tmp_path: Path
) -> None:
    from tests.unit.test_security_dashboard import _seed

    _logged_in_admin(sec)
    _seed(ctx)
    view = DashboardView(ctx.dashboard, runner)
    qtbot.addWidget(view)
    view.resize(900, 700)
    with qtbot.waitSignal(view.report_loaded, timeout=5000):
        view.refresh()
    assert view.stats_table.rowCount() == 2  # one station + total
    assert view.stats_table.item(1, 1).text() == "20"
    assert view.warnings_table.rowCount() == 3
    assert view.warnings_table.item(0, 0).data(Qt.ItemDataRole.UserRole) == "red"
    png = view.export_png(tmp_path / "chart.png")
    assert QImage(str(png)).width() > 100
    csv = view.export_csv(tmp_path / "stats.csv")
    assert csv.read_text(encoding="utf-8-sig").startswith("group=station")
    with qtbot.waitSignal(view.report_loaded, timeout=5000):
        view.group_combo.setCurrentIndex(2)  # by day
    assert view.stats_table.rowCount() == 3


def test_dashboard_names_clerks_by_display_name(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, runner: TaskRunner
) -> None:
    """Issue 15: the statistics screen names clerks as people read them, not by login name."""
    from tests.unit.test_security_dashboard import _seed

    _logged_in_admin(sec)
    sec.add_user("c1", "采集员一", "Clerk-Pass-2026!", [Role.CLERK])
    _seed(ctx)
    view = DashboardView(ctx.dashboard, runner)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.report_loaded, timeout=5000):
        view.refresh()
    clerks = {view.throughput_table.item(r, 0).text() for r in range(view.throughput_table.rowCount())}
    assert clerks == {"采集员一", "c2"}  # c2 has no account: its login name stays
    with qtbot.waitSignal(view.report_loaded, timeout=5000):
        view.group_combo.setCurrentIndex(view.group_combo.findData("clerk"))
    labels = {view.stats_table.item(r, 0).text() for r in range(view.stats_table.rowCount())}
    assert "采集员一" in labels and "c1" not in labels


@pytest.mark.parametrize(
    ("old", "new", "again", "expect"),
    [
        ("wrong", "N3w-password", "N3w-password", "原密码不正确"),
        (PW, "N3w-password", "N3w-passwordX", "不一致"),
        (PW, "short", "short", "至少"),
        (PW, "N3w-pass\x00word", "N3w-pass\x00word", "控制字符"),
        (PW, "", "", "不能为空"),
    ],
)
def test_change_password_dialog_bad_input(
    qtbot: QtBot, sec: SecurityService, old: str, new: str, again: str, expect: str
) -> None:
    from hukou_scan.gui.login_dialog import ChangePasswordDialog

    _logged_in_admin(sec)
    dlg = ChangePasswordDialog(sec)
    qtbot.addWidget(dlg)
    dlg.old_edit.setText(old)
    dlg.new_edit.setText(new)
    dlg.confirm_edit.setText(again)
    dlg._on_buttons_accepted()
    assert expect in dlg.error_label.text()
    assert dlg.result() != ChangePasswordDialog.DialogCode.Accepted
    sec.logout()
    assert sec.login("admin", PW).username == "admin"  # the old password still works


def test_change_password_dialog_happy_path(qtbot: QtBot, sec: SecurityService) -> None:
    from hukou_scan.gui.login_dialog import ChangePasswordDialog

    _logged_in_admin(sec)
    dlg = ChangePasswordDialog(sec)
    qtbot.addWidget(dlg)
    dlg.old_edit.setText(PW)
    dlg.new_edit.setText("N3w-password")
    dlg.confirm_edit.setText("N3w-password")
    dlg._on_buttons_accepted()
    assert dlg.result() == ChangePasswordDialog.DialogCode.Accepted
    sec.logout()
    assert sec.login("admin", "N3w-password").username == "admin"


def test_users_dialog_reset_unlock_disable(
    qtbot: QtBot, ctx: AppContext, sec: SecurityService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    _logged_in_admin(sec)
    u = sec.add_user("clerk02", "采集二", "Passw0rd!", [Role.CLERK])
    sec.logout()
    for _ in range(5):
        with pytest.raises(LoginFailed):
            sec.login("clerk02", "Wrong-pass1")
    sec.login("admin", PW)
    dlg = UsersDialog(sec, ctx.stations.list())
    qtbot.addWidget(dlg)
    row = next(i for i in range(dlg.table.rowCount()) if dlg.table.item(i, 0).text() == "clerk02")
    assert "locked" in dlg.table.item(row, 4).text()
    dlg.table.selectRow(row)
    dlg.unlock_button.click()
    assert "locked" not in dlg.table.item(row, 4).text()
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("short", True)))
    dlg.reset_button.click()
    assert "至少" in dlg.error_label.text()  # too short: refused, shown
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Temp-1234", True)))
    dlg.reset_button.click()
    assert dlg.error_label.text() == ""
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    dlg.table.selectRow(row)
    dlg.toggle_button.click()
    assert "disabled" in dlg.table.item(row, 4).text()
    assert not sec.users.get(u.id).user.active
    sec.logout()
    with pytest.raises(LoginFailed) as ei:
        sec.login("clerk02", "Temp-1234")
    assert "停用" in ei.value.zh
