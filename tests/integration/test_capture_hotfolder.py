"""Hot folder: slow and partial writes, corrupt files, temp names, files that arrived while stopped, duplicates."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.domain import BatchCategory
from hukou_scan.ingest.hotfolder import HotFolder, HotFolderMessage, Outcome, StabilityTracker, is_temp_name
from hukou_scan.services.capture import BatchDraft


def jpeg(seed: int, size: tuple[int, int] = (300, 200)) -> bytes:
    import numpy as np

    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=85)
    return buf.getvalue()


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_stability_tracker() -> None:
    tr = StabilityTracker(1.0)
    p = Path("a.jpg")
    tr.observe(p, 10, 1, 0.0)
    assert tr.stable(0.9) == []
    tr.observe(p, 20, 2, 0.9)  # still growing
    assert tr.stable(1.5) == []
    assert tr.stable(2.0) == [p]
    tr.observe(Path("empty.jpg"), 0, 1, 0.0)
    assert Path("empty.jpg") not in tr.stable(5.0)


def test_temp_names() -> None:
    for n in ("x.jpg.part", ".hidden.jpg", "~$scan.pdf", "a.tmp", "dl.crdownload"):
        assert is_temp_name(n)
    assert not is_temp_name("scan_001.jpg")


def test_partial_slow_corrupt_and_temp_files_with_a_fake_clock(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    imported: list[str] = []
    clock = Clock()
    hf = HotFolder(
        folder,
        lambda p: imported.append(p.name) or Outcome.IMPORTED,
        stable_seconds=1.0,
        corrupt_after=5.0,
        clock=clock,
    )
    data = jpeg(1)
    # written slowly: half now, the rest later
    slow = folder / "slow.jpg"
    slow.write_bytes(data[: len(data) // 2])
    (folder / "temp.jpg.part").write_bytes(data)
    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg at all" * 10)
    (folder / "notes.txt").write_text("x")
    hf.scan()
    clock.t = 0.8
    with open(slow, "ab") as fh:
        fh.write(data[len(data) // 2 : len(data) // 2 + 10])
    hf.scan()
    clock.t = 1.5  # slow.jpg changed at 0.8 → not stable yet; bad.jpg stable but undecodable
    hf.scan()
    assert imported == []
    clock.t = 2.0  # slow.jpg stable now, but truncated → not decodable → wait
    hf.scan()
    assert imported == []
    with open(slow, "ab") as fh:
        fh.write(data[len(data) // 2 + 10 :])
    clock.t = 2.1
    hf.scan()
    clock.t = 3.2
    hf.scan()
    assert imported == ["slow.jpg"]
    assert (folder / "imported" / "slow.jpg").exists() and not slow.exists()
    clock.t = 7.0
    hf.scan()  # bad.jpg undecodable for > 5 s → quarantine with a visible message
    assert (folder / "quarantine" / "bad.jpg").exists()
    assert any(m.level == "error" and "bad.jpg" in m.zh and "隔离" in m.zh for m in hf.messages)
    assert (folder / "temp.jpg.part").exists()  # ignored until renamed
    assert any("notes.txt" in m.en for m in hf.messages)  # unsupported: left, but said so
    os.replace(folder / "temp.jpg.part", folder / "temp.jpg")
    hf.scan()
    clock.t = 9.0
    hf.scan()
    assert imported == ["slow.jpg", "temp.jpg"]


def _service(ctx: AppContext) -> str:
    b = ctx.capture.new_batch(BatchDraft(archive_id="HF-1", category=BatchCategory.BIRTH))
    return b.id


def test_hot_folder_thread_end_to_end(ctx: AppContext, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    svc = ctx.capture
    svc.set_option("hot_stable_seconds", 0.3)
    svc.set_option("hot_poll_interval", 0.1)
    svc.set_option("hot_corrupt_after", 0.6)
    # arrived while the app was closed
    (folder / "before.jpg").write_bytes(jpeg(1))
    batch_id = _service(ctx)
    messages: list[HotFolderMessage] = []
    got = threading.Event()
    hf = svc.start_hot_folder(on_message=lambda m: (messages.append(m), got.set()), folder=folder)
    try:
        deadline = time.monotonic() + 10
        while len(svc.list_pages(batch_id)) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(svc.list_pages(batch_id)) == 1
        # slow writer: the file grows in pieces over ~0.6 s with pauses shorter than the stability time
        data = jpeg(2, (800, 600))
        path = folder / "slow.jpg"
        with open(path, "wb") as fh:
            for k in range(0, len(data), len(data) // 4 + 1):
                fh.write(data[k : k + len(data) // 4 + 1])
                fh.flush()
                time.sleep(0.15)
        # the same bytes again under another name: duplicate, not imported twice
        (folder / "again.jpg").write_bytes(jpeg(1))
        (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
            len(svc.list_pages(batch_id)) < 2
            or not (folder / "quarantine" / "corrupt.png").exists()
            or (folder / "again.jpg").exists()
        ):
            time.sleep(0.05)
    finally:
        svc.stop_hot_folder()
    assert not hf.running
    pages = svc.list_pages(batch_id)
    assert len(pages) == 2
    assert ctx.blobs.get(pages[1].original_sha256) == data
    assert (folder / "quarantine" / "corrupt.png").exists()
    assert any("Duplicate" in m.en and m.file == "again.jpg" for m in messages)
    assert sorted(p.name for p in (folder / "imported").iterdir()) == ["again.jpg", "before.jpg", "slow.jpg"]


def test_files_wait_for_a_batch_and_survive_a_crash_before_the_move(ctx: AppContext, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    clock = Clock()
    svc = ctx.capture
    svc.current_batch_id = None
    hf = HotFolder(folder, svc._hot_import, stable_seconds=0.5, clock=clock)
    (folder / "a.jpg").write_bytes(jpeg(5))
    hf.scan()
    clock.t = 1.0
    hf.scan()
    assert (folder / "a.jpg").exists()  # no batch open: waits, and says so once
    hf.scan()
    assert [m.en for m in hf.messages if "Open a batch" in m.en] == [
        "Open a batch first; the file will be imported then: a.jpg"
    ]
    batch_id = _service(ctx)
    # crash after the import committed but before the file was moved: simulate by importing directly
    svc.import_file(batch_id, folder / "a.jpg", source="hotfolder")
    clock.t = 2.0
    hf.scan()
    assert not (folder / "a.jpg").exists()
    assert len(svc.list_pages(batch_id)) == 1  # seen again after "restart": duplicate, not imported twice
    assert any("Duplicate" in m.en for m in hf.messages)
