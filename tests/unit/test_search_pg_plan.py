"""How the PostgreSQL search picks its plan shape per tier (issue 19), without a server.

The store estimates a query's share of index rows from the planner's token statistics
and walks the newest rows when that is cheaper than reading the GIN posting lists; the
benchmark projects the p95 at 10 M pages from the sizes it measured.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.bench_search import project_p95
from hukou_scan.search.query import parse
from hukou_scan.storage.db import Database
from hukou_scan.storage.search import META_MARK, SearchIndexStore

FREQ = {"的": 0.24, "武昌": 0.17, "昌区": 0.12, "区东": 0.084, "王": 0.02, "_王": 0.01, "1985": 0.02}
FLOOR = 0.003


@pytest.fixture
def store(tmp_path: Path) -> SearchIndexStore:
    return SearchIndexStore(Database(f"sqlite:///{tmp_path / 'x.sqlite3'}"))


def est(q: str, mark: str = "") -> float:
    return SearchIndexStore._pg_estimate(parse(q).groups, mark, FREQ, FLOOR)


def test_phrase_share_is_its_rarest_bigram_not_the_product() -> None:
    # The planner multiplies (0.17 * 0.12 * 0.084 = 0.0017) and then fetched every match
    # from the heap; bigrams of one phrase come together.
    assert est("武昌区东") == pytest.approx(0.084)


def test_separate_words_multiply_and_unknown_tokens_are_rarer_than_the_floor() -> None:
    assert est("王 的") == pytest.approx(0.02 * 0.24)
    assert est("鑫") == pytest.approx(FLOOR / 2)
    assert est("王", META_MARK) == pytest.approx(0.01)  # the metadata copy of the token


def test_prefix_is_at_least_the_tokens_it_starts() -> None:
    assert est("198") == pytest.approx(0.02)
    assert est("7777777") == pytest.approx(FLOOR / 2)


def test_common_tokens_walk_rare_ones_use_the_bitmap_and_the_line_moves_with_size(
    store: SearchIndexStore,
) -> None:
    walk, window = store._pg_plan_tier(0.24, 1_000_000, 51)
    assert walk and window == store.pg_min_window  # 51 matches expected in ~210 rows
    walk, window = store._pg_plan_tier(0.003, 1_000_000, 51)
    assert not walk and window == 68_000  # ~4 times the rows expected to hold 51 matches
    # 3 % : the bitmap at a million rows, a walk at ten million (posting lists 10x longer)
    assert not store._pg_plan_tier(0.03, 1_000_000, 51)[0]
    assert store._pg_plan_tier(0.03, 10_000_000, 51)[0]
    assert store._pg_plan_tier(1e-7, 1_000, 51) == (False, 1_000)  # never past the table


def test_projection_to_ten_million_pages_keeps_the_larger_fit() -> None:
    out = project_p95({1_000_000: {"a": 10.0, "b": 20.0}, 2_000_000: {"a": 20.0, "b": 20.0}}, "pg")
    assert out["pg_p95_growth_exponent_a"] == pytest.approx(1.0)
    assert out["pg_p95_ms_a_proj_10m_power"] == pytest.approx(100.0)
    assert out["pg_p95_ms_a_proj_10m_linear"] == pytest.approx(100.0)
    assert out["pg_p95_ms_b_proj_10m"] == pytest.approx(20.0)  # flat stays flat
    sub = project_p95({1_000_000: {"c": 10.0}, 4_000_000: {"c": 20.0}}, "pg")
    assert sub["pg_p95_growth_exponent_c"] == pytest.approx(0.5)
    assert sub["pg_p95_ms_c_proj_10m_power"] == pytest.approx(10 * math.sqrt(10), rel=1e-3)
    assert sub["pg_p95_ms_c_proj_10m"] == pytest.approx(sub["pg_p95_ms_c_proj_10m_linear"])  # 40 > 31.6
    assert "no projection" in project_p95({1_000_000: {"a": 1.0}}, "pg")["pg_proj_basis"]
