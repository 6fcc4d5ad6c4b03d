"""Issue 16 item 9: the command line's authentication model (hukou_scan/cli/_auth.py).

Commands that change users, roles, links or registry data or that show personal data
need a product login; the OS identity in the audit log comes from the process uid,
never from ``$USER``; the break-glass path is for the data folder's owner only and is
audited; ``hukou-scan login`` sessions are 0600 token files bound to the OS account.
"""

from __future__ import annotations

import io
import json
import os
import pwd
import stat
import time
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.config import load_settings
from hukou_scan.errors import PermissionDenied
from hukou_scan.services.security import LoginFailed
from hukou_scan.storage.security import AuditFilter
from tests.conftest import CLI_PASSWORD, CLI_USER

OS_LOGIN = pwd.getpwuid(os.geteuid()).pw_name


def events(action: str) -> list[tuple[str, str, str, dict[str, object]]]:
    ctx = AppContext(load_settings(), log_to_file=False)
    try:
        rows = ctx.security.audit_store.query(AuditFilter(action=action), limit=100)
        return [(e.username, e.target, e.outcome, dict(e.details)) for e in rows]
    finally:
        ctx.close()


def usernames() -> list[str]:
    ctx = AppContext(load_settings(), log_to_file=False)
    try:
        return [a.user.username for a in ctx.security.users.list()]
    finally:
        ctx.close()


