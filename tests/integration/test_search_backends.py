"""Relevance and correctness of every query type, on SQLite (FTS5) and PostgreSQL alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from hukou_scan.app import AppContext
from hukou_scan.config import load_settings
from hukou_scan.domain.models import OcrResult, PageLink
from hukou_scan.domain.search import SearchFilters
from hukou_scan.services.guard import OpenGuard
from tests.search_helpers import (
    LI_NA_ID,
    OLD_ID15,
    OLD_ID18,
    WANG_WEI_ID,
    WANG_WEI_ID15,
    Archive,
    build_archive,
    layout_words,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bctx(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_db_url")
        monkeypatch.setenv("HUKOU_DB_URL", url)
        context = AppContext(load_settings(), log_to_file=False)
    else:
        context = AppContext(request.getfixturevalue("settings"), log_to_file=False)
    yield context
    context.close()


@pytest.fixture
def archive(bctx: AppContext) -> Archive:
    arch = build_archive(bctx)
    assert bctx.search.reindex() == 6
    return arch


def keys(ctx: AppContext, arch: Archive, query: str, **filters: object) -> list[str]:
    rev = {v: k for k, v in arch.pages.items()}
    result = ctx.search.search(query, SearchFilters(**filters))  # type: ignore[arg-type]
    return [rev[h.page_id] for h in result.hits]


def test_single_character(bctx: AppContext, archive: Archive) -> None:
    got = keys(bctx, archive, "王")
    assert set(got) == {"p1", "p2", "p4", "p5"}
    assert set(keys(bctx, archive, "娜")) == {"p3"}


def test_two_character_name_ranks_linked_person_first(bctx: AppContext, archive: Archive) -> None:
    got = keys(bctx, archive, "王伟")
    assert got[0] == "p2"  # linked person named 王伟: a field match beats body text
    assert set(got) == {"p1", "p2"}  # p5 has 张伟 and 王芳, never 王伟


def test_phrases_of_three_and_four_characters(bctx: AppContext, archive: Archive) -> None:
    assert set(keys(bctx, archive, "常住人口")) == {"p1", "p2"}
    assert set(keys(bctx, archive, "登记表")) == {"p1", "p2", "p6"}
    assert keys(bctx, archive, "人口常住") == []


def test_spaces_between_characters_in_ocr_text(bctx: AppContext, archive: Archive) -> None:
    assert keys(bctx, archive, "投亲") == ["p3"]
    assert keys(bctx, archive, "迁入原因") == ["p3"]


def test_id_number_prefix_exact_and_15_18_equivalence(bctx: AppContext, archive: Archive) -> None:
    assert keys(bctx, archive, WANG_WEI_ID[:10]) == ["p2", "p1"]  # person's number first, then text
    assert keys(bctx, archive, WANG_WEI_ID15)[0] == "p2"  # 15-digit query finds the 18-digit record
    assert set(keys(bctx, archive, WANG_WEI_ID15)) == {"p1", "p2"}
    assert keys(bctx, archive, OLD_ID18) == ["p6"]  # text holds the old 15-digit number
    assert keys(bctx, archive, OLD_ID15) == ["p6"]
    assert keys(bctx, archive, LI_NA_ID.lower()) == ["p3"]


def test_household_number_and_metadata(bctx: AppContext, archive: Archive) -> None:
    assert keys(bctx, archive, "110101000123") == ["p2", "p1"]
    assert set(keys(bctx, archive, "CG-2020-001")) == {"p1", "p2"}
    assert set(keys(bctx, archive, "城关派出所")) == {"p1", "p2"}
    assert set(keys(bctx, archive, "李小娜")) == {"p3"}  # former name, via the link and the text


def test_mixed_words_are_anded(bctx: AppContext, archive: Archive) -> None:
    assert keys(bctx, archive, "王伟 出生日期") == ["p2"]
    assert keys(bctx, archive, "abc 赵刚") == ["p6"]
    assert keys(bctx, archive, "Zhao") == ["p6"]
    assert keys(bctx, archive, "王伟 投亲") == []


def test_filters(bctx: AppContext, archive: Archive) -> None:
    assert set(keys(bctx, archive, "王", station_id=archive.station_b)) == {"p4", "p5"}
    assert keys(bctx, archive, "王", date_from=datetime(2021, 3, 2), date_to=datetime(2021, 3, 3)) == ["p4"]
    assert set(keys(bctx, archive, "", linked=True)) == {"p2", "p3", "p6"}
    assert set(keys(bctx, archive, "", linked=False, batch_id=archive.batch1)) == {"p1"}
    # the 档号 on the folder works as the batch filter (the field used to want the internal id)
    assert set(keys(bctx, archive, "", linked=False, batch_id="CG-2020-001")) == {"p1"}
    assert keys(bctx, archive, "", review_state="approved") == ["p3"]
    assert set(keys(bctx, archive, "", category="迁入")) == {"p3", "p4", "p5", "p6"}
    assert keys(bctx, archive, "王伟", station_id=archive.station_b) == []


def test_nothing_to_find(bctx: AppContext, archive: Archive) -> None:
    assert keys(bctx, archive, "，。！") == []
    assert keys(bctx, archive, "不存在的词") == []


def test_snippets_and_limit(bctx: AppContext, archive: Archive) -> None:
    res = bctx.search.search("和平街")  # p1's text; p2 via its linked person's address
    assert [h.tier for h in res.hits] == ["meta", "text"]
    hit = res.hits[1]
    assert hit.page_id == archive.pages["p1"]
    s, e = hit.snippet_spans[0]
    assert hit.snippet[s:e] == "和平街"
    limited = bctx.search.search("王", limit=2)
    assert len(limited.hits) == 2 and limited.more


def test_index_page_follows_changes(bctx: AppContext, archive: Archive) -> None:
    pid = archive.pages["p4"]
    text = "死亡注销登记\n姓名 欧阳修远"
    bctx.pages.save_ocr(pid, OcrResult(text, layout_words(text), "fake", 100, 100))
    assert bctx.search.index_page(pid)
    assert keys(bctx, archive, "欧阳修远") == ["p4"]
    assert "p4" not in keys(bctx, archive, "王府井")
    bctx.links.link(PageLink(page_id=pid, person_id=archive.persons["wang_wei"]))
    bctx.search.index_page(pid)
    assert keys(bctx, archive, "王伟")[:2] in (["p4", "p2"], ["p2", "p4"])
    assert bctx.search.index_page("0" * 32) is False


def test_masks_ids_and_audits(bctx: AppContext, archive: Archive) -> None:
    class MaskingGuard(OpenGuard):
        def can_view_full_id(self) -> bool:
            return False

    guard = MaskingGuard()
    bctx.search.guard = guard
    res = bctx.search.search(WANG_WEI_ID)
    assert res.hits
    for h in res.hits:
        assert WANG_WEI_ID not in h.snippet
        assert all(p.id_number in ("", "1101**********" + WANG_WEI_ID[-4:]) for p in h.persons)
    assert guard.events[-1][0] == "search"
    assert guard.events[-1][3]["query"] == WANG_WEI_ID
    # an excerpt that starts inside the number: masked over the whole text first, so the
    # digits the cut leaves are stars too (13 digits used to show after 「…」)
    pid = archive.pages["p1"]
    tail = "，家庭成员情况及迁移记录见背面附页，经办人签字确认无误后归档保存备查"
    bctx.pages.update(pid, ocr_text=f"公民身份号码 {WANG_WEI_ID}\n住址 北京市东城区和平街12号{tail}")
    assert bctx.search.update_index() == 1
    (hit,) = [h for h in bctx.search.search("和平街").hits if h.page_id == pid]
    assert hit.snippet.startswith("…*") and "和平街" in hit.snippet, hit.snippet
    assert not re.search(r"\d{5,}", hit.snippet), hit.snippet
    s, e = hit.snippet_spans[0]
    assert hit.snippet[s:e] == "和平街"
    view = bctx.search.open_page(archive.pages["p1"], "王伟")
    assert guard.events[-1][0] == "view_page"
    assert [b.text for b in view.boxes] == ["王伟"]


def test_update_index_picks_up_new_and_changed_pages(bctx: AppContext, archive: Archive) -> None:
    assert bctx.search.update_index() == 0
    pid = archive.pages["p5"]
    bctx.pages.update(pid, review_state="approved")
    assert bctx.search.update_index() == 1
    assert "p5" in keys(bctx, archive, "", review_state="approved")


def test_newest_first_across_the_postgres_recent_window(bctx: AppContext, archive: Archive) -> None:
    """With a tiny recent-rows window PostgreSQL takes its GIN fallback; answers must not change."""
    expected = keys(bctx, archive, "王")
    bctx.search_store.pg_recent_window = 2  # SQLite ignores it
    assert keys(bctx, archive, "王") == expected
    assert keys(bctx, archive, "王伟") == ["p2", "p1"]
    assert bctx.search.search("王", limit=1).hits[0].page_id == archive.pages[expected[0]]


def test_page_texts_for_more_ids_than_one_statement_may_bind(bctx: AppContext, archive: Archive) -> None:
    """Phrase confirmation may ask for the texts of very many candidate pages at once."""
    ids = [f"missing-{k}" for k in range(40_000)] + [archive.pages["p1"]]
    texts = bctx.search_store.texts(ids)
    assert list(texts) == [archive.pages["p1"]]
