"""Keeping Python's full garbage collections out of the capture screen's frame budget.

Why (issue 15): the soak's remaining event-loop stalls of 60–110 ms were, one for one, the
cyclic garbage collector's full (generation-2) collections.  A full collection walks every
tracked container object of the process with the GIL held, and in the workstation most of
those ~160 000 objects are modules, classes and functions loaded at start-up (Qt bindings,
SQLAlchemy, NumPy, our own code) that live as long as the process.  Whichever thread
triggers the collection (usually the OCR dispatcher), the UI thread waits for it, and the
live preview skips two frames.

``gc.freeze()`` moves every object alive at that moment into a permanent generation that
later collections do not walk; reference counting still frees those objects as usual,
only *cyclic* garbage among them waits until the next :meth:`HeapSettler.settle`.  So:

- :meth:`HeapSettler.settle` (a full collection, then freeze) runs where a pause is part of
  what the user asked for: when the workstation opens after a login, and after a user
  switch, which also frees the previous session's window.
- :meth:`HeapSettler.install` watches the collections: when an automatic full collection
  still takes longer than ``slow_ms`` (something long-lived was loaded later, e.g. the PDF
  library on the first export), its survivors are frozen right after it, so the next one is
  short again.  Only objects that collection just found alive are frozen: it has walked all
  generations, so the young ones are empty at that moment.

Written by hand because it is a policy of this process (when a pause is acceptable), not a
general facility; the mechanism is the standard library's.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

SLOW_FULL_COLLECTION_MS = 15.0
"""A full collection longer than this has its survivors frozen (a 25 fps preview frame is 40 ms)."""


class HeapSettler:
    """Freezes long-lived objects so that full collections walk only what is young."""

    def __init__(self, slow_ms: float = SLOW_FULL_COLLECTION_MS) -> None:
        self.slow_ms = slow_ms
        self.refreezes = 0
        """Automatic full collections slower than ``slow_ms`` whose survivors were frozen."""
        self.last_settle_ms = 0.0
        self._started = 0.0
        self._installed = False

    def settle(self) -> float:
        """Full collection of everything (frozen objects included), then freeze the survivors.

        Returns the milliseconds it took.  Unfreezing first lets the collection free cyclic
        garbage that was frozen earlier (a closed window's signal connections, for example).
        """
        t0 = time.perf_counter()
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        self.last_settle_ms = (time.perf_counter() - t0) * 1000
        log.info(
            "heap settled in %.0f ms: %d objects frozen, %d collected",
            self.last_settle_ms,
            gc.get_freeze_count(),
            collected,
        )
        return self.last_settle_ms

    def install(self) -> None:
        """Watch the collector (idempotent)."""
        if not self._installed:
            gc.callbacks.append(self._on_collection)
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            gc.callbacks.remove(self._on_collection)
            self._installed = False

    def _on_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if info.get("generation") != 2 or not self._started:
            return
        ms = (time.perf_counter() - self._started) * 1000
        if ms > self.slow_ms:
            # The collection is over (this is its "stop" callback) and every generation was
            # just emptied into the oldest: what is tracked now is what it found alive.
            gc.freeze()
            self.refreezes += 1
            log.info("a full collection took %.0f ms; its %d survivors are frozen", ms, gc.get_freeze_count())
