"""The thumbnail caches are bounded by bytes, least recently used out first (issue 15)."""

from __future__ import annotations

from hukou_scan.services.cache import ByteLRU


def test_evicts_least_recently_used_to_stay_within_the_byte_budget() -> None:
    cache: ByteLRU[str, bytes] = ByteLRU(max_bytes=100)
    for k in "abc":
        cache.put(k, k.encode() * 30, 30)
    assert cache.total_bytes == 90 and list(cache) == ["a", "b", "c"]
    assert cache.get("a") == b"a" * 30  # a is now the most recent
    cache.put("d", b"d" * 40, 40)  # 130 > 100: b goes, then 100 fits
    assert list(cache) == ["c", "a", "d"] and cache.total_bytes == 100
    assert cache.get("b") is None


def test_replacing_an_entry_counts_its_new_size_and_an_oversized_entry_is_not_kept() -> None:
    cache: ByteLRU[str, str] = ByteLRU(max_bytes=50)
    cache.put("a", "x", 20)
    cache.put("a", "y", 40)
    assert cache.total_bytes == 40 and cache.get("a") == "y"
    cache.put("huge", "z", 51)
    assert "huge" not in cache and list(cache) == ["a"]
    assert cache.pop("a") == "y" and cache.total_bytes == 0 and len(cache) == 0


def test_many_small_entries_never_exceed_the_budget() -> None:
    cache: ByteLRU[int, bytes] = ByteLRU(max_bytes=12_000)
    for i in range(5000):
        cache.put(i, b"", 700 + (i * 37) % 900)
        assert cache.total_bytes <= 12_000
    assert 0 < len(cache) < 20
