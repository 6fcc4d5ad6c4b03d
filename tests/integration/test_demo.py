"""The walking skeleton: ``hukou-scan demo`` end to end, checked from the outside."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from hukou_scan.cli import main


@pytest.mark.slow
def test_demo_produces_searchable_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert shutil.which("pdftotext"), "poppler-utils is installed by packaging/setup.sh"
    code = main(["--data-dir", str(tmp_path / "demo"), "demo", "--pages", "2", "--json"])
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0, report
    assert report["pages_captured"] == 2 and report["pages_recognized"] == 2
    assert report["persons_imported"] > 100
    assert report["links_confirmed"] >= 1
    assert report["search_hits"] >= 1
    pdf = Path(report["pdf"])
    assert pdf.exists() and pdf.name.startswith(report["archive_id"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the exported text layer carries what OCR read: the form titles and the linked person's name
    assert "登记" in text
    assert report["search_query"] in text.replace(" ", "")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info
