"""RegistryImportDialog, LinkPanel and WarningsView over real services on a temporary SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory, ExtractedField, OcrResult
from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households
from hukou_scan.gui.link_panel import LinkPanel
from hukou_scan.gui.registry_import_dialog import RegistryImportDialog
from hukou_scan.gui.warnings_view import WarningsView
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.linking import LinkingService
from hukou_scan.services.registry import RegistryService
from tests.registry_helpers import recognised_page, write_registry_csv


def cell(table: QTableWidget, row: int, col: int) -> QTableWidgetItem:
    item = table.item(row, col)
    assert item is not None, (row, col)
    return item


@pytest.fixture
def registry(ctx: AppContext) -> RegistryService:
    return RegistryService(ctx.registry_store, OpenGuard(username="admin1"))


@pytest.fixture
def linking(ctx: AppContext) -> LinkingService:
    return LinkingService(ctx.pages, ctx.persons, ctx.links, ctx.registry_store, OpenGuard(username="clerk1"))


def test_import_dialog_preview_mapping_import_and_bad_rows(
    qtbot: object, registry: RegistryService, tmp_path: Path, ctx: AppContext
) -> None:
    bad = ["", "", "", "男", "汉族", "1990-01-01", "H9", "", "户主", "某地", "城关派出所", "正常"]
    path = write_registry_csv(
        tmp_path / "reg.csv", generate_households(10, seed=3), encoding="gbk", extra=[bad]
    )
    dlg = RegistryImportDialog(registry)
    qtbot.addWidget(dlg)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dlg.preview_loaded, timeout=10000):  # type: ignore[attr-defined]
        dlg.set_file(path)
    assert "gb18030" in dlg.encoding_label.text()
    m = dlg.mapping()
    assert m["name"] == 0 and m["id_number"] == 2 and m["record_id"] == ""
    assert dlg.preview_table.columnCount() == len(REGISTRY_COLUMNS)
    assert dlg.import_button.isEnabled()
    with qtbot.waitSignal(dlg.import_finished, timeout=20000) as blocker:  # type: ignore[attr-defined]
        dlg.start_import()
    report = blocker.args[0]
    assert report.run.state == "done" and report.run.bad == 1
    assert ctx.persons.count() == report.run.added
    assert dlg.save_bad_button.isEnabled()
    assert dlg.progress.value() == 1000
    out = tmp_path / "bad.csv"
    assert registry.export_bad_rows(report.run.id, out) == 1


def test_import_dialog_cancel_keeps_a_resumable_import(
    qtbot: object, registry: RegistryService, tmp_path: Path
) -> None:
    path = write_registry_csv(tmp_path / "reg.csv", generate_households(40, seed=4), encoding="gbk")
    dlg = RegistryImportDialog(registry)
    qtbot.addWidget(dlg)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dlg.preview_loaded, timeout=10000):  # type: ignore[attr-defined]
        dlg.set_file(path)
    registry.chunk_size = 10
    registry.after_chunk = lambda _pos: dlg.cancel_import()
    with qtbot.waitSignal(dlg.import_finished, timeout=20000) as blocker:  # type: ignore[attr-defined]
        dlg.start_import()
    assert blocker.args[0].cancelled and blocker.args[0].run.rows_done == 10
    assert dlg.import_button.isEnabled() and not dlg.cancel_button.isEnabled()


def _page(ctx: AppContext, fields: dict[str, str]) -> str:
    return recognised_page(
        ctx, fields, archive_id="G-1", category=BatchCategory.BIRTH, original_sha256="b" * 64
    )


def test_link_panel_enter_confirms_top_then_unlink_and_manual_link(
    qtbot: object, registry: RegistryService, linking: LinkingService, ctx: AppContext, tmp_path: Path
) -> None:
    hs = generate_households(15, seed=8)
    registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="gbk"))
    target = hs[2].members[0]
    page_id = _page(ctx, {"id_number": target.id_number, "name": target.name})
    linking.propose(page_id)
    panel = LinkPanel(linking)
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.show()
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):  # type: ignore[attr-defined]
        panel.set_page(page_id)  # read in the background
    t = panel.candidates_table
    assert t.rowCount() >= 1
    assert cell(t, 0, 0).checkState() == Qt.CheckState.Checked  # pre-selected, not linked yet
    assert "*" in cell(t, 0, 2).text()  # ID masked by default
    assert t.columnCount() == 6 and panel.reasons_label.text()  # why: below the table, not a column
    assert panel.links_table.rowCount() == 0
    t.setFocus()
    with qtbot.waitSignals([panel.links_changed, panel.candidates_loaded], timeout=5000):  # type: ignore[attr-defined]
        qtbot.keyClick(t, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert panel.links_table.rowCount() == 1
    assert cell(panel.links_table, 0, 0).text() == target.name
    assert cell(panel.links_table, 0, 3).text() == "clerk1"
    panel.links_table.selectRow(0)
    with qtbot.waitSignals([panel.links_changed, panel.candidates_loaded], timeout=5000):  # type: ignore[attr-defined]
        panel.unlink_selected()
    assert panel.links_table.rowCount() == 0
    other = hs[5].members[0]
    panel.search(other.household_no)
    assert panel.search_table.rowCount() == len(hs[5].members)
    with qtbot.waitSignals([panel.links_changed, panel.candidates_loaded], timeout=5000):  # type: ignore[attr-defined]
        panel.link_selected_search_result()
    assert panel.links_table.rowCount() == 1
    assert linking.links(page_id)[0].method.value == "manual"
    with qtbot.waitSignal(panel.candidates_loaded, timeout=10000):  # type: ignore[attr-defined]
        panel.repropose()
    panel.runner.wait_all()


def test_link_panel_shows_the_reading_a_candidate_would_correct(
    qtbot: object, registry: RegistryService, linking: LinkingService, ctx: AppContext, tmp_path: Path
) -> None:
    """Link-then-correct is visible: raw reading → candidate's name, with its share, before confirming."""
    hs = generate_households(15, seed=8)
    registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="gbk"))
    target = hs[2].members[0]
    misread = target.name[:-1] + ("困" if target.name[-1] != "困" else "国")
    alts = tuple(
        ((misread[i], 0.55), (target.name[i], 0.4)) if i == len(misread) - 1 else ((ch, 0.97),)
        for i, ch in enumerate(misread)
    )
    assert target.birth_date is not None
    page_id = _page(ctx, {"birth_date": target.birth_date.isoformat(), "sex": target.sex})
    ocr = ctx.pages.get_ocr(page_id)
    assert ocr is not None
    name = ExtractedField("name", misread, misread, None, 0.6, alternatives=alts)
    ctx.pages.save_ocr(page_id, OcrResult("", [], "fake", 10, 10, fields=[*ocr.fields, name]))
    linking.propose(page_id)
    panel = LinkPanel(linking)
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):  # type: ignore[attr-defined]
        panel.set_page(page_id)
    assert cell(panel.candidates_table, 0, 1).text().startswith(target.name)
    text = panel.reasons_label.text()
    assert misread in text and target.name in text and "%" in text
    assert cell(panel.candidates_table, 0, 0).checkState() == Qt.CheckState.Unchecked  # a proposal only
    panel.runner.wait_all()


