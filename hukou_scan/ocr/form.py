"""Form-aware recognition: find the ruled cells, read cell by cell, pair labels with values.

Old registry forms are grids of printed labels with handwritten values.  A
whole-page detector reads them well but returns runs in a jumbled order and
cannot say which value belongs to which label; the ruled lines can.  We find the
lines with NumPy only (long dark runs; OpenCV is reserved for the imaging layer),
assign each recognised run to its cell, emit text band by band, pair every label
cell with the value cell to its right (or a table header with the cells under it),
and optionally re-read each value cell on its own (``mode="cell"``).  The benchmark
measures ``page`` (assign only) against ``cell`` (re-read) and against plain
whole-page reading; :data:`DEFAULT_MODE` is what won.

Written by hand because no maintained library does table-cell detection without
OpenCV or a deep model, and the pairing rules are specific to these forms.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

import numpy as np

from hukou_scan.domain import idnumber
from hukou_scan.domain.models import Alternatives, ExtractedField, OcrResult, OcrWord
from hukou_scan.errors import OcrError
from hukou_scan.ocr import fields as fx
from hukou_scan.ocr.alternatives import best_path, char_options, frame_options, single_digit_options
from hukou_scan.ocr.engine import (
    OcrEngine,
    PosteriorEngine,
    group_lines,
    is_vertical_layout,
    join_runs,
    to_grey,
)

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
MODES = ("page", "cell", "plain")
DEFAULT_MODE = "page"
#: Runs below this score on a page without a single confident run are treated as noise.
BLANK_MIN_CONF = 0.80
#: Below this share of ink pixels a page is blank (measured: 0 on generated backs, ≈0.02 on forms).
BLANK_INK = 0.0003
#: A line read through its frame probabilities counts as read from this mean score on
#: (RapidOcrEngine's ``text_score``: the same boxes are read as before).
LINE_MIN_SCORE = 0.5


@dataclass
class Cell:
    x0: int
    y0: int
    x1: int
    y1: int
    words: list[OcrWord] = field(default_factory=list)
    boxes: list[tuple[int, int]] = field(default_factory=list)  # a comb field's boxes (x0, x1)
    alternatives: Alternatives = ()  # a comb's digit options per box (see read_comb)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1 - self.x0, self.y1 - self.y0)

    def text(self) -> str:
        return "".join(w.text for ln in group_lines(self.words) for w in ln)

    def contains(self, w: OcrWord) -> bool:
        cx, cy = w.x + w.w / 2, w.y + w.h / 2
        return self.x0 <= cx < self.x1 and self.y0 <= cy < self.y1


@dataclass
class Band:
    """One row of the table between two horizontal rules."""

    y0: int
    y1: int
    cells: list[Cell]


@dataclass
class Grid:
    bands: list[Band]

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        if not self.bands:
            return None
        x0 = min(c.x0 for b in self.bands for c in b.cells)
        x1 = max(c.x1 for b in self.bands for c in b.cells)
        return (x0, self.bands[0].y0, x1 - x0, self.bands[-1].y1 - self.bands[0].y0)


def _runs(mask_1d: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of consecutive True runs."""
    if not mask_1d.any():
        return []
    d = np.diff(np.concatenate([[0], mask_1d.astype(np.int8), [0]]))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _long_runs(dark: np.ndarray, length: int, fill: float = 0.85) -> np.ndarray:
    """Per row of ``dark``: is there a window of ``length`` pixels at least ``fill`` dark?"""
    if dark.shape[1] <= length or length <= 0:
        return np.zeros(dark.shape[0], dtype=bool)
    cs = np.cumsum(dark, axis=1, dtype=np.int32)
    cs = np.concatenate([np.zeros((dark.shape[0], 1), np.int32), cs], axis=1)
    win = cs[:, length:] - cs[:, :-length]
    return np.asarray((win >= int(fill * length)).any(axis=1), dtype=bool)


