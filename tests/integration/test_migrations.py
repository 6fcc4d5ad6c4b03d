"""Alembic up/down and the automatic upgrade-with-backup at start."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from hukou_scan.storage.db import Database


def test_upgrade_downgrade_roundtrip(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    db.upgrade(backup=False)
    assert db.current_revision() == db.head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {"batches", "pages", "persons", "page_links", "jobs", "audit_events", "users"} <= tables
    db.downgrade("base")
    assert db.current_revision() is None
    assert "pages" not in set(inspect(db.engine).get_table_names())
    db.upgrade(backup=False)
    assert db.current_revision() == db.head_revision()


def test_upgrade_of_older_database_makes_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade("0001_core", backup=False)
    backup = db.upgrade()
    assert backup is not None and Path(backup).exists()
    assert Path(backup).name == "old.sqlite3.bak-0001_core"
    assert db.current_revision() == db.head_revision()
