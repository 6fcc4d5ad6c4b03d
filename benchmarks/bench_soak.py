"""Soak test: a clerk's capture screen running for a quarter of an hour without a crash or a leak.

Run: ``python -m benchmarks.bench_soak [--quick] [--minutes N]``.  Prints one JSON object on
its last line.

What runs (in a child process, so a crash — e.g. the ``bool_dealloc`` abort of a broken
Qt binding — is seen as a crash and not as a hung benchmark): the real workstation as
``hukou_scan.gui.app.run_gui`` opens it after a login (:func:`hukou_scan.gui.app.open_workstation`),
on a fresh data directory in a temp dir, logged in as a clerk, with the simulated 高拍仪
(8 MP frames at 25 fps) looping its demo script — ``--pages`` (6) different sample pages
placed, held still and taken away, one after the other, for ever, their scenes composed
before the start — so auto-capture keeps capturing a new page every few seconds;
background processing and OCR (rapidocr, ``--ocr-workers`` worker processes, 1 by
default on this shared 2-core machine) and the link/search hooks run as in the app.
The idle screen lock is off (a clerk feeding pages to auto-capture touches no key).

Sampled every few seconds:

- alive: the child process exists and answers (its sampler keeps printing);
- RSS of the GUI process (``/proc/<pid>/statm``, read by its sampler thread) and of its
  OCR worker processes; growth is taken from the end of the warm-up (default 2 minutes:
  the OCR model, caches and the sample registry are loaded by then) to the end, as
  medians over a window at each end (8 MP buffers make single readings swing);
- event-loop stalls: a 10 ms ``QTimer`` (precise) on the UI thread; lateness of each tick
  is how long the UI thread (and the GIL) was held by something else.  Max and p99 after
  the warm-up; a watchdog thread records where the UI thread's Python stack is during
  each stall over 50 ms (``stall_sites``; ``app.exec`` = inside Qt or waiting for the GIL);
- Python's garbage collections (``gc_collections`` per generation, each full one with its
  thread, duration and survivors in ``gc_full_collections``; ``gc_pauses_over_20ms``) and,
  at the end, what a full collection walks (``gc_tracked_objects``, ``gc_referents``,
  ``gc_frozen_objects``, ``gc_full_ms_at_end``): the stalls over 50 ms of earlier runs were
  the full collections one for one, which the workstation's :class:`HeapSettler` now keeps
  short (``heap_settle_ms``, ``heap_refreezes``);
- pages captured (durable captures the screen reported), processed, recognised (OCR jobs
  done), the OCR backlog, and preview frames painted per second.

Each sample also records how many cores everything *outside* the workstation and its workers
used in its window (``foreign_cores``, from ``/proc/stat`` minus the process tree's CPU time):
``max_stall_ms_quiet`` is the max stall over the windows where others used under
``QUIET_CORES`` — on a shared 2-core machine the scheduler, not our code, makes most stalls
of the loaded windows (``stall_series`` = [t, max stall, foreign cores] per window).

Anchor ``idle_loop``: a second child process running only an idle Qt event loop with the
same 10 ms heartbeat for the same time, concurrently — what the machine itself (the
soak's own OCR worker, other users of the shared cores) does to a loop that has nothing
to do.  ``stall_vs_idle_p99`` is our p99 over the anchor's.

``--tracemalloc``: Python allocations made after the warm-up and still alive at the end,
grouped by the line that made them (``tracemalloc_top``, the largest 15) — where RSS
growth comes from when it is Python objects (slows Python code by about a third, so
stall figures of such a run are not comparable).

Goals (issue 15): alive for the whole run, RSS growth < 50 MB after warm-up, max stall
< 50 ms.  At the end the child saves a screenshot of the capture screen (``--screenshot``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HEARTBEAT_MS = 10
SAMPLE_PREFIX = "SOAK-SAMPLE "
FINAL_PREFIX = "SOAK-FINAL "
GOAL_RSS_GROWTH_MB = 50.0
GOAL_MAX_STALL_MS = 50.0
QUIET_CORES = 0.25  # a sample is "quiet" when everything else on the machine used under a quarter core
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# --- measuring helpers (used by the parent and the children) -------------------------------------
def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MB (``None`` once the process is gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE / 1e6
    except (OSError, IndexError, ValueError):
        return None


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (the OCR worker processes of the GUI process)."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(x) for x in (task / "children").read_text(encoding="ascii").split()]
    return out


def busy_jiffies() -> int:
    """CPU time (clock ticks, all cores) the whole machine spent busy since boot."""
    with open("/proc/stat", encoding="ascii") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    return user + nice + system + irq + softirq + steal


def tree_jiffies(pid: int) -> int:
    """CPU time (clock ticks) of ``pid`` and its live children, plus children it has reaped."""
    total = 0
    for k in (pid, *child_pids(pid)):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{k}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def dir_mb(path: Path) -> float:
    total = 0
    for f in path.rglob("*"):
        with contextlib.suppress(OSError):
            total += f.stat().st_size if f.is_file() else 0
    return total / 1e6


class Heartbeat:
    """A precise ``HEARTBEAT_MS`` QTimer on the UI thread recording each tick's lateness (ms)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.lateness: list[tuple[float, float]] = []  # (seconds since start, ms late)
        self.t0 = time.monotonic()
        self.last = self.t0
        self.running = False
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.t0 = self.last = time.monotonic()
        self.running = True
        self.timer.start()

    def stop(self) -> None:
        self.running = False
        self.timer.stop()

    def _tick(self) -> None:
        now = time.monotonic()
        self.lateness.append((now - self.t0, max(0.0, (now - self.last) * 1000 - HEARTBEAT_MS)))
        self.last = now

    def stats(self, after_s: float) -> dict[str, Any]:
        lags = [lag for t, lag in self.lateness if t >= after_s]
        all_lags = [lag for _t, lag in self.lateness]
        worst = max(self.lateness, key=lambda x: x[1], default=(0.0, 0.0))
        return {
            "ticks": len(lags),
            "max_stall_ms": round(max(lags, default=0.0), 1),
            "p99_stall_ms": round(pct(lags, 0.99), 1),
            "p999_stall_ms": round(pct(lags, 0.999), 1),
            "stalls_over_50ms": sum(1 for x in lags if x > GOAL_MAX_STALL_MS),
            "max_stall_ms_incl_warmup": round(max(all_lags, default=0.0), 1),
            "worst_stall_at_s": round(worst[0], 1),
            "stalls_over_50ms_at": [
                [round(t, 1), round(lag, 1)]
                for t, lag in self.lateness
                if t >= after_s and lag > GOAL_MAX_STALL_MS
            ][:60],
        }


