"""Residual skew (to a few hundredths of a degree) and cardinal orientation of a page.

Why our own estimator: the open tools we measured are either coarse (``deskew``'s
Hough default, ≈0.25°), or slow at fine resolution (``deskew`` fine, ≈1.5 s/page;
an OpenCV Hough baseline, ≈0.45 s), or in between (``jdeskew``'s FFT radial
projection, ≈0.04° at ≈0.2 s).  Registry forms are made of long ruled lines and rows
of characters, which makes a projection-profile criterion very sharp: at the right
angle, ink piles up into few rows.  We evaluate that criterion on the *coordinates of
ink pixels* (not by rotating images), coarse-to-fine, with linear-interpolation
binning so the score is smooth in the angle and a parabola through the best three
samples gives sub-step precision.

Conventions: ``skew_deg`` is how far the content is rotated counter-clockwise on
screen (positive = text lines rise to the right); straighten by rotating clockwise by
that much.  ``orientation`` is how far the content is turned clockwise from upright
(0/90/180/270); straighten by turning it back counter-clockwise.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.imaging.detect import shrink

log = logging.getLogger(__name__)

F32 = NDArray[Any]


@dataclass(frozen=True)
class SkewEstimate:
    """Result of :func:`estimate_skew`.

    Attributes:
        angle_deg: content rotation, counter-clockwise positive.
        confidence: 0..1, sharpness of the best angle against the average one.
        ink_fraction: share of pixels treated as ink (0 → nothing to measure).
    """

    angle_deg: float
    confidence: float
    ink_fraction: float


def to_grey(image: NDArray[Any]) -> NDArray[Any]:
    if image.ndim == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)
    return image


def ink_mask(grey: NDArray[Any]) -> NDArray[Any]:
    """Dark strokes against the local background (adaptive threshold, robust to shading)."""
    h, w = grey.shape[:2]
    block = max(15, (min(h, w) // 40) | 1)
    return np.asarray(
        cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12), np.uint8
    )


def _clear_border(ink: NDArray[Any], margin: int) -> None:
    """Drop (in place) the ink within ``margin`` pixels of the edge: the page border, the
    desk and shadows there are not writing, and would outvote it."""
    ink[:margin, :] = 0
    ink[-margin:, :] = 0
    ink[:, :margin] = 0
    ink[:, -margin:] = 0


def _profile_score(xs: F32, ys: F32, angles_deg: NDArray[np.float64], bin_px: float) -> NDArray[np.float64]:
    """Sum of squared row counts after rotating the ink points by each angle.

    The points are projected on the direction perpendicular to text lines rotated by
    ``angle``; each projection is split linearly between its two nearest bins so that
    the score varies smoothly with the angle (needed for sub-step interpolation).
    """
    out = np.empty(len(angles_deg), np.float64)
    span = float(np.hypot(np.abs(xs).max(initial=1.0), np.abs(ys).max(initial=1.0)))
    offset = span / bin_px + 2
    nbins = int(2 * offset + 4)
    for i, a in enumerate(angles_deg):
        t = math.radians(a)
        p = ys * np.float32(math.cos(t) / bin_px) + xs * np.float32(math.sin(t) / bin_px) + np.float32(offset)
        idx = p.astype(np.int32)
        frac = p - idx
        hist = np.bincount(idx, weights=1.0 - frac, minlength=nbins + 1)
        hist[1:] += np.bincount(idx, weights=frac, minlength=nbins)[: len(hist) - 1]
        out[i] = float(hist @ hist)
    return out


def _parabola_peak(a: NDArray[np.float64], s: NDArray[np.float64]) -> float:
    k = int(np.argmax(s))
    if k == 0 or k == len(s) - 1:
        return float(a[k])
    y0, y1, y2 = s[k - 1], s[k], s[k + 1]
    den = y0 - 2 * y1 + y2
    if den >= 0:
        return float(a[k])
    step = float(a[k + 1] - a[k])
    return float(a[k] + 0.5 * (y0 - y2) / den * step)


def estimate_skew(
    image: NDArray[Any], *, max_angle: float = 15.0, work_long_side: int = 1400
) -> SkewEstimate:
    """Estimate the content's rotation (degrees, counter-clockwise positive).

    Args:
        image: page image, BGR or grey; a flat page or a perspective-corrected crop.
        max_angle: search range ± in degrees.
        work_long_side: long side of the working copy (precision vs. time).

    Returns:
        :class:`SkewEstimate`; ``angle_deg`` is 0 with confidence 0 on blank pages.
    """
    grey = to_grey(image)
    if min(grey.shape[:2]) < 16:
        return SkewEstimate(0.0, 0.0, 0.0)
    small, _ = shrink(grey, work_long_side)
    ink = ink_mask(small)
    # the page border and big dark areas are not text: drop ink touching the border
    h, w = ink.shape
    _clear_border(ink, max(2, min(h, w) // 100))
    ys_i, xs_i = np.nonzero(ink)
    n = len(xs_i)
    frac = n / float(h * w)
    if n < 200:
        return SkewEstimate(0.0, 0.0, frac)
    xs = xs_i.astype(np.float32) - np.float32(w / 2)
    ys = ys_i.astype(np.float32) - np.float32(h / 2)
    rng = np.random.default_rng(0)
    # coarse: 0.5° steps on ≤ 12k points, bins of ~6 px (peak wide enough not to be stepped over)
    sub = rng.choice(n, size=min(n, 12000), replace=False) if n > 12000 else np.arange(n)
    a0 = np.arange(-max_angle, max_angle + 1e-9, 0.5)
    s0 = _profile_score(xs[sub], ys[sub], a0, bin_px=max(2.0, w / 250))
    best = _parabola_peak(a0, s0)
    conf = float(1.0 - np.median(s0) / s0.max()) if s0.max() > 0 else 0.0
    # medium: 0.1° steps ±0.6° on ≤ 40k points, 2 px bins
    sub = rng.choice(n, size=min(n, 40000), replace=False) if n > 40000 else np.arange(n)
    a1 = best + np.arange(-0.6, 0.6 + 1e-9, 0.1)
    best = _parabola_peak(a1, _profile_score(xs[sub], ys[sub], a1, bin_px=2.0))
    # fine: 0.02° steps ±0.1° on all points (≤ 150k), 1 px bins
    sub = rng.choice(n, size=min(n, 150000), replace=False) if n > 150000 else np.arange(n)
    a2 = best + np.arange(-0.1, 0.1 + 1e-9, 0.02)
    best = _parabola_peak(a2, _profile_score(xs[sub], ys[sub], a2, bin_px=1.0))
    return SkewEstimate(float(np.clip(best, -max_angle, max_angle)), conf, frac)


def rotate_bound(
    image: NDArray[Any], angle_deg: float, border: tuple[int, ...] | None = None
) -> NDArray[Any]:
    """Rotate by ``angle_deg`` counter-clockwise, growing the canvas so nothing is cut."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = math.ceil(h * s + w * c), math.ceil(h * c + w * s)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    if border is None:
        return np.asarray(
            cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        )
    return np.asarray(
        cv2.warpAffine(
            image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
        )
    )


