"""Fingers on the page and 档号 cover labels.

Fingers: frames from :mod:`benchmarks.independent.fingers` (fingers drawn from a model
the detector does not use, on pages and desks of :mod:`benchmarks.independent.frames`),
rectified through the true page quad so the truth masks line up; then
``detect_fingers`` + ``fill_fingers`` on the page and its grey derivative.

* ``finger_recall``: true fingers (≥ 40 mm² on the page) of which a detected finger
  covers at least half;
* ``false_fingers_synthetic``: detected fingers that overlap no true finger;
* ``warn_accuracy``: share of found fingers whose "covers text" verdict matches the
  truth (more than 2 % of the true finger lies within 3 mm of ink on the finger-free page);
* ``ink_filled_px``: pixels painted by the fill that are ink on the finger-free page
  (outside the true finger) — must be 0;
* ``false_fingers_real`` / ``real_photos``: fingers reported by the whole pipeline
  (``process_frame``) on the real camera photos of ``../shared/data/real/camera_pages``
  (yellowed paper, wooden desks; none shows a finger);
* ``ms_per_page``: detection + fill per rectified page (≈ 1100 × 1500 px here).

The anchor is the colour-only rule the capture gate used before (``skin_mask`` share on
the page, ``quality.hand``): its recall and false fingers on the same pages.

Labels: cover labels from :mod:`benchmarks.independent.labels` (Code 128, QR and printed
档号 in several fonts, under perspective, blur, noise and light) read with
:class:`~hukou_scan.services.cover_label.CoverLabelService` (zxing-cpp, then the
configured OCR engine for the printed 档号); read rates per kind (a refused or missing
read counts as not read; a wrong 档号 accepted is counted separately as ``label_misread``).

Reported separately for the TUNING seeds (looked at while tuning), the OLD held-out
seeds 91000-91039 (measured twice while the detector changed, so no longer clean) and
the NEW held-out seeds 92000-92159 (never looked at); the top-level figures
(``finger_recall`` …) are the new held-out ones, with a 95 % Wilson interval.

    python -m benchmarks.bench_fingers [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.independent import fingers as gen
from hukou_scan.errors import HukouScanError
from hukou_scan.imaging.detect import skin_mask
from hukou_scan.imaging.enhance import enhance
from hukou_scan.imaging.fingers import detect_fingers, fill_fingers

REAL = Path(
    os.environ.get("HUKOU_REAL_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
)


def _load() -> str:
    return os.getloadavg().__repr__()


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % Wilson score interval of a proportion k/n: 50-150 fingers is a small sample."""
    if n <= 0:
        return None
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (round(max(0.0, mid - half), 4), round(min(1.0, mid + half), 4))


def _truth_ink(clean_page: np.ndarray) -> np.ndarray:
    """Ink on the finger-free page: darker than 0.8 of the local paper (generous, so 'never fill' is strict)."""
    grey = cv2.cvtColor(clean_page, cv2.COLOR_BGR2GRAY)
    k = 31
    bg = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return np.asarray(grey.astype(np.float32) < 0.8 * np.maximum(bg.astype(np.float32), 8), bool)


