"""Upload jobs' retry waits (issue 19): capped exponential, the same numbers for the local
runner and procrastinate, read from ``[queue]``."""

from __future__ import annotations

from types import SimpleNamespace

from hukou_scan.storage.pgqueue import SyncRetry
from hukou_scan.storage.queue import SyncBackoff, sync_lock, sync_queue


def test_waits_double_up_to_the_cap() -> None:
    b = SyncBackoff(attempts=10, base_s=5, max_s=60)
    assert [b.delay(n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]
    assert SyncBackoff().attempts > 2  # an outage is not a bad page: more tries than OCR's two


def test_settings_section() -> None:
    b = SyncBackoff.from_section({"sync_attempts": 3, "sync_backoff_s": 0.5, "sync_backoff_max_s": 2})
    assert (b.attempts, b.delay(1), b.delay(2), b.delay(5)) == (3, 0.5, 1.0, 2.0)
    assert SyncBackoff.from_section({}) == SyncBackoff()
    assert SyncBackoff.from_section({"sync_attempts": 0}).attempts == 1


def test_procrastinate_retries_with_the_same_waits_then_gives_up() -> None:
    retry = SyncRetry(SyncBackoff(attempts=4, base_s=5, max_s=12))
    waits = []
    for done_before in range(4):  # procrastinate's job.attempts: tries before this one
        decision = retry.get_retry_decision(
            exception=RuntimeError("offline"), job=SimpleNamespace(attempts=done_before)
        )  # type: ignore[arg-type]
        waits.append(None if decision is None else decision.retry_at)
    assert waits[3] is None and all(w is not None for w in waits[:3])
    gaps = [(w - waits[0]).total_seconds() for w in waits[:3] if w is not None and waits[0] is not None]
    assert [round(g) for g in gaps] == [0, 5, 7]  # 5 s, 10 s, 12 s (capped) after now


def test_each_station_has_its_own_upload_queue_and_lock() -> None:
    assert sync_queue("a") != sync_queue("b") and sync_queue("a").startswith("sync-")
    assert sync_lock("a") == "sync:a"
    # PostgreSQL's 63-byte NOTIFY channel names: procrastinate_queue_v1#<queue>
    for station in ("0" * 32, "x" * 80):
        assert len(f"procrastinate_queue_v1#{sync_queue(station)}".encode()) <= 63
