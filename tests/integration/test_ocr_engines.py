"""Both real engines on generated pages, the network switched off for RapidOCR, Tesseract's wrapper."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from hukou_scan.capture.simulated.forms import RenderedPage, render_registration_form
from hukou_scan.domain.sample import generate_households
from hukou_scan.errors import OcrTimeoutError
from hukou_scan.ocr.engine import create_engine
from hukou_scan.ocr.form import recognize_page
from hukou_scan.ocr.worker import load_image

TODAY = date(2026, 11, 22)


def cer(gt: str, hyp: str) -> float:
    g, h = "".join(gt.split()), "".join(hyp.split())
    return Levenshtein.distance(g, h) / max(1, len(g))


@pytest.fixture(scope="module")
def form_page() -> RenderedPage:
    h = generate_households(4, seed=21)[2]
    return render_registration_form(h.members[0], h.head.name, seed=4, fade=0.2)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise OSError("network disabled by test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_rapidocr_works_offline_and_reads_the_form(no_network: None, form_page: RenderedPage) -> None:
    engine = create_engine("rapidocr", threads=1)
    res = recognize_page(engine, form_page.image, today=TODAY)
    assert cer(form_page.text, res.text) < 0.05
    got = {f.name: f.value for f in res.fields}
    assert got["id_number"] == form_page.fields["id_number"]
    assert got["name"] == form_page.fields["name"]
    for w in res.words:
        assert 0 <= w.x < res.width and 0 <= w.y < res.height and 0 < w.conf <= 1


def test_rapidocr_uses_only_bundled_models() -> None:
    from hukou_scan.ocr.rapid import bundled_models, model_dir

    paths = bundled_models()
    assert all(p.is_file() and p.parent == model_dir() for p in paths.values())


def test_rapidocr_line_hint_reads_a_cell(form_page: RenderedPage) -> None:
    engine = create_engine("rapidocr", threads=1)
    box = next(b for b in form_page.boxes if b.text == form_page.fields["household_no"])
    x, y, w, h = box.box
    crop = form_page.image[y - 8 : y + h + 8, x - 8 : x + w + 8]
    res = engine.recognize(crop, hint="line")
    assert res.text == form_page.fields["household_no"]


def test_tesseract_reads_printed_labels_and_digits(form_page: RenderedPage) -> None:
    engine = create_engine("tesseract")
    res = engine.recognize(form_page.image)
    assert res.engine == "tesseract" and res.words
    assert "登记" in "".join(res.text.split())  # printed labels are within its reach
    box = next(b for b in form_page.boxes if b.text == form_page.fields["household_no"])
    x, y, w, h = box.box
    digits = engine.recognize(form_page.image[y - 10 : y + h + 10, x - 10 : x + w + 10], hint="digits")
    assert cer(form_page.fields["household_no"], digits.text) <= 0.2


def test_tesseract_vertical_text() -> None:
    engine = create_engine("tesseract")
    from PIL import Image, ImageDraw

    from hukou_scan.capture.simulated.fonts import font

    img = Image.new("RGB", (140, 700), "white")
    d = ImageDraw.Draw(img)
    f = font("print", 64)
    for i, ch in enumerate("人民政府"):
        d.text((38, 40 + i * 150), ch, font=f, fill="black")
    res = engine.recognize(np.asarray(img), hint="vertical")
    assert sum(ch in res.text for ch in "人民政府") >= 3


def test_tesseract_timeout_is_an_ocr_timeout(form_page: RenderedPage) -> None:
    engine = create_engine("tesseract", timeout_s=0.01)
    with pytest.raises(OcrTimeoutError):
        engine.recognize(form_page.image)


def test_real_line_images(real_data: Path) -> None:
    engine = create_engine("rapidocr", threads=1)
    docs = real_data / "zh_docs"
    for stem, ext in (("rapidocr_img_exif_orientation", ".jpg"), ("paddleocr_word_1", ".jpg")):
        gt = (docs / f"{stem}.gt.txt").read_text(encoding="utf-8")
        res = recognize_page(engine, load_image(docs / f"{stem}{ext}"))
        assert cer(gt, res.text) <= 0.1, stem


def test_rapidocr_reads_an_id_written_one_digit_per_box() -> None:
    """The real recogniser on a comb field: whole-page reading alone loses boxed digits."""
    from tests.unit.test_ocr_comb import NUMBER, _draw

    img, _ = _draw(NUMBER)
    res = recognize_page(create_engine("rapidocr", threads=1), img)
    f = next(f for f in res.fields if f.name == "id_number")
    assert f.value == NUMBER and f.valid
