"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from pathlib import Path

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings


def open_context(args: argparse.Namespace, *, upgrade: bool = True) -> AppContext:
    """Build the application context honouring ``--data-dir`` / ``--config-dir``, then
    authenticate the caller as the command requires (:mod:`hukou_scan.cli._auth`)."""
    from hukou_scan.cli._auth import authenticate

    settings = load_settings(
        config_dir=Path(args.config_dir) if getattr(args, "config_dir", None) else None,
        data_dir=Path(args.data_dir) if getattr(args, "data_dir", None) else None,
    )
    ctx = AppContext(settings, upgrade=upgrade)
    try:
        authenticate(ctx, args)
    except BaseException:
        ctx.close()
        raise
    return ctx
