"""Independent camera frames of curled bound pages, with the flat truth.

Why a separate generator: the flattener (``hukou_scan.imaging.dewarp``) assumes a 2-D
*sheet* — a vertical displacement of the rectified page that is a smooth function of
x and linear in y.  Scoring it on pages bent by that same model would only test the
fit.  This module bends pages *physically* instead, and shares no code with the
flattener or with the project's simulator:

* the page is an inextensible strip bent about the spine (a generalised cylinder):
  its cross-section is integrated from a slope that is steep where the paper leaves
  the binding and decays away from it (``θ(u) = θ0·e^(−u/λ) − θ1·u/W``), so text near
  the spine is foreshortened as well as lifted;
* a pin-hole camera looks down from 1.2–1.7 page heights, off-centre towards the spine,
  and is then tilted and rolled by a few degrees (a rotation about the camera centre,
  i.e. an exact homography of the image);
* shading from the surface normal against a slanted light, gutter darkening
  (ambient occlusion near the spine), vignette, a colour cast, sensor noise and blur;
* desks: dark wood, a grey board, a green mat or a black pad (flat colours with texture);
* the page is a register page in a system CJK font: plain text lines or text written
  on printed rules (a 户口底册 ledger), with its text as ground truth.

The same seed with ``curl=False`` photographs the same page flat under the same camera
and light: the "photographed flat" reference for CER.

Seeds are split: :data:`TUNING_SEEDS` may be looked at while changing the flattener,
:data:`HELD_OUT_SEEDS` only in the final measurement (``benchmarks.bench_dewarp``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from benchmarks.independent.frames import FRAME_8MP, _font

TUNING_SEEDS = range(2000, 2100)  # may be looked at while tuning the flattener
HELD_OUT_SEEDS = range(80000, 80100)  # final measurement only
PAGE_DPI = 200  # texture resolution of the flat A4 page
PAGE_W, PAGE_H = 1654, 2339  # A4 at 200 dpi

_TEXT = (
    "户口登记簿常住人口姓名性别民族出生日期籍贯住址职业文化程度婚姻状况兵役服务处所何时由何地迁来"
    "本市县公安局派出所承办人签章与户主关系宗教信仰身高血型公民身份号码曾用名其他住址何时何因"
    "一九六二年三月迁入街道居民委员会第二生产队农业非农业初中高中小学大学工人干部教师学生"
)
DESK_COLOURS = {  # BGR
    "dark_wood": (40, 62, 96),
    "grey_board": (120, 118, 112),
    "green_mat": (70, 110, 40),
    "black_pad": (28, 28, 30),
}


@dataclass(frozen=True)
class CurledPage:
    """One generated frame and its truth.

    Attributes:
        image: BGR uint8 frame (8 MP by default).
        text: the page's text, one line per text line, top to bottom.
        baselines: per text line, its baseline in the flat page (y, x0, x1) in page px at
            :data:`PAGE_DPI`.
        baselines_frame: the same baselines as polylines in frame pixels (25 points each).
        spine: ``left`` or ``right``: where the binding is.
        curl_deg: slope of the paper where it leaves the spine (0 for a flat page).
        ruled: whether the text sits on printed rules.
        desk: one of :data:`DESK_COLOURS`.
        seed: the seed that made it.
    """

    image: np.ndarray
    text: str
    baselines: list[tuple[float, float, float]]
    baselines_frame: list[np.ndarray]
    spine: str
    curl_deg: float
    ruled: bool
    desk: str
    seed: int


def _page(rng: random.Random) -> tuple[np.ndarray, str, list[tuple[float, float, float]], bool]:
    """A register page: text lines, optionally on rules with a margin line (BGR)."""
    age = rng.random()
    paper = np.array([238, 240, 242], np.float32) * (1 - age) + np.array([168, 212, 232], np.float32) * age
    img = Image.new("RGB", (PAGE_W, PAGE_H), tuple(int(c) for c in paper[::-1]))
    d = ImageDraw.Draw(img)
    ink = (rng.randrange(10, 50), rng.randrange(10, 50), rng.randrange(20, 70))
    ruled = rng.random() < 0.5
    size = rng.randrange(40, 52)
    pitch = int(size * rng.uniform(1.9, 2.3))
    font = _font(size)
    mx = int(PAGE_W * rng.uniform(0.05, 0.08))  # register rows run close to the binding
    top = int(PAGE_H * rng.uniform(0.07, 0.1))
    nlines = min(20, (int(PAGE_H * 0.9) - top) // pitch)
    if ruled:
        rule_ink = (rng.randrange(60, 140), rng.randrange(60, 120), rng.randrange(120, 200))
        for i in range(nlines + 1):
            y = top + i * pitch + int(size * 1.25)
            d.line([(mx - 20, y), (PAGE_W - mx + 20, y)], fill=rule_ink, width=3)
        d.line([(mx - 20, top), (mx - 20, top + nlines * pitch + int(size * 1.25))], fill=rule_ink, width=3)
    lines, baselines = [], []
    for i in range(nlines):
        n = rng.randrange(int(0.8 * (PAGE_W - 2 * mx) / size), int((PAGE_W - 2 * mx) / size) + 1)
        txt = "".join(rng.choice(_TEXT) for _ in range(n))
        y = top + i * pitch + (pitch - size) // 2 - size // 2 + int(size * 0.4)
        d.text((mx, y), txt, fill=ink, font=font)
        x1 = mx + d.textlength(txt, font=font)
        lines.append(txt)
        baselines.append((float(y + size * 0.88), float(mx), float(x1)))
    page = np.ascontiguousarray(np.asarray(img)[..., ::-1])
    return page, "\n".join(lines), baselines, ruled


def _profile(theta0: float, lam: float, theta1: float, n: int = 4096) -> tuple[np.ndarray, ...]:
    """Cross-section of the bent page: u (arc length from the spine), X(u), Z(u), θ(u)."""
    u = np.linspace(0.0, PAGE_W, n)
    theta = theta0 * np.exp(-u / lam) - theta1 * u / PAGE_W
    du = u[1] - u[0]
    x = np.concatenate([[0.0], np.cumsum(np.cos(theta[:-1]) * du)])
    z = np.concatenate([[0.0], np.cumsum(np.sin(theta[:-1]) * du)])
    return u, x, z, theta


def make_page(seed: int, *, curl: bool = True, size: tuple[int, int] = FRAME_8MP) -> CurledPage:
    """The frame of ``seed``: the same page, camera and light whether curled or flat."""
    # a string seed is hashed: consecutive integer seeds give correlated first draws
    # (seeds 80000–80009 were all unruled pages with an integer seed)
    rng = random.Random(f"curl:{seed}")
    nrng = np.random.default_rng(seed)
    page, text, baselines, ruled = _page(rng)
    fw, fh = size
    spine = rng.choice(["left", "right"])
    theta0 = math.radians(rng.uniform(25, 60))
    lam = PAGE_W * rng.uniform(0.1, 0.35)
    theta1 = math.radians(rng.uniform(0.0, 5.0))
    if not curl:
        theta0, theta1 = 0.0, 0.0
    u, x_prof, z_prof, theta = _profile(theta0, lam, theta1)
    sign = 1.0 if spine == "left" else -1.0
    cam_h = PAGE_H * rng.uniform(1.2, 1.7)
    cam_x = sign * PAGE_W * rng.uniform(0.25, 0.5)  # over the book: towards the spine
    cam_y = PAGE_H * rng.uniform(0.45, 0.55)
    f = rng.uniform(0.72, 0.82) * fh * cam_h / PAGE_H
    # straight-down view: image column ← arc length u (monotonic for these cameras)
    xi = f * (sign * x_prof - cam_x) / (cam_h - z_prof) + fw / 2
    order = np.argsort(xi) if spine == "right" else np.arange(len(xi))
    xs_sorted = np.maximum.accumulate(xi[order])
    cols = np.arange(fw, dtype=np.float64)
    u_of_col = np.interp(cols, xs_sorted, u[order], left=np.nan, right=np.nan)
    z_of_col = np.interp(u_of_col, u, z_prof)
    th_of_col = np.interp(u_of_col, u, theta)
    rows = np.arange(fh, dtype=np.float64)[:, None]
    v = (rows - fh / 2) * (cam_h - z_of_col[None, :]) / f + cam_y
    tex_col = u_of_col if spine == "left" else PAGE_W - 1 - u_of_col
    map_x = np.broadcast_to(tex_col[None, :], (fh, fw)).astype(np.float32)
    map_y = v.astype(np.float32)
    inside = (v >= 0) & (v <= PAGE_H - 1) & np.isfinite(map_x)
    map_x = np.nan_to_num(map_x, nan=-10.0)
    frame_page = cv2.remap(page, map_x, map_y, cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE).astype(
        np.float32
    )
    # shading: normal · light, gutter occlusion
    lx, ly = rng.uniform(-0.5, 0.5), rng.uniform(-0.4, 0.4)
    light = np.array([lx, ly, 1.0]) / math.sqrt(lx * lx + ly * ly + 1.0)
    nx, nz = -sign * np.sin(th_of_col), np.cos(th_of_col)
    diffuse = np.clip(nx * light[0] + nz * light[2], 0.0, 1.0)
    ao = 1.0 - rng.uniform(0.25, 0.5) * np.exp(-np.nan_to_num(u_of_col, nan=PAGE_W) / (0.025 * PAGE_W)) * (
        theta0 > 0
    )
    shade = (0.35 + 0.65 * diffuse) * ao
    frame_page *= np.nan_to_num(shade, nan=1.0)[None, :, None].astype(np.float32)
    # desk
    desk_name = rng.choice(sorted(DESK_COLOURS))
    base = np.array(DESK_COLOURS[desk_name], np.float32)
    tex = cv2.resize(nrng.normal(0, 1, (fh // 32, fw // 32)).astype(np.float32), (fw, fh))
    desk = base[None, None, :] * (1 + 0.08 * tex[..., None])
    if desk_name == "dark_wood":
        grain = np.sin(np.arange(fh, dtype=np.float32) / rng.uniform(6, 14))[:, None, None]
        desk *= 1 + 0.06 * grain
    frame = np.where(inside[..., None], frame_page, desk)
    # lighting: vignette, gradient, colour cast
    yy, xx = np.mgrid[0:fh:8, 0:fw:8].astype(np.float32)
    r2 = ((xx - fw / 2) / (fw / 2)) ** 2 + ((yy - fh / 2) / (fh / 2)) ** 2
    gain = (1 - rng.uniform(0.05, 0.25) * r2 / 2) * (1 + rng.uniform(0, 0.2) * ((xx / fw) - 0.5))
    gain = cv2.resize(gain, (fw, fh))
    cast = np.array(rng.choice([(1.0, 1.0, 1.0), (0.8, 0.95, 1.08), (1.06, 1.0, 0.94)]), np.float32)
    frame = frame * gain[..., None] * cast[None, None, :] * rng.uniform(0.85, 1.05)
    # camera tilt and roll: a rotation about the camera centre = homography K R K⁻¹
    k = np.array([[f, 0, fw / 2], [0, f, fh / 2], [0, 0, 1]], np.float64)
    ax, ay, az = (
        math.radians(rng.uniform(-3, 3)),
        math.radians(rng.uniform(-3, 3)),
        math.radians(rng.uniform(-4, 4)),
    )
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    hom = k @ rz @ ry @ rx @ np.linalg.inv(k)
    frame = cv2.warpPerspective(frame, hom, (fw, fh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.5, 1.1))
    frame += nrng.normal(0, rng.uniform(1.5, 4.0), frame.shape).astype(np.float32)
    image = np.clip(frame, 0, 255).astype(np.uint8)
    # baselines in the frame: forward through the same model
    frame_lines = []
    for by, x0, x1 in baselines:
        px = np.linspace(x0, x1, 25)
        uc = px if spine == "left" else PAGE_W - 1 - px
        xw, zw = np.interp(uc, u, x_prof), np.interp(uc, u, z_prof)
        fx = f * (sign * xw - cam_x) / (cam_h - zw) + fw / 2
        fy = f * (by - cam_y) / (cam_h - zw) + fh / 2
        pts = np.stack([fx, fy, np.ones_like(fx)], axis=1) @ hom.T
        frame_lines.append(pts[:, :2] / pts[:, 2:3])
    return CurledPage(
        image=image,
        text=text,
        baselines=baselines,
        baselines_frame=frame_lines,
        spine=spine,
        curl_deg=math.degrees(theta0),
        ruled=ruled,
        desk=desk_name,
        seed=seed,
    )


__all__ = ["HELD_OUT_SEEDS", "PAGE_DPI", "TUNING_SEEDS", "CurledPage", "make_page"]
