"""公民身份号码 written one digit per printed box (a comb field), as on many pre-1990 forms.

The boxes' rules look like cell borders to the grid detector; before the comb was
recognised, every digit became a cell and the ID read next to its label was its first
digit.  The engine double answers whole-page reading with the labels and a broken
digit run (the detector loses boxed digits), and box-by-box line reading in order.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from hukou_scan.domain.models import OcrResult, OcrWord
from hukou_scan.ocr.engine import order_words
from hukou_scan.ocr.form import detect_grid, merge_combs, recognize_page

NUMBER = "110102193001015077"
KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
SONG = "/usr/share/fonts/truetype/arphic/uming.ttc"
LEFT, RIGHT, TOP, ROW = 120, 1530, 300, 130
LABEL_W = 300


def _draw(number: str, boxes: int = 18) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A two-row form: 姓名 and a comb of ``boxes`` boxes holding ``number``; returns box rects."""
    img = Image.new("L", (1654, 1200), 235)
    d = ImageDraw.Draw(img)
    label = ImageFont.truetype(SONG, 38)
    hand = ImageFont.truetype(KAI, 56)
    for r in range(3):
        d.line((LEFT, TOP + r * ROW, RIGHT, TOP + r * ROW), fill=30, width=3)
    for x in (LEFT, LEFT + LABEL_W, RIGHT):
        d.line((x, TOP, x, TOP + 2 * ROW), fill=30, width=3)
    d.text((LEFT + 16, TOP + 45), "姓名", font=label, fill=30)
    d.text((LEFT + LABEL_W + 30, TOP + 35), "王建国", font=hand, fill=20)
    y0, y1 = TOP + ROW, TOP + 2 * ROW
    d.text((LEFT + 16, y0 + 45), "公民身份号码", font=label, fill=30)
    bw = (RIGHT - LEFT - LABEL_W - 40) // boxes
    bx0 = LEFT + LABEL_W + 20
    rects = []
    for i in range(boxes):
        rect = (bx0 + i * bw, y0 + 18, bx0 + (i + 1) * bw, y1 - 18)
        d.rectangle(rect, outline=30, width=2)
        rects.append(rect)
        if i < len(number):
            d.text((rect[0] + 14, rect[1] + 14), number[i], font=hand, fill=20)
    return np.asarray(img), rects


class CombEngine:
    """Whole page: labels, the name and a digit run with three digits lost; lines: ``answers`` in order."""

    name = "comb"

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.line_calls = 0

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        h, w = image.shape[:2]
        if hint == "line":
            self.line_calls += 1
            text = self.answers.pop(0)
            return OcrResult(text, [OcrWord(text, 0, 0, w, h, 0.95)] if text else [], self.name, w, h)
        words = [
            OcrWord("姓名", LEFT + 16, TOP + 45, 80, 40, 0.99),
            OcrWord("王建国", LEFT + LABEL_W + 30, TOP + 35, 170, 60, 0.97),
            OcrWord("公民身份号码", LEFT + 16, TOP + ROW + 45, 230, 40, 0.99),
            OcrWord("1 0 2 1 9 3 0 0 1 0 1 5 0 7 7", LEFT + LABEL_W + 40, TOP + ROW + 35, 1000, 60, 0.8),
        ]
        ordered, text = order_words(words)
        return OcrResult(text, ordered, self.name, w, h)


def test_comb_boxes_are_merged_into_one_value_cell() -> None:
    img, rects = _draw(NUMBER)
    grid = detect_grid(img)
    before = [len(b.cells) for b in grid.bands]
    assert max(before) >= 18  # every box is a "cell" to the rule finder
    assert merge_combs(grid) == 1
    band = grid.bands[-1]
    assert len(band.cells) == 2
    comb = band.cells[1]
    assert len(comb.boxes) == 18
    assert abs(comb.boxes[0][0] - rects[0][0]) <= 4 and abs(comb.boxes[-1][1] - rects[-1][2]) <= 4


def test_id_in_boxes_is_read_box_by_box() -> None:
    img, _ = _draw(NUMBER)
    engine = CombEngine(list(NUMBER))
    res = recognize_page(engine, img, today=date(2026, 12, 5))
    got = {f.name: f for f in res.fields}
    assert got["id_number"].value == NUMBER
    assert got["id_number"].valid
    assert engine.line_calls == 18
    assert NUMBER in res.text.replace(" ", "")


def test_old_fifteen_digit_number_in_eighteen_boxes() -> None:
    old = "110102300101507"
    img, _ = _draw(old)
    engine = CombEngine(list(old))
    res = recognize_page(engine, img, today=date(2026, 12, 5))
    f = next(f for f in res.fields if f.name == "id_number")
    assert f.valid and f.value == "110102193001015077"[:17] + f.value[17]
    assert engine.line_calls == 15  # empty trailing boxes are not read


@pytest.mark.parametrize("bad", ["", "17"])
def test_unreadable_box_keeps_the_other_digits_in_place(bad: str) -> None:
    img, _ = _draw(NUMBER)
    answers = list(NUMBER)
    answers[7] = bad
    res = recognize_page(CombEngine(answers), img, today=date(2026, 12, 5))
    f = next(f for f in res.fields if f.name == "id_number")
    assert not f.valid
    assert f.raw.replace(" ", "") == NUMBER[:7] + "?" + NUMBER[8:]
