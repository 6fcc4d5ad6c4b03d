"""Issue 16 item 11: two registry imports at once never share one import record.

The second import refuses with a clear message (or waits with ``wait_s``) because the
first holds the ``registry-import`` lock row in the database — on SQLite and on the
real PostgreSQL server, where the row is what makes it hold across stations.  A lock
left by a killed process goes stale and is taken over.
"""

from __future__ import annotations

import csv
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households, registry_rows
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.registry import IMPORT_LOCK, RegistryService
from hukou_scan.storage.db import Database
from hukou_scan.storage.locks import LockBusy
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.hardening import LockRecord
from hukou_scan.storage.registry import RegistryStore


def _csv(path: Path, households: int = 30) -> tuple[Path, int]:
    hs = generate_households(households, seed=11)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REGISTRY_COLUMNS)
        w.writerows(registry_rows(hs))
    return path, sum(len(h.members) for h in hs)


def _race(db_url: str, tmp_path: Path) -> None:
    path, n = _csv(tmp_path / "reg.csv")
    db_a, db_b = Database(db_url), Database(db_url)  # two "stations" on one catalogue
    try:
        a = RegistryService(RegistryStore(db_a), OpenGuard(), chunk_size=10)
        b = RegistryService(RegistryStore(db_b), OpenGuard(), chunk_size=10)
        inside, go_on = threading.Event(), threading.Event()

        def pause(_pos: int) -> None:
            inside.set()
            assert go_on.wait(30)

        a.after_chunk = pause
        result: dict[str, object] = {}
        t = threading.Thread(target=lambda: result.update(a=a.import_file(path)))
        t.start()
        try:
            assert inside.wait(30), "first import never started"
            with pytest.raises(LockBusy) as e:
                b.import_file(path)  # same file, at the same time
            assert "Another registry import is running" in e.value.user_message("en")
            assert "nothing was imported" in e.value.user_message("en")
            assert len(b.store.list_imports()) == 1  # no second import record
            # with a wait, the second run takes its turn once the first has finished
            waiter: dict[str, object] = {}
            t2 = threading.Thread(
                target=lambda: waiter.update(b=b.import_file(path, resume=False, wait_s=60))
            )
            t2.start()
        finally:
            a.after_chunk = None
            go_on.set()
            t.join(60)
        t2.join(90)
        first, second = result["a"], waiter["b"]
        assert first.run.added == n and first.run.updated == 0  # type: ignore[attr-defined]
        assert second.run.added == 0 and second.run.updated == n  # type: ignore[attr-defined]
        runs = b.store.list_imports()
        assert len(runs) == 2 and len({r.id for r in runs}) == 2
        assert b.store.count_persons() == n
        with db_a.session() as s:
            assert s.get(LockRecord, IMPORT_LOCK) is None  # released
    finally:
        db_a.dispose()
        db_b.dispose()


def test_concurrent_imports_sqlite(tmp_path: Path, migrated_sqlite: Path) -> None:
    import shutil

    target = tmp_path / "cat.sqlite3"
    shutil.copy(migrated_sqlite, target)
    _race(f"sqlite:///{target}", tmp_path)


@pytest.mark.postgres
def test_concurrent_imports_postgres(pg_db_url: str, tmp_path: Path) -> None:
    db = Database(pg_db_url)
    db.upgrade(backup=False)
    db.dispose()
    _race(pg_db_url, tmp_path)


def test_lock_of_a_killed_importer_goes_stale(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, n = _csv(tmp_path / "reg.csv", households=5)
    with ctx.db.session() as s:  # a holder that was kill -9'd two hours ago
        old = utcnow() - timedelta(hours=2)
        s.add(LockRecord(name=IMPORT_LOCK, owner="other-host:4242:dead", acquired_at=old, heartbeat_at=old))
    assert ctx.registry.import_file(path).run.added == n
    with ctx.db.session() as s:  # a fresh holder is respected
        now = utcnow()
        s.add(LockRecord(name=IMPORT_LOCK, owner="other-host:4243:alive", acquired_at=now, heartbeat_at=now))
    with pytest.raises(LockBusy, match="Another registry import is running"):
        ctx.registry.import_file(path)
    events = [e for e in ctx.guard.events if e[0] == "import_registry"]
    assert events[-1][2] == "refused"


@pytest.mark.usefixtures("cli_login")
def test_cli_refuses_while_another_import_runs(
    ctx, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from hukou_scan.cli import main

    path, _n = _csv(tmp_path / "reg.csv", households=3)
    with ctx.db.session() as s:
        now = utcnow()
        s.add(LockRecord(name=IMPORT_LOCK, owner="station-b:77:abcd", acquired_at=now, heartbeat_at=now))
    assert main(["import-registry", str(path), "--wait", "0.3"]) == 75
    err = capsys.readouterr().err
    assert "另一个户籍导入正在进行" in err and "station-b:77:abcd" in err and "Traceback" not in err
    assert ctx.registry_store.list_imports() == []


def test_lock_of_a_dead_process_on_this_host_is_taken_at_once(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import socket
    import subprocess
    import sys

    path, n = _csv(tmp_path / "reg.csv", households=3)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    pid = int(dead.stdout)
    with ctx.db.session() as s:  # kill -9'd a moment ago: heartbeat still fresh
        now = utcnow()
        s.add(
            LockRecord(
                name=IMPORT_LOCK,
                owner=f"{socket.gethostname()}:{pid}:dead",
                acquired_at=now,
                heartbeat_at=now,
            )
        )
    assert ctx.registry.import_file(path).run.added == n
