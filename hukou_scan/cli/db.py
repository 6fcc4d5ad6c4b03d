"""``hukou-scan db upgrade|current``."""

from __future__ import annotations

import argparse
from typing import Any

from hukou_scan.cli._common import open_context


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("db", help="数据库维护 / database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="运行数据库迁移 / run migrations")
    up.add_argument("--revision", default="head")
    up.set_defaults(handler=_upgrade)
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
