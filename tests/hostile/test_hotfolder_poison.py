"""Issue 16 item 1: one oversized image must not stop the hot folder for good."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import BatchCategory
from hukou_scan.ingest.hotfolder import QUARANTINE_DIR, HotFolder, Outcome
from hukou_scan.services.capture import BatchDraft
from tests.hostile.bombs import png_bomb, small_jpeg

REASON_SUFFIX = ".reason.txt"  # the note written next to a quarantined file


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_poison_png_is_quarantined_after_one_attempt_and_the_rest_imports(
    ctx: AppContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc = ctx.capture
    batch = svc.new_batch(BatchDraft("HF-BOMB", BatchCategory.BIRTH))
    folder = tmp_path / "hot"
    folder.mkdir()
    png_bomb(folder / "bomb.png")
    small_jpeg(folder / "a.jpg", 1)
    small_jpeg(folder / "b.jpg", 2)
    clock = Clock()
    hf = HotFolder(
        folder,
        lambda p: Outcome.DUPLICATE if svc.import_file(batch.id, p).duplicate else Outcome.IMPORTED,
        stable_seconds=1.0,
        corrupt_after=3600.0,  # a poison file must not wait for this
        clock=clock,
    )
    caplog.set_level(logging.INFO)
    hf.scan()
    clock.t = 2.0
    hf.scan()  # the one and only attempt
    assert sorted(p.name for p in hf.imported) == ["a.jpg", "b.jpg"]
    assert len(svc.list_pages(batch.id)) == 2
    quarantined = folder / QUARANTINE_DIR / "bomb.png"
    assert quarantined.exists() and not (folder / "bomb.png").exists()
    reason = (folder / QUARANTINE_DIR / f"bomb.png{REASON_SUFFIX}").read_text("utf-8")
    assert "bomb.png" in reason and "150" in reason and "图像过大" in reason and "too large" in reason
    errors = [m for m in hf.messages if m.level == "error"]
    assert len(errors) == 1 and errors[0].file == "bomb.png" and "图像过大" in errors[0].zh
    # more scans: nothing new is attempted or logged for the poison file
    for t in (3.0, 4.0, 5.0):
        clock.t = t
        hf.scan()
    assert len([m for m in hf.messages if m.level == "error"]) == 1
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(noisy) == 1, [r.getMessage() for r in noisy]
    assert not any(r.exc_info for r in caplog.records)


def test_unexpected_importer_error_quarantines_once_and_others_go_on(tmp_path: Path) -> None:
    """A bug-shaped failure (not a HukouScanError) in the importer is a poison file too."""
    folder = tmp_path / "hot"
    folder.mkdir()
    small_jpeg(folder / "boom.jpg", 3)
    small_jpeg(folder / "ok.jpg", 4)
    attempts: list[str] = []

    def importer(p: Path) -> Outcome:
        attempts.append(p.name)
        if p.name == "boom.jpg":
            raise MemoryError("simulated")
        return Outcome.IMPORTED

    clock = Clock()
    hf = HotFolder(folder, importer, stable_seconds=1.0, clock=clock)
    hf.scan()
    for t in (2.0, 3.0, 4.0):
        clock.t = t
        hf.scan()
    assert attempts.count("boom.jpg") == 1 and attempts.count("ok.jpg") == 1
    assert (folder / QUARANTINE_DIR / "boom.jpg").exists()
    assert "MemoryError" in (folder / QUARANTINE_DIR / f"boom.jpg{REASON_SUFFIX}").read_text("utf-8")


def test_cli_hotfolder_exit_code_reports_a_quarantined_file(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = ctx.capture.new_batch(BatchDraft("HF-CLI", BatchCategory.BIRTH))
    ctx.capture.set_option("hot_stable_seconds", 0.2)
    ctx.capture.set_option("hot_poll_interval", 0.1)
    folder = tmp_path / "hot"
    folder.mkdir()
    png_bomb(folder / "bomb.png")
    small_jpeg(folder / "good.jpg", 5)
    rc = main(["capture", "hotfolder", "--batch", batch.id, "--folder", str(folder), "--seconds", "2.5"])
    out = capsys.readouterr()
    assert rc == 1, out
    assert "bomb.png" in out.out and (folder / "imported" / "good.jpg").exists()
    assert (folder / QUARANTINE_DIR / "bomb.png").exists()
    assert "exit status" in _help(capsys)


def _help(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main(["capture", "hotfolder", "--help"])
    return capsys.readouterr().out
