"""The audit chain detects every kind of tampering and says where."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from hukou_scan.app import AppContext
from hukou_scan.security.audit import GENESIS, Anchor, AuditChain, canonical_bytes, event_hash
from hukou_scan.storage.security import SqlAuditStore


@pytest.fixture
def chain(ctx: AppContext) -> Iterator[AuditChain]:
    c = ctx.audit_chain
    for i in range(10):
        c.append(
            username=f"u{i % 3}", station="S0001", action="page_view", target=f"page-{i}", details={"i": i}
        )
    yield c


def _sql(ctx: AppContext, stmt: str, **params: object) -> None:
    """Tamper like an attacker with full access to the database file: first drop the
    append-only triggers, then change rows behind the application's back."""
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        conn.execute(text(stmt), params)


@pytest.mark.parametrize(
    "stmt", ["UPDATE audit_events SET target = 'x' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2"]
)
def test_database_refuses_changes_to_events(ctx: AppContext, chain: AuditChain, stmt: str) -> None:
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), ctx.db.engine.begin() as conn:
        conn.execute(text(stmt))
    assert chain.verify().ok


def test_intact_chain_verifies(chain: AuditChain) -> None:
    report = chain.verify()
    assert report.ok, report.problems
    assert report.checked == 10
    assert report.last_seq == 10
    first = chain.store.get(1)
    assert first is not None and first.prev_hash == GENESIS


def test_hash_is_canonical_json_of_the_event(chain: AuditChain) -> None:
    e = chain.store.get(3)
    assert e is not None
    body = canonical_bytes(
        seq=3,
        at=e.at,
        username=e.username,
        station=e.station,
        action=e.action,
        target=e.target,
        outcome=e.outcome,
        details={"i": 2},
        prev_hash=e.prev_hash,
    )
    assert body.startswith(b'{"action":"page_view","at":')
    import hashlib

    assert hashlib.sha256(body).hexdigest() == e.hash == event_hash(e)


def test_edit_is_detected_at_the_edited_event(ctx: AppContext, chain: AuditChain) -> None:
    _sql(ctx, "UPDATE audit_events SET target = 'page-x' WHERE seq = 5")
    report = chain.verify()
    assert not report.ok
    assert [(p.seq, p.kind) for p in report.problems] == [(5, "edited")]


def test_edit_of_details_is_detected(ctx: AppContext, chain: AuditChain) -> None:
    _sql(ctx, """UPDATE audit_events SET details = '{"i": 99}' WHERE seq = 7""")
    assert [(p.seq, p.kind) for p in chain.verify().problems] == [(7, "edited")]


def test_edit_with_recomputed_hash_is_detected_by_the_next_link(ctx: AppContext, chain: AuditChain) -> None:
    e = chain.store.get(4)
    assert e is not None
    from dataclasses import replace

    forged = replace(e, outcome="failed")
    _sql(
        ctx,
        "UPDATE audit_events SET outcome = 'failed', hash = :h WHERE seq = 4",
        h=event_hash(forged),
    )
    problems = [(p.seq, p.kind) for p in chain.verify().problems]
    assert problems == [(4, "edited")]


def test_delete_is_detected_where_the_gap_is(ctx: AppContext, chain: AuditChain) -> None:
    _sql(ctx, "DELETE FROM audit_events WHERE seq = 6")
    report = chain.verify()
    assert [(p.seq, p.kind) for p in report.problems] == [(7, "deleted")]
    assert "6–6" in report.problems[0].en


def test_delete_of_the_first_event_is_detected(ctx: AppContext, chain: AuditChain) -> None:
    _sql(ctx, "DELETE FROM audit_events WHERE seq = 1")
    assert [(p.seq, p.kind) for p in chain.verify().problems] == [(2, "deleted")]


