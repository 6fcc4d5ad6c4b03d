"""Hand-over and OFD benchmark: the DA/T 31 package against copying the plain masters, and
``export --format ofd`` against the PDF export, in the same run.

Run: ``python -m benchmarks.bench_handover [--quick]``.  Prints one JSON object on its
last line.

Data (deterministic): the export benchmark's synthetic A4 form pages (printed Chinese,
ID numbers, faded "handwriting", textured paper) at 200 dpi, stored as the pipeline
stores them — colour JPEG master, grey PNG derivative, OCR words — in a SQLite catalogue
and the blob store, split into batches of 100 pages with two persons linked per page.

- ``handover``: :meth:`HandoverService.handover` over all batches into a folder (masters
  byte for byte, per-page process XML, catalogue XML/XLSX, register PDF/XLSX, XSDs,
  SHA-256 manifest): ``handover_pages_per_s`` and ``handover_bytes_ratio`` = package
  bytes / master bytes.  Anchor ``plain_copy``: the same masters copied from the blob store
  into one folder with ``shutil.copyfile`` (what "just copy the images" costs).
  ``verify_pages_per_s``: ``--verify`` of the package.  With ``--sm3`` also an SM3 run.
- ``ofd`` vs ``pdf``: :meth:`ExportService.export` of one batch in both formats, default
  image choice (grey derivative; the red-seal check decodes each colour master at 1/4
  size): ``ofd_ms_per_page``, ``pdf_ms_per_page``; ``pdf_no_red_check_ms_per_page`` with
  ``[export] colour_for_red = false`` shows what the colour check costs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bench_export import make_page


def _seed(ctx: Any, n_pages: int, distinct: list[Any], per_batch: int = 100) -> list[str]:
    from hukou_scan.domain import Batch, BatchCategory, LinkMethod, Page, PageLink, Person, new_id

    persons = [
        Person(
            id=new_id(), name=f"测试人{i}", id_number=f"11010119900307{i:03d}X", household_no="110101000123"
        )
        for i in range(20)
    ]
    ctx.persons.upsert_many(persons)
    shas = [(ctx.blobs.put(p[0]), ctx.blobs.put(p[4]), p[2]) for p in distinct]
    batch_ids = []
    for b in range((n_pages + per_batch - 1) // per_batch):
        batch = ctx.batches.add(
            Batch(
                id=new_id(),
                archive_id=f"B01-2026-{b + 1:03d}",
                category=BatchCategory.BIRTH,
                station_id=ctx.station.id,
            )
        )
        batch_ids.append(batch.id)
        for i in range(min(per_batch, n_pages - b * per_batch)):
            master, grey, ocr = shas[(b * per_batch + i) % len(shas)]
            pid = new_id()
            ctx.pages.add(
                Page(
                    id=pid,
                    batch_id=batch.id,
                    seq=i + 1,
                    original_sha256=master,
                    captured_at=datetime.now(UTC),
                    dpi=200.0,
                    operator="clerk1",
                    source_device="bench",
                )
            )
            meta = {
                "effective_dpi": 200.0,
                "master": {"format": "jpeg", "mode": "colour", "dpi": 200.0},
                "derivative": {"format": "png", "mode": "grey", "bits": 8, "dpi": 200.0},
            }
            ctx.pages.update(pid, processed_sha256=master, derivative_sha256=grey, process_meta=meta)
            ctx.pages.save_ocr(pid, ocr)
            for k in (0, 1):
                person = persons[(i + k) % len(persons)]
                ctx.links.link(PageLink(page_id=pid, person_id=person.id, method=LinkMethod.MANUAL))
    return batch_ids


def _plain_copy(ctx: Any, batch_ids: list[str], out: Path) -> tuple[float, int]:
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    total = 0
    n = 0
    for bid in batch_ids:
        for p in ctx.pages.list_batch(bid):
            src = ctx.blobs.path_for(p.processed_sha256)
            dst = out / f"{n:06d}.jpg"
            shutil.copyfile(src, dst)
            total += dst.stat().st_size
            n += 1
    return time.perf_counter() - t0, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n_handover = 200 if args.quick else 1000
    n_export = 20 if args.quick else 100

    from hukou_scan.app import AppContext
    from hukou_scan.config import load_settings
    from hukou_scan.export.handover import verify_package
    from hukou_scan.services.export import ExportRequest, ExportService, ExportSource
    from hukou_scan.services.guard import OpenGuard
    from hukou_scan.services.handover import HandoverRequest, HandoverSelection, HandoverService

    work = Path(tempfile.mkdtemp(prefix="bench_handover_"))
    try:
        t0 = time.perf_counter()
        distinct = [make_page(i, dpi=200) for i in range(8)]
        settings = load_settings(config_dir=work / "cfg", data_dir=work / "data")
        ctx = AppContext(settings, log_to_file=False)
        try:
            batch_ids = _seed(ctx, n_handover, distinct)
            gen_s = time.perf_counter() - t0
            res: dict[str, Any] = {
                "pages": n_handover,
                "batches": len(batch_ids),
                "page": "A4 200 dpi, colour JPEG master + grey PNG derivative",
                "generate_s": round(gen_s, 1),
            }

            def handover_svc() -> HandoverService:
                return HandoverService(
                    settings=ctx.settings,
                    blobs=ctx.blobs,
                    pages=ctx.pages,
                    batches=ctx.batches,
                    persons=ctx.persons,
                    links=ctx.links,
                    stations=ctx.stations,
                    station=ctx.station,
                    guard=OpenGuard(),
                )

            copy_s, master_bytes = _plain_copy(ctx, batch_ids, work / "plain")
            shutil.rmtree(work / "plain")
            h = handover_svc().handover(HandoverRequest(HandoverSelection(), output=work / "pkg"))
            t1 = time.perf_counter()
            report = verify_package(Path(h.location))
            verify_s = time.perf_counter() - t1
            assert report.ok, report.to_dict()
            res["plain_copy_pages_per_s"] = round(n_handover / copy_s, 1)
            res["handover_pages_per_s"] = round(n_handover / h.seconds, 1)
            res["handover_vs_plain_copy_time"] = round(h.seconds / copy_s, 2)
            res["master_bytes"] = master_bytes
            res["handover_bytes"] = h.bytes
            res["handover_bytes_ratio"] = round(h.bytes / master_bytes, 4)
            res["handover_files"] = h.files
            res["verify_pages_per_s"] = round(n_handover / verify_s, 1)
            shutil.rmtree(h.location)
            if not args.quick:
                hs = handover_svc().handover(
                    HandoverRequest(HandoverSelection(), output=work / "pkg3", sm3=True)
                )
                res["handover_sm3_pages_per_s"] = round(n_handover / hs.seconds, 1)
                shutil.rmtree(hs.location)

            def export_svc(**section: Any) -> ExportService:
                s = ctx.settings.with_changes(extra={**ctx.settings.extra, "export": section})
                return ExportService(
                    settings=s,
                    blobs=ctx.blobs,
                    pages=ctx.pages,
                    batches=ctx.batches,
                    persons=ctx.persons,
                    links=ctx.links,
                    guard=OpenGuard(),
                )

            # one batch of n_export pages for the format comparison
            export_batch = batch_ids[0]
            pages = ctx.pages.list_batch(export_batch)[:n_export]
            src = ExportSource.pages([p.id for p in pages], label="bench")
            export_svc().export(ExportRequest(src, purpose="warm", output=work / "warm.pdf"))
            export_svc().export(ExportRequest(src, purpose="warm", output=work / "warm.ofd", format="ofd"))
            timings: dict[str, float] = {}
            sizes: dict[str, int] = {}
            for name, fmt, section in (
                ("pdf", "pdf", {}),
                ("ofd", "ofd", {}),
                ("pdf_no_red_check", "pdf", {"colour_for_red": False}),
                ("ofd_no_red_check", "ofd", {"colour_for_red": False}),
            ):
                best = float("inf")
                for rep in range(3):
                    t2 = time.perf_counter()
                    r = export_svc(**section).export(
                        ExportRequest(src, purpose="bench", output=work / f"{name}{rep}.{fmt}", format=fmt)
                    )
                    best = min(best, time.perf_counter() - t2)
                    sizes[name] = r.bytes
                timings[name] = best
            for name, secs in timings.items():
                res[f"{name}_ms_per_page"] = round(secs * 1000 / len(pages), 2)
                res[f"{name}_bytes_per_page"] = sizes[name] // len(pages)
            res["ofd_vs_pdf_time"] = round(timings["ofd"] / timings["pdf"], 3)
            res["export_pages"] = len(pages)
        finally:
            ctx.close()
        print(json.dumps(res, ensure_ascii=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
