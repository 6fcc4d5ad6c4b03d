"""Shared job queue benchmark: OCR throughput with 1, 2 and 4 worker processes on one PostgreSQL.

Data: registration forms and household pages rendered at run time
(``benchmarks.bench_ocr.make_pages``, fixed seed, scaled to at most 1200 px a side), stored in a station's page store on a
private PostgreSQL server on loopback (``tests/postgres_server.py``).  Each run gets a
fresh database with the same pages, queues one OCR job per page (procrastinate backend,
deferred with the ``jobs`` rows) and starts N ``hukou-scan worker --until-idle``
processes (rapidocr, one thread each).  Throughput counts from the first OCR job's start
to the last OCR job's end in procrastinate's event log (process start-up and model loading
excluded; the wall time including them is reported too).  On a shared, loaded machine the
wall-clock figures measure the machine as much as the queue, so the workers' CPU seconds per
page are reported as well (``cpu_s_per_page_N``; flat in N means the queue adds no per-worker
overhead and throughput scales with the cores actually available).

Fault run: two workers in wait mode; as soon as worker ``k0`` holds a running OCR job it
is SIGKILLed; the other worker's stalled-job sweep puts the job back after the heartbeat
timeout.  ``lost`` = pages without text at the end; ``duplicates`` = extra ``page_ocr``
rows plus text committed more than once for a page (every committed recognition defers
exactly one index job, so a page with two index jobs had its text written twice).

The anchor is the station's own local runner (``[queue] backend = "local"``, one worker
process on the same pages on SQLite) in the same run: ``pages_per_min_local``.

Run: ``python -m benchmarks.bench_queue [--quick] [--pages N]``; one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MAX_SIDE = 1200


def _settings(config: Path, db_url: str | None, backend: str, stalled_s: float = 3.0) -> None:
    config.mkdir(parents=True, exist_ok=True)
    general = '[general]\nocr_engine = "rapidocr"\n' + (f'db_url = "{db_url}"\n' if db_url else "")
    (config / "settings.toml").write_text(
        general + "\n[ocr]\nmax_attempts = 3\n\n[ocr.engine_options]\nthreads = 1\n\n"
        f'[queue]\nbackend = "{backend}"\nheartbeat_s = 0.5\nstalled_s = {stalled_s}\n',
        "utf-8",
    )


def _env(config: Path, data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HUKOU_CONFIG_DIR=str(config),
        HUKOU_DATA_DIR=str(data),
        HUKOU_KEYRING="file",
        OMP_NUM_THREADS="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def _station(config: Path, data: Path, images: list[bytes]) -> list[str]:
    """Pages in the station's store and one OCR job each (in its own process: the context's
    settings come from the environment like a worker's)."""
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "from hukou_scan.app import AppContext\n"
        "from hukou_scan.domain.models import Batch, BatchCategory, Page, PageState, new_id\n"
        "ctx = AppContext(log_to_file=False)\n"
        "b = ctx.batches.add(Batch(id=new_id(), archive_id='BENCH-Q', category=BatchCategory.MOVE_IN,"
        " station_id=ctx.station.id))\n"
        "ids = []\n"
        "for path in sys.argv[1:]:\n"
        "    sha = ctx.blobs.put(open(path, 'rb').read())\n"
        "    p = ctx.pages.add(Page(id=new_id(), batch_id=b.id, seq=ctx.pages.next_seq(b.id),"
        " original_sha256=sha, captured_at=datetime(2026, 11, 1), state=PageState.PROCESSED))\n"
        "    ctx.jobs.enqueue('ocr', p.id)\n"
        "    ids.append(p.id)\n"
        "print(' '.join(ids))\n"
        "ctx.close()\n"
    )
    files = []
    for i, data_bytes in enumerate(images):
        f = data / f"page-{i}.png"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data_bytes)
        files.append(str(f))
    out = subprocess.run(
        [sys.executable, "-c", code, *files],
        env=_env(config, data),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.split()


def _worker(config: Path, data: Path, name: str, until_idle: bool) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "hukou_scan", "worker", "--json", "--name", name]
    if until_idle:
        args.append("--until-idle")
    return subprocess.Popen(
        args,
        env=_env(config, data),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Each worker in its own session, hence its own scheduler autogroup, as separate
        # services or machines would be: in one session, N workers would share one group's
        # CPU share on a busy machine and adding workers could not add throughput.
        start_new_session=True,
    )


