"""Audit rows an administrator can read (issue 15 journeys): a user change names what changed
from what to what, in words; settings keys as words; a station by its name; QA findings by the
page number the clerk reads; the backup list in page order."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from argon2 import PasswordHasher
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory, PaperLocation, Role
from hukou_scan.gui.app import create_application
from hukou_scan.gui.audit_view import AuditView
from hukou_scan.gui.qa_view import QaView
from hukou_scan.gui.tasks import TaskRunner
from hukou_scan.security import PasswordHashing
from hukou_scan.services.capture import BatchDraft
from hukou_scan.services.qa import QaCheckReport, QaIssue
from hukou_scan.storage.sync import SyncRepository

PW = "Adm1n-secret"


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait_all()


@pytest.fixture
def admin(ctx: AppContext) -> AppContext:
    create_application("zh_CN")
    sec = ctx.security
    sec.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    sec.begin_interactive()
    sec.create_first_admin("admin", "管理员", PW)
    sec.login("admin", PW)
    return ctx


def _details(qtbot: QtBot, ctx: AppContext, runner: TaskRunner) -> dict[str, str]:
    view = AuditView(ctx.security, runner)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.events_loaded, timeout=5000):
        view.refresh()
    m = view.model
    return {m.events[r].action: str(m.data(m.index(r, 7))) for r in reversed(range(m.rowCount()))}


def test_user_change_lists_only_what_changed_in_words(
    qtbot: QtBot, admin: AppContext, runner: TaskRunner
) -> None:
    ctx = admin
    other = ctx.stations.ensure("S0002", "东湖派出所")
    user = ctx.security.add_user("zhangli", "张丽", "Clerk-secret-1", [Role.CLERK])
    # the users dialog sends every field, changed or not
    ctx.security.update_user(
        user.id,
        display_name="张丽",
        roles=[Role.REVIEWER],
        station_id=other.id,
        all_stations=False,
        active=True,
    )
    text = _details(qtbot, ctx, runner)["user_update"]
    assert "角色：采集员 → 审核员" in text, text
    assert f"工作站：{ctx.station.name} → 东湖派出所" in text, text
    assert "显示名" not in text and "账号启用" not in text, text  # unchanged: not listed
    assert not re.search(r"[0-9a-f]{32}", text), text


def test_settings_and_denials_are_in_words(qtbot: QtBot, admin: AppContext, runner: TaskRunner) -> None:
    ctx = admin
    ctx.security.record_settings_change(
        "settings.toml", {"storage_url": ("", "file:///nas"), "security.idle_lock_minutes": (10, 15)}
    )
    ctx.guard.audit("permission_denied", outcome="denied", reason="no_login")
    rows = _details(qtbot, ctx, runner)
    assert "备份目标：（未设置） → file:///nas" in rows["settings_change"], rows
    assert "空闲锁屏（分钟）：10 → 15" in rows["settings_change"], rows
    assert "storage_url" not in rows["settings_change"]
    assert "原因：未登录" in rows["permission_denied"], rows


def test_untouched_idle_lock_default_is_no_settings_change(qtbot: QtBot, admin: AppContext) -> None:
    from hukou_scan.gui.main_window import settings_changes
    from hukou_scan.gui.settings_dialog import SettingsDialog

    assert "idle_lock_minutes" not in admin.settings.section("security")
    dialog = SettingsDialog(admin.settings)
    qtbot.addWidget(dialog)
    assert settings_changes(admin.settings, dialog.result_settings()) == {}  # was 「无 → 10」
    dialog.ui.idleSpin.setValue(15)
    assert settings_changes(admin.settings, dialog.result_settings()) == {
        "security.idle_lock_minutes": (None, 15)
    }


def test_qa_findings_name_the_page_number_and_the_unit(
    qtbot: QtBot, admin: AppContext, runner: TaskRunner
) -> None:
    view = QaView(admin.qa, runner, image_loader=lambda _pid: b"")
    qtbot.addWidget(view)
    report = QaCheckReport(batch_id="b", expected=None, actual=3, issues=[QaIssue("dpi", "p", 3, "182 dpi")])
    view._on_task_checked(report)
    assert "第 3 页：" in view.checks_text.toPlainText() and "182 dpi" in view.checks_text.toPlainText()
    assert "#3" not in view.checks_text.toPlainText()


def test_backup_list_keeps_page_order_after_a_retake(admin: AppContext) -> None:
    ctx = admin
    batch = ctx.capture.new_batch(
        BatchDraft(archive_id="ORDER-1", category=BatchCategory.BIRTH, location=PaperLocation(room="1"))
    )
    rng = np.random.default_rng(5)
    ids = [
        ctx.capture.capture(batch.id, rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).page.id
        for _ in range(4)
    ]
    ctx.capture.replace_page(ids[1], rng.integers(0, 255, (60, 80, 3), dtype=np.uint8))  # re-take page 2
    rows = SyncRepository(ctx.db).page_states(ctx.station.id)
    assert [no for _pid, _archive, no, _state in rows] == [4, 3, 2, 1]  # was 2, 4, 3, 1
