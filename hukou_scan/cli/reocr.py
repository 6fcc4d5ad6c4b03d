"""``hukou-scan reocr start|list|status|pause|resume|diff|accept|reject``: re-OCR campaigns.

A campaign re-reads a selection of pages (station, capture-date range, the engine that
produced their current text) with another engine, below fresh captures in the queue.
New readings wait as candidates beside the old text; nothing replaces a page's text until
a reviewer accepts it (``accept`` refuses a page whose text changed since it was re-read,
unless ``--force``).  Reviewers and administrators only (a product login); audited.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from datetime import datetime
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.errors import ConfigError
from hukou_scan.ocr.form import DEFAULT_MODE, MODES
from hukou_scan.storage.queue import Campaign


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("reocr", help="重新识别任务 / re-OCR campaigns")
    rsub = p.add_subparsers(dest="reocr_command", required=True)

    s = rsub.add_parser("start", help="开始重新识别 / start a campaign over a selection")
    s.add_argument("--engine", required=True, help="新的识别引擎 / engine to re-read with")
    s.add_argument("--mode", choices=MODES, default=DEFAULT_MODE)
    s.add_argument("--name", default="")
    s.add_argument("--station", help="工作站代码或 id / station code or id")
    s.add_argument("--from", dest="date_from", help="采集日期起（含）/ captured on or after YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", help="采集日期止（不含）/ captured before YYYY-MM-DD")
    s.add_argument("--engine-version", help="仅限由该引擎识别的页面 / only pages read by this engine")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_start)

    ls = rsub.add_parser("list", help="列出任务 / list campaigns")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    for name, handler, help_ in (
        ("status", _status, "进度 / progress"),
        ("pause", _pause, "暂停 / pause"),
        ("resume", _resume, "继续 / resume"),
    ):
        c = rsub.add_parser(name, help=help_)
        c.add_argument("campaign")
        c.add_argument("--json", action="store_true")
        c.set_defaults(handler=handler)

    d = rsub.add_parser("diff", help="新旧文字对比 / old vs new text per page")
    d.add_argument("campaign")
    d.add_argument("--page", action="append", default=[], help="页面 id（可多次）/ page id (repeatable)")
    d.add_argument("--all", action="store_true", help="包括已处理的 / include accepted and rejected")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=_diff)

    for name, handler, help_ in (
        ("accept", _accept, "采用新文字 / accept the new readings"),
        ("reject", _reject, "保留原文字 / keep the old text"),
    ):
        c = rsub.add_parser(name, help=help_)
        c.add_argument("campaign")
        g = c.add_mutually_exclusive_group(required=True)
        g.add_argument("--page", action="append", default=[], help="页面 id（可多次）/ page id (repeatable)")
        g.add_argument("--all", action="store_true", help="全部待审 / every pending candidate")
        if name == "accept":
            c.add_argument(
                "--force", action="store_true", help="页面文字已改动也采用 / even if the text changed"
            )
        c.add_argument("--json", action="store_true")
        c.set_defaults(handler=handler)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as e:
        raise ConfigError(f"日期格式无效：{value}", f"Invalid date: {value} (YYYY-MM-DD)") from e


def _show(c: Campaign, as_json: bool) -> None:
    if as_json:
        print_json(c.to_dict())
        return
    print(
        f"{c.id}  {c.status:8}  {c.engine}  read {c.read}/{c.total}  queued {c.queued}  failed {c.failed}  "
        f"pending {c.pending}  accepted {c.accepted}  rejected {c.rejected}  {c.name}"
    )


def _start(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        station = None
        if args.station:
            station = next(
                (s.id for s in ctx.stations.list() if args.station in (s.id, s.code)), args.station
            )
        c = ctx.reocr.start(
            args.engine,
            mode=args.mode,
            name=args.name,
            station_id=station,
            date_from=_date(args.date_from),
            date_to=_date(args.date_to),
            engine_version=args.engine_version,
        )
        _show(c, args.json)
        return 0
    finally:
        ctx.close()


def _list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        for c in ctx.reocr.campaigns():
            _show(c, args.json)
        return 0
    finally:
        ctx.close()


def _status(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        _show(ctx.reocr.status(args.campaign), args.json)
        return 0
    finally:
        ctx.close()


def _pause(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        n = ctx.reocr.pause(args.campaign)
        _report(args, {"campaign": args.campaign, "withdrawn": n}, f"paused; {n} waiting page(s) withdrawn")
        return 0
    finally:
        ctx.close()


def _resume(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        n = ctx.reocr.resume(args.campaign)
        _report(args, {"campaign": args.campaign, "queued": n}, f"resumed; {n} page(s) queued")
        return 0
    finally:
        ctx.close()


def _diff(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        for c in ctx.reocr.diff(args.campaign, args.page, None if args.all else "pending"):
            if args.json:
                print_json(
                    {
                        "page_id": c.page_id,
                        "status": c.status,
                        "old_engine": c.old_engine,
                        "old_text": c.old_text,
                        "new_text": c.new_text,
                    }
                )
                continue
            print(f"=== page {c.page_id} ({c.status}; was {c.old_engine or '?'}) ===")
            lines = difflib.unified_diff(
                c.old_text.splitlines(), c.new_text.splitlines(), "old", "new", lineterm=""
            )
            sys.stdout.write("\n".join(lines) + "\n")
        return 0
    finally:
        ctx.close()


def _accept(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        outcomes = ctx.reocr.accept(args.campaign, [] if args.all else args.page, force=args.force)
        _report(
            args, {"campaign": args.campaign, **outcomes}, ", ".join(f"{k} {v}" for k, v in outcomes.items())
        )
        return 0 if not outcomes.get("changed") else 3
    finally:
        ctx.close()


def _reject(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        n = ctx.reocr.reject(args.campaign, [] if args.all else args.page)
        _report(args, {"campaign": args.campaign, "rejected": n}, f"rejected {n}")
        return 0
    finally:
        ctx.close()


def _report(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    if args.json:
        print_json(obj)
    else:
        print(text or "nothing to do")
