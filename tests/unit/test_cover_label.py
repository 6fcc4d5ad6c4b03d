"""Reading the 档号 off a cover label: codes (zxing-cpp), the printed fallback, refusals.

The label set is generated here through :mod:`benchmarks.independent.labels` (codes made by
segno and python-barcode, printed 档号 in several fonts, perspective, blur, light), on its
held-out seeds.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

from benchmarks.independent.labels import HELD_OUT_SEEDS, make_label
from hukou_scan.domain.archive_label import check_character
from hukou_scan.domain.models import OcrResult
from hukou_scan.errors import InvalidInputError
from hukou_scan.imaging.label import read_codes
from hukou_scan.services.cover_label import CoverLabelService, LabelNotRead, printed_candidates


class TextEngine:
    """OCR double that 'reads' a fixed text and counts its calls."""

    name = "text"

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def recognize(self, image: np.ndarray, *, hint: str = "text") -> OcrResult:
        self.calls += 1
        assert image.ndim == 3 and image.shape[2] == 3
        return OcrResult(self.text, [], self.name, image.shape[1], image.shape[0])


def _qr(text: str) -> np.ndarray:
    import segno

    buf = io.BytesIO()
    segno.make(text, micro=False).save(buf, kind="png", scale=8, border=4)
    img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    return np.asarray(cv2.copyMakeBorder(img, 80, 80, 80, 80, cv2.BORDER_CONSTANT, value=(200, 210, 220)))


def _read(svc: CoverLabelService, image: np.ndarray) -> str | None:
    try:
        r = svc.read(image)
    except InvalidInputError:
        return None
    return r.label.archive_id + (f"-{r.label.check}" if r.label.check else "")


@pytest.mark.parametrize("kind", ["code128", "qr"])
def test_label_set_codes_are_read(kind: str) -> None:
    svc = CoverLabelService(None)
    seeds = list(HELD_OUT_SEEDS)[:10]
    labels = [make_label(s, kind) for s in seeds]
    got = [_read(svc, lab.image) for lab in labels]
    ok = sum(g == lab.payload for g, lab in zip(got, labels, strict=True))
    assert ok >= 9, list(zip(got, [lab.payload for lab in labels], strict=True))
    # nothing wrong is ever accepted
    assert all(g is None or g == lab.payload for g, lab in zip(got, labels, strict=True))


def test_code_reader_reports_kind_and_position() -> None:
    lab = make_label(HELD_OUT_SEEDS[0], "qr")
    codes = read_codes(lab.image)
    assert codes and codes[0].kind == "qr" and codes[0].text == lab.payload
    x, y, w, h = codes[0].box
    assert 0 <= x < lab.image.shape[1] and 0 <= y < lab.image.shape[0] and w > 20 and h > 20


def test_printed_label_falls_back_to_ocr() -> None:
    aid = "0101-2026-001"
    c = check_character(aid)
    engine = TextEngine(f"户口底册\n档号：０１０１－２０２６－ＯＯ1-{c} 1995\n1995 年 共 120 页")
    svc = CoverLabelService(lambda: engine)
    r = svc.read(make_label(HELD_OUT_SEEDS[0], "printed").image)
    assert r.source == "printed" and r.label.archive_id == aid and r.label.check == c
    assert engine.calls == 1


def test_printed_check_character_look_alike_is_resolved_by_the_check() -> None:
    aid = next(a for a in (f"0101-2026-{n:03d}" for n in range(1, 999)) if check_character(a) == "I")
    assert f"{aid}-I" in printed_candidates(f"档号 {aid}-1")
    r = CoverLabelService(lambda: TextEngine(f"档号 {aid}-1")).read(np.zeros((50, 50, 3), np.uint8))
    assert r.label.archive_id == aid and r.label.check == "I"


def test_wrong_check_character_in_a_code_is_refused_without_guessing() -> None:
    aid = "0101-2026-001"
    wrong = "0" if check_character(aid) != "0" else "1"
    engine = TextEngine(f"档号 {aid}")
    with pytest.raises(InvalidInputError) as e:
        CoverLabelService(lambda: engine).read(_qr(f"{aid}-{wrong}"))
    assert "校验位" in e.value.zh
    assert engine.calls == 0  # a read code that is wrong is what the clerk must hear


def test_code_that_is_not_an_archive_id_is_refused() -> None:
    with pytest.raises(InvalidInputError) as e:
        CoverLabelService(None).read(_qr("https://example.org/not-a-label"))
    assert "格式" in e.value.zh


def test_nothing_readable_says_so() -> None:
    blank = np.full((600, 800, 3), 180, np.uint8)
    with pytest.raises(LabelNotRead) as e:
        CoverLabelService(lambda: TextEngine("户口底册\n1995 年")).read(blank)
    assert "没有读到" in e.value.zh


def test_printed_wrong_check_is_refused() -> None:
    aid = "J063-57-1992-799"
    c = check_character(aid)
    wrong = next(x for x in "ABCDEFGHJKMNPRTUVWXY" if x != c)  # no look-alike of a digit
    with pytest.raises(InvalidInputError) as e:
        CoverLabelService(lambda: TextEngine(f"档号：{aid}-{wrong}")).read(np.zeros((50, 50, 3), np.uint8))
    assert "校验位" in e.value.zh


def test_candidates_do_not_run_the_next_line_into_the_archive_id() -> None:
    cands = printed_candidates("档号：J897-59-1966-079-B 1995 年")
    assert cands[0] == "J897-59-1966-079-B"
    assert all("1995" not in c for c in cands)
