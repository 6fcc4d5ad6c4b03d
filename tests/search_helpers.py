"""A small fictional archive for the search tests (issue 7), written through the repositories.

Every name and number is invented.  Pages get OCR words laid out line by line, one word
per whitespace-separated piece, with a box per word at the position a renderer would
put it; with ``images=True`` the page image is drawn with those boxes (CJK font) and
stored as the processed image, so the viewer's outlines can be checked on pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hukou_scan.app import AppContext
from hukou_scan.domain import idnumber
from hukou_scan.domain.models import (
    Batch,
    BatchCategory,
    OcrResult,
    OcrWord,
    Page,
    PageLink,
    PaperLocation,
    Person,
    new_id,
)

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CHAR_W, LINE_H, MARGIN = 40, 64, 40
PAGE_W, PAGE_H = 1240, 900


def make_id(area: str, born: str, seq: str) -> str:
    first17 = area + born + seq
    return first17 + idnumber.check_digit(first17)


WANG_WEI_ID = make_id("110101", "19850312", "001")  # 18-digit, 19xx → has a 15-digit form
WANG_WEI_ID15 = WANG_WEI_ID[:6] + WANG_WEI_ID[8:17]
LI_NA_ID = make_id("320102", "19900102", "002")
OLD_ID18 = make_id("420106", "19720815", "013")
OLD_ID15 = OLD_ID18[:6] + OLD_ID18[8:17]

PAGE_TEXTS = {
    # p1: 王伟 in the text, but linked to nobody.
    "p1": f"常住人口登记表\n户号 110101000123 姓名 王伟 性别 男\n公民身份号码 {WANG_WEI_ID}\n住址 北京市东城区和平街12号",
    # p2: linked to the person 王伟; its text names 王伟民 (a longer name).
    "p2": "常住人口登记表\n户号 110101000123 姓名 王伟民 性别 男\n出生日期 1990年1月2日 民族 汉族",
    # p3: Tesseract-style spaces between characters.
    "p3": "迁 入 登 记\n姓 名 李 娜 曾 用 名 李 小 娜\n迁 入 原 因 投 亲",
    # p4: 王 only inside another word.
    "p4": "死亡注销登记\n死亡地点 北京市王府井大街\n注销原因 死亡",
    # p5: 伟 and 王 both present but never as 王伟.
    "p5": "户口迁移证明\n姓名 张伟 户主 王芳\n迁往 杭州市西湖区",
    # p6: an old 15-digit ID number.
    "p6": f"居民身份证申领登记表\n姓名 赵刚\n公民身份号码 {OLD_ID15}\nABC-2 档案 Zhao",
}


@dataclass
class Archive:
    station_a: str
    station_b: str
    batch1: str
    batch2: str
    pages: dict[str, str] = field(default_factory=dict)  # key → page id
    persons: dict[str, str] = field(default_factory=dict)  # key → person id
    words: dict[str, list[OcrWord]] = field(default_factory=dict)


def layout_words(text: str) -> list[OcrWord]:
    """One word per whitespace-separated piece, monospaced CJK layout."""
    words: list[OcrWord] = []
    for li, line in enumerate(text.split("\n")):
        x = MARGIN
        for piece in line.split(" "):
            if not piece:
                x += CHAR_W
                continue
            w = CHAR_W * len(piece)
            words.append(OcrWord(piece, x, MARGIN + li * LINE_H, w, LINE_H - 16, 0.95, li))
            x += w + CHAR_W // 2
    return words


def render_page(words: list[OcrWord]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (PAGE_W, PAGE_H), 250)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), CHAR_W - 4)
    for w in words:
        pitch = w.w / len(w.text)
        for k, ch in enumerate(w.text):
            draw.text((w.x + k * pitch + 2, w.y + 6), ch, fill=20, font=font)
    draw.rectangle((10, 10, PAGE_W - 10, PAGE_H - 10), outline=90, width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def build_archive(ctx: AppContext, images: bool = False) -> Archive:
    sa = ctx.stations.ensure("CG", "城关派出所")
    sb = ctx.stations.ensure("DJ", "东街派出所")
    b1 = ctx.batches.add(
        Batch(
            id=new_id(),
            archive_id="CG-2020-001",
            category=BatchCategory.BIRTH,
            station_id=sa.id,
            location=PaperLocation(room="一", cabinet="3", shelf="2", box="17"),
        )
    )
    b2 = ctx.batches.add(
        Batch(id=new_id(), archive_id="DJ-2021-007", category=BatchCategory.MOVE_IN, station_id=sb.id)
    )
    arch = Archive(sa.id, sb.id, b1.id, b2.id)
    dates = {
        "p1": datetime(2020, 5, 1, 9),
        "p2": datetime(2020, 5, 1, 10),
        "p3": datetime(2021, 3, 1, 9),
        "p4": datetime(2021, 3, 2, 9),
        "p5": datetime(2021, 3, 3, 9),
        "p6": datetime(2022, 7, 1, 9),
    }
    for seq, (key, txt) in enumerate(PAGE_TEXTS.items(), start=1):
        batch = b1 if key in {"p1", "p2"} else b2
        words = layout_words(txt)
        sha = ctx.blobs.put(render_page(words) if images else f"page {key}".encode())
        page = ctx.pages.add(
            Page(id=new_id(), batch_id=batch.id, seq=seq, original_sha256=sha, captured_at=dates[key])
        )
        if images:
            ctx.pages.update(page.id, processed_sha256=sha)
        ctx.pages.save_ocr(page.id, OcrResult(txt, words, "fake", PAGE_W, PAGE_H))
        arch.pages[key] = page.id
        arch.words[key] = words
    ctx.pages.update(arch.pages["p3"], review_state="approved")
    people = {
        "wang_wei": Person(
            id=new_id(),
            name="王伟",
            id_number=WANG_WEI_ID,
            household_no="110101000123",
            address="北京市东城区和平街12号",
        ),
        "li_na": Person(
            id=new_id(), name="李娜", former_name="李小娜", id_number=LI_NA_ID, household_no="320102000456"
        ),
        "zhao_gang": Person(id=new_id(), name="赵刚", id_number=OLD_ID18, household_no="420106000789"),
    }
    ctx.persons.upsert_many(people.values())
    arch.persons = {k: p.id for k, p in people.items()}
    ctx.links.link(PageLink(page_id=arch.pages["p2"], person_id=people["wang_wei"].id))
    ctx.links.link(PageLink(page_id=arch.pages["p3"], person_id=people["li_na"].id))
    ctx.links.link(PageLink(page_id=arch.pages["p6"], person_id=people["zhao_gang"].id))
    return arch
