"""SQL of the registry area: chunked person upserts, candidate lookups, proposals, warnings.

Only this module runs SQL for issue 6.  Imports write with SQLAlchemy Core
``INSERT … ON CONFLICT DO UPDATE`` in executemany chunks (ORM objects are an order of
magnitude too slow for a million rows); each chunk, its bad rows and the import's
committed position go into one transaction, so a crash never leaves half a chunk and
the next run resumes from the last committed row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Index, Table, and_, delete, func, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from hukou_scan.domain import Person, ReadCorrection, idnumber, new_id
from hukou_scan.errors import NotFoundError
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import BatchRecord, HouseholdRecord, PageLinkRecord, PageRecord, PersonRecord
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.registry import (
    LinkProposalRecord,
    RegistryBadRowRecord,
    RegistryImportRecord,
    RegistryWarningRecord,
)
from hukou_scan.storage.repositories import person_from

log = logging.getLogger(__name__)

_IN_CHUNK = 900  # stay below every SQLite build's bound-parameter limit


@dataclass(frozen=True)
class ImportRun:
    """An import run as stored (position, counters, state)."""

    id: str
    file_name: str
    file_sha256: str
    file_size: int
    encoding: str
    mapping: dict[str, Any]
    state: str
    rows_done: int
    added: int
    updated: int
    bad: int
    started_by: str
    started_at: datetime | None
    finished_at: datetime | None
    error: str = ""


@dataclass(frozen=True)
class BadRow:
    row_no: int
    reason_zh: str
    reason_en: str
    raw: list[str]


@dataclass(frozen=True)
class Proposal:
    """A stored candidate for a page (the person is loaded alongside)."""

    page_id: str
    person: Person
    rank: int
    score: float
    role: str
    reasons: tuple[str, ...]
    preselected: bool
    corrections: tuple[ReadCorrection, ...] = ()
    """Readings this candidate would correct (filled by the linking service, not stored)."""


@dataclass(frozen=True)
class StoredWarning:
    rule: str
    person_id: str | None
    page_id: str | None
    batch_id: str | None
    station: str
    household_no: str
    message_zh: str
    message_en: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchLink:
    """One confirmed link with the page's batch and the person's household (for batch checks)."""

    batch_id: str
    page_id: str
    person_id: str
    household_no: str
    address: str
    id_number: str
    station: str
    batch_created_at: datetime | None
    batch_category: str


def _run_from(r: RegistryImportRecord) -> ImportRun:
    return ImportRun(
        id=r.id,
        file_name=r.file_name,
        file_sha256=r.file_sha256,
        file_size=int(r.file_size),
        encoding=r.encoding,
        mapping=dict(r.mapping or {}),
        state=r.state,
        rows_done=r.rows_done,
        added=r.added,
        updated=r.updated,
        bad=r.bad,
        started_by=r.started_by,
        started_at=r.started_at,
        finished_at=r.finished_at,
        error=r.error,
    )


def _chunks(seq: Sequence[Any], n: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


# Person fields the warning scan reads (keyword-built, so a new Person field cannot shift them).
_PERSON_FIELDS = (
    "id",
    "name",
    "id_number",
    "id_number_raw",
    "former_name",
    "sex",
    "ethnicity",
    "birth_date",
    "household_no",
    "relation",
    "address",
    "station",
    "status",
    "registered_on",
    "status_date",
)

_PERSON_COLUMNS = (
    "name",
    "name_key",
    "former_name",
    "id_number",
    "id_number_raw",
    "sex",
    "ethnicity",
    "birth_date",
    "household_no",
    "relation",
    "address",
    "station",
    "status",
    "registered_on",
    "status_date",
    "import_id",
    "updated_at",
)


class RegistryStore:
    """Registry persistence over a :class:`Database` (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- dialect helpers -----------------------------------------------------------------
    def _insert(self, table: Table) -> Insert:
        if self.db.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _upsert(self, table: Table, keys: list[str], columns: Iterable[str]) -> Any:
        ins: Any = self._insert(table)
        return ins.on_conflict_do_update(
            index_elements=keys, set_={c: getattr(ins.excluded, c) for c in columns}
        )

    def _insert_ignore(self, table: Table) -> Any:
        ins: Any = self._insert(table)
        return ins.on_conflict_do_nothing()

    # -- bulk loading --------------------------------------------------------------------
    def _secondary_person_indexes(self) -> list[Index]:
        """Non-unique indexes of ``persons``: what a first import may drop and rebuild.

        The primary key stays (the upsert's conflict target and the chunk's
        added/updated count need it); unique constraints stay too.
        """
        table: Table = PersonRecord.__table__  # type: ignore[assignment]
        return sorted((i for i in table.indexes if not i.unique), key=lambda i: str(i.name))

    def missing_person_indexes(self) -> list[str]:
        """Names of secondary person indexes absent from the database (a bulk load that
        was killed before it rebuilt them)."""
        with self.db.engine.connect() as conn:
            present = {i["name"] for i in inspect(conn).get_indexes("persons")}
        return [str(i.name) for i in self._secondary_person_indexes() if i.name not in present]

    def drop_person_indexes(self) -> None:
        """Drop the secondary person indexes for a large first import.

        Seven random-key b-trees make every inserted row touch seven random pages; at a
        million rows that halves the insert rate.  Building them once at the end sorts
        instead.  :meth:`ensure_person_indexes` puts them back (also at start-up, should
        the process die in between).
        """
        with self.db.engine.begin() as conn:
            for idx in self._secondary_person_indexes():
                idx.drop(conn, checkfirst=True)
        log.info("registry bulk load: secondary person indexes dropped")

    def ensure_person_indexes(self) -> list[str]:
        """Create any missing secondary person index; returns the names created."""
        missing = set(self.missing_person_indexes())
        if not missing:
            return []
        with self.db.engine.begin() as conn:
            if self.db.is_sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-65536")
            for idx in self._secondary_person_indexes():
                if idx.name in missing:
                    idx.create(conn, checkfirst=True)
        log.info("registry: person indexes (re)built: %s", ", ".join(sorted(missing)))
        return sorted(missing)

    # -- import runs -----------------------------------------------------------------------
    def resumable_import(self, file_sha256: str, mapping: dict[str, Any]) -> ImportRun | None:
        """The newest unfinished run of the same file with the same mapping, if any."""
        with self.db.session() as s:
            rows = s.scalars(
                select(RegistryImportRecord)
                .where(
                    RegistryImportRecord.file_sha256 == file_sha256,
                    RegistryImportRecord.state.in_(("running", "cancelled", "failed")),
                )
                .order_by(RegistryImportRecord.started_at.desc())
            ).all()
            for r in rows:
                if dict(r.mapping or {}) == mapping:
                    return _run_from(r)
        return None

    def start_import(
        self,
        *,
        file_name: str,
        file_sha256: str,
        file_size: int,
        encoding: str,
        mapping: dict[str, Any],
        by: str,
    ) -> ImportRun:
        rec = RegistryImportRecord(
            id=new_id(),
            file_name=file_name,
            file_sha256=file_sha256,
            file_size=file_size,
            encoding=encoding,
            mapping=mapping,
            state="running",
            started_by=by,
            started_at=utcnow(),
        )
        with self.db.session() as s:
            s.add(rec)
            s.flush()
            return _run_from(rec)

    def mark_running(self, import_id: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(RegistryImportRecord)
                .where(RegistryImportRecord.id == import_id)
                .values(state="running", error="")
            )

    def finish_import(self, import_id: str, state: str, error: str = "") -> ImportRun:
        with self.db.session() as s:
            s.execute(
                update(RegistryImportRecord)
                .where(RegistryImportRecord.id == import_id)
                .values(state=state, error=error[:2000], finished_at=utcnow())
            )
        return self.get_import(import_id)

    def get_import(self, import_id: str) -> ImportRun:
        with self.db.session() as s:
            r = s.get(RegistryImportRecord, import_id)
            if r is None:
                raise NotFoundError("导入记录不存在。", f"Import run not found: {import_id}")
            return _run_from(r)

    def list_imports(self, limit: int = 50) -> list[ImportRun]:
        with self.db.session() as s:
            q = select(RegistryImportRecord).order_by(RegistryImportRecord.started_at.desc()).limit(limit)
            return [_run_from(r) for r in s.scalars(q)]

    def bad_rows(self, import_id: str) -> Iterator[BadRow]:
        """Rejected rows in file order (streamed in pages so a big report stays small in memory)."""
        last = 0
        while True:
            with self.db.session() as s:
                rows = s.scalars(
                    select(RegistryBadRowRecord)
                    .where(RegistryBadRowRecord.import_id == import_id, RegistryBadRowRecord.row_no > last)
                    .order_by(RegistryBadRowRecord.row_no)
                    .limit(2000)
                ).all()
                out = [BadRow(r.row_no, r.reason_zh, r.reason_en, list(r.raw or [])) for r in rows]
            if not out:
                return
            yield from out
            last = out[-1].row_no

    def write_chunk(
        self,
        import_id: str,
        persons: list[dict[str, Any]],
        households: list[dict[str, Any]],
        bad: list[BadRow],
        rows_done: int,
    ) -> tuple[int, int]:
        """Upsert one chunk and advance the import's position, all in one transaction.

        ``persons`` are dicts with ``id`` plus :data:`_PERSON_COLUMNS`; ``households``
        dicts with ``id, household_no, head_name, address, station_code``.
        Returns (added, updated) for this chunk.
        """
        now = utcnow()
        ptable: Table = PersonRecord.__table__  # type: ignore[assignment]
        htable: Table = HouseholdRecord.__table__  # type: ignore[assignment]
        btable: Table = RegistryBadRowRecord.__table__  # type: ignore[assignment]
        with self.db.engine.begin() as conn:
            ids = [p["id"] for p in persons]
            existing: set[str] = set()
            for part in _chunks(ids):
                existing.update(conn.scalars(select(ptable.c.id).where(ptable.c.id.in_(part))))
            for p in persons:
                p["updated_at"] = now
            if self.db.is_sqlite:
                _sqlite_upsert(conn, persons, households, now)
            else:
                if persons:
                    conn.execute(self._upsert(ptable, ["id"], _PERSON_COLUMNS), persons)
                if households:
                    conn.execute(
                        self._upsert(htable, ["household_no"], ("head_name", "address", "station_code")),
                        households,
                    )
            if bad:
                conn.execute(
                    self._insert_ignore(btable),
                    [
                        {
                            "import_id": import_id,
                            "row_no": b.row_no,
                            "reason_zh": b.reason_zh,
                            "reason_en": b.reason_en,
                            "raw": b.raw,
                        }
                        for b in bad
                    ],
                )
            added = len(set(ids) - existing)
            updated = len(persons) - added
            conn.execute(
                update(RegistryImportRecord)
                .where(RegistryImportRecord.id == import_id)
                .values(
                    rows_done=rows_done,
                    added=RegistryImportRecord.added + added,
                    updated=RegistryImportRecord.updated + updated,
                    bad=RegistryImportRecord.bad + len(bad),
                )
            )
        return added, updated

    # -- candidate lookups -----------------------------------------------------------------
    def persons_by_ids(self, ids: Sequence[str]) -> list[Person]:
        out: list[Person] = []
        with self.db.session() as s:
            for part in _chunks(list(ids)):
                out.extend(
                    person_from(r) for r in s.scalars(select(PersonRecord).where(PersonRecord.id.in_(part)))
                )
        return out

    def by_id_numbers(self, numbers: Sequence[str], limit: int = 50) -> list[Person]:
        if not numbers:
            return []
        with self.db.session() as s:
            # id_number holds the 18-digit form (15-digit numbers are stored upgraded), so the
            # indexed column alone answers; id_number_raw has no index on purpose.
            q = select(PersonRecord).where(PersonRecord.id_number.in_(numbers))
            return [person_from(r) for r in s.scalars(q.limit(limit))]

    def by_name_keys(self, keys: Sequence[str], birth: date | None = None, limit: int = 200) -> list[Person]:
        """Persons whose folded name (or former name) is one of ``keys``, optionally born on ``birth``."""
        if not keys:
            return []
        cond = or_(
            PersonRecord.name_key.in_(keys), PersonRecord.name.in_(keys), PersonRecord.former_name.in_(keys)
        )
        if birth is not None:
            cond = and_(cond, PersonRecord.birth_date == birth)
        with self.db.session() as s:
            return [person_from(r) for r in s.scalars(select(PersonRecord).where(cond).limit(limit))]

    def by_birth_date(self, birth: date, limit: int = 500) -> list[Person]:
        with self.db.session() as s:
            q = select(PersonRecord).where(PersonRecord.birth_date == birth).limit(limit)
            return [person_from(r) for r in s.scalars(q)]

    def by_household(self, household_no: str, limit: int = 100) -> list[Person]:
        with self.db.session() as s:
            q = (
                select(PersonRecord)
                .where(PersonRecord.household_no == household_no)
                .order_by(PersonRecord.name)
                .limit(limit)
            )
            return [person_from(r) for r in s.scalars(q)]

    def search(self, text: str, limit: int = 50) -> list[Person]:
        """Manual search: ID number (full or prefix), household number, or name prefix."""
        t = text.strip()
        if not t:
            return []
        with self.db.session() as s:
            # Prefixes as ranges (col >= t AND col < t + U+FFFF) so the indexes serve them;
            # LIKE is case-insensitive in SQLite and would scan the whole table.
            up = t.upper()
            upgraded = idnumber.to18(t) if len(t) == 15 else None
            cond = or_(
                PersonRecord.id_number == (upgraded or up),
                and_(PersonRecord.id_number >= up, PersonRecord.id_number < up + "\uffff"),
                PersonRecord.household_no == t,
                and_(PersonRecord.name >= t, PersonRecord.name < t + "\uffff"),
                and_(PersonRecord.name_key >= t, PersonRecord.name_key < t + "\uffff"),
                PersonRecord.former_name == t,
            )
            q = select(PersonRecord).where(cond).order_by(PersonRecord.name).limit(limit)
            return [person_from(r) for r in s.scalars(q)]

    def fill_name_keys(self, fold: Any, chunk: int = 5000) -> int:
        """Compute ``name_key`` for persons written by other code paths (empty key)."""
        done = 0
        while True:
            with self.db.session() as s:
                rows = s.execute(
                    select(PersonRecord.id, PersonRecord.name).where(PersonRecord.name_key == "").limit(chunk)
                ).all()
                if not rows:
                    return done
                for pid, name in rows:
                    key = fold(name) or "-"
                    s.execute(update(PersonRecord).where(PersonRecord.id == pid).values(name_key=key))
                done += len(rows)

    # -- proposals ------------------------------------------------------------------------
    def replace_proposals(self, page_id: str, rows: list[dict[str, Any]]) -> None:
        """Store a page's ranked candidates (dicts: person_id, rank, score, role, reasons, preselected)."""
        table: Table = LinkProposalRecord.__table__  # type: ignore[assignment]
        now = utcnow()
        with self.db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.page_id == page_id))
            if rows:
                conn.execute(table.insert(), [{**r, "page_id": page_id, "created_at": now} for r in rows])

    def proposals(self, page_id: str) -> list[Proposal]:
        with self.db.session() as s:
            q = (
                select(LinkProposalRecord, PersonRecord)
                .join(PersonRecord, PersonRecord.id == LinkProposalRecord.person_id)
                .where(LinkProposalRecord.page_id == page_id)
                .order_by(LinkProposalRecord.rank)
            )
            return [
                Proposal(
                    page_id=lp.page_id,
                    person=person_from(pr),
                    rank=lp.rank,
                    score=lp.score,
                    role=lp.role,
                    reasons=tuple(lp.reasons or ()),
                    preselected=lp.preselected,
                )
                for lp, pr in s.execute(q).all()
            ]

    def pages_with_proposals(self, page_ids: Sequence[str]) -> set[str]:
        """Which of ``page_ids`` have stored candidates (one query for a page strip)."""
        if not page_ids:
            return set()
        with self.db.session() as s:
            q = (
                select(LinkProposalRecord.page_id)
                .where(LinkProposalRecord.page_id.in_(list(page_ids)))
                .distinct()
            )
            return {str(pid) for pid in s.scalars(q)}

    def page_batch(self, page_id: str) -> str:
        with self.db.session() as s:
            bid = s.scalar(select(PageRecord.batch_id).where(PageRecord.id == page_id))
            if bid is None:
                raise NotFoundError("页面不存在。", f"Page not found: {page_id}")
            return str(bid)

    # -- warnings: data access ------------------------------------------------------------
    def count_persons(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(PersonRecord)) or 0)

    def iter_persons_by_household(self, page_size: int = 20000) -> Iterator[Person]:
        """All persons ordered by (household_no, id), streamed from one query in batches.

        Plain column tuples, not ORM objects: a million-row scan spends most of its time
        building objects, and the ORM identity map is of no use here.
        """
        cols = [getattr(PersonRecord, c) for c in _PERSON_FIELDS]
        q = select(*cols).order_by(PersonRecord.household_no, PersonRecord.id)
        with self.db.session() as s:
            for row in s.execute(q.execution_options(yield_per=page_size)):
                yield Person(**dict(zip(_PERSON_FIELDS, row, strict=True)))

    def duplicate_id_groups(self) -> Iterator[list[Person]]:
        """Groups of persons sharing one (normalised) ID number."""
        with self.db.session() as s:
            numbers = list(
                s.scalars(
                    select(PersonRecord.id_number)
                    .where(PersonRecord.id_number != "")
                    .group_by(PersonRecord.id_number)
                    .having(func.count() > 1)
                )
            )
        for part in _chunks(numbers, 500):
            with self.db.session() as s:
                rows = [
                    person_from(r)
                    for r in s.scalars(
                        select(PersonRecord)
                        .where(PersonRecord.id_number.in_(part))
                        .order_by(PersonRecord.id_number, PersonRecord.household_no)
                    )
                ]
            group: list[Person] = []
            for p in rows:
                if group and group[0].id_number != p.id_number:
                    yield group
                    group = []
                group.append(p)
            if group:
                yield group

    def same_name_birth_groups(self) -> Iterator[list[Person]]:
        """Groups of persons with the same folded name and birth date in more than one household."""
        with self.db.session() as s:
            keys = s.execute(
                select(PersonRecord.name_key, PersonRecord.birth_date)
                .where(PersonRecord.birth_date.is_not(None), PersonRecord.name_key != "")
                .group_by(PersonRecord.name_key, PersonRecord.birth_date)
                .having(func.count(func.distinct(PersonRecord.household_no)) > 1)
            ).all()
        for part in _chunks(keys, 300):
            groups: dict[tuple[str, date], list[Person]] = {}
            with self.db.session() as s:
                cond = or_(*(and_(PersonRecord.name_key == k, PersonRecord.birth_date == b) for k, b in part))
                for r in s.scalars(select(PersonRecord).where(cond).order_by(PersonRecord.household_no)):
                    assert r.birth_date is not None
                    groups.setdefault((r.name_key, r.birth_date), []).append(person_from(r))
            for grp in groups.values():
                if len({p.household_no for p in grp}) > 1:
                    yield grp

    def linked_pages_for_persons(self, person_ids: Sequence[str]) -> dict[str, list[BatchLink]]:
        """Confirmed links of the given persons, with their page's batch."""
        out: dict[str, list[BatchLink]] = {}
        for part in _chunks(list(person_ids)):
            for bl in self._batch_links(PageLinkRecord.person_id.in_(part)):
                out.setdefault(bl.person_id, []).append(bl)
        return out

    def all_batch_links(self) -> Iterator[BatchLink]:
        """Every confirmed link ordered by batch (for the unrelated-households check)."""
        yield from self._batch_links(None)

    def _batch_links(self, cond: Any) -> list[BatchLink]:
        q = (
            select(
                PageRecord.batch_id,
                PageLinkRecord.page_id,
                PageLinkRecord.person_id,
                PersonRecord.household_no,
                PersonRecord.address,
                PersonRecord.id_number,
                PersonRecord.station,
                BatchRecord.created_at,
                BatchRecord.category,
            )
            .join(PageRecord, PageRecord.id == PageLinkRecord.page_id)
            .join(PersonRecord, PersonRecord.id == PageLinkRecord.person_id)
            .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
            .order_by(PageRecord.batch_id, PageLinkRecord.page_id)
        )
        if cond is not None:
            q = q.where(cond)
        with self.db.session() as s:
            return [BatchLink(*row) for row in s.execute(q).all()]

    def station_totals(self) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(select(PersonRecord.station, func.count()).group_by(PersonRecord.station)).all()
        return {str(st or ""): int(n) for st, n in rows}

    # -- warnings: results ----------------------------------------------------------------
    def replace_warnings(self, scan_id: str, warnings: Iterable[StoredWarning], chunk: int = 5000) -> int:
        """Swap in a scan's findings (the old scan's rows go in the same transaction)."""
        table: Table = RegistryWarningRecord.__table__  # type: ignore[assignment]
        now = utcnow()
        n = 0
        with self.db.engine.begin() as conn:
            conn.execute(delete(table))
            buf: list[dict[str, Any]] = []
            for w in warnings:
                buf.append(
                    {
                        "scan_id": scan_id,
                        "rule": w.rule,
                        "person_id": w.person_id,
                        "page_id": w.page_id,
                        "batch_id": w.batch_id,
                        "station": w.station,
                        "household_no": w.household_no,
                        "message_zh": w.message_zh,
                        "message_en": w.message_en,
                        "detail": w.detail,
                        "created_at": now,
                    }
                )
                if len(buf) >= chunk:
                    n += _flush(conn, table, buf)
            n += _flush(conn, table, buf)
        return n

    def warnings(
        self, rule: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[StoredWarning]:
        with self.db.session() as s:
            q = select(RegistryWarningRecord).order_by(RegistryWarningRecord.id)
            if rule:
                q = q.where(RegistryWarningRecord.rule == rule)
            if offset:
                q = q.offset(offset)
            if limit is not None:
                q = q.limit(limit)
            return [
                StoredWarning(
                    rule=r.rule,
                    person_id=r.person_id,
                    page_id=r.page_id,
                    batch_id=r.batch_id,
                    station=r.station,
                    household_no=r.household_no,
                    message_zh=r.message_zh,
                    message_en=r.message_en,
                    detail=dict(r.detail or {}),
                )
                for r in s.scalars(q)
            ]

    def warning_counts(self) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(
                select(RegistryWarningRecord.rule, func.count()).group_by(RegistryWarningRecord.rule)
            ).all()
        return {str(r): int(n) for r, n in rows}

    def warned_persons_by_station(self) -> dict[str, int]:
        """Distinct persons with at least one warning, per station."""
        with self.db.session() as s:
            rows = s.execute(
                select(
                    RegistryWarningRecord.station, func.count(func.distinct(RegistryWarningRecord.person_id))
                )
                .where(RegistryWarningRecord.person_id.is_not(None))
                .group_by(RegistryWarningRecord.station)
            ).all()
        return {str(st or ""): int(n) for st, n in rows}


_SQLITE_PERSON_UPSERT = (
    f"INSERT INTO persons (id, {', '.join(_PERSON_COLUMNS)}) VALUES ({', '.join('?' * (len(_PERSON_COLUMNS) + 1))})"
    f" ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c}=excluded.{c}' for c in _PERSON_COLUMNS)}"
)
_SQLITE_HOUSEHOLD_UPSERT = (
    "INSERT INTO households (id, household_no, head_name, address, station_code) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT(household_no) DO UPDATE SET head_name=excluded.head_name, address=excluded.address,"
    " station_code=excluded.station_code"
)
_DATE_COLUMNS = frozenset({"birth_date", "registered_on", "status_date"})
_PERSON_ROW = itemgetter("id", *_PERSON_COLUMNS)
_DATE_POSITIONS = tuple(i + 1 for i, c in enumerate(_PERSON_COLUMNS) if c in _DATE_COLUMNS)
_STAMP_POSITION = 1 + _PERSON_COLUMNS.index("updated_at")


def _sqlite_upsert(
    conn: Connection, persons: list[dict[str, Any]], households: list[dict[str, Any]], now: datetime
) -> None:
    """The import's hot path on SQLite: plain executemany, values pre-formatted.

    Dates and timestamps are written in exactly the text form SQLAlchemy's SQLite
    ``Date``/``DateTime`` types store and parse, so ORM reads see normal values; going
    around the Core statement compiler triples the insert rate.
    """
    conn.exec_driver_sql("PRAGMA cache_size=-65536")  # 64 MiB: seven b-trees take random keys
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for p in persons:
        row = list(_PERSON_ROW(p))
        for i in _DATE_POSITIONS:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        row[_STAMP_POSITION] = stamp
        rows.append(tuple(row))
    if rows:
        conn.exec_driver_sql(_SQLITE_PERSON_UPSERT, rows)
    if households:
        conn.exec_driver_sql(
            _SQLITE_HOUSEHOLD_UPSERT,
            [
                (h["id"], h["household_no"], h["head_name"], h["address"], h["station_code"])
                for h in households
            ],
        )


def _flush(conn: Connection, table: Table, buf: list[dict[str, Any]]) -> int:
    if not buf:
        return 0
    conn.execute(table.insert(), buf)
    n = len(buf)
    buf.clear()
    return n
