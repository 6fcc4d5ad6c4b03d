"""What gets indexed for a page: its OCR text (body) and its metadata (meta).

Meta is the batch's archive id, category, station, paper-original location and every
linked person's name, former name, ID number (with its 15-digit form when it has
one, so an old number typed from a paper finds it), household number and address.
"""

from __future__ import annotations

from hukou_scan.domain.search import IndexDoc, IndexSource
from hukou_scan.search.query import id_equivalents
from hukou_scan.search.tokens import index_tokens


def meta_text(src: IndexSource) -> str:
    parts = [src.archive_id, src.category, src.station_code, src.station_name, src.location]
    for p in src.persons:
        parts += [p.name, p.former_name, p.household_no, p.address]
        if p.id_number:
            parts += list(id_equivalents(p.id_number))
    # A line break between parts: runs (and so phrases) never cross two fields.
    return "\n".join(x for x in parts if x)


def build_doc(src: IndexSource) -> IndexDoc:
    uni, bi = index_tokens(src.ocr_text)
    muni, mbi = index_tokens(meta_text(src))
    return IndexDoc(
        page_id=src.page_id,
        batch_id=src.batch_id,
        station_id=src.station_id,
        category=src.category,
        captured_at=src.captured_at,
        linked=bool(src.persons),
        review_state=src.review_state,
        uni=uni,
        bi=bi,
        meta_uni=muni,
        meta_bi=mbi,
    )
