"""``hukou-scan process FILE... [--json] [--out DIR]``: run the image pipeline on files.

With ``--json`` one JSON object per input is printed (quad, skew, orientation,
parts, blank, quality, dpi, outputs, timings).  A file that cannot be read or
decoded gets an error object and the run continues; the exit code is non-zero when
any file failed.  Defaults come from the ``[imaging]`` settings section.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.config import load_settings
from hukou_scan.errors import ImageProcessingError, current_language
from hukou_scan.imaging.io import decode_image
from hukou_scan.imaging.pipeline import ProcessOptions
from hukou_scan.services.processing import iter_process_files


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "process",
        help="页面检测、透视校正、纠偏、增强与质量检查 / detect, flatten, deskew, enhance and check pages",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="图像文件 / image files")
    p.add_argument("--json", action="store_true", help="每个输入输出一行 JSON / one JSON object per input")
    p.add_argument(
        "--out", metavar="DIR", help="写出母版与衍生图像的目录 / write masters and derivatives here"
    )
    p.add_argument(
        "--dpi", type=float, help="母版目标分辨率，0 保持原像素 / target dpi of masters (0 = native)"
    )
    p.add_argument("--paper", help="纸张规格 A4/A3/B5/16K… / paper format")
    p.add_argument("--px-per-mm", type=float, help="相机标定（像素/毫米）/ camera calibration")
    p.add_argument("--spread", choices=("auto", "never", "always"), help="双页拆分 / book spreads")
    p.add_argument(
        "--derivative", choices=("grey", "bitonal", "colour"), help="衍生图像模式 / derivative mode"
    )
    p.add_argument("--master-format", choices=("jpeg", "tiff"), help="母版格式 / master format")
    p.add_argument("--no-deskew", action="store_true", help="不纠偏 / no deskew")
    p.add_argument("--no-orientation", action="store_true", help="不自动转向 / no 90° orientation")
    p.add_argument("--no-dewarp", action="store_true", help="不做曲面展平 / no curved-page flattening")
    p.add_argument(
        "--desk-reference",
        metavar="IMAGE",
        help="同一相机拍的空桌面（放页面之前），用于页面检测 / "
        "the same camera's picture of the empty desk (before the page came), for page detection",
    )
    p.set_defaults(handler=_run, auth="system")  # see cli/_auth.py


def _options(args: argparse.Namespace) -> tuple[ProcessOptions, str]:
    settings = load_settings(
        config_dir=Path(args.config_dir) if getattr(args, "config_dir", None) else None,
        data_dir=Path(args.data_dir) if getattr(args, "data_dir", None) else None,
    )
    sec: dict[str, Any] = dict(settings.section("imaging"))
    master_format = str(sec.pop("master_format", "jpeg"))
    sec.pop("jpeg_quality", None)
    if args.dpi is not None:
        sec["target_dpi"] = args.dpi if args.dpi > 0 else None
    if args.paper:
        sec["paper"] = args.paper
    if args.px_per_mm:
        sec["px_per_mm"] = args.px_per_mm
    if args.spread:
        sec["spread"] = args.spread
    if args.derivative:
        sec["derivative"] = args.derivative
    if args.no_deskew:
        sec["deskew"] = False
    if args.no_orientation:
        sec["orientation"] = False
    if args.no_dewarp:
        sec["dewarp"] = False
    if args.master_format:
        master_format = args.master_format
    return ProcessOptions.from_dict(sec), master_format


def _human(rec: dict[str, Any]) -> str:
    if not rec["ok"]:
        return f"{rec['file']}: {rec['error']['en' if current_language() == 'en' else 'zh']}"
    if not rec["found"]:
        return f"{rec['file']}: 未找到页面 / no page found ({rec['reason']})"
    flags = ",".join(rec["flags"]) or "ok"
    parts = len(rec["parts"])
    dpi = rec["dpi"]
    return (
        f"{rec['file']}: {parts} page(s), skew {rec['skew_deg']:+.2f}°, orientation {rec['orientation']}°, "
        f"{dpi if dpi else '?'} dpi, {flags}, {rec['timings_ms'].get('total', 0):.0f} ms"
    )


def _run(args: argparse.Namespace) -> int:
    options, master_format = _options(args)
    out_dir = Path(args.out) if args.out else None
    desk = None
    if args.desk_reference:
        path = Path(args.desk_reference)
        try:
            desk = decode_image(path.read_bytes(), name=str(path))
        except OSError as e:
            raise ImageProcessingError(
                f"无法读取空桌面照片：{path}", f"Cannot read the empty-desk picture: {path} ({e.strerror})"
            ) from e
    failed = 0
    for rec in iter_process_files(
        [Path(f) for f in args.files],
        out_dir=out_dir,
        options=options,
        master_format=master_format,
        desk_reference=desk,
    ):
        if not rec["ok"]:
            failed += 1
        if args.json:
            print_json(rec)
        elif rec["ok"]:
            print(_human(rec))
        else:
            print(_human(rec), file=sys.stderr)
    return ImageProcessingError.exit_code if failed else 0
