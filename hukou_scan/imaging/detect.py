"""Page detection: find the quadrilateral of a paper page lying on a desk.

Why our own code rather than a plain OpenCV "largest contour" recipe: those recipes
threshold or Canny the whole frame and fail on desks whose colour is close to old,
yellowed paper (light wood, grey desks), on patterned desks (wood grain, cutting-mat
grids) and where fingers or the frame edge break the outline.  We instead

1. work on a small copy (long side ≈ 800 px) with thin dark strokes (text, ruled
   lines, grain) removed by a grey closing, so that the page interior is smooth;
2. grow two marker-controlled watershed floods — "desk" from the frame border
   (where it does not look like paper) and "page" from the frame centre — which meet
   on the strongest colour edge between them, independent of global brightness, so
   uneven light and shadows do not matter;
3. fit four lines to the page region's outline (robust to finger notches), and
4. refine every side at full resolution from sub-pixel edge positions along
   perpendicular profiles, then intersect the sides for the corners.

That flood is precise on ordinary desks but gave up on pages that are easy for a
person (issue 17: warm-lit yellowed paper, red cloth, grid mats, black pads with
printed marks).  So two more detectors run on the same small copy when the flood's
outline is not clearly good — Otsu lightness + the blob at the centre (paper is the
brightest large thing on most desks) and a three-colour desk model sampled at the
frame border — and the candidate with the best evidence (edge contrast, edge support
along the sides, shape, difference from the desk) wins.  Openings wider than a
printed line keep corner marks, ruler scales and grid lines out of every region.  If
no candidate passes every check but one is still a plausible page, it is returned
with a low confidence and ``details["fallback"] = 1`` instead of "no page".

Two situations defeat every one of those detectors in the same way, so they are
handled around them: a page lying on a blank sheet or writing pad of about its own
colour (each detector stops at the sheet's edge; the chosen region is searched
inwards for a blank-paper to blank-paper step along its sides,
``details["sheet_sides"]``), and a picture saved with a dark frame drawn round it
(the detection runs inside the frame, ``details["picture_frame"]``).

When the caller has a picture of the empty desk (the capture side learns it from the
still frames between two pages), a fourth detector compares the frame with it: what
changed is the page, whatever the desk's colour (issue 17: "colour/brightness
segmentation against a desk model learnt from the empty-desk frames").  A pale desk
close to the paper, a writing pad of the page's own colour under it, a shadow across
the desk are all in the empty picture too, so only the page differs — in colour,
where its rim and shadow darken the desk and where its text is.  The comparison
allows a global change of light (per-channel gain), a small shift of the camera and
sensor noise; the candidate is scored like the others and, with a reference, every
candidate must also show a change along its outline and none outside it.  A
reference that no longer matches the desk (camera moved, desk changed) is ignored.

Everything is vectorised NumPy/OpenCV; the full-resolution frame is touched only
by one ``resize`` and a few thousand ``remap`` samples, so 8 MP frames take a few
tens of milliseconds.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hukou_scan.domain.models import Quad

log = logging.getLogger(__name__)

WORK_LONG_SIDE = 560  # pixels of the working copy's long side
CHROMA_GAIN = 3  # chroma stretch of the working Lab image (paper vs beige desks differ in hue)


@dataclass
class Detection:
    """Outcome of page detection.

    Attributes:
        quad: page corners TL, TR, BR, BL in input pixel coordinates, or None.
        confidence: 0..1, how clearly the outline stands out (edge contrast and shape).
        cut_off: the page runs into the frame edge on at least one side.
        touching: which frame sides the page touches ("top", "right", "bottom", "left").
        reason: why no page was found (empty when a page was found).
        contrast: mean colour difference across the outline (Lab units).
    """

    quad: Quad | None
    confidence: float = 0.0
    cut_off: bool = False
    touching: tuple[str, ...] = ()
    reason: str = ""
    contrast: float = 0.0
    details: dict[str, float] = field(default_factory=dict)


F32 = NDArray[Any]
F64 = NDArray[Any]


def order_corners(pts: NDArray[Any]) -> F64:
    """Order four points as TL, TR, BR, BL (image coordinates, y down).

    Sorting by angle around the centroid works for any rotation below 45°, which is
    how pages lie under a document camera; the top-left corner is the one whose
    angle from the centroid is closest to the up-left diagonal.
    """
    p = np.asarray(pts, np.float64).reshape(4, 2)
    c = p.mean(axis=0)
    ang = np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0])  # y down: -135° is up-left
    order = np.argsort(ang)  # counter-clockwise in math sense == clockwise on screen from -180°
    p = p[order]
    # rotate so that the first corner is the one closest to angle -135° (top-left)
    a = np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0])
    d = np.abs(np.angle(np.exp(1j * (a - np.deg2rad(-135.0)))))
    k = int(np.argmin(d))
    return np.roll(p, -k, axis=0)


def quad_from_array(pts: NDArray[Any]) -> Quad:
    p = np.asarray(pts, np.float64).reshape(4, 2)
    return Quad(*(tuple(float(v) for v in row) for row in p))  # type: ignore[arg-type]


def quad_array(q: Quad) -> F64:
    return np.array(q.points(), np.float64)


def quad_rotation_deg(q: Quad) -> float:
    """In-plane rotation of a page quad, degrees counter-clockwise positive.

    Averages the directions of the top and bottom edges (and the left/right edges
    turned by 90°) so that perspective does not bias the angle.
    """
    p = quad_array(q)
    angles = []
    for a, b in ((0, 1), (3, 2)):
        dx, dy = p[b] - p[a]
        angles.append(math.atan2(-dy, dx))
    for a, b in ((3, 0), (2, 1)):  # bottom → top along the sides, should point up
        dx, dy = p[b] - p[a]
        angles.append(math.atan2(-dy, dx) - math.pi / 2)
    s = sum(math.sin(x) for x in angles)
    c = sum(math.cos(x) for x in angles)
    return math.degrees(math.atan2(s, c))


def shrink(image: NDArray[Any], long_side: int) -> tuple[NDArray[Any], float]:
    """Downscale so that the long side is about ``long_side`` pixels; returns (copy, scale).

    Exact halvings with bilinear interpolation are 2×2 box filters, an order of
    magnitude faster than ``INTER_AREA`` at a fractional factor on 8 MP frames; the
    last step uses ``INTER_AREA``.  An image already small enough is returned as is
    (not copied): treat the result as read-only.
    """
    _h, w = image.shape[:2]
    img = image
    while max(img.shape[:2]) >= 2 * long_side * 1.5 and min(img.shape[:2]) >= 4:
        ih, iw = img.shape[:2]
        img = cv2.resize(img, (iw // 2, ih // 2), interpolation=cv2.INTER_LINEAR)
    ih, iw = img.shape[:2]
    f = min(1.0, long_side / max(ih, iw))
    if f < 1.0:
        img = cv2.resize(img, (max(1, round(iw * f)), max(1, round(ih * f))), interpolation=cv2.INTER_AREA)
    scale = img.shape[1] / w
    return np.ascontiguousarray(img), scale


def _smooth(small: NDArray[Any]) -> NDArray[Any]:
    """Remove thin dark strokes (text, rules, grain) and noise; keep large edges sharp."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, k)
    return np.asarray(cv2.medianBlur(closed, 7), np.uint8)


_CHROMA_LUT = np.dstack(
    [
        np.arange(256, dtype=np.uint8),
        np.clip((np.arange(256) - 128) * CHROMA_GAIN + 128, 0, 255).astype(np.uint8),
        np.clip((np.arange(256) - 128) * CHROMA_GAIN + 128, 0, 255).astype(np.uint8),
    ]
).reshape(1, 256, 3)


def _lab_emphasised(smooth: NDArray[Any]) -> NDArray[Any]:
    """Lab with chroma stretched ×2: yellowed paper vs beige wood differ mostly in chroma."""
    lab = cv2.cvtColor(smooth, cv2.COLOR_BGR2Lab)
    return np.asarray(cv2.LUT(lab, _CHROMA_LUT), np.uint8)


def skin_mask(bgr: NDArray[Any]) -> NDArray[Any]:
    """Pixels coloured like skin (fingers, hands) and unlike paper, wood or red ink.

    Uses chroma relative to luma, (R−Y)/Y and (B−Y)/Y, which does not change when the
    light gets brighter or dimmer: yellowed paper sits near 0.05–0.10, light wood near
    0.13, skin 0.17–0.5, red seal ink above 0.7.
    """
    f = bgr.astype(np.float32)
    b, g, r = f[..., 0], f[..., 1], f[..., 2]
    y = 0.114 * b + 0.587 * g + 0.299 * r + 1.0
    rr = (r - y) / y
    bb = (b - y) / y
    return np.asarray((rr > 0.165) & (rr < 0.6) & (bb < -0.12) & (bb > -0.6) & (y > 40))


