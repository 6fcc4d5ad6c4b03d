"""Login, lockout, passwords, user admin, roles and station scoping in the core."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from hukou_scan.app import AppContext
from hukou_scan.domain import Role, User
from hukou_scan.errors import HukouScanError, PermissionDenied
from hukou_scan.security import InvalidInputError, PasswordHashing, mask_id
from hukou_scan.services.security import AccountLocked, LoginFailed, SecurityService

ADMIN_PW = "Adm1n-secret"
PW = "Passw0rd!"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 8, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sec(ctx: AppContext, clock: Clock) -> Iterator[SecurityService]:
    s = ctx.security
    s.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    s.clock = clock
    s.begin_interactive()
    s.create_first_admin("admin", "管理员", ADMIN_PW)
    yield s


def _login_admin(sec: SecurityService) -> User:
    return sec.login("admin", ADMIN_PW)


def test_real_hasher_is_argon2id(ctx: AppContext) -> None:
    h = ctx.security.hashing.hash("Passw0rd!")
    assert h.startswith("$argon2id$")
    assert ctx.security.hashing.verify(h, "Passw0rd!")
    assert not ctx.security.hashing.verify(h, "Passw0rd?")
    assert not ctx.security.hashing.verify("not-a-hash", "x")


def test_first_admin_only_once(sec: SecurityService) -> None:
    assert not sec.needs_first_admin()
    with pytest.raises(HukouScanError):
        sec.create_first_admin("admin2", "二号", ADMIN_PW)


def test_nothing_allowed_before_login_in_interactive_mode(ctx: AppContext, sec: SecurityService) -> None:
    with pytest.raises(PermissionDenied):
        ctx.guard.require(Role.SEARCHER)
    assert ctx.guard.events[-1][0] == "permission_denied"


def test_cli_default_runs_as_os_user_and_audits(ctx: AppContext) -> None:
    assert ctx.guard.require(Role.ADMIN) is None  # system mode allows …
    ctx.guard.audit("search", target="query", query="张三")
    last = ctx.audit_chain.store.last()
    assert last is not None and last.username.startswith("system:")  # … but leaves a trace


def test_login_logout_are_audited(ctx: AppContext, sec: SecurityService) -> None:
    user = _login_admin(sec)
    assert ctx.guard.user == user and Role.ADMIN in user.roles
    sec.logout()
    assert ctx.guard.user is None
    actions = [(a, o) for a, _t, o, _d in ctx.guard.events]
    assert ("login", "ok") in actions and ("logout", "ok") in actions
    with pytest.raises(PermissionDenied):
        ctx.guard.require()


def test_lockout_after_five_failures_for_fifteen_minutes(
    ctx: AppContext, sec: SecurityService, clock: Clock
) -> None:
    _login_admin(sec)
    sec.add_user("clerk1", "采集员一", PW, [Role.CLERK])
    sec.logout()
    for _ in range(4):
        with pytest.raises(LoginFailed) as ei:
            sec.login("clerk1", "wrong-password1")
        assert not isinstance(ei.value, AccountLocked)
    with pytest.raises(AccountLocked):
        sec.login("clerk1", "wrong-password1")
    with pytest.raises(AccountLocked):  # right password, still locked
        sec.login("clerk1", PW)
    clock.now += timedelta(minutes=14, seconds=59)
    with pytest.raises(AccountLocked):
        sec.login("clerk1", PW)
    clock.now += timedelta(seconds=2)
    assert sec.login("clerk1", PW).username == "clerk1"
    outcomes = [o for a, t, o, _d in ctx.guard.events if a == "login" and t == "clerk1"]
    assert outcomes.count("failed") == 5 and outcomes.count("locked") == 2 and outcomes[-1] == "ok"


def test_admin_can_unlock(sec: SecurityService) -> None:
    _login_admin(sec)
    u = sec.add_user("clerk2", "采集员二", PW, [Role.CLERK])
    sec.logout()
    for _ in range(5):
        with pytest.raises(LoginFailed):
            sec.login("clerk2", "nope-nope-1")
    _login_admin(sec)
    sec.unlock_user(u.id)
    sec.logout()
    assert sec.login("clerk2", PW).id == u.id


def test_unknown_user_and_wrong_password_say_the_same(sec: SecurityService) -> None:
    with pytest.raises(LoginFailed) as a:
        sec.login("nobody", PW)
    with pytest.raises(LoginFailed) as b:
        sec.login("admin", "Wrong-pass1")
    assert a.value.user_message() == b.value.user_message()
    assert a.value.zh == "用户名或密码错误。"


BAD_LOGIN_INPUTS = [
    ("", PW),
    ("admin", ""),
    ("   ", "   "),
    ("a" * 100_000, PW),
    ("admin", "x" * 100_000),
    ("admin' OR '1'='1", "' OR '1'='1"),
    ("admin'; DROP TABLE users; --", PW),
    ("ad\x00min", PW),
    ("admin\r\n", "\x1b[2J" + PW),
]


@pytest.mark.parametrize(("username", "password"), BAD_LOGIN_INPUTS)
def test_bad_login_input_is_refused_cleanly(
    ctx: AppContext, sec: SecurityService, username: str, password: str
) -> None:
    with pytest.raises(HukouScanError) as ei:
        sec.login(username, password)
    assert ei.value.zh and ei.value.en
    assert ctx.guard.user is None
    with ctx.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
    assert ctx.audit_chain.verify().ok


BAD_FORMS = [
    ("", "名", PW, "用户名不能为空"),
    ("u" * 65, "名", PW, "过长"),
    ("bob'; DROP TABLE users;--", "名", PW, "只能包含"),
    ("bob\x07", "名", PW, "只能包含"),
    ("bob", "", PW, "姓名不能为空"),
    ("bob", "名" * 101, PW, "过长"),
    ("bob", "a\x00b", PW, "控制字符"),
    ("bob", "Bob", "", "密码不能为空"),
    ("bob", "Bob", "short1", "至少需要"),
    ("bob", "Bob", "x" * 300, "过长"),
    ("bob", "Bob", "abcdefghij", "至少两类"),
    ("bob", "Bob", "Passw0rd\x00", "控制字符"),
]


@pytest.mark.parametrize(("username", "display", "password", "zh_part"), BAD_FORMS)
def test_bad_user_form_input(
    ctx: AppContext, sec: SecurityService, username: str, display: str, password: str, zh_part: str
) -> None:
    _login_admin(sec)
    with pytest.raises(InvalidInputError) as ei:
        sec.add_user(username, display, password, [Role.CLERK])
    assert zh_part in ei.value.zh
    assert [a.user.username for a in sec.list_users()] == ["admin"]


def test_sql_metacharacters_in_display_name_are_stored_verbatim(sec: SecurityService) -> None:
    _login_admin(sec)
    name = "O'Brien \"; DROP TABLE users; --"
    u = sec.add_user("obrien", name, PW, [Role.SEARCHER])
    assert sec.users.get(u.id).user.display_name == name
    assert len(sec.list_users()) == 2


def test_duplicate_username_is_a_clear_error(sec: SecurityService) -> None:
    _login_admin(sec)
    sec.add_user("dup", "甲", PW, [Role.CLERK])
    with pytest.raises(HukouScanError) as ei:
        sec.add_user("dup", "乙", PW, [Role.CLERK])
    assert "已被使用" in ei.value.zh


def test_password_change_and_admin_reset(sec: SecurityService) -> None:
    _login_admin(sec)
    u = sec.add_user("rev", "核查员", PW, [Role.REVIEWER])
    sec.logout()
    sec.login("rev", PW)
    assert sec.must_change_password()  # new accounts change the initial password
    with pytest.raises(LoginFailed):
        sec.change_password("wrong", "N3w-password")
    with pytest.raises(InvalidInputError):
        sec.change_password(PW, "short")
    sec.change_password(PW, "N3w-password")
    assert not sec.must_change_password()
    with pytest.raises(PermissionDenied):
        sec.reset_password(u.id, "Reset-1234")
    sec.logout()
    _login_admin(sec)
    sec.reset_password(u.id, "Reset-1234")
    sec.logout()
    with pytest.raises(LoginFailed):
        sec.login("rev", "N3w-password")
    sec.login("rev", "Reset-1234")
    assert sec.must_change_password()


ADMIN_ONLY = [
    lambda s, uid: s.list_users(),
    lambda s, uid: s.add_user("x1", "X", PW, [Role.CLERK]),
    lambda s, uid: s.update_user(uid, roles=[Role.ADMIN]),
    lambda s, uid: s.unlock_user(uid),
    lambda s, uid: s.reset_password(uid, "Reset-1234"),
    lambda s, uid: s.verify_audit(),
    lambda s, uid: s.audit_events(),
    lambda s, uid: s.audit_actions(),
    lambda s, uid: s.record_settings_change("qa", {"sample_rate": (0.05, 0.2)}),
]


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.SEARCHER])
@pytest.mark.parametrize("call", ADMIN_ONLY)
def test_admin_entry_points_refuse_other_roles(sec: SecurityService, role: Role, call: object) -> None:
    _login_admin(sec)
    u = sec.add_user(f"u-{role.value}", "某人", PW, [role])
    sec.logout()
    sec.login(u.username, PW)
    with pytest.raises(PermissionDenied) as ei:
        call(sec, u.id)  # type: ignore[operator]
    assert "权限" in ei.value.zh and "not allowed" in ei.value.en


def test_export_audit_csv_requires_admin_and_is_audited(
    ctx: AppContext, sec: SecurityService, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _login_admin(sec)
    ctx.guard.audit("search", target='=HYPERLINK("x")', query="=1+1")
    n = sec.export_audit_csv(tmp_path / "a.csv", purpose="年度检查")
    body = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert n >= 3 and body.splitlines()[0].startswith("seq,at_utc")
    assert "'=HYPERLINK" in body  # formula injection neutralised
    assert ctx.guard.events[-1][0] == "export" and ctx.guard.events[-1][3]["purpose"] == "年度检查"


def test_cannot_remove_last_admin(sec: SecurityService) -> None:
    admin = _login_admin(sec)
    with pytest.raises(HukouScanError):
        sec.update_user(admin.id, roles=[Role.CLERK])
    with pytest.raises(HukouScanError):
        sec.update_user(admin.id, active=False)


def test_disabled_user_cannot_log_in(sec: SecurityService) -> None:
    _login_admin(sec)
    u = sec.add_user("gone", "离职", PW, [Role.CLERK])
    sec.update_user(u.id, active=False)
    sec.logout()
    with pytest.raises(LoginFailed):
        sec.login("gone", PW)


def test_station_scoping(ctx: AppContext, sec: SecurityService) -> None:
    other = ctx.stations.ensure("S0002", "另一所")
    _login_admin(sec)
    clerk = sec.add_user("cc", "采集", PW, [Role.CLERK])
    roamer = sec.add_user("rr", "跨所", PW, [Role.REVIEWER], all_stations=True)
    sec.logout()
    sec.login("cc", PW)
    assert ctx.guard.require(Role.CLERK, station_id=ctx.station.id) == sec.current_user
    with pytest.raises(PermissionDenied) as ei:
        ctx.guard.require(Role.CLERK, station_id=other.id)
    assert "本派出所" in ei.value.zh
    with pytest.raises(PermissionDenied):
        ctx.guard.require(Role.REVIEWER)
    sec.logout()
    sec.login("rr", PW)
    assert ctx.guard.require(Role.REVIEWER, station_id=other.id) is not None
    assert clerk.station_id == roamer.station_id == ctx.station.id


def test_id_masking_and_audited_reveal(ctx: AppContext, sec: SecurityService) -> None:
    from hukou_scan.domain import Person

    assert mask_id("110101199003071234") == "1101**********1234"
    assert mask_id("110101900307123") == "1101*******7123"
    assert mask_id("12345") == "*****" and mask_id("") == ""
    ctx.persons.upsert_many([Person(id="p1", name="张三", id_number="110101199003071234")])
    _login_admin(sec)
    sec.add_user("ss", "查询", PW, [Role.SEARCHER])
    sec.logout()
    sec.login("ss", PW)
    assert not ctx.guard.can_view_full_id()
    assert sec.display_id("110101199003071234") == "1101**********1234"
    with pytest.raises(InvalidInputError):
        sec.reveal_id_number("p1", purpose="x" * 1000)
    assert sec.reveal_id_number("p1", purpose="窗口办证核对") == "110101199003071234"
    action, target, _o, details = ctx.guard.events[-1]
    assert (action, target, details["purpose"]) == ("id_reveal", "p1", "窗口办证核对")
    sec.logout()
    _login_admin(sec)
    assert sec.display_id("110101199003071234") == "110101199003071234"


def test_screen_unlock_checks_password_and_counts_failures(sec: SecurityService) -> None:
    _login_admin(sec)
    sec.lock_screen()
    assert sec.unlock_screen(ADMIN_PW)
    for _ in range(4):
        assert not sec.unlock_screen("wrong-one1")
    with pytest.raises(AccountLocked):
        sec.unlock_screen("wrong-one1")
    assert sec.current_user is None  # locked out → logged out


def test_background_worker_acts_as_system_on_its_thread_only(ctx: AppContext, sec: SecurityService) -> None:
    import threading

    seen: dict[str, object] = {}

    def worker() -> None:
        with ctx.session_guard.acting_as_system("sync"):
            seen["require"] = ctx.guard.require(Role.ADMIN)
            seen["user"] = ctx.guard.user
            ctx.guard.audit("sync", target="s3://bucket")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["require"] is None and seen["user"] is None  # allowed on the worker thread …
    last = ctx.audit_chain.store.last()
    assert last is not None and (last.username, last.action) == ("system:sync", "sync")
    with pytest.raises(PermissionDenied):  # … while the UI thread (nobody logged in) is still refused
        ctx.guard.require(Role.SEARCHER)


@pytest.mark.parametrize("needle", ["%", "_", "' OR '1'='1", "\\", "%' --", "x" * 5000, "\x00"])
def test_audit_filter_text_is_literal(ctx: AppContext, sec: SecurityService, needle: str) -> None:
    from hukou_scan.storage.security import AuditFilter

    _login_admin(sec)
    ctx.guard.audit("search", target="plain-target")
    assert sec.audit_events(AuditFilter(text=needle)) == []
    assert len(sec.audit_events(AuditFilter(text="plain"))) == 1


@pytest.mark.parametrize("purpose", ["x" * 501, "bad\x07purpose", "\x1b[2J"])
def test_export_purpose_is_validated(
    ctx: AppContext, sec: SecurityService, tmp_path: Path, purpose: str
) -> None:
    _login_admin(sec)
    with pytest.raises(InvalidInputError):
        sec.export_audit_csv(tmp_path / "a.csv", purpose=purpose)
    assert not (tmp_path / "a.csv").exists()
    assert ctx.guard.events[-1][0] != "export"


def test_worker_thread_does_not_borrow_the_logged_in_user(ctx: AppContext, sec: SecurityService) -> None:
    import threading

    admin = _login_admin(sec)
    seen: list[object] = []

    def worker() -> None:
        with ctx.session_guard.acting_as_system("ocr"):
            seen.append(ctx.guard.user)
            ctx.guard.audit("ocr", target="page-1")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [None] and ctx.guard.user == admin
    last = ctx.audit_chain.store.last()
    assert last is not None and last.username == "system:ocr"
