"""TaskRunner: background work leaves nothing behind once it is done.

The capture screen starts a task every second or so for a whole shift (page-list
refreshes, thumbnails, every capture with its 8 MP frame in the closure).  A finished
task used to stay referenced for good — by the pool (a ``QRunnable`` started without
auto-delete) and by a clean-up lambda connected to the task's own signal — so every
captured frame stayed in memory: the soak benchmark saw ~1 GB of growth per minute.
"""

from __future__ import annotations

import gc
import weakref

import pytest
from pytestqt.qtbot import QtBot

from hukou_scan.gui import tasks as tasks_mod
from hukou_scan.gui.tasks import TaskRunner


class _Payload:
    def __init__(self) -> None:
        self.data = bytearray(1_000_000)


def test_finished_tasks_release_their_closures_and_themselves(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest's log capture keeps each record's traceback (and its frames' closures) for the
    # report; the station's file log does not
    monkeypatch.setattr(tasks_mod.log, "exception", lambda *a, **k: None)
    runner = TaskRunner(max_threads=2)
    payloads: list[weakref.ref[_Payload]] = []
    tasks = []
    results: list[int] = []
    errors: list[str] = []  # names only: a kept exception keeps its traceback's frames

    def job(i: int) -> object:
        payload = _Payload()
        payloads.append(weakref.ref(payload))

        def work() -> int:
            if i % 5 == 0:
                raise ValueError(f"task {i} fails on purpose")
            return len(payload.data)

        return work

    for i in range(60):
        task = runner.run_simple(
            job(i), on_done=results.append, on_error=lambda e: errors.append(type(e).__name__)
        )  # type: ignore[arg-type]
        tasks.append(weakref.ref(task))
        del task
    qtbot.waitUntil(lambda: len(results) + len(errors) == 60, timeout=10000)
    assert runner.pool.waitForDone(5000)
    qtbot.wait(50)  # the runner's own clean-up slots, queued after the callbacks
    gc.collect()
    assert results == [1_000_000] * 48 and errors == ["ValueError"] * 12  # every outcome was delivered
    assert runner.active == 0
    assert sum(1 for r in payloads if r() is not None) == 0, "finished tasks keep their closures"
    # the pool thread may hold the last few tasks for a moment, never all of them
    assert sum(1 for r in tasks if r() is not None) <= 4, "finished tasks stay alive"


def test_tasks_create_no_qobjects_and_report_on_the_main_thread(qtbot: QtBot) -> None:
    """A per-task QObject could be freed on a pool thread (a native "double free" in the suite):
    tasks report through the runner's one signals object, callbacks run on the main thread."""
    import threading

    from PySide6.QtCore import QObject

    runner = TaskRunner(max_threads=4)
    children = len(runner.findChildren(QObject))
    main = threading.get_ident()
    seen: list[tuple[int, int]] = []
    progress: list[int] = []

    def work(i: int) -> object:
        def fn(report: object, _cancel: object) -> int:
            report(i, 300, "")  # type: ignore[operator]
            return i

        return fn

    for i in range(300):
        runner.run(
            work(i),
            on_done=lambda r: seen.append((r, threading.get_ident())),
            on_progress=lambda d, _t, _m: progress.append(d),
        )  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: len(seen) == 300, timeout=20000)
    assert runner.pool.waitForDone(5000)
    assert sorted(r for r, _ in seen) == list(range(300)) and {t for _, t in seen} == {main}
    assert sorted(progress) == list(range(300))
    assert len(runner.findChildren(QObject)) == children and runner.active == 0


def test_a_running_task_can_still_be_cancelled(qtbot: QtBot) -> None:
    runner = TaskRunner(max_threads=1)
    seen: list[str] = []

    def slow(progress: object, cancel: object) -> str:
        assert hasattr(cancel, "wait")
        cancel.wait(5)  # type: ignore[attr-defined]
        return "cancelled" if cancel.is_set() else "ran out"  # type: ignore[attr-defined]

    task = runner.run(slow, on_done=seen.append)
    runner.cancel_all()
    qtbot.waitUntil(lambda: seen == ["cancelled"], timeout=5000)
    assert task.done.is_set()
    assert runner.wait_all(5000)


def test_a_widget_held_only_by_a_running_closure_is_freed_on_the_main_thread(qtbot: QtBot) -> None:
    """A screen closed while its background read runs: the closure holds the last reference,
    and freeing a widget on the pool thread is a segfault.  It must go on the main thread."""
    import threading

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    runner = TaskRunner(max_threads=1)
    release = threading.Event()
    freed_on: list[int] = []
    widget = QWidget()
    widget.destroyed.connect(
        lambda *_a: freed_on.append(threading.get_ident()), Qt.ConnectionType.DirectConnection
    )

    def read(w: QWidget = widget) -> int:
        release.wait(5)
        return 1

    results: list[int] = []
    runner.run_simple(read, on_done=results.append)
    del widget, read  # the screen is gone; only the closure's default argument holds it
    release.set()
    qtbot.waitUntil(lambda: results == [1], timeout=5000)
    assert runner.pool.waitForDone(5000)
    gc.collect()
    qtbot.waitUntil(lambda: len(freed_on) == 1, timeout=5000)
    assert freed_on == [threading.get_ident()]