def test_reorder_is_detected(ctx: AppContext, chain: AuditChain) -> None:
    # swap events 3 and 4 (their seq numbers), leaving contents and hashes as stored
    _sql(ctx, "UPDATE audit_events SET seq = 1000 WHERE seq = 3")
    _sql(ctx, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
    _sql(ctx, "UPDATE audit_events SET seq = 4 WHERE seq = 1000")
    report = chain.verify()
    kinds = {(p.seq, p.kind) for p in report.problems}
    assert (3, "reordered") in kinds and (4, "reordered") in kinds
    assert all(k == "reordered" for _s, k in kinds)


def test_truncation_is_detected_only_with_an_anchor(ctx: AppContext, chain: AuditChain) -> None:
    anchor = chain.anchor()
    assert anchor == Anchor(10, chain.store.get(10).hash)  # type: ignore[union-attr]
    _sql(ctx, "DELETE FROM audit_events WHERE seq > 7")
    assert chain.verify().ok  # a clean prefix looks fine on its own …
    report = chain.verify(anchor=anchor)  # … but not against the anchored tip
    assert [(p.seq, p.kind) for p in report.problems] == [(10, "truncated")]


def test_rewritten_history_is_detected_with_an_anchor(ctx: AppContext, chain: AuditChain) -> None:
    anchor = chain.anchor()
    _sql(ctx, "DELETE FROM audit_events")
    forged = AuditChain(SqlAuditStore(ctx.db))
    for i in range(12):
        forged.append(username="u0", station="S0001", action="page_view", target=f"clean-{i}")
    assert forged.verify().ok  # internally consistent …
    report = forged.verify(anchor=anchor)
    assert [(p.seq, p.kind) for p in report.problems] == [(10, "rewritten")]


def test_chain_continues_after_anchor(chain: AuditChain) -> None:
    anchor = chain.anchor()
    chain.append(username="u1", station="S0001", action="search", target="张三")
    assert chain.verify(anchor=anchor).ok
    assert chain.anchor().seq == 11


def test_unique_prev_hash_prevents_forks(ctx: AppContext, chain: AuditChain) -> None:
    tip = chain.store.last()
    assert tip is not None
    from dataclasses import replace

    fork = replace(tip, seq=tip.seq + 1, target="fork-a", prev_hash=tip.hash)
    fork = replace(fork, hash=event_hash(fork))
    assert chain.store.insert(fork) is True
    fork_b = replace(fork, seq=tip.seq + 2, target="fork-b")
    fork_b = replace(fork_b, hash=event_hash(fork_b))
    assert chain.store.insert(fork_b) is False  # same predecessor: refused by the database


def test_concurrent_appends_keep_one_chain(ctx: AppContext) -> None:
    import threading

    chains = [AuditChain(SqlAuditStore(ctx.db)) for _ in range(3)]

    def work(c: AuditChain, n: int) -> None:
        for i in range(15):
            c.append(username=f"w{n}", station="S0001", action="x", target=str(i))

    threads = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(chains)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = chains[0].verify()
    assert report.ok and report.checked == 45


def test_control_characters_and_huge_targets_are_stored_safely(ctx: AppContext) -> None:
    c = ctx.audit_chain
    e = c.append(username="a\x00b", station="S", action="search", target="x" * 10_000 + "\x1b[31m")
    assert len(e.target) <= 2000 and "\x1b" not in e.target and "\x00" not in e.username
    assert c.verify().ok


def test_verify_honours_cancel_and_progress(chain: AuditChain) -> None:
    import threading

    ev = threading.Event()
    ev.set()
    seen: list[tuple[int, int]] = []
    report = chain.verify(progress=lambda d, t, _m: seen.append((d, t)), cancel=ev)
    assert report.cancelled and not report.ok
    assert chain.verify(progress=lambda d, t, _m: seen.append((d, t))).ok
    assert seen[-1] == (10, 10)


def test_non_json_details_are_normalised_before_hashing(ctx: AppContext) -> None:
    from datetime import date

    c = ctx.audit_chain
    e = c.append(
        username="u",
        station="S",
        action="export",
        details={"m": {1: "a", "b": (1, 2)}, "d": date(2026, 1, 2)},
    )
    assert e.details == {"m": {"1": "a", "b": [1, 2]}, "d": "2026-01-02"}
    stored = c.store.get(e.seq)
    assert stored is not None and stored.details == e.details and stored.hash == e.hash
    assert c.verify().ok
