"""``hukou-scan user …`` and ``hukou-scan audit …`` end to end, including tamper detection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from hukou_scan.cli import main
from hukou_scan.config import load_settings
from hukou_scan.storage.db import Database

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _stdin(monkeypatch: pytest.MonkeyPatch, text_: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text_))


def test_user_and_audit_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stdin(monkeypatch, "Adm1n-secret\n")
    code, out, _ = run(
        capsys, "user", "add", "boss", "--name", "所长", "--role", "管理员", "--password-stdin"
    )
    assert code == 0 and "boss" in out
    _stdin(monkeypatch, "Passw0rd!\n")
    assert (
        run(
            capsys,
            "user",
            "add",
            "li",
            "--name",
            "李",
            "--role",
            "clerk",
            "--role",
            "searcher",
            "--password-stdin",
        )[0]
        == 0
    )
    _stdin(monkeypatch, "short\n")
    code, _, err = run(capsys, "user", "add", "wang", "--name", "王", "--role", "clerk", "--password-stdin")
    assert code != 0 and "密码" in err
    code, _, err = run(capsys, "user", "add", "zhao", "--name", "赵", "--role", "boss")
    assert code != 0 and "未知角色" in err
    code, out, _ = run(capsys, "user", "list", "--json")
    users = [json.loads(line) for line in out.splitlines()]
    assert [u["username"] for u in users] == ["boss", "cli-admin", "li"]  # cli-admin: the cli_login fixture
    assert users[2]["roles"] == ["clerk", "searcher"] and users[2]["must_change_password"] is True
    _stdin(monkeypatch, "Reset-1234\n")
    assert run(capsys, "user", "passwd", "li", "--password-stdin")[0] == 0
    assert run(capsys, "user", "disable", "li")[0] == 0
    code, _, err = run(capsys, "user", "passwd", "nobody", "--password-stdin")
    assert code != 0 and "用户不存在" in err

    code, out, _ = run(capsys, "audit", "list", "--json", "--action", "user_create")
    events = [json.loads(line) for line in out.splitlines()]
    by = {e["target"]: e["username"] for e in events}
    assert by == {"boss": "cli-admin", "li": "cli-admin", "cli-admin": by["cli-admin"]}  # the logged-in admin
    assert by["cli-admin"].startswith("system:")  # the fixture's first administrator

    code, out, _ = run(capsys, "audit", "anchor")
    anchor = out.strip()
    assert code == 0 and ":" in anchor

    code, out, _ = run(capsys, "audit", "verify", "--json")
    assert code == 0 and json.loads(out.splitlines()[-1])["ok"] is True

    csv_path = tmp_path / "audit.csv"
    code, out, _ = run(capsys, "audit", "export-csv", str(csv_path), "--purpose", "年度检查")
    assert code == 0 and csv_path.read_text(encoding="utf-8-sig").startswith("seq,")

    # tamper with the database directly: edit one event, delete another
    db = Database(load_settings().db_url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(text("UPDATE audit_events SET target = 'someone-else' WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    db.dispose()
    code, out, err = run(capsys, "audit", "verify")
    assert code == 13
    assert "#2 [edited]" in out and "#5 [deleted]" in out
    code, out, _ = run(capsys, "audit", "verify", "--json", "--anchor", anchor)
    report = json.loads(out.splitlines()[-1])
    assert code == 13 and {p["kind"] for p in report["problems"]} == {"edited", "deleted"}

    code, _, err = run(capsys, "audit", "verify", "--anchor", "12:nothex")
    assert code != 0 and "锚点" in err


def test_truncation_detected_by_anchor_via_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("aa", "bb", "cc"):
        _stdin(monkeypatch, "Passw0rd!\n")
        assert run(capsys, "user", "add", name, "--name", name, "--role", "clerk", "--password-stdin")[0] == 0
    anchor = run(capsys, "audit", "anchor")[1].strip()
    db = Database(load_settings().db_url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(text("DELETE FROM audit_events WHERE seq >= 2"))
    db.dispose()
    assert run(capsys, "audit", "verify")[0] == 0  # alone, a truncated chain still looks whole …
    code, out, _ = run(capsys, "audit", "verify", "--anchor", anchor)
    assert code == 13 and "[truncated]" in out  # … the anchor from the sync manifest shows it


def test_qa_and_stats_commands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from hukou_scan.app import AppContext
    from tests.unit.test_security_qa import make_batch

    ctx = AppContext(load_settings(), log_to_file=False)
    b = make_batch(ctx, 60, expected=61)
    ctx.close()
    code, out, _ = run(capsys, "qa", "check", b.archive_id)
    assert code == 1 and "缺页" in out
    code, _, err = run(capsys, "qa", "sample", b.archive_id)
    assert code != 0 and "自动检查未通过" in err
    code, out, _ = run(capsys, "qa", "sample", b.id, "--force", "--seed", "5", "--json")
    sample = json.loads(out.splitlines()[-1])
    assert code == 0 and len(sample["page_ids"]) == 3  # 5 % of 60
    code, out, _ = run(capsys, "qa", "reproduce", sample["sample_id"])
    assert code == 0 and out.splitlines()[:3] == sample["page_ids"]
    first, *rest = sample["page_ids"]
    code, _, _ = run(
        capsys, "qa", "record", sample["sample_id"], first, "--fail", "--reason", "image_quality"
    )
    assert code == 0
    for pid in rest:
        assert run(capsys, "qa", "record", sample["sample_id"], pid, "--pass")[0] == 0
    code, out, _ = run(capsys, "qa", "finish", sample["sample_id"], "--json")
    assert code == 1 and json.loads(out)["status"] == "failed"
    code, out, _ = run(capsys, "qa", "queue", "--json")
    assert [json.loads(line)["page_id"] for line in out.splitlines()] == [first]
    code, out, _ = run(capsys, "stats", "--group", "clerk", "--csv", str(tmp_path / "s.csv"))
    assert code == 0 and "clerk1" in out and (tmp_path / "s.csv").exists()
    code, out, _ = run(capsys, "stats", "--json")
    assert json.loads(out.splitlines()[0])["captured"] == 60
