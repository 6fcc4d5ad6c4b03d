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
drops the closure, the result and the error as soon as it has delivered them.

Threads: no QObject per task.  A per-task signals object lived on the main thread while
the pool thread held the task until its runnable was destroyed, so its last reference
could drop on the pool thread (a main-thread QObject freed there), and deleting it
ourselves raced with PySide's own bookkeeping of queued calls (native crashes in the
suite).  The runner owns one signals object for all its tasks; a task reports under its
key and the runner dispatches to the callbacks it keeps for that key, on the main thread.
Likewise the closure may hold the last reference to a widget (a screen closed while its
refresh ran): it is released on the main thread, never by the pool thread (a segfault).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from hukou_scan.errors import HukouScanError, current_language

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


def failure_text(exc: BaseException) -> str:
    """What a failed task says in a dialog: our errors in the user's language, anything
    else with its type (an unexpected error should be recognisable in a support call)."""
    if isinstance(exc, HukouScanError):
        return exc.user_message(current_language())
    return f"{type(exc).__name__}: {exc}"


class _Signals(QObject):
    finished = Signal(int)
    progressed = Signal(int, int, int, str)


class Task:
    """A unit of background work.  Keep a reference to cancel it: ``task.cancel()``."""

    def __init__(self, fn: Callable[[ProgressFn, threading.Event], Any], key: int, signals: _Signals) -> None:
        self.fn: Callable[[ProgressFn, threading.Event], Any] | None = fn
        self.key = key
        self._signals = signals  # the runner's: outlives every task (see the module doc)
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        """Runs on a pool thread.  What the closure, the result or the error reference (widgets,
        frames) is released on the main thread by the runner: the pool thread keeps no
        reference of its own past this point, so no Qt object is ever freed here."""
        fn = self.fn
        try:
            if fn is None:
                raise RuntimeError("a task runs only once")
            self.result = fn(self._progress, self.cancel_event)
        except BaseException as e:  # task boundary: report everything to the UI
            log.exception("background task failed")
            self.error = e
        finally:
            del fn
        self.done.set()
        self._signals.finished.emit(self.key)

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self._signals.progressed.emit(self.key, done, total, message)


_Callbacks = tuple[
    Callable[[Any], None] | None,
    Callable[[BaseException], None] | None,
    Callable[[int, int, str], None] | None,
]


class TaskRunner(QObject):
    """Owns a thread pool and the tasks in flight; ``wait_all`` is for shutdown and tests."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_task_finished)
        self._signals.progressed.connect(self._on_task_progressed)
        self._tasks: dict[int, Task] = {}
        self._callbacks: dict[int, _Callbacks] = {}
        self._next_key = 0

    def run(
        self,
        fn: Callable[[ProgressFn, threading.Event], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Task:
        key = self._next_key
        self._next_key += 1
        task = Task(fn, key, self._signals)
        self._tasks[key] = task
        self._callbacks[key] = (on_done, on_error, on_progress)
        self.pool.start(task.run)
        return task

    def _on_task_finished(self, key: int) -> None:
        task = self._tasks.pop(key, None)
        on_done, on_error, _ = self._callbacks.pop(key, (None, None, None))
        if task is None:
            return
        result, error = task.result, task.error
        task.fn = task.result = task.error = None  # released here, on the main thread
        if error is not None:
            if on_error is not None:
                on_error(error)
        elif on_done is not None:
            on_done(result)

    def _on_task_progressed(self, key: int, done: int, total: int, message: str) -> None:
        callbacks = self._callbacks.get(key)
        if callbacks is not None and callbacks[2] is not None:
            callbacks[2](done, total, message)

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
