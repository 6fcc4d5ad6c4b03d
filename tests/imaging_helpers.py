"""Shared generated inputs for the imaging tests (rendered once per session, deterministic)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hukou_scan.capture.simulated.forms import (
    render_blank_back,
    render_household_page,
    render_registration_form,
)
from hukou_scan.domain.sample import generate_households

SMALL_FRAME = (1632, 1224)  # a quarter of an 8 MP frame: fast, same geometry


@lru_cache(maxsize=8)
def form_page(dpi: int = 100, seed: int = 1) -> np.ndarray:
    """A 常住人口登记表 (RGB)."""
    h = generate_households(2)[0]
    return render_registration_form(h.head, h.head.name, dpi=dpi, seed=seed).image


@lru_cache(maxsize=8)
def household_page(dpi: int = 100, seed: int = 2) -> np.ndarray:
    h = generate_households(2)[1]
    return render_household_page(h.members, h.household_no, "城关镇东风路12号", dpi=dpi, seed=seed).image


@lru_cache(maxsize=4)
def blank_back(dpi: int = 100, seed: int = 3) -> np.ndarray:
    """The back of a form with the front's ink showing through."""
    h = generate_households(2)[0]
    front = render_registration_form(h.head, h.head.name, dpi=dpi, seed=seed)
    return render_blank_back(front, dpi=dpi, seed=seed).image


def rotated_flat(page_rgb: np.ndarray, angle: float) -> np.ndarray:
    """A flat page (BGR) rotated ``angle`` degrees counter-clockwise on a paper-coloured canvas."""
    bgr = cv2.cvtColor(page_rgb, cv2.COLOR_RGB2BGR)
    h, w = bgr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    fill = tuple(int(v) for v in np.median(bgr.reshape(-1, 3), axis=0))
    return cv2.warpAffine(bgr, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def manifest(real: Path) -> list[dict[str, Any]]:
    return list(json.loads((real / "manifest.json").read_text(encoding="utf-8"))["items"])


def read_real(real: Path, rel: str) -> np.ndarray:
    img = cv2.imdecode(np.fromfile(str(real / rel), np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, rel
    return img


PALE_DESK_SIZE = (1088, 816)
PALE_DESK_QUAD = np.array([[330, 120], [760, 140], [745, 700], [315, 685]], np.float64)
_PALE_TONE = np.array([196.0, 208.0, 214.0], np.float32)  # BGR: a pale beige laminate desk


def pale_desk_scene(
    *, with_page: bool = True, light: float = 1.0, noise_seed: int = 1, shift: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """A page of exactly the desk's own colour on a pale desk (BGR, :data:`PALE_DESK_SIZE`).

    Only its slightly darker rim, a faint shadow and its ruled form tell page from desk
    (issue 17's hardest kind: every colour-based detector sees no page there).  With
    ``with_page=False`` it is the same desk empty, as the camera sees it between pages:
    ``light`` scales the exposure, ``noise_seed`` draws fresh sensor noise and ``shift``
    moves the camera by whole pixels.  The true page corners are :data:`PALE_DESK_QUAD`.
    """
    w, h = PALE_DESK_SIZE
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx -= shift[0]
    yy -= shift[1]
    shade = 1 + 0.03 * np.sin(xx / 170.0) * np.cos(yy / 210.0) + 0.02 * np.sin(xx / 23.0 + yy / 41.0)
    img = _PALE_TONE[None, None, :] * shade[..., None]
    if with_page:
        pw, ph = 430, 560
        layer = np.empty((ph, pw, 3), np.float32)
        layer[:] = _PALE_TONE
        py, px = np.mgrid[0:ph, 0:pw].astype(np.float32)
        rim = np.clip(np.minimum.reduce([px, py, pw - 1 - px, ph - 1 - py]) / (0.03 * min(pw, ph)), 0, 1)
        layer *= (0.93 + 0.07 * rim)[..., None]
        ink = (60.0, 50.0, 40.0)
        rng = np.random.default_rng(7)
        for r in range(12):
            y = int(ph * (0.12 + 0.06 * r))
            cv2.line(layer, (int(pw * 0.08), y), (int(pw * 0.92), y), ink, 1)
        for c in range(5):
            x = int(pw * (0.08 + 0.21 * c))
            cv2.line(layer, (x, int(ph * 0.12)), (x, int(ph * 0.78)), ink, 1)
        for r in range(11):
            for c in range(4):
                for k in range(int(rng.integers(2, 6))):
                    x, y = int(pw * (0.1 + 0.21 * c)) + k * 14, int(ph * (0.13 + 0.06 * r))
                    cv2.rectangle(layer, (x, y + 4), (x + 9, y + 16), ink, 1)
        quad = PALE_DESK_QUAD.astype(np.float32)
        src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32) - 0.5
        m = cv2.getPerspectiveTransform(src, quad)
        shadow = np.zeros((h, w), np.float32)
        cv2.fillPoly(shadow, [np.round(quad + np.array([3, 4], np.float32)).astype(np.int32)], 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), 3.0)
        img *= (1 - 0.25 * shadow)[..., None]
        warped = cv2.warpPerspective(layer, m, (w, h), flags=cv2.INTER_LINEAR)
        cover = np.zeros((h, w), np.uint8)
        cv2.fillPoly(cover, [np.round(quad * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        a = cover.astype(np.float32)[..., None] / 255
        img = img * (1 - a) + warped * a
    img *= light
    img += np.random.default_rng(noise_seed).normal(0, 2.0, (h, w, 1)).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return np.asarray(cv2.imdecode(enc, cv2.IMREAD_COLOR))
