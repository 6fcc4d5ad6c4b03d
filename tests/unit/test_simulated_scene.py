"""The simulated camera's page renderer and desk compositor produce what they claim."""

from __future__ import annotations

import numpy as np

from hukou_scan.capture.simulated.forms import render_blank_back, render_registration_form, written_date
from hukou_scan.capture.simulated.scene import compose_frame, empty_desk
from hukou_scan.domain.sample import generate_households


def test_registration_form_ground_truth() -> None:
    h = generate_households(1)[0]
    page = render_registration_form(h.head, h.head.name, dpi=100, seed=3)
    assert page.image.shape == (1169, 827, 3)
    assert page.fields["id_number"] == h.head.id_number
    assert page.lines[0] == "常住人口登记表"
    assert any(h.head.name in line for line in page.lines)
    for tb in page.boxes:
        x, y, w, hh = tb.box
        assert 0 <= x and 0 <= y and x + w <= 827 + 20 and y + hh <= 1169 + 20
    # handwriting is darker than the paper at its box
    hand = next(tb for tb in page.boxes if tb.hand)
    x, y, w, hh = hand.box
    assert page.image[y : y + hh, x : x + w].min() < 150


def test_frame_quad_marks_the_page() -> None:
    h = generate_households(1)[0]
    page = render_registration_form(h.head, h.head.name, dpi=100, seed=3)
    frame = compose_frame(page.image, desk="black_pad", seed=1, size=(1600, 1200), jpeg_quality=None)
    assert frame.quad is not None
    cx = int(sum(p[0] for p in frame.quad.points()) / 4)
    cy = int(sum(p[1] for p in frame.quad.points()) / 4)
    assert np.median(frame.image[cy - 20 : cy + 20, cx - 20 : cx + 20]) > 120  # paper at the centre
    assert frame.image[5, 5].mean() < 60  # black pad at the corner


def test_blank_back_and_empty_desk() -> None:
    back = render_blank_back(None, dpi=50, seed=1)
    assert back.kind == "blank_back" and back.lines == []
    desk = empty_desk("grey_desk", size=(320, 240))
    assert desk.quad is None and desk.image.shape == (240, 320, 3)
    assert np.ptp(desk.image) < 80


def test_written_dates_cover_old_conventions() -> None:
    import random
    from datetime import date

    rng = random.Random(0)
    seen = {written_date(date(1947, 9, 6), rng) for _ in range(60)}
    assert "1947.9.6" in seen and "47年9月6日" in seen
    assert "一九四七年九月六日" in seen and "民国三十六年九月六日" in seen
