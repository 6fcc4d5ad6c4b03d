"""``hukou-scan capture …`` end to end on the simulated camera and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from hukou_scan.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]
    return rc, rows, out.err


def test_capture_cli_batch_snap_import_close(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, rows, _ = run(
        capsys,
        "capture",
        "new-batch",
        "--archive-id",
        "CLI-9",
        "--category",
        "迁出",
        "--box",
        "5",
        "--expected",
        "3",
        "--json",
    )
    assert rc == 0
    batch = str(rows[0]["batch_id"])
    rc, rows, _ = run(
        capsys, "capture", "snap", "--batch", batch, "--camera", "simulated", "--count", "2", "--json"
    )
    assert rc == 0 and [r["page_no"] for r in rows] == [1, 2]
    img = tmp_path / "a.png"
    Image.new("RGB", (50, 40), (200, 190, 180)).save(img)
    rc, rows, _ = run(capsys, "capture", "import", "--batch", batch, str(img), str(img), "--json")
    assert rc == 0 and rows[0]["duplicate"] is False and rows[1]["duplicate"] is True
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    rc, _, err = run(capsys, "capture", "import", "--batch", batch, str(bad))
    assert rc == 1 and "bad.jpg" in err
    rc, rows, _ = run(capsys, "capture", "batches", "--json")
    assert rows[0]["pages"] == 3 and rows[0]["expected"] == 3
    rc, _, err = run(capsys, "capture", "close", "--batch", batch)
    assert rc != 0 and "5盒" in err
    rc, rows, _ = run(capsys, "capture", "close", "--batch", batch, "--paper-returned", "--json")
    assert rc == 0 and rows[0]["status"] == "closed"
