"""Worker processes for CPU work (imaging, OCR): spawning, niceness, timeouts, killing.

Why processes: page processing and recognition are CPU-bound.  In a thread of the GUI
process they hold the GIL between OpenCV/ONNX calls, and the UI thread waits for it —
the capture screen stalled for hundreds of milliseconds at a time (issue 15).  In a
process of their own they share nothing with the UI but the CPU, and a worker started
with a higher nice value never takes the CPU from it either.  A hung or crashed worker
is killed and replaced; only a process can be stopped that way.

Shared by :mod:`hukou_scan.services.ocr` and :mod:`hukou_scan.services.processing`.  The
protocol over the pipe is the one both worker bodies speak: request
``(job_id, *payload)``, reply ``("ok", job_id, result)`` or
``("err", job_id, zh, en, retryable)``; ``None`` asks the worker to exit.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from hukou_scan.domain.models import Job

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10  # background work yields the CPU to the UI (and to the camera)


def _niced_main(nice: int, target: Callable[..., None], args: tuple[Any, ...]) -> None:
    """Child entry point: lower the priority first, then run the worker body."""
    if nice:
        try:
            os.nice(nice)
        except OSError as e:  # not fatal: the worker only competes a little more
            log.warning("could not lower worker priority: %s", e)
    target(*args)


@dataclass(frozen=True)
class SlotEvent:
    """What :meth:`WorkerSlot.poll` saw for the slot's current job.

    ``kind``: ``"reply"`` (``message`` holds the worker's reply), ``"died"`` (the process
    ended; ``exitcode``) or ``"timeout"`` (the job ran past its deadline; the worker has
    been killed).
    """

    kind: str
    job: Job
    message: tuple[Any, ...] = ()
    exitcode: int | None = None


class WorkerSlot:
    """One worker process and the job it is working on.

    Args:
        name: short name of the worker kind ("ocr", "imaging"): process names, logs.
        index: slot number within its service.
        target: the worker body, a module-level function ``target(conn, *args)``.
        args: extra arguments after the pipe end.
        nice: added to the child's nice value (0 leaves it as the parent's).
    """

    def __init__(
        self,
        name: str,
        index: int,
        target: Callable[..., None],
        args: tuple[Any, ...] = (),
        nice: int = BACKGROUND_NICE,
    ) -> None:
        self.kind = name
        self.index = index
        self.target = target
        self.args = args
        self.nice = nice
        self.proc: BaseProcess | None = None
        self.conn: Connection | None = None
        self.job: Job | None = None
        self.deadline = 0.0

    @property
    def name(self) -> str:
        """The worker name recorded on claimed jobs (host, GUI process, slot)."""
        return f"{socket.gethostname()}:{os.getpid()}:{self.kind[0]}{self.index}"

    def ensure(self) -> Connection:
        """The pipe to a live worker, spawning one if there is none."""
        if self.proc is not None and self.proc.is_alive() and self.conn is not None:
            return self.conn
        self.kill()
        ctx = mp.get_context("spawn")  # never fork a process that may hold Qt/DB threads
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_niced_main,
            args=(self.nice, self.target, (child, *self.args)),
            name=f"{self.kind}-w{self.index}",
            daemon=True,
        )
        proc.start()
        child.close()
        self.proc, self.conn = proc, parent
        log.info("%s worker %d started (pid %s, nice +%d)", self.kind, self.index, proc.pid, self.nice)
        return parent

    def send(self, job: Job, payload: tuple[Any, ...], timeout_s: float) -> None:
        """Hand ``job`` to the worker (spawning it if needed); the deadline starts now."""
        conn = self.ensure()
        conn.send((job.id, *payload))
        self.job = job
        self.deadline = time.monotonic() + timeout_s

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def handles(self) -> list[Any]:
        """What :func:`multiprocessing.connection.wait` waits on for this slot."""
        if self.conn is None or self.proc is None:
            return []
        return [self.conn, self.proc.sentinel]

    def poll(self, now: float) -> SlotEvent | None:
        """Check the busy slot once: a reply, a dead worker, a timeout — or ``None`` (still working).

        The slot is free again after any event; a dead or timed-out worker is killed (the
        next :meth:`send` starts a fresh one).  A stale reply (for another job) is dropped.
        """
        job = self.job
        if job is None or self.proc is None or self.conn is None:
            return None
        msg: Any = None
        try:
            if self.conn.poll():
                msg = self.conn.recv()
        except (EOFError, OSError):
            msg = None
        if msg is not None and msg[1] == job.id:
            self.job = None
            return SlotEvent("reply", job, tuple(msg))
        if not self.proc.is_alive():
            code = self.proc.exitcode
            log.warning("%s worker %d died on job %s (exit %s)", self.kind, self.index, job.id, code)
            self.job = None
            self.kill()
            return SlotEvent("died", job, exitcode=code)
        if now > self.deadline:
            log.warning("%s worker %d timed out on job %s: killed", self.kind, self.index, job.id)
            self.job = None
            self.kill()
            return SlotEvent("timeout", job)
        return None

    def kill(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)
            self.proc = None

    def stop(self) -> None:
        """Ask the worker to exit, kill it if it does not."""
        if self.conn is not None and self.proc is not None and self.proc.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.proc.join(3)
        self.kill()


def serve(conn: Connection, handle: Callable[[tuple[Any, ...]], Any], what: str) -> None:
    """A worker body's loop: ``handle(payload)`` for each request until ``None`` or EOF.

    ``handle`` returns the result (small and picklable: paths, hashes, dicts) or raises a
    :class:`~hukou_scan.errors.HukouScanError` (``ImageProcessingError`` is not retried:
    the input itself is bad); any other exception is reported as retryable.
    """
    from hukou_scan.errors import HukouScanError, ImageProcessingError

    while True:
        try:
            msg: Any = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        job_id, payload = msg[0], tuple(msg[1:])
        try:
            reply: tuple[Any, ...] = ("ok", job_id, handle(payload))
        except ImageProcessingError as e:
            reply = ("err", job_id, e.zh, e.en, False)
        except HukouScanError as e:
            reply = ("err", job_id, e.zh, e.en, True)
        except Exception as e:  # task boundary: report, keep serving
            log.exception("%s worker failed on job %s", what, job_id)
            reply = ("err", job_id, "处理出错。", f"{what} failed: {type(e).__name__}: {e}", True)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
