"""Who runs a command: the command line's authentication model.

Commands declare a level with ``set_defaults(auth=…)``; :func:`authenticate` enforces it
right after the application context is opened (see ``README.md``, "Command-line
authentication"):

``system``
    Station automation and maintenance that neither changes users, roles, links or
    registry data nor shows personal data (``capture``, ``sync``, ``db``, ``process``,
    ``ocr``, ``gui``, ``logout``): runs as ``system:<os account>``, audited.  The OS
    account comes from the process's effective uid, never from ``$USER``.
``login`` (the default for every command that does not say otherwise)
    A product login is required, with the user's roles checked by the services:
    ``--user NAME`` (password prompt, or the file named by ``HUKOU_PASSWORD_FILE``,
    which must be the caller's own and 0600), a session made by ``hukou-scan login``
    (a token in a 0600 file, valid for this OS account only, ending 30 minutes after its
    last use and 8 hours after login at the latest), or ``HUKOU_USER`` together with
    ``HUKOU_PASSWORD_FILE`` for scripts.
break-glass (``--break-glass`` on ``user …`` and ``restore``)
    For the first administrator or a lost administrator password: allowed only to the
    OS account that owns the data folder and the SQLite database (on PostgreSQL only
    while no user exists at all), acts as ``breakglass:<os account>``, and is written
    to the audit log and to stderr.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from pathlib import Path

from hukou_scan.app import AppContext
from hukou_scan.errors import PermissionDenied
from hukou_scan.services.security import LoginFailed, os_login

SESSION_FILE = "cli-session"
PASSWORD_FILE_ENV = "HUKOU_PASSWORD_FILE"
USER_ENV = "HUKOU_USER"

LOGIN_HINT_ZH = (
    "请用 --user 用户名 登录（或先运行 hukou-scan login；脚本可设置 HUKOU_USER 与 HUKOU_PASSWORD_FILE）。"
)
LOGIN_HINT_EN = "Log in with --user NAME (or run 'hukou-scan login' first; scripts set HUKOU_USER and HUKOU_PASSWORD_FILE)."


def authenticate(ctx: AppContext, args: argparse.Namespace) -> None:
    """Apply the command's authentication level to the context's session guard."""
    level = getattr(args, "auth", "login")
    explicit_user = getattr(args, "user", None)
    if getattr(args, "break_glass", False):
        break_glass(ctx, args)
        return
    if level == "system" and not explicit_user:
        return  # acts as system:<os account> (the guard's default), audited
    login(ctx, args)


def login(ctx: AppContext, args: argparse.Namespace) -> None:
    """Log a product user in for this command, or raise :class:`PermissionDenied`."""
    guard = ctx.session_guard  # failed attempts are audited under system:<os account>
    name = getattr(args, "user", None)
    token_file = session_file(ctx)
    if name:
        ctx.security.login(name, read_password(f"{name} 的密码 / password for {name}: "))
    elif token_file.exists():
        ctx.security.resume_cli_session(read_private(token_file, "session"))
    elif os.environ.get(USER_ENV) and os.environ.get(PASSWORD_FILE_ENV):
        ctx.security.login(os.environ[USER_ENV], read_password(""))
    else:
        guard.audit("permission_denied", outcome="denied", reason="no_login", command=_command(args))
        raise PermissionDenied(
            "此命令需要登录。", "This command requires a login.", hint_zh=LOGIN_HINT_ZH, hint_en=LOGIN_HINT_EN
        )
    guard.set_system_actor(None)  # logged in: nothing falls back to the OS account any more
    if ctx.security.must_change_password():
        user = ctx.security.current_user
        raise LoginFailed(
            "首次登录或密码已被重置：请先修改密码。",
            "First login or the password was reset: change the password first.",
            hint_zh=f"运行 hukou-scan login {user.username if user else ''}",
            hint_en=f"Run: hukou-scan login {user.username if user else ''}",
        )


def read_password(prompt: str) -> str:
    """The password from ``HUKOU_PASSWORD_FILE`` (own file, 0600) or a terminal prompt."""
    path = os.environ.get(PASSWORD_FILE_ENV)
    if path:
        return read_private(Path(path), PASSWORD_FILE_ENV)
    return getpass.getpass(prompt or "密码 / password: ")


def read_private(path: Path, what: str) -> str:
    """First line of a secret file that must be a regular file of this OS account, mode 0600."""
    try:
        st = path.stat()
    except OSError as e:
        raise PermissionDenied(f"无法读取 {what}：{path}", f"Cannot read {what}: {path} ({e})") from e
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077:
        raise PermissionDenied(
            f"{what} 文件必须属于当前系统用户且权限为 0600：{path}",
            f"The {what} file must belong to this OS account and be mode 0600: {path}",
            hint_zh=f"chmod 600 {path}",
            hint_en=f"chmod 600 {path}",
        )
    with open(path, encoding="utf-8") as fh:
        return fh.readline().rstrip("\r\n")


def session_file(ctx: AppContext) -> Path:
    return ctx.settings.config_dir / SESSION_FILE


def owns_data(ctx: AppContext) -> bool:
    """This OS account owns the data folder and (SQLite) the database file."""
    uid = os.geteuid()
    if ctx.settings.data_dir.stat().st_uid != uid:
        return False
    if ctx.db.is_sqlite:
        db_path = Path(ctx.db.url.split("///", 1)[-1])
        return db_path.exists() and db_path.stat().st_uid == uid
    return ctx.security.needs_first_admin()  # PostgreSQL: only before any user exists


def break_glass(ctx: AppContext, args: argparse.Namespace) -> None:
    """Act as ``breakglass:<os account>`` after checking ownership; audited and announced."""
    account = os_login()
    command = _command(args)
    if not owns_data(ctx):
        ctx.session_guard.audit(
            "break_glass", target=command, outcome="denied", os_user=account, reason="not_data_owner"
        )
        raise PermissionDenied(
            "紧急通道只允许数据目录（及数据库文件）的所有者使用。",
            "Break-glass is only allowed for the OS account that owns the data folder and database.",
            hint_zh="在 PostgreSQL 上仅限尚无任何用户时；否则请由数据库管理员处理。",
            hint_en="On PostgreSQL only while no user exists; otherwise ask the database administrator.",
        )
    ctx.session_guard.audit("break_glass", target=command, outcome="ok", os_user=account)
    ctx.session_guard.set_system_actor(f"breakglass:{account}"[:64])
    print(
        f"!!! 紧急通道 / BREAK-GLASS: 以系统用户 {account} 的身份执行“{command}”，已写入审计日志 "
        f"/ running '{command}' as OS account {account}; recorded in the audit log !!!",
        file=sys.stderr,
    )


def _command(args: argparse.Namespace) -> str:
    parts = [str(getattr(args, "command", "") or "")]
    for key in ("user_command", "audit_command", "qa_command", "db_command", "reocr_command"):
        if getattr(args, key, None):
            parts.append(str(getattr(args, key)))
    return " ".join(p for p in parts if p)
