"""``hukou-scan secret set|delete NAME``: secrets in the OS keyring (or the 0600 fallback file).

For PDF passwords used as ``export --password keyring:NAME`` and for any settings value
written as ``keyring:NAME``.  Administrators only; every change is audited (the name,
never the value).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from hukou_scan.cli._common import open_context
from hukou_scan.config import SecretStore
from hukou_scan.domain import Role
from hukou_scan.errors import HukouScanError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("secret", help="钥匙串中的密钥 / secrets in the keyring")
    ssub = p.add_subparsers(dest="secret_command", required=True)
    st = ssub.add_parser("set", help="保存密钥 / store a secret")
    st.add_argument("name", help="例如 / e.g. export.password")
    st.add_argument("--stdin", action="store_true", help="从标准输入读取一行 / read one line from stdin")
    st.set_defaults(handler=_set)
    de = ssub.add_parser("delete", help="删除密钥 / delete a secret")
    de.add_argument("name")
    de.set_defaults(handler=_delete)


def _set(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        ctx.session_guard.require(Role.ADMIN)
        if args.stdin:
            value = sys.stdin.readline().rstrip("\r\n")
        else:
            value = getpass.getpass(f"{args.name}: ")
            if value != getpass.getpass("再次输入 / again: "):
                raise HukouScanError("两次输入不一致。", "The two entries do not match.")
        if not value:
            raise HukouScanError("密钥不能为空。", "The secret must not be empty.")
        store = SecretStore(ctx.settings.config_dir)
        store.set(args.name, value)
        ctx.session_guard.audit("secret_set", target=args.name, keyring=store.kind)
        print(f"已保存 / stored: {args.name} ({store.kind})")
        return 0
    finally:
        ctx.close()


def _delete(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        ctx.session_guard.require(Role.ADMIN)
        SecretStore(ctx.settings.config_dir).delete(args.name)
        ctx.session_guard.audit("secret_delete", target=args.name)
        print(f"已删除 / deleted: {args.name}")
        return 0
    finally:
        ctx.close()
