"""The capture screen's refresh reads only what changed (issue 15: UI-thread stalls that grew
with the batch while a background thread hydrated every page row on each refresh)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory, PageState, PaperLocation
from hukou_scan.services.capture import BatchDraft


def _frame(k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    return rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)


class Calls:
    """Counts the page rows each repository read hydrates."""

    def __init__(self, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows: list[tuple[str, int]] = []
        repo = ctx.pages
        for name in ("list_batch", "get_many", "get"):
            monkeypatch.setattr(repo, name, self._wrap(name, getattr(repo, name)))

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            out = fn(*args, **kwargs)
            self.rows.append((name, len(out) if isinstance(out, list) else 1))
            return out

        return counted

    def hydrated(self) -> int:
        return sum(n for _name, n in self.rows)


def _batch(ctx: AppContext, n: int) -> tuple[str, list[str]]:
    svc = ctx.capture
    batch = svc.new_batch(
        BatchDraft(archive_id="PC-1", category=BatchCategory.BIRTH, location=PaperLocation(room="1"))
    )
    return batch.id, [svc.capture(batch.id, _frame(k)).page.id for k in range(n)]


def test_refresh_after_one_change_reads_only_that_page(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, ids = _batch(ctx, 12)
    first = ctx.capture.page_changes(batch_id, {})
    assert [pid for pid, _v in first.order] == ids
    assert set(first.changed) == set(ids)
    known = dict(first.order)

    calls = Calls(ctx, monkeypatch)
    same = ctx.capture.page_changes(batch_id, known)
    assert same.changed == {} and same.order == first.order
    assert calls.hydrated() == 0  # nothing changed: no row read in full

    ctx.pages.update(ids[5], state=PageState.PROCESSED, processed_sha256="ab" * 32)
    new = ctx.capture.capture(batch_id, _frame(99)).page.id
    calls.rows.clear()
    delta = ctx.capture.page_changes(batch_id, known)
    assert set(delta.changed) == {ids[5], new}
    assert delta.changed[ids[5]].processed_sha256 == "ab" * 32
    assert [pid for pid, _v in delta.order] == [*ids, new]
    assert calls.hydrated() == 2  # the two changed pages, not the batch of 13
    assert not any(name == "list_batch" for name, _n in calls.rows)


def test_versions_follow_updates_deletes_and_reordering(ctx: AppContext) -> None:
    batch_id, ids = _batch(ctx, 4)
    known = dict(ctx.capture.page_changes(batch_id, {}).order)
    ctx.pages.update(ids[0], quality={"duplicate": {"flag": True, "page_id": ids[1]}})
    ctx.capture.delete_page(ids[2])
    ctx.capture.reorder(batch_id, [ids[3], ids[0], ids[1]])
    delta = ctx.capture.page_changes(batch_id, known)
    assert [pid for pid, _v in delta.order] == [ids[3], ids[0], ids[1]]
    assert ids[0] in delta.changed and delta.changed[ids[0]].quality["duplicate"]["page_id"] == ids[1]
    assert ids[2] not in dict(delta.order)


def test_link_states_do_not_hydrate_page_rows(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    _batch_id, ids = _batch(ctx, 6)
    ctx.pages.update(ids[0], state=PageState.RECOGNIZED, ocr_text="姓名 张三")
    ctx.pages.update(ids[1], state=PageState.RECOGNIZED, ocr_text="  \n ")  # blank page
    ctx.pages.update(ids[2], state=PageState.RECOGNIZED, ocr_text=" " * 300 + "x")  # text after a long blank
    ctx.pages.update(ids[3], state=PageState.DELETED, ocr_text="gone")
    calls = Calls(ctx, monkeypatch)
    states = ctx.linking.link_states(ids)
    assert states == {ids[0]: "unlinked", ids[2]: "unlinked"}
    assert calls.hydrated() == 0


def test_text_states_reads_state_and_text_presence(ctx: AppContext) -> None:
    _batch_id, ids = _batch(ctx, 2)
    ctx.pages.update(ids[0], state=PageState.RECOGNIZED, ocr_text="户主")
    rows = ctx.pages.text_states([*ids, "missing"])
    assert rows == {ids[0]: (PageState.RECOGNIZED, True), ids[1]: (PageState.CAPTURED, False)}
