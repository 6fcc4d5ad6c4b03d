"""Persistence of users, login state and the audit chain.

Only this module (and :mod:`hukou_scan.storage.qa`) runs SQL for the security area;
it hands back domain objects or the small dataclasses below, never ORM records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from hukou_scan.domain import AuditEvent, Role, User, new_id
from hukou_scan.errors import HukouScanError, NotFoundError
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import AuditEventRecord, UserRecord
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.hardening import CliSessionRecord
from hukou_scan.storage.records.security import UserStateRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserAccount:
    """A user plus the login state the administrator sees."""

    user: User
    password_hash: str
    failed_logins: int
    locked_until: datetime | None
    must_change_password: bool
    last_login_at: datetime | None
    created_at: datetime | None


def _roles(raw: Any) -> frozenset[Role]:
    out: set[Role] = set()
    for r in raw or ():
        try:
            out.add(Role(r))
        except ValueError:
            log.warning("ignoring unknown role %r in users table", r)
    return frozenset(out)


def user_from(r: UserRecord) -> User:
    return User(
        id=r.id,
        username=r.username,
        display_name=r.display_name,
        roles=_roles(r.roles),
        station_id=r.station_id,
        all_stations=r.all_stations,
        active=r.active,
    )


def _account(r: UserRecord, st: UserStateRecord | None) -> UserAccount:
    return UserAccount(
        user=user_from(r),
        password_hash=r.password_hash,
        failed_logins=r.failed_logins,
        locked_until=r.locked_until,
        must_change_password=bool(st.must_change_password) if st else False,
        last_login_at=st.last_login_at if st else None,
        created_at=r.created_at,
    )


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def count(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(UserRecord)) or 0)

    def add(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        roles: Sequence[Role],
        station_id: str | None,
        all_stations: bool = False,
        must_change_password: bool = False,
        only_if_empty: bool = False,
    ) -> User:
        """Insert a user.  ``only_if_empty`` makes first-start admin creation race-free."""
        uid = new_id()
        try:
            with self.db.session() as s:
                if only_if_empty and s.scalar(select(func.count()).select_from(UserRecord)):
                    raise HukouScanError("管理员已存在。", "An administrator already exists.")
                s.add(
                    UserRecord(
                        id=uid,
                        username=username,
                        display_name=display_name,
                        password_hash=password_hash,
                        roles=sorted(r.value for r in roles),
                        station_id=station_id,
                        all_stations=all_stations,
                        active=True,
                        failed_logins=0,
                    )
                )
                s.flush()
                s.add(UserStateRecord(user_id=uid, must_change_password=must_change_password))
        except IntegrityError as e:
            raise HukouScanError(
                f"用户名“{username}”已被使用。", f"The username '{username}' is already taken."
            ) from e
        return self.get(uid).user

    def get(self, user_id: str) -> UserAccount:
        with self.db.session() as s:
            r = s.get(UserRecord, user_id)
            if r is None:
                raise NotFoundError("用户不存在。", "User not found.")
            return _account(r, s.get(UserStateRecord, user_id))

    def by_username(self, username: str) -> UserAccount | None:
        with self.db.session() as s:
            r = s.scalar(select(UserRecord).where(UserRecord.username == username))
            return _account(r, s.get(UserStateRecord, r.id)) if r else None

    def list(self) -> list[UserAccount]:
        with self.db.session() as s:
            states = {st.user_id: st for st in s.scalars(select(UserStateRecord))}
            return [
                _account(r, states.get(r.id))
                for r in s.scalars(select(UserRecord).order_by(UserRecord.username))
            ]

    def update(self, user_id: str, **values: Any) -> None:
        """Update ``users`` columns (roles given as :class:`Role` are stored as strings)."""
        if "roles" in values:
            values["roles"] = sorted(Role(r).value for r in values["roles"])
        with self.db.session() as s:
            res = s.execute(update(UserRecord).where(UserRecord.id == user_id).values(**values))
            if res.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError("用户不存在。", "User not found.")

    def update_state(self, user_id: str, **values: Any) -> None:
        with self.db.session() as s:
            st = s.get(UserStateRecord, user_id)
            if st is None:
                st = UserStateRecord(user_id=user_id, must_change_password=False)
                s.add(st)
            for k, v in values.items():
                setattr(st, k, v)

    def record_failure(self, user_id: str, max_failures: int, lock_until: datetime) -> tuple[int, bool]:
        """Count one failed login atomically; lock when the limit is reached.

        Returns (failures so far, now locked).
        """
        with self.db.session() as s:
            s.execute(
                update(UserRecord)
                .where(UserRecord.id == user_id)
                .values(failed_logins=UserRecord.failed_logins + 1)
            )
            n = int(s.scalar(select(UserRecord.failed_logins).where(UserRecord.id == user_id)) or 0)
            locked = n >= max_failures
            if locked:
                s.execute(
                    update(UserRecord)
                    .where(UserRecord.id == user_id)
                    .values(locked_until=lock_until, failed_logins=0)
                )
            return n, locked


def event_from(r: AuditEventRecord) -> AuditEvent:
    return AuditEvent(
        seq=r.seq,
        at=r.at,
        username=r.username,
        station=r.station,
        action=r.action,
        target=r.target,
        outcome=r.outcome,
        details=dict(r.details or {}),
        prev_hash=r.prev_hash,
        hash=r.hash,
    )


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit viewer and ``hukou-scan audit list``."""

    username: str = ""
    action: str = ""
    outcome: str = ""
    station: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None


