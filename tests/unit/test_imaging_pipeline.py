"""process_frame end to end: geometry, spreads, manual values, derivatives, non-pages, real files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from hukou_scan.capture.simulated.scene import FRAME_8MP, compose_frame, empty_desk, spread
from hukou_scan.domain.models import PageGeometry, Quad
from hukou_scan.errors import ImageProcessingError
from hukou_scan.imaging.detect import quad_iou
from hukou_scan.imaging.enhance import EnhanceParams
from hukou_scan.imaging.io import decode_image, encode_master, encode_png
from hukou_scan.imaging.pipeline import ProcessOptions, process_frame
from tests.imaging_helpers import SMALL_FRAME, blank_back, form_page, household_page, manifest, read_real


def test_camera_frame_becomes_an_upright_a4_master() -> None:
    frame = compose_frame(form_page(150), desk="light_wood", seed=21, size=FRAME_8MP)
    r = process_frame(frame.image)
    assert r.found and r.source == "detected" and frame.quad is not None and r.quad is not None
    assert quad_iou(r.quad, frame.quad) > 0.995
    assert r.skew_deg == pytest.approx(frame.rotation_deg, abs=0.3)
    assert len(r.parts) == 1
    part = r.parts[0]
    h, w = part.master.shape[:2]
    assert h / w == pytest.approx(297 / 210, rel=0.02)  # upright A4
    assert part.master_dpi == pytest.approx(300, rel=0.01)
    assert part.dpi is not None and 120 < part.dpi < 220  # 8 MP over an A4 page: camera-limited
    assert part.quality["dpi_low"]["flag"]  # below 200 dpi
    assert not part.blank and r.blank is False
    assert part.orientation == 0
    assert part.derivative.ndim == 2 and part.derivative.shape == (h, w)
    # the derivative's paper is white; the master's paper keeps its yellowed colour
    assert np.median(part.derivative) >= 250
    assert np.median(part.master) < 245
    for k in ("detect", "deskew", "warp", "enhance", "quality", "total"):
        assert k in r.timings_ms


def test_master_is_geometry_only() -> None:
    """DA/T 31: the master's pixels are the frame's pixels, resampled, never cleaned."""
    frame = compose_frame(form_page(100), desk="dark_wood", seed=22, size=SMALL_FRAME)
    r = process_frame(frame.image, options=ProcessOptions(target_dpi=None, deskew=False, orientation=False))
    part = r.parts[0]
    assert r.quad is not None
    # sample the frame at the quad's centre and the master's centre: same colour
    q = np.array(r.quad.points())
    cx, cy = q.mean(axis=0)
    f = frame.image[int(cy) - 3 : int(cy) + 3, int(cx) - 3 : int(cx) + 3].reshape(-1, 3).mean(axis=0)
    mh, mw = part.master.shape[:2]
    m = part.master[mh // 2 - 3 : mh // 2 + 3, mw // 2 - 3 : mw // 2 + 3].reshape(-1, 3).mean(axis=0)
    assert np.abs(f - m).max() < 25


def test_book_spread_is_split_into_two_pages() -> None:
    img, frac = spread(form_page(100), household_page(100))
    frame = compose_frame(img, desk="dark_wood", seed=23, size=SMALL_FRAME, spread_split=frac)
    r = process_frame(frame.image)
    assert r.spread and [p.side for p in r.parts] == ["left", "right"]
    for part, truth in zip(r.parts, frame.parts, strict=True):
        assert quad_iou(part.quad, truth) > 0.98
        assert part.geometry.split == part.side
        assert not part.blank
    # never: one landscape page
    r2 = process_frame(frame.image, options=ProcessOptions(spread="never"))
    assert not r2.spread and len(r2.parts) == 1


def test_single_portrait_page_is_not_split() -> None:
    frame = compose_frame(household_page(100), desk="grey_desk", seed=24, size=SMALL_FRAME)
    r = process_frame(frame.image)
    assert not r.spread and len(r.parts) == 1


def test_manual_geometry_wins_over_detection() -> None:
    frame = compose_frame(form_page(100), desk="cloth", seed=25, size=SMALL_FRAME)
    manual = Quad((300.0, 100.0), (1300.0, 100.0), (1300.0, 1100.0), (300.0, 1100.0))
    geo = PageGeometry(
        quad=manual,
        quad_manual=True,
        skew_deg=1.5,
        skew_manual=True,
        orientation=180,
        orientation_manual=True,
    )
    r = process_frame(frame.image, geo)
    assert r.source == "manual" and r.quad == manual
    part = r.parts[0]
    assert part.residual_skew_deg == 1.5 and part.orientation == 180
    assert part.geometry.quad_manual and part.geometry.skew_manual and part.geometry.orientation_manual
    assert part.geometry.quad == manual


def test_blank_back_with_show_through_is_blank() -> None:
    frame = compose_frame(blank_back(100), desk="dark_wood", seed=26, size=SMALL_FRAME)
    r = process_frame(frame.image)
    assert r.found and r.blank is True
    assert r.quality["blank"]["flag"] and r.quality["blank"]["message_zh"]
    assert r.parts[0].residual_skew_deg == 0.0


@pytest.mark.parametrize("mode", ["grey", "bitonal", "colour"])
def test_derivative_modes(mode: str) -> None:
    frame = compose_frame(form_page(100), desk="dark_wood", seed=27, size=SMALL_FRAME)
    r = process_frame(frame.image, options=ProcessOptions(enhance=EnhanceParams(mode=mode)))
    d = r.parts[0].derivative
    if mode == "bitonal":
        assert d.ndim == 2 and set(np.unique(d).tolist()) <= {0, 255}
    elif mode == "grey":
        assert d.ndim == 2
    else:
        assert d.ndim == 3
        # the red seal stays red in the cleaned colour derivative
        b, g, rr = (d[..., i].astype(int) for i in range(3))
        assert int(((rr - g > 60) & (rr - b > 60)).sum()) > 100
    data, rec = encode_png(d, bitonal=mode == "bitonal")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and rec["mode"] == (
        "bitonal" if mode == "bitonal" else ("grey" if mode == "grey" else "colour")
    )


@pytest.mark.parametrize("fmt", ["jpeg", "tiff"])
def test_master_encoding_records_codec_and_dpi(fmt: str) -> None:
    img = np.full((40, 30, 3), 200, np.uint8)
    data, rec = encode_master(img, fmt=fmt, dpi=300)
    assert rec["format"] == fmt and rec["dpi"] == 300 and rec["mode"] == "colour"
    back = decode_image(data)
    assert back.shape == (40, 30, 3)
    with pytest.raises(ImageProcessingError):
        encode_master(img, fmt="gif")


@pytest.mark.parametrize(
    "image",
    [
        empty_desk("light_wood", seed=1, size=SMALL_FRAME).image,
        empty_desk("green_mat", seed=1, size=SMALL_FRAME).image,
        np.zeros((1224, 1632, 3), np.uint8),
        np.zeros((1, 1, 3), np.uint8),
    ],
    ids=["empty-light-wood", "empty-green-mat", "black", "1x1"],
)
def test_non_pages_are_a_clear_outcome(image: np.ndarray) -> None:
    r = process_frame(image)
    assert not r.found and r.parts == [] and r.quad is None
    assert r.quality["no_page"]["flag"]
    assert r.quality["no_page"]["message_en"] == "No page found in the frame."


def test_bad_files_raise_clear_errors(tmp_path: Path) -> None:
    ok, enc = cv2.imencode(".jpg", np.full((50, 50, 3), 128, np.uint8))
    assert ok
    data = enc.tobytes()
    with pytest.raises(ImageProcessingError, match="Truncated"):
        decode_image(data[: len(data) // 2])
    with pytest.raises(ImageProcessingError, match="Empty"):
        decode_image(b"")
    with pytest.raises(ImageProcessingError, match="Cannot decode"):
        decode_image(b"not an image at all")
    with pytest.raises(ImageProcessingError):
        process_frame(np.zeros((0, 0, 3), np.uint8))
    assert decode_image(data).shape == (50, 50, 3)


def test_exif_orientation_is_applied(real_data: Path) -> None:
    items = {it["file"]: it for it in manifest(real_data)}
    rel = "camera_pages/jscanify_test6.JPG"
    assert rel in items
    img = decode_image((real_data / rel).read_bytes())
    assert img.shape[0] > img.shape[1]  # stored landscape + Orientation=6 → shown portrait
    rel3 = "zh_docs/rapidocr_img_exif_orientation.jpg"
    img3 = decode_image((real_data / rel3).read_bytes())
    raw = cv2.imdecode(
        np.fromfile(str(real_data / rel3), np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    )
    assert np.array_equal(img3, cv2.rotate(raw, cv2.ROTATE_180))


def test_real_scans_and_photos_process(real_data: Path) -> None:
    """Every real image goes through without crashing; scans fall back to the full frame."""
    for rel in [
        "skew/sbrunner-deskew_deskew-2.png",
        "skew/ocrmypdf_skew_r100-1.png",
        "camera_pages/jscanify_test.png",
    ]:
        r = process_frame(read_real(real_data, rel))
        assert r.found, rel
        assert r.parts and r.parts[0].master.size > 0
    r = process_frame(read_real(real_data, "skew/ocrmypdf_skew_r100-1.png"))
    assert r.source == "full_frame" and r.quad is None
    assert r.skew_deg == pytest.approx(-1.865, abs=0.1)


def test_sideways_single_page_is_turned_not_split() -> None:
    page = cv2.rotate(cv2.cvtColor(form_page(100), cv2.COLOR_RGB2BGR), cv2.ROTATE_90_CLOCKWISE)
    frame = compose_frame(cv2.cvtColor(page, cv2.COLOR_BGR2RGB), desk="dark_wood", seed=28, size=SMALL_FRAME)
    r = process_frame(frame.image)
    assert not r.spread and len(r.parts) == 1
    assert r.parts[0].orientation == 90
    h, w = r.parts[0].master.shape[:2]
    assert h > w  # upright portrait after the turn


def test_clerks_quarter_turns_are_clockwise() -> None:
    """PageGeometry.extra_rotation follows the capture screen: turns clockwise."""
    frame = compose_frame(form_page(100), desk="dark_wood", seed=29, size=SMALL_FRAME)
    opts = ProcessOptions(target_dpi=None)
    base = process_frame(frame.image, options=opts).parts[0].master
    turned = process_frame(frame.image, PageGeometry(extra_rotation=90), opts).parts[0].master
    expected = cv2.rotate(base, cv2.ROTATE_90_CLOCKWISE)
    assert turned.shape == expected.shape
    assert np.abs(turned.astype(int) - expected.astype(int)).mean() < 2


def test_options_round_trip_and_validation() -> None:
    opts = ProcessOptions.from_dict(
        {"target_dpi": 200, "paper": "16K", "derivative": "bitonal", "spread": "never"}
    )
    assert opts.target_dpi == 200 and opts.paper == "16K" and opts.enhance.mode == "bitonal"
    assert ProcessOptions.from_dict(opts.to_dict()) == opts
    with pytest.raises(ImageProcessingError):
        ProcessOptions.from_dict({"paper": "Z9"})
    with pytest.raises(ImageProcessingError):
        ProcessOptions.from_dict({"spread": "sometimes"})
