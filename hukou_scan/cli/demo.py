"""``hukou-scan demo``: the walking skeleton, end to end on the simulated camera, with timings.

Used by the command, the packaging check and the skeleton benchmark: it runs exactly
the services the workstation runs — registry import, auto-capture from the simulated
高拍仪, processing, OCR, link proposals confirmed as a clerk would, search and a
bookmarked searchable PDF export — and reports where everything went.  It lives at the
command-line layer because it drives the whole application context.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from hukou_scan.app import AppContext
from hukou_scan.cli import print_json
from hukou_scan.config import Settings, load_settings
from hukou_scan.domain import BatchCategory, PaperLocation

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]


@dataclass
class DemoReport:
    data_dir: str = ""
    batch_id: str = ""
    archive_id: str = ""
    persons_imported: int = 0
    frames_seen: int = 0
    pages_captured: int = 0
    pages_processed: int = 0
    pages_recognized: int = 0
    pages_failed: int = 0
    links_confirmed: int = 0
    search_query: str = ""
    search_hits: int = 0
    pdf: str = ""
    pdf_pages: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)
    pages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def seconds_per_page(self) -> float:
        work = sum(
            v for k, v in self.timings_s.items() if k in {"capture", "process_and_ocr", "link", "export"}
        )
        return work / max(1, self.pages_captured)


def run_demo(
    ctx: AppContext,
    pages: int = 4,
    *,
    out_dir: Path | None = None,
    registry_csv: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> DemoReport:
    """Run the whole flow once on ``pages`` simulated pages."""
    from hukou_scan.capture.autocapture import AutoCapture, Decision
    from hukou_scan.capture.simulated.camera import SimulatedCamera, demo_script
    from hukou_scan.services.capture import BatchDraft
    from hukou_scan.services.export import ExportRequest, ExportSource

    cancel = cancel or threading.Event()
    report = DemoReport(data_dir=str(ctx.settings.data_dir))
    step = _Stepper(report, progress)

    with step("import_registry"):
        csv_path = registry_csv or (
            Path(__file__).resolve().parents[2] / "resources" / "sample" / "registry.csv"
        )
        imported = ctx.registry.import_file(csv_path)
        report.persons_imported = imported.run.added + imported.run.updated

    with step("capture"):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        batch = ctx.capture.new_batch(
            BatchDraft(
                archive_id=f"DEMO-{stamp}",
                category=BatchCategory.MOVE_IN,
                location=PaperLocation(
                    room="1", cabinet="A", shelf="2", box="15", volume="3", page_from=1, page_to=pages
                ),
                expected_pages=pages,
                notes="hukou-scan demo",
            )
        )
        report.batch_id, report.archive_id = batch.id, batch.archive_id
        camera = SimulatedCamera(demo_script(pages), realtime=False, loop=False, demo_pages=pages)
        camera.open()
        auto = AutoCapture(ctx.capture.autocapture_config())
        fps = camera.fps
        try:
            while report.pages_captured < pages and not camera.finished and not cancel.is_set():
                frame = camera.read()
                report.frames_seen += 1
                obs = auto.feed(frame, report.frames_seen / fps)
                if obs.decision == Decision.CAPTURE:
                    ctx.capture.capture(
                        batch.id, frame, source_device=camera.info.name, desk_reference=auto.desk_reference
                    )
                    auto.notify_captured(frame)
                    report.pages_captured += 1
                    step.tick(report.pages_captured, pages, "captured")
        finally:
            camera.close()

    with step("process_and_ocr"):
        stats = ctx.pipeline.run_until_idle(progress=progress, cancel=cancel)
        report.pages_processed = stats.processed
        report.pages_recognized = stats.recognized
        report.pages_failed = stats.processing_failed + stats.recognition_failed

    first_name = ""
    with step("link"):
        for page in ctx.pages.list_batch(batch.id):
            candidates = ctx.linking.candidates(page.id)
            chosen = [c for c in candidates if c.preselected]
            for cand in chosen:
                ctx.linking.confirm(page.id, cand.person.id, cand.role or None)
                report.links_confirmed += 1
                first_name = first_name or cand.person.name
            report.pages.append(
                {
                    "seq": page.seq,
                    "page_id": page.id,
                    "state": page.state.value,
                    "dpi": round(page.dpi or 0, 1),
                    "text_chars": len(page.ocr_text),
                    "linked": [c.person.name for c in chosen],
                }
            )

    with step("search"):
        report.search_query = first_name or "常住人口登记表"
        result = ctx.search.search(report.search_query)
        report.search_hits = len(result.hits)

    with step("export"):
        target = out_dir or ctx.settings.export_dir
        target.mkdir(parents=True, exist_ok=True)
        exported = ctx.export.export(
            ExportRequest(source=ExportSource.batch(batch.id), purpose="演示 demo", output=target)
        )
        report.pdf = str(exported.path)
        report.pdf_pages = int(getattr(exported, "pages", 0))
    return report


class _Stepper:
    """Times each stage and reports progress between them."""

    def __init__(self, report: DemoReport, progress: ProgressFn | None) -> None:
        self.report = report
        self.progress = progress
        self._name = ""
        self._t0 = 0.0

    def __call__(self, name: str) -> _Stepper:
        self._name = name
        return self

    def __enter__(self) -> None:
        self._t0 = time.perf_counter()
        self.tick(0, 0, "start")

    def __exit__(self, *exc: object) -> None:
        self.report.timings_s[self._name] = round(time.perf_counter() - self._t0, 3)

    def tick(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, f"{self._name}: {message}")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="模拟高拍仪端到端演示 / end-to-end demo on the simulated camera"
    )
    p.add_argument("--pages", type=int, default=4, help="pages to capture (default 4)")
    p.add_argument(
        "--out", type=Path, help="folder for the exported PDF (default: the data folder's exports/)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(handler=_run)


def _demo_settings(args: argparse.Namespace) -> Settings:
    """An explicit --data-dir / HUKOU_DATA_DIR is used as given; otherwise a fresh demo folder,
    so trying the demo never mixes fictional pages into a station's real archive."""
    data_dir = Path(args.data_dir) if args.data_dir else None
    if data_dir is None and not os.environ.get("HUKOU_DATA_DIR"):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        data_dir = Path(platformdirs.user_data_dir("hukou-scan")) / "demo" / stamp
    return load_settings(config_dir=Path(args.config_dir) if args.config_dir else None, data_dir=data_dir)


