"""``hukou-scan worker [--until-idle] [--name NAME] [--backfill-thumbnails] [--sync] [--json]``: run queued background work.

Starts one worker of the configured queue (``[queue] backend``): with ``procrastinate``
on the central PostgreSQL, on any machine that reaches the database and the page store
(the local page store, else the ``[sync]`` target such as S3); with ``local``, this
station's own ``jobs`` table.  OCR runs in this process (one engine loaded once): start
one worker per core to use more cores.  ``--backfill-thumbnails`` first queues a ``thumb``
job for every page whose stored thumbnail is missing or outdated (pages processed before
thumbnails were stored); every worker of the queue shares them.

``--sync`` also answers this station's upload requests (``sync`` jobs: one upload run to the
``[sync]`` target each, audited as ``sync``).  The station is the one the worker's settings
name (``station_code``), and the files are read from the local page store: only the
station's own machine — or one that mounts its data folder with the same settings — may do
it, and the worker refuses to start with ``--sync`` when the page store here does not hold
the station's files still to upload or no target is configured.  On PostgreSQL the requests
wait in the station's own procrastinate queue, so an OCR machine's plain ``worker`` never
takes them.  Runs as ``system:<os account>`` (audited), like the other station automation
commands.  SIGTERM/SIGINT stop it after the current job; a
SIGKILL loses nothing (the job runs again elsewhere once this worker's heartbeat stops).
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import sys
import threading
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "worker",
        help="运行后台任务（识别、重新识别、索引、上传）/ run queued background work (OCR, re-OCR, index, uploads)",
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
        "--sync",
        action="store_true",
        help="同时上传本派出所的页面（仅限本机有其图像库时）/ also run this station's uploads "
        "(only where its page store is)",
    )
    p.add_argument(
        "--json", action="store_true", help="结束时输出一行 JSON / print a JSON summary at the end"
    )
    p.set_defaults(handler=_run, auth="system")  # see cli/_auth.py


def _check_uploads_here(ctx: Any) -> None:
    """``--sync`` only where the station's target is set and its page store is."""
    from hukou_scan.errors import ConfigError

    if not (ctx.sync.config.target or ctx.sync.config.catalogue_url):
        raise ConfigError(
            "未设置同步目标，无法上传。",
            "No sync target is configured: --sync has nothing to upload to.",
            hint_zh="请在设置的 [sync] 中填写 target。",
            hint_en="Set [sync] target in the settings.",
        )
    if not ctx.sync.holds_page_store():
        raise ConfigError(
            f"本机没有派出所 {ctx.station.code} 的图像库，不能为其上传。",
            f"This machine does not hold station {ctx.station.code}'s page store: it cannot upload its pages.",
            hint_zh="请在该派出所的工作站上运行 hukou-scan worker --sync。",
            hint_en="Run hukou-scan worker --sync on the station's own machine.",
        )


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
        ctx.session_guard.audit("worker_start", backend=backend, name=args.name, sync=bool(args.sync))
        queued_thumbs = 0
        if args.backfill_thumbnails:
            queued_thumbs = ctx.queue_store.queue_thumbnails(ctx.pages.pages_without_thumbnail(limit=10**7))
            ctx.session_guard.audit("thumbnails_backfill", pages=queued_thumbs)
            print(f"{queued_thumbs} thumbnail job(s) queued / 已排队生成缩略图", file=sys.stderr, flush=True)
        if args.sync:
            _check_uploads_here(ctx)
        worker = ctx.queue_worker(args.name, sync=args.sync)
        worker.handlers.warm_up()
        stop = None
        if backend == "local":  # procrastinate installs its own handlers
            stop = threading.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda _n, _f: stop.set())  # after the current job
        summary = worker.run(until_idle=args.until_idle, stop=stop)
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
