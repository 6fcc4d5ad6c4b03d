"""OFD access copies read back with easyofd, and colour for pages with red seals (issue 18)."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from lxml import etree
from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.errors import ExportError
from hukou_scan.export.ofd import OFD_NS
from hukou_scan.services.export import ExportRequest, ExportService, ExportSource
from hukou_scan.services.guard import OpenGuard
from tests.export_pages import Seeded, seed, stamp_red_seal


def _service(ctx: AppContext, **export: object) -> ExportService:
    s = ctx.settings
    if export:
        s = s.with_changes(extra={**s.extra, "export": export})
    return ExportService(
        settings=s,
        blobs=ctx.blobs,
        pages=ctx.pages,
        batches=ctx.batches,
        persons=ctx.persons,
        links=ctx.links,
        guard=OpenGuard(username="查询员乙"),
    )


def _with_grey_derivatives(ctx: AppContext, s: Seeded, seal_on: int | None) -> None:
    """Give every page a grey derivative (so "auto" would pick it) and stamp a red seal on
    the colour master of page ``seal_on``."""
    for i, p in enumerate(s.pages):
        master = ctx.blobs.get(p.processed_sha256 or "")
        if i == seal_on:
            master = ctx.blobs.put(stamp_red_seal(master))
        else:
            master = p.processed_sha256 or ""
        grey = Image.open(io.BytesIO(ctx.blobs.get(master))).convert("L")
        buf = io.BytesIO()
        grey.save(buf, "PNG")
        ctx.pages.update(p.id, processed_sha256=master, derivative_sha256=ctx.blobs.put(buf.getvalue()))


def _colourspaces(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [str(next(iter(pg.get_images().values())).ColorSpace) for pg in pdf.pages]


def test_page_with_a_red_seal_exports_in_colour_by_default(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=3)
    _with_grey_derivatives(ctx, s, seal_on=1)
    res = _service(ctx).export(ExportRequest(ExportSource.batch(s.batch.id), purpose="证明", output=tmp_path))
    assert _colourspaces(res.path) == ["/DeviceGray", "/DeviceRGB", "/DeviceGray"]
    assert res.colour_pages == (("A0101-2026-001-0002", "seal"),)
    assert res.to_dict()["colour_pages"] == [{"page": "A0101-2026-001-0002", "reason": "seal"}]
    # the setting turns it off: every page from its grey derivative
    off = _service(ctx, colour_for_red=False).export(
        ExportRequest(ExportSource.batch(s.batch.id), purpose="证明", output=tmp_path / "off")
    )
    assert _colourspaces(off.path) == ["/DeviceGray"] * 3 and off.colour_pages == ()


@pytest.mark.usefixtures("cli_login")  # export needs a login (cli/_auth.py)
def test_cli_export_says_which_pages_went_in_colour(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = seed(ctx, n_pages=2)
    _with_grey_derivatives(ctx, s, seal_on=0)
    data = str(ctx.settings.data_dir)
    code = main(
        ["--data-dir", data, "export", "--batch", s.batch.id, "--purpose", "证明", "-o", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "彩色页面 / pages in colour: 1" in out and "A0101-2026-001-0001: 红色印章 / red seal" in out


def _read_ofd(path: Path) -> list[dict[str, object]]:
    from easyofd.ofd import OFD

    ofd = OFD()
    ofd.read(str(path), fmt="path")
    data = ofd.data
    assert isinstance(data, list) and len(data) == 1
    return [data[0], ofd]  # type: ignore[list-item]


def test_ofd_export_reads_back_with_text_in_order_images_bookmarks_metadata(
    ctx: AppContext, tmp_path: Path
) -> None:
    s = seed(ctx, n_pages=4)
    res = _service(ctx).export(
        ExportRequest(ExportSource.batch(s.batch.id), purpose="户籍证明", output=tmp_path, format="ofd")
    )
    assert res.path == tmp_path / "A0101-2026-001.ofd" and res.pages == 4 and res.format == "ofd"
    doc, ofd = _read_ofd(res.path)
    page_info = doc["page_info"]
    assert isinstance(page_info, dict) and len(page_info) == 4
    for i, p in enumerate(s.pages):
        info = page_info[i]
        texts = [t["text"] for t in info["text_list"]]
        assert texts == [w.text for w in s.synthetic[i].ocr.words]  # the OCR text, in order
        # the page image is the stored master, byte for byte
        img = info["img_list"][0]
        res_id = img["ResourceID"]
        stored = base64.b64decode(doc["images"][res_id]["imgb64"])
        assert stored == ctx.blobs.get(p.processed_sha256 or "")
    # rendered by easyofd, page 1 looks like the page image (text layer invisible)
    rendered = ofd.to_jpg()[0].convert("L").resize((310, 438))
    source = Image.open(io.BytesIO(s.synthetic[0].image)).convert("L").resize((310, 438))
    diff = np.abs(np.asarray(rendered, np.int16) - np.asarray(source, np.int16))
    assert diff.mean() < 6
    # structure: invisible text, bookmarks, metadata
    with zipfile.ZipFile(res.path) as z:
        ns = {"ofd": OFD_NS}
        page = etree.fromstring(z.read("Doc_0/Pages/Page_0/Content.xml"))
        texts = page.findall(".//ofd:TextObject", ns)
        assert texts and all(t.get("Fill") == "false" for t in texts)
        assert all(t.find("ofd:FillColor", ns).get("Alpha") == "0" for t in texts)
        document = etree.fromstring(z.read("Doc_0/Document.xml"))
        titles = [e.get("Title") for e in document.iterfind(".//ofd:OutlineElem", ns)]
        assert titles[0] == "户号 110101000123（户主 王大力）" and "未关联人员的页面" in titles
        meta = etree.fromstring(z.read("OFD.xml"))
        assert meta.findtext(".//ofd:Title", namespaces=ns) == "A0101-2026-001 出生"
        assert meta.findtext(".//ofd:Author", namespaces=ns) == "查询员乙"
        assert meta.findtext(".//ofd:CustomData[@Name='HukouPurpose']", namespaces=ns) == "户籍证明"


def test_ofd_refuses_password_and_watermark(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=1)
    with pytest.raises(ExportError) as e:
        _service(ctx).export(
            ExportRequest(
                ExportSource.batch(s.batch.id), purpose="x", output=tmp_path, format="ofd", password="pw"
            )
        )
    assert "OFD" in e.value.en
    assert list(tmp_path.glob("*.ofd")) == []


@pytest.mark.usefixtures("cli_login")  # export needs a login (cli/_auth.py)
def test_cli_export_format_ofd(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = seed(ctx, n_pages=1)
    data = str(ctx.settings.data_dir)
    assert (
        main(
            [
                "--data-dir",
                data,
                "export",
                "--batch",
                s.batch.id,
                "--purpose",
                "x",
                "--format",
                "ofd",
                "-o",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert (tmp_path / "A0101-2026-001.ofd").exists()
    assert zipfile.is_zipfile(tmp_path / "A0101-2026-001.ofd")


def test_recorded_red_marks_decide_without_decoding_the_master(ctx: AppContext, tmp_path: Path) -> None:
    """The pipeline's record (process_meta["red_marks"]) is what export goes by: a page recorded
    with a seal goes in colour even though this test's master has none, and a page recorded
    without red stays grey although its master was stamped afterwards."""
    s = seed(ctx, n_pages=2)
    _with_grey_derivatives(ctx, s, seal_on=1)
    for p, marks in zip(
        s.pages,
        ({"fraction": 0.01, "seals": 1, "lines": 0}, {"fraction": 0.0, "seals": 0, "lines": 0}),
        strict=True,
    ):
        page = ctx.pages.get(p.id)
        ctx.pages.update(p.id, process_meta={**page.process_meta, "red_marks": marks})
    res = _service(ctx).export(ExportRequest(ExportSource.batch(s.batch.id), purpose="证明", output=tmp_path))
    assert _colourspaces(res.path) == ["/DeviceRGB", "/DeviceGray"]
    assert res.colour_pages == (("A0101-2026-001-0001", "seal"),)