def _markers(lab: NDArray[Any], smooth: NDArray[Any]) -> tuple[NDArray[np.int32], F32, F32]:
    h, w = lab.shape[:2]
    markers = np.zeros((h, w), np.int32)
    cy0, cy1 = int(h * 0.42), int(h * 0.58)
    cx0, cx1 = int(w * 0.42), int(w * 0.58)
    page_col = np.median(lab[cy0:cy1, cx0:cx1].reshape(-1, 3).astype(np.float32), axis=0)
    b = max(2, round(min(h, w) * 0.004))
    ring = np.zeros((h, w), bool)
    ring[:b, :] = ring[-b:, :] = True
    ring[:, :b] = ring[:, -b:] = True
    ys, xs = np.nonzero(ring)
    bpix = lab[ys, xs].astype(np.float32)
    desk_col = np.median(bpix, axis=0)
    # border pixels that look like the page rather than the desk stay unlabelled (page cut by the frame)
    # (only clearly desk-like ones: under uneven light a page corner cut by the frame can
    # drift towards the desk colour, and a desk marker on the page would eat it)
    desk_like = np.linalg.norm(bpix - desk_col, axis=1) <= 0.6 * np.linalg.norm(bpix - page_col, axis=1)
    # paper is the brightest thing on the desk: border pixels clearly brighter than the
    # desk's usual range are a page corner touching the frame, not desk
    lum = bpix[:, 0]
    mad = float(np.median(np.abs(lum - desk_col[0]))) + 1.0
    if page_col[0] > desk_col[0] + 4 * mad:
        desk_like &= lum < desk_col[0] + 3 * mad
    if desk_like.any():
        markers[ys[desk_like], xs[desk_like]] = 1
    else:  # the page covers the whole border: fall back to the outer ring
        markers[ring] = 1
    # fingers and hands are never page: they seed the background flood wherever they are
    skin = skin_mask(smooth).astype(np.uint8)
    skin = np.asarray(
        cv2.morphologyEx(skin, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))), np.uint8
    )
    # ... but paper under a warm (tungsten) light has skin's chroma too: a skin-coloured
    # region that covers much of the frame centre is the page, not fingers
    if skin[cy0:cy1, cx0:cx1].mean() > 0.25:
        _n, lbl_sk = cv2.connectedComponents(skin, connectivity=8)
        centre_lbls = np.unique(lbl_sk[cy0:cy1, cx0:cx1])
        skin[np.isin(lbl_sk, centre_lbls[centre_lbls > 0])] = 0
    markers[skin.astype(bool)] = 1
    # grow the page seed over everything clearly paper-coloured that is connected to the
    # centre: where the light washes the page edge out, the desk flood would otherwise
    # creep in and take a corner
    f = lab.astype(np.float32)
    dp = np.linalg.norm(f - page_col, axis=2)
    dd = np.linalg.norm(f - desk_col.astype(np.float32), axis=2)
    sure = ((dp < 0.35 * dd) & (skin == 0)).astype(np.uint8)
    sure = cv2.erode(sure, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    sure[cy0:cy1, cx0:cx1] = 1
    n, lbl = cv2.connectedComponents(sure, connectivity=4)
    if n > 1:
        centre_label = int(lbl[(cy0 + cy1) // 2, (cx0 + cx1) // 2])
        seed = (lbl == centre_label) & (markers == 0)
        markers[seed] = 2
    markers[cy0:cy1, cx0:cx1] = 2
    return markers, page_col, desk_col.astype(np.float32)


def _fit_lines_to_contour(contour: NDArray[np.int32], quad: F64) -> F64 | None:
    """Refine an approximate quad by fitting a line to the outline points of each side."""
    pts = contour.reshape(-1, 2).astype(np.float64)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 4:
            return None
        u = d / length
        n = np.array([-u[1], u[0]])
        rel = pts - a
        t = rel @ u
        dist = np.abs(rel @ n)
        sel = (t > 0.1 * length) & (t < 0.9 * length) & (dist < max(3.0, 0.02 * length))
        if sel.sum() < 5:
            lines.append((a, u))
            continue
        vx, vy, x0, y0 = cv2.fitLine(pts[sel].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    return _intersect_all(lines)


def _intersect(l1: tuple[F64, F64], l2: tuple[F64, F64]) -> F64 | None:
    p, r = l1
    q, s = l2
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-9:
        return None
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / den
    return np.asarray(p + t * r, np.float64)


def _intersect_all(lines: list[tuple[F64, F64]]) -> F64 | None:
    """Corners from four side lines (top, right, bottom, left): TL = left∩top, …"""
    out = []
    for i in range(4):
        c = _intersect(lines[(i - 1) % 4], lines[i])
        if c is None:
            return None
        out.append(c)
    return np.array(out, np.float64)


def _quad_from_hull_sides(hull: NDArray[np.int32], tol_deg: float = 15.0) -> F64 | None:
    """Four side lines fitted to the hull's edges that run along the page's two axes.

    The dominant axis comes from the length-weighted edge directions (mod 90°); hull
    edges more than ``tol_deg`` off either axis (chords across a lost corner, bridges
    over fingers) are ignored; the rest are split into top/bottom and left/right by
    their position and each group gets a length-weighted total-least-squares line.
    """
    pts = hull.reshape(-1, 2).astype(np.float64)
    if len(pts) < 4:
        return None
    a, b = pts, np.roll(pts, -1, axis=0)
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    keep = length > 1e-6
    a, b, d, length = a[keep], b[keep], d[keep], length[keep]
    phi = np.arctan2(d[:, 1], d[:, 0])
    z = (length * np.exp(4j * phi)).sum()
    theta = float(np.angle(z)) / 4  # dominant axis, in (-45°, 45°]
    c = pts.mean(axis=0)
    mids = (a + b) / 2
    u = np.array([math.cos(theta), math.sin(theta)])
    v = np.array([-math.sin(theta), math.cos(theta)])
    rel = np.angle(np.exp(1j * (phi - theta)))  # edge direction relative to the axis
    tol = math.radians(tol_deg)
    along_u = np.abs(np.sin(rel)) < math.sin(tol)  # parallel to u (top/bottom)
    along_v = np.abs(np.cos(rel)) < math.sin(tol)  # parallel to v (left/right)
    side_v = (mids - c) @ v
    side_u = (mids - c) @ u
    groups = [
        along_u & (side_v < 0),  # top
        along_v & (side_u > 0),  # right
        along_u & (side_v > 0),  # bottom
        along_v & (side_u < 0),  # left
    ]
    perim = float(length.sum())
    lines: list[tuple[F64, F64]] = []
    for g in groups:
        if length[g].sum() < 0.05 * perim:
            return None
        # length-weighted line through the edges' end points
        p = np.vstack([a[g], b[g]])
        w = np.concatenate([length[g], length[g]])
        m = (p * w[:, None]).sum(axis=0) / w.sum()
        cov = ((p - m) * w[:, None]).T @ (p - m)
        evals, evecs = np.linalg.eigh(cov)
        lines.append((m, evecs[:, int(np.argmax(evals))]))
    return _intersect_all(lines)


def _approx_quad(hull: NDArray[np.int32]) -> F64:
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05, 0.08, 0.12):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            return order_corners(approx.reshape(4, 2))
    box = cv2.boxPoints(cv2.minAreaRect(hull))
    return order_corners(box)


def _refine_full_res(
    frame: NDArray[Any], quad: F64, scale: float, samples: int = 48
) -> tuple[F64 | None, float]:
    """Move each side onto the strongest colour edge at full resolution.

    For each side, ``samples`` short profiles perpendicular to it are read with
    ``cv2.remap`` (bilinear, sub-pixel), the edge is the maximum of the colour
    derivative with a parabolic sub-pixel peak, and a line is fitted with outlier
    rejection (fingers, shadows, the frame edge).  Returns the refined quad and the
    fraction of profiles that found a clear edge.
    """
    h, w = frame.shape[:2]
    half = max(6.0, 2.5 / scale)  # search ± this many full-res pixels
    n_off = math.ceil(half) * 2 + 1
    offs = np.linspace(-half, half, n_off)
    lines: list[tuple[F64, F64]] = []
    good_total = 0
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 8:
            return None, 0.0
        u = d / length
        nrm = np.array([-u[1], u[0]])  # for TL→TR→BR→BL on screen this points into the page
        ts = np.linspace(0.06, 0.94, samples) * length
        base = a[None, :] + ts[:, None] * u[None, :]
        # three parallel rows per sample, averaged, to beat JPEG/sensor noise
        along = np.array([-1.5, 0.0, 1.5])
        pts = (
            base[:, None, None, :]
            + along[None, :, None, None] * u[None, None, None, :]
            + offs[None, None, :, None] * nrm[None, None, None, :]
        )
        mx = pts[..., 0].reshape(samples * 3, n_off).astype(np.float32)
        my = pts[..., 1].reshape(samples * 3, n_off).astype(np.float32)
        prof = cv2.remap(frame, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        prof = prof.astype(np.float32).reshape(samples, 3, n_off, 3).mean(axis=1)
        inside = (mx.reshape(samples, 3, n_off)[:, 1] >= 0) & (mx.reshape(samples, 3, n_off)[:, 1] <= w - 1)
        inside &= (my.reshape(samples, 3, n_off)[:, 1] >= 0) & (my.reshape(samples, 3, n_off)[:, 1] <= h - 1)
        diff = np.linalg.norm(prof[:, 2:, :] - prof[:, :-2, :], axis=2)  # central difference
        diff *= inside[:, 1:-1] & inside[:, 2:] & inside[:, :-2]
        k = np.argmax(diff, axis=1)
        peak = diff[np.arange(samples), k]
        kk = np.clip(k, 1, diff.shape[1] - 2)
        y0 = diff[np.arange(samples), kk - 1]
        y1 = diff[np.arange(samples), kk]
        y2 = diff[np.arange(samples), kk + 1]
        den = y0 - 2 * y1 + y2
        sub = np.where(np.abs(den) > 1e-6, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
        sub = np.clip(sub, -0.5, 0.5)
        pos = offs[kk + 1] + sub * (offs[1] - offs[0])
        strong = peak > max(6.0, 0.35 * float(np.median(peak)))
        edge_pts = base + pos[:, None] * nrm[None, :]
        sel = strong.copy()
        if sel.sum() < 6:
            lines.append((a, u))
            continue
        good_total += int(sel.sum())
        line = _robust_line(edge_pts[sel])
        lines.append(line)
    refined = _intersect_all(lines)
    return refined, good_total / (4 * samples)


def _robust_line(pts: F64, iters: int = 3) -> tuple[F64, F64]:
    """Total-least-squares line with iterative rejection of points > 2.5 robust sigmas away."""
    sel = np.ones(len(pts), bool)
    c = pts.mean(axis=0)
    u = np.array([1.0, 0.0])
    for _ in range(iters):
        p = pts[sel]
        c = p.mean(axis=0)
        _, _, vt = np.linalg.svd(p - c, full_matrices=False)
        u = vt[0]
        n = np.array([-u[1], u[0]])
        r = np.abs((pts - c) @ n)
        sigma = max(0.3, 1.4826 * float(np.median(r[sel])))
        new = r < 2.5 * sigma + 0.5
        if new.sum() < 4 or (new == sel).all():
            break
        sel = new
    return np.asarray(c, np.float64), np.asarray(u, np.float64)


def _edge_contrast(lab_small: F32, quad_small: F64) -> float:
    """Median colour difference between thin bands just inside and just outside the outline."""
    h, w = lab_small.shape[:2]
    c = quad_small.mean(axis=0)
    inner = (quad_small - c) * 0.96 + c
    outer = (quad_small - c) * 1.04 + c
    diffs = []
    for i in range(4):
        for t in np.linspace(0.15, 0.85, 9):
            pi = inner[i] + (inner[(i + 1) % 4] - inner[i]) * t
            po = outer[i] + (outer[(i + 1) % 4] - outer[i]) * t
            xi, yi = round(pi[0]), round(pi[1])
            xo, yo = round(po[0]), round(po[1])
            if 0 <= xi < w and 0 <= yi < h and 0 <= xo < w and 0 <= yo < h:
                diffs.append(float(np.linalg.norm(lab_small[yi, xi] - lab_small[yo, xo])))
    return float(np.median(diffs)) if diffs else 0.0


def _touching(quad: F64, w: int, h: int, tol: float) -> tuple[str, ...]:
    out = []
    if quad[:, 1].min() <= tol:
        out.append("top")
    if quad[:, 0].max() >= w - 1 - tol:
        out.append("right")
    if quad[:, 1].max() >= h - 1 - tol:
        out.append("bottom")
    if quad[:, 0].min() <= tol:
        out.append("left")
    return tuple(out)


def _angles_ok(q: F64) -> bool:
    for i in range(4):
        a = q[(i - 1) % 4] - q[i]
        b = q[(i + 1) % 4] - q[i]
        cosang = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))
        if abs(cosang) > 0.6:  # interior angle outside ~53°..127°
            return False
    return True


@dataclass
class _Candidate:
    """One detector's page region in working-copy coordinates, with the evidence for it."""

    name: str
    mask: NDArray[np.uint8]
    quad: F64
    area: float
    solidity: float
    contrast: float = 0.0
    support: float = 0.0
    gap: float = 0.0
    chroma: float = 0.0
    unlike_centre: float = 0.0
    score: float = 0.0
    reason: str = ""
    ref_edge: float = -1.0  # with an empty-desk reference: change along the outline (else -1)
    ref_same: float = -1.0  # ... and fraction of the desk outside left unchanged


def _component(binary: NDArray[Any]) -> NDArray[np.uint8] | None:
    """The connected region holding the frame centre (else the largest), holes filled."""
    n, lbl, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=4)
    if n <= 1:
        return None
    h, w = binary.shape[:2]
    cy0, cy1, cx0, cx1 = int(h * 0.45), int(h * 0.55), int(w * 0.45), int(w * 0.55)
    centre = lbl[cy0:cy1, cx0:cx1].ravel()
    centre = centre[centre > 0]
    if centre.size:
        k = int(np.bincount(centre).argmax())
    else:
        k = int(np.argmax(stats[1:, cv2.CC_STAT_AREA])) + 1
    region = (lbl == k).astype(np.uint8)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(region)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return np.asarray(filled, np.uint8)


def _quad_of_region(name: str, mask: NDArray[np.uint8]) -> _Candidate | None:
    """Fit the page quad to a region; peel thick attachments off a region that is not four-sided.

    A ruler scale or a row of printed numbers that the page lies on joins the region
    as a band thicker than one printed line; openings of 2.5 % and 4 % of the frame cut
    such bands off (a page is far wider), tried only when the plain fit is not
    quadrilateral, and kept when they make it so.
    """
    c = _fit_region(name, mask)
    if c is None or 0.85 <= c.solidity <= 1.08:
        return c
    for frac in (0.025, 0.04):
        k = max(3, round(max(mask.shape[:2]) * frac) | 1)
        opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
        region = _component(opened)
        if region is None:
            break
        c2 = _fit_region(name, region)
        if c2 is not None and 0.85 <= c2.solidity <= 1.08 and c2.area > 0.5 * c.area:
            return c2
    return c


def _fit_region(name: str, mask: NDArray[np.uint8]) -> _Candidate | None:
    """Fit the page quad to a region: polygon fit, side-line fit, and the hull-side fit."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = np.asarray(max(contours, key=cv2.contourArea), np.int32)
    sh, sw = mask.shape
    area = cv2.contourArea(contour) / float(sh * sw)
    if area <= 0:
        return None
    hull = np.asarray(cv2.convexHull(contour), np.int32)
    q0 = _approx_quad(hull)
    q1 = _fit_lines_to_contour(contour, q0)
    q_small = q1 if q1 is not None and _angles_ok(q1) else q0
    q2 = _quad_from_hull_sides(hull)
    if q2 is not None and _angles_ok(q2):
        # the side-wise fit survives a corner lost to a low-contrast leak (the hull then
        # cuts the corner with a diagonal chord that approxPolyDP takes for a side)
        a1 = abs(cv2.contourArea(q_small.astype(np.float32)))
        a2 = abs(cv2.contourArea(q2.astype(np.float32)))
        if a2 > a1 * 1.01:
            q_small = q2
    quad_area = abs(cv2.contourArea(q_small.astype(np.float32))) / float(sh * sw)
    solidity = area / quad_area if quad_area > 0 else 0.0
    return _Candidate(name, mask, q_small, area, solidity)


def _watershed_region(lab: NDArray[Any], sm: NDArray[Any]) -> tuple[NDArray[np.uint8], F32, F32]:
    """Detector 1: desk flood from the border against page flood from the centre."""
    markers, page_col, desk_col = _markers(lab, sm)
    cv2.watershed(lab, markers)
    return (markers == 2).astype(np.uint8), page_col, desk_col


def _mark_kernel(shape: tuple[int, ...]) -> NDArray[Any]:
    """Opening kernel wider than printed desk markings (grid lines, ruler ticks, corner marks)."""
    k = max(5, round(max(shape[:2]) * 0.014) | 1)
    return cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))


def _otsu_region(sm: NDArray[Any]) -> NDArray[np.uint8] | None:
    """Detector 2: paper is the brightest large thing on the desk (Otsu on lightness + blob).

    This is the plain anchor that found 43 of 45 independent frames; the opening cuts
    the page free of thin bright desk markings that touch it.
    """
    grey = cv2.cvtColor(sm, cv2.COLOR_BGR2GRAY)
    _, th = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    th = cv2.morphologyEx(th, cv2.MORPH_OPEN, _mark_kernel(th.shape))
    return _component(th)


def _kmeans3(pts: F32, iters: int = 8) -> tuple[F32, F64]:
    """Three colour clusters (deterministic: seeded at lightness quantiles; no global RNG)."""
    order = np.argsort(pts[:, 0])
    centres = pts[order[[len(pts) // 10, len(pts) // 2, (9 * len(pts)) // 10]]].astype(np.float32).copy()
    lbl = np.zeros(len(pts), np.int64)
    for _ in range(iters):
        d = np.linalg.norm(pts[:, None, :] - centres[None, :, :], axis=2)
        lbl = np.argmin(d, axis=1)
        for k in range(3):
            sel = lbl == k
            if sel.any():
                centres[k] = pts[sel].mean(axis=0)
    counts = np.bincount(lbl, minlength=3).astype(np.float64) / max(1, len(pts))
    return centres, counts


def _desk_model_region(labf: F32, page_col: F32) -> tuple[NDArray[np.uint8] | None, F32]:
    """Detector 3: distance of every pixel to a colour model of the desk seen at the border.

    The border ring is clustered (k-means, 3 colours) so a two-colour desk (grid mat,
    marks on a pad, wood grain) is one model; clusters that look like the page (a page
    corner cut by the frame) are dropped.  Otsu splits the distance map.
    """
    h, w = labf.shape[:2]
    b = max(3, round(min(h, w) * 0.03))
    ring = np.concatenate(
        [
            labf[:b].reshape(-1, 3),
            labf[-b:].reshape(-1, 3),
            labf[:, :b].reshape(-1, 3),
            labf[:, -b:].reshape(-1, 3),
        ]
    )
    ring = ring[:: max(1, len(ring) // 3000)]
    centres, counts = _kmeans3(ring)
    far = float(np.linalg.norm(centres - page_col, axis=1).max())
    keep = [
        i
        for i in range(len(centres))
        if counts[i] >= 0.05
        # a small cluster that looks like the page is a page corner reaching the border
        and not (counts[i] < 0.4 and float(np.linalg.norm(centres[i] - page_col)) < 0.35 * far)
    ]
    if not keep:
        return None, np.zeros(3, np.float32)
    model = centres[keep]
    dist2 = np.full(labf.shape[:2], np.inf, np.float32)
    for m in model:
        diff = labf - m
        np.minimum(dist2, np.einsum("ijk,ijk->ij", diff, diff), out=dist2)
    dist = np.sqrt(dist2)
    d8 = np.clip(dist * (255.0 / max(1.0, float(dist.max()))), 0, 255).astype(np.uint8)
    _, th = cv2.threshold(d8, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    th = cv2.morphologyEx(th, cv2.MORPH_OPEN, _mark_kernel(th.shape))
    desk_col = centres[keep[int(np.argmax(counts[keep]))]]
    return _component(th), np.asarray(desk_col, np.float32)


def _edge_support(labf: F32, quad: F64, thr: float = 12.0) -> float:
    """Fraction of points along the four sides that sit on a clear colour step.

    At each of 24 points per side the colour 2 px outside is compared with the colour
    2 px inside, for the side line shifted by up to ±2 px (the quad of a coarse
    region is a pixel or two off); only a few hundred pixels are read.
    """
    h, w = labf.shape[:2]
    ts = np.linspace(0.08, 0.92, 24)
    hits = total = 0
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 4:
            continue
        nrm = np.array([-d[1], d[0]]) / length
        base = a[None, :] + ts[:, None] * d[None, :]
        best = np.zeros(len(ts), np.float32)
        for o in (-2.0, -1.0, 0.0, 1.0, 2.0):
            p_in = base + (o + 2.0) * nrm
            p_out = base + (o - 2.0) * nrm
            xi = np.clip(np.round(p_in[:, 0]).astype(int), 0, w - 1)
            yi = np.clip(np.round(p_in[:, 1]).astype(int), 0, h - 1)
            xo = np.clip(np.round(p_out[:, 0]).astype(int), 0, w - 1)
            yo = np.clip(np.round(p_out[:, 1]).astype(int), 0, h - 1)
            diff = np.linalg.norm(labf[yi, xi] - labf[yo, xo], axis=1)
            np.maximum(best, diff, out=best)
        inside = (base[:, 0] >= 0) & (base[:, 0] <= w - 1) & (base[:, 1] >= 0) & (base[:, 1] <= h - 1)
        total += int(inside.sum())
        hits += int(((best > thr) & inside).sum())
    return hits / total if total else 0.0


def _score(
    c: _Candidate,
    labf: F32,
    desk_col: F32,
    centre_col: F32,
    colour_gap: float,
    min_area: float,
    max_chroma: float,
) -> None:
    """Evidence that the candidate is the page: contrast, edge support, shape, paper colour."""
    sh, sw = c.mask.shape
    c.contrast = _edge_contrast(labf, c.quad)
    c.support = _edge_support(labf, c.quad)
    inner = cv2.erode(c.mask, _mark_kernel(c.mask.shape)).astype(bool)
    if not inner.any():
        inner = c.mask.astype(bool)
    sub = inner[::4, ::4]
    page_col = np.median(labf[::4, ::4][sub], axis=0) if sub.any() else np.median(labf[inner], axis=0)
    c.gap = float(np.linalg.norm(page_col - desk_col))
    if c.name == "watershed":  # the centre must differ from the border too (an empty desk)
        c.gap = min(c.gap, colour_gap)
    c.chroma = float(np.hypot(page_col[1] - 128, page_col[2] - 128)) / CHROMA_GAIN
    c.unlike_centre = float(np.linalg.norm(page_col - centre_col))
    qarea = abs(cv2.contourArea(c.quad.astype(np.float32))) / float(sh * sw)
    if c.area < min_area or qarea < min_area:
        c.reason = "region_too_small"
    elif c.area > 0.985 or qarea > 0.995:
        c.reason = "fills_frame"
    elif c.gap < 12.0:
        c.reason = "no_contrast_to_desk"
    elif not _angles_ok(c.quad) or c.solidity < 0.85 or c.solidity > 1.08:
        c.reason = "not_quadrilateral"
    elif c.contrast < 12.0:
        c.reason = "low_contrast"
    elif c.chroma > max_chroma:
        c.reason = "not_paper_coloured"
    elif c.unlike_centre > max(30.0, 0.5 * c.gap):
        c.reason = "region_unlike_centre"  # mostly desk around a page at the centre
    elif c.name != "watershed" and len(_touching(c.quad, sw, sh, tol=2.0)) >= 3:
        c.reason = "runs_off_frame"  # only the watershed flood is trusted with cut-off pages
    shape = max(0.0, 1.0 - abs(1.0 - min(c.solidity, 1.2)) * 4)
    c.score = float(min(c.contrast / 25.0, 1.0) * shape * (0.4 + 0.6 * c.support) * min(c.gap / 20.0, 1.0))
    if not _angles_ok(c.quad):
        c.score *= 0.3


# page on a sheet: a step counts when it is this strong (Lab units of the chroma-stretched
# working copy) and smooth paper lies on both sides of it
SHEET_STEP = 6.0
SHEET_WIN = 5  # pixels of the working copy on each side of a step
# a side is clearly a sheet's edge with a step this strong on one line along this much of it
SHEET_SIDE_STEP = 12.0
SHEET_SIDE_INLIERS = 0.7
SHEET_MAX_TURN_DEG = 12.0  # the page's side runs within this angle of the sheet's (a shadow edge need not)
# a step along one side only is too easily a band printed along a page's edge (real photo
# jscanify_test4); a sheet under the page shows on two sides or more
SHEET_MIN_SIDES = 2
# ... or, when no side is that clear, steps this strong on this many sides that change colour alike
SHEET_WEAK_STEP = 8.0
SHEET_WEAK_SIDES = 3
SHEET_SAME_STEP_COS = 0.7  # a weaker side's step must change colour like the clear sides' step
SHEET_MAX_INK = 0.05  # fraction of ink pixels allowed on the page side of a sheet → page step
SHEET_INK_BEFORE = 0.2  # ... and on the sheet side (blank, though a page's shadow may reach in)


@dataclass
class _SheetSide:
    """The colour step found along one side of a region: a page edge inside a sheet, maybe."""

    line: tuple[F64, F64]
    inliers: float  # fraction of the side's profiles whose step lies on the line
    step: float  # median step strength
    before: F64  # median colour on the sheet side
    after: F64  # median colour on the page side


def _ink_map(small: NDArray[Any]) -> F32:
    """1 where the working copy has dark strokes (text, ruled lines), else 0 (black-hat > 12)."""
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    hat = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, k)
    return (hat > 12).astype(np.float32)


def _sheet_side(
    labf: F32, ink: F32, a: F64, b: F64, cen: F64, min_depth: float, n: int = 40
) -> _SheetSide | None:
    """Walk inwards from side a→b on ``n`` profiles and fit a line to the strongest paper→paper step.

    A qualifying step has smooth colour for ``SHEET_WIN`` pixels on both sides (text and
    ruled lines are not smooth after their first stroke) and paper-bright colour on both
    sides (a pen lying on the sheet is not paper).
    """
    d = b - a
    length = float(np.hypot(*d))
    u = d / length
    nrm = np.array([-u[1], u[0]])
    if (cen - a) @ nrm < 0:
        nrm = -nrm
    depth = float((cen - a) @ nrm)
    win = SHEET_WIN
    offs = np.arange(3, max(8, int(0.45 * depth)), dtype=np.float64)
    if len(offs) < 3 * win + 2:
        return None
    base = a[None, :] + np.linspace(0.12, 0.88, n)[:, None] * d[None, :]
    pts = base[:, None, :] + offs[None, :, None] * nrm[None, None, :]
    prof = cv2.remap(
        labf,
        pts[..., 0].astype(np.float32),
        pts[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )  # n × len(offs) × 3
    ink_p = cv2.remap(
        ink,
        pts[..., 0].astype(np.float32),
        pts[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    zero = np.zeros((n, 1, 3), np.float32)
    cs = np.concatenate([zero, np.cumsum(prof, axis=1)], axis=1)
    cs2 = np.concatenate([zero, np.cumsum(prof * prof, axis=1)], axis=1)
    k = np.arange(win, prof.shape[1] - win)
    before = (cs[:, k] - cs[:, k - win]) / win
    after = (cs[:, k + win] - cs[:, k]) / win
    sd_before = np.sqrt(np.maximum(((cs2[:, k] - cs2[:, k - win]) / win - before**2).sum(axis=2), 0))
    sd_after = np.sqrt(np.maximum(((cs2[:, k + win] - cs2[:, k]) / win - after**2).sum(axis=2), 0))
    step = np.linalg.norm(after - before, axis=2)
    # blank paper on both sides: a page's rim and the sheet carry no ink, while the border
    # of a printed table inside a plain page has text right after it
    ics = np.concatenate([np.zeros((n, 1), np.float32), np.cumsum(ink_p, axis=1)], axis=1)
    # (two pixels either side of the step are left out: a page's shadow on the sheet
    # makes a thin dark line right at the edge)
    m = len(offs)
    b0, b1 = np.maximum(k - win - 2, 0), np.maximum(k - 2, 1)
    a0, a1 = np.minimum(k + 2, m - 1), np.minimum(k + 2 + 2 * win, m)
    ink_before = (ics[:, b1] - ics[:, b0]) / np.maximum(b1 - b0, 1)
    ink_after = (ics[:, a1] - ics[:, a0]) / np.maximum(a1 - a0, 1)
    paper_l = 0.6 * float(np.median(prof[..., 0]))
    good = (step > SHEET_STEP) & (sd_after < 0.35 * step) & (sd_before < 0.35 * step)
    good &= (before[..., 0] > paper_l) & (after[..., 0] > paper_l)
    good &= (ink_before < SHEET_INK_BEFORE) & (ink_after < SHEET_MAX_INK)
    hit = good.any(axis=1)
    if hit.mean() < 0.5:
        return None
    kbest = np.argmax(np.where(good, step, 0.0), axis=1)[hit]
    rows_hit = np.nonzero(hit)[0]
    pos = offs[k[kbest]] - 0.5
    ep = base[hit] + pos[:, None] * nrm[None, :]
    line = _robust_line(ep)
    res = np.abs((ep - line[0]) @ np.array([-line[1][1], line[1][0]]))
    close = res < max(1.5, 0.012 * length)
    if close.sum() < 4 or float(np.median(pos[close])) < min_depth:
        return None  # too few on one line, or hugging the rim (a plain page's darker rim)
    if abs(float(line[1] @ nrm)) > math.sin(math.radians(SHEET_MAX_TURN_DEG)):
        return None  # not along the side: a shadow edge crossing the page, not a sheet
    rows, kk = rows_hit[close], kbest[close]
    return _SheetSide(
        _robust_line(ep[close]),
        float(close.sum()) / n,
        float(np.median(step[rows, kk])),
        np.median(before[rows, kk], axis=0),
        np.median(after[rows, kk], axis=0),
    )


def _agreeing_weak_sides(found: dict[int, _SheetSide]) -> list[int]:
    """Sides whose weaker steps together show a sheet: three or more, each on one line, all alike.

    A page of nearly the sheet's own tint (a yellowed page on a yellowish pad under warm
    light) steps by less than ``SHEET_SIDE_STEP`` everywhere, so no single side is
    clear; but the same small colour change walking inwards on three sides, each step
    on one straight line along most of its side, is the page's outline (a plain page's
    darker rim is a gradient, not a step, and a band printed along an edge is one side).
    """
    weak = [i for i, f in found.items() if f.inliers >= SHEET_SIDE_INLIERS and f.step >= SHEET_WEAK_STEP]
    if len(weak) < SHEET_WEAK_SIDES:
        return []
    d = np.array([found[i].after - found[i].before for i in weak])
    change = np.median(d, axis=0)
    cos = (d @ change) / (np.linalg.norm(d, axis=1) * float(np.linalg.norm(change)) + 1e-9)
    agree = [i for i, c in zip(weak, cos, strict=True) if c >= SHEET_SAME_STEP_COS]
    return agree if len(agree) >= SHEET_WEAK_SIDES else []


def _split_under_sheet(labf: F32, ink: F32, quad: F64) -> tuple[F64 | None, int]:
    """The page inside a region that is really a page lying on a larger blank sheet or pad.

    Every detector stops at the strongest edge between desk and paper; when the page
    lies on a blank sheet or writing pad of about its own colour, that edge is the
    sheet's and the region is page + sheet (issue 17: "another sheet peeking out under
    it").  Walking inwards from each side, a sheet shows as smooth blank paper ending
    in a step to another smooth paper surface, on one line along the side.  Once one
    side clearly has it, a weaker step on another side counts if it changes the colour
    the same way (same sheet, same page); the rim of a plain page or the start of its
    text do not.  Sides without a step keep the region's side (a sheet peeking out on
    one or two sides only).  Returns the inner quad (or None) and how many sides moved.
    """
    h, w = labf.shape[:2]
    cen = quad.mean(axis=0)
    lines: list[tuple[F64, F64]] = []
    found: dict[int, _SheetSide] = {}
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        if float(np.hypot(*(b - a))) < 16:
            return None, 0
        lines.append((a, (b - a) / float(np.hypot(*(b - a)))))
        side = _sheet_side(labf, ink, a, b, cen, 0.015 * min(h, w))
        if side is not None:
            found[i] = side
    clear = [i for i, f in found.items() if (f.inliers >= SHEET_SIDE_INLIERS and f.step >= SHEET_SIDE_STEP)]
    if not clear:
        clear = _agreeing_weak_sides(found)
    if not clear:
        return None, 0
    change = np.median(np.array([found[i].after - found[i].before for i in clear]), axis=0)
    # two sheet sides or more settle that there is a sheet: then a remaining side's step on
    # one line counts even when the light turns its lightness change the other way
    sheet_shown = len(clear) >= SHEET_MIN_SIDES
    moved = 0
    for i, f in found.items():
        if i not in clear:
            d = f.after - f.before
            cos = float(d @ change) / (float(np.linalg.norm(d) * np.linalg.norm(change)) + 1e-9)
            if f.inliers < 0.5 or not (sheet_shown or cos >= SHEET_SAME_STEP_COS):
                continue
        lines[i] = f.line
        moved += 1
    if moved < SHEET_MIN_SIDES:
        return None, 0
    inner = _intersect_all(lines)
    if inner is None or not _angles_ok(inner):
        return None, 0
    return order_corners(inner), moved


def _plausible(c: _Candidate, min_area: float, max_chroma: float) -> bool:
    """Good enough to return as a low-confidence page when no detector is sure.

    Not plausible: a region that runs into three or four frame sides (that is desk
    texture, or a close-up that the pipeline's full-frame rule handles), a strongly
    coloured one, or one whose outline is mostly not on a colour step.
    """
    sh, sw = c.mask.shape
    if c.name == "desk_ref":  # its evidence is the change against the empty desk, not contrast
        evidence = c.ref_same >= REF_OUTSIDE_SAME - 0.05 and c.ref_edge >= 0.6 * REF_EDGE_MIN
    else:
        evidence = c.contrast >= 8.0 and c.support >= 0.5
    return (
        c.reason not in ("region_too_small", "fills_frame", "no_contrast_to_desk")
        and c.area >= min_area
        and _angles_ok(c.quad)
        and 0.8 <= c.solidity <= 1.15
        and evidence
        and c.chroma <= 1.4 * max_chroma
        and len(_touching(c.quad, sw, sh, tol=2.0)) <= 2
    )


def _picture_frame(frame: NDArray[Any]) -> tuple[int, int, int, int] | None:
    """Rows/columns of a dark frame drawn round the whole picture (web images, scans), else None.

    A picture saved with a black frame (often with a caption or watermark in it) puts a
    dark ring round the desk; the desk flood then starts on the frame and takes the
    desk for page.  The frame counts only when all four sides have a dark band (≥ 60 %
    of a line below grey 40) that ends within 5 % of the size on one straight line
    along the side: a dark desk does not end like that.  Returns the band widths
    (top, bottom, left, right).
    """
    h, w = frame.shape[:2]
    grey = frame[..., 1] if frame.ndim == 3 else frame  # green: close enough to luma for "dark"
    widths = []
    for lines in (
        grey[: h // 20 + 1],
        grey[::-1][: h // 20 + 1],
        grey[:, : w // 20 + 1].T,
        grey[:, ::-1][:, : w // 20 + 1].T,
    ):
        dark_px = lines[:, ::2] < 40
        dark = dark_px.mean(axis=1) >= 0.6
        n = int(np.argmin(dark)) if not dark.all() else len(dark)
        if n < 2 or n >= len(dark):
            return None
        # a drawn frame ends on one straight line along the whole side (a dark desk ends
        # wherever the page lies); captions inside the band end earlier, so 60 % suffice
        first_light = np.argmin(dark_px, axis=0)
        if float((np.abs(first_light - n) <= 1).mean()) < 0.6:
            return None
        widths.append(n)
    return widths[0], widths[1], widths[2], widths[3]


# --- the empty-desk reference ------------------------------------------------------------------

REF_MIN_DIFF = 7.0  # smallest colour change (Lab units) that counts as "not the empty desk"
REF_NOISE_K = 5.0  # ... or this many robust sigmas of the desk's own difference, if larger
REF_MAX_THR = 25.0  # a desk that differs more than this from its own empty picture: stale reference
REF_MAX_RING_CHANGED = 0.45  # more of the frame border changed than this: the reference is stale
REF_MAX_SHIFT = 0.04  # camera shifts up to this fraction of the size are undone
REF_OUTSIDE_SAME = 0.9  # a page candidate leaves at least this much of the rest of the desk unchanged
REF_EDGE_MIN = 0.5  # ... and shows a change along at least this much of its outline
REF_CHROMA_SLACK = 1.5  # the empty-desk candidate may be this much more saturated than paper
REF_TINT_COVER = 0.6  # a region found by its change of tint has that change over this much of it


@dataclass
class _Reference:
    """The frame compared with the empty desk, on the working copy."""

    delta: F32  # frame minus (light- and shift-corrected) empty desk, Lab, h × w × 3
    diff: F32  # its length: how much the colour changed, Lab units
    thr: float  # difference that counts as a change
    changed: NDArray[np.bool_]  # diff > thr
    tint_changed: NDArray[np.bool_]  # the colour's tint (a, b) changed: paper, not a shadow
    ring_changed: float  # fraction of the frame border that changed
    shift: tuple[float, float]  # camera shift undone (working pixels)
    sm: NDArray[Any]  # the frame's smoothed working copy
    corrected: F32  # the empty desk, light- and shift-corrected (BGR float)
    _smooth_delta: F32 | None = None

    @property
    def smooth_delta(self) -> F32:
        """The change without thin strokes (text, rules), as for the other detectors: what
        is left is the page's edge.  Made on first use (only a region with the page's
        shadow in it needs it)."""
        if self._smooth_delta is None:
            self._smooth_delta = _lab_float(self.sm.astype(np.float32)) - _lab_float(
                _smooth(self.corrected.astype(np.uint8)).astype(np.float32)
            )
        return self._smooth_delta

    @property
    def flood_image(self) -> NDArray[np.uint8]:
        """The smoothed change as an 8-bit picture for the watershed flood: only edges that
        are new (the page's) are edges in it; a shadow across the desk or a pad's edge is not."""
        gain = np.array([1.5, 1.5 * CHROMA_GAIN, 1.5 * CHROMA_GAIN], np.float32)  # tint, as detector 1
        return np.asarray(np.clip(self.smooth_delta * gain + 128.0, 0, 255), np.uint8)


def _ring_mask(h: int, w: int, frac: float) -> NDArray[np.bool_]:
    b = max(2, round(min(h, w) * frac))
    ring = np.zeros((h, w), bool)
    ring[:b, :] = ring[-b:, :] = True
    ring[:, :b] = ring[:, -b:] = True
    return ring


def _lab_float(bgr: NDArray[Any]) -> F32:
    """Lab as float32 with L on the 0..255 scale (so one Lab unit is alike in every channel)."""
    lab = np.asarray(cv2.cvtColor((bgr * (1 / 255)).astype(np.float32), cv2.COLOR_BGR2Lab), np.float32)
    lab[..., 0] *= 2.55
    return lab


def _reference_diff(small: NDArray[Any], sm: NDArray[Any], reference: NDArray[Any]) -> _Reference | None:
    """Compare the working copy with the empty desk; None when the reference cannot be used.

    Why each step: the empty desk was taken a few seconds earlier, so auto-exposure and
    white balance may differ (a gain per colour channel, measured on the frame border
    where the desk shows in both, and then on everything that did not change); the
    camera arm may have been knocked (a shift, measured by phase correlation on the
    border band only: the page in the middle has no counterpart in the reference);
    sensor noise and JPEG differ (a small blur, and a threshold above the difference
    the desk itself shows).
    """
    h, w = small.shape[:2]
    if reference.ndim == 2:
        reference = cv2.cvtColor(reference, cv2.COLOR_GRAY2BGR)
    elif reference.ndim != 3 or reference.shape[2] != 3 or min(reference.shape[:2]) < 16:
        return None
    rh, rw = reference.shape[:2]
    if abs(rw / rh - w / h) > 0.03 * (w / h):
        log.info("empty-desk reference ignored: aspect %.3f vs frame %.3f", rw / rh, w / h)
        return None
    interp = cv2.INTER_AREA if rw > w else cv2.INTER_LINEAR
    ref = cv2.resize(reference, (w, h), interpolation=interp) if (rw, rh) != (w, h) else reference
    cur = cv2.GaussianBlur(small, (0, 0), 1.0).astype(np.float32)
    ref_f = cv2.GaussianBlur(ref, (0, 0), 1.0).astype(np.float32)
    ring = _ring_mask(h, w, 0.04)
    # camera shift: phase correlation of the border band (the centre is where the page is),
    # on a half-size copy (a shift of a pixel or two does not matter at this scale)
    hh, hw = h // 2, w // 2
    band = _ring_mask(hh, hw, 0.12).astype(np.float32)
    g_cur = cv2.resize(cv2.cvtColor(cur, cv2.COLOR_BGR2GRAY), (hw, hh), interpolation=cv2.INTER_AREA)
    g_ref = cv2.resize(cv2.cvtColor(ref_f, cv2.COLOR_BGR2GRAY), (hw, hh), interpolation=cv2.INTER_AREA)
    a = (g_cur - float(g_cur[band > 0].mean())) * band
    b = (g_ref - float(g_ref[band > 0].mean())) * band
    (dx, dy), response = cv2.phaseCorrelate(b, a, cv2.createHanningWindow((hw, hh), cv2.CV_32F))
    dx, dy = 2 * dx, 2 * dy
    shift = (0.0, 0.0)
    if response > 0.15 and 1.0 <= math.hypot(dx, dy) <= REF_MAX_SHIFT * max(w, h):
        m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
        ref_f = np.asarray(cv2.warpAffine(ref_f, m, (w, h), borderMode=cv2.BORDER_REPLICATE), np.float32)
        shift = (float(dx), float(dy))
    lab_c = _lab_float(cur)
    # gain per channel: first from the border, then from everything that did not change
    # (medians over every other pixel in each direction: plenty, and four times cheaper)
    sub = (slice(None, None, 2), slice(None, None, 2))
    cur_s, ref_s = cur[sub], ref_f[sub]
    valid = ring[sub]
    ring_s = valid
    gain = np.ones(3, np.float32)
    corrected = ref_f
    delta = diff = np.zeros((h, w), np.float32)
    thr = REF_MIN_DIFF
    for it in range(2):
        for ch in range(3):
            r = ref_s[..., ch][valid]
            c = cur_s[..., ch][valid]
            ok = r > 8
            if ok.sum() > 50:
                gain[ch] = float(np.median(c[ok] / r[ok]))
        corrected = np.clip(ref_f * gain, 0, 255)
        delta = lab_c - _lab_float(corrected)
        diff = np.sqrt(np.einsum("ijk,ijk->ij", delta, delta))
        rd = diff[ring]
        med = float(np.median(rd))
        sigma = 1.4826 * float(np.median(np.abs(rd - med))) + 0.5
        thr = max(REF_MIN_DIFF, med + REF_NOISE_K * sigma)
        if it == 0:
            valid = diff[sub] < thr  # the second gain uses everything that did not change
            if valid.sum() < 0.1 * valid.size:
                valid = ring_s
    changed = diff > thr
    ring_changed = float(changed[ring].mean())
    # a shadow darkens the desk but keeps its tint; a page of another tint changes it
    tint = np.hypot(delta[..., 1], delta[..., 2])
    td = tint[ring]
    t_med = float(np.median(td))
    t_thr = max(
        0.6 * REF_MIN_DIFF, t_med + REF_NOISE_K * (1.4826 * float(np.median(np.abs(td - t_med))) + 0.5)
    )
    tint_changed = tint > t_thr
    return _Reference(
        delta, diff.astype(np.float32), thr, changed, tint_changed, ring_changed, shift, sm, corrected
    )


def _reference_region(changed: NDArray[np.bool_]) -> NDArray[np.uint8] | None:
    """Detector 4: what changed against the empty desk, gaps closed, holes filled.

    A page of the desk's own colour changes only along its rim and shadow and where
    its text is: closing by about 2 % of the size joins those into one outline, and
    filling it gives the page.  (Run on every change, and on changes of tint alone:
    those leave out the page's soft shadow on the desk.)
    """
    h, w = changed.shape
    k = max(3, round(max(h, w) * 0.02) | 1)
    m = cv2.morphologyEx(
        changed.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    # specks of noise or dust never join the page
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return _component(m)


def _reference_watershed(image: NDArray[np.uint8], region: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The page's outline inside a change region's rim: a flood from its core against the desk.

    What changed against the empty desk includes the page's soft shadow on the desk,
    so the region's outline can lie a fair way outside the page.  The core of the
    region is certainly page and everything a little outside it is certainly unchanged
    desk; the watershed flood between them (as detector 1's) over the change itself
    (:attr:`_Reference.flood_image`) meets on the strongest new edge in the band — the
    page's sharp edge, not the shadow's gradual fade nor an edge the desk had before.
    """
    h, w = region.shape[:2]
    inward = max(3, round(0.05 * min(h, w)))
    outward = max(2, round(0.015 * min(h, w)))
    core = cv2.erode(region, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * inward + 1, 2 * inward + 1)))
    if int(core.sum()) < 0.02 * h * w:
        return region
    grown = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * outward + 1, 2 * outward + 1)))
    markers = np.zeros((h, w), np.int32)
    markers[grown == 0] = 1
    markers[core > 0] = 2
    cv2.watershed(image, markers)
    page = _component((markers == 2).astype(np.uint8))
    return region if page is None else page


