"""``hukou-scan db upgrade|current``."""

from __future__ import annotations

import argparse
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("db", help="数据库维护 / database maintenance")
    p.set_defaults(auth="system")  # no personal data shown, no user/registry change (cli/_auth.py)
    dbsub = p.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="运行数据库迁移 / run migrations")
    up.add_argument("--revision", default="head")
    up.set_defaults(handler=_upgrade)
    chk = dbsub.add_parser(
        "check", help="检查页面文件 / check the page store for orphans, missing and corrupt files"
    )
    chk.add_argument("--clean", action="store_true", help="remove orphan files older than an hour")
    chk.add_argument(
        "--repair",
        action="store_true",
        help="将一小时前的孤立文件移到隔离文件夹（保留）/ move orphan files older than an hour to the quarantine folder (kept)",
    )
    chk.add_argument("--verify", action="store_true", help="re-hash every file (slow)")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(handler=_check)
    cur = dbsub.add_parser("current", help="显示数据库版本 / show schema revision")
    cur.set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace) -> int:
    ctx = open_context(args, upgrade=False)
    before = ctx.db.current_revision()
    backup = ctx.db.upgrade(args.revision)
    after = ctx.db.current_revision()
    print(f"数据库 / database: {before or '(empty)'} → {after}")
    if backup:
        print(f"备份 / backup: {backup}")
    return 0


def _current(args: argparse.Namespace) -> int:
    ctx = open_context(args, upgrade=False)
    print(ctx.db.current_revision() or "(empty)")
    return 0


def _check(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    report = ctx.startup_check(clean=args.clean, verify=args.verify, repair=args.repair)
    if args.json:
        print_json(
            {
                "temp_files_removed": report.temp_files_removed,
                "orphans": report.orphans,
                "missing": report.missing,
                "corrupt": report.corrupt,
                "quarantined": report.quarantined,
                "clean": report.clean,
            }
        )
    else:
        print(
            f"临时文件 / temp files removed: {report.temp_files_removed}\n"
            f"孤立文件 / orphans: {len(report.orphans)}\n"
            f"缺失 / missing: {len(report.missing)}\n"
            f"损坏 / corrupt: {len(report.corrupt)}"
        )
        if report.quarantined:
            print(
                f"已移至隔离文件夹 / moved to quarantine: {len(report.quarantined)} → {report.quarantine_dir}"
            )
    return 0 if not (report.missing or report.corrupt) else 7
