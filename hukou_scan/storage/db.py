"""Engine, sessions and migrations.

SQLite is the embedded default (WAL, foreign keys on, busy timeout so the single
writer and readers coexist); PostgreSQL is the multi-station catalogue.  The schema
is always created by Alembic, never by ``create_all``, so every database in the field
has a known revision.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hukou_scan.config import PRIVATE_FILE_MODE, private_dir, tighten
from hukou_scan.errors import StorageError

log = logging.getLogger(__name__)


def migrations_dir() -> Path:
    """Location of the Alembic scripts in a checkout, a wheel or a PyInstaller bundle."""
    candidates = [Path(__file__).resolve().parents[2] / "migrations"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "migrations")
    candidates.append(Path(sys.prefix) / "share" / "hukou-scan" / "migrations")
    for c in candidates:
        if (c / "env.py").exists():
            return c
    raise StorageError(
        "找不到数据库迁移脚本。", "Database migration scripts not found.", hint_en=str(candidates)
    )


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the pragmas and pool settings each back end needs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_sqlite_file(Path(path))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT compilation: our statements are short look-ups, but the planner's cost of a
    # guarded search part that never runs (a sequential-scan estimate for an old-rows
    # part) crosses ``jit_above_cost``, and compiling the search statement's few hundred
    # expressions took ~200 ms of a 5 ms search at a million pages (issue 19).
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args["options"] = (str(connect_args.get("options", "")) + " -c jit=off").strip()
    return create_engine(url, connect_args=connect_args, **kwargs)


def _private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does, and keep it 0600.

    The database holds ID numbers and password hashes.  SQLite creates its ``-wal``,
    ``-shm`` and rollback journal with the permissions of the main file, so making the
    main file 0600 (an empty file is a valid empty database) covers them too; existing
    companions are tightened here as well.
    """
    if not path.parent.exists():
        private_dir(path.parent)
    if not path.exists():
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        tighten(p)


class Database:
    """Owns the engine and hands out sessions.

    ``pool_pre_ping`` plus :meth:`session`'s translation of connection errors lets the
    app survive a PostgreSQL restart: the next call reconnects.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """The factory behind :meth:`session` (for session events such as the queue's defer hook)."""
        return self._factory

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits on success, rolls back on any error."""
        s = self._factory()
        try:
            yield s
            s.commit()
        except OperationalError as e:
            s.rollback()
            raise StorageError(
                "数据库暂时不可用，请稍后重试。",
                "The database is unavailable; please retry.",
                hint_en=str(e.orig),
            ) from e
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()

    # -- migrations -------------------------------------------------------------------
    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations_dir()))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def upgrade(self, revision: str = "head", backup: bool = True) -> str | None:
        """Bring the schema to ``revision``; copy an existing SQLite file aside first.

        Returns the path of the backup copy, if one was made.
        """
        current = self.current_revision()
        head = self.head_revision()
        backup_path: str | None = None
        if current == head and revision == "head":
            return None
        if backup and current is not None and self.is_sqlite:
            db_path = Path(self.url.split("///", 1)[-1])
            if db_path.exists():
                target = db_path.with_name(f"{db_path.name}.bak-{current}")
                self.engine.dispose()
                shutil.copy2(db_path, target)
                tighten(target)  # the backup holds the same personal data
                backup_path = str(target)
                log.info("database backed up to %s before upgrade", target)
        try:
            with self.engine.begin() as conn:
                cfg = self.alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except SQLAlchemyError as e:
            raise StorageError(
                "数据库升级失败，原数据库已备份。",
                "Database upgrade failed; the original database was backed up.",
                hint_en=f"{e} (backup: {backup_path})",
                hint_zh=f"备份：{backup_path}",
            ) from e
        log.info("database upgraded from %s to %s", current, revision)
        return backup_path

    def downgrade(self, revision: str) -> None:
        with self.engine.begin() as conn:
            cfg = self.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
