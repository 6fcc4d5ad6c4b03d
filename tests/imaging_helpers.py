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
