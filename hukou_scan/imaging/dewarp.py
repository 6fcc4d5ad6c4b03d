"""Curved-page flattening (曲面展平) for bound pages and book spreads.

A bound 户口底册 page photographed open does not lie flat: it rises from the spine and
falls back to the desk, so after the page quad is rectified its text lines and ruled
lines bow, most strongly near the gutter.  We model the remaining distortion of the
rectified master as a smooth *sheet*:

    y_image(x, y) = y_flat + H · [T(x) · (1 − t) + B(x) · t],   t = y / H

``T`` and ``B`` are the vertical displacement of the top and bottom rows, sampled at
``knots`` columns (piecewise linear, smoothed by a second-difference penalty).  The
displacement is linear in the height because a raised strip of paper is magnified
about the camera's centre: its top moves up and its bottom down, while the middle
barely moves.  The cues that pin the sheet down:

* **ruled form lines** (户籍 forms are ruled: long thin horizontal strokes, precise);
* **text lines** (characters smeared into line blobs; their ink centroid per column);
* the **page outline** top and bottom, where the desk shows above/below the paper.

Every cue is a curve ``y_i(x)`` whose flat row ``c_i`` is unknown; ``c_i`` and the
sheet are solved together by one regularised linear least-squares fit (with one
robust re-weighting).  Columns are then resampled along the arc length of the
surface implied by the magnification ``1 + B − T`` (text near the spine is
foreshortened), and the master is remapped once.

A page whose fitted sheet has no curvature beyond a few pixels (after removing the
straight part a deskew would explain) is reported as flat and returned untouched, so
flat pages never pay a resampling.  The fitted knots are returned as
:class:`DewarpParams`, recorded with the page and re-applicable to the same master
with :func:`apply_dewarp` (the derivative is a pure function of original + params).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.imaging.deskew import ink_mask, to_grey

log = logging.getLogger(__name__)

U8 = NDArray[Any]
F64 = NDArray[np.float64]

KNOTS = 17  # sheet resolution across the page (every 1/16 of the width)
WORK_SIDE = 1100  # long side of the copy the cues are measured on
CAMERA_HEIGHT = 1.6  # assumed camera distance in page heights (arc-length model only)
SMOOTH = 0.5  # second-difference penalty (relative to the data term)
NOISE_FACTOR = 3.0  # a bow below this many residual RMS is fitting noise, not paper
RIDGE = 0.02  # small pull of the sheet towards zero: fixes the gauge against the flat rows


@dataclass(frozen=True)
class DewarpParams:
    """The fitted sheet of one page (resolution independent: fractions of width/height).

    Attributes:
        applied: the page was remapped (False: flat, too few cues, or switched off).
        reason: why not applied (``flat``, ``few_lines``, ``off``, ``small``) or ``curved``.
        top / bottom: vertical displacement of the top / bottom row at each knot, in page heights.
        xmap: source column (fraction of width) for each knot's output column (arc length).
        curvature_px: largest bow of the sheet after removing its straight part (master px).
        lines: number of cue curves (ruled + text + outline) the fit used.
        residual_px: RMS distance of the cues from the fitted sheet (master px).
    """

    applied: bool = False
    reason: str = "off"
    top: tuple[float, ...] = ()
    bottom: tuple[float, ...] = ()
    xmap: tuple[float, ...] = ()
    curvature_px: float = 0.0
    lines: int = 0
    residual_px: float = 0.0
    cues: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "reason": self.reason,
            "top": [round(v, 6) for v in self.top],
            "bottom": [round(v, 6) for v in self.bottom],
            "xmap": [round(v, 6) for v in self.xmap],
            "curvature_px": round(self.curvature_px, 2),
            "lines": self.lines,
            "residual_px": round(self.residual_px, 2),
            "cues": dict(self.cues),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> DewarpParams:
        if not d:
            return cls()
        return cls(
            applied=bool(d.get("applied", False)),
            reason=str(d.get("reason", "off")),
            top=tuple(float(v) for v in d.get("top", ())),
            bottom=tuple(float(v) for v in d.get("bottom", ())),
            xmap=tuple(float(v) for v in d.get("xmap", ())),
            curvature_px=float(d.get("curvature_px", 0.0)),
            lines=int(d.get("lines", 0)),
            residual_px=float(d.get("residual_px", 0.0)),
            cues={str(k): int(v) for k, v in dict(d.get("cues", {})).items()},
        )


@dataclass
class _Cues:
    """Sampled cue curves on the working copy: per sample the curve id, x, y and weight."""

    curve: list[NDArray[Any]] = field(default_factory=list)
    x: list[NDArray[Any]] = field(default_factory=list)
    y: list[NDArray[Any]] = field(default_factory=list)
    w: list[NDArray[Any]] = field(default_factory=list)
    n: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, xs: NDArray[Any], ys: NDArray[Any], weight: float) -> None:
        self.curve.append(np.full(len(xs), self.n, np.int64))
        self.x.append(xs.astype(np.float64))
        self.y.append(ys.astype(np.float64))
        self.w.append(np.full(len(xs), weight, np.float64))
        self.n += 1
        self.counts[kind] = self.counts.get(kind, 0) + 1


def _sample_components(
    labels: NDArray[Any], pixels: NDArray[Any], keep: NDArray[Any], bin_w: int, min_bins: int
) -> list[tuple[NDArray[Any], NDArray[Any]]]:
    """Mean y of ``pixels`` per (component, column bin) for the components in ``keep``."""
    ys, xs = np.nonzero(pixels)
    lab = labels[ys, xs]
    ok = keep[lab]
    ys, xs, lab = ys[ok], xs[ok], lab[ok]
    if lab.size == 0:
        return []
    nb = labels.shape[1] // bin_w + 1
    key = lab.astype(np.int64) * nb + xs // bin_w
    cnt = np.bincount(key)
    sy = np.bincount(key, weights=ys.astype(np.float64))
    sx = np.bincount(key, weights=xs.astype(np.float64))
    present = np.nonzero(cnt >= 2)[0]
    comp = present // nb
    out = []
    order = np.argsort(comp, kind="stable")
    present, comp = present[order], comp[order]
    splits = np.nonzero(np.diff(comp))[0] + 1
    for grp in np.split(present, splits):
        if len(grp) >= min_bins:
            out.append((sx[grp] / cnt[grp], sy[grp] / cnt[grp]))
    return out


def _collect_cues(grey: U8) -> _Cues:
    """Ruled lines, text lines and the page outline of the working copy as sampled curves."""
    h, w = grey.shape
    cues = _Cues()
    ink = ink_mask(grey)
    # ruled lines: long horizontal strokes (a vertical 3 px closing first, so a bowed line
    # does not break into pieces where it steps by one row)
    thick = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3)))
    run = max(15, w // 35)
    horiz = cv2.morphologyEx(thick, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    vert = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, h // 30)))
    )
    _, lab, st, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    bin_w = max(4, w // 90)
    keep = (st[:, cv2.CC_STAT_WIDTH] >= 0.12 * w) & (st[:, cv2.CC_STAT_HEIGHT] <= 0.08 * h)
    keep[0] = False
    for xs, ys in _sample_components(lab, horiz, keep, bin_w, 4):
        cues.add("ruled", xs, ys, 2.0)
    # text lines: ink without the rules, characters smeared along the line
    rules = np.maximum(np.asarray(horiz, np.uint8), np.asarray(vert, np.uint8))
    text = np.where(rules > 0, 0, ink).astype(np.uint8)
    _, lab, st, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    hs = st[1:, cv2.CC_STAT_HEIGHT]
    ws = st[1:, cv2.CC_STAT_WIDTH]
    sizeable = (hs >= 3) & (ws >= 2) & (hs < h // 10)
    if sizeable.sum() >= 10:
        char_h = float(np.median(hs[sizeable]))
        k = max(3, round(char_h * 1.1))
        blobs = cv2.morphologyEx(text, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
        _, lab, st, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
        bw, bh = st[:, cv2.CC_STAT_WIDTH], st[:, cv2.CC_STAT_HEIGHT]
        keep = (
            (bw >= 3 * bh) & (bw >= max(4 * char_h, 0.05 * w)) & (bh <= 2.2 * char_h) & (bh >= 0.5 * char_h)
        )
        keep[0] = False
        tbin = max(bin_w, round(char_h * 1.5))
        for xs, ys in _sample_components(lab, text, keep, tbin, 3):
            cues.add("text", xs, ys, 1.0)
    _outline_cues(grey, cues, bin_w)
    return cues


def _outline_cues(grey: U8, cues: _Cues, bin_w: int) -> None:
    """Top and bottom page edge where desk shows inside the rectified rectangle."""
    h, w = grey.shape
    band = max(4, h // 12)
    centre = grey[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    paper_level = float(np.percentile(centre, 90)) if centre.size else 255.0
    paper = (cv2.blur(grey, (5, 5)) > 0.72 * paper_level).astype(np.uint8)
    xs = np.arange(bin_w // 2, w, bin_w)
    for kind, rows in (("top", paper[:band]), ("bottom", paper[h - band :][::-1])):
        cols = rows[:, xs]
        first = np.argmax(cols > 0, axis=0)  # first paper row from the outer edge
        has = cols.any(axis=0)
        # an edge only where desk shows first and paper then stays (no text dips)
        valid = has & (first > 0) & (first < band - 2)
        if valid.sum() < 0.3 * len(xs):
            continue
        ys = first.astype(np.float64) - 0.5
        if kind == "bottom":
            ys = (h - 1) - ys
        cues.add("outline", xs[valid].astype(np.float64), ys[valid], 1.5)


def _hat_basis(xn: NDArray[Any], knots: int) -> NDArray[Any]:
    """Piecewise-linear interpolation weights of ``xn`` (0..1) on ``knots`` equally spaced knots."""
    pos = np.clip(xn, 0.0, 1.0) * (knots - 1)
    i0 = np.minimum(np.floor(pos).astype(np.int64), knots - 2)
    f = pos - i0
    basis = np.zeros((len(xn), knots))
    rows = np.arange(len(xn))
    basis[rows, i0] = 1.0 - f
    basis[rows, i0 + 1] = f
    return basis


def _fit(cues: _Cues, w: int, h: int, knots: int) -> tuple[F64, F64, float]:
    """Solve flat rows and the sheet's top/bottom knots; returns (T, B, rms residual in px).

    The unknowns are one flat row per curve plus ``2·knots`` sheet values; the flat rows
    enter each sample through a one-hot column, so they are eliminated in closed form
    (Schur complement) and only a small ``2·knots`` system is solved.
    """
    cid = np.concatenate(cues.curve)
    x = np.concatenate(cues.x) / w
    y = np.concatenate(cues.y) / h
    wt = np.concatenate(cues.w)
    nc = cues.n
    basis = _hat_basis(x, knots)
    sheet = np.hstack([basis * (1.0 - y)[:, None], basis * y[:, None]])
    # smoothness (second differences) and a small ridge that fixes the gauge
    d2 = np.zeros((knots - 2, knots))
    for i in range(knots - 2):
        d2[i, i : i + 3] = (1.0, -2.0, 1.0)
    lam = SMOOTH * np.sqrt(len(x) / knots)
    reg = np.zeros((2 * (knots - 2) + 2 * knots, 2 * knots))
    reg[: knots - 2, :knots] = lam * d2
    reg[knots - 2 : 2 * (knots - 2), knots:] = lam * d2
    reg[2 * (knots - 2) :, :] = RIDGE * lam * np.eye(2 * knots)
    rtr = reg.T @ reg
    weights = wt.copy()
    s: NDArray[Any] = np.zeros(2 * knots)
    c: NDArray[Any] = np.zeros(nc)
    for _ in range(2):
        dsum = np.maximum(np.bincount(cid, weights=weights, minlength=nc), 1e-12)
        g = np.zeros((nc, 2 * knots))
        np.add.at(g, cid, weights[:, None] * sheet)
        yw = np.bincount(cid, weights=weights * y, minlength=nc)
        m = sheet.T @ (weights[:, None] * sheet) + rtr - g.T @ (g / dsum[:, None])
        rhs = sheet.T @ (weights * y) - g.T @ (yw / dsum)
        s = np.linalg.solve(m, rhs)
        c = (yw - g @ s) / dsum
        res = (c[cid] + sheet @ s - y) * h
        mad = float(np.median(np.abs(res))) + 0.3
        weights = wt * (np.abs(res) < 3.0 * 1.4826 * mad)  # drop mis-grouped samples
    res = (c[cid] + sheet @ s - y) * h
    rms = float(np.sqrt(np.average(res**2, weights=np.maximum(weights, 1e-9))))
    return s[:knots], s[knots:], rms


def _bow_px(top: F64, bottom: F64, height: float) -> float:
    """Largest deviation of the sheet from its best straight (skew-like) part, in px."""
    xk = np.linspace(0.0, 1.0, len(top))
    worst = 0.0
    for t in (0.1, 0.5, 0.9):
        d = (top * (1 - t) + bottom * t) * height
        lin = np.polyval(np.polyfit(xk, d, 1), xk)
        worst = max(worst, float(np.abs(d - lin).max()))
    return worst


def _arc_xmap(top: F64, bottom: F64) -> F64:
    """Source column for each knot's output column so that columns follow the arc length.

    The sheet magnifies a strip by ``1 + B − T``; with the camera ``CAMERA_HEIGHT`` page
    heights away that gives the strip's height above the lowest strip, whose slope
    lengthens the paper there.  Output columns are spaced evenly in arc length.
    """
    knots = len(top)
    mag = 1.0 + bottom - top
    mag = np.maximum(mag, 0.5)
    z = CAMERA_HEIGHT * (1.0 - mag.min() / mag)  # page heights
    xk = np.linspace(0.0, 1.0, knots)
    # width of a knot interval in page heights is unknown here; use the A-series aspect
    dx = np.diff(xk) * (1.0 / np.sqrt(2.0))
    ds = np.sqrt(dx**2 + np.diff(z) ** 2)
    s = np.concatenate([[0.0], np.cumsum(ds)])
    s /= s[-1]
    return np.asarray(np.interp(xk, s, xk), np.float64)


def estimate_dewarp(
    image: U8, *, min_curvature_frac: float = 0.0025, min_lines: int = 4, knots: int = KNOTS
) -> DewarpParams:
    """Fit the sheet of a rectified page; ``applied`` is False when the page is flat.

    Args:
        image: the rectified master (BGR or grey), upright as the text reads.
        min_curvature_frac: smallest bow (fraction of the page height) worth a resampling;
            the default (≈ 9 px on an A4 master at 300 dpi) is well above the wobble that
            fitting a flat page's lines leaves and below what a bound page bends; the bow
            must also exceed ``NOISE_FACTOR`` × the fit's RMS residual.
        min_lines: fewer cue curves than this: no reliable model, leave the page alone.
        knots: sheet resolution across the page.
    """
    grey = to_grey(image)
    h, w = grey.shape[:2]
    if w < 64 or h < 64:
        return DewarpParams(False, "small")
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = (
        np.asarray(
            cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA), np.uint8
        )
        if scale < 1.0
        else grey
    )
    sh, sw = small.shape
    cues = _collect_cues(small)
    if cues.n < min_lines:
        return DewarpParams(False, "few_lines", lines=cues.n, cues=cues.counts)
    top, bottom, rms = _fit(cues, sw, sh, knots)
    bow = _bow_px(top, bottom, float(h))
    # worth a resampling only when the bow is clearly above what fitting noise can make
    curved = bow >= min_curvature_frac * h and bow >= NOISE_FACTOR * rms / scale
    xmap = _arc_xmap(top, bottom) if curved else np.linspace(0.0, 1.0, knots)
    params = DewarpParams(
        applied=bool(curved),
        reason="curved" if curved else "flat",
        top=tuple(float(v) for v in top),
        bottom=tuple(float(v) for v in bottom),
        xmap=tuple(float(v) for v in xmap),
        curvature_px=bow,
        lines=cues.n,
        residual_px=rms / scale,
        cues=cues.counts,
    )
    log.debug(
        "dewarp: %s bow=%.1f px lines=%d rms=%.2f px cues=%s",
        params.reason,
        bow,
        cues.n,
        rms / scale,
        cues.counts,
    )
    return params


def apply_dewarp(image: U8, params: DewarpParams) -> U8:
    """Remap ``image`` to the flat page described by ``params`` (unchanged when not applied).

    The sheet is linear in the row, so the source row has a closed form per column,
    ``y_src = (y + H·T) / (1 + T − B)``; the maps are one outer product, one ``remap``.
    """
    if not params.applied or len(params.top) < 2:
        return image
    h, w = image.shape[:2]
    knots = len(params.top)
    top, bottom = np.asarray(params.top), np.asarray(params.bottom)
    xmap = np.asarray(params.xmap) if len(params.xmap) == knots else np.linspace(0.0, 1.0, knots)
    xk = np.linspace(0.0, 1.0, knots)
    xo = (np.arange(w, dtype=np.float64) + 0.5) / w
    src_xn = np.interp(xo, xk, xmap)  # arc length → source column (fraction)
    basis = _hat_basis(src_xn, knots)
    tx, bx = basis @ top, basis @ bottom
    gain = 1.0 / np.maximum(1.0 + tx - bx, 0.2)
    yv = (np.arange(h, dtype=np.float32) + 0.5)[:, None]
    map_y = (yv + (h * tx).astype(np.float32)[None, :]) * gain.astype(np.float32)[None, :] - np.float32(0.5)
    map_x = np.broadcast_to((src_xn * w - 0.5).astype(np.float32)[None, :], (h, w))
    out = cv2.remap(
        image, np.ascontiguousarray(map_x), map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(out, np.uint8)


def dewarp_page(image: U8, **kwargs: Any) -> tuple[U8, DewarpParams]:
    """Estimate and apply in one call: the flattened page (or ``image`` itself) and its params."""
    params = estimate_dewarp(image, **kwargs)
    return apply_dewarp(image, params), params


__all__ = ["DewarpParams", "apply_dewarp", "dewarp_page", "estimate_dewarp"]
