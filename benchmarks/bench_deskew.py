"""Deskew precision and speed on generated form pages with known angles (±10°).

Anchors, measured in the same run on the same pages: the ``deskew`` package at its
default (Hough, 1° grid refined by peaks) and at a fine angle resolution, ``jdeskew``
(FFT radial projection) and a plain OpenCV Hough-lines baseline with a 0.05° theta step.
Angles are reported as the content's counter-clockwise rotation (the anchors return
the correction, so their sign is flipped).

    python -m benchmarks.bench_deskew [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from collections.abc import Callable

import cv2
import numpy as np

from benchmarks._imaging_data import angles, base_pages, rotated, summary, timed
from hukou_scan.imaging.deskew import estimate_skew


def ours(img: np.ndarray) -> float:
    return estimate_skew(img).angle_deg


def deskew_default(img: np.ndarray) -> float:
    from deskew import determine_skew

    a = determine_skew(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    return -float(a) if a is not None else 0.0


def deskew_fine(img: np.ndarray) -> float:
    from deskew import determine_skew

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = determine_skew(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), min_deviation=0.05, max_angle=15)
    return -float(a) if a is not None else 0.0


def jdeskew(img: np.ndarray) -> float:
    from jdeskew.estimator import get_angle

    return -float(get_angle(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)))


def hough(img: np.ndarray) -> float:
    """OpenCV baseline: Canny + standard Hough (0.05° theta step), median of the strongest near-horizontal lines."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(g, 50, 150)
    w = g.shape[1]
    lines = cv2.HoughLines(
        edges,
        1,
        math.radians(0.05),
        threshold=w // 4,
        min_theta=math.radians(75),
        max_theta=math.radians(105),
    )
    if lines is None:
        return 0.0
    thetas = lines[:30, 0, 1]
    return float(np.median(90.0 - np.degrees(thetas)))  # normal angle 90° = horizontal line


METHODS: dict[str, Callable[[np.ndarray], float]] = {
    "ours": ours,
    "deskew_default": deskew_default,
    "deskew_fine": deskew_fine,
    "jdeskew": jdeskew,
    "opencv_hough": hough,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pages", type=int)
    args = ap.parse_args()
    n_base = 2 if args.quick else 8
    per_base = 6
    n = args.pages or n_base * per_base
    pages = base_pages(n_base, dpi=200)
    truth = angles(n)
    images = [rotated(pages[i % n_base], a) for i, a in enumerate(truth)]
    # slow anchors on a subset in quick mode (same pages for every method in full mode)
    anchor_n = (
        {"deskew_fine": 2, "deskew_default": 6, "jdeskew": 6, "opencv_hough": 6}
        if args.quick
        else {"deskew_fine": 12}
    )
    results: dict[str, dict[str, float]] = {}
    for name, fn in METHODS.items():
        k = min(n, anchor_n.get(name, n))
        errs, times = [], []
        fn(images[0])  # warm-up (imports, FFT plans)
        for img, a in zip(images[:k], truth[:k], strict=True):
            est, dt = timed(lambda img=img, fn=fn: fn(img))
            errs.append(abs(est - a))
            times.append(dt)
        results[name] = summary(errs, times)
        print(f"{name:15s} {results[name]}")
    o = results["ours"]
    best_mean = min(v["mean_err_deg"] for k, v in results.items() if k != "ours")
    out = {
        "benchmark": "deskew",
        "quick": bool(args.quick),
        "pages": n,
        "page_px": [int(pages[0].shape[1]), int(pages[0].shape[0])],
        "angle_range_deg": 10,
        **{f"{k}_{m}": v for k, r in results.items() for m, v in r.items() if m != "n"},
        "speedup_vs_jdeskew": round(results["jdeskew"]["ms_per_page"] / o["ms_per_page"], 2),
        "speedup_vs_deskew_fine": round(results["deskew_fine"]["ms_per_page"] / o["ms_per_page"], 2),
        "speedup_vs_hough": round(results["opencv_hough"]["ms_per_page"] / o["ms_per_page"], 2),
        "mean_err_vs_best_anchor": round(o["mean_err_deg"] / best_mean, 3) if best_mean else None,
        "goal_mean_le_0.02": o["mean_err_deg"] <= 0.02,
        "goal_p95_le_0.05": o["p95_err_deg"] <= 0.05,
        "goal_2x_faster_than_jdeskew": results["jdeskew"]["ms_per_page"] >= 2 * o["ms_per_page"],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
