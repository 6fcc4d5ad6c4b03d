"""ProcessingService over the real page store: captured → processed, spreads, failures, manual fixes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.scene import compose_frame, empty_desk, spread
from hukou_scan.cli import main
from hukou_scan.domain import Batch, BatchCategory, JobState, Page, PageState
from hukou_scan.domain.models import PageGeometry, Quad, new_id
from hukou_scan.errors import ImageProcessingError
from hukou_scan.imaging.io import decode_image
from hukou_scan.imaging.pipeline import ProcessOptions
from hukou_scan.services.processing import CancelledError, ProcessingService
from tests.imaging_helpers import SMALL_FRAME, form_page, household_page


def _batch(ctx: AppContext) -> Batch:
    return ctx.batches.add(
        Batch(id=new_id(), archive_id="A-4", category=BatchCategory.BIRTH, station_id=ctx.station.id)
    )


def _capture(ctx: AppContext, batch: Batch, image: np.ndarray | bytes) -> Page:
    """What the capture service does: original durable first, then the row and the job."""
    data = (
        image
        if isinstance(image, bytes)
        else cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    )
    sha = ctx.blobs.put(data)
    page = ctx.pages.add(
        Page(
            id=new_id(),
            batch_id=batch.id,
            seq=ctx.pages.next_seq(batch.id),
            original_sha256=sha,
            captured_at=datetime.now(UTC),
        )
    )
    ctx.jobs.enqueue("process", page.id)
    return page


def _service(ctx: AppContext, **kw: object) -> ProcessingService:
    return ProcessingService(ctx.pages, ctx.jobs, ctx.blobs, ProcessOptions(target_dpi=150), **kw)  # type: ignore[arg-type]


def test_queue_processes_pages_and_queues_ocr(ctx: AppContext) -> None:
    batch = _batch(ctx)
    p1 = _capture(
        ctx, batch, compose_frame(form_page(100), desk="dark_wood", seed=41, size=SMALL_FRAME).image
    )
    p2 = _capture(ctx, batch, empty_desk("dark_wood", seed=2, size=SMALL_FRAME).image)
    p3 = _capture(ctx, batch, b"\xff\xd8\xff\xe0 truncated jpeg")
    seen: list[tuple[int, int]] = []
    summary = _service(ctx).run_pending(progress=lambda i, n, msg: seen.append((i, n)))
    assert summary.done == 2 and summary.failed == 1 and p3.id in summary.errors
    page = ctx.pages.get(p1.id)
    assert page.state == PageState.PROCESSED
    assert page.processed_sha256 and page.derivative_sha256
    master = decode_image(ctx.blobs.get(page.processed_sha256))
    deriv = decode_image(ctx.blobs.get(page.derivative_sha256))
    assert master.shape[:2] == deriv.shape[:2]
    assert page.dpi is not None and page.geometry.quad is not None and not page.geometry.quad_manual
    assert page.quality["dpi_low"]["flag"]
    meta = page.process_meta
    assert meta["master"]["format"] == "jpeg" and meta["master"]["quality"] == 95
    assert meta["derivative"]["format"] == "png" and meta["derivative"]["mode"] == "grey"
    assert meta["options"]["target_dpi"] == 150 and "timings_ms" in meta
    # red seals/lines recorded for export's colour choice: the simulated form carries one
    # 户口专用章 seal; the dark wooden desk around it is cropped away and adds nothing
    assert meta["red_marks"]["seals"] == 1 and meta["red_marks"]["lines"] == 0
    json.dumps(meta)  # JSON-safe
    # the empty desk and the broken file are FAILED with a reason; the batch went on
    assert ctx.pages.get(p2.id).state == PageState.FAILED and "No page" in ctx.pages.get(p2.id).state_reason
    assert ctx.pages.get(p3.id).state == PageState.FAILED and "Truncated" in ctx.pages.get(p3.id).state_reason
    assert ctx.jobs.counts("process") == {"done": 2, "failed": 1}
    assert ctx.jobs.counts("ocr") == {"queued": 1}
    assert seen and seen[-1][0] == seen[-1][1]


def test_spread_becomes_two_pages_in_sequence(ctx: AppContext) -> None:
    batch = _batch(ctx)
    img, frac = spread(form_page(100), household_page(100))
    before = _capture(
        ctx, batch, compose_frame(form_page(100), desk="cloth", seed=42, size=SMALL_FRAME).image
    )
    sp = _capture(
        ctx, batch, compose_frame(img, desk="cloth", seed=43, size=SMALL_FRAME, spread_split=frac).image
    )
    after = _capture(
        ctx, batch, compose_frame(household_page(100), desk="cloth", seed=44, size=SMALL_FRAME).image
    )
    svc = _service(ctx)
    out = svc.process_page(sp.id)
    assert [p.geometry.split for p in out] == ["left", "right"]
    left, right = out
    assert left.id == sp.id and right.original_sha256 == sp.original_sha256
    seqs = {p.id: p.seq for p in ctx.pages.list_batch(batch.id)}
    assert seqs[before.id] == 1 and seqs[sp.id] == 2 and seqs[right.id] == 3 and seqs[after.id] == 4
    assert ctx.jobs.counts("ocr") == {"queued": 2}
    # each half has its own thumbnail, made from its own derivative
    thumbs = [ctx.pages.thumbnail(p.id) for p in out]
    assert all(thumbs) and thumbs[0] != thumbs[1]
    for t in thumbs:
        assert t is not None and t[:2] == b"\xff\xd8"  # JPEG
        small = cv2.imdecode(np.frombuffer(t, np.uint8), cv2.IMREAD_UNCHANGED)
        assert small.shape[1] == 144 and len(t) < 20_000
    # re-processing the right half keeps it a single page (its quad is used, no new split)
    again = svc.process_page(right.id)
    assert len(again) == 1 and again[0].geometry.split == "right"
    assert len(ctx.pages.list_batch(batch.id)) == 4
    assert ctx.pages.pages_without_thumbnail() == []


def test_page_rows_thumbnail_and_ocr_job_are_one_transaction(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the OCR job cannot be written, the page is not recorded as processed either (it
    would otherwise sit processed and never read): the whole result rolls back and the
    processing job fails, to run again."""
    from sqlalchemy import event

    from hukou_scan.storage.records import JobRecord

    batch = _batch(ctx)
    page = _capture(
        ctx, batch, compose_frame(form_page(100), desk="dark_wood", seed=41, size=SMALL_FRAME).image
    )

    def refuse_ocr_jobs(session: object, _ctx: object, _instances: object) -> None:
        if any(isinstance(o, JobRecord) and o.kind == "ocr" for o in session.new):  # type: ignore[attr-defined]
            raise RuntimeError("disk full while writing the job")

    event.listen(ctx.db.session_factory, "before_flush", refuse_ocr_jobs)
    try:
        with pytest.raises(RuntimeError):
            _service(ctx).process_page(page.id)
    finally:
        event.remove(ctx.db.session_factory, "before_flush", refuse_ocr_jobs)
    after = ctx.pages.get(page.id)
    assert after.state == PageState.CAPTURED and after.derivative_sha256 is None
    assert ctx.pages.pages_without_thumbnail() == [] and ctx.jobs.counts("ocr") == {}
    # the next run records everything
    out = _service(ctx).process_page(page.id)
    assert out[0].state == PageState.PROCESSED and ctx.jobs.counts("ocr") == {"queued": 1}
    assert ctx.pages.thumbnail(out[0].id) is not None