def _q(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return list(conn.execute(sql).fetchall())


def _span_s(dsn: str) -> float:
    (first, last) = _q(
        dsn,
        "SELECT min(e.at) FILTER (WHERE e.type = 'started'), max(e.at) FILTER (WHERE e.type = 'succeeded')"
        " FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id"
        " WHERE j.task_name = 'hukou.ocr'",
    )[0]
    return float((last - first).total_seconds())


def _integrity(dsn: str, n: int) -> tuple[int, int]:
    lost = n - int(_q(dsn, "SELECT count(*) FROM pages WHERE ocr_state = 'done'")[0][0])
    extra_rows = int(_q(dsn, "SELECT count(*) - count(DISTINCT page_id) FROM page_ocr")[0][0])
    twice = int(
        _q(
            dsn,
            "SELECT coalesce(sum(c - 1), 0) FROM"
            " (SELECT page_id, count(*) AS c FROM jobs WHERE kind = 'index' GROUP BY page_id) t",
        )[0][0]
    )
    return lost, extra_rows + twice


def run_workers(server: Any, images: list[bytes], n_workers: int, tmp: Path) -> dict[str, Any]:
    url = server.create_database()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    config, data = tmp / f"cfg-{n_workers}", tmp / f"data-{n_workers}"
    _settings(config, url, "procrastinate")
    pages = _station(config, data, images)
    t0 = time.perf_counter()
    procs = [_worker(config, data, f"w{i}", until_idle=True) for i in range(n_workers)]
    cpu = 0.0
    for p in procs:
        out, err = p.communicate(timeout=3600)
        if p.returncode != 0:
            raise RuntimeError(err[-2000:])
        cpu += float(json.loads(out.strip().splitlines()[-1])["cpu_s"])
    wall = time.perf_counter() - t0
    span = _span_s(dsn)
    lost, dup = _integrity(dsn, len(pages))
    server.drop_database(url)
    return {
        "pages": len(pages),
        "span_s": round(span, 2),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "lost": lost,
        "duplicates": dup,
    }


def run_kill(server: Any, images: list[bytes], tmp: Path) -> dict[str, Any]:
    url = server.create_database()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    config, data = tmp / "cfg-kill", tmp / "data-kill"
    _settings(config, url, "procrastinate", stalled_s=3.0)
    pages = _station(config, data, images)
    victim = _worker(config, data, "k0", until_idle=False)
    survivor = _worker(config, data, "k1", until_idle=False)
    killed_job = ""
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not killed_job:
            rows = _q(dsn, "SELECT id FROM jobs WHERE kind = 'ocr' AND state = 'running' AND worker = 'k0'")
            if rows:
                time.sleep(0.3)  # well inside the page (rapidocr takes seconds)
                os.kill(victim.pid, signal.SIGKILL)
                killed_job = str(rows[0][0])
            else:
                time.sleep(0.1)
        victim.wait(30)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            left = _q(dsn, "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")[0][0]
            done = _q(dsn, "SELECT count(*) FROM jobs WHERE kind = 'ocr' AND state = 'done'")[0][0]
            if left == 0 and done == len(pages):
                break
            time.sleep(0.5)
    finally:
        for p in (victim, survivor):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in (victim, survivor):
            try:
                p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
    attempts = _q(dsn, f"SELECT attempts FROM jobs WHERE id = '{killed_job}'") if killed_job else []
    lost, dup = _integrity(dsn, len(pages))
    server.drop_database(url)
    return {
        "killed_job_attempts": int(attempts[0][0]) if attempts else 0,
        "lost": lost,
        "duplicates": dup,
    }


def run_local(images: list[bytes], tmp: Path) -> dict[str, Any]:
    """The anchor: the station's local runner (SQLite), one worker process."""
    config, data = tmp / "cfg-local", tmp / "data-local"
    _settings(config, None, "local")
    pages = _station(config, data, images)
    t0 = time.perf_counter()
    p = _worker(config, data, "local", until_idle=True)
    out, err = p.communicate(timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(err[-2000:])
    wall = time.perf_counter() - t0
    summary = json.loads(out.strip().splitlines()[-1])
    import sqlite3
    from datetime import datetime

    with sqlite3.connect(data / "hukou.sqlite3") as conn:
        first, last = conn.execute(
            "SELECT min(started_at), max(finished_at) FROM jobs WHERE kind = 'ocr'"
        ).fetchone()
    span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
    return {"pages": len(pages), "wall_s": round(wall, 2), "span_s": round(span, 2), "done": summary["done"]}


def _images(n: int) -> list[bytes]:
    from benchmarks.bench_ocr import make_pages

    n_forms = (n * 2 + 2) // 3
    rendered = make_pages(n_forms, n - n_forms, 0, seed=19)[:n]
    out = []
    for page in rendered:
        buf = io.BytesIO()
        im = Image.fromarray(page.image)
        im.thumbnail((MAX_SIDE, MAX_SIDE))  # ≈100 dpi: keeps a run within minutes on a shared 2-core machine
        im.save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="12 pages, 1/2/4 workers and the fault run")
    ap.add_argument("--pages", type=int, help="pages per run (default 12 quick, 40 full)")
    args = ap.parse_args(argv)
    n = args.pages or (12 if args.quick else 40)
    from tests.postgres_server import PostgresServer

    images = _images(n)
    load_before = os.getloadavg()
    results: dict[str, Any] = {"bench": "queue", "pages": n, "cpus": os.cpu_count()}
    with (
        tempfile.TemporaryDirectory(prefix="bench-queue-", dir="/var/tmp") as tmp_s,
        PostgresServer() as server,
    ):
        tmp = Path(tmp_s)
        for k in (1, 2, 4):
            r = run_workers(server, images, k, tmp)
            print(json.dumps({"workers": k, **r}), file=sys.stderr, flush=True)
            results[f"pages_per_min_{k}"] = round(r["pages"] / r["span_s"] * 60.0, 2)
            results[f"wall_s_{k}"] = r["wall_s"]
            # CPU seconds per page over all workers (start-up and model loading included): the
            # queue's own cost per page, independent of how busy the shared machine is
            results[f"cpu_s_per_page_{k}"] = round(r["cpu_s"] / r["pages"], 3)
            results[f"lost_{k}"], results[f"duplicates_{k}"] = r["lost"], r["duplicates"]
        kill = run_kill(server, images, tmp)
        print(json.dumps({"kill": kill}), file=sys.stderr, flush=True)
        local = run_local(images, tmp)
    results["scaling_2"] = round(results["pages_per_min_2"] / results["pages_per_min_1"], 3)
    results["scaling_4"] = round(results["pages_per_min_4"] / results["pages_per_min_1"], 3)
    results["pages_per_min_local"] = round(local["pages"] / local["span_s"] * 60.0, 2)
    results["local_wall_s"] = local["wall_s"]
    results["lost"] = kill["lost"] + sum(results.pop(f"lost_{k}") for k in (1, 2, 4))
    results["duplicates"] = kill["duplicates"] + sum(results.pop(f"duplicates_{k}") for k in (1, 2, 4))
    results["killed_job_attempts"] = kill["killed_job_attempts"]
    results["loadavg_before"] = [round(x, 2) for x in load_before]
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
