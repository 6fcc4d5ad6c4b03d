"""The one job claim behind every local queue (``storage/repositories.py: claim_oldest``):
the generic claim by kind and the station's upload-request claim share it, on SQLite and
on a real PostgreSQL.

A lost race is made deterministic, without threads or sleeps: a cursor hook lets a
second connection take the candidate just before our ``UPDATE`` runs, exactly what a
faster worker on another machine would do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from hukou_scan.config import Settings
from hukou_scan.domain.models import JobState, new_id
from hukou_scan.storage.db import Database
from hukou_scan.storage.queue import SYNC_KIND, QueueStore
from hukou_scan.storage.records.core import JobRecord
from hukou_scan.storage.repositories import CLAIM_TRIES, JobRepository, claim_oldest

T0 = datetime(2026, 1, 1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    if request.param == "postgresql":
        database = Database(request.getfixturevalue("pg_db_url"))
        database.upgrade(backup=False)
    else:
        settings: Settings = request.getfixturevalue("settings")
        database = Database(settings.db_url)
    yield database
    database.dispose()


def add_job(db: Database, kind: str, age_s: int, **params: Any) -> str:
    """A queued job created ``age_s`` seconds after ``T0`` (explicit, so the order is certain)."""
    job_id = new_id()
    with db.session() as s:
        s.add(
            JobRecord(
                id=job_id,
                kind=kind,
                params=params,
                state=JobState.QUEUED.value,
                created_at=T0 + timedelta(seconds=age_s),
            )
        )
    return job_id


def row(db: Database, job_id: str) -> JobRecord:
    with db.session() as s:
        r = s.get(JobRecord, job_id)
        assert r is not None
        s.expunge(r)
        return r


Steal = Callable[[Sequence[str]], list[str]]


@pytest.fixture
def steal(db: Database) -> Iterator[Steal]:
    """``steal(ids)``: before each of our next claim updates, a second connection (a rival
    worker) takes the next job of ``ids``; returns the ids it took, filled as it goes."""
    rival = Database(db.url)

    def arm(ids: Sequence[str]) -> list[str]:
        todo, stolen = list(ids), []

        def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            if not todo or not statement.lstrip().upper().startswith("UPDATE JOBS"):
                return
            job_id = todo.pop(0)
            with rival.session() as s:
                s.execute(
                    update(JobRecord)
                    .where(JobRecord.id == job_id)
                    .values(state=JobState.RUNNING.value, worker="rival")
                )
            stolen.append(job_id)

        event.listen(db.engine, "before_cursor_execute", before)
        return stolen

    yield arm
    rival.dispose()


def test_claim_takes_the_oldest_queued_job_of_its_kind_once(db: Database) -> None:
    newer = add_job(db, "ocr", 20)
    older = add_job(db, "ocr", 10)
    other_kind = add_job(db, "process", 0)
    jobs = JobRepository(db)
    first, second = jobs.claim("ocr", "w1"), jobs.claim("ocr", "w2")
    assert first is not None and second is not None
    assert (first.id, first.state, first.attempts) == (older, JobState.RUNNING, 1)
    assert second.id == newer
    assert jobs.claim("ocr", "w3") is None
    r = row(db, older)
    assert (r.state, r.worker, r.attempts) == (JobState.RUNNING.value, "w1", 1) and r.started_at is not None
    assert row(db, other_kind).state == JobState.QUEUED.value


def test_claim_oldest_applies_every_extra_condition(db: Database) -> None:
    add_job(db, "ocr", 0, lane="b")
    wanted = add_job(db, "ocr", 5, lane="a")
    add_job(db, "thumb", 1, lane="a")
    lane_a = (JobRecord.kind == "ocr", JobRecord.params["lane"].as_string() == "a")
    with db.session() as s:
        r = claim_oldest(s, "w", *lane_a)
        assert r is not None and r.id == wanted and r.state == JobState.RUNNING.value
        # the caller may record more in the same transaction (the upload runner's holder)
        r.params = {**r.params, "holder": "me"}
    assert row(db, wanted).params == {"lane": "a", "holder": "me"}
    with db.session() as s:
        assert claim_oldest(s, "w", *lane_a) is None


def test_a_claim_that_loses_the_race_takes_the_next_job(db: Database, steal: Steal) -> None:
    first = add_job(db, "ocr", 0)
    second = add_job(db, "ocr", 10)
    stolen = steal([first])  # a faster worker takes the candidate our query found
    job = JobRepository(db).claim("ocr", "us")
    assert stolen == [first]
    assert job is not None and job.id == second and job.attempts == 1
    r = row(db, first)
    assert (r.worker, r.attempts) == ("rival", 0)  # our update never touched it


def test_claim_gives_up_after_its_tries_under_contention(db: Database, steal: Steal) -> None:
    if db.is_sqlite:
        pytest.skip(
            "SQLite: the first update that touches no row already holds the write lock for the "
            "rest of the claim, so a second race cannot be lost there"
        )
    ids = [add_job(db, "ocr", i) for i in range(CLAIM_TRIES + 1)]
    stolen = steal(ids[:CLAIM_TRIES])  # a faster rival on every try
    assert JobRepository(db).claim("ocr", "us") is None  # "nothing for now", not an error
    assert stolen == ids[:CLAIM_TRIES]
    job = JobRepository(db).claim("ocr", "us")  # the rival has gone quiet: the last one is ours
    assert job is not None and job.id == ids[-1]


def test_upload_claim_is_the_same_claim_for_its_station_and_due_requests(db: Database, steal: Steal) -> None:
    store = QueueStore(db)
    add_job(db, SYNC_KIND, 0, station_id="other")  # not this machine's files
    add_job(db, SYNC_KIND, 1, station_id="st", retry_at=time.time() + 3600)  # waiting out a retry
    due = add_job(db, SYNC_KIND, 2, station_id="st", retry_at=time.time() - 1)
    later = add_job(db, SYNC_KIND, 3, station_id="st")
    job = store.claim_sync("st", "w" * 150)
    assert job is not None and job.id == due and job.params["holder"]
    r = row(db, due)
    assert (r.state, r.worker, r.attempts) == (JobState.RUNNING.value, "w" * 100, 1)
    assert r.params["holder"] == job.params["holder"]  # stamped in the claim's own transaction
    stolen = steal([later])
    assert store.claim_sync("st", "w") is None  # the rival took `later`; nothing due is left
    assert stolen == [later] and row(db, later).worker == "rival"
