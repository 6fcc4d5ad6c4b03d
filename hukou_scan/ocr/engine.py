"""The OCR engine interface and a registry of engines by name.

Callers (the OCR service, the CLI, the benchmark) only ever say
``create_engine(settings.ocr_engine)``; a third engine is added by registering a
factory (or by a ``hukou_scan.ocr_engines`` entry point) without touching them.
Engines are imported lazily because loading ONNX Runtime or probing Tesseract costs
seconds and most commands never need them.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hukou_scan.domain.models import OcrResult, OcrWord
from hukou_scan.errors import ConfigError

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]

#: What kind of content a region holds; engines may pick a model or config for it.
HINTS = ("text", "digits", "line", "vertical")


@runtime_checkable
class OcrEngine(Protocol):
    """Recognise text with positions in one image.

    Implementations must be safe to call repeatedly on one instance (the model is
    loaded once per process) but need not be thread-safe.
    """

    name: str

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        """Recognise ``image`` (H×W grey or H×W×3 RGB, uint8).

        Args:
            image: the page or a crop of it.
            hint: one of :data:`HINTS`; ``"line"`` means the image is a single text line
                (detection may be skipped), ``"digits"`` a number field.

        Returns:
            words with boxes in ``image`` pixel coordinates, text in reading order,
            ``width``/``height`` of ``image``.  Fields are left empty (see
            :mod:`hukou_scan.ocr.fields`).
        """
        ...


@dataclass(frozen=True)
class LinePosteriors:
    """A CTC recogniser's output for one text line: ``probs[t, c]`` over ``charset``.

    ``charset[0]`` is the CTC blank.  Rows sum to 1 (softmax output).
    """

    probs: np.ndarray
    charset: tuple[str, ...]


@runtime_checkable
class PosteriorEngine(Protocol):
    """An engine that can also return the per-frame character probabilities of a line.

    Optional: engines without it (Tesseract) are read through their best path only, and
    the constrained ID decoder and link-then-correct fall back to the plain reading.
    """

    def line_posteriors(self, image: np.ndarray) -> LinePosteriors:
        """Per-frame class probabilities for ``image`` read as one line (no detection)."""
        ...


EngineFactory = Callable[..., OcrEngine]

_BUILTIN: dict[str, str] = {
    "rapidocr": "hukou_scan.ocr.rapid:RapidOcrEngine",
    "tesseract": "hukou_scan.ocr.tesseract:TesseractEngine",
}
_FACTORIES: dict[str, EngineFactory] = {}
_LOCK = threading.Lock()
ENTRY_POINT_GROUP = "hukou_scan.ocr_engines"


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make ``factory(**options)`` available as engine ``name`` (replaces an earlier one)."""
    with _LOCK:
        _FACTORIES[name] = factory


def _load_path(path: str) -> EngineFactory:
    module, _, attr = path.partition(":")
    obj: EngineFactory = getattr(importlib.import_module(module), attr)
    return obj


def _entry_points() -> dict[str, str]:
    try:
        return {ep.name: ep.value for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    except Exception:  # broken third-party metadata must not stop the app
        log.exception("reading OCR engine entry points failed")
        return {}


def available_engines() -> list[str]:
    """Names that :func:`create_engine` accepts (built-in first)."""
    names = list(_BUILTIN)
    for n in [*_FACTORIES, *_entry_points()]:
        if n not in names:
            names.append(n)
    return names


def create_engine(name: str, **options: Any) -> OcrEngine:
    """Build the engine registered as ``name`` (or given as ``"module:factory"``).

    Raises:
        ConfigError: no engine has that name.
    """
    with _LOCK:
        factory = _FACTORIES.get(name)
    if factory is None:
        # "package.module:Factory" names a factory directly (plug-ins, test doubles in workers).
        path = _BUILTIN.get(name) or (name if ":" in name else None) or _entry_points().get(name)
        if path is None:
            raise ConfigError(
                f"未知的文字识别引擎：{name}",
                f"Unknown OCR engine: {name}",
                hint_zh="可用引擎：" + "、".join(available_engines()),
                hint_en="Available engines: " + ", ".join(available_engines()),
            )
        try:
            factory = _load_path(path)
        except (ImportError, AttributeError) as e:
            raise ConfigError(f"无法加载文字识别引擎：{name}", f"Cannot load OCR engine {name}: {e}") from e
    return factory(**options)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """H×W or H×W×{1,3,4} uint8 → contiguous H×W×3 RGB."""
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    out: np.ndarray = np.ascontiguousarray(image[:, :, :3])
    return out


def to_grey(image: np.ndarray) -> np.ndarray:
    """Luma (ITU-R 601) as uint8, for line detection and Tesseract."""
    if image.ndim == 2:
        return image.astype(np.uint8, copy=False)
    rgb = image[:, :, :3].astype(np.float32)
    grey = rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114
    out: np.ndarray = np.clip(grey, 0, 255).astype(np.uint8)
    return out


def is_vertical_layout(words: list[OcrWord]) -> bool:
    """Most runs are tall columns (古籍, vertical notes): read columns right to left."""
    multi = [w for w in words if len(w.text) > 1]
    return bool(multi) and sum(w.h > 1.5 * w.w for w in multi) >= 0.6 * len(multi)


def group_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Group word boxes into text lines (vertical overlap), each sorted left to right.

    Whole-page detectors return boxes roughly top-to-bottom, but two boxes on one
    visual line can differ by a few pixels and interleave with the next line; this
    is the reading order every engine's ``text`` uses.
    """
    lines: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.y + w.h / 2, w.x)):
        cy = w.y + w.h / 2
        for line in lines:
            ly0 = min(x.y for x in line)
            ly1 = max(x.y + x.h for x in line)
            lh = max(1.0, (ly1 - ly0))
            overlap = min(ly1, w.y + w.h) - max(ly0, w.y)
            if overlap > 0.5 * min(lh, w.h) and abs(cy - (ly0 + ly1) / 2) < 0.6 * max(lh, w.h):
                line.append(w)
                break
        else:
            lines.append([w])
    for line in lines:
        line.sort(key=lambda w: w.x)
    lines.sort(key=lambda ln: min(w.y + w.h / 2 for w in ln))
    return lines


def join_runs(texts: list[str]) -> str:
    """Runs of one line joined by a space, except after a colon (标签：值 reads as one)."""
    out = ""
    for t in texts:
        out += t if not out or out.endswith(("：", ":")) else " " + t
    return out


def order_words(words: list[OcrWord]) -> tuple[list[OcrWord], str]:
    """Words renumbered by line in reading order, and the text (space within, newline between lines)."""
    out: list[OcrWord] = []
    texts: list[str] = []
    if is_vertical_layout(words):
        lines = [[w] for w in sorted(words, key=lambda w: (-(w.x + w.w / 2), w.y))]
    else:
        lines = group_lines(words)
    for i, line in enumerate(lines):
        out.extend(OcrWord(w.text, w.x, w.y, w.w, w.h, w.conf, i) for w in line)
        texts.append(join_runs([w.text for w in line]))
    return out, "\n".join(texts)
