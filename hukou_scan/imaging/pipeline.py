"""``process_frame``: camera frame (or scanned file) → upright, flat, clean page(s).

Stages and their order:

1. **detect** the page quad (or take the clerk's manual quad);
2. **rectify a preview** (long side ≈ 1400 px) with the quad's homography;
3. **deskew**: residual content skew on the preview (or the manual angle);
4. **split**: look for a book-spread gutter on the deskewed preview;
5. **warp** each part once from the *original* frame with one combined homography
   (quad → rectangle, residual rotation, part crop, scale to the target dpi), so the
   master is resampled exactly once;
6. **orientation** 0/90/180/270 on a small copy of each part;
6b. **dewarp**: fit the sheet of a curved (bound) page on the upright master, unless the
   page is flat or the clerk switched it off (``PageGeometry.dewarp``; see :mod:`.dewarp`);
7. **enhance**: the grey/bitonal/colour derivative, from the flattened master when 6b
   applied (the master itself stays untouched: flattening is recorded, not baked in);
8. **quality** gate per part and for the frame.

Everything is a pure function of the original frame, the :class:`PageGeometry`
(manual values win over automatic ones) and :class:`ProcessOptions`; both are
recorded with the page so any page can be remade later with better settings.

Geometry conventions: ``ProcessResult.skew_deg`` is the page's rotation as found
in the frame (quad rotation + residual), counter-clockwise positive;
``PageGeometry.skew_deg`` stores only the *residual* rotation applied after the
perspective correction (for split parts it is 0, because a part's quad already
includes it).  ``orientation`` is the clockwise turn of the content that was undone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.domain.models import PageGeometry, Quad
from hukou_scan.errors import ImageProcessingError
from hukou_scan.imaging import perspective as persp
from hukou_scan.imaging.deskew import estimate_orientation, estimate_skew, rotate_cardinal
from hukou_scan.imaging.detect import Detection, detect_page, quad_from_array, quad_rotation_deg, shrink
from hukou_scan.imaging.dewarp import DewarpParams, dewarp_page
from hukou_scan.imaging.enhance import EnhanceParams, enhance, flatten
from hukou_scan.imaging.fingers import detect_fingers, fill_fingers
from hukou_scan.imaging.quality import assess_frame, assess_page, ink_coverage
from hukou_scan.imaging.split import find_gutter

log = logging.getLogger(__name__)

U8 = NDArray[Any]
F64 = NDArray[Any]
PIPELINE_VERSION = "2"  # 2: curved-page flattening replaces the spine shift


@dataclass(frozen=True)
class ProcessOptions:
    """Tunable parameters (per batch or per station), recorded in each page's metadata.

    Attributes:
        target_dpi: resolution of the rectified master; None keeps the camera's pixels.
        paper: paper format of one page (A4, A3, B5, 16K…) used to derive the effective dpi.
        px_per_mm: camera calibration at desk height (wins over ``paper``).
        spread: "auto" detects two-page spreads, "never" / "always" force it.
        deskew / orientation: run those automatic stages.
        orientation_min_confidence: turn a page only when this sure.
        max_upscale: never resample a page up by more than this factor to reach the
            target dpi (a 50 dpi photo stays small; its effective dpi is flagged).
        full_frame: when no page outline is found but the frame itself looks like a
            page (a flat scan, a close-up), process the whole frame as the page.
        dewarp: flatten curved (bound) pages; a page can opt out (``PageGeometry.dewarp``).
        enhance: derivative parameters.
    """

    target_dpi: float | None = 300.0
    paper: str | None = "A4"
    px_per_mm: float | None = None
    spread: str = "auto"
    deskew: bool = True
    orientation: bool = True
    orientation_min_confidence: float = 0.25
    max_skew_deg: float = 15.0
    max_upscale: float = 2.0
    full_frame: bool = True
    dewarp: bool = True
    enhance: EnhanceParams = field(default_factory=EnhanceParams)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_dpi": self.target_dpi,
            "paper": self.paper,
            "px_per_mm": self.px_per_mm,
            "spread": self.spread,
            "deskew": self.deskew,
            "orientation": self.orientation,
            "orientation_min_confidence": self.orientation_min_confidence,
            "max_skew_deg": self.max_skew_deg,
            "max_upscale": self.max_upscale,
            "full_frame": self.full_frame,
            "dewarp": self.dewarp,
            "enhance": self.enhance.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> ProcessOptions:
        d = dict(d or {})
        base = cls()
        enh = EnhanceParams.from_dict(d.pop("enhance", None) if isinstance(d.get("enhance"), dict) else None)
        if isinstance(d.get("enhance"), str):
            enh = replace(enh, mode=str(d.pop("enhance")))
        if "derivative" in d:
            enh = replace(enh, mode=str(d.pop("derivative")))
        kwargs: dict[str, Any] = {}
        if "flatten_spine" in d and "dewarp" not in d:  # metadata written before pipeline 2
            d["dewarp"] = bool(d.pop("flatten_spine"))
        for k in (
            "target_dpi",
            "paper",
            "px_per_mm",
            "spread",
            "deskew",
            "orientation",
            "orientation_min_confidence",
            "max_skew_deg",
            "max_upscale",
            "full_frame",
            "dewarp",
        ):
            if k in d:
                kwargs[k] = d[k]
        opts = replace(base, enhance=enh, **kwargs)
        if opts.paper and persp.paper_mm(opts.paper) is None:
            names = ", ".join(persp.PAPER_SIZES_MM)
            raise ImageProcessingError(
                f"未知纸张规格：{opts.paper}（可选 {names}）",
                f"Unknown paper format: {opts.paper} (one of {names})",
            )
        if opts.spread not in ("auto", "never", "always"):
            raise ImageProcessingError(
                f"分页设置无效：{opts.spread}",
                f"Invalid spread setting: {opts.spread}",
                hint_en="auto, never or always",
            )
        return opts


@dataclass
class PartResult:
    """One page after processing (a spread yields two)."""

    side: str  # none | left | right
    quad: Quad  # this page's corners in input pixel coordinates
    master: U8  # colour preservation master (geometry only)
    derivative: U8  # cleaned grey / bitonal / colour derivative for OCR and export
    dpi: float | None  # effective (camera) resolution
    master_dpi: float  # resolution the master is stored at
    residual_skew_deg: float
    orientation: int
    orientation_confidence: float
    blank: bool
    quality: dict[str, Any]
    geometry: PageGeometry
    dewarp: DewarpParams = field(default_factory=DewarpParams)


@dataclass
class ProcessResult:
    """Everything ``process_frame`` found and made.  ``parts`` is empty when no page was found."""

    found: bool
    reason: str
    source: str  # detected | manual | part | full_frame | none
    frame_size: tuple[int, int]
    quad: Quad | None
    skew_deg: float
    residual_skew_deg: float
    orientation: int
    parts: list[PartResult]
    blank: bool | None
    quality: dict[str, Any]
    dpi: float | None
    timings_ms: dict[str, float]
    spread: bool = False
    detection: dict[str, Any] = field(default_factory=dict)
    options: ProcessOptions = field(default_factory=ProcessOptions)

    def meta(self, part: PartResult | None = None) -> dict[str, Any]:
        """Process metadata to store with a page (JSON-safe)."""
        m: dict[str, Any] = {
            "pipeline": PIPELINE_VERSION,
            "source": self.source,
            "frame_size": list(self.frame_size),
            "frame_quad": self.quad.to_list() if self.quad else None,
            "page_rotation_deg": round(self.skew_deg, 4),
            "spread": self.spread,
            "options": self.options.to_dict(),
            "timings_ms": self.timings_ms,
            "detection": self.detection,
        }
        if part is not None:
            m.update(
                {
                    "side": part.side,
                    "effective_dpi": round(part.dpi, 1) if part.dpi else None,
                    "master_dpi": round(part.master_dpi, 1),
                    "residual_skew_deg": round(part.residual_skew_deg, 4),
                    "orientation": part.orientation,
                    "orientation_confidence": round(part.orientation_confidence, 3),
                    "dewarp": part.dewarp.to_dict(),
                    "derivative": part.geometry.enhance,
                }
            )
        return m


def limit_threads(threads: int) -> None:
    """Cap OpenCV's own thread pool (a worker process gets about one core's worth).

    Why: on a two-core station a worker whose OpenCV calls fan out over every core
    takes the CPU the UI thread and the camera need, even at a lower priority.
    """
    cv2.setNumThreads(max(1, threads))


def _normalise(image: Any) -> U8:
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise ImageProcessingError("图像为空。", "The image is empty.")
    img = image
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    elif img.ndim == 3 and img.shape[2] == 1:
        img = cv2.cvtColor(img[..., 0], cv2.COLOR_GRAY2BGR)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ImageProcessingError("不支持的图像格式。", f"Unsupported image shape {image.shape}.")
    return np.ascontiguousarray(img)


def _looks_like_page(frame: U8) -> bool:
    """A frame that is (nearly) all paper: bright, low chroma, and carrying real ink.

    Empty desks fail on one of the three: dark (wood, pads), coloured (mats, cloth) or
    without ink (grey desk, light wood grain is too faint to count as ink).
    """
    small, _ = shrink(frame, 512)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab).astype(np.float32)
    light = float(np.median(lab[..., 0]))
    chroma = float(np.median(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)))
    if light < 120 or chroma > 30:
        return False
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    coverage, _ = ink_coverage(flatten(grey, 300.0 * max(small.shape) / 3508.0))
    return coverage >= 0.003


def _frame_quad(w: int, h: int) -> F64:
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) - 0.5


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000.0, 2)


def process_frame(
    image_bgr: NDArray[Any],
    geometry: PageGeometry | None = None,
    options: ProcessOptions | None = None,
    *,
    desk_reference: NDArray[Any] | None = None,
) -> ProcessResult:
    """Run the whole pipeline on one frame.

    Args:
        image_bgr: BGR (or grey/BGRA) image, as decoded with EXIF orientation applied.
        geometry: recorded geometry of the page; manual values (``quad_manual``,
            ``skew_manual``, ``orientation_manual``) are used instead of detection,
            and a ``split`` of left/right means "this is already one half: use its quad";
            ``spread`` always/never overrides ``options.spread`` for this page.
        options: processing parameters.
        desk_reference: the camera's picture of the empty desk before this capture
            (``geometry.desk_ref`` loaded by the caller); page detection compares the
            frame with it (see :func:`~hukou_scan.imaging.detect.detect_page`).

    Returns:
        A :class:`ProcessResult`; never raises for "no page" (``found`` is False).

    Raises:
        ImageProcessingError: the input is not an image.
    """
    t_all = time.perf_counter()
    opts = options or ProcessOptions()
    geo = geometry or PageGeometry()
    frame = _normalise(image_bgr)
    h, w = frame.shape[:2]
    timings: dict[str, float] = {}

    # 1. page outline ------------------------------------------------------------------
    t0 = time.perf_counter()
    det: Detection | None = None
    cut_off = False
    if geo.quad is not None and (geo.quad_manual or geo.split in ("left", "right")):
        quad_arr = persp.quad_to_array(geo.quad)
        source = "manual" if geo.quad_manual else "part"
    else:
        det = detect_page(frame, desk_reference=desk_reference)
        if det.quad is not None:
            quad_arr = persp.quad_to_array(det.quad)
            source = "detected"
            cut_off = det.cut_off
        elif opts.full_frame and min(h, w) >= 32 and _looks_like_page(frame):
            quad_arr = _frame_quad(w, h)
            source = "full_frame"
        else:
            source = "none"
    timings["detect"] = _ms(t0)
    detection = (
        {
            "reason": det.reason,
            "confidence": round(det.confidence, 3),
            **{k: round(v, 4) for k, v in det.details.items()},
        }
        if det
        else {}
    )
    if source == "none":
        reason = det.reason if det else "no_page"
        quality = assess_frame({}, cut_off=False, found=False)
        timings["total"] = _ms(t_all)
        return ProcessResult(
            False,
            reason,
            source,
            (w, h),
            None,
            0.0,
            0.0,
            0,
            [],
            None,
            quality,
            None,
            timings,
            False,
            detection,
            opts,
        )
    if source in ("manual", "part"):
        cut_off = bool(
            (quad_arr[:, 0] <= 1).any()
            or (quad_arr[:, 1] <= 1).any()
            or (quad_arr[:, 0] >= w - 2).any()
            or (quad_arr[:, 1] >= h - 2).any()
        )

    # 2. rectified preview -------------------------------------------------------------
    t0 = time.perf_counter()
    size_native = persp.quad_size_px(quad_arr)
    nat_w, nat_h = max(1, round(size_native[0])), max(1, round(size_native[1]))
    pv_scale = min(1.0, 1400.0 / max(nat_w, nat_h))
    pv_w, pv_h = max(1, round(nat_w * pv_scale)), max(1, round(nat_h * pv_scale))
    h_native = persp.rect_homography(quad_arr, nat_w, nat_h)
    s_pv = np.diag([pv_scale, pv_scale, 1.0])
    preview = persp.warp(frame, s_pv @ h_native, pv_w, pv_h)
    timings["rectify_preview"] = _ms(t0)

    # 3. residual skew -----------------------------------------------------------------
    t0 = time.perf_counter()
    residual = 0.0
    if geo.skew_manual:
        residual = float(geo.skew_deg)
    elif opts.deskew and source != "part":
        est = estimate_skew(preview, max_angle=opts.max_skew_deg)
        if est.confidence >= 0.2:  # blank paper, wood grain: no reliable lines
            residual = est.angle_deg
    timings["deskew"] = _ms(t0)
    rot_native = persp.rotation_about_centre(-residual, nat_w, nat_h)

    # 4. spread split ------------------------------------------------------------------
    t0 = time.perf_counter()
    ranges: list[tuple[str, float, float]] = [("none", 0.0, 1.0)]
    spread = False
    gutter_info: dict[str, float] = {}
    spread_mode = geo.spread if geo.spread in ("always", "never") else opts.spread  # the clerk's choice wins
    if geo.split in ("left", "right"):
        ranges = [(geo.split, 0.0, 1.0)]
    elif spread_mode != "never":
        pv_desk = (
            persp.warp(preview, persp.rotation_about_centre(-residual, pv_w, pv_h), pv_w, pv_h)
            if residual
            else preview
        )
        g = find_gutter(pv_desk, min_aspect=1.0 if spread_mode == "always" else 1.15)
        gutter_info = {"x": round(g.x_frac, 4), "dip": round(g.dip, 4), "ink_gap": round(g.ink_gap, 4)}
        if g.is_spread or spread_mode == "always":
            spread = True
            x = g.x_frac if g.is_spread else 0.5
            ranges = [("left", 0.0, x), ("right", x, 1.0)]
    timings["split"] = _ms(t0)
    if gutter_info:
        detection["gutter"] = gutter_info

    # 5–8. per part ----------------------------------------------------------------------
    parts: list[PartResult] = []
    t_warp = t_orient = t_dewarp = t_enh = t_q = 0.0
    inv_base = np.linalg.inv(rot_native @ h_native)
    for side, x0, x1 in ranges:
        t0 = time.perf_counter()
        px0, px1 = x0 * nat_w, x1 * nat_w
        part_w = max(1.0, px1 - px0)
        eff = persp.effective_dpi(
            (part_w, float(nat_h)), paper=persp.paper_mm(opts.paper), px_per_mm=opts.px_per_mm
        )
        target = opts.target_dpi
        if target and eff and target > eff * opts.max_upscale:
            target = eff * opts.max_upscale  # do not blow a tiny image up sixfold
        out_w, out_h = persp.output_size((part_w, float(nat_h)), eff, target)
        f = out_w / part_w
        master_dpi = (eff * f) if eff else 300.0
        crop = np.array([[1, 0, -px0], [0, 1, 0], [0, 0, 1]], np.float64)
        h_final = np.diag([f, out_h / nat_h, 1.0]) @ crop @ rot_native @ h_native
        master = persp.warp(frame, h_final, out_w, out_h)
        part_rect = np.array([[px0, 0], [px1, 0], [px1, nat_h], [px0, nat_h]], np.float64) - 0.5
        part_quad = quad_from_array(persp.map_points(inv_base, part_rect))
        t_warp += time.perf_counter() - t0

        t0 = time.perf_counter()
        # one half-size copy feeds orientation, enhancement and quality (no repeated 8 MP shrinks)
        mh, mw = master.shape[:2]
        half = (
            np.asarray(cv2.resize(master, (mw // 2, mh // 2), interpolation=cv2.INTER_LINEAR), np.uint8)
            if max(mh, mw) > 2400
            else master
        )
        orientation, oconf = 0, 0.0
        if geo.orientation_manual:
            orientation = geo.orientation % 360
        elif opts.orientation:
            o = estimate_orientation(half)
            oconf = o.confidence
            if o.confidence >= opts.orientation_min_confidence:
                orientation = o.orientation
        # undo the content's clockwise turn, then apply the clerk's clockwise turns
        turn = (orientation - geo.extra_rotation) % 360
        if turn:
            master = rotate_cardinal(master, turn)
            half = rotate_cardinal(half, turn) if half is not master else master
        t_orient += time.perf_counter() - t0

        # the master stays as the camera saw it (geometry only); the derivative is flattened
        t0 = time.perf_counter()
        dewarp = DewarpParams(reason="off")
        flat, flat_half = master, half
        if opts.dewarp and geo.dewarp != "off":
            flat, dewarp = dewarp_page(master)
            if dewarp.applied:
                flat_half = (
                    np.asarray(cv2.resize(flat, (half.shape[1], half.shape[0])), np.uint8)
                    if half is not master
                    else flat
                )
        t_dewarp += time.perf_counter() - t0

        t0 = time.perf_counter()
        deriv = enhance(flat, master_dpi, opts.enhance, reduced=flat_half).image
        t_enh += time.perf_counter() - t0

        # the clerk's fingers at the page edge: painted out of the margin, flagged over text
        t0 = time.perf_counter()
        # on the image the derivative was made from (the flattened one when 6b applied),
        # so finger masks and the derivative share their pixels
        fingers = detect_fingers(flat, master_dpi, reduced=flat_half)
        deriv, filled_px = fill_fingers(deriv, flat, fingers)
        timings["fingers"] = timings.get("fingers", 0.0) + _ms(t0)

        t0 = time.perf_counter()
        q = assess_page(
            master,
            dpi_effective=eff,
            dpi_master=master_dpi,
            residual_skew_deg=residual,
            camera=source != "full_frame",
            reduced=half,
            fingers=fingers,
            filled_px=filled_px,
        )
        q = assess_frame(q, cut_off=cut_off, found=True)
        t_q += time.perf_counter() - t0
        part_geo = PageGeometry(
            quad=part_quad if side != "none" else quad_from_array(quad_arr),
            quad_manual=geo.quad_manual,
            skew_deg=0.0 if side in ("left", "right") else residual,
            skew_manual=geo.skew_manual,
            orientation=orientation,
            orientation_manual=geo.orientation_manual,
            split=side,
            enhance=opts.enhance.mode,
            extra_rotation=geo.extra_rotation,
            spread=geo.spread,
            dewarp=geo.dewarp,
            desk_ref=geo.desk_ref,
        )
        parts.append(
            PartResult(
                side=side,
                quad=part_quad if side != "none" else quad_from_array(quad_arr),
                master=master,
                derivative=deriv,
                dpi=eff,
                master_dpi=master_dpi,
                residual_skew_deg=residual,
                orientation=orientation,
                orientation_confidence=oconf,
                blank=bool(q["blank"]["flag"]),
                quality=q,
                geometry=part_geo,
                dewarp=dewarp,
            )
        )
    timings["warp"] = round(t_warp * 1000, 2)
    timings["orientation"] = round(t_orient * 1000, 2)
    timings["dewarp"] = round(t_dewarp * 1000, 2)
    timings["enhance"] = round(t_enh * 1000, 2)
    timings["quality"] = round(t_q * 1000, 2)
    timings["total"] = _ms(t_all)

    page_quad = quad_from_array(quad_arr) if source != "full_frame" else None
    rotation = quad_rotation_deg(quad_from_array(quad_arr)) if source != "full_frame" else 0.0
    quality = _merge_quality([p.quality for p in parts])
    dpis = [p.dpi for p in parts if p.dpi]
    log.debug(
        "processed frame %dx%d source=%s parts=%d total=%.0f ms", w, h, source, len(parts), timings["total"]
    )
    return ProcessResult(
        found=True,
        reason="",
        source=source,
        frame_size=(w, h),
        quad=page_quad,
        skew_deg=_wrap_angle(rotation + residual),
        residual_skew_deg=residual,
        orientation=parts[0].orientation if parts else 0,
        parts=parts,
        blank=all(p.blank for p in parts),
        quality=quality,
        dpi=min(dpis) if dpis else None,
        timings_ms=timings,
        spread=spread,
        detection=detection,
        options=opts,
    )


def _wrap_angle(a: float) -> float:
    return (a + 180.0) % 360.0 - 180.0


def _merge_quality(qs: list[dict[str, Any]]) -> dict[str, Any]:
    """Frame-level summary: for each key the entry of the worst part (flagged first)."""
    if len(qs) == 1:
        return qs[0]
    out: dict[str, Any] = {}
    for q in qs:
        for k, v in q.items():
            cur = out.get(k)
            if cur is None or (v.get("flag") and not cur.get("flag")):
                out[k] = v
    return out


def measure_skew_deg(quad: Quad) -> float:
    """Rotation of a page quad (CCW positive); re-exported for callers that draw overlays."""
    return quad_rotation_deg(quad)


__all__ = ["PartResult", "ProcessOptions", "ProcessResult", "measure_skew_deg", "process_frame"]
