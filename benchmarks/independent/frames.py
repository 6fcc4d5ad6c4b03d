"""Independent camera frames of a page on a desk, with the true page quad.

Why a second generator: the project's simulator (``hukou_scan.capture.simulated``)
and the page detector were developed together, so a detector can score perfectly on
it and still miss obvious pages on desks the simulator never draws (issue 17: 24 of
45 independent frames found).  This module is written from scratch on different
assumptions and must stay free of the simulator's drawing code:

* desks the simulator has no model of: a black camera pad with printed corner marks
  and a ruler scale, plain red cloth with folds, a green cutting mat with a 1 cm grid
  and numbers, dark wood with planks and grain, grey glass with a reflection streak;
* the page is placed by a camera model (in-plane rotation ±8°, then a tilt of the
  desk plane projected through a pin-hole, which gives keystone), fills 65–85 % of
  the frame, and is pale to strongly yellowed paper with stains and darker edges;
* lighting: vignette, a linear gradient and a colour cast (tungsten, daylight,
  fluorescent green), applied to desk and page alike;
* distractors: a pen lying beside the page, another sheet peeking out under it, the
  page's own soft shadow;
* text drawn with PIL in a system CJK font (not the simulator's renderer).

Everything is a pure function of the seed.  Seeds are split: :data:`TUNING_SEEDS` may
be looked at while changing the detector, :data:`HELD_OUT_SEEDS` only in the final
measurement (``benchmarks.bench_detect``) and never while tuning.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

DESKS = ("black_pad_marks", "red_cloth", "green_grid_mat", "dark_wood", "glass_grey")
TUNING_SEEDS = range(1000, 1100)  # may be used while tuning the detector
HELD_OUT_SEEDS = range(70000, 70100)  # final measurement only; never used while tuning
# harder scenes (page on a sheet or pad, a desk close to paper, a shadow across the
# page): a tuning range and a held-out range of their own, so that the ordinary seeds
# above draw exactly what they always drew
HARD_DESKS = ("sheet_under_page", "pale_desk", "shadow_across")
HARD_TUNING_SEEDS = range(5000, 5300)  # may be used while tuning the detector (5100… added later)
HARD_HELD_OUT_SEEDS = range(75000, 75100)  # final measurement only; never used while tuning
# a second hard held-out range, drawn after HARD_HELD_OUT_SEEDS had been measured once
# (so that a detector changed after that measurement is judged on frames nobody saw)
HARD_HELD_OUT_2_SEEDS = range(76000, 76200)
FRAME_8MP = (3264, 2448)

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
_HANZI = (
    "户口登记簿常住人口姓名性别民族出生日期籍贯住址职业文化程度婚姻状况兵役服务处所何时由何地迁来"
    "本市县公安局派出所承办人签章与户主关系宗教信仰身高血型公民身份号码曾用名其他住址何时何因"
)


@dataclass(frozen=True)
class IndependentFrame:
    """One generated frame and its truth.

    Attributes:
        image: BGR uint8 frame.
        quad: true page corners TL, TR, BR, BL (pixel-centre coordinates, float); None
            for an empty desk.
        desk: one of :data:`DESKS`.
        seed: the seed that made it.
        features: what was drawn (pen, under_sheet, cast, …) for per-condition reports.
    """

    image: np.ndarray
    quad: np.ndarray | None
    desk: str
    seed: int
    features: tuple[str, ...]


def is_hard(seed: int) -> bool:
    """Seeds of the harder scenes (:data:`HARD_DESKS`)."""
    return seed in HARD_TUNING_SEEDS or seed in HARD_HELD_OUT_SEEDS or seed in HARD_HELD_OUT_2_SEEDS


def desk_of(seed: int) -> str:
    """The desk (or hard scene) a seed draws (consecutive seeds cycle through all of them)."""
    if is_hard(seed):
        return HARD_DESKS[seed % len(HARD_DESKS)]
    return DESKS[seed % len(DESKS)]


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    for p in _FONT_CANDIDATES:
        if Path(p).exists():
            return p
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    p = _font_path()
    if p is None:
        return ImageFont.load_default()
    return ImageFont.truetype(p, max(6, size))


# --------------------------------------------------------------------------- page


def _page(pw: int, ph: int, rng: random.Random) -> np.ndarray:
    """A pale or yellowed paper page with a ruled form, text and a red seal (BGR uint8)."""
    age = rng.random()
    white = np.array([236, 238, 240], np.float32)  # B, G, R
    yellow = np.array([150, 205, 228], np.float32)
    paper = white * (1 - age) + yellow * age
    yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
    # darker, yellower rim (handled edges) and a couple of water stains
    rim = np.minimum.reduce([xx, yy, pw - 1 - xx, ph - 1 - yy]) / (0.08 * min(pw, ph))
    rim = np.clip(rim, 0, 1)
    shade = 0.9 + 0.1 * rim
    img = paper[None, None, :] * shade[..., None]
    for _ in range(rng.randrange(0, 3)):
        sx, sy = rng.uniform(0, pw), rng.uniform(0, ph)
        r = rng.uniform(0.05, 0.15) * pw
        blob = np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * r * r)))
        img *= 1 - 0.08 * blob[..., None] * np.array([1.3, 1.0, 0.6], np.float32)
    pil = Image.fromarray(np.clip(img[..., ::-1], 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(pil)
    ink = (rng.randrange(20, 70), rng.randrange(20, 60), rng.randrange(30, 90))
    m = int(0.08 * pw)
    title_font = _font(int(0.045 * pw))
    d.text((pw // 2 - int(0.2 * pw), int(0.04 * ph)), "常住人口登记表", fill=ink, font=title_font)
    rows, cols = rng.randrange(8, 14), rng.choice([2, 4, 6])
    top, bottom = int(0.11 * ph), int(rng.uniform(0.72, 0.92) * ph)
    lw = max(1, pw // 400)
    for r in range(rows + 1):
        y = top + (bottom - top) * r // rows
        d.line([(m, y), (pw - m, y)], fill=ink, width=lw)
    for c in range(cols + 1):
        x = m + (pw - 2 * m) * c // cols
        d.line([(x, top), (x, bottom)], fill=ink, width=lw)
    cell_font = _font(int(0.5 * (bottom - top) / rows))
    hand = (rng.randrange(10, 40), rng.randrange(10, 40), rng.randrange(60, 140))
    for r in range(rows):
        for c in range(cols):
            n = rng.randrange(2, 6)
            txt = "".join(rng.choice(_HANZI) for _ in range(n))
            x = m + (pw - 2 * m) * c // cols + int(0.01 * pw)
            y = top + (bottom - top) * r // rows + int(0.2 * (bottom - top) / rows)
            d.text((x, y), txt, fill=ink if c % 2 == 0 else hand, font=cell_font)
    if rng.random() < 0.7:  # a red seal
        cx, cy, rad = int(rng.uniform(0.55, 0.8) * pw), int(rng.uniform(0.75, 0.9) * ph), int(0.08 * pw)
        red = (200, 40, 40)
        d.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], outline=red, width=max(2, rad // 12))
        d.text((cx - rad // 2, cy - rad // 4), "公安", fill=red, font=_font(rad // 2))
    out = np.asarray(pil)[..., ::-1]
    return np.ascontiguousarray(out)


# --------------------------------------------------------------------------- desks


def _lowres_noise(w: int, h: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise in [-1, 1] (bicubic upsampling of a coarse random grid)."""
    gw = max(2, cells)
    gh = max(2, round(cells * h / w))
    g = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
    return np.asarray(cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)


