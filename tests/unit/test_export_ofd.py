"""OFD writer details: escaping, vertical runs, unreadable pages, cancel (issue 18)."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from hukou_scan.domain import OcrResult, OcrWord
from hukou_scan.errors import ExportError
from hukou_scan.export.assemble import ExportCancelled, ExportPage, PageContent
from hukou_scan.export.metadata import DocumentInfo
from hukou_scan.export.ofd import OFD_NS, assemble_ofd
from tests.export_pages import make_page

NS = {"ofd": OFD_NS}


def _page(i: int, ocr: OcrResult | None = None, data: bytes | None = None) -> ExportPage:
    sp = make_page(seed=i)
    return ExportPage(f"p{i}", f"A-{i + 1:04d}", lambda: PageContent(data or sp.image, ocr or sp.ocr, sp.dpi))


def test_special_characters_and_vertical_runs(tmp_path: Path) -> None:
    words = [
        OcrWord('A&B<C>"D\x07', 100, 100, 400, 40, 0.9),
        OcrWord("户主签章", 900, 800, 40, 200, 0.9),  # a vertical column
    ]
    ocr = OcrResult("", words, "x", 1240, 1754)
    out = tmp_path / "x.ofd"
    assemble_ofd([_page(0, ocr)], out, DocumentInfo("标题 & <测试>"))
    with zipfile.ZipFile(out) as z:
        page = etree.fromstring(z.read("Doc_0/Pages/Page_0/Content.xml"))  # well-formed despite &<>" and \x07
        codes = page.findall(".//ofd:TextCode", NS)
        assert [c.text for c in codes] == ['A&B<C>"D', "户主签章"]
        assert codes[0].get("DeltaX") and not codes[0].get("DeltaY")
        assert codes[1].get("DeltaY") and not codes[1].get("DeltaX")
        assert len(codes[1].get("DeltaY", "").split()) == 3  # n-1 advances
        assert etree.fromstring(z.read("OFD.xml")).findtext(".//ofd:Title", namespaces=NS) == "标题 & <测试>"


def test_unreadable_page_is_skipped_and_all_unreadable_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "x.ofd"
    res = assemble_ofd([_page(0), _page(1, data=b"not an image")], out, DocumentInfo("t"))
    assert res.pages == 1 and res.skipped == ("p1",)
    with pytest.raises(ExportError):
        assemble_ofd([_page(1, data=b"junk")], tmp_path / "y.ofd", DocumentInfo("t"))
    assert not (tmp_path / "y.ofd").exists()


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int, label: str) -> None:
        cancel.set()

    with pytest.raises(ExportCancelled):
        assemble_ofd(
            [_page(0), _page(1)], tmp_path / "x.ofd", DocumentInfo("t"), progress=progress, cancel=cancel
        )
    assert list(tmp_path.iterdir()) == []
