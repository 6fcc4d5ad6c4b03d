"""Persistence of quality spot-checks (抽检) and the page statistics behind the dashboard.

Statistics are aggregated in Python over a narrow projection of ``pages`` because the
"day" grouping would otherwise need dialect-specific date functions (SQLite vs
PostgreSQL); a station's archive is in the hundreds of thousands of pages at most,
which streams through in well under a second.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from hukou_scan.domain import new_id
from hukou_scan.errors import NotFoundError
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import (
    BatchRecord,
    PageLinkRecord,
    PageOcrRecord,
    PageRecord,
    StationRecord,
    UserRecord,
)
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.security import QaResultRecord, QaSampleRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QaSample:
    """A reproducible sample: ``population`` (page ids in seq order) + ``seed`` → ``page_ids``."""

    id: str
    batch_id: str
    seed: int
    rate: float
    pass_threshold: float
    population: tuple[str, ...]
    page_ids: tuple[str, ...]
    auto_issues: tuple[dict[str, Any], ...] = ()
    status: str = "open"  # open | passed | failed
    pass_rate: float | None = None
    created_by: str = ""
    created_at: datetime | None = None
    decided_by: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class QaResult:
    sample_id: str
    page_id: str
    passed: bool
    reasons: tuple[str, ...] = ()
    note: str = ""
    reviewer: str = ""
    at: datetime | None = None


def _sample_from(r: QaSampleRecord) -> QaSample:
    return QaSample(
        id=r.id,
        batch_id=r.batch_id,
        seed=int(r.seed),
        rate=float(r.rate),
        pass_threshold=float(r.pass_threshold),
        population=tuple(r.population or ()),
        page_ids=tuple(r.page_ids or ()),
        auto_issues=tuple(r.auto_issues or ()),
        status=r.status,
        pass_rate=r.pass_rate,
        created_by=r.created_by,
        created_at=r.created_at,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
    )


def _result_from(r: QaResultRecord) -> QaResult:
    return QaResult(
        sample_id=r.sample_id,
        page_id=r.page_id,
        passed=bool(r.passed),
        reasons=tuple(r.reasons or ()),
        note=r.note,
        reviewer=r.reviewer,
        at=r.at,
    )


class QaStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_sample(self, sample: QaSample) -> QaSample:
        with self.db.session() as s:
            s.add(
                QaSampleRecord(
                    id=sample.id,
                    batch_id=sample.batch_id,
                    seed=sample.seed,
                    rate=sample.rate,
                    pass_threshold=sample.pass_threshold,
                    population=list(sample.population),
                    page_ids=list(sample.page_ids),
                    auto_issues=list(sample.auto_issues),
                    status=sample.status,
                    created_by=sample.created_by,
                    created_at=sample.created_at or utcnow(),
                    decided_by="",
                )
            )
        return self.get_sample(sample.id)

    def get_sample(self, sample_id: str) -> QaSample:
        with self.db.session() as s:
            r = s.get(QaSampleRecord, sample_id)
            if r is None:
                raise NotFoundError("抽检记录不存在。", f"QA sample not found: {sample_id}")
            return _sample_from(r)

    def samples(self, batch_id: str | None = None, status: str | None = None) -> list[QaSample]:
        q = select(QaSampleRecord).order_by(QaSampleRecord.created_at.desc())
        if batch_id:
            q = q.where(QaSampleRecord.batch_id == batch_id)
        if status:
            q = q.where(QaSampleRecord.status == status)
        with self.db.session() as s:
            return [_sample_from(r) for r in s.scalars(q)]

    def save_result(self, res: QaResult) -> QaResult:
        """Insert or replace the verdict on one page of a sample."""
        for _ in range(3):
            try:
                with self.db.session() as s:
                    r = s.scalar(
                        select(QaResultRecord).where(
                            QaResultRecord.sample_id == res.sample_id, QaResultRecord.page_id == res.page_id
                        )
                    )
                    if r is None:
                        r = QaResultRecord(
                            id=new_id(), sample_id=res.sample_id, page_id=res.page_id, attempt=1
                        )
                        s.add(r)
                    else:
                        r.attempt = (r.attempt or 1) + 1
                    r.passed, r.reasons, r.note = res.passed, list(res.reasons), res.note
                    r.reviewer, r.at = res.reviewer, res.at or utcnow()
                    s.flush()
                    return _result_from(r)
            except IntegrityError:
                continue
        raise NotFoundError("无法保存抽检结果。", "Could not save the QA result.")

    def results(self, sample_id: str) -> list[QaResult]:
        with self.db.session() as s:
            q = (
                select(QaResultRecord)
                .where(QaResultRecord.sample_id == sample_id)
                .order_by(QaResultRecord.at)
            )
            return [_result_from(r) for r in s.scalars(q)]

    def decide(self, sample_id: str, status: str, pass_rate: float, decided_by: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(QaSampleRecord)
                .where(QaSampleRecord.id == sample_id)
                .values(status=status, pass_rate=pass_rate, decided_by=decided_by, decided_at=utcnow())
            )


@dataclass(frozen=True)
class PageFact:
    """One page, projected to what the dashboard counts."""

    page_id: str
    batch_id: str
    archive_id: str
    station_id: str
    station_code: str
    captured_at: datetime
    operator: str
    state: str
    processed: bool
    ocr_done: bool
    linked: bool
    review_state: str
    sync_state: str


@dataclass
class StationInfo:
    id: str
    code: str
    name: str
    extra: dict[str, Any] = field(default_factory=dict)


class StatsQueries:
    """Read-only projections for :class:`hukou_scan.services.dashboard.DashboardService`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def page_facts(
        self,
        station_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        chunk: int = 5000,
    ) -> Iterator[PageFact]:
        linked = exists().where(PageLinkRecord.page_id == PageRecord.id)
        q = (
            select(
                PageRecord.id,
                PageRecord.batch_id,
                BatchRecord.archive_id,
                BatchRecord.station_id,
                StationRecord.code,
                PageRecord.captured_at,
                PageRecord.operator,
                PageRecord.state,
                PageRecord.processed_sha256,
                PageRecord.ocr_state,
                linked.label("linked"),
                PageRecord.review_state,
                PageRecord.sync_state,
            )
            .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
            .join(StationRecord, StationRecord.id == BatchRecord.station_id)
            .where(PageRecord.state != "deleted")
            .order_by(PageRecord.id)
        )
        if station_id:
            q = q.where(BatchRecord.station_id == station_id)
        if since:
            q = q.where(PageRecord.captured_at >= since)
        if until:
            q = q.where(PageRecord.captured_at < until)
        with self.db.session() as s:
            for row in s.execute(q).yield_per(chunk):
                yield PageFact(
                    page_id=row[0],
                    batch_id=row[1],
                    archive_id=row[2],
                    station_id=row[3],
                    station_code=row[4],
                    captured_at=row[5],
                    operator=row[6] or "",
                    state=row[7],
                    processed=row[8] is not None,
                    ocr_done=row[9] == "done",
                    linked=bool(row[10]),
                    review_state=row[11] or "",
                    sync_state=row[12] or "",
                )

    def operator_names(self) -> dict[str, str]:
        """Username → display name of every account that has one (pages record the username)."""
        with self.db.session() as s:
            rows = s.execute(select(UserRecord.username, UserRecord.display_name)).all()
        return {str(u): str(d) for u, d in rows if d}

    def sample_outcomes(self) -> list[tuple[str, str, str, float | None, int]]:
        """(station_id, batch_id, status, pass_rate, sampled pages) of every sample."""
        q = select(
            BatchRecord.station_id,
            QaSampleRecord.batch_id,
            QaSampleRecord.status,
            QaSampleRecord.pass_rate,
            QaSampleRecord.page_ids,
        ).join(BatchRecord, BatchRecord.id == QaSampleRecord.batch_id)
        with self.db.session() as s:
            return [(r[0], r[1], r[2], r[3], len(r[4] or ())) for r in s.execute(q)]

    def page_warning_counts(self) -> list[tuple[str, str, int, int]]:
        """Page-level data-quality warnings per station: (station_id, kind, count, pages).

        Kinds: ``ocr_field_invalid`` (an extracted field failed validation, e.g. an ID
        check digit), ``ocr_needs_review`` (low confidence), ``page_failed``.
        """
        totals: dict[str, int] = {}
        counts: dict[tuple[str, str], int] = {}
        q_pages = (
            select(BatchRecord.station_id, PageRecord.state)
            .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
            .where(PageRecord.state != "deleted")
        )
        q_ocr = (
            select(BatchRecord.station_id, PageOcrRecord.fields)
            .join(PageRecord, PageRecord.id == PageOcrRecord.page_id)
            .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
            .where(PageRecord.state != "deleted")
        )
        with self.db.session() as s:
            for station_id, state in s.execute(q_pages).yield_per(5000):
                totals[station_id] = totals.get(station_id, 0) + 1
                if state == "failed":
                    counts[(station_id, "page_failed")] = counts.get((station_id, "page_failed"), 0) + 1
            for station_id, fields in s.execute(q_ocr).yield_per(2000):
                fs = [f for f in (fields or []) if isinstance(f, dict)]
                if any(f.get("valid") is False for f in fs):
                    k = (station_id, "ocr_field_invalid")
                    counts[k] = counts.get(k, 0) + 1
                if any(f.get("needs_review") for f in fs):
                    k = (station_id, "ocr_needs_review")
                    counts[k] = counts.get(k, 0) + 1
        return [(sid, kind, n, totals.get(sid, 0)) for (sid, kind), n in sorted(counts.items())]

    def stations(self) -> list[StationInfo]:
        with self.db.session() as s:
            return [
                StationInfo(r.id, r.code, r.name)
                for r in s.scalars(select(StationRecord).order_by(StationRecord.code))
            ]


def pages_in_review_state(db: Database, review_state: str, station_id: str | None = None) -> list[str]:
    """Ids of pages with ``review_state`` (e.g. ``recapture``), oldest first."""
    q = (
        select(PageRecord.id)
        .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
        .where(PageRecord.review_state == review_state, PageRecord.state != "deleted")
        .order_by(PageRecord.captured_at)
    )
    if station_id:
        q = q.where(BatchRecord.station_id == station_id)
    with db.session() as s:
        return list(s.scalars(q))
