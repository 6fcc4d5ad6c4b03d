"""Background work for the GUI: run a callable off the UI thread, report back on it.

Modelled on Anki's ``aqt.operations``: the slow function never touches widgets; its
result or exception is delivered through queued signals to callbacks that run on the
main thread.  Every task gets a :class:`threading.Event` for cancel and a progress
callable ``progress(done, total, message)`` that is safe to call from the worker.

Memory: a station runs for a whole shift and starts a task every second or so (page
list refreshes, thumbnails, every capture with its 8 MP frame), so a finished task must
leave nothing behind.  Three things used to keep every task alive for good: the pool
(PySide keeps a ``QRunnable`` started without auto-delete referenced by its pool), the
clean-up slot (a lambda holding the task, connected to the task's own signal: a cycle
through the C++ connection that Python's garbage collector cannot see), and the task's
closure.  Now the pool runs a plain callable, the runner forgets a task by its key, and
the closure is dropped as soon as it has run.

Threads: a task's signals object lives in the main thread but the pool thread holds the
task until its runnable is destroyed, which may be after the main thread has forgotten
it.  Had the Python wrapper owned the QObject, its last reference could drop on the
pool thread and delete a main-thread QObject there (a native "double free" seen in the
suite).  So the runner parents every signals object and deletes it with ``deleteLater``
from its last slot: always on the main thread, after every signal the task posted.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)


class Task:
    """A unit of background work.  Keep a reference to cancel it: ``task.cancel()``."""

    def __init__(
        self, fn: Callable[[ProgressFn, threading.Event], Any], owner: QObject | None = None
    ) -> None:
        self.fn: Callable[[ProgressFn, threading.Event], Any] | None = fn
        self.signals = _Signals(owner)  # owned by the runner (C++ side): see the module doc
        self.cancel_event = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        fn, self.fn = self.fn, None  # runs once; what the closure holds (frames, pages) goes with it
        try:
            if fn is None:
                raise RuntimeError("a task runs only once")
            result = fn(self._progress, self.cancel_event)
        except BaseException as e:  # task boundary: report everything to the UI
            log.exception("background task failed")
            self.signals.failed.emit(e)
        else:
            self.signals.finished.emit(result)
        finally:
            del fn
            self.done.set()

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.signals.progressed.emit(done, total, message)


class TaskRunner(QObject):
    """Owns a thread pool and the tasks in flight; ``wait_all`` is for shutdown and tests."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: dict[int, Task] = {}
        self._next_key = 0

    def run(
        self,
        fn: Callable[[ProgressFn, threading.Event], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Task:
        task = Task(fn, self)
        if on_done:
            task.signals.finished.connect(on_done)
        if on_error:
            task.signals.failed.connect(on_error)
        if on_progress:
            task.signals.progressed.connect(on_progress)
        key = self._next_key
        self._next_key += 1
        forget = functools.partial(self._forget, key)  # holds the key, not the task (see module doc)
        task.signals.finished.connect(forget)
        task.signals.failed.connect(forget)
        self._tasks[key] = task
        self.pool.start(task.run)
        return task

    def _forget(self, key: int, _outcome: object = None) -> None:
        """The task's last queued slot: its signals object goes on the main thread, after
        every event the task posted (they were queued before this one)."""
        task = self._tasks.pop(key, None)
        if task is not None:
            task.signals.deleteLater()

    def run_simple(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """For work that has no progress and cannot be cancelled."""
        return self.run(lambda _p, _c: fn(), on_done, on_error)

    def cancel_all(self) -> None:
        for t in list(self._tasks.values()):
            t.cancel()

    def wait_all(self, timeout_ms: int = 30000) -> bool:
        self.cancel_all()
        return self.pool.waitForDone(timeout_ms)

    @property
    def active(self) -> int:
        return len(self._tasks)
