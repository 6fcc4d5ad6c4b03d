"""Dashboard figures per station/batch/day/clerk, warning colours, CSV export."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    ExtractedField,
    OcrResult,
    Page,
    PageLink,
    PageState,
    Person,
    SyncState,
    new_id,
)
from hukou_scan.services.dashboard import totals, warning_colour


def _seed(ctx: AppContext) -> Batch:
    b = ctx.batches.add(
        Batch(id=new_id(), archive_id="A-1", category=BatchCategory.BIRTH, station_id=ctx.station.id)
    )
    t0 = datetime(2026, 5, 1, 9, 0)
    ctx.persons.upsert_many([Person(id="p1", name="某人")])
    for i in range(1, 21):
        pid = new_id()
        day = t0 + timedelta(days=i // 11, minutes=i)
        ctx.pages.add(
            Page(
                id=pid,
                batch_id=b.id,
                seq=i,
                original_sha256=f"{i:064x}",
                captured_at=day,
                operator="c1" if i % 2 else "c2",
            )
        )
        if i <= 15:
            ctx.pages.update(pid, processed_sha256=f"{i:064x}", state=PageState.PROCESSED)
        if i <= 12:
            fields = [ExtractedField("id_number", "1", valid=i != 1, needs_review=i == 2)]
            ctx.pages.save_ocr(
                pid, OcrResult(text="t", words=[], engine="fake", width=1, height=1, fields=fields)
            )
        if i <= 8:
            ctx.links.link(PageLink(page_id=pid, person_id="p1"))
        if i <= 4:
            ctx.pages.update(pid, review_state="passed")
        if i <= 2:
            ctx.pages.update(pid, sync_state=SyncState.VERIFIED)
        if i == 20:
            ctx.pages.update(pid, state=PageState.FAILED)
    return b


def test_report_counts_each_stage(ctx: AppContext) -> None:
    _seed(ctx)
    rep = ctx.dashboard.report("station")
    assert len(rep.rows) == 1
    r = rep.rows[0]
    assert (r.captured, r.processed, r.recognized, r.linked, r.reviewed, r.synced) == (20, 15, 12, 8, 4, 2)
    by_day = ctx.dashboard.report("day").rows
    assert [x.captured for x in by_day] == [10, 10]
    clerks = {x.key: x.captured for x in ctx.dashboard.report("clerk").rows}
    assert clerks == {"c1": 10, "c2": 10}
    assert sum(t.pages for t in rep.throughput) == 20
    assert all(t.pages_per_hour > 0 for t in rep.throughput)
    assert totals(by_day).captured == 20


def test_qa_pass_rate_in_batch_rows(ctx: AppContext) -> None:
    b = _seed(ctx)
    for p in ctx.pages.list_batch(b.id):
        ctx.pages.update(p.id, state=PageState.LINKED, review_state="")
    s = ctx.qa.draw_sample(b.id, seed=1)
    for pid in s.page_ids:
        ctx.qa.record(s.id, pid, True)
    ctx.qa.finish(s.id)
    row = ctx.dashboard.report("batch").rows[0]
    assert row.label == "A-1" and row.qa_samples == 1 and row.qa_pass_rate == 1.0
    assert row.qa_pages == 1 and row.qa_accept_rate == 1.0


def test_warnings_and_colours(ctx: AppContext) -> None:
    _seed(ctx)
    rep = ctx.dashboard.report()
    (w,) = rep.warnings
    assert w.by_kind == {"ocr_field_invalid": 1, "ocr_needs_review": 1, "page_failed": 1}
    assert (w.total, w.denominator, w.colour) == (3, 20, "red")  # 15 % > 5 %
    assert rep.warnings_source == "pages"
    assert warning_colour(0.051) == "red"
    assert warning_colour(0.05) == "yellow" and warning_colour(0.03) == "yellow"
    assert warning_colour(0.0299) == "blue"


def test_csv_export(ctx: AppContext, tmp_path: Path) -> None:
    _seed(ctx)
    rep = ctx.dashboard.report("clerk")
    path = ctx.dashboard.export_csv(rep, tmp_path / "out" / "stats.csv")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows[0] == ["group=clerk"] and rows[1][0] == "key"
    assert {r[0] for r in rows[2:4]} == {"c1", "c2"}


def test_bad_group_is_refused(ctx: AppContext) -> None:
    with pytest.raises(ValueError):
        ctx.dashboard.report("hour")


def test_registry_warnings_take_precedence_with_person_share(ctx: AppContext) -> None:
    from hukou_scan.storage.registry import StoredWarning

    persons = [Person(id=f"p{i}", name=f"人{i}", station="S0001") for i in range(40)]
    persons += [Person(id=f"q{i}", name=f"外{i}", station="S0002") for i in range(10)]
    ctx.persons.upsert_many(persons)

    def warn(rule: str, pid: str, station: str) -> StoredWarning:
        return StoredWarning(rule, pid, None, None, station, "", "x", "x")

    findings = [warn("duplicate_id", "p0", "S0001"), warn("invalid_check_digit", "p0", "S0001")]
    findings += [warn("invalid_check_digit", "q1", "S0002")]
    ctx.registry_store.replace_warnings("scan1", findings)
    rep = ctx.dashboard.report()
    assert rep.warnings_source == "registry"
    by_code = {w.station_code: w for w in rep.warnings}
    s1, s2 = by_code["S0001"], by_code["S0002"]
    assert s1.by_kind == {"duplicate_id": 1, "invalid_check_digit": 1}
    assert (s1.total, s1.denominator, s1.colour) == (1, 40, "blue")  # one person of 40 = 2.5 %
    assert (s2.total, s2.denominator, s2.colour) == (1, 10, "red")  # 10 %
