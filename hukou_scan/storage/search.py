"""SQL of the search index (issue 7): SQLite FTS5 and PostgreSQL tsvector back ends.

The tokens arrive ready-made from :mod:`hukou_scan.search.tokens` (inside
:class:`~hukou_scan.domain.search.IndexDoc`) and queries arrive as
:class:`~hukou_scan.domain.search.MatchGroup` lists; this module only renders them
for each back end so both answer the same:

* SQLite: contentless ``detail=none`` FTS5 ``search_fts(tokens)``, rowid =
  ``search_docs.id``; a group of alternatives is ``("a" OR "b"*)``.
* PostgreSQL: ``search_docs.tsv`` built with ``array_to_tsvector`` from the same
  tokens (never ``to_tsvector``, whose parser would re-split them): ``|``, ``&``, ``:*``.

Results are ordered newest-indexed first (``search_docs.id`` descending): both back
ends can then stop after ``limit`` rows even for a single character that occurs on
most pages, which bm25 ordering could not (it scores every match).

Field look-ups (names, ID numbers, household numbers, archive ids) use B-tree
indexes, not full-text search.

On PostgreSQL a search is ONE statement (:meth:`SearchIndexStore.search_ranked`, issue
19): the tiers are guarded, mutually exclusive CTE parts ranked inside the query, and
the result lines come back with it; SQLite keeps the step-by-step path (local calls
cost microseconds there).  ``tests/integration/test_search_pg_parity.py`` holds the two
to identical answers.

Index design on PostgreSQL at millions of pages (issue 19, migration 0013_search_scale;
measured in ``benchmarks/bench_search.py``): finding the newest 50 pages that hold a token
costs either a walk of the newest rows (reading each row's ~4 kB token set: cheap for a
common token, ruinous for a rare one) or the GIN posting list (cheap for a rare token,
and growing with the archive for a common one).  Each metadata and text tier picks one by
the token's share of rows, taken from the planner's statistics (:meth:`_pg_plan_tier`),
inside a newest-rows window sized for the expected matches; filters are checked on the
rows found rather than through bitmaps that grow with the archive; the person tiers and
page numbers are index-only look-ups; JIT compilation is off on our connections.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, column, delete, func, insert, or_, select, table, text, tuple_
from sqlalchemy.orm import Session

from hukou_scan.domain.models import PageState
from hukou_scan.domain.search import (
    AtomKind,
    HitRow,
    IndexDoc,
    IndexScope,
    IndexSource,
    MatchAtom,
    MatchGroup,
    PersonSummary,
    RankedHit,
    SearchFilters,
)
from hukou_scan.storage.db import Database
from hukou_scan.storage.records import (
    BatchRecord,
    PageLinkRecord,
    PageRecord,
    PersonRecord,
    StationRecord,
)
from hukou_scan.storage.records.base import utcnow
from hukou_scan.storage.records.search import SearchDocRecord
from hukou_scan.storage.repositories import page_number_column

log = logging.getLogger(__name__)

_IN_SLICE = 900  # ids per IN (...) list

_DOCS: Table = SearchDocRecord.__table__  # type: ignore[assignment]
_FTS = table("search_fts", column("rowid"))
_MAX_PERSONS = 500


# --- rendering ---------------------------------------------------------------------------
# Both back ends store the same *set* of tokens per page (no positions): body tokens,
# meta tokens, and the meta tokens again behind META_MARK so a query can be limited
# to metadata.  A CJK run of n characters matches when all its bigrams are present;
# the service confirms 3+ character phrases in the page text.  Same sets, same boolean
# expressions: the same answers from SQLite and PostgreSQL by construction.
META_MARK = "_"


def doc_tokens(doc: IndexDoc) -> list[str]:
    meta = (*doc.meta_bi, *doc.meta_uni)
    return list(dict.fromkeys((*doc.bi, *doc.uni, *meta, *(META_MARK + t for t in meta))))


def _fts5_atom(a: MatchAtom, mark: str) -> str:
    if a.kind == AtomKind.PREFIX:
        return f'"{mark}{a.tokens[0]}"*'
    toks = [f'"{mark}{t}"' for t in a.tokens]
    return toks[0] if len(toks) == 1 else "(" + " AND ".join(toks) + ")"


def fts5_match(groups: Sequence[MatchGroup], scope: IndexScope) -> str:
    """FTS5 MATCH expression; tokens contain only letters, digits and CJK, so no escaping."""
    mark = META_MARK if scope == IndexScope.META else ""
    parts = []
    for g in groups:
        alts = [_fts5_atom(a, mark) for a in g.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


def _pg_atom(a: MatchAtom, mark: str) -> str:
    if a.kind == AtomKind.PREFIX:
        return f"'{mark}{a.tokens[0]}':*"
    toks = [f"'{mark}{t}'" for t in a.tokens]
    return toks[0] if len(toks) == 1 else "(" + " & ".join(toks) + ")"


def pg_tsquery(groups: Sequence[MatchGroup], scope: IndexScope) -> str:
    """tsquery literal for the same groups."""
    mark = META_MARK if scope == IndexScope.META else ""
    parts = []
    for g in groups:
        alts = [_pg_atom(a, mark) for a in g.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")")
    return " & ".join(parts)


class SearchIndexStore:
    """All SQL of the search area.  Every method is one short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def backend(self) -> str:
        return "sqlite" if self.db.is_sqlite else "postgresql"

    # --- reading what to index -----------------------------------------------------------
    def page_chunks(self, chunk: int = 500) -> Iterator[list[str]]:
        """Live page ids in capture order, ``chunk`` at a time, each chunk its own short read.

        Capture order matters: results are listed by index id descending, so a full
        rebuild in capture order makes "newest first" mean newest captured.
        """
        cursor: tuple[datetime, str] | None = None
        while True:
            q = (
                select(PageRecord.captured_at, PageRecord.id)
                .where(PageRecord.state != PageState.DELETED.value)
                .order_by(PageRecord.captured_at, PageRecord.id)
                .limit(chunk)
            )
            if cursor is not None:
                q = q.where(tuple_(PageRecord.captured_at, PageRecord.id) > tuple_(*cursor))
            with self.db.session() as s:
                rows = s.execute(q).all()
            if not rows:
                return
            cursor = (rows[-1][0], rows[-1][1])
            yield [str(r[1]) for r in rows]

    def stale_page_ids(self, limit: int = 500) -> list[str]:
        """Live pages never indexed, or changed since they were (OCR, review, metadata)."""
        d = _DOCS.c
        q = (
            select(PageRecord.id)
            .outerjoin(_DOCS, d.page_id == PageRecord.id)
            .where(
                PageRecord.state != PageState.DELETED.value,
                (d.id.is_(None)) | (PageRecord.updated_at > d.indexed_at),
            )
            .order_by(PageRecord.captured_at, PageRecord.id)
            .limit(limit)
        )
        with self.db.session() as s:
            return [str(x) for x in s.scalars(q)]

    def count_pages(self) -> int:
        with self.db.session() as s:
            q = (
                select(func.count())
                .select_from(PageRecord)
                .where(PageRecord.state != PageState.DELETED.value)
            )
            return int(s.scalar(q) or 0)

    def load_sources(self, page_ids: Sequence[str]) -> list[IndexSource]:
        """Pages with their batch, station and linked persons, in the order asked."""
        if not page_ids:
            return []
        with self.db.session() as s:
            rows = s.execute(
                select(PageRecord, BatchRecord, StationRecord)
                .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
                .outerjoin(StationRecord, StationRecord.id == BatchRecord.station_id)
                .where(PageRecord.id.in_(page_ids))
            ).all()
            persons = self._persons_for_pages(s, page_ids)
        out: dict[str, IndexSource] = {}
        for p, b, st in rows:
            if p.state == PageState.DELETED.value:
                continue
            loc = "".join(
                f"{v}{unit}"
                for v, unit in (
                    (b.loc_room, "库房"),
                    (b.loc_cabinet, "柜"),
                    (b.loc_shelf, "架"),
                    (b.loc_box, "盒"),
                    (b.loc_volume, "卷"),
                )
                if v
            )
            out[p.id] = IndexSource(
                page_id=p.id,
                batch_id=b.id,
                seq=p.seq,
                archive_id=b.archive_id,
                category=b.category,
                station_id=b.station_id,
                station_code=st.code if st else "",
                station_name=st.name if st else "",
                location=loc,
                captured_at=p.captured_at,
                review_state=p.review_state,
                ocr_text=p.ocr_text,
                persons=tuple(persons.get(p.id, ())),
            )
        return [out[i] for i in page_ids if i in out]

    @staticmethod
    def _persons_for_pages(s: Session, page_ids: Sequence[str]) -> dict[str, list[PersonSummary]]:
        rows = s.execute(
            select(PageLinkRecord.page_id, PersonRecord)
            .join(PersonRecord, PersonRecord.id == PageLinkRecord.person_id)
            .where(PageLinkRecord.page_id.in_(page_ids))
            .order_by(PageLinkRecord.score.desc(), PersonRecord.name)
        ).all()
        out: dict[str, list[PersonSummary]] = defaultdict(list)
        for page_id, r in rows:
            out[page_id].append(
                PersonSummary(
                    id=r.id,
                    name=r.name,
                    id_number=r.id_number,
                    household_no=r.household_no,
                    former_name=r.former_name,
                    address=r.address,
                )
            )
        return out

    def persons_for_pages(self, page_ids: Sequence[str]) -> dict[str, list[PersonSummary]]:
        if not page_ids:
            return {}
        with self.db.session() as s:
            return self._persons_for_pages(s, page_ids)

    # --- writing the index ---------------------------------------------------------------
    def replace_docs(self, docs: Sequence[IndexDoc]) -> None:
        """(Re)index pages: drop their old rows, insert new ones, one transaction."""
        if not docs:
            return
        ids = [d.page_id for d in docs]
        rows = [
            {
                "page_id": d.page_id,
                "batch_id": d.batch_id,
                "station_id": d.station_id,
                "category": d.category,
                "captured_at": d.captured_at,
                "linked": d.linked,
                "review_state": d.review_state,
                "indexed_at": utcnow(),
            }
            for d in docs
        ]
        with self.db.session() as s:
            s.execute(delete(_DOCS).where(_DOCS.c.page_id.in_(ids)))
            if self.db.is_sqlite:
                result = s.execute(insert(_DOCS).returning(_DOCS.c.id, sort_by_parameter_order=True), rows)
                new_ids = [r[0] for r in result]
                s.execute(
                    text("INSERT INTO search_fts(rowid, tokens) VALUES (:rowid, :tokens)"),
                    [
                        {"rowid": rid, "tokens": " ".join(doc_tokens(d))}
                        for rid, d in zip(new_ids, docs, strict=True)
                    ],
                )
            else:
                for r, d in zip(rows, docs, strict=True):
                    r["tokens"] = doc_tokens(d)
                s.execute(
                    text(
                        "INSERT INTO search_docs (page_id, batch_id, station_id, category, captured_at, "
                        "linked, review_state, indexed_at, tsv) VALUES (:page_id, :batch_id, :station_id, "
                        ":category, :captured_at, :linked, :review_state, :indexed_at, "
                        "array_to_tsvector(CAST(:tokens AS text[])))"
                    ),
                    rows,
                )

    def delete_docs(self, page_ids: Sequence[str]) -> None:
        with self.db.session() as s:
            s.execute(delete(_DOCS).where(_DOCS.c.page_id.in_(list(page_ids))))

    def clear(self) -> None:
        """Empty the whole index before a full rebuild (also compacts FTS5).

        On PostgreSQL the GIN index is dropped too and rebuilt by :meth:`optimize`:
        building it once at the end is several times faster than maintaining it row by
        row.  Searches in between still answer (by a sequential scan).
        """
        with self.db.session() as s:
            s.execute(delete(_DOCS))
            if self.db.is_sqlite:
                s.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
            else:
                s.execute(text("DROP INDEX IF EXISTS ix_search_docs_tsv"))

    def optimize(self) -> None:
        """Merge FTS5 segments after a bulk load (smaller, faster); VACUUM ANALYZE on PostgreSQL."""
        if self.db.is_sqlite:
            with self.db.session() as s:
                s.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
                s.execute(text("ANALYZE"))
        else:
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("SET maintenance_work_mem = '256MB'"))
                conn.execute(
                    text("CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING gin (tsv)")
                )
                conn.execute(text("VACUUM ANALYZE search_docs"))
            self.forget_token_stats()

    def count_docs(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(_DOCS)) or 0)

    def indexed_page_ids(self, page_ids: Sequence[str]) -> set[str]:
        with self.db.session() as s:
            return set(s.scalars(select(_DOCS.c.page_id).where(_DOCS.c.page_id.in_(list(page_ids)))))

    def size_bytes(self) -> dict[str, int]:
        """On-disk size of the index: tokens (FTS5 shadow tables / GIN) and the docs table."""
        with self.db.session() as s:
            if self.db.is_sqlite:
                rows = s.execute(
                    text(
                        "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%' "
                        "OR name = 'search_docs' OR name LIKE 'ix_search_docs%' "
                        "OR name LIKE 'sqlite_autoindex_search_docs%' GROUP BY name"
                    )
                ).all()
                tokens = sum(int(n or 0) for name, n in rows if str(name).startswith("search_fts"))
                total = sum(int(n or 0) for _name, n in rows)
            else:
                tokens = int(s.scalar(text("SELECT pg_relation_size('ix_search_docs_tsv')")) or 0)
                total = int(s.scalar(text("SELECT pg_total_relation_size('search_docs')")) or 0)
        return {"tokens": tokens, "total": total}

    # --- queries --------------------------------------------------------------------------
    def _filtered(self, q: Select[Any], f: SearchFilters) -> Select[Any]:
        d = _DOCS.c
        if f.station_id:
            q = q.where(d.station_id == f.station_id)
        if f.category:
            q = q.where(d.category == f.category)
        if f.batch_id:
            q = q.where(d.batch_id == f.batch_id)
        if f.date_from:
            q = q.where(d.captured_at >= f.date_from)
        if f.date_to:
            q = q.where(d.captured_at < f.date_to)
        if f.linked is not None:
            q = q.where(d.linked == f.linked)
        if f.review_state is not None:
            q = q.where(d.review_state == f.review_state)
        return q

    def search_text(
        self,
        groups: Sequence[MatchGroup],
        scope: IndexScope,
        filters: SearchFilters,
        limit: int,
        before: int | None = None,
    ) -> list[tuple[str, int]]:
        """``(page id, doc id)`` of pages whose tokens match all groups, newest first.

        ``before`` continues a previous call (keyset paging on the doc id).
        """
        if not groups:
            return []
        if self.db.is_sqlite:
            q = (
                select(_DOCS.c.page_id, _DOCS.c.id)
                .select_from(_FTS.join(_DOCS, _DOCS.c.id == _FTS.c.rowid))
                .where(text("search_fts MATCH :m"))
                .order_by(_FTS.c.rowid.desc())
            )
            if before is not None:
                q = q.where(_FTS.c.rowid < before)
            params = {"m": fts5_match(groups, scope)}
        else:
            return self._search_text_pg(groups, scope, filters, limit, before)
        q = self._filtered(q, filters).limit(limit)
        with self.db.session() as s:
            return [(str(r[0]), int(r[1])) for r in s.execute(q, params)]

    #: Newest rows checked first on PostgreSQL before falling back to the GIN bitmap.
    pg_recent_window = 2000

    def _search_text_pg(
        self,
        groups: Sequence[MatchGroup],
        scope: IndexScope,
        filters: SearchFilters,
        limit: int,
        before: int | None,
    ) -> list[tuple[str, int]]:
        """Two steps, because PostgreSQL's planner cannot know how common our tokens are.

        1. Look only at the newest ``pg_recent_window`` rows (a short primary-key range):
           a common token (one character) finds ``limit`` matches there at once.
        2. If not, the rest through the GIN index with a top-N sort (``id + 0`` keeps
           the planner from walking the whole primary key backwards, which took seconds
           for a rare name).
        Both steps return newest first, so their concatenation is the exact answer.
        """
        # A literal, not a bind parameter: a generic plan of a prepared statement would
        # not even see the tokens.  Tokens are letters, digits, CJK and "_"; quotes doubled anyway.
        literal = pg_tsquery(groups, scope).replace("'", "''")
        match = text(f"search_docs.tsv @@ '{literal}'::tsquery")
        ids = select(_DOCS.c.id).order_by(_DOCS.c.id.desc()).offset(self.pg_recent_window - 1).limit(1)
        if before is not None:
            ids = ids.where(_DOCS.c.id < before)
        with self.db.session() as s:
            lo = s.scalar(ids)
            recent = select(_DOCS.c.page_id, _DOCS.c.id).where(match).order_by(_DOCS.c.id.desc())
            if before is not None:
                recent = recent.where(_DOCS.c.id < before)
            if lo is not None:
                recent = recent.where(_DOCS.c.id >= lo)
            out = [(str(r[0]), int(r[1])) for r in s.execute(self._filtered(recent, filters).limit(limit))]
            if lo is None or len(out) >= limit:
                return out
            older = (
                select(_DOCS.c.page_id, _DOCS.c.id)
                .where(match, _DOCS.c.id < lo)
                .order_by((_DOCS.c.id + 0).desc())
            )
            rows = s.execute(self._filtered(older, filters).limit(limit - len(out)))
            return out + [(str(r[0]), int(r[1])) for r in rows]

    #: Smallest newest-rows window of the single-statement PostgreSQL search (rows).
    pg_min_window = 2000
    #: Cost of testing one row's token set by reading it (a walk of the newest rows:
    #: the tsvector is TOASTed, ~4 kB) over the cost of one GIN posting entry, both
    #: measured at a million pages (6.5 µs / ~0.1 µs, issue 19).  Sets where walking
    #: beats the GIN bitmap: see :meth:`_pg_plan_tier`.
    pg_walk_cost_ratio = 65.0
    #: Expected GIN matches up to which filters are checked on the rows found rather
    #: than through their own indexes (:meth:`_pg_filter_sql`): ~2 µs a candidate row
    #: against ~0.2 µs a bitmap entry of e.g. one station's year (2.5 % of the archive),
    #: even at 10 M pages.
    pg_small_bitmap = 25_000
    #: How long token statistics read from ``pg_stats`` are used (seconds).
    pg_stats_ttl = 600.0
    #: Newest index id seen by the last search (returned by the statement itself): the
    #: window bounds go into the next statement as constants the planner can read (it
    #: estimates an id range from the statistics, not a third of the table).  Stale is
    #: harmless: the bounds only split the id range into parts, never change an answer.
    _pg_max_id: int | None = None
    #: (read at, token shares, share below which a token is not listed, rows).
    _pg_stats: tuple[float, dict[str, float], float, int] | None = None

    def _pg_token_stats(self) -> tuple[dict[str, float], float, int]:
        """Share of index rows holding each common token, from the planner's own
        statistics of ``search_docs.tsv`` (``most_common_elems``, kept by ANALYZE and
        autovacuum; 0013_search_scale raises it to ~10,000 tokens), the share below
        which a token is not listed, and the table's row estimate.  Read at most every
        :attr:`pg_stats_ttl` seconds (the one statement a search may add)."""
        now = time.monotonic()
        if self._pg_stats is not None and now - self._pg_stats[0] < self.pg_stats_ttl:
            return self._pg_stats[1], self._pg_stats[2], self._pg_stats[3]
        with self.db.session() as s:
            row = s.execute(
                text(
                    "SELECT (SELECT reltuples FROM pg_class WHERE oid = 'search_docs'::regclass), "
                    "most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                    "WHERE schemaname = current_schema() AND tablename = 'search_docs' AND attname = 'tsv'"
                )
            ).first()
        freq: dict[str, float] = {}
        floor, rows = 0.0, 0
        if row is not None and row[1] is not None:
            rows = max(int(row[0] or 0), 0)
            elems, fr = list(row[1]), [float(x) for x in row[2]]
            freq = dict(zip(elems, fr[: len(elems)], strict=True))
            # after the element shares come their minimum, maximum and the empty share
            floor = fr[len(elems)] if len(fr) > len(elems) else min(freq.values(), default=0.0)
        self._pg_stats = (now, freq, floor, rows)
        return freq, floor, rows

    def forget_token_stats(self) -> None:
        """Read the token statistics again at the next search (after a bulk load)."""
        self._pg_stats = None

    @staticmethod
    def _pg_estimate(groups: Sequence[MatchGroup], mark: str, freq: dict[str, float], floor: float) -> float:
        """Estimated share of rows matching all groups.

        Bigrams of one phrase come together: their share is taken as the smallest of
        theirs, not the product the planner assumes (which made it fetch every match
        of a common address from the heap).  Separate words are taken as independent.
        A token missing from the statistics is rarer than ``floor``; a prefix is at
        least as common as the listed tokens it starts.
        """

        def share_of(t: str) -> float:
            return freq.get(mark + t, floor / 2)

        total = 1.0
        for g in groups:
            share = 0.0
            for a in g.alternatives:
                if a.kind == AtomKind.PREFIX:
                    hit = sum(f for e, f in freq.items() if e.startswith(mark + a.tokens[0]))
                    share += max(hit, floor / 2)
                else:
                    share += min(share_of(t) for t in a.tokens)
            total *= min(share, 1.0)
        return total

    def _pg_plan_tier(self, share: float, rows: int, limit: int) -> tuple[bool, int]:
        """Walk the newest rows, or use the GIN bitmap, and the newest-rows window size.

        Walking reads ``limit / share`` rows at ``pg_walk_cost_ratio`` GIN entries each;
        the bitmap reads ``share * rows`` posting entries whatever the window: walk when
        ``share`` is above sqrt(ratio * limit / rows) (~6 % at 1 M rows, ~2 % at 10 M),
        where both cost the same.  The window holds ~4 times the rows expected to give
        ``limit`` matches (at least :attr:`pg_min_window`), so a good estimate finishes
        in it; the part after it is the safety net for a wrong one.
        """
        share = max(share, 1e-9)
        walk = share * share * max(rows, 1) >= self.pg_walk_cost_ratio * limit
        window = int(min(max(4 * limit / share, self.pg_min_window), max(rows, 1)))
        return walk, window

    def search_ranked(
        self,
        groups: Sequence[MatchGroup],
        filters: SearchFilters,
        limit: int,
        *,
        field_value: str = "",
        id_values: Sequence[str] = (),
        name_prefix: str = "",
        number_prefix: str = "",
        phrases: Sequence[str] = (),
    ) -> list[RankedHit]:
        """PostgreSQL: the whole tiered search in ONE statement, best first, with each
        page's result-line facts and linked persons (what :meth:`hit_rows` and
        :meth:`persons_for_pages` give the SQLite path in two more statements).

        Same answer as the service's step-by-step tiers on SQLite (issue 19): the first
        ``limit`` distinct pages of field (linked persons, then batch archive id), prefix,
        meta and text matches, each tier newest first.  Every part is a materialised CTE
        that excludes the pages of earlier parts (so parts are disjoint) and carries a
        one-time guard "earlier parts found fewer than ``limit``": PostgreSQL skips a part
        that is not needed, so a field match never runs the text tiers.  A metadata or
        text tier is a walk of the newest rows (then 15 windows more) or a GIN part over
        a newest-rows window, then a GIN part for the older rows, as
        :meth:`_pg_plan_tier` decides from the token statistics.  Person-linked pages are a
        semi-join in SQL, not id lists; 3+ character phrases are confirmed on the
        page text inside the statement (``normalize``/``regexp_replace`` like
        :func:`hukou_scan.search.highlight.contains_phrases`).
        """
        f_sql, params = self._pg_filter_sql(filters)
        params["lim"] = limit
        ctes: list[str] = ["mx AS (SELECT max(id) AS v FROM search_docs)"]
        parts: list[tuple[str, str]] = []  # (cte name, tier), in rank order

        f_scan, _ = self._pg_filter_sql(filters, indexable=False)

        def add_part(
            name: str,
            tier: str,
            where: str,
            order: str = "d.id DESC",
            join: str = "",
            fsql: str | None = None,
        ) -> None:
            # Parts of one metadata/text tier are disjoint id ranges: only earlier tiers'
            # pages need excluding (fewer subplans to plan; the field tier's two parts can
            # share pages, so they do exclude each other).
            excl = "".join(
                f" AND d.page_id NOT IN (SELECT page_id FROM {c})"
                for c, t in parts
                if t != tier or tier not in ("meta", "text")
            )
            guard = ""
            if parts:
                counted = " + ".join(f"(SELECT count(*) FROM {c})" for c, _t in parts)
                guard = f" AND ({counted}) < :lim"
            ctes.append(
                f"{name} AS MATERIALIZED (SELECT d.page_id, d.id FROM search_docs d{join} "
                f"WHERE true{f_sql if fsql is None else fsql} AND {where}{excl}{guard} ORDER BY {order} LIMIT :lim)"
            )
            parts.append((name, tier))

        if field_value:
            conds = ["name = :fv", "former_name = :fv", "household_no = :fv"]
            for k, v in enumerate(id_values):
                params[f"idv{k}"] = v.upper()
                conds.append(f"id_number = :idv{k}")
            params["fv"] = field_value
            ctes.append(
                f"fp AS MATERIALIZED (SELECT id FROM persons WHERE {' OR '.join(conds)} LIMIT {_MAX_PERSONS})"
            )
            add_part(
                "t_person",
                "field",
                "d.page_id IN (SELECT l.page_id FROM page_links l JOIN fp ON fp.id = l.person_id)",
            )
            ctes.append("fb AS MATERIALIZED (SELECT id FROM batches WHERE archive_id = :fv LIMIT 50)")
            add_part("t_batch", "field", "d.batch_id IN (SELECT id FROM fb)")
        pconds = []
        for key, col, value in (
            ("np", "name", name_prefix),
            ("ip", "id_number", number_prefix.upper()),
            ("hp", "household_no", number_prefix),
        ):
            if value:
                params[f"{key}_lo"], params[f"{key}_hi"] = value, value[:-1] + chr(ord(value[-1]) + 1)
                pconds.append(f'({col} COLLATE "C" >= :{key}_lo AND {col} COLLATE "C" < :{key}_hi)')
        if pconds:
            ctes.append(
                f"pp AS MATERIALIZED (SELECT id FROM persons WHERE {' OR '.join(pconds)} LIMIT {_MAX_PERSONS})"
            )
            add_part(
                "t_prefix",
                "prefix",
                "d.page_id IN (SELECT l.page_id FROM page_links l JOIN pp ON pp.id = l.person_id)",
            )
        if groups:
            freq, floor, stat_rows = self._pg_token_stats()

            def lit(q: str) -> str:
                # Literals, not bind parameters: a cached generic plan would not see the tokens.
                return "'" + q.replace("'", "''") + "'::tsquery"

            known = self._pg_max_id
            top_id = str(int(known)) if known is not None else "(SELECT v FROM mx)"
            n_rows = int(known) if known is not None else stat_rows
            meta_q, body_q = pg_tsquery(groups, IndexScope.META), pg_tsquery(groups, IndexScope.ALL)
            phrase_sql = ""
            if phrases:
                compact = "regexp_replace(normalize(p.ocr_text, NFKC), '[ \\t\\n\\r\\u3000]+', '', 'g')"
                for k, ph in enumerate(phrases):
                    params[f"ph{k}"] = ph
                    phrase_sql += f" AND strpos({compact}, :ph{k}) > 0"
            for tier, mark in (("meta", META_MARK), ("text", "")):
                full = meta_q if tier == "meta" else body_q
                share = self._pg_estimate(groups, mark, freq, floor)
                # A small bitmap is checked against the filters row by row (see _pg_filter_sql).
                gin_f = f_scan if share * n_rows <= self.pg_small_bitmap else None
                if f_sql:
                    share *= 0.1  # filters leave fewer matches per row read
                walk, window = self._pg_plan_tier(share, n_rows, limit)
                # ts_match_vq(...) is ``@@`` written so that the planner cannot serve it from
                # the GIN index: a walk reads the newest rows by primary key and tests each.
                # The id range comes first: quals of equal cost run in the order written,
                # and a row outside the range must not have its token set read.
                walk_cond = f"ts_match_vq(d.tsv, {lit(full)})"
                gin_cond = f"d.tsv @@ {lit(full)}"
                rest = ""
                if tier == "text":
                    rest = f" AND NOT ts_match_vq(d.tsv, {lit(meta_q)})"
                tjoin = " JOIN pages p ON p.id = d.page_id" if tier == "text" and phrases else ""
                if tjoin:
                    rest += phrase_sql
                newest = f"d.id > {top_id} - {window}"
                edge = window
                if walk:
                    # the newest rows, then up to 15 windows more if the estimate was too high
                    add_part(
                        f"{tier}_walk", tier, f"{newest} AND {walk_cond}{rest}", "d.id DESC", tjoin, f_scan
                    )
                    if n_rows == 0 or window < n_rows:
                        edge = window * 16
                        rng = f"d.id <= {top_id} - {window}"
                        if n_rows == 0 or edge < n_rows:
                            rng += f" AND d.id > {top_id} - {edge}"
                        add_part(
                            f"{tier}_walk2", tier, f"{rng} AND {walk_cond}{rest}", "d.id DESC", tjoin, f_scan
                        )
                else:
                    add_part(
                        f"{tier}_new", tier, f"{newest} AND {gin_cond}{rest}", "d.id + 0 DESC", tjoin, gin_f
                    )
                if n_rows == 0 or edge < n_rows:
                    older = f"d.id <= {top_id} - {edge}"
                    add_part(
                        f"{tier}_old", tier, f"{older} AND {gin_cond}{rest}", "d.id + 0 DESC", tjoin, gin_f
                    )
        if not parts:
            return []
        # Parts of one tier are disjoint id ranges, newest first: order by the tier's rank.
        tier_rank = {"field": 0, "prefix": 1, "meta": 2, "text": 3}
        rank = " ".join(f"WHEN '{t}' THEN {n}" for t, n in tier_rank.items())
        union = " UNION ALL ".join(
            f"SELECT page_id, id, {r} AS r, '{tier}' AS tier FROM {name}"
            for r, (name, tier) in enumerate(parts)
        )
        top = (
            f"SELECT page_id, id, r, tier, CASE tier {rank} END AS tr FROM ({union}) u "
            f"ORDER BY tr, CASE WHEN tier = 'field' THEN r END, id DESC LIMIT :lim"
        )
        persons = (
            "SELECT coalesce(json_agg(json_build_array(pr.id, pr.name, pr.id_number, pr.household_no, "
            "pr.former_name, pr.address) ORDER BY l.score DESC, pr.name), '[]'::json) "
            "FROM page_links l JOIN persons pr ON pr.id = l.person_id WHERE l.page_id = p.id"
        )
        page_no = (
            "SELECT count(*) FROM pages o WHERE o.batch_id = p.batch_id AND o.seq <= p.seq "
            f"AND o.state != '{PageState.DELETED.value}'"
        )
        sql = (
            "WITH " + ", ".join(ctes) + f", top AS MATERIALIZED ({top}) "
            f"SELECT top.page_id, top.tier, p.batch_id, ({page_no}), p.captured_at, p.review_state, "
            "p.sync_state, p.ocr_text, p.processed_sha256, p.original_sha256, b.archive_id, b.category, "
            f"st.name, ({persons}), (SELECT v FROM mx) FROM top JOIN pages p ON p.id = top.page_id "
            "JOIN batches b ON b.id = p.batch_id LEFT JOIN stations st ON st.id = b.station_id "
            "ORDER BY top.tr, CASE WHEN top.tier = 'field' THEN top.r END, top.id DESC"
        )
        with self.db.session() as s:
            rows = s.execute(text(sql), params).all()
        if rows and rows[0][14] is not None:
            self._pg_max_id = int(rows[0][14])
        return [
            RankedHit(
                tier=str(r[1]),
                row=HitRow(
                    page_id=str(r[0]),
                    batch_id=r[2],
                    page_no=int(r[3]),
                    captured_at=r[4],
                    review_state=r[5],
                    sync_state=r[6],
                    ocr_text=r[7],
                    image_sha256=r[8] or r[9],
                    archive_id=r[10],
                    category=r[11],
                    station_name=r[12] or "",
                ),
                persons=[
                    PersonSummary(id=a, name=b_, id_number=c, household_no=d, former_name=e, address=g)
                    for a, b_, c, d, e, g in r[13]
                ],
            )
            for r in rows
        ]

    @staticmethod
    def _pg_filter_sql(f: SearchFilters, indexable: bool = True) -> tuple[str, dict[str, Any]]:
        """The filters of :meth:`_filtered` as SQL text on ``search_docs d`` with bind parameters.

        ``indexable=False`` writes the indexed columns so that no index serves them
        (same truth, checked row by row): for a part that walks the newest rows, or
        whose GIN bitmap is small, where a bitmap of a station's year (a tenth of
        the archive, growing with it) cost more than checking the candidates.
        """
        sql = ""
        params: dict[str, Any] = {}
        for key, cond, value in (
            ("f_station", "d.station_id = :f_station", f.station_id),
            ("f_category", "d.category = :f_category", f.category),
            ("f_batch", "d.batch_id = :f_batch", f.batch_id),
            ("f_from", "d.captured_at >= :f_from", f.date_from),
            ("f_to", "d.captured_at < :f_to", f.date_to),
            ("f_linked", "d.linked = :f_linked", f.linked),
            ("f_review", "d.review_state = :f_review", f.review_state),
        ):
            if value is not None and (value != "" or key in ("f_linked", "f_review")):
                # "(...) IS TRUE" is the same test for these NOT NULL columns, but no index
                # condition, and costs the planner no more than the token check written
                # after it, so it runs first (quals of equal cost run in written order).
                sql += f" AND {cond}" if indexable else f" AND ({cond}) IS TRUE"
                params[key] = value
        return sql, params

    def texts(self, page_ids: Sequence[str]) -> dict[str, str]:
        """OCR text of pages (to confirm phrases on the position-less FTS5 index)."""
        out: dict[str, str] = {}
        ids = list(page_ids)
        with self.db.session() as s:
            # in slices: one IN list per statement stays under SQLite's bound-variable limit
            for k in range(0, len(ids), _IN_SLICE):
                rows = s.execute(
                    select(PageRecord.id, PageRecord.ocr_text).where(
                        PageRecord.id.in_(ids[k : k + _IN_SLICE])
                    )
                )
                out.update((str(r[0]), str(r[1])) for r in rows)
        return out

    def filter_only(self, filters: SearchFilters, limit: int) -> list[str]:
        """Pages matching only the filters (empty query), newest first."""
        q = self._filtered(select(_DOCS.c.page_id).order_by(_DOCS.c.id.desc()), filters).limit(limit)
        with self.db.session() as s:
            return list(s.scalars(q))

    def _prefix_range(self, col: Any, prefix: str) -> Any:
        hi = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        if not self.db.is_sqlite:
            col = col.collate("C")  # matches the ix_search_*_c indexes of migration 0006
        return (col >= prefix) & (col < hi)

    def persons_exact(self, value: str, id_values: Sequence[str] = ()) -> list[str]:
        """Persons whose name, former name, household number or ID number equals the query."""
        conds = [
            PersonRecord.name == value,
            PersonRecord.former_name == value,
            PersonRecord.household_no == value,
        ]
        if id_values:
            conds.append(PersonRecord.id_number.in_([v.upper() for v in id_values]))
        with self.db.session() as s:
            # One statement: each arm has its own index (BitmapOr / SQLite's OR-by-union).
            return list(s.scalars(select(PersonRecord.id).where(or_(*conds)).limit(_MAX_PERSONS)))

    def persons_prefix(self, name_prefix: str = "", number_prefix: str = "") -> list[str]:
        """Persons whose name starts with ``name_prefix`` or whose ID / household number starts
        with ``number_prefix`` (B-tree range scans)."""
        conds = []
        if name_prefix:
            conds += [self._prefix_range(PersonRecord.name, name_prefix)]
        if number_prefix:
            conds += [
                self._prefix_range(PersonRecord.id_number, number_prefix.upper()),
                self._prefix_range(PersonRecord.household_no, number_prefix),
            ]
        if not conds:
            return []
        with self.db.session() as s:
            return list(s.scalars(select(PersonRecord.id).where(or_(*conds)).limit(_MAX_PERSONS)))

    def batches_by_archive_id(self, value: str) -> list[str]:
        with self.db.session() as s:
            return list(s.scalars(select(BatchRecord.id).where(BatchRecord.archive_id == value).limit(50)))

    def pages_for_persons(self, person_ids: Sequence[str], filters: SearchFilters, limit: int) -> list[str]:
        if not person_ids:
            return []
        q = (
            select(_DOCS.c.page_id)
            .join(PageLinkRecord, PageLinkRecord.page_id == _DOCS.c.page_id)
            .where(PageLinkRecord.person_id.in_(list(person_ids)))
            .order_by(_DOCS.c.id.desc())
        )
        q = self._filtered(q, filters).limit(limit * 2)
        with self.db.session() as s:
            return list(dict.fromkeys(s.scalars(q)))[:limit]

    def pages_for_batches(self, batch_ids: Sequence[str], filters: SearchFilters, limit: int) -> list[str]:
        if not batch_ids:
            return []
        q = select(_DOCS.c.page_id).where(_DOCS.c.batch_id.in_(list(batch_ids))).order_by(_DOCS.c.id.desc())
        q = self._filtered(q, filters).limit(limit)
        with self.db.session() as s:
            return list(s.scalars(q))

    def hit_rows(self, page_ids: Sequence[str]) -> list[HitRow]:
        """Facts for result lines, in the order of ``page_ids``."""
        if not page_ids:
            return []
        with self.db.session() as s:
            rows = s.execute(
                select(
                    PageRecord.id,
                    PageRecord.batch_id,
                    page_number_column(),
                    PageRecord.captured_at,
                    PageRecord.review_state,
                    PageRecord.sync_state,
                    PageRecord.ocr_text,
                    PageRecord.processed_sha256,  # OCR boxes are in processed-page pixels
                    PageRecord.original_sha256,
                    BatchRecord.archive_id,
                    BatchRecord.category,
                    StationRecord.name,
                )
                .join(BatchRecord, BatchRecord.id == PageRecord.batch_id)
                .outerjoin(StationRecord, StationRecord.id == BatchRecord.station_id)
                .where(PageRecord.id.in_(list(page_ids)))
            ).all()
        by_id = {
            r[0]: HitRow(
                page_id=r[0],
                batch_id=r[1],
                page_no=int(r[2]),
                captured_at=r[3],
                review_state=r[4],
                sync_state=r[5],
                ocr_text=r[6],
                image_sha256=r[7] or r[8],
                archive_id=r[9],
                category=r[10],
                station_name=r[11] or "",
            )
            for r in rows
        }
        return [by_id[i] for i in page_ids if i in by_id]
