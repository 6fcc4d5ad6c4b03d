"""Constrained decoding of handwritten ID numbers from the recogniser's per-character options.

The options here are synthetic top-k lists, as a CTC recogniser gives them for a box:
the digit it read and the runner-ups with their probabilities.  The decoder must find
the number the rules allow (check digit, date, province; date/sex fields as evidence),
and never invent certainty it does not have.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from hukou_scan.domain import iddecode, idnumber
from hukou_scan.domain.models import OcrResult, OcrWord
from hukou_scan.ocr.alternatives import best_path, char_options, frame_options, single_digit_options
from hukou_scan.ocr.engine import LinePosteriors, PosteriorEngine, order_words
from hukou_scan.ocr.form import Band, Cell, Grid, _extract, detect_grid, merge_combs, recognize_page

TODAY = date(2026, 12, 5)
FIRST17 = "11010219620314013"
NUMBER = FIRST17 + idnumber.check_digit(FIRST17)


def _sure(text: str) -> list[list[tuple[str, float]]]:
    return [[(ch, 0.98), ("1" if ch != "1" else "7", 0.01)] for ch in text]


def test_one_misread_box_is_put_right_by_the_check_digit() -> None:
    opts = _sure(NUMBER)
    wrong = "7" if NUMBER[15] != "7" else "1"
    opts[15] = [(wrong, 0.6), (NUMBER[15], 0.35), ("9", 0.05)]
    dec = iddecode.decode(opts, today=TODAY)
    assert dec is not None
    assert dec.raw[15] == wrong  # what the box said
    assert dec.written == NUMBER and dec.value == NUMBER
    assert dec.changed == (15,)
    assert dec.probability > 0.9


def test_birth_date_field_decides_between_two_valid_old_numbers() -> None:
    # 15 digits carry no check digit: a day 14 or 19 are both valid numbers.
    old = "110102620314013"
    opts = _sure(old)
    opts[11] = [("9", 0.55), ("4", 0.45)]
    alone = iddecode.decode(opts, today=TODAY)
    assert alone is not None and alone.written[11] == "9"  # the box alone reads 19
    dec = iddecode.decode(opts, birth=date(1962, 3, 14), today=TODAY)
    assert dec is not None and dec.written == old
    assert dec.value == idnumber.upgrade15(old)


def test_sex_field_decides_the_parity_of_the_sequence_digit() -> None:
    old = "110102620314014"  # last digit even: 女
    opts = _sure(old)
    opts[14] = [("3", 0.55), ("4", 0.45)]
    assert iddecode.decode(opts, sex="男", today=TODAY).written[14] == "3"  # type: ignore[union-attr]
    assert iddecode.decode(opts, sex="女", today=TODAY).written == old  # type: ignore[union-attr]


def test_contradicting_a_field_is_reported_not_hidden() -> None:
    dec = iddecode.decode(_sure(NUMBER), birth=date(1970, 1, 1), sex="女", today=TODAY)
    assert dec is not None and dec.written == NUMBER  # the boxes are sure: they win
    assert set(dec.reasons) == {"id_date_field", "id_sex_field"}


def test_impossible_dates_and_provinces_are_never_returned() -> None:
    opts = _sure(NUMBER)
    opts[0] = [("9", 0.9), ("1", 0.1)]  # no province starts with 9
    opts[10] = [("1", 0.5), ("0", 0.5)]
    opts[11] = [("3", 0.9), ("2", 0.1)]  # month 13 is impossible, 03 is not
    dec = iddecode.decode(opts, today=TODAY)
    assert dec is not None
    assert dec.written[:2] in iddecode.PROVINCES
    assert idnumber.is_valid18(dec.written)
    assert dec.written == NUMBER


def test_an_unreadable_box_leaves_the_choice_to_the_rules_and_says_how_sure() -> None:
    opts = _sure(NUMBER)
    opts[16] = []  # nothing read: every digit equally likely
    dec = iddecode.decode(opts, today=TODAY)
    assert dec is not None and dec.written == NUMBER  # the check digit leaves one digit
    opts[17] = []  # and nothing read for the check digit either: ten numbers fit equally
    unsure = iddecode.decode(opts, today=TODAY)
    assert unsure is not None and unsure.probability < 0.5


def test_wrong_length_is_not_decoded() -> None:
    assert iddecode.decode(_sure(NUMBER[:16]), today=TODAY) is None


def test_sequence_logprob_ranks_the_written_number_first() -> None:
    opts = _sure(NUMBER)
    opts[15] = [("7", 0.6), ("1", 0.35)]
    a = iddecode.sequence_logprob(opts, NUMBER[:15] + "1" + NUMBER[16:], digits=True)
    b = iddecode.sequence_logprob(opts, NUMBER[:15] + "4" + NUMBER[16:], digits=True)
    assert a is not None and b is not None and a > b
    assert iddecode.sequence_logprob(opts, NUMBER[:17], digits=True) is None


# --- CTC posteriors → options ---------------------------------------------------------

CHARSET = ("blank", *"0123456789X", "王", "建", "国", "困", " ", "律", "口", "李")


def _posteriors(frames: list[dict[str, float]]) -> LinePosteriors:
    probs = np.full((len(frames), len(CHARSET)), 1e-6, np.float32)
    for t, f in enumerate(frames):
        for ch, p in f.items():
            probs[t, CHARSET.index(ch)] = p
        probs[t] /= probs[t].sum()
    return LinePosteriors(probs, CHARSET)


def test_best_path_collapses_runs_and_keeps_runner_ups() -> None:
    post = _posteriors(
        [
            {"blank": 1},
            {"王": 0.9, "blank": 0.1},
            {"王": 0.8},
            {"blank": 1},
            {"困": 0.55, "国": 0.4, "blank": 0.05},
            {"blank": 1},
        ]
    )
    text, conf, runs = best_path(post)
    assert text == "王困" and len(runs) == 2 and conf > 0.5
    opts = char_options(post)
    assert [o[0][0] for o in opts] == ["王", "困"]
    assert ("国", pytest.approx(0.4, abs=0.01)) in [(c, p) for c, p in opts[1]]


def test_single_digit_options_survive_a_box_read_as_nothing() -> None:
    post = _posteriors([{"blank": 0.6, "7": 0.3, "1": 0.1}] * 4)
    assert best_path(post)[0] == ""
    opts = single_digit_options(post)
    assert opts[0][0] == "7" and all(ch in "0123456789X" for ch, _p in opts)


def test_ctc_scores_strings_of_any_length_against_the_frames() -> None:
    # 王建国 written; a stroke in the middle read as 口 by the best path (王建口国).
    post = _posteriors(
        [
            {"blank": 1},
            {"王": 0.95, "blank": 0.05},
            {"blank": 1},
            {"建": 0.9, "律": 0.1},
            {"blank": 1},
            {"口": 0.5, "blank": 0.45, "国": 0.05},
            {"国": 0.9, "困": 0.1},
            {"blank": 1},
        ]
    )
    assert best_path(post)[0] == "王建口国"
    frames = frame_options(post)
    assert len(frames) == 8 and frames[0][0] == ("", pytest.approx(1.0, abs=1e-3))
    three = iddecode.ctc_logprob(frames, "王建国")
    four = iddecode.ctc_logprob(frames, "王建口国")
    assert three is not None and four is not None
    assert abs(three - four) < 0.2  # the stroke is as likely nothing as 口
    other = iddecode.ctc_logprob(frames, "李建国")
    assert other is not None and other < three - 5
    shorter = iddecode.ctc_logprob(frames, "王国")
    assert shorter is not None and shorter < three - 5
    # A doubled character needs a blank between its two frames: 国国 does not fit one 国.
    doubled = iddecode.ctc_logprob(frames, "王建国国")
    assert doubled is not None and doubled < three - 5
    assert iddecode.ctc_logprob((), "王") is None and iddecode.ctc_logprob(frames, "") is None


def test_top_readings_offer_the_runner_up_character() -> None:
    opts = [[("王", 0.97)], [("建", 0.9), ("律", 0.05)], [("困", 0.55), ("国", 0.4)]]
    got = [s for s, _p in iddecode.top_readings(opts)]
    assert got[:2] == ["王建困", "王建国"]
    assert "王律困" in got
    assert iddecode.top_readings([[("王", 1.0)], []]) == []


# --- through the form reader -------------------------------------------------------------

KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
SONG = "/usr/share/fonts/truetype/arphic/uming.ttc"
LEFT, RIGHT, TOP, ROW, LABEL_W = 120, 1530, 300, 130, 300


def _form(number: str, drop_rules: tuple[int, ...] = ()) -> np.ndarray:
    """姓名/性别/出生日期 rows and an 18-box comb; rules of the boxes in ``drop_rules`` left out."""
    img = Image.new("L", (1654, 1200), 235)
    d = ImageDraw.Draw(img)
    label, hand = ImageFont.truetype(SONG, 38), ImageFont.truetype(KAI, 56)
    rows = [("姓名", "王建国"), ("性别", "男"), ("出生日期", "1962年3月14日"), ("公民身份号码", "")]
    for r in range(len(rows) + 1):
        d.line((LEFT, TOP + r * ROW, RIGHT, TOP + r * ROW), fill=30, width=3)
    for x in (LEFT, LEFT + LABEL_W, RIGHT):
        d.line((x, TOP, x, TOP + len(rows) * ROW), fill=30, width=3)
    for r, (lab, val) in enumerate(rows):
        d.text((LEFT + 16, TOP + r * ROW + 45), lab, font=label, fill=30)
        if val:
            d.text((LEFT + LABEL_W + 30, TOP + r * ROW + 35), val, font=hand, fill=20)
    y0, y1 = TOP + 3 * ROW, TOP + 4 * ROW
    bw = (RIGHT - LEFT - LABEL_W - 40) // 18
    bx0 = LEFT + LABEL_W + 20
    d.line((bx0, y0 + 18, bx0 + 18 * bw, y0 + 18), fill=30, width=2)
    d.line((bx0, y1 - 18, bx0 + 18 * bw, y1 - 18), fill=30, width=2)
    for i in range(19):
        if i not in drop_rules:
            d.line((bx0 + i * bw, y0 + 18, bx0 + i * bw, y1 - 18), fill=30, width=2)
    for i, ch in enumerate(number):
        d.text((bx0 + i * bw + 14, y0 + 32), ch, font=hand, fill=20)
    return np.asarray(img)


class PosteriorCombEngine:
    """Whole page: the labels and values; each comb box: synthetic CTC frames from ``boxes``."""

    name = "posterior-double"

    def __init__(self, boxes: list[dict[str, float]]) -> None:
        self.boxes = list(boxes)

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        h, w = image.shape[:2]
        words = [
            OcrWord("姓名", LEFT + 16, TOP + 45, 80, 40, 0.99),
            OcrWord("王建国", LEFT + LABEL_W + 30, TOP + 35, 170, 60, 0.97),
            OcrWord("性别", LEFT + 16, TOP + ROW + 45, 80, 40, 0.99),
            OcrWord("男", LEFT + LABEL_W + 30, TOP + ROW + 35, 60, 60, 0.97),
            OcrWord("出生日期", LEFT + 16, TOP + 2 * ROW + 45, 160, 40, 0.99),
            OcrWord("1962年3月14日", LEFT + LABEL_W + 30, TOP + 2 * ROW + 35, 400, 60, 0.95),
            OcrWord("公民身份号码", LEFT + 16, TOP + 3 * ROW + 45, 230, 40, 0.99),
        ]
        ordered, text = order_words(words)
        return OcrResult(text, ordered, self.name, w, h)

    def line_posteriors(self, image: np.ndarray) -> LinePosteriors:
        if image.shape[0] > 100 or image.shape[1] > 150:  # a name cell re-read: not a box
            return _posteriors([{"blank": 1.0}])
        box = self.boxes.pop(0)
        return _posteriors([{"blank": 1.0}, box, box, {"blank": 1.0}])


def test_double_is_a_posterior_engine() -> None:
    assert isinstance(PosteriorCombEngine([]), PosteriorEngine)


def test_misread_box_on_a_form_is_decoded_and_the_raw_reading_kept() -> None:
    wrong = "7" if NUMBER[15] != "7" else "1"
    boxes = [{ch: 0.97, "blank": 0.03} for ch in NUMBER]
    boxes[15] = {wrong: 0.6, NUMBER[15]: 0.35, "blank": 0.05}
    res = recognize_page(PosteriorCombEngine(boxes), _form(NUMBER), today=TODAY)
    f = next(f for f in res.fields if f.name == "id_number")
    assert f.value == NUMBER and f.valid
    assert f.raw.replace(" ", "") == NUMBER[:15] + wrong + NUMBER[16:]  # never overwritten
    assert "id_decoded" in f.reasons and f.needs_review  # a changed digit: the clerk looks
    assert len(f.alternatives) == 18
    again = type(f).from_dict(f.to_dict())
    assert again.alternatives == f.alternatives


def test_a_clean_reading_is_not_touched_by_the_decoder() -> None:
    boxes = [{ch: 0.97, "blank": 0.03} for ch in NUMBER]
    res = recognize_page(PosteriorCombEngine(boxes), _form(NUMBER), today=TODAY)
    f = next(f for f in res.fields if f.name == "id_number")
    assert f.value == NUMBER and "id_decoded" not in f.reasons and not f.needs_review


def test_comb_with_lost_box_rules_still_has_eighteen_boxes() -> None:
    # Faint inset rules get lost: one between two boxes, and the last three at the end.
    img = _form(NUMBER, drop_rules=(7, 16, 17, 18))
    grid = detect_grid(img)
    assert merge_combs(grid) == 1
    comb = next(c for b in grid.bands for c in b.cells if c.boxes)
    assert len(comb.boxes) == 18


def test_the_name_keeps_its_frames_for_re_reading_whatever_its_length() -> None:
    boxes = [{ch: 0.97, "blank": 0.03} for ch in NUMBER]
    res = recognize_page(PosteriorCombEngine(boxes), _form(NUMBER), today=TODAY)
    name = next(f for f in res.fields if f.name == "name")
    # The double's re-read of the name cell gives one blank frame: no characters line
    # up with 王建国, the frames are kept all the same (and survive storage).
    assert name.alternatives == ()
    assert name.frames == ((("", 1.0),),)
    assert type(name).from_dict(name.to_dict()).frames == name.frames


@pytest.mark.parametrize(
    "drop", [(1, 2), (1, 3), (2, 4), (0, 1, 3), (1, 3, 5, 9, 11), (2, 4, 6, 8, 12, 14, 18)]
)
def test_comb_whose_first_box_rules_were_lost_still_has_eighteen_boxes(drop: tuple[int, ...]) -> None:
    # The comb used to start at the first run of single boxes: 13-15 boxes, no ID read.
    grid = detect_grid(_form(NUMBER, drop_rules=drop))
    assert merge_combs(grid) == 1
    comb = next(c for b in grid.bands for c in b.cells if c.boxes)
    assert len(comb.boxes) == 18
    bw = (RIGHT - LEFT - LABEL_W - 40) // 18
    assert abs(comb.boxes[0][0] - (LEFT + LABEL_W + 20)) <= bw // 4  # laid from the real first box


def test_a_value_sharing_the_labels_cell_is_boxed_without_the_label() -> None:
    # The rule between 姓名 and its value was lost: one cell holds both runs.
    cell = Cell(100, 300, 1200, 430)
    cell.words = [OcrWord("姓名", 116, 345, 80, 40, 0.99), OcrWord("王建国", 420, 335, 170, 60, 0.9)]
    fields = _extract(Grid([Band(300, 430, [cell])]), [], today=TODAY)
    name = next(f for f in fields if f.name == "name")
    assert name.value == "王建国" and name.box == (420, 335, 170, 60)
    cell.words = [OcrWord("姓名王建国", 116, 335, 500, 60, 0.9)]
    name = next(f for f in _extract(Grid([Band(300, 430, [cell])]), [], today=TODAY) if f.name == "name")
    assert name.value == "王建国" and name.box is not None and name.box[0] >= 116 + 500 * 2 // 5 - 1
