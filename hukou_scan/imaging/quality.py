"""Blank-page detection and the capture quality gate.

The clerk must learn *before turning the page* that a capture is unusable, so all
checks run on small copies and take a few milliseconds.

Shape of ``Page.quality`` (agreed with the OCR, review and export areas)::

    {
      "<key>": {"flag": bool, "value": float, "threshold": float,
                "message_zh": str, "message_en": str},
      ...
    }

Keys (all optional; a missing key means "not measured"):

- ``blank``: value = share of the page covered by real ink (show-through from the
  back of the sheet does not count); flag when below the threshold.
- ``blur``: value = edge-spread ratio (1.0 crisp … 2.0 very soft); flag when above.
- ``overexposed``: value = share of page pixels clipped to white.
- ``underexposed``: value = median paper brightness (0–255) before flattening.
- ``cut_off``: value = 1.0 when the page runs into the frame edge.
- ``glare``: value = share of the page covered by specular hot spots.
- ``skew_residual_deg``: value = |skew of the content relative to the page edges|
  (what perspective correction could not explain); flag above 3°.
- ``hand``: value = share of the page covered by skin-coloured regions.  When the
  finger detector ran (:mod:`hukou_scan.imaging.fingers`) the entry also carries
  ``fingers`` (how many entered from the page edge), ``fingers_over_text`` and
  ``filled_px`` (pixels of margin-only fingers painted with the paper colour in the
  derivative).  It is flagged with "手指遮挡文字，请重拍" when a finger covers text or
  form cells; fingers over the margin only are painted out and not flagged; skin
  elsewhere (a hand over the page, not a finger at its edge) flags as before.
- ``dpi_low``: value = effective dpi; flag below 200 (the standard's minimum), or
  below 300 when the text is small (characters under 3 mm); ``small_text_mm`` gives
  the measured character height when known.
- ``no_page``: value = 1.0 when no page was found in the frame.

Every flagged entry carries a message in Chinese and English for the capture screen.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.domain.models import Quad
from hukou_scan.imaging.detect import shrink, skin_mask
from hukou_scan.imaging.enhance import flatten, percentile_u8
from hukou_scan.imaging.fingers import FingerReport

U8 = NDArray[Any]

THRESHOLDS: dict[str, float] = {
    "blank": 0.0015,
    "blur": 1.4,
    "overexposed": 0.08,
    "underexposed": 70.0,
    "glare": 0.004,
    "skew_residual_deg": 3.0,
    "hand": 0.004,
    "dpi_min": 200.0,
    "dpi_small_text": 300.0,
    "small_text_mm": 3.0,
}

MESSAGES: dict[str, tuple[str, str]] = {
    "blank": ("空白页（可能是表格背面）。", "Blank page (probably the back of a form)."),
    "blur": ("图像模糊，请对焦后重拍。", "The image is blurred; focus and capture again."),
    "overexposed": (
        "曝光过度，纸面发白丢失细节，请调暗光线。",
        "Over-exposed: paper detail is lost; reduce the light.",
    ),
    "underexposed": ("曝光不足，画面太暗，请增加光线。", "Under-exposed: too dark; add light."),
    "cut_off": (
        "页面被画面边缘截断，请把整页放进画面。",
        "The page runs off the frame edge; fit the whole page in.",
    ),
    "glare": ("有反光亮斑，请调整灯光角度。", "Glare spots on the page; change the lamp angle."),
    "skew_residual_deg": (
        "内容相对纸边歪斜超过 3°，已自动校正，请核对。",
        "Content is skewed more than 3° against the page edges; corrected automatically, please check.",
    ),
    "hand": (
        "手指或手遮挡了页面，请移开后重拍。",
        "A hand or finger covers the page; move it away and capture again.",
    ),
    "fingers_text": (
        "手指遮挡文字，请重拍。",
        "A finger covers text; move it off the writing and capture again.",
    ),
    "dpi_low": (
        "有效分辨率低于 200 dpi，请靠近拍摄或更换相机。",
        "Effective resolution below 200 dpi; move closer or use a better camera.",
    ),
    "dpi_low_small": (
        "字迹较小，有效分辨率低于 300 dpi，建议分区拍摄。",
        "Small text and effective resolution below 300 dpi; consider capturing the page in parts.",
    ),
    "no_page": ("未找到页面。", "No page found in the frame."),
}


def entry(
    key: str, flag: bool, value: float, threshold: float | None = None, msg_key: str | None = None
) -> dict[str, Any]:
    zh, en = MESSAGES[msg_key or key]
    out: dict[str, Any] = {"flag": bool(flag), "value": round(float(value), 4)}
    if threshold is not None:
        out["threshold"] = threshold
    out["message_zh"] = zh if flag else ""
    out["message_en"] = en if flag else ""
    return out


def ink_coverage(flat_grey: NDArray[Any]) -> tuple[float, U8]:
    """Share of pixels that are real ink on a flattened page (paper = 1.0).

    Show-through from the back is faint (≥ 0.8 of paper) and blurred; ink is darker
    than 0.7 of paper.  A small opening removes paper fibre and JPEG specks.
    """
    ink = (flat_grey < 0.7).astype(np.uint8)
    return float(cv2.countNonZero(ink)) / float(ink.size), ink


def blur_ratio(grey: U8) -> float:
    """Edge-spread ratio: ~1 for crisp edges, → 2 for blurred ones (contrast-independent).

    A crisp step edge keeps its per-pixel gradient when the image is halved; a soft
    edge spread over several pixels has its per-pixel gradient doubled.  We compare
    the strongest gradients (99.5th percentile) at the two scales.
    """
    g = grey.astype(np.float32)
    half = cv2.resize(g, (max(1, g.shape[1] // 2), max(1, g.shape[0] // 2)), interpolation=cv2.INTER_AREA)

    def p(img: NDArray[Any]) -> float:
        gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
        mag = cv2.magnitude(gx, gy)
        return float(np.partition(mag.ravel(), int(mag.size * 0.995))[int(mag.size * 0.995)])

    full = p(g)
    return p(half) / full if full > 1e-3 else 1.0


def char_height_mm(ink: U8, dpi: float) -> float | None:
    """Typical character height in mm (80th percentile of blob heights: CJK glyphs split into radicals)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 20:
        return None
    hs = stats[1:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    ws = stats[1:, cv2.CC_STAT_WIDTH].astype(np.float64)
    keep = (hs >= 3) & (ws < hs * 4) & (hs < ink.shape[0] * 0.05)
    if keep.sum() < 20:
        return None
    return float(np.percentile(hs[keep], 80)) / dpi * 25.4


def assess_page(
    master: U8,
    *,
    dpi_effective: float | None,
    dpi_master: float,
    residual_skew_deg: float = 0.0,
    camera: bool = True,
    reduced: U8 | None = None,
    fingers: FingerReport | None = None,
    filled_px: int = 0,
) -> dict[str, Any]:
    """Quality of one rectified page (master colour image).  Fast: works on ≤ 1000 px.

    ``camera`` is False for flat scans and born-digital files, whose pure-white paper
    is normal rather than over-exposed (the value is still reported).  ``reduced`` is
    an optional smaller copy of the master (e.g. half size) to start from.
    ``fingers`` is :func:`~hukou_scan.imaging.fingers.detect_fingers` on the master and
    ``filled_px`` what the fill painted out of the derivative (see the ``hand`` key).
    """
    base = reduced if reduced is not None else master
    small, _ = shrink(base, 1000)
    scale = small.shape[1] / master.shape[1]
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    flat = flatten(grey, dpi_master * scale)
    coverage, ink = ink_coverage(flat)
    q: dict[str, Any] = {}
    t = THRESHOLDS
    blank = coverage < t["blank"]
    q["blank"] = entry("blank", blank, coverage, t["blank"])
    # blur is judged at the camera's real resolution (the master may be upsampled)
    long_px = max(master.shape[:2])
    native = long_px * (dpi_effective / dpi_master) if dpi_effective else long_px
    bsrc, _ = shrink(base, int(min(2000.0, native)))
    br = blur_ratio(cv2.cvtColor(bsrc, cv2.COLOR_BGR2GRAY) if bsrc.ndim == 3 else bsrc)
    q["blur"] = entry("blur", br > t["blur"], br, t["blur"])
    clipped = float(cv2.countNonZero((grey >= 252).view(np.uint8))) / grey.size
    q["overexposed"] = entry("overexposed", camera and clipped > t["overexposed"], clipped, t["overexposed"])
    paper = float(percentile_u8(grey, 90))
    q["underexposed"] = entry("underexposed", paper < t["underexposed"], paper, t["underexposed"])
    # glare: compact saturated spots that are much brighter than the surrounding paper
    if small.ndim == 3:
        b, g, r = cv2.split(small)
        sat = (cv2.min(cv2.min(b, g), r) >= 250).astype(np.uint8)
    else:
        sat = (small >= 250).astype(np.uint8)
    sat = np.asarray(cv2.morphologyEx(sat, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)), np.uint8)
    glare = float(cv2.countNonZero(sat)) / sat.size if camera and clipped <= t["overexposed"] else 0.0
    q["glare"] = entry("glare", glare > t["glare"], glare, t["glare"])
    q["skew_residual_deg"] = entry(
        "skew_residual_deg",
        abs(residual_skew_deg) > t["skew_residual_deg"],
        abs(residual_skew_deg),
        t["skew_residual_deg"],
    )
    if small.ndim == 3:
        skin = skin_mask(small).astype(np.uint8)
        skin = np.asarray(
            cv2.morphologyEx(skin, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))),
            np.uint8,
        )
        hand = float(cv2.countNonZero(skin)) / skin.size
        if fingers is None:
            q["hand"] = entry("hand", hand > t["hand"], hand, t["hand"])
        else:
            q["hand"] = _hand_with_fingers(skin, hand, fingers, filled_px)
    if dpi_effective is not None:
        ch = char_height_mm(ink, dpi_master * scale) if not blank else None
        small_text = ch is not None and ch < t["small_text_mm"]
        if dpi_effective < t["dpi_min"]:
            e = entry("dpi_low", True, dpi_effective, t["dpi_min"])
        elif small_text and dpi_effective < t["dpi_small_text"]:
            e = entry("dpi_low", True, dpi_effective, t["dpi_small_text"], msg_key="dpi_low_small")
        else:
            e = entry("dpi_low", False, dpi_effective, t["dpi_min"])
        if ch is not None:
            e["small_text_mm"] = round(ch, 2)
        q["dpi_low"] = e
    return q