def _band_points(quad: F64, offsets: tuple[float, ...], n: int = 24) -> tuple[F64, F64]:
    """Sample points along the four sides at the given offsets (positive = into the quad)."""
    c = quad.mean(axis=0)
    ts = np.linspace(0.08, 0.92, n)
    pts_all, side_idx = [], []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d)) + 1e-9
        nrm = np.array([-d[1], d[0]]) / length
        if (c - a) @ nrm < 0:
            nrm = -nrm
        base = a[None, :] + ts[:, None] * d[None, :]
        for o in offsets:
            pts_all.append(base + o * nrm)
            side_idx.append(np.full(n, i))
    return np.vstack(pts_all), np.concatenate(side_idx)


def _sample(img: NDArray[Any], pts: F64) -> NDArray[Any]:
    h, w = img.shape[:2]
    x = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
    return np.asarray(img[y, x])


def _reference_evidence(ref: _Reference, quad: F64) -> tuple[float, float]:
    """How well a quad agrees with the empty desk: (change along its outline, desk unchanged outside).

    The outline of the true page is where the frame differs from the empty desk (the
    page's rim, its shadow, or simply paper where desk was); outside it, beyond the
    page's shadow, the desk is as it was.  A writing pad's or a sheet's outline that is
    in the empty picture too shows no change.
    """
    h, w = ref.changed.shape
    offsets = tuple(float(o) for o in range(-5, 7))  # a coarse quad may sit a few pixels off
    edge_pts, _ = _band_points(quad, offsets, n=24)
    d = _sample(ref.diff, edge_pts).reshape(4, len(offsets), 24)
    on_line = edge_pts.reshape(4, len(offsets), 24, 2)[:, offsets.index(0.0)]
    inside = (on_line[..., 0] >= 0) & (on_line[..., 0] <= w - 1) & (on_line[..., 1] >= 0)
    inside &= on_line[..., 1] <= h - 1
    hit = (d.max(axis=1) > ref.thr) & inside
    # the weakest side counts: a pad's or sheet's side that was there before shows no
    # change even when the page's own sides next to it do
    per_side = [float(hit[i].sum()) / int(inside[i].sum()) for i in range(4) if inside[i].sum() >= 4]
    edge = min(per_side) if per_side else 0.0
    # (on every other pixel: a fraction of the desk needs no full resolution)
    changed = ref.changed[::2, ::2]
    mask = np.zeros(changed.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(quad * 0.5).astype(np.int32)], 1)
    k = max(3, round(max(h, w) * 0.015) | 1)  # the page's own shadow and a finger's width
    grown = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))).astype(bool)
    outside = ~grown
    same = float((~changed[outside]).mean()) if outside.any() else 0.0
    return edge, same


