"""``hukou-scan db`` commands and the start-up page-store check."""

from __future__ import annotations

import json
import os
import time

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main


def test_db_upgrade_and_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    out = capsys.readouterr().out
    from hukou_scan.storage.db import Database

    assert out.strip().splitlines()[-1] == Database("sqlite:///:memory:").head_revision()


def test_db_check_reports_orphans_and_corruption(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    orphan = ctx.blobs.put(b"never committed")
    assert main(["db", "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["orphans"] == [orphan] and report["clean"] is False
    ctx.blobs.path_for(orphan).write_bytes(b"tampered")
    # corrupt only counts for referenced files; an orphan stays an orphan
    assert main(["db", "check", "--verify", "--json"]) == 0
    capsys.readouterr()
    old = time.time() - 7200
    os.utime(ctx.blobs.path_for(orphan), (old, old))
    assert main(["db", "check", "--repair", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["quarantined"] == [orphan]
    assert (ctx.quarantine_dir / orphan).read_bytes() == b"tampered"  # kept, only moved aside
    assert not ctx.blobs.exists(orphan)


def test_user_mistake_gives_message_not_traceback(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "settings.toml").write_text("[general\nbroken", encoding="utf-8")
    code = main(["db", "current"])
    err = capsys.readouterr().err
    assert code == 2
    assert "设置文件格式错误" in err and "Traceback" not in err
