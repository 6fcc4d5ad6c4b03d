"""The clerk's fingers on the page: find them, paint them out of the margin, warn over text.

A bound register cannot be pressed flat under glass, so the clerk holds the page with
two fingers at its edges.  On the rectified page a finger is a skin-coloured blob that
*enters from the page edge*.  Three things make this harder than a colour threshold:

* **yellowed paper and wooden desks are close to skin hue.**  So colour is judged
  against the page's own paper: every pixel is divided by the paper colour (a white
  balance on the paper), after which paper of any age is neutral and skin is clearly
  red of green.  A warm lamp shifts paper and skin alike and cancels out too.  The
  paper is not one colour, though: where a lamp's hot spot clips the red (and green)
  of a yellowed page, the dimmer parts keep the paper's true, redder hue, which against
  the page's overall paper colour is as red as skin.  So the first colour pass judges
  each pixel against the paper *around it* (a map of ~30 mm cells), a second against
  the page's overall paper (light skin can hide against the redder local paper of an
  unclipped rim), and two looser ones (clipped red; pale skin on yellowed paper, which
  is barely redder but clearly bluer than the paper) are trusted only with a strict
  shape test.
* **colour alone is not enough** (a strip of wood left by a loose page outline, a
  brown stain, a red seal): every candidate must pass a shape test — it touches the
  page edge, it points *into* the page (not along the edge), its width is a finger's
  (9–32 mm) with roughly parallel sides, and its far end is rounded (narrower than its
  body), unlike a flat-ended strip of desk.  A finger touching a faded seal or
  reddish handwriting merges with it into one blob that fails this test; a 5 mm
  opening cuts the thin strokes off and the thick parts are judged on their own.
* **never paint over ink.**  The fill only covers pixels that are skin-coloured or
  paper-bright; any pixel darker than the paper that is not skin-coloured *on the
  finger itself* is ink and is kept, however close to the finger.

A finger that lies only over the margin is painted with the paper colour around it in
the cleaned derivative (the master stays as captured); a finger over text or form
cells is reported, and the capture screen asks the clerk to re-take the page.
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

from hukou_scan.imaging.detect import shrink

log = logging.getLogger(__name__)

U8 = NDArray[Any]

# Shape limits of one finger seen from above (adult index/middle finger 14-22 mm wide;
# a thumb pressed flat up to ~28 mm; children's or slim fingers down to ~10 mm).
FINGER_WIDTH_MM = (9.0, 32.0)
MIN_LENGTH_RATIO = 0.35  # how far into the page, relative to its width
MAX_SIDE_CV = 0.35  # variation of the width along the body (parallel sides)
MAX_TIP_RATIO = 0.85  # width of the far end relative to the body (rounded tip)
MIN_SOLIDITY = 0.8
MAX_AXIS_TILT_DEG = 60.0  # angle between the finger and the edge's normal
PAPER_A4_SHORT_MM = 210.0
# second, looser colour pass (red channel clipped on yellowed paper under a warm lamp):
# its blobs must pass a stricter shape test (:func:`_is_strong_finger`)
LOOSE_RG_MIN = 1.04
LOOSE_BG_MAX = 1.45
# third, "pale" colour pass (light skin on yellowed paper, see skin_against_paper);
# only on a page whose paper is clearly yellow, and with the strict shape test
PALE_RG_MIN = 1.015
PALE_BG_MIN = 1.15
PALE_LUM = (0.7, 1.5)
PALE_PAPER_BG_MAX = 0.85  # B/G of the paper: yellowed
STRONG_WIDTH_MM = (11.0, 28.0)
STRONG_MAX_SIDE_CV = 0.22
STRONG_MIN_SOLIDITY = 0.9
STRONG_MAX_TILT_DEG = 40.0
WORK_LONG_SIDE = 900
PAPER_CELL_MM = 30.0  # cells of the local paper map: larger than a finger's width
MAX_HOLE_MM2 = 400.0  # holes filled inside a skin blob: a thumb's nail, not a seal's ring
SPLIT_OPEN_MM = 5.0  # opening that cuts a finger from a seal or writing it touches
SPLIT_MIN_LENGTH_MM = 10.0  # how far a part cut out that way must reach into the page
SPLIT_FILL_INSET_MM = 3.5  # such a part is the finger only this far inside its outline (fill)


@dataclass(frozen=True)
class Finger:
    """One finger (or thumb) found on the page, in full-resolution page pixels.

    Attributes:
        bbox: x, y, width, height.
        edge: the page edge it comes from (top, bottom, left, right).
        width_mm / length_mm: its body width and how far it reaches into the page.
        covers_content: it lies over text, ruled lines or form cells.
        split: it was cut out of a larger skin-coloured blob (writing or a seal
            touching it), so its outline may keep a sliver of that writing.
    """

    bbox: tuple[int, int, int, int]
    edge: str
    width_mm: float
    length_mm: float
    covers_content: bool
    split: bool = False


@dataclass
class FingerReport:
    """What :func:`detect_fingers` found.

    ``mask`` marks the accepted fingers on the working copy (``scale`` × page size);
    ``rejected`` counts skin-coloured blobs at the edge that failed the shape test.
    """

    fingers: tuple[Finger, ...]
    mask: U8
    scale: float
    px_per_mm: float
    rejected: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def covers_content(self) -> bool:
        return any(f.covers_content for f in self.fingers)

    @property
    def area_frac(self) -> float:
        return float(cv2.countNonZero(self.mask)) / float(self.mask.size) if self.mask.size else 0.0


def paper_colour(small: U8) -> NDArray[np.float32]:
    """Median BGR of the brightest half of the page: the paper, whatever its age or light."""
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    sample = grey[::2, ::2]
    cut = float(np.percentile(sample, 50))
    sel = small[::2, ::2][sample >= cut]
    if sel.size == 0:
        return np.array([235.0, 235.0, 235.0], np.float32)
    return np.maximum(np.median(sel.reshape(-1, 3).astype(np.float32), axis=0), 1.0)


def paper_map(small: U8, cells: int = 4) -> NDArray[np.float32]:
    """Paper colour at every pixel (hh×ww×3 float): :func:`paper_colour` of a coarse grid, interpolated.

    Why local: the paper's colour is not one colour.  Under a warm lamp yellowed paper
    clips the red channel where it is brightest and not in the vignetted corners, and
    paper yellows more at the handled edges; against one global colour those parts
    look skin-red.  Cells of a quarter of the page are far larger than a finger, so a
    finger cannot pull its cell's median of the bright half towards itself.
    """
    hh, ww = small.shape[:2]
    grid = np.zeros((cells, cells, 3), np.float32)
    glob = paper_colour(small)
    for i in range(cells):
        for j in range(cells):
            cell = small[i * hh // cells : (i + 1) * hh // cells, j * ww // cells : (j + 1) * ww // cells]
            grid[i, j] = paper_colour(cell) if cell.shape[0] >= 8 and cell.shape[1] >= 8 else glob
    # cell centres → pixels: pad by edge replication so the border cells keep their value
    big = cv2.resize(grid, (ww, hh), interpolation=cv2.INTER_LINEAR)
    return np.maximum(np.asarray(big, np.float32), 1.0)


def local_paper_map(small: U8, px_mm: float) -> NDArray[np.float32]:
    """Paper colour at every pixel for the skin test (hh×ww×3 float), from ~30 mm cells.

    Why local and this fine: under a warm lamp the bright middle of a yellowed page
    clips its red channel while the vignetted corners and the gradient's dark side do
    not, so against one global paper colour whole corners of bare paper look skin-red
    and a finger there merges with them into a page-sized blob that fails the shape
    test (and the darker paper also shifts what counts as a dark skin tone).  Each
    cell's paper is the median of its brighter half (ink and fingers are darker than
    paper); a 3×3 median over the grid of cells then overrules a cell that a finger
    or a dense block of writing covers almost entirely, so a finger never becomes its
    own paper.
    """
    hh, ww = small.shape[:2]
    cell = max(8.0, PAPER_CELL_MM * px_mm)
    ny, nx = max(2, round(hh / cell)), max(2, round(ww / cell))
    glob = paper_colour(small)
    grid = np.empty((ny, nx, 3), np.float32)
    for i in range(ny):
        for j in range(nx):
            c = small[i * hh // ny : (i + 1) * hh // ny, j * ww // nx : (j + 1) * ww // nx]
            grid[i, j] = paper_colour(c) if c.shape[0] >= 8 and c.shape[1] >= 8 else glob
    if ny >= 3 and nx >= 3:
        grid = np.asarray(cv2.medianBlur(grid, 3), np.float32)
    big = cv2.resize(grid, (ww, hh), interpolation=cv2.INTER_LINEAR)
    return np.maximum(np.asarray(big, np.float32), 1.0)


def skin_against_paper(bgr: U8, paper: NDArray[np.float32], *, loose: bool = False, pale: bool = False) -> U8:
    """Skin-coloured pixels after white-balancing on the paper (uint8 0/1).

    After dividing by the paper colour, paper of any age is grey (R≈G≈B) and a stain or
    the paper's darker rim stays within a few per cent of grey; skin is 15–70 % redder
    than green.  Red seal ink is far redder (excluded above ×1.9); blue/black ink is
    not red at all.  Very dark pixels carry no reliable colour.

    ``loose`` is the second pass (see :func:`detect_fingers`): under a warm lamp on
    yellowed paper the paper's red channel clips, so light skin is only 4-8 % redder
    than green against it, and the paper is so short of blue that skin looks bluer
    than the paper (B/G up to ×1.45).  Those pixels are also what a grey or bluish
    object looks like, so the loose pass is trusted only with a strict shape test.
    """
    f = bgr.astype(np.float32) / (paper if paper.ndim == 3 else paper[None, None, :])
    b, g, r = f[..., 0], f[..., 1], f[..., 2]
    g = np.maximum(g, 1e-3)
    rg = r / g
    bg = b / g
    lum = (0.114 * b + 0.587 * g + 0.299 * r) * 1.0
    if pale:
        # light skin on yellowed paper: barely redder, but clearly less yellow (bluer)
        # than the paper and about as bright; white or grey things are less red than
        # yellowed paper, and its own darker or stained parts are not bluer
        return np.asarray(
            (rg > PALE_RG_MIN)
            & (rg < 1.9)
            & (bg > PALE_BG_MIN)
            & (bg < LOOSE_BG_MAX)
            & (lum > PALE_LUM[0])
            & (lum < PALE_LUM[1]),
            np.uint8,
        )
    rg_min, bg_max = (LOOSE_RG_MIN, LOOSE_BG_MAX) if loose else (1.08, 1.2)
    red = (rg > rg_min) & (rg < 1.9) & (bg > 0.3) & (bg < bg_max)
    # dark pixels (a dark finger's shaded side) must be clearly red: dark ink is only slightly so
    return np.asarray(red & (lum > 0.12) & (lum < 1.35) & ((lum > 0.3) | (rg > 1.2)), np.uint8)


def _edge_of(x: int, y: int, w: int, h: int, ww: int, hh: int, tol: int) -> list[str]:
    edges = []
    if y <= tol:
        edges.append("top")
    if y + h >= hh - tol:
        edges.append("bottom")
    if x <= tol:
        edges.append("left")
    if x + w >= ww - tol:
        edges.append("right")
    return edges


def _shape(comp: U8, edge: str, px_mm: float) -> dict[str, float] | None:
    """Width profile of a blob along the normal of ``edge``; None when it is too small to judge."""
    hh, ww = comp.shape
    ys, xs = np.nonzero(comp)
    if ys.size < 30:
        return None
    # distance from the edge (depth) and position along the edge
    if edge == "top":
        depth, along = ys, xs
    elif edge == "bottom":
        depth, along = (hh - 1 - ys), xs
    elif edge == "left":
        depth, along = xs, ys
    else:
        depth, along = (ww - 1 - xs), ys
    length = float(depth.max()) + 1.0
    # width per depth slice (area per slice: robust to ragged outlines) and the centre
    # line's drift along the edge, which gives the finger's tilt against the edge normal
    nbins = max(4, min(40, int(length // max(1.0, 1.5 * px_mm))))
    edges_ = np.linspace(0, length, nbins + 1)
    idx = np.clip(np.digitize(depth, edges_) - 1, 0, nbins - 1)
    counts = np.bincount(idx, minlength=nbins).astype(np.float64)
    sums = np.bincount(idx, weights=along.astype(np.float64), minlength=nbins)
    ok = counts > 0
    centres = sums[ok] / counts[ok]
    mids = ((edges_[:-1] + edges_[1:]) / 2)[ok]
    slope = float(np.polyfit(mids, centres, 1)[0]) if ok.sum() >= 3 and length >= 2 * px_mm else 0.0
    tilt = math.degrees(math.atan(abs(slope)))
    widths = counts / np.maximum(np.diff(edges_), 1e-6)
    # a finger seen at a tilt looks wider per slice by 1/cos(tilt)
    widths *= math.cos(math.radians(min(tilt, 75.0)))
    length *= 1.0 / max(math.cos(math.radians(min(tilt, 75.0))), 0.25)
    body = widths[int(nbins * 0.2) : max(int(nbins * 0.75), int(nbins * 0.2) + 1)]
    width = float(np.median(body)) if body.size else float(np.median(widths))
    cv = float(np.std(body)) / max(float(np.mean(body)), 1e-6) if body.size >= 2 else 0.0
    tip_n = max(1, round(nbins * 0.12))
    tip = float(np.mean(widths[-tip_n:]))
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cnt = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(cnt)
    solidity = float(cv2.contourArea(cnt)) / max(float(cv2.contourArea(hull)), 1.0)
    return {
        "width_mm": width / px_mm,
        "length_mm": length / px_mm,
        "length_ratio": length / max(width, 1e-6),
        "side_cv": cv,
        "tip_ratio": tip / max(width, 1e-6),
        "solidity": solidity,
        "tilt_deg": tilt,
    }


def _is_finger(s: dict[str, float]) -> bool:
    return bool(
        FINGER_WIDTH_MM[0] <= s["width_mm"] <= FINGER_WIDTH_MM[1]
        and s["length_ratio"] >= MIN_LENGTH_RATIO
        and s["side_cv"] <= MAX_SIDE_CV
        and s["tip_ratio"] <= (MAX_TIP_RATIO if s["length_ratio"] >= 0.8 else 0.6)
        and s["solidity"] >= MIN_SOLIDITY
        and s["tilt_deg"] <= MAX_AXIS_TILT_DEG
    )


def _is_strong_finger(s: dict[str, float]) -> bool:
    """The shape test for blobs of the loose colour pass: a finger beyond doubt."""
    return bool(
        _is_finger(s)
        and STRONG_WIDTH_MM[0] <= s["width_mm"] <= STRONG_WIDTH_MM[1]
        and s["side_cv"] <= STRONG_MAX_SIDE_CV
        and s["solidity"] >= STRONG_MIN_SOLIDITY
        and s["tilt_deg"] <= STRONG_MAX_TILT_DEG
    )


def _ink(grey: U8, skin: U8, px_mm: float) -> U8:
    """Ink on the working copy: darker than the local paper and not skin (uint8 0/1)."""
    k = max(3, round(2.5 * px_mm) | 1)
    bg = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 2)
    ink = (grey.astype(np.float32) < 0.72 * np.maximum(bg.astype(np.float32), 8.0)) & (skin == 0)
    return np.asarray(ink, np.uint8)


def skin_blobs(
    small: U8,
    paper: NDArray[np.float32],
    px_mm: float,
    *,
    loose: bool = False,
    pale: bool = False,
    blurred: U8 | None = None,
) -> U8:
    """Skin-coloured blobs, cleaned: specks removed, one finger one filled blob (uint8 0/1)."""
    if blurred is None:
        blurred = cv2.GaussianBlur(small, (3, 3), 0)
    skin = skin_against_paper(blurred, paper, loose=loose, pale=pale)
    k = max(3, round(1.2 * px_mm) | 1)
    ell = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    skin = np.asarray(cv2.morphologyEx(skin, cv2.MORPH_OPEN, ell), np.uint8)
    # a nail, a highlight or a knuckle crease is less red than the rest of the finger:
    # close small gaps and fill holes so one finger stays one blob
    k2 = max(3, round(2.5 * px_mm) | 1)
    skin = np.asarray(
        cv2.morphologyEx(skin, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k2, k2))),
        np.uint8,
    )
    # fill holes up to a nail's size; a larger hole is not part of a finger (a seal's
    # ring touching a finger must not become a disc joined to it)
    contours, _ = cv2.findContours(skin, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(skin)
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    holes = (filled > 0) & (skin == 0)
    n, lbl, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8), connectivity=4)
    small_hole = np.zeros(n, bool)
    small_hole[1:] = stats[1:, cv2.CC_STAT_AREA] <= MAX_HOLE_MM2 * px_mm * px_mm
    return np.asarray((skin > 0) | small_hole[lbl], np.uint8)


def _open(mask: U8, diameter_px: float) -> U8:
    """Opening with a disc, zeros beyond the image (a strip along the border is removed too)."""
    k = max(3, round(diameter_px) | 1)
    ell = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return np.asarray(
        cv2.morphologyEx(mask, cv2.MORPH_OPEN, ell, borderType=cv2.BORDER_CONSTANT, borderValue=0),
        np.uint8,
    )


def detect_fingers(page_bgr: U8, dpi: float | None = None, *, reduced: U8 | None = None) -> FingerReport:
    """Find fingers entering the rectified page from its edges.

    Args:
        page_bgr: the rectified page (master, BGR).
        dpi: its resolution; None assumes the short side is an A4 page's 210 mm.
        reduced: an optional smaller copy of the page to start from (saves a shrink of
            an 8 MP master); results are still in ``page_bgr``'s pixels.

    Returns:
        A :class:`FingerReport` (empty when there are none or the image is grey).
    """
    h0, w0 = page_bgr.shape[:2]
    base = reduced if reduced is not None else page_bgr
    small, scale = shrink(base, WORK_LONG_SIDE)
    scale *= base.shape[1] / w0
    hh, ww = small.shape[:2]
    empty = np.zeros((hh, ww), np.uint8)
    px_mm = (dpi * scale / 25.4) if dpi else min(hh, ww) / PAPER_A4_SHORT_MM
    if small.ndim != 3 or min(hh, ww) < 32:
        return FingerReport((), empty, scale, px_mm)
    paper_local = local_paper_map(small, px_mm)
    paper_global = paper_colour(small)
    blurred = cv2.GaussianBlur(small, (3, 3), 0)
    tol = max(2, round(0.01 * min(hh, ww)))
    min_area = (FINGER_WIDTH_MM[0] * px_mm) ** 2 * 0.6
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    mask = np.zeros((hh, ww), np.uint8)
    fingers: list[Finger] = []
    details: list[dict[str, Any]] = []
    rejected = 0
    # pass 1: clearly skin-coloured against the local paper, ordinary shape test;
    # pass 2: the same against the page's global paper colour, where pass 1 found
    # nothing (light skin is only ~8 % redder than yellowed paper: the local paper of
    # the page's unclipped, redder rim can hide a fingertip there that the page as a
    # whole shows; either comparison alone misses fingers the other finds);
    # pass 3: the looser colour (clipped red on warm yellowed paper) against the
    # global paper, where passes 1-2 found nothing, only blobs whose shape is a finger
    # beyond doubt (against a local map the page's unclipped rim passes it)
    yellowed = float(paper_global[0]) < PALE_PAPER_BG_MAX * float(paper_global[1])
    for stage in ("local", "global", "loose", "pale"):
        loose = stage in ("loose", "pale")
        if stage == "pale" and not yellowed:
            continue
        blobs = skin_blobs(
            small,
            paper_local if stage == "local" else paper_global,
            px_mm,
            loose=stage == "loose",
            pale=stage == "pale",
            blurred=blurred,
        )
        taken = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
        stage_ink: list[U8] = []  # computed once, when a finger is found

        def ink_of_stage(blobs: U8 = blobs, cache: list[U8] = stage_ink) -> U8:
            if not cache:
                cache.append(_ink(grey, blobs, px_mm))
            return cache[0]

        n, lbl, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
        test = _is_strong_finger if loose else _is_finger
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if area < min_area:
                continue
            edges = _edge_of(x, y, w, h, ww, hh, tol)
            if not edges:
                continue
            comp = (lbl == i).astype(np.uint8)
            if stage != "local" and np.any(comp & taken):
                continue
            best = _judge(comp, edges, test, px_mm, details, stage)
            found: list[tuple[U8, str, dict[str, float], U8, bool]] = []
            if best is not None:
                found.append((comp, *best, ink_of_stage(), False))
            elif stage == "local":
                # a finger touching a seal, reddish handwriting or a skin-coloured rim of
                # the page merges with it into one blob that fails the shape test: cut
                # the thin joins and judge the thick parts on their own (only against the
                # local paper: against the global colour or the loose one, bumps of the
                # page's rim strip are cut out too, and look like fingertips)
                for part in _split(comp, px_mm, min_area):
                    bx, by, bw, bh = cv2.boundingRect(part)
                    pe = _edge_of(bx, by, bw, bh, ww, hh, tol)
                    pb = _judge(part, pe, test, px_mm, details, stage) if pe else None
                    # a part must reach well past the opening: a bump of the page's rim
                    # left by the opening is wide and shallow
                    if pb is not None and pb[1]["length_mm"] >= SPLIT_MIN_LENGTH_MM:
                        # what was cut off is writing or a seal: it counts as content
                        found.append((part, *pb, _ink(grey, part, px_mm), True))
            if not found:
                rejected += int(stage == "local")
                continue
            for part, edge, s, part_ink, was_split in found:
                covers = _covers_content(part, part_ink, px_mm, edge)
                details.append(
                    {
                        "edge": edge,
                        "accepted": True,
                        "stage": stage,
                        "split": was_split,
                        **{k_: round(v, 3) for k_, v in s.items()},
                    }
                )
                mask |= part
                px, py, pw, ph = cv2.boundingRect(part)
                inv = 1.0 / scale
                fingers.append(
                    Finger(
                        bbox=(
                            int(px * inv),
                            int(py * inv),
                            min(w0, math.ceil(pw * inv)),
                            min(h0, math.ceil(ph * inv)),
                        ),
                        edge=edge,
                        width_mm=round(s["width_mm"], 1),
                        length_mm=round(s["length_mm"], 1),
                        covers_content=covers,
                        split=was_split,
                    )
                )
    if fingers or rejected:
        log.debug("fingers: %d found, %d skin blobs at the edge rejected by shape", len(fingers), rejected)
    return FingerReport(tuple(fingers), mask, scale, px_mm, rejected, details)


def _judge(
    comp: U8,
    edges: list[str],
    test: Callable[[dict[str, float]], bool],
    px_mm: float,
    details: list[dict[str, Any]],
    stage: str,
) -> tuple[str, dict[str, float]] | None:
    """The first page edge from which ``comp`` passes ``test``, with its shape; rejections go to ``details``."""
    for e in edges:
        s = _shape(comp, e, px_mm)
        if s is None:
            continue
        if test(s):
            return e, s
        details.append(
            {"edge": e, "accepted": False, "stage": stage, **{k: round(v, 3) for k, v in s.items()}}
        )
    return None


def _split(comp: U8, px_mm: float, min_area: float) -> list[U8]:
    """The thick parts of a blob that failed the shape test, each on its own (uint8 0/1 masks).

    An opening with a disc of :data:`SPLIT_OPEN_MM` (less than the narrowest finger,
    more than a seal's ring, a pen stroke or a skin-coloured rim strip) removes the
    thin joins; only parts of at least ``min_area`` are returned.  Nothing is returned
    when the opening leaves the blob in one piece with less than 1 % cut off, since
    the shape test has already judged that blob.
    """
    opened = _open(comp, SPLIT_OPEN_MM * px_mm)
    n, lbl, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    if n <= 1:
        return []
    cut = 1.0 - float(stats[1:, cv2.CC_STAT_AREA].sum()) / max(float(cv2.countNonZero(comp)), 1.0)
    if n == 2 and cut < 0.01:
        return []
    return [(lbl == i).astype(np.uint8) for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_area]


def _covers_content(comp: U8, ink: U8, px_mm: float, edge: str) -> bool:
    """Whether a finger lies over text or form cells.

    The page's content zone is its ink closed over the gaps between characters and
    lines (6 mm); a finger that reaches into it, or has ink right beside its sides
    and tip (a line or characters running under it), covers content.  The page edge
    it comes from does not count (the desk beyond may be dark).
    """
    hh, ww = comp.shape
    kz = max(3, round(6 * px_mm) | 1)
    zone = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kz, kz)))
    # keep only real content (characters, lines), not isolated specks of dirt
    nz, lz, sz, _ = cv2.connectedComponentsWithStats(zone, connectivity=8)
    keep = np.zeros(nz, bool)
    keep[1:] = sz[1:, cv2.CC_STAT_AREA] >= (3 * px_mm) ** 2
    zone = keep[lz].astype(np.uint8)
    kr = max(3, round(6 * px_mm) | 1)
    grown = cv2.dilate(comp, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kr, kr)))
    ring = (grown > 0) & (comp == 0)
    band = max(2, round(1.5 * px_mm))
    if edge == "top":
        ring[:band, :] = False
    elif edge == "bottom":
        ring[hh - band :, :] = False
    elif edge == "left":
        ring[:, :band] = False
    else:
        ring[:, ww - band :] = False
    fa = float(cv2.countNonZero(comp))
    over = float(np.count_nonzero((zone > 0) & (grown > 0))) / max(fa, 1.0)
    ring_ink = float(np.count_nonzero(ring & (ink > 0))) / max(float(np.count_nonzero(ring)), 1.0)
    return over > 0.02 or ring_ink > 0.01


def fill_fingers(derivative: U8, master: U8, report: FingerReport) -> tuple[U8, int]:
    """Paint margin-only fingers with the surrounding paper in the derivative.

    Fingers that cover content are left alone (the clerk re-takes the page).  Inside
    each finger's neighbourhood a pixel is filled only when it is skin-coloured or at
    least as bright as 75 % of the local paper: a pixel darker than that and not
    skin-coloured is ink, and ink is never painted over.

    Args:
        derivative: the cleaned derivative (grey, bitonal or colour) of ``master``.
        master: the colour master the fingers were found on (same size).
        report: :func:`detect_fingers` on ``master``.

    Returns:
        (derivative with the fingers painted out — a copy when anything changed,
        number of pixels filled).
    """
    todo = [f for f in report.fingers if not f.covers_content]
    if not todo or master.ndim != 3:
        return derivative, 0
    hh, ww = master.shape[:2]
    out = derivative.copy()
    filled = 0
    inv = 1.0 / report.scale
    pad = round(3 * report.px_per_mm * inv) + 2
    mask_full = cv2.resize(report.mask, (ww, hh), interpolation=cv2.INTER_NEAREST)
    small_m, _ = shrink(master, WORK_LONG_SIDE)
    paper_full = np.asarray(
        cv2.resize(paper_map(small_m), (ww, hh), interpolation=cv2.INTER_LINEAR), np.float32
    )
    for f in todo:
        x, y, w, h = f.bbox
        x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(ww, x + w + pad), min(hh, y + h + pad)
        core = mask_full[y0:y1, x0:x1]
        kd = max(3, round(1.5 * report.px_per_mm * inv) | 1)
        near = cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kd, kd)))
        kr = max(3, round(2.5 * report.px_per_mm * inv) | 1)
        ring = (cv2.dilate(near, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kr, kr))) > 0) & (near == 0)
        m = master[y0:y1, x0:x1]
        grey = cv2.cvtColor(m, cv2.COLOR_BGR2GRAY).astype(np.float32)
        # skin colour excuses a dark pixel only on the finger itself (and its antialiased
        # rim): reddish-brown handwriting or a faded seal beside the finger is as
        # skin-coloured as the finger, and it is ink.  A finger cut out of such a blob
        # (``split``) may keep a sliver of it along its outline, so there only its inside
        # counts; its shaded, darker sides may then stay unpainted, never the ink.
        ko = max(3, round((SPLIT_FILL_INSET_MM if f.split else 0.7) * report.px_per_mm * inv) | 1)
        ell = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ko, ko))
        own = (cv2.erode(core, ell) if f.split else cv2.dilate(core, ell)) > 0
        skin = (skin_against_paper(m, paper_full[y0:y1, x0:x1]) > 0) & own
        paper_grey = float(np.median(grey[ring])) if ring.any() else float(np.percentile(grey, 90))
        ink = (grey < 0.85 * paper_grey) & ~skin
        ink = cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        sel = (near > 0) & ~ink
        if not sel.any():
            continue
        d = out[y0:y1, x0:x1]
        ring_ok = ring & ~ink
        if ring_ok.any():
            colour = np.median(d[ring_ok].reshape(-1, 1 if d.ndim == 2 else d.shape[2]), axis=0)
        else:
            colour = np.array([255] * (1 if d.ndim == 2 else d.shape[2]))
        d[sel] = colour.astype(d.dtype) if d.ndim == 3 else colour.astype(d.dtype)[0]
        filled += int(np.count_nonzero(sel))
    return out, filled


__all__ = ["Finger", "FingerReport", "detect_fingers", "fill_fingers", "paper_colour", "skin_against_paper"]
