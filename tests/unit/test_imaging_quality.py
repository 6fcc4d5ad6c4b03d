"""Quality gate: each check fires on the defect it names and stays quiet on a good capture."""

from __future__ import annotations

import cv2
import numpy as np

from hukou_scan.capture.simulated.scene import compose_frame
from hukou_scan.imaging.enhance import EnhanceParams, enhance
from hukou_scan.imaging.pipeline import process_frame
from hukou_scan.imaging.quality import MESSAGES, THRESHOLDS, assess_page, blur_ratio, flagged
from tests.imaging_helpers import SMALL_FRAME, form_page


def _good_frame() -> np.ndarray:
    return compose_frame(form_page(150), desk="dark_wood", seed=31, size=(2448, 1836), max_rotation=2).image


def test_good_capture_has_only_the_resolution_warning() -> None:
    r = process_frame(_good_frame())
    assert flagged(r.quality) == ["dpi_low"]
    for key in (
        "blank",
        "blur",
        "overexposed",
        "underexposed",
        "cut_off",
        "glare",
        "skew_residual_deg",
        "hand",
        "dpi_low",
    ):
        e = r.quality[key]
        assert set(e) >= {"flag", "value", "message_zh", "message_en"}, key
    assert r.quality["dpi_low"]["message_zh"] and r.quality["blur"]["message_zh"] == ""


def test_blur_is_flagged() -> None:
    r = process_frame(cv2.GaussianBlur(_good_frame(), (0, 0), 3))
    assert r.quality["blur"]["flag"], r.quality["blur"]
    assert blur_ratio(np.full((64, 64), 200, np.uint8)) == 1.0  # nothing to judge → neutral


def test_hand_over_the_page_is_flagged() -> None:
    frame = compose_frame(form_page(150), desk="cloth", seed=32, size=(2448, 1836), hand=True)
    r = process_frame(frame.image)
    assert r.quality["hand"]["flag"]
    assert not process_frame(_good_frame()).quality["hand"]["flag"]


def test_cut_off_page_is_flagged() -> None:
    frame = compose_frame(form_page(100), desk="green_mat", seed=33, size=SMALL_FRAME, touch_edge=True)
    r = process_frame(frame.image)
    assert r.quality["cut_off"]["flag"] and r.quality["cut_off"]["message_en"]


def test_exposure_checks() -> None:
    bright = cv2.convertScaleAbs(_good_frame(), alpha=1.9, beta=30)
    r = process_frame(bright)
    assert r.found and r.quality["overexposed"]["flag"]
    dark = cv2.convertScaleAbs(_good_frame(), alpha=0.22)
    r = process_frame(dark)
    assert r.found and r.quality["underexposed"]["flag"]


def test_glare_spot_is_flagged() -> None:
    img = _good_frame().copy()
    h, w = img.shape[:2]
    cv2.circle(img, (w // 2, h // 2), int(h * 0.05), (255, 255, 255), -1)
    r = process_frame(img)
    assert r.quality["glare"]["flag"], r.quality["glare"]


def test_residual_skew_over_three_degrees_is_flagged() -> None:
    master = cv2.cvtColor(form_page(100), cv2.COLOR_RGB2BGR)
    q = assess_page(master, dpi_effective=300, dpi_master=100, residual_skew_deg=3.5)
    assert q["skew_residual_deg"]["flag"] and q["skew_residual_deg"]["value"] == 3.5
    q = assess_page(master, dpi_effective=300, dpi_master=100, residual_skew_deg=-1.0)
    assert not q["skew_residual_deg"]["flag"]


def test_dpi_thresholds() -> None:
    master = cv2.cvtColor(form_page(100), cv2.COLOR_RGB2BGR)
    assert assess_page(master, dpi_effective=150, dpi_master=100)["dpi_low"]["flag"]
    ok = assess_page(master, dpi_effective=320, dpi_master=100)["dpi_low"]
    assert not ok["flag"] and ok["value"] == 320
    assert THRESHOLDS["dpi_min"] == 200 and THRESHOLDS["dpi_small_text"] == 300


def test_every_message_has_both_languages() -> None:
    for key, (zh, en) in MESSAGES.items():
        assert zh and en and zh != en, key


def test_enhancement_keeps_faded_ink_and_flattens_light() -> None:
    page = cv2.cvtColor(form_page(100), cv2.COLOR_RGB2BGR).astype(np.float32)
    w = page.shape[1]
    # strong illumination fall-off from left (100 %) to right (45 %)
    light = np.linspace(1.0, 0.45, w, dtype=np.float32)[None, :, None]
    dim = np.clip(page * light, 0, 255).astype(np.uint8)
    out = enhance(dim, 100, EnhanceParams(mode="grey")).image
    left, right = out[:, : w // 5], out[:, -w // 5 :]
    # paper is white on both sides after flattening
    assert np.median(left) >= 245 and np.median(right) >= 245
    # ink stays dark on the dim side too (faded, low-contrast strokes survive)
    assert np.percentile(right, 1) < 120
