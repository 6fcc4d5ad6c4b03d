"""City-scale PostgreSQL data for ``bench_search`` (issue 19): bulk load once, reuse after.

Loading millions of pages through the ORM and ``SearchService.reindex`` takes hours on a
two-core machine, so the benchmark writes the same rows with ``COPY`` instead: the
pages, batches, persons and links that :func:`benchmarks.bench_search.generate` makes,
and for every page the index row that ``reindex`` would write — built by the same
:func:`hukou_scan.search.documents.build_doc` and
:func:`hukou_scan.storage.search.doc_tokens` from the same
:class:`~hukou_scan.domain.search.IndexSource` fields ``load_sources`` reads.
:func:`check_index_matches_service` re-derives a sample of rows through the real
service path and compares, so the shortcut cannot drift from what the service indexes.

The GIN index is built once after loading (several times faster than row by row), and
the whole cluster is kept under ``/var/tmp/hukou-bench-search/`` keyed by page count,
seed and :data:`DATA_VERSION`, with the query samples next to it, so reruns skip the load.
Migrations newer than the cached cluster are applied on reuse (``alembic upgrade``).
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg

from hukou_scan.domain.search import IndexSource, PersonSummary
from hukou_scan.search.documents import build_doc
from hukou_scan.storage.db import Database
from hukou_scan.storage.search import doc_tokens

log = logging.getLogger("bench_search")

#: Bump when the generated rows or the index row layout change (invalidates caches).
DATA_VERSION = 1
CACHE_ROOT = Path("/var/tmp/hukou-bench-search")  # the postgres user must traverse it: not ~/.cache


def cache_dir(n: int, seed: int) -> Path:
    return CACHE_ROOT / f"pg-{n}-{seed}-v{DATA_VERSION}"


def _location(b: dict[str, Any]) -> str:
    """Same string as ``SearchIndexStore.load_sources`` builds from the batch row."""
    parts = (
        (b["loc_room"], "库房"),
        (b["loc_cabinet"], "柜"),
        (b["loc_shelf"], "架"),
        (b["loc_box"], "盒"),
        ("", "卷"),
    )
    return "".join(f"{v}{unit}" for v, unit in parts if v)


def _tsv_literal(tokens: list[str]) -> str:
    # Tokens are letters, digits, CJK and "_" (see hukou_scan.search.tokens): nothing to escape.
    return " ".join(f"'{t}'" for t in tokens)


def bulk_load(
    url: str,
    chunks: Iterator[tuple[list[dict[str, Any]], ...]],
    stations: list[tuple[str, str]],
    n: int,
    progress: Callable[[int], None],
) -> int:
    """COPY generated chunks into a migrated, empty database; returns raw OCR text bytes."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    raw = 0
    station_rows = {f"s{k:031x}": (c, nm) for k, (c, nm) in enumerate(stations)}
    batch_of: dict[str, dict[str, Any]] = {}
    doc_id = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_search_docs_tsv")
        with conn.cursor() as cur, cur.copy("COPY stations (id, code, name) FROM STDIN") as cp:
            for sid, (code, name) in station_rows.items():
                cp.write_row((sid, code, name))
        done = 0
        for batches, pages, persons, links in chunks:
            with conn.transaction(), conn.cursor() as cur:
                if batches:
                    with cur.copy(
                        "COPY batches (id, archive_id, category, station_id, loc_room, loc_cabinet, "
                        "loc_shelf, loc_box, loc_volume, status, notes, created_by, created_at, "
                        "paper_returned) FROM STDIN"
                    ) as cp:
                        for b in batches:
                            batch_of[b["id"]] = b
                            cp.write_row(
                                (
                                    b["id"],
                                    b["archive_id"],
                                    b["category"],
                                    b["station_id"],
                                    b["loc_room"],
                                    b["loc_cabinet"],
                                    b["loc_shelf"],
                                    b["loc_box"],
                                    "",
                                    "open",
                                    "",
                                    "",
                                    b["created_at"],
                                    False,
                                )
                            )
                with cur.copy(
                    "COPY pages (id, batch_id, seq, original_sha256, captured_at, operator, "
                    "source_device, geometry, quality, process_meta, state, state_reason, ocr_state, "
                    "ocr_engine, ocr_text, sync_state, review_state, updated_at) FROM STDIN"
                ) as cp:
                    for p in pages:
                        raw += len(p["ocr_text"].encode())
                        cp.write_row(
                            (
                                p["id"],
                                p["batch_id"],
                                p["seq"],
                                "0",
                                p["captured_at"],
                                "",
                                "",
                                "{}",
                                "{}",
                                "{}",
                                "recognized",
                                "",
                                "done",
                                "bench",
                                p["ocr_text"],
                                "local",
                                "",
                                p["captured_at"],
                            )
                        )
                with cur.copy(
                    "COPY persons (id, name, former_name, id_number, id_number_raw, sex, ethnicity, "
                    "birth_date, household_no, relation, address, station, status, updated_at) FROM STDIN"
                ) as cp:
                    for r in persons:
                        cp.write_row(
                            (
                                r["id"],
                                r["name"],
                                r["former_name"],
                                r["id_number"],
                                r["id_number"],
                                r["sex"],
                                r["ethnicity"],
                                r["birth_date"],
                                r["household_no"],
                                r["relation"],
                                r["address"],
                                "",
                                "正常",
                                pages[0]["captured_at"],
                            )
                        )
                with cur.copy(
                    "COPY page_links (id, page_id, person_id, role, score, method, reasons, linked_by, "
                    "linked_at) FROM STDIN"
                ) as cp:
                    for lk in links:
                        cp.write_row(
                            (
                                lk["id"],
                                lk["page_id"],
                                lk["person_id"],
                                "",
                                1.0,
                                "auto",
                                "[]",
                                "bench",
                                pages[0]["captured_at"],
                            )
                        )
                person_of = {lk["page_id"]: lk["person_id"] for lk in links}
                by_id = {r["id"]: r for r in persons}
                with cur.copy(
                    "COPY search_docs (id, page_id, batch_id, station_id, category, captured_at, linked, "
                    "review_state, indexed_at, tsv) FROM STDIN"
                ) as cp:
                    for p in pages:
                        b = batch_of[p["batch_id"]]
                        code, sname = station_rows[b["station_id"]]
                        r = by_id[person_of[p["id"]]]
                        src = IndexSource(
                            page_id=p["id"],
                            batch_id=b["id"],
                            seq=p["seq"],
                            archive_id=b["archive_id"],
                            category=b["category"],
                            station_id=b["station_id"],
                            station_code=code,
                            station_name=sname,
                            location=_location(b),
                            captured_at=p["captured_at"],
                            review_state="",
                            ocr_text=p["ocr_text"],
                            persons=(
                                PersonSummary(
                                    id=r["id"],
                                    name=r["name"],
                                    id_number=r["id_number"],
                                    household_no=r["household_no"],
                                    former_name=r["former_name"],
                                    address=r["address"],
                                ),
                            ),
                        )
                        doc = build_doc(src)
                        doc_id += 1
                        cp.write_row(
                            (
                                doc_id,
                                doc.page_id,
                                doc.batch_id,
                                doc.station_id,
                                doc.category,
                                doc.captured_at,
                                doc.linked,
                                doc.review_state,
                                p["captured_at"],
                                _tsv_literal(doc_tokens(doc)),
                            )
                        )
            done += len(pages)
            progress(done)
        conn.execute("SELECT setval(pg_get_serial_sequence('search_docs', 'id'), %s)", (doc_id,))
        conn.execute("SET maintenance_work_mem = '1GB'")
        t0 = time.perf_counter()
        conn.execute("CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING gin (tsv)")
        log.warning("GIN index built in %.0f s", time.perf_counter() - t0)
        conn.execute("VACUUM ANALYZE")
    return raw


