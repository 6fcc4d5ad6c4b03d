"""TesseractEngine: the second engine, through pytesseract (one wrapper, probe, explicit timeouts).

Modelled on OCRmyPDF's ``_exec/tesseract.py``: every call goes through
:func:`_run`, which applies a timeout and turns Tesseract's failures into
:class:`OcrError` / :class:`OcrTimeoutError`; :func:`probe` checks the binary and the
language packs once so a missing pack is reported at start, not on page 1 000.
chi_sim is weak on handwriting, so this engine is not the default; it stays for
sites that prefer it, for digit-only fields and for vertical text (chi_sim_vert).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from hukou_scan.domain.models import OcrResult, OcrWord
from hukou_scan.errors import MissingDependencyError, OcrError, OcrTimeoutError
from hukou_scan.ocr.engine import order_words, to_grey

log = logging.getLogger(__name__)

T = TypeVar("T")

DIGITS_CONFIG = "--psm 7 -c tessedit_char_whitelist=0123456789Xx"


@dataclass(frozen=True)
class TesseractInfo:
    version: str
    languages: frozenset[str]


@lru_cache(maxsize=1)
def probe() -> TesseractInfo:
    """Version and installed languages; raises MissingDependencyError with an install hint."""
    import pytesseract

    try:
        version = str(pytesseract.get_tesseract_version())
        langs = frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as e:
        raise MissingDependencyError(
            "未找到 Tesseract 文字识别程序。",
            "Tesseract OCR is not installed.",
            hint_zh="请安装 tesseract-ocr 和 tesseract-ocr-chi-sim。",
            hint_en="Install tesseract-ocr and tesseract-ocr-chi-sim.",
        ) from e
    if "chi_sim" not in langs:
        raise MissingDependencyError(
            "Tesseract 缺少简体中文语言包（chi_sim）。",
            "Tesseract's Simplified Chinese language pack (chi_sim) is missing.",
            hint_zh="请安装 tesseract-ocr-chi-sim。",
            hint_en="Install tesseract-ocr-chi-sim.",
        )
    return TesseractInfo(version, langs)


def _run(fn: Callable[..., T], *args: Any, timeout_s: float, **kwargs: Any) -> T:
    """Call a pytesseract function with a timeout; translate its exceptions."""
    import pytesseract

    try:
        return fn(*args, timeout=timeout_s, **kwargs)
    except RuntimeError as e:
        if "timeout" in str(e).lower():
            raise OcrTimeoutError(
                f"Tesseract 识别超时（{timeout_s:.0f} 秒）。",
                f"Tesseract timed out after {timeout_s:.0f} s.",
            ) from e
        raise OcrError("Tesseract 识别失败。", f"Tesseract failed: {e}") from e
    except pytesseract.TesseractError as e:
        raise OcrError("Tesseract 识别失败。", f"Tesseract failed: {e.message}") from e


class TesseractEngine:
    """chi_sim for text, a digit whitelist for numbers, chi_sim_vert for vertical text.

    Args:
        timeout_s: per call; a hung page raises OcrTimeoutError instead of blocking a worker.
        psm: page segmentation mode for whole pages (6 = one uniform block works best
            on ruled forms; 3 = automatic).
        min_conf: drop words Tesseract itself scores below this (0–100).
    """

    name = "tesseract"

    def __init__(self, timeout_s: float = 60.0, psm: int = 6, min_conf: float = 30.0, **_: Any) -> None:
        self.info = probe()
        self.timeout_s = timeout_s
        self.psm = psm
        self.min_conf = min_conf

    def _lang_config(self, hint: str) -> tuple[str, str]:
        if hint == "digits":
            return "eng", DIGITS_CONFIG
        if hint == "vertical":
            if "chi_sim_vert" not in self.info.languages:
                raise MissingDependencyError(
                    "Tesseract 缺少竖排中文语言包（chi_sim_vert）。",
                    "Tesseract's vertical Chinese pack (chi_sim_vert) is missing.",
                    hint_zh="请安装 tesseract-ocr-chi-sim-vert。",
                    hint_en="Install tesseract-ocr-chi-sim-vert.",
                )
            return "chi_sim_vert", "--psm 5"
        if hint == "line":
            return "chi_sim", "--psm 7"
        return "chi_sim", f"--psm {self.psm}"

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        import pytesseract

        t0 = time.perf_counter()
        grey = to_grey(image)
        h, w = grey.shape[:2]
        lang, config = self._lang_config(hint)
        data = _run(
            pytesseract.image_to_data,
            Image.fromarray(grey),
            lang=lang,
            config=config,
            output_type=pytesseract.Output.DICT,
            timeout_s=self.timeout_s,
        )
        # Tesseract emits one entry per character for Chinese: merge a line's
        # characters into runs (split where the gap is wider than a character).
        runs: dict[tuple[int, int, int], list[tuple[str, int, int, int, int, float]]] = {}
        for i, txt in enumerate(data["text"]):
            txt = str(txt).strip()
            conf = float(data["conf"][i])
            if not txt or conf < self.min_conf:
                continue
            key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
            runs.setdefault(key, []).append(
                (
                    txt,
                    int(data["left"][i]),
                    int(data["top"][i]),
                    int(data["width"][i]),
                    int(data["height"][i]),
                    conf,
                )
            )
        words: list[OcrWord] = []
        for items in runs.values():
            items.sort(key=lambda t: t[1])
            cur: list[tuple[str, int, int, int, int, float]] = []
            for it in items:
                if cur:
                    prev = cur[-1]
                    gap = it[1] - (prev[1] + prev[3])
                    if gap > 1.2 * max(prev[4], it[4]):
                        words.append(_merge(cur))
                        cur = []
                cur.append(it)
            if cur:
                words.append(_merge(cur))
        ordered, text = order_words(words)
        return OcrResult(
            text=text,
            words=ordered,
            engine=self.name,
            width=w,
            height=h,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
        )


def _merge(items: list[tuple[str, int, int, int, int, float]]) -> OcrWord:
    x0 = min(i[1] for i in items)
    y0 = min(i[2] for i in items)
    x1 = max(i[1] + i[3] for i in items)
    y1 = max(i[2] + i[4] for i in items)
    text = "".join(i[0] for i in items)
    conf = sum(i[5] for i in items) / len(items) / 100.0
    return OcrWord(text, x0, y0, x1 - x0, y1 - y0, conf)
