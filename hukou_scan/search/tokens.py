"""Application-side tokenisation of Chinese text for both full-text back ends.

Why hand-written: SQLite FTS5's ``unicode61`` tokenizer keeps a whole run of Chinese
as one token and its ``trigram`` tokenizer cannot match queries under three
characters; PostgreSQL's ``simple`` parser has the same problem and pg_bigm /
zhparser are not packaged here.  So we split text ourselves and hand both back ends
ready-made tokens (space-separated for FTS5, a tsvector literal for PostgreSQL), which
guarantees the two give the same answers.

Scheme (measured in ``benchmarks/bench_search.py``):

* CJK runs → their *distinct unigrams* (for 1-character queries) and their *bigrams
  in reading order*; a query of n ≥ 2 characters needs all its n-1 bigrams.  On
  PostgreSQL the bigrams keep positions and form an exact ``<->`` phrase; SQLite's
  FTS5 table is ``detail=none`` (no positions: the index is under the raw text size,
  with positions it was 2.2×), so for n ≥ 3 the service confirms the contiguous
  phrase in the page text (:func:`hukou_scan.search.highlight.contains_phrases`).
* Latin letters and digits → one lower-cased word per run, in the bigram column at its
  reading position; queries match them by prefix (ID numbers, household numbers).
* Whitespace between two CJK characters is ignored (Tesseract separates Chinese
  characters with spaces); punctuation and line breaks end a run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from operator import add

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)


def is_cjk(ch: str) -> bool:
    """A Han character (basic block, extensions A–G, compatibility ideographs)."""
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _CJK_RANGES)


@dataclass(frozen=True)
class Run:
    """A maximal piece of indexable text: ``cjk`` or ``word`` (Latin/digits)."""

    kind: str
    text: str
    start: int  # offsets into the *normalised* text (see :func:`normalize`)
    end: int


def normalize(text: str) -> str:
    """NFKC (full-width digits/letters → ASCII) and lower case; same length mapping is
    not guaranteed, so callers that need offsets into the original use :func:`normalize_with_map`."""
    return unicodedata.normalize("NFKC", text).lower()


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text plus, for each of its characters, the index in ``text`` it came from."""
    lowered = text.lower()
    if len(lowered) == len(text) and unicodedata.is_normalized("NFKC", lowered):
        return lowered, list(range(len(text)))  # the common case: one to one, no per-character work
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower() if not ch.isascii() else ch.lower()
        for c in n:
            out.append(c)
            src.append(i)
    return "".join(out), src


_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN_RE = re.compile(f"([{_CJK_CLASS}]+(?:[ \\t\u3000]+[{_CJK_CLASS}]+)*)|([0-9a-z]+)")
_SPACES_RE = re.compile("[ \t\u3000]+")


def runs(norm: str) -> Iterator[Run]:
    """Split normalised text into CJK and word runs (spaces inside CJK runs dropped)."""
    for m in _RUN_RE.finditer(norm):
        cjk, word = m.group(1), m.group(2)
        if cjk is not None:
            yield Run("cjk", _SPACES_RE.sub("", cjk), m.start(), m.end())
        else:
            yield Run("word", word, m.start(), m.end())


def index_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(unigrams, bigram_sequence)`` for a piece of text; see the module docstring.

    The hot loop of indexing, so written for speed (C-level ``dict.fromkeys`` and
    ``map(add, …)``) rather than through :func:`runs`; the tests check both agree.
    """
    uni: dict[str, None] = {}
    bi: list[str] = []
    for m in _RUN_RE.finditer(normalize(text)):
        t = m.group(1)
        if t is None:
            bi.append(m.group(2))
            continue
        if " " in t or "\t" in t or "\u3000" in t:
            t = _SPACES_RE.sub("", t)
        uni.update(dict.fromkeys(t))
        # A phrase never continues across runs: no bigram bridges two runs.
        bi.extend(map(add, t, t[1:]))
    return tuple(uni), tuple(bi)


def search_needles(text: str) -> list[str]:
    """The normalised runs of a query, used to find hits in stored text (snippets, boxes)."""
    return [r.text for r in runs(normalize(text))]
