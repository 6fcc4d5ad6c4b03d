"""Background work for the GUI: run a callable off the UI thread, report back on it.

Modelled on Anki's ``aqt.operations``: the slow function never touches widgets; its
result or exception is delivered through queued signals to callbacks that run on the
main thread.  Every task gets a :class:`threading.Event` for cancel and a progress
callable ``progress(done, total, message)`` that is safe to call from the worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)


class Task(QRunnable):
    """A unit of background work.  Keep a reference to cancel it: ``task.cancel()``."""

    def __init__(self, fn: Callable[[ProgressFn, threading.Event], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.cancel_event = threading.Event()
        self.setAutoDelete(False)
        self.done = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.cancel_event)
        except BaseException as e:  # task boundary: report everything to the UI
            log.exception("background task failed")
            self.signals.failed.emit(e)
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.signals.progressed.emit(done, total, message)


class TaskRunner(QObject):
    """Owns a thread pool and the tasks in flight; ``wait_all`` is for shutdown and tests."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def run(
        self,
        fn: Callable[[ProgressFn, threading.Event], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Task:
        task = Task(fn)
        if on_done:
            task.signals.finished.connect(on_done)
        if on_error:
            task.signals.failed.connect(on_error)
        if on_progress:
            task.signals.progressed.connect(on_progress)
        task.signals.finished.connect(lambda _r, t=task: self._tasks.discard(t))
        task.signals.failed.connect(lambda _e, t=task: self._tasks.discard(t))
        self._tasks.add(task)
        self.pool.start(task)
        return task

    def run_simple(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """For work that has no progress and cannot be cancelled."""
        return self.run(lambda _p, _c: fn(), on_done, on_error)

    def cancel_all(self) -> None:
        for t in list(self._tasks):
            t.cancel()

    def wait_all(self, timeout_ms: int = 30000) -> bool:
        self.cancel_all()
        return self.pool.waitForDone(timeout_ms)

    @property
    def active(self) -> int:
        return len(self._tasks)
