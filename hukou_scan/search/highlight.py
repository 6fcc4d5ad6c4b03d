"""Where the hits are: snippets around them in the text, boxes around them on the image.

Both work on normalised text (:func:`hukou_scan.search.tokens.normalize_with_map`) with
whitespace between CJK characters ignored, exactly like the index, so anything the
index matched can be found again here and mapped back to original offsets or to the
stored OCR word boxes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from hukou_scan.domain.models import OcrWord
from hukou_scan.domain.search import HitBox
from hukou_scan.search.tokens import normalize, normalize_with_map

_WS_RE = re.compile("[ \t\u3000\n\r]+")
_NONWS_RE = re.compile("[^ \t\u3000\n\r]+")


class _Compact:
    """Normalised text without whitespace, mapping its offsets back to the original.

    Built from whole non-whitespace segments (C-level slicing and joining) and mapped
    lazily by bisection: snippets are made for every result row, so per-character
    Python loops over ~400-character pages were most of a search's time.
    """

    __slots__ = ("_cum", "_seg", "_src", "text")

    def __init__(self, text: str) -> None:
        norm, src = normalize_with_map(text)
        segs = [(m.start(), m.end()) for m in _NONWS_RE.finditer(norm)]
        self.text = "".join(norm[a:b] for a, b in segs)
        cum: list[int] = []
        total = 0
        for a, b in segs:
            cum.append(total)
            total += b - a
        self._cum = cum
        self._seg = [a for a, _b in segs]
        self._src = src

    def source(self, pos: int) -> int:
        """Index in the original text of the compact text's character ``pos``."""
        k = bisect_right(self._cum, pos) - 1
        return self._src[self._seg[k] + pos - self._cum[k]]


def find_spans(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` ranges in ``text`` where any needle occurs, sorted."""
    compact = _Compact(text)
    spans: list[tuple[int, int]] = []
    for needle in needles:
        n = _WS_RE.sub("", needle)
        if not n:
            continue
        start = compact.text.find(n)
        while start >= 0:
            spans.append((compact.source(start), compact.source(start + len(n) - 1) + 1))
            start = compact.text.find(n, start + len(n))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def contains_phrases(text: str, phrases: Sequence[str]) -> bool:
    """Whether every phrase occurs in ``text`` (normalised, whitespace ignored, as indexed)."""
    compact = _WS_RE.sub("", normalize(text))
    return all(p in compact for p in phrases)


def snippet(
    text: str, needles: Sequence[str], width: int = 60, display: str | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """A one-line excerpt of about ``width`` characters around the first hit.

    Returns the excerpt and the hit ranges inside it (for bold/highlight rendering).
    Without a hit in the text (a metadata match) it is the start of the text.
    ``display``: the same text as the reader may see it, character for character (ID
    numbers masked over the WHOLE text): hits are found in ``text``, the excerpt is cut
    from ``display``.  Why: masking the excerpt after cutting missed a number the cut
    had split, and showed 13 of its digits.
    """
    shown = text if display is None or len(display) != len(text) else display
    spans = find_spans(text, needles)
    if not spans:
        head = " ".join(shown.split())[:width]
        return head + ("…" if len(text) > width else ""), []
    first_s, first_e = spans[0]
    lead = max(0, (width - (first_e - first_s)) // 3)
    start = max(0, first_s - lead)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    piece = shown[start:end]
    out: list[str] = []
    mapping: list[int] = []  # for each kept char, its offset in ``piece``
    prev_space = False
    for i, c in enumerate(piece):
        if c in "\n\r\t":
            c = " "
        if c == " " and prev_space:
            continue
        prev_space = c == " "
        out.append(c)
        mapping.append(i)
    line = "".join(out)
    inner: list[tuple[int, int]] = []
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s2, e2 = max(s, start) - start, min(e, end) - start
        a = next((k for k, m in enumerate(mapping) if m >= s2), len(mapping))
        b = next((k for k, m in enumerate(mapping) if m >= e2), len(mapping))
        if b > a:
            inner.append((a, b))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return prefix + line + suffix, [(a + shift, b + shift) for a, b in inner]


def hit_boxes(words: Sequence[OcrWord], needles: Sequence[str]) -> list[HitBox]:
    """Boxes to outline for every occurrence of every needle in the OCR words.

    The words are concatenated in stored order (whitespace ignored), needles are found
    in that string, and each occurrence becomes the part of every word it covers.  A
    word holding more than the hit (a whole line from some engines) gets a box cut to
    the hit's share of its width, which is exact for the even character pitch of
    printed CJK forms.
    """
    chars: list[str] = []
    owner: list[tuple[int, int, int]] = []  # (word index, char index in word's compact text, its length)
    compacts: list[str] = []
    for wi, w in enumerate(words):
        c = _Compact(w.text).text
        compacts.append(c)
        for ci, ch in enumerate(c):
            chars.append(ch)
            owner.append((wi, ci, len(c)))
    joined = "".join(chars)
    boxes: list[HitBox] = []
    for needle in needles:
        n = _WS_RE.sub("", needle)
        if not n:
            continue
        pos = joined.find(n)
        while pos >= 0:
            per_word: dict[int, list[int]] = {}
            for k in range(pos, pos + len(n)):
                wi, ci, _ = owner[k]
                per_word.setdefault(wi, []).append(ci)
            for wi, cis in per_word.items():
                w = words[wi]
                total = len(compacts[wi])
                first, last = min(cis), max(cis) + 1
                if first == 0 and last == total:
                    boxes.append(HitBox(w.x, w.y, w.w, w.h, w.text))
                else:
                    x0 = w.x + round(w.w * first / total)
                    x1 = w.x + round(w.w * last / total)
                    boxes.append(HitBox(x0, w.y, max(1, x1 - x0), w.h, compacts[wi][first:last]))
            pos = joined.find(n, pos + len(n))
    return boxes
