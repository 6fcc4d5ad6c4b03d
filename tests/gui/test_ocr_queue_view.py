"""OcrQueueView over a fake queue: counts, failures, cancel, re-run with another engine, pause."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from pytestqt.qtbot import QtBot

from hukou_scan.domain.models import Job, JobState
from hukou_scan.gui.ocr_queue_view import OcrQueueView


class FakeQueue:
    def __init__(self) -> None:
        self.c = {"queued": 5, "running": 1, "done": 3, "failed": 1, "cancelled": 0}
        self.rerun_calls: list[tuple[str | None, str | None]] = []
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def counts(self) -> dict[str, int]:
        return dict(self.c)

    def failures(self, limit: int = 200) -> list[Job]:
        return [
            Job(
                "j1",
                "ocr",
                "page-0001",
                JobState.FAILED,
                2,
                {},
                "识别超时（120 秒）。 / Recognition timed out (120 s).",
            )
        ][: self.c["failed"]]

    def page_labels(self, page_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        return {pid: ("A0101-2026-001", 3) for pid in page_ids if pid == "page-0001"}

    def cancel_queued(self) -> int:
        n, self.c["queued"] = self.c["queued"], 0
        self.c["cancelled"] += n
        return n

    def rerun_failed(self, engine: str | None = None, mode: str | None = None) -> int:
        self.rerun_calls.append((engine, mode))
        n = self.c["failed"] + self.c["cancelled"]
        self.c["queued"] += n
        self.c["failed"] = self.c["cancelled"] = 0
        return n

    def engines(self) -> list[str]:
        return ["rapidocr", "tesseract"]

    def start(self) -> None:
        self._running = True

    def stop(self, timeout: float = 10.0) -> None:
        self._running = False


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[tuple[OcrQueueView, FakeQueue]]:
    q = FakeQueue()
    v = OcrQueueView(q, interval_ms=60000, default_engine="rapidocr")
    qtbot.addWidget(v)
    qtbot.waitUntil(lambda: v.done_label.text() == "3", timeout=5000)
    yield v, q
    v.shutdown()


def test_shows_counts_and_failures(view: tuple[OcrQueueView, FakeQueue]) -> None:
    v, _q = view
    assert (v.queued_label.text(), v.running_label.text(), v.failed_label.text()) == ("5", "1", "1")
    assert v.progress.maximum() == 10 and v.progress.value() == 4
    assert v.failures_table.rowCount() == 1
    assert "超时" in v.failures_table.item(0, 1).text()
    # named as the clerk names it, not by the internal id
    assert v.failures_table.item(0, 0).text() == v.tr("%1 page %2").replace("%1", "A0101-2026-001").replace(
        "%2", "3"
    )


def test_cancel_waiting_pages(qtbot: QtBot, view: tuple[OcrQueueView, FakeQueue]) -> None:
    v, q = view
    assert q.c["queued"] == 5
    with qtbot.waitSignal(v.cancelled, timeout=5000) as blocker:
        v.cancel_button.click()
    assert blocker.args == [5]
    qtbot.waitUntil(lambda: v.queued_label.text() == "0", timeout=5000)
    assert not v.cancel_button.isEnabled()


def test_rerun_with_another_engine(qtbot: QtBot, view: tuple[OcrQueueView, FakeQueue]) -> None:
    v, q = view
    v.engine_combo.setCurrentText("tesseract")
    v.mode_combo.setCurrentIndex(2)
    with qtbot.waitSignal(v.rerun_started, timeout=5000) as blocker:
        v.rerun_button.click()
    assert blocker.args == [1]
    assert q.rerun_calls == [("tesseract", "plain")]
    qtbot.waitUntil(lambda: v.failures_table.rowCount() == 0, timeout=5000)


def test_pause_and_resume(qtbot: QtBot, view: tuple[OcrQueueView, FakeQueue]) -> None:
    v, q = view
    v.pause_button.click()
    assert q.running
    v.pause_button.click()
    qtbot.waitUntil(lambda: not q.running and v.pause_button.isEnabled(), timeout=5000)