_EVENT_COLUMNS = (
    "seq",
    "at",
    "username",
    "station",
    "action",
    "target",
    "outcome",
    "details",
    "prev_hash",
    "hash",
)


class SqlAuditStore:
    """The audit chain's persistence (see :class:`hukou_scan.security.audit.AuditStore`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def last(self) -> AuditEvent | None:
        with self.db.session() as s:
            r = s.scalar(select(AuditEventRecord).order_by(AuditEventRecord.seq.desc()).limit(1))
            return event_from(r) if r else None

    def insert(self, event: AuditEvent) -> bool:
        try:
            with self.db.session() as s:
                s.add(
                    AuditEventRecord(
                        seq=event.seq,
                        at=event.at,
                        username=event.username,
                        station=event.station,
                        action=event.action,
                        target=event.target,
                        outcome=event.outcome,
                        details=event.details,
                        prev_hash=event.prev_hash,
                        hash=event.hash,
                    )
                )
        except IntegrityError:
            log.info("audit append lost a race at seq %d; retrying", event.seq)
            return False
        return True

    def iter_events(self, from_seq: int = 0, chunk: int = 5000) -> Iterator[AuditEvent]:
        """All events in ``seq`` order, fetched in keyset-paginated chunks of plain rows
        (no ORM identity map: verification streams millions of events)."""
        t = AuditEventRecord.__table__
        cols = [t.c[name] for name in _EVENT_COLUMNS]
        cursor = from_seq - 1
        while True:
            with self.db.session() as s:
                rows = [
                    AuditEvent(
                        seq=r[0],
                        at=r[1],
                        username=r[2],
                        station=r[3],
                        action=r[4],
                        target=r[5],
                        outcome=r[6],
                        details=dict(r[7] or {}),
                        prev_hash=r[8],
                        hash=r[9],
                    )
                    for r in s.execute(select(*cols).where(t.c.seq > cursor).order_by(t.c.seq).limit(chunk))
                ]
            if not rows:
                return
            yield from rows
            cursor = rows[-1].seq

    def find_by_hash(self, digest: str) -> AuditEvent | None:
        with self.db.session() as s:
            r = s.scalar(select(AuditEventRecord).where(AuditEventRecord.hash == digest).limit(1))
            return event_from(r) if r else None

    def get(self, seq: int) -> AuditEvent | None:
        with self.db.session() as s:
            r = s.get(AuditEventRecord, seq)
            return event_from(r) if r else None

    def count(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(AuditEventRecord)) or 0)

    def query(self, f: AuditFilter, limit: int = 1000, offset: int = 0) -> list[AuditEvent]:
        """Newest first, filtered; ``text`` matches target or details (parameter-bound, never spliced)."""
        texts = (f.username, f.action, f.outcome, f.station, f.text)
        if any(not ch.isprintable() for t in texts for ch in t):
            # Stored events never contain control characters (they are replaced on append),
            # and SQLite would cut a LIKE pattern at a NUL byte, matching everything.
            return []
        q = select(AuditEventRecord).order_by(AuditEventRecord.seq.desc())
        if f.username:
            q = q.where(AuditEventRecord.username == f.username)
        if f.action:
            q = q.where(AuditEventRecord.action == f.action)
        if f.outcome:
            q = q.where(AuditEventRecord.outcome == f.outcome)
        if f.station:
            q = q.where(AuditEventRecord.station == f.station)
        if f.since:
            q = q.where(AuditEventRecord.at >= f.since)
        if f.until:
            q = q.where(AuditEventRecord.at < f.until)
        if f.text:
            q = q.where(AuditEventRecord.target.contains(f.text, autoescape=True))
        with self.db.session() as s:
            return [event_from(r) for r in s.scalars(q.limit(limit).offset(offset))]

    def actions(self) -> list[str]:
        with self.db.session() as s:
            return [a for a in s.scalars(select(AuditEventRecord.action).distinct().order_by("action"))]


class CliSessionStore:
    """Hashed tokens of command-line sessions (``cli_sessions``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, token_sha256: str, user_id: str, os_uid: int, expires_at: datetime) -> None:
        now = utcnow()
        with self.db.session() as s:
            s.add(
                CliSessionRecord(
                    token_sha256=token_sha256,
                    user_id=user_id,
                    os_uid=os_uid,
                    created_at=now,
                    last_used_at=now,
                    expires_at=expires_at,
                )
            )

    def find(self, token_sha256: str) -> tuple[str, int, datetime, datetime] | None:
        """``(user_id, os_uid, created_at, expires_at)`` of a session."""
        with self.db.session() as s:
            r = s.get(CliSessionRecord, token_sha256)
            return (r.user_id, int(r.os_uid), r.created_at, r.expires_at) if r else None

    def touch(self, token_sha256: str, expires_at: datetime) -> None:
        with self.db.session() as s:
            r = s.get(CliSessionRecord, token_sha256)
            if r is not None:
                r.last_used_at = utcnow()
                r.expires_at = expires_at

    def delete(self, token_sha256: str) -> bool:
        with self.db.session() as s:
            r = s.get(CliSessionRecord, token_sha256)
            if r is None:
                return False
            s.delete(r)
            return True

    def purge_expired(self) -> int:
        with self.db.session() as s:
            res = s.execute(
                delete(CliSessionRecord)
                .where(CliSessionRecord.expires_at < utcnow())
                .execution_options(synchronize_session=False)
            )
            return int(getattr(res, "rowcount", 0) or 0)
