"""GUI test layer: offscreen Qt, and a check that no test leaves a thread running."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_dangling_threads(qapp: object) -> Iterator[None]:
    """Fail a test that leaves a QThread, a pool task or a Python thread running (napari-style)."""
    from PySide6.QtCore import QThreadPool

    from hukou_scan.gui.i18n import remove_translators

    before = {t.ident for t in threading.enumerate()}
    yield
    remove_translators(qapp)  # type: ignore[arg-type]  # a test that switched language must not leak it
    QThreadPool.globalInstance().waitForDone(5000)
    leftovers = [
        t
        for t in threading.enumerate()
        if t.ident not in before and t.is_alive() and not t.daemon and not t.name.startswith("Dummy-")
    ]
    for t in leftovers:
        t.join(timeout=5)
    still = [t.name for t in leftovers if t.is_alive()]
    assert not still, f"test left threads running: {still}"
