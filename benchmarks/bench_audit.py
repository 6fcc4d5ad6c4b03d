"""Audit chain and login benchmark.

Run: ``python -m benchmarks.bench_audit [--quick]``.  Prints one JSON object on its
last line.

Same run, same SQLite file database (migrated by Alembic), deterministic events:

- ``append``: :meth:`AuditChain.append` (read tip, canonical JSON, SHA-256, insert in
  its own transaction, as services do) vs the anchor ``plain_insert``: the same rows
  inserted one transaction each without chaining — the cost of the chain itself;
- ``verify``: :meth:`AuditChain.verify` over the whole log vs the anchor
  ``plain_scan``: streaming the same columns (Core select, no ORM) without hashing —
  the cost of checking;
  ``hash_only``: hashlib over the canonical bytes with no database at all;
- ``argon2id``: one hash and one verify with the shipped parameters (t=3, m=64 MiB,
  p=4), i.e. what a login costs;
- ``sample``: :func:`pick_sample` of 5 % from 100 000 pages.

Goals (issue 10 has no numeric targets; these are ours): audit append overhead well
under the cost of the user action it records (< 5 ms per event on this machine), a
full verify of a year's log (≈ 1 M events) in minutes, a login under 1 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import insert, select

from hukou_scan.security.audit import GENESIS, AuditChain, canonical_bytes
from hukou_scan.services.qa import pick_sample
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import AuditEventRecord
from hukou_scan.storage.security import SqlAuditStore


class _Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 1, 1, 8, 0, 0)

    def __call__(self) -> datetime:
        self.t += timedelta(milliseconds=250)
        return self.t


def _event(i: int) -> dict[str, object]:
    return {
        "username": f"clerk{i % 7:02d}",
        "station": "S0001",
        "action": ("page_view", "search", "link", "export")[i % 4],
        "target": f"{i:032x}",
        "details": {"query": f"张{i % 100}", "n": i},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 1500 if args.quick else 15000
    out: dict[str, object] = {"bench": "audit", "quick": args.quick, "events": n}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'a.sqlite3'}")
        db.upgrade(backup=False)
        chain = AuditChain(SqlAuditStore(db), clock=_Clock())
        t0 = time.perf_counter()
        for i in range(n):
            e = _event(i)
            chain.append(**e)  # type: ignore[arg-type]
        t_append = time.perf_counter() - t0

        db2 = Database(f"sqlite:///{Path(tmp) / 'b.sqlite3'}")
        db2.upgrade(backup=False)
        clock = _Clock()
        t0 = time.perf_counter()
        for i in range(n):
            e = _event(i)
            with db2.session() as s:
                s.execute(
                    insert(AuditEventRecord).values(
                        seq=i + 1, at=clock(), prev_hash=f"{i:064x}", hash=f"{i + 1:064x}", outcome="ok", **e
                    )
                )
        t_plain = time.perf_counter() - t0

        t0 = time.perf_counter()
        report = chain.verify()
        t_verify = time.perf_counter() - t0
        assert report.ok and report.checked == n

        t0 = time.perf_counter()
        rows = 0
        with db.session() as s:
            t = AuditEventRecord.__table__
            for _r in s.execute(select(*t.c).order_by(t.c.seq)).yield_per(5000):
                rows += 1
        t_scan = time.perf_counter() - t0

        events = list(chain.store.iter_events())
        t0 = time.perf_counter()
        for ev in events:
            hashlib.sha256(
                canonical_bytes(
                    seq=ev.seq,
                    at=ev.at,
                    username=ev.username,
                    station=ev.station,
                    action=ev.action,
                    target=ev.target,
                    outcome=ev.outcome,
                    details=ev.details,
                    prev_hash=ev.prev_hash or GENESIS,
                )
            ).hexdigest()
        t_hash = time.perf_counter() - t0
        db.dispose()
        db2.dispose()

    ph = PasswordHasher()
    t0 = time.perf_counter()
    h = ph.hash("Passw0rd!")
    t_hash_pw = time.perf_counter() - t0
    t0 = time.perf_counter()
    ph.verify(h, "Passw0rd!")
    t_verify_pw = time.perf_counter() - t0

    pop = [f"{i:032x}" for i in range(100_000)]
    t0 = time.perf_counter()
    sample = pick_sample(pop, 0.05, 12345)
    t_sample = time.perf_counter() - t0
    assert len(sample) == 5000

    out.update(
        {
            "append_ms_per_event": round(t_append / n * 1000, 3),
            "plain_insert_ms_per_event": round(t_plain / n * 1000, 3),
            "append_vs_plain_insert": round(t_append / t_plain, 2),
            "verify_events_per_s": round(n / t_verify),
            "plain_scan_events_per_s": round(rows / t_scan),
            "hash_only_events_per_s": round(n / t_hash),
            "verify_vs_plain_scan": round(t_verify / t_scan, 2),
            "verify_1M_events_est_s": round(t_verify / n * 1_000_000, 1),
            "argon2id_hash_ms": round(t_hash_pw * 1000, 1),
            "argon2id_verify_ms": round(t_verify_pw * 1000, 1),
            "sample_100k_pages_ms": round(t_sample * 1000, 2),
        }
    )
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
