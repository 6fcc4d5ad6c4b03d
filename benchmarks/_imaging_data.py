"""Deterministic generated inputs shared by the imaging benchmarks (no data files)."""

from __future__ import annotations

import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import cv2
import numpy as np

from hukou_scan.capture.simulated.forms import (
    render_blank_back,
    render_household_page,
    render_registration_form,
)
from hukou_scan.domain.sample import generate_households


def base_pages(n: int, dpi: int = 200, seed: int = 4, age: float = 0.5) -> list[np.ndarray]:
    """``n`` different registry pages (RGB): registration forms and household pages alternating.

    ``age`` yellows the paper (1.0 = old, strongly yellowed: the hard case on beige desks).
    """
    hs = generate_households(max(2, n), seed=20261122 + seed)
    out = []
    for i in range(n):
        h = hs[i]
        if i % 2 == 0:
            out.append(
                render_registration_form(
                    h.head, h.head.name, dpi=dpi, seed=seed + i, fade=0.1 + 0.1 * (i % 4)
                ).image
            )
        else:
            out.append(
                render_household_page(
                    h.members, h.household_no, "城关镇东风路12号", dpi=dpi, seed=seed + i
                ).image
            )
    return out


def blank_page(dpi: int = 200, seed: int = 9) -> np.ndarray:
    h = generate_households(1)[0]
    front = render_registration_form(h.head, h.head.name, dpi=dpi, seed=seed)
    return render_blank_back(front, dpi=dpi, seed=seed).image


def rotated(page_rgb: np.ndarray, angle: float) -> np.ndarray:
    """A flat page (BGR) rotated ``angle``° counter-clockwise, corners filled with paper colour."""
    bgr = cv2.cvtColor(page_rgb, cv2.COLOR_RGB2BGR)
    h, w = bgr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    fill = tuple(int(v) for v in np.median(bgr.reshape(-1, 3)[::97], axis=0))
    return cv2.warpAffine(bgr, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def angles(n: int, limit: float = 10.0, seed: int = 11) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-limit, limit) for _ in range(n)]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Result and wall-clock seconds."""
    out, wall, _ = timed_cpu(fn)
    return out, wall


def timed_cpu(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Result, wall-clock seconds and CPU seconds of this process (all threads).

    The machine is shared, so wall time is inflated by other people's work; CPU time
    shows what our code costs (OpenCV's threads are included).
    """
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """Peak Python-heap allocation (NumPy buffers included) inside the block, in MB."""
    box: dict[str, float] = {}
    tracemalloc.start()
    try:
        yield box
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        box["peak_mb"] = peak / 1e6


def summary(errors: list[float], times: list[float]) -> dict[str, float]:
    e = np.asarray(errors, float)
    t = np.asarray(times, float)
    return {
        "mean_err_deg": round(float(e.mean()), 4),
        "p95_err_deg": round(float(np.percentile(e, 95)), 4),
        "max_err_deg": round(float(e.max()), 4),
        "ms_per_page": round(float(t.mean()) * 1000, 1),
        "n": len(errors),
    }
