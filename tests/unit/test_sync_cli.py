"""``hukou-scan sync`` and ``hukou-scan restore`` end to end against a folder target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from tests.sync_helpers import make_batch

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def test_sync_then_restore_via_cli(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_batch(ctx, 3)
    ctx.close()
    remote = tmp_path / "remote"
    monkeypatch.setenv("HUKOU_STORAGE_URL", f"file://{remote}")
    assert main(["sync", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["sync"]["uploaded"] == 6 and out["pages"] == {"verified": 3}
    assert main(["sync", "--verify", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["verify"]["clean"] and out["verify"]["checked"] == 8
    into = tmp_path / "restored"
    assert main(["restore", f"file://{remote}", "--into", str(into), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["verified_all"] and out["pages"] == 3 and out["objects"] == 6
    # The restored folder is a working data dir: the app opens it and sees the pages.
    assert main(["--data-dir", str(into), "sync", "--status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["pages"] == {"verified": 3}


def test_restore_of_an_empty_target_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["restore", f"file://{tmp_path / 'nothing'}", "--into", str(tmp_path / "x")])
    assert code == 9
    assert "备份目录" in capsys.readouterr().err


def test_pages_are_listed_by_sync_state(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = make_batch(ctx, 2)
    ctx.close()
    monkeypatch.setenv("HUKOU_STORAGE_URL", f"file://{tmp_path / 'remote'}")
    assert main(["sync", "--list", "local", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["page_no"] for r in rows} == {1, 2} and rows[0]["archive_id"] == batch.archive_id
    assert main(["sync", "--json"]) == 0
    capsys.readouterr()
    assert main(["sync", "--list", "local", "--json"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["sync", "--list", "verified", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
