"""``hukou-scan label --image FILE [--json]``: the 档号 from a cover photo, refusals with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from benchmarks.independent.labels import HELD_OUT_SEEDS, make_label
from hukou_scan.cli import main
from hukou_scan.domain.archive_label import check_character


def _write(tmp_path: Path, name: str, image: object) -> Path:
    path = tmp_path / name
    assert cv2.imwrite(str(path), image)
    return path


def test_label_cli_reads_a_code_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    import barcode
    from barcode.writer import ImageWriter

    aid = "J063-57-1992-799"
    buf = io.BytesIO()
    barcode.get("code128", f"{aid}-{check_character(aid)}", writer=ImageWriter()).write(
        buf, options={"dpi": 254, "module_width": 0.3, "write_text": False}
    )
    path = tmp_path / "cover.png"
    path.write_bytes(buf.getvalue())
    assert main(["label", "--image", str(path), "--json", "--no-ocr"]) == 0
    rec = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rec["ok"] and rec["source"] == "code128"
    assert rec["archive_id"] == aid and rec["check"] == check_character(aid)


def test_label_cli_prints_the_archive_id_for_people(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = make_label(HELD_OUT_SEEDS[1], "qr")
    path = _write(tmp_path, "cover.jpg", lab.image)
    assert main(["label", "--image", str(path), "--no-ocr"]) == 0
    out = capsys.readouterr().out
    assert out.split("\t")[0] == lab.archive_id


def test_label_cli_refuses_a_wrong_check_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    import numpy as np
    import segno

    aid = "0101-2026-001"
    wrong = "0" if check_character(aid) != "0" else "1"
    buf = io.BytesIO()
    segno.make(f"{aid}-{wrong}", micro=False).save(buf, kind="png", scale=8, border=6)
    img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    path = _write(tmp_path, "wrong.png", img)
    assert main(["label", "--image", str(path), "--no-ocr"]) == 2
    assert "校验位" in capsys.readouterr().err
    assert main(["label", "--image", str(path), "--no-ocr", "--json"]) == 2
    rec = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert not rec["ok"] and "校验位" in rec["error"]["zh"]


def test_label_cli_nothing_found_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    path = _write(tmp_path, "blank.png", np.full((300, 400, 3), 200, np.uint8))
    assert main(["label", "--image", str(path), "--no-ocr"]) == 2
    assert "没有读到" in capsys.readouterr().err
    assert main(["label", "--image", str(tmp_path / "missing.png")]) != 0
    assert capsys.readouterr().err.strip()