def _run(args: argparse.Namespace) -> int:
    if args.pages < 1:
        print("--pages 至少为 1 / must be at least 1", file=sys.stderr)
        return 2
    ctx = AppContext(_demo_settings(args))
    if not ctx.security.needs_first_admin():
        # Not a fresh demo folder: the demo imports a registry, links, searches and
        # exports there, so it needs a login like those commands.
        from hukou_scan.cli._auth import login

        try:
            login(ctx, args)
        except BaseException:
            ctx.close()
            raise
    last = [""]

    def progress(done: int, total: int, message: str) -> None:
        stage = message.split(":", 1)[0]
        if not args.json and stage != last[0]:
            print(f"… {stage}", file=sys.stderr, flush=True)
            last[0] = stage

    try:
        report = run_demo(ctx, args.pages, out_dir=args.out, progress=progress)
    finally:
        ctx.pipeline.stop()
        ctx.close()
    if args.json:
        print_json({**report.__dict__, "seconds_per_page": round(report.seconds_per_page, 3)})
        return 0
    t = report.timings_s
    print("hukou-scan 演示完成 / demo finished")
    print(f"  数据目录 / data folder:      {report.data_dir}")
    print(f"  档号 / archive id:           {report.archive_id}")
    print(f"  登记人员 / registry persons: {report.persons_imported}")
    print(
        f"  拍摄 / captured:             {report.pages_captured} 页 (auto-capture, {report.frames_seen} frames)"
    )
    print(
        f"  处理 / processed:            {report.pages_processed}   识别 / recognised: {report.pages_recognized}"
    )
    print(f"  关联 / links confirmed:      {report.links_confirmed}")
    print(f"  检索 / search “{report.search_query}”: {report.search_hits} hit(s)")
    print(f"  导出 / PDF:                  {report.pdf}")
    print("  用时 / timings (s):          " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()))
    print(f"  每页 / seconds per page:     {report.seconds_per_page:.2f}")
    for p in report.pages:
        linked = "、".join(p["linked"]) or "—"
        print(f"    #{p['seq']:>2} {p['state']:<10} {p['dpi']:>5} dpi  {p['text_chars']:>4} 字  → {linked}")
    return 0 if report.pages_failed == 0 and report.pages_captured == args.pages else 1
