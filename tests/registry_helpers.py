"""Shared pieces of the registry and linking tests: an in-memory registry, a registry CSV
written from the synthetic sample households, a recognised page with given fields
(synthetic data only, never real residents')."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from hukou_scan.app import AppContext
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    ExtractedField,
    OcrResult,
    Page,
    PageState,
    Person,
    new_id,
)
from hukou_scan.domain.sample import REGISTRY_COLUMNS, SampleHousehold, registry_rows
from hukou_scan.registry.matching import fold


class MemorySource:
    """The four index lookups of :class:`~hukou_scan.registry.matching.CandidateSource` over
    a list, with the same matching rules as ``RegistryStore`` (a name key matches the
    folded name, the name as written or the former name)."""

    def __init__(self, persons: Sequence[Person]) -> None:
        self.persons = list(persons)

    def by_id_numbers(self, numbers: Sequence[str], limit: int = 50) -> list[Person]:
        wanted = set(numbers)
        return [p for p in self.persons if p.id_number in wanted or p.id_number_raw in wanted][:limit]

    def by_name_keys(self, keys: Sequence[str], birth: date | None = None, limit: int = 200) -> list[Person]:
        ks = set(keys)
        return [
            p
            for p in self.persons
            if (fold(p.name) in ks or p.name in ks or p.former_name in ks)
            and (birth is None or p.birth_date == birth)
        ][:limit]

    def by_birth_date(self, birth: date, limit: int = 500) -> list[Person]:
        return [p for p in self.persons if p.birth_date == birth][:limit]

    def by_household(self, household_no: str, limit: int = 100) -> list[Person]:
        return [p for p in self.persons if p.household_no == household_no][:limit]


def write_registry_csv(
    path: Path,
    households: Sequence[SampleHousehold],
    *,
    encoding: str = "gb18030",
    extra: Sequence[Sequence[str]] = (),
) -> Path:
    """``households`` as a population-system export (header row, one row per member, then
    ``extra`` rows as given), in ``encoding`` (the exports come as GB18030/GBK or UTF-8)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REGISTRY_COLUMNS)
        w.writerows(registry_rows(list(households)))
        w.writerows(extra)
    return path


def recognised_page(
    ctx: AppContext,
    fields: dict[str, str] | Sequence[ExtractedField],
    *,
    archive_id: str = "A-1",
    category: BatchCategory = BatchCategory.MOVE_IN,
    original_sha256: str = "a" * 64,
) -> str:
    """A page in a batch of its own, recognised with ``fields`` (a dict: read at 0.9
    confidence), as the OCR stage leaves it for the linker; its id."""
    if isinstance(fields, dict):
        fields = [ExtractedField(k, v, confidence=0.9) for k, v in fields.items()]
    batch = ctx.batches.add(
        Batch(id=new_id(), archive_id=archive_id, category=category, station_id=ctx.station.id)
    )
    page = ctx.pages.add(
        Page(
            id=new_id(),
            batch_id=batch.id,
            seq=1,
            original_sha256=original_sha256,
            captured_at=datetime(2026, 11, 22, 8, 0),
            state=PageState.RECOGNIZED,
        )
    )
    ctx.pages.save_ocr(
        page.id,
        OcrResult(
            text=" ".join(f.value for f in fields),
            words=[],
            engine="fake",
            width=100,
            height=100,
            fields=list(fields),
        ),
    )
    return page.id
