"""Per-character alternatives from a CTC recogniser's frame probabilities.

Why: the best path a recogniser returns throws away what it almost read.  For a
handwritten ``7`` read as ``1`` the ``7`` is usually still there at 0.2–0.4; the ID
decoder (:mod:`hukou_scan.domain.iddecode`) and link-then-correct need those
runner-up characters with their probabilities.

A CTC output is a sequence of frames, each a distribution over the charset plus a
blank.  The best path collapses runs of one class and drops blanks; every collapsed
run is one written character, and its alternatives are the classes' highest
probability over the run's frames.
"""

from __future__ import annotations

import numpy as np

from hukou_scan.domain.iddecode import ID_CHARS
from hukou_scan.domain.idnumber import CONFUSIONS
from hukou_scan.domain.models import Alternatives
from hukou_scan.ocr.engine import LinePosteriors

TOP_K = 5
"""Alternatives kept per character (the true character was within the first 3 on the tuning pages)."""
MIN_P = 1e-3
"""Alternatives below this probability are not kept (they would only cost storage)."""
_DIGITISH = frozenset(ID_CHARS) | frozenset(CONFUSIONS) | {"x", "×"}


def best_path(post: LinePosteriors) -> tuple[str, float, list[tuple[int, int, int]]]:
    """Greedy CTC decoding: text, mean character probability, and (class, first, last frame) per character.

    The same rule as RapidOCR's own decoder (argmax per frame, runs collapsed, blanks dropped).
    """
    idx = post.probs.argmax(axis=1)
    runs: list[tuple[int, int, int]] = []
    for t, c in enumerate(idx.tolist()):
        if runs and runs[-1][0] == c and runs[-1][2] == t - 1:
            runs[-1] = (c, runs[-1][1], t)
        else:
            runs.append((c, t, t))
    chars = [(c, a, b) for c, a, b in runs if c != 0 and c < len(post.charset)]
    text = "".join(post.charset[c] for c, _a, _b in chars)
    confs = [float(post.probs[a : b + 1, c].max()) for c, a, b in chars]
    return text, float(np.mean(confs)) if confs else 0.0, chars


def char_options(post: LinePosteriors, top_k: int = TOP_K) -> Alternatives:
    """Per character of the best path, the ``top_k`` classes by peak probability over its frames."""
    _text, _conf, chars = best_path(post)
    out: list[tuple[tuple[str, float], ...]] = []
    n = post.probs.shape[1]
    for _c, a, b in chars:
        peak = post.probs[a : b + 1, 1:].max(axis=0)
        order = np.argsort(-peak)[:top_k]
        out.append(
            tuple(
                (post.charset[k + 1], round(float(peak[k]), 4))
                for k in order.tolist()
                if k + 1 < n and peak[k] >= MIN_P
            )
        )
    return tuple(out)


def single_digit_options(post: LinePosteriors) -> tuple[tuple[str, float], ...]:
    """Options for a box holding one digit: every digit-like class by its peak probability.

    Why not :func:`char_options`: a box read as nothing or as two characters (a stroke
    of the box's rule taken for a ``1``) has no single best-path character, yet its
    digit probabilities still say which digit it most likely holds.
    """
    peak = post.probs[:, 1:].max(axis=0)
    opts = [
        (ch, round(float(peak[k - 1]), 4))
        for k, ch in enumerate(post.charset)
        if k > 0 and ch in _DIGITISH and peak[k - 1] >= MIN_P
    ]
    opts.sort(key=lambda t: -t[1])
    return tuple(opts)


FRAME_TOP_K = 4
"""Classes kept per CTC frame for re-scoring whole strings (blank included)."""


def frame_options(post: LinePosteriors, top_k: int = FRAME_TOP_K) -> Alternatives:
    """Per frame, the ``top_k`` classes above :data:`MIN_P` (``""`` for the blank).

    Why: re-reading a name against registry candidates of another length needs the
    frames themselves, not the best path's characters (:func:`iddecode.ctc_logprob`).
    A few classes per frame keep nearly all of the probability mass at a few hundred
    numbers per name.
    """
    out: list[tuple[tuple[str, float], ...]] = []
    n = len(post.charset)
    for row in post.probs:
        order = np.argsort(-row)[:top_k]
        out.append(
            tuple(
                ("" if k == 0 else post.charset[k], round(float(row[k]), 4))
                for k in order.tolist()
                if k < n and row[k] >= MIN_P
            )
        )
    return tuple(out)
