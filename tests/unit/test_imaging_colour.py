"""Red seal / red line detection (issue 18: colour where it matters)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from hukou_scan.imaging.colour import detect_red_marks, detect_red_marks_encoded
from tests.export_pages import make_page, stamp_red_seal


def _bgr(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def test_plain_page_has_no_red() -> None:
    page = make_page()
    marks = detect_red_marks(_bgr(page.image))
    assert not marks.present and marks.reason == ""


def test_page_with_a_red_seal_is_found() -> None:
    page = stamp_red_seal(make_page().image)
    marks = detect_red_marks(_bgr(page))
    assert marks.present and marks.seals == 1 and marks.reason == "seal"
    assert detect_red_marks_encoded(page).seals == 1  # the reduced JPEG decode sees it too


def test_red_header_lines_are_found_but_a_pen_tick_is_not() -> None:
    im = Image.open(io.BytesIO(make_page().image)).convert("RGB")
    d = ImageDraw.Draw(im)
    ticked = im.copy()
    ImageDraw.Draw(ticked).line((300, 600, 312, 612, 330, 580), fill=(210, 30, 30), width=3)
    d.line((80, 240, 1160, 240), fill=(210, 25, 30), width=6)  # 红头 rule under the header
    d.line((80, 252, 1160, 252), fill=(210, 25, 30), width=2)
    marks = detect_red_marks(cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR))
    assert marks.lines >= 1 and marks.seals == 0 and marks.reason == "red_lines"
    assert not detect_red_marks(cv2.cvtColor(np.asarray(ticked), cv2.COLOR_RGB2BGR)).present


def test_brown_stains_and_grey_images_are_not_red() -> None:
    im = Image.open(io.BytesIO(make_page().image)).convert("RGB")
    d = ImageDraw.Draw(im)
    d.ellipse((700, 1300, 1000, 1600), fill=(150, 110, 70))  # a tea/foxing stain, seal-sized
    assert not detect_red_marks(cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR)).present
    grey = cv2.cvtColor(_bgr(stamp_red_seal(make_page().image)), cv2.COLOR_BGR2GRAY)
    assert not detect_red_marks(grey).present


def test_real_images(real_data: Path) -> None:
    """A real boarding-pass scan with red stamps; a real black-on-white table scan without."""
    stamped = real_data / "zh_docs" / "paddleocr_00006737.jpg"
    plain = real_data / "zh_docs" / "paddleocr_00015504.jpg"
    if not stamped.exists() or not plain.exists():
        pytest.skip("real images not available")
    assert detect_red_marks_encoded(stamped.read_bytes()).seals >= 1
    assert not detect_red_marks_encoded(plain.read_bytes()).present


@pytest.mark.parametrize("age", [0.2, 0.8])
def test_simulated_registration_form_with_and_without_its_seal(age: float) -> None:
    """The simulated 常住人口登记表 (aged, yellowed paper, faded ink): the 户口专用章 is found,
    and the same form without it has no red."""
    from hukou_scan.capture.simulated.forms import render_registration_form
    from hukou_scan.domain.sample import generate_households

    h = generate_households(2)[0]
    for seal, expected in ((True, 1), (False, 0)):
        rgb = render_registration_form(h.head, h.head.name, dpi=100, seed=5, age=age, seal=seal).image
        marks = detect_red_marks(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        assert marks.seals == expected and marks.lines == 0, (seal, marks)
