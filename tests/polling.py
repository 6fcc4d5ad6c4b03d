"""Waiting for a condition in tests that drive real threads, processes and servers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(cond: Callable[[], T], timeout: float = 60.0, *, poll_s: float = 0.05, what: str = "") -> T:
    """Poll ``cond`` until it returns something truthy, and return that.

    Fails the test after ``timeout`` seconds. The limits are generous on purpose: a busy
    machine makes the wait longer, never the test wrong (no timing is asserted).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"gave up waiting for {what}" if what else "condition not reached in time")
