"""OCR engine test doubles, importable by name ("tests.ocr_fakes:FakeEngine") inside worker processes."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from hukou_scan.capture.simulated.forms import RenderedPage
from hukou_scan.domain.models import OcrResult, OcrWord
from hukou_scan.ocr.engine import order_words


class FakeEngine:
    """Returns a fixed registration-form text whatever the image (geometry from the image size)."""

    name = "fake"

    def __init__(self, **_: Any) -> None:
        pass

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        h, w = image.shape[:2]
        words = [
            OcrWord("姓名", 10, 10, 60, 30, 0.99),
            OcrWord("张三", 100, 10, 60, 30, 0.98),
            OcrWord("公民身份号码", 10, 60, 120, 30, 0.99),
            OcrWord("110102195402188971", 150, 60, 300, 30, 0.97),
        ]
        ordered, text = order_words(words)
        return OcrResult(text, ordered, self.name, w, h)


class SleepyEngine(FakeEngine):
    """Hangs for ``sleep`` seconds per page: a stand-in for an engine stuck on a page."""

    name = "sleepy"

    def __init__(self, sleep: float = 30.0, **_: Any) -> None:
        self.sleep = sleep

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        time.sleep(self.sleep)
        return super().recognize(image, hint=hint)


class PageTruthEngine:
    """Reads a RenderedPage's ground-truth boxes as if recognised (tests form logic without a model)."""

    name = "truth"

    def __init__(self, page: RenderedPage, conf: float = 0.99) -> None:
        self.page = page
        self.conf = conf

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        h, w = image.shape[:2]
        words = [OcrWord(b.text, *b.box, self.conf) for b in self.page.boxes if b.text]
        ordered, text = order_words(words)
        return OcrResult(text, ordered, self.name, w, h)


class SheetEngine(FakeEngine):
    """Reads one of two filled-in registration forms, chosen by the image's top-left pixel.

    Same printed template, different person (name, ID): stands in for "the same sheet
    captured twice" versus "another sheet of the same form" in the duplicate check.
    """

    name = "sheet"
    PEOPLE = (
        ("张三", "110102195402188971", "一九五四年二月十八日"),
        ("李秀英", "320502198806114025", "一九八八年六月十一日"),
    )

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        h, w = image.shape[:2]
        name, id_number, born = self.PEOPLE[int(image[0, 0, 0]) % 2]
        words = [
            OcrWord("常住人口登记表", 10, 0, 200, 30, 0.99),
            OcrWord("姓名", 10, 40, 60, 30, 0.99),
            OcrWord(name, 100, 40, 60, 30, 0.98),
            OcrWord("出生日期", 10, 80, 60, 30, 0.99),
            OcrWord(born, 100, 80, 200, 30, 0.95),
            OcrWord("公民身份号码", 10, 120, 120, 30, 0.99),
            OcrWord(id_number, 150, 120, 300, 30, 0.97),
            OcrWord("户主或与户主关系", 10, 160, 160, 30, 0.99),
        ]
        ordered, text = order_words(words)
        return OcrResult(text, ordered, self.name, w, h)


class CountingEngine(FakeEngine):
    """Logs every recognition (``start``/``done`` lines with the image's hash and the pid) to the
    file named by ``HUKOU_TEST_OCR_LOG``, so tests across worker processes can count how often
    each page was read.  ``HUKOU_TEST_OCR_SLEEP`` seconds per page; when ``HUKOU_TEST_OCR_HANG_ONCE``
    names a file that does not exist yet, the first page read creates it and hangs (to be killed).
    The text carries the image hash so each page's stored text is its own.
    """

    name = "counting"

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        import hashlib
        import os
        from pathlib import Path

        digest = hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]
        log = os.environ.get("HUKOU_TEST_OCR_LOG")

        def note(what: str) -> None:
            if log:
                with open(log, "a", encoding="utf-8") as fh:
                    fh.write(f"{what} {digest} {os.getpid()}\n")

        note("start")
        hang = os.environ.get("HUKOU_TEST_OCR_HANG_ONCE")
        if hang and not Path(hang).exists():
            Path(hang).write_text(digest, "utf-8")
            time.sleep(600)
        time.sleep(float(os.environ.get("HUKOU_TEST_OCR_SLEEP", "0")))
        h, w = image.shape[:2]
        words = [OcrWord("页", 10, 10, 40, 30, 0.99), OcrWord(digest, 60, 10, 200, 30, 0.99)]
        ordered, text = order_words(words)
        note("done")
        return OcrResult(text, ordered, self.name, w, h)
