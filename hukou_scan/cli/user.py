"""``hukou-scan user add|passwd|list|unlock|disable|enable`` — user administration.

Needs an administrator's login (see :mod:`hukou_scan.cli._auth`); ``--break-glass`` lets
the OS account that owns the data folder create the first administrator or reset a lost
administrator password — audited as ``breakglass:<os account>``.  Passwords are read with
:func:`getpass.getpass` (twice) or, for scripts, one line from stdin
(``--password-stdin``); never from the command line where ``ps`` would show them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from hukou_scan.app import AppContext
from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.errors import HukouScanError, NotFoundError
from hukou_scan.security.roles import ROLE_LABELS_ZH, parse_roles


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("user", help="用户管理 / user administration")
    usub = p.add_subparsers(dest="user_command", required=True)
    glass = argparse.ArgumentParser(add_help=False)
    glass.add_argument(
        "--break-glass",
        action="store_true",
        help="紧急通道：数据目录所有者创建首个管理员或重置丢失的管理员密码（写入审计）/ the data folder's "
        "owner creates the first administrator or resets a lost admin password (audited)",
    )

    add = usub.add_parser("add", help="新建用户 / add a user", parents=[glass])
    add.add_argument("username")
    add.add_argument("--name", required=True, help="姓名 / display name")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        help="clerk|reviewer|searcher|admin (或 采集员/核查员/查询员/管理员); repeatable",
    )
    add.add_argument("--station", help="派出所代码 / station code (default: this station)")
    add.add_argument("--all-stations", action="store_true")
    add.add_argument("--password-stdin", action="store_true")
    add.set_defaults(handler=_add)

    pw = usub.add_parser(
        "passwd", help="重置密码 / reset a password (user must change it at login)", parents=[glass]
    )
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(handler=_passwd)

    ls = usub.add_parser("list", help="列出用户 / list users")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    for name, helptext in (
        ("unlock", "解除锁定 / unlock after failed logins"),
        ("disable", "停用 / disable"),
        ("enable", "启用 / enable"),
    ):
        sp = usub.add_parser(name, help=helptext, parents=[glass])
        sp.add_argument("username")
        sp.set_defaults(handler=_state, action=name)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    again = getpass.getpass("再次输入 / again: ")
    if first != again:
        raise HukouScanError("两次输入的密码不一致。", "The passwords do not match.")
    return first


def _station_id(ctx: AppContext, code: str | None) -> str:
    if not code:
        return ctx.station.id
    for s in ctx.stations.list():
        if s.code == code:
            return s.id
    raise NotFoundError(f"派出所代码不存在：{code}", f"No station with code {code!r}.")


def _user_id(ctx: AppContext, username: str) -> str:
    acct = ctx.security.users.by_username(username.strip())
    if acct is None:
        raise NotFoundError("用户不存在。", f"No user named {username!r}.")
    return acct.user.id


def _add(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        roles = parse_roles(args.role)
    except ValueError as e:
        raise HukouScanError(f"未知角色：{e}", f"Unknown role: {e}") from None
    station_id = _station_id(ctx, args.station)
    password = _read_password(args.password_stdin)
    user = ctx.security.add_user(
        args.username, args.name, password, roles, station_id=station_id, all_stations=args.all_stations
    )
    print(f"已创建用户 / created user {user.username} ({', '.join(sorted(r.value for r in user.roles))})")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    uid = _user_id(ctx, args.username)
    ctx.security.reset_password(uid, _read_password(args.password_stdin))
    print("密码已重置，用户下次登录需修改 / password reset; the user must change it at next login")
    return 0


def _list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    codes = {s.id: s.code for s in ctx.stations.list()}
    for a in ctx.security.list_users():
        u = a.user
        row = {
            "username": u.username,
            "display_name": u.display_name,
            "roles": sorted(r.value for r in u.roles),
            "station": codes.get(u.station_id or "", ""),
            "all_stations": u.all_stations,
            "active": u.active,
            "locked_until": a.locked_until.isoformat() if a.locked_until else None,
            "must_change_password": a.must_change_password,
            "last_login_at": a.last_login_at.isoformat() if a.last_login_at else None,
        }
        if args.json:
            print_json(row)
        else:
            roles = "、".join(ROLE_LABELS_ZH[r] for r in sorted(u.roles))
            flags = ("" if u.active else " [停用/disabled]") + (" [锁定/locked]" if a.locked_until else "")
            print(f"{u.username:<20} {u.display_name:<12} {roles:<16} {row['station']}{flags}")
    return 0


def _state(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    uid = _user_id(ctx, args.username)
    if args.action == "unlock":
        ctx.security.unlock_user(uid)
    else:
        ctx.security.update_user(uid, active=args.action == "enable")
    print(f"{args.username}: {args.action} ✓")
    return 0
