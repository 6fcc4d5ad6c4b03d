"""Walking-skeleton benchmark: seconds per page through ``hukou-scan demo``'s whole pipeline.

Run: ``python -m benchmarks.bench_skeleton [--quick]``; one JSON object on the last line.

Ours: auto-capture from the simulated 8 MP document camera → durable page → crop,
perspective, deskew, enhance → OCR (RapidOCR, worker processes) → link proposals →
index → bookmarked searchable PDF, per stage and per page.

Anchor, same run, same frames: OCRmyPDF (``-l chi_sim``) on the captured camera frames —
what a clerk would get from the standard open pipeline (it does not crop the desk away).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hukou_scan.app import AppContext
from hukou_scan.cli.demo import run_demo
from hukou_scan.config import load_settings


def ocrmypdf_seconds(frames: list[Path], work: Path) -> dict[str, Any]:
    exe = shutil.which("ocrmypdf") or str(Path(sys.executable).with_name("ocrmypdf"))
    if not Path(exe).exists():
        return {"skipped": "ocrmypdf not installed (pip install '.[bench]')"}
    times = []
    chars = []
    for i, frame in enumerate(frames):
        out = work / f"ocrmypdf-{i}.pdf"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [exe, "-q", "-l", "chi_sim", "--image-dpi", "180", "--output-type", "pdf", str(frame), str(out)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            return {"failed": proc.stderr[-500:]}
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        chars.append(len("".join(text.split())))
    return {
        "pages": len(frames),
        "s_per_page": round(sum(times) / len(times), 3),
        "text_chars_per_page": sum(chars) / len(chars),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 pages instead of 6, anchor on 1 frame")
    args = parser.parse_args()
    pages = 2 if args.quick else 6
    with tempfile.TemporaryDirectory(prefix="bench-skeleton-") as tmp:
        work = Path(tmp)
        ctx = AppContext(load_settings(config_dir=work / "config", data_dir=work / "data"), log_to_file=False)
        t0 = time.perf_counter()
        try:
            report = run_demo(ctx, pages, out_dir=work / "out")
            frames = []
            for i, page in enumerate(ctx.pages.list_batch(report.batch_id)):
                path = work / f"frame-{i}.jpg"
                path.write_bytes(ctx.blobs.get(page.original_sha256))
                frames.append(path)
        finally:
            ctx.pipeline.stop()
            ctx.close()
        total = time.perf_counter() - t0
        anchor = ocrmypdf_seconds(frames[: 1 if args.quick else 3], work)
        pdf_bytes = Path(report.pdf).stat().st_size if Path(report.pdf).exists() else 0
    t = report.timings_s
    # the pipeline's own work per page; the simulated camera's playback (a clerk placing
    # pages) is reported apart from it
    ours_per_page = sum(t.get(k, 0.0) for k in ("process_and_ocr", "link", "search", "export")) / pages
    result: dict[str, Any] = {
        "benchmark": "skeleton",
        "pages": pages,
        "ours": {
            "s_per_page": round(ours_per_page, 3),
            "capture_playback_s_per_page": round(t.get("capture", 0.0) / pages, 3),
            "stages_s": report.timings_s,
            "wall_s": round(total, 2),
            "pages_recognized": report.pages_recognized,
            "links_confirmed": report.links_confirmed,
            "pdf_bytes_per_page": round(pdf_bytes / pages),
        },
        "ocrmypdf_on_frames": anchor,
    }
    if "s_per_page" in anchor:
        result["ratios"] = {"ocrmypdf_vs_ours_s_per_page": round(anchor["s_per_page"] / ours_per_page, 2)}
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
