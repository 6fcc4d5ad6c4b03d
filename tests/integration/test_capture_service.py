"""CaptureService on a migrated SQLite database: durable captures, batch workflow, rework, file import."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.camera import SimulatedCamera, Step
from hukou_scan.config import load_settings
from hukou_scan.domain import BatchCategory, BatchStatus, PageState, PaperLocation
from hukou_scan.errors import HukouScanError
from hukou_scan.services.capture import BatchClosedError, BatchDraft


def frame(page: int, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    cam = SimulatedCamera([Step("page", 1, page)], size=size, realtime=False, loop=False)
    cam.open()
    return cam.read()


def draft(**kw: object) -> BatchDraft:
    base = dict(
        archive_id="A-2026-001",
        category=BatchCategory.MOVE_IN,
        location=PaperLocation(
            room="1", cabinet="3", shelf="2", box="15", volume="4", page_from=1, page_to=40
        ),
        expected_pages=3,
        notes="第一批",
    )
    base.update(kw)
    return BatchDraft(**base)  # type: ignore[arg-type]


def test_capture_is_durable_with_its_process_job(ctx: AppContext) -> None:
    svc = ctx.capture
    seen = []
    svc.add_listener(seen.append)
    b = svc.new_batch(draft())
    r = svc.capture(b.id, frame(0), source_device="simulated")
    p = ctx.pages.get(r.page.id)
    assert p.state == PageState.CAPTURED and p.seq == 1 and p.source_device == "simulated"
    data = ctx.blobs.get(p.original_sha256)  # verifies sha256
    assert data[:2] == b"\xff\xd8"  # JPEG original
    assert Image.open(io.BytesIO(data)).size == (640, 480)
    job = ctx.jobs.claim("process", "t")
    assert job is not None and job.page_id == p.id
    assert [x.id for x in seen] == [p.id]
    assert r.durable_ms > 0
    assert ("capture", p.id, "ok") == ctx.guard.events[-1][:3]  # type: ignore[attr-defined]


def test_last_values_are_prefilled_across_restarts(ctx: AppContext) -> None:
    ctx.capture.new_batch(draft(notes="两行\n备注"))
    fresh = AppContext(load_settings(), log_to_file=False)
    try:
        last = fresh.capture.last_values()
    finally:
        fresh.close()
    assert last.archive_id == "A-2026-001"
    assert last.category == BatchCategory.MOVE_IN
    assert last.location.box == "15" and last.location.page_to == 40
    assert last.expected_pages == 3
    assert last.notes == "两行 备注"


def test_new_batch_needs_an_archive_id(ctx: AppContext) -> None:
    with pytest.raises(HukouScanError):
        ctx.capture.new_batch(draft(archive_id="  "))


def test_reorder_insert_delete_undo_rotate_replace(ctx: AppContext) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    ids = [svc.capture(b.id, frame(k)).page.id for k in range(3)]
    order = lambda: [p.id for p in svc.list_pages(b.id)]  # noqa: E731
    assert order() == ids
    svc.reorder(b.id, [ids[2], ids[0], ids[1]])
    assert order() == [ids[2], ids[0], ids[1]]
    svc.move(ids[2], 2)
    assert order() == ids
    ins = svc.capture(b.id, frame(4), position=1).page.id
    assert order() == [ids[0], ins, ids[1], ids[2]]
    assert [p.seq for p in svc.list_pages(b.id)] == [1, 2, 3, 4]
    svc.delete_page(ins)
    assert order() == ids
    assert svc.progress(b.id).captured == 3 and svc.progress(b.id).complete
    svc.undo_delete(ins)
    assert order() == [ids[0], ins, ids[1], ids[2]]
    assert ctx.pages.get(ins).state == PageState.CAPTURED
    rotated = svc.rotate(ids[0])
    assert rotated.geometry.extra_rotation == 90
    assert svc.rotate(ids[0], 270).geometry.extra_rotation == 0
    rep = svc.replace_page(ids[1], frame(5))
    assert order() == [ids[0], ins, rep.page.id, ids[2]]
    assert ctx.pages.get(ids[1]).state == PageState.DELETED
    with pytest.raises(HukouScanError):
        svc.reorder(b.id, ids)  # not the batch's pages
    actions = [e[0] for e in ctx.guard.events]  # type: ignore[attr-defined]
    for a in (
        "new_batch",
        "capture",
        "reorder_pages",
        "delete_page",
        "undo_delete",
        "rotate_page",
        "replace_page",
    ):
        assert a in actions


def test_thumbnail_follows_rotation(ctx: AppContext) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    p = svc.capture(b.id, frame(0)).page
    t0 = Image.open(io.BytesIO(svc.thumbnail(p, 160)))
    assert t0.size[0] == 160 and t0.size[1] == 120
    p = svc.rotate(p.id)
    t1 = Image.open(io.BytesIO(svc.thumbnail(p, 160)))
    assert t1.size == (120, 160)


def test_close_batch_requires_the_paper_confirmation(ctx: AppContext) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    svc.capture(b.id, frame(0))
    with pytest.raises(HukouScanError) as e:
        svc.close_batch(b.id, paper_returned=False)
    assert "15盒" in e.value.zh
    closed = svc.close_batch(b.id, paper_returned=True)
    assert closed.status == BatchStatus.CLOSED and closed.paper_returned
    with pytest.raises(BatchClosedError):
        svc.capture(b.id, frame(1))
    assert svc.open_batches() == []


def _pdf_with_jpeg_pages(path: Path, n: int) -> list[bytes]:
    import img2pdf

    jpegs = []
    for k in range(n):
        buf = io.BytesIO()
        Image.fromarray(frame(k, (400, 300))[:, :, ::-1]).save(buf, "JPEG", quality=90)
        jpegs.append(buf.getvalue())
    path.write_bytes(img2pdf.convert(jpegs))
    return jpegs


def test_import_image_tiff_and_pdf_once(ctx: AppContext, tmp_path: Path) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    jpg = tmp_path / "scan.jpg"
    Image.fromarray(frame(0)[:, :, ::-1]).save(jpg, "JPEG", quality=90)
    r = svc.import_file(b.id, jpg)
    assert len(r.pages) == 1 and ctx.blobs.get(r.pages[0].original_sha256) == jpg.read_bytes()
    assert svc.import_file(b.id, jpg).duplicate
    tif = tmp_path / "multi.tif"
    ims = [Image.fromarray(frame(k, (200, 150))[:, :, ::-1]) for k in range(3)]
    ims[0].save(tif, save_all=True, append_images=ims[1:])
    r = svc.import_file(b.id, tif)
    assert [p.process_meta["source_page"] for p in r.pages] == [1, 2, 3]
    pdf = tmp_path / "book.pdf"
    jpegs = _pdf_with_jpeg_pages(pdf, 2)
    r = svc.import_file(b.id, pdf)
    assert [ctx.blobs.get(p.original_sha256) for p in r.pages] == jpegs  # embedded JPEGs kept byte for byte
    assert [p.seq for p in svc.list_pages(b.id)] == [1, 2, 3, 4, 5, 6]
    assert ctx.jobs.counts("process").get("queued") == 6


def test_pdf_with_text_is_rendered(ctx: AppContext, tmp_path: Path) -> None:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 300))
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 24 Tf 20 150 Td (Hello) Tj ET")
    path = tmp_path / "text.pdf"
    pdf.save(path)
    b = ctx.capture.new_batch(draft())
    r = ctx.capture.import_file(b.id, path)
    assert r.pages[0].process_meta["source_kind"] == "pdf_render"
    img = Image.open(io.BytesIO(ctx.blobs.get(r.pages[0].original_sha256)))
    assert abs(img.size[0] - 200 / 72 * 300) <= 1 and abs(img.size[1] - 300 / 72 * 300) <= 1


def test_deleted_pages_come_back_where_they_were(ctx: AppContext) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    a, m, z = (svc.capture(b.id, frame(k)).page.id for k in range(3))
    order = lambda: [p.id for p in svc.list_pages(b.id)]  # noqa: E731
    svc.delete_page(m)
    n = svc.capture(b.id, frame(3)).page.id  # appended after every page, the deleted one included
    svc.reorder(b.id, [z, a, n])  # the clerk reorders while m is deleted
    ins = svc.capture(b.id, frame(4), position=0).page.id
    assert order() == [ins, z, a, n]
    svc.undo_delete(m)
    assert order() == [ins, z, a, m, n]  # back after the page it followed
    seqs = [p.seq for p in ctx.pages.list_batch(b.id, include_deleted=True)]
    assert len(set(seqs)) == len(seqs)  # no ties


def _rotations(ctx: AppContext, page_id: str) -> list[int]:
    return [
        int(d["rotation"])
        for action, target, _outcome, d in ctx.guard.events  # type: ignore[attr-defined]
        if action == "rotate_page" and target == page_id
    ]


def test_quick_turns_add_up_and_a_slow_processing_result_never_undoes_them(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 item 5: four quick clicks on 旋转 90° left the page upside down (record 180)."""
    import threading

    import hukou_scan.services.processing_worker as processing

    svc = ctx.capture
    b = svc.new_batch(draft())
    p = svc.capture(b.id, frame(0)).page
    started, release = threading.Event(), threading.Event()
    real = processing.process_frame

    def slow(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        started.set()
        release.wait(20)
        return result

    monkeypatch.setattr(processing, "process_frame", slow)
    worker = threading.Thread(target=ctx.processing.process_page, args=(p.id,))
    worker.start()  # processing of the unturned page is under way …
    assert started.wait(20)
    barrier = threading.Barrier(3)

    def turn() -> None:
        barrier.wait()
        svc.rotate(p.id, 90)

    turners = [threading.Thread(target=turn) for _ in range(3)]
    for t in turners:
        t.start()
    for t in turners:
        t.join()
    release.set()  # … and finishes after three turns
    worker.join()
    page = ctx.pages.get(p.id)
    assert page.geometry.extra_rotation == 270
    assert page.processed_sha256 is None  # the stale result was not stored
    assert _rotations(ctx, p.id) == [90, 180, 270]  # audit in the order applied
    monkeypatch.setattr(processing, "process_frame", real)
    ctx.processing.run_pending()
    page = ctx.pages.get(p.id)
    assert page.state == PageState.PROCESSED and page.geometry.extra_rotation == 270
    # a fourth turn, and one back the other way
    assert svc.rotate(p.id, 90).geometry.extra_rotation == 0
    assert svc.rotate(p.id, -90).geometry.extra_rotation == 270
    assert _rotations(ctx, p.id) == [90, 180, 270, 0, 270]


def test_manual_corners_are_recorded_and_the_page_is_remade_from_them(ctx: AppContext) -> None:
    from hukou_scan.domain import Quad

    svc = ctx.capture
    b = svc.new_batch(draft())
    p = svc.capture(b.id, frame(0)).page
    ctx.processing.run_pending()
    auto = ctx.pages.get(p.id)
    assert auto.process_meta["source"] != "manual"
    data, size = svc.original_image(auto, 320)
    assert size == (640, 480) and Image.open(io.BytesIO(data)).size[0] == 320
    quad = Quad((100.0, 50.0), (500.0, 60.0), (490.0, 420.0), (110.0, 410.0))
    page = svc.set_corners(p.id, quad)
    assert page.geometry.quad == quad and page.geometry.quad_manual
    assert page.state == PageState.CAPTURED and page.processed_sha256 is None
    ctx.processing.run_pending()
    remade = ctx.pages.get(p.id)
    assert remade.state == PageState.PROCESSED and remade.process_meta["source"] == "manual"
    assert remade.geometry.quad == quad and remade.geometry.quad_manual  # detection did not override
    assert [e[0] for e in ctx.guard.events].count("set_corners") == 1  # type: ignore[attr-defined]
    with pytest.raises(HukouScanError):  # counter-clockwise / degenerate outline
        svc.set_corners(p.id, Quad((0.0, 0.0), (0.0, 400.0), (400.0, 400.0), (400.0, 0.0)))


def test_clerk_splits_a_capture_into_two_pages_and_joins_them_again(ctx: AppContext) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    p = svc.capture(b.id, frame(0)).page
    ctx.processing.run_pending()
    assert [q.geometry.split for q in svc.list_pages(b.id)] == ["none"]
    svc.set_split(p.id, True)
    ctx.processing.run_pending()
    halves = svc.list_pages(b.id)
    assert [q.geometry.split for q in halves] == ["left", "right"]
    assert all(q.state == PageState.PROCESSED for q in halves)
    assert svc.set_split(halves[0].id, True).id == halves[0].id  # already split: nothing happens
    joined = svc.set_split(halves[1].id, False)  # from either half
    assert joined.id == p.id and joined.geometry.spread == "never"
    ctx.processing.run_pending()
    pages = svc.list_pages(b.id)
    assert [(q.id, q.geometry.split, q.state) for q in pages] == [(p.id, "none", PageState.PROCESSED)]
    assert ctx.pages.get(halves[1].id).state == PageState.DELETED
    # the clerk's choice survives automatic processing (a turn remakes the page)
    svc.rotate(p.id, 90)
    ctx.processing.run_pending()
    assert [q.geometry.split for q in svc.list_pages(b.id)] == ["none"]


def test_clerk_switches_curved_page_flattening_off_and_on(ctx: AppContext) -> None:
    svc = ctx.capture
    b = svc.new_batch(draft())
    p = svc.capture(b.id, frame(0)).page
    ctx.processing.run_pending()
    auto = ctx.pages.get(p.id)
    assert auto.geometry.dewarp == "auto" and auto.process_meta["dewarp"]["reason"] != "off"
    off = svc.set_dewarp(p.id, False)
    assert off.geometry.dewarp == "off" and off.state == PageState.CAPTURED and off.processed_sha256 is None
    ctx.processing.run_pending()
    remade = ctx.pages.get(p.id)
    assert remade.state == PageState.PROCESSED and remade.geometry.dewarp == "off"
    assert remade.process_meta["dewarp"] == {
        **remade.process_meta["dewarp"],
        "applied": False,
        "reason": "off",
    }
    assert svc.set_dewarp(p.id, False).id == p.id  # already off: nothing to do, no second audit entry
    events = [e for e in ctx.guard.events if e[0] == "set_dewarp"]  # type: ignore[attr-defined]
    assert len(events) == 1
    back = svc.set_dewarp(p.id, True)
    assert back.geometry.dewarp == "auto"
    ctx.processing.run_pending()
    assert ctx.pages.get(p.id).process_meta["dewarp"]["reason"] != "off"