@pytest.fixture
def logged_out(cli_login: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A station with an administrator, but this shell is not logged in."""
    pw_file = os.environ["HUKOU_PASSWORD_FILE"]
    monkeypatch.delenv("HUKOU_USER")
    monkeypatch.delenv("HUKOU_PASSWORD_FILE")
    return pw_file


PROTECTED = [
    ["user", "add", "mallory", "--name", "M", "--role", "admin", "--password-stdin"],
    ["user", "passwd", CLI_USER, "--password-stdin"],
    ["user", "list"],
    ["audit", "list"],
    ["audit", "export-csv", "out.csv", "--purpose", "x"],
    ["search", "王"],
    ["warnings"],
    ["stats", "--csv", "stats.csv"],
    ["qa", "queue"],
    ["export", "--batch", "x", "-o", "o.pdf", "--purpose", "x"],
    ["import-registry", "reg.csv"],
    ["restore", "file:///nowhere", "--into", "restored"],
]


@pytest.mark.parametrize("argv", PROTECTED, ids=lambda a: " ".join(a[:2]))
def test_protected_commands_refuse_without_login(
    logged_out: str, argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Mallory-Passw0rd!\n"))
    monkeypatch.setenv("USER", CLI_USER)  # pretending to be the administrator changes nothing
    monkeypatch.setenv("LOGNAME", CLI_USER)
    assert main(argv) == PermissionDenied.exit_code
    err = capsys.readouterr().err
    assert "此命令需要登录" in err and "--user" in err and "Traceback" not in err
    assert usernames() == [CLI_USER]
    denied = events("permission_denied")
    assert denied and denied[0][0] == f"system:{OS_LOGIN}" and denied[0][3]["reason"] == "no_login"


def test_audit_name_comes_from_the_uid_not_the_environment(
    logged_out: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("USER", "admin")
    monkeypatch.setenv("LOGNAME", "admin")
    assert main(["capture", "new-batch", "--archive-id", "A-9", "--category", "出生"]) == 0
    (ev,) = events("new_batch")
    assert ev[0] == f"system:{OS_LOGIN}"


def test_user_flag_with_password_file(
    logged_out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", logged_out)
    monkeypatch.setattr("sys.stdin", io.StringIO("Clerk-Passw0rd!\n"))
    argv = ["user", "add", "li", "--name", "李", "--role", "searcher", "--password-stdin"]
    assert main(["--user", CLI_USER, *argv]) == 0
    (ev,) = [e for e in events("user_create") if e[1] == "li"]
    assert ev[0] == CLI_USER  # the product user, not the OS account
    # wrong password → refused and counted
    bad = tmp_path / "bad-pw"
    bad.write_text("wrong\n", "utf-8")
    bad.chmod(0o600)
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", str(bad))
    assert main(["--user", CLI_USER, "user", "list"]) == LoginFailed.exit_code
    assert any(e[2] == "failed" and e[3].get("reason") == "bad_password" for e in events("login"))
    # a password file others can read is refused before it is even read
    loose = tmp_path / "loose-pw"
    loose.write_text(CLI_PASSWORD + "\n", "utf-8")
    loose.chmod(0o644)
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", str(loose))
    assert main(["--user", CLI_USER, "user", "list"]) == PermissionDenied.exit_code
    assert "0600" in capsys.readouterr().err


def test_roles_still_apply_after_login(
    logged_out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", logged_out)
    monkeypatch.setattr("sys.stdin", io.StringIO("Search-Passw0rd!\n"))
    assert (
        main(
            [
                "--user",
                CLI_USER,
                "user",
                "add",
                "cha",
                "--name",
                "查",
                "--role",
                "searcher",
                "--password-stdin",
            ]
        )
        == 0
    )
    pw = tmp_path / "cha-pw"
    pw.write_text("Search-Passw0rd!\n", "utf-8")
    pw.chmod(0o600)
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", str(pw))
    # must change the temporary password first
    assert main(["--user", "cha", "search", "王"]) == LoginFailed.exit_code
    assert "修改密码" in capsys.readouterr().err
    ctx = AppContext(load_settings(), log_to_file=False)
    try:
        ctx.security.login("cha", "Search-Passw0rd!")
        ctx.security.change_password("Search-Passw0rd!", "Search-Passw0rd-2")
    finally:
        ctx.close()
    pw.write_text("Search-Passw0rd-2\n", "utf-8")
    assert main(["--user", "cha", "search", "王"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Mallory-Passw0rd!\n"))
    assert (
        main(["--user", "cha", "user", "add", "m", "--name", "M", "--role", "admin", "--password-stdin"])
        == 11
    )
    assert "m" not in usernames()


def test_login_session_and_logout(
    logged_out: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", logged_out)
    assert main(["login", CLI_USER]) == 0
    monkeypatch.delenv("HUKOU_PASSWORD_FILE")
    token_file = Path(os.environ["HUKOU_CONFIG_DIR"]) / "cli-session"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text("utf-8").strip()
    assert len(token) >= 40 and token not in json.dumps(events("cli_session_start"))
    assert main(["user", "list", "--json"]) == 0  # the session logs the command in
    capsys.readouterr()
    # the token file must stay private
    token_file.chmod(0o644)
    assert main(["user", "list"]) == PermissionDenied.exit_code
    token_file.chmod(0o600)
    # a token copied to another OS account is useless there
    from sqlalchemy import update

    from hukou_scan.storage.records.hardening import CliSessionRecord

    ctx = AppContext(load_settings(), log_to_file=False)
    with ctx.db.session() as sess:  # as if the token had been made by OS account 4242
        sess.execute(update(CliSessionRecord).values(os_uid=4242))
    assert main(["user", "list"]) == LoginFailed.exit_code
    with ctx.db.session() as sess:
        sess.execute(update(CliSessionRecord).values(os_uid=os.geteuid()))
    ctx.close()
    assert any(e[3].get("reason") == "other_os_user" for e in events("cli_session_use"))
    assert main(["user", "list"]) == 0
    assert main(["logout"]) == 0
    assert not token_file.exists()
    assert main(["user", "list"]) == PermissionDenied.exit_code
    # the same token written back is dead: it was deleted from the database
    token_file.write_text(token + "\n", "utf-8")
    token_file.chmod(0o600)
    assert main(["user", "list"]) == LoginFailed.exit_code


def test_session_expires(logged_out: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", logged_out)
    assert main(["login", CLI_USER, "--minutes", "0.01"]) == 0  # 0.6 s
    monkeypatch.delenv("HUKOU_PASSWORD_FILE")
    time.sleep(1.0)
    assert main(["user", "list"]) == LoginFailed.exit_code


def test_break_glass_first_admin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("First-Adm1n-pw\n"))
    argv = ["user", "add", "root-admin", "--name", "所长", "--role", "admin", "--password-stdin"]
    assert main(argv) == PermissionDenied.exit_code  # a fresh station: still no anonymous admin creation
    monkeypatch.setattr("sys.stdin", io.StringIO("First-Adm1n-pw\n"))
    assert main([*argv, "--break-glass"]) == 0
    assert "BREAK-GLASS" in capsys.readouterr().err
    assert usernames() == ["root-admin"]
    (glass,) = [e for e in events("break_glass") if e[2] == "ok"]
    assert glass[0] == f"system:{OS_LOGIN}" and glass[3]["os_user"] == OS_LOGIN
    (created,) = events("user_create")
    assert created[0] == f"breakglass:{OS_LOGIN}"
    # break-glass is not a back door to personal data
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "王", "--break-glass"])  # no such option there
    assert exit_info.value.code == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the data folder to another account")
def test_break_glass_refused_to_others(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    data = Path(os.environ["HUKOU_DATA_DIR"])
    os.chown(data, 65534, 65534)
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("First-Adm1n-pw\n"))
        argv = ["user", "add", "x", "--name", "X", "--role", "admin", "--password-stdin", "--break-glass"]
        assert main(argv) == PermissionDenied.exit_code
        assert "所有者" in capsys.readouterr().err
    finally:
        os.chown(data, 0, 0)
    assert usernames() == []
    assert [e[2] for e in events("break_glass")] == ["denied"]
