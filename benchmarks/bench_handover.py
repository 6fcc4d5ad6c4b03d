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
  bytes / master bytes.  Anchors ``plain_copy`` (the same masters copied from the blob store
  into one folder with ``shutil.copyfile``: what "just copy the images" costs) and
  ``plain_copy_synced`` (the same, each file fsynced: durable like the package).
  ``verify_pages_per_s``: ``--verify`` of the package.  With ``--sm3`` also an SM3 run.
- ``ofd`` vs ``pdf``: :meth:`ExportService.export` of the same pages in both formats, default
  image choice (grey derivative; the red-mark record the pipeline writes says "no red"):
  ``ofd_ms_per_page``, ``pdf_ms_per_page``; ``pdf_no_red_check_ms_per_page`` with
  ``[export] colour_for_red = false``; ``*_unrecorded_red_ms_per_page``: pages processed
  before the pipeline recorded red marks, for which export decodes each colour master.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bench_export import make_page


def _seed(
    ctx: Any,
    n_pages: int,
    distinct: list[Any],
    per_batch: int = 100,
    prefix: str = "B01",
    record_red: bool = True,
) -> list[str]:
    from hukou_scan.domain import Batch, BatchCategory, LinkMethod, Page, PageLink, Person, new_id

    persons = ctx.persons.by_household("110101000123")
    if not persons:
        persons = [
            Person(
                id=new_id(),
                name=f"测试人{i}",
                id_number=f"11010119900307{i:03d}X",
                household_no="110101000123",
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
                archive_id=f"{prefix}-2026-{b + 1:03d}",
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
            if record_red:  # as the image pipeline records it (these forms carry no red)
                meta["red_marks"] = {"fraction": 0.0, "seals": 0, "lines": 0}
            ctx.pages.update(pid, processed_sha256=master, derivative_sha256=grey, process_meta=meta)
            ctx.pages.save_ocr(pid, ocr)
            for k in (0, 1):
                person = persons[(i + k) % len(persons)]
                ctx.links.link(PageLink(page_id=pid, person_id=person.id, method=LinkMethod.MANUAL))
    return batch_ids


def _plain_copy(ctx: Any, batch_ids: list[str], out: Path, sync: bool) -> tuple[float, int]:
    """Copy the masters into one folder; with ``sync``, made durable as the package is
    (each file fsynced before the end)."""
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    total = 0
    copied = []
    for bid in batch_ids:
        for p in ctx.pages.list_batch(bid):
            src = ctx.blobs.path_for(p.processed_sha256)
            dst = out / f"{len(copied):06d}.jpg"
            shutil.copyfile(src, dst)
            total += dst.stat().st_size
            copied.append(dst)
    if sync:
        for dst in copied:
            fd = os.open(dst, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
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
            # pages processed before the pipeline recorded red marks: export decodes their masters
            legacy_batch = _seed(ctx, n_export, distinct, prefix="L01", record_red=False)[0]
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

            copy_s, master_bytes = _plain_copy(ctx, batch_ids, work / "plain", sync=False)
            shutil.rmtree(work / "plain")
            copy_sync_s, _ = _plain_copy(ctx, batch_ids, work / "plain", sync=True)
            shutil.rmtree(work / "plain")
            sel = HandoverSelection(archive_ids=("B01-*",))
            h = handover_svc().handover(HandoverRequest(sel, output=work / "pkg"))
            t1 = time.perf_counter()
            report = verify_package(Path(h.location))
            verify_s = time.perf_counter() - t1
            assert report.ok, report.to_dict()
            res["plain_copy_pages_per_s"] = round(n_handover / copy_s, 1)
            res["handover_pages_per_s"] = round(n_handover / h.seconds, 1)
            res["plain_copy_synced_pages_per_s"] = round(n_handover / copy_sync_s, 1)
            res["handover_vs_plain_copy_time"] = round(h.seconds / copy_s, 2)
            res["handover_vs_synced_copy_time"] = round(h.seconds / copy_sync_s, 2)
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
            legacy = ExportSource.batch(legacy_batch)
            export_svc().export(ExportRequest(src, purpose="warm", output=work / "warm.pdf"))
            export_svc().export(ExportRequest(src, purpose="warm", output=work / "warm.ofd", format="ofd"))
            timings: dict[str, float] = {}
            sizes: dict[str, int] = {}
            for name, fmt, section, source in (
                ("pdf", "pdf", {}, src),
                ("ofd", "ofd", {}, src),
                ("pdf_no_red_check", "pdf", {"colour_for_red": False}, src),
                ("pdf_unrecorded_red", "pdf", {}, legacy),
                ("ofd_unrecorded_red", "ofd", {}, legacy),
            ):
                best = float("inf")
                for rep in range(3):
                    t2 = time.perf_counter()
                    r = export_svc(**section).export(
                        ExportRequest(source, purpose="bench", output=work / f"{name}{rep}.{fmt}", format=fmt)
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
