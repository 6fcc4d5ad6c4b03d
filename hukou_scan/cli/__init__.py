"""Command line: ``hukou-scan <command> …``.

Each module in this package that defines ``register(subparsers)`` adds one command;
modules are discovered, so areas add commands without editing a shared list.  A
command's handler receives the parsed arguments and returns the exit code.
User mistakes print a translated message and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

from hukou_scan import __version__
from hukou_scan.errors import HukouScanError, StorageError, current_language

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hukou-scan",
        description="户籍档案数字化工作站 / household-registration archive digitization workstation",
    )
    parser.add_argument("--version", action="version", version=f"hukou-scan {__version__}")
    parser.add_argument("--data-dir", help="data directory (overrides HUKOU_DATA_DIR)")
    parser.add_argument("--config-dir", help="settings directory (overrides HUKOU_CONFIG_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to the console")
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="以该用户登录（提示输入密码，或读取 HUKOU_PASSWORD_FILE）/ log in as NAME (password prompt "
        "or HUKOU_PASSWORD_FILE); see 'hukou-scan login'",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod_info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        if args.command is None:
            args = parser.parse_args(["gui", *(argv or [])])
            handler = args.handler
        else:  # pragma: no cover - argparse enforces handlers
            parser.print_help()
            return 2
    assert handler is not None
    try:
        return handler(args)
    except HukouScanError as e:
        print(e.user_message(current_language()), file=sys.stderr)
        log.debug("command failed", exc_info=True)
        return e.exit_code
    except OSError as e:
        # A file-system failure not translated nearer its cause (an unusable --data-dir, a
        # restore into /proc/…): still a message and an exit code; the traceback goes to the log
        # file when there is one (INFO: Python's last-resort handler would print WARNING+ on the console).
        log.info("command failed on a file-system error", exc_info=True)
        where = f"{e.filename}" if e.filename else ""
        err = StorageError(
            f"文件操作失败：{where}（{e.strerror or e}）",
            f"File operation failed: {where} ({e.strerror or e})",
            hint_zh="请检查路径是否存在、是否可写。",
            hint_en="Check that the path exists and can be written to.",
        )
        print(err.user_message(current_language()), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("已取消 / cancelled", file=sys.stderr)
        return 130


def print_json(obj: Any) -> None:
    """One JSON object per line, UTF-8, Chinese unescaped."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def page_progress(json_events: bool) -> Callable[[int, int, str], None]:
    """The ``progress`` of a page-by-page command (export, hand-over): with ``--json`` one
    progress event per page on stdout, else a counter rewritten in place on a terminal's
    stderr (nothing when stderr is a log file)."""

    def progress(done: int, total: int, label: str) -> None:
        if json_events:
            print_json({"event": "progress", "done": done, "total": total, "page": label})
        elif sys.stderr.isatty():
            sys.stderr.write(f"\r{done}/{total} {label}   ")
            sys.stderr.flush()

    return progress
