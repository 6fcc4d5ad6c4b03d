"""Search view and page viewer: results, thumbnails, hit outlines at the right place, keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext
from hukou_scan.gui.search_view import SearchView
from tests.search_helpers import Archive, build_archive


@pytest.fixture
def archive(ctx: AppContext) -> Archive:
    arch = build_archive(ctx, images=True)
    ctx.search.reindex()
    return arch


@pytest.fixture
def view(ctx: AppContext, archive: Archive, qtbot: QtBot) -> Iterator[SearchView]:
    w = SearchView(ctx.search, [(s.id, s.name) for s in ctx.stations.list()])
    qtbot.addWidget(w)
    w.resize(1500, 820)
    w.show()
    yield w
    w.shutdown()


def search(qtbot: QtBot, view: SearchView, query: str) -> int:
    view.query_edit.setText(query)
    with (
        qtbot.waitSignal(view.page_opened, timeout=15000),
        qtbot.waitSignal(view.search_finished, timeout=15000) as blocker,
    ):
        qtbot.mouseClick(view.search_button, Qt.MouseButton.LeftButton)
    return int(blocker.args[0])


def box_of(archive: Archive, page: str, word: str) -> tuple[int, int, int, int]:
    w = next(w for w in archive.words[page] if w.text == word)
    return w.x, w.y, w.w, w.h


def test_results_hits_outlined_on_the_words(
    qtbot: QtBot, view: SearchView, archive: Archive, ctx: AppContext
) -> None:
    assert search(qtbot, view, "王伟") == 2
    # First result: p2, linked to 王伟; its text says 王伟民, so the box is the word's first 2/3.
    assert view.viewer.page_id == archive.pages["p2"]
    (rect,) = [r.rect() for r in view.viewer.hit_rects]
    x, y, w, h = box_of(archive, "p2", "王伟民")
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (x, y, round(w * 2 / 3), h)

    with qtbot.waitSignal(view.page_opened, timeout=15000):
        qtbot.keyClick(view.viewer, Qt.Key.Key_PageDown)
    assert view.viewer.page_id == archive.pages["p1"]
    (rect,) = [r.rect() for r in view.viewer.hit_rects]
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == box_of(archive, "p1", "王伟")

    # The outline sits on ink: the rendered page has dark pixels inside the box, none just above it.
    image = QImage(str(ctx.blobs.path_for(ctx.pages.get(archive.pages["p1"]).processed_sha256 or "")))
    inside = [
        image.pixelColor(int(rect.x() + dx), int(rect.y() + dy)).lightness()
        for dx in range(0, 80, 2)
        for dy in range(0, 48, 2)
    ]
    above = [image.pixelColor(int(rect.x() + dx), int(rect.y() - 10)).lightness() for dx in range(0, 80, 2)]
    assert min(inside) < 100 and min(above) > 200

    qtbot.waitUntil(lambda: view.thumbnails.decoded >= 2, timeout=15000)
    decoded = view.thumbnails.decoded
    view.results.viewport().update()
    qtbot.wait(50)
    assert view.thumbnails.decoded == decoded  # cached: repainting decodes nothing again
    view.grab().save("/tmp/search.png")


def test_next_previous_hit_rotate_and_fit(qtbot: QtBot, view: SearchView, archive: Archive) -> None:
    assert search(qtbot, view, "娜") == 1
    viewer = view.viewer
    assert len(viewer.hit_rects) == 2 and viewer.current_hit == 0
    with qtbot.waitSignal(viewer.hit_changed) as blocker:
        qtbot.keyClick(viewer, Qt.Key.Key_N)
    assert blocker.args == [1]
    qtbot.keyClick(viewer, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.current_hit == 0
    scale = viewer.view.transform().m11()
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert viewer.view.transform().m11() > scale
    qtbot.keyClick(viewer, Qt.Key.Key_R)
    assert viewer.rotation == 90
    qtbot.keyClick(viewer, Qt.Key.Key_F)


def test_filters_and_person_click_through(qtbot: QtBot, view: SearchView, archive: Archive) -> None:
    view.station_combo.setCurrentIndex(view.station_combo.findText("东街派出所"))
    assert search(qtbot, view, "王") == 2
    assert {h.page_id for h in view.model.hits} == {archive.pages["p4"], archive.pages["p5"]}
    view.station_combo.setCurrentIndex(0)
    assert search(qtbot, view, "李娜") == 1
    assert view.viewer.persons_list.count() == 1
    with qtbot.waitSignal(view.search_finished, timeout=15000) as blocker:
        view.viewer.person_button.click()
    assert blocker.args == [1]
    assert view.model.hits[0].page_id == archive.pages["p3"]


def test_empty_query_browses_newest_pages(qtbot: QtBot, view: SearchView, archive: Archive) -> None:
    assert search(qtbot, view, "") == 6
    assert view.model.hits[0].page_id == archive.pages["p6"]  # indexed last
    assert {h.tier for h in view.model.hits} == {"filter"}


def test_search_without_results_clears_the_viewer(qtbot: QtBot, view: SearchView, archive: Archive) -> None:
    """Issue 15 item 7: after a search with hits, one with none shows no page and no hit count."""
    assert search(qtbot, view, "娜") == 1
    assert view.viewer.page_id is not None and view.viewer.hit_label.text()
    assert not view.viewer.pixmap_item.pixmap().isNull()
    view.query_edit.setText("查无此人之字串")
    with qtbot.waitSignal(view.search_finished, timeout=15000) as blocker:
        qtbot.mouseClick(view.search_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [0]
    viewer = view.viewer
    assert viewer.page_id is None and viewer.page_view is None
    assert viewer.hit_rects == [] and viewer.hit_label.text() == ""
    assert viewer.pixmap_item.pixmap().isNull()
    assert viewer.fields["archive"].text() == "" and viewer.persons_list.count() == 0
    assert not viewer.person_button.isEnabled()


def test_thumbnail_comes_from_the_database_without_the_page_file(
    qtbot: QtBot, view: SearchView, archive: Archive, ctx: AppContext
) -> None:
    """A search client of a shared database has no copy of other stations' page files: the
    stored thumbnail is shown; a page with neither shows none (and nothing fails)."""
    import cv2
    import numpy as np

    p1, p2 = ctx.pages.get(archive.pages["p1"]), ctx.pages.get(archive.pages["p2"])
    small = np.full((200, 144, 3), 255, np.uint8)
    small[:, :72] = (0, 0, 200)  # red left half: not what the page file looks like
    ctx.pages.save_thumbnail(p1.id, p1.derivative_sha256 or "", cv2.imencode(".jpg", small)[1].tobytes())
    for p in (p1, p2):
        ctx.blobs.path_for(p.processed_sha256 or "").unlink()
    assert search(qtbot, view, "王伟") == 2
    sha1 = p1.processed_sha256
    qtbot.waitUntil(lambda: view.thumbnails._images.get(sha1 or "") is not None, timeout=15000)
    img = view.thumbnails._images[sha1 or ""]
    left, right = img.pixelColor(5, img.height() // 2), img.pixelColor(img.width() - 5, img.height() // 2)
    assert left.red() > 150 and left.blue() < 80 and right.lightness() > 200
    qtbot.wait(300)
    assert (p2.processed_sha256 or "") not in view.thumbnails._images
