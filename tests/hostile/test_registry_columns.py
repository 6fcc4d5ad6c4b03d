"""Issue 16 item 5: a registry file without ID-number and household columns must not import silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def names_only(tmp_path: Path) -> Path:
    path = tmp_path / "names.csv"
    path.write_text("姓名,性别\n张三,男\n李四,女\n", encoding="utf-8")
    return path


def test_cli_summary_and_preview_warn(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = names_only(tmp_path)
    assert main(["import-registry", str(path), "--preview"]) == 0
    err = capsys.readouterr().err
    assert "没有公民身份号码列" in err and "no ID-number column" in err and "没有户号列" in err
    assert main(["import-registry", str(path)]) == 0
    out = capsys.readouterr()
    assert "没有公民身份号码列" in out.err and "household-number column" in out.err
    assert main(["import-registry", str(path), "--json", "--no-resume"]) == 0
    d = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert len(d["warnings"]) == 2 and len(d["warnings_zh"]) == 2


def test_a_complete_file_has_no_warning(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "full.csv"
    path.write_text("姓名,公民身份号码,户号\n张三,11010519491231002X,H1\n", encoding="utf-8")
    assert ctx.registry.preview(path).warnings == []
    assert ctx.registry.import_file(path).warnings == []


def test_gui_preview_shows_the_warning_before_import(
    qtbot: object, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hukou_scan.gui.registry_import_dialog import RegistryImportDialog

    dlg = RegistryImportDialog(ctx.registry)
    qtbot.addWidget(dlg)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dlg.preview_loaded, timeout=10000):  # type: ignore[attr-defined]
        dlg.set_file(names_only(tmp_path))
    assert not dlg.warning_label.isHidden()
    assert "没有公民身份号码列" in dlg.warning_label.text() and "没有户号列" in dlg.warning_label.text()
    assert ctx.persons.count() == 0  # warned before anything was imported
    monkeypatch.setenv("HUKOU_LANG", "en")
    with qtbot.waitSignal(dlg.preview_loaded, timeout=10000):  # type: ignore[attr-defined]
        dlg.load_preview()
    assert "no ID-number column" in dlg.warning_label.text()
    dlg.runner.wait_all()
