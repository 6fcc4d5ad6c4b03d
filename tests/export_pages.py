"""Synthetic pages for the export tests: Chinese text drawn with a CJK font at known boxes.

Fixtures are synthetic (never real residents' data): names and ID numbers below are
made up; the ID number has a valid check digit only so field code paths stay happy.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from hukou_scan.domain import (
    Batch,
    BatchCategory,
    LinkMethod,
    OcrResult,
    OcrWord,
    Page,
    PageLink,
    Person,
    new_id,
)

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

LINES = (
    "常住人口登记表",
    "姓名 王小明",
    "公民身份号码 11010119900307851X",
    "住址 北京市东城区东四十条",
    "户主姓名 王大力 与户主关系 子",
)


@dataclass(frozen=True)
class SyntheticPage:
    image: bytes  # JPEG
    bitonal_png: bytes
    ocr: OcrResult
    width: int
    height: int
    dpi: float


def make_page(
    lines: tuple[str, ...] = LINES, *, dpi: float = 150.0, size: tuple[int, int] = (1240, 1754), seed: int = 0
) -> SyntheticPage:
    """An A4 page at ``dpi`` with ``lines`` drawn and their exact boxes as OCR words."""
    w, h = size
    im = Image.new("RGB", (w, h), (247, 244, 236))
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, int(dpi * 0.22))
    words: list[OcrWord] = []
    y = int(h * 0.08)
    for i, text in enumerate(lines):
        x = int(w * 0.1) + (seed * 37 + i * 13) % 60
        d.text((x, y), text, font=font, fill=(25, 25, 70))
        left, top, right, bottom = d.textbbox((x, y), text, font=font)
        words.append(OcrWord(text, left, top, right - left, bottom - top, 0.97, i))
        y += int(dpi * 0.5)
    # a vertical column (old forms write some fields top to bottom)
    col = "户主签章"
    cx, cy = int(w * 0.82), int(h * 0.5)
    step = int(dpi * 0.3)
    for j, ch in enumerate(col):
        d.text((cx, cy + j * step), ch, font=font, fill=(25, 25, 70))
    top_box = d.textbbox((cx, cy), col[0], font=font)
    bottom_box = d.textbbox((cx, cy + (len(col) - 1) * step), col[-1], font=font)
    words.append(
        OcrWord(col, top_box[0], top_box[1], top_box[2] - top_box[0], bottom_box[3] - top_box[1], 0.9, 99)
    )
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=88, dpi=(dpi, dpi))
    bw = im.convert("L").point(lambda v: 0 if v < 150 else 255).convert("1")
    pbuf = io.BytesIO()
    bw.save(pbuf, "PNG")
    text = "\n".join(wd.text for wd in words)
    return SyntheticPage(
        buf.getvalue(), pbuf.getvalue(), OcrResult(text, words, "synthetic", w, h), w, h, dpi
    )


def pdftotext(path: Path, *extra: str, password: str | None = None) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8", *extra]
    if password:
        cmd += ["-upw", password]
    return subprocess.run([*cmd, str(path), "-"], check=True, capture_output=True, timeout=60).stdout.decode(
        "utf-8"
    )


def bbox_words(path: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """Words with their boxes (pt, top-left origin) as poppler's text extraction sees them."""
    import re

    html = pdftotext(path, "-bbox", "-f", str(page), "-l", str(page))
    out = []
    for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
    ):
        out.append((m.group(5), float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4))))
    return out


@dataclass
class Seeded:
    batch: Batch
    pages: list[Page]
    persons: list[Person]
    household_no: str
    synthetic: list[SyntheticPage]


def seed(ctx: Any, n_pages: int = 3, archive_id: str = "A0101-2026-001", link: bool = True) -> Seeded:
    """A batch with ``n_pages`` processed, recognised pages; page 1–2 linked to a household's
    head and son, page 3 to the son only, the rest unlinked."""
    batch = ctx.batches.add(
        Batch(id=new_id(), archive_id=archive_id, category=BatchCategory.BIRTH, station_id=ctx.station.id)
    )
    pages: list[Page] = []
    synth: list[SyntheticPage] = []
    for i in range(n_pages):
        sp = make_page(seed=i)
        synth.append(sp)
        orig = ctx.blobs.put(sp.image)
        page = Page(
            id=new_id(),
            batch_id=batch.id,
            seq=i + 1,
            original_sha256=orig,
            captured_at=datetime.now(UTC),
            dpi=sp.dpi * 0.8,  # effective camera dpi: NOT the master's pixel density
        )
        ctx.pages.add(page)
        # process_meta as the image pipeline (hukou_scan.services.processing) writes it
        meta = {
            "effective_dpi": sp.dpi * 0.8,
            "master_dpi": sp.dpi,
            "master": {"format": "jpeg", "mode": "colour", "dpi": sp.dpi},
            "derivative": {"format": "png", "mode": "grey", "bits": 8, "dpi": sp.dpi},
        }
        ctx.pages.update(page.id, processed_sha256=orig, process_meta=meta)
        ctx.pages.save_ocr(page.id, sp.ocr)
        pages.append(ctx.pages.get(page.id))
    hh = "110101000123"
    persons = [
        Person(id=new_id(), name="王大力", household_no=hh, relation="户主"),
        Person(id=new_id(), name="王小明", household_no=hh, relation="子"),
    ]
    if link:
        ctx.persons.upsert_many(persons)
        pairs = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1)]
        for pi, qi in pairs:
            if pi < len(pages):
                ctx.links.link(
                    PageLink(page_id=pages[pi].id, person_id=persons[qi].id, method=LinkMethod.MANUAL)
                )
    return Seeded(batch, pages, persons, hh, synth)


def stamp_red_seal(jpeg: bytes, centre: tuple[int, int] = (900, 1450), radius: int = 130) -> bytes:
    """The page with a round red seal (ring, star, characters) as official stamps look, re-encoded
    as JPEG 4:4:4 the way the pipeline writes colour masters."""
    im = Image.open(io.BytesIO(jpeg)).convert("RGB")
    d = ImageDraw.Draw(im)
    red = (200, 30, 35)
    cx, cy = centre
    d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=max(4, radius // 14))
    r = radius * 0.3
    star = []
    import math

    for k in range(10):
        rr = r if k % 2 == 0 else r * 0.4
        a = math.pi / 2 + k * math.pi / 5
        star.append((cx + rr * math.cos(a), cy - rr * math.sin(a)))
    d.polygon(star, fill=red)
    font = ImageFont.truetype(FONT, max(12, radius // 5))
    d.text((cx - radius * 0.55, cy + radius * 0.35), "户籍专用章", font=font, fill=red)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, subsampling=0, dpi=im.info.get("dpi", (150, 150)))
    return buf.getvalue()
