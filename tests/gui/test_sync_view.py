"""SyncView over a fake service: status shown, sync/verify run in the background, errors shown."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from hukou_scan.errors import SyncError
from hukou_scan.gui.sync_view import SyncView
from hukou_scan.gui.tasks import TaskRunner


@dataclass
class FakeStatus:
    target: str = "s3://bucket/station"
    pages: dict[str, int] = field(default_factory=lambda: {"verified": 2, "local": 1})
    objects: dict[str, int] = field(default_factory=lambda: {"verified": 4, "local": 2})
    last_error: str = ""
    running: bool = False
    background: bool = False
    offline: bool = False
    last_run_at: float | None = None
    last_report: dict[str, Any] | None = None
    page_states: list[tuple[str, str, int, str]] = field(
        default_factory=lambda: [("p1", "A-1", 1, "verified"), ("p2", "A-1", 2, "local")]
    )
    requests_waiting: int = 0
    requests_failed: int = 0
    request_error: str = ""
    next_retry_at: float | None = None


class FakeSyncService:
    def __init__(self) -> None:
        self.state = FakeStatus()
        self.fail_next = False
        self.calls: list[str] = []

    def status(self, page_limit: int = 200) -> FakeStatus:
        return self.state

    def sync_now(self, progress: Any = None, cancel: threading.Event | None = None) -> dict[str, int]:
        self.calls.append("sync")
        if self.fail_next:
            raise SyncError("同步目标无法访问", "The sync target is unreachable", retryable=True)
        if progress:
            progress(1, 1, "done")
        self.state = FakeStatus(pages={"verified": 3}, page_states=[("p1", "A-1", 1, "verified")])
        return {"uploaded": 2}

    def verify(
        self,
        deep: bool = False,
        repair: bool = True,
        progress: Any = None,
        cancel: threading.Event | None = None,
    ) -> tuple[str, None]:
        self.calls.append("verify")
        return ("clean", None)


@pytest.fixture
def view(qtbot: Any) -> Iterator[tuple[SyncView, FakeSyncService, TaskRunner]]:
    runner = TaskRunner()
    service = FakeSyncService()
    v = SyncView(service, runner, refresh_ms=0)
    qtbot.addWidget(v)
    yield v, service, runner
    v.shutdown()
    runner.wait_all()


def test_status_is_shown(view: tuple[SyncView, FakeSyncService, TaskRunner], qtbot: Any) -> None:
    v, _service, _ = view
    with qtbot.waitSignal(v.status_refreshed, timeout=5000):
        v.refresh()
    assert v.target_label.text() == "s3://bucket/station"
    assert "2" in v.pages_label.text() and "1" in v.pages_label.text()
    assert v.table.rowCount() == 2
    assert v.table.item(1, 1).text() == "2"


def test_sync_now_runs_in_background_and_refreshes(
    view: tuple[SyncView, FakeSyncService, TaskRunner], qtbot: Any
) -> None:
    v, service, _ = view
    with qtbot.waitSignal(v.sync_finished, timeout=5000) as blocker:
        v.sync_button.click()
    assert blocker.args == [{"uploaded": 2}]
    qtbot.waitUntil(lambda: v.table.rowCount() == 1, timeout=5000)
    assert service.calls == ["sync"] and v.sync_button.isEnabled()
    with qtbot.waitSignal(v.verify_finished, timeout=5000):
        v.verify_button.click()
    assert service.calls == ["sync", "verify"]


def test_failure_is_shown_in_the_users_language(
    view: tuple[SyncView, FakeSyncService, TaskRunner], qtbot: Any
) -> None:
    v, service, _ = view
    service.fail_next = True
    with qtbot.waitSignal(v.failed, timeout=5000) as blocker:
        v.sync_button.click()
    assert "同步目标无法访问" in blocker.args[0]
    qtbot.waitUntil(lambda: v.sync_button.isEnabled(), timeout=5000)
    with qtbot.waitSignal(v.status_refreshed, timeout=5000):
        v.refresh()
    assert "同步目标无法访问" in v.error_label.text()  # a refresh does not hide the failure


def test_a_failed_upload_request_shows_its_next_try_then_its_failure(
    view: tuple[SyncView, FakeSyncService, TaskRunner], qtbot: Any
) -> None:
    """Issue 19: an upload job that failed (network down, whichever process ran it) shows on
    the sync screen with its next try; once the tries are used up it says so."""
    import time

    v, service, _ = view
    retry_at = time.time() + 90
    error = "同步目标无法访问 / The sync target is unreachable"
    service.state = FakeStatus(
        requests_waiting=1, request_error=error, next_retry_at=retry_at, last_error=error
    )
    with qtbot.waitSignal(v.status_refreshed, timeout=5000):
        v.refresh()
    when = time.strftime("%H:%M:%S", time.localtime(retry_at))
    assert v.state_label.text() == v.tr("Upload failed – next try at {time}").format(time=when)
    assert v.requests_label.text() == v.tr("{waiting} waiting, {failed} failed").format(waiting=1, failed=0)
    assert "同步目标无法访问" in v.error_label.text()
    service.state = FakeStatus(requests_failed=1, request_error=error, last_error=error)
    with qtbot.waitSignal(v.status_refreshed, timeout=5000):
        v.refresh()
    assert v.state_label.text() == v.tr("Upload failed after repeated tries – use Sync now")
    service.state = FakeStatus(requests_waiting=1)
    with qtbot.waitSignal(v.status_refreshed, timeout=5000):
        v.refresh()
    assert v.state_label.text() == v.tr("Upload waiting")
