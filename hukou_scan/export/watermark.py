"""Visible traceability watermark drawn as vector outlines of a CJK font.

The watermark (user, time, purpose) must render Chinese correctly in every viewer and
must **not** end up in the text layer: a watermark made of text would be returned by
``pdftotext`` and by search, polluting the OCR text.  So the glyphs of an installed
CJK TrueType font (WenQuanYi Zen Hei by default) are converted to PDF path operators
with fontTools and drawn as a Form XObject, semi-transparent, once per page.  No font
is embedded, so there is nothing for PDF/A font rules to object to, and the form is
written once and shared by all pages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fontTools.pens.basePen import BasePen

from hukou_scan.errors import MissingDependencyError

log = logging.getLogger(__name__)

DEFAULT_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/arphic/ukai.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


def find_cjk_font(extra: Path | None = None) -> Path:
    """The first installed CJK font, preferring ``extra`` (from settings)."""
    for p in ((extra,) if extra else ()) + DEFAULT_FONTS:
        if p is not None and p.exists():
            return p
    raise MissingDependencyError(
        "未找到中文字体，无法生成水印。",
        "No CJK font found to draw the watermark.",
        hint_zh="请安装 fonts-wqy-zenhei。",
        hint_en="Install fonts-wqy-zenhei.",
    )


class _PdfPathPen(BasePen):  # type: ignore[misc]
    """Collects glyph outlines as PDF path operators (quadratics become cubics)."""

    def __init__(self, glyphset: Any, dx: float, dy: float, scale: float) -> None:
        super().__init__(glyphset)
        self.ops: list[str] = []
        self.dx, self.dy, self.scale = dx, dy, scale

    def _p(self, pt: tuple[float, float]) -> str:
        return f"{pt[0] * self.scale + self.dx:.2f} {pt[1] * self.scale + self.dy:.2f}"

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(f"{self._p(pt)} m")

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(f"{self._p(pt)} l")

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
        self.ops.append(f"{self._p(p1)} {self._p(p2)} {self._p(p3)} c")

    def _closePath(self) -> None:
        self.ops.append("h")


@dataclass(frozen=True)
class WatermarkForm:
    """A form XObject: ``ops`` in a ``width`` x ``height`` box (points at size 1)."""

    ops: bytes
    width: float
    height: float


@dataclass(frozen=True)
class _Glyphs:
    """What drawing text as outlines needs from an open font."""

    cmap: dict[int, str]
    glyphset: Any
    hmtx: Any
    upem: float

    def advance(self, text: str, scale: float) -> float:
        return float(sum(self.hmtx[self.cmap.get(ord(c), ".notdef")][0] for c in text)) * scale

    def draw(self, text: str, x: float, y: float, scale: float, ops: list[str]) -> tuple[float, int]:
        """Append ``text``'s outlines from ``(x, y)`` to ``ops``; the end x and how many
        characters the font lacks (drawn as its ``.notdef`` box)."""
        missing = 0
        for ch in text:
            gname = self.cmap.get(ord(ch))
            if gname is None:
                missing += 1
                gname = ".notdef"
            pen = _PdfPathPen(self.glyphset, x, y, scale)
            self.glyphset[gname].draw(pen)
            ops.extend(pen.ops)
            x += self.hmtx[gname][0] * scale
        return x, missing


@contextmanager
def _cjk_glyphs(font_path: Path | None) -> Iterator[tuple[Path, _Glyphs]]:
    """Open the CJK font (the first face of a collection) for one drawing session."""
    from fontTools.ttLib import TTFont

    path = find_cjk_font(font_path)
    font = TTFont(str(path), fontNumber=0, lazy=True) if path.suffix.lower() == ".ttc" else TTFont(str(path))
    try:
        yield (
            path,
            _Glyphs(font.getBestCmap(), font.getGlyphSet(), font["hmtx"], float(font["head"].unitsPerEm)),
        )
    finally:
        font.close()


def build_watermark(lines: list[str], font_path: Path | None = None, size: float = 14.0) -> WatermarkForm:
    """Lay out ``lines`` (centred, ``size`` pt, 1.5 line spacing) as filled outlines."""
    with _cjk_glyphs(font_path) as (path, glyphs):
        scale = size / glyphs.upem
        leading = size * 1.5
        widths = [glyphs.advance(line, scale) for line in lines]
        box_w = max(widths, default=0.0)
        box_h = leading * len(lines)
        ops: list[str] = []
        missing = 0
        for i, line in enumerate(lines):
            x = (box_w - widths[i]) / 2
            y = box_h - leading * (i + 1) + (leading - size) / 2 + size * 0.15
            missing += glyphs.draw(line, x, y, scale, ops)[1]
        if missing:
            log.warning("watermark: %d character(s) missing from font %s", missing, path.name)
        ops.append("f")
        return WatermarkForm(("\n".join(ops) + "\n").encode("ascii"), box_w, box_h)


def outline_texts(
    items: list[tuple[str, float, float, float]], font_path: Path | None = None
) -> tuple[bytes, list[float]]:
    """Several single-line texts as filled outlines in one font session.

    Args:
        items: ``(text, x, baseline_y, size)`` in points.
    Returns:
        The path operators (ending in a fill) and each text's advance width, so callers
        can centre or right-align.  Opening a CJK font costs a quarter of a second, which
        is why a whole form (the transfer register) goes through one call.
    """
    with _cjk_glyphs(font_path) as (_path, glyphs):
        ops: list[str] = []
        widths: list[float] = []
        for text, x0, y, size in items:
            x, _missing = glyphs.draw(text, x0, y, size / glyphs.upem, ops)
            widths.append(x - x0)
        ops.append("f")
        return ("\n".join(ops) + "\n").encode("ascii"), widths


def watermark_page_ops(
    form_name: str, gs_name: str, wm: WatermarkForm, page_w: float, page_h: float
) -> bytes:
    """Draw the form three times along the page diagonal plus once as a footer."""
    import math

    out = [f"q /{gs_name} gs"]
    diag = math.hypot(page_w, page_h)
    s = diag * 0.32 / wm.width if wm.width else 1.0
    angle = min(math.atan2(page_h, page_w), math.radians(35))
    c, si = math.cos(angle), math.sin(angle)
    off = max(page_w, page_h) * 0.3
    for k in (-1, 0, 1):
        # copies on three parallel diagonals, each centred on its line
        cx, cy = page_w / 2 - k * off * si, page_h / 2 + k * off * c
        ox = cx - (c * wm.width * s - si * wm.height * s) / 2
        oy = cy - (si * wm.width * s + c * wm.height * s) / 2
        out.append(
            f"q {c * s:.4f} {si * s:.4f} {-si * s:.4f} {c * s:.4f} {ox:.2f} {oy:.2f} cm /{form_name} Do Q"
        )
    fs = min(1.0, page_w * 0.9 / wm.width) if wm.width else 1.0
    out.append(f"q {fs:.4f} 0 0 {fs:.4f} {(page_w - wm.width * fs) / 2:.2f} 4 cm /{form_name} Do Q")
    out.append("Q")
    return ("\n".join(out) + "\n").encode("ascii")