# --- child: the idle-loop anchor ------------------------------------------------------------------
def _anchor_child(seconds: float, warmup_s: float) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    app = QCoreApplication.instance() or QCoreApplication([])
    beat = Heartbeat()
    beat.start()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    beat.stop()
    print(FINAL_PREFIX + json.dumps(beat.stats(warmup_s)), flush=True)
    return 0


# --- child: the workstation -------------------------------------------------------------------------
def _workstation_child(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer

    from hukou_scan.app import AppContext
    from hukou_scan.config import load_settings
    from hukou_scan.domain import BatchCategory, PaperLocation, Role
    from hukou_scan.gui.app import close_workstation, create_application, open_workstation
    from hukou_scan.gui.heap import HeapSettler
    from hukou_scan.services.capture import BatchDraft

    root = Path(args.root)
    settings = load_settings(root / "config", root / "data").with_changes(
        camera="simulated",
        ocr_workers=args.ocr_workers,
        language=args.lang,
        extra={"security": {"idle_lock_minutes": 0}},
    )
    ctx = AppContext(settings)
    app = create_application(settings.language)
    unhandled: list[str] = []

    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        import traceback

        text = "".join(traceback.format_exception(exc_type, exc, tb))
        unhandled.append(text[-2000:])
        print(text, file=sys.stderr, flush=True)

    sys.excepthook = excepthook

    # what the login dialog does on a first start, then a clerk logs in
    sec = ctx.security
    sec.begin_interactive()
    sec.create_first_admin("admin", "管理员", "Soak-Admin-Pass-2026!")
    sec.login("admin", "Soak-Admin-Pass-2026!")
    sec.add_user("clerk1", "采集员甲", "Soak-Clerk-Pass-2026!", roles={Role.CLERK}, station_id=ctx.station.id)
    sec.logout()
    sec.login("clerk1", "Soak-Clerk-Pass-2026!")
    if sec.must_change_password():
        sec.change_password("Soak-Clerk-Pass-2026!", "Soak-Clerk-Pass-2027!")
    ctx.capture.new_batch(
        BatchDraft(
            archive_id="SOAK-0001",
            category=BatchCategory.MOVE_IN,
            location=PaperLocation(room="1", cabinet="A", shelf="2", box="15", volume="3"),
        )
    )

    # The simulated 高拍仪 loops ``--pages`` sample pages; their 8 MP scenes are composed once
    # before the window opens (composing one takes ~2 s and ~1 GB of short-lived float
    # buffers), so what is measured is the workstation, not the camera simulator.
    from hukou_scan.capture.simulated.camera import SimulatedCamera
    from hukou_scan.gui import screens

    camera = SimulatedCamera(demo_pages=args.pages)
    camera.prepare()
    screens.make_camera = lambda _ctx: camera  # what make_source("simulated") returns, prepared
    heap = HeapSettler()  # what run_gui does
    heap.install()
    window = open_workstation(ctx, heap=heap)
    window.resize(1440, 900)
    window.show_screen("capture")
    view: Any = window.screens["capture"]
    captured = [0]
    view.page_captured.connect(lambda _page: captured.__setitem__(0, captured[0] + 1))
    beat = Heartbeat()
    beat.start()
    t_start = time.monotonic()
    stop = threading.Event()

    def counts() -> dict[str, int]:
        proc, ocr = ctx.jobs.counts("process"), ctx.jobs.counts("ocr")
        return {
            "pages_captured": captured[0],
            "pages_processed": int(proc.get("done", 0)),
            "processing_failed": int(proc.get("failed", 0)),
            "pages_ocr": int(ocr.get("done", 0)),
            "ocr_failed": int(ocr.get("failed", 0)),
            "ocr_backlog": int(ocr.get("queued", 0)) + int(ocr.get("running", 0)),
        }

    ticks_per_s = os.sysconf("SC_CLK_TCK")

    def sampler() -> None:  # a plain thread: reading counters must not itself stall the UI thread
        seen = 0
        last = (time.monotonic(), busy_jiffies(), tree_jiffies(os.getpid()))
        while not stop.wait(args.interval):
            try:
                now = (time.monotonic(), busy_jiffies(), tree_jiffies(os.getpid()))
                dt = max(1e-3, now[0] - last[0])
                # cores used by everything outside the workstation and its workers (other users of
                # the machine, the anchor): how loaded the box was by others in this window
                foreign = max(0.0, ((now[1] - last[1]) - (now[2] - last[2])) / ticks_per_s / dt)
                last = now
                n = len(beat.lateness)
                recent = beat.lateness[seen:n]
                seen = n
                sample = {
                    "t": round(time.monotonic() - t_start, 1),
                    "stall_max_ms": round(max((lag for _t, lag in recent), default=0.0), 1),
                    "paints": view.preview.paint_count,
                    "frames_read": view.camera.grabber.frames_read if view.camera is not None else 0,
                    "threads": threading.active_count(),
                    "load1": round(os.getloadavg()[0], 2),
                    "foreign_cores": round(foreign, 2),
                    "rss_mb": round(rss_mb(os.getpid()) or 0.0, 1),
                    "workers_rss_mb": round(sum(rss_mb(k) or 0.0 for k in child_pids(os.getpid())), 1),
                    **counts(),
                }
            except Exception as e:  # a sample must never end the soak
                sample = {"t": round(time.monotonic() - t_start, 1), "sample_error": repr(e)}
            print(SAMPLE_PREFIX + json.dumps(sample), flush=True)

    main_id = threading.get_ident()
    stall_sites: dict[str, int] = {}
    # What the other threads were running at the same moments (idle waits left out): the
    # ones inside Python code are who may have held the GIL the UI thread waited for.
    stall_busy_threads: dict[str, int] = {}
    idle_files = (
        "threading.py",
        "queue.py",
        "selectors.py",
        "connection.py",
        "synchronize.py",
        "inotify_c.py",  # the hot folder's observer, blocked in poll()
    )

    def stack_of(frame: Any) -> Any:
        """A thread's stack without its source lines: reading them (``linecache`` loads whole
        files) holds the GIL for milliseconds and lengthened the very stalls being recorded."""
        import traceback

        stack = traceback.StackSummary.extract(traceback.walk_stack(frame), lookup_lines=False)
        stack.reverse()
        return stack

    def watchdog() -> None:
        """Where the UI thread is while it is late: its Python stack, once per stall over 50 ms."""

        reported = 0.0
        while not stop.wait(0.02):
            late = time.monotonic() - beat.last
            if not beat.running or late * 1000 < GOAL_MAX_STALL_MS or beat.last == reported:
                continue
            reported = beat.last
            frame = sys._current_frames().get(main_id)
            stack = stack_of(frame) if frame is not None else []
            ours = [f for f in stack if "hukou_scan" in f.filename or "benchmarks" in f.filename]
            where = ours[-1] if ours else (stack[-1] if stack else None)
            key = f"{Path(where.filename).name}:{where.lineno} {where.name}" if where else "?"
            if stack and stack[-1] is not where:
                key += f" → {Path(stack[-1].filename).name}:{stack[-1].lineno} {stack[-1].name}"
            stall_sites[key] = stall_sites.get(key, 0) + 1
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, other in sys._current_frames().items():
                if ident in (main_id, threading.get_ident()):
                    continue
                top = stack_of(other)
                if not top or Path(top[-1].filename).name in idle_files:
                    continue
                mine = [f for f in top if "hukou_scan" in f.filename] or top
                busy = f"{names.get(ident, '?')}: {Path(mine[-1].filename).name}:{mine[-1].lineno} {mine[-1].name}"
                stall_busy_threads[busy] = stall_busy_threads.get(busy, 0) + 1

    threading.Thread(target=watchdog, name="soak-watchdog", daemon=True).start()
    sampling = threading.Thread(target=sampler, name="soak-sampler", daemon=True)
    sampling.start()
    paints_at_warmup: list[tuple[float, int]] = []
    QTimer.singleShot(
        int(args.warmup * 1000),
        lambda: paints_at_warmup.append((time.monotonic(), view.preview.paint_count)),
    )
    if args.tracemalloc:
        import tracemalloc

        # from the end of the warm-up on: what is allocated then and still alive at the end is growth
        QTimer.singleShot(int(args.warmup * 1000), lambda: tracemalloc.start(8))
    final: dict[str, Any] = {}
    gc_pauses = _GcPauses(t_start)
    gc_pauses.install()

    def finish() -> None:
        now = time.monotonic()
        t0, p0 = paints_at_warmup[0] if paints_at_warmup else (t_start, 0)
        final["preview_fps"] = round((view.preview.paint_count - p0) / max(1e-9, now - t0), 1)
        final["seconds"] = round(now - t_start, 1)
        final["rss_mb"] = round(rss_mb(os.getpid()) or 0.0, 1)
        beat.stop()
        final.update(beat.stats(args.warmup))
        if args.screenshot:
            final["screenshot"] = args.screenshot if window.grab().save(args.screenshot) else None
        if args.tracemalloc:
            final["tracemalloc_top"] = _tracemalloc_top()
        final["outline_detections"] = view.outline_thread.detections if view.outline_thread else None
        final["heap_settle_ms"] = round(heap.last_settle_ms, 1)
        final["heap_refreezes"] = heap.refreezes
        final["status_text"] = view.status.text()
        final["counter_text"] = view.counter.text()
        window.close()
        app.quit()

    QTimer.singleShot(int(args.seconds * 1000), finish)
    app.exec()
    stop.set()
    sampling.join(timeout=args.interval + 5)
    close_workstation(ctx)
    final.update(counts())
    final["stall_sites"] = dict(sorted(stall_sites.items(), key=lambda kv: -kv[1])[:12])
    final["stall_busy_threads"] = dict(sorted(stall_busy_threads.items(), key=lambda kv: -kv[1])[:12])
    final.update(gc_pauses.stats(args.warmup))
    final.update(_gc_census())
    final["unhandled_exceptions"] = len(unhandled)
    final["first_unhandled"] = unhandled[0] if unhandled else None
    final["data_dir_mb"] = round(dir_mb(root / "data"), 1)
    ctx.close()
    print(FINAL_PREFIX + json.dumps(final, ensure_ascii=False), flush=True)
    return 0


class _GcPauses:
    """How long Python's cyclic garbage collector held the GIL, per collection.

    A full (generation-2) collection walks every tracked container object of the process; in
    the workstation's heap that can take longer than a frame, and whichever thread triggers
    it, the UI thread waits.  Recorded so that a stall can be laid beside the collections.
    """

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.started = 0.0
        self.pauses: list[tuple[float, int, float]] = []  # (t, generation, ms)
        self.full: list[dict[str, Any]] = []  # each full collection: when, how long, who, what it found

    def install(self) -> None:
        import gc

        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self.started = now
        elif self.started:
            gen = int(info.get("generation", -1))
            self.pauses.append((time.monotonic() - self.t0, gen, (now - self.started) * 1000))
            if gen == 2:
                import gc

                self.full.append(
                    {
                        "t": round(time.monotonic() - self.t0, 1),
                        "ms": round((now - self.started) * 1000, 1),
                        "thread": threading.current_thread().name,
                        "collected": int(info.get("collected", 0)),
                        "uncollectable": int(info.get("uncollectable", 0)),
                        "survivors": len(gc.get_objects(2)),
                    }
                )

    def stats(self, after_s: float) -> dict[str, Any]:
        late = [p for p in self.pauses if p[0] >= after_s]
        by_gen: dict[str, Any] = {}
        for gen in (0, 1, 2):
            ms = [p[2] for p in late if p[1] == gen]
            by_gen[str(gen)] = {"n": len(ms), "max_ms": round(max(ms, default=0.0), 1)}
        return {
            "gc_collections": by_gen,
            "gc_pauses_over_20ms": [[round(t, 1), g, round(ms, 1)] for t, g, ms in late if ms > 20][:60],
            "gc_full_collections": self.full[:40],
        }


def _gc_census(n: int = 12) -> dict[str, Any]:
    """What a full collection has to walk at the end: tracked objects by type, and the frozen ones."""
    import collections
    import gc

    tracked = gc.get_objects()
    by_type = collections.Counter(type(o).__qualname__ for o in tracked)
    # a full collection visits every reference of every container: one huge dict costs as
    # much as a million small objects
    sizes = sorted(((len(gc.get_referents(o)), o) for o in tracked), key=lambda x: -x[0])
    biggest = [f"{n} {type(o).__module__}.{type(o).__qualname__} {repr(o)[:80]!r}" for n, o in sizes[:10]]
    t = time.perf_counter()
    gc.collect()
    full_ms = (time.perf_counter() - t) * 1000
    return {
        "gc_referents": sum(n for n, _o in sizes),
        "gc_biggest_containers": biggest,
        "gc_full_ms_at_end": round(full_ms, 1),
        "gc_tracked_objects": len(tracked),
        "gc_frozen_objects": gc.get_freeze_count(),
        "gc_tracked_top": dict(by_type.most_common(n)),
    }


def _tracemalloc_top(n: int = 15) -> list[str]:
    """The lines whose allocations since ``tracemalloc.start`` are still alive, largest first."""
    import tracemalloc

    if not tracemalloc.is_tracing():
        return []
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    tracemalloc.stop()
    out = []
    for stat in snap.statistics("traceback")[:n]:
        frames = [f for f in stat.traceback if "hukou_scan" in f.filename] or list(stat.traceback)
        where = frames[0]
        out.append(
            f"{stat.size / 1e6:.2f} MB in {stat.count} blocks: "
            f"{Path(where.filename).name}:{where.lineno} (from {Path(stat.traceback[0].filename).name}:"
            f"{stat.traceback[0].lineno})"
        )
    return out


# --- parent: run, watch, report ----------------------------------------------------------------------
def _reader(
    stream: Any, samples: list[dict[str, Any]], finals: list[dict[str, Any]], tail: list[str]
) -> None:
    for line in stream:
        if line.startswith(SAMPLE_PREFIX):
            samples.append(json.loads(line[len(SAMPLE_PREFIX) :]))
        elif line.startswith(FINAL_PREFIX):
            finals.append(json.loads(line[len(FINAL_PREFIX) :]))
        else:
            tail.append(line.rstrip("\n"))
            del tail[:-40]


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUKOU_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    repo = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH", "")) if p)
    return env


def _slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    if len(points) < 3:
        return 0.0
    xs = [t / 60 for t, _ in points]
    ys = [r for _, r in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def run_soak(
    minutes: float,
    *,
    warmup_minutes: float = 2.0,
    ocr_workers: int = 1,
    interval_s: float = 5.0,
    screenshot: str | None = None,
    lang: str = "zh_CN",
    pages: int = 6,
    anchor: bool = True,
    keep: Path | None = None,
    trace_memory: bool = False,
) -> dict[str, Any]:
    """Run the workstation for ``minutes`` in a child process; return the figures and goals."""
    seconds, warmup_s = minutes * 60, warmup_minutes * 60
    root = Path(tempfile.mkdtemp(prefix="hukou-soak-")) if keep is None else keep
    env = _child_env()
    me = [sys.executable, "-m", "benchmarks.bench_soak"]
    cmd = [
        *me,
        "--child",
        "workstation",
        "--root",
        str(root),
        "--seconds",
        str(seconds),
        "--warmup-seconds",
        str(warmup_s),
        "--ocr-workers",
        str(ocr_workers),
        "--interval",
        str(interval_s),
        "--lang",
        lang,
        "--pages",
        str(pages),
    ]
    if screenshot:
        cmd += ["--screenshot", screenshot]
    if trace_memory:
        cmd.append("--tracemalloc")
    cwd = str(Path(__file__).resolve().parents[1])
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    anchor_proc = None
    if anchor:
        anchor_cmd = [*me, "--child", "anchor", "--seconds", str(seconds), "--warmup-seconds", str(warmup_s)]
        anchor_proc = subprocess.Popen(anchor_cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd)
    samples: list[dict[str, Any]] = []
    finals: list[dict[str, Any]] = []
    out_tail: list[str] = []
    err_tail: list[str] = []
    readers = [
        threading.Thread(target=_reader, args=(proc.stdout, samples, finals, out_tail), daemon=True),
        threading.Thread(target=_reader, args=(proc.stderr, [], [], err_tail), daemon=True),
    ]
    for r in readers:
        r.start()
    peak = 0.0  # read here too, so a hung child still shows its memory
    deadline = started + seconds + 180  # start-up, shutdown and a margin; beyond that it hangs
    hung = False
    try:
        while proc.poll() is None:
            peak = max(peak, rss_mb(proc.pid) or 0.0)
            if time.monotonic() > deadline:
                hung = True
                proc.kill()
                break
            time.sleep(1.0)
    finally:
        rc = proc.wait()
        for r in readers:
            r.join(timeout=10)
    anchor_stats: dict[str, Any] = {}
    if anchor_proc is not None:
        if anchor_proc.poll() is None and not finals:
            anchor_proc.kill()  # the soak died early: the anchor has nothing to compare
        try:
            out, _ = anchor_proc.communicate(timeout=seconds + 60)
            lines = [ln for ln in out.splitlines() if ln.startswith(FINAL_PREFIX)]
            anchor_stats = json.loads(lines[-1][len(FINAL_PREFIX) :]) if lines else {}
        except subprocess.TimeoutExpired:
            anchor_proc.kill()
    final = finals[-1] if finals else {}
    crashed = rc != 0 or not final or hung
    # times are the child's: from the window's first show (after start-up) on
    last_sample_t = float(samples[-1]["t"]) if samples else 0.0
    minutes_alive = (float(final["seconds"]) if final else last_sample_t) / 60
    rss = [(float(s["t"]), float(s["rss_mb"])) for s in samples if "rss_mb" in s]
    if final:
        rss.append((float(final["seconds"]), float(final["rss_mb"])))
    after = [(t, m) for t, m in rss if t >= warmup_s]
    # 8 MP frames come and go in 24–100 MB buffers, so one reading swings by hundreds of MB:
    # start and end are medians over a window (a tenth of the measured span; 30 s, or a
    # quarter of a short span, at least)
    span = (after[-1][0] - after[0][0]) if after else 0.0
    window = max(min(30.0, span / 4), span / 10)
    rss_start = statistics.median([m for t, m in after if t <= after[0][0] + window]) if after else 0.0
    rss_end = statistics.median([m for t, m in after if t >= after[-1][0] - window]) if after else 0.0
    growth = rss_end - rss_start if after else float("nan")
    workers = [(float(s["t"]), float(s["workers_rss_mb"])) for s in samples if "workers_rss_mb" in s]
    w_after = [(t, m) for t, m in workers if t >= warmup_s]
    measured = [s for s in samples if float(s.get("t", 0.0)) >= warmup_s and "stall_max_ms" in s]
    quiet_stalls = [
        float(s["stall_max_ms"]) for s in measured if float(s.get("foreign_cores", 99.0)) < QUIET_CORES
    ]
    result: dict[str, Any] = {
        "benchmark": "soak",
        "minutes_planned": round(minutes, 2),
        "warmup_minutes": round(warmup_minutes, 2),
        "minutes_alive": round(minutes_alive, 2),
        "exit_code": rc,
        "hung": hung,
        "startup_and_shutdown_s": round(time.monotonic() - started - float(final.get("seconds", 0)), 1)
        if final
        else None,
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_growth_mb": round(growth, 1),
        "rss_window_s": round(window, 1),
        "rss_min_after_warmup_mb": round(min((m for _, m in after), default=0.0), 1),
        "rss_peak_mb": round(max(peak, *(m for _, m in rss)) if rss else peak, 1),
        "rss_slope_mb_per_min": round(_slope_mb_per_min(after), 2),
        "ocr_workers": ocr_workers,
        "workers_rss_start_mb": round(w_after[0][1], 1) if w_after else None,
        "workers_rss_end_mb": round(w_after[-1][1], 1) if w_after else None,
        "max_stall_ms": final.get("max_stall_ms"),
        "p99_stall_ms": final.get("p99_stall_ms"),
        "p999_stall_ms": final.get("p999_stall_ms"),
        "stalls_over_50ms": final.get("stalls_over_50ms"),
        "max_stall_ms_incl_warmup": final.get("max_stall_ms_incl_warmup"),
        "worst_stall_at_s": final.get("worst_stall_at_s"),
        "heartbeat_ticks": final.get("ticks"),
        "pages_captured": final.get("pages_captured", samples[-1].get("pages_captured") if samples else 0),
        "pages_processed": final.get("pages_processed"),
        "pages_ocr": final.get("pages_ocr"),
        "ocr_backlog": final.get("ocr_backlog"),
        "processing_failed": final.get("processing_failed"),
        "ocr_failed": final.get("ocr_failed"),
        "preview_fps": final.get("preview_fps"),
        "outline_detections": final.get("outline_detections"),
        "load_avg_before": load_before,
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "stall_sites": final.get("stall_sites"),
        "stall_busy_threads": final.get("stall_busy_threads"),
        "stalls_over_50ms_at": final.get("stalls_over_50ms_at"),
        "gc_collections": final.get("gc_collections"),
        "gc_pauses_over_20ms": final.get("gc_pauses_over_20ms"),
        "gc_full_collections": final.get("gc_full_collections"),
        "heap_settle_ms": final.get("heap_settle_ms"),
        "heap_refreezes": final.get("heap_refreezes"),
        "gc_tracked_objects": final.get("gc_tracked_objects"),
        "gc_referents": final.get("gc_referents"),
        "gc_biggest_containers": final.get("gc_biggest_containers"),
        "gc_full_ms_at_end": final.get("gc_full_ms_at_end"),
        "gc_frozen_objects": final.get("gc_frozen_objects"),
        "gc_tracked_top": final.get("gc_tracked_top"),
        "tracemalloc_top": final.get("tracemalloc_top"),
        "unhandled_exceptions": final.get("unhandled_exceptions"),
        "data_dir_mb": final.get("data_dir_mb"),
        "screenshot": final.get("screenshot"),
        "anchor_idle_loop": anchor_stats,
        "stall_vs_idle_p99": (
            round(float(final["p99_stall_ms"]) / max(0.1, float(anchor_stats["p99_stall_ms"])), 1)
            if final and anchor_stats
            else None
        ),
        # what the machine was doing in each sample: a 2-core box shared with other work
        # stalls any thread; the windows where others used under QUIET_CORES show our own stalls
        "max_stall_ms_quiet": max(quiet_stalls) if quiet_stalls else None,
        "quiet_samples": f"{len(quiet_stalls)} of {len(measured)}",
        "stall_series": [[s.get("t"), s.get("stall_max_ms"), s.get("foreign_cores")] for s in measured],
        "timeline": [
            {
                k: s.get(k)
                for k in (
                    "t",
                    "rss_mb",
                    "stall_max_ms",
                    "pages_captured",
                    "pages_ocr",
                    "ocr_backlog",
                    "threads",
                )
            }
            for s in samples[:: max(1, len(samples) // 12)]
        ],
    }
    if crashed:
        result["stderr_tail"] = err_tail[-25:]
        result["stdout_tail"] = out_tail[-10:]
    result["goals"] = {
        "alive_whole_run": {"target": f">= {minutes:g} min", "pass": not crashed},
        "rss_growth_mb": {
            "target": f"< {GOAL_RSS_GROWTH_MB:g}",
            "pass": (not crashed) and growth < GOAL_RSS_GROWTH_MB,
        },
        "max_stall_ms": {
            "target": f"< {GOAL_MAX_STALL_MS:g}",
            "pass": (not crashed) and float(final.get("max_stall_ms", 1e9)) < GOAL_MAX_STALL_MS,
        },
        "no_unhandled_exceptions": {"target": "0", "pass": final.get("unhandled_exceptions") == 0},
    }
    result["pass"] = all(g["pass"] for g in result["goals"].values())
    if keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 minutes (30 s warm-up) instead of 15")
    ap.add_argument("--minutes", type=float, default=None, help="wall time of the soak (default 15)")
    ap.add_argument("--warmup", type=float, default=None, help="warm-up minutes before RSS/stall figures")
    ap.add_argument("--ocr-workers", type=int, default=1)
    ap.add_argument("--screenshot", default=None, help="PNG of the capture screen at the end")
    ap.add_argument("--keep", type=Path, default=None, help="use (and keep) this data directory")
    ap.add_argument("--lang", default="zh_CN")
    ap.add_argument("--no-anchor", action="store_true")
    ap.add_argument(
        "--tracemalloc", action="store_true", help="report Python allocations alive at the end (growth)"
    )
    # child modes (internal)
    ap.add_argument("--child", choices=("workstation", "anchor"), help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=60.0, help=argparse.SUPPRESS)
    ap.add_argument(
        "--warmup-seconds", dest="warmup_seconds", type=float, default=0.0, help=argparse.SUPPRESS
    )
    ap.add_argument("--interval", type=float, default=5.0, help=argparse.SUPPRESS)
    ap.add_argument("--pages", type=int, default=6, help="distinct sample pages the camera loops")
    args = ap.parse_args()
    if args.child == "anchor":
        sys.exit(_anchor_child(args.seconds, args.warmup_seconds))
    if args.child == "workstation":
        args.warmup = args.warmup_seconds
        sys.exit(_workstation_child(args))
    minutes = args.minutes if args.minutes is not None else (2.0 if args.quick else 15.0)
    warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    screenshot = args.screenshot or str(Path(tempfile.gettempdir()) / "hukou-soak-capture.png")
    result = run_soak(
        minutes,
        warmup_minutes=min(warmup, minutes / 2),
        ocr_workers=args.ocr_workers,
        screenshot=screenshot,
        lang=args.lang,
        pages=args.pages,
        anchor=not args.no_anchor,
        keep=args.keep,
        trace_memory=args.tracemalloc,
    )
    for key in (
        "minutes_alive",
        "rss_start_mb",
        "rss_end_mb",
        "rss_growth_mb",
        "max_stall_ms",
        "p99_stall_ms",
    ):
        print(f"{key:>22}: {result[key]}")
    print(f"{'pages':>22}: captured {result['pages_captured']}, OCR {result['pages_ocr']}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
