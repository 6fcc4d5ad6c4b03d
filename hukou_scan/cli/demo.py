"""``hukou-scan demo``: the whole flow, headless, on the simulated camera and sample registry."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from hukou_scan.cli import print_json
from hukou_scan.config import load_settings


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="模拟高拍仪端到端演示 / end-to-end demo on the simulated camera"
    )
    p.add_argument("--pages", type=int, default=4, help="pages to capture (default 4)")
    p.add_argument(
        "--out", type=Path, help="folder for the exported PDF (default: the data folder's exports/)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=_run)


def _demo_settings(args: argparse.Namespace) -> Any:
    """An explicit --data-dir / HUKOU_DATA_DIR is used as given; otherwise a fresh demo folder,
    so trying the demo never mixes fictional pages into a station's real archive."""
    import os

    data_dir = Path(args.data_dir) if args.data_dir else None
    if data_dir is None and not os.environ.get("HUKOU_DATA_DIR"):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        data_dir = Path(platformdirs.user_data_dir("hukou-scan")) / "demo" / stamp
    return load_settings(config_dir=Path(args.config_dir) if args.config_dir else None, data_dir=data_dir)


def _run(args: argparse.Namespace) -> int:
    from hukou_scan.app import AppContext
    from hukou_scan.services.demo import run_demo

    if args.pages < 1:
        print("--pages 至少为 1 / must be at least 1", file=sys.stderr)
        return 2
    ctx = AppContext(_demo_settings(args))
    last = [""]

    def progress(done: int, total: int, message: str) -> None:
        stage = message.split(":", 1)[0]
        if not args.json and stage != last[0]:
            print(f"… {stage}", file=sys.stderr, flush=True)
            last[0] = stage

    try:
        report = run_demo(ctx, args.pages, out_dir=args.out, progress=progress)
    finally:
        ctx.pipeline.stop()
        ctx.close()
    if args.json:
        print_json({**report.__dict__, "seconds_per_page": round(report.seconds_per_page, 3)})
        return 0
    t = report.timings_s
    print("hukou-scan 演示完成 / demo finished")
    print(f"  数据目录 / data folder:      {report.data_dir}")
    print(f"  档号 / archive id:           {report.archive_id}")
    print(f"  登记人员 / registry persons: {report.persons_imported}")
    print(
        f"  拍摄 / captured:             {report.pages_captured} 页 (auto-capture, {report.frames_seen} frames)"
    )
    print(
        f"  处理 / processed:            {report.pages_processed}   识别 / recognised: {report.pages_recognized}"
    )
    print(f"  关联 / links confirmed:      {report.links_confirmed}")
    print(f"  检索 / search “{report.search_query}”: {report.search_hits} hit(s)")
    print(f"  导出 / PDF:                  {report.pdf}")
    print("  用时 / timings (s):          " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()))
    print(f"  每页 / seconds per page:     {report.seconds_per_page:.2f}")
    for p in report.pages:
        linked = "、".join(p["linked"]) or "—"
        print(f"    #{p['seq']:>2} {p['state']:<10} {p['dpi']:>5} dpi  {p['text_chars']:>4} 字  → {linked}")
    return 0 if report.pages_failed == 0 and report.pages_captured == args.pages else 1