def _desk(
    kind: str, w: int, h: int, px_cm: float, rng: random.Random, nrng: np.random.Generator
) -> np.ndarray:
    """The desk surface (BGR float32, 0..255) including its printed markings."""
    if kind == "black_pad_marks":
        base = rng.uniform(14, 34)
        img = np.empty((h, w, 3), np.float32)
        img[:] = (base + 4, base + 1, base)
        img += 3 * _lowres_noise(w, h, 12, nrng)[..., None]
        mark = rng.uniform(170, 235)
        ov = np.zeros((h, w), np.uint8)  # printed markings, drawn as coverage
        # corner marks (L shapes) of an A4/A3 placement guide, and a ruler scale
        inset_x, inset_y = rng.uniform(0.03, 0.12) * w, rng.uniform(0.03, 0.1) * h
        arm = rng.uniform(0.04, 0.09) * w
        t = max(2, round(0.005 * w))
        corners = [(inset_x, inset_y, 1, 1), (w - inset_x, inset_y, -1, 1)]
        corners += [(w - inset_x, h - inset_y, -1, -1), (inset_x, h - inset_y, 1, -1)]
        for x, y, sx, sy in corners:
            p = (round(x), round(y))
            cv2.line(ov, p, (round(x + sx * arm), round(y)), 255, t, cv2.LINE_AA)
            cv2.line(ov, p, (round(x), round(y + sy * arm)), 255, t, cv2.LINE_AA)
        edge = rng.choice(["bottom", "top", "left"])
        step = px_cm / 10
        n = int((w if edge != "left" else h) / step)
        off = rng.uniform(0.008, 0.025) * min(w, h)
        fs = px_cm / 40
        for i in range(n):
            length = px_cm * (0.6 if i % 10 == 0 else 0.35 if i % 5 == 0 else 0.2)
            s = i * step + 0.02 * w
            if edge == "bottom":
                a, b = (s, h - off), (s, h - off - length)
            elif edge == "top":
                a, b = (s, off), (s, off + length)
            else:
                a, b = (off, s), (off + length, s)
            p0, p1 = (round(a[0]), round(a[1])), (round(b[0]), round(b[1]))
            cv2.line(ov, p0, p1, 255, max(1, t // 3), cv2.LINE_AA)
            if i % 10 == 0:
                org = (p1[0] + 3, p1[1] + (int(px_cm * 0.3) if edge == "top" else -3))
                cv2.putText(
                    ov, str(i // 10), org, cv2.FONT_HERSHEY_SIMPLEX, fs, 255, max(1, t // 3), cv2.LINE_AA
                )
        a_ov = ov.astype(np.float32)[..., None] / 255
        img = img * (1 - a_ov) + mark * a_ov
    elif kind == "red_cloth":
        img = np.empty((h, w, 3), np.float32)
        img[:] = (rng.uniform(25, 60), rng.uniform(25, 55), rng.uniform(140, 200))
        folds = _lowres_noise(w, h, 5, nrng)
        img *= (1 + 0.18 * folds)[..., None]
        yy, xx = np.mgrid[0:h, 0:w]
        weave = ((xx // 2 + yy // 2) % 2).astype(np.float32) * 2 - 1
        img += (6 * weave + nrng.normal(0, 4, (h, w)).astype(np.float32))[..., None]
    elif kind == "green_grid_mat":
        img = np.empty((h, w, 3), np.float32)
        img[:] = (rng.uniform(60, 90), rng.uniform(110, 150), rng.uniform(30, 70))
        line = (rng.uniform(170, 215), rng.uniform(200, 235), rng.uniform(160, 200))
        ox, oy = rng.uniform(0, px_cm), rng.uniform(0, px_cm)
        ang = rng.uniform(-2, 2)
        big = 2 * max(w, h)
        grid = np.zeros((h, w), np.uint8)
        thin, thick = max(1, round(px_cm * 0.04)), max(2, round(px_cm * 0.09))
        c, s = math.cos(math.radians(ang)), math.sin(math.radians(ang))
        for k in range(-int(big / px_cm), int(big / px_cm)):
            d = k * px_cm
            tk = thick if k % 5 == 0 else thin
            x0, y0 = ox + d * c, oy + d * s  # vertical family
            cv2.line(
                grid,
                (round(x0 + big * s), round(y0 - big * c)),
                (round(x0 - big * s), round(y0 + big * c)),
                255,
                tk,
            )
            x1, y1 = ox - d * s, oy + d * c  # horizontal family
            cv2.line(
                grid,
                (round(x1 - big * c), round(y1 - big * s)),
                (round(x1 + big * c), round(y1 + big * s)),
                255,
                tk,
            )
        for k in range(0, int(w / px_cm), 5):
            org = (round(ox + k * px_cm) + 4, round(px_cm * 0.8))
            cv2.putText(
                grid, str(k), org, cv2.FONT_HERSHEY_SIMPLEX, px_cm / 45, 255, max(1, thin), cv2.LINE_AA
            )
        gm = grid.astype(np.float32)[..., None] / 255 * 0.8
        img = img * (1 - gm) + np.array(line, np.float32) * gm
        img += nrng.normal(0, 3, (h, w)).astype(np.float32)[..., None]
    elif kind == "dark_wood":
        ang = math.radians(rng.uniform(-20, 20) + rng.choice([0, 90]))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        u = xx * math.cos(ang) + yy * math.sin(ang)
        v = -xx * math.sin(ang) + yy * math.cos(ang)
        warp = 25 * _lowres_noise(w, h, 4, nrng)
        grain = np.sin((v + warp) / (rng.uniform(4, 9)) + 2 * np.sin(u / 300)) * 0.5 + 0.5
        plank = rng.uniform(0.18, 0.35) * max(w, h)
        seam = np.abs(((v % plank) / plank) - 0.5) > 0.497
        base = np.array([rng.uniform(25, 45), rng.uniform(45, 70), rng.uniform(80, 115)], np.float32)
        img = base[None, None, :] * (0.8 + 0.3 * grain[..., None])
        img[seam] *= 0.45
        img += nrng.normal(0, 3, (h, w)).astype(np.float32)[..., None]
    elif kind == "glass_grey":
        g = rng.uniform(95, 165)
        img = np.empty((h, w, 3), np.float32)
        img[:] = (g + 6, g + 2, g - 2)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ang = math.radians(rng.uniform(20, 70))
        d = (xx * math.cos(ang) + yy * math.sin(ang)) / max(w, h)
        centre = rng.uniform(0.3, 1.0)
        streak = np.exp(-(((d - centre) / rng.uniform(0.04, 0.1)) ** 2))
        img += (rng.uniform(25, 55) * streak)[..., None]
        img += 2.5 * _lowres_noise(w, h, 30, nrng)[..., None]
        for _ in range(rng.randrange(5, 30)):  # dust specks
            cv2.circle(img, (rng.randrange(w), rng.randrange(h)), rng.randrange(1, 4), (g + 40,) * 3, -1)
    elif kind == "pale_desk":  # light beige, grey or white laminate: close to the paper's own colour
        tone = rng.choice([(200, 214, 222), (205, 205, 200), (222, 226, 228), (170, 200, 215)])
        img = np.empty((h, w, 3), np.float32)
        img[:] = np.array(tone, np.float32) * rng.uniform(0.85, 1.02)
        img *= (1 + 0.04 * _lowres_noise(w, h, 6, nrng))[..., None]
        img += nrng.normal(0, 2, (h, w)).astype(np.float32)[..., None]
    else:
        raise ValueError(f"unknown desk {kind!r}")
    return img


# --------------------------------------------------------------------------- geometry


def _camera_quad(pw: float, ph: float, w: int, h: int, rng: random.Random) -> np.ndarray:
    """Page corners seen by a pin-hole camera over a slightly tilted desk (TL, TR, BR, BL)."""
    theta = math.radians(rng.uniform(-8, 8))
    tilt_x, tilt_y = math.radians(rng.uniform(-7, 7)), math.radians(rng.uniform(-7, 7))
    f = 1.3 * w
    pts = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]], np.float64)
    c, s = math.cos(theta), math.sin(theta)
    pts = pts @ np.array([[c, -s], [s, c]]).T
    p3 = np.hstack([pts, np.zeros((4, 1))])
    rx = np.array(
        [[1, 0, 0], [0, math.cos(tilt_x), -math.sin(tilt_x)], [0, math.sin(tilt_x), math.cos(tilt_x)]]
    )
    ry = np.array(
        [[math.cos(tilt_y), 0, math.sin(tilt_y)], [0, 1, 0], [-math.sin(tilt_y), 0, math.cos(tilt_y)]]
    )
    p3 = p3 @ (ry @ rx).T
    p3[:, 2] += f
    cx = w / 2 + rng.uniform(-0.05, 0.05) * w
    cy = h / 2 + rng.uniform(-0.04, 0.04) * h
    return np.stack([f * p3[:, 0] / p3[:, 2] + cx, f * p3[:, 1] / p3[:, 2] + cy], axis=1)


def _fit_inside(q: np.ndarray, w: int, h: int, margin: float) -> np.ndarray:
    """Shrink about the centroid and shift until every corner is ``margin`` px inside the frame."""
    for _ in range(50):
        lo_x, hi_x = q[:, 0].min(), q[:, 0].max()
        lo_y, hi_y = q[:, 1].min(), q[:, 1].max()
        if lo_x >= margin and lo_y >= margin and hi_x <= w - 1 - margin and hi_y <= h - 1 - margin:
            return q
        dx = max(0.0, margin - lo_x) - max(0.0, hi_x - (w - 1 - margin))
        dy = max(0.0, margin - lo_y) - max(0.0, hi_y - (h - 1 - margin))
        q = q + np.array([dx, dy])
        if hi_x - lo_x > w - 2 * margin or hi_y - lo_y > h - 2 * margin:
            c = q.mean(axis=0)
            q = (q - c) * 0.98 + c
    return q


def _paint(frame: np.ndarray, layer: np.ndarray, quad: np.ndarray) -> None:
    """Warp ``layer`` (BGR) onto ``quad`` of ``frame`` with an anti-aliased sub-pixel outline."""
    h, w = frame.shape[:2]
    lh, lw = layer.shape[:2]
    src = np.array([[-0.5, -0.5], [lw - 0.5, -0.5], [lw - 0.5, lh - 0.5], [-0.5, lh - 0.5]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(layer, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(quad * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    a = mask.astype(np.float32)[..., None] / 255
    frame *= 1 - a
    frame += warped.astype(np.float32) * a


def _shadow_offset(rng: random.Random, w: int) -> np.ndarray:
    """Where a sheet's soft shadow falls (the light comes from above and a little to one side)."""
    return np.array([rng.uniform(-1, 1), rng.uniform(0.2, 1)]) * 0.004 * w


def _shadow(frame: np.ndarray, quad: np.ndarray, rng: random.Random, strength: float) -> None:
    h, w = frame.shape[:2]
    m = np.zeros((h // 4, w // 4), np.float32)
    off = _shadow_offset(rng, w)
    cv2.fillPoly(m, [np.round((quad + off) / 4).astype(np.int32)], 1.0)
    m = cv2.GaussianBlur(m, (0, 0), 0.004 * w)
    big = cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
    frame *= (1 - strength * big)[..., None]


def _pen(frame: np.ndarray, quad: np.ndarray, rng: random.Random) -> None:
    """A pen lying on the desk beside one side of the page, roughly parallel to it."""
    h, w = frame.shape[:2]
    side = rng.randrange(4)
    a, b = quad[side], quad[(side + 1) % 4]
    centre = quad.mean(axis=0)
    mid = (a + b) / 2
    out = mid - centre
    out /= np.linalg.norm(out) + 1e-9
    gap = rng.uniform(0.015, 0.05) * w
    d = (b - a) / (np.linalg.norm(b - a) + 1e-9)
    rot = math.radians(rng.uniform(-12, 12))
    d = np.array([d[0] * math.cos(rot) - d[1] * math.sin(rot), d[0] * math.sin(rot) + d[1] * math.cos(rot)])
    length = rng.uniform(0.15, 0.22) * max(w, h)
    p = mid + out * gap + d * rng.uniform(-0.2, 0.2) * length
    p0, p1 = p - d * length / 2, p + d * length / 2
    thick = max(3, round(rng.uniform(0.008, 0.013) * w))
    body = rng.choice([(110, 40, 20), (25, 25, 25), (30, 30, 170), (190, 190, 195)])
    sh = np.array([0.004 * w, 0.004 * w])
    cv2.line(
        frame,
        tuple(np.round(p0 + sh).astype(int)),
        tuple(np.round(p1 + sh).astype(int)),
        (15, 15, 15),
        thick,
        cv2.LINE_AA,
    )
    cv2.line(
        frame, tuple(np.round(p0).astype(int)), tuple(np.round(p1).astype(int)), body, thick, cv2.LINE_AA
    )
    hl = tuple(min(255, c + 70) for c in body)
    nrm = np.array([-d[1], d[0]]) * thick * 0.2
    cv2.line(
        frame,
        tuple(np.round(p0 + nrm).astype(int)),
        tuple(np.round(p1 + nrm).astype(int)),
        hl,
        max(1, thick // 5),
        cv2.LINE_AA,
    )
    tip = p1 + d * thick * 2
    cv2.line(
        frame,
        tuple(np.round(p1).astype(int)),
        tuple(np.round(tip).astype(int)),
        (170, 170, 175),
        max(2, thick // 2),
        cv2.LINE_AA,
    )


def _shadow_across(frame: np.ndarray, rng: random.Random) -> None:
    """A shadow with a straight, more or less soft edge across part of the frame (camera arm, a body)."""
    h, w = frame.shape[:2]
    sw, sh = w // 4, h // 4
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    # the edge passes through a point in the middle half of the frame
    px, py = rng.uniform(0.25, 0.75) * sw, rng.uniform(0.25, 0.75) * sh
    d = (xx - px) * math.cos(ang) + (yy - py) * math.sin(ang)
    soft = rng.uniform(0.002, 0.03) * sw
    m = 1 / (1 + np.exp(np.clip(-d / max(0.3, soft), -60, 60)))
    big = cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
    frame *= (1 - rng.uniform(0.2, 0.45) * big)[..., None]


def _lighting(w: int, h: int, rng: random.Random) -> tuple[np.ndarray, str]:
    """Gain map: vignette × linear gradient × colour cast (BGR float32)."""
    yy, xx = np.mgrid[0:h:4, 0:w:4].astype(np.float32)
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    vig = 1 - rng.uniform(0.05, 0.35) * r2 / 2
    g = rng.uniform(0.0, 0.35)
    ang = rng.uniform(0, 2 * math.pi)
    grad = 1 + g * (((xx / w) - 0.5) * math.cos(ang) + ((yy / h) - 0.5) * math.sin(ang))
    gain = cv2.resize(vig * grad, (w, h), interpolation=cv2.INTER_LINEAR)
    cast_name = rng.choice(["neutral", "tungsten", "daylight", "fluorescent"])
    cast = {
        "neutral": (1.0, 1.0, 1.0),
        "tungsten": (0.78, 0.95, 1.1),
        "daylight": (1.08, 1.0, 0.93),
        "fluorescent": (0.95, 1.06, 0.92),
    }[cast_name]
    expo = rng.uniform(0.8, 1.1)
    return gain[..., None] * np.array(cast, np.float32)[None, None, :] * expo, cast_name


# --------------------------------------------------------------------------- frame


def _camera(
    frame: np.ndarray,
    rng: random.Random,
    nrng: np.random.Generator,
    features: list[str],
    *,
    light: float = 1.0,
    noise_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """What the camera adds to the lit scene: light and colour cast, sensor noise, JPEG.

    ``light`` scales the exposure and ``noise_rng`` draws the sensor noise instead of
    ``nrng``: another moment of the same camera over the same scene (the empty desk
    between two pages) has the same lamp but another exposure and fresh noise.
    """
    h, w = frame.shape[:2]
    gain, cast = _lighting(w, h, rng)
    if light != 1.0:
        gain = gain * np.float32(light)
    frame *= gain
    features.append(cast)
    sigma = rng.uniform(1.5, 4)
    frame += (noise_rng or nrng).normal(0, sigma, (h, w, 1)).astype(np.float32)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randrange(82, 96)])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid array
        raise RuntimeError("JPEG encode failed")
    return cv2.imdecode(enc, cv2.IMREAD_COLOR)


def make_frame(
    seed: int,
    size: tuple[int, int] = FRAME_8MP,
    *,
    empty: bool = False,
    page_image: np.ndarray | None = None,
) -> IndependentFrame:
    """Draw frame ``seed`` at ``size`` (width, height); the same seed gives the same scene at any size.

    ``empty`` draws the same desk, markings, light and pen without any paper (what the
    camera sees between pages): nothing in it may be taken for a page.
    """
    return _make(seed, size, empty=empty, page_image=page_image, between=None)


@dataclass(frozen=True)
class _Between:
    """How the camera's picture of the empty desk differs from the frame with the page."""

    light: float
    noise: np.random.Generator


def make_empty_desk(
    seed: int, size: tuple[int, int] = FRAME_8MP, *, light: float | None = None
) -> IndependentFrame:
    """Frame ``seed``'s scene without its page: the empty desk the camera sees between two pages.

    Everything else on the desk stays where :func:`make_frame` draws it (markings, a
    pen, a sheet or writing pad under the page, a shadow across the desk) and so does
    the lamp; the page and its own shadow are gone, the exposure differs by ``light``
    (drawn within ±6 % from the seed when None, as auto-exposure drifts between two
    pictures) and the sensor noise and JPEG artefacts are fresh.  Works for the hard
    scenes too.  :func:`make_frame` draws exactly the same frames as before this
    function existed (its random streams are consumed in the same order).
    """
    if light is None:
        light = random.Random(seed * 104729 + 7).uniform(0.94, 1.06)
    between = _Between(float(light), np.random.default_rng([seed, 104729]))
    return _make(seed, size, empty=False, page_image=None, between=between)


def _make(
    seed: int,
    size: tuple[int, int],
    *,
    empty: bool,
    page_image: np.ndarray | None,
    between: _Between | None,
) -> IndependentFrame:
    rng = random.Random(seed * 7919 + 13)
    nrng = np.random.default_rng(seed)
    w, h = size
    desk = desk_of(seed)
    landscape = rng.random() < 0.2
    aspect = rng.choice([297 / 210, 260 / 184, 364 / 257])  # A4, 16K, B4
    if page_image is not None:
        landscape = False
        aspect = page_image.shape[0] / page_image.shape[1]
    fill = rng.uniform(0.65, 0.85)
    if landscape:
        long_px = fill * w
        pw, ph = long_px, long_px / aspect
        if ph > fill * h:
            pw, ph = fill * h * aspect, fill * h
    else:
        ph = fill * h
        pw = ph / aspect
    px_cm = ph / (29.7 if not landscape else 21.0)
    if is_hard(seed):
        if empty or page_image is not None:
            raise ValueError("hard scenes draw their own page and have no empty-desk variant")
        return _hard_frame(seed, desk, w, h, pw, ph, px_cm, rng, nrng, between)
    frame = _desk(desk, w, h, px_cm, rng, nrng)
    quad = _fit_inside(_camera_quad(pw, ph, w, h, rng), w, h, 0.01 * w)
    features = [desk]
    if page_image is None:
        page = _page(max(16, round(pw)), max(16, round(ph)), rng)
    else:
        page = cv2.resize(page_image, (max(16, round(pw)), max(16, round(ph))), interpolation=cv2.INTER_AREA)
    if empty:
        if rng.random() < 0.45:
            _pen(frame, quad, rng)
            features.append("pen")
        gain, cast = _lighting(w, h, rng)
        frame *= gain
        frame += nrng.normal(0, 2.5, (h, w, 1)).astype(np.float32)
        return IndependentFrame(np.clip(frame, 0, 255).astype(np.uint8), None, desk, seed, (*features, cast))
    if rng.random() < 0.35:  # another sheet under the page, peeking out
        c = quad.mean(axis=0)
        ang = math.radians(rng.uniform(-6, 6))
        rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        shift = (
            np.array([rng.uniform(-1, 1), rng.uniform(-1, 1)]) * np.array([pw, ph]) * rng.uniform(0.03, 0.09)
        )
        under = (quad - c) @ rot.T * rng.uniform(0.95, 1.02) + c + shift
        under = _fit_inside(under, w, h, 0.003 * w)
        sheet = np.empty((32, 24, 3), np.uint8)
        sheet[:] = np.clip(
            np.array(page[5, 5], np.float32) * rng.uniform(0.93, 1.05) + rng.uniform(-8, 8), 0, 255
        )
        _shadow(frame, under, rng, 0.2)
        _paint(frame, sheet, under)
        features.append("under_sheet")
    _place_page(frame, page, quad, rng, rng.uniform(0.15, 0.4), between)
    if rng.random() < 0.45:
        _pen(frame, quad, rng)
        features.append("pen")
    return _finish(frame, quad, desk, seed, features, rng, nrng, between)


def _place_page(
    frame: np.ndarray,
    page: np.ndarray,
    quad: np.ndarray,
    rng: random.Random,
    shadow: float,
    between: _Between | None,
) -> None:
    """The page and its soft shadow; for the empty desk only the shadow's random draw (same stream)."""
    if between is None:
        _shadow(frame, quad, rng, shadow)
        _paint(frame, page, quad)
    else:
        _shadow_offset(rng, frame.shape[1])


def _finish(
    frame: np.ndarray,
    quad: np.ndarray,
    desk: str,
    seed: int,
    features: list[str],
    rng: random.Random,
    nrng: np.random.Generator,
    between: _Between | None,
) -> IndependentFrame:
    if between is None:
        img = _camera(frame, rng, nrng, features)
        return IndependentFrame(img, quad.astype(np.float64), desk, seed, tuple(features))
    img = _camera(frame, rng, nrng, features, light=between.light, noise_rng=between.noise)
    return IndependentFrame(img, None, desk, seed, (*features, "empty_desk"))


def _hard_frame(
    seed: int,
    scene: str,
    w: int,
    h: int,
    pw: float,
    ph: float,
    px_cm: float,
    rng: random.Random,
    nrng: np.random.Generator,
    between: _Between | None = None,
) -> IndependentFrame:
    """A harder scene: page on a blank sheet or writing pad, on a pale desk, or crossed by a shadow.

    Every hard scene may also get the others' traits (a pale desk under the sheet, a
    shadow across a pale desk), so the three names say what is always there.
    """
    under_desk = scene == "pale_desk" or rng.random() < 0.3
    desk = "pale_desk" if under_desk else rng.choice(DESKS)
    frame = _desk(desk, w, h, px_cm, rng, nrng)
    features = [scene, desk]
    if scene == "sheet_under_page":  # the page is smaller in the frame: the sheet shows around it
        pw, ph = pw * 0.8, ph * 0.8
    quad = _fit_inside(_camera_quad(pw, ph, w, h, rng), w, h, 0.01 * w)
    page = _page(max(16, round(pw)), max(16, round(ph)), rng)
    if scene == "sheet_under_page" or rng.random() < 0.15:
        # a blank sheet or writing pad, larger than the page and about its colour, under it;
        # it may run off the frame (a big pad) or lie inside it
        c = quad.mean(axis=0)
        ang = math.radians(rng.uniform(-5, 5))
        rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        grow = rng.uniform(1.12, 1.6)
        shift = np.array([rng.uniform(-1, 1) * 0.06 * pw, rng.uniform(-1, 1) * 0.06 * ph])
        under = (quad - c) @ rot.T * grow + c + shift
        if rng.random() < 0.5:
            under = _fit_inside(under, w, h, 0.003 * w)
            features.append("sheet_inside")
        else:
            features.append("pad_off_frame")
        sheet = np.empty((32, 24, 3), np.uint8)
        white = np.array([rng.uniform(225, 245)] * 3, np.float32) + np.array([-4, 0, 2], np.float32)
        tint = white if rng.random() < 0.5 else np.array(page[5, 5], np.float32) * rng.uniform(0.95, 1.06)
        sheet[:] = np.clip(tint + rng.uniform(-6, 6), 0, 255)
        _shadow(frame, under, rng, rng.uniform(0.1, 0.25))
        _paint(frame, sheet, under)
    _place_page(frame, page, quad, rng, rng.uniform(0.1, 0.35), between)
    if rng.random() < 0.35:
        _pen(frame, quad, rng)
        features.append("pen")
    if scene == "shadow_across" or rng.random() < 0.25:
        _shadow_across(frame, rng)
        features.append("shadow")
    return _finish(frame, quad, scene, seed, features, rng, nrng, between)


def frames(seeds: range | list[int], size: tuple[int, int] = FRAME_8MP) -> list[IndependentFrame]:
    """All frames for ``seeds`` (deterministic)."""
    return [make_frame(s, size) for s in seeds]