def _hand_with_fingers(skin: U8, share: float, fingers: FingerReport, filled_px: int) -> dict[str, Any]:
    """The ``hand`` entry when the finger detector ran: fingers over text flag with their own
    message; margin-only fingers (painted out) do not count towards the skin share."""
    t = THRESHOLDS["hand"]
    over_text = sum(1 for f in fingers.fingers if f.covers_content)
    if fingers.fingers:
        fm = cv2.resize(fingers.mask, (skin.shape[1], skin.shape[0]), interpolation=cv2.INTER_NEAREST)
        fm = cv2.dilate(fm, np.ones((5, 5), np.uint8))
        rest = float(cv2.countNonZero(cv2.bitwise_and(skin, cv2.bitwise_not(fm * 255)))) / skin.size
    else:
        rest = share
    if over_text:
        e = entry("hand", True, share, t, msg_key="fingers_text")
    else:
        e = entry("hand", rest > t, share, t)
    e["fingers"] = len(fingers.fingers)
    e["fingers_over_text"] = over_text
    e["filled_px"] = int(filled_px)
    e["skin_share"] = round(share, 4)
    return e


def assess_frame(quality: dict[str, Any], *, cut_off: bool, found: bool) -> dict[str, Any]:
    """Add the frame-level checks (page found, page cut by the frame edge)."""
    out = dict(quality)
    out["cut_off"] = entry("cut_off", cut_off, 1.0 if cut_off else 0.0)
    if not found:
        out["no_page"] = entry("no_page", True, 1.0)
    return out


def flagged(quality: dict[str, Any]) -> list[str]:
    """Keys whose flag is set, in a stable order (for summaries and the CLI)."""
    return sorted(k for k, v in quality.items() if isinstance(v, dict) and v.get("flag"))


def quad_touches_frame(quad: Quad, w: int, h: int, tol: float = 2.0) -> bool:
    return any(x <= tol or y <= tol or x >= w - 1 - tol or y >= h - 1 - tol for x, y in quad.points())
