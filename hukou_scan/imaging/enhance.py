"""Derivatives for OCR and export: illumination flattening, background whitening, grey/bitonal.

DA/T 31-2017 asks for a colour preservation master that is untouched apart from
crop, perspective and deskew (stains, water marks and binding holes are part of the
record), and allows cleaned derivatives for use.  The master therefore never passes
through this module; the derivatives do.

Method (why not a library): camera light falls off towards the page edges and
has hot spots; text is thin and dark on a bright, slowly varying paper.  A grey
*closing* on a downscaled copy removes strokes and leaves the paper, which after a
blur is the illumination × paper colour.  Dividing by it flattens the light and
turns the paper white while keeping the ratio ink/paper, so faded ink keeps its
contrast (a global threshold or a plain levels stretch would lose it where the light
is dim).  Division per colour channel keeps red seals red.  The bitonal version
thresholds the flattened grey at a fixed fraction of white, which is what a
well-lit scanner would have seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.imaging.detect import shrink

U8 = NDArray[Any]


@dataclass(frozen=True)
class EnhanceParams:
    """Recorded with every page so a derivative can be remade exactly.

    Attributes:
        mode: "grey" (default, keeps faded strokes as grey levels), "bitonal" or "colour".
        white: flattened level that becomes pure white (paper and light fibre noise).
        black_pct: percentile of ink mapped to black (stretches faded ink).
        gamma: >1 darkens mid-tones, strengthening faint handwriting.
        threshold: bitonal cut as a fraction of white.
        stroke_mm: the largest stroke width removed when estimating the paper (mm).
    """

    mode: str = "grey"
    white: float = 0.9
    black_pct: float = 0.5
    gamma: float = 1.3
    threshold: float = 0.68
    stroke_mm: float = 2.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "white": self.white,
            "black_pct": self.black_pct,
            "gamma": self.gamma,
            "threshold": self.threshold,
            "stroke_mm": self.stroke_mm,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> EnhanceParams:
        d = d or {}
        return cls(
            mode=str(d.get("mode", "grey")),
            white=float(d.get("white", 0.9)),
            black_pct=float(d.get("black_pct", 0.5)),
            gamma=float(d.get("gamma", 1.3)),
            threshold=float(d.get("threshold", 0.68)),
            stroke_mm=float(d.get("stroke_mm", 2.0)),
        )


@dataclass
class Enhanced:
    image: U8
    params: EnhanceParams
    stats: dict[str, float] = field(default_factory=dict)


def background(image: U8, dpi: float = 300.0, stroke_mm: float = 2.0, *, src: U8 | None = None) -> U8:
    """Paper colour × illumination at every pixel (same shape as ``image``).

    Args:
        src: an already reduced copy of ``image`` (same channels) to start from, so
            the caller's pyramid is reused instead of shrinking 8 MP again.
    """
    h, w = image.shape[:2]
    small, _ = shrink(src if src is not None else image, 400)
    scale = small.shape[1] / w
    k = max(3, round(stroke_mm / 25.4 * dpi * scale) * 2 + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    bg = cv2.GaussianBlur(bg, (0, 0), k)
    return np.asarray(cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR), np.uint8)


def flatten(image: U8, dpi: float = 300.0, params: EnhanceParams | None = None) -> NDArray[Any]:
    """Image divided by its background: paper ≈ 1.0, ink < 1 (float32, same channels)."""
    p = params or EnhanceParams()
    bg = background(image, dpi, p.stroke_mm)
    return np.asarray(
        cv2.divide(image.astype(np.float32), np.maximum(bg.astype(np.float32), 8.0)), np.float32
    )


def flatten_u8(image: U8, dpi: float, params: EnhanceParams, *, src: U8 | None = None) -> U8:
    """Like :func:`flatten` in 8 bits, scaled so that ``params.white`` × paper → 255 (saturating)."""
    bg = np.maximum(background(image, dpi, params.stroke_mm, src=src), 8)
    return np.asarray(cv2.divide(image, bg, scale=255.0 / params.white), np.uint8)


def percentile_u8(image: U8, pct: float) -> int:
    """Percentile of an 8-bit image from its histogram (much faster than a sort)."""
    hist = cv2.calcHist([image.reshape(image.shape[0], -1)], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    return int(np.searchsorted(cum, cum[-1] * pct / 100.0))


def tone_lut(black: int, gamma: float) -> U8:
    """Levels (``black`` → 0, 255 → 255) and gamma as a lookup table."""
    x = np.clip((np.arange(256, dtype=np.float64) - black) / max(255 - black, 1), 0, 1) ** gamma
    return np.asarray(np.round(x * 255), np.uint8)


def enhance(
    master_bgr: U8, dpi: float = 300.0, params: EnhanceParams | None = None, *, reduced: U8 | None = None
) -> Enhanced:
    """Make the OCR/export derivative of a processed master.

    Args:
        master_bgr: the geometric master (colour, BGR).
        dpi: its resolution (sets the size of strokes to ignore).
        params: mode and tone parameters (recorded in the page's process metadata).
        reduced: optional smaller copy of the master (BGR) to estimate the paper from.
    """
    p = params or EnhanceParams()
    if p.mode == "colour":
        flat = flatten_u8(master_bgr, dpi, p, src=reduced)
        black = min(percentile_u8(cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)[::2, ::2], p.black_pct), 128)
        return Enhanced(np.asarray(cv2.LUT(flat, tone_lut(black, p.gamma)), np.uint8), p, {"black": black})
    grey = cv2.cvtColor(master_bgr, cv2.COLOR_BGR2GRAY) if master_bgr.ndim == 3 else master_bgr
    red_grey = None
    if reduced is not None:
        red_grey = cv2.cvtColor(reduced, cv2.COLOR_BGR2GRAY) if reduced.ndim == 3 else reduced
    flat = flatten_u8(grey, dpi, p, src=red_grey)
    black = min(percentile_u8(flat[::2, ::2], p.black_pct), 128)
    if p.mode == "bitonal":
        _, out = cv2.threshold(flat, round(255 * p.threshold), 255, cv2.THRESH_BINARY)
        return Enhanced(np.asarray(out, np.uint8), p, {"black": black})
    return Enhanced(np.asarray(cv2.LUT(flat, tone_lut(black, p.gamma)), np.uint8), p, {"black": black})
