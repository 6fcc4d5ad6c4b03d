"""The OCR worker process: loads an engine once, then recognises pages sent over a pipe.

Recognition is CPU-bound Python+ONNX work, so it runs in separate processes (the
GIL would serialise threads, and a hung engine can only be stopped by killing its
process).  The worker never touches the database: the parent owns the queue and
all writes, the worker only turns an image path into an :class:`OcrResult` dict.
"""

from __future__ import annotations

import logging
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from hukou_scan.errors import HukouScanError, ImageProcessingError
from hukou_scan.imaging.limits import check_image_file
from hukou_scan.ocr.engine import OcrEngine, create_engine

log = logging.getLogger(__name__)


def load_image(path: Path) -> np.ndarray:
    """Decode an image file (EXIF orientation applied) as RGB uint8; the pixel limit applies."""
    check_image_file(path)  # header only: refuse a pixel bomb before decoding a single pixel
    try:
        with Image.open(path) as im:
            im.load()
            rgb = ImageOps.exif_transpose(im).convert("RGB")
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as e:
        raise ImageProcessingError(
            f"无法读取图像文件：{path.name}", f"Cannot read image file: {path.name}"
        ) from e
    return np.asarray(rgb, dtype=np.uint8)


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) without decoding the pixels; raises above the pixel limit."""
    check_image_file(path)
    with Image.open(path) as im:
        return ImageOps.exif_transpose(im).size


def worker_main(conn: Connection, threads: int = 1) -> None:
    """Serve recognition requests until ``None`` or the pipe closes.

    Request: ``(job_id, image_path, engine_name, mode, engine_options)``.
    Reply: ``("ok", job_id, result_dict)`` or ``("err", job_id, zh, en, retryable)``.
    """
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from hukou_scan.ocr.form import recognize_page

    engines: dict[tuple[str, str], OcrEngine] = {}
    while True:
        try:
            msg: Any = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        job_id, path, engine_name, mode, options = msg
        try:
            key = (engine_name, repr(sorted(options.items())))
            if key not in engines:
                engines[key] = create_engine(engine_name, **options)
            image = load_image(Path(path))
            result = recognize_page(engines[key], image, mode=mode)
            reply: tuple[Any, ...] = ("ok", job_id, result.to_dict())
        except ImageProcessingError as e:
            reply = ("err", job_id, e.zh, e.en, False)
        except HukouScanError as e:
            reply = ("err", job_id, e.zh, e.en, True)
        except Exception as e:  # task boundary: report, keep serving
            log.exception("OCR worker failed on job %s", job_id)
            reply = ("err", job_id, "文字识别出错。", f"OCR failed: {type(e).__name__}: {e}", True)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
