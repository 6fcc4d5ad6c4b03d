"""Synthetic pages for the sync tests and benchmark (random bytes; never real residents' data)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hukou_scan.app import AppContext
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    LinkMethod,
    OcrResult,
    OcrWord,
    Page,
    PageLink,
    PaperLocation,
    Person,
    new_id,
)


def make_batch(ctx: AppContext, n_pages: int, size: int = 20_000, seed: int = 0, link: bool = True) -> Batch:
    """A batch with ``n_pages`` pages (original + processed image each), OCR text and a link."""
    rng = random.Random(seed)
    batch = ctx.batches.add(
        Batch(
            id=new_id(),
            archive_id=f"A-{seed:04d}",
            category=BatchCategory.BIRTH,
            station_id=ctx.station.id,
            location=PaperLocation(room="一", cabinet="3", shelf="2", box=str(seed), volume="1"),
            created_by="clerk1",
        )
    )
    person = Person(id=new_id(), name=f"测试人{seed}", id_number="", household_no=f"H{seed:05d}")
    if link:
        ctx.persons.upsert_many([person])
    t0 = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None) + timedelta(days=seed)
    for i in range(1, n_pages + 1):
        original = ctx.blobs.put(rng.randbytes(size))
        processed = ctx.blobs.put(rng.randbytes(size // 2))
        page = Page(
            id=new_id(),
            batch_id=batch.id,
            seq=i,
            original_sha256=original,
            captured_at=t0 + timedelta(seconds=i),
            operator="clerk1",
        )
        ctx.pages.add(page)
        ctx.pages.update(page.id, processed_sha256=processed)
        ctx.pages.save_ocr(
            page.id,
            OcrResult(
                text=f"常住人口登记表 第{i}页",
                words=[OcrWord("常住人口登记表", 10, 10, 200, 30, 0.9)],
                engine="fake",
                width=100,
                height=100,
            ),
        )
        if link and i == 1:
            ctx.links.link(PageLink(page_id=page.id, person_id=person.id, method=LinkMethod.MANUAL, score=1.0))
    return batch
