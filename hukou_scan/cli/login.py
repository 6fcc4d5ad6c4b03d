"""``hukou-scan login [NAME]`` / ``hukou-scan logout``: a short-lived command-line session.

``login`` checks the password (prompt, or ``HUKOU_PASSWORD_FILE``), asks for a new one
when the account must change it, and writes a random token to ``cli-session`` in the
settings folder (0600).  Commands that need a login use it until it has been idle for
``[security] cli_session_minutes`` (30) or is ``cli_session_max_hours`` (8) old; only the
token's hash is in the database, bound to this OS account.  ``logout`` ends it.
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from hukou_scan.cli._auth import read_password, read_private, session_file
from hukou_scan.cli._common import open_context
from hukou_scan.config import open_private, private_dir
from hukou_scan.errors import HukouScanError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "login", help="登录命令行会话 / start a command-line session (hukou-scan logout ends it)"
    )
    p.add_argument("name", nargs="?", help="用户名 / username (default: --user or HUKOU_USER)")
    p.add_argument("--minutes", type=float, help="空闲多少分钟后过期 / idle minutes until it expires")
    p.set_defaults(handler=_login, auth="system")
    q: argparse.ArgumentParser = sub.add_parser(
        "logout", help="结束命令行会话 / end the command-line session"
    )
    q.set_defaults(handler=_logout, auth="system")


def _login(args: argparse.Namespace) -> int:
    name = args.name or args.user or os.environ.get("HUKOU_USER") or input("用户名 / username: ").strip()
    args.user = None  # the session is opened here, not by open_context
    ctx = open_context(args)
    try:
        ctx.session_guard.set_system_actor(None)
        ctx.security.login(name, read_password(f"{name} 的密码 / password for {name}: "))
        if ctx.security.must_change_password():
            print("必须先修改密码 / the password must be changed now")
            old = read_password("当前密码 / current password: ")
            new = getpass.getpass("新密码 / new password: ")
            if new != getpass.getpass("再次输入 / again: "):
                raise HukouScanError("两次输入的密码不一致。", "The passwords do not match.")
            ctx.security.change_password(old, new)
        token = ctx.security.start_cli_session(args.minutes)
        path = session_file(ctx)
        private_dir(path.parent)
        with open_private(path, "w", encoding="utf-8") as fh:
            fh.write(token + "\n")
        minutes = args.minutes or ctx.security.cli_session_minutes
        print(
            f"已登录 / logged in: {name}（空闲 {minutes:.0f} 分钟后过期 / expires after {minutes:.0f} idle minutes）"
        )
        return 0
    finally:
        ctx.close()


def _logout(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        path = session_file(ctx)
        if not path.exists():
            print("没有会话 / no session")
            return 0
        try:
            ctx.security.end_cli_session(read_private(path, "session"))
        finally:
            path.unlink(missing_ok=True)
        print("已退出 / logged out")
        return 0
    finally:
        ctx.close()