def test_manual_correction_is_kept(ctx: AppContext) -> None:
    batch = _batch(ctx)
    page = _capture(
        ctx, batch, compose_frame(form_page(100), desk="light_wood", seed=45, size=SMALL_FRAME).image
    )
    svc = _service(ctx)
    svc.process_page(page.id)
    manual = Quad((400.0, 150.0), (1200.0, 150.0), (1200.0, 1100.0), (400.0, 1100.0))
    svc.reprocess(page.id, PageGeometry(quad=manual, quad_manual=True, extra_rotation=90))
    stored = ctx.pages.get(page.id)
    assert (
        stored.geometry.quad == manual
        and stored.geometry.quad_manual
        and stored.geometry.extra_rotation == 90
    )
    assert stored.process_meta["source"] == "manual"
    m = decode_image(ctx.blobs.get(stored.processed_sha256 or ""))
    assert m.shape[1] > m.shape[0]  # turned by 90°: landscape
    # an automatic run later does not overwrite the manual quad
    svc.process_page(page.id)
    assert ctx.pages.get(page.id).geometry.quad == manual
    assert svc.guard.events[-1][0] == "page.reprocess"  # type: ignore[attr-defined]


def test_one_master_format_per_batch(ctx: AppContext) -> None:
    batch = _batch(ctx)
    a = _capture(ctx, batch, compose_frame(form_page(100), desk="dark_wood", seed=46, size=SMALL_FRAME).image)
    b = _capture(ctx, batch, compose_frame(form_page(100), desk="dark_wood", seed=47, size=SMALL_FRAME).image)
    _service(ctx, master_format="tiff").process_page(a.id)
    _service(ctx, master_format="jpeg").process_page(b.id)  # setting changed mid-batch
    fa = ctx.pages.get(a.id).process_meta["master"]["format"]
    fb = ctx.pages.get(b.id).process_meta["master"]["format"]
    assert fa == fb == "tiff"
    assert ctx.blobs.get(ctx.pages.get(b.id).processed_sha256 or "")[:2] in (b"II", b"MM")


