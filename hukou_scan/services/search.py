"""SearchService: keep the index current, answer queries, open a page with its hits.

Ranking is by tiers, best first, each tier newest-first:

1. ``field``  — a linked person's name, former name, ID number (15/18-digit
   equivalents) or household number equals the query, or a batch's archive id does;
2. ``prefix`` — an ID / household number starts with the digits typed, or a name with
   the characters typed;
3. ``meta``   — the query matches the batch metadata or linked persons' fields;
4. ``text``   — the query matches the page's OCR text.

Every call checks the user's role through the :class:`~hukou_scan.services.guard.Guard`
and writes an audit event; ID numbers are masked for users who may not see them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from hukou_scan.domain import idnumber
from hukou_scan.domain.models import Batch, OcrResult, Page, PageLink, Role
from hukou_scan.domain.search import (
    HitBox,
    HitRow,
    IndexDoc,
    IndexScope,
    IndexSource,
    MatchGroup,
    PersonSummary,
    RankedHit,
    SearchFilters,
    SearchHit,
    SearchResult,
)
from hukou_scan.domain.validation import MAX_SEARCH_QUERY, clean_text
from hukou_scan.errors import HukouScanError
from hukou_scan.search.documents import build_doc
from hukou_scan.search.highlight import contains_phrases, hit_boxes, snippet
from hukou_scan.search.query import ParsedQuery, parse
from hukou_scan.services.guard import Guard, station_scope

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
_MAX_ROUNDS = 25  # bounds the work for a phrase whose bigrams are common but rarely adjacent
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CUT_DIGITS = re.compile(r"(?<=^…)\d{4,}|\d{4,}[\dXx]?(?=…$)")  # a number the excerpt's ends cut


class SearchStore(Protocol):
    """What the service needs from :class:`hukou_scan.storage.search.SearchIndexStore`."""

    @property
    def backend(self) -> str: ...
    def page_chunks(self, chunk: int = 500) -> Iterator[list[str]]: ...
    def count_pages(self) -> int: ...
    def stale_page_ids(self, limit: int = 500) -> list[str]: ...
    def load_sources(self, page_ids: Sequence[str]) -> list[IndexSource]: ...
    def replace_docs(self, docs: Sequence[IndexDoc]) -> None: ...
    def delete_docs(self, page_ids: Sequence[str]) -> None: ...
    def clear(self) -> None: ...
    def optimize(self) -> None: ...
    def search_text(
        self,
        groups: Sequence[MatchGroup],
        scope: IndexScope,
        filters: SearchFilters,
        limit: int,
        before: int | None = None,
    ) -> list[tuple[str, int]]: ...
    def texts(self, page_ids: Sequence[str]) -> dict[str, str]: ...
    def filter_only(self, filters: SearchFilters, limit: int) -> list[str]: ...
    def persons_exact(self, value: str, id_values: Sequence[str] = ()) -> list[str]: ...
    def persons_prefix(self, name_prefix: str = "", number_prefix: str = "") -> list[str]: ...
    def batches_by_archive_id(self, value: str) -> list[str]: ...
    def pages_for_persons(
        self, person_ids: Sequence[str], filters: SearchFilters, limit: int
    ) -> list[str]: ...
    def pages_for_batches(
        self, batch_ids: Sequence[str], filters: SearchFilters, limit: int
    ) -> list[str]: ...
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
    ) -> Sequence[RankedHit]: ...
    def hit_rows(self, page_ids: Sequence[str]) -> Sequence[HitRow]: ...
    def persons_for_pages(self, page_ids: Sequence[str]) -> dict[str, list[PersonSummary]]: ...


class PageReader(Protocol):
    def get(self, page_id: str) -> Page: ...
    def get_ocr(self, page_id: str) -> OcrResult | None: ...
    def thumbnail(self, page_id: str) -> bytes | None: ...


class BatchReader(Protocol):
    def get(self, batch_id: str) -> Batch: ...


class LinkReader(Protocol):
    def for_person(self, person_id: str) -> list[PageLink]: ...


class BlobPaths(Protocol):
    def path_for(self, sha: str) -> Path: ...


@dataclass
class PageView:
    """Everything the page viewer shows for one page."""

    page: Page
    batch: Batch
    station_name: str
    location: str
    persons: list[PersonSummary]
    image_path: Path | None
    image_size: tuple[int, int]  # OCR coordinate space (width, height); (0, 0) if unknown
    boxes: list[HitBox] = field(default_factory=list)
    page_no: int = 0  # the page number a person reads (position in the batch), not page.seq


class SearchService:
    """See the module docstring.  Thread-safe: holds no mutable state besides its collaborators."""

    def __init__(
        self,
        store: SearchStore,
        guard: Guard,
        pages: PageReader,
        batches: BatchReader,
        links: LinkReader,
        blobs: BlobPaths,
    ) -> None:
        self.store = store
        self.guard = guard
        self.pages = pages
        self.batches = batches
        self.links = links
        self.blobs = blobs

    # --- indexing -------------------------------------------------------------------------
    def index_pages(self, page_ids: Sequence[str]) -> int:
        """(Re)index these pages now (after OCR, linking, review or a metadata change).

        Pages that no longer exist or are deleted leave the index.  Returns how many
        pages were indexed.  Runs as ``system:ocr`` after recognition; a person needs the
        clerk or reviewer role (their edits are what makes a page stale).
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)
        sources = self.store.load_sources(page_ids)
        found = {s.page_id for s in sources}
        gone = [p for p in page_ids if p not in found]
        if gone:
            self.store.delete_docs(gone)
        self.store.replace_docs([build_doc(s) for s in sources])
        return len(sources)

    def index_page(self, page_id: str) -> bool:
        """(Re)index one page; ``False`` if it does not exist (any old entry is removed)."""
        return self.index_pages([page_id]) == 1

    def update_index(
        self, progress: Progress | None = None, cancel: threading.Event | None = None, chunk: int = 500
    ) -> int:
        """Index pages that are new or changed since they were indexed; returns how many.

        A safety net next to the ``index_page`` calls other services make after OCR,
        linking or review; cheap when nothing is stale.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)
        done = 0
        while not (cancel is not None and cancel.is_set()):
            ids = self.store.stale_page_ids(chunk)
            if not ids:
                break
            done += self.index_pages(ids)
            if progress:
                progress(done, 0, "")
            if len(ids) < chunk:
                break
        return done

    def reindex(
        self, progress: Progress | None = None, cancel: threading.Event | None = None, chunk: int = 500
    ) -> int:
        """Rebuild the whole index from the pages table.

        Resumable in effect: cancelling leaves a consistent, partial index and the next
        run starts from scratch.  Returns the number of pages indexed.
        """
        self.guard.require(Role.ADMIN)
        total = self.store.count_pages()
        self.store.clear()
        done = 0
        if progress:
            progress(0, total, "")
        for ids in self.store.page_chunks(chunk):
            if cancel is not None and cancel.is_set():
                log.info("reindex cancelled after %d of %d pages", done, total)
                break
            done += self.index_pages(ids)
            if progress:
                progress(done, total, "")
        self.store.optimize()
        self.guard.audit("reindex", outcome="cancelled" if cancel and cancel.is_set() else "ok", pages=done)
        return done

    # --- searching ------------------------------------------------------------------------
    def search(self, query: str, filters: SearchFilters | None = None, limit: int = 50) -> SearchResult:
        """Run a query (may be empty when filters are given); see the module docstring for ranking.

        A searcher who is not granted all stations only finds their own station's pages.
        """
        user = self.guard.require(Role.SEARCHER, station_id=filters.station_id if filters else None)
        filters = filters or SearchFilters()
        asked_filters = filters.is_empty()
        scope = station_scope(user)
        if scope is not None and filters.station_id is None:
            filters = replace(filters, station_id=scope)
        if filters.batch_id:
            # a searcher types the 档号 written on the folder; the internal id still works (CLI)
            named = self.store.batches_by_archive_id(filters.batch_id.strip())
            if named:
                filters = replace(filters, batch_id=named[0])
        if limit < 1:
            raise HukouScanError("结果数量必须为正数。", "The result limit must be positive.")
        query = clean_text(query, field_zh="查询内容", field_en="search query", max_len=MAX_SEARCH_QUERY)
        t0 = time.perf_counter()
        q = parse(query)
        ordered: dict[str, str] = {}  # page id → tier, in rank order
        if not q.empty and self.store.backend == "postgresql":
            ranked = self._ranked(q, filters, limit + 1)
            more = len(ranked) > limit
            ranked = ranked[:limit]
            hits = self._make_hits(
                [r.row for r in ranked],
                {r.row.page_id: r.persons for r in ranked},
                {r.row.page_id: r.tier for r in ranked},
                q,
            )
            return self._finish(query, filters, hits, more, t0)
        if q.empty:
            if query.strip() and asked_filters:
                pass  # only punctuation typed: nothing to look for
            else:
                for pid in self.store.filter_only(filters, limit + 1):
                    ordered.setdefault(pid, "filter")
        else:
            self._collect(q, filters, limit + 1, ordered)
        ids = list(ordered)[: limit + 1]
        more = len(ids) > limit
        ids = ids[:limit]
        hits = self._hits(ids, ordered, q)
        return self._finish(query, filters, hits, more, t0)

    def _finish(
        self, query: str, filters: SearchFilters, hits: list[SearchHit], more: bool, t0: float
    ) -> SearchResult:
        elapsed = (time.perf_counter() - t0) * 1000
        self.guard.audit("search", query=query, filters=filters.to_dict(), results=len(hits))
        log.info("search: %d hits in %.1f ms (%s)", len(hits), elapsed, self.store.backend)
        return SearchResult(query=query, filters=filters, hits=hits, elapsed_ms=elapsed, more=more)

    def _ranked(self, q: ParsedQuery, f: SearchFilters, limit: int) -> list[RankedHit]:
        """PostgreSQL: the tiers of :meth:`_collect` ranked inside one SQL statement.

        On a central server every round trip and every id list shipped back and forth
        costs more than on a local SQLite file (issue 19: one statement per tier plus
        IN-lists missed the 50 ms goal at a million pages), so the store ranks the
        tiers itself and returns the final order with the result lines' facts.
        """
        return list(
            self.store.search_ranked(
                q.groups,
                f,
                limit,
                field_value=q.field_value,
                id_values=q.id_values,
                name_prefix=q.field_value if q.name_like else "",
                number_prefix=q.id_prefix or (q.id_values[0] if q.id_values else ""),
                phrases=q.phrases,
            )
        )

    def _collect(self, q: ParsedQuery, f: SearchFilters, limit: int, ordered: dict[str, str]) -> None:
        def add(ids: Sequence[str], tier: str) -> None:
            for pid in ids:
                ordered.setdefault(pid, tier)

        if q.field_value:
            persons = self.store.persons_exact(q.field_value, q.id_values)
            add(self.store.pages_for_persons(persons, f, limit), "field")
            batches = self.store.batches_by_archive_id(q.field_value)
            # ``limit`` (not what is left): pages already found come back and are skipped,
            # so the tier still adds every page it should (the PostgreSQL statement does the same).
            add(self.store.pages_for_batches(batches, f, limit), "field")
        if len(ordered) < limit and (q.name_like or q.id_prefix or q.id_values):
            persons = self.store.persons_prefix(
                name_prefix=q.field_value if q.name_like else "",
                number_prefix=q.id_prefix or (q.id_values[0] if q.id_values else ""),
            )
            add(self.store.pages_for_persons(persons, f, limit), "prefix")
        for scope, tier in ((IndexScope.META, "meta"), (IndexScope.ALL, "text")):
            if len(ordered) >= limit:
                break
            self._collect_text(q, scope, tier, f, limit, ordered)

    def _collect_text(
        self,
        q: ParsedQuery,
        scope: IndexScope,
        tier: str,
        f: SearchFilters,
        limit: int,
        ordered: dict[str, str],
    ) -> None:
        """Page through index matches newest first; in page text, confirm 3+ character
        phrases (the index holds bigrams without positions) until ``limit`` is reached."""
        verify = scope == IndexScope.ALL and bool(q.phrases)
        batch = limit + len(ordered)  # pages found by earlier tiers come back again
        before: int | None = None
        for _round in range(_MAX_ROUNDS):
            rows = self.store.search_text(q.groups, scope, f, batch, before)
            fresh = [pid for pid, _doc in rows if pid not in ordered]
            if verify and fresh:
                texts = self.store.texts(fresh)
                fresh = [pid for pid in fresh if contains_phrases(texts.get(pid, ""), q.phrases)]
            for pid in fresh:
                ordered.setdefault(pid, tier)
                if len(ordered) >= limit:
                    return
            if len(rows) < batch:
                return
            before = rows[-1][1]
            batch = max(limit, 200)
        log.info("text search stopped after %d rounds of phrase confirmation", _MAX_ROUNDS)

    def _mask(self, text: str) -> str:
        return _ID_IN_TEXT.sub(lambda m: idnumber.mask(m.group(1)), text)

    def _hits(self, ids: Sequence[str], tiers: dict[str, str], q: ParsedQuery) -> list[SearchHit]:
        return self._make_hits(self.store.hit_rows(ids), self.store.persons_for_pages(ids), tiers, q)

    def _make_hits(
        self,
        rows: Sequence[HitRow],
        persons: dict[str, list[PersonSummary]],
        tiers: dict[str, str],
        q: ParsedQuery,
    ) -> list[SearchHit]:
        full_ids = self.guard.can_view_full_id()
        out: list[SearchHit] = []
        for r in rows:
            shown = r.ocr_text if full_ids else self._mask(r.ocr_text)  # before cutting (see snippet)
            text, spans = snippet(r.ocr_text, q.needles, display=shown)
            if not full_ids and len(shown) != len(r.ocr_text):  # never expected: mask what was cut too
                text = _CUT_DIGITS.sub(lambda m: "*" * len(m.group(0)), self._mask(text))
            ps = persons.get(r.page_id, [])
            if not full_ids:
                ps = [replace(p, id_number=idnumber.mask(p.id_number) if p.id_number else "") for p in ps]
            out.append(
                SearchHit(
                    page_id=r.page_id,
                    batch_id=r.batch_id,
                    page_no=r.page_no,
                    archive_id=r.archive_id,
                    category=r.category,
                    station_name=r.station_name,
                    captured_at=r.captured_at,
                    review_state=r.review_state,
                    sync_state=r.sync_state,
                    tier=tiers.get(r.page_id, "text"),
                    snippet=text,
                    snippet_spans=spans,
                    persons=ps,
                    thumbnail_sha256=r.image_sha256,
                )
            )
        return out

    def person_pages(self, person_id: str, limit: int = 500) -> list[SearchHit]:
        """All pages linked to one person, across batches (the person view); a searcher not
        granted all stations sees only their own station's pages."""
        scope = station_scope(self.guard.require(Role.SEARCHER))
        ids = [link.page_id for link in self.links.for_person(person_id)]
        if scope is not None:
            station_of: dict[str, str] = {}
            kept = []
            for pid in ids:
                bid = self.pages.get(pid).batch_id
                if bid not in station_of:
                    station_of[bid] = self.batches.get(bid).station_id
                if station_of[bid] == scope:
                    kept.append(pid)
            ids = kept
        hits = self._hits(ids[:limit], {i: "field" for i in ids}, parse(""))
        self.guard.audit("view_person", target=person_id, pages=len(hits))
        return hits

    # --- the page viewer ------------------------------------------------------------------
    def thumbnail(self, page_id: str) -> bytes | None:
        """The page's stored small JPEG (made when it was processed): shown without the page
        store, so a search client of a shared database sees thumbnails of pages kept on
        another station's disk, and no 8 MP page is decoded for a 72-px picture.
        ``None`` when the page has none (processed before thumbnails were stored)."""
        self.guard.require(Role.SEARCHER)
        return self.pages.thumbnail(page_id)

    def image_path(self, sha256: str | None) -> Path | None:
        """Where a page image (e.g. a result's thumbnail source) is stored, if present here."""
        self.guard.require(Role.SEARCHER)
        if not sha256:
            return None
        path = self.blobs.path_for(sha256)
        return path if path.exists() else None

    def open_page(self, page_id: str, query: str = "") -> PageView:
        """Page, batch, persons, image path and the boxes of ``query``'s hits on the image."""
        self.guard.require(Role.SEARCHER)
        query = clean_text(query, field_zh="查询内容", field_en="search query", max_len=MAX_SEARCH_QUERY)
        page = self.pages.get(page_id)
        batch = self.batches.get(page.batch_id)
        self.guard.require(Role.SEARCHER, station_id=batch.station_id)
        row = next(iter(self.store.hit_rows([page_id])), None)
        persons = self.store.persons_for_pages([page_id]).get(page_id, [])
        if not self.guard.can_view_full_id():
            persons = [
                replace(p, id_number=idnumber.mask(p.id_number) if p.id_number else "") for p in persons
            ]
        ocr = self.pages.get_ocr(page_id)
        boxes = hit_boxes(ocr.words, parse(query).needles) if (ocr and query.strip()) else []
        sha = page.processed_sha256 or page.original_sha256
        path = self.blobs.path_for(sha) if sha else None
        self.guard.audit("view_page", target=page_id, query=query)
        return PageView(
            page=page,
            batch=batch,
            station_name=row.station_name if row else "",
            location=batch.location.describe(),
            persons=persons,
            image_path=path if path is not None and path.exists() else None,
            image_size=(ocr.width, ocr.height) if ocr else (0, 0),
            boxes=boxes,
            page_no=row.page_no if row else 0,
        )
