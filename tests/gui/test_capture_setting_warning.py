"""The camera-setting warning (below 200 dpi) is said once per batch and camera, not on every
thumbnail, and stays in each page's quality record for the QA report (issue 15)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.camera import SimulatedCamera
from hukou_scan.domain import Page, PageState, new_id
from hukou_scan.gui.app import create_application
from hukou_scan.gui.capture_view import CaptureView
from tests.gui.test_capture_view import FPS, SIZE, batch_ctx, make_view

__all__ = ["batch_ctx"]  # the fixture, imported for this module

DPI_LOW = {
    "flag": True,
    "value": 150.0,
    "threshold": 200,
    "message_zh": "有效分辨率低于 200 dpi，请靠近拍摄或更换相机。",
    "message_en": "Effective resolution below 200 dpi; move closer or use a better camera.",
}
GLARE = {"flag": True, "value": 0.2, "message_zh": "有反光亮斑，请调整灯光角度。", "message_en": "Glare"}


@pytest.fixture
def view(qtbot: QtBot, batch_ctx: AppContext) -> Iterator[CaptureView]:
    create_application("zh_CN")
    v = make_view(qtbot, batch_ctx, SimulatedCamera(size=SIZE, fps=FPS))
    yield v
    v.shutdown()


def _add_pages(ctx: AppContext, n: int, start: int = 1, glare_on: int | None = None) -> list[Page]:
    batch_id = ctx.capture.current_batch_id
    assert batch_id is not None
    buf = io.BytesIO()
    Image.new("RGB", (120, 160), (240, 236, 226)).save(buf, "JPEG")
    pages = []
    for seq in range(start, start + n):
        sha = ctx.blobs.put(buf.getvalue() + bytes([seq]))  # distinct files
        quality = {"dpi_low": dict(DPI_LOW)}
        if seq == glare_on:
            quality["glare"] = dict(GLARE)
        page = Page(
            id=new_id(),
            batch_id=batch_id,
            seq=seq,
            original_sha256=sha,
            captured_at=datetime(2026, 5, 1, 9, seq),
            source_device="simulated",
            quality=quality,
            state=PageState.PROCESSED,
        )
        ctx.pages.add(page)
        pages.append(page)
    return pages


def test_low_resolution_is_said_once_per_batch_not_on_every_thumbnail(
    qtbot: QtBot, batch_ctx: AppContext, view: CaptureView
) -> None:
    _add_pages(batch_ctx, 3, glare_on=2)
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == 3, timeout=10000)
    texts = [view.strip.item(i).text() for i in range(3)]
    assert ["⚠" in t for t in texts] == [False, True, False]  # only the page with its own problem
    assert (
        view.status.text().startswith("⚠ 有效分辨率低于 200 dpi")
        and "每个批次只提示一次" in view.status.text()
    )
    assert len(view.setting_warnings) == 1
    view.strip.setCurrentRow(0)
    assert "200 dpi" not in view.warnings.text()
    view.strip.setCurrentRow(1)
    assert "反光" in view.warnings.text() and "200 dpi" not in view.warnings.text()

    view.status.setText("")
    _add_pages(batch_ctx, 2, start=4)  # more pages, same batch and camera: not said again
    view.refresh_pages()
    qtbot.waitUntil(lambda: view.strip.count() == 5, timeout=10000)
    assert "200 dpi" not in view.status.text() and len(view.setting_warnings) == 1

    # the flag stays on every page for the QA report
    report = batch_ctx.qa.auto_checks(batch_ctx.capture.current_batch_id or "")
    assert [i.kind for i in report.issues].count("dpi") == 5
