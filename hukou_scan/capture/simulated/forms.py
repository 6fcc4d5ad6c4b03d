"""Renders fictional old registry pages (常住人口登记表, 户口簿 pages, blank backs) with ground truth.

Printed labels use a Ming face; handwritten values use a Kai (brush) face with
per-entry jitter, ink colour and optional fading; paper is yellowed with stains and
an optional red seal over the text.  Everything is deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hukou_scan.capture.simulated.fonts import font
from hukou_scan.domain.models import Person

A4_MM = (210.0, 297.0)
CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class TextBox:
    """A run of text drawn on the page: what, where (x, y, w, h) and whether it was handwritten."""

    text: str
    box: tuple[int, int, int, int]
    hand: bool


@dataclass
class RenderedPage:
    """A flat page image (RGB, uint8) and everything that was drawn on it."""

    image: np.ndarray
    dpi: int
    kind: str  # registration_form | household_page | blank_back
    lines: list[str] = field(default_factory=list)  # ground-truth text in reading order
    boxes: list[TextBox] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # normalised values (ISO dates, 18-digit IDs)
    person_ids: list[str] = field(default_factory=list)
    household_no: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def chinese_year(y: int) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(y))


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals as written in dates (十二, 二十, 三十一)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    t = "" if tens == 1 else CN_DIGITS[tens]
    return t + "十" + (CN_DIGITS[ones] if ones else "")


def written_date(d: date, rng: random.Random) -> str:
    """The date as a clerk might have written it on old paper (several conventions)."""
    styles = ["dot", "short", "cn", "full"]
    if d.year < 1949:
        styles.append("minguo")
    style = rng.choice(styles)
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "short":
        return f"{d.year % 100:02d}年{d.month}月{d.day}日"
    if style == "cn":
        return f"{chinese_year(d.year)}年{chinese_number(d.month)}月{chinese_number(d.day)}日"
    if style == "minguo":
        return f"民国{chinese_number(d.year - 1911)}年{chinese_number(d.month)}月{chinese_number(d.day)}日"
    return f"{d.year}年{d.month}月{d.day}日"


def _paper(w: int, h: int, rng: random.Random, age: float) -> Image.Image:
    """Yellowed paper with low-frequency blotches and fibre noise."""
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    base = (
        np.array([246, 242, 230], dtype=np.float32) * (1 - age)
        + np.array([232, 214, 170], dtype=np.float32) * age
    )
    low = nrng.normal(0, 1, (h // 64 + 2, w // 64 + 2)).astype(np.float32)
    low_img = np.array(Image.fromarray(low).resize((w, h), Image.Resampling.BICUBIC))
    fine = nrng.normal(0, 2.0, (h, w)).astype(np.float32)
    shade = (low_img * 6 * (0.3 + age)) + fine
    img = np.clip(base[None, None, :] + shade[..., None] * np.array([1.0, 1.0, 1.2]), 0, 255)
    page = Image.fromarray(img.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(page, "RGBA")
    for _ in range(rng.randrange(0, 4)):  # water stains / foxing
        cx, cy, r = rng.randrange(w), rng.randrange(h), rng.randrange(30, 160)
        draw.ellipse(
            (cx - r, cy - r, cx + r, cy + int(r * rng.uniform(0.6, 1.4))),
            fill=(150, 110, 50, rng.randrange(10, 30)),
        )
    return page


HandFont = Callable[[int], ImageFont.FreeTypeFont]
"""The face of the clerk's handwriting at a pixel size (the simulator's Kai face by default)."""


def _kai(size: int) -> ImageFont.FreeTypeFont:
    return font("hand", size)


def _hand_text(
    page: Image.Image,
    xy: tuple[int, int],
    text: str,
    size: int,
    rng: random.Random,
    fade: float,
    hand: HandFont = _kai,
) -> tuple[int, int, int, int]:
    """Draw a handwritten-looking entry; returns its bounding box on the page."""
    f = hand(size + rng.randrange(-3, 4))
    ink = rng.choice([(25, 30, 80), (20, 20, 20), (40, 45, 110)])
    alpha = int(255 * (1 - fade * rng.uniform(0.4, 1.0)))
    x0, t, r, b = (int(v) for v in f.getbbox(text))
    tile = Image.new("RGBA", (r - x0 + 12, b - t + 12), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((6 - x0, 6 - t), text, font=f, fill=(*ink, alpha))
    tile = tile.rotate(rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC, expand=True)
    x, y = xy[0] + rng.randrange(-4, 5), xy[1] + rng.randrange(-4, 5)
    page.paste(tile, (x, y), tile)
    bbox = tile.getbbox() or (0, 0, tile.width, tile.height)
    return (x + bbox[0], y + bbox[1], bbox[2] - bbox[0], bbox[3] - bbox[1])


def _print_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    f: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
) -> tuple[int, int, int, int]:
    draw.text(xy, text, font=f, fill=fill)
    x0, t, r, b = draw.textbbox(xy, text, font=f)
    return (int(x0), int(t), int(r - x0), int(b - t))


def _seal(page: Image.Image, center: tuple[int, int], radius: int, text: str, rng: random.Random) -> None:
    """A red round seal (印章), semi-transparent so the text under it shows through."""
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    red = (200, 30, 40, rng.randrange(150, 210))
    cx, cy = center
    d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=max(4, radius // 14))
    star = font("sans", radius // 2)
    d.text((cx, cy), "★", font=star, fill=red, anchor="mm")
    f = font("sans", max(12, radius // 4))
    n = len(text)
    for i, ch in enumerate(text):
        ang = np.deg2rad(200 + 140 * i / max(1, n - 1))
        x = cx + 0.72 * radius * np.cos(ang)
        y = cy + 0.72 * radius * np.sin(ang)
        d.text((x, y), ch, font=f, fill=red, anchor="mm")
    layer = layer.filter(ImageFilter.GaussianBlur(0.8))
    page.paste(layer, (0, 0), layer)


def _page_size(dpi: int) -> tuple[int, int]:
    return round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)


def render_registration_form(
    person: Person,
    head_name: str,
    *,
    dpi: int = 200,
    seed: int = 0,
    age: float = 0.5,
    fade: float = 0.2,
    seal: bool = True,
    station: str = "城关派出所",
    hand: HandFont = _kai,
) -> RenderedPage:
    """One 常住人口登记表 for ``person`` with the clerk's handwriting in the cells.

    ``hand`` lets an evaluation write the entries in a hand the simulator never uses.
    """
    rng = random.Random(seed)
    w, h = _page_size(dpi)
    s = dpi / 200.0
    page = _paper(w, h, rng, age)
    draw = ImageDraw.Draw(page)
    line_col = rng.choice([(60, 50, 40), (150, 60, 50)])
    label_col = (45, 40, 35)
    title_f = font("print", int(64 * s))
    label_f = font("print", int(34 * s))
    hand_size = int(40 * s)
    out = RenderedPage(image=np.zeros(1), dpi=dpi, kind="registration_form", person_ids=[person.id])
    out.household_no = person.household_no

    title = "常住人口登记表"
    tb = _print_text(
        draw, (w // 2 - int(title_f.getlength(title)) // 2, int(130 * s)), title, title_f, label_col
    )
    out.boxes.append(TextBox(title, tb, False))
    out.lines.append(title)

    born = person.birth_date or date(1950, 1, 1)
    written_birth = written_date(born, rng)
    id_written = person.id_number_raw or person.id_number
    rows: list[list[tuple[str, str, str]]] = [
        [("姓名", person.name, "name"), ("性别", person.sex, "sex")],
        [
            ("曾用名", person.former_name, "former_name"),
            ("民族", person.ethnicity.removesuffix("族"), "ethnicity"),
        ],
        [("出生日期", written_birth, "birth_date"), ("与户主关系", person.relation, "relation")],
        [("公民身份号码", id_written, "id_number")],
        [("户主姓名", head_name, "head_name"), ("户号", person.household_no, "household_no")],
        [("住址", person.address, "address")],
        [
            ("文化程度", rng.choice(["小学", "初中", "高中", "文盲", "中专"]), ""),
            ("婚姻状况", rng.choice(["已婚", "未婚", "丧偶"]), ""),
        ],
        [
            ("职业", rng.choice(["农民", "工人", "教师", "干部", "无"]), ""),
            ("服务处所", rng.choice(["公社", "纺织厂", "小学", "供销社"]), ""),
        ],
        [("何时由何地迁来本址", "", "")],
    ]
    out.fields = {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_date": born.isoformat(),
        "relation": person.relation,
        "id_number": person.id_number,
        "household_no": person.household_no,
        "address": person.address,
        "head_name": head_name,
    }
    if person.former_name:
        out.fields["former_name"] = person.former_name

    left, right = int(110 * s), w - int(110 * s)
    top = int(260 * s)
    row_h = int(120 * s)
    label_w = int(230 * s)
    half = (right - left) // 2
    for r, cells in enumerate(rows):
        y0, y1 = top + r * row_h, top + (r + 1) * row_h
        draw.line((left, y0, right, y0), fill=line_col, width=max(2, int(3 * s)))
        line_parts: list[str] = []
        spans = [(left, right)] if len(cells) == 1 else [(left, left + half), (left + half, right)]
        for (label, value, _key), (x0, _x1) in zip(cells, spans, strict=True):
            draw.line((x0, y0, x0, y1), fill=line_col, width=max(2, int(3 * s)))
            lw = max(label_w, int(label_f.getlength(label)) + int(30 * s))
            draw.line((x0 + lw, y0, x0 + lw, y1), fill=line_col, width=max(1, int(2 * s)))
            lb = _print_text(
                draw, (x0 + int(14 * s), y0 + int(row_h - label_f.size) // 2), label, label_f, label_col
            )
            out.boxes.append(TextBox(label, lb, False))
            line_parts.append(label)
            if value:
                vb = _hand_text(
                    page,
                    (x0 + lw + int(18 * s), y0 + (row_h - hand_size) // 2 - int(6 * s)),
                    value,
                    hand_size,
                    rng,
                    fade,
                    hand,
                )
                out.boxes.append(TextBox(value, vb, True))
                line_parts.append(value)
        draw.line((right, y0, right, y1), fill=line_col, width=max(2, int(3 * s)))
        out.lines.append(" ".join(line_parts))
    bottom = top + len(rows) * row_h
    draw.line((left, bottom, right, bottom), fill=line_col, width=max(2, int(3 * s)))

    reg = date(rng.randrange(max(born.year + 1, 1958), 1990), rng.randrange(1, 13), rng.randrange(1, 29))
    footer_y = bottom + int(90 * s)
    fb = _print_text(draw, (left, footer_y), "承办人：", label_f, label_col)
    out.boxes.append(TextBox("承办人：", fb, False))
    clerk = rng.choice("王李张刘陈") + rng.choice("建国明华秀英")
    cb = _hand_text(
        page, (fb[0] + fb[2] + int(10 * s), footer_y - int(6 * s)), clerk, hand_size, rng, fade, hand
    )
    out.boxes.append(TextBox(clerk, cb, True))
    dx = left + half
    db_ = _print_text(draw, (dx, footer_y), "登记日期：", label_f, label_col)
    out.boxes.append(TextBox("登记日期：", db_, False))
    reg_text = f"{reg.year}年{reg.month}月{reg.day}日"
    rb = _hand_text(
        page, (db_[0] + db_[2] + int(10 * s), footer_y - int(6 * s)), reg_text, hand_size, rng, fade, hand
    )
    out.boxes.append(TextBox(reg_text, rb, True))
    out.lines.append(f"承办人：{clerk} 登记日期：{reg_text}")
    if seal:
        _seal(page, (right - int(240 * s), footer_y + int(10 * s)), int(150 * s), station + "户口专用章", rng)
    out.image = np.asarray(page, dtype=np.uint8).copy()
    return out


def render_household_page(
    members: list[Person],
    household_no: str,
    address: str,
    *,
    dpi: int = 200,
    seed: int = 0,
    age: float = 0.5,
    fade: float = 0.2,
) -> RenderedPage:
    """A 户口簿 / 底册 page listing every member of a household in a ruled table."""
    rng = random.Random(seed)
    w, h = _page_size(dpi)
    s = dpi / 200.0
    page = _paper(w, h, rng, age)
    draw = ImageDraw.Draw(page)
    line_col = (70, 55, 45)
    label_col = (45, 40, 35)
    title_f = font("print", int(60 * s))
    label_f = font("print", int(30 * s))
    hand_size = int(34 * s)
    out = RenderedPage(image=np.zeros(1), dpi=dpi, kind="household_page", person_ids=[p.id for p in members])
    out.household_no = household_no
    title = "户口登记簿"
    tb = _print_text(
        draw, (w // 2 - int(title_f.getlength(title)) // 2, int(120 * s)), title, title_f, label_col
    )
    out.boxes.append(TextBox(title, tb, False))
    out.lines.append(title)
    left, right = int(90 * s), w - int(90 * s)
    y = int(240 * s)
    hb = _print_text(draw, (left, y), "户号：", label_f, label_col)
    hv = _hand_text(page, (hb[0] + hb[2] + int(8 * s), y - int(8 * s)), household_no, hand_size, rng, fade)
    out.boxes += [TextBox("户号：", hb, False), TextBox(household_no, hv, True)]
    ab = _print_text(draw, (left + int(560 * s), y), "住址：", label_f, label_col)
    addr = address
    av = _hand_text(page, (ab[0] + ab[2] + int(8 * s), y - int(8 * s)), addr, int(hand_size * 0.8), rng, fade)
    out.boxes += [TextBox("住址：", ab, False), TextBox(addr, av, True)]
    out.lines.append(f"户号：{household_no} 住址：{addr}")
    cols = [("姓名", 0.17), ("与户主关系", 0.16), ("性别", 0.09), ("出生日期", 0.22), ("公民身份号码", 0.36)]
    top = int(340 * s)
    row_h = int(110 * s)
    xs = [left]
    for _, frac in cols:
        xs.append(xs[-1] + int((right - left) * frac))
    xs[-1] = right
    n_rows = max(6, len(members) + 1)
    for r in range(n_rows + 1):
        draw.line((left, top + r * row_h, right, top + r * row_h), fill=line_col, width=max(2, int(3 * s)))
    for x in xs:
        draw.line((x, top, x, top + n_rows * row_h), fill=line_col, width=max(2, int(3 * s)))
    header = []
    for (label, _), x0 in zip(cols, xs, strict=False):
        lb = _print_text(
            draw, (x0 + int(10 * s), top + int(row_h - label_f.size) // 2), label, label_f, label_col
        )
        out.boxes.append(TextBox(label, lb, False))
        header.append(label)
    out.lines.append(" ".join(header))
    for i, p in enumerate(members, start=1):
        born = p.birth_date or date(1950, 1, 1)
        values = [p.name, p.relation, p.sex, written_date(born, rng), p.id_number_raw or p.id_number]
        y0 = top + i * row_h
        for v, x0 in zip(values, xs, strict=False):
            size = hand_size if len(v) < 12 else int(hand_size * 0.85)
            vb = _hand_text(
                page, (x0 + int(10 * s), y0 + (row_h - size) // 2 - int(6 * s)), v, size, rng, fade
            )
            out.boxes.append(TextBox(v, vb, True))
        out.lines.append(" ".join(values))
    out.fields = {"household_no": household_no}
    out.image = np.asarray(page, dtype=np.uint8).copy()
    return out


def render_blank_back(
    front: RenderedPage | None = None, *, dpi: int = 200, seed: int = 0, age: float = 0.5
) -> RenderedPage:
    """The back of a form: empty paper, optionally with the front's ink showing through."""
    rng = random.Random(seed)
    w, h = _page_size(dpi)
    page = np.asarray(_paper(w, h, rng, age), dtype=np.float32)
    if front is not None and front.image.shape[:2] == (h, w):
        ink = 255.0 - np.asarray(
            Image.fromarray(front.image).convert("L").filter(ImageFilter.GaussianBlur(2)), dtype=np.float32
        )
        page -= ink[:, ::-1, None] * 0.08  # mirrored, faint
    out = RenderedPage(image=np.clip(page, 0, 255).astype(np.uint8), dpi=dpi, kind="blank_back")
    return out
