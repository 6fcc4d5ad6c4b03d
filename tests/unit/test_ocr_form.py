"""Form-aware recognition on generated pages, with an engine that returns the ground-truth boxes.

These isolate our part (grid detection, reading order, label/value pairing, field
parsing, blank detection) from the recognition model.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from hukou_scan.capture.simulated.forms import (
    render_blank_back,
    render_household_page,
    render_registration_form,
)
from hukou_scan.domain.models import OcrWord
from hukou_scan.domain.sample import generate_households
from hukou_scan.errors import ConfigError
from hukou_scan.ocr.engine import available_engines, create_engine, group_lines, register_engine
from hukou_scan.ocr.form import detect_grid, is_blank, recognize_page, split_spanning
from tests.ocr_fakes import FakeEngine, PageTruthEngine

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def households():  # type: ignore[no-untyped-def]
    return generate_households(6, seed=3)


def test_grid_of_a_registration_form(households) -> None:  # type: ignore[no-untyped-def]
    h = households[0]
    page = render_registration_form(h.members[0], h.head.name, seed=1)
    grid = detect_grid(page.image)
    assert len(grid.bands) == 9  # the nine ruled rows of the form
    assert [len(b.cells) for b in grid.bands] == [4, 4, 4, 2, 4, 2, 4, 4, 2]


def test_grid_of_a_household_table(households) -> None:  # type: ignore[no-untyped-def]
    h = households[1]
    page = render_household_page(list(h.members), h.household_no, h.address, seed=2)
    grid = detect_grid(page.image)
    assert len(grid.bands) >= 6 and all(len(b.cells) == 5 for b in grid.bands)


def test_no_grid_on_a_blank_page() -> None:
    assert detect_grid(render_blank_back(seed=4).image).bands == []


@pytest.mark.parametrize("seed", range(6))
def test_registration_form_fields_and_reading_order(households, seed: int) -> None:  # type: ignore[no-untyped-def]
    h = households[seed % len(households)]
    person = h.members[seed % len(h.members)]
    page = render_registration_form(person, h.head.name, seed=seed, fade=0.3, seal=seed % 2 == 0)
    res = recognize_page(PageTruthEngine(page), page.image, today=TODAY)
    assert res.text.split("\n") == page.lines
    got = {f.name: f for f in res.fields}
    for key, want in page.fields.items():
        assert got[key].value == want, key
        assert got[key].valid and not got[key].needs_review
        assert got[key].box is not None
    # the box of the ID number is where it was drawn
    drawn = next(b for b in page.boxes if b.text == (person.id_number_raw or person.id_number))
    assert got["id_number"].box == drawn.box


def test_household_table_yields_one_record_per_member(households) -> None:  # type: ignore[no-untyped-def]
    h = max(households, key=lambda x: len(x.members))
    page = render_household_page(list(h.members), h.household_no, h.address, seed=9)
    res = recognize_page(PageTruthEngine(page), page.image, today=TODAY)
    ids = [f.value for f in res.fields if f.name == "id_number"]
    assert ids == [p.id_number for p in h.members]
    names = [f.value for f in res.fields if f.name == "name"]
    assert names == [p.name for p in h.members]
    assert {f.name: f.value for f in res.fields}["household_no"] == h.household_no


def test_blank_back_produces_no_text(households) -> None:  # type: ignore[no-untyped-def]
    h = households[0]
    front = render_registration_form(h.members[0], h.head.name, seed=1)
    back = render_blank_back(front, seed=2, age=0.9)
    assert is_blank(back.image) and not is_blank(front.image)
    res = recognize_page(FakeEngine(), back.image)
    assert res.text == "" and res.words == [] and res.fields == []
    assert (res.width, res.height) == (back.image.shape[1], back.image.shape[0])


def test_run_spanning_a_rule_is_split_at_the_digit_boundary(households) -> None:  # type: ignore[no-untyped-def]
    h = households[1]
    page = render_household_page(list(h.members), h.household_no, h.address, seed=2)
    grid = detect_grid(page.image)
    band = grid.bands[1]
    rule = band.cells[4].x0
    merged = OcrWord("一九八八年十一月二十四日510104198811243995", rule - 300, band.y0 + 20, 560, 40, 0.99)
    words, pieces = split_spanning([merged], grid)
    assert [w.text for w in words] == ["一九八八年十一月二十四日", "510104198811243995"]
    assert pieces == words


def test_traditional_forms_are_simplified() -> None:
    class Trad(FakeEngine):
        def recognize(self, image, *, hint="text"):  # type: ignore[no-untyped-def]
            r = super().recognize(image, hint=hint)
            r.words[1] = OcrWord("張三", *[getattr(r.words[1], a) for a in ("x", "y", "w", "h", "conf")])
            return r

    img = np.full((400, 600, 3), 240, np.uint8)
    img[100:120, 100:300] = 0  # some ink so the page is not blank
    res = recognize_page(Trad(), img, today=TODAY)
    assert {f.name: f.value for f in res.fields}["name"] == "张三"
    assert recognize_page(Trad(), img, simplify=False, today=TODAY).fields[0].value == "張三"


def test_engine_registry() -> None:
    assert {"rapidocr", "tesseract"} <= set(available_engines())
    register_engine("fake-test", FakeEngine)
    assert "fake-test" in available_engines()
    assert isinstance(create_engine("fake-test"), FakeEngine)
    assert isinstance(create_engine("tests.ocr_fakes:FakeEngine"), FakeEngine)
    with pytest.raises(ConfigError):
        create_engine("no-such-engine")
    with pytest.raises(ConfigError):
        create_engine("tests.ocr_fakes:Nope")


def test_group_lines_orders_interleaved_boxes() -> None:
    words = [
        OcrWord("b", 200, 14, 50, 30, 1.0),
        OcrWord("c", 10, 60, 50, 30, 1.0),
        OcrWord("a", 10, 10, 50, 30, 1.0),
    ]
    assert [[w.text for w in ln] for ln in group_lines(words)] == [["a", "b"], ["c"]]


def test_confirmed_repairs_are_written_back_into_the_text(households) -> None:  # type: ignore[no-untyped-def]
    h, person = next(
        (hh, p) for hh in households for p in hh.members if len(p.id_number_raw or p.id_number) == 18
    )
    page = render_registration_form(person, h.head.name, seed=12)
    id_text = person.id_number_raw or person.id_number
    garbled = id_text.replace("0", "O", 1) if "0" in id_text else id_text.replace("1", "l", 1)
    written_eth = person.ethnicity.removesuffix("族")

    class Noisy(PageTruthEngine):
        def recognize(self, image, *, hint="text"):  # type: ignore[no-untyped-def]
            r = super().recognize(image, hint=hint)
            for i, w in enumerate(r.words):
                if w.text == id_text:
                    r.words[i] = OcrWord(garbled, w.x, w.y, w.w, w.h, w.conf, w.line)
                elif w.text == written_eth == "汉":
                    r.words[i] = OcrWord("汊", w.x, w.y, w.w, w.h, w.conf, w.line)
            return r

    res = recognize_page(Noisy(page), page.image, today=TODAY)
    got = {f.name: f for f in res.fields}
    assert got["id_number"].value == person.id_number and got["id_number"].valid
    assert "id_repaired_confirmed" in got["id_number"].reasons
    assert id_text in res.text and garbled not in res.text
    assert got["ethnicity"].value == person.ethnicity
    assert res.text.split("\n") == page.lines


def test_vertical_columns_read_right_to_left() -> None:
    from hukou_scan.ocr.engine import order_words

    cols = [
        OcrWord("已取之時", 0, 20, 60, 400, 0.99),
        OcrWord("是非不得", 80, 22, 60, 400, 0.99),
        OcrWord("有評是是", 160, 21, 60, 400, 0.99),
    ]
    _words, text = order_words(cols)
    assert text.split("\n") == ["有評是是", "是非不得", "已取之時"]


def test_a_traditional_page_stays_traditional() -> None:
    from hukou_scan.ocr.form import simplify_words

    trad = [OcrWord("觀自在菩薩行深般若波羅蜜多時", 0, 0, 10, 10, 1.0)]
    assert simplify_words(trad)[0].text == trad[0].text
    mixed = [
        OcrWord("湖北省武汉市武昌区胜利路287号" * 3, 0, 0, 10, 10, 1.0),
        OcrWord("區", 0, 20, 10, 10, 1.0),
    ]
    assert simplify_words(mixed)[1].text == "区"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("一九○五年一月一日", "一九〇五年一月一日"),
        ("一九O五年", "一九〇五年"),
        ("户号:1101000001", "户号：1101000001"),
        ("3:30", "3:30"),
        ("110101O9", "110101O9"),
    ],
)
def test_punctuation_normalised(raw: str, want: str) -> None:
    from hukou_scan.ocr.form import normalize_punct

    assert normalize_punct([OcrWord(raw, 0, 0, 1, 1, 1.0)])[0].text == want
