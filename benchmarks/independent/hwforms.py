"""Registration forms in a layout and hands the project's simulator never draws.

Why a second form generator: the form reader was developed on the simulator's
常住人口登记表 (one label/value pair per cell, Kai entries).  Real forms of the 1950s–80s
vary: four-column tables, the 公民身份号码 written one digit per printed box, 籍贯 and
服务处所 cells, the household head first, labels in a Song face, entries in whatever
hand the clerk had.  This module draws such a form with ground truth for the fields the
linker needs; :func:`benchmarks.independent.frames.make_frame` lays it on its desks.

Hands come from :mod:`benchmarks._hands`; which of them any tuning may look at is fixed
here (:data:`TUNING_HANDS`) so that every report can say which figures are held out.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hukou_scan.domain import Person

TUNING_HANDS = ("ma-shan-zheng", "zcool-kuaile")
"""Hands a developer may look at while improving recognition."""
TEST_HANDS = ("zhi-mang-xing", "long-cang", "liu-jian-mao-cao")
"""Hands kept for measurement only."""

SONG = "/usr/share/fonts/truetype/arphic/uming.ttc"
SANS = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

Hand = Callable[[int], ImageFont.FreeTypeFont]


@dataclass
class HwForm:
    """A drawn page (RGB, portrait, about 200 dpi) and what is written on it."""

    image: np.ndarray
    fields: dict[str, str]  # name, sex, birth_date (ISO), id_number (as written), household_no, address
    entries: list[str] = field(default_factory=list)  # every handwritten run, in reading order


def _paper(w: int, h: int, rng: random.Random) -> Image.Image:
    base = np.array([rng.randrange(222, 246), rng.randrange(210, 236), rng.randrange(170, 212)], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    fade = 1 - 0.06 * (((xx / w) - 0.5) ** 2 + ((yy / h) - 0.5) ** 2) * 4
    img = base[None, None, :] * fade[..., None]
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    img += nrng.normal(0, 3.0, (h, w, 1)).astype(np.float32)
    for _ in range(rng.randrange(0, 3)):  # tea-coloured stains
        cx, cy, r = rng.randrange(w), rng.randrange(h), rng.randrange(w // 20, w // 7)
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        ring = np.clip(1 - np.abs(d - r) / (r * 0.15), 0, 1) * 0.10 + np.clip(1 - d / r, 0, 1) * 0.04
        img *= 1 - ring[..., None] * np.array([0.2, 0.5, 0.9], np.float32)[None, None, :]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _written(d: date, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.year}.{d.month}.{d.day}"


def _write(
    page: Image.Image, box: tuple[int, int, int, int], text: str, hand: Hand, rng: random.Random, ink: tuple
) -> None:
    """Write ``text`` into ``box`` (x0, y0, x1, y1) in ``hand``, left-aligned with a little wobble."""
    x0, y0, x1, y1 = box
    size = int((y1 - y0) * rng.uniform(0.52, 0.66))
    f = hand(size)
    while f.getlength(text) > (x1 - x0) * 0.92 and size > 12:
        size -= 2
        f = hand(size)
    l_, t, r, b = (int(v) for v in f.getbbox(text))
    tile = Image.new("RGBA", (r - l_ + 16, b - t + 16), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((8 - l_, 8 - t), text, font=f, fill=(*ink, rng.randrange(200, 256)))
    tile = tile.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BICUBIC, expand=True)
    x = x0 + int((x1 - x0) * rng.uniform(0.03, 0.08))
    y = y0 + (y1 - y0 - tile.height) // 2 + rng.randrange(-3, 4)
    page.paste(tile, (x, y), tile)


def render_form(person: Person, head_name: str, hand: Hand, seed: int) -> HwForm:
    """One form for ``person`` written in ``hand`` (deterministic for ``seed``)."""
    rng = random.Random(seed)
    w, h = 1654, 2339  # A4 at 200 dpi
    page = _paper(w, h, rng)
    d = ImageDraw.Draw(page)
    line = rng.choice([(40, 40, 40), (120, 40, 35), (30, 60, 40)])
    label_col = (35, 30, 30)
    ink = rng.choice([(20, 30, 110), (25, 25, 25), (60, 40, 120)])
    title = ImageFont.truetype(SONG, rng.randrange(70, 86))
    label_f = ImageFont.truetype(rng.choice([SONG, SANS]), rng.randrange(34, 40))
    t = "常住人口登记表"
    d.text(((w - title.getlength(t)) / 2, 150), t, font=title, fill=label_col)
    left, right = rng.randrange(120, 170), w - rng.randrange(120, 170)
    top = rng.randrange(300, 340)
    row_h = rng.randrange(118, 138)
    lw = rng.randrange(210, 250)  # label column width
    mid = left + (right - left) // 2 + rng.randrange(-40, 40)
    born = person.birth_date or date(1950, 1, 1)
    number = person.id_number_raw or person.id_number
    rows: list[list[tuple[str, str, str]]] = [
        [("户主姓名", head_name, "head_name"), ("与户主关系", person.relation, "relation")],
        [("姓名", person.name, "name"), ("曾用名", person.former_name, "former_name")],
        [("性别", person.sex, "sex"), ("民族", person.ethnicity.removesuffix("族"), "ethnicity")],
        [("出生日期", _written(born, rng), "birth_date"), ("户号", person.household_no, "household_no")],
        [("公民身份号码", number, "id_boxes")],
        [("住址", person.address, "address")],
        [
            ("籍贯", rng.choice(["河北省保定", "山东省德州", "北京市", "河南省开封"]), "origin"),
            ("宗教信仰", "", ""),
        ],
        [
            ("文化程度", rng.choice(["小学", "初中", "高中", "文盲"]), "education"),
            ("婚姻状况", rng.choice(["已婚", "未婚", "丧偶"]), "marital"),
        ],
        [("服务处所", rng.choice(["红星机械厂", "城关公社", "第三中学", "无"]), "work")],
        [("何时由何地迁来", "", "")],
    ]
    entries: list[str] = []
    wid = max(2, rng.randrange(2, 4))
    for r, cells in enumerate(rows):
        y0, y1 = top + r * row_h, top + (r + 1) * row_h
        d.line((left, y0, right, y0), fill=line, width=wid)
        spans = [(left, right)] if len(cells) == 1 else [(left, mid), (mid, right)]
        for (label, value, key), (x0, x1) in zip(cells, spans, strict=True):
            d.line((x0, y0, x0, y1), fill=line, width=wid)
            llw = max(lw if x0 == left else lw + 30, int(label_f.getlength(label)) + 36)
            d.line((x0 + llw, y0, x0 + llw, y1), fill=line, width=max(1, wid - 1))
            d.text((x0 + 16, y0 + (row_h - label_f.size) // 2), label, font=label_f, fill=label_col)
            if key == "id_boxes":
                n = len(number)
                bw = (x1 - x0 - llw - 40) // 18
                bx0 = x0 + llw + 20
                for i in range(18):
                    d.rectangle(
                        (bx0 + i * bw, y0 + 18, bx0 + (i + 1) * bw, y1 - 18),
                        outline=line,
                        width=max(1, wid - 1),
                    )
                for i, ch in enumerate(number[:n]):
                    _write(
                        page,
                        (bx0 + i * bw + 2, y0 + 18, bx0 + (i + 1) * bw + 30, y1 - 18),
                        ch,
                        hand,
                        rng,
                        ink,
                    )
                entries.append(number)
            elif value:
                _write(page, (x0 + llw, y0, x1, y1), value, hand, rng, ink)
                entries.append(value)
        d.line((right, y0, right, y1), fill=line, width=wid)
    bottom = top + len(rows) * row_h
    d.line((left, bottom, right, bottom), fill=line, width=wid)
    foot = bottom + 80
    d.text((left, foot), "登记机关：", font=label_f, fill=label_col)
    d.text((mid, foot), "登记日期：", font=label_f, fill=label_col)
    if rng.random() < 0.5:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    return HwForm(
        image=np.asarray(page, dtype=np.uint8).copy(),
        fields={
            "name": person.name,
            "sex": person.sex,
            "birth_date": born.isoformat(),
            "id_number": number,
            "household_no": person.household_no,
            "address": person.address,
        },
        entries=entries,
    )
