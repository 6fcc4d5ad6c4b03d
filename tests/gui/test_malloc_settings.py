"""glibc allocator settings of the GUI process (issue 15: RSS growth on the capture screen).

Each check runs in a fresh interpreter: the settings change the whole process's allocator,
and "without" needs a process that never had them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator settings")

REPO = Path(__file__).resolve().parents[2]

MMAP_PROBE = textwrap.dedent(
    """
    import ctypes, sys
    from hukou_scan.gui.app import fix_mmap_threshold

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == "fixed":
        assert fix_mmap_threshold()
    big = libc.malloc(24 << 20)  # a full 8 MP frame, freed: glibc raises its threshold to 24 MB
    libc.free(big)
    before = libc.mallinfo2().hblkhd
    frame = libc.malloc(10 << 20)
    print("mapped" if libc.mallinfo2().hblkhd - before >= 10 << 20 else "heap")
    libc.free(frame)
    """
)

ARENA_PROBE = textwrap.dedent(
    """
    import ctypes, sys, threading
    from hukou_scan.gui.app import limit_malloc_arenas

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    if sys.argv[1] == "limited":
        assert limit_malloc_arenas(2)
    barrier = threading.Barrier(8)
    kept = []

    def work():
        kept.append(libc.malloc(4096))  # each new thread's first allocation picks its arena
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc.malloc_stats()  # one "Arena N:" block per arena, on stderr
    """
)


def _run(script: str, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, mode],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_fixed_mmap_threshold_keeps_frame_buffers_mapped_after_a_big_free() -> None:
    assert _run(MMAP_PROBE, "default").stdout.strip() == "heap"  # glibc's dynamic threshold
    assert _run(MMAP_PROBE, "fixed").stdout.strip() == "mapped"  # returned to the system on free


def test_arena_limit_caps_the_arenas_threads_create() -> None:
    default = _run(ARENA_PROBE, "default").stderr.count("Arena ")
    limited = _run(ARENA_PROBE, "limited").stderr.count("Arena ")
    assert default > 2  # glibc gives new threads new arenas (8 per core)
    assert limited <= 2
