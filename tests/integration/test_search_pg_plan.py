"""PostgreSQL search at scale (issue 19): connection settings, the live-pages index and
the plan shape the token statistics choose, on a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, inspect, text

from benchmarks.bench_search import load, service_for
from hukou_scan.storage.db import Database
from hukou_scan.storage.search import SearchIndexStore

pytestmark = pytest.mark.postgres


def test_app_connections_do_not_jit_compile(pg_db_url: str) -> None:
    """Compiling the search statement took ~200 ms of a 5 ms search at a million pages."""
    db = Database(pg_db_url)
    try:
        with db.session() as s:
            assert s.execute(text("SHOW jit")).scalar() == "off"
    finally:
        db.dispose()


def test_live_pages_index_counts_page_numbers_and_migrates_down_and_up(pg_db_url: str) -> None:
    db = Database(pg_db_url)
    try:
        db.upgrade(backup=False)
        with db.session() as s:
            predicate = s.execute(
                text(
                    "SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'ix_pages_batch_seq_live'::regclass"
                )
            ).scalar()
            target = s.execute(
                text(
                    "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'search_docs'::regclass AND attname = 'tsv'"
                )
            ).scalar()
        assert "deleted" in str(predicate)
        assert target == 1000
        db.downgrade("0012_thumbnails")
        assert "ix_pages_batch_seq_live" not in {i["name"] for i in inspect(db.engine).get_indexes("pages")}
        db.upgrade(backup=False)
        assert "ix_pages_batch_seq_live" in {i["name"] for i in inspect(db.engine).get_indexes("pages")}
    finally:
        db.dispose()


def test_token_statistics_choose_walk_or_bitmap(pg_db_url: str, tmp_path: Path) -> None:
    db = Database(pg_db_url)
    try:
        db.upgrade(backup=False)
        load(db, 600, 3, None, lambda _d: None)
        svc = service_for(db, tmp_path)
        svc.reindex()  # VACUUM ANALYZE: the planner's token statistics
        store = svc.store
        assert isinstance(store, SearchIndexStore)
        freq, _floor, rows = store._pg_token_stats()
        assert freq["常住"] == pytest.approx(1.0) and rows == 600  # on every generated page
        seen: list[str] = []

        def grab(_c: Any, _cur: Any, stmt: str, *_a: Any) -> None:
            seen.append(stmt)

        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            svc.search("常住")  # at 600 rows every posting list is short: the bitmap
            assert "text_new AS" in seen[-1] and "_walk" not in seen[-1]
            store.pg_walk_cost_ratio = 0.01  # as if reading a row cost no more than a posting
            svc.search("常住")
            assert "meta_new AS" in seen[-1]  # not in any page's metadata
            assert "text_walk AS" in seen[-1] and "ts_match_vq(d.tsv" in seen[-1]
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
    finally:
        db.dispose()
