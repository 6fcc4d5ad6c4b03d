"""``hukou-scan sync [--verify]`` and ``hukou-scan restore TARGET --into DIR``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.config import load_settings, resolved_section
from hukou_scan.domain import Role
from hukou_scan.errors import HukouScanError, SyncError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "sync", help="同步到云端/NAS 并校验 / sync to object storage or NAS and verify"
    )
    p.add_argument("--target", help="s3://bucket/prefix 或 file:///path（覆盖设置 / overrides settings）")
    p.add_argument(
        "--verify", action="store_true", help="校验云端副本并补传 / verify the remote copy, re-upload damage"
    )
    p.add_argument(
        "--deep", action="store_true", help="校验时重新读取全部对象 / re-read every object when verifying"
    )
    p.add_argument("--status", action="store_true", help="只显示状态 / only show the status")
    p.add_argument(
        "--list",
        metavar="STATE",
        choices=["local", "uploaded", "verified"],
        help="列出处于该同步状态的页面 / list pages in this sync state",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="后台持续同步直到 Ctrl-C / keep syncing in the background until Ctrl-C",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="另一同步正在进行时最多等待的秒数（默认不等待，退出码 75）/ wait this long for another sync "
        "to the same target (default: refuse at once, exit code 75)",
    )
    p.add_argument("--json", action="store_true", help="JSON 输出 / machine-readable output")
    p.set_defaults(handler=_sync, auth="system")  # see cli/_auth.py

    r: argparse.ArgumentParser = sub.add_parser(
        "restore", help="从云端副本重建档案（数据库和图像）/ rebuild an archive from the cloud copy"
    )
    r.add_argument("target", metavar="TARGET", help="s3://bucket/prefix 或 file:///path")
    r.add_argument("--into", required=True, help="新的数据目录 / new data directory")
    r.add_argument("--station", help="只恢复该派出所代码 / only this station code")
    r.add_argument("--key-file", help="解密密钥文件 / decryption key file")
    r.add_argument("--db-url", help="写入该数据库而不是 DIR/hukou.sqlite3 / restore into this database URL")
    r.add_argument("--json", action="store_true", help="JSON 输出 / machine-readable output")
    r.add_argument(
        "--break-glass",
        action="store_true",
        help="紧急通道（仅数据目录所有者，写入审计）/ break-glass for the data folder's owner (audited)",
    )
    r.set_defaults(handler=_restore, auth="login")


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None

    def show(done: int, total: int, msg: str) -> None:
        sys.stderr.write(f"\r{done}/{total} {msg[:40]:<40}")
        sys.stderr.flush()
        if done >= total:
            sys.stderr.write("\n")

    return show


def _sync(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        if args.target:
            import dataclasses

            ctx.sync.config = dataclasses.replace(ctx.sync.config, target=args.target)
        svc = ctx.sync
        show = _progress(not args.json and sys.stderr.isatty())
        code = 0
        if args.status:
            st = svc.status(page_limit=0)
            out: dict[str, Any] = {
                "target": st.target,
                "pages": st.pages,
                "objects": st.objects,
                "last_error": st.last_error,
            }
            print_json(out) if args.json else _print_human(out)
            return 0
        if args.list:
            for page_id, archive_id, page_no, state in svc.pages_in_state(args.list):
                row = {"page_id": page_id, "archive_id": archive_id, "page_no": page_no, "sync_state": state}
                print_json(row) if args.json else print(f"{archive_id}\t{page_no}\t{state}\t{page_id}")
            return 0
        if args.watch:
            svc.start_background()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
            finally:
                svc.stop()
            return 0
        if args.verify:
            vrep, srep = svc.verify(deep=args.deep, progress=show, wait_s=args.wait)
            out = {"verify": vrep.to_dict(), "repair": srep.to_dict() if srep else None}
            if srep is not None and srep.failed:
                code = 9
        else:
            rep = svc.sync_now(progress=show, wait_s=args.wait)
            out = {"sync": rep.to_dict()}
            if rep.failed:
                code = 9
        st = svc.status(page_limit=0)
        out["pages"] = st.pages
        out["objects"] = st.objects
        print_json(out) if args.json else _print_human(out)
        return code
    finally:
        ctx.close()


def _restore(args: argparse.Namespace) -> int:
    from hukou_scan.services.sync import SyncConfig, restore_archive

    # Restoring reads every person's data from the target: an administrator of this
    # station logs in first (or the data folder's owner uses --break-glass on a new machine).
    station = open_context(args)
    try:
        station.guard.require(Role.ADMIN)
        actor = station.session_guard.actor
    finally:
        station.close()
    settings = load_settings(
        config_dir=Path(args.config_dir) if getattr(args, "config_dir", None) else None,
        data_dir=Path(args.into),
    )
    config = SyncConfig.from_section(resolved_section(settings, "sync"))
    into = Path(args.into).expanduser().resolve()
    show = _progress(not args.json and sys.stderr.isatty())
    report = restore_archive(
        config,
        args.target,
        into,
        station_code=args.station,
        key_file=args.key_file,
        db_url=args.db_url,
        progress=show,
    )
    # Record the restore in the restored archive's own audit trail.
    try:
        from hukou_scan.app import AppContext

        restored = AppContext(
            settings.with_changes(db_url=args.db_url) if args.db_url else settings, log_to_file=False
        )
        try:
            restored.guard.audit(
                "restore",
                args.target,
                "ok" if report.ok else "damaged",
                pages=report.pages,
                objects=report.objects,
                by=actor,
            )
        finally:
            restored.close()
    except HukouScanError:
        pass
    out = report.to_dict()
    print_json(out) if args.json else _print_human(out)
    if not report.ok:
        raise SyncError(
            "恢复完成，但有对象缺失或校验失败（见上）。",
            "Restore finished, but some objects are missing or failed their hash check (see above).",
            retryable=False,
        )
    if not args.json:
        print(f"启动方式 / start with: hukou-scan --data-dir {into}")
    return 0


def _print_human(obj: dict[str, Any], indent: str = "") -> None:
    for k, v in obj.items():
        if isinstance(v, dict):
            print(f"{indent}{k}:")
            _print_human(v, indent + "  ")
        else:
            print(f"{indent}{k}: {v}")
