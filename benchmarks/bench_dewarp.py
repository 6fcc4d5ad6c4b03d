"""Curved-page flattening on independent curled pages (issue 20).

Data: :mod:`benchmarks.independent.curl` — register pages bent physically about the
spine and photographed by a tilted pin-hole camera on a desk (8 MP frames), a model
the flattener does not assume.  The final figures use :data:`HELD_OUT_SEEDS`
(``--seeds tuning`` runs the tuning range instead).  For every seed, in one run:

* ``flat``: the same page photographed flat (same camera, light, desk), our pipeline;
* ``unflattened``: the curled frame through our pipeline with flattening off;
* ``ours``: the curled frame through our pipeline (flattening on);
* ``anchor``: ``page-dewarp`` (PyPI, cubic sheet + camera pose optimisation) on the
  unflattened master — the same rectified crop our flattener starts from.

Figures: ``line_dev_px`` = mean deviation of text-line centres from a straight line,
traced in the output image by an ink-profile tracker that knows nothing of either
flattener, in px at 300 dpi; ``cer_*`` = OCR character error rate (the project's
rapidocr engine, ``recognize_page(mode="plain")``) against the page's text;
``ms_per_frame`` = wall ms of our flattening step (estimate + remap) on the
8 MP frame's 300 dpi master, ``cpu_ms_per_frame`` its process CPU time (the machine
is shared).  The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import logging
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.bench_ocr import cer
from benchmarks.independent.curl import HELD_OUT_SEEDS, TUNING_SEEDS, make_page
from hukou_scan.imaging.dewarp import apply_dewarp, dewarp_page
from hukou_scan.imaging.pipeline import ProcessOptions, process_frame

log = logging.getLogger(__name__)


def line_deviation(image: np.ndarray, dpi: float, strips: int = 20) -> float | None:
    """Mean |deviation| (px at 300 dpi) of traced text-line centres from straight lines.

    Ink rows are profiled in ``strips`` column strips across the central 80 %; the
    peaks of the middle strip seed one track per line, followed outwards to the
    nearest peak of each neighbouring strip (within a third of the line pitch of the
    straight-line prediction).  Tracks through at least 3/4 of the strips count.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 51, 18)
    edges = np.linspace(0.1 * w, 0.9 * w, strips + 1).astype(int)
    xs = (edges[:-1] + edges[1:]) / 2.0
    profiles = [ink[:, a:b].sum(axis=1).astype(np.float64) for a, b in itertools.pairwise(edges)]
    # line pitch from the autocorrelation of the whole page's profile
    allp = np.sum(profiles, axis=0)
    allp = allp - allp.mean()
    ac = np.correlate(allp, allp, mode="full")[len(allp) - 1 :]
    lo = max(5, h // 200)
    pitch = float(lo + np.argmax(ac[lo : h // 8])) if h // 8 > lo + 1 else 20.0
    sigma = max(1.0, pitch / 6)
    peaks: list[np.ndarray] = []
    for p in profiles:
        sm = cv2.GaussianBlur(p.reshape(-1, 1), (1, 0), sigmaX=0.1, sigmaY=sigma).ravel()
        thr = 0.3 * float(sm.max()) if sm.max() > 0 else 1.0
        is_peak = (sm[1:-1] > sm[:-2]) & (sm[1:-1] >= sm[2:]) & (sm[1:-1] > thr)
        peaks.append(np.nonzero(is_peak)[0] + 1.0)
    devs: list[float] = []
    mid = strips // 2
    for y0 in peaks[mid]:
        ys: dict[int, float] = {mid: float(y0)}
        for direction in (1, -1):
            prev_i, prev_y, slope = mid, float(y0), 0.0
            i = mid + direction
            while 0 <= i < strips:
                pred = prev_y + slope * (xs[i] - xs[prev_i])
                cand = peaks[i]
                if len(cand):
                    j = int(np.argmin(np.abs(cand - pred)))
                    if abs(cand[j] - pred) <= pitch / 3:
                        new_y = float(cand[j])
                        slope = (new_y - ys[mid]) / (xs[i] - xs[mid])
                        ys[i] = new_y
                        prev_i, prev_y = i, new_y
                i += direction
        if len(ys) >= 0.75 * strips:
            k = np.array(sorted(ys))
            yy = np.array([ys[int(i)] for i in k])
            fit = np.polyval(np.polyfit(xs[k], yy, 1), xs[k])
            devs.append(float(np.abs(yy - fit).mean()))
    if not devs:
        return None
    return float(np.mean(devs)) * 300.0 / dpi


def _anchor(master: np.ndarray) -> tuple[np.ndarray | None, float]:
    """page-dewarp on a PNG of ``master`` (greyscale output, no binarisation); (image, seconds)."""
    from page_dewarp.image import WarpedImage
    from page_dewarp.options import Config

    with tempfile.TemporaryDirectory(prefix="bench_dewarp_") as tmp:
        src = Path(tmp) / "page.png"
        cv2.imwrite(str(src), master)
        cfg = Config(OUTPUT_DIR=tmp, NO_BINARY=1, OUTPUT_ZOOM=1.0)
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            warped = WarpedImage(src, cfg)
        dt = time.perf_counter() - t0
        out = getattr(warped, "outfile", None)
        if not getattr(warped, "written", False) or not out:
            return None, dt
        img = cv2.imread(str(Path(tmp) / Path(out).name) if not Path(out).is_absolute() else str(out))
        return img, dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", choices=["held_out", "tuning"], default="held_out")
    ap.add_argument("--n", type=int, default=None, help="number of pages (default 3 quick, 12 full)")
    ap.add_argument("--no-ocr", action="store_true", help="straightness and timing only")
    args = ap.parse_args(argv)
    n = args.n or (3 if args.quick else 12)
    seeds = list(HELD_OUT_SEEDS if args.seeds == "held_out" else TUNING_SEEDS)[:n]
    opts_on = ProcessOptions()
    opts_off = replace(opts_on, dewarp=False)
    engine = None
    if not args.no_ocr:
        from hukou_scan.ocr.engine import create_engine

        engine = create_engine("rapidocr")

    def ocr(img: np.ndarray | None) -> str:
        from hukou_scan.ocr.form import recognize_page

        if engine is None or img is None:
            return ""
        return recognize_page(engine, img, mode="plain").text

    rows: list[dict[str, Any]] = []
    for seed in seeds:
        curled, flat = make_page(seed), make_page(seed, curl=False)
        r_flat = process_frame(flat.image, options=opts_on)
        r_off = process_frame(curled.image, options=opts_off)
        r_on = process_frame(curled.image, options=opts_on)
        if not (r_flat.parts and r_off.parts and r_on.parts):
            rows.append({"seed": seed, "found": False})
            continue
        m_flat, m_off = r_flat.parts[0].master, r_off.parts[0].master
        # the master stays untouched; the flattened image the derivative is made from:
        m_on = apply_dewarp(r_on.parts[0].master, r_on.parts[0].dewarp)
        dpi = r_on.parts[0].master_dpi
        c0 = time.process_time()
        t0 = time.perf_counter()
        _, params = dewarp_page(m_off)
        wall_ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        anchor_img, anchor_s = _anchor(m_off)
        anchor_dpi = dpi * (anchor_img.shape[0] / m_off.shape[0]) if anchor_img is not None else dpi
        row: dict[str, Any] = {
            "seed": seed,
            "found": True,
            "spine": curled.spine,
            "curl_deg": round(curled.curl_deg, 1),
            "ruled": curled.ruled,
            "desk": curled.desk,
            "applied": params.applied,
            "flat_applied": r_flat.parts[0].dewarp.applied,
            "curvature_px": round(params.curvature_px, 1),
            "line_dev_flat": line_deviation(m_flat, r_flat.parts[0].master_dpi),
            "line_dev_unflattened": line_deviation(m_off, dpi),
            "line_dev_ours": line_deviation(m_on, dpi),
            "line_dev_anchor": line_deviation(anchor_img, anchor_dpi) if anchor_img is not None else None,
            "ms": round(wall_ms, 1),
            "cpu_ms": round(cpu_ms, 1),
            "pipeline_dewarp_ms": r_on.timings_ms.get("dewarp"),
            "anchor_ms": round(anchor_s * 1000, 1),
            "anchor_ok": anchor_img is not None,
            "master_px": [int(m_on.shape[1]), int(m_on.shape[0])],
        }
        if engine is not None:
            row["cer_flat"] = cer(flat.text, ocr(m_flat))
            row["cer_unflattened"] = cer(curled.text, ocr(m_off))
            row["cer_ours"] = cer(curled.text, ocr(m_on))
            row["cer_anchor"] = cer(curled.text, ocr(anchor_img)) if anchor_img is not None else 1.0
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}, file=sys.stderr)
        rows.append(row)

    ok = [r for r in rows if r["found"]]

    def mean(key: str) -> float | None:
        vals = [float(r[key]) for r in ok if r.get(key) is not None]
        return round(float(np.mean(vals)), 4) if vals else None

    summary: dict[str, Any] = {
        "bench": "dewarp",
        "quick": args.quick,
        "data": f"benchmarks.independent.curl {args.seeds} seeds {seeds[0]}..{seeds[-1]}",
        "pages": len(rows),
        "pages_found": len(ok),
        "cpus": os.cpu_count(),
        "load_avg": round(os.getloadavg()[0], 2),
        "line_dev_px": mean("line_dev_ours"),
        "line_dev_px_anchor": mean("line_dev_anchor"),
        "line_dev_px_unflattened": mean("line_dev_unflattened"),
        "line_dev_px_flat": mean("line_dev_flat"),
        "cer_flat": mean("cer_flat"),
        "cer_unflattened": mean("cer_unflattened"),
        "cer_ours": mean("cer_ours"),
        "cer_anchor": mean("cer_anchor"),
        "ms_per_frame": mean("ms"),
        "cpu_ms_per_frame": mean("cpu_ms"),
        "anchor_ms_per_frame": mean("anchor_ms"),
        "anchor_failures": sum(not r["anchor_ok"] for r in ok),
        "flattened": sum(bool(r["applied"]) for r in ok),
        "flat_pages_flattened": sum(bool(r["flat_applied"]) for r in ok),
    }
    cf, co, ca = summary["cer_flat"], summary["cer_ours"], summary["cer_anchor"]
    summary["goals"] = {
        "cer_within_1.2x_flat": None if co is None or cf is None else bool(co <= 1.2 * cf),
        "ahead_of_anchor_cer": None if co is None or ca is None else bool(co <= ca),
        "ahead_of_anchor_line_dev": bool(
            (summary["line_dev_px"] or 9e9) <= (summary["line_dev_px_anchor"] or 9e9)
        ),
        "ms_le_300": bool((summary["ms_per_frame"] or 9e9) <= 300),
    }
    import json

    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
