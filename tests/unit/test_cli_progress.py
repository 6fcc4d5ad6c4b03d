"""The page-by-page progress of ``hukou-scan export`` and ``hukou-scan handover``."""

from __future__ import annotations

import json

import pytest

from hukou_scan.cli import page_progress


def test_json_mode_prints_one_progress_event_per_page(capsys: pytest.CaptureFixture[str]) -> None:
    progress = page_progress(True)
    progress(1, 2, "A-1 第1页")
    progress(2, 2, "A-1 第2页")
    out, err = capsys.readouterr()
    events = [json.loads(line) for line in out.splitlines()]
    assert events == [
        {"event": "progress", "done": 1, "total": 2, "page": "A-1 第1页"},
        {"event": "progress", "done": 2, "total": 2, "page": "A-1 第2页"},
    ]
    assert err == ""


def test_people_see_a_counter_on_a_terminal_and_a_log_file_stays_clean(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    page_progress(False)(3, 7, "B-2")
    assert capsys.readouterr() == ("", "")  # stderr is not a terminal here
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    page_progress(False)(3, 7, "B-2")
    out, err = capsys.readouterr()
    assert out == "" and err == "\r3/7 B-2   "
