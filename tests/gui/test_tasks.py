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
    # the pool thread may hold the last task for a moment, never all of them
    assert sum(1 for r in tasks if r() is not None) <= 2, "finished tasks stay alive"


def test_signals_objects_are_deleted_on_the_main_thread_after_delivery(qtbot: QtBot) -> None:
    """A main-thread QObject deleted on a pool thread corrupts the heap (a native "double free"
    in the suite): every task's signals object must go on the main thread, and go."""
    import threading

    from PySide6.QtCore import Qt

    runner = TaskRunner(max_threads=4)
    main = threading.get_ident()
    destroyed_on: list[int] = []
    done: list[int] = []
    for i in range(300):
        task = runner.run(lambda _p, _c, i=i: i, on_done=done.append)
        task.signals.destroyed.connect(
            lambda *_a: destroyed_on.append(threading.get_ident()), Qt.ConnectionType.DirectConnection
        )
        del task
    qtbot.waitUntil(lambda: len(done) == 300, timeout=20000)
    assert runner.pool.waitForDone(5000)
    qtbot.waitUntil(lambda: len(destroyed_on) == 300, timeout=5000)
    assert set(destroyed_on) == {main}
    assert sorted(done) == list(range(300))


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
