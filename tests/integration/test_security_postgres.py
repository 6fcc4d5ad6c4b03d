"""The security schema and the audit chain on a real PostgreSQL server (multi-station catalogue)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, text

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings
from hukou_scan.domain import Role
from hukou_scan.security import PasswordHashing
from hukou_scan.security.audit import AuditChain
from hukou_scan.storage.db import Database
from hukou_scan.storage.security import SqlAuditStore

pytestmark = pytest.mark.postgres


def test_migration_up_down_on_postgres(pg_db_url: str) -> None:
    db = Database(pg_db_url)
    db.upgrade(backup=False)
    tables = set(inspect(db.engine).get_table_names())
    assert {"qa_samples", "qa_results", "user_states"} <= tables
    idx = {i["name"]: i for i in inspect(db.engine).get_indexes("audit_events")}
    assert idx["uq_audit_events_prev_hash"]["unique"]
    db.downgrade("0008_sync")
    assert "qa_samples" not in set(inspect(db.engine).get_table_names())
    db.upgrade(backup=False)
    db.dispose()


def test_chain_and_login_on_postgres(pg_db_url: str, tmp_path: Path) -> None:
    settings = load_settings().with_changes(db_url=pg_db_url)
    ctx = AppContext(settings, log_to_file=False)
    try:
        sec = ctx.security
        sec.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        sec.begin_interactive()
        sec.create_first_admin("admin", "管理员", "Adm1n-secret")
        sec.login("admin", "Adm1n-secret")
        sec.add_user("rev", "核查", "Passw0rd!", [Role.REVIEWER])
        # two "stations" appending at once must still give one unbroken chain
        chains = [AuditChain(SqlAuditStore(Database(pg_db_url))) for _ in range(2)]

        def work(c: AuditChain, n: int) -> None:
            for i in range(20):
                c.append(
                    username=f"s{n}", station=f"S000{n}", action="page_view", target=str(i), details={"n": i}
                )

        ts = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(chains)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        anchor = sec.audit_anchor()
        report = sec.verify_audit(anchor=anchor)
        assert report.ok, report.problems
        assert report.checked >= 43
        from sqlalchemy.exc import DatabaseError

        with pytest.raises(DatabaseError, match="append-only"), ctx.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
        with pytest.raises(DatabaseError, match="append-only"), ctx.db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
        with ctx.db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            conn.execute(
                text("UPDATE audit_events SET details = CAST('{\"n\": 999}' AS JSON) WHERE seq = 10")
            )
        assert [(p.seq, p.kind) for p in sec.verify_audit().problems] == [(10, "edited")]
        for c in chains:
            c.store.db.dispose()  # type: ignore[attr-defined]
    finally:
        ctx.close()


def test_qa_and_dashboard_on_postgres(pg_db_url: str) -> None:
    from tests.unit.test_security_qa import make_batch

    ctx = AppContext(load_settings().with_changes(db_url=pg_db_url), log_to_file=False)
    try:
        b = make_batch(ctx, 45)
        s = ctx.qa.draw_sample(b.id, seed=2**61 + 7)  # a seed that needs BIGINT
        assert len(s.page_ids) == 3 and ctx.qa.reproduce(s.id) == list(s.page_ids)
        for i, pid in enumerate(s.page_ids):
            ctx.qa.record(s.id, pid, passed=i > 0, reasons=() if i else ("links",))
        assert ctx.qa.finish(s.id).status == "failed"
        assert [p.id for p in ctx.qa.recapture_queue()] == [s.page_ids[0]]
        row = ctx.dashboard.report("batch").rows[0]
        assert row.captured == 45 and row.qa_pages == 3 and row.qa_pages_passed == 2
        assert {r.key for r in ctx.dashboard.report("day").rows} == {"2026-05-01"}
    finally:
        ctx.close()
