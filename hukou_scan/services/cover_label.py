"""Read the 档号 off a volume's cover label, to prefill 新建批次.

A clerk starting a batch places the volume's cover under the camera; the label carries
the 档号 as a barcode or QR code, or only printed.  Order of trust:

1. a code read by zxing-cpp (:func:`hukou_scan.imaging.label.read_codes`) — codes carry
   their own error detection, so a read code is what was printed;
2. failing that, the printed 档号 through the station's OCR engine: candidates are the
   text runs shaped like a 档号 (lines that say 档号 first), with the usual OCR letter/digit
   confusions (O/0, I/1 …) undone inside numeric groups.

Whatever is read passes :func:`hukou_scan.domain.archive_label.parse_label`: a wrong
format or check character is refused with a message, never silently prefilled.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hukou_scan.domain.archive_label import ArchiveLabel, normalise, parse_label
from hukou_scan.errors import InvalidInputError
from hukou_scan.imaging.label import ocr_view, read_codes
from hukou_scan.ocr.engine import OcrEngine, to_rgb

log = logging.getLogger(__name__)

_CANDIDATE = re.compile(r"[0-9A-Z][0-9A-Z·]*(?:-[0-9A-Z·]+)+")
_DIGIT_LIKE = "ODQILZSBG"
_TO_DIGIT = str.maketrans(
    {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"}
)


class LabelNotRead(InvalidInputError):
    """Neither a code nor a printed 档号 was found on the cover."""


@dataclass(frozen=True)
class CoverLabelRead:
    """A 档号 read from a cover.

    Attributes:
        label: the checked 档号 (and the check character the label carried, if any).
        source: ``qr``, ``code128`` … for a code, ``printed`` for OCR.
        raw: the text as read, before normalising.
        elapsed_ms: time taken.
    """

    label: ArchiveLabel
    source: str
    raw: str
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive_id": self.label.archive_id,
            "check": self.label.check,
            "source": self.source,
            "raw": self.raw,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def _fix_groups(candidate: str) -> str:
    """Undo OCR letter/digit confusions in groups of digits and look-alikes (``2O26`` → ``2026``).

    Only groups with at least one digit whose every other character is a digit look-alike
    change; a real letter prefix (``J063``, ``WS``) keeps the group as read.  The result is
    only a further candidate, tried after the text as read.
    """
    parts = candidate.split("-")
    out = []
    for p in parts:
        if len(p) >= 2 and any(c.isdigit() for c in p) and all(c.isdigit() or c in _DIGIT_LIKE for c in p):
            p = p.translate(_TO_DIGIT)
        out.append(p)
    return "-".join(out)


_CONFUSABLE = {
    "1": "I",
    "I": "1",
    "0": "O",
    "O": "0",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
}


def printed_candidates(text: str) -> list[str]:
    """Text runs of an OCR result shaped like a 档号, lines naming 档号 first.

    Words stay apart (a 档号 never contains a space, and OCR may run the next line's
    year onto the same line); spaces around a dash are closed up.  Each run is also
    offered with letter/digit confusions undone in numeric groups, and with the check
    character's look-alike (1/I, 0/O …): only one of them can agree with the check.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    lines.sort(key=lambda ln: "档号" not in ln)
    out: list[str] = []

    def add(c: str) -> None:
        if c not in out:
            out.append(c)

    for ln in lines:
        t = unicodedata.normalize("NFKC", ln).replace("档号", " ").replace(":", " ")
        t = re.sub(r"\s*[-‐‑‒–—―−一]\s*", "-", t)
        for word in t.split():
            for m in _CANDIDATE.finditer(normalise(word)):
                run = m.group(0)
                for c in (run, _fix_groups(run)):
                    add(c)
                    head, _, last = c.rpartition("-")
                    if len(last) == 1 and last in _CONFUSABLE:
                        add(f"{head}-{_CONFUSABLE[last]}")
    return out


class CoverLabelService:
    """Reads a cover label (codes first, then the printed 档号).

    Args:
        engine_factory: makes the OCR engine for the printed fallback on first use (the
            station's configured engine); None reads codes only.
    """

    def __init__(self, engine_factory: Callable[[], OcrEngine] | None = None) -> None:
        self._engine_factory = engine_factory
        self._engine: OcrEngine | None = None
        self._lock = threading.Lock()

    def _ocr(self) -> OcrEngine | None:
        with self._lock:
            if self._engine is None and self._engine_factory is not None:
                self._engine = self._engine_factory()
            return self._engine

    def read(self, image: np.ndarray, *, printed: bool = True) -> CoverLabelRead:
        """The 档号 on the cover in ``image`` (BGR or grey).

        Args:
            image: a camera frame or photo of the cover.
            printed: also try OCR of the printed 档号 when no code is found.

        Raises:
            InvalidInputError: what was read is not a valid 档号 (format or check character).
            LabelNotRead: nothing readable on the cover.
        """
        t0 = time.perf_counter()
        first_error: InvalidInputError | None = None
        for code in read_codes(image):
            try:
                label = parse_label(code.text)
            except InvalidInputError as e:
                first_error = first_error or e
                continue
            return CoverLabelRead(label, code.kind, code.text, (time.perf_counter() - t0) * 1000)
        if first_error is not None:
            # a code was read and it is wrong: that is what the clerk must hear, not an OCR guess
            raise first_error
        engine = self._ocr() if printed else None
        if engine is not None:
            view = ocr_view(image)
            rgb = to_rgb(view[:, :, 2::-1] if view.ndim == 3 and view.shape[2] >= 3 else view)  # BGR → RGB
            result = engine.recognize(rgb, hint="text")
            for cand in printed_candidates(result.text):
                try:
                    label = parse_label(cand)
                except InvalidInputError as e:
                    first_error = first_error or e
                    continue
                return CoverLabelRead(label, "printed", cand, (time.perf_counter() - t0) * 1000)
            if first_error is not None:
                raise first_error
        raise LabelNotRead(
            "封面上没有读到条码、二维码或档号。",
            "No barcode, QR code or archive id (档号) was found on the cover.",
            hint_zh="把卷皮标签平放在镜头正下方，光线均匀后重试，或手工输入档号。",
            hint_en="Lay the cover label flat under the camera in even light and try again, or type the archive id.",
        )


__all__ = ["CoverLabelRead", "CoverLabelService", "LabelNotRead", "printed_candidates"]