def rotate_cardinal(image: NDArray[Any], orientation: int) -> NDArray[Any]:
    """Undo a clockwise content rotation of 0/90/180/270° (turn counter-clockwise)."""
    o = orientation % 360
    if o == 0:
        return image
    code = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}[o]
    return np.asarray(cv2.rotate(image, code), np.uint8)


@dataclass(frozen=True)
class OrientationEstimate:
    """Cardinal orientation: ``orientation`` is the clockwise turn of the content."""

    orientation: int
    confidence: float
    scores: dict[str, float]


def _line_direction_score(ink: NDArray[Any]) -> tuple[float, float]:
    """How strongly ink forms horizontal vs. vertical lines (normalised profile variance)."""
    rows = ink.sum(axis=1).astype(np.float64)
    cols = ink.sum(axis=0).astype(np.float64)

    # smooth a little so single rules do not dominate; compare coefficient of variation
    def cv_(v: NDArray[np.float64]) -> float:
        k = max(1, len(v) // 300)
        if k > 1:
            v = np.convolve(v, np.ones(k) / k, mode="same")
        mu = v.mean()
        return float(v.std() / mu) if mu > 0 else 0.0

    return cv_(rows), cv_(cols)


def _upright_score(ink: NDArray[Any]) -> float:
    """Positive when the content looks upright rather than upside down.

    Two cues about where ink sits: (1) in Latin script the dense x-height band of each
    text line has more ascenders above it than descenders below it; (2) pages start at
    the top (titles, headers) and often end part-way down, which also holds for the
    Chinese forms whose square characters carry no ascender cue.
    """
    h, _w = ink.shape
    rows = ink.sum(axis=1).astype(np.float64)
    if rows.sum() == 0:
        return 0.0
    on = rows > max(1.0, 0.02 * rows.max())
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    starts = np.nonzero(edges == 1)[0]
    ends = np.nonzero(edges == -1)[0]
    asym: list[float] = []
    weights: list[float] = []
    for s, e in zip(starts, ends, strict=True):
        if e - s < 4 or e - s > h // 8:
            continue
        seg = rows[s:e]
        core = np.nonzero(seg >= 0.5 * seg.max())[0]
        asc = float(seg[: core[0]].sum())
        desc = float(seg[core[-1] + 1 :].sum())
        if asc + desc <= 0:
            continue
        asym.append((asc - desc) / (asc + desc))
        weights.append(float(seg.sum()))
    line_cue = float(np.average(asym, weights=weights)) if asym else 0.0
    ys = np.arange(h, dtype=np.float64)
    com_page = float((rows * ys).sum() / rows.sum()) / h
    page_cue = 0.5 - com_page
    return float(line_cue + page_cue)


def _drop_rules(ink: NDArray[Any]) -> NDArray[Any]:
    """Remove the ruled lines of forms and tables, keeping text strokes.

    Rules are symmetric (a grid reads the same in every orientation) and, being the
    densest rows, they fool the per-line ascender cue; long thin runs are found by
    opening with a long horizontal and a long vertical kernel.
    """
    h, w = ink.shape
    kh = cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, w // 20), 1))
    kv = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, h // 20)))
    rules = cv2.bitwise_or(
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, kh), cv2.morphologyEx(ink, cv2.MORPH_OPEN, kv)
    )
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    return np.asarray(cv2.bitwise_and(ink, cv2.bitwise_not(rules * 255) // 255), np.uint8)


def estimate_orientation(
    image: NDArray[Any], *, work_long_side: int = 1000, vertical_writing_ok: bool = True
) -> OrientationEstimate:
    """Guess whether the content is turned 0, 90, 180 or 270° clockwise.

    Text lines run along the page (horizontal profile sharper than vertical); then the
    up/down cue decides between the two remaining candidates.  Low confidence means
    "keep 0" is the safe answer (the pipeline only turns pages when confident).
    With ``vertical_writing_ok`` a portrait image whose lines run vertically is taken
    as vertical writing and left alone.
    """
    grey = to_grey(image)
    if min(grey.shape[:2]) < 16:
        return OrientationEstimate(0, 0.0, {})
    small, _ = shrink(grey, work_long_side)
    ink = ink_mask(small)
    h, w = ink.shape
    _clear_border(ink, max(2, min(h, w) // 50))
    ink = _drop_rules(ink)
    if ink.sum() < 200:
        return OrientationEstimate(0, 0.0, {"ink": float(ink.mean())})
    hr, vr = _line_direction_score(ink)
    horizontal = hr >= vr
    if not horizontal and h >= w and vertical_writing_ok:
        # vertical lines on an upright (portrait) sheet: vertical writing (竖排), not a
        # sideways page — a sideways portrait sheet would show up as landscape
        return OrientationEstimate(0, 0.0, {"rows_cv": hr, "cols_cv": vr, "vertical_writing": 1.0})
    base = ink if horizontal else np.ascontiguousarray(np.rot90(ink, 1))  # rot90 k=1 turns CCW
    up = _upright_score(base)
    if horizontal:
        orientation = 0 if up >= 0 else 180
    else:
        # after turning CCW by 90°, upright means the content was turned 90° clockwise
        orientation = 90 if up >= 0 else 270
    dir_conf = min(1.0, 2 * abs(hr - vr) / max(hr, vr, 1e-9))
    up_conf = min(1.0, abs(up) * 10)
    if horizontal:
        # flipping an upright page by 180° is the costly mistake (real receipts, two-column
        # papers and handwriting gave up-cues down to −0.2 while upright, and a real camera
        # photo −0.26 after a sub-pixel change of its crop): only a strong cue counts; a
        # missed flip costs the clerk one key press
        conf = dir_conf * float(np.clip((abs(up) - 0.25) / 0.2, 0.0, 1.0)) if up < 0 else dir_conf * up_conf
    else:
        # lines run vertically: a quarter turn is certainly needed; the up/down cue
        # only picks 90 vs 270, so a clear axis alone is enough to act on
        conf = dir_conf * max(0.5, up_conf)
    conf = float(conf)
    return OrientationEstimate(orientation, conf, {"rows_cv": hr, "cols_cv": vr, "upright": up})
