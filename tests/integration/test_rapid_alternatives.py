"""The real PP-OCRv6 recogniser's per-character alternatives, and the ID decoder on its output.

The unit tests drive the decoder with synthetic options; this checks that the options
RapidOcrEngine really gives line up with what it reads, and that a comb form written in
the Kai face comes out with 18 boxes of options and the right number.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from hukou_scan.domain import idnumber
from hukou_scan.ocr.alternatives import best_path, char_options, single_digit_options
from hukou_scan.ocr.engine import PosteriorEngine, create_engine
from hukou_scan.ocr.form import recognize_page

KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"


@pytest.fixture(scope="module")
def engine() -> PosteriorEngine:
    eng = create_engine("rapidocr", threads=1)
    assert isinstance(eng, PosteriorEngine)
    return eng


def _line(text: str, size: int = 48) -> np.ndarray:
    f = ImageFont.truetype(KAI, size)
    img = Image.new("L", (int(f.getlength(text)) + 40, size + 30), 245)
    ImageDraw.Draw(img).text((20, 12), text, font=f, fill=20)
    return np.asarray(img)


def test_posteriors_agree_with_the_engines_own_reading(engine: PosteriorEngine) -> None:
    img = _line("王建国")
    post = engine.line_posteriors(img)
    assert post.probs.shape[1] == len(post.charset)
    np.testing.assert_allclose(post.probs.sum(axis=1), 1.0, atol=1e-3)
    text, conf, _runs = best_path(post)
    assert text == engine.recognize(img, hint="line").text.strip() == "王建国"
    assert conf > 0.8
    opts = char_options(post)
    assert [o[0][0] for o in opts] == list("王建国")


def test_a_single_digit_box_gives_digit_options(engine: PosteriorEngine) -> None:
    opts = single_digit_options(engine.line_posteriors(_line("7", 56)))
    assert opts[0][0] == "7"
    assert all(ch in "0123456789Xx×" or ch in idnumber.CONFUSIONS for ch, _p in opts)


def test_comb_form_read_with_options(engine: PosteriorEngine) -> None:
    from tests.unit.test_id_decode import NUMBER, _form

    res = recognize_page(engine, np.repeat(_form(NUMBER)[:, :, None], 3, axis=2), today=date(2026, 12, 5))
    f = next(f for f in res.fields if f.name == "id_number")
    assert f.value == NUMBER and f.valid
    assert len(f.alternatives) == 18
    name = next(f for f in res.fields if f.name == "name")
    assert name.value == "王建国" and len(name.alternatives) == 3