def detect_grid(image: np.ndarray) -> Grid:
    """Find the ruled table on a flat page (empty grid when there is none).

    Horizontal rules are rows holding a dark run over 40 % of the page width;
    vertical rules are found inside each band between two horizontal rules as
    columns dark over 75 % of the band's height.  Handwriting never makes such runs.
    """
    grey = to_grey(image)
    h, w = grey.shape
    # Paper brightness varies with age and stains: threshold relative to the page.
    paper = float(np.percentile(grey, 90))
    dark = (grey < paper * 0.72).astype(np.uint8)
    # Bridge 1-px gaps of faded rules.
    rows = _long_runs(dark, int(w * 0.40), 0.80)
    hlines = [(a + b) // 2 for a, b in _runs(rows) if b - a < max(12, h // 100)]
    bands: list[Band] = []
    for ya, yb in itertools.pairwise(hlines):
        bh = yb - ya
        if bh < max(20, h // 60):
            continue
        inner = dark[ya + 2 : yb - 1, :]
        if inner.shape[0] < 10:
            continue
        cols = _long_runs(np.ascontiguousarray(inner.T), int(inner.shape[0] * 0.75), 0.85)
        vlines = [(a + b) // 2 for a, b in _runs(cols) if b - a < max(12, w // 100)]
        if len(vlines) < 2:
            continue
        cells = [Cell(xa, ya, xb, yb) for xa, xb in itertools.pairwise(vlines) if xb - xa > max(15, w // 80)]
        if cells:
            bands.append(Band(ya, yb, cells))
    return Grid(bands)


# --- recognition --------------------------------------------------------------------


def _crop(image: np.ndarray, cell: Cell, inset: int) -> np.ndarray:
    return image[cell.y0 + inset : cell.y1 - inset, cell.x0 + inset : cell.x1 - inset]


def _shift(words: list[OcrWord], dx: int, dy: int) -> list[OcrWord]:
    return [OcrWord(w.text, w.x + dx, w.y + dy, w.w, w.h, w.conf) for w in words]


def _is_label_cell(cell: Cell) -> bool:
    t = cell.text()
    m = fx.match_label(t)
    return m is not None and not m[2]


def _drop_noise(words: list[OcrWord]) -> list[OcrWord]:
    """On a page with no confident run at all (a blank back, show-through), keep nothing."""
    if words and max(w.conf for w in words) < BLANK_MIN_CONF:
        return []
    return words


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc

    conv = opencc.OpenCC("t2s")
    return lambda s: str(conv.convert(s))


def simplify_words(words: list[OcrWord], max_share: float = 0.1) -> list[OcrWord]:
    """Traditional → simplified characters (OpenCC ``t2s``) on a simplified page.

    PP-OCRv6's recogniser is trained on both scripts and sometimes returns 區/號/國
    for clearly simplified handwriting; the registry and search are simplified.  A
    page where more than ``max_share`` of the characters are traditional really is
    traditional (a pre-1956 document, a 古籍 page) and is left as written.
    """
    conv = _t2s()
    converted = [conv(w.text) for w in words]
    total = sum(len(w.text) for w in words)
    changed = sum(
        sum(a != b for a, b in zip(w.text, c, strict=False)) for w, c in zip(words, converted, strict=True)
    )
    if total and changed / total > max_share:
        return words
    return [OcrWord(c, w.x, w.y, w.w, w.h, w.conf, w.line) for w, c in zip(words, converted, strict=True)]


_CN_NUMERALS = "〇一二三四五六七八九十年月日"
_ZERO_LOOKALIKE = re.compile(rf"(?<=[{_CN_NUMERALS}])[○◯Oo0零](?=[{_CN_NUMERALS}])|[○◯](?=[{_CN_NUMERALS}])")
_HAN_COLON = re.compile(r"(?<=[\u3400-\u9fff]):")


def normalize_punct(words: list[OcrWord]) -> list[OcrWord]:
    """Chinese punctuation as written: ``：`` after a Han character, ``〇`` inside Chinese numerals.

    Engines return the ASCII colon and the geometric circle ○ for what is printed as
    the full-width colon and the numeral 〇 (一九〇五年); search and dates need the latter.
    """
    out: list[OcrWord] = []
    for w in words:
        t = _ZERO_LOOKALIKE.sub("〇", _HAN_COLON.sub("：", w.text))
        out.append(w if t == w.text else OcrWord(t, w.x, w.y, w.w, w.h, w.conf, w.line))
    return out


def ink_fraction(image: np.ndarray) -> float:
    """Share of pixels clearly darker than the paper (0 on a blank back, ≈0.02 on a form).

    Show-through and stains stay above 60 % of the paper's brightness; any ink
    stroke goes below it.  Cheap enough to run before the OCR engine.
    """
    grey = to_grey(image)
    step = 2 if grey.size > 1_000_000 else 1
    g = grey[::step, ::step]
    paper = float(np.percentile(g, 90))
    return float((g < paper * 0.6).mean())


def is_blank(image: np.ndarray, threshold: float = BLANK_INK) -> bool:
    """No ink to read: recognising would only invent text."""
    return ink_fraction(image) < threshold


def _char_weight(ch: str) -> float:
    return 0.55 if ch.isascii() else 1.0


def _kind(ch: str) -> str:
    return "d" if ch.isdigit() or ch in "Xx" else "h"


def _snap_split(text: str, i: int, lo: int, reach: int = 3) -> int:
    """Move a geometric split index to the nearest digit/non-digit boundary within ``reach``.

    Handwriting overflows rules (a long date's 日 drawn over the ID cell), so the
    geometric estimate can be off by a character or two; a change of character kind
    is where the cells really part.
    """
    best = None
    for k in range(max(lo + 1, i - reach), min(len(text) - 1, i + reach) + 1):
        if _kind(text[k - 1]) != _kind(text[k]) and (best is None or abs(k - i) < abs(best - i)):
            best = k
    return best if best is not None else i


def split_spanning(words: list[OcrWord], grid: Grid) -> tuple[list[OcrWord], list[OcrWord]]:
    """Split runs the detector merged across a vertical rule (a long date running into the ID cell).

    The split point is estimated from character widths (CJK ≈ 1 em, ASCII ≈ 0.55 em);
    the pieces are also returned separately so their cells can be re-read on their own.
    """
    out: list[OcrWord] = []
    split: list[OcrWord] = []
    for wd in words:
        cy = wd.y + wd.h / 2
        band = next((b for b in grid.bands if b.y0 <= cy < b.y1), None)
        if band is None or len(wd.text) < 2:
            out.append(wd)
            continue
        rules = sorted({c.x0 for c in band.cells[1:]})
        cuts = [r for r in rules if wd.x + 0.15 * wd.h < r < wd.x + wd.w - 0.15 * wd.h]
        if not cuts:
            out.append(wd)
            continue
        weights = [_char_weight(c) for c in wd.text]
        total = sum(weights)
        pieces: list[OcrWord] = []
        start_i, start_x = 0, wd.x
        acc = 0.0
        cut_iter = iter(cuts)
        cut = next(cut_iter, None)
        for i, wt in enumerate(weights):
            mid = wd.x + (acc + wt / 2) / total * wd.w
            if cut is not None and mid >= cut and i > start_i:
                i = _snap_split(wd.text, i, start_i)
                acc = sum(weights[:i])
                x_end = int(wd.x + acc / total * wd.w)
                pieces.append(
                    OcrWord(wd.text[start_i:i], start_x, wd.y, max(1, x_end - start_x), wd.h, wd.conf)
                )
                start_i, start_x = i, x_end
                cut = next(cut_iter, None)
            acc += wt
        if start_i >= len(wd.text):
            out.extend(pieces)
            split.extend(pieces)
            continue
        pieces.append(OcrWord(wd.text[start_i:], start_x, wd.y, max(1, wd.x + wd.w - start_x), wd.h, wd.conf))
        out.extend(pieces)
        split.extend(pieces)
    return out, split


COMB_MIN_BOXES = 8
"""A run of at least this many equal boxes is one value written a character per box."""
COMB_MAX_BOXES = 18
"""An ID number never needs more boxes than this (a 15-digit number uses the first 15)."""


def _box_unit(cells: list[Cell], i: int, bh: int) -> float:
    """The box width of a comb that may start at ``cells[i]`` (0 when none can).

    ``cells[i]`` no wider than the band is high; among the next adjacent cells (a few
    boxes wide at most) the narrowest and those within a fifth of it: at least three
    must agree.  Why not "the first cells":
    on a faint page most inner box rules can be lost, so a comb can begin with a cell of
    two boxes (tuning forms: 3 of 8 combs in one hand had hardly three single boxes in a
    row, and none at the start).  Slivers (the gaps before the first box and after the
    last) are narrower than a third of the band's height and never set the width.
    """
    if cells[i].x1 - cells[i].x0 > 1.2 * bh:
        return 0.0
    widths: list[int] = []
    prev = cells[i].x0
    for c in cells[i : i + COMB_MAX_BOXES]:
        cw = c.x1 - c.x0
        if cw > 2.5 * bh or c.x0 - prev > 0.5 * cw:
            break
        widths.append(cw)
        prev = c.x1
    widths = [w for w in widths if w >= 0.35 * bh]  # slivers before/after the boxes
    if not widths:
        return 0.0
    low = min(widths)
    near = [w for w in widths if w <= 1.2 * low]
    return float(np.median(near)) if len(near) >= 3 else 0.0


def _comb_run(cells: list[Cell], i: int, bh: int) -> tuple[int, list[tuple[int, int]]]:
    """The comb starting at ``cells[i]``: (index after it, its boxes), or (i, []) if none.

    Why not only equal cells: a box's rule stops short of the band's rules (the boxes
    are inset), so on a faint or tilted page the rule finder loses some of them and two
    or more boxes arrive as one cell — the comb then broke in two and the digits after
    the gap were lost (tuning forms: 2 of 5 in one hand).  Once the box width is known
    (:func:`_box_unit`), a cell close to a whole multiple of it is split evenly, and a
    wider cell that holds all the boxes still missing (the comb's end rule lost as
    well, the cell running on to the row's border) is cut into boxes up to
    :data:`COMB_MAX_BOXES`.
    """
    unit = _box_unit(cells, i, bh)
    if unit <= 0:
        return i, []
    boxes: list[tuple[int, int]] = []
    j = i
    while j < len(cells) and len(boxes) < COMB_MAX_BOXES:
        c = cells[j]
        cw = c.x1 - c.x0
        if boxes and c.x0 - boxes[-1][1] > 0.5 * unit:
            break
        m = round(cw / unit)
        room = COMB_MAX_BOXES - len(boxes)
        if 1 <= m <= room and abs(cw - m * unit) <= (0.2 if m == 1 else 0.3) * unit:
            step = cw / m
            boxes.extend((round(c.x0 + k * step), round(c.x0 + (k + 1) * step)) for k in range(m))
            j += 1
            continue
        if len(boxes) >= 3 and 0.8 * unit <= cw < 2 * unit:
            # The last box with the sliver after it (the comb's end rule lost).
            boxes.append((c.x0, round(c.x0 + unit)))
            j += 1
            break
        if len(boxes) >= 3 and cw > 1.5 * unit and int(cw // unit) >= room:
            m = room
            boxes.extend((round(c.x0 + k * unit), round(c.x0 + (k + 1) * unit)) for k in range(m))
            j += 1
        break
    return (j, boxes) if len(boxes) >= COMB_MIN_BOXES else (i, [])


def _extend_left(before: list[Cell], boxes: list[tuple[int, int]]) -> tuple[int, list[tuple[int, int]]]:
    """Boxes of a comb whose first rules were lost: (index in ``before`` where it starts, boxes).

    Why: :func:`_comb_run` needs a few single boxes to learn the box width, so when the
    rules of the first boxes are lost (a faint or tilted page) the comb started late and
    its first digits stayed outside as odd cells (tuning forms: 13 of 18 boxes, no ID).
    Walking left from the comb, a cell close to a whole multiple of the box width is
    split into boxes; the cell after the label's rule may also hold the sliver before
    the first box, so there the boxes are laid from its right edge.  Never more than
    :data:`COMB_MAX_BOXES` in all, and a cell wider than three boxes (the label) stops it.
    """
    unit = float(np.median([b - a for a, b in boxes]))
    k = len(before)
    out = list(boxes)
    while k > 0 and len(out) < COMB_MAX_BOXES:
        c = before[k - 1]
        cw = c.x1 - c.x0
        room = COMB_MAX_BOXES - len(out)
        m = round(cw / unit)
        if 1 <= m <= min(3, room) and abs(cw - m * unit) <= 0.3 * unit and c.x1 >= out[0][0] - 0.5 * unit:
            step = cw / m
            out[:0] = [(round(c.x0 + q * step), round(c.x0 + (q + 1) * step)) for q in range(m)]
            k -= 1
            continue
        m = int(cw // unit)
        if 1 <= m <= min(3, room) and cw - m * unit <= 0.6 * unit and c.x1 >= out[0][0] - 0.5 * unit:
            # The sliver between the label's rule and the first box, then m boxes.
            out[:0] = [(round(c.x1 - (m - q) * unit), round(c.x1 - (m - q - 1) * unit)) for q in range(m)]
            k -= 1
        break
    return k, out


def merge_combs(grid: Grid) -> int:
    """Merge each comb field (公民身份号码 written one digit per printed box) into one cell.

    Why: the boxes' rules are vertical rules to :func:`detect_grid`, so every digit
    became a cell of its own and the value next to the label was its first digit.  A
    comb is a run of at least :data:`COMB_MIN_BOXES` adjacent boxes of nearly equal
    width, each no wider than the band is high (see :func:`_comb_run` for boxes whose
    rule was lost).  Returns how many were merged.
    """
    merged = 0
    for band in grid.bands:
        cells, i = band.cells, 0
        out: list[Cell] = []
        bh = band.y1 - band.y0
        while i < len(cells):
            j, boxes = _comb_run(cells, i, bh)
            if boxes:
                k, boxes = _extend_left(out, boxes)
                x0, x1 = (out[k].x0 if k < len(out) else cells[i].x0), cells[j - 1].x1
                del out[k:]
                sliver = 0.6 * float(np.median([b - a for a, b in boxes]))
                # The slivers between the label's rule and the first box (and after the
                # last) belong to the comb, not to the label's value.
                if out and out[-1].x1 - out[-1].x0 < sliver:
                    x0 = out.pop().x0
                if j < len(cells) and cells[j].x1 - cells[j].x0 < sliver:
                    x1 = cells[j].x1
                    j += 1
                out.append(Cell(x0, band.y0, x1, band.y1, [], boxes))
                merged += 1
                i = j
            else:
                out.append(cells[i])
                i += 1
        band.cells = out
    return merged


_COMB_CHARS = re.compile(r"[0-9Xx×]")


def read_comb(engine: OcrEngine, image: np.ndarray, cell: Cell) -> None:
    """Read a comb cell box by box, recognition only, and replace its words.

    The whole-page detector skips single digits boxed in by rules (3 of 18 lost on
    the independent forms).  Each box's inside (rules cut away) is read as a line;
    a box read as nothing, or as more than one character, becomes ``?`` so that the
    positions of the other digits stay right and the ID rules refuse the number
    rather than shift it.  Empty boxes after the last written one are dropped (15-digit
    numbers in 18 boxes).  An engine that gives its frame probabilities
    (:class:`PosteriorEngine`) also leaves every box's digit options in
    ``cell.alternatives`` for the constrained decoder (one recognition per box either way).
    """
    grey = to_grey(image)
    chars: list[str] = []
    options: list[tuple[tuple[str, float], ...]] = []
    conf = 1.0
    posterior = engine if isinstance(engine, PosteriorEngine) else None
    for bx0, bx1 in cell.boxes:
        bw = bx1 - bx0
        ins_x, ins_y = max(2, bw // 7), max(2, (cell.y1 - cell.y0) // 7)
        crop = grey[cell.y0 + ins_y : cell.y1 - ins_y, bx0 + ins_x : bx1 - ins_x]
        if crop.size == 0 or ink_fraction(crop) < 0.004:
            chars.append("")
            options.append(())
            continue
        pad = np.full((crop.shape[0] + 16, crop.shape[1] + 32), 255, np.uint8)
        pad[8 : 8 + crop.shape[0], 16 : 16 + crop.shape[1]] = crop
        if posterior is not None:
            post = posterior.line_posteriors(pad)
            text, score, _runs = best_path(post)
            words = (
                [OcrWord(text, 0, 0, pad.shape[1], pad.shape[0], score)] if score >= LINE_MIN_SCORE else []
            )
            options.append(single_digit_options(post))
        else:
            words = engine.recognize(pad, hint="line").words
            options.append(())
        found = _COMB_CHARS.findall(unicodedata.normalize("NFKC", "".join(w.text for w in words)))
        chars.append(found[0] if len(found) == 1 else "?")
        conf = min([conf, *(w.conf for w in words)]) if len(found) == 1 else 0.0
    while chars and chars[-1] == "":
        chars.pop()
        options.pop()
    cell.alternatives = tuple(options) if posterior is not None else ()
    text = "".join(c or "?" for c in chars)
    if text:
        cell.words = [OcrWord(text, cell.x0, cell.y0, cell.x1 - cell.x0, cell.y1 - cell.y0, conf)]


def recognize_page(
    engine: OcrEngine,
    image: np.ndarray,
    *,
    mode: str = DEFAULT_MODE,
    simplify: bool = True,
    today: date | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> OcrResult:
    """Our page pipeline: whole-page reading, grid, reading order, label/value pairs, fields.

    Args:
        engine: any :class:`OcrEngine`.
        image: flat page (grey or RGB uint8), e.g. the imaging derivative.
        mode: ``page`` assigns whole-page runs to cells; ``cell`` also re-reads each
            value cell on its own; ``plain`` skips the grid (line-based pairing only).
        simplify: convert traditional characters to simplified (registry script).
        today: reference date for plausibility checks (tests pin it).
        progress: ``(done, total, message)``.
        cancel: set to abandon the page (raises OcrError).

    Returns:
        words in reading order with boxes in ``image`` coordinates, text, fields.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    t0 = time.perf_counter()
    h, w = image.shape[:2]
    if is_blank(image):
        log.debug("blank page: not recognised")
        return OcrResult(
            "", [], getattr(engine, "name", ""), w, h, elapsed_ms=(time.perf_counter() - t0) * 1000
        )
    base = engine.recognize(image)
    words = normalize_punct(_drop_noise(list(base.words)))
    if simplify:
        words = simplify_words(words)
    # Registry forms run horizontally; a page of vertical columns is read as columns.
    use_grid = mode != "plain" and bool(words) and not is_vertical_layout(words)
    grid = detect_grid(image) if use_grid else Grid([])
    if grid.bands:
        words, _pieces = split_spanning(words, grid)
    if progress:
        progress(1, 3, "grid")
    if cancel is not None and cancel.is_set():
        raise OcrError("识别已取消。", "Recognition cancelled.")

    merge_combs(grid)
    free: list[OcrWord] = []
    cells = [c for b in grid.bands for c in b.cells]
    for wd in words:
        for c in cells:
            if c.contains(wd):
                c.words.append(wd)
                break
        else:
            free.append(wd)
    for c in cells:
        if c.boxes:
            read_comb(engine, image, c)

    if cells and mode == "cell":
        inset = max(3, w // 400)
        for band in grid.bands:
            for i, c in enumerate(band.cells):
                if c.boxes or _is_label_cell(c) or (i == 0 and len(band.cells) > 1 and not c.words):
                    continue
                if cancel is not None and cancel.is_set():
                    raise OcrError("识别已取消。", "Recognition cancelled.")
                crop = _crop(image, c, inset)
                if crop.size == 0:
                    continue
                sub = engine.recognize(crop)
                new = normalize_punct(_shift(list(sub.words), c.x0 + inset, c.y0 + inset))
                if simplify:
                    new = simplify_words(new)
                old_conf = min((x.conf for x in c.words), default=0.0)
                new_conf = min((x.conf for x in new), default=0.0)
                if new and (not c.words or new_conf > old_conf):
                    c.words = new
    if progress:
        progress(2, 3, "pairing")

    extracted = _extract(grid, free, today=today)
    if isinstance(engine, PosteriorEngine):
        extracted = attach_alternatives(engine, image, extracted, today=today)
    fixes = surface_corrections(extracted)
    if fixes:
        for c in cells:
            c.words = apply_corrections(c.words, fixes)
        free = apply_corrections(free, fixes)

    # Reading order: each band is one line (cells left to right); free runs by line.
    lines: list[tuple[float, list[OcrWord]]] = []
    for band in grid.bands:
        ln = [x for c in band.cells for g in group_lines(c.words) for x in g]
        if ln:
            lines.append(((band.y0 + band.y1) / 2, ln))
    if not grid.bands and is_vertical_layout(free):
        # Columns right to left; keep them in that order after the sort below.
        for k, x in enumerate(sorted(free, key=lambda x: (-(x.x + x.w / 2), x.y))):
            lines.append((float(k), [x]))
    else:
        for g in group_lines(free):
            lines.append((min(x.y + x.h / 2 for x in g), g))
    lines.sort(key=lambda t: t[0])
    ordered: list[OcrWord] = []
    texts: list[str] = []
    for i, (_y, ln) in enumerate(lines):
        ordered.extend(OcrWord(x.text, x.x, x.y, x.w, x.h, x.conf, i) for x in ln)
        texts.append(join_runs([x.text for x in ln]))

    if progress:
        progress(3, 3, "done")
    return OcrResult(
        text="\n".join(texts),
        words=ordered,
        engine=base.engine,
        width=w,
        height=h,
        fields=extracted,
        elapsed_ms=(time.perf_counter() - t0) * 1000,
    )


def attach_alternatives(
    engine: PosteriorEngine, image: np.ndarray, extracted: list[ExtractedField], *, today: date | None
) -> list[ExtractedField]:
    """Re-read name and ID values through the recogniser's frame probabilities.

    Names keep their per-character options for link-then-correct (the registry is
    finite, the options say which registered name the hand fits best).  An ID number
    written as one run (not in boxes) is decoded under the ID rules like a comb; on a
    page with several persons (a household table) the date and sex of the right row
    are not known here, so only single-person pages are decoded.  A re-read whose
    length differs from the value is not used (the options would not line up).
    """
    h, w = image.shape[:2]
    single = sum(f.name == "id_number" for f in extracted) == 1
    birth = next((f.value for f in extracted if f.name == "birth_date" and f.valid), "")
    sex = next((f.value for f in extracted if f.name == "sex" and f.valid), None)
    out: list[ExtractedField] = []
    for f in extracted:
        wanted = f.name == "name" or (f.name == "id_number" and single)
        if not wanted or f.alternatives or not f.box or not f.raw:
            out.append(f)
            continue
        x, y, bw, bh = f.box
        pad = max(2, bh // 8)
        crop = image[max(0, y - pad) : min(h, y + bh + pad), max(0, x - pad) : min(w, x + bw + pad)]
        if crop.size == 0:
            out.append(f)
            continue
        post = engine.line_posteriors(crop)
        opts = char_options(post)
        if f.name == "name":
            out.append(
                replace(f, alternatives=opts if len(opts) == len(f.value) else (), frames=frame_options(post))
            )
            continue
        digits = tuple(o for o in opts if o and o[0][0] not in _ID_EDGE_CHARS)
        if len(digits) in (15, 18):
            try:
                born = date.fromisoformat(birth) if birth else None
            except ValueError:
                born = None
            f = fx.constrained_id(f, digits, born, sex, today=today)
        out.append(f)
    return out


_ID_EDGE_CHARS = frozenset("：:;；,，.。、 ()（）日号")


_ID_RUN = re.compile(r"[0-9A-Za-z×|!]{15,19}")
Correction = tuple[tuple[int, int, int, int], str, str]


def surface_corrections(extracted: list[ExtractedField]) -> list[Correction]:
    """Text corrections the field rules are sure of, to write back into the page text.

    An ID number whose confusable letters the check digit confirmed, a household
    number with letters for digits, an ethnic group or relation read one stroke off a
    known term: the recognised words are corrected too, so search and the PDF text
    layer see what the clerk would have typed.  Returns (box, old, new) triples.
    """
    out: list[Correction] = []
    for f in extracted:
        if f.box is None or not f.raw:
            continue
        if f.name == "id_number" and f.valid and "id_repaired_confirmed" in f.reasons:
            m = _ID_RUN.search(unicodedata.normalize("NFKC", f.raw))
            if m:
                fixed = "".join(idnumber.CONFUSIONS.get(ch, ch) for ch in m.group(0))
                out.append((f.box, m.group(0), fixed.replace("x", "X").replace("×", "X")))
        elif f.name == "household_no" and f.valid and f.raw != f.value and f.value.isdigit():
            out.append((f.box, f.raw, f.value))
        elif f.name == "ethnicity" and "ethnicity_fuzzy" in f.reasons:
            surface = f.value if f.raw.endswith("族") else f.value.removesuffix("族")
            out.append((f.box, f.raw, surface))
        elif f.name == "relation" and f.valid and f.value != f.raw and len(f.value) == len(f.raw):
            out.append((f.box, f.raw, f.value))
    return out


def apply_corrections(words: list[OcrWord], fixes: list[Correction]) -> list[OcrWord]:
    out: list[OcrWord] = []
    for w in words:
        cx, cy = w.x + w.w / 2, w.y + w.h / 2
        text = w.text
        for (bx, by, bw, bh), old, new in fixes:
            if bx <= cx <= bx + bw and by <= cy <= by + bh and old and old in text:
                text = text.replace(old, new)
        out.append(w if text == w.text else OcrWord(text, w.x, w.y, w.w, w.h, w.conf, w.line))
    return out


def _value_box(cell: Cell, rest: str) -> tuple[int, int, int, int]:
    """Where ``rest`` (the value after a label in the same cell) is written.

    Why not the cell: when the rule between label and value is lost the label's cell
    runs on over the value, and re-reading the whole cell for the name's options read
    the printed label too (tuning forms: no options for 2 of 8 names in one hand).
    The value is the words after the label's own run; a run holding label and value
    together gives the value's proportional slice.
    """
    ws = sorted(cell.words, key=lambda x: x.x)
    boxes: list[tuple[int, int, int, int]] = []
    for i, wd in enumerate(ws):
        m = fx.match_label(wd.text)
        if i == 0 and m is not None:
            if m[2]:
                frac = len(m[2]) / max(1, len(wd.text))
                rx = wd.x + int(wd.w * (1 - frac))
                boxes.append((rx, wd.y, wd.x + wd.w - rx, wd.h))
            continue
        boxes.append((wd.x, wd.y, wd.w, wd.h))
    if not boxes:
        return cell.box
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def _cell_raw(key: str, cell: Cell, rest: str = "") -> fx.RawField:
    ws = cell.words
    if rest:
        return fx.RawField(key, rest, _value_box(cell, rest), min((x.conf for x in ws), default=0.0))
    text = cell.text()
    conf = min((x.conf for x in ws), default=0.0)
    box = _union(ws) or cell.box
    return fx.RawField(key, text, box, conf, cell.alternatives if key == "id_number" else ())


def _union(ws: list[OcrWord]) -> tuple[int, int, int, int] | None:
    if not ws:
        return None
    x0, y0 = min(x.x for x in ws), min(x.y for x in ws)
    return (x0, y0, max(x.x + x.w for x in ws) - x0, max(x.y + x.h for x in ws) - y0)


def _extract(grid: Grid, free: list[OcrWord], *, today: date | None) -> list[ExtractedField]:
    """Label/value pairs from the grid (form rows and header tables) plus free lines."""
    record: list[fx.RawField] = []
    table_rows: list[list[fx.RawField]] = []
    header: list[tuple[str, Cell]] | None = None
    for band in grid.bands:
        labels = [(c, fx.match_label(c.text())) for c in band.cells]
        n_labels = sum(1 for _c, m in labels if m is not None and not m[2])
        nonempty = sum(1 for c in band.cells if c.words)
        if n_labels >= 3 and n_labels >= nonempty - 1 and len(band.cells) >= 3:
            header = [(m[1] if m else "", c) for c, m in labels]
            continue
        if header is not None and n_labels == 0:
            row: list[fx.RawField] = []
            for c in band.cells:
                cx = (c.x0 + c.x1) / 2
                col = next((k for k, hc in header if hc.x0 <= cx < hc.x1), "")
                if col and c.words:
                    row.append(_cell_raw(col, c))
            if row:
                table_rows.append(row)
            continue
        header = None
        i = 0
        cells = band.cells
        while i < len(cells):
            m = labels[i][1]
            if m is None or not m[1]:
                i += 1
                continue
            _label, key, rest = m
            if rest:
                record.append(_cell_raw(key, cells[i], rest))
                i += 1
            elif i + 1 < len(cells) and labels[i + 1][1] is None:
                record.append(_cell_raw(key, cells[i + 1]))
                i += 2
            else:
                record.append(fx.RawField(key, "", None, 0.0))
                i += 1
    # Lines outside the grid (户号：… 住址：… headers, forms without rules).
    free_raws = fx.pairs_from_lines(group_lines(free))
    have = {r.key for r in record}
    record.extend(r for r in free_raws if r.key not in have)
    out: list[ExtractedField] = []
    # Empty optional cells (曾用名 left blank) are not fields.
    record = [r for r in record if r.text or r.key in {"name", "id_number"}]
    out.extend(fx.parse_record(record, today=today))
    for row in table_rows:
        out.extend(fx.parse_record(row, today=today))
    return out
