"""Queries of the OCR area on the shared ``jobs`` table (issue 5).

The generic queue operations (claim, finish, release …) live in :class:`JobRepository`;
these are the extra ones the OCR queue view and re-runs need (listing by state, the
oldest running jobs) — kept here so the area's SQL stays in one module.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import aliased

from hukou_scan.domain.models import Job, JobState
from hukou_scan.storage.db import Database
from hukou_scan.storage.records.core import JobRecord
from hukou_scan.storage.repositories import job_from


def _not_superseded() -> ColumnElement[bool]:
    """No later job of the same kind for the same page (jobs without a page always count)."""
    later = aliased(JobRecord)
    return ~exists().where(
        later.kind == JobRecord.kind,
        later.page_id == JobRecord.page_id,
        later.created_at > JobRecord.created_at,
    )


class OcrJobQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list_jobs(
        self, kind: str, states: Sequence[JobState] = (), limit: int = 1000, *, latest_only: bool = False
    ) -> list[Job]:
        """Jobs of ``kind`` (optionally in ``states``), oldest first.

        ``latest_only``: only each page's newest job — a failure that a later re-run of
        the page superseded is history, not a failed page.
        """
        q = select(JobRecord).where(JobRecord.kind == kind)
        if states:
            q = q.where(JobRecord.state.in_([s.value for s in states]))
        if latest_only:
            q = q.where(_not_superseded())
        with self.db.session() as s:
            return [job_from(r) for r in s.scalars(q.order_by(JobRecord.created_at).limit(limit))]

    def latest_counts(self, kind: str) -> dict[str, int]:
        """Jobs per state counting only each page's newest job (what the queue screen shows)."""
        q = (
            select(JobRecord.state, func.count())
            .where(JobRecord.kind == kind, _not_superseded())
            .group_by(JobRecord.state)
        )
        with self.db.session() as s:
            return {str(state): int(n) for state, n in s.execute(q).all()}

    def pending_for_page(self, kind: str, page_id: str) -> list[Job]:
        """Queued or running jobs of one page (a re-run supersedes a queued one)."""
        with self.db.session() as s:
            q = select(JobRecord).where(
                JobRecord.kind == kind,
                JobRecord.page_id == page_id,
                JobRecord.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]),
            )
            return [job_from(r) for r in s.scalars(q)]
