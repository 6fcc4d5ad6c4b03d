"""Places a flat page on a desk as a document camera would see it, with the true corners.

Desks: dark and light wood, grey desk, green cutting mat, cloth, black pad.  The
page gets a random in-plane rotation, mild perspective, uneven light, a soft shadow,
optional fingers or a hand, sensor noise and JPEG compression.  Returns the frame
and the exact quadrilateral, so detection can be scored by IoU.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

from hukou_scan.domain.models import Quad

DESKS = ("dark_wood", "light_wood", "grey_desk", "green_mat", "cloth", "black_pad")
FRAME_8MP = (3264, 2448)  # width, height of a typical 8 MP document camera frame


@dataclass
class Frame:
    image: np.ndarray  # BGR uint8, as OpenCV cameras deliver
    quad: Quad | None  # true page corners (TL, TR, BR, BL), None for an empty desk
    desk: str
    rotation_deg: float  # in-plane rotation of the page, counter-clockwise positive
    hand: bool = False
    parts: tuple[Quad, ...] = ()  # for a book spread: the quad of each page


def desk_texture(kind: str, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A procedural desk surface (BGR float32)."""
    sw, sh = max(8, w // 8), max(8, h // 8)
    if kind in ("dark_wood", "light_wood"):
        base = np.array([40, 70, 110] if kind == "dark_wood" else [150, 185, 215], np.float32)
        y = np.linspace(0, 1, sh, dtype=np.float32)[:, None]
        x = np.linspace(0, 1, sw, dtype=np.float32)[None, :]
        grain = np.sin((y * 80 + np.sin(x * 6 + rng.uniform(0, 6)) * 3 + rng.normal(0, 0.3, (sh, sw))) * 2.0)
        tex = base[None, None, :] * (1 + 0.12 * grain[..., None]) + rng.normal(0, 4, (sh, sw, 1))
    elif kind == "grey_desk":
        tex = np.full((sh, sw, 3), rng.uniform(165, 200), np.float32) + rng.normal(0, 3, (sh, sw, 1))
    elif kind == "green_mat":
        tex = np.empty((sh, sw, 3), np.float32)
        tex[:] = (70, 120, 40)
        step = max(4, sw // 30)
        tex[::step, :, :] = (160, 200, 150)
        tex[:, ::step, :] = (160, 200, 150)
        tex += rng.normal(0, 3, (sh, sw, 1))
    elif kind == "cloth":
        base = np.array(rng.choice([[120, 60, 50], [90, 90, 140], [60, 100, 140]]), np.float32)
        weave = (np.indices((sh, sw)).sum(0) % 3 == 0).astype(np.float32)
        tex = base[None, None, :] * (0.85 + 0.25 * weave[..., None]) + rng.normal(0, 6, (sh, sw, 1))
    elif kind == "black_pad":
        tex = np.full((sh, sw, 3), 25, np.float32) + rng.normal(0, 2, (sh, sw, 1))
    else:
        raise ValueError(f"unknown desk {kind!r}")
    return np.asarray(cv2.resize(tex, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def random_quad(
    page_w: int,
    page_h: int,
    frame_w: int,
    frame_h: int,
    rng: random.Random,
    *,
    max_rotation: float = 10.0,
    fill: tuple[float, float] = (0.72, 0.9),
    perspective: float = 0.03,
    touch_edge: bool = False,
) -> tuple[np.ndarray, float]:
    """Corner positions (4×2, TL TR BR BL) of a page placed on the desk, and its rotation."""
    scale = rng.uniform(*fill) * min(frame_h / page_h, frame_w / page_w)
    w, h = page_w * scale, page_h * scale
    angle = rng.uniform(-max_rotation, max_rotation)
    cx = frame_w / 2 + rng.uniform(-0.05, 0.05) * frame_w
    cy = frame_h / 2 + rng.uniform(-0.04, 0.04) * frame_h
    if touch_edge:
        cy = frame_h - h / 2 + rng.uniform(0.02, 0.06) * h
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], np.float32)
    pts += (
        rng.uniform(-perspective, perspective)
        * np.array([[w, h]], np.float32)
        * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], np.float32)
        * np.array([[rng.random(), rng.random()] for _ in range(4)], np.float32)
    )
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]], np.float32)  # CCW on screen (y down)
    pts = pts @ rot.T + np.array([cx, cy], np.float32)
    return pts, angle