def test_cancel_leaves_the_page_untouched(ctx: AppContext) -> None:
    batch = _batch(ctx)
    page = _capture(
        ctx, batch, compose_frame(form_page(100), desk="dark_wood", seed=48, size=SMALL_FRAME).image
    )
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        _service(ctx).process_page(page.id, cancel=cancel)
    assert ctx.pages.get(page.id).state == PageState.CAPTURED
    assert _service(ctx).run_pending(cancel=cancel).done == 0
    assert ctx.jobs.counts("process") == {"queued": 1}


def test_app_context_builds_the_service(ctx: AppContext) -> None:
    svc = ctx.processing
    assert isinstance(svc, ProcessingService) and svc.options.target_dpi == 300
    with pytest.raises(ImageProcessingError):
        ProcessingService(ctx.pages, ctx.jobs, ctx.blobs, master_format="gif")
    det = svc.preview(compose_frame(form_page(100), desk="dark_wood", seed=49, size=SMALL_FRAME).image)
    assert det.quad is not None
    assert JobState.QUEUED.value == "queued"


def test_process_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "page.jpg"
    cv2.imwrite(str(good), compose_frame(form_page(100), desk="dark_wood", seed=50, size=SMALL_FRAME).image)
    empty = tmp_path / "desk.png"
    cv2.imwrite(str(empty), empty_desk("grey_desk", seed=1, size=(640, 480)).image)
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), np.zeros((1, 1, 3), np.uint8))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.read_bytes()[:5000])
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    out = tmp_path / "out"
    code = main(
        [
            "process",
            str(good),
            str(empty),
            str(tiny),
            str(broken),
            str(text),
            "--json",
            "--out",
            str(out),
            "--dpi",
            "150",
        ]
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == ImageProcessingError.exit_code
    assert [r["ok"] for r in lines] == [True, True, True, False, False]
    rec = lines[0]
    for key in (
        "quad",
        "skew_deg",
        "orientation",
        "parts",
        "blank",
        "quality",
        "dpi",
        "outputs",
        "timings_ms",
    ):
        assert key in rec
    assert len(rec["quad"]) == 4 and rec["parts"][0]["quad"] == rec["quad"]
    assert all(Path(p).exists() for p in rec["outputs"]) and len(rec["outputs"]) == 2
    assert lines[1]["quad"] is None and lines[1]["parts"] == [] and lines[1]["quality"]["no_page"]["flag"]
    assert lines[2]["quad"] is None and not lines[2]["found"]
    assert "Truncated" in lines[3]["error"]["en"] and lines[4]["error"]["zh"]
    # without --json: one human line per file, errors on stderr
    code = main(["process", str(good), str(text)])
    cap = capsys.readouterr()
    assert code != 0 and "page.jpg" in cap.out and "notes.txt" in cap.err


def test_process_command_records_and_switches_off_curved_page_flattening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "page.jpg"
    cv2.imwrite(str(good), compose_frame(form_page(100), desk="dark_wood", seed=50, size=SMALL_FRAME).image)
    assert main(["process", str(good), "--json", "--out", str(tmp_path / "a"), "--dpi", "150"]) == 0
    auto = json.loads(capsys.readouterr().out.splitlines()[0])
    assert auto["parts"][0]["dewarp"]["reason"] in ("flat", "curved", "few_lines")
    argv = ["process", str(good), "--json", "--out", str(tmp_path / "b"), "--dpi", "150", "--no-dewarp"]
    assert main(argv) == 0
    off = json.loads(capsys.readouterr().out.splitlines()[0])
    assert off["parts"][0]["dewarp"] == {**off["parts"][0]["dewarp"], "applied": False, "reason": "off"}
