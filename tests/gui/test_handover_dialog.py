"""HandoverDialog: find batches, pick them, write the package off the UI thread, cancel."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hukou_scan.export.handover import HandoverCancelled, HandoverResult, verify_package
from hukou_scan.gui.handover_dialog import HandoverDialog
from hukou_scan.services.handover import BatchSummary, HandoverRequest, HandoverSelection


class BlockingService:
    def __init__(self) -> None:
        self.started = threading.Event()

    def summaries(self, selection: HandoverSelection) -> list[BatchSummary]:
        return [BatchSummary("b1", "A0101-2026-001", "出生", "s1", "2026-12-01", 40)]

    def handover(
        self,
        request: HandoverRequest,
        progress: Any = None,
        cancel: threading.Event | None = None,
        batch_ids: Sequence[str] | None = None,
    ) -> HandoverResult:
        assert cancel is not None
        progress(1, 40, "A0101-2026-001-0001")
        self.started.set()
        if cancel.wait(10):
            raise HandoverCancelled()
        raise AssertionError("not cancelled")


def test_find_select_and_write_a_package(qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    from tests.export_pages import seed

    seed(ctx, n_pages=2, archive_id="A0101-2026-001")
    seed(ctx, n_pages=3, archive_id="A0101-2026-002")
    seed(ctx, n_pages=1, archive_id="B0202-2026-001")
    out = tmp_path / "out"
    dlg = HandoverDialog(ctx.handover, out, stations=ctx.stations.list())
    qtbot.addWidget(dlg)
    assert not dlg.start_button.isEnabled()
    dlg.archive_edit.setText("A0101-*")
    with qtbot.waitSignal(dlg.batches_loaded, timeout=10000) as found:
        dlg.find_button.click()
    assert found.args == [2]
    assert "2 batch(es) with 5 page(s)" in dlg.selection_label.text()
    dlg.table.item(1, 0).setCheckState(dlg.table.item(1, 0).checkState().Unchecked)  # leave out -002
    assert "1 batch(es) with 2 page(s)" in dlg.selection_label.text()
    dlg.sm3_check.setChecked(True)
    dlg.resize(760, 600)
    dlg.grab().save(str(tmp_path / "handover_dialog.png"))
    with qtbot.waitSignal(dlg.handover_finished, timeout=30000) as done:
        dlg.start_button.click()
    result = done.args[0]
    assert result.volumes == 1 and result.pages == 2
    assert "Package written" in dlg.status_label.text() or "移交包" in dlg.status_label.text()
    report = verify_package(Path(result.location))
    assert report.ok and report.algorithms == ("sha256", "sm3")


def test_cancel_stops_the_hand_over(qtbot: Any, tmp_path: Path) -> None:
    svc = BlockingService()
    dlg = HandoverDialog(svc, tmp_path)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.batches_loaded, timeout=10000):
        dlg.find_button.click()
    assert dlg.table.item(0, 1).text() == "Birth"  # the category in the UI language, not the stored 出生
    with qtbot.waitSignal(dlg.handover_failed, timeout=10000):
        dlg.start_button.click()
        qtbot.waitUntil(svc.started.is_set)
        assert not dlg.find_button.isEnabled()
        dlg.cancel_button.click()
    assert "cancelled" in dlg.status_label.text().lower() or "取消" in dlg.status_label.text()
    assert dlg.start_button.isEnabled()


def test_main_window_offers_hand_over_to_reviewers_and_admins_only(qtbot: Any, ctx: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from hukou_scan.domain import Role, User
    from hukou_scan.gui.main_window import MainWindow, Screen
    from hukou_scan.services.guard import OpenGuard

    class RoleGuard(OpenGuard):
        def __init__(self, *roles: Role) -> None:
            super().__init__()
            self._user = User("u", "u", "U", frozenset(roles))

        @property
        def user(self) -> User | None:
            return self._user

    screens = [Screen("one", "One", lambda _w: QLabel("x"))]
    for roles, visible in (
        ((Role.CLERK, Role.SEARCHER), False),
        ((Role.REVIEWER,), True),
        ((Role.ADMIN,), True),
    ):
        ctx.__dict__["guard"] = RoleGuard(*roles)
        w = MainWindow(ctx, screens)
        qtbot.addWidget(w)
        assert w.handover_action.isVisible() is visible, roles
