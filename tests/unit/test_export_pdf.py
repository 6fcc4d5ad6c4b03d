"""PDF assembly: text layer, positions, images, metadata, bookmarks, encryption, atomicity."""

from __future__ import annotations

import io
import re
import subprocess
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pypdf
import pytest
from PIL import Image, ImageChops, ImageStat

from hukou_scan.domain import OcrResult, OcrWord
from hukou_scan.errors import ExportError, StorageError
from hukou_scan.export.assemble import (
    AssemblyOptions,
    ExportCancelled,
    ExportPage,
    OutlineNode,
    PageContent,
    assemble_pdf,
)
from hukou_scan.export.images import prepare_image
from hukou_scan.export.metadata import DocumentInfo
from tests.export_pages import LINES, bbox_words, make_page, pdftotext

INFO = DocumentInfo("测试档案", ("A0101-2026-001",), "测试用户", "户籍证明")


def _pages(n: int = 2, bitonal_second: bool = False) -> list[ExportPage]:
    out = []
    for i in range(n):
        sp = make_page(seed=i)
        bit = bitonal_second and i == 1
        data = sp.bitonal_png if bit else sp.image

        def load(
            data: bytes = data, sp_ocr: OcrResult = sp.ocr, dpi: float = sp.dpi, bit: bool = bit
        ) -> PageContent:
            return PageContent(data, sp_ocr, dpi, bit)

        out.append(ExportPage(f"p{i}", f"A0101-2026-001-{i + 1:04d}", load))
    return out


def _filters(im: pikepdf.Object) -> list[str]:
    f = im.Filter
    return [str(x) for x in f] if isinstance(f, pikepdf.Array) else [str(f)]


def _jpeg_bytes(im: pikepdf.Object) -> bytes:
    """The embedded JPEG with any Flate layer removed (the DCT data itself)."""
    raw = bytes(im.read_raw_bytes())
    return zlib.decompress(raw) if _filters(im)[0] == "/FlateDecode" else raw


def _no_tmp_left(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_pdftotext_returns_ocr_text_without_spaces_between_characters(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    assemble_pdf(_pages(1), out, INFO)
    text = pdftotext(out)
    for line in [*LINES, "户主签章"]:
        assert line in text, f"{line!r} not found verbatim in {text!r}"
    # the classic defect: a space between every Chinese character
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]", text)
    assert "1 1 0 1 0 1" not in text


def test_word_boxes_land_on_the_ocr_boxes(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    sp = make_page()
    assemble_pdf([ExportPage("p", "L1", lambda: PageContent(sp.image, sp.ocr, sp.dpi))], out, INFO)
    words = bbox_words(out)
    scale = 72.0 / sp.dpi
    checked = 0
    for ocr_word in sp.ocr.words:
        if ocr_word.line == 99:
            continue  # vertical; poppler splits rotated runs per glyph, checked separately
        # poppler splits OCR runs at their own spaces: compare the first token's left/top
        # edge and the last token's right/bottom edge with the OCR box.
        tokens = ocr_word.text.split()
        first = next(w for w in words if w[0] == tokens[0])
        last = next(w for w in words if w[0] == tokens[-1])
        assert first[1] == pytest.approx(ocr_word.x * scale, abs=1.0)
        assert first[2] == pytest.approx(ocr_word.y * scale, abs=1.0)
        assert last[3] == pytest.approx((ocr_word.x + ocr_word.w) * scale, abs=1.0)
        assert last[4] == pytest.approx((ocr_word.y + ocr_word.h) * scale, abs=1.0)
        checked += 1
    assert checked == len(LINES)


def test_text_matrix_positions_with_pypdf(tmp_path: Path) -> None:
    """Independent of poppler: the text matrix origin of each run is the box's left baseline."""
    out = tmp_path / "a.pdf"
    sp = make_page()
    assemble_pdf([ExportPage("p", "L1", lambda: PageContent(sp.image, sp.ocr, sp.dpi))], out, INFO)
    reader = pypdf.PdfReader(out)
    page = reader.pages[0]
    height = float(page.mediabox.height)
    seen: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], fd: object, size: float) -> None:
        if text.strip():
            seen[text] = (tm[4], tm[5])

    page.extract_text(visitor_text=visit)
    scale = 72.0 / sp.dpi
    for wd in sp.ocr.words[: len(LINES)]:
        x, y = seen[wd.text]
        assert x == pytest.approx(wd.x * scale, abs=0.5)
        baseline = height - (wd.y + wd.h) * scale + 0.2 * wd.h * scale
        assert y == pytest.approx(baseline, abs=0.5)


