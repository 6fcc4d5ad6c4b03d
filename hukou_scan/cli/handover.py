"""``hukou-scan handover``: the DA/T 31 delivery package (数字化成果移交), and its check.

Examples::

    hukou-scan handover --archive-id 'A0101-2026-*' --from 2026-01-01 --to 2026-06-30 -o /mnt/usb
    hukou-scan handover --station 3f2a… --to-sync --sm3
    hukou-scan handover --verify /mnt/usb/handover-0101-20261204-101500

``--verify`` needs no database: it re-checks the package from its manifest alone and
exits 1 when any file is missing, extra or changed.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from hukou_scan.cli import page_progress, print_json
from hukou_scan.cli._common import open_context


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "handover",
        help="生成/校验移交包 / write or verify the archival hand-over package",
        description="按 DA/T 31 生成数字化成果移交包，或校验已有移交包 / "
        "write the DA/T 31 delivery package, or verify one",
    )
    p.add_argument(
        "--verify", metavar="DIR", help="按校验清单核对移交包 / re-check a package from its manifest"
    )
    p.add_argument(
        "--archive-id",
        action="append",
        default=[],
        metavar="档号",
        help="档号（可重复，结尾 * 表示前缀）/ archive id (repeatable; trailing * = prefix)",
    )
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="起始日期 / first day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="截止日期 / last day")
    p.add_argument("--station", metavar="ID", help="工作站 / station id")
    p.add_argument("-o", "--output", metavar="DIR", help="目标文件夹 / target folder")
    p.add_argument("--to-sync", action="store_true", help="直接写入同步目标 / write to the sync target")
    p.add_argument("--tiff", action="store_true", help="母版存为 TIFF / masters as TIFF")
    p.add_argument("--sm3", action="store_true", help="另附 SM3 校验清单 / add an SM3 manifest")
    p.add_argument("--json", action="store_true", help="JSON 输出 / machine-readable output")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.verify:
        return _verify(args)
    from hukou_scan.export.handover import parse_day
    from hukou_scan.services.handover import HandoverRequest, HandoverSelection

    selection = HandoverSelection(
        archive_ids=tuple(args.archive_id),
        date_from=parse_day(args.date_from) if args.date_from else None,
        date_to=parse_day(args.date_to) if args.date_to else None,
        station_id=args.station,
    )
    request = HandoverRequest(
        selection,
        output=Path(args.output) if args.output else None,
        to_sync_target=args.to_sync,
        image_format="tiff" if args.tiff else None,
        sm3=True if args.sm3 else None,
    )
    ctx = open_context(args)
    try:
        result = ctx.handover.handover(request, progress=page_progress(args.json), cancel=threading.Event())
        if args.json:
            print_json({"event": "done", **result.to_dict()})
        else:
            print(f"移交包 / package: {result.location}")
            print(
                f"  {result.volumes} 卷 / volumes, {result.pages} 页 / pages, "
                f"{result.files} 文件 / files, {result.bytes} bytes"
            )
            print(f"  校验清单 / manifest: {', '.join(result.checksums)}  sha256={result.manifest_sha256}")
        return 0
    finally:
        ctx.close()


def _verify(args: argparse.Namespace) -> int:
    from hukou_scan.export.handover import verify_package

    report = verify_package(Path(args.verify))
    if args.json:
        print_json(report.to_dict())
    else:
        for label, items in (
            ("缺失 / missing", report.missing),
            ("多余 / extra", report.extra),
            ("已改变 / changed", report.changed),
        ):
            for rel in items:
                print(f"{label}: {rel}", file=sys.stderr)
        state = "通过 / OK" if report.ok else "未通过 / FAILED"
        print(f"{state}: {report.checked} 个文件已核对 / files checked ({', '.join(report.algorithms)})")
    return 0 if report.ok else 1
