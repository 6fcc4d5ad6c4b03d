"""``hukou-scan stats`` — the dashboard's figures on the command line, or as CSV."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.domain.csvfile import check_output_file
from hukou_scan.services.dashboard import GROUPS, totals


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("stats", help="统计 / progress statistics")
    p.add_argument("--group", choices=GROUPS, default="station")
    p.add_argument("--since", type=datetime.fromisoformat, help="YYYY-MM-DD (capture time, UTC)")
    p.add_argument("--until", type=datetime.fromisoformat, help="YYYY-MM-DD, exclusive")
    p.add_argument("--csv", help="write the full report as CSV to this path")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_stats)


def _stats(args: argparse.Namespace) -> int:
    if args.csv:
        check_output_file(Path(args.csv))  # before the report is computed (and audited as viewed)
    ctx = open_context(args)
    report = ctx.dashboard.report(args.group, since=args.since, until=args.until)
    if args.csv:
        ctx.dashboard.export_csv(report, Path(args.csv))
    if args.json:
        for r in report.rows:
            print_json({"group": report.group, **asdict(r)})
        for w in report.warnings:
            print_json(
                {
                    "warnings_source": report.warnings_source,
                    "station": w.station_code,
                    "by_kind": w.by_kind,
                    "records": w.denominator,
                    "rate": round(w.rate, 4),
                    "colour": w.colour,
                }
            )
        return 0
    cols = ("captured", "processed", "recognized", "linked", "reviewed", "synced")
    print(f"{'':<24}" + "".join(f"{c:>11}" for c in cols) + f"{'QA':>8}")
    for r in [*report.rows, totals(report.rows)]:
        qa = "" if r.qa_pass_rate is None else f"{r.qa_pass_rate * 100:.0f}%"
        print(f"{r.label[:24]:<24}" + "".join(f"{getattr(r, c):>11}" for c in cols) + f"{qa:>8}")
    if report.warnings:
        print(f"\n数据质量预警 / data-quality warnings ({report.warnings_source}):")
        for w in report.warnings:
            print(f"  {w.station_code:<10} {w.rate * 100:5.1f} %  {w.colour:<6} {w.by_kind}")
    if args.csv:
        print(f"CSV → {args.csv}")
    return 0