def _score_reference(c: _Candidate, ref: _Reference, labf: F32, min_area: float, max_chroma: float) -> None:
    """Evidence for the empty-desk candidate: change along the outline, none outside, shape."""
    sh, sw = c.mask.shape
    c.contrast = _edge_contrast(labf, c.quad)
    c.support = _edge_support(labf, c.quad)
    c.ref_edge, c.ref_same = _reference_evidence(ref, c.quad)
    inner = cv2.erode(c.mask, _mark_kernel(c.mask.shape)).astype(bool)
    if not inner.any():
        inner = c.mask.astype(bool)
    page_col = np.median(labf[inner], axis=0)
    c.chroma = float(np.hypot(page_col[1] - 128, page_col[2] - 128)) / CHROMA_GAIN
    c.gap = float(np.median(ref.diff[inner]))
    qarea = abs(cv2.contourArea(c.quad.astype(np.float32))) / float(sh * sw)
    if c.area < min_area or qarea < min_area:
        c.reason = "region_too_small"
    elif c.area > 0.985 or qarea > 0.995:
        c.reason = "fills_frame"
    elif not _angles_ok(c.quad) or c.solidity < 0.85 or c.solidity > 1.08:
        c.reason = "not_quadrilateral"
    elif c.ref_same < REF_OUTSIDE_SAME:
        c.reason = "desk_changed_outside"
    elif c.ref_edge < REF_EDGE_MIN:
        c.reason = "no_change_along_outline"
    elif (
        c.chroma > REF_CHROMA_SLACK * max_chroma
    ):  # (warm light on yellowed paper; the change is the evidence)
        c.reason = "not_paper_coloured"
    elif len(_touching(c.quad, sw, sh, tol=2.0)) >= 3:
        c.reason = "runs_off_frame"
    shape = max(0.0, 1.0 - abs(1.0 - min(c.solidity, 1.2)) * 4)
    same = float(np.clip((c.ref_same - 0.8) / 0.15, 0.0, 1.0))
    c.score = float(shape * same * (0.4 + 0.6 * c.ref_edge) * (0.7 + 0.3 * c.support))
    if not _angles_ok(c.quad):
        c.score *= 0.3


