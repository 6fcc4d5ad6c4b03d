"""A page the OCR check found to be the same sheet as another shows "与第 N 页重复？" with the
other page's number of the moment, and a ⚠ on its thumbnail; once the other page is deleted the
warning goes (the clerk decides; nothing is deleted for them)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.domain import PageState
from hukou_scan.gui.capture_view import CaptureView
from tests.gui.test_capture_setting_warning import _add_pages, view
from tests.gui.test_capture_view import batch_ctx

__all__ = ["batch_ctx", "view"]  # the fixtures, imported for this module


def test_duplicate_warning_names_the_visible_page_and_goes_with_it(
    qtbot: QtBot, batch_ctx: AppContext, view: CaptureView
) -> None:
    pages = _add_pages(batch_ctx, 4)
    batch_ctx.pages.update(pages[0].id, state=PageState.DELETED)  # visible: 2→1, 3→2, 4→3
    q = dict(batch_ctx.pages.get(pages[3].id).quality)
    q["duplicate"] = {
        "flag": True,
        "value": 0.97,
        "page_id": pages[2].id,
        "message_zh": "同",
        "message_en": "s",
    }
    batch_ctx.pages.update(pages[3].id, quality=q)
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=10000)
    assert ["⚠" in view.strip.item(i).text() for i in range(3)] == [False, False, True]
    view.strip.setCurrentRow(2)
    assert "⚠ 与第 2 页重复？" in view.warnings.text()

    # a re-run of OCR that no longer finds the match clears the flag; the state stays the same
    batch_ctx.pages.update(pages[3].id, quality={k: v for k, v in q.items() if k != "duplicate"})
    view.refresh_pages()
    qtbot.waitUntil(lambda: "⚠" not in view.strip.item(2).text(), timeout=10000)
    batch_ctx.pages.update(pages[3].id, quality=q)
    view.refresh_pages()
    qtbot.waitUntil(lambda: "⚠" in view.strip.item(2).text(), timeout=10000)

    batch_ctx.pages.update(pages[2].id, state=PageState.DELETED)
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == 2, timeout=10000)
    assert not any("⚠" in view.strip.item(i).text() for i in range(2))
    view.strip.setCurrentRow(1)
    assert "重复" not in view.warnings.text()
