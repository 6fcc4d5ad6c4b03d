"""Invisible text layer: a glyphless CID font and one text run per OCR word.

Why hand-written: this is the part that decides whether Chinese search and copy work.
The usual Tesseract/OCRmyPDF text layer places CJK text glyph by glyph (or word by
word with a generic width), so ``pdftotext`` and viewers insert a space between
every character.  Here each OCR run (a word or a line from the engine) is written as
**one** ``Tj`` whose glyphs all advance exactly one em, horizontally scaled (``Tz``)
so the run spans its OCR box: the glyphs touch, extractors see no gaps, and a
selection covers the box where the text is on the image.

The font is OCRmyPDF's GlyphLessFont idea (a TrueType font whose only glyph is
empty), built with fontTools and extended for CJK: character codes are 2-byte CIDs
assigned per document in order of first use (so characters outside the BMP — rare
name characters — work too), every CID maps to the blank glyph through
``CIDToGIDMap``, and a ``ToUnicode`` CMap written at the end of the file maps each
CID back to its character.  Font metrics (ascent 0.8 em, descent 0.2 em, advance
1 em) match the dictionary (``/DW 1000``) as PDF/A asks.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass

from hukou_scan.domain import OcrWord

FONT_NAME = "HukouGlyphless"
ASCENT = 800
DESCENT = -200
ADVANCE = 1000

# Boxes taller than wide by this factor with at least two characters are read as a
# vertical column (old forms write some fields top to bottom).
VERTICAL_RATIO = 1.6


@functools.cache
def glyphless_font() -> bytes:
    """The embedded TrueType program: .notdef and one blank glyph, 1 em wide."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    order = [".notdef", "blank"]
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({name: empty for name in order})
    fb.setupHorizontalMetrics({name: (ADVANCE, 0) for name in order})
    fb.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    fb.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    fb.setupOS2(
        sTypoAscender=ASCENT,
        sTypoDescender=DESCENT,
        usWinAscent=ASCENT,
        usWinDescent=-DESCENT,
        sxHeight=500,
        sCapHeight=ASCENT,
    )
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


class CidAllocator:
    """Assigns a 2-byte CID to each distinct character of the document (CID 0 is .notdef)."""

    def __init__(self) -> None:
        self._cids: dict[str, int] = {}

    def encode(self, text: str) -> bytes:
        out = bytearray()
        for ch in text:
            cid = self._cids.get(ch)
            if cid is None:
                cid = len(self._cids) + 1
                if cid > 0xFFFF:
                    cid = 0  # more than 65 535 distinct characters: map the rest to .notdef
                else:
                    self._cids[ch] = cid
            out += cid.to_bytes(2, "big")
        return bytes(out)

    @property
    def count(self) -> int:
        return len(self._cids)

    def cid_to_gid_map(self) -> bytes:
        """Every used CID → glyph 1 (the blank glyph)."""
        return b"\x00\x00" + b"\x00\x01" * len(self._cids)

    def to_unicode_cmap(self) -> bytes:
        """The ToUnicode CMap (Adobe TN 5411) mapping each CID back to its character."""
        items = sorted((cid, ch) for ch, cid in self._cids.items())
        head = (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        )
        parts = [head]
        for i in range(0, len(items), 100):
            chunk = items[i : i + 100]
            parts.append(f"{len(chunk)} beginbfchar\n")
            parts.extend(f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>\n" for cid, ch in chunk)
            parts.append("endbfchar\n")
        parts.append("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
        return "".join(parts).encode("ascii")


@dataclass(frozen=True)
class PageFrame:
    """Maps OCR pixel coordinates (top-left origin) to PDF points (bottom-left origin)."""

    ocr_width: float
    ocr_height: float
    page_width_pt: float
    page_height_pt: float

    @property
    def sx(self) -> float:
        return self.page_width_pt / self.ocr_width

    @property
    def sy(self) -> float:
        return self.page_height_pt / self.ocr_height


def _f(x: float) -> str:
    s = f"{x:.3f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def text_layer_ops(
    words: Iterable[OcrWord], frame: PageFrame, cids: CidAllocator, font_res: str = "F1"
) -> bytes:
    """Content-stream operators drawing ``words`` invisibly (rendering mode 3).

    Horizontal runs: font size = box height, baseline 0.2 em above the box bottom,
    ``Tz`` squeezes or stretches the run's n one-em glyphs to the box width.
    Vertical runs (tall narrow boxes): the text matrix is turned 90° clockwise so the
    run reads top to bottom and still fills its box.
    """
    lines: list[str] = []
    sx, sy = frame.sx, frame.sy
    for w in words:
        text = "".join(ch for ch in w.text if (ch.isprintable() and not ch.isspace()) or ch == " ").strip()
        if not text or w.w <= 0 or w.h <= 0:
            continue
        n = len(text)
        x0 = w.x * sx
        x1 = (w.x + w.w) * sx
        top = frame.page_height_pt - w.y * sy
        bottom = frame.page_height_pt - (w.y + w.h) * sy
        width, height = x1 - x0, top - bottom
        codes = cids.encode(text).hex().upper()
        if n >= 2 and height > VERTICAL_RATIO * width:
            size = width  # em = column width; advance runs downwards
            tz = 100.0 * height / (n * size)
            # Rotated -90°: text x-axis points down the page, text y-axis points right.
            # Baseline sits 0.2 em right of the box's left edge... mirrored: the glyph
            # box spans [baseline - 0.2em, baseline + 0.8em] along text-y = page-x.
            bx = x0 + (-DESCENT / 1000.0) * size
            lines.append(f"/{font_res} {_f(size)} Tf {_f(tz)} Tz 0 -1 1 0 {_f(bx)} {_f(top)} Tm <{codes}> Tj")
            continue
        size = height
        tz = 100.0 * width / (n * size)
        by = bottom + (-DESCENT / 1000.0) * size
        lines.append(f"/{font_res} {_f(size)} Tf {_f(tz)} Tz 1 0 0 1 {_f(x0)} {_f(by)} Tm <{codes}> Tj")
    if not lines:
        return b""
    return ("BT 3 Tr\n" + "\n".join(lines) + "\nET\n").encode("ascii")
