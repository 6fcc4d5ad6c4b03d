"""The empty-desk picture travels with a capture: stored, named in the page's geometry,
used by page detection in the worker process and again when the page is remade.

The frame is a page of exactly the desk's own colour (``pale_desk_scene``): detection
finds it only against the empty desk, so a reference lost anywhere on the way shows.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import BatchCategory, PageState
from hukou_scan.domain.models import PageGeometry, Quad
from hukou_scan.imaging.detect import quad_from_array, quad_iou
from hukou_scan.imaging.io import decode_image
from hukou_scan.imaging.pipeline import ProcessOptions
from hukou_scan.services.capture import DESK_REFERENCE_WIDTH, BatchDraft
from hukou_scan.services.processing import ProcessingService
from tests.imaging_helpers import PALE_DESK_QUAD, pale_desk_scene

TRUTH = quad_from_array(PALE_DESK_QUAD)


def _service(ctx: AppContext, workers: int = 0) -> ProcessingService:
    return ProcessingService(ctx.pages, ctx.jobs, ctx.blobs, ProcessOptions(target_dpi=150), workers=workers)


def test_reference_is_stored_with_the_capture_and_used_by_the_worker(ctx: AppContext) -> None:
    svc = ctx.capture
    batch = svc.new_batch(BatchDraft(archive_id="A-REF-1", category=BatchCategory.BIRTH))
    frame = pale_desk_scene()
    empty = pale_desk_scene(with_page=False, light=1.04, noise_seed=5)
    with_ref = svc.capture(batch.id, frame, source_device="cam", desk_reference=empty).page
    without = svc.capture(batch.id, frame, source_device="cam").page

    sha = ctx.pages.get(with_ref.id).geometry.desk_ref
    assert sha and ctx.pages.get(without.id).geometry.desk_ref == ""
    assert "desk_ref" not in ctx.pages.get(without.id).geometry.to_dict()  # old shape kept
    stored = decode_image(ctx.blobs.get(sha))
    assert stored.shape[1] == DESK_REFERENCE_WIDTH and stored.shape[0] == 480
    # the page-store sweep keeps it: a page refers to it
    assert sha in ctx.pages.referenced_hashes()
    assert sha not in ctx.blobs.sweep(ctx.pages.referenced_hashes()).orphans
    # a second capture with the same empty desk shares the stored file
    again = svc.capture(batch.id, frame, source_device="cam", desk_reference=empty).page
    assert ctx.pages.get(again.id).geometry.desk_ref == sha

    processing = _service(ctx, workers=1)
    try:
        summary = processing.run_pending()
    finally:
        processing.close()
    assert summary.done == 3, summary.errors
    page = ctx.pages.get(with_ref.id)
    assert page.state == PageState.PROCESSED and page.geometry.quad is not None
    assert quad_iou(page.geometry.quad, TRUTH) >= 0.95
    assert page.process_meta["detection"]["desk_ref"] == 1.0
    assert page.geometry.desk_ref == sha  # kept for every later remake
    # the same frame without the empty desk: the page is not found (or not where it is)
    other = ctx.pages.get(without.id)
    assert other.geometry.quad is None or quad_iou(other.geometry.quad, TRUTH) < 0.9


def test_reprocessing_uses_the_stored_reference_again(ctx: AppContext) -> None:
    svc = ctx.capture
    batch = svc.new_batch(BatchDraft(archive_id="A-REF-2", category=BatchCategory.BIRTH))
    empty = pale_desk_scene(with_page=False, light=0.95, noise_seed=6)
    page = svc.capture(batch.id, pale_desk_scene(), desk_reference=empty).page
    processing = _service(ctx)
    processing.run_pending()
    first = ctx.pages.get(page.id)
    assert first.geometry.quad is not None and quad_iou(first.geometry.quad, TRUTH) >= 0.95
    # the clerk turns the page: it is remade from the original (automatic corners again)
    turned = replace(first.geometry, extra_rotation=90)
    out = processing.reprocess(page.id, turned)
    assert len(out) == 1
    again = ctx.pages.get(page.id)
    assert again.state == PageState.PROCESSED and again.geometry.extra_rotation == 90
    assert again.geometry.desk_ref == first.geometry.desk_ref
    assert again.process_meta["detection"]["desk_ref"] == 1.0
    assert again.geometry.quad is not None and quad_iou(again.geometry.quad, TRUTH) >= 0.95


def test_a_lost_reference_leaves_processing_as_without_it(ctx: AppContext) -> None:
    svc = ctx.capture
    batch = svc.new_batch(BatchDraft(archive_id="A-REF-3", category=BatchCategory.BIRTH))
    page = svc.capture(batch.id, pale_desk_scene()).page
    geo = PageGeometry(desk_ref="0" * 64)  # names a file the page store does not have
    ctx.pages.update(page.id, geometry=geo)
    summary = _service(ctx).run_pending()
    assert summary.failed == 0 and summary.done == 1
    p = ctx.pages.get(page.id)
    assert p.state in (PageState.PROCESSED, PageState.FAILED)
    assert "desk_ref" not in p.process_meta.get("detection", {})


def test_reference_of_another_shape_is_not_stored(ctx: AppContext) -> None:
    svc = ctx.capture
    batch = svc.new_batch(BatchDraft(archive_id="A-REF-4", category=BatchCategory.BIRTH))
    frame = pale_desk_scene()
    square = np.zeros((300, 300, 3), np.uint8)
    page = svc.capture(batch.id, frame, desk_reference=square).page
    assert ctx.pages.get(page.id).geometry.desk_ref == ""


def test_process_command_takes_a_desk_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = tmp_path / "page.jpg"
    cv2.imwrite(str(frame), pale_desk_scene())
    desk = tmp_path / "desk.jpg"
    cv2.imwrite(str(desk), pale_desk_scene(with_page=False, light=1.03, noise_seed=8))
    assert main(["process", str(frame), "--json", "--desk-reference", str(desk)]) == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert rec["found"] and quad_iou(Quad.from_list(rec["quad"]), TRUTH) >= 0.95
    main(["process", str(frame), "--json"])
    alone = json.loads(capsys.readouterr().out.splitlines()[0])
    assert alone["quad"] is None or quad_iou(Quad.from_list(alone["quad"]), TRUTH) < 0.9
    code = main(["process", str(frame), "--desk-reference", str(tmp_path / "missing.jpg")])
    assert code != 0
