"""QA spot-check: automatic checks, reproducible sample at the configured rate, verdicts, acceptance."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from hukou_scan.app import AppContext
from hukou_scan.domain import Batch, BatchCategory, BatchStatus, Page, PageState, Role, new_id
from hukou_scan.errors import HukouScanError, PermissionDenied
from hukou_scan.security import PasswordHashing
from hukou_scan.services.qa import QaService, pick_sample

PW = "Passw0rd!"


def make_batch(ctx: AppContext, n: int, expected: int | None = None, station_id: str | None = None) -> Batch:
    b = ctx.batches.add(
        Batch(
            id=new_id(),
            archive_id=f"A-{new_id()[:6]}",
            category=BatchCategory.BIRTH,
            station_id=station_id or ctx.station.id,
            expected_pages=expected if expected is not None else n,
        )
    )
    t0 = datetime(2026, 5, 1, 9, 0)
    for i in range(1, n + 1):
        ctx.pages.add(
            Page(
                id=new_id(),
                batch_id=b.id,
                seq=i,
                original_sha256=f"{i:064x}",
                captured_at=t0 + timedelta(minutes=i),
                operator="clerk1",
                dpi=300.0,
                state=PageState.LINKED,
            )
        )
    return b


@given(
    n=st.integers(min_value=1, max_value=3000),
    rate=st.sampled_from([0.05, 0.1, 0.2, 1.0, 0.013]),
    seed=st.integers(min_value=0, max_value=2**62),
)
@settings(max_examples=60, deadline=None)
def test_pick_sample_rate_and_reproducible(n: int, rate: float, seed: int) -> None:
    pop = [f"p{i}" for i in range(n)]
    a = pick_sample(pop, rate, seed)
    assert len(a) == min(n, max(1, math.ceil(rate * n)))
    assert len(a) >= rate * n  # never below the configured rate
    assert a == pick_sample(pop, rate, seed)
    assert len(set(a)) == len(a) and all(x in pop for x in a)
    assert a == [p for p in pop if p in set(a)]  # in page order


def test_different_seeds_give_different_samples() -> None:
    pop = [str(i) for i in range(1000)]
    assert pick_sample(pop, 0.05, 1) != pick_sample(pop, 0.05, 2)


def test_sample_at_configured_rate_reproducible_and_accepts(ctx: AppContext) -> None:
    b = make_batch(ctx, 200)
    s = ctx.qa.draw_sample(b.id, seed=42)
    assert len(s.page_ids) == 10  # 5 % of 200
    assert ctx.qa.reproduce(s.id) == list(s.page_ids)
    assert ctx.batches.get(b.id).status == BatchStatus.IN_REVIEW
    with pytest.raises(HukouScanError):
        ctx.qa.finish(s.id)  # nothing reviewed yet
    for pid in s.page_ids:
        ctx.qa.record(s.id, pid, passed=True)
    done = ctx.qa.finish(s.id)
    assert done.status == "passed" and done.pass_rate == 1.0
    assert ctx.batches.get(b.id).status == BatchStatus.ACCEPTED
    assert all(ctx.pages.get(p).state == PageState.REVIEWED for p in s.page_ids)
    with pytest.raises(HukouScanError):
        ctx.qa.draw_sample(b.id)  # accepted batches are not sampled again


def test_configured_rate_from_settings(ctx: AppContext) -> None:
    svc = QaService(
        ctx.db, ctx.pages, ctx.batches, ctx.qa.store, ctx.guard, {"sample_rate": 0.2, "pass_threshold": 1.0}
    )
    b = make_batch(ctx, 50)
    s = svc.draw_sample(b.id, seed=7)
    assert len(s.page_ids) == 10 and s.rate == 0.2 and s.pass_threshold == 1.0
    with pytest.raises(HukouScanError):
        QaService(ctx.db, ctx.pages, ctx.batches, ctx.qa.store, ctx.guard, {"sample_rate": 0})


def test_failed_page_goes_back_to_capture_and_batch_is_rejected(ctx: AppContext) -> None:
    b = make_batch(ctx, 40)  # 2 sampled; one failure → 50 % < 95 %
    s = ctx.qa.draw_sample(b.id, seed=1)
    bad, good = s.page_ids[0], s.page_ids[1]
    with pytest.raises(HukouScanError):
        ctx.qa.record(s.id, bad, passed=False)  # a failure needs a reason
    with pytest.raises(HukouScanError):
        ctx.qa.record(s.id, bad, passed=False, reasons=["'; DROP TABLE pages;--"])
    with pytest.raises(HukouScanError):
        ctx.qa.record(s.id, bad, passed=False, reasons=["image_quality"], note="x\x00y")
    with pytest.raises(HukouScanError):
        ctx.qa.record(s.id, new_id(), passed=True)  # not in the sample
    ctx.qa.record(s.id, bad, passed=False, reasons=["image_quality", "ocr_fields"], note="模糊，字段错")
    ctx.qa.record(s.id, good, passed=True)
    done = ctx.qa.finish(s.id)
    assert done.status == "failed" and done.pass_rate == 0.5
    assert ctx.batches.get(b.id).status == BatchStatus.REJECTED
    page = ctx.pages.get(bad)
    assert page.review_state == "recapture" and "image quality" in page.state_reason
    assert [p.id for p in ctx.qa.recapture_queue()] == [bad]
    # the batch cannot be sampled again until the page was re-captured
    with pytest.raises(HukouScanError) as ei:
        ctx.qa.draw_sample(b.id)
    assert "待重拍" in ei.value.zh
    ctx.qa.mark_recaptured(bad)
    assert ctx.qa.recapture_queue() == []
    s2 = ctx.qa.draw_sample(b.id, seed=99)
    assert s2.status == "open"


def test_automatic_checks(ctx: AppContext) -> None:
    from hukou_scan.imaging.quality import entry

    b = make_batch(ctx, 7, expected=9)
    pages = ctx.pages.list_batch(b.id)
    clean = {
        "blank": entry("blank", False, 0.2, 0.0015),
        "blur": entry("blur", False, 1.1, 1.4),
        "skew_residual_deg": entry("skew_residual_deg", False, 0.4, 3.0),
        "dpi_low": entry("dpi_low", False, 320.0, 200.0),
        "glare": entry("glare", False, 0.0, 0.004),
    }
    for p in pages:
        ctx.pages.update(p.id, quality=clean)
    ctx.pages.update(pages[0].id, quality={**clean, "blank": entry("blank", True, 0.0001, 0.0015)})
    ctx.pages.update(
        pages[1].id,
        quality={
            **clean,
            "blur": entry("blur", True, 1.8, 1.4),
            "skew_residual_deg": entry("skew_residual_deg", True, 4.2, 3.0),
        },
    )
    ctx.pages.update(pages[2].id, dpi=150.0)
    ctx.pages.update(pages[3].id, original_sha256=pages[4].original_sha256)
    ctx.pages.update(
        pages[5].id,
        seq=9,
        quality={
            **clean,
            "dpi_low": entry("dpi_low", True, 180.0, 200.0),
            "hand": entry("hand", True, 0.02, 0.004),
        },
    )
    report = ctx.qa.auto_checks(b.id)
    kinds = report.counts()
    assert kinds == {
        "missing": 1,
        "blank": 1,
        "blur": 1,
        "skew": 1,
        "dpi": 2,
        "duplicate": 1,
        "quality": 1,  # a gap in the internal sequence (seq 9) is no order problem
    }
    # issues name the page number the reviewer reads (position), not the internal seq
    assert {i.page_no for i in report.issues if i.kind != "missing"} == {1, 2, 3, 5, 7}
    assert 6 not in {i.page_no for i in report.issues}  # clean entries (flag False) raise nothing
    with pytest.raises(HukouScanError) as ei:
        ctx.qa.draw_sample(b.id)
    assert "缺页" in ei.value.zh and "blank page" in ei.value.en
    s = ctx.qa.draw_sample(b.id, ignore_checks=True, seed=3)
    assert len(s.auto_issues) == len(report.issues)
    assert ctx.guard.events[-1][3]["checks_overridden"] is True


def test_stricter_skew_limit_from_settings(ctx: AppContext) -> None:
    from hukou_scan.imaging.quality import entry

    svc = QaService(ctx.db, ctx.pages, ctx.batches, ctx.qa.store, ctx.guard, {"max_skew_deg": 0.5})
    b = make_batch(ctx, 2)
    p = ctx.pages.list_batch(b.id)[0]
    ctx.pages.update(p.id, quality={"skew_residual_deg": entry("skew_residual_deg", False, 0.8, 3.0)})
    assert svc.auto_checks(b.id).counts() == {"skew": 1}
    assert ctx.qa.auto_checks(b.id).ok  # default: the imaging threshold


def test_absent_quality_keys_are_tolerated(ctx: AppContext) -> None:
    b = make_batch(ctx, 3)
    for p in ctx.pages.list_batch(b.id):
        ctx.pages.update(p.id, quality={}, dpi=None)
    assert ctx.qa.auto_checks(b.id).ok


@pytest.fixture
def logged(ctx: AppContext):  # type: ignore[no-untyped-def]
    sec = ctx.security
    sec.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    sec.begin_interactive()
    sec.create_first_admin("admin", "管理员", PW)
    sec.login("admin", PW)
    sec.add_user("clerk", "采集", PW, [Role.CLERK])
    sec.add_user("searcher", "查询", PW, [Role.SEARCHER])
    sec.add_user("rev", "核查", PW, [Role.REVIEWER])
    sec.logout()
    return sec


QA_REVIEWER_ONLY = [
    lambda qa, b, s, p: qa.draw_sample(b),
    lambda qa, b, s, p: qa.record(s, p, True),
    lambda qa, b, s, p: qa.finish(s),
    lambda qa, b, s, p: qa.sample(s),
    lambda qa, b, s, p: qa.open_samples(),
    lambda qa, b, s, p: qa.results(s),
    lambda qa, b, s, p: qa.reproduce(s),
    lambda qa, b, s, p: qa.sample_pages(s),
    lambda qa, b, s, p: qa.batches_for_review(),
]


@pytest.mark.parametrize("who", ["clerk", "searcher"])
@pytest.mark.parametrize("call", QA_REVIEWER_ONLY)
def test_qa_entry_points_need_a_reviewer(ctx: AppContext, logged, who: str, call) -> None:  # type: ignore[no-untyped-def]
    b = make_batch(ctx, 20)
    logged.login("rev", PW)
    s = ctx.qa.draw_sample(b.id, seed=5)
    logged.logout()
    logged.login(who, PW)
    with pytest.raises(PermissionDenied):
        call(ctx.qa, b.id, s.id, s.page_ids[0])


def test_searcher_cannot_run_checks_or_see_recapture_queue(ctx: AppContext, logged) -> None:  # type: ignore[no-untyped-def]
    b = make_batch(ctx, 3)
    logged.login("searcher", PW)
    with pytest.raises(PermissionDenied):
        ctx.qa.auto_checks(b.id)
    with pytest.raises(PermissionDenied):
        ctx.qa.recapture_queue()
    with pytest.raises(PermissionDenied):
        ctx.qa.mark_recaptured(ctx.pages.list_batch(b.id)[0].id)
    with pytest.raises(PermissionDenied):
        ctx.dashboard.report()
    with pytest.raises(PermissionDenied):
        ctx.dashboard.warnings()


def test_reviewer_of_another_station_is_refused(ctx: AppContext, logged) -> None:  # type: ignore[no-untyped-def]
    other = ctx.stations.ensure("S0009", "外所")
    b = make_batch(ctx, 20, station_id=other.id)
    logged.login("rev", PW)
    with pytest.raises(PermissionDenied):
        ctx.qa.draw_sample(b.id)
    logged.login("clerk", PW)
    with pytest.raises(PermissionDenied):
        ctx.qa.auto_checks(b.id)
    assert ctx.qa.auto_checks(make_batch(ctx, 2).id).ok


def test_page_review_info_shows_fields_and_links_with_masked_ids(ctx: AppContext, logged) -> None:  # type: ignore[no-untyped-def]
    from hukou_scan.domain import ExtractedField, OcrResult, PageLink, Person

    b = make_batch(ctx, 20)
    ctx.persons.upsert_many([Person(id="p1", name="张三", id_number="110101199003071234")])
    for p in ctx.pages.list_batch(b.id):
        ctx.pages.save_ocr(
            p.id,
            OcrResult(
                text="",
                words=[],
                engine="fake",
                width=1,
                height=1,
                fields=[ExtractedField("id_number", "110101199003071234"), ExtractedField("name", "张三")],
            ),
        )
        ctx.links.link(PageLink(page_id=p.id, person_id="p1", role="本人"))
    logged.login("rev", PW)
    s = ctx.qa.draw_sample(b.id, seed=11)
    info = ctx.qa.page_review_info(s.id, s.page_ids[0])
    assert info.expected_pages == 20 and info.captured_pages == 20
    assert ("id_number", "110101199003071234", True, False) in info.fields  # reviewers see full numbers
    assert info.links == [("张三", "110101199003071234", "本人", "manual")]
    assert ctx.guard.events[-1][:2] == ("view_page", s.page_ids[0])
    ctx.session_guard._full_id_roles = frozenset({Role.ADMIN})
    info = ctx.qa.page_review_info(s.id, s.page_ids[0])
    assert ("id_number", "1101**********1234", True, False) in info.fields
    assert info.links[0][1] == "1101**********1234"
    with pytest.raises(HukouScanError):
        ctx.qa.page_review_info(s.id, new_id())