def test_vertical_run_covers_its_column(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    sp = make_page()
    assemble_pdf([ExportPage("p", "L1", lambda: PageContent(sp.image, sp.ocr, sp.dpi))], out, INFO)
    vert = sp.ocr.words[-1]
    scale = 72.0 / sp.dpi
    glyphs = [w for w in bbox_words(out) if w[0] and w[0] in vert.text]
    assert glyphs, "vertical text not extracted"
    xmin = min(g[1] for g in glyphs)
    ymin = min(g[2] for g in glyphs)
    ymax = max(g[4] for g in glyphs)
    assert xmin == pytest.approx(vert.x * scale, abs=1.5)
    assert ymin == pytest.approx(vert.y * scale, abs=1.5)
    assert ymax == pytest.approx((vert.y + vert.h) * scale, abs=1.5)


def test_characters_outside_the_bmp_round_trip(tmp_path: Path) -> None:
    sp = make_page()
    words = [OcrWord("王𪚥𠮷", 100, 100, 400, 60, 0.9)]
    ocr = OcrResult("王𪚥𠮷", words, "t", sp.width, sp.height)
    out = tmp_path / "a.pdf"
    assemble_pdf([ExportPage("p", "L", lambda: PageContent(sp.image, ocr, sp.dpi))], out, INFO)
    assert "王𪚥𠮷" in pdftotext(out)


def _render(pdf: Path, dpi: float, page: int = 1, gray: bool = False) -> Image.Image:
    args = ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png"]
    if gray:
        args.append("-gray")
    png = subprocess.run([*args, str(pdf)], check=True, capture_output=True, timeout=60).stdout
    return Image.open(io.BytesIO(png))


def test_render_matches_source_image_and_physical_size(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    assemble_pdf(_pages(2, bitonal_second=True), out, INFO)
    sp = make_page(seed=0)
    pdf = pikepdf.open(out)
    box = [float(v) for v in pdf.pages[0].MediaBox]
    assert box[2] == pytest.approx(sp.width / sp.dpi * 72, abs=0.01)  # A4 at its true size
    assert box[3] == pytest.approx(sp.height / sp.dpi * 72, abs=0.01)
    rendered = _render(out, sp.dpi).convert("RGB")
    source = Image.open(io.BytesIO(sp.image)).convert("RGB")
    assert rendered.size == source.size
    diff = ImageStat.Stat(ImageChops.difference(rendered, source)).mean
    assert max(diff) < 2.0, diff  # JPEG passed through: only resampling noise
    # Bitonal page: lossless G4.
    sp1 = make_page(seed=1)
    rendered_bw = (
        _render(out, sp1.dpi, page=2, gray=True).convert("L").point(lambda v: 255 if v >= 128 else 0)
    )
    source_bw = Image.open(io.BytesIO(sp1.bitonal_png)).convert("L")
    changed = ImageChops.difference(rendered_bw, source_bw).histogram()[255]
    assert changed < 0.002 * source_bw.width * source_bw.height  # poppler's edge resampling only
    decoded = pikepdf.PdfImage(pdf.pages[1].Resources.XObject["/Im0"]).as_pil_image().convert("L")
    assert ImageChops.difference(decoded, source_bw).getbbox() is None  # G4 is lossless
    images = [p.Resources.XObject["/Im0"] for p in pdf.pages]
    filters = [
        [str(f) for f in i.Filter] if isinstance(i.Filter, pikepdf.Array) else [str(i.Filter)] for i in images
    ]
    assert filters[0][-1] == "/DCTDecode" and filters[1] == ["/CCITTFaxDecode"]  # never JBIG2
    # the JPEG is embedded losslessly: at most Flate on top, never re-encoded
    assert _jpeg_bytes(images[0]) == sp.image


def test_bookmarks_labels_and_metadata(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    outline = [
        OutlineNode(
            "户号 110101000123（户主 王大力）",
            0,
            [OutlineNode("王小明（子）", 1, [OutlineNode("A0101-2026-001 出生（第2页）", 1)])],
            open=True,
        )
    ]
    assemble_pdf(_pages(2), out, INFO, outline)
    with pikepdf.open(out) as pdf:
        with pdf.open_outline() as ol:
            top = ol.root[0]
            assert top.title == "户号 110101000123（户主 王大力）"
            assert top.children[0].title == "王小明（子）"
            assert top.children[0].children[0].title == "A0101-2026-001 出生（第2页）"
        assert pdf.docinfo["/Title"] == "测试档案"
        assert pdf.docinfo["/Author"] == "测试用户"
        assert "户籍证明" in str(pdf.docinfo["/Subject"])
        assert pdf.docinfo["/HukouArchiveIds"] == "A0101-2026-001"
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "测试档案"
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert str(pdf.Root.OutputIntents[0].S) == "/GTS_PDFA1"
        assert pdf.check_pdf_syntax() == []  # qpdf finds no structural problem
    reader = pypdf.PdfReader(out)
    assert reader.page_labels == ["A0101-2026-001-0001", "A0101-2026-001-0002"]
    dest_page = reader.get_destination_page_number(reader.outline[0])
    assert dest_page == 0
    child = reader.outline[1][0]
    assert reader.get_destination_page_number(child) == 1


def test_password_is_required_when_encrypted(tmp_path: Path) -> None:
    out = tmp_path / "secret.pdf"
    res = assemble_pdf(_pages(1), out, INFO, options=AssemblyOptions(password="口令-2026"))
    assert not res.pdfa_claimed
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    with pikepdf.open(out, password="口令-2026") as pdf:
        assert pdf.encryption.R == 6  # AES-256
        assert pdf.is_encrypted
        assert "pdfaid:part" not in pdf.open_metadata()  # PDF/A forbids encryption: no false claim
    assert "常住人口登记表" in pdftotext(out, password="口令-2026")
    assert _no_tmp_left(tmp_path)


def test_cancel_leaves_no_file_and_keeps_a_previous_one(tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    out.write_bytes(b"previous export")
    cancel = threading.Event()

    def progress(done: int, total: int, label: str) -> None:
        cancel.set()

    with pytest.raises(ExportCancelled):
        assemble_pdf(_pages(3), out, INFO, progress=progress, cancel=cancel)
    assert out.read_bytes() == b"previous export"
    assert _no_tmp_left(tmp_path)


def test_failure_midway_leaves_no_file(tmp_path: Path) -> None:
    pages = _pages(2)

    def boom() -> PageContent:
        raise RuntimeError("disk vanished")

    pages.append(ExportPage("bad", "X", boom))
    out = tmp_path / "b.pdf"
    with pytest.raises(RuntimeError):
        assemble_pdf(pages, out, INFO)
    assert not out.exists()
    assert _no_tmp_left(tmp_path)


def test_unreadable_page_is_skipped_and_reported(tmp_path: Path) -> None:
    pages = _pages(2)

    def missing() -> PageContent:
        raise StorageError("页面文件丢失。", "Page file is missing")

    pages.insert(1, ExportPage("gone", "X", missing))
    outline = [OutlineNode("gone", 1)]
    res = assemble_pdf(pages, tmp_path / "c.pdf", INFO, outline)
    assert res.pages == 2
    assert res.skipped == ("gone",)
    reader = pypdf.PdfReader(tmp_path / "c.pdf")
    assert reader.get_destination_page_number(reader.outline[0]) == 1  # next page written


def test_nothing_readable_is_an_error(tmp_path: Path) -> None:
    def missing() -> PageContent:
        raise StorageError("页面文件丢失。", "Page file is missing")

    with pytest.raises(ExportError):
        assemble_pdf([ExportPage("gone", "X", missing)], tmp_path / "d.pdf", INFO)
    assert not (tmp_path / "d.pdf").exists()
    assert _no_tmp_left(tmp_path)


def test_watermark_is_visible_but_not_in_the_text(tmp_path: Path) -> None:
    plain, marked = tmp_path / "plain.pdf", tmp_path / "marked.pdf"
    assemble_pdf(_pages(1), plain, INFO)
    assemble_pdf(
        _pages(1),
        marked,
        INFO,
        options=AssemblyOptions(watermark_lines=("仅供户籍证明使用", "测试用户 2026-11-22 08:00 UTC")),
    )
    a = _render(plain, 40).convert("RGB")
    b = _render(marked, 40).convert("RGB")
    changed = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 12 else 0)
    frac = (changed.histogram()[255]) / (a.width * a.height)
    assert 0.005 < frac < 0.3, frac  # clearly visible, yet the page stays readable
    assert pdftotext(marked) == pdftotext(plain)  # the watermark never pollutes the text layer


def test_non_jpeg_images_are_encoded_sensibly() -> None:
    grey = Image.new("L", (300, 200), 200)
    for x in range(300):
        grey.putpixel((x, 100), x % 256)
    buf = io.BytesIO()
    grey.save(buf, "PNG")
    img = prepare_image(buf.getvalue())
    assert img.filter == "DCTDecode" and img.colorspace == "DeviceGray" and img.reencoded
    bw = Image.new("L", (300, 200), 255)
    bw.paste(0, (10, 10, 100, 100))
    buf = io.BytesIO()
    bw.save(buf, "PNG")
    img = prepare_image(buf.getvalue())  # only black and white: lossless G4 even without the flag
    assert img.filter == "CCITTFaxDecode" and img.bits == 1
    with pytest.raises(ExportError):
        prepare_image(b"not an image")


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_plain_png_is_embedded_without_reencoding(tmp_path: Path, mode: str) -> None:
    sp = make_page(seed=2)
    src = Image.open(io.BytesIO(sp.image)).convert(mode)
    buf = io.BytesIO()
    src.save(buf, "PNG", compress_level=6)
    img = prepare_image(buf.getvalue(), bitonal=False)
    assert img.filter == "FlateDecode" and not img.reencoded and not img.deflated
    assert img.decode_parms["Predictor"] == 15 and img.decode_parms["Colors"] == len(mode)
    assert len(img.data) < len(buf.getvalue())  # the IDAT payload, nothing added
    out = tmp_path / "png.pdf"
    pages = [ExportPage("p", "L1", lambda: PageContent(buf.getvalue(), sp.ocr, sp.dpi, False))]
    assemble_pdf(pages, out, INFO)
    with pikepdf.open(out) as pdf:
        decoded = pikepdf.PdfImage(pdf.pages[0].Resources.XObject["/Im0"]).as_pil_image()
    assert decoded.mode == mode and decoded.tobytes() == src.tobytes()  # lossless
    rendered = _render(out, sp.dpi, gray=mode == "L").convert(mode)
    assert ImageStat.Stat(ImageChops.difference(rendered, src)).mean[0] < 2.0  # viewers draw it
    assert "常住人口登记表" in pdftotext(out)


def test_png_passthrough_only_for_plain_pngs() -> None:
    from hukou_scan.export.images import png_flate

    base = Image.new("L", (64, 48), 180)
    cases: list[tuple[Image.Image, dict[str, object]]] = [
        (base.convert("I;16"), {}),
        (base.convert("LA"), {}),
        (base.convert("P"), {}),
        (base, {"transparency": 180}),
    ]
    for im, kw in cases:
        buf = io.BytesIO()
        im.save(buf, "PNG", **kw)
        assert png_flate(buf.getvalue()) is None, (im.mode, kw)
        assert prepare_image(buf.getvalue(), bitonal=False).filter in ("DCTDecode", "CCITTFaxDecode")
    buf = io.BytesIO()
    base.save(buf, "PNG")
    plain = buf.getvalue()
    assert png_flate(plain[:-30]) is None  # truncated
    assert png_flate(plain) is not None
    # Adam7 interlacing (Pillow never writes it): flip the IHDR flag, fix its CRC
    ihdr = bytearray(plain[12:29])  # type + 13 data bytes
    ihdr[16] = 1
    interlaced = plain[:12] + bytes(ihdr) + zlib.crc32(bytes(ihdr)).to_bytes(4, "big") + plain[33:]
    assert png_flate(interlaced) is None


def test_pages_are_not_retained_while_streaming(tmp_path: Path) -> None:
    """Bounded memory: a page's loaded content is released before the next page loads."""
    import gc
    import weakref

    alive: list[weakref.ref[PageContent]] = []
    sp = make_page()
    max_alive = 0

    def make_loader() -> Callable[[], PageContent]:
        def load() -> PageContent:
            nonlocal max_alive
            gc.collect()
            max_alive = max(max_alive, sum(1 for r in alive if r() is not None))
            content = PageContent(bytes(bytearray(sp.image)), sp.ocr, sp.dpi)
            alive.append(weakref.ref(content))
            return content

        return load

    assemble_pdf([ExportPage(f"p{i}", str(i), make_loader()) for i in range(6)], tmp_path / "m.pdf", INFO)
    assert len(alive) == 6
    assert max_alive == 0


def test_jpeg_flate_modes(tmp_path: Path) -> None:
    sp = make_page()
    for mode, chain in (("never", ["/DCTDecode"]), ("always", ["/FlateDecode", "/DCTDecode"])):
        out = tmp_path / f"{mode}.pdf"
        opts = AssemblyOptions(jpeg_flate=mode)
        assemble_pdf(
            [ExportPage("p", "L", lambda: PageContent(sp.image, sp.ocr, sp.dpi))], out, INFO, options=opts
        )
        with pikepdf.open(out) as pdf:
            im = pdf.pages[0].Resources.XObject["/Im0"]
            assert _filters(im) == chain
            assert _jpeg_bytes(im) == sp.image
            if mode == "never":
                assert im.read_raw_bytes() == sp.image  # byte-identical to the stored master
    rendered = _render(tmp_path / "always.pdf", sp.dpi).convert("RGB")
    assert rendered.size == (sp.width, sp.height)


def test_auto_flate_keeps_what_pays() -> None:
    import numpy as np

    from hukou_scan.export.images import maybe_deflate

    rng = np.random.default_rng(5)
    page = np.full((1600, 1200), 236, np.uint8)
    page[300:1300, 150:1050] = rng.integers(0, 255, (1000, 900), dtype=np.uint8)  # busy middle
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "JPEG", quality=95, optimize=True)  # like the masters
    img = maybe_deflate(prepare_image(buf.getvalue()), "auto")
    assert img.deflated and len(img.data) < 0.99 * len(buf.getvalue())  # the margins pay
    assert zlib.decompress(img.data) == buf.getvalue()  # lossless
    noise = rng.integers(0, 255, (800, 800), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "JPEG", quality=95, optimize=True)
    assert not maybe_deflate(prepare_image(buf.getvalue()), "auto").deflated  # nothing to gain


def test_pdfa_2b_structure(tmp_path: Path) -> None:
    """What we can check without veraPDF: the PDF/A-2b requirements our writer controls."""
    from PIL import ImageCms

    out = tmp_path / "a.pdf"
    assemble_pdf(_pages(2, bitonal_second=True), out, INFO, [OutlineNode("x", 0)])
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF-1.7\n%") and all(b >= 128 for b in raw[10:14])  # binary comment
    assert raw.rstrip().endswith(b"%%EOF")
    with pikepdf.open(out) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert not pdf.is_encrypted
        assert len(pdf.trailer.ID) == 2  # file identifier
        oi = pdf.Root.OutputIntents[0]
        icc = bytes(oi.DestOutputProfile.read_bytes())
        assert int(oi.DestOutputProfile.N) == 3
        assert ImageCms.getProfileName(ImageCms.ImageCmsProfile(io.BytesIO(icc)))  # a valid ICC profile
        assert "/Metadata" in pdf.Root and "/Filter" not in pdf.Root.Metadata  # XMP in the clear
        meta = pdf.open_metadata()
        info = pdf.docinfo
        # Info and XMP must agree (6.6.3)
        assert meta["dc:title"] == str(info.Title)
        assert meta["pdf:Producer"] == str(info.Producer)
        assert meta["xmp:CreatorTool"] == str(info.Creator)
        assert meta["pdf:Keywords"] == str(info.Keywords)
        # every font is embedded, with widths consistent with the program (1 em, /DW 1000)
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                cid = font.DescendantFonts[0]
                assert "/FontFile2" in cid.FontDescriptor
                assert int(cid.DW) == 1000
                assert str(font.Encoding) == "/Identity-H" and "/ToUnicode" in font
        # no forbidden or unsafe filters anywhere
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                for f in _filters(obj) if "/Filter" in obj else []:
                    assert f not in ("/LZWDecode", "/JBIG2Decode")
        assert "/JavaScript" not in pdf.Root and "/AA" not in pdf.Root


def test_glyphless_font_metrics_match_the_dictionary() -> None:
    from fontTools.ttLib import TTFont

    from hukou_scan.export.textlayer import ASCENT, DESCENT, glyphless_font

    font = TTFont(io.BytesIO(glyphless_font()))
    assert font["head"].unitsPerEm == 1000
    assert all(adv == 1000 for adv, _lsb in font["hmtx"].metrics.values())
    assert font["hhea"].ascent == ASCENT and font["hhea"].descent == DESCENT
    assert font.getGlyphOrder() == [".notdef", "blank"]
