"""Benchmark: Chinese full-text search at archive scale (issue 7).

Generates N registry-style page texts (~400 characters each) and N persons
deterministically, loads them into a migrated SQLite database (and, unless
``--no-postgres``, a private PostgreSQL server on loopback), then measures:

* index build time and size per page for our index (application-side CJK unigrams +
  bigrams in FTS5 / a tsvector) and for FTS5 with the stock ``trigram`` tokenizer;
* p50/p95 latency of five query types — 1 character, 2-character name, 4-character
  phrase, ID-number prefix, 2-character name filtered by station + capture-date range —
  through our SearchService (what the user waits for: field tiers, text tiers,
  snippets), our raw index query, the FTS5 trigram anchor (``MATCH`` for ≥ 3
  characters, its ``LIKE`` fallback below 3), and a plain ``LIKE '%q%'`` scan.
  Every engine returns the newest 50 hits.

PostgreSQL (issue 19): the data is bulk-loaded with ``COPY`` (index rows built by the
service's own ``build_doc``/``doc_tokens``, checked against the service path on a
sample) into a cluster cached under ``/var/tmp/hukou-bench-search/`` keyed by pages,
seed and data version, so a rerun at millions of pages starts at the queries.  Queries
go through the real ``SearchService.search``; flat keys ``pg_pages``,
``pg_p95_ms_<type>``/``pg_p50_ms_<type>`` (and ``sqlite_*`` of the same run), plus the
``EXPLAIN ANALYZE`` of the slowest query of the slowest type.

Growth (issue 19: p95 <= 50 ms per type at 10 M pages): ``--pg-sizes 10000,1000000,2000000``
measures several sizes in one run (same code, same load) and fits each type's p95 against
the page count (:func:`project_p95`: the larger of a log-log power law and a straight
line), printing ``pg_p95_ms_<type>_proj_10m`` with the basis in ``pg_proj_basis`` and the
load average after each size in ``pg_by_size``.  Sizes above ``--from-pages`` are made by
copying that cached archive inside the server (:func:`benchmarks._search_pg.replicate`:
fresh ids, later capture dates, same token frequencies; every posting list, name look-up
and older-rows part grows with the copy) because generating and indexing millions more
pages takes hours on this machine.

What the figures rest on (see :mod:`hukou_scan.storage.search`): each metadata/text tier
either walks the newest rows (a common token: ~4/share rows read, 6.5 us each) or reads
the GIN posting list within a newest-rows window (a rare token: share x pages entries,
~0.1 us each), chosen from the planner's token statistics; filters are checked on the rows
found; person tiers and page numbers are index-only; JIT is off (it added ~200 ms).

Run: ``python -m benchmarks.bench_search [--quick] [--pages N] [--backend both|sqlite|postgresql]
[--anchor-queries K] [--prepare] [--pg-sizes N1,N2,...] [--from-pages N]``
(``--no-postgres`` / ``--no-sqlite`` still work).
The last line of output is one JSON object with all figures and ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hukou_scan.domain import idnumber
from hukou_scan.domain.sample import AREAS, ETHNICITIES, GIVEN_FEMALE, GIVEN_MALE, STREETS, SURNAMES
from hukou_scan.domain.search import IndexScope, SearchFilters
from hukou_scan.search.highlight import contains_phrases
from hukou_scan.search.query import parse
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.search import SearchService
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.db import Database
from hukou_scan.storage.repositories import BatchRepository, LinkRepository, PageRepository
from hukou_scan.storage.search import SearchIndexStore

log = logging.getLogger("bench_search")

LIMIT = 50
STATIONS = [("CG", "城关派出所"), ("DJ", "东街派出所"), ("XG", "西关派出所"), ("NM", "南门派出所")]
CATEGORIES = ["出生", "死亡", "迁入", "迁出", "项目变更更正", "注销和恢复", "居民身份证件", "档案管理"]
# Common characters for the free-text remarks of a registry card (so single characters
# and 4-character phrases have realistic, uneven frequencies).
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
    "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展"
    "五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战"
    "先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白"
    "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且"
    "究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值"
)
EDU = ["小学", "初中", "高中", "中专", "大专", "大学本科", "研究生"]
MARITAL = ["未婚", "已婚", "丧偶", "离婚"]
JOBS = ["工人", "农民", "教师", "医生", "个体经营", "职员", "学生", "退休", "无业", "司机"]
RELATION = ["户主", "配偶", "长子", "长女", "次子", "次女", "母亲", "父亲", "孙子", "孙女"]


@dataclass
class Samples:
    """Query terms drawn from the generated data while it is written."""

    chars: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    id_prefixes: list[str] = field(default_factory=list)


def _person(rng: random.Random, i: int) -> dict[str, Any]:
    male = rng.random() < 0.5
    surname = rng.choice(SURNAMES)
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) if rng.random() < 0.45 else rng.choice(pool) + rng.choice(pool)
    area = rng.choice(list(AREAS))
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 90))
    seq = rng.randrange(0, 100) * 10 + (rng.choice([1, 3, 5, 7, 9]) if male else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return {
        "id": f"{i:032x}",
        "name": surname + given,
        "former_name": (surname + rng.choice(pool) + rng.choice(pool)) if rng.random() < 0.08 else "",
        "id_number": first17 + idnumber.check_digit(first17),
        "sex": "男" if male else "女",
        "ethnicity": rng.choice(ETHNICITIES),
        "birth_date": born,
        "household_no": f"{area}{rng.randrange(10**6):06d}",
        "area": area,
        "address": f"{AREAS[area]}{rng.choice(STREETS)}街{rng.randrange(1, 300)}号",
        "relation": rng.choice(RELATION),
    }


def _page_text(rng: random.Random, p: dict[str, Any], category: str, captured: datetime) -> str:
    remark = "".join(rng.choice(COMMON) for _ in range(rng.randrange(90, 150)))
    moved = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    return (
        f"常住人口登记表 {category}\n户别 家庭户 户号 {p['household_no']} 与户主关系 {p['relation']}\n"
        f"姓名 {p['name']} 曾用名 {p['former_name'] or '无'} 性别 {p['sex']} 民族 {p['ethnicity']}\n"
        f"出生日期 {p['birth_date'].year}年{p['birth_date'].month}月{p['birth_date'].day}日 "
        f"出生地 {AREAS[p['area']]}\n公民身份号码 {p['id_number']}\n住址 {p['address']}\n"
        f"文化程度 {rng.choice(EDU)} 婚姻状况 {rng.choice(MARITAL)} 职业 {rng.choice(JOBS)}\n"
        f"何时由何地迁来本址 {moved.year}年{moved.month}月由{rng.choice(list(AREAS.values()))}迁来\n"
        f"备注 {remark}\n承办人 {rng.choice(SURNAMES)}{rng.choice(GIVEN_MALE)} 登记日期 {captured:%Y年%m月%d日}"
    )


def generate(n: int, seed: int, chunk: int, samples: Samples | None) -> Iterator[tuple[list[Any], ...]]:
    """Chunks of (batches, pages, persons, links) rows; deterministic for ``seed``."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1)
    per_batch = 200
    for base in range(0, n, chunk):
        batches: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        persons: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for i in range(base, min(n, base + chunk)):
            b = i // per_batch
            captured = start + timedelta(minutes=i * 5 * 1_000_000 // max(n, 1))  # ~10 years over the run
            category = CATEGORIES[b % len(CATEGORIES)]
            if i % per_batch == 0:
                batches.append(
                    {
                        "id": f"b{b:031x}",
                        "archive_id": f"{STATIONS[b % 4][0]}-{captured.year}-{b:06d}",
                        "category": category,
                        "station_id": f"s{b % 4:031x}",
                        "loc_room": "一",
                        "loc_cabinet": str(b % 40),
                        "loc_shelf": str(b % 7),
                        "loc_box": str(b),
                        "created_at": captured,
                    }
                )
            p = _person(rng, i)
            txt = _page_text(rng, p, category, captured)
            persons.append({k: v for k, v in p.items() if k != "area"})
            pages.append(
                {
                    "id": f"p{i:031x}",
                    "batch_id": f"b{b:031x}",
                    "seq": i % per_batch + 1,
                    "captured_at": captured,
                    "ocr_text": txt,
                }
            )
            links.append({"id": f"l{i:031x}", "page_id": f"p{i:031x}", "person_id": p["id"]})
            if samples is not None and rng.random() < 200 / n + 0.001:
                samples.names.append(p["name"][:2])
                samples.id_prefixes.append(p["id_number"][:10])
                cjk = [
                    k for k in range(len(txt) - 4) if all("\u4e00" <= c <= "\u9fff" for c in txt[k : k + 4])
                ]
                k = rng.choice(cjk)
                samples.phrases.append(txt[k : k + 4])
                samples.chars.append(rng.choice([c for c in txt if "\u4e00" <= c <= "\u9fff"]))
        yield batches, pages, persons, links


def load(db: Database, n: int, seed: int, samples: Samples | None, progress: Callable[[int], None]) -> int:
    """Bulk-load generated rows; returns the raw OCR text size in UTF-8 bytes."""
    raw = 0
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO stations (id, code, name) VALUES (:id, :code, :name)"),
            [{"id": f"s{k:031x}", "code": c, "name": nm} for k, (c, nm) in enumerate(STATIONS)],
        )
    done = 0
    for batches, pages, persons, links in generate(n, seed, 5000, samples):
        raw += sum(len(p["ocr_text"].encode()) for p in pages)
        with db.engine.begin() as conn:
            if batches:
                conn.execute(
                    text(
                        "INSERT INTO batches (id, archive_id, category, station_id, loc_room, loc_cabinet, loc_shelf, "
                        "loc_box, loc_volume, status, notes, created_by, created_at, paper_returned) VALUES "
                        "(:id, :archive_id, :category, :station_id, :loc_room, :loc_cabinet, :loc_shelf, :loc_box, '', "
                        "'open', '', '', :created_at, false)"
                    ),
                    batches,
                )
            conn.execute(
                text(
                    "INSERT INTO pages (id, batch_id, seq, original_sha256, captured_at, operator, source_device, "
                    "geometry, quality, process_meta, state, state_reason, ocr_state, ocr_engine, ocr_text, sync_state, "
                    "review_state, updated_at) VALUES (:id, :batch_id, :seq, '0', :captured_at, '', '', '{}', '{}', "
                    "'{}', 'recognized', '', 'done', 'bench', :ocr_text, 'local', '', :captured_at)"
                ),
                pages,
            )
            conn.execute(
                text(
                    "INSERT INTO persons (id, name, former_name, id_number, id_number_raw, sex, ethnicity, birth_date, "
                    "household_no, relation, address, station, status, updated_at) VALUES (:id, :name, :former_name, "
                    ":id_number, :id_number, :sex, :ethnicity, :birth_date, :household_no, :relation, :address, '', "
                    "'正常', CURRENT_TIMESTAMP)"
                ),
                persons,
            )
            conn.execute(
                text(
                    "INSERT INTO page_links (id, page_id, person_id, role, score, method, reasons, linked_by, linked_at) "
                    "VALUES (:id, :page_id, :person_id, '', 1.0, 'auto', '[]', 'bench', CURRENT_TIMESTAMP)"
                ),
                links,
            )
        done += len(pages)
        progress(done)
    return raw


