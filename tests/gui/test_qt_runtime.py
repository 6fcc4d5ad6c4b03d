"""The pinned Qt binding must survive a working day of signal traffic.

PySide6-Essentials 6.12.0 on Python 3.11 drops one reference to ``True`` on every
``Signal.emit()``; the live preview emits ~80 times a second, so the interpreter aborts with
``bool_dealloc`` after a few minutes. The check runs in a child process because on a broken
binding the interpreter aborts instead of failing an assertion.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

_PROBE = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    app = QCoreApplication.instance() or QCoreApplication([])

    class Emitter(QObject):
        bare = Signal()
        flag = Signal(bool)
        number = Signal(int)
        obj = Signal(object)

    seen = [0]
    def slot(*args):
        seen[0] += 1

    e = Emitter()
    for sig in (e.bare, e.flag, e.number, e.obj):
        sig.connect(slot)
    singletons = (True, False, None)
    before = [sys.getrefcount(x) for x in singletons]
    for i in range(10_000):
        e.bare.emit()
        e.flag.emit(i % 2 == 0)
        e.number.emit(i)
        e.obj.emit(None)
    after = [sys.getrefcount(x) for x in singletons]
    print(json.dumps({"drift": [a - b for a, b in zip(after, before)], "calls": seen[0]}))
    """
)


def test_signal_emits_leave_singleton_refcounts_alone() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, f"the Qt binding crashed the interpreter: {proc.stderr[-2000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["calls"] == 40_000
    # Other threads may hold a few transient references; a leak shows as thousands.
    assert all(abs(d) < 50 for d in result["drift"]), result
