"""``hukou-scan audit verify|list|export-csv|anchor`` — the audit log from the command line.

Runs as the operating-system user (``system:<login>``), and every command that reads
the log leaves its own event in it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.errors import HukouScanError
from hukou_scan.security.audit import Anchor
from hukou_scan.storage.security import AuditFilter


class AuditChainBroken(HukouScanError):
    exit_code = 13


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("audit", help="审计日志 / audit log")
    asub = p.add_subparsers(dest="audit_command", required=True)

    v = asub.add_parser("verify", help="校验哈希链 / verify the hash chain")
    v.add_argument("--anchor", help="SEQ:HASH from a sync manifest (detects truncation and rewrites)")
    v.add_argument(
        "--anchor-from-sync",
        action="store_true",
        help="用同步目标上本所目录中的锚点校验 / take the anchor from this station's catalogue on the sync target",
    )
    v.add_argument("--json", action="store_true")
    v.set_defaults(handler=_verify)

    ls = asub.add_parser("list", help="列出事件 / list events (newest first)")
    _filters(ls)
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    ex = asub.add_parser("export-csv", help="导出 CSV / export as CSV")
    ex.add_argument("path")
    ex.add_argument("--purpose", default="", help="导出用途 / purpose of the export (audited)")
    _filters(ex)
    ex.set_defaults(handler=_export)

    an = asub.add_parser("anchor", help="当前链尾 / current chain tip (seq and hash)")
    an.add_argument("--json", action="store_true")
    an.set_defaults(handler=_anchor)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default="")
    p.add_argument("--action", default="")
    p.add_argument("--outcome", default="")
    p.add_argument("--station", default="")
    p.add_argument("--text", default="", help="substring of the target")
    p.add_argument("--since", type=_date, help="YYYY-MM-DD[THH:MM] (UTC)")
    p.add_argument("--until", type=_date, help="YYYY-MM-DD[THH:MM] (UTC), exclusive")


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a date: {text!r}") from e


def _filter_of(args: argparse.Namespace) -> AuditFilter:
    return AuditFilter(
        username=args.user,
        action=args.action,
        outcome=args.outcome,
        station=args.station,
        text=args.text,
        since=args.since,
        until=args.until,
    )


def parse_anchor(text: str) -> Anchor:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise HukouScanError(
            "锚点格式应为 序号:64位十六进制哈希。", "The anchor must look like SEQ:HASH (64 hex digits)."
        )
    return Anchor(int(seq), digest)


def _verify(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    anchor = parse_anchor(args.anchor) if args.anchor else None
    if getattr(args, "anchor_from_sync", False):
        remote = ctx.sync.remote_audit_anchor()
        if remote is None:
            raise HukouScanError(
                "同步目标上没有本所的审计锚点（尚未同步过）。",
                "The sync target holds no audit anchor for this station (not synced yet).",
            )
        anchor = Anchor.from_dict(remote)
    report = ctx.security.verify_audit(anchor=anchor)
    if args.json:
        print_json(report.to_dict())
    else:
        for p in report.problems:
            print(f"#{p.seq} [{p.kind}] {p.zh} / {p.en}")
        state = (
            "完好 / intact"
            if report.ok
            else f"发现 {len(report.problems)} 处问题 / {len(report.problems)} problem(s)"
        )
        print(
            f"审计链 / audit chain: {report.checked} 条事件 / events, {state}; 链尾 / tip {report.last_seq}:{report.last_hash}"
        )
    if not report.ok:
        if not args.json:
            print("审计链校验失败 / audit chain verification failed", file=sys.stderr)
        return AuditChainBroken.exit_code
    return 0


def _list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    events = ctx.security.audit_events(_filter_of(args), limit=max(1, min(args.limit, 100_000)))
    for e in events:
        if args.json:
            print_json(
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "username": e.username,
                    "station": e.station,
                    "action": e.action,
                    "target": e.target,
                    "outcome": e.outcome,
                    "details": e.details,
                }
            )
        else:
            print(
                f"{e.seq:>7} {e.at:%Y-%m-%d %H:%M:%S} {e.username:<16} {e.action:<18} {e.outcome:<8} {e.target}"
            )
    return 0


def _export(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    n = ctx.security.export_audit_csv(Path(args.path), _filter_of(args), purpose=args.purpose)
    print(f"已导出 / exported {n} → {args.path}")
    return 0


def _anchor(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    a = ctx.security.audit_anchor()
    if args.json:
        print_json(a.to_dict())
    else:
        print(f"{a.seq}:{a.hash}")
    return 0
