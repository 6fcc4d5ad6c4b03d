"""Registry benchmark: import rate, candidate lookup latency, warning scan time.

Run: ``python -m benchmarks.bench_registry [--quick] [--persons N]``.  Prints one JSON
object on its last line.

Data: a fictional registry generated deterministically by
:func:`hukou_scan.domain.sample.generate_households` in blocks (household numbers made
unique per block), written as a GB18030 CSV like the population system's export —
1 million persons by default, about 50 000 with ``--quick``.

Measured in the same run, on a fresh SQLite database migrated by Alembic:

- ``import``: :meth:`RegistryService.import_file` (encoding detection, sha256, parsing,
  validation, chunked upserts with position) → rows/s (goal ≥ 20 000 rows/s).
  Anchors: ``csv_parse_only`` (the stdlib CSV reader over the same file, the floor of
  any importer) and ``sqlite_executemany`` (pre-parsed tuples inserted with the raw
  ``sqlite3`` driver into an empty copy of the same ``persons`` table and indexes —
  the floor of the database side).
- ``lookup``: :func:`hukou_scan.registry.matching.rank` for pages built from random
  registry persons with the field corruptions OCR produces (exact ID; one wrong ID
  digit; a confusable or traditional character in the name plus birth date; name
  only), p50/p95/max ms (goal p95 ≤ 20 ms), and the top-1 hit rate.  Anchor:
  ``rapidfuzz_full_scan`` — rapidfuzz ``process.extractOne`` of the name over every
  name in the registry held in memory (what a matcher without indexes must do).
- ``warnings``: :meth:`RegistryService.scan_warnings` over all persons (seconds,
  findings).  Anchor: ``stream_only`` — paging through all persons with the same
  keyset query and no rules.
- ``rss_mb``: peak resident memory of the process after the import (bounded: the
  importer holds one chunk).

Wall-clock figures on a shared, overloaded machine mostly measure waiting for a CPU,
so the CPU time of this process (``cpu_*``: ``process_time``/``thread_time``; SQLite
runs in-process, so its work is included) is reported next to each wall figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import process

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings
from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households, registry_rows
from hukou_scan.registry.importer import DEFAULT_CHUNK, parse_row, resolve_mapping
from hukou_scan.registry.matching import PageFields, rank
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.registry import RegistryService

TRAD = {
    "陈": "陳",
    "张": "張",
    "刘": "劉",
    "杨": "楊",
    "黄": "黃",
    "赵": "趙",
    "吴": "吳",
    "孙": "孫",
    "马": "馬",
}
CONFUSE = {"王": "玉", "陈": "阵", "杨": "扬", "李": "季", "建": "健", "明": "朋", "军": "车", "红": "江"}


def write_registry(path: Path, persons: int, seed: int = 20261122) -> int:
    """Stream a GB18030 registry CSV of about ``persons`` rows; returns the row count."""
    rows = 0
    block = 0
    with open(path, "w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REGISTRY_COLUMNS)
        while rows < persons:
            hs = generate_households(2000, seed=seed + block)
            for r in registry_rows(hs):
                r[6] = f"{block:04d}{r[6]}"  # household numbers unique across blocks
                w.writerow(r)
                rows += 1
            block += 1
    return rows


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_csv_parse(path: Path) -> float:
    t0 = time.perf_counter()
    n = 0
    with open(path, encoding="gb18030", newline="") as fh:
        for _ in csv.reader(fh):
            n += 1
    return n / (time.perf_counter() - t0)


def bench_sqlite_floor(template: Path, path: Path, limit: int) -> float:
    """Raw sqlite3 executemany of pre-parsed rows into an empty copy of the migrated schema."""
    db = template.with_name("floor.sqlite3")
    shutil.copy(template, db)
    with open(path, encoding="gb18030", newline="") as fh:
        reader = csv.reader(fh)
        headers = next(reader)
        mapping = resolve_mapping(headers)
        parsed: list[tuple[Any, ...]] = []
        for i, row in enumerate(reader, start=2):
            p, _h = parse_row(i, row, mapping, len(headers))
            parsed.append(
                (
                    p["id"],
                    p["name"],
                    p["name_key"],
                    p["former_name"],
                    p["id_number"],
                    p["id_number_raw"],
                    p["sex"],
                    p["ethnicity"],
                    p["birth_date"].isoformat() if p["birth_date"] else None,
                    p["household_no"],
                    p["relation"],
                    p["address"],
                    p["station"],
                    p["status"],
                    "2026-01-01 00:00:00",
                    "",
                )
            )
            if len(parsed) >= limit:
                break
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("DELETE FROM persons")
    con.commit()
    sql = (
        "INSERT INTO persons (id, name, name_key, former_name, id_number, id_number_raw, sex, ethnicity,"
        " birth_date, household_no, relation, address, station, status, updated_at, import_id)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    t0 = time.perf_counter()
    for i in range(0, len(parsed), DEFAULT_CHUNK):
        con.executemany(sql, parsed[i : i + DEFAULT_CHUNK])
        con.commit()
    rate = len(parsed) / (time.perf_counter() - t0)
    con.close()
    db.unlink()
    return rate


def make_pages(ctx: AppContext, n: int, seed: int = 7) -> list[tuple[str, PageFields, str]]:
    """(kind, page fields, expected person id) for random persons, with OCR-style corruption."""
    rng = random.Random(seed)
    with ctx.db.engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM persons").scalar_one()
        out: list[tuple[str, PageFields, str]] = []
        kinds = ["id_exact", "id_one_digit", "name_confused_birth", "name_traditional_birth", "name_only"]
        while len(out) < n:
            off = rng.randrange(total)
            row = conn.exec_driver_sql(
                "SELECT id, name, id_number, birth_date, household_no, sex FROM persons LIMIT 1 OFFSET ?",
                (off,),
            ).one()
            pid, name, number, birth, hh, sex = row
            born = date.fromisoformat(str(birth)) if birth else None
            kind = kinds[len(out) % len(kinds)]
            if kind == "id_exact":
                page = PageFields(id_number=number, name=name, sex=sex)
            elif kind == "id_one_digit":
                pos = rng.randrange(6, 17)
                d = number[pos]
                bad = number[:pos] + str((int(d) + rng.randrange(1, 10)) % 10) + number[pos + 1 :]
                page = PageFields(id_number=bad, name=name)
            elif kind == "name_confused_birth":
                chars = [CONFUSE.get(c, c) for c in name]
                i = next((k for k, c in enumerate(name) if c in CONFUSE), None)
                if i is None:
                    continue
                page = PageFields(name=name[:i] + chars[i] + name[i + 1 :], birth_date=born, household_no=hh)
            elif kind == "name_traditional_birth":
                if name[0] not in TRAD:
                    continue
                page = PageFields(name=TRAD[name[0]] + name[1:], birth_date=born)
            else:
                page = PageFields(name=name, birth_date=born)
            out.append((kind, page, pid))
    return out


def bench_lookup(ctx: AppContext, pages: list[tuple[str, PageFields, str]]) -> dict[str, Any]:
    store = ctx.registry_store
    for _k, page, _pid in pages[:20]:  # warm the page cache
        rank(page, store)
    times: list[float] = []
    cpu: list[float] = []
    hits: dict[str, list[int]] = {}
    for kind, page, pid in pages:
        c0 = time.thread_time()
        t0 = time.perf_counter()
        cands = rank(page, store)
        times.append((time.perf_counter() - t0) * 1000.0)
        cpu.append((time.thread_time() - c0) * 1000.0)
        hits.setdefault(kind, []).append(1 if cands and cands[0].person.id == pid else 0)
    times.sort()
    cpu.sort()
    return {
        "pages": len(pages),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
        "top1_rate": {k: round(sum(v) / len(v), 3) for k, v in hits.items()},
    }


def bench_full_scan_anchor(ctx: AppContext, pages: list[tuple[str, PageFields, str]], n: int = 10) -> float:
    with ctx.db.engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM persons")]
    times = []
    for _k, page, _pid in pages[:n]:
        if not page.name:
            continue
        t0 = time.perf_counter()
        process.extractOne(page.name, names)
        times.append((time.perf_counter() - t0) * 1000.0)
    return round(statistics.median(times), 2) if times else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--quick", action="store_true", help="about 50 000 persons")
    ap.add_argument("--persons", type=int, default=None)
    ap.add_argument("--pages", type=int, default=500)
    args = ap.parse_args(argv)
    target = args.persons or (50_000 if args.quick else 1_000_000)
    tmp = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    result: dict[str, Any] = {"bench": "registry", "persons_target": target}
    try:
        csv_path = tmp / "registry.csv"
        t0 = time.perf_counter()
        rows = write_registry(csv_path, target)
        result["generate_s"] = round(time.perf_counter() - t0, 1)
        result["rows"] = rows
        result["file_mb"] = round(csv_path.stat().st_size / 1e6, 1)
        print(f"generated {rows} rows in {result['generate_s']} s", file=sys.stderr)

        settings = load_settings(config_dir=tmp / "config", data_dir=tmp / "data")
        ctx = AppContext(settings, log_to_file=False)
        template = tmp / "template.sqlite3"
        ctx.db.engine.dispose()
        shutil.copy(tmp / "data" / "hukou.sqlite3", template)
        svc = RegistryService(ctx.registry_store, OpenGuard())

        rss_before = rss_mb()
        c0 = time.process_time()
        report = svc.import_file(csv_path)
        import_cpu = time.process_time() - c0
        d = report.to_dict()
        result["import"] = {
            "rows_per_s": d["rows_per_second"],
            "cpu_rows_per_s": round(rows / import_cpu, 1),
            "seconds": d["seconds"],
            "added": d["added"],
            "bad": d["bad"],
            "goal_rows_per_s": 20000,
            "rss_mb_before": round(rss_before, 1),
            "rss_mb_after": round(rss_mb(), 1),
        }
        print(f"import: {d['rows_per_second']:.0f} rows/s", file=sys.stderr)
        result["anchors"] = {
            "csv_parse_only_rows_per_s": round(bench_csv_parse(csv_path)),
            "sqlite_executemany_rows_per_s": round(
                bench_sqlite_floor(template, csv_path, min(rows, 200_000))
            ),
        }
        pages = make_pages(ctx, args.pages)
        result["lookup"] = bench_lookup(ctx, pages)
        result["lookup"]["goal_p95_ms"] = 20
        print(f"lookup: {result['lookup']}", file=sys.stderr)
        result["anchors"]["rapidfuzz_full_scan_ms"] = bench_full_scan_anchor(ctx, pages)

        t0 = time.perf_counter()
        n = sum(1 for _ in ctx.registry_store.iter_persons_by_household())
        result["anchors"]["stream_only_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        c0 = time.process_time()
        counts = svc.scan_warnings()
        result["warnings"] = {
            "seconds": round(time.perf_counter() - t0, 2),
            "cpu_seconds": round(time.process_time() - c0, 2),
            "persons": n,
            "findings": sum(counts.values()),
            "by_rule": counts,
        }
        ctx.close()
        imp, anc = result["import"], result["anchors"]
        result["ratios"] = {
            "import_vs_goal": round(imp["rows_per_s"] / 20000, 2),
            "import_cpu_vs_goal": round(imp["cpu_rows_per_s"] / 20000, 2),
            "lookup_cpu_p95_vs_goal": round(result["lookup"]["cpu_p95_ms"] / 20, 3),
            "import_vs_sqlite_floor": round(imp["rows_per_s"] / anc["sqlite_executemany_rows_per_s"], 3),
            "lookup_p95_vs_goal": round(result["lookup"]["p95_ms"] / 20, 3),
            "full_scan_vs_lookup_p50": round(
                anc["rapidfuzz_full_scan_ms"] / max(result["lookup"]["p50_ms"], 0.01), 1
            ),
            "warnings_vs_stream_only": round(
                result["warnings"]["seconds"] / max(anc["stream_only_s"], 0.01), 2
            ),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
