"""``hukou-scan export``: one searchable, bookmarked PDF (or OFD) from a batch, a person, a household,
a list of pages or a search query.

Examples::

    hukou-scan export --batch 2024-户-0001 -o out/ --purpose 户籍证明   (档号 or batch id)
    hukou-scan export --household 110101000123 --purpose 办案调档 --watermark --password -
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import threading
from pathlib import Path
from typing import Any

from hukou_scan.cli import page_progress, print_json
from hukou_scan.cli._common import open_context
from hukou_scan.errors import ExportError

COLOUR_REASONS = {
    "seal": "红色印章 / red seal",
    "red_lines": "红色线条或红头 / red lines or red header",
    "seal+red_lines": "红色印章和红色线条 / red seal and red lines",
}

EXIT_PAGES_LEFT_OUT = 14


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="导出可检索的 PDF / export a searchable PDF",
        description="导出带文字层、书签的 PDF / export a searchable, bookmarked PDF",
        epilog=(
            "退出码 / exit codes: 0 完成 / done; "
            f"{EXIT_PAGES_LEFT_OUT} 已导出但有损坏页面被略去 / written, but damaged pages were left out; "
            "10 导出失败（含目标文件已存在）/ export failed (also: the file exists, use --force); "
            "11 未登录或无权限 / not logged in or not allowed; "
            "2 输入错误 / bad input."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--batch", metavar="档号|ID", help="批次档号或编号 / batch archive number or batch id")
    src.add_argument(
        "--person", metavar="身份号码|ID", help="人员身份号码或编号 / person's citizen ID number or person id"
    )
    src.add_argument("--household", metavar="NO", help="户号 / household number")
    src.add_argument("--pages", metavar="ID,…", help="页面 id 列表 / comma-separated page ids")
    src.add_argument("--query", metavar="Q", help="检索词 / full-text query")
    p.add_argument("-o", "--output", metavar="OUT.pdf", help="输出文件或文件夹 / output file or folder")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件 / replace an existing output file")
    p.add_argument("--purpose", default="", help="导出用途（必填）/ purpose of the export (required)")
    p.add_argument("--watermark", action="store_true", help="加可见水印 / add a visible watermark")
    p.add_argument(
        "--password",
        metavar="PW",
        help="AES-256 密码；'-' 表示交互输入，'env:VAR' 从环境变量读取，'keyring:NAME' 从钥匙串读取 / password; "
        "'-' prompts, 'env:VAR' reads the variable, 'keyring:NAME' the keyring (hukou-scan secret set NAME)",
    )
    p.add_argument(
        "--image",
        choices=("auto", "master", "derivative"),
        default="auto",
        help="页面图像 / page image: auto (增强图：灰度/二值页 / cleaned image for grey and bitonal pages), master (彩色母版 / colour master), derivative",
    )
    p.add_argument("--no-text", action="store_true", help="不加文字层 / no text layer")
    p.add_argument(
        "--format",
        choices=("pdf", "ofd"),
        default="pdf",
        help="文件格式 / file format: pdf, ofd (GB/T 33190 版式文件 / Chinese fixed-layout format)",
    )
    p.add_argument("--json", action="store_true", help="JSON 输出 / machine-readable output")
    p.set_defaults(handler=_export)


def _password(arg: str | None) -> str | None:
    if not arg:
        return None
    if arg == "-":
        pw = getpass.getpass("密码 / password: ")
        if pw != getpass.getpass("再次输入 / repeat: "):
            raise ExportError("两次输入的密码不一致。", "The passwords do not match.")
        return pw or None
    if arg.startswith("keyring:"):
        from hukou_scan.config import load_settings, resolve_secret

        return str(resolve_secret(arg, load_settings().config_dir)) or None
    if arg.startswith("env:"):
        value = os.environ.get(arg[4:], "")
        if not value:
            raise ExportError(f"环境变量 {arg[4:]} 为空。", f"Environment variable {arg[4:]} is empty.")
        return value
    return arg


def _export(args: argparse.Namespace) -> int:
    from hukou_scan.services.export import ExportRequest, ExportSource

    if args.batch:
        source = ExportSource.batch(args.batch)
    elif args.person:
        source = ExportSource.person(args.person)
    elif args.household:
        source = ExportSource.household(args.household)
    elif args.pages:
        ids = [x.strip() for x in args.pages.split(",") if x.strip()]
        source = ExportSource.pages(ids, label="选定页面")
    else:
        source = ExportSource.query(args.query)
    password = _password(args.password)
    ctx = open_context(args)
    try:
        request = ExportRequest(
            source=source,
            purpose=args.purpose,
            output=Path(args.output) if args.output else None,
            watermark=args.watermark,
            password=password,
            image=args.image,
            text_layer=not args.no_text,
            format=args.format,
            overwrite=args.force,
        )

        result = ctx.export.export(request, progress=page_progress(args.json), cancel=threading.Event())
        if not args.json and sys.stderr.isatty():
            sys.stderr.write("\n")
        if args.json:
            print_json({"event": "done", **result.to_dict()})
        else:
            print(f"已导出 / exported: {result.path}  ({result.pages} 页 / pages, {result.bytes} bytes)")
            if result.colour_pages:
                print(f"彩色页面 / pages in colour: {len(result.colour_pages)}")
                for label, reason in result.colour_pages:
                    print(f"  {label}: {COLOUR_REASONS.get(reason, reason)}")
            for w in result.warnings:
                print(f"警告 / warning: {w}", file=sys.stderr)
        if result.skipped:
            print(
                f"{len(result.skipped)} 页损坏未导出 / page(s) damaged and left out (exit {EXIT_PAGES_LEFT_OUT})",
                file=sys.stderr,
            )
            return EXIT_PAGES_LEFT_OUT
        return 0
    finally:
        ctx.close()
