"""One page number everywhere a person reads one (issue 15 item 4).

``Page.seq`` keeps gaps after deletes and re-takes; the number shown is the page's
position among the batch's visible pages.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory, Page, PageState, PaperLocation, page_numbers
from hukou_scan.services.capture import BatchDraft
from hukou_scan.storage.sync import SyncRepository


def _frame(k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    return rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)


def _batch_with_gaps(ctx: AppContext) -> tuple[str, list[str]]:
    """Five captures, page 2 deleted, page 4 re-taken: visible seqs 1, 3, 4, 6."""
    svc = ctx.capture
    batch = svc.new_batch(
        BatchDraft(archive_id="PN-1", category=BatchCategory.BIRTH, location=PaperLocation(room="1"))
    )
    ids = [svc.capture(batch.id, _frame(k)).page.id for k in range(5)]
    svc.delete_page(ids[1])
    receipt = svc.replace_page(ids[3], _frame(99))
    assert receipt.number == 3  # what the clerk sees in the strip, not the new seq
    assert receipt.page.seq == 4
    assert [p.seq for p in svc.list_pages(batch.id)] == [1, 3, 4, 6]
    visible = [p.id for p in svc.list_pages(batch.id)]
    assert visible == [ids[0], ids[2], receipt.page.id, ids[4]]
    return batch.id, visible


def test_domain_numbers_skip_deleted_pages_and_count_per_batch() -> None:
    t = datetime(2026, 1, 1)

    def page(pid: str, batch: str, seq: int, state: PageState = PageState.PROCESSED) -> Page:
        return Page(id=pid, batch_id=batch, seq=seq, original_sha256="0" * 64, captured_at=t, state=state)

    pages = [
        page("a", "B1", 4),
        page("b", "B1", 1),
        page("c", "B1", 2, PageState.DELETED),
        page("d", "B2", 7),
        page("e", "B1", 9),
    ]
    assert page_numbers(pages) == {"b": 1, "a": 2, "e": 3, "d": 1}


def test_capture_receipt_repository_and_domain_agree_after_delete_and_retake(ctx: AppContext) -> None:
    batch_id, visible = _batch_with_gaps(ctx)
    expected = {pid: i for i, pid in enumerate(visible, start=1)}
    assert ctx.pages.page_numbers(visible) == expected
    assert page_numbers(ctx.pages.list_batch(batch_id, include_deleted=True)) == expected
    receipt = ctx.capture.capture(batch_id, _frame(7))
    assert receipt.number == 5 and receipt.page.seq == 7


def test_qa_auto_check_raises_no_false_page_order_after_delete_and_retake(ctx: AppContext) -> None:
    batch_id, visible = _batch_with_gaps(ctx)
    report = ctx.qa.auto_checks(batch_id)
    assert "order" not in report.counts()
    # a real order problem (printed page numbers going backwards) is still found, by page number
    ctx.pages.update(visible[1], quality={"page_number": 5})
    ctx.pages.update(visible[2], quality={"page_number": 2})
    issues = [i for i in ctx.qa.auto_checks(batch_id).issues if i.kind == "order"]
    assert [(i.page_id, i.page_no) for i in issues] == [(visible[2], 3)]


def test_backup_list_shows_page_numbers_not_sequence(ctx: AppContext) -> None:
    _batch_id, visible = _batch_with_gaps(ctx)
    rows = SyncRepository(ctx.db).page_states(ctx.station.id)
    assert sorted((pid, no) for pid, _archive, no, _state in rows) == sorted(
        (pid, i) for i, pid in enumerate(visible, start=1)
    )


def test_search_result_lines_and_viewer_use_page_numbers(ctx: AppContext) -> None:
    _batch_id, visible = _batch_with_gaps(ctx)
    rows = ctx.search.store.hit_rows(visible)
    assert [r.page_no for r in rows] == [1, 2, 3, 4]
    assert ctx.search.open_page(visible[2]).page_no == 3
