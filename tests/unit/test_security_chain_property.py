"""Property: any single tampering of any event is detected (in-memory store, no database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hukou_scan.domain import AuditEvent
from hukou_scan.security.audit import AuditChain


class MemoryAuditStore:
    """Events kept in a dict by seq; enforces the same uniqueness as the database."""

    def __init__(self) -> None:
        self.rows: dict[int, AuditEvent] = {}

    def last(self) -> AuditEvent | None:
        return self.rows[max(self.rows)] if self.rows else None

    def insert(self, event: AuditEvent) -> bool:
        if event.seq in self.rows or any(e.prev_hash == event.prev_hash for e in self.rows.values()):
            return False
        self.rows[event.seq] = event
        return True

    def iter_events(self, from_seq: int = 0, chunk: int = 2000) -> Iterator[AuditEvent]:
        for seq in sorted(self.rows):
            if seq >= from_seq:
                yield self.rows[seq]

    def find_by_hash(self, digest: str) -> AuditEvent | None:
        return next((e for e in self.rows.values() if e.hash == digest), None)

    def get(self, seq: int) -> AuditEvent | None:
        return self.rows.get(seq)

    def count(self) -> int:
        return len(self.rows)


def _chain(n: int) -> AuditChain:
    t = [datetime(2026, 3, 1, 8, 0)]

    def clock() -> datetime:
        t[0] += timedelta(seconds=1)
        return t[0]

    c = AuditChain(MemoryAuditStore(), clock=clock)
    for i in range(n):
        c.append(username=f"u{i % 3}", station="S0001", action="page_view", target=f"p{i}", details={"i": i})
    return c


FIELDS = ["username", "station", "action", "target", "outcome", "details", "at", "prev_hash", "hash"]


@given(n=st.integers(2, 30), data=st.data())
@settings(max_examples=150, deadline=None)
def test_any_single_edit_is_detected_at_or_next_to_the_event(n: int, data: st.DataObject) -> None:
    c = _chain(n)
    store: MemoryAuditStore = c.store  # type: ignore[assignment]
    seq = data.draw(st.integers(1, n))
    field = data.draw(st.sampled_from(FIELDS))
    e = store.rows[seq]
    changed = {
        "username": e.username + "x",
        "station": "S9999",
        "action": "nothing",
        "target": e.target + "!",
        "outcome": "failed",
        "details": {"i": -1},
        "at": e.at + timedelta(microseconds=1),
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
    }[field]
    store.rows[seq] = replace(e, **{field: changed})
    report = c.verify()
    assert not report.ok
    assert any(p.seq in (seq, seq + 1) for p in report.problems)


@given(n=st.integers(2, 30), data=st.data())
@settings(max_examples=100, deadline=None)
def test_any_deletion_is_detected_or_caught_by_the_anchor(n: int, data: st.DataObject) -> None:
    c = _chain(n)
    anchor = c.anchor()
    store: MemoryAuditStore = c.store  # type: ignore[assignment]
    seq = data.draw(st.integers(1, n))
    del store.rows[seq]
    report = c.verify(anchor=anchor)
    assert not report.ok
    kinds = {p.kind for p in report.problems}
    assert kinds & {"deleted", "truncated"}


@given(n=st.integers(3, 30), data=st.data())
@settings(max_examples=100, deadline=None)
def test_any_swap_is_detected_as_reordering(n: int, data: st.DataObject) -> None:
    c = _chain(n)
    store: MemoryAuditStore = c.store  # type: ignore[assignment]
    a = data.draw(st.integers(1, n - 1))
    b = data.draw(st.integers(a + 1, n))
    ea, eb = store.rows[a], store.rows[b]
    store.rows[a], store.rows[b] = replace(eb, seq=a), replace(ea, seq=b)
    report = c.verify()
    assert not report.ok
    assert {p.kind for p in report.problems} == {"reordered"}
    assert any(p.seq == a for p in report.problems)


@given(n=st.integers(2, 30), keep=st.integers(0, 29))
@settings(max_examples=60, deadline=None)
def test_truncation_and_rewrite_are_caught_by_the_anchor(n: int, keep: int) -> None:
    c = _chain(n)
    anchor = c.anchor()
    store: MemoryAuditStore = c.store  # type: ignore[assignment]
    keep = min(keep, n - 1)
    for s in list(store.rows):
        if s > keep:
            del store.rows[s]
    assert c.verify().ok  # a clean prefix is consistent on its own
    assert [p.kind for p in c.verify(anchor=anchor).problems] == ["truncated"]
    for i in range(n - keep):  # the attacker appends new, consistent events to the same length
        c.append(username="x", station="S0001", action="noop", target=str(i))
    assert [p.kind for p in c.verify(anchor=anchor).problems] == ["rewritten"]
