"""The shared PostgreSQL test server: starts, gives fresh databases, survives a restart."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from hukou_scan.storage.db import Database
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.postgres


def test_fresh_databases_are_isolated(postgres_server: PostgresServer, pg_db_url: str) -> None:
    other = postgres_server.create_database()
    try:
        with psycopg.connect(pg_db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("CREATE TABLE t (x int)")
        with psycopg.connect(other.replace("postgresql+psycopg://", "postgresql://")) as conn:
            row = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 't'").fetchone()
            assert row == (0,)
    finally:
        postgres_server.drop_database(other)


def test_listens_on_loopback_only(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.dsn()) as conn:
        row = conn.execute("SHOW listen_addresses").fetchone()
    assert row == ("127.0.0.1",)


def test_migrations_run_and_app_reconnects_after_restart(
    postgres_server: PostgresServer, pg_db_url: str
) -> None:
    db = Database(pg_db_url)
    db.upgrade(backup=False)
    assert db.current_revision() == db.head_revision()
    with db.session() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
    postgres_server.restart()
    with db.session() as s:  # pool_pre_ping replaces the dead connection
        assert s.execute(text("SELECT 1")).scalar() == 1
    db.dispose()


def test_search_revision_down_and_up_on_postgres(pg_db_url: str) -> None:
    from sqlalchemy import inspect

    db = Database(pg_db_url)
    db.upgrade(backup=False)
    assert "search_docs" in inspect(db.engine).get_table_names()
    db.downgrade("0005_registry")
    assert "search_docs" not in inspect(db.engine).get_table_names()
    db.upgrade(backup=False)
    assert {c["name"] for c in inspect(db.engine).get_columns("search_docs")} >= {"tsv", "page_id"}
    db.dispose()


def test_persistent_cluster_keeps_its_data_across_runs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The search benchmark caches a loaded cluster this way (issue 19)."""
    import shutil
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="hukou-pg-keep-"))
    root.chmod(0o755)  # the postgres user (when we are root) must traverse it
    try:
        with PostgresServer(persistent_dir=root / "c", settings={"work_mem": "8MB"}) as server:
            url = server.create_database("kept")
            with psycopg.connect(server.dsn("kept"), autocommit=True) as conn:
                conn.execute("CREATE TABLE t AS SELECT 42 AS x")
                assert conn.execute("SHOW work_mem").fetchone() == ("8MB",)
        assert (root / "c" / "data" / "PG_VERSION").exists()
        with PostgresServer(persistent_dir=root / "c") as again:
            assert again.url("kept").rsplit("/", 1)[-1] == url.rsplit("/", 1)[-1]
            with psycopg.connect(again.dsn("kept")) as conn:
                assert conn.execute("SELECT x FROM t").fetchone() == (42,)
    finally:
        shutil.rmtree(root, ignore_errors=True)
