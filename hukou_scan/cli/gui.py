"""``hukou-scan gui``: open the workstation window (the default command)."""

from __future__ import annotations

import argparse
from typing import Any

from hukou_scan.cli._common import open_context


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("gui", help="打开工作站界面 / open the workstation window")
    p.set_defaults(auth="system")  # no personal data shown, no user/registry change (cli/_auth.py)
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    from hukou_scan.gui.app import run_gui  # Qt is imported only when the GUI is asked for

    try:
        return run_gui(ctx)
    finally:
        ctx.close()