def _percentiles(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return {"p50": round(statistics.median(s), 2), "p95": round(p95, 2), "max": round(s[-1], 2)}


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    r = fn()
    return (time.perf_counter() - t0) * 1000, r


def query_set(
    samples: Samples, k: int, seed: int, span: tuple[datetime, datetime]
) -> dict[str, list[tuple[str, SearchFilters]]]:
    rng = random.Random(seed + 1)

    def pick(xs: list[str]) -> list[str]:
        return [rng.choice(xs) for _ in range(k)]

    lo, hi = span
    filtered = []
    for name in pick(samples.names):
        d0 = lo + (hi - lo) * rng.random() * 0.8
        filtered.append(
            (
                name,
                SearchFilters(
                    station_id=f"s{rng.randrange(4):031x}", date_from=d0, date_to=d0 + timedelta(days=365)
                ),
            )
        )
    return {
        "char1": [(c, SearchFilters()) for c in pick(samples.chars)],
        "name2": [(c, SearchFilters()) for c in pick(samples.names)],
        "phrase4": [(c, SearchFilters()) for c in pick(samples.phrases)],
        "id_prefix": [(c, SearchFilters()) for c in pick(samples.id_prefixes)],
        "filtered": filtered,
    }


def _anchor_ids(
    db: Database,
    sql: str,
    cond: str,
    params: dict[str, Any],
    f: SearchFilters,
    order_by: str,
    dates: Callable[[datetime | None], object] = str,
) -> list[str]:
    """Run one anchor query: ``sql`` (the FROM part) ``WHERE cond``, with the station and
    date filter of ``f`` when it has one (``dates`` turns a date into the parameter the
    back end compares ``captured_at`` with), newest first, at most ``LIMIT`` ids."""
    where = [cond]
    params = {**params, "n": LIMIT}
    if f.station_id:
        sql += " JOIN batches b ON b.id = p.batch_id"
        where += ["b.station_id = :st", "p.captured_at >= :d0", "p.captured_at < :d1"]
        params |= {"st": f.station_id, "d0": dates(f.date_from), "d1": dates(f.date_to)}
    sql += " WHERE " + " AND ".join(where) + f" ORDER BY {order_by} LIMIT :n"
    with db.engine.connect() as c:
        return [r[0] for r in c.execute(text(sql), params)]


def _sqlite_like(db: Database, q: str, f: SearchFilters) -> list[str]:
    return _anchor_ids(
        db, "SELECT p.id FROM pages p", "p.ocr_text LIKE :q", {"q": f"%{q}%"}, f, "p.rowid DESC"
    )


def _sqlite_trigram(db: Database, q: str, f: SearchFilters) -> list[str]:
    if len(q) >= 3:
        cond, param = "tri MATCH :q", '"' + q.replace('"', '""') + '"'
    else:  # the trigram tokenizer cannot MATCH under 3 characters
        cond, param = "tri.ocr_text LIKE :q", f"%{q}%"
    sql = "SELECT p.id FROM tri JOIN pages p ON p.rowid = tri.rowid"
    return _anchor_ids(db, sql, cond, {"q": param}, f, "tri.rowid DESC")


def _pg_like(db: Database, q: str, f: SearchFilters) -> list[str]:
    return _anchor_ids(
        db,
        "SELECT p.id FROM pages p",
        "p.ocr_text LIKE :q",
        {"q": f"%{q}%"},
        f,
        "p.captured_at DESC",
        dates=lambda d: d,
    )


def run_engine(
    name: str,
    queries: dict[str, list[tuple[str, SearchFilters]]],
    fn: Callable[[str, SearchFilters], list[str]],
    cpu: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """p50/p95/max wall time per query type; with ``cpu`` (seconds of CPU used so far by
    everything that serves a query) also the CPU time per query (``cpu_p50``/``cpu_p95``)."""
    out: dict[str, Any] = {}
    for kind, qs in queries.items():
        fn(*qs[0])  # warm the cache for this kind
        times, counts, cpu_ms = [], [], []
        for q, f in qs:
            c0 = cpu() if cpu else 0.0
            ms, res = _time(lambda q=q, f=f: fn(q, f))
            if cpu:
                cpu_ms.append((cpu() - c0) * 1000)
            times.append(ms)
            counts.append(len(res))
        out[kind] = _percentiles(times) | {"mean_hits": round(sum(counts) / len(counts), 1)}
        if cpu_ms:
            cp = _percentiles(cpu_ms)
            out[kind] |= {"cpu_p50": cp["p50"], "cpu_p95": cp["p95"]}
        print(
            f"  {name:>10} {kind:>9}: p50 {out[kind]['p50']:8.2f} ms  p95 {out[kind]['p95']:8.2f} ms  "
            + (f"cpu p95 {out[kind]['cpu_p95']:7.2f} ms  " if cpu_ms else "")
            + f"hits {out[kind]['mean_hits']}",
            file=sys.stderr,
        )
    return out


class PgCpuMeter:
    """CPU seconds used by this process plus every client backend of a database (not
    autovacuum, whose work is not the search's).

    Wall-clock latency on a shared two-core machine measures the other users' load as
    much as our code (load averages of 10+ stretch a 7 ms search to 40 ms).  The CPU a
    search burns in the client and in the PostgreSQL backend that serves it is what it
    would take on an idle server with the data cached, so it is reported next to the
    wall times.  Backends' CPU comes from ``/proc/<pid>/schedstat`` (nanoseconds on the
    CPU); needs the server on this machine and permission to read it (root or the same
    user), otherwise the meter is off.
    """

    def __init__(self, dsn: str, dbname: str) -> None:
        import psycopg

        self._conn = psycopg.connect(dsn, autocommit=True)
        self._own = int(self._conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        self._db = dbname

    def available(self) -> bool:
        try:
            self()
        except OSError:
            return False
        return True

    def __call__(self) -> float:
        pids = [
            int(r[0])
            for r in self._conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s "
                "AND backend_type = 'client backend'",
                (self._db, self._own),
            )
        ]
        total = 0.0
        for pid in pids:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
            except FileNotFoundError:
                continue  # a backend that just ended
        return total + time.process_time()

    def close(self) -> None:
        self._conn.close()


def service_for(db: Database, tmp: Path) -> SearchService:
    return SearchService(
        SearchIndexStore(db),
        OpenGuard(),
        PageRepository(db),
        BatchRepository(db),
        LinkRepository(db),
        BlobStore(tmp / "blobs"),
    )


def bench_sqlite(n: int, seed: int, tmp: Path, k: int, anchor_k: int) -> tuple[dict[str, Any], Samples]:
    path = tmp / "bench.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade(backup=False)
    samples = Samples()
    t0 = time.perf_counter()
    raw = load(db, n, seed, samples, lambda d: print(f"\r  sqlite load {d}/{n}", end="", file=sys.stderr))
    load_s = time.perf_counter() - t0
    print(file=sys.stderr)
    svc = service_for(db, tmp)
    t0 = time.perf_counter()
    svc.reindex(
        progress=lambda d, t, _m: (
            print(f"\r  our index {d}/{t}", end="", file=sys.stderr) if d % 20000 == 0 else None
        )
    )
    ours_s = time.perf_counter() - t0
    print(file=sys.stderr)
    size = svc.store.size_bytes()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    with db.engine.begin() as c:
        c.execute(
            text(
                "CREATE VIRTUAL TABLE tri USING fts5(ocr_text, content='pages', content_rowid='rowid', tokenize='trigram')"
            )
        )
        c.execute(text("INSERT INTO tri(tri) VALUES ('rebuild')"))
        c.execute(text("INSERT INTO tri(tri) VALUES ('optimize')"))
    tri_s = time.perf_counter() - t0
    with db.engine.connect() as c:
        tri_size = int(
            c.execute(text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'tri_%'")).scalar() or 0
        )
        span = c.execute(text("SELECT min(captured_at), max(captured_at) FROM pages")).one()
    lo, hi = (datetime.fromisoformat(str(x)) for x in span)
    queries = query_set(samples, k, seed, (lo, hi))
    anchor_queries = {kind: qs[:anchor_k] for kind, qs in queries.items()}
    store = svc.store

    def ours_raw(q: str, f: SearchFilters) -> list[str]:
        return [pid for pid, _doc in store.search_text(parse(q).groups, IndexScope.ALL, f, LIMIT)]

    lat = {
        "ours_service": run_engine(
            "service", queries, lambda q, f: [h.page_id for h in svc.search(q, f, LIMIT).hits]
        ),
        "ours_index": run_engine("index", queries, ours_raw),
        "fts5_trigram": run_engine("trigram", anchor_queries, lambda q, f: _sqlite_trigram(db, q, f)),
        "like_scan": run_engine("like", anchor_queries, lambda q, f: _sqlite_like(db, q, f)),
    }
    # Correctness spot check: our index and LIKE must agree on 4-character phrases.
    agree = 0
    for q, f in queries["phrase4"][:10]:
        pq = parse(q)
        cand = [pid for pid, _doc in store.search_text(pq.groups, IndexScope.ALL, f, 10**7)]
        texts = store.texts(cand)
        a = {pid for pid in cand if contains_phrases(texts[pid], pq.phrases)}
        b_ = set(_sqlite_like_all(db, q))
        agree += a == b_
    db.dispose()
    result = {
        "pages": n,
        "raw_text_bytes": raw,
        "raw_bytes_per_page": round(raw / n, 1),
        "load_s": round(load_s, 1),
        "ours": {
            "build_s": round(ours_s, 1),
            "pages_per_s": round(n / ours_s, 1),
            "index_bytes_per_page": round(size["tokens"] / n, 1),
            "index_total_bytes_per_page": round(size["total"] / n, 1),
            "index_to_raw": round(size["tokens"] / raw, 3),
            "index_total_to_raw": round(size["total"] / raw, 3),
        },
        "fts5_trigram": {
            "build_s": round(tri_s, 1),
            "index_bytes_per_page": round(tri_size / n, 1),
            "index_to_raw": round(tri_size / raw, 3),
        },
        "latency_ms": lat,
        "phrase4_results_equal_like_scan": f"{agree}/{min(10, len(queries['phrase4']))}",
        "file_bytes": path.stat().st_size,
    }
    return result, samples


def _sqlite_like_all(db: Database, q: str) -> list[str]:
    with db.engine.connect() as c:
        return [
            r[0]
            for r in c.execute(
                text("SELECT id FROM pages WHERE replace(ocr_text, ' ', '') LIKE :q"), {"q": f"%{q}%"}
            )
        ]


def project_p95(
    by_size: dict[int, dict[str, float]], prefix: str, target: int = 10_000_000
) -> dict[str, Any]:
    """Projected service p95 at ``target`` pages per query type from the sizes measured.

    Two fits over (pages, p95) per type: a power law ``p95 = a * pages**b`` (least
    squares in log-log: right for costs that grow like a posting list or a B-tree
    fan-out) and a straight line ``p95 = a + b * pages`` (least squares: the pessimistic
    case when growth is linear, e.g. a scan of every match).  The key
    ``<prefix>_p95_ms_<type>_proj_10m`` holds the larger of the two (never below the
    largest measured p95); ``..._proj_10m_power``/``_linear`` and the exponent are
    reported too.  Needs two sizes or more; with one it says so and projects nothing.
    """
    sizes = sorted(by_size)
    out: dict[str, Any] = {
        f"{prefix}_proj_sizes": sizes,
        f"{prefix}_proj_basis": (
            f"max(power law a*N^b fitted in log-log, line a+b*N) over the service p95 at {sizes} pages, "
            f"evaluated at N={target}"
            if len(sizes) >= 2
            else "one size measured: no projection"
        ),
    }
    if len(sizes) < 2:
        return out
    xs = [math.log(m) for m in sizes]
    for kind in by_size[sizes[-1]]:
        ys = [by_size[m][kind] for m in sizes]
        mx, my = statistics.fmean(xs), statistics.fmean(math.log(max(y, 1e-3)) for y in ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        b = sum((x - mx) * (math.log(max(y, 1e-3)) - my) for x, y in zip(xs, ys, strict=True)) / sxx
        power = math.exp(my + b * (math.log(target) - mx))
        nx, ny = statistics.fmean(sizes), statistics.fmean(ys)
        slope = sum((m - nx) * (y - ny) for m, y in zip(sizes, ys, strict=True)) / sum(
            (m - nx) ** 2 for m in sizes
        )
        linear = ny + slope * (target - nx)
        out[f"{prefix}_p95_ms_{kind}_proj_10m"] = round(max(power, linear, max(ys)), 1)
        out[f"{prefix}_p95_ms_{kind}_proj_10m_power"] = round(power, 1)
        out[f"{prefix}_p95_ms_{kind}_proj_10m_linear"] = round(linear, 1)
        out[f"{prefix}_p95_growth_exponent_{kind}"] = round(b, 3)
    return out


def _pg_latency_keys(lat: dict[str, Any], prefix: str, pages: int) -> dict[str, Any]:
    """Flat keys (issue 19): ``<prefix>_pages`` and ``<prefix>_p95_ms_<type>`` / ``_p50_ms_``."""
    out: dict[str, Any] = {f"{prefix}_pages": pages}
    for kind, v in lat["ours_service"].items():
        out[f"{prefix}_p95_ms_{kind}"] = v["p95"]
        out[f"{prefix}_p50_ms_{kind}"] = v["p50"]
        if "cpu_p95" in v:
            out[f"{prefix}_cpu_p95_ms_{kind}"] = v["cpu_p95"]
    return out


#: Server settings of a modest central database on a machine of this size (2 cores, 8+ GB);
#: the test server's durability switches (fsync off) stay as they are: searches only read.
PG_SETTINGS = {"shared_buffers": "512MB", "effective_cache_size": "4GB", "random_page_cost": "1.1"}


def bench_postgres(
    n: int,
    seed: int,
    tmp: Path,
    k: int,
    anchor_k: int,
    prepare_only: bool = False,
    from_pages: int | None = None,
) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import _search_pg as pgdata
    from tests.postgres_server import PostgresServer

    def start(d: Path) -> PostgresServer:
        return PostgresServer(persistent_dir=d, settings=PG_SETTINGS)

    if from_pages is not None and from_pages < n:
        if n % from_pages:
            raise SystemExit(f"--from-pages {from_pages} must divide --pages {n}")
        cdir = pgdata.replicated_dir(n, seed, from_pages)
        if pgdata.load_samples(cdir / "samples.json") is None:
            base_dir = pgdata.cache_dir(from_pages, seed)
            if pgdata.load_samples(base_dir / "samples.json") is None:
                bench_postgres(from_pages, seed, tmp, k, anchor_k, prepare_only=True)
            need = n * 12e3 / 1e9 + 2
            if pgdata.free_gb(pgdata.CACHE_ROOT) < need:
                raise SystemExit(f"not enough disk under {pgdata.CACHE_ROOT} for {n} pages (~{need:.0f} GB)")
            t0 = time.perf_counter()
            pgdata.replicate(base_dir, cdir, from_pages, n // from_pages, start)
            log.warning("replicated %d pages to %d in %.0f s", from_pages, n, time.perf_counter() - t0)
    else:
        cdir = pgdata.cache_dir(n, seed)
    cached = pgdata.load_samples(cdir / "samples.json")
    if cached is None:
        shutil.rmtree(cdir, ignore_errors=True)  # an interrupted load: start over
        need = n * 12e3 / 1e9 + 2
        if pgdata.free_gb(pgdata.CACHE_ROOT) < need:
            raise SystemExit(f"not enough disk under {pgdata.CACHE_ROOT} for {n} pages (~{need:.0f} GB)")
    with start(cdir) as server:
        load_s = 0.0
        if cached is None:
            url = server.create_database("bench")
            db = Database(url)
            db.upgrade(backup=False)
            samples = Samples()
            t0 = time.perf_counter()
            raw = pgdata.bulk_load(
                url,
                generate(n, seed, 5000, samples),
                STATIONS,
                n,
                lambda d: print(f"\r  pg load {d}/{n}", end="", file=sys.stderr) if d % 50000 == 0 else None,
            )
            load_s = time.perf_counter() - t0
            print(file=sys.stderr)
            pgdata.save_samples(cdir / "samples.json", samples, raw)
        else:
            url = server.url("bench")
            db = Database(url)
            db.upgrade(backup=False)  # migrations newer than the cached cluster
            d, raw = cached
            samples = Samples(**d)
        if prepare_only:
            db.dispose()
            return {"pages": n, "load_s": round(load_s, 1), "cache": str(cdir)}
        svc = service_for(db, tmp)
        size = svc.store.size_bytes()  # type: ignore[attr-defined]
        mismatched = pgdata.check_index_matches_service(db, svc)
        with db.engine.connect() as c:
            span = c.execute(text("SELECT min(captured_at), max(captured_at) FROM pages")).one()
        queries = query_set(samples, k, seed, (span[0], span[1]))
        anchor_queries = {kind: qs[:anchor_k] for kind, qs in queries.items()}
        store = svc.store
        meter: PgCpuMeter | None = PgCpuMeter(server.dsn("bench"), "bench")
        assert meter is not None
        if not meter.available():
            meter.close()
            meter = None
        lat = {
            "ours_service": run_engine(
                "pg service", queries, lambda q, f: [h.page_id for h in svc.search(q, f, LIMIT).hits], meter
            ),
            "ours_index": run_engine(
                "pg index",
                queries,
                lambda q, f: [p for p, _ in store.search_text(parse(q).groups, IndexScope.ALL, f, LIMIT)],
            ),
            "like_scan": run_engine("pg like", anchor_queries, lambda q, f: _pg_like(db, q, f)),
        }
        if meter is not None:
            meter.close()
        slowest = max(lat["ours_service"], key=lambda kind: lat["ours_service"][kind]["p95"])
        explain = _pg_explain(db, svc, queries[slowest])
        db.dispose()
    return {
        "pages": n,
        "data": (
            f"the {from_pages}-page generated archive copied {n // from_pages}x (fresh ids, later dates)"
            if from_pages is not None and from_pages < n
            else "generated"
        ),
        "load_s": round(load_s, 1),
        "cache": str(cdir),
        "load_avg_after": os.getloadavg(),
        "index_rows_differing_from_service_path": mismatched,
        "gin_bytes_per_page": round(size["tokens"] / n, 1),
        "gin_to_raw": round(size["tokens"] / raw, 3),
        "table_and_indexes_to_raw": round(size["total"] / raw, 3),
        "latency_ms": lat,
        "slowest_type": slowest,
        "explain_slowest": explain,
        "server_settings": PG_SETTINGS,
    }


def _pg_explain(db: Database, svc: SearchService, qs: list[tuple[str, SearchFilters]]) -> list[str]:
    """EXPLAIN ANALYZE of the slowest query of a type, captured from the service's own SQL."""
    from sqlalchemy import event

    worst: tuple[float, str, Any] = (-1.0, "", None)
    for q, f in qs:
        seen: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cur: Any, stmt: str, params: Any, _ctx: Any, _many: bool) -> None:
            seen.append((stmt, params))  # noqa: B023 - read right after the search below

        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            ms, _ = _time(lambda q=q, f=f: svc.search(q, f, LIMIT))
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        if ms > worst[0] and seen:
            stmt, params = max(seen, key=lambda sp: len(sp[0]))
            worst = (ms, stmt, params)
    _ms, stmt, params = worst
    with db.engine.connect() as c:
        raw = c.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params)
            return [str(r[0]) for r in cur.fetchall()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="10,000 pages, 15 queries per type")
    ap.add_argument("--pages", type=int, default=None)
    ap.add_argument("--queries", type=int, default=None, help="queries per type")
    ap.add_argument(
        "--anchor-queries", type=int, default=None, help="queries per type for the LIKE/trigram anchors"
    )
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument(
        "--backend",
        choices=["both", "sqlite", "postgresql"],
        default="both",
        help="postgresql: PostgreSQL figures (pg_* keys) only; both (default): SQLite and PostgreSQL",
    )
    ap.add_argument("--no-postgres", action="store_true", help="same as --backend sqlite")
    ap.add_argument("--no-sqlite", action="store_true", help="same as --backend postgresql")
    ap.add_argument(
        "--prepare", action="store_true", help="only load (and cache) the PostgreSQL data, no queries"
    )
    ap.add_argument(
        "--pg-sizes",
        default=None,
        help="comma-separated page counts to measure on PostgreSQL in this run (default: --pages); "
        "with two or more, the p95 growth is fitted and projected to 10 M pages",
    )
    ap.add_argument(
        "--from-pages",
        type=int,
        default=None,
        help="build PostgreSQL sizes above this page count by copying the archive of this size "
        "(see benchmarks._search_pg.replicate) instead of generating and indexing every page",
    )
    ap.add_argument("--workdir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated databases (printed at the end)")
    args = ap.parse_args(argv)
    n = args.pages or (10_000 if args.quick else 1_000_000)
    k = args.queries or (15 if args.quick else 100)
    anchor_k = min(k, args.anchor_queries or k)
    run_pg = args.backend in ("both", "postgresql") and not args.no_postgres
    run_sqlite = args.backend in ("both", "sqlite") and not args.no_sqlite and not args.prepare
    logging.basicConfig(level=logging.WARNING)
    with contextlib.ExitStack() as stack:
        if args.keep:
            d = tempfile.mkdtemp(prefix="bench-search-", dir=args.workdir)
            print(f"  databases kept in {d}", file=sys.stderr)
        else:
            d = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-search-", dir=args.workdir))
        tmp = Path(d)
        t0 = time.perf_counter()
        pg_sizes = sorted({int(x) for x in args.pg_sizes.split(",")}) if args.pg_sizes else [n]
        pg_runs = (
            [bench_postgres(m, args.seed, tmp, k, anchor_k, args.prepare, args.from_pages) for m in pg_sizes]
            if run_pg
            else []
        )
        pg_res = pg_runs[-1] if pg_runs else None
        sqlite_res = bench_sqlite(n, args.seed, tmp, k, anchor_k)[0] if run_sqlite else None
    summary: dict[str, Any] = {
        "bench": "search",
        "pages": n,
        "queries_per_type": k,
        "load_avg": os.getloadavg(),
    }
    if pg_res is not None and "latency_ms" in pg_res:
        summary |= _pg_latency_keys(pg_res["latency_ms"], "pg", pg_res["pages"])
        summary["pg_by_size"] = {
            str(r["pages"]): {
                "data": r["data"],
                "load_avg_after": r["load_avg_after"],
                "p95_ms": {kind: v["p95"] for kind, v in r["latency_ms"]["ours_service"].items()},
                "cpu_p95_ms": {kind: v.get("cpu_p95") for kind, v in r["latency_ms"]["ours_service"].items()},
            }
            for r in pg_runs
        }
        summary |= project_p95(
            {
                r["pages"]: {kd: v["p95"] for kd, v in r["latency_ms"]["ours_service"].items()}
                for r in pg_runs
            },
            "pg",
        )
        if all("cpu_p95" in v for r in pg_runs for v in r["latency_ms"]["ours_service"].values()):
            summary |= project_p95(
                {
                    r["pages"]: {kd: v["cpu_p95"] for kd, v in r["latency_ms"]["ours_service"].items()}
                    for r in pg_runs
                },
                "pg_cpu",
            )
    if sqlite_res is not None:
        summary |= _pg_latency_keys(sqlite_res["latency_ms"], "sqlite", n)
    summary |= {"sqlite": sqlite_res, "postgresql": pg_res if len(pg_runs) < 2 else pg_runs}
    goals: dict[str, Any] = {"p95_ms_goal": 50}
    for name, res in (("sqlite", sqlite_res), ("pg", pg_res)):
        if res is not None and "latency_ms" in res:
            worst = max(v["p95"] for v in res["latency_ms"]["ours_service"].values())
            goals |= {f"{name}_worst_service_p95_ms": worst, f"{name}_p95_goal_met": worst <= 50}
    if sqlite_res is not None:
        lat = sqlite_res["latency_ms"]
        goals |= {
            "index_to_raw_goal": 2.0,
            "index_to_raw": sqlite_res["ours"]["index_to_raw"],
            "index_total_to_raw": sqlite_res["ours"]["index_total_to_raw"],
            "size_goal_met": sqlite_res["ours"]["index_total_to_raw"] <= 2.0,
        }
        summary["ratios_p95_like_over_ours"] = {
            kind: round(lat["like_scan"][kind]["p95"] / max(lat["ours_service"][kind]["p95"], 1e-3), 1)
            for kind in lat["like_scan"]
        }
        summary["ratios_p95_trigram_over_ours"] = {
            kind: round(lat["fts5_trigram"][kind]["p95"] / max(lat["ours_service"][kind]["p95"], 1e-3), 1)
            for kind in lat["fts5_trigram"]
        }
    summary["goals"] = goals
    summary["total_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
