"""QA auto-checks report the OCR content duplicate flag with the other page's visible number."""

from __future__ import annotations

import numpy as np

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory, PaperLocation
from hukou_scan.services.capture import BatchDraft


def _frame(k: int) -> np.ndarray:
    return np.random.default_rng(k).integers(0, 255, (120, 160, 3), dtype=np.uint8)


def test_content_duplicate_is_reported_with_the_visible_page_number(ctx: AppContext) -> None:
    svc = ctx.capture
    batch = svc.new_batch(
        BatchDraft(archive_id="DUP-1", category=BatchCategory.BIRTH, location=PaperLocation(room="1"))
    )
    ids = [svc.capture(batch.id, _frame(k)).page.id for k in range(4)]
    svc.delete_page(ids[0])  # visible: ids[1]=1, ids[2]=2, ids[3]=3
    q = dict(ctx.pages.get(ids[3]).quality)
    q["duplicate"] = {"flag": True, "value": 0.97, "page_id": ids[2]}
    ctx.pages.update(ids[3], quality=q)

    dups = [i for i in ctx.qa.auto_checks(batch.id).issues if i.kind == "duplicate"]
    assert [(i.page_id, i.page_no) for i in dups] == [(ids[3], 3)]
    assert "与第 2 页内容相同" in dups[0].detail and "same content as page 2" in dups[0].detail

    svc.delete_page(ids[2])  # the clerk deleted the other capture: nothing left to report
    assert not [i for i in ctx.qa.auto_checks(batch.id).issues if i.kind == "duplicate"]
