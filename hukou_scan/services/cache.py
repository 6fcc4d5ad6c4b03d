"""A least-recently-used cache bounded by the bytes it holds, not by its number of entries.

Why: the page strip's thumbnail caches were bounded by count (512 entries) or only by the
pages of the open batch; thumbnails differ in size by a factor of ten (a blank page, a
dense form, a colour photo), so a count says little about memory, and a day of capturing
grew the GUI process by megabytes a minute (issue 15).  A byte budget is what the
station actually has.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_THUMBNAIL_BUDGET = 12_000_000  # bytes: a few hundred page-strip thumbnails


class ByteLRU(Generic[K, V]):
    """Thread-safe LRU mapping whose entries' declared sizes sum to at most ``max_bytes``.

    An entry larger than the whole budget is not kept at all (it would evict everything).
    """

    def __init__(self, max_bytes: int = DEFAULT_THUMBNAIL_BUDGET) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V, nbytes: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if nbytes > self.max_bytes:
                return
            self._items[key] = (value, nbytes)
            self._bytes += nbytes
            while self._bytes > self.max_bytes:
                _k, (_v, n) = self._items.popitem(last=False)
                self._bytes -= n

    def pop(self, key: K) -> V | None:
        with self._lock:
            item = self._items.pop(key, None)
            if item is None:
                return None
            self._bytes -= item[1]
            return item[0]

    def keys(self) -> list[K]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[K]:
        """The keys, oldest first (a snapshot: safe to change the cache while iterating)."""
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self._bytes
