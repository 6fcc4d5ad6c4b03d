"""``hukou-scan import-registry FILE``: import a CSV/XLSX export of the population system.

Examples::

    hukou-scan import-registry 人口信息.csv --bad-rows 错误行.csv
    hukou-scan import-registry export.xlsx --mapping "name=人员姓名,id_number=证件号码" --json
    hukou-scan import-registry 人口信息.csv --preview

An interrupted import (crash, Ctrl-C) resumes from its last committed chunk when the
same file is imported again with the same mapping.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.registry.importer import FIELD_LABELS_ZH, parse_mapping_spec


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import-registry",
        help="导入户籍人口数据 / import a registry export (CSV/XLSX)",
        description="导入人口信息系统导出的 CSV/XLSX 文件 / import a population-system export",
    )
    p.add_argument("file", help="CSV 或 XLSX 文件 / CSV or XLSX file")
    p.add_argument(
        "--mapping",
        default="",
        help="列映射，覆盖自动识别：字段=列名,… 或 JSON / column mapping override: field=header,… or JSON",
    )
    p.add_argument(
        "--encoding", default=None, help="文件编码（默认自动识别）/ text encoding (default: detect)"
    )
    p.add_argument("--bad-rows", metavar="OUT.csv", help="错误行导出文件 / write rejected rows here")
    p.add_argument("--preview", action="store_true", help="只预览，不导入 / show a preview only")
    p.add_argument("--no-resume", action="store_true", help="不续传未完成的导入 / start over")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="另一导入正在进行时最多等待的秒数（默认不等待，退出码 75）/ wait this long for a running import "
        "to finish (default: refuse at once, exit code 75)",
    )
    p.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        mapping = parse_mapping_spec(args.mapping)
        path = Path(args.file)
        if args.preview:
            pv = ctx.registry.preview(path, args.encoding, mapping)
            cols = {f: pv.headers[i] for f, i in pv.mapping.items()}
            if args.json:
                print_json(
                    {
                        "encoding": pv.encoding or pv.format,
                        "headers": pv.headers,
                        "mapping": cols,
                        "rows": pv.rows,
                        "problems": {str(k): v for k, v in pv.problems.items()},
                        "warnings": [en for _, en in pv.warnings],
                        "warnings_zh": [zh for zh, _ in pv.warnings],
                    }
                )
            else:
                for zh, en in pv.warnings:
                    print(f"警告 / warning: {zh} / {en}", file=sys.stderr)
                print(f"编码 / encoding: {pv.encoding or pv.format}")
                for f, h in cols.items():
                    print(f"  {FIELD_LABELS_ZH.get(f, f)} ({f}) ← {h}")
                for i, row in enumerate(pv.rows):
                    mark = f"  ✗ {pv.problems[i]}" if i in pv.problems else ""
                    print("  " + " | ".join(row) + mark)
            return 0
        cancel = threading.Event()

        def progress(done: int, total: int, msg: str) -> None:
            if not args.json and sys.stderr.isatty() and total:
                sys.stderr.write(f"\r{100 * done // total:3d}%  {msg} 行 / rows")
                sys.stderr.flush()

        try:
            report = ctx.registry.import_file(
                path,
                mapping=mapping,
                encoding=args.encoding,
                resume=not args.no_resume,
                bad_rows_out=Path(args.bad_rows) if args.bad_rows else None,
                progress=progress,
                cancel=cancel,
                wait_s=args.wait,
            )
        except KeyboardInterrupt:
            cancel.set()
            raise
        d = report.to_dict()
        if args.json:
            print_json(d)
        else:
            if sys.stderr.isatty():
                sys.stderr.write("\n")
            print(
                f"导入完成 / imported: {d['rows']} 行 rows, 新增 added {d['added']}, "
                f"更新 updated {d['updated']}, 错误 bad {d['bad']} ({d['rows_per_second']:.0f} 行/秒 rows/s)"
            )
            if d["resumed_from"]:
                print(f"从第 {d['resumed_from']} 行续传 / resumed after row {d['resumed_from']}")
            if args.bad_rows and d["bad"]:
                print(f"错误行 / rejected rows: {args.bad_rows}")
            for zh, en in report.warnings:
                print(f"警告 / warning: {zh} / {en}", file=sys.stderr)
        return 0
    finally:
        ctx.close()
