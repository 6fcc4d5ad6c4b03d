"""Users, login, the real :class:`~hukou_scan.services.guard.Guard`, and audit access.

:class:`SessionGuard` is one long-lived, mutable object: every service receives it at
construction and it always answers for whoever is logged in *now*.  Before anybody
logs in it acts for a named system actor (``system:<os login>``) so that headless CLI
commands still leave an audit trail under the operating-system account; the GUI calls
:meth:`SecurityService.begin_interactive` at start, after which nothing is allowed
until a user logs in, and after logout nothing is allowed again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from hukou_scan.domain import AuditEvent, Role, Station, User
from hukou_scan.domain.csvfile import check_output_file, open_csv
from hukou_scan.domain.validation import clean_text
from hukou_scan.errors import HukouScanError, NotFoundError, PermissionDenied
from hukou_scan.security.audit import Anchor, AuditChain, VerifyReport
from hukou_scan.security.masking import mask_id
from hukou_scan.security.passwords import (
    MAX_PASSWORD,
    MAX_USERNAME,
    InvalidInputError,
    PasswordHashing,
    validate_display_name,
    validate_password,
    validate_username,
)
from hukou_scan.security.roles import ROLE_LABELS_EN, ROLE_LABELS_ZH, has_any_role, may_act_on_station
from hukou_scan.storage.repositories import (
    BatchRepository,
    PageRepository,
    PersonRepository,
    StationRepository,
)
from hukou_scan.storage.security import AuditFilter, CliSessionStore, SqlAuditStore, UserAccount, UserStore

log = logging.getLogger(__name__)

DEFAULT_MAX_FAILURES = 5
DEFAULT_LOCKOUT_MINUTES = 15
DEFAULT_IDLE_LOCK_MINUTES = 10
DEFAULT_CLI_SESSION_MINUTES = 30  # idle time after which a ``hukou-scan login`` session ends
DEFAULT_CLI_SESSION_MAX_HOURS = 8
DEFAULT_FULL_ID_ROLES = ("admin", "reviewer")
MAX_PURPOSE = 500


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def os_login() -> str:
    """The operating-system account of this process, from its effective uid.

    Never from ``$USER``/``$LOGNAME`` (what :func:`getpass.getuser` reads first): those
    are set by whoever starts the process, so an audit name taken from them is spoofable.
    """
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (containers)
        return f"uid{uid}"


def os_actor() -> str:
    """``system:<os login>`` — who ran a headless command."""
    return f"system:{os_login()}"[:64]


class LoginFailed(HukouScanError):
    """Wrong username or password (deliberately not saying which)."""

    exit_code = 11


class AccountLocked(LoginFailed):
    """Too many failed attempts; the account is locked for a while."""


def _role_text(roles: Iterable[Role]) -> tuple[str, str]:
    rs = list(roles)
    return "、".join(ROLE_LABELS_ZH[r] for r in rs), ", ".join(ROLE_LABELS_EN[r] for r in rs)


class SessionGuard:
    """The real guard: roles and station scope of the current user, audit into the chain.

    Args:
        chain: the audit chain events are appended to.
        station: this workstation's station (recorded on each event).
        system_actor: name used while nobody is logged in; ``None`` denies everything then.
        full_id_roles: roles that see ID numbers unmasked.
    """

    def __init__(
        self,
        chain: AuditChain,
        station: Station,
        system_actor: str | None = None,
        full_id_roles: Iterable[str] = DEFAULT_FULL_ID_ROLES,
    ) -> None:
        self.chain = chain
        self.station = station
        self._system_actor = system_actor
        self._user: User | None = None
        self._full_id_roles = frozenset(Role(r) for r in full_id_roles if r in Role._value2member_map_)
        unknown = [r for r in full_id_roles if r not in Role._value2member_map_]
        if unknown:
            log.warning("ignoring unknown roles in [security] full_id_roles: %s", unknown)
        self._lock = threading.RLock()
        self._local = threading.local()
        self.events: list[tuple[str, str, str, dict[str, Any]]] = []  # this process's events, for tests/UI

    @contextmanager
    def acting_as_system(self, worker: str) -> Iterator[None]:
        """Within this block, *on this thread only*, act as ``system:<worker>``.

        For background loops (sync, OCR dispatch, hot folder) that keep running while
        the user is locked out or logged out: their work is allowed and audited under
        the worker's name, while the UI thread still answers for the logged-in user.
        """
        prev = getattr(self._local, "system", None)
        self._local.system = f"system:{worker}"[:64]
        try:
            yield
        finally:
            self._local.system = prev

    def _thread_system(self) -> str | None:
        return getattr(self._local, "system", None)

    # -- Guard protocol -------------------------------------------------------------
    @property
    def user(self) -> User | None:
        """The logged-in user; ``None`` on a thread inside :meth:`acting_as_system`."""
        if self._thread_system() is not None:
            return None
        return self._user

    @property
    def actor(self) -> str:
        """Who audit events are attributed to right now."""
        thread_system = self._thread_system()
        if thread_system is not None:
            return thread_system
        u = self._user
        if u is not None:
            return u.username
        return self._system_actor or "anonymous"

    @property
    def username(self) -> str:
        """Alias of :attr:`actor` (what :class:`OpenGuard` calls it)."""
        return self.actor

    @property
    def is_system(self) -> bool:
        return self._user is None and self._system_actor is not None

    def require(self, *roles: Role, station_id: str | None = None) -> User | None:
        if self._thread_system() is not None:
            return None
        with self._lock:
            user, system = self._user, self._system_actor
        if user is None:
            if system is not None:
                return None
            self.audit(
                "permission_denied", outcome="denied", roles=[r.value for r in roles], reason="no_login"
            )
            raise PermissionDenied("请先登录。", "Please log in first.")
        if not has_any_role(user, roles):
            zh, en = _role_text(roles)
            self.audit("permission_denied", outcome="denied", roles=[r.value for r in roles])
            raise PermissionDenied(
                f"您没有执行此操作的权限（需要角色：{zh}）。",
                f"You are not allowed to do this (requires role: {en}).",
                hint_zh="请联系管理员分配角色。",
                hint_en="Ask an administrator to grant the role.",
            )
        if not may_act_on_station(user, station_id):
            self.audit("permission_denied", target=station_id or "", outcome="denied", reason="other_station")
            raise PermissionDenied(
                "您只能处理本派出所的数据。",
                "You may only work on your own station's data.",
                hint_zh="如需跨所权限，请联系管理员。",
                hint_en="Ask an administrator for access to all stations.",
            )
        return user

    def audit(self, action: str, target: str = "", outcome: str = "ok", **details: Any) -> None:
        event = self.chain.append(
            username=self.actor,
            station=self.station.code,
            action=action,
            target=target,
            outcome=outcome,
            details=details,
        )
        with self._lock:
            self.events.append((event.action, event.target, event.outcome, dict(event.details)))
            if len(self.events) > 2000:
                del self.events[:1000]

    def can_view_full_id(self) -> bool:
        if self._thread_system() is not None:
            return True
        u = self._user
        if u is None:
            return self._system_actor is not None
        return u.active and (Role.ADMIN in u.roles or bool(self._full_id_roles & u.roles))

    # -- session state --------------------------------------------------------------
    def set_user(self, user: User | None) -> None:
        with self._lock:
            self._user = user

    def set_system_actor(self, actor: str | None) -> None:
        with self._lock:
            self._system_actor = actor

    def visible_station_id(self) -> str | None:
        """The only station the current user may see, or ``None`` for all stations."""
        u = self._user
        if u is None or Role.ADMIN in u.roles or u.all_stations:
            return None
        return u.station_id


@dataclass(frozen=True)
class AuditNames:
    """What the audit viewer shows instead of ids: display names, 档号 + page numbers, names.

    Ids stay in the log (they are what the hash chain covers); this only labels them.
    """

    users: dict[str, str] = field(default_factory=dict)  # username → display name
    pages: dict[str, tuple[str, int]] = field(default_factory=dict)  # page id → (档号, page no.)
    batches: dict[str, str] = field(default_factory=dict)  # batch id → 档号
    persons: dict[str, str] = field(default_factory=dict)  # person id → name
    stations: dict[str, str] = field(default_factory=dict)  # station id → name


def _looks_like_id(value: object) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


class SecurityService:
    """First-start admin creation, login/logout, passwords, user admin, audit access.

    Args:
        users: user persistence.
        audit_store: audit persistence (queries for the viewer).
        guard: the context's :class:`SessionGuard`.
        persons: to reveal an ID number on demand.
        config: the ``[security]`` settings section.
        hashing: argon2id hashing (tests pass cheap parameters).
        clock: naive-UTC now.
    """

    def __init__(
        self,
        users: UserStore,
        audit_store: SqlAuditStore,
        guard: SessionGuard,
        persons: PersonRepository | None = None,
        config: dict[str, Any] | None = None,
        hashing: PasswordHashing | None = None,
        clock: Callable[[], datetime] = _utcnow,
        *,
        pages: PageRepository | None = None,
        batches: BatchRepository | None = None,
        sessions: CliSessionStore | None = None,
        stations: StationRepository | None = None,
    ) -> None:
        cfg = config or {}
        self.users = users
        self.audit_store = audit_store
        self.guard = guard
        self.persons = persons
        self.pages = pages
        self.batches = batches
        self.stations = stations
        self.hashing = hashing or PasswordHashing(
            PasswordHasher(
                time_cost=int(cfg.get("argon2_time_cost", 3)),
                memory_cost=int(cfg.get("argon2_memory_kib", 65536)),
                parallelism=int(cfg.get("argon2_parallelism", 4)),
            )
        )
        self.clock = clock
        self.max_failures = int(cfg.get("max_failed_logins", DEFAULT_MAX_FAILURES))
        self.lockout = timedelta(minutes=float(cfg.get("lockout_minutes", DEFAULT_LOCKOUT_MINUTES)))
        self.idle_lock_minutes = float(cfg.get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES))
        self.cli_session_minutes = float(cfg.get("cli_session_minutes", DEFAULT_CLI_SESSION_MINUTES))
        self.cli_session_max_hours = float(cfg.get("cli_session_max_hours", DEFAULT_CLI_SESSION_MAX_HOURS))
        self.sessions = sessions

    # -- session --------------------------------------------------------------------
    @property
    def chain(self) -> AuditChain:
        return self.guard.chain

    @property
    def current_user(self) -> User | None:
        return self.guard.user

    def begin_interactive(self) -> None:
        """GUI start: from now on nothing is allowed until somebody logs in."""
        self.guard.set_system_actor(None)

    def needs_first_admin(self) -> bool:
        return self.users.count() == 0

    def create_first_admin(self, username: str, display_name: str, password: str) -> User:
        """Create the administrator on first start (refused once any user exists)."""
        name = validate_username(username)
        display = validate_display_name(display_name)
        validate_password(password)
        user = self.users.add(
            username=name,
            display_name=display,
            password_hash=self.hashing.hash(password),
            roles=[Role.ADMIN],
            station_id=self.guard.station.id,
            all_stations=True,
            only_if_empty=True,
        )
        self.guard.audit("user_create", target=name, roles=["admin"], first_start=True)
        log.info("first administrator created")
        return user

    def login(self, username: str, password: str) -> User:
        """Check the password, enforce lockout, and make the user the guard's user."""
        raw = username or ""
        if not raw.strip() or not password:
            raise InvalidInputError("请输入用户名和密码。", "Please enter the username and password.")
        if len(raw) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            self.guard.audit("login", target=raw[:MAX_USERNAME], outcome="failed", reason="too_long")
            raise self._bad_credentials()
        try:
            name = validate_username(raw)
        except InvalidInputError:
            self.hashing.burn(password)
            self.guard.audit("login", target=raw[:MAX_USERNAME], outcome="failed", reason="bad_username")
            raise self._bad_credentials() from None
        acct = self.users.by_username(name)
        if acct is None:
            self.hashing.burn(password)
            self.guard.audit("login", target=name, outcome="failed", reason="unknown_user")
            raise self._bad_credentials()
        now = self.clock()
        if acct.locked_until is not None and now < acct.locked_until:
            self.guard.audit("login", target=name, outcome="locked")
            raise self._locked(acct.locked_until - now)
        if not acct.user.active:
            self.hashing.burn(password)
            self.guard.audit("login", target=name, outcome="failed", reason="inactive")
            raise LoginFailed("该账号已停用。", "This account is disabled.")
        if not self.hashing.verify(acct.password_hash, password):
            n, locked = self.users.record_failure(acct.user.id, self.max_failures, now + self.lockout)
            self.guard.audit("login", target=name, outcome="failed", reason="bad_password", failures=n)
            if locked:
                self.guard.audit("account_locked", target=name, outcome="locked")
                raise self._locked(self.lockout)
            # Same message as for an unknown user: the answer must not reveal which names exist.
            raise self._bad_credentials()
        self.users.update(acct.user.id, failed_logins=0, locked_until=None)
        self.users.update_state(acct.user.id, last_login_at=now)
        if self.hashing.needs_rehash(acct.password_hash):
            self.users.update(acct.user.id, password_hash=self.hashing.hash(password))
        self.guard.set_user(acct.user)
        self.guard.audit("login", target=name)
        log.info("user %s logged in", acct.user.id)
        return acct.user

    # -- command-line sessions (``hukou-scan login``) ----------------------------------
    def start_cli_session(self, minutes: float | None = None) -> str:
        """A token for the logged-in user, valid for this OS uid only, ``minutes`` after its last use.

        Only the token's SHA-256 is stored; the caller keeps the token in a 0600 file.
        """
        u = self.guard.user
        if u is None or self.sessions is None:
            raise PermissionDenied("请先登录。", "Please log in first.")
        token = secrets.token_urlsafe(32)
        ttl = timedelta(minutes=minutes if minutes is not None else self.cli_session_minutes)
        self.sessions.purge_expired()
        self.sessions.add(_token_hash(token), u.id, os.geteuid(), self.clock() + ttl)
        self.guard.audit(
            "cli_session_start", target=u.username, os_user=os_login(), minutes=ttl.seconds // 60
        )
        return token

    def resume_cli_session(self, token: str) -> User:
        """Make the session's user the guard's user (sliding expiry, capped at ``cli_session_max_hours``)."""
        sessions = self.sessions
        found = sessions.find(_token_hash(token)) if sessions is not None and token else None
        now = self.clock()
        expired = LoginFailed(
            "命令行会话已过期或无效，请重新登录（hukou-scan login）。",
            "The command-line session has expired or is invalid; log in again (hukou-scan login).",
        )
        if found is None or sessions is None:
            raise expired
        user_id, uid, created, expires = found
        if uid != os.geteuid():
            self.guard.audit("cli_session_use", outcome="denied", reason="other_os_user", os_user=os_login())
            raise expired
        if now >= expires or now - created > timedelta(hours=self.cli_session_max_hours):
            sessions.delete(_token_hash(token))
            raise expired
        acct = self.users.get(user_id)
        if not acct.user.active or (acct.locked_until is not None and now < acct.locked_until):
            sessions.delete(_token_hash(token))
            raise expired
        sessions.touch(_token_hash(token), now + timedelta(minutes=self.cli_session_minutes))
        self.guard.set_user(acct.user)
        return acct.user

    def end_cli_session(self, token: str) -> bool:
        if self.sessions is None or not self.sessions.delete(_token_hash(token)):
            return False
        self.guard.audit("cli_session_end", os_user=os_login())
        return True

    def must_change_password(self) -> bool:
        u = self.guard.user
        return bool(u and self.users.get(u.id).must_change_password)

    def logout(self) -> None:
        if self.guard.user is not None:
            self.guard.audit("logout")
        self.guard.set_user(None)

    def lock_screen(self) -> None:
        """Record that the idle lock engaged (the session stays, the screen asks again)."""
        if self.guard.user is not None:
            self.guard.audit("screen_lock")

    def unlock_screen(self, password: str) -> bool:
        """Re-check the current user's password after an idle lock; failures count towards lockout."""
        u = self.guard.user
        if u is None:
            raise PermissionDenied("请先登录。", "Please log in first.")
        acct = self.users.get(u.id)
        now = self.clock()
        if acct.locked_until is not None and now < acct.locked_until:
            self.guard.audit("screen_unlock", outcome="locked")
            raise self._locked(acct.locked_until - now)
        if password and self.hashing.verify(acct.password_hash, password):
            self.users.update(u.id, failed_logins=0)
            self.guard.audit("screen_unlock")
            return True
        _n, locked = self.users.record_failure(u.id, self.max_failures, now + self.lockout)
        self.guard.audit("screen_unlock", outcome="failed")
        if locked:
            self.guard.audit("account_locked", target=u.username, outcome="locked")
            self.logout()
            raise self._locked(self.lockout)
        return False

    def _bad_credentials(self) -> LoginFailed:
        return LoginFailed(
            "用户名或密码错误。",
            "Wrong username or password.",
            hint_zh=f"连续 {self.max_failures} 次错误后账号将被锁定。",
            hint_en=f"The account locks after {self.max_failures} failed attempts.",
        )

    @staticmethod
    def _locked(remaining: timedelta) -> AccountLocked:
        minutes = max(1, int(remaining.total_seconds() + 59) // 60)
        return AccountLocked(
            f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试。",
            f"Too many failed attempts: the account is locked; try again in {minutes} minute(s).",
            hint_zh="管理员可以解除锁定。",
            hint_en="An administrator can unlock it.",
        )

    # -- passwords ------------------------------------------------------------------
    def change_password(self, old_password: str, new_password: str) -> None:
        u = self.guard.user
        if u is None:
            raise PermissionDenied("请先登录。", "Please log in first.")
        acct = self.users.get(u.id)
        if not self.hashing.verify(acct.password_hash, old_password or ""):
            self.guard.audit("password_change", target=u.username, outcome="failed")
            raise LoginFailed("原密码不正确。", "The current password is wrong.")
        validate_password(new_password)
        if new_password == old_password:
            raise InvalidInputError(
                "新密码不能与原密码相同。", "The new password must differ from the old one."
            )
        self.users.update(u.id, password_hash=self.hashing.hash(new_password))
        self.users.update_state(u.id, must_change_password=False, password_changed_at=self.clock())
        self.guard.audit("password_change", target=u.username)

    def reset_password(self, user_id: str, new_password: str) -> None:
        """Administrator sets a temporary password; the user must change it at next login."""
        self.guard.require(Role.ADMIN)
        validate_password(new_password)
        acct = self.users.get(user_id)
        self.users.update(
            user_id, password_hash=self.hashing.hash(new_password), failed_logins=0, locked_until=None
        )
        self.users.update_state(user_id, must_change_password=True, password_changed_at=self.clock())
        self.guard.audit("password_reset", target=acct.user.username)

    # -- user administration --------------------------------------------------------
    def list_users(self) -> list[UserAccount]:
        self.guard.require(Role.ADMIN)
        return self.users.list()

    def add_user(
        self,
        username: str,
        display_name: str,
        password: str,
        roles: Iterable[Role],
        station_id: str | None = None,
        all_stations: bool = False,
    ) -> User:
        self.guard.require(Role.ADMIN)
        name = validate_username(username)
        display = validate_display_name(display_name)
        role_set = self._check_roles(roles)
        validate_password(password)
        user = self.users.add(
            username=name,
            display_name=display,
            password_hash=self.hashing.hash(password),
            roles=sorted(role_set),
            station_id=station_id or self.guard.station.id,
            all_stations=all_stations,
            must_change_password=True,
        )
        self.guard.audit(
            "user_create", target=name, roles=sorted(r.value for r in role_set), all_stations=all_stations
        )
        return user

    def update_user(
        self,
        user_id: str,
        *,
        display_name: str | None = None,
        roles: Iterable[Role] | None = None,
        station_id: str | None = None,
        all_stations: bool | None = None,
        active: bool | None = None,
    ) -> User:
        self.guard.require(Role.ADMIN)
        acct = self.users.get(user_id)
        values: dict[str, Any] = {}
        if display_name is not None:
            values["display_name"] = validate_display_name(display_name)
        if roles is not None:
            values["roles"] = sorted(self._check_roles(roles))
        if station_id is not None:
            values["station_id"] = station_id
        if all_stations is not None:
            values["all_stations"] = all_stations
        if active is not None:
            values["active"] = active
        removes_admin = (roles is not None and Role.ADMIN not in values["roles"]) or active is False
        if Role.ADMIN in acct.user.roles and removes_admin and self._active_admins() <= 1:
            raise HukouScanError(
                "不能移除最后一个管理员。", "The last administrator cannot be removed or disabled."
            )
        if values:
            self.users.update(user_id, **values)
        # only what really changed, as old → new (the roles as lists of codes): a dialog that
        # sends every field must not log 「显示名：已更改」 for a name that stayed the same
        before: dict[str, Any] = {
            "display_name": acct.user.display_name,
            "roles": sorted(r.value for r in acct.user.roles),
            "station_id": acct.user.station_id,
            "all_stations": acct.user.all_stations,
            "active": acct.user.active,
        }
        changes: dict[str, Any] = {}
        for k, v in values.items():
            new_v = sorted(Role(r).value for r in v) if k == "roles" else v
            if before.get(k) != new_v:
                changes[k] = {"old": before.get(k), "new": new_v}
        self.guard.audit("user_update", target=acct.user.username, changes=changes)
        updated = self.users.get(user_id).user
        cur = self.guard.user
        if cur is not None and cur.id == user_id:
            self.guard.set_user(updated)
        return updated

    def unlock_user(self, user_id: str) -> None:
        self.guard.require(Role.ADMIN)
        acct = self.users.get(user_id)
        self.users.update(user_id, failed_logins=0, locked_until=None)
        self.guard.audit("user_unlock", target=acct.user.username)

    def _active_admins(self) -> int:
        return sum(1 for a in self.users.list() if a.user.active and Role.ADMIN in a.user.roles)

    @staticmethod
    def _check_roles(roles: Iterable[Role]) -> frozenset[Role]:
        out = frozenset(Role(r) for r in roles)
        if not out:
            raise InvalidInputError("请至少选择一个角色。", "Choose at least one role.")
        return out

    # -- personal data --------------------------------------------------------------
    def display_id(self, number: str) -> str:
        """The ID number as the current user may see it in lists."""
        return number if self.guard.can_view_full_id() else mask_id(number)

    def reveal_id_number(self, person_id: str, purpose: str = "") -> str:
        """Show one full ID number on demand; always audited with the stated purpose."""
        self.guard.require(Role.CLERK, Role.REVIEWER, Role.SEARCHER)
        if self.persons is None:
            raise NotFoundError("人员库不可用。", "The person registry is not available.")
        purpose = _clean_text(purpose, MAX_PURPOSE, "用途", "purpose")
        person = self.persons.get(person_id)
        self.guard.audit("id_reveal", target=person_id, purpose=purpose)
        return person.id_number or person.id_number_raw

    def record_settings_change(self, section: str, changes: dict[str, tuple[Any, Any]]) -> None:
        """Audit a settings change (old → new per key); administrators only."""
        self.guard.require(Role.ADMIN)
        self.guard.audit(
            "settings_change",
            target=section,
            changes={k: {"old": o, "new": n} for k, (o, n) in changes.items()},
        )

    # -- audit ----------------------------------------------------------------------
    def audit_anchor(self) -> Anchor:
        """The chain tip for sync manifests (not secret, no role needed)."""
        return self.chain.anchor()

    def verify_audit(
        self,
        anchor: Anchor | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> VerifyReport:
        self.guard.require(Role.ADMIN)
        report = self.chain.verify(anchor=anchor, progress=progress, cancel=cancel)
        self.guard.audit(
            "audit_verify",
            outcome="ok" if report.ok else "failed",
            checked=report.checked,
            problems=len(report.problems),
        )
        return report

    def audit_events(
        self, f: AuditFilter | None = None, limit: int = 1000, offset: int = 0
    ) -> list[AuditEvent]:
        """Filtered events, newest first; reading the log is itself audited."""
        self.guard.require(Role.ADMIN)
        f = f or AuditFilter()
        rows = self.audit_store.query(f, limit=limit, offset=offset)
        filters = {k: v for k, v in asdict(f).items() if v}
        self.guard.audit("audit_view", rows=len(rows), criteria=filters)
        return rows

    def audit_names(self, events: Sequence[AuditEvent]) -> AuditNames:
        """Labels for the ids in ``events`` (targets and detail values), for the viewer.

        Why: an administrator reads 「采集员甲 · A0101-2026-001 第3页」, not a username and a
        32-digit page id.  Unknown ids (deleted users, purged rows) stay unlabelled.
        """
        self.guard.require(Role.ADMIN)
        users = {a.user.username: a.user.display_name for a in self.users.list() if a.user.display_name}
        ids: set[str] = set()
        for e in events:
            for value in (e.target, *e.details.values()):
                if _looks_like_id(value):
                    ids.add(str(value))
        pages = self.pages.archive_labels(sorted(ids)) if self.pages is not None and ids else {}
        rest = sorted(ids - set(pages))
        batches = self.batches.archive_ids(rest) if self.batches is not None else {}
        rest = [i for i in rest if i not in batches]
        persons = self.persons.names(rest) if self.persons is not None else {}
        stations = (
            {st.id: st.name or st.code for st in self.stations.list()} if self.stations is not None else {}
        )
        return AuditNames(users=users, pages=pages, batches=batches, persons=persons, stations=stations)

    def audit_actions(self) -> list[str]:
        self.guard.require(Role.ADMIN)
        return self.audit_store.actions()

    def export_audit_csv(
        self,
        path: Path,
        f: AuditFilter | None = None,
        purpose: str = "",
        progress: Callable[[int, int, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """Write the filtered audit log as CSV (UTF-8 with BOM for Excel); returns the row count."""
        self.guard.require(Role.ADMIN)
        purpose = _clean_text(purpose, MAX_PURPOSE, "用途", "purpose")
        check_output_file(path)  # before reading the whole log
        rows = self.audit_store.query(f or AuditFilter(), limit=10_000_000)

        def audit(written: int) -> None:
            self.guard.audit("export", target=str(path.name), what="audit_csv", rows=written, purpose=purpose)

        return write_audit_csv(path, rows, progress=progress, cancel=cancel, before_commit=audit)


AUDIT_CSV_HEADER: Sequence[str] = (
    "seq",
    "at_utc",
    "username",
    "station",
    "action",
    "target",
    "outcome",
    "details",
    "prev_hash",
    "hash",
)


def write_audit_csv(
    path: Path,
    rows: Sequence[AuditEvent],
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
    before_commit: Callable[[int], None] | None = None,
) -> int:
    """Write ``rows`` through the shared CSV writer (formula-safe cells, atomic, path checked).

    ``before_commit`` runs with the row count before the file takes its name: the export's
    audit event is written there, so no audit CSV exists without its event.
    """
    import json

    n = 0
    with open_csv(path) as w:
        w.writerow(AUDIT_CSV_HEADER)
        for e in rows:
            if cancel is not None and cancel.is_set():
                w.discard()
                return 0
            w.writerow(
                [
                    e.seq,
                    e.at.isoformat(timespec="seconds"),
                    e.username,
                    e.station,
                    e.action,
                    e.target,
                    e.outcome,
                    json.dumps(e.details, ensure_ascii=False, sort_keys=True),
                    e.prev_hash,
                    e.hash,
                ]
            )
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(n, len(rows), "")
        if before_commit is not None:
            before_commit(n)
    return n


def _clean_text(text: str, limit: int, zh_name: str, en_name: str) -> str:
    return clean_text(text, field_zh=zh_name, field_en=en_name, max_len=limit, multiline=True)
