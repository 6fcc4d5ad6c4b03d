"""``hukou-scan worker [--until-idle] [--name NAME] [--backfill-thumbnails] [--json]``: run queued background work.

Starts one worker of the configured queue (``[queue] backend``): with ``procrastinate``
on the central PostgreSQL, on any machine that reaches the database and the page store
(the local page store, else the ``[sync]`` target such as S3); with ``local``, this
station's own ``jobs`` table.  OCR runs in this process (one engine loaded once): start
one worker per core to use more cores.  ``--backfill-thumbnails`` first queues a ``thumb``
job for every page whose stored thumbnail is missing or outdated (pages processed before
thumbnails were stored); every worker of the queue shares them.  Runs as ``system:<os account>`` (audited), like
the other station automation commands.  SIGTERM/SIGINT stop it after the current job; a
SIGKILL loses nothing (the job runs again elsewhere once this worker's heartbeat stops).
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "worker", help="运行后台任务（识别、重新识别、索引）/ run queued background work (OCR, re-OCR, index)"
    )
    p.add_argument(
        "--until-idle", action="store_true", help="队列空时退出 / exit once the queue has nothing left"
    )
    p.add_argument("--name", default="", help="工作进程名称 / worker name (default host:pid)")
    p.add_argument(
        "--backfill-thumbnails",
        action="store_true",
        help="先为缺少缩略图的页面排队生成缩略图 / first queue thumbnails for pages that lack one",
    )
    p.add_argument(
        "--json", action="store_true", help="结束时输出一行 JSON / print a JSON summary at the end"
    )
    p.set_defaults(handler=_run, auth="system")  # see cli/_auth.py


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return float(usage.ru_utime + usage.ru_stime)


def _run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        if not args.verbose:
            logging.getLogger("hukou_scan").setLevel(logging.INFO)
        backend = ctx.queue_options.backend
        print(f"worker started ({backend}) / 后台任务已启动", file=sys.stderr, flush=True)
        ctx.session_guard.audit("worker_start", backend=backend, name=args.name)
        queued_thumbs = 0
        if args.backfill_thumbnails:
            queued_thumbs = ctx.queue_store.queue_thumbnails(ctx.pages.pages_without_thumbnail(limit=10**7))
            ctx.session_guard.audit("thumbnails_backfill", pages=queued_thumbs)
            print(f"{queued_thumbs} thumbnail job(s) queued / 已排队生成缩略图", file=sys.stderr, flush=True)
        worker = ctx.queue_worker(args.name)
        worker.handlers.warm_up()
        summary = worker.run(until_idle=args.until_idle)
        ctx.session_guard.audit("worker_stop", backend=backend, done=summary.done, failed=summary.failed)
        out = {
            "backend": backend,
            "done": summary.done,
            "failed": summary.failed,
            "retried": summary.retried,
            "skipped": summary.skipped,
            "by_kind": summary.by_kind,
            "thumbnails_queued": queued_thumbs,
            "cpu_s": round(_cpu_seconds(), 3),  # this process's CPU time (throughput per core)
        }
        if args.json:
            print_json(out)
        else:
            print(f"done {summary.done}, failed {summary.failed}, retried {summary.retried}", file=sys.stderr)
        return 0
    finally:
        ctx.close()
