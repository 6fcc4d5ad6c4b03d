"""The duplicate-page decision on recognised text: the same sheet re-read versus another
sheet of the same printed form (generated pages read back with independent OCR noise)."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from hukou_scan.capture.simulated.forms import render_blank_back, render_registration_form
from hukou_scan.domain.models import ExtractedField, OcrResult, OcrWord
from hukou_scan.domain.sample import generate_households
from hukou_scan.ocr.duplicates import TEXT_THRESHOLD, compare
from hukou_scan.ocr.engine import order_words
from hukou_scan.ocr.form import recognize_page
from tests.ocr_fakes import PageTruthEngine

TODAY = date(2026, 11, 22)
NOISE_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"


class NoisyTruth(PageTruthEngine):
    """The page's ground truth with random character substitutions, drops and insertions."""

    def __init__(self, page, rate: float, seed: int) -> None:  # type: ignore[no-untyped-def]
        super().__init__(page)
        self.rate = rate
        self.rng = random.Random(seed)

    def recognize(self, image, *, hint="text"):  # type: ignore[no-untyped-def]
        r = super().recognize(image, hint=hint)
        words = []
        for w in r.words:
            out = []
            for c in w.text:
                x = self.rng.random()
                if x < self.rate / 2:
                    out.append(self.rng.choice(NOISE_CHARS))
                elif x < self.rate * 0.75:
                    continue
                elif x < self.rate:
                    out += [c, self.rng.choice(NOISE_CHARS)]
                else:
                    out.append(c)
            words.append(OcrWord("".join(out), w.x, w.y, w.w, w.h, w.conf, w.line))
        ordered, text = order_words(words)
        return OcrResult(text, ordered, r.engine, r.width, r.height)


@pytest.fixture(scope="module")
def reads() -> list[list[OcrResult]]:
    """Eight people's forms (one template), each sheet read twice with 3 % character noise."""
    people = [(h, p) for h in generate_households(8, seed=5) for p in h.members][:8]
    pages = [render_registration_form(p, h.head.name, seed=i) for i, (h, p) in enumerate(people)]
    return [
        [recognize_page(NoisyTruth(pg, 0.03, 100 * i + k), pg.image, today=TODAY) for k in range(2)]
        for i, pg in enumerate(pages)
    ]


def test_same_sheet_read_twice_with_noise_is_a_duplicate(reads: list[list[OcrResult]]) -> None:
    for a, b in reads:
        assert a.text != b.text  # the noise is real
        v = compare(a.text, a.fields, b.text, b.fields)
        assert v.duplicate, v


def test_different_sheets_of_the_same_form_are_not_duplicates(reads: list[list[OcrResult]]) -> None:
    for (a, _), (_, b) in itertools.permutations(reads, 2):
        assert not compare(a.text, a.fields, b.text, b.fields).duplicate
        # without the fields, the text alone still separates them (the template is shared)
        assert compare(a.text, [], b.text, []).score < TEXT_THRESHOLD


def test_different_id_numbers_veto_even_identical_text() -> None:
    text = "常住人口登记表 姓名 张三 公民身份号码 出生日期 一九五四年二月十八日"
    a = [ExtractedField("id_number", "110102195402188971")]
    b = [ExtractedField("id_number", "320502198806114025")]
    v = compare(text, a, text, b)
    assert not v.duplicate and v.reason == "fields_differ" and v.score == 1.0
    # an invalid ID read is noise, not another person
    bad = [ExtractedField("id_number", "32050219880611402X", valid=False)]
    assert compare(text, a, text, bad).duplicate


def test_names_veto_only_when_clearly_different() -> None:
    text = "常住人口登记表 户主或与户主关系 出生日期 一九五四年二月十八日 籍贯 江苏苏州"
    zhang = [ExtractedField("name", "张三")]
    assert compare(text, zhang, text, [ExtractedField("name", "张二")]).duplicate  # one misread stroke
    assert not compare(text, zhang, text, [ExtractedField("name", "李秀英")]).duplicate


def test_blank_and_photo_pages_are_not_judged_by_text() -> None:
    blank = recognize_page(PageTruthEngine(render_blank_back(seed=4)), render_blank_back(seed=4).image)
    v = compare(blank.text, blank.fields, blank.text, blank.fields)
    assert not v.duplicate and v.reason == "too_little_text"
    assert compare("第1页", [], "第1页", []).reason == "too_little_text"