def test_link_panel_household_page_links_all_ticked(
    qtbot: object, registry: RegistryService, linking: LinkingService, ctx: AppContext, tmp_path: Path
) -> None:
    hs = generate_households(15, seed=9)
    registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="gbk"))
    h = max(hs, key=lambda x: len(x.members))
    page_id = _page(ctx, {"household_no": h.household_no})
    linking.propose(page_id)
    panel = LinkPanel(linking, show_full_ids=True)
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):  # type: ignore[attr-defined]
        panel.set_page(page_id)
    assert panel.candidates_table.rowCount() == len(h.members)
    assert "户主" in cell(panel.candidates_table, 0, 1).text()
    with qtbot.waitSignals([panel.links_changed, panel.candidates_loaded], timeout=5000):  # type: ignore[attr-defined]
        panel.confirm_ticked()
    assert panel.links_table.rowCount() == len(h.members)


def test_warnings_view_scan_colours_and_export(
    qtbot: object, registry: RegistryService, ctx: AppContext, tmp_path: Path
) -> None:
    hs = generate_households(30, seed=20261122)
    registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="gbk"))
    view = WarningsView(registry)
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    with qtbot.waitSignal(view.scan_finished, timeout=20000) as blocker:  # type: ignore[attr-defined]
        view.start_scan()
    counts = blocker.args[0]
    assert counts.get("id_not_upgraded", 0) > 0
    view.select_rule("id_not_upgraded")
    assert view.findings_table.rowCount() == counts["id_not_upgraded"]
    shares = registry.station_shares()
    assert view.stations_table.rowCount() == len(shares)
    colours = [cell(view.stations_table, r, 0).data(Qt.ItemDataRole.UserRole) for r in range(len(shares))]
    assert colours == [s.colour for s in shares]
    out = tmp_path / "w.csv"
    assert view.export_csv(out) == counts["id_not_upgraded"]
    assert out.read_text(encoding="utf-8-sig").startswith("规则,rule")


def test_link_panel_names_who_linked_in_local_time_and_lists_every_link(
    qtbot: object,
    registry: RegistryService,
    ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Journeys (issue 15): the 已关联人员 table said 「zhangli」 and a UTC time (12:42 for a link
    made at 20:42 in Beijing), and showed one and a half of a household's five links."""
    import time as time_mod
    from datetime import UTC, timedelta

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time_mod.tzset()
    try:
        linking = LinkingService(
            ctx.pages,
            ctx.persons,
            ctx.links,
            ctx.registry_store,
            OpenGuard(username="clerk1"),
            user_names=lambda: {"clerk1": "张丽"},
        )
        hs = generate_households(15, seed=9)
        registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs, encoding="gbk"))
        h = max(hs, key=lambda x: len(x.members))
        assert len(h.members) >= 4
        page_id = _page(ctx, {"household_no": h.household_no})
        linking.propose(page_id)
        panel = LinkPanel(linking)
        qtbot.addWidget(panel)  # type: ignore[attr-defined]
        panel.resize(560, 600)  # the side panel of the capture screen
        panel.show()
        with qtbot.waitSignal(panel.candidates_loaded, timeout=5000):  # type: ignore[attr-defined]
            panel.set_page(page_id)
        with qtbot.waitSignals([panel.links_changed, panel.candidates_loaded], timeout=5000):  # type: ignore[attr-defined]
            panel.confirm_ticked()
        t = panel.links_table
        assert t.rowCount() == len(h.members)
        linked_at = linking.links(page_id)[0].linked_at
        assert linked_at is not None
        local = (linked_at.replace(tzinfo=UTC) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
        assert cell(t, 0, 3).text() == "张丽"
        assert cell(t, 0, 4).text() == local
        qtbot.wait(50)  # type: ignore[attr-defined]
        visible = [
            r
            for r in range(t.rowCount())
            if t.visualRect(t.model().index(r, 0)).bottom() <= t.viewport().height()
        ]
        assert len(visible) == min(t.rowCount(), 5), (len(visible), t.viewport().height())
        panel.runner.wait_all()
    finally:
        monkeypatch.delenv("TZ")
        time_mod.tzset()
