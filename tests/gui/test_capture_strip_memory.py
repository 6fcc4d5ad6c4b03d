"""The page strip of a long batch: refreshes read only what changed, and only the items in view
hold a thumbnail (issue 15: UI-thread stalls and RSS growth that followed the batch's length)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory, PaperLocation
from hukou_scan.gui.capture_view import ICON_MARGIN, PAGE_ID_ROLE, CaptureView
from hukou_scan.services.capture import BatchDraft

PAGES = 40


def _frame(k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    return rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)


@pytest.fixture
def long_batch(ctx: AppContext) -> str:
    batch = ctx.capture.new_batch(
        BatchDraft(archive_id="STRIP-1", category=BatchCategory.BIRTH, location=PaperLocation(room="1"))
    )
    for k in range(PAGES):
        ctx.capture.capture(batch.id, _frame(k))
    return batch.id


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext, long_batch: str) -> Iterator[CaptureView]:
    v = CaptureView(ctx.capture, None, hot_folder=False, beep=lambda: None)
    qtbot.addWidget(v)
    v.resize(700, 600)  # the strip shows about five items
    v.show()
    v.start()
    qtbot.waitUntil(lambda: v.strip.count() == PAGES and not v._refreshing, timeout=15000)
    yield v
    v.shutdown()


def _with_icon(view: CaptureView) -> set[int]:
    return {r for r in range(view.strip.count()) if not view.strip.item(r).icon().isNull()}


def _in_view(view: CaptureView) -> list[int]:
    strip, width = view.strip, view.strip.viewport().width()
    return [
        r
        for r in range(strip.count())
        if strip.visualItemRect(strip.item(r)).right() >= 0
        and strip.visualItemRect(strip.item(r)).left() <= width
    ]


def test_only_items_in_view_hold_icons_and_scrolled_away_ones_release_them(
    qtbot: QtBot, view: CaptureView
) -> None:
    view.strip.setCurrentRow(0)
    view.strip.scrollToItem(view.strip.item(0))
    seen = _in_view(view)
    assert (
        seen and seen[0] == 0 and len(seen) + ICON_MARGIN < PAGES // 2
    )  # the layout (font, theme) sets the width
    wanted = set(range(0, seen[-1] + 1 + ICON_MARGIN))
    qtbot.waitUntil(lambda: set(seen) <= _with_icon(view), timeout=10000)
    qtbot.wait(300)  # loads that were still running have landed
    assert _with_icon(view) == wanted  # not the whole batch of 40

    view.strip.scrollToItem(view.strip.item(PAGES - 1))  # the scroll bar moves: icons follow
    qtbot.waitUntil(lambda: PAGES - 1 in _with_icon(view), timeout=10000)
    qtbot.waitUntil(lambda: 0 not in _with_icon(view), timeout=10000)
    seen = _in_view(view)
    assert seen[-1] == PAGES - 1
    assert _with_icon(view) == set(range(seen[0] - ICON_MARGIN, PAGES))
    shown = {view.strip.item(r).data(PAGE_ID_ROLE) for r in _with_icon(view)}
    assert set(view._shown_icons) == shown  # the released ones are forgotten too


def test_refresh_after_one_capture_reads_only_the_new_page(
    qtbot: QtBot, ctx: AppContext, view: CaptureView, long_batch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows: list[tuple[str, int]] = []

    def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            out = fn(*args, **kwargs)
            rows.append((name, len(out) if isinstance(out, list) else 1))
            return out

        return wrapper

    new = ctx.capture.capture(long_batch, _frame(999)).page.id
    for name in ("list_batch", "get_many", "get"):
        monkeypatch.setattr(ctx.pages, name, counted(name, getattr(ctx.pages, name)))
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == PAGES + 1 and not view._refreshing, timeout=10000)
    assert view.strip.item(PAGES).data(PAGE_ID_ROLE) == new
    assert sum(n for _name, n in rows) == 1, rows  # the new page's row, not the batch's 41


def test_refresh_after_one_capture_remakes_only_the_new_items_text(
    qtbot: QtBot, ctx: AppContext, view: CaptureView, long_batch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every refresh visited every item and remade its text (several ``tr`` calls each): UI-thread
    work that grew with the batch.  Unchanged items are skipped now."""
    made: list[int] = []
    real = view._item_text

    def counted(number: int, page: Any) -> str:
        made.append(number)
        return real(number, page)

    monkeypatch.setattr(view, "_item_text", counted)
    ctx.capture.capture(long_batch, _frame(998))
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == PAGES + 1 and not view._refreshing, timeout=10000)
    assert made == [PAGES + 1], made
    assert view.strip.item(PAGES).text().startswith(str(PAGES + 1))

    # a delete renumbers the pages after it: those (and only those) are remade
    made.clear()
    ctx.capture.delete_page(view.strip.item(PAGES - 2).data(PAGE_ID_ROLE))
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == PAGES and not view._refreshing, timeout=10000)
    assert made == [PAGES - 1, PAGES], made
    assert [view.strip.item(r).text().split(" ")[0] for r in range(PAGES)] == [
        str(k) for k in range(1, PAGES + 1)
    ]
