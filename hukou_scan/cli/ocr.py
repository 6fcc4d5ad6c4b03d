"""``hukou-scan ocr FILE... [--engine NAME] [--mode MODE] [--json] [--frame]``.

Recognises image files without touching the database, for bulk checks in scripts.
All files in one call share one loaded engine.  Without ``--json`` it prints the
text in reading order; with ``--json`` one object per input file per line
(``file``, ``text``, ``words``, ``fields``, ``engine``, ``width``, ``height``; with
``--frame`` one object per page part found in the frame, with ``part``).  A frame
in which no page is found is an error (message on stderr, or an ``error`` object
with ``--json``) and makes the exit code non-zero, never an empty result.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

from hukou_scan.cli import print_json
from hukou_scan.config import load_settings
from hukou_scan.errors import HukouScanError, ImageProcessingError, MissingDependencyError
from hukou_scan.ocr.engine import available_engines, create_engine
from hukou_scan.ocr.form import DEFAULT_MODE, MODES, recognize_page
from hukou_scan.ocr.worker import load_image

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "ocr", help="识别图像中的文字和登记项目 / recognise text and registry fields in images"
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image files (JPEG, PNG, TIFF …)")
    p.add_argument("--engine", help=f"OCR engine ({', '.join(available_engines())}); default from settings")
    p.add_argument(
        "--mode", choices=MODES, default=DEFAULT_MODE, help="form-aware mode (default %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per input line")
    p.add_argument(
        "--frame", action="store_true", help="input is a camera frame: run the image pipeline first"
    )
    p.set_defaults(handler=_run, auth="system")  # see cli/_auth.py


def _frame_parts(image_rgb: np.ndarray) -> list[np.ndarray]:
    """Flat page images (RGB) of a camera frame via the imaging pipeline."""
    try:
        from hukou_scan.imaging.pipeline import process_frame
    except ImportError as e:
        raise MissingDependencyError(
            "图像处理流程（hukou_scan.imaging.pipeline）不可用。",
            "The image pipeline (hukou_scan.imaging.pipeline) is not available.",
        ) from e
    result: Any = process_frame(np.ascontiguousarray(image_rgb[:, :, ::-1]))
    if not getattr(result, "found", False) or not getattr(result, "parts", None):
        # "no page" is a failure the caller must see: empty output with exit 0 reads as
        # "a page without text" to scripts
        reason = str(getattr(result, "reason", "") or "no_page")
        raise ImageProcessingError(
            f"画面中未找到页面（{reason}）。",
            f"No page found in the frame ({reason}).",
            hint_zh="请检查页面是否完整放在拍摄区内、与桌面有明显反差；扫描件请去掉 --frame。",
            hint_en="Check that the whole page lies in view and stands out from the desk; "
            "for a flat scan drop --frame.",
        )
    parts: list[np.ndarray] = []
    for part in getattr(result, "parts", []) or []:
        img = None
        for attr in ("derivative", "master", "image"):
            img = getattr(part, attr, None)
            if img is not None:
                break
        if img is None:
            continue
        arr = np.asarray(img)
        parts.append(arr[:, :, ::-1] if arr.ndim == 3 else arr)  # BGR → RGB
    return parts


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(
        config_dir=Path(args.config_dir) if getattr(args, "config_dir", None) else None,
        data_dir=Path(args.data_dir) if getattr(args, "data_dir", None) else None,
    )
    engine = create_engine(args.engine or settings.ocr_engine)
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            image = load_image(path)
            images = _frame_parts(image) if args.frame else [image]
            for i, img in enumerate(images):
                res = recognize_page(engine, img, mode=args.mode)
                if args.json:
                    obj: dict[str, Any] = {"file": str(path), **res.to_dict()}
                    if args.frame:
                        obj["part"] = i
                    print_json(obj)
                else:
                    if len(args.files) > 1 or len(images) > 1:
                        sys.stdout.write(f"==> {path}{f' [{i}]' if args.frame else ''} <==\n")
                    sys.stdout.write(res.text + "\n")
                    sys.stdout.flush()
        except HukouScanError as e:
            # One bad file does not stop the others; the exit code reports it.
            status = e.exit_code
            if args.json:
                print_json({"file": str(path), "error": e.user_message()})
            else:
                print(f"{path}: {e.user_message()}", file=sys.stderr)
    return status
