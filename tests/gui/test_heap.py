"""Full garbage collections kept short in the GUI process (issue 15: the soak's 60–110 ms stalls).

The freezing checks run in a fresh interpreter: ``gc.freeze()`` acts on the whole process,
and freezing the test runner's heap would keep every later test's cyclic garbage alive.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext

REPO = Path(__file__).resolve().parents[2]


def run_probe(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_settle_leaves_a_full_collection_only_the_young_objects_and_frees_frozen_cycles() -> None:
    out = run_probe(
        """
        import gc, weakref
        import sqlalchemy, numpy  # a heap of long-lived module objects, as in the workstation
        from hukou_scan.gui.heap import HeapSettler

        class Node:
            pass

        node = Node()
        node.me = node  # a cycle: only the collector frees it
        gone = weakref.ref(node)
        heap = HeapSettler()
        heap.settle()
        frozen = gc.get_freeze_count()
        walked = sum(len(gc.get_objects(g)) for g in range(3))
        del node
        gc.collect()
        kept_while_frozen = gone() is not None
        heap.settle()
        print(frozen, walked, kept_while_frozen, gone() is None)
        """
    )
    frozen, walked, kept, freed = out.split()
    assert int(frozen) > 20_000
    assert int(walked) < int(frozen) // 50, "a full collection still walks the long-lived objects"
    assert kept == "True"  # frozen: an ordinary collection does not look at it
    assert freed == "True", "settle must unfreeze first, or frozen cyclic garbage is never freed"


def test_a_slow_automatic_full_collection_freezes_its_survivors() -> None:
    out = run_probe(
        """
        import gc
        import sqlalchemy
        from hukou_scan.gui.heap import HeapSettler

        heap = HeapSettler(slow_ms=0.0)  # every full collection counts as slow
        heap.install()
        before = gc.get_freeze_count()
        gc.collect(1)  # a young collection is never a reason to freeze
        after_young = gc.get_freeze_count()
        gc.collect()
        after_full = gc.get_freeze_count()
        walked = sum(len(gc.get_objects(g)) for g in range(3))
        heap.uninstall()
        heap.uninstall()  # idempotent
        keep = [[] for _ in range(5000)]
        gc.collect()
        print(before, after_young, after_full, walked, heap.refreezes, len(gc.get_objects(2)) >= 5000)
        """
    )
    before, after_young, after_full, walked, refreezes, left_young = out.split()
    assert int(before) == 0 and int(after_young) == 0
    assert int(after_full) > 30_000 and int(walked) < 1_000
    assert refreezes == "1"
    assert left_young == "True"  # uninstalled: a full collection's survivors are no longer frozen


def test_a_fast_full_collection_freezes_nothing() -> None:
    out = run_probe(
        """
        import gc
        from hukou_scan.gui.heap import HeapSettler

        heap = HeapSettler(slow_ms=10_000.0)
        heap.install()
        gc.collect()
        print(gc.get_freeze_count(), heap.refreezes)
        """
    )
    assert out.split() == ["0", "0"]


def test_the_workstation_settles_the_heap_before_it_shows(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``open_workstation`` settles once everything long-lived is built, while nothing is on screen yet."""
    from hukou_scan.gui import app as gui_app
    from hukou_scan.gui.heap import HeapSettler

    events: list[str] = []

    class Recorder(HeapSettler):
        def settle(self) -> float:  # not the real freeze: this is the test runner's heap
            events.append("settle")
            return 0.0

    real_show = gui_app.MainWindow.show

    def show(self: Any) -> None:
        events.append("show")
        real_show(self)

    monkeypatch.setattr(gui_app.MainWindow, "show", show)
    monkeypatch.setattr(gui_app, "check_page_store", lambda _c, _w: None)
    gui_app.create_application("zh_CN")
    ctx.security.begin_interactive()
    ctx.security.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    ctx.security.login("admin", "Admin-Pass-2026!")
    window: Any = gui_app.open_workstation(ctx, first=False, heap=Recorder())
    qtbot.addWidget(window)
    try:
        assert events == ["settle", "show"]
        events.clear()
        gui_app.open_workstation(ctx, first=False).close()  # no settler (a test process): nothing frozen
        assert events == ["show"]
    finally:
        window.close()
        gui_app.close_workstation(ctx)
