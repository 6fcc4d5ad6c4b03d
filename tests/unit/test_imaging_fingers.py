"""Fingers on the page: detection, the shape test, fill that never touches ink, the warning."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from hukou_scan.imaging.enhance import enhance
from hukou_scan.imaging.fingers import FingerReport, detect_fingers, fill_fingers
from hukou_scan.imaging.io import decode_image
from hukou_scan.imaging.pipeline import process_frame
from hukou_scan.imaging.quality import assess_page

DPI = 100.0  # A4 at 100 dpi: 827 × 1169
PX_MM = DPI / 25.4
YELLOWED = (150, 200, 226)  # BGR: an old page
SKIN = (120, 150, 205)  # BGR: a light-medium skin tone


def page(paper: tuple[int, int, int] = YELLOWED, *, text: bool = True) -> np.ndarray:
    """A4 page with 20 mm margins: ruled form with text strokes inside the margins."""
    h, w = round(297 * PX_MM), round(210 * PX_MM)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = paper
    if text:
        m = round(20 * PX_MM)
        for y in range(m, h - m, round(12 * PX_MM)):
            cv2.line(img, (m, y), (w - m, y), (40, 35, 30), 1)
            for x in range(m + 6, w - m - 20, round(9 * PX_MM)):
                cv2.rectangle(img, (x, y + 8), (x + 14, y + 24), (50, 40, 40), 2)
        for x in (m, w // 2, w - m):
            cv2.line(img, (x, m), (x, h - m - 20), (40, 35, 30), 1)
    return img


def finger(
    img: np.ndarray,
    edge: str,
    at: float,
    reach_mm: float,
    *,
    width_mm: float = 17.0,
    tilt_deg: float = 0.0,
    colour: tuple[int, int, int] = SKIN,
    round_tip: bool = True,
) -> np.ndarray:
    """Draw a finger from outside ``edge`` reaching ``reach_mm`` into the page; returns its mask."""
    h, w = img.shape[:2]
    normal = {"left": (1.0, 0.0), "right": (-1.0, 0.0), "top": (0.0, 1.0), "bottom": (0.0, -1.0)}[edge]
    t = math.radians(tilt_deg)
    d = np.array(
        [normal[0] * math.cos(t) - normal[1] * math.sin(t), normal[0] * math.sin(t) + normal[1] * math.cos(t)]
    )
    n = np.array([-d[1], d[0]])
    entry = np.array(
        [0.0, at * h] if edge == "left" else [w - 1.0, at * h] if edge == "right" else [at * w, 0.0]
    )
    if edge == "bottom":
        entry = np.array([at * w, h - 1.0])
    half = width_mm * PX_MM / 2
    base = entry - d * 40 * PX_MM
    tip = entry + d * reach_mm * PX_MM / max(abs(float(d @ np.array(normal))), 0.5)
    body_end = tip - d * half if round_tip else tip
    pts = [base + n * half, body_end + n * half]
    if round_tip:
        pts += [
            body_end + n * half * math.cos(a) + d * half * math.sin(a) for a in np.linspace(0, math.pi, 20)
        ]
    pts += [body_end - n * half, base - n * half]
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(np.array(pts)).astype(np.int32)], 1)
    # cylinder shading across the finger
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = ((xx - entry[0]) * n[0] + (yy - entry[1]) * n[1]) / half
    shade = np.clip(1.0 - 0.3 * u**2, 0.5, 1.0)
    col = np.array(colour, np.float32)[None, None, :] * shade[..., None]
    img[mask > 0] = np.clip(col[mask > 0], 0, 255).astype(np.uint8)
    return mask.astype(bool)


def ink_mask(clean: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(clean, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return grey < 0.8 * float(np.median(grey))


def test_finger_over_the_margin_is_found_and_filled_without_touching_ink() -> None:
    clean = page()
    img = clean.copy()
    truth = finger(img, "left", 0.5, 14.0)
    rep = detect_fingers(img, DPI)
    assert len(rep.fingers) == 1
    f = rep.fingers[0]
    assert f.edge == "left" and not f.covers_content
    assert 12 <= f.width_mm <= 22
    deriv = enhance(img, DPI).image
    filled, n = fill_fingers(deriv, img, rep)
    assert n > 0.8 * truth.sum()
    changed = filled != deriv
    ink = ink_mask(clean) & ~truth
    assert int((changed & ink).sum()) == 0  # ink_filled_px
    # the finger is gone: its pixels now look like the paper around it
    paper_level = float(np.median(deriv[~truth & ~ink_mask(clean)]))
    assert abs(float(np.median(filled[truth])) - paper_level) < 8


def assert_forced_fill_spares_ink(
    clean: np.ndarray, img: np.ndarray, truth: np.ndarray, rep: FingerReport
) -> None:
    """Fill the one detected finger even though it touches content: the finger's pixels
    are painted, and still not one pixel of the ink around it (``clean`` is the page
    without the finger, ``truth`` the finger's mask)."""
    rep.fingers = (dataclasses.replace(rep.fingers[0], covers_content=False),)
    deriv = enhance(img, DPI).image
    filled, n = fill_fingers(deriv, img, rep)
    assert n > 0.8 * truth.sum()
    ink = ink_mask(clean) & ~truth
    assert ink.sum() > 100
    assert int(((filled != deriv) & ink).sum()) == 0


def test_fill_never_paints_ink_right_next_to_the_finger() -> None:
    clean = page(text=False)
    # strokes touching where the finger will lie (a margin note, a stamp edge)
    y0 = round(0.5 * clean.shape[0])
    for dy in (-round(11 * PX_MM), round(11 * PX_MM)):
        cv2.line(clean, (0, y0 + dy), (round(30 * PX_MM), y0 + dy), (30, 30, 30), 2)
    cv2.circle(clean, (round(16 * PX_MM), y0 - round(9 * PX_MM)), 4, (20, 20, 90), -1)
    img = clean.copy()
    truth = finger(img, "left", 0.5, 14.0)
    rep = detect_fingers(img, DPI)
    assert len(rep.fingers) == 1
    assert rep.fingers[0].covers_content  # ink right beside it counts as content
    assert_forced_fill_spares_ink(clean, img, truth, rep)


def test_finger_over_text_is_reported_not_filled_and_warns() -> None:
    img = page()
    finger(img, "right", 0.4, 60.0, tilt_deg=15)
    rep = detect_fingers(img, DPI)
    assert len(rep.fingers) == 1 and rep.fingers[0].covers_content
    deriv = enhance(img, DPI).image
    filled, n = fill_fingers(deriv, img, rep)
    assert n == 0 and filled is deriv
    q = assess_page(img, dpi_effective=DPI, dpi_master=DPI, fingers=rep, filled_px=n)
    assert q["hand"]["flag"] and q["hand"]["message_zh"] == "手指遮挡文字，请重拍。"
    assert q["hand"]["fingers"] == 1 and q["hand"]["fingers_over_text"] == 1


def test_margin_finger_does_not_flag_the_page() -> None:
    img = page()
    finger(img, "bottom", 0.3, 15.0, width_mm=22)
    rep = detect_fingers(img, DPI)
    assert len(rep.fingers) == 1 and not rep.covers_content
    q_old = assess_page(img, dpi_effective=DPI, dpi_master=DPI)
    q = assess_page(img, dpi_effective=DPI, dpi_master=DPI, fingers=rep, filled_px=123)
    assert q_old["hand"]["flag"]  # the colour-only rule would make the clerk re-take it
    assert not q["hand"]["flag"] and q["hand"]["filled_px"] == 123


@pytest.mark.parametrize(
    "paper",
    [(150, 200, 226), (120, 170, 215), (236, 238, 240), (90, 150, 200)],
    ids=["yellowed", "brown", "white", "tungsten"],
)
def test_no_finger_on_plain_pages_of_any_age(paper: tuple[int, int, int]) -> None:
    assert detect_fingers(page(paper), DPI).fingers == ()


def test_shape_test_rejects_skin_coloured_things_that_are_not_fingers() -> None:
    img = page()
    h, w = img.shape[:2]
    wood = (70, 110, 170)  # a strip of desk along the edge (loose page outline)
    img[:, : round(6 * PX_MM)] = wood
    # a flat-ended block entering from the top (a wooden ruler end, a brown envelope)
    x0 = round(0.4 * w)
    img[: round(40 * PX_MM), x0 : x0 + round(20 * PX_MM)] = SKIN
    # a skin-coloured blob in the middle of the page (a stain), touching no edge
    cv2.circle(img, (w // 2, h // 2), round(12 * PX_MM), SKIN, -1)
    # a very wide region from the bottom (a sleeve or a palm, not one finger)
    img[h - round(30 * PX_MM) :, round(0.2 * w) : round(0.8 * w)] = SKIN
    rep = detect_fingers(img, DPI)
    assert rep.fingers == ()
    assert rep.rejected >= 2


# under a warm lamp the yellowed paper's red channel clips: against it light skin is
# only ~7 % redder than green, and bluer than the paper (B/G ×1.3)
WARM_PAPER = (95, 158, 204)
WARM_LIGHT_SKIN = (111, 143, 199)


def test_light_finger_on_warm_yellowed_paper_with_clipped_red_is_found() -> None:
    clean = page(WARM_PAPER)
    img = clean.copy()
    truth = finger(img, "right", 0.4, 16.0, colour=WARM_LIGHT_SKIN)
    rep = detect_fingers(img, DPI)
    assert len(rep.fingers) == 1
    assert rep.fingers[0].edge == "right"
    det = cv2.resize(rep.mask, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    assert (det & truth).sum() >= 0.5 * truth.sum()
    deriv = enhance(img, DPI).image
    filled, _n = fill_fingers(deriv, img, rep)
    assert int(((filled != deriv) & ink_mask(clean) & ~truth).sum()) == 0


def test_loose_colour_pass_still_needs_a_finger_shape() -> None:
    img = page(WARM_PAPER)
    # the same clipped-red colour as a flat-ended strip along the edge (a desk edge)
    finger(img, "left", 0.5, 30.0, width_mm=40.0, colour=WARM_LIGHT_SKIN, round_tip=False)
    assert detect_fingers(img, DPI).fingers == ()


def test_finger_entering_at_a_slant_and_a_short_fingertip_are_found() -> None:
    img = page()
    finger(img, "top", 0.1, 25.0, tilt_deg=-25)
    finger(img, "left", 0.8, 9.0, width_mm=19)
    rep = detect_fingers(img, DPI)
    assert sorted(f.edge for f in rep.fingers) == ["left", "top"]


def test_pipeline_paints_out_a_margin_finger_and_records_it() -> None:
    sheet = page()
    finger(sheet, "left", 0.5, 14.0)
    # the page on a dark desk, as a camera sees it
    frame = np.full((sheet.shape[0] + 200, sheet.shape[1] + 200, 3), (40, 50, 60), np.uint8)
    frame[100:-100, 100:-100] = sheet
    r = process_frame(frame)
    assert r.found and len(r.parts) == 1
    hand = r.parts[0].quality["hand"]
    assert hand["fingers"] == 1 and hand["fingers_over_text"] == 0 and hand["filled_px"] > 0
    assert not hand["flag"]
    assert "fingers" in r.timings_ms


def test_no_false_fingers_on_real_camera_photos(real_data: Path) -> None:
    """Yellowed pages and wooden desks in real photos: the whole pipeline reports no finger."""
    photos = sorted(p for p in (real_data / "camera_pages").iterdir() if p.is_file())
    assert len(photos) >= 5
    found = {}
    for p in photos:
        r = process_frame(decode_image(p.read_bytes(), name=p.name))
        found[p.name] = sum(int(part.quality["hand"].get("fingers", 0)) for part in r.parts)
    assert sum(found.values()) == 0, found


def test_independent_finger_frames_recall_and_no_ink_filled() -> None:
    """A few frames of the old held-out set (fingers drawn by the generator's own model; the new held-out set stays unseen)."""
    from benchmarks.bench_fingers import eval_fingers
    from benchmarks.independent.fingers import HELD_OUT_OLD_SEEDS

    res = eval_fingers(list(HELD_OUT_OLD_SEEDS)[:12])
    assert res["ink_filled_px"] == 0
    assert res["finger_recall"] is not None and res["finger_recall"] >= 0.8
    assert res["false_fingers_synthetic"] == 0


def test_wilson_interval_of_the_recall() -> None:
    """The benchmark's 95 % interval: known values, narrower with more fingers, empty sample None."""
    from benchmarks.bench_fingers import wilson

    assert wilson(50, 53) == (0.8463, 0.9806)
    lo, hi = wilson(95, 100) or (0.0, 0.0)
    assert lo < 0.95 < hi and hi - lo < 0.9806 - 0.8463
    assert wilson(0, 0) is None


def _hit(rep: FingerReport, img: np.ndarray, truth: np.ndarray) -> float:
    """Share of the true finger that the detected fingers cover."""
    det = cv2.resize(rep.mask, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    return float((det & truth).sum()) / float(truth.sum())


def _lamp_hotspot(img: np.ndarray) -> np.ndarray:
    """Light 1.4× over the upper left two thirds of the page, falling to 0.65× at the lower right corner.

    On yellowed paper the bright part clips red *and* green, so the page's overall
    paper colour is (B, 255, 255); the dim corner keeps the paper's true, redder hue,
    which against that colour is as red as skin.
    """
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gain = 1.4 - 0.75 * np.clip((xx / w + yy / h - 0.8) / 1.2, 0, 1)
    return np.clip(img.astype(np.float32) * gain[..., None], 0, 255).astype(np.uint8)


def test_finger_in_the_dim_corner_of_an_overexposed_page_is_found() -> None:
    """Cause (a): skin is judged against the paper *around it*, not the page's one paper colour."""
    clean = page()
    img = clean.copy()
    truth = finger(img, "right", 0.85, 45.0)
    img, clean = _lamp_hotspot(img), _lamp_hotspot(clean)
    rep = detect_fingers(img, DPI)
    assert [f.edge for f in rep.fingers] == ["right"]
    assert _hit(rep, img, truth) >= 0.9
    assert rep.fingers[0].covers_content
    # the dim, redder paper itself is no finger
    assert detect_fingers(clean, DPI).fingers == ()


def test_finger_touching_a_faded_seal_is_found() -> None:
    """Cause (b): a faded red seal's ring touching the finger must not join it into one odd blob."""
    img = page()
    h, w = img.shape[:2]
    centre = (round(0.5 * w), round(h - 55 * PX_MM))
    faded_red = (100, 140, 225)  # as skin-coloured as a finger against the paper
    cv2.circle(img, centre, round(16 * PX_MM), faded_red, round(1.5 * PX_MM), cv2.LINE_AA)
    img[:] = cv2.GaussianBlur(img, (3, 3), 0)
    truth = finger(img, "bottom", (centre[0] + 17 * PX_MM) / w, 60.0)
    rep = detect_fingers(img, DPI)
    assert [f.edge for f in rep.fingers] == ["bottom"]
    assert _hit(rep, img, truth) >= 0.9
    assert rep.fingers[0].covers_content
    assert 14 <= rep.fingers[0].width_mm <= 24  # the finger, not finger + seal


def test_finger_touching_reddish_handwriting_is_cut_free() -> None:
    """Cause (b): reddish-brown strokes touching the finger are cut off before the shape test."""
    clean = page()
    h, w = clean.shape[:2]
    y = round(h - 40 * PX_MM)
    for k in range(6):
        x0 = round(0.3 * w + k * 9 * PX_MM)
        cv2.line(clean, (x0, y), (x0 + round(6 * PX_MM), y - round(5 * PX_MM)), (60, 70, 150), 3, cv2.LINE_AA)
    cv2.line(clean, (round(0.3 * w), y + 6), (round(0.75 * w), y + 6), (80, 100, 190), 4, cv2.LINE_AA)
    img = clean.copy()
    truth = finger(img, "bottom", 0.5, 60.0)
    rep = detect_fingers(img, DPI)
    assert [f.edge for f in rep.fingers] == ["bottom"]
    assert _hit(rep, img, truth) >= 0.9
    assert rep.fingers[0].covers_content
    # forced fill: the strokes that were cut off are ink and stay untouched
    rep.fingers = (dataclasses.replace(rep.fingers[0], covers_content=False),)
    deriv = enhance(img, DPI).image
    filled, n = fill_fingers(deriv, img, rep)
    assert n > 0
    assert int(((filled != deriv) & ink_mask(clean) & ~truth).sum()) == 0


PALE_SKIN = (187, 200, 233)  # BGR: against YELLOWED only ~3 % redder than green, 25 % bluer


def test_pale_fingertip_on_yellowed_paper_is_found_and_filled() -> None:
    """Cause (c): a very light fingertip over the margin of a yellowed page."""
    clean = page()
    img = clean.copy()
    truth = finger(img, "right", 0.3, 11.0, colour=PALE_SKIN)
    rep = detect_fingers(img, DPI)
    assert [f.edge for f in rep.fingers] == ["right"]
    assert not rep.fingers[0].covers_content
    assert _hit(rep, img, truth) >= 0.8
    deriv = enhance(img, DPI).image
    filled, n = fill_fingers(deriv, img, rep)
    assert n > 0.5 * truth.sum()
    assert int(((filled != deriv) & ink_mask(clean) & ~truth).sum()) == 0


@pytest.mark.parametrize(
    "colour", [(236, 238, 240), (200, 200, 200), (150, 200, 226)], ids=["white", "grey", "paper"]
)
def test_pale_pass_ignores_white_grey_and_paper_coloured_tabs(colour: tuple[int, int, int]) -> None:
    """The same fingertip shape in white, grey or the paper's own colour is no finger."""
    img = page()
    finger(img, "right", 0.3, 11.0, colour=colour)
    assert detect_fingers(img, DPI).fingers == ()


def test_fill_keeps_skin_coloured_ink_beside_a_margin_finger() -> None:
    """Reddish-brown lines 1 mm from a margin finger are as skin-coloured as the finger: still ink."""
    clean = page(text=False)
    h = clean.shape[0]
    y0 = round(0.5 * h)
    half = round(8.5 * PX_MM)
    for dy in (-half - round(1 * PX_MM), half + round(1 * PX_MM)):
        cv2.line(clean, (0, y0 + dy), (round(30 * PX_MM), y0 + dy), (80, 100, 190), 2, cv2.LINE_AA)
    img = clean.copy()
    truth = finger(img, "left", 0.5, 14.0)
    rep = detect_fingers(img, DPI)
    assert len(rep.fingers) == 1 and rep.fingers[0].split  # the lines joined its blob
    assert_forced_fill_spares_ink(clean, img, truth, rep)