def detect_page(
    frame: NDArray[Any],
    *,
    refine: bool = True,
    min_area: float = 0.04,
    max_page_chroma: float = 35.0,
    desk_reference: NDArray[Any] | None = None,
) -> Detection:
    """Find the page quadrilateral in a BGR camera frame.

    Three detectors run on the small working copy and the best-scored region wins:
    the watershed flood (precise on ordinary desks), Otsu lightness + the blob at the
    centre (paper is the brightest large thing on most desks) and a desk-colour model
    sampled at the frame border (coloured cloth, grid mats, dark pads).  Openings wider
    than printed lines keep corner marks, rulers and grids from joining the page.  When
    no candidate passes every check but one is still a plausible page, it is returned
    with a low ``confidence`` and ``details["fallback"] = 1`` rather than no page.

    Args:
        frame: BGR uint8 image as delivered by the camera or decoded from a file.
        refine: refine the corners at full resolution (turn off only for live previews).
        min_area: smallest page area accepted, as a fraction of the frame.
        max_page_chroma: the page's colour saturation limit (Lab chroma): white or
            yellowed paper is well below it, a green mat or coloured cloth is above.
        desk_reference: the same camera's picture of the empty desk (BGR, any size with
            the frame's aspect ratio, e.g. a 640-pixel-wide copy), taken between pages.
            Adds the detector "what changed against the empty desk" and checks every
            candidate against it; None (or a reference that no longer matches the
            desk) gives exactly the detection without it.

    Returns:
        A :class:`Detection`; ``quad`` is None when no page stands out (empty desk,
        black frame, a photo that is all page, or an image too small to tell).
    """
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    h, w = frame.shape[:2]
    if min(h, w) < 32:
        return Detection(None, reason="too_small")
    border = _picture_frame(frame)
    if border is not None:
        top, bottom, left, right = border
        det = detect_page(
            frame[top : h - bottom, left : w - right],
            refine=refine,
            min_area=min_area,
            max_page_chroma=max_page_chroma,
        )  # (a reference of the whole picture does not fit inside the frame: not passed)
        if det.quad is not None:
            det.quad = quad_from_array(quad_array(det.quad) + np.array([left, top], np.float64))
        det.details["picture_frame"] = float(max(border))
        return det
    small, scale = shrink(frame, WORK_LONG_SIDE)
    sm = _smooth(small)
    lab = _lab_emphasised(sm)
    labf = lab.astype(np.float32)
    ws_mask, page_col, desk_col = _watershed_region(lab, sm)
    colour_gap = float(np.linalg.norm(page_col - desk_col))
    cands: list[_Candidate] = []
    # (the watershed mask is used as it is: its largest outline is the page)
    dm_desk = desk_col

    def desk_model() -> NDArray[np.uint8] | None:
        nonlocal dm_desk
        region, dm_desk = _desk_model_region(labf, page_col)
        return region

    details: dict[str, float] = {"colour_gap": colour_gap}
    ref: _Reference | None = None
    ref_ok = False  # the empty-desk candidate passed every check
    ref_same_best = 1.0  # ... and how much of the desk outside it is unchanged
    if desk_reference is not None:
        ref = _reference_diff(small, sm, desk_reference)
        if ref is not None:
            details["ref_ring_changed"] = round(ref.ring_changed, 4)
            details["ref_thr"] = round(ref.thr, 2)
            if ref.thr > REF_MAX_THR:
                # the desk itself differs that much from its picture (clipped highlights,
                # another desk): nothing would stand out against it
                log.info("empty-desk reference ignored: the desk differs by %.0f from it", ref.thr)
                ref = None
            elif ref.ring_changed > REF_MAX_RING_CHANGED:
                log.info(
                    "empty-desk reference ignored: %.0f %% of the border changed", 100 * ref.ring_changed
                )
                ref = None
        details["desk_ref"] = float(ref is not None)
        if ref is not None:
            ref_cands: list[_Candidate] = []
            # the change of tint first (tight: a shadow keeps the desk's tint), then every
            # change, flooded once over the change itself and once over the frame's colours
            # (a page of the pad's own tint shows in the first, a yellowed page in a shadow
            # in the second); the best-scored of the latter two competes with the first
            tries = ((ref.tint_changed, (ref.flood_image,)), (ref.changed, (ref.flood_image, lab)))
            for changed, floods in tries:
                if ref_cands and not ref_cands[0].reason and ref_cands[0].score > 0.85:
                    break  # the tint's outline is clearly the page: the other cannot beat it
                ref_region = _reference_region(changed)
                if ref_region is None:
                    continue
                best_here: _Candidate | None = None
                for flood in floods:
                    rc = _quad_of_region("desk_ref", _reference_watershed(flood, ref_region))
                    if rc is None:
                        continue
                    _score_reference(rc, ref, labf, min_area, max_page_chroma)
                    if changed is ref.tint_changed and not rc.reason:
                        # a page of another tint changes it all over; a page of the desk's or
                        # pad's own tint only where its ink is, and the ink's outline is not the page
                        inside = np.zeros(changed.shape, np.uint8)
                        cv2.fillPoly(inside, [np.round(rc.quad).astype(np.int32)], 1)
                        if float(changed[inside.astype(bool)].mean()) < REF_TINT_COVER:
                            rc.reason = "tint_change_sparse"
                    if best_here is None or (best_here.reason, -best_here.score) > (rc.reason, -rc.score):
                        best_here = rc
                if best_here is not None:
                    ref_cands.append(best_here)
            if ref_cands:
                # the tint's outline (first) leaves the shadow out: keep it unless clearly worse
                rc = ref_cands[0]
                for other in ref_cands[1:]:
                    if (rc.reason and not other.reason) or (
                        not other.reason and other.score > rc.score + 0.1
                    ):
                        rc = other
                cands.append(rc)
                ref_ok = not rc.reason
                ref_same_best = rc.ref_same
    regions: list[tuple[str, Callable[[], NDArray[np.uint8] | None] | NDArray[np.uint8] | None]] = [
        (
            "watershed",
            np.asarray(cv2.morphologyEx(ws_mask, cv2.MORPH_OPEN, _mark_kernel(ws_mask.shape)), np.uint8),
        ),
        ("otsu", lambda: _otsu_region(sm)),
        ("desk_model", desk_model),
    ]
    for name, region in regions:
        ws = next((c for c in cands if c.name == "watershed"), None)
        if ws is not None and not ws.reason and ws.score > 0.85:
            break  # no other detector could beat it by the required margin: skip their cost
        if callable(region):
            region = region()
        if region is None:
            continue
        c = _quad_of_region(name, region)
        if c is None:
            continue
        _score(
            c,
            labf,
            dm_desk if name == "desk_model" else desk_col,
            page_col,
            colour_gap,
            min_area,
            max_page_chroma,
        )
        if ref is not None:
            c.ref_edge, c.ref_same = _reference_evidence(ref, c.quad)
            if ref_ok and not c.reason and c.ref_edge < REF_EDGE_MIN:
                # its outline was on the empty desk already: a pad or sheet, not the page
                c.reason = "no_change_along_outline"
            elif ref_ok and not c.reason and c.ref_same < max(REF_OUTSIDE_SAME, ref_same_best - 0.03):
                # part of what is new lies outside it (it is too small, or the shadow edge of a
                # pale page): the change's own outline accounts for more of it
                c.reason = "desk_changed_outside"
        cands.append(c)
    if not cands:
        return Detection(None, reason="no_region", details=details)
    ok = [c for c in cands if not c.reason]
    best: _Candidate | None = None
    fallback = False
    if ok:
        best = max(ok, key=lambda c: c.score)
        first = next((c for c in ok if c.name == "watershed"), None)
        if first is not None and best.score < first.score + 0.15:
            best = first  # the watershed outline is the most precise: keep it unless clearly beaten
    else:
        plausible = [c for c in cands if _plausible(c, min_area, max_page_chroma)]
        if plausible:
            best = max(plausible, key=lambda c: c.score)
            fallback = True
    sheet_sides = 0
    if best is not None:
        inner, sheet_sides = _split_under_sheet(labf, _ink_map(small), best.quad)
        if inner is not None:
            # the page lies on a blank sheet or pad that the region took in: keep the page
            m = np.zeros_like(best.mask)
            cv2.fillPoly(m, [np.round(inner).astype(np.int32)], 1)
            best = _Candidate(best.name, m, inner, float(m.mean()), 1.0, contrast=_edge_contrast(labf, inner))
    details["sheet_sides"] = float(sheet_sides)
    for c in cands:
        details[f"score_{c.name}"] = round(c.score, 4)
        if c.ref_edge >= 0:
            details[f"ref_edge_{c.name}"] = round(c.ref_edge, 3)
            details[f"ref_same_{c.name}"] = round(c.ref_same, 3)
    if best is None:
        ws_c = next((c for c in cands if c.name == "watershed"), cands[0])
        details.update({"area": ws_c.area, "solidity": ws_c.solidity, "contrast": ws_c.contrast})
        return Detection(None, reason=ws_c.reason or "no_region", contrast=ws_c.contrast, details=details)
    mask = best.mask
    q_small = best.quad
    details.update(
        {
            "area": best.area,
            "solidity": best.solidity,
            "contrast": best.contrast,
            "page_chroma": best.chroma,
            "detector": float(([n for n, _ in regions] + ["desk_ref"]).index(best.name)),
            "fallback": float(fallback),
        }
    )
    quad_full = q_small / scale + (0.5 / scale - 0.5)  # pixel centres of the small copy
    good = 1.0
    if refine and scale < 1.0:
        refined, good = _refine_full_res(frame, quad_full, scale)
        if refined is not None and _angles_ok(refined):
            shift = np.abs(refined - quad_full).max()
            if shift < 6.0 / scale:
                quad_full = refined
    quad_full = order_corners(quad_full)
    touching = _touching(quad_full, w, h, tol=2.0)
    # the page region running along a frame side for a stretch (not a speck of leak)
    run = 0.1
    # (cv2.watershed marks the outermost pixel ring as boundary, so look one pixel in)
    sides = {
        "top": mask[1, :].mean(),
        "bottom": mask[-2, :].mean(),
        "left": mask[:, 1].mean(),
        "right": mask[:, -2].mean(),
    }
    touching = tuple(sorted(set(touching) | {k for k, v in sides.items() if v > run}))
    cut_off = bool(touching)
    evidence = min(best.contrast / 25.0, 1.0)
    if best.name == "desk_ref":  # a page of the desk's own colour: the change is the evidence
        evidence = max(evidence, best.ref_edge * best.ref_same)
    conf = float(np.clip(evidence * min(best.solidity, 1.0) * (0.5 + 0.5 * good), 0.0, 1.0))
    if fallback:
        conf = min(conf, 0.4) * max(0.25, best.score)
    details["edge_support"] = good
    return Detection(
        quad_from_array(quad_full),
        confidence=conf,
        cut_off=cut_off,
        touching=touching,
        reason="",
        contrast=best.contrast,
        details=details,
    )


def quad_iou(a: Quad, b: Quad) -> float:
    """Intersection over union of two convex quadrilaterals (exact polygon areas)."""
    pa = quad_array(a).astype(np.float32)
    pb = quad_array(b).astype(np.float32)
    area_a = abs(float(cv2.contourArea(pa)))
    area_b = abs(float(cv2.contourArea(pb)))
    inter, _ = cv2.intersectConvexConvex(pa, pb)
    union = area_a + area_b - float(inter)
    return float(inter) / union if union > 0 else 0.0
