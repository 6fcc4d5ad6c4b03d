"""``hukou-scan warnings``: run the data-quality rules and list or export the findings.

Examples::

    hukou-scan warnings                      # scan, then counts per rule and per station
    hukou-scan warnings --csv 问题清单.csv    # … and export every finding
    hukou-scan warnings --rule duplicate_id --list --json
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.domain.csvfile import check_output_file
from hukou_scan.errors import HukouScanError
from hukou_scan.registry.warnings import RULES


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "warnings",
        help="数据质量检查 / data-quality warnings",
        description="按整治规则检查户籍数据 / run the population-data rectification checks",
    )
    p.add_argument("--csv", metavar="OUT.csv", help="导出问题清单 / export the findings as CSV")
    p.add_argument("--rule", choices=sorted(RULES), help="只看一条规则 / one rule only")
    p.add_argument("--list", action="store_true", help="列出每条问题 / list every finding")
    p.add_argument("--no-scan", action="store_true", help="使用上次检查结果 / use the last scan's results")
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.csv:
        check_output_file(Path(args.csv))  # before a scan that may take minutes
    ctx = open_context(args)
    try:
        svc = ctx.registry
        if not args.no_scan:
            svc.scan_warnings(cancel=threading.Event())
        counts = svc.warning_counts()
        shares = svc.station_shares()
        if args.json:
            for rule, n in counts.items():
                if not args.rule or rule == args.rule:
                    print_json(
                        {"rule": rule, "title_zh": RULES[rule][0], "title_en": RULES[rule][1], "count": n}
                    )
            for s in shares:
                print_json(
                    {
                        "station": s.station,
                        "persons": s.persons,
                        "warned": s.warned,
                        "share": round(s.share, 4),
                        "colour": s.colour,
                    }
                )
        else:
            for rule, n in counts.items():
                if not args.rule or rule == args.rule:
                    print(f"{n:8d}  {RULES[rule][0]} / {RULES[rule][1]}")
            for s in shares:
                print(f"{s.station or '-'}: {s.warned}/{s.persons} = {100 * s.share:.1f}% [{s.colour}]")
        if args.list:
            for w in svc.warnings(args.rule, limit=None):
                if args.json:
                    print_json(
                        {
                            "rule": w.rule,
                            "person_id": w.person_id,
                            "page_id": w.page_id,
                            "batch_id": w.batch_id,
                            "station": w.station,
                            "household_no": w.household_no,
                            "message_zh": w.message_zh,
                            "message_en": w.message_en,
                        }
                    )
                else:
                    print(f"{w.rule}\t{w.station}\t{w.household_no}\t{w.message_zh}")
        if args.csv:
            n = svc.export_warnings_csv(Path(args.csv), args.rule)
            if not args.json:
                print(f"已导出 {n} 条 / exported {n} findings: {args.csv}", file=sys.stderr)
        return 0
    except HukouScanError:
        raise
    finally:
        ctx.close()
