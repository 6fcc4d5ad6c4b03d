"""Independent photos of volume cover labels carrying a 档号 (Code 128, QR, or printed only).

Why separate from the reader: codes are made by ``segno`` (QR) and ``python-barcode``
(Code 128), not by the library that reads them, and printed 档号 are set in several
system fonts (sans, serif, mono, Kai, Ming) — so a read rate says something about
labels the reader was not written against.  The camera model is this module's own:

* a label (white, cream or kraft) with a title, a 档号 line and the code, pasted on a
  cardboard cover (blue-grey, brown, red-brown, green) that fills most of the frame;
* in-plane rotation ±12°, a keystone tilt, soft focus (Gaussian σ 0–1.6 px at the
  camera), a light gradient, sensor noise and JPEG compression;
* 档号 shapes ``全宗-年度-案卷`` and ``全宗-目录-年度-案卷`` (2–4 digit or letter+digit
  groups), 70 % of them with an ISO 7064 MOD 37-2 check character.

Seeds are split: :data:`TUNING_SEEDS` may be looked at while tuning the reader,
:data:`HELD_OUT_SEEDS` only in the final measurement (``benchmarks.bench_fingers``)
and in the test suite's label set.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from hukou_scan.domain.archive_label import check_character

KINDS = ("code128", "qr", "printed")
TUNING_SEEDS = range(5000, 5040)
HELD_OUT_SEEDS = range(81000, 81060)
FRAME = (1600, 1200)

_LATIN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_COVERS = ((120, 110, 90), (60, 80, 130), (40, 60, 110), (70, 100, 70), (90, 95, 100))  # BGR
_LABELS = ((250, 250, 250), (225, 240, 245), (150, 190, 215))  # white, cream, kraft (BGR)


@dataclass(frozen=True)
class LabelImage:
    """One cover photo and its truth: ``payload`` is the 档号 as printed (with its check character)."""

    image: np.ndarray
    payload: str
    archive_id: str
    kind: str
    seed: int
    font: str


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if Path(path).exists():
        return ImageFont.truetype(path, size)
    for alt in _LATIN_FONTS:  # pragma: no cover - depends on the machine's fonts
        if Path(alt).exists():
            return ImageFont.truetype(alt, size)
    return ImageFont.load_default()  # pragma: no cover


def archive_id_for(rng: random.Random) -> str:
    """A plausible 档号: 全宗-年度-案卷 or 全宗-目录-年度-案卷."""
    fonds = rng.choice(
        [f"{rng.randrange(1, 9999):04d}", f"J{rng.randrange(1, 999):03d}", f"Z{rng.randrange(1, 99):02d}"]
    )
    year = str(rng.randrange(1955, 1999))
    vol = f"{rng.randrange(1, 999):03d}"
    if rng.random() < 0.4:
        return f"{fonds}-{rng.randrange(1, 99):02d}-{year}-{vol}"
    return f"{fonds}-{year}-{vol}"


def _code_image(kind: str, payload: str, rng: random.Random) -> Image.Image:
    if kind == "qr":
        import segno

        buf = io.BytesIO()
        segno.make(payload, error=rng.choice(["m", "q", "h"]), micro=False).save(
            buf, kind="png", scale=6, border=4
        )
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    import barcode
    from barcode.writer import ImageWriter

    # printed at the label canvas's 10 px/mm (254 dpi) with whole-pixel modules, as a label
    # printer does; the narrowest module that still fits the label is 0.2 mm
    first = rng.choice((0.2, 0.3, 0.4))
    for module in [first] + [m for m in (0.3, 0.2) if m < first]:
        buf = io.BytesIO()
        barcode.get("code128", payload, writer=ImageWriter()).write(
            buf,
            options={
                "write_text": False,
                "module_width": module,
                "module_height": 15.0,
                "dpi": 254,
                "quiet_zone": 3.0,
            },
        )
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        if img.width <= 820:
            return img
    return img


def make_label(seed: int, kind: str, size: tuple[int, int] = FRAME) -> LabelImage:
    """Cover photo ``seed`` with a label of ``kind`` (one of :data:`KINDS`); deterministic."""
    rng = random.Random(seed * 31337 + KINDS.index(kind))
    nrng = np.random.default_rng(seed * 3 + KINDS.index(kind))
    aid = archive_id_for(rng)
    payload = f"{aid}-{check_character(aid)}" if rng.random() < 0.7 else aid
    # the label, drawn flat (RGB for PIL)
    lw, lh = 900, 560
    bg = _LABELS[rng.randrange(len(_LABELS))]
    label = Image.new("RGB", (lw, lh), bg[::-1])
    d = ImageDraw.Draw(label)
    ink = (rng.randrange(0, 50), rng.randrange(0, 50), rng.randrange(0, 70))
    d.rectangle([8, 8, lw - 9, lh - 9], outline=ink, width=3)
    cjk = rng.choice(_CJK_FONTS)
    d.text((40, 28), rng.choice(["户口底册", "常住人口登记表", "户籍档案"]), fill=ink, font=_font(cjk, 54))
    latin = rng.choice(_LATIN_FONTS)
    fsize = rng.randrange(40, 58)
    d.text((40, 110), "档号：", fill=ink, font=_font(cjk, fsize))
    d.text((40 + int(fsize * 2.7), 110 + (fsize // 10)), payload, fill=ink, font=_font(latin, fsize))
    if kind in ("code128", "qr"):
        code = _code_image(kind, payload, rng)
        if kind == "qr":
            side = rng.randrange(230, 300)
            code = code.resize((side, side), Image.Resampling.NEAREST)
            label.paste(code, (lw - side - 40, lh - side - 30))
        else:
            code = code.crop((0, 0, code.width, min(code.height, 170)))
            label.paste(code, (40, lh - 30 - code.height))
    d.text(
        (40, 190),
        f"{rng.randrange(1955, 1999)} 年  共 {rng.randrange(20, 300)} 页",
        fill=ink,
        font=_font(cjk, 34),
    )
    lab = np.asarray(label)[..., ::-1].astype(np.float32)
    # the cover and the camera
    w, h = size
    cover = np.empty((h, w, 3), np.float32)
    cover[:] = np.array(_COVERS[rng.randrange(len(_COVERS))], np.float32)
    cover += nrng.normal(0, 6, (h, w, 1)).astype(np.float32)
    scale = rng.uniform(0.75, 1.15) * w / 1600
    ang = math.radians(rng.uniform(-12, 12))
    cx, cy = w / 2 + rng.uniform(-0.08, 0.08) * w, h / 2 + rng.uniform(-0.08, 0.08) * h
    corners = np.array([[-lw / 2, -lh / 2], [lw / 2, -lh / 2], [lw / 2, lh / 2], [-lw / 2, lh / 2]]) * scale
    rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
    dst = corners @ rot.T
    # keystone: one side of the label a little further from the camera
    k = rng.uniform(-0.08, 0.08)
    dst[:2, 0] *= 1 + k
    dst[2:, 0] *= 1 - k
    dst += np.array([cx, cy])
    src = np.array([[0, 0], [lw, 0], [lw, lh], [0, lh]], np.float32)
    hom = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(lab, hom, (w, h), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(np.ones((lh, lw), np.float32), hom, (w, h), flags=cv2.INTER_LINEAR)
    frame = cover * (1 - alpha[..., None]) + warped * alpha[..., None]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = rng.uniform(0, 0.35)
    ga = rng.uniform(0, 2 * math.pi)
    frame *= (1 + g * ((xx / w - 0.5) * math.cos(ga) + (yy / h - 0.5) * math.sin(ga)))[
        ..., None
    ] * rng.uniform(0.8, 1.05)
    sigma = rng.uniform(0, 1.6)
    if sigma > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    frame += nrng.normal(0, rng.uniform(1, 4), (h, w, 1)).astype(np.float32)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randrange(75, 95)])
    if not ok:  # pragma: no cover
        raise RuntimeError("JPEG encode failed")
    img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return LabelImage(img, payload, aid, kind, seed, Path(latin).name)


__all__ = ["HELD_OUT_SEEDS", "KINDS", "TUNING_SEEDS", "LabelImage", "archive_id_for", "make_label"]