def compose_frame(
    page_rgb: np.ndarray,
    *,
    desk: str = "dark_wood",
    seed: int = 0,
    size: tuple[int, int] = FRAME_8MP,
    max_rotation: float = 10.0,
    hand: bool = False,
    light: float = 0.25,
    jpeg_quality: int | None = 92,
    touch_edge: bool = False,
    spread_split: float | None = None,
    placement_seed: int | None = None,
) -> Frame:
    """Lay ``page_rgb`` (a flat RGB page, or a two-page spread) on a desk.

    Args:
        spread_split: for a spread image, the gutter position as a fraction of its width;
            the true quad of each half is returned in ``Frame.parts``.
        placement_seed: seeds only where the page lies; desk, light and noise still follow
            ``seed``, so a simulated camera shows different pages on the same desk.
    """
    rng = random.Random(seed)
    prng = rng if placement_seed is None else random.Random(placement_seed)
    nrng = np.random.default_rng(seed)
    fw, fh = size
    ph, pw = page_rgb.shape[:2]
    dst, angle = random_quad(pw, ph, fw, fh, prng, max_rotation=max_rotation, touch_edge=touch_edge)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    frame = desk_texture(desk, fw, fh, nrng)
    page_bgr = cv2.cvtColor(page_rgb, cv2.COLOR_RGB2BGR).astype(np.float32)
    warped = cv2.warpPerspective(page_bgr, m, (fw, fh), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), m, (fw, fh), flags=cv2.INTER_LINEAR)
    # soft shadow under the page, offset away from the light
    shadow = cv2.GaussianBlur(mask, (0, 0), fw / 250)
    shadow = np.roll(shadow, (int(fh * 0.006), int(fw * 0.005)), axis=(0, 1))
    frame *= (1 - 0.35 * shadow)[..., None]
    frame = frame * (1 - mask[..., None]) + warped * mask[..., None]
    frame *= _illumination(fw, fh, rng, light)[..., None]
    if hand:
        _draw_hand(frame, dst, rng)
    frame += nrng.normal(0, 2.5, (fh, fw, 1)).astype(np.float32)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    if jpeg_quality:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        assert ok
        out = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    quad = Quad(*(tuple(map(float, p)) for p in dst))  # type: ignore[arg-type]
    parts: tuple[Quad, ...] = ()
    if spread_split is not None:
        gx_ = spread_split * pw
        halves = [
            np.array([[0, 0], [gx_, 0], [gx_, ph], [0, ph]], np.float32),
            np.array([[gx_, 0], [pw, 0], [pw, ph], [gx_, ph]], np.float32),
        ]
        parts = tuple(
            Quad(*(tuple(map(float, p)) for p in cv2.perspectiveTransform(hq[None], m)[0]))  # type: ignore[arg-type]
            for hq in halves
        )
    return Frame(out, quad, desk, angle, hand, parts)


def _illumination(fw: int, fh: int, rng: random.Random, light: float) -> np.ndarray:
    """Uneven illumination: a broad gradient plus a hot spot (float32 gain, frame size)."""
    yy, xx = np.mgrid[0:fh:8, 0:fw:8].astype(np.float32)
    gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
    grad = 1 + light * (gx * (xx / fw - 0.5) + gy * (yy / fh - 0.5))
    hx, hy = rng.uniform(0.3, 0.7) * fw, rng.uniform(0.3, 0.7) * fh
    grad += light * 0.3 * np.exp(-(((xx - hx) / (fw * 0.3)) ** 2 + ((yy - hy) / (fh * 0.3)) ** 2))
    return np.asarray(cv2.resize(grad, (fw, fh)), np.float32)


def empty_desk(
    desk: str = "dark_wood", seed: int = 0, size: tuple[int, int] = FRAME_8MP, light: float | None = None
) -> Frame:
    """The desk with no page.

    Args:
        light: when given, the same illumination ``compose_frame(..., seed=seed, light=light,
            placement_seed=…)`` applies, so the empty desk matches the desk around a page.
    """
    nrng = np.random.default_rng(seed)
    tex = desk_texture(desk, size[0], size[1], nrng)
    if light is not None:
        tex *= _illumination(size[0], size[1], random.Random(seed), light)[..., None]
    frame = np.clip(tex, 0, 255).astype(np.uint8)
    return Frame(frame, None, desk, 0.0)


def _draw_hand(frame: np.ndarray, quad: np.ndarray, rng: random.Random) -> None:
    """Fingers reaching onto the page from its lower edge (skin tone, soft edges)."""
    fh, fw = frame.shape[:2]
    bl, br = quad[3], quad[2]
    t = rng.uniform(0.2, 0.8)
    base = bl + (br - bl) * t
    layer = np.zeros((fh, fw), np.float32)
    palm_w = int(fw * 0.09)
    for i in range(4):
        x = int(base[0] + (i - 1.5) * palm_w * 0.45)
        length = int(fh * rng.uniform(0.12, 0.2))
        cv2.line(
            layer,
            (x, int(base[1] + fh * 0.1)),
            (x + rng.randrange(-20, 20), int(base[1]) - length),
            1.0,
            int(palm_w * 0.32),
        )
    cv2.ellipse(layer, (int(base[0]), int(base[1] + fh * 0.12)), (palm_w, int(fh * 0.12)), 0, 0, 360, 1.0, -1)
    layer = np.asarray(cv2.GaussianBlur(layer, (0, 0), 6), np.float32)
    skin = np.array([120, 150, 200], np.float32)
    frame[:] = frame * (1 - layer[..., None]) + skin * layer[..., None]


def spread(
    left_rgb: np.ndarray, right_rgb: np.ndarray, gutter_shade: float = 0.35
) -> tuple[np.ndarray, float]:
    """Two pages of a bound volume side by side with a shaded gutter; returns (image, split fraction)."""
    h = max(left_rgb.shape[0], right_rgb.shape[0])
    left = cv2.resize(left_rgb, (left_rgb.shape[1], h))
    right = cv2.resize(right_rgb, (right_rgb.shape[1], h))
    img = np.concatenate([left, right], axis=1).astype(np.float32)
    gx = left.shape[1]
    xs = np.arange(img.shape[1], dtype=np.float32)
    shade = 1 - gutter_shade * np.exp(-(((xs - gx) / (img.shape[1] * 0.02)) ** 2))
    img *= shade[None, :, None]
    return np.clip(img, 0, 255).astype(np.uint8), gx / img.shape[1]