def eval_fingers(seeds: range | list[int]) -> dict[str, Any]:
    """Detector and anchor figures on the finger frames of ``seeds``."""
    true_n = found = false_pos = warn_ok = warn_n = ink_filled = anchor_found = anchor_false_pages = 0
    pages_without = 0
    ms: list[float] = []
    misses: list[str] = []
    for seed in seeds:
        ff = gen.make_finger_frame(seed)
        page = gen.rectify(ff.image, ff.quad, ff.page_size)
        clean = gen.rectify(ff.clean, ff.quad, ff.page_size)
        dpi = min(ff.page_size) / 200.0 * 25.4
        t0 = time.perf_counter()
        rep = detect_fingers(page, dpi)
        deriv = enhance(page, dpi).image
        t1 = time.perf_counter()
        filled, _n = fill_fingers(deriv, page, rep)
        ms.append((time.perf_counter() - t1 + (t1 - t0)) * 1000.0)
        h, w = page.shape[:2]
        det_full = cv2.resize(rep.mask, (w, h), interpolation=cv2.INTER_NEAREST) > 0
        truth_any = np.zeros((h, w), bool)
        for m in ff.masks:
            truth_any |= m
        # anchor: colour-only share of the page, as the old capture gate
        sk = skin_mask(page).astype(np.uint8)
        sk = cv2.morphologyEx(sk, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
        anchor_flag = float(cv2.countNonZero(sk)) / sk.size > 0.004
        if not ff.masks:
            pages_without += 1
            anchor_false_pages += int(anchor_flag)
        ink_truth = _truth_ink(clean)
        near_ink = (
            cv2.dilate(
                ink_truth.astype(np.uint8), np.ones((k3 := max(3, int(3 * dpi / 25.4) | 1), k3), np.uint8)
            )
            > 0
        )
        for m in ff.masks:
            if m.sum() < 40 * (dpi / 25.4) ** 2:
                continue
            over = bool((near_ink & m).sum() > 0.02 * m.sum())
            true_n += 1
            hit = (det_full & m).sum() >= 0.5 * m.sum()
            found += int(hit)
            anchor_found += int(anchor_flag)
            if not hit:
                misses.append(f"{seed}:{'content' if over else 'margin'}")
            if hit:
                # the detected finger overlapping this truth decides the verdict
                for f in rep.fingers:
                    x, y, fw, fh = f.bbox
                    if m[y : y + fh, x : x + fw].any():
                        warn_n += 1
                        warn_ok += int(f.covers_content == over)
                        if f.covers_content != over:
                            misses.append(f"{seed}:warn:{f.edge}:truth={over}")
                        break
        for f in rep.fingers:
            x, y, fw, fh = f.bbox
            if not (det_full[y : y + fh, x : x + fw] & truth_any[y : y + fh, x : x + fw]).any():
                false_pos += 1
                misses.append(f"{seed}:false:{f.edge}")
        changed = np.any(filled != deriv, axis=-1) if filled.ndim == 3 else filled != deriv
        ink = ink_truth & ~cv2.dilate(truth_any.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        n_ink = int((changed & ink).sum())
        ink_filled += n_ink
        if n_ink:
            misses.append(f"{seed}:ink_filled:{n_ink}")
    return {
        "frames": len(seeds),
        "true_fingers": true_n,
        "finger_recall": round(found / true_n, 4) if true_n else None,
        "finger_recall_ci95": wilson(found, true_n),
        "false_fingers_synthetic": false_pos,
        "warn_accuracy": round(warn_ok / warn_n, 4) if warn_n else None,
        "ink_filled_px": ink_filled,
        "ms_per_page": round(float(np.median(ms)), 1) if ms else None,
        "anchor_recall": round(anchor_found / true_n, 4) if true_n else None,
        "anchor_false_pages": anchor_false_pages,
        "pages_without_fingers": pages_without,
        "misses": misses[:20],
    }


def eval_real() -> dict[str, Any]:
    """Fingers the whole pipeline reports on the real camera photos (none show a finger)."""
    from hukou_scan.imaging.io import decode_image
    from hukou_scan.imaging.pipeline import process_frame

    folder = REAL / "camera_pages"
    if not folder.is_dir():
        return {"real_photos": 0, "false_fingers_real": None, "note": f"{folder} not found"}
    photos = sorted(p for p in folder.iterdir() if p.is_file())
    false = 0
    anchor = 0
    per: dict[str, int] = {}
    for p in photos:
        r = process_frame(decode_image(p.read_bytes(), name=p.name))
        n = sum(int(part.quality.get("hand", {}).get("fingers", 0)) for part in r.parts)
        per[p.name] = n
        false += n
        anchor += sum(int(part.quality.get("hand", {}).get("skin_share", 0) > 0.004) for part in r.parts)
    return {
        "real_photos": len(photos),
        "false_fingers_real": false,
        "anchor_false_real": anchor,
        "real_per_photo": per,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tuning-only", action="store_true", help="only the tuning seeds (while tuning)")
    args = ap.parse_args()
    tune = gen.TUNING_SEEDS[:20] if args.quick else gen.TUNING_SEEDS
    held_old = gen.HELD_OUT_OLD_SEEDS
    held = gen.HELD_OUT_SEEDS[:40] if args.quick else gen.HELD_OUT_SEEDS
    out: dict[str, Any] = {"bench": "fingers", "quick": args.quick}
    out["tuning"] = eval_fingers(tune)
    print("tuning:", json.dumps(out["tuning"]), "load", _load(), flush=True)
    if args.tuning_only:
        print(json.dumps(out))
        return
    old_res = eval_fingers(held_old)
    out["held_out_old"] = old_res
    print("held-out old:", json.dumps(old_res), "load", _load(), flush=True)
    held_res = eval_fingers(held)
    out["held_out"] = held_res
    print("held-out new:", json.dumps(held_res), "load", _load(), flush=True)
    real = eval_real()
    print("real:", json.dumps(real), flush=True)
    labels = _eval_labels(args.quick)
    print("labels:", json.dumps(labels), flush=True)
    for k in (
        "finger_recall",
        "finger_recall_ci95",
        "ink_filled_px",
        "false_fingers_synthetic",
        "warn_accuracy",
        "ms_per_page",
        "anchor_recall",
    ):
        out[k] = held_res[k]
    out["finger_recall_heldout_old"] = old_res["finger_recall"]
    out["finger_recall_heldout_old_ci95"] = old_res["finger_recall_ci95"]
    out["finger_recall_tuning"] = out["tuning"]["finger_recall"]
    out["finger_recall_tuning_ci95"] = out["tuning"]["finger_recall_ci95"]
    out["ink_filled_px_all_sets"] = sum(r["ink_filled_px"] for r in (out["tuning"], old_res, held_res))
    out["false_fingers_synthetic_heldout_old"] = old_res["false_fingers_synthetic"]
    out["false_fingers_real"] = real["false_fingers_real"]
    out["real_photos"] = real["real_photos"]
    out["anchor_false_real"] = real.get("anchor_false_real")
    out.update({k: v for k, v in labels.items() if k.startswith("label_")})
    out["labels"] = labels
    out["loadavg"] = _load()
    print(json.dumps(out))


def _eval_labels(quick: bool) -> dict[str, Any]:
    """Read rates of cover labels through the same service the 新建批次 dialog uses."""
    from benchmarks.independent import labels as lgen
    from hukou_scan.config import load_settings
    from hukou_scan.ocr.engine import create_engine
    from hukou_scan.services.cover_label import CoverLabelService

    engine_name = load_settings().ocr_engine
    svc = CoverLabelService(lambda: create_engine(engine_name))
    res: dict[str, Any] = {"label_ocr_engine": engine_name}
    seeds = lgen.HELD_OUT_SEEDS[:15] if quick else lgen.HELD_OUT_SEEDS
    for kind in lgen.KINDS:
        ok = bad = 0
        ms: list[float] = []
        for s in seeds:
            lab = lgen.make_label(s, kind)
            t0 = time.perf_counter()
            try:
                r = svc.read(lab.image)
                got = r.label.archive_id + (f"-{r.label.check}" if r.label.check else "")
            except HukouScanError:
                got = None
            ms.append((time.perf_counter() - t0) * 1000)
            if got == lab.payload:
                ok += 1
            elif got is not None:
                bad += 1
        res[f"label_read_rate_{kind}"] = round(ok / len(seeds), 4)
        res[f"label_misread_{kind}"] = bad
        res[f"label_ms_{kind}"] = round(float(np.median(ms)), 1)
    res["label_images_per_kind"] = len(seeds)
    return res


if __name__ == "__main__":
    main()
