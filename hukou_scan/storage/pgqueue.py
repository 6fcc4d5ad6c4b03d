"""The procrastinate worker: PostgreSQL-backed delivery of the shared job queue (issue 19).

procrastinate brings what a home-made table would have to re-invent: ``FOR UPDATE SKIP
LOCKED`` fetching with priorities, per-page locks, retries, LISTEN/NOTIFY wake-ups and
worker heartbeats.  A worker SIGKILLed mid-job stops its heartbeat; every other worker
runs :func:`_recover_stalled` periodically and puts such jobs back in the queue, and the
job's own completion transaction (``storage/queue.py``) makes the second run safe.

Only this module imports procrastinate (an import-linter contract keeps it so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from procrastinate import App, BaseRetryStrategy, JobContext, PsycopgConnector, RetryDecision, RetryStrategy
from procrastinate.jobs import Job
from sqlalchemy.engine import make_url

from hukou_scan.storage.queue import QUEUE_NAME, SYNC_KIND, TASKS, SyncBackoff

log = logging.getLogger(__name__)

# (kind, jobs-row id, attempt number starting at 1, last attempt?) → None; raising retries
Execute = Callable[[str, str, int, bool], None]


def conninfo(db_url: str) -> str:
    """The libpq connection string of a SQLAlchemy ``postgresql+psycopg://`` URL."""
    url = make_url(db_url)
    if not url.get_backend_name().startswith("postgresql"):
        raise ValueError("the procrastinate queue needs PostgreSQL")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class SyncRetry(BaseRetryStrategy):
    """procrastinate's side of :class:`SyncBackoff`: capped exponential waits (procrastinate's
    own exponential strategy has no cap, so its later waits would grow past hours)."""

    def __init__(self, backoff: SyncBackoff) -> None:
        self.backoff = backoff

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        tried = int(job.attempts) + 1  # job.attempts counts the attempts before this one
        if tried >= self.backoff.attempts:
            return None
        return RetryDecision(retry_in={"seconds": round(self.backoff.delay(tried))})


def build_app(
    db_url: str, execute: Execute, max_attempts: int = 2, sync_backoff: SyncBackoff | None = None
) -> App:
    """A procrastinate app whose tasks hand every job of ``TASKS`` to ``execute``."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(db_url), min_size=1, max_size=3))
    backoff = sync_backoff or SyncBackoff()
    for kind, (task_name, _priority) in TASKS.items():
        attempts = backoff.attempts if kind == SYNC_KIND else max_attempts

        def run(context: JobContext, job_id: str, _kind: str = kind, _attempts: int = attempts) -> None:
            attempt = int(context.job.attempts) + 1 if context.job is not None else 1
            execute(_kind, job_id, attempt, attempt >= _attempts)

        # uploads wait longer and longer between tries: a network outage, not a bad page
        retry: BaseRetryStrategy = (
            SyncRetry(backoff)
            if kind == SYNC_KIND
            else RetryStrategy(max_attempts=max(0, attempts - 1), wait=1)
        )
        app.task(name=task_name, queue=QUEUE_NAME, pass_context=True, retry=retry)(run)
    return app


async def _recover_stalled(app: App, stalled_s: float, stop: asyncio.Event) -> None:
    """Put back the jobs of workers whose heartbeat stopped (killed, machine lost)."""
    while not stop.is_set():
        try:
            stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_s))
        except Exception:  # task boundary: a failed sweep is retried at the next tick
            log.exception("stalled-job recovery failed")
            stalled = []
        for job in stalled:
            try:
                await app.job_manager.retry_job(job)
                log.warning("job %s of a stalled worker went back to the queue", job.id)
            except Exception:  # another worker's sweep was first: the job is no longer "doing"
                log.info("stalled job %s already recovered elsewhere", job.id, exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(0.5, stalled_s / 2))


def run_worker(
    db_url: str,
    execute: Execute,
    *,
    name: str,
    until_idle: bool = False,
    concurrency: int = 1,
    heartbeat_s: float = 10.0,
    stalled_s: float = 30.0,
    max_attempts: int = 2,
    stop: threading.Event | None = None,
    install_signal_handlers: bool = True,
    queues: list[str] | None = None,
    sync_backoff: SyncBackoff | None = None,
) -> None:
    """Run one procrastinate worker until stopped (SIGINT/SIGTERM, ``stop``) or, with
    ``until_idle``, until the queue has nothing left for it.  ``queues``: the shared
    queue by default; ``worker --sync`` adds its station's upload queue (``sync_queue``)."""
    app = build_app(db_url, execute, max_attempts, sync_backoff)

    async def main() -> None:
        halt = asyncio.Event()
        async with app.open_async():
            recovery = asyncio.create_task(_recover_stalled(app, stalled_s, halt))
            options: dict[str, Any] = {
                "queues": queues or [QUEUE_NAME],
                "name": name,
                "concurrency": concurrency,
                "wait": not until_idle,
                "update_heartbeat_interval": heartbeat_s,
                "stalled_worker_timeout": stalled_s,
                "fetch_job_polling_interval": 1.0,
                "install_signal_handlers": install_signal_handlers,
            }
            worker = asyncio.create_task(app.run_worker_async(**options))
            watcher = asyncio.create_task(_watch(stop, worker)) if stop is not None else None
            try:
                await worker
            except asyncio.CancelledError:
                log.info("worker %s stopped", name)
            finally:
                halt.set()
                for t in (recovery, watcher):
                    if t is not None:
                        t.cancel()
                await asyncio.gather(recovery, *([watcher] if watcher else []), return_exceptions=True)

    asyncio.run(main())


async def _watch(stop: threading.Event, worker: asyncio.Task[None]) -> None:
    while not stop.is_set():
        await asyncio.sleep(0.2)
    worker.cancel()


def pending_count(db_url: str) -> dict[str, int]:
    """procrastinate jobs per status (for status screens and the benchmark)."""
    import psycopg

    with psycopg.connect(conninfo(db_url)) as conn:
        rows = conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
        ).fetchall()
    return {str(s): int(n) for s, n in rows}
