"""``hukou-scan label --image FILE [--json] [--no-ocr]``: read the 档号 off a cover label photo.

The same reader as the 新建批次 dialog's 从封面读取 button (barcode or QR code first,
then the printed 档号 through the configured OCR engine).  Exit code 0 and the 档号 on
stdout when a valid one was read; a wrong format or check character, or nothing
readable, prints the reason and exits non-zero.  Like ``process`` it reads a file and
touches no database or personal data, so it runs as the station (``auth="system"``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.config import load_settings
from hukou_scan.errors import HukouScanError, StorageError, current_language
from hukou_scan.imaging.io import decode_image
from hukou_scan.ocr.engine import create_engine
from hukou_scan.services.cover_label import CoverLabelService


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "label",
        help="从卷皮标签（条码、二维码或印刷档号）读取档号 / read the 档号 from a cover label",
    )
    p.add_argument("--image", required=True, metavar="FILE", help="卷皮照片 / photo of the cover")
    p.add_argument("--json", action="store_true", help="输出 JSON / JSON output")
    p.add_argument("--no-ocr", action="store_true", help="只读条码和二维码 / codes only, no OCR")
    p.set_defaults(handler=_run, auth="system")  # see cli/_auth.py


def _run(args: argparse.Namespace) -> int:
    path = Path(args.image)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise StorageError(f"无法读取文件：{path}", f"Cannot read file: {path} ({e.strerror})") from e
    image = decode_image(data, name=path.name)
    settings = load_settings(
        config_dir=Path(args.config_dir) if getattr(args, "config_dir", None) else None,
        data_dir=Path(args.data_dir) if getattr(args, "data_dir", None) else None,
    )
    engine_name = settings.ocr_engine
    service = CoverLabelService(None if args.no_ocr else (lambda: create_engine(engine_name)))
    try:
        read = service.read(image)
    except HukouScanError as e:
        if not args.json:
            raise
        print_json(
            {
                "ok": False,
                "file": str(path),
                "error": {"zh": e.user_message("zh"), "en": e.user_message("en")},
            }
        )
        return e.exit_code
    if args.json:
        print_json({"ok": True, "file": str(path), **read.to_dict()})
    else:
        lang = current_language()
        how = {"printed": "印刷档号" if lang != "en" else "printed text"}.get(read.source, read.source)
        check = f"（校验位 {read.label.check} 正确）" if read.label.check and lang != "en" else ""
        if read.label.check and lang == "en":
            check = f" (check character {read.label.check} OK)"
        print(f"{read.label.archive_id}\t{how}{check}")
    return 0