def check_index_matches_service(db: Database, svc: Any, k: int = 50) -> int:
    """Re-derive ``k`` evenly spread index rows through the service's own path
    (``load_sources`` → ``build_doc`` → ``doc_tokens``) and count the rows whose stored
    token set differs from it (0 expected)."""
    from sqlalchemy import text

    from hukou_scan.storage.search import doc_tokens as tokens_of

    with db.engine.connect() as c:
        total = int(c.execute(text("SELECT count(*) FROM search_docs")).scalar() or 0)
        step = max(1, total // k)
        rows = c.execute(
            text("SELECT page_id, tsvector_to_array(tsv) FROM search_docs WHERE id % :s = 1 LIMIT :k"),
            {"s": step, "k": k},
        ).all()
    sources = svc.store.load_sources([r[0] for r in rows])
    stored = {r[0]: set(r[1]) for r in rows}
    return sum(stored[s.page_id] != set(tokens_of(build_doc(s))) for s in sources) + (
        len(rows) - len(sources)
    )


def save_samples(path: Path, samples: Any, raw: int) -> None:
    path.write_text(json.dumps({"samples": asdict(samples), "raw": raw}, ensure_ascii=False))


def load_samples(path: Path) -> tuple[dict[str, list[str]], int] | None:
    if not path.exists():
        return None
    d = json.loads(path.read_text())
    return d["samples"], int(d["raw"])


def free_gb(path: Path) -> float:
    path.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(path).free / 1e9


def eprint(*a: object) -> None:
    print(*a, file=sys.stderr)


def replicated_dir(n: int, seed: int, base: int) -> Path:
    """Cache of an ``n``-page archive made from the ``base``-page one (see :func:`replicate`)."""
    return CACHE_ROOT / f"pg-{n}-{seed}-v{DATA_VERSION}-from{base}"


#: Per copy, the first character of every copied text id (generated ids start with
#: ``p``/``b``/``l`` or a hex digit, so these never collide with them or each other).
_COPY_MARKS = "qrstuvwxyz"

#: Columns a copy changes; every other column is copied as it is.  ``{m}`` is the copy's
#: mark, ``{k}`` its number (1, 2, …), ``{base}`` the base page count, ``{span}`` the
#: captured_at span of the base data as an interval literal.
_COPY_RULES: dict[str, dict[str, str]] = {
    "batches": {
        "id": "'{m}' || substr(id, 2)",
        "created_at": "created_at + {k} * interval '{span}'",
    },
    "pages": {
        "id": "'{m}' || substr(id, 2)",
        "batch_id": "'{m}' || substr(batch_id, 2)",
        "captured_at": "captured_at + {k} * interval '{span}'",
        "updated_at": "updated_at + {k} * interval '{span}'",
    },
    "persons": {"id": "'{m}' || substr(id, 2)"},
    "page_links": {
        "id": "'{m}' || substr(id, 2)",
        "page_id": "'{m}' || substr(page_id, 2)",
        "person_id": "'{m}' || substr(person_id, 2)",
    },
    "search_docs": {
        "id": "id + {k} * {base}",
        "page_id": "'{m}' || substr(page_id, 2)",
        "batch_id": "'{m}' || substr(batch_id, 2)",
        "captured_at": "captured_at + {k} * interval '{span}'",
        "indexed_at": "indexed_at + {k} * interval '{span}'",
    },
}


def replicate(base_dir: Path, dst_dir: Path, base: int, factor: int, start: Callable[[Path], Any]) -> None:
    """An archive ``factor`` times the cached ``base``-page one, for measuring growth when
    generating and indexing millions more pages does not fit the time available.

    The base cluster directory is copied, then every batch, page, person, link and index
    row is copied ``factor - 1`` times inside the server with fresh ids and capture dates
    moved on by the base data's whole span per copy: the newest rows are a copy, token
    frequencies, names per person, pages per batch and the query samples stay as they
    were, while every posting list, person look-up and older-rows part grows ``factor``
    times — what a steadily growing archive does to a search.  The index rows are
    copied with their pages (same tokens: the copied pages have the same text,
    persons and batch fields), so :func:`check_index_matches_service` still holds.
    The GIN index is dropped for the copy and rebuilt once at the end.

    ``start(dir)`` starts a server on a cluster directory and returns it (a context
    manager with ``dsn``); the caller keeps it away from the test server module here.
    """
    if dst_dir.exists():
        shutil.rmtree(dst_dir)
    t0 = time.perf_counter()
    shutil.copytree(base_dir, dst_dir, symlinks=True, ignore=shutil.ignore_patterns("*.pid", "sock"))
    (dst_dir / "sock").mkdir()
    shutil.copystat(base_dir / "sock", dst_dir / "sock")
    st = (base_dir / "data").stat()
    for p in [dst_dir, dst_dir / "sock", *dst_dir.rglob("*")]:
        shutil.chown(p, st.st_uid, st.st_gid)
    log.warning("cluster copied in %.0f s", time.perf_counter() - t0)
    (dst_dir / "samples.json").unlink(missing_ok=True)  # written last: marks a finished copy
    with start(dst_dir) as server, psycopg.connect(server.dsn("bench"), autocommit=True) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_search_docs_tsv")
        row = conn.execute(
            "SELECT max(captured_at) - min(captured_at) + interval '1 day' FROM pages"
        ).fetchone()
        assert row is not None
        span = f"{row[0].days} days"
        for k in range(1, factor):
            for table, rules in _COPY_RULES.items():
                cols = [
                    r[0]
                    for r in conn.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                        "ORDER BY ordinal_position",
                        (table,),
                    )
                ]
                exprs = [
                    rules[c].format(m=_COPY_MARKS[k - 1], k=k, base=base, span=span) if c in rules else c
                    for c in cols
                ]
                marks = ", ".join(f"'{c}'" for c in _COPY_MARKS)
                where = (
                    f" WHERE id <= {base}"
                    if table == "search_docs"
                    else f" WHERE substr(id, 1, 1) NOT IN ({marks})"
                )
                t1 = time.perf_counter()
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table}{where}"
                )
                log.warning("copy %d of %s in %.0f s", k, table, time.perf_counter() - t1)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('search_docs', 'id'), (SELECT max(id) FROM search_docs))"
        )
        conn.execute("SET maintenance_work_mem = '1GB'")
        t1 = time.perf_counter()
        conn.execute("CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING gin (tsv)")
        log.warning("GIN index built in %.0f s", time.perf_counter() - t1)
        conn.execute("VACUUM ANALYZE")
    d = json.loads((base_dir / "samples.json").read_text())
    d["raw"] = int(d["raw"]) * factor
    (dst_dir / "samples.json").write_text(json.dumps(d, ensure_ascii=False))
